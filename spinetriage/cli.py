"""The command line: parses flags, prompts and prints. Everything else is in the core.

Rich is imported only where Rich prints (the text report, prompts, progress), so that
``--format json`` stays fast and free of it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import IO, Any, Callable, Iterator, List, Optional

import typer
from typer.core import TyperCommand

from spinetriage import _version
from spinetriage.core.vocabulary import QUESTIONS
from spinetriage.core.answers import Answers
from spinetriage.core.parse import longer_than_life, parse_answer, parse_duration, valid_signs
from spinetriage.environment import ClosedStream, Environment, env, json_safe, prepare_process, visible
from spinetriage.core.errors import AnswerError, ExitCode, MissingAnswers, RulesError, SpinetriageError

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
            from spinetriage.rules.load import read_rules_bytes  # never waits on a pipe or reads a device

            try:
                texts[problem.file] = read_rules_bytes(problem.file).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            except (RulesError, UnicodeDecodeError):
                texts[problem.file] = ""
        _print_problem(problem, texts.get(problem.file, ""), stream)
    errors = sum(1 for p in exc.problems if p.severity == "error")
    if errors:
        stream.write(f"{PROG}: the rules file cannot be used: {errors} problem{'s' if errors != 1 else ''}\n")


class OutputError(SpinetriageError):
    """Standard output cannot take the result (closed, broken pipe, full disk)."""

    exit_code = ExitCode.FAILURE


#: Causes of a failed write, in words (errno -> cause).
WRITE_CAUSES = {
    errno.EPIPE: "it was closed before everything was written (broken pipe)",
    errno.EBADF: "it is closed",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large",
    errno.EIO: "an input/output error of the device",
}


def _cause(exc: OSError) -> str:
    return WRITE_CAUSES.get(exc.errno or 0) or str(exc.strerror or exc).lower()


def _silence_stdout() -> None:
    """After stdout failed: point fd 1 at /dev/null, so Python's own flush at exit neither fails
    again nor prints 'Exception ignored'; buffered text that cannot be written is dropped."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def stdout_failed(exc: OSError, result: Any = None) -> OutputError:
    """An OSError while writing to stdout as one line naming the cause; with the result, the line
    also carries the recommendation, so that it still reaches the person on stderr."""
    from spinetriage.report import headline

    _silence_stdout()
    message = f"cannot write to standard output: {_cause(exc)}"
    if result is not None:
        message += f"; the recommendation was: {headline(result)}"
    return OutputError(message)


class _Visible:
    """Writes messages with every control character shown as repr shows it (see ``visible``)."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    def write(self, text: str) -> None:
        try:
            self.stream.write(visible(text))
        except (OSError, ValueError, AttributeError):  # a closed or failing stderr: the exit code still counts
            pass


def _handle(exc: BaseException, e: Environment) -> int:
    """The one place that turns an exception into a message on stderr and an exit code."""
    err: Any = _Visible(e.stderr)
    if isinstance(exc, RulesError):
        _report_rules_error(exc, err)
        return ExitCode.RULES
    if isinstance(exc, MissingAnswers):
        err.write(f"{PROG}: missing answers: {', '.join(exc.fields)} "
                  "(give them as flags, or run in a terminal without --no-input to be asked)\n")
        return ExitCode.USAGE
    if isinstance(exc, SpinetriageError):
        err.write(f"{PROG}: {exc}\n")
        return exc.exit_code
    if isinstance(exc, (KeyboardInterrupt, EOFError, typer.Abort)):
        signum = getattr(exc, "signum", None)  # stopping.Stopped: SIGTERM, SIGHUP ... say which
        if signum is not None and signum != signal.SIGINT:
            from spinetriage.stopping import signal_name

            err.write(f"\n{PROG}: stopped by {signal_name(signum)}; nothing saved\n")
            return 128 + signum
        err.write(f"\n{PROG}: stopped; nothing saved\n")
        return ExitCode.INTERRUPTED
    if isinstance(exc, OSError) and exc.errno in WRITE_CAUSES:  # writing stdout: the only stream not named
        err.write(f"{PROG}: {stdout_failed(exc)}\n")
        return ExitCode.FAILURE
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command: its help, as Click shows it
        err.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
        return ExitCode.USAGE
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # Click's usage errors
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        err.write(f"{PROG}: {exc.format_message()}{hint}\n")
        return int(exc.exit_code)
    if os.environ.get("SPINETRIAGE_DEBUG"):
        traceback.print_exception(exc, file=err)  # frames only, never locals
    err.write(f"{PROG}: internal error ({type(exc).__name__}); "
              "set SPINETRIAGE_DEBUG=1 to see where, and please report it\n")
    return ExitCode.FAILURE


def _guard(command: Callable[..., None]) -> Callable[..., None]:
    """Commands report their own errors, so Typer's CliRunner sees what users see."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
            if sys.stdout is not None:
                sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
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
        out = env().stdout
        out.write(f"{PROG} {_version.__version__}\n")  # a closed stdout is named, as for any output
        out.flush()
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
  spinetriage ask --output report.html
  spinetriage ask --output result.fhir.json
