"""The command line: parses flags, prompts and prints. Everything else is in the core.

Rich is imported only where Rich prints (the text report, prompts, progress), so that
``--format json`` stays fast and free of it.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from pathlib import Path
from typing import IO, Any, Callable, List, Optional

import typer

from spinetriage import _version
from spinetriage.answers import QUESTIONS, Answers, parse_answer, parse_duration, valid_signs
from spinetriage.environment import Environment, env
from spinetriage.errors import AnswerError, ExitCode, MissingAnswers, RulesError, SpinetriageError

PROG = "spinetriage"


class UsageError(SpinetriageError):
    exit_code = ExitCode.USAGE


# --- one place for errors -----------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _source_lines(text: str) -> list[str]:
    """The lines of a rules file as shown under a problem: split once per text (not once per
    problem, so printing N problems stays linear), control characters shown as '?'."""
    import re

    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]",
                  "?", text).split("\n")


def _print_problem(problem: Any, text: str, stream: IO[str]) -> None:
    stream.write(str(problem) + "\n")
    lines = _source_lines(text)
    if 0 < problem.line <= len(lines):
        line, col = lines[problem.line - 1], problem.col
        if len(line) > 300:  # show the part around the column, not a whole very long line
            start = max(0, min(col - 1, len(line)) - 100)
            line, col = ("..." if start else "") + line[start:start + 200] + "...", col - start + (3 if start else 0)
        stream.write(f"  {problem.line:>4} | {line}\n")
        if col:
            stream.write("       | " + " " * (col - 1) + "^\n")


def _report_rules_error(exc: RulesError, stream: IO[str]) -> None:
    texts: dict[str, str] = {}
    for problem in exc.problems:
        if problem.file not in texts and problem.line:
            from spinetriage.rules import read_rules_bytes  # never waits on a pipe or reads a device

            try:
                texts[problem.file] = read_rules_bytes(problem.file).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            except (RulesError, UnicodeDecodeError):
                texts[problem.file] = ""
        _print_problem(problem, texts.get(problem.file, ""), stream)
    errors = sum(1 for p in exc.problems if p.severity == "error")
    if errors:
        stream.write(f"{PROG}: the rules file cannot be used: {errors} problem{'s' if errors != 1 else ''}\n")


def _handle(exc: BaseException, e: Environment) -> int:
    """The one place that turns an exception into a message on stderr and an exit code."""
    if isinstance(exc, RulesError):
        _report_rules_error(exc, e.stderr)
        return ExitCode.RULES
    if isinstance(exc, MissingAnswers):
        e.stderr.write(f"{PROG}: missing answers: {', '.join(exc.fields)} "
                       "(give them as flags, or run in a terminal without --no-input to be asked)\n")
        return ExitCode.USAGE
    if isinstance(exc, SpinetriageError):
        e.stderr.write(f"{PROG}: {exc}\n")
        return exc.exit_code
    if isinstance(exc, (KeyboardInterrupt, EOFError, typer.Abort)):
        e.stderr.write(f"\n{PROG}: stopped; nothing saved\n")
        return ExitCode.INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return ExitCode.FAILURE
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command: its help, as Click shows it
        e.stderr.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
        return ExitCode.USAGE
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # Click's usage errors
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        e.stderr.write(f"{PROG}: {exc.format_message()}{hint}\n")
        return int(exc.exit_code)
    if os.environ.get("SPINETRIAGE_DEBUG"):
        traceback.print_exception(exc, file=e.stderr)  # frames only, never locals
    e.stderr.write(f"{PROG}: internal error ({type(exc).__name__}); "
                   "set SPINETRIAGE_DEBUG=1 to see where, and please report it\n")
    return ExitCode.FAILURE


def _guard(command: Callable[..., None]) -> Callable[..., None]:
    """Commands report their own errors, so Typer's CliRunner sees what users see."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except typer.Exit:
            raise
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - see _handle
            raise typer.Exit(_handle(exc, env())) from None

    return guarded


