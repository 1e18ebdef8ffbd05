"""``spinetriage ask``: the answers from flags, the interview for what is missing, the result in
the format asked for, and the report saved when asked (``cli.save``).
"""

from __future__ import annotations

from typing import Any, List, Optional

import typer

from spinetriage.cli import rechecking
from spinetriage.cli.apps import app
from spinetriage.cli.errors import PROG, UsageError, _guard, stdout_failed
from spinetriage.cli.options import (
    ASK_HELP,
    FORMAT_WORDS,
    MISSING_FLAG,
    RED_FLAG_HELP,
    AskCommand,
    _choice,
    _choices,
    _completer,
)
from spinetriage.cli.language import LANG_HELP
from spinetriage.cli.language import apply as apply_language
from spinetriage.cli.language import load_rules_in_words
from spinetriage.cli.region import REGION_HELP, choose_region, region_code
from spinetriage.cli.save import STDOUT, _output_target, _save, _today
from spinetriage.cli.terminal import Environment, env, json_safe, visible
from spinetriage.core.answers import Answers
from spinetriage.core.errors import AnswerError, MissingAnswers, RulesError
from spinetriage.core.i18n import N_, _
from spinetriage.core.parse import (
    longer_than_life,
    parse_answer,
    parse_duration,
    valid_signs,
)
from spinetriage.core.vocabulary import QUESTIONS


