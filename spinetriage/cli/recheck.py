"""``spinetriage recheck REPORT``: reads a report saved earlier, carries its answers forward, and
runs ``ask`` as a re-check (``cli.since``): only what can change is asked again, and the result
says what changed since.

The command takes every option of ``ask`` (its signature is ``ask``'s, with REPORT and
``--today``), so an option added to ``ask`` works here too.
"""

from __future__ import annotations

import inspect
import os
import typing
from datetime import date
from typing import Any, Optional

import typer

from spinetriage.cli.apps import app
from spinetriage.cli.ask import ask
from spinetriage.cli.errors import PROG, UsageError, _guard
from spinetriage.cli.language import load_rules_in_words
from spinetriage.cli.options import AskCommand
from spinetriage.cli.terminal import env, visible
from spinetriage.core.errors import MissingAnswers
from spinetriage.core.i18n import N_, _

#: Translated when the help is shown (``AskCommand.format_help``), like every help text of ask.
RECHECK_HELP = N_("""Re-check a report saved earlier: what changed, and what to do now.

REPORT is a JSON report saved with ask --output FILE.json (or the output of
ask --format json, kept in a file). Only what can change is asked again: every
warning-sign checklist, whether the pain is better, the same or worse, whether
it spreads, keeps coming back or limits your day. The duration is carried
forward by the days since (shown, and correctable at the prompt). Where it
hurts and the age are carried as they were.

With --no-input, the earlier answers are kept and the answers that changed are
given as flags. The earlier report is never changed; nothing is saved unless
--output is given. A report from other rules, from the future, not made by
spinetriage, or with answers that cannot be read is named, and every question
is asked again.

\b
Examples:
  spinetriage recheck report.json
  spinetriage recheck report.json --no-input \\
    --course worse --format json""")

#: ask's answer flags (its parameter names) for each answer.
ANSWER_PARAMS = {
    "location": ("location",), "age": ("age",), "duration_days": ("duration",), "radiation": ("radiation",),
    "recurrent": ("recurrent", "no_recurrent"), "limits_activities": ("limits_activities", "no_limits_activities"),
    "red_flags": ("red_flag", "no_red_flags"), "course": ("course",),
}


def recheck(report: str, today: Optional[str], **options: Any) -> None:
    from spinetriage.cli import since  # only for a re-check: an ask never loads it

    e = env()
    day = _day(today)
    ruleset = load_rules_in_words(options.get("rules"), e.stderr)
    _never_the_report(report, options.get("output"))
    plan = since.Recheck(today=day)
    interactive = not options.get("no_input") and e.interactive
    given = {key for key, names in ANSWER_PARAMS.items() if any(options.get(n) for n in names)}
    try:
        plan.earlier = since.read_report(report, day, ruleset)
    except OSError as exc:
        raise UsageError(_("cannot read the report {report}: {reason}").format(
            report=repr(visible(report)), reason=exc.strerror or exc)) from None
    except since.ReportProblem as exc:
        plan.problem = _("the report {report} cannot be re-checked: {reason}").format(report=repr(visible(report)),
                                                                                     reason=exc)
        e.stderr.write(_("{prog}: {problem}; every question is asked again.").format(prog=PROG, problem=plan.problem)
                       + "\n")
    if plan.earlier is not None:
        carried = dict(since.earlier_flags(plan.earlier))
        for key, names in ANSWER_PARAMS.items():
            if key in given or (interactive and key in since.ASKED_AGAIN):
                continue
            options.update({n: carried[n] for n in names if n in carried})
        plan.carried_days = since.carried(plan.earlier, day) if "duration_days" not in given else None
        if plan.carried_days is not None:
            options["duration"] = [f"{plan.carried_days}d"]
    with since.running(plan):
        try:
            ask.__wrapped__(**options)  # type: ignore[attr-defined]
        except MissingAnswers as exc:
            if plan.problem is None:
                raise
            raise UsageError(_("{problem}; without it every answer is needed as a flag: {flags}").format(
                problem=plan.problem, flags=", ".join(exc.fields))) from None


def _day(text: Optional[str]) -> date:
    if text is None:
        return date.today()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(_("--today: {value} is not a day; accepted: YYYY-MM-DD, e.g. 2026-12-02").format(
            value=repr(visible(text)))) from None


def _never_the_report(report: str, output: Optional[str]) -> None:
    """--output naming the earlier report is refused, even with --force: a re-check never changes it."""
    if not output or output == "-":
        return
    try:
        same = os.path.samefile(report, output)
    except OSError:
        same = os.path.abspath(report) == os.path.abspath(output)
    if same:
        raise UsageError(_("--output: {file} is the earlier report, which a re-check never changes; "
                           "choose another name").format(file=repr(visible(output))))


def _signature() -> inspect.Signature:
    """ask's parameters, after REPORT, with --today."""
    asks = inspect.signature(ask, eval_str=True).parameters.values()
    first = [
        inspect.Parameter("report", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str,
                          default=typer.Argument(..., metavar="REPORT", help=N_("A JSON report saved earlier."))),
        inspect.Parameter("today", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Optional[str],
                          default=typer.Option(None, "--today", metavar="YYYY-MM-DD",
                                               help=N_("The day of the re-check (default: today); for tests "
                                                       "and for a report re-checked later."))),
    ]
    return inspect.Signature(first + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in asks])


recheck.__signature__ = _signature()  # type: ignore[attr-defined]
recheck.__annotations__ = {**typing.get_type_hints(ask), "report": str, "today": Optional[str]}
app.command(name="recheck", help=RECHECK_HELP, cls=AskCommand)(_guard(recheck))