# --- the app -----------------------------------------------------------------------------

app = typer.Typer(
    name=PROG,
    help="Spine-pain self-triage: where to go, how soon, and why. Not a diagnosis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never a traceback with locals: the answers are health data
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
rules_app = typer.Typer(
    help="Check, test, list and describe rules files.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
app.add_typer(rules_app, name="rules")


def _version_callback(value: bool) -> None:
    if value:
        print(f"{PROG} {_version.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Spine-pain self-triage: where to go, how soon, and why. Not a diagnosis."""


ASK_HELP = """Ask the triage questions and print one recommendation.

Answers not given as flags are asked at prompts when this runs in a terminal.
With --no-input, or without a terminal, every answer must be given as a flag
(an emergency red flag alone is enough).

\b
Examples:
  spinetriage ask
  spinetriage ask --location lower-back \\
    --duration 6w --radiation legs \\
    --no-recurrent --limits-activities \\
    --age 42 --no-red-flags
  spinetriage ask --red-flag saddle-numbness \\
    --no-input --format json
  spinetriage ask --location neck \\
    --duration 3d --radiation none \\
    --no-recurrent --no-limits-activities \\
    --age 30 --no-red-flags \\
    --format markdown --output report.md
"""

MISSING_FLAG = {
    "recurrent": "--recurrent/--no-recurrent",
    "limits_activities": "--limits-activities/--no-limits-activities",
    "red_flags": "--red-flag ID/--no-red-flags",
}
RED_FLAG_HELP = "A warning sign that is present (repeatable): " + ", ".join(QUESTIONS["red_flags"].choices) + "."


@app.command(help=ASK_HELP)
@_guard
def ask(
    location: Optional[List[str]] = typer.Option(
        None, "--location", metavar="WHERE",
        help="Where it hurts (repeatable): neck, mid-back, lower-back (or cervical, thoracic, lumbar)."),
    duration: Optional[str] = typer.Option(
        None, "--duration", metavar="TIME", help="How long: 3d, 2w, 4m, 1y (or 3 days, 2 weeks ...); 0d = began today."),
    radiation: Optional[str] = typer.Option(
        None, "--radiation", metavar="WHERE", help="Spreads into limbs: none, arms, legs, arms-and-legs."),
    recurrent: Optional[bool] = typer.Option(
        None, "--recurrent/--no-recurrent", help="Keeps coming back despite rest or medication.", show_default=False),
    limits_activities: Optional[bool] = typer.Option(
        None, "--limits-activities/--no-limits-activities", help="Limits daily activities or work.",
        show_default=False),
    age: Optional[str] = typer.Option(None, "--age", metavar="YEARS", help="Age in years, 1-120."),
    red_flag: Optional[List[str]] = typer.Option(None, "--red-flag", metavar="ID", help=RED_FLAG_HELP),
    no_red_flags: bool = typer.Option(False, "--no-red-flags", help="None of the warning signs is present."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT",
                                      help="text (default), json, markdown or fhir (a FHIR R4 Bundle)."),
    no_input: bool = typer.Option(False, "--no-input", help="Never prompt; a missing answer is an error (exit 2)."),
    rules: Optional[str] = typer.Option(None, "--rules", metavar="PATH", help="Use this rules file instead of the shipped one."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", metavar="FILE",
        help="Also save the report with your answers and the date (format by --format or by "
             ".md/.json/.txt/.fhir.json)."),
    force: bool = typer.Option(False, "--force", help="With --output: replace an existing file."),
) -> None:
    from spinetriage import report
    from spinetriage.engine import build_result, decide, matching
    from spinetriage.rules import load_rules

    e = env()
    fmt_name = _choice("--format", fmt or "text", report.FORMATS)
    answers, errors = answers_from_flags(location, duration, radiation, recurrent, limits_activities, age, red_flag,
                                         no_red_flags)
    if errors and answers.red_flags is None:
        raise errors[0]
    out_path, out_format = _output_target(output, fmt, force)
    ruleset = load_rules(rules)
    if errors:
        decide(answers, ruleset, errors)  # raises the first error unless an emergency sign decides
        for error in errors:
            e.stderr.write(f"{PROG}: warning: {error} (ignored: an emergency sign decides the result)\n")
    matched = matching(answers, ruleset)
    if matched is None:
        if no_input or not e.interactive:
            raise MissingAnswers([MISSING_FLAG.get(k, QUESTIONS[k].flag) for k in answers.missing()])
        from spinetriage.interview import Interview

        answers, matched = Interview(ruleset, e, to_stderr=fmt_name != "text").run(answers)
    result = build_result(answers, ruleset, matched)
    if fmt_name == "json":
        e.stdout.write(report.to_json(result) + "\n")
    elif fmt_name == "markdown":
        e.stdout.write(report.to_markdown(result))
    elif fmt_name == "fhir":
        from datetime import date

        from spinetriage import fhir

        e.stdout.write(fhir.to_json(result, date.today()) + "\n")
    else:
        from spinetriage.render import print_report

        print_report(result, e)
    if out_path is not None:
        _save(result, out_path, out_format, force, e)


def answers_from_flags(location: Any, duration: Any, radiation: Any, recurrent: Any, limits_activities: Any,
                       age: Any, red_flag: Any, no_red_flags: bool) -> tuple[Answers, list[UsageError]]:
    """The answers given as flags, and an error for each bad value (that answer left unknown).

    Each error names the flag, the value and what is accepted.
    """
    if red_flag and no_red_flags:
        raise UsageError("--red-flag and --no-red-flags cannot be given together; give the signs that are "
                         "present with --red-flag, or --no-red-flags if none is")
    given = {
        "location": location or None, "duration_days": duration, "radiation": radiation,
        "recurrent": recurrent, "limits_activities": limits_activities, "age": age,
        "red_flags": red_flag or ([] if no_red_flags else None),
    }
    values: dict[str, Any] = {}
    errors: list[UsageError] = []
    for key, value in given.items():
        if value is None:
            continue
        try:
            if key == "duration_days":
                values[key] = parse_duration(value)
            elif key in ("location", "red_flags"):
                values[key] = parse_answer(key, list(value))
            else:
                values[key] = parse_answer(key, value)
        except AnswerError as exc:
            errors.append(UsageError(exc.describe(QUESTIONS[key].flag)))
            if key == "red_flags":
                values[key] = valid_signs(value)
    return Answers(**values), errors


def _choice(flag: str, value: str, accepted: tuple[str, ...]) -> str:
    word = value.strip().lower()
    if word not in accepted:
        raise UsageError(f"{flag}: {value!r} is not accepted; accepted: {', '.join(accepted)}")
    return word


def _or(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


def _output_target(output: str | None, fmt: str | None, force: bool) -> tuple[Path | None, str]:
    from spinetriage.report import FORMATS, format_of, main_extensions

    if output is None:
        if force:
            raise UsageError("--force only applies with --output FILE")
        return None, ""
    path = Path(output)
    if fmt is None:
        out_format = format_of(path.name)
        if out_format is None:
            raise UsageError(f"--output: cannot tell the format of {output!r} from its extension; "
                             f"use {_or(main_extensions())}, or give --format {'|'.join(FORMATS)}")
    else:
        out_format = fmt.strip().lower()
    if path.is_dir():
        raise UsageError(f"--output: {output!r} is a folder; give a file name")
    if path.exists() and not force:
        raise UsageError(f"--output: {output!r} already exists; choose another name or add --force to replace it")
    if not path.parent.exists():
        raise UsageError(f"--output: the folder {str(path.parent)!r} does not exist")
    return path, out_format


def _save(result: Any, path: Path, out_format: str, force: bool, e: Environment) -> None:
    """Write atomically: a temporary file beside the target, then renamed into place."""
    import tempfile
    from datetime import date

    from spinetriage import report

    today = date.today()
    if out_format == "json":
        text = report.to_json(result, saved=today) + "\n"
    elif out_format == "markdown":
        text = report.to_markdown(result, saved=today)
    elif out_format == "fhir":
        from spinetriage import fhir

        text = fhir.to_json(result, today) + "\n"
    else:
        from spinetriage.render import report_as_text

        text = report_as_text(result, saved=today)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        if force:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite
            os.unlink(tmp)
    except FileExistsError:
        os.unlink(tmp)
        raise UsageError(f"--output: {str(path)!r} already exists; add --force to replace it") from None
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise UsageError(f"--output: cannot write {str(path)!r}: {exc.strerror or exc}") from None
    e.stderr.write(f"Saved the report to {path}\n")


BATCH_HELP = """Triage many answer sets (JSON Lines or CSV) without prompts.

One JSON line out for every record in, in the same order. A record that cannot be
triaged gives an error line with its line number; the run goes on. A summary goes
to stderr. Exit 0 when every record was triaged, 1 when any was rejected.

\b
Examples:
  spinetriage batch records.jsonl > out.jsonl
  spinetriage batch intake.csv
  cat records.jsonl | spinetriage batch - \\
    --rules my-rules.yaml
"""


@app.command(help=BATCH_HELP)
@_guard
def batch(
    file: str = typer.Argument("-", metavar="[FILE|-]", help="Records to read; - or nothing reads stdin."),
    input_format: Optional[str] = typer.Option(
        None, "--input-format", metavar="FORMAT",
        help="jsonl (default), csv, or fhir (FHIR QuestionnaireResponses, one a line); a .csv file is read as CSV."),
    rules: Optional[str] = typer.Option(None, "--rules", metavar="PATH", help="Use this rules file instead of the shipped one."),
) -> None:
    from spinetriage import batch as core
    from spinetriage.rules import load_rules

    e = env()
    if input_format is None:
        input_format = "csv" if file.lower().endswith(".csv") else "jsonl"
    input_format = _choice("--input-format", input_format, core.INPUT_FORMATS)
    ruleset = load_rules(rules)
    if file == "-":
        if e.stdin_isatty:
            e.stderr.write(f"{PROG}: reading records from the terminal, one JSON object a line; "
                           "press Ctrl-D to finish\n")
        stream = e.stdin.buffer if hasattr(e.stdin, "buffer") else e.stdin
        summary = _run_batch(core, stream, ruleset, input_format, e)
    else:
        try:
            fh = open(file, "rb")
        except OSError as exc:
            raise UsageError(f"FILE: cannot read {file!r}: {exc.strerror or exc}") from None
        with fh:
            summary = _run_batch(core, fh, ruleset, input_format, e)
    e.stderr.write(summary.line() + "\n")
    if summary.errors:
        raise typer.Exit(ExitCode.FAILURE)


def _run_batch(core: Any, stream: Any, ruleset: Any, input_format: str, e: Environment) -> Any:
    if not e.stderr_isatty:
        return core.run(stream, e.stdout, ruleset, input_format)
    from spinetriage.render import batch_progress

    with batch_progress(e) as tick:
        return core.run(stream, e.stdout, ruleset, input_format, on_record=tick)


# --- rules commands ---------------------------------------------------------------------

RULES_PATH = typer.Argument(None, metavar="[PATH]", help="A rules file (default: the shipped one).")


@rules_app.command("validate", help="Check a rules file; list every problem as file:line:col: message.\n\n"
                   "\b\nExamples:\n  spinetriage rules validate\n  spinetriage rules validate my-rules.yaml --strict")
@_guard
def rules_validate(
    path: Optional[str] = RULES_PATH,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors (exit 3)."),
) -> None:
    from spinetriage.checks import warnings_for
    from spinetriage.rules import load_rules

    e = env()
    ruleset = load_rules(path)
    warnings = warnings_for(ruleset)
    for w in warnings:
        _print_problem(w, ruleset.source.text if ruleset.source else "", e.stderr)
    count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    if warnings and strict:
        e.stderr.write(f"{PROG}: the rules file cannot be used: {count} treated as errors (--strict)\n")
        raise typer.Exit(ExitCode.RULES)
    e.stdout.write(f"{ruleset.file}: valid: {len(ruleset.rules)} rules, {len(ruleset.cases)} cases, "
                   f"version {ruleset.version}" + (f", {count}" if warnings else "") + "\n")


@rules_app.command("test", help="Run the example cases kept in a rules file.\n\n"
                   "\b\nExamples:\n  spinetriage rules test\n  spinetriage rules test my-rules.yaml")
@_guard
def rules_test(path: Optional[str] = RULES_PATH) -> None:
    from spinetriage.checks import run_cases
    from spinetriage.rules import load_rules

    e = env()
    ruleset = load_rules(path)
    outcomes = run_cases(ruleset)
    failed = [o for o in outcomes if not o.passed]
    for o in failed:
        e.stdout.write(f"FAIL {o.case.id} ({ruleset.file}:{o.case.line}): {o.explain()}\n")
    e.stdout.write(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed\n")
    if failed:
        raise typer.Exit(ExitCode.FAILURE)


@rules_app.command("list", help="List the rules: id, outcome, reason, source.\n\n"
                   "\b\nExamples:\n  spinetriage rules list\n  spinetriage rules list --format json")
@_guard
def rules_list(
    path: Optional[str] = RULES_PATH,
    fmt: str = typer.Option("text", "--format", metavar="FORMAT", help="text or json."),
) -> None:
    import json

    from spinetriage.rules import load_rules

    e = env()
    fmt = _choice("--format", fmt, ("text", "json"))
    ruleset = load_rules(path)
    rows = [{"id": r.id, "outcome": r.outcome.id, "reason": r.reason, "source": r.source} for r in ruleset.rules]
    if fmt == "json":
        e.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    from spinetriage.render import print_rules_table

    print_rules_table(rows, e)


@rules_app.command("questionnaire", help="Print the interview as a FHIR R4 Questionnaire (JSON), for a "
                   "clinic's forms engine.\n\n\b\nExamples:\n  spinetriage rules questionnaire > questionnaire.json\n"
                   "  spinetriage rules questionnaire my-rules.yaml")
@_guard
def rules_questionnaire(path: Optional[str] = RULES_PATH) -> None:
    import json

    from spinetriage import fhir
    from spinetriage.rules import load_rules

    env().stdout.write(json.dumps(fhir.questionnaire(load_rules(path)), ensure_ascii=False, indent=2) + "\n")


@rules_app.command("codesystem", help="Print the FHIR R4 CodeSystem of outcome and answer codes (JSON).\n\n"
                   "\b\nExamples:\n  spinetriage rules codesystem > codesystem.json\n"
                   "  spinetriage rules codesystem my-rules.yaml")
@_guard
def rules_codesystem(path: Optional[str] = RULES_PATH) -> None:
    import json

    from spinetriage import fhir
    from spinetriage.rules import load_rules

    env().stdout.write(json.dumps(fhir.codesystem(load_rules(path)), ensure_ascii=False, indent=2) + "\n")


@rules_app.command("schema", help="Print the JSON Schema of the rules file (for editors).\n\n"
                   "\b\nExample:\n  spinetriage rules schema > rules.schema.json")
@_guard
def rules_schema() -> None:
    import json

    from spinetriage.checks import json_schema

    env().stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def run(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code. Every error becomes one clear message."""
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name=PROG, standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - see _handle
        return _handle(exc, env())


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(argv))
