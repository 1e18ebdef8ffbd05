"""FHIR R4 (4.0.1) for clinic systems: the interview as a Questionnaire, the codes as a
CodeSystem, a result as a Bundle (QuestionnaireResponse + RiskAssessment). Reading a
QuestionnaireResponse back as a batch record is ``spinetriage.records.fhir``.

Pure: FHIR JSON is plain data, built here with dicts; no FHIR library is imported at run time
(the tests validate everything against ``fhir.resources``). Every item, option and code comes
from the vocabulary (QUESTIONS, CHECKLISTS, RED_FLAGS, TIERS) and from the rules file
(outcomes, titles, version); nothing here names a particular answer, sign or outcome.

The URLs below are canonical identifiers, not addresses: nothing is ever fetched from
them (``.example`` is reserved and never resolves). No patient identity is ever written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any

from spinetriage._version import __version__
from spinetriage.core import i18n
from spinetriage.core.answers import Answers
from spinetriage.core.engine import Result
from spinetriage.core.i18n import N_, _
from spinetriage.core.ruleset import PHASES, RuleSet
from spinetriage.core.vocabulary import (
    CHECKLISTS,
    QUESTIONS,
    RED_FLAGS,
    TIERS,
    Checklist,
)
from spinetriage.rules.load import load_rules

BASE = "https://spinetriage.example/fhir"
CODESYSTEM_URL = f"{BASE}/CodeSystem/spinetriage"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/spine-pain"
EXTENSION_URL = f"{BASE}/StructureDefinition"
UCUM = "http://unitsofmeasure.org"
#: The checklist answer "none of these apply": an answer, distinct from no answer at all.
NONE_CODE = "none-of-these"
NONE_DISPLAY = N_("None of these")
#: The Questionnaire's title, and what the RiskAssessment assesses.
TITLE = N_("Spine pain self-triage")
#: How a person is named where FHIR requires a subject: a display only, identifying no one.
ANONYMOUS = N_("Anonymous: the person who answered (no identity recorded)")
#: UCUM codes for how long, as the flags count them (a month is 30 days, a year 365).
DURATION_UNITS = (("d", N_("day"), "d"), ("wk", N_("week"), "w"), ("mo", N_("month"), "m"), ("a", N_("year"), "y"))
RESPONSE_STATUSES = ("completed", "amended", "stopped", "in-progress")

_EXT_OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
_EXT_UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption"
_EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
_NOT_SELECTABLE = "http://hl7.org/fhir/concept-properties#notSelectable"
_LABELS_FALLBACK = {"red_flags": N_("Warning signs")}
#: R4's extension for a text in another language, on the element of the primitive it translates
#: (``"_text"`` beside ``"text"``): sub-extensions ``lang`` (valueCode) and ``content`` (valueString).
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
#: The language of the Questionnaire's own texts (its ``language``): the source texts.
SOURCE_LANGUAGE = i18n.DEFAULT
_ITEM_TYPES = {"set": "choice", "choice": "choice", "bool": "boolean", "int": "integer"}


def _labels() -> dict[str, str]:
    """The answers' labels in the language in use."""
    from spinetriage.formats.report import LABELS

    return {k: _(v) for k, v in {**_LABELS_FALLBACK, **LABELS}.items()}


@contextmanager
def _speaking(lang: str) -> Iterator[None]:
    """The language ``lang`` for a while, then the one in use before."""
    before = i18n.current()
    if lang == before:
        yield
        return
    i18n.use(lang)
    try:
        yield
    finally:
        i18n.use(before)


def _translations() -> list[str]:
    """The languages other than the source one that the Questionnaire carries texts in."""
    return [lang for lang in i18n.LANGUAGES if lang != SOURCE_LANGUAGE]


def _translated(element: dict[str, Any], key: str, texts: dict[str, str]) -> None:
    """Add ``texts`` ({lang: text}) to ``element[key]`` as R4 translation extensions on ``_key``."""
    ext = [{"url": TRANSLATION_URL, "extension": [{"url": "lang", "valueCode": lang},
                                                  {"url": "content", "valueString": text}]}
           for lang, text in texts.items() if text]
    if ext and key in element:
        element["_" + key] = {"extension": ext}


def _in_languages(build: Callable[[], Any]) -> dict[str, Any]:
    """{lang: build()} for every language the Questionnaire carries, the source one included."""
    out = {}
    for lang in [SOURCE_LANGUAGE, *_translations()]:
        with _speaking(lang):
            out[lang] = build()
    return out


# --- the order of the interview ---------------------------------------------------------


def _question_keys() -> list[str]:
    """The answers asked as questions (the red flags are asked as checklists)."""
    return [key for key in QUESTIONS if key != "red_flags"]