@app.command(help=ASK_HELP, cls=AskCommand)
@_guard
def ask(
    location: Optional[List[str]] = typer.Option(
        None, "--location", metavar="WHERE", autocompletion=_completer("location"),
        help=N_("Where it hurts (repeatable): neck, mid-back, lower-back (or cervical, thoracic, lumbar).")),
    # Answers with one value are still collected as lists, and the yes/no answers as two flags,
    # so that the same answer given twice with different values is refused, never "last one wins".
    duration: Optional[List[str]] = typer.Option(
        None, "--duration", metavar="TIME", autocompletion=_choices({"3d": "3 days", "2w": "2 weeks", "4m": "4 months", "1y": "1 year", "0d": "began today"}),
        help=N_("How long: 3d, 2w, 4m, 1y (or 3 days, 2 weeks ...); 0d = began today.")),
    radiation: Optional[List[str]] = typer.Option(
        None, "--radiation", metavar="WHERE", autocompletion=_completer("radiation"), help=N_("Spreads into limbs: none, arms, legs, arms-and-legs.")),
    recurrent: bool = typer.Option(False, "--recurrent", help=N_("Keeps coming back despite rest or medication.")),
    no_recurrent: bool = typer.Option(False, "--no-recurrent", help=N_("Does not keep coming back.")),
    limits_activities: bool = typer.Option(False, "--limits-activities", help=N_("Limits daily activities or work.")),
    no_limits_activities: bool = typer.Option(False, "--no-limits-activities",
                                              help=N_("Does not limit daily activities or work.")),
    age: Optional[List[str]] = typer.Option(None, "--age", metavar="YEARS", help=N_("Age in years, 1-120.")),
    red_flag: Optional[List[str]] = typer.Option(None, "--red-flag", metavar="ID", help=RED_FLAG_HELP,
                                                 autocompletion=_completer("red_flags")),
    no_red_flags: bool = typer.Option(False, "--no-red-flags", help=N_("None of the warning signs is present.")),
    course: Optional[List[str]] = typer.Option(
        None, "--course", metavar="HOW", autocompletion=_completer("course"),
        help=N_("Since the last check: better, same or worse (optional; spinetriage recheck asks it).")),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT", autocompletion=_choices(FORMAT_WORDS),
                                      help=N_("text (default), json, markdown or fhir (a FHIR R4 Bundle).")),
    no_input: bool = typer.Option(False, "--no-input", help=N_("Never prompt; a missing answer is an error (exit 2).")),
    plain: bool = typer.Option(
        False, "--plain", help=N_("Plain text for screen readers and braille displays: no boxes, bullets or colour "
                                  "(also when TERM=dumb).")),
    rules: Optional[str] = typer.Option(None, "--rules", metavar="PATH", help=N_("Use this rules file instead of the shipped one.")),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", metavar="FILE",
        help=N_("Also save the report with your answers and the date (format by --format or by "
                ".md/.json/.txt/.html/.fhir.json; .html is a page to print; - writes it to stdout).")),
    force: bool = typer.Option(False, "--force", help=N_("With --output: replace an existing file.")),
    region: Optional[str] = typer.Option(None, "--region", metavar="CODE", help=REGION_HELP),
    lang: Optional[str] = typer.Option(None, "--lang", metavar="LANG", help=LANG_HELP),
) -> None:
    from spinetriage.core.engine import build_result, decide, matching
    from spinetriage.formats import report

    e = env()
    apply_language(lang, e.environ, e.stderr)
    if plain:
        e = e.replace(plain=True)
    # A bad --format or --output is refused before any question, but after the advice when the
    # flags already give an emergency: nothing about the report may hold back "go now".
    held: UsageError | None = None
    try:
        fmt_name = _choice("--format", fmt or "text", report.FORMATS)
    except UsageError as exc:
        fmt_name, held = "text", exc
    answers, errors = answers_from_flags(location, duration, radiation, _yes_no(recurrent, no_recurrent),
                                         _yes_no(limits_activities, no_limits_activities), age, red_flag, no_red_flags,
                                         course)
    region_error = None
    try:
        region = region_code(region) if region is not None else None
    except UsageError as exc:  # like a bad answer: an error, unless an emergency sign decides
        errors.append(exc)
        region_error = exc
    if errors and answers.red_flags is None:
        raise errors[0]
    out_path, out_format = None, ""
    if held is None:
        try:
            out_path, out_format = _output_target(output, fmt, force)
        except UsageError as exc:
            held = exc
    where = None if region_error else choose_region(region, e.environ, e.stderr)
    try:
        ruleset = load_rules_in_words(rules, e.stderr)
    except RulesError:
        _go_now_despite(answers, rules, fmt_name, e, where)
        raise
    if errors:
        decide(answers, ruleset, errors)  # raises the first error unless an emergency sign decides
        for error in errors:
            e.stderr.write(visible(_("{prog}: warning: {error} (ignored: an emergency sign decides the result)").format(
                prog=PROG, error=error) + "\n"))
    matched = matching(answers, ruleset)
    if held is not None and not ruleset.is_top(matched):
        raise held
    stopped_early = False
    asked = False
    if matched is None:
        if no_input or not e.interactive:
            raise MissingAnswers([MISSING_FLAG.get(k, QUESTIONS[k].flag) for k in answers.missing()])
        from spinetriage.cli.interview import Interview

        # Questions on stderr whenever stdout carries the result elsewhere (JSON, Markdown, a file).
        to_stderr = fmt_name != "text" or not e.stdout_isatty
        hooks = _since()
        interview = (hooks.interview_class(Interview) if hooks else Interview)(ruleset, e, to_stderr=to_stderr)
        interview.region = where
        answers, matched = interview.run(answers)
        stopped_early, asked = interview.stopped_early, True
    result = _localize(build_result(answers, ruleset, matched, stopped_early), where)
    to_stdout = out_path == STDOUT
    try:
        _print_result(result, fmt_name if not to_stdout else out_format, e, saved=_today() if to_stdout else None)
    except OSError as exc:
        raise stdout_failed(exc, result) from None
    if asked and not e.stdout_isatty:
        # The person answered at the terminal but the report went elsewhere: the recommendation
        # is shown where they are too.
        from spinetriage.formats import report

        e.stderr.write(visible(f"\n{report.headline(result)}\n{result.advice}\n"))
    if held is not None:
        raise held  # the emergency advice is out; the report asked for could not be given
    if out_path is not None and not to_stdout:
        _save(result, out_path, out_format, force, e)


def _print_result(result: Any, fmt_name: str, e: Environment, saved: Any = None) -> None:
    """The report on stdout, flushed, so that a failure to write it is seen here."""
    from spinetriage.formats import report

    hooks = _since()
    if hooks is not None:
        e.stdout.write(hooks.head(result, fmt_name))  # a re-check: what changed, at the top
    if fmt_name == "json":
        text = report.to_json(result, saved=saved, extra=hooks.extra(result) if hooks else None)
        e.stdout.write(json_safe(text, getattr(e.stdout, "encoding", None)) + "\n")
    elif fmt_name == "markdown":
        e.stdout.write(visible(report.to_markdown(result, saved=saved)))
    elif fmt_name == "fhir":
        from spinetriage.formats import fhir

        e.stdout.write(json_safe(fhir.to_json(result, saved or _today()), getattr(e.stdout, "encoding", None)) + "\n")
    else:
        from spinetriage.cli.render import print_report

        print_report(result, e, saved=saved)
    e.stdout.flush()