"""

MISSING_FLAG = {
    "recurrent": "--recurrent/--no-recurrent",
    "limits_activities": "--limits-activities/--no-limits-activities",
    "red_flags": "--red-flag ID/--no-red-flags",
}
RED_FLAG_HELP = ("A warning sign that is present (repeatable, or several separated by commas); every ID with "
                 "its meaning is listed below. Any emergency sign gives the emergency result at once.")

# --- shell completion of values (bash, zsh, fish: spinetriage --install-completion) --------------

FORMAT_WORDS = {"text": "the report for people (default)", "json": "one JSON object for scripts",
                "markdown": "the report as Markdown", "fhir": "a FHIR R4 Bundle"}
INPUT_FORMAT_WORDS = {"jsonl": "JSON Lines, one record a line (default)", "csv": "CSV with a header row",
                      "fhir": "FHIR R4 QuestionnaireResponses, one a line"}


def _completer(key: str) -> Callable[[str], list[tuple[str, str]]]:
    """Values of an answer for the shell to offer, with their words (zsh and fish show them).
    Called only when the shell asks (_SPINETRIAGE_COMPLETE is set), never at start-up."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        from spinetriage.core.vocabulary import TIERS

        question = QUESTIONS[key]
        head, comma, last = incomplete.rpartition(",") if question.kind == "set" else ("", "", incomplete)
        done = set(head.split(",")) if comma else set()
        words = dict(question.choices)
        if key == "red_flags":
            words = {k: f"{TIERS[k]}: {v}" for k, v in words.items()}
        words.update({alias: f"= {value}" for alias, value in question.aliases.items()})
        return [(head + comma + value, text if len(text) <= 60 else text[:57].rstrip(" ,;:") + "...") for value, text in words.items()
                if value.startswith(last.strip().lower()) and value not in done]

    return complete


def _choices(words: dict[str, str]) -> Callable[[str], list[tuple[str, str]]]:
    def complete(incomplete: str) -> list[tuple[str, str]]:
        return [(value, text) for value, text in words.items() if value.startswith(incomplete.strip().lower())]

    return complete


class AskCommand(TyperCommand):
    """``ask --help`` ends with every red-flag id and its meaning, by tier; built only when shown."""

    TIER_HEADINGS = (
        ("emergency", "Red-flag IDs: emergency signs"),
        ("urgent", "Red-flag IDs: urgent signs"),
        ("risk", "Red-flag IDs: risk factors"),
    )

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        from spinetriage.core.vocabulary import RED_FLAGS, TIERS

        for tier, heading in self.TIER_HEADINGS:
            with formatter.section(heading):
                formatter.write_dl([(sign, words) for sign, words in RED_FLAGS.items() if TIERS[sign] == tier])


