"""The report as data and as Markdown or JSON text. Pure: no terminal, no Rich."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from spinetriage.core import i18n
from spinetriage.core.engine import Result
from spinetriage.core.i18n import N_, _
from spinetriage.core.parse import format_duration
from spinetriage.core.record import Frozen
from spinetriage.core.vocabulary import QUESTIONS, RED_FLAGS

FORMATS = ("text", "json", "markdown", "fhir")
#: ``--output`` extensions; the longest that ends the name wins (``.fhir.json`` over ``.json``).
EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".json": "json", ".txt": "text", ".text": "text",
              ".html": "html", ".htm": "html", ".fhir.json": "fhir"}


def main_extensions() -> list[str]:
    """One extension per format, as help and messages name them: .md, .json, .txt, ..."""
    first: dict[str, str] = {}
    for ext, fmt in EXTENSIONS.items():
        first.setdefault(fmt, ext)
    return list(first.values())


def format_of(name: str) -> str | None:
    """The report format a file name asks for by its extension, or None."""
    lower = name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if lower.endswith(ext) and len(lower) > len(ext):
            return EXTENSIONS[ext]
    return None

#: The answers' labels, in English (marked for the catalog): ``label(key)`` is the one a person reads.
LABELS = {
    "location": N_("Where it hurts"),
    "duration_days": N_("How long"),
    "radiation": N_("Spreads into arms or legs"),
    "recurrent": N_("Keeps coming back despite rest or medication"),
    "limits_activities": N_("Limits daily activities or work"),
    "age": N_("Age"),
    "red_flags": N_("Warning signs"),
    "course": N_("Since the last check"),
}
# In English, marked for the catalog: shown with ``_()``.
NO_REASON = N_("None of the warning signs, and none of the article's four reasons to see a "
               "physical therapist, were in your answers.")
ENDED_EARLY = N_("The questions stopped early because of an emergency sign.")
LIMITS_HEADING = N_("Limits of this tool")
#: The recommendation's level in the headline, for the shipped outcome ids (another rules file's
#: outcome is named by its id in capitals).
LEVELS = {
    "emergency": N_("EMERGENCY"),
    "urgent": N_("URGENT"),
    "doctor": N_("DOCTOR"),
    "physical-therapy": N_("PHYSICAL THERAPY"),
    "self-care": N_("SELF CARE"),
}
#: The pain phase as the printable page names it.
PHASE_WORDS = {"acute": N_("Phase: acute"), "subacute": N_("Phase: subacute"), "chronic": N_("Phase: chronic")}


def label(key: str) -> str:
    """The label of an answer, in the language in use."""
    return _(LABELS[key]) if key in LABELS else key


def level(outcome: str) -> str:
    """The outcome as the headline's level word: EMERGENCY, URGENT, ... in the language in use."""
    return _(LEVELS[outcome]) if outcome in LEVELS else outcome.upper().replace("-", " ")


def phase_words(phase: str) -> str:
    return _(PHASE_WORDS[phase]) if phase in PHASE_WORDS else _("Phase: {phase}").format(phase=phase)


def answer_text(key: str, value: Any) -> str:
    """An answer in plain words, for summaries and reports."""
    if value is None:
        return _("not asked")
    if key == "duration_days":
        return format_duration(value)
    if key == "red_flags":
        return "; ".join(_(RED_FLAGS[v]) for v in RED_FLAGS if v in value) or _("none")
    if key == "location":
        return ", ".join(_(QUESTIONS["location"].choices[v]) for v in QUESTIONS["location"].choices if v in value)
    if key in ("radiation", "course"):
        return _(QUESTIONS[key].choices[value])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def shown(answers: Any) -> list[tuple[str, Any]]:
    """(key, value) of the answers a report lists: every answer, but an optional one
    (``course``) only when it was asked."""
    return [(k, v) for k, v in vars(answers).items() if v is not None or not QUESTIONS[k].optional]