def _yes_no(yes: bool, no: bool) -> list[bool] | None:
    """A yes/no answer from its two flags, as the values given (both given: two values)."""
    return [value for value, given in ((True, yes), (False, no)) if given] or None


def answers_from_flags(location: Any, duration: Any, radiation: Any, recurrent: Any, limits_activities: Any,
                       age: Any, red_flag: Any, no_red_flags: bool,
                       course: Any = None) -> tuple[Answers, list[UsageError]]:
    """The answers given as flags, and an error for each bad value (that answer left unknown).

    Each error names the flag, the value and what is accepted. ``duration``, ``radiation``,
    ``recurrent``, ``limits_activities`` and ``age`` may each be a list of the values given: the
    same answer given twice with different values is an error, as is an age younger than the pain.
    """
    values: dict[str, Any] = {}
    errors: list[UsageError] = []
    if red_flag and no_red_flags:
        # An error, but the signs given still count: an emergency sign among them decides (with a warning).
        errors.append(UsageError(_("--red-flag and --no-red-flags cannot be given together; give the signs that "
                                   "are present with --red-flag, or --no-red-flags if none is")))
        no_red_flags = False
    given = {
        "location": location or None, "duration_days": duration, "radiation": radiation,
        "recurrent": recurrent, "limits_activities": limits_activities, "age": age,
        "red_flags": red_flag or ([] if no_red_flags else None), "course": course,
    }
    for key, value in given.items():
        if value is None:
            continue
        try:
            if key in ("location", "red_flags"):
                values[key] = parse_answer(key, list(value))
            else:
                values[key] = _single(key, value if isinstance(value, (list, tuple)) else [value])
        except AnswerError as exc:
            errors.append(UsageError(exc.describe(QUESTIONS[key].flag)))
            if key == "red_flags":
                values[key] = valid_signs(value)
        except UsageError as exc:
            errors.append(exc)
    age_years, days = values.get("age"), values.get("duration_days")
    if age_years is not None and days is not None and longer_than_life(days, age_years):
        del values["age"], values["duration_days"]
        errors.append(UsageError(_("--duration {duration} and --age {age} contradict each other: the pain "
                                   "cannot have lasted longer than the person has lived; check both").format(
                                       duration=_said(duration), age=_said(age))))
    return Answers(**values), errors


def _said(value: Any) -> str:
    """A flag's value as typed, for a message (the last one if given more than once)."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return visible(str(value))


def _single(key: str, given: list[Any]) -> Any:
    """One answer from the values its flag was given: all the same, or an error naming them."""
    parse = parse_duration if key == "duration_days" else (lambda v: parse_answer(key, v))
    parsed = [parse(v) for v in given]
    if len(set(parsed)) > 1:
        flag = QUESTIONS[key].flag
        if isinstance(parsed[0], bool):
            raise UsageError(_("{flag} and {no_flag} contradict each other; give one of them").format(
                flag=flag, no_flag=f"--no-{flag[2:]}"))
        shown = ", ".join(repr(v) for v in dict.fromkeys(given))
        raise UsageError(_("{flag} given more than once with different values ({values}); give it once").format(
            flag=flag, values=shown))
    return parsed[0]


def _since() -> Any:
    """The re-check's hooks (``cli.since``) while one runs, else None: imported only then."""
    if rechecking.ACTIVE.get() is None:
        return None
    from spinetriage.cli import since

    return since


def _go_now_despite(answers: Answers, rules: Optional[str], fmt_name: str, e: Environment, where: Any) -> None:
    """An unusable rules file never holds back "go now": every rules file must lead each emergency
    sign alone to emergency, as the shipped rules do, so their advice is printed before the error.
    When it is the rules' texts in this language that do not fit (a damaged install), the advice
    is given in English, the rules' own words."""
    from spinetriage.core import i18n
    from spinetriage.core.engine import build_result, matching
    from spinetriage.rules.load import load_rules

    for lang in ([i18n.current()] if rules is not None else []) + (
            [i18n.DEFAULT] if i18n.current() != i18n.DEFAULT else []):
        if lang != i18n.current():
            i18n.use(lang)
        try:
            shipped = load_rules()
        except RulesError:
            continue
        found = matching(answers, shipped)
        if shipped.is_top(found):
            _print_result(_localize(build_result(answers, shipped, found), where), fmt_name, e)
        return


def _localize(result: Any, region: Any) -> Any:
    """The result naming ``region``'s numbers; without a region, as it is (nothing to import)."""
    if region is None:
        return result
    from spinetriage.core.region import localize

    return localize(result, region)
