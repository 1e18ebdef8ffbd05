"""One place that turns every failure into a one-line message and its exit code (after pre-commit's
``error_handler``): usage errors, rules files with their lines shown, outputs that cannot be
written, Ctrl-C and other signals; an unexpected error is one line, details only when asked
(``SPINETRIAGE_DEBUG=1``), never with locals.
"""

from __future__ import annotations

import errno
import functools
import os
import signal
import sys
import traceback
from typing import IO, Any, Callable

import typer

from spinetriage.cli.terminal import Environment, env, visible
from spinetriage.core.errors import (
    ExitCode,
    MissingAnswers,
    RulesError,
    SpinetriageError,
)
from spinetriage.core.i18n import N_, _

PROG = "spinetriage"


class UsageError(SpinetriageError):
    exit_code = ExitCode.USAGE


# --- one place for errors -----------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _source_lines(text: str) -> list[str]:
    """The lines of a rules file as shown under a problem: split once per text (not once per
    problem, so printing N problems stays linear), control characters shown as '?'."""
    from spinetriage.rules.load import printable  # the characters a rules file may not hold

    return printable(text).split("\n")


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
            from spinetriage.rules.load import (
                read_rules_bytes,  # never waits on a pipe or reads a device
            )

            try:
                texts[problem.file] = read_rules_bytes(problem.file).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            except (RulesError, UnicodeDecodeError):
                texts[problem.file] = ""
        _print_problem(problem, texts.get(problem.file, ""), stream)
    errors = sum(1 for p in exc.problems if p.severity == "error")
    if errors:
        what = getattr(exc, "what", None)
        what = _(what) if what else _("the rules file")
        message = (_("{prog}: {what} cannot be used: {count} problem") if errors == 1
                   else _("{prog}: {what} cannot be used: {count} problems"))
        stream.write(message.format(prog=PROG, what=what, count=errors) + "\n")


class OutputError(SpinetriageError):
    """Standard output cannot take the result (closed, broken pipe, full disk)."""

    exit_code = ExitCode.FAILURE


#: Causes of a failed write, in words (errno -> cause), translated where shown.
WRITE_CAUSES = {
    errno.EPIPE: N_("it was closed before everything was written (broken pipe)"),
    errno.EBADF: N_("it is closed"),
    errno.ENOSPC: N_("no space left on the device"),
    errno.EDQUOT: N_("the disk quota is used up"),
    errno.EFBIG: N_("the file is too large"),
    errno.EIO: N_("an input/output error of the device"),
}


def _cause(exc: OSError) -> str:
    cause = WRITE_CAUSES.get(exc.errno or 0)
    return _(cause) if cause else str(exc.strerror or exc).lower()


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
    from spinetriage.formats.report import headline

    _silence_stdout()
    message = _("cannot write to standard output: {cause}").format(cause=_cause(exc))
    if result is not None:
        message = _("{message}; the recommendation was: {headline}").format(message=message, headline=headline(result))
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
        err.write(_("{prog}: missing answers: {flags} (give them as flags, or run in a terminal without "
                    "--no-input to be asked)").format(prog=PROG, flags=", ".join(exc.fields)) + "\n")
        return ExitCode.USAGE
    if isinstance(exc, SpinetriageError):
        err.write(f"{PROG}: {exc}\n")
        return exc.exit_code
    if isinstance(exc, (KeyboardInterrupt, EOFError, typer.Abort)):
        signum = getattr(exc, "signum", None)  # stopping.Stopped: SIGTERM, SIGHUP ... say which
        if signum is not None and signum != signal.SIGINT:
            from spinetriage.records.stopping import signal_name

            err.write("\n" + _("{prog}: stopped by {signal}; nothing saved").format(prog=PROG, signal=signal_name(signum))
                      + "\n")
            return 128 + signum
        err.write("\n" + _("{prog}: stopped; nothing saved").format(prog=PROG) + "\n")
        return ExitCode.INTERRUPTED
    if isinstance(exc, OSError) and exc.errno in WRITE_CAUSES:  # writing stdout: the only stream not named
        err.write(f"{PROG}: {stdout_failed(exc)}\n")
        return ExitCode.FAILURE
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command: its help, as Click shows it
        err.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
        return ExitCode.USAGE
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # Click's usage errors
        ctx = getattr(exc, "ctx", None)
        hint = " " + _("(see '{command} --help')").format(command=ctx.command_path) if ctx is not None else ""
        err.write(f"{PROG}: {exc.format_message()}{hint}\n")
        return int(exc.exit_code)
    if os.environ.get("SPINETRIAGE_DEBUG"):
        traceback.print_exception(exc, file=err)  # frames only, never locals
    err.write(_("{prog}: internal error ({name}); set SPINETRIAGE_DEBUG=1 to see where, and please report "
                "it").format(prog=PROG, name=type(exc).__name__) + "\n")
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
