"""``--input-format fhir``: each line a FHIR R4 QuestionnaireResponse (or a Bundle holding one),
read into the record JSON Lines uses.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

from spinetriage.core.errors import AnswerError
from spinetriage.core.parse import show
from spinetriage.core.vocabulary import CHECKLISTS, QUESTIONS, RED_FLAGS, TIERS, UNITS
from spinetriage.formats.fhir import (
    CODESYSTEM_URL,
    DURATION_UNITS,
    NONE_CODE,
    QUESTIONNAIRE_URL,
    RESPONSE_STATUSES,
    UCUM,
    _checklist_by_id,
    _link_ids,
)
from spinetriage.records.jsonl import JsonLines
from spinetriage.records.lines import _Long, _text
from spinetriage.records.rescue import NOT_AN_OBJECT, Rescued, _unreadable


class FhirResponses(JsonLines):
    """``--input-format fhir``: each line a FHIR QuestionnaireResponse (or a Bundle holding one),
    read into the record JSON Lines uses (``fhir.read_response``); the rest is the normal path."""

    def record(self, raw: Any, number: int) -> tuple[Any, str | None, str | None] | None:
        got = super().record(raw, number)
        if got is None or type(raw) is _Long:
            return got
        if got[1] is None and not isinstance(got[0], Rescued):
            return read_response(got[0], got[2])
        ident = got[0].get("id") if isinstance(got[0], dict) else None
        return self.unreadable(raw, number, got[1] or got[2] or "", ident)

    def unreadable(self, raw: bytes, number: int, problem: str, ident: Any) -> tuple[Any, str | None, str | None]:
        """A line that is not one JSON object, said in FHIR's words: a piece of a pretty-printed
        file or a JSON array gets the way to one resource a line. An emergency sign named in it
        still decides, but not one in text for people (the safety net of a RiskAssessment
        lists every emergency sign in words: no sign of this person's)."""
        text, _ = _text(raw, number)
        if problem.startswith("not valid JSON (") and "nested too deeply" not in problem:
            problem = (problem.split("; each line")[0] + "; batch --input-format fhir reads one resource a line "
                       "(NDJSON), not pretty-printed JSON: put each on one line, e.g. with jq -c . FILE "
                       "(for a JSON array of resources: jq -c '.[]' FILE)")
        elif NOT_AN_OBJECT in problem:
            problem = problem.replace(NOT_AN_OBJECT, "record: not a JSON object; each line must be one "
                                      "QuestionnaireResponse, or a Bundle holding one (for a JSON array of "
                                      "resources: jq -c '.[]' FILE)")
        return _unreadable(re.sub(_FHIR_TEXT, '""', text), problem, ident)


#: A FHIR element holding text for people (a question, a display, a note), as JSON text.
_FHIR_TEXT = (r'"(?:text|display|div|rationale|mitigation|description|definition|title|prefix|comment)"'
              r'\s*:\s*"(?:[^"\\]|\\.)*"')


# --- a QuestionnaireResponse back to a record ------------------------------------------------

_EMERGENCY = frozenset(sign for sign, tier in TIERS.items() if tier == "emergency")
_SEPARATORS = "[-_\\s\u2010-\u2015\u2212]+"  # as people write an id: any case, words joined by -, _, spaces, dashes
_SHORTEST = min(map(len, _EMERGENCY))  # no shorter text names one
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
#: Not answers: text for people (the safety net of a RiskAssessment, a coding's display, an item's
#: question), names (ids, code systems, an item's linkId: a sign only if the item is answered yes)
#: and the resource's own state (its type, status, date).
_NOT_ANSWERS = frozenset({"text", "display", "div", "rationale", "mitigation", "description", "definition",
                          "title", "prefix", "comment", "linkId", "id", "system", "url", "fullUrl", "reference",
                          "questionnaire", "resourceType", "type", "status", "authored"})
_YES = frozenset({"yes", "y", "true"})
#: What the reader reads in an item, or names and text beside it; anything else is searched for signs.
_ITEM_KEYS = frozenset({"linkId", "text", "answer", "definition", "id"})
_BUNDLE_KEYS = frozenset({"resourceType", "id", "type", "entry", "timestamp", "meta"})
_RESPONSE_KEYS = frozenset({"resourceType", "id", "language", "questionnaire", "status", "authored", "item",
                            "text"})
_SCALAR_VALUES = frozenset({"valueBoolean", "valueInteger", "valueDecimal"})
_QUANTITY_KEYS = frozenset({"value", "unit", "system", "code", "comparator"})
#: Every code of the Questionnaire's answers, as written (other codes are searched for a sign).
_VOCABULARY = frozenset([*RED_FLAGS, NONE_CODE, *(v for q in QUESTIONS.values() for v in (q.choices or ()))])


@lru_cache(maxsize=1)
def _emergency_names() -> re.Pattern[str]:
    """Each emergency sign id however it is written, as a word of its own (compiled when first
    needed: only a response that is not as the Questionnaire asks is searched)."""
    return re.compile("|".join(
        r"(?<![A-Za-z0-9])" + _SEPARATORS.join(map(re.escape, sign.split("-"))) + r"(?![A-Za-z0-9])"
        for sign in sorted(_EMERGENCY, key=len, reverse=True)), re.IGNORECASE)


def _sign_named(text: str, words: bool = False) -> list[str]:
    """The emergency signs ``text`` names: the whole of it (a code in any letter case, its words
    joined by -, _, spaces or dashes), or with ``words`` any of its words (an answer typed in)."""
    if text in _EMERGENCY:
        return [text]
    if len(text) < _SHORTEST:
        return []
    text = text.translate(_INVISIBLE)
    if words:
        found = _emergency_names().finditer(text)
    else:
        whole = _emergency_names().fullmatch(text.strip()) if len(text) < 80 else None
        found = [whole] if whole else []
    return [re.sub(_SEPARATORS, "-", m.group().lower()) for m in found]


def _named_emergencies(node: Any, answers: bool = False) -> set[str]:
    """Every emergency sign named anywhere in a JSON value, however it is nested or mistyped: a
    string (a code, a list item, a key) that is a sign id, or a sign in the words of a
    ``valueString`` answer (``answers``: ``node`` is one; else under an ``answer`` key). What is not
    an answer (all under a key of ``_NOT_ANSWERS``, the words of other strings) does not count.
    Iterative: any depth."""
    found: set[str] = set()
    stack: list[tuple[Any, Any, bool]] = [(None, node, answers)]
    while stack:
        key, value, answer = stack.pop()
        kind = type(value)
        if kind is str:
            found.update(_sign_named(value, words=answer and key == "valueString"))
        elif kind is dict:
            for k, v in value.items():
                if k not in _NOT_ANSWERS:
                    found.update(_sign_named(k))
                    stack.append((k, v, answer or k == "answer"))
            link = value.get("linkId")
            if type(link) is str and _said_yes(value.get("answer")):
                found.update(_sign_named(link))
        elif kind is list:
            stack.extend((key, v, answer) for v in value)
    return found


def _said_yes(answers: Any) -> bool:
    """An item answered yes (true, or a code or text "yes"): an item named for a sign then names it."""
    for a in answers if type(answers) is list else [answers]:
        if type(a) is dict:
            value = a.get("valueBoolean", a.get("valueString"))
            if type(a.get("valueCoding")) is dict:
                value = a["valueCoding"].get("code")
            if value is True or (type(value) is str and value.strip().lower() in _YES):
                return True
    return False


def _plain_quantity(quantity: dict[str, Any]) -> bool:
    """A quantity of numbers and short text (a unit), where no sign can be named."""
    if not quantity.keys() <= _QUANTITY_KEYS:
        return False
    for value in quantity.values():
        kind = type(value)
        if kind is str:
            if len(value) >= _SHORTEST and value != UCUM:
                return False
        elif kind is not int and kind is not float:
            return False
    return True


def _signs_in(answers: list[Any], out: set[str]) -> set[str] | None:
    """Adds to ``out`` the red-flag ids coded in an item's answers (our code system or none
    named), whatever else is wrong; returns the emergency signs named in them any other way
    (another case or code system, a valueString, a nested item...). Plain codings are checked
    quickly, the rest is searched; None when every answer was plain."""
    other: set[str] | None = None
    for answer in answers:
        if type(answer) is dict and len(answer) == 1:
            coding = answer.get("valueCoding")
            if type(coding) is dict:
                code = coding.get("code")
                n = len(coding)  # no more than a code, its system and display:
                if type(code) is str and (n == 3 and "system" in coding and "display" in coding or n == 1
                                          or n == 2 and ("system" in coding or "display" in coding)):
                    system = coding.get("system", CODESYSTEM_URL)
                    if system == CODESYSTEM_URL:
                        if code in RED_FLAGS:
                            out.add(code)
                        elif code not in _VOCABULARY:
                            other = {*(other or ()), *_sign_named(code)}
                        continue
                    if type(system) is str:  # another code system: only an emergency sign counts
                        other = {*(other or ()), *_sign_named(code)}
                        continue
            else:
                (key, value), = answer.items()  # a number, a yes or no, a quantity: no sign
                kind = type(value)
                if (key in _SCALAR_VALUES and (kind is bool or kind is int or kind is float)) or (
                        key == "valueQuantity" and kind is dict and _plain_quantity(value)):
                    continue
        other = {*(other or ()), *_named_emergencies(answer, answers=True)}
    return other


def ResponseError(where: str, problem: str, accepted: str) -> AnswerError:  # noqa: N802 - reads as a raise
    """A QuestionnaireResponse that does not answer the Questionnaire, naming the item.

    A plain ``AnswerError`` (its ``field`` is where), so batch words it like any other.
    """
    return AnswerError(where, None, accepted, problem)


def _the_responses(resource: Any) -> list[Any]:
    """The QuestionnaireResponses of a line: itself, or those its Bundle holds (entries as a list)."""
    if type(resource) is not dict:
        raise ResponseError("resourceType", "not a JSON object",
                            "each line must be one QuestionnaireResponse, or a Bundle holding one")
    kind = resource.get("resourceType")
    if kind == "QuestionnaireResponse":
        return [resource]
    if kind == "Bundle":
        entries = resource.get("entry")
        if type(entries) is not list:
            problem = "has no entry" if entries is None else f"entry is {show(entries)}, not a list"
            raise ResponseError("Bundle", problem, "a Bundle's entry is a list holding one QuestionnaireResponse")
        return [e["resource"] for e in entries if type(e) is dict and type(e.get("resource")) is dict
                and e["resource"].get("resourceType") == "QuestionnaireResponse"]
    raise ResponseError("resourceType", f"{show(kind)} is not accepted",
                        "accepted: QuestionnaireResponse, or a Bundle holding one")


def _the_response(resource: Any) -> Mapping[str, Any]:
    found = _the_responses(resource)
    if len(found) == 1:
        return found[0]
    raise ResponseError("Bundle", f"holds {len(found)} QuestionnaireResponses",
                        "a Bundle must hold exactly one QuestionnaireResponse (put each on a line of its own); "
                        "an emergency sign in any of them still decides")


def _around(bundle: dict[str, Any], qr: Any) -> set[str]:
    """The emergency signs a Bundle names outside its QuestionnaireResponse, in anything but a
    RiskAssessment (the result ``ask`` wrote beside it, quoting the rules)."""
    outside = []
    for entry in bundle["entry"]:
        if type(entry) is dict:
            resource = entry.get("resource")
            if resource is qr or (type(resource) is dict and resource.get("resourceType") == "RiskAssessment"):
                continue
        outside.append(entry)
    if not bundle.keys() <= _BUNDLE_KEYS:
        outside.append({k: v for k, v in bundle.items() if k not in _BUNDLE_KEYS})
    return _named_emergencies(outside) if outside else set()


def response_id(resource: Any) -> str | None:
    """The id echoed in batch output: the QuestionnaireResponse's id, else its Bundle's (never a person's)."""
    try:
        qr: Any = _the_response(resource)
    except AnswerError:
        qr = None
    return _id_of(resource, qr)


def _id_of(resource: Any, qr: Any) -> str | None:
    for candidate in (qr, resource):
        if isinstance(candidate, dict) and isinstance(candidate.get("id"), str):
            return candidate["id"]
    return None


def _codes(link: str, answers: list[Any], options: list[str]) -> list[str]:
    codes = []
    for a in answers:
        c = a.get("valueCoding") if type(a) is dict else None
        code = c.get("code") if type(c) is dict else None
        if type(code) is not str:
            raise ResponseError(f"item {link!r}", "an answer is not a valueCoding with a code"
                                if c is None else f"the valueCoding {show(c)} has no code as text",
                                f"answer with valueCoding codes of {CODESYSTEM_URL}: {', '.join(options)}")
        system = c.get("system", CODESYSTEM_URL)
        if system != CODESYSTEM_URL:
            raise ResponseError(f"item {link!r}", f"code system {show(system)} is not accepted",
                                f"accepted: {CODESYSTEM_URL}")
        codes.append(code)
    return codes


def _listed(value: Any) -> list[Any]:
    """An ``item`` or ``answer`` list as given, or what stands in its place as a list of one (an
    object written for a list of one, or a mistake: still searched for signs); absent: none."""
    return value if type(value) is list else [] if value is None else [value]


def _not_a_list(where: str, name: str, value: Any) -> AnswerError:
    return ResponseError(where, f"{name} is {'an object' if type(value) is dict else show(value)}, not a list",
                         "write a list, with [ ] even around one")


_FLAT = "the Questionnaire has no groups or nested items: give each item at the top level"


def _nested(link: str, item: dict[str, Any], answers: list[Any]) -> AnswerError | None:
    """Nested items (a group, or items under an answer): the Questionnaire has none."""
    if item.get("item"):
        return ResponseError(f"item {link!r}", "holds nested items", _FLAT)
    if any(type(a) is dict and a.get("item") for a in answers):
        return ResponseError(f"item {link!r}", "an answer holds nested items", _FLAT)
    if any(type(a) is dict and sum(k.startswith("value") for k in a) > 1 for a in answers):
        return ResponseError(f"item {link!r}", "an answer has more than one value", "one value[x] in each answer")
    return None


def _only(link: str, answers: list[Any], field: str, kind: type | tuple[type, ...], what: str) -> Any:
    if len(answers) != 1:
        raise ResponseError(f"item {link!r}", f"has {len(answers)} answers", f"give exactly one {what}")
    a = answers[0]
    value = a.get(field) if type(a) is dict else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ResponseError(f"item {link!r}", f"the answer is not a {field}", f"give one {field}: {what}")
    return value


def _duration_text(link: str, answers: list[Any]) -> str:
    quantity = _only(link, answers, "valueQuantity", dict, "duration with a unit")
    units = ", ".join(code for code, _, _ in DURATION_UNITS)
    value, unit = quantity.get("value"), quantity.get("code") or quantity.get("unit")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(unit, str):
        raise ResponseError(f"item {link!r}", "the quantity needs a number and a unit",
                            f"a valueQuantity with a value and a UCUM code: {units}")
    letter = {code: short for code, _, short in DURATION_UNITS}.get(unit)
    if letter is None and unit.strip().lower() not in UNITS:
        raise ResponseError(f"item {link!r}", f"unit {unit!r} is not accepted", f"accepted UCUM codes: {units}")
    number = int(value) if isinstance(value, float) and value.is_integer() else value
    return f"{number}{letter or ' ' + unit.strip().lower()}"


def read_response(resource: Any, bad: str | None = None) -> tuple[Any, str | None, str | None]:
    """A QuestionnaireResponse (or a Bundle holding one) -> the batch reader's (record, problem, bad).

    ``record`` is the record JSON Lines uses, so the same answers take the same path and give
    the same outcome however they come. ``problem``: the line is not a response at all.
    ``bad``: what does not answer the Questionnaire (an unknown item, a wrong value type, an
    unanswered item...), naming the item; like a bad value, it stops the triage unless the
    answers that can be read already give the most urgent outcome for certain, so an
    emergency sign is never masked. ``bad`` given by the caller (the line's encoding) comes first.

    A line that is not one response (another resource, a Bundle of several, a shape no
    check foresaw) still gives ``emergency`` when it names an emergency sign anywhere: the
    record is then those signs, with the problem as ``bad``. Never raises.
    """
    try:
        record, problems = record_from_response(resource)
    except AnswerError as exc:
        problem = exc.describe(exc.field)
    except Exception as exc:  # noqa: BLE001 - a shape nothing above foresaw: this line's error, not the run's end
        problem = (f"this resource cannot be read as a QuestionnaireResponse ({type(exc).__name__}); "
                   "each line must be one QuestionnaireResponse, or a Bundle holding one")
    else:
        messages = ([bad] if bad else []) + [p.describe(p.field) for p in problems]
        return record, None, "; ".join(messages) if messages else None
    if bad:
        problem = f"{bad}; {problem}"
    rescued: dict[str, Any] = {"id": response_id(resource)}
    signs = _named_emergencies(resource)
    if not signs:
        return rescued, problem, None
    rescued["red_flags"] = [s for s in RED_FLAGS if s in signs]
    return rescued, None, problem


def record_from_response(resource: Any) -> tuple[dict[str, Any], list[AnswerError]]:
    """A QuestionnaireResponse (or a Bundle holding one) -> (the JSON Lines record, problems).

    (About 120 lines: one walk over the response's items, each checked where it is met, so that
    every problem names its item and an emergency sign is taken before anything else.)

    Each problem names the item (its ``field``). The checklists answered so far give
    ``red_flags`` (the signs ticked); when one is unanswered, that is a problem, so the
    record is triaged only if those signs already decide it (the rules' tests on signs
    only ever match more with more signs). An emergency sign counts wherever and however the
    response names it (a group or nested item, a valueString, another letter case, an object
    for a list), beside the problem that names the mistake. Raises ``AnswerError`` when
    ``resource`` is not a QuestionnaireResponse or a Bundle holding exactly one.
    """
    qr = _the_response(resource)
    named = set() if qr is resource else _around(resource, qr)  # emergency signs named in any other way
    record: dict[str, Any] = {}
    rid = _id_of(resource, qr)
    if rid is not None:
        record["id"] = rid
    problems: list[AnswerError] = []

    canonical = qr.get("questionnaire")
    if canonical is not None and (type(canonical) is not str or canonical.split("|")[0] != QUESTIONNAIRE_URL):
        problems.append(ResponseError("questionnaire", f"{show(canonical)} is another Questionnaire",
                                      f"accepted: {QUESTIONNAIRE_URL} (with |version or without)"))
    status = qr.get("status")
    if type(status) is not str or status not in RESPONSE_STATUSES:
        problems.append(ResponseError("status", f"{show(status)} is not accepted",
                                      "accepted: " + ", ".join(RESPONSE_STATUSES)))

    by_id = _checklist_by_id()
    known = _link_ids()
    seen: set[str] = set()
    signs: set[str] = set()  # the red-flag ids ticked
    if not qr.keys() <= _RESPONSE_KEYS:
        named.update(_named_emergencies({k: v for k, v in qr.items() if k != "item"}))
    given = qr.get("item")
    items = _listed(given)
    if items is not given and given is not None:
        problems.append(_not_a_list("QuestionnaireResponse", "item", given))
    for item in items:
        if type(item) is not dict:
            named.update(_named_emergencies(item))
            if items is given:
                problems.append(ResponseError("item", f"{show(item)} is not an item",
                                              "an object with a linkId and its answers"))
            continue
        link = item.get("linkId")
        n = len(item)  # no more than the reader reads, or a name or text beside it:
        plain = (n == 3 and "linkId" in item and "answer" in item and "text" in item
                 or n == 2 and "linkId" in item and "answer" in item or item.keys() <= _ITEM_KEYS)
        if not plain:  # nested items, extensions...
            named.update(_named_emergencies(item))
        try:  # the signs first, so that no mistake in the item can lose one
            written = item.get("answer")
            answers = written if type(written) is list else _listed(written)
            other = _signs_in(answers, signs)
            if other:
                named.update(other)
            if link not in known:
                if type(link) is str and _said_yes(answers):  # a yes/no item for a sign: yes
                    named.update(_sign_named(link))
                if not plain and item.get("item"):
                    raise ResponseError(f"item {show(link)}", "is a group of nested items, not in the Questionnaire",
                                        f"{_FLAT}: linkIds " + ", ".join(known))
                raise ResponseError(f"item {show(link)}", "is not in the Questionnaire", "linkIds: " + ", ".join(known))
            if link in seen:
                raise ResponseError(f"item {link!r}", "is answered twice", "give each item once")
            if answers:
                seen.add(link)
            if answers is not written and written is not None:
                if type(written) is not dict:
                    raise _not_a_list(f"item {link!r}", "answer", written)
                problems.append(_not_a_list(f"item {link!r}", "answer", written))  # and read as meant
            if not plain or other is not None:
                nested = _nested(link, item, answers)
                if nested:
                    raise nested
            if not answers:
                continue  # not answered
            if link in by_id:
                options = [*by_id[link].items, NONE_CODE]
                codes = _codes(link, answers, options)
                signs.update(c for c in codes if c in RED_FLAGS)  # never lose a sign, even beside a mistake
                if NONE_CODE in codes and len(codes) > 1:
                    raise ResponseError(f"item {link!r}", f"{NONE_CODE} cannot go with other answers",
                                        f"tick the signs that apply, or {NONE_CODE} alone")
                wrong = [c for c in codes if c not in options]
                if wrong:
                    near = [o for o in options if o == re.sub(_SEPARATORS, "-", wrong[0].strip().lower())]
                    hint = f" (did you mean {near[0]}? codes are written exactly)" if near else ""
                    raise ResponseError(f"item {link!r}", f"{show(wrong[0])} is not one of its options{hint}",
                                        "accepted: " + ", ".join(options))
            elif link == "duration_days":
                record["duration"] = _duration_text(link, answers)
            elif QUESTIONS[link].kind in ("set", "choice"):
                q = QUESTIONS[link]
                codes = _codes(link, answers, list(q.choices))
                if q.kind == "choice" and len(codes) != 1:
                    raise ResponseError(f"item {link!r}", f"has {len(codes)} answers", "give exactly one")
                record[link] = codes if q.kind == "set" else codes[0]
            elif QUESTIONS[link].kind == "bool":
                record[link] = _only(link, answers, "valueBoolean", bool, "true or false")
            else:
                record[link] = _only(link, answers, "valueInteger", int, QUESTIONS[link].accepted())
        except AnswerError as exc:
            problems.append(exc)

    named -= signs
    if named and not problems:  # counted, and said: it was not an answer of a checklist
        problems.append(ResponseError(
            "QuestionnaireResponse", f"names {', '.join(s for s in RED_FLAGS if s in named)} outside a checklist's "
            "answers (counted all the same)", "each sign as a valueCoding answer of its checklist item"))
    signs |= named
    if signs or any(c.id in seen for c in CHECKLISTS):
        record["red_flags"] = [s for s in RED_FLAGS if s in signs]
    missing = [link for link in known if link not in seen  # an optional item (course) may be left out
               and not (link in QUESTIONS and QUESTIONS[link].optional)]
    # An emergency sign alone leads to the most urgent outcome in every rules file (the rules
    # checker holds them to it), so what was not asked after one cannot change the result.
    if missing and not any(TIERS.get(sign) == "emergency" for sign in signs):
        problems.append(ResponseError(
            f"item{'s' if len(missing) > 1 else ''} {', '.join(missing)}", "not answered",
            f"every item needs an answer unless an emergency sign is ticked; a checklist with none "
            f"present is answered {NONE_CODE}"))
    return record, problems