@lru_cache(maxsize=1)
def _link_ids() -> tuple[str, ...]:
    return tuple([c.id for c in CHECKLISTS if c.before_questions] + _question_keys()
                 + [c.id for c in CHECKLISTS if not c.before_questions])


def link_ids() -> list[str]:
    """Every item's linkId, in the order the interview asks them."""
    return list(_link_ids())


@lru_cache(maxsize=1)
def _checklist_by_id() -> dict[str, Checklist]:
    return {c.id: c for c in CHECKLISTS}


def coding(code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": CODESYSTEM_URL, "code": code}
    if display:
        out["display"] = display
    return out


# --- the CodeSystem ---------------------------------------------------------------------


def codesystem(rules: RuleSet | None = None) -> dict[str, Any]:
    """Outcome, phase, answer and red-flag codes, versioned with the rules."""
    rules = rules or load_rules()
    questions = QUESTIONS

    def group(code: str, display: str, children: list[dict[str, Any]]) -> dict[str, Any]:
        return {"code": code, "display": display,
                "property": [{"code": "notSelectable", "valueBoolean": True}], "concept": children}

    concepts = [
        group("outcome", "Outcomes, most urgent first", [
            {"code": o.id, "display": o.title, "definition": o.advice,
             "property": [{"code": "rank", "valueInteger": o.rank}]}
            for o in rules.outcomes
        ]),
        group("phase", "Pain phases, from how long it has lasted", [
            {"code": p, "display": p, "definition": rules.phases.get(p, {}).get("text", p)} for p in PHASES
        ]),
    ]
    for key, q in questions.items():
        if q.kind not in ("set", "choice") or key == "red_flags":
            continue
        concepts.append(group(key, _labels().get(key, key), [
            {"code": value, "display": words} for value, words in q.choices.items()
        ]))
    concepts.append(group("red_flags", "Warning signs and risk factors (the red-flag ids)", [
        {"code": sign, "display": words, "property": [{"code": "tier", "valueCode": TIERS[sign]}]}
        for sign, words in RED_FLAGS.items()
    ]))
    concepts.append({"code": NONE_CODE, "display": NONE_DISPLAY,
                     "definition": "The answer to a checklist when none of its signs applies "
                                   "(an unanswered checklist is not answered, not none)."})
    codes = [c["code"] for c in _flatten(concepts)]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:  # a vocabulary change that FHIR codes cannot tell apart
        raise ValueError(f"codes used twice in the CodeSystem: {', '.join(duplicates)}")
    return {
        "resourceType": "CodeSystem",
        "id": "spinetriage",
        "url": CODESYSTEM_URL,
        "version": rules.version,
        "name": "SpinetriageCodes",
        "title": "spinetriage: outcome and answer codes",
        "status": "active",
        "experimental": False,
        "publisher": "spinetriage",
        "description": ("Codes of the spinetriage spine-pain self-triage: the outcome ladder (most urgent "
                        "first), the pain phases, the answer values and the red-flag ids. The url is an "
                        "identifier, not an address. Not a diagnosis."),
        "caseSensitive": True,
        "hierarchyMeaning": "grouped-by",
        "content": "complete",
        "count": len(codes),
        "property": [
            {"code": "notSelectable", "uri": _NOT_SELECTABLE, "type": "boolean",
             "description": "A group heading, not a code to use"},
            {"code": "rank", "type": "integer", "description": "Outcome urgency: 0 is the most urgent"},
            {"code": "tier", "type": "code",
             "description": "emergency and urgent: the least outcome this sign alone leads to; "
                            "risk: counts only as the rules say"},
        ],
        "concept": concepts,
    }


def _flatten(concepts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in concepts:
        out.append(c)
        out.extend(_flatten(c.get("concept", [])))
    return out


# --- the Questionnaire ------------------------------------------------------------------


def _emergency_codes(checklist_ids: list[str]) -> list[str]:
    by_id = _checklist_by_id()
    return [s for cid in checklist_ids for s in by_id[cid].items if TIERS.get(s) == "emergency"]


def _enable_when(earlier: list[str]) -> dict[str, Any]:
    """Asked only when no emergency sign was ticked in an earlier checklist (they end the questions)."""
    by_id = _checklist_by_id()
    conditions = [
        {"question": cid, "operator": "!=", "answerCoding": coding(sign, _(RED_FLAGS[sign]))}
        for cid in earlier for sign in by_id[cid].items if TIERS.get(sign) == "emergency"
    ]
    if not conditions:
        return {}
    return {"enableWhen": conditions, "enableBehavior": "all"}


def _question_item(key: str) -> dict[str, Any]:
    q = QUESTIONS[key]
    item: dict[str, Any] = {"linkId": key, "text": _labels().get(key, key), "required": not q.optional}
    if key == "duration_days":
        # how long, with a unit as the flags take it (3d, 2w, 4m, 1y)
        item["type"] = "quantity"
        item["extension"] = [{"url": _EXT_UNIT_OPTION, "valueCoding": {"system": UCUM, "code": code, "display": _(name)}}
                             for code, name, _flag in DURATION_UNITS]
        return item
    item["type"] = _ITEM_TYPES[q.kind]
    if q.kind in ("set", "choice"):
        item["repeats"] = q.kind == "set"
        item["answerOption"] = [{"valueCoding": coding(v, _(words))} for v, words in q.choices.items()]
    elif q.kind == "int" and q.bounds:
        item["extension"] = [{"url": _EXT_MIN, "valueInteger": q.bounds[0]},
                             {"url": _EXT_MAX, "valueInteger": q.bounds[1]}]
    return item


def _checklist_item(c: Checklist) -> dict[str, Any]:
    options = [{"valueCoding": coding(sign, _(RED_FLAGS[sign]))} for sign in c.items]
    options.append({"valueCoding": coding(NONE_CODE, _(NONE_DISPLAY)),
                    "extension": [{"url": _EXT_OPTION_EXCLUSIVE, "valueBoolean": True}]})
    text = _("{heading}. {question} (tick all that apply)").format(heading=_(c.heading), question=_(c.question))
    return {"linkId": c.id, "prefix": _(c.heading), "text": text,
            "type": "choice", "repeats": True, "required": True, "answerOption": options}


def _codings(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The Codings of an item a person reads: its answer options, its unit options, and those
    its enableWhen names."""
    return ([o["valueCoding"] for o in item.get("answerOption", [])]
            + [e["valueCoding"] for e in item.get("extension", []) if "valueCoding" in e]
            + [w["answerCoding"] for w in item.get("enableWhen", []) if "answerCoding" in w])


def _with_translations(versions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The source language's item, carrying the other languages' texts of its prefix, text and
    codings' displays (the items are built alike in every language: same keys, same order)."""
    item = versions[SOURCE_LANGUAGE]
    others = {lang: v for lang, v in versions.items() if lang != SOURCE_LANGUAGE}
    for key in ("prefix", "text"):
        _translated(item, key, {lang: v.get(key, "") for lang, v in others.items()})
    for i, code in enumerate(_codings(item)):
        _translated(code, "display", {lang: _codings(v)[i].get("display", "") for lang, v in others.items()})
    return item


def _items() -> list[dict[str, Any]]:
    """The Questionnaire's items, in the language in use."""
    by_id = _checklist_by_id()
    items = []
    lists_so_far: list[str] = []
    for link in link_ids():
        item = _checklist_item(by_id[link]) if link in by_id else _question_item(link)
        item.update(_enable_when(lists_so_far))
        items.append(item)
        if link in by_id:
            lists_so_far.append(link)
    return items


def questionnaire(rules: RuleSet | None = None) -> dict[str, Any]:
    """The interview as a Questionnaire, in the order spinetriage asks it."""
    rules = rules or load_rules()
    versions = _in_languages(lambda: (_(TITLE), _items()))  # one switch of language each, not one per item
    items = [_with_translations({lang: v[1][i] for lang, v in versions.items()}) for i in range(len(link_ids()))]
    out = {
        "resourceType": "Questionnaire",
        "id": "spine-pain",
        "language": SOURCE_LANGUAGE,
        "url": QUESTIONNAIRE_URL,
        "version": rules.version,
        "name": "SpinePainTriage",
        "title": versions[SOURCE_LANGUAGE][0],
        "status": "active",
        "experimental": False,
        "subjectType": ["Patient"],
        "publisher": "spinetriage",
        "description": ("The spinetriage interview: where to go, how soon, and why. Not a diagnosis. An "
                        "emergency sign ends the questions (the items after it are not enabled). Codes: "
                        f"{CODESYSTEM_URL}. The url is an identifier, not an address."),
        "item": items,
    }
    _translated(out, "title", {lang: v[0] for lang, v in versions.items() if lang != SOURCE_LANGUAGE})
    return out


# --- a result as a Bundle -----------------------------------------------------------------


def _asked_checklists(answers: Answers, ended_early: bool) -> list[Checklist]:
    """The checklists answered: all of them, or, when an emergency ended the questions,
    those up to the last one holding a sign (the questions stopped there)."""
    if answers.red_flags is None:
        return []
    order = [c for c in CHECKLISTS if c.before_questions] + [c for c in CHECKLISTS if not c.before_questions]
    if not ended_early:
        return order
    last = max((i for i, c in enumerate(order) if answers.red_flags & set(c.items)), default=-1)
    return order[:last + 1]


def _answer_values(key: str, value: Any) -> list[dict[str, Any]]:
    q = QUESTIONS[key]
    if key == "duration_days":
        return [{"valueQuantity": {"value": value, "unit": "days", "system": UCUM, "code": "d"}}]
    if q.kind == "set":
        return [{"valueCoding": coding(v, _(words))} for v, words in q.choices.items() if v in value]
    if q.kind == "choice":
        return [{"valueCoding": coding(value, _(q.choices[value]))}]
    if q.kind == "bool":
        return [{"valueBoolean": value}]
    return [{"valueInteger": value}]


def response(result: Result, when: date | None = None) -> dict[str, Any]:
    """The answers of ``result`` as a QuestionnaireResponse: only the items asked.

    ``stopped`` (partly filled out, no more to come) when an emergency ended the questions.
    Its ``language`` is the language in use: the one the questions were asked and answered in.
    """
    answers = result.answers
    labels = _labels()
    asked = {c.id: c for c in _asked_checklists(answers, result.ended_early)}
    items = []
    for link in link_ids():
        if link in asked:
            c = asked[link]
            present = [s for s in c.items if s in (answers.red_flags or ())]
            values = [{"valueCoding": coding(s, _(RED_FLAGS[s]))} for s in present] or [
                {"valueCoding": coding(NONE_CODE, _(NONE_DISPLAY))}]
            text = _("{heading}. {question}").format(heading=_(c.heading), question=_(c.question))
            items.append({"linkId": link, "text": text, "answer": values})
        elif link in QUESTIONS and getattr(answers, link) is not None:
            items.append({"linkId": link, "text": labels.get(link, link),
                          "answer": _answer_values(link, getattr(answers, link))})
    out: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "language": i18n.current(),
        "questionnaire": f"{QUESTIONNAIRE_URL}|{result.rules_version}",
        "status": "stopped" if result.ended_early else "completed",
    }
    if when is not None:
        out["authored"] = when.isoformat()
    out["item"] = items
    return out


def _extension(name: str, **value: Any) -> dict[str, Any]:
    return {"url": f"{EXTENSION_URL}/{name}", **value}


def risk_assessment(result: Result, basis: str | None = None, when: date | None = None) -> dict[str, Any]:
    """The recommendation as a RiskAssessment: the outcome coded, each reason, the disclaimer."""
    outcome = {"coding": [coding(result.outcome, result.title)], "text": result.title}
    prediction: dict[str, Any] = {"outcome": outcome}
    if result.reasons:
        prediction["rationale"] = "\n".join(
            _("{reason} (Source: {source}; rule {rule})").format(reason=r.text, source=r.source, rule=r.rule)
            for r in result.reasons)
        prediction["extension"] = [
            _extension("reason", extension=[
                {"url": "rule", "valueCode": r.rule},
                {"url": "outcome", "valueCoding": coding(r.outcome)},
                {"url": "text", "valueString": r.text},
                {"url": "source", "valueString": r.source},
            ]) for r in result.reasons
        ]
    else:
        from spinetriage.formats.report import NO_REASON

        prediction["rationale"] = _(NO_REASON)
    net = result.safety_net or {}
    notes = [result.disclaimer] if result.disclaimer else []
    if result.phase_text:
        notes.append(result.phase_text)
    if net.get("emergency_signs"):
        notes.append(_("Call the emergency number at once if you have: {signs}.").format(
            signs="; ".join(net["emergency_signs"])))
    if net.get("if_worse"):
        notes.append(net["if_worse"])
    if result.ended_early:
        from spinetriage.formats.report import ENDED_EARLY

        notes.append(_(ENDED_EARLY))
    out: dict[str, Any] = {"resourceType": "RiskAssessment", "language": i18n.current()}
    if result.phase:
        out["extension"] = [_extension("phase", valueCoding=coding(result.phase))]
    out.update({
        "status": "final",
        "method": {"text": _("spinetriage {version}, rules version {rules_version}").format(
            version=__version__, rules_version=result.rules_version)},
        "code": {"text": _(TITLE)},
        "subject": {"display": _(ANONYMOUS)},
    })
    if when is not None:
        out["occurrenceDateTime"] = when.isoformat()
    if basis:
        out["basis"] = [{"reference": basis}]
    out["prediction"] = [prediction]
    mitigation = " ".join([result.advice, *result.steps]).strip()
    if mitigation:
        out["mitigation"] = mitigation
    out["note"] = [{"text": n} for n in notes if n]
    return out


def bundle(result: Result, when: date | None = None) -> dict[str, Any]:
    """``ask --format fhir``: a collection Bundle of the QuestionnaireResponse and the RiskAssessment."""
    qr_url, ra_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": qr_url, "resource": response(result, when)},
            {"fullUrl": ra_url, "resource": risk_assessment(result, qr_url, when)},
        ],
    }


def to_json(result: Result, when: date | None = None) -> str:
    import json

    return json.dumps(bundle(result, when), ensure_ascii=False, separators=(",", ":"))  # one line: NDJSON as batch reads it