class Section(Frozen):
    """One part of a report: a heading, its paragraphs and bullets; ``id`` is the section's stable
    name (the HTML page uses it), whatever its heading says."""

    FIELDS = ("heading", "paragraphs", "bullets", "id")
    heading: str
    paragraphs: tuple[str, ...]
    bullets: tuple[str, ...]
    id: str

    def __init__(self, heading: str, paragraphs: tuple[str, ...] = (), bullets: tuple[str, ...] = (),
                 id: str = "") -> None:
        self.__dict__.update(heading=heading, paragraphs=paragraphs, bullets=bullets, id=id)


def sections(result: Result, phase_always: bool = False) -> list[Section]:
    """The report below the recommendation, in reading order: what the person must do first
    (why, the next steps, when to call the emergency number, if it gets worse), then what they
    may read later (what to expect at physical therapy, the article's notes on the pain phase).

    The pain phase (which speaks of therapy) is left out beside an emergency, unless
    ``phase_always`` (the printable page, which a clinician reads too).
    """
    out = []
    later = []
    why = tuple(_("{reason} (Source: {source})").format(reason=r.text, source=r.source)
                for r in result.reasons) or (_(NO_REASON),)
    out.append(Section(_("Why"), bullets=why, id="why"))
    heading = {"physical-therapy": N_("What to expect and what to bring"), "self-care": N_("What to do now")}
    if result.steps:
        words = heading[result.outcome] if result.outcome in heading else N_("What to do next")
        steps = Section(_(words), bullets=result.steps, id="steps")
        (later if result.outcome == "physical-therapy" else out).append(steps)
    if result.phase and result.phase_text and (phase_always or result.outcome != "emergency"):
        later.append(Section(_("Your pain"), paragraphs=(result.phase_text,), id="phase"))
    net = result.safety_net or {}
    if net:
        signs = _("Call the emergency number at once if you have")
        out.append(Section(result.region.say(signs) if result.region else signs,
                           bullets=tuple(net.get("emergency_signs", ())), id="emergency-signs"))
        out.append(Section(_("If it gets worse"), paragraphs=(net.get("if_worse", ""),), id="if-worse"))
    return out + later


def headline(result: Result) -> str:
    """The recommendation as words that do not rely on colour: 'EMERGENCY: Go to ...'."""
    return _("{level}: {title}").format(level=level(result.outcome), title=result.title)


def to_json(result: Result, *, saved: date | None = None, extra: dict[str, Any] | None = None) -> str:
    """The JSON object; a saved report adds its ``date`` and ``lang``; ``extra`` adds keys
    (a re-check's ``since``)."""
    data = result.to_dict()
    if saved is not None:
        data["date"] = saved.isoformat()
        data["lang"] = i18n.current()
    data.update(extra or {})
    return json.dumps(data, ensure_ascii=False, indent=2 if saved else None)


#: Characters that start Markdown or HTML in a viewer: written as text instead (``md``).
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+!|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def md(text: str) -> str:
    """Text from the rules file or the answers, as Markdown that shows exactly that text: no link,
    image, HTML tag, comment (``<!--`` could hide the safety net) or script in any viewer, and one
    line (a line break could start a heading or a list)."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def to_markdown(result: Result, *, saved: date | None = None) -> str:
    lines = [f"# {md(headline(result))}", "", md(result.advice), ""]
    if result.ended_early:
        lines += [f"_{md(_(ENDED_EARLY))}_", ""]
    for sec in sections(result):
        lines += [f"## {md(sec.heading)}", ""]
        lines += [p for para in sec.paragraphs for p in (md(para), "")]
        if sec.bullets:
            lines += [f"- {md(b)}" for b in sec.bullets] + [""]
    if saved is not None:
        heading = _("Your answers")
        lines += [f"## {md(heading)}", "", md(_("Date: {date}").format(date=saved.isoformat())), ""]
        lines += [f"- {md(label(k))}: {md(answer_text(k, v))}" for k, v in shown(result.answers)] + [""]
        lines += [md(_("Rules version: {version}").format(version=result.rules_version)), ""]
        if result.limits:
            lines += [f"## {md(_(LIMITS_HEADING))}", ""] + [f"- {md(x)}" for x in result.limits] + [""]
    lines += [f"_{md(result.disclaimer)}_", ""]
    return "\n".join(lines)
