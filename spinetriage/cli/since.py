"""A re-check (``spinetriage recheck``): the earlier report read and checked, the answers carried
forward, the questions asked again, and what changed since, for the top of the new result.

``ask`` runs the re-check: ``cli.recheck`` reads the earlier report into a ``Recheck``, makes it
the active one (``active()``) and calls ``ask`` with the answers carried forward as flags. ``ask``
then asks with ``interview_class`` and prints ``head`` and ``extra`` with the result. No Rich here
(``--format json`` never loads it); the questions are added to the interview in ``interview_class``.
"""

from __future__ import annotations

import json
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterator

from spinetriage.cli import rechecking
from spinetriage.core.answers import Answers
from spinetriage.core.errors import AnswerError
from spinetriage.core.i18n import N_, _
from spinetriage.core.parse import format_duration, show, typed_word
from spinetriage.core.ruleset import OUTCOME_IDS
from spinetriage.core.vocabulary import QUESTIONS, RED_FLAGS

if TYPE_CHECKING:
    from spinetriage.core.engine import Result
    from spinetriage.core.ruleset import RuleSet

#: The outcomes as the "what changed" block names them.
SHORT = {"emergency": N_("emergency"), "urgent": N_("see a doctor today"),
         "doctor": N_("book a doctor's appointment"), "physical-therapy": N_("physical therapy evaluation"),
         "self-care": N_("self-care")}
#: The months as a day is shown ("3 Nov"): the English abbreviations, whatever the C locale says.
MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"), N_("Sep"),
          N_("Oct"), N_("Nov"), N_("Dec"))
#: Words for "that is right" when the duration carried forward is shown (any language).
YES = frozenset({"y", "yes", "ok", "right", "correct", "s", "sí", "si", "vale", "correcto", "bien"})
#: Course words as people type them, beside the values (better, same, worse) and the numbers 1-3.
COURSE_WORDS = {"mejor": "better", "igual": "same", "mismo": "same", "misma": "same", "peor": "worse"}
#: Words that turn an answer around ("not better", "no mejor"): such an answer is asked again.
NEGATIONS = frozenset({"no", "not", "n't", "isn't", "never", "ni", "nada", "tampoco", "nunca", "sin"})
#: Whole answers with such a word that say one thing plainly.
KNOWN_PHRASES = {"no change": "same", "no different": "same", "sin cambios": "same", "no ha cambiado": "same"}
#: The answers a re-check asks again (the rest, where and age, are carried; the duration is carried
#: forward by the days since, and shown).
ASKED_AGAIN = ("red_flags", "radiation", "recurrent", "limits_activities", "course")
MAX_REPORT = 1 << 20  # bytes: a report is a few kilobytes

_ACTIVE: ContextVar["Recheck | None"] = rechecking.ACTIVE


class ReportProblem(Exception):
    """The earlier report cannot be trusted: the re-check asks everything again."""


@dataclass(frozen=True)
class Earlier:
    """The earlier report: its day, outcome, rules and answers (read and checked)."""

    date: date
    outcome: str
    rules: tuple[str, ...]
    answers: Answers
    undated: bool = False  # no date in it: the day its file was last changed