@app.command(help=ASK_HELP, cls=AskCommand)
@_guard
def ask(
    location: Optional[List[str]] = typer.Option(
        None, "--location", metavar="WHERE", autocompletion=_completer("location"),
        help="Where it hurts (repeatable): neck, mid-back, lower-back (or cervical, thoracic, lumbar)."),
    # Answers with one value are still collected as lists, and the yes/no answers as two flags,
    # so that the same answer given twice with different values is refused, never "last one wins".
    duration: Optional[List[str]] = typer.Option(
        None, "--duration", metavar="TIME", autocompletion=_choices({"3d": "3 days", "2w": "2 weeks", "4m": "4 months", "1y": "1 year", "0d": "began today"}),
        help="How long: 3d, 2w, 4m, 1y (or 3 days, 2 weeks ...); 0d = began today."),
    radiation: Optional[List[str]] = typer.Option(
        None, "--radiation", metavar="WHERE", autocompletion=_completer("radiation"), help="Spreads into limbs: none, arms, legs, arms-and-legs."),
    recurrent: bool = typer.Option(False, "--recurrent", help="Keeps coming back despite rest or medication."),
    no_recurrent: bool = typer.Option(False, "--no-recurrent", help="Does not keep coming back."),
    limits_activities: bool = typer.Option(False, "--limits-activities", help="Limits daily activities or work."),
    no_limits_activities: bool = typer.Option(False, "--no-limits-activities",
                                              help="Does not limit daily activities or work."),
    age: Optional[List[str]] = typer.Option(None, "--age", metavar="YEARS", help="Age in years, 1-120."),
    red_flag: Optional[List[str]] = typer.Option(None, "--red-flag", metavar="ID", help=RED_FLAG_HELP,
                                                 autocompletion=_completer("red_flags")),
    no_red_flags: bool = typer.Option(False, "--no-red-flags", help="None of the warning signs is present."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT", autocompletion=_choices(FORMAT_WORDS),
                                      help="text (default), json, markdown or fhir (a FHIR R4 Bundle)."),
    no_input: bool = typer.Option(False, "--no-input", help="Never prompt; a missing answer is an error (exit 2)."),
    plain: bool = typer.Option(
        False, "--plain", help="Plain text for screen readers and braille displays: no boxes, bullets or colour "
                               "(also when TERM=dumb)."),
    rules: Optional[str] = typer.Option(None, "--rules", metavar="PATH", help="Use this rules file instead of the shipped one."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", metavar="FILE",
        help="Also save the report with your answers and the date (format by --format or by "
             ".md/.json/.txt/.html/.fhir.json; .html is a page to print; - writes it to stdout)."),
    force: bool = typer.Option(False, "--force", help="With --output: replace an existing file."),
) -> None:
    from spinetriage import report
    from spinetriage.core.engine import build_result, decide, matching
    from spinetriage.rules.load import load_rules

    e = env()
    if plain:
        e = dataclasses.replace(e, plain=True)
    # A bad --format or --output is refused before any question, but after the advice when the
    # flags already give an emergency: nothing about the report may hold back "go now".
    held: UsageError | None = None
    try:
        fmt_name = _choice("--format", fmt or "text", report.FORMATS)
    except UsageError as exc:
        fmt_name, held = "text", exc
    answers, errors = answers_from_flags(location, duration, radiation, _yes_no(recurrent, no_recurrent),
                                         _yes_no(limits_activities, no_limits_activities), age, red_flag, no_red_flags)
    if errors and answers.red_flags is None:
        raise errors[0]
    out_path, out_format = None, ""
    if held is None:
        try:
            out_path, out_format = _output_target(output, fmt, force)
        except UsageError as exc:
            held = exc
    ruleset = load_rules(rules)
    if errors:
        decide(answers, ruleset, errors)  # raises the first error unless an emergency sign decides
        for error in errors:
            e.stderr.write(visible(f"{PROG}: warning: {error} (ignored: an emergency sign decides the result)\n"))
    matched = matching(answers, ruleset)
    if held is not None and not ruleset.is_top(matched):
        raise held
    stopped_early = False
    asked = False
    if matched is None:
        if no_input or not e.interactive:
            raise MissingAnswers([MISSING_FLAG.get(k, QUESTIONS[k].flag) for k in answers.missing()])
        from spinetriage.interview import Interview

        # Questions on stderr whenever stdout carries the result elsewhere (JSON, Markdown, a file).
        to_stderr = fmt_name != "text" or not e.stdout_isatty
        interview = Interview(ruleset, e, to_stderr=to_stderr)
        answers, matched = interview.run(answers)
        stopped_early, asked = interview.stopped_early, True
    result = build_result(answers, ruleset, matched, stopped_early)
    to_stdout = out_path == STDOUT
    try:
        _print_result(result, fmt_name if not to_stdout else out_format, e, saved=_today() if to_stdout else None)
    except OSError as exc:
        raise stdout_failed(exc, result) from None
    if asked and not e.stdout_isatty:
        # The person answered at the terminal but the report went elsewhere: the recommendation
        # is shown where they are too.
        from spinetriage import report

        e.stderr.write(visible(f"\n{report.headline(result)}\n{result.advice}\n"))
    if held is not None:
        raise held  # the emergency advice is out; the report asked for could not be given
    if out_path is not None and not to_stdout:
        _save(result, out_path, out_format, force, e)


