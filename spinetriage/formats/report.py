"""The report as data and as Markdown or JSON text. Pure: no terminal, no Rich."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from spinetriage.core.engine import Result
from spinetriage.core.parse import format_duration
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

LABELS = {
    "location": "Where it hurts",
    "duration_days": "How long",
    "radiation": "Spreads into arms or legs",
    "recurrent": "Keeps coming back despite rest or medication",
    "limits_activities": "Limits daily activities or work",
    "age": "Age",
    "red_flags": "Warning signs",
    "course": "Since the last check",
}
NO_REASON = ("None of the warning signs, and none of the article's four reasons to see a "
             "physical therapist, were in your answers.")
ENDED_EARLY = "The questions stopped early because of an emergency sign."
LIMITS_HEADING = "Limits of this tool"


def answer_text(key: str, value: Any) -> str:
    """An answer in plain words, for summaries and reports."""
    if value is None:
        return "not asked"
    if key == "duration_days":
        return format_duration(value)
    if key == "red_flags":
        return "; ".join(RED_FLAGS[v] for v in RED_FLAGS if v in value) or "none"
    if key == "location":
        return ", ".join(QUESTIONS["location"].choices[v] for v in QUESTIONS["location"].choices if v in value)
    if key in ("radiation", "course"):
        return QUESTIONS[key].choices[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def shown(answers: Any) -> list[tuple[str, Any]]:
    """(key, value) of the answers a report lists: every answer, but an optional one
    (``course``) only when it was asked."""
    return [(k, v) for k, v in vars(answers).items() if v is not None or not QUESTIONS[k].optional]


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    id: str = ""  # stable name of the section (the HTML page uses it), whatever its heading says


def sections(result: Result, phase_always: bool = False) -> list[Section]:
    """The report below the recommendation, in reading order: what the person must do first
    (why, the next steps, when to call the emergency number, if it gets worse), then what they
    may read later (what to expect at physical therapy, the article's notes on the pain phase).

    The pain phase (which speaks of therapy) is left out beside an emergency, unless
    ``phase_always`` (the printable page, which a clinician reads too).
    """
    out = []
    later = []
    why = tuple(f"{r.text} (Source: {r.source})" for r in result.reasons) or (NO_REASON,)
    out.append(Section("Why", bullets=why, id="why"))
    heading = {"physical-therapy": "What to expect and what to bring", "self-care": "What to do now"}
    if result.steps:
        steps = Section(heading.get(result.outcome, "What to do next"), bullets=result.steps, id="steps")
        (later if result.outcome == "physical-therapy" else out).append(steps)
    if result.phase and result.phase_text and (phase_always or result.outcome != "emergency"):
        later.append(Section("Your pain", paragraphs=(result.phase_text,), id="phase"))
    net = result.safety_net or {}
    if net:
        signs = "Call the emergency number at once if you have"
        out.append(Section(result.region.say(signs) if result.region else signs,
                           bullets=tuple(net.get("emergency_signs", ())), id="emergency-signs"))
        out.append(Section("If it gets worse", paragraphs=(net.get("if_worse", ""),), id="if-worse"))
    return out + later


def headline(result: Result) -> str:
    """The recommendation as words that do not rely on colour: 'EMERGENCY: Go to ...'."""
    return f"{result.outcome.upper().replace('-', ' ')}: {result.title}"


def to_json(result: Result, *, saved: date | None = None, extra: dict[str, Any] | None = None) -> str:
    """The JSON object; a saved report adds its ``date`` and ``lang``; ``extra`` adds keys
    (a re-check's ``since``)."""
    data = result.to_dict()
    if saved is not None:
        data["date"] = saved.isoformat()
        data["lang"] = "en"
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
        lines += [f"_{md(ENDED_EARLY)}_", ""]
    for sec in sections(result):
        lines += [f"## {md(sec.heading)}", ""]
        lines += [p for para in sec.paragraphs for p in (md(para), "")]
        if sec.bullets:
            lines += [f"- {md(b)}" for b in sec.bullets] + [""]
    if saved is not None:
        lines += ["## Your answers", "", f"Date: {saved.isoformat()}", ""]
        lines += [f"- {md(LABELS[k])}: {md(answer_text(k, v))}" for k, v in shown(result.answers)] + [""]
        lines += [f"Rules version: {md(result.rules_version)}", ""]
        if result.limits:
            lines += [f"## {LIMITS_HEADING}", ""] + [f"- {md(x)}" for x in result.limits] + [""]
    lines += [f"_{md(result.disclaimer)}_", ""]
    return "\n".join(lines)