@dataclass
class Recheck:
    """One re-check: the earlier report (None when it could not be trusted) and today."""

    today: date
    earlier: Earlier | None = None
    #: The earlier duration plus the days since; None when not carried (given as a flag, or unknown).
    carried_days: int | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def elapsed(self) -> int:
        return (self.today - self.earlier.date).days if self.earlier else 0

    # --- what changed ------------------------------------------------------------------------

    def changes(self, result: "Result") -> list[dict[str, Any]]:
        """Each answer whose value differs from the earlier report's (an answer not asked now,
        after an emergency ended the questions, is left out)."""
        if self.earlier is None:
            return []
        was, now = self.earlier.answers.as_dict(), result.answers.as_dict()
        return [{"answer": key, "was": was[key], "now": now[key]} for key in QUESTIONS
                if now[key] is not None and now[key] != was[key]]

    def since(self, result: "Result") -> dict[str, Any] | None:
        """The JSON ``since`` object: the earlier report's date and outcome, and the changes."""
        if self.earlier is None:
            return None
        return {"date": self.earlier.date.isoformat(), "outcome": self.earlier.outcome,
                "changes": self.changes(result)}

    def new_signs(self, result: "Result") -> list[str]:
        was = self.earlier.answers.red_flags or frozenset() if self.earlier else frozenset()
        now = result.answers.red_flags or frozenset()
        return [sign for sign in RED_FLAGS if sign in now and sign not in was]

    def why(self, result: "Result") -> str:
        """The reason that most explains the new outcome: the most urgent rule that did not
        match last time (else the most urgent one), its first sentence."""
        if not result.reasons:
            return ""
        earlier = set(self.earlier.rules) if self.earlier else set()
        reason = next((r for r in result.reasons if r.rule not in earlier), result.reasons[0])
        first = reason.text.split(". ")[0].rstrip(".")
        return first[:1].lower() + first[1:]

    def lines(self, result: "Result") -> list[str]:
        """The "what changed and why" block: a few short lines."""
        earlier = self.earlier
        if earlier is None:
            return []
        day = _day(earlier.date, self.today)
        now = _short(result.outcome)
        why = self.why(result)
        if result.outcome == earlier.outcome:
            head = _("On {day}: {was}. Now: {now} again").format(day=day, was=_short(earlier.outcome), now=now)
        else:
            head = _("On {day}: {was}. Now: {now}").format(day=day, was=_short(earlier.outcome), now=now)
        out = [head + (f" — {why}." if why else ".")]
        new = self.new_signs(result)
        if new:
            out.append(_("New since last time: {signs}.").format(
                signs="; ".join(f"{_(RED_FLAGS[s])} ({s})" for s in new)))
        was_days, now_days = earlier.answers.duration_days, result.answers.duration_days
        if was_days is not None and now_days is not None:
            out.append(_("How long: {was} on {day}, {now} now ({elapsed} later).").format(
                was=format_duration(was_days), day=day, now=format_duration(now_days), elapsed=_days(self.elapsed)))
        if result.answers.course is not None:
            out.append(_("Since {day}: {course}.").format(
                day=day, course=_(QUESTIONS["course"].choices[result.answers.course])))
        others = [c for c in self.changes(result) if c["answer"] not in ("red_flags", "duration_days", "course")]
        if others:
            from spinetriage.formats.report import LABELS, answer_text

            out.append(_("Changed: {changes}.").format(changes="; ".join(
                f"{_(LABELS[c['answer']]).lower()}: {answer_text(c['answer'], _value(c['answer'], c['was']))} → "
                f"{answer_text(c['answer'], _value(c['answer'], c['now']))}" for c in others)))
        return out

    def head(self, result: "Result", fmt: str) -> str:
        """The block as text (``text``) or Markdown (``markdown``), for the top of the result."""
        lines = self.lines(result)
        if not lines or fmt not in ("text", "markdown"):
            return ""
        if fmt == "markdown":  # the rules' words as text, never as Markdown or HTML
            from spinetriage.formats.report import md

            return "## " + _("Since your last check") + "\n\n" + "".join(f"- {md(line)}\n" for line in lines) + "\n"
        return _("Since your last check") + "\n" + "".join(f"  {line}\n" for line in lines) + "\n"


def _short(outcome: str) -> str:
    """An outcome as the "what changed" block names it (its id when it has no short name)."""
    return _(SHORT[outcome]) if outcome in SHORT else outcome


def _days(days: int) -> str:
    return (_("{count} day") if days == 1 else _("{count} days")).format(count=days)


def _value(key: str, value: Any) -> Any:
    return frozenset(value) if isinstance(value, list) else value


def _day(day: date, today: date) -> str:
    """3 Nov, or 3 Nov 2025 in another year."""
    month = _(MONTHS[day.month - 1])
    text = f"{day.day} {month}"
    return text if day.year == today.year else f"{text} {day.year}"


# --- the active re-check ---------------------------------------------------------------------


def active() -> Recheck | None:
    """The re-check ``ask`` is running for, or None for a plain ``ask``."""
    return _ACTIVE.get()


class running:
    """``with running(recheck):`` makes it the active re-check for what runs inside."""

    def __init__(self, recheck: Recheck):
        self.recheck = recheck

    def __enter__(self) -> Recheck:
        self.token = _ACTIVE.set(self.recheck)
        return self.recheck

    def __exit__(self, *exc: Any) -> None:
        _ACTIVE.reset(self.token)


def head(result: "Result", fmt: str) -> str:
    """The "what changed" block for the top of a text or Markdown result ("" outside a re-check)."""
    recheck = active()
    return recheck.head(result, fmt) if recheck is not None else ""


def extra(result: "Result") -> dict[str, Any]:
    """``{"since": ...}`` for the JSON result of a re-check, else ``{}``."""
    recheck = active()
    since = recheck.since(result) if recheck is not None else None
    return {"since": since} if since is not None else {}


def today() -> date | None:
    """The re-check's day (``--today``), or None."""
    recheck = active()
    return recheck.today if recheck is not None else None


# --- reading the earlier report ----------------------------------------------------------------