STDOUT = Path("-")


def _today() -> Any:
    from datetime import date

    return date.today()


def _print_result(result: Any, fmt_name: str, e: Environment, saved: Any = None) -> None:
    """The report on stdout, flushed, so that a failure to write it is seen here."""
    from spinetriage import report

    if fmt_name == "json":
        e.stdout.write(json_safe(report.to_json(result, saved=saved), getattr(e.stdout, "encoding", None)) + "\n")
    elif fmt_name == "markdown":
        e.stdout.write(visible(report.to_markdown(result, saved=saved)))
    elif fmt_name == "fhir":
        from spinetriage import fhir

        e.stdout.write(json_safe(fhir.to_json(result, saved or _today()), getattr(e.stdout, "encoding", None)) + "\n")
    else:
        from spinetriage.render import print_report

        print_report(result, e, saved=saved)
    e.stdout.flush()


def _yes_no(yes: bool, no: bool) -> list[bool] | None:
    """A yes/no answer from its two flags, as the values given (both given: two values)."""
    return [value for value, given in ((True, yes), (False, no)) if given] or None


def answers_from_flags(location: Any, duration: Any, radiation: Any, recurrent: Any, limits_activities: Any,
                       age: Any, red_flag: Any, no_red_flags: bool) -> tuple[Answers, list[UsageError]]:
    """The answers given as flags, and an error for each bad value (that answer left unknown).

    Each error names the flag, the value and what is accepted. ``duration``, ``radiation``,
    ``recurrent``, ``limits_activities`` and ``age`` may each be a list of the values given: the
    same answer given twice with different values is an error, as is an age younger than the pain.
    """
    values: dict[str, Any] = {}
    errors: list[UsageError] = []
    if red_flag and no_red_flags:
        # An error, but the signs given still count: an emergency sign among them decides (with a warning).
        errors.append(UsageError("--red-flag and --no-red-flags cannot be given together; give the signs that "
                                 "are present with --red-flag, or --no-red-flags if none is"))
        no_red_flags = False
    given = {
        "location": location or None, "duration_days": duration, "radiation": radiation,
        "recurrent": recurrent, "limits_activities": limits_activities, "age": age,
        "red_flags": red_flag or ([] if no_red_flags else None),
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
        errors.append(UsageError(f"--duration {_said(duration)} and --age {_said(age)} contradict each other: the pain "
                                 "cannot have lasted longer than the person has lived; check both"))
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
            raise UsageError(f"{flag} and --no-{flag[2:]} contradict each other; give one of them")
        shown = ", ".join(repr(v) for v in dict.fromkeys(given))
        raise UsageError(f"{flag} given more than once with different values ({shown}); give it once")
    return parsed[0]


def _choice(flag: str, value: str, accepted: tuple[str, ...]) -> str:
    word = value.strip().lower()
    if word not in accepted:
        raise UsageError(f"{flag}: {value!r} is not accepted; accepted: {', '.join(accepted)}")
    return word


def _or(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


def _output_target(output: str | None, fmt: str | None, force: bool) -> tuple[Path | None, str]:
    """Where --output goes and in which format, checked before any question is asked."""
    from spinetriage.report import FORMATS, format_of, main_extensions

    if output is None:
        if force:
            raise UsageError("--force only applies with --output FILE")
        return None, ""
    if output == "-":
        return STDOUT, (fmt or "text").strip().lower()
    if not output or "\0" in output:
        raise UsageError(f"--output: {output!r} is not a file name")
    path = Path(output)
    parent = path.parent
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
        if os.path.islink(path) and not force:
            raise UsageError(f"--output: {_short(output)!r} is a link to a file that does not exist; "
                             "choose another name or add --force to replace the link") from None
    except OSError as exc:
        raise _bad_output(output, exc) from None
    if st is not None:
        import stat

        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"--output: {_short(output)!r} is a folder; give a file name")
        if not force:
            raise UsageError(f"--output: {_short(output)!r} already exists; choose another name or add --force to replace it")
    if fmt is None:
        out_format = format_of(path.name)
        if out_format is None:
            raise UsageError(f"--output: cannot tell the format of {_short(output)!r} from its extension; "
                             f"use {_or(main_extensions())}, or give --format {'|'.join(FORMATS)}")
    else:
        out_format = fmt.strip().lower()
    if not parent.is_dir():
        raise UsageError(f"--output: the folder {_short(str(parent))!r} does not exist")
    name_max = _name_max(parent)
    if len(os.fsencode(path.name)) > name_max:
        raise UsageError(f"--output: the file name is too long ({len(os.fsencode(path.name))} bytes; "
                         f"at most {name_max} here)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--output: cannot create files in the folder {_short(str(parent))!r} "
                         "(permission denied or read-only)")
    if st is None:
        _probe(parent)
    return path, out_format


def _probe(folder: Path) -> None:
    """Create and remove an empty file in ``folder``, so that a folder the report cannot be saved
    in is named before any question is asked (root passes access checks that writing fails)."""
    import secrets

    probe = folder / f".spinetriage-{secrets.token_hex(8)}.tmp"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise UsageError(f"--output: cannot create a file in the folder {_short(str(folder))!r}: "
                         f"{_cause(exc)}") from None
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


#: Failures of the disk while writing (exit 1); any other error names a bad --output (exit 2).
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _short(text: str, keep: int = 100) -> str:
    """A path (or words) for one line: a very long one keeps its start and its end."""
    return text if len(text) <= keep else text[:keep // 2 - 2] + "..." + text[-(keep // 2 - 1):]


def _bad_output(output: str, exc: OSError) -> SpinetriageError:
    cause = _cause(exc)
    if exc.errno in DISK_ERRORS:
        return OutputError(f"cannot save the report to {_short(output)!r}: {cause}; nothing was saved")
    return UsageError(f"--output: cannot write {_short(output)!r}: {cause}")


def _report_text(result: Any, out_format: str, saved: Any) -> str:
    from spinetriage import report

    if out_format == "json":
        return json_safe(report.to_json(result, saved=saved)) + "\n"
    if out_format == "markdown":
        return visible(report.to_markdown(result, saved=saved))
    if out_format == "fhir":
        from spinetriage import fhir

        return json_safe(fhir.to_json(result, saved or _today())) + "\n"
    if out_format == "html":
        from spinetriage import htmlpage

        return visible(htmlpage.to_html(result, saved=saved or _today()))
    from spinetriage.render import report_as_text

    return report_as_text(result, saved=saved)


@contextlib.contextmanager
def _removed_on_signal(tmp: str | None) -> Iterator[None]:
    """While the report is saved: SIGTERM or SIGHUP removes the temporary file (it holds health
    data) and stops the command, exit 128 + the signal's number (143, 129)."""
    from spinetriage.stopping import Stopped

    def stop(signum: int, frame: Any) -> None:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise Stopped(signum)

    previous = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread: nothing to install
                previous[sig] = signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _save(result: Any, path: Path, out_format: str, force: bool, e: Environment) -> None:
    """Write atomically: a temporary file (readable only by its owner) beside the target, then
    moved into place. On any failure, Ctrl-C, SIGTERM or SIGHUP the temporary file is removed."""
    import secrets

    text = _report_text(result, out_format, _today())
    try:
        special = os.path.exists(path) and not os.path.isfile(path)
    except OSError:
        special = False
    if special:  # a device or a pipe given with --force (/dev/stdout, a FIFO): written into, never replaced
        with _removed_on_signal(None):  # SIGTERM while a FIFO waits for its reader: stopped, exit 143
            try:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                raise _bad_output(str(path), exc) from None
        return
    # A short name of its own: a target name near the length limit still leaves room for it.
    tmp = str(path.parent / f".spinetriage-{secrets.token_hex(8)}.tmp")
    with _removed_on_signal(tmp):
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            if force:
                os.replace(tmp, path)
            else:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite
        except FileExistsError:
            raise UsageError(f"--output: {str(path)!r} already exists; add --force to replace it") from None
        except OSError as exc:
            raise _bad_output(str(path), exc) from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    e.stderr.write(visible(f"Saved the report to {path}\n"))


BATCH_HELP = """Triage many answer sets (JSON Lines, CSV or FHIR) without prompts.

One JSON line out for every record in, in the same order. A record that cannot be
triaged gives an error line with its line number; the run goes on. A summary goes
to stderr. Exit 0 when every record was triaged, 1 when any was rejected.

\b
Examples:
  spinetriage batch records.jsonl > out.jsonl
  spinetriage batch intake.csv
  cat records.jsonl | spinetriage batch - \\
    --rules my-rules.yaml
  spinetriage batch responses.ndjson \\
    --input-format fhir
"""


@app.command(help=BATCH_HELP)
@_guard
def batch(
    file: str = typer.Argument("-", metavar="[FILE|-]", help="Records to read; - or nothing reads stdin."),
    input_format: Optional[str] = typer.Option(
        None, "--input-format", metavar="FORMAT", autocompletion=_choices(INPUT_FORMAT_WORDS),
        help="jsonl (default), csv, or fhir (FHIR QuestionnaireResponses, one a line); a .csv file is read as CSV."),
    rules: Optional[str] = typer.Option(None, "--rules", metavar="PATH", help="Use this rules file instead of the shipped one."),
    jobs: Optional[str] = typer.Option(
        None, "--jobs", "-j", metavar="N",
        help="Worker processes (default: the number of cores); the output is exactly that of one process."),
) -> None:
    from spinetriage import batch as core
    from spinetriage.rules.load import load_rules

    e = env()
    workers = _jobs(jobs, e)
    if input_format is None:
        input_format = "csv" if file.lower().endswith(".csv") else "jsonl"
    input_format = _choice("--input-format", input_format, core.INPUT_FORMATS)
    ruleset = load_rules(rules)
    if file == "-":
        if isinstance(e.stdin, ClosedStream):
            raise UsageError("FILE: cannot read standard input: it is closed; give a file, or pipe the records in")
        if e.stdin_isatty:
            e.stderr.write(f"{PROG}: reading records from the terminal, one JSON object a line; "
                           "press Ctrl-D to finish\n")
        stream = e.stdin.buffer if hasattr(e.stdin, "buffer") else e.stdin
        summary = _run_batch(core, stream, ruleset, input_format, e, workers)
    else:
        try:
            fh = open(file, "rb")
        except OSError as exc:
            raise UsageError(f"FILE: cannot read {file!r}: {exc.strerror or exc}") from None
        with fh:
            summary = _run_batch(core, fh, ruleset, input_format, e, workers)
    if summary.interrupted:
        from spinetriage.stopping import signal_name

        signum = summary.signal or signal.SIGINT
        how = "stopped" if signum == signal.SIGINT else f"stopped by {signal_name(signum)}"
        lines = f"{summary.records} record{'s' if summary.records != 1 else ''}"
        if summary.cut:  # a second signal while nobody read the output
            e.stderr.write(f"\n{PROG}: {how} while the output was not being read; the results of {lines} were "
                           "written, then the last line was cut short\n")
        else:
            e.stderr.write(f"\n{PROG}: {how}; the results of {lines} were written\n")
    elif summary.stopped:
        e.stderr.write(f"{PROG}: {summary.stopped}\n")
    e.stderr.write(summary.line() + "\n")
    if summary.interrupted:
        raise typer.Exit(128 + (summary.signal or signal.SIGINT))
    if summary.errors or summary.stopped:
        raise typer.Exit(ExitCode.FAILURE)


def _cores() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _jobs(value: str | None, e: Environment) -> int:
    """--jobs: a whole number from 1 in the digits 0-9; default the number of cores this process
    may use. More than twice the cores gains nothing and costs memory: lowered, with a note."""
    cores = _cores()
    if value is None:
        return cores
    text = value.strip()
    digits = text.lstrip("0")
    if not (text.isascii() and text.isdigit()) or not digits:
        raise UsageError(f"--jobs: {value!r} is not accepted; accepted: a whole number of processes from 1, "
                         "in the digits 0-9 (such as --jobs 2)")
    most = 2 * cores
    if len(digits) > 6 or int(digits) > most:
        shown = digits if len(digits) <= 12 else digits[:12] + "..."
        e.stderr.write(f"{PROG}: --jobs {shown}: more processes than {cores} core{'s' if cores != 1 else ''} "
                       f"can use; using {most}\n")
        return most
    return int(digits)


def _run_batch(core: Any, stream: Any, ruleset: Any, input_format: str, e: Environment, jobs: int = 1) -> Any:
    try:
        from spinetriage.stopping import stop_signals

        signals = stop_signals()  # each stops the run with whole lines written, and says so
        if not e.stderr_isatty or e.plain:  # no progress bar for scripts, screen readers or TERM=dumb
            return core.run(stream, e.stdout, ruleset, input_format, jobs=jobs, signals=signals)
        from spinetriage.render import batch_progress

        with batch_progress(e) as tick:
            return core.run(stream, e.stdout, ruleset, input_format, on_record=tick, jobs=jobs, signals=signals)
    except core.WriteFailed as exc:
        try:  # what is still buffered cannot be written either: let it go quietly at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), e.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        cause = exc.cause
        why = "the output was closed" if isinstance(cause, BrokenPipeError) else (cause.strerror or str(cause))
        e.stderr.write(f"{PROG}: cannot write the results ({why}); the lines of the first {exc.written} "
                       f"record{'s' if exc.written != 1 else ''} were written, later ones may be missing "
                       "and the last one cut short\n")
        raise typer.Exit(ExitCode.FAILURE) from None


# --- rules commands ---------------------------------------------------------------------

RULES_PATH = typer.Argument(None, metavar="[PATH]", help="A rules file (default: the shipped one).")


@rules_app.command("validate", help="Check a rules file; list every problem as file:line:col: message.\n\n"
                   "\b\nExamples:\n  spinetriage rules validate\n  spinetriage rules validate my-rules.yaml --strict")
@_guard
def rules_validate(
    path: Optional[str] = RULES_PATH,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors (exit 3)."),
) -> None:
    from spinetriage.rules.examples import warnings_for
    from spinetriage.rules.load import load_rules

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
    from spinetriage.rules.examples import run_cases
    from spinetriage.rules.load import load_rules

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
    from spinetriage.core.ruleset import condition_text
    from spinetriage.rules.load import load_rules

    e = env()
    fmt = _choice("--format", fmt, ("text", "json"))
    ruleset = load_rules(path)
    rows = [{"id": r.id, "outcome": r.outcome.id, "condition": condition_text(r.condition), "reason": r.reason,
             "source": r.source} for r in ruleset.rules]
    if fmt == "json":
        _write_json(rows, e)
        return
    from spinetriage.render import print_rules_table

    print_rules_table(rows, e)


@rules_app.command("questionnaire", help="Print the interview as a FHIR R4 Questionnaire (JSON), for a "
                   "clinic's forms engine.\n\n\b\nExamples:\n  spinetriage rules questionnaire > questionnaire.json\n"
                   "  spinetriage rules questionnaire my-rules.yaml")
@_guard
def rules_questionnaire(path: Optional[str] = RULES_PATH) -> None:
    from spinetriage import fhir
    from spinetriage.rules.load import load_rules

    _write_json(fhir.questionnaire(load_rules(path)), env())


@rules_app.command("codesystem", help="Print the FHIR R4 CodeSystem of outcome and answer codes (JSON).\n\n"
                   "\b\nExamples:\n  spinetriage rules codesystem > codesystem.json\n"
                   "  spinetriage rules codesystem my-rules.yaml")
@_guard
def rules_codesystem(path: Optional[str] = RULES_PATH) -> None:
    from spinetriage import fhir
    from spinetriage.rules.load import load_rules

    _write_json(fhir.codesystem(load_rules(path)), env())


@rules_app.command("diff", help="Show every outcome a change to the rules moves, downgrades first: over both "
                   "files' example cases, an answer space enumerated from both files (every location set, the "
                   "durations and ages at each threshold, every radiation, recurrent and limits value, and red-flag "
                   "sets of size 0, 1 and 2) and, with --records, a batch input file. Exit 0: no outcome changes; "
                   "1: only upgrades; 4: a downgrade (a clinician should sign it off).\n\n"
                   "\b\nExamples:\n  spinetriage rules diff old.yaml rules/spine-pain.yaml\n"
                   "  spinetriage rules diff old.yaml new.yaml --records intake.csv --format json")
@_guard
def rules_diff(
    old: str = typer.Argument(..., metavar="OLD", help="The rules file before the change."),
    new: str = typer.Argument(..., metavar="NEW", help="The rules file after the change."),
    records: Optional[str] = typer.Option(None, "--records", metavar="FILE",
                                          help="Also compare these records (any batch input: JSON Lines, CSV, FHIR)."),
    input_format: Optional[str] = typer.Option(None, "--input-format", metavar="FORMAT",
                                               autocompletion=_choices(INPUT_FORMAT_WORDS),
                                               help="Of --records: jsonl (default), csv, or fhir; a .csv file is CSV."),
    fmt: str = typer.Option("text", "--format", metavar="FORMAT", help="text or json."),
) -> None:
    from spinetriage import batch as core
    from spinetriage.rules.load import load_rules
    from spinetriage.rules.diff import diff_rules, to_text

    e = env()
    fmt = _choice("--format", fmt, ("text", "json"))
    data = None
    if records is not None:
        if input_format is None:
            input_format = "csv" if records.lower().endswith(".csv") else "jsonl"
        input_format = _choice("--input-format", input_format, core.INPUT_FORMATS)
        try:
            with open(records, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise UsageError(f"--records: cannot read {records!r}: {exc.strerror or exc}") from None
    diff = diff_rules(load_rules(old), load_rules(new), data, input_format or "jsonl")
    if fmt == "json":
        _write_json(diff.to_dict(), e)
    else:
        e.stdout.write(visible(to_text(diff)))
    raise typer.Exit(diff.exit_code())


def _write_json(data: Any, e: Environment) -> None:
    """Indented JSON on stdout; characters the stream cannot show as \\u escapes (the same data)."""
    import json

    e.stdout.write(json_safe(json.dumps(data, ensure_ascii=False, indent=2), getattr(e.stdout, "encoding", None)) + "\n")


@rules_app.command("schema", help="Print the JSON Schema of the rules file (for editors).\n\n"
                   "\b\nExample:\n  spinetriage rules schema > rules.schema.json")
@_guard
def rules_schema() -> None:
    import json

    from spinetriage.rules.schema import json_schema

    env().stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def run(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code. Every error becomes one clear message."""
    prepare_process()
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name=PROG, standalone_mode=False)
        if sys.stdout is not None:
            sys.stdout.flush()  # --help, --version: a full disk or a closed pipe shows here
        return rv if isinstance(rv, int) else 0
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - see _handle
        return _handle(exc, env())


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(argv))
