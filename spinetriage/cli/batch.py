"""``spinetriage batch``: the input, its format and ``--jobs``; the run itself is
``spinetriage.records.run``.
"""

from __future__ import annotations

import os
import signal
from typing import Any, Optional

import typer

from spinetriage.cli.apps import app
from spinetriage.cli.errors import PROG, UsageError, _guard
from spinetriage.cli.options import INPUT_FORMAT_WORDS, _choice, _choices
from spinetriage.cli.terminal import ClosedStream, Environment, env
from spinetriage.core.errors import ExitCode

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
    from spinetriage.records import run as core
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
        from spinetriage.records.stopping import signal_name

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
        from spinetriage.records.stopping import stop_signals

        signals = stop_signals()  # each stops the run with whole lines written, and says so
        if not e.stderr_isatty or e.plain:  # no progress bar for scripts, screen readers or TERM=dumb
            return core.run(stream, e.stdout, ruleset, input_format, jobs=jobs, signals=signals)
        from spinetriage.cli.render import batch_progress

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