def read_report(path: str, today_: date, rules: "RuleSet") -> Earlier:
    """The earlier report, checked; ``ReportProblem`` says why it cannot be trusted.

    Reads only (the file is opened read-only and never written). ``OSError`` when it cannot
    be read at all.
    """
    with open(path, "rb") as f:
        data = f.read(MAX_REPORT + 1)
        mtime = os.fstat(f.fileno()).st_mtime
    if len(data) > MAX_REPORT:
        raise ReportProblem(_("it is over 1 MiB, far more than a spinetriage report"))
    try:
        report = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ReportProblem(_("it is not a JSON report (save one with spinetriage ask --output FILE.json)")) from None
    if not isinstance(report, dict) or not all(k in report for k in ("outcome", "answers", "rules_version")):
        raise ReportProblem(_("it is not a spinetriage report (it has no outcome, answers and rules_version; "
                              "save one with spinetriage ask --output FILE.json)"))
    outcome, answers, version = report["outcome"], report["answers"], report["rules_version"]
    if outcome not in OUTCOME_IDS or not isinstance(answers, dict) or not isinstance(version, str):
        raise ReportProblem(_("it is not a spinetriage report (its outcome, answers or rules_version is not one)"))
    day, undated = _report_day(report.get("date"), mtime)
    if day > today_:
        raise ReportProblem(_("it is dated {day}, after today ({today})").format(
            day=day.isoformat(), today=today_.isoformat()))
    if version != rules.version:
        raise ReportProblem(_("it was made with rules version {was} and these rules are version "
                              "{now}: its answers and outcome may mean something else now").format(
            was=show(version), now=rules.version))
    earlier = Answers.parse_each({k: v for k, v in answers.items() if v is not None})
    values, errors = earlier
    if errors:
        raise ReportProblem(_("its answers cannot be read: {problem}").format(problem=errors[0].describe(errors[0].field)))
    rules_ids = tuple(r.get("rule") for r in report.get("reasons") or () if isinstance(r, dict))
    _check_outcome(values, outcome, rules)
    return Earlier(day, outcome, tuple(r for r in rules_ids if isinstance(r, str)), values, undated)


def _report_day(text: Any, mtime: float) -> tuple[date, bool]:
    if text is None:
        return date.fromtimestamp(mtime), True
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        return date.fromisoformat(text), False
    except ValueError:
        raise ReportProblem(_("its date {date} is not a day (YYYY-MM-DD)").format(date=show(text))) from None


def _check_outcome(answers: Answers, outcome: str, rules: "RuleSet") -> None:
    """Its answers must give its outcome under the same rules: otherwise it was edited."""
    from spinetriage.core.engine import matching

    matched = matching(answers, rules)
    if matched is None:
        raise ReportProblem(_("its answers are incomplete and give no result"))
    given = rules.rules[matched[0]].outcome.id if matched else rules.default.id
    if given != outcome:
        raise ReportProblem(_("its answers give {given}, not the {outcome} it says: it was changed after it was saved")
                            .format(given=given, outcome=outcome))


def carried(earlier: Earlier, today_: date) -> int | None:
    """The earlier duration plus the days since (None when the earlier report had none)."""
    days = earlier.answers.duration_days
    return None if days is None else days + (today_ - earlier.date).days


# --- the questions of a re-check ---------------------------------------------------------------


def interview_class(base: type) -> type:
    """``base`` (the interview) as a re-check asks it: first the emergency checklists, then the
    duration carried forward (to confirm or correct) and the course since the earlier report,
    then whatever else is not given (what can change), then the other checklists."""
    recheck = active()
    if recheck is None or recheck.earlier is None:
        return base
    from spinetriage.cli.recheck_questions import recheck_interview

    return recheck_interview(base, recheck)


def course_question(day: str) -> str:
    return _("Since {day}, is the pain better, about the same, or worse?").format(day=day)


def parse_course(raw: str) -> str:
    """better/same/worse, a number 1-3, or words such as "about the same", "worse" (or "mejor",
    "igual", "lo mismo", "peor")."""
    words = raw.strip().lower().replace(".", " ").replace(",", " ").split()
    numbers = {"1": "better", "2": "same", "3": "worse", **COURSE_WORDS}
    picked = {v for v in (numbers.get(w) or typed_word("course", w) or w for w in words)
              if v in QUESTIONS["course"].choices}  # the parser's words too ("parecido")
    if " ".join(words) in KNOWN_PHRASES:
        return KNOWN_PHRASES[" ".join(words)]
    if NEGATIONS.intersection(words):
        # "not better", "no mejor", "ni mejor ni peor": a word of the answer is not what it means,
        # and "better" taken from "not better" could lower the result: asked again
        raise AnswerError("course", raw, QUESTIONS["course"].accepted(),
                          _("{answer} says what it is not; type better, about the same or worse").format(
                              answer=show(raw)))
    if len(picked) == 1:
        return picked.pop()
    problem = (_("that is more than one answer") if picked
               else _("{answer} is not one of the answers").format(answer=show(raw)))
    raise AnswerError("course", raw, QUESTIONS["course"].accepted(), problem)


def earlier_flags(earlier: Earlier) -> Iterator[tuple[str, Any]]:
    """The earlier answers as ``ask``'s flag parameters (name, value)."""
    a = earlier.answers
    if a.location is not None:
        yield "location", [v for v in QUESTIONS["location"].choices if v in a.location]
    if a.age is not None:
        yield "age", [str(a.age)]
    if a.radiation is not None:
        yield "radiation", [a.radiation]
    if a.recurrent is not None:
        yield ("recurrent" if a.recurrent else "no_recurrent"), True
    if a.limits_activities is not None:
        yield ("limits_activities" if a.limits_activities else "no_limits_activities"), True
    if a.red_flags is not None:
        yield ("red_flag", [v for v in RED_FLAGS if v in a.red_flags]) if a.red_flags else ("no_red_flags", True)
