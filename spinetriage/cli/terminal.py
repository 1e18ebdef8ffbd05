"""The terminal as a seam (after httpie's ``Environment``): streams, terminals, width, plain mode.

The CLI layer (cli, render, interview) reads everything about the terminal from here, and
tests pass their own ``Environment``. Nothing here imports Typer or Rich, and the core never
imports this module: only the command line changes how the process's streams behave.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from typing import IO, Any

#: Widths the report is laid out for: COLUMNS below MIN_COLUMNS (0, 1, 5 ...) or not a number
#: is ignored; above MAX_COLUMNS it is capped, so the recommendation is never cut or lost.
MIN_COLUMNS = 20
MAX_COLUMNS = 200
DEFAULT_COLUMNS = 80
#: Rows the interview lays a question's screen out for: LINES, or the terminal's height, else 24.
MIN_ROWS = 10
DEFAULT_ROWS = 24


# --- what reaches the terminal ----------------------------------------------------------------

# C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: 8-bit CSI and friends) and the
# bidirectional overrides that reorder what a line shows.
# Compiled on first use: most runs print nothing that needs checking (a third of a millisecond).
_UNSAFE_CHARS = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
_unsafe: re.Pattern[str] | None = None


def _unsafe_chars() -> re.Pattern[str]:
    global _unsafe
    if _unsafe is None:
        _unsafe = re.compile(_UNSAFE_CHARS)
    return _unsafe


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with escape sequences and control characters made visible, as ``repr`` shows them.

    ``"\\x1b[2J"`` becomes the six characters ``\\x1b[2J``: typed answers and rules text can
    never move the cursor, clear the screen or retitle the window.
    """
    unsafe = _unsafe_chars()
    return unsafe.sub(_shown, text) if unsafe.search(text) else text


def json_safe(text: str, encoding: str | None = None) -> str:
    """JSON text with DEL, C1 controls and bidi overrides (which ``json.dumps`` leaves raw) as
    ``\\uXXXX`` escapes, and so with every character ``encoding`` cannot hold: same data, any terminal."""
    def escape(ch: str) -> str:
        code = ord(ch)
        if code > 0xFFFF:  # a surrogate pair, as JSON spells characters beyond the BMP
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    if text.isascii() and text.isprintable():
        return text  # nothing to escape (the common case: no regular expression to compile)
    text = _unsafe_chars().sub(lambda m: escape(m.group()), text)
    if encoding and not _can_encode(text, encoding):
        text = "".join(ch if ch.isascii() or _can_encode(ch, encoding) else escape(ch) for ch in text)
    return text


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


# ASCII stand-ins for the characters the report and the interview use, for streams whose
# encoding lacks them (PYTHONIOENCODING=ascii, LANG=C, cp1252, cp437 ...).
STAND_INS: dict[str, str] = {
    "\u00b0": "degrees", "\u2022": "-", "\u00b7": "-", "\u2023": "-", "\u25cf": "-", "\u25e6": "-",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2026": "...", "\u00d7": "x", "\u2192": "->", "\u2190": "<-", "\u2264": "<=", "\u2265": ">=",
    "\u00b1": "+/-", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u00bd": "1/2", "\u00bc": "1/4",
    "\u2713": "yes", "\u2714": "yes", "\u2717": "no", "\u2718": "no", "\u00ae": "(R)", "\u00a9": "(C)",
    "\u2122": "(TM)", "\u20ac": "EUR", "\u00a3": "GBP",
}


def stand_in(ch: str) -> str:
    """An ASCII stand-in for one character: box drawing as + - |, accents dropped, else '?'."""
    if ch in STAND_INS:
        return STAND_INS[ch]
    code = ord(ch)
    if 0x2500 <= code <= 0x257F:  # box drawing
        name = unicodedata.name(ch, "")
        if "HORIZONTAL" in name and "VERTICAL" not in name:
            return "-"
        if "VERTICAL" in name and "HORIZONTAL" not in name and "AND" not in name:
            return "|"
        if "DASH" in name:
            return "-"
        return "+"
    if 0x2580 <= code <= 0x259F:  # block elements (progress bars)
        return "#"
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii() and not unicodedata.combining(c))
    return visible(base) if base else "?"


def _stand_in_errors(exc: UnicodeError) -> tuple[str, int]:
    """The codec error handler ``spinetriage-ascii``: stand-ins for what the stream cannot encode."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text, end = exc.object, exc.end
    out = []
    for ch in text[exc.start:end]:
        out.append(stand_in(ch))
    if text[end - 1] == "\u00b0" and text[end:end + 1] in ("C", "F"):  # "38 °C" -> "38 degrees C"
        out.append(" " + text[end])
        end += 1
    return "".join(out), end


codecs.register_error("spinetriage-ascii", _stand_in_errors)


# --- the process's own streams ---------------------------------------------------------------


class ClosedStream:
    """Stands in for a standard stream that was closed (``>&-``): writing names the cause."""

    def __init__(self, name: str):
        self.name = name
        self.encoding = "utf-8"

    def _closed(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EBADF, f"{self.name} is closed")

    write = read = readline = fileno = _closed

    def flush(self) -> None:
        """Nothing to flush (and Python's own flush at exit must not fail)."""

    def isatty(self) -> bool:
        return False


class QuietStream:
    """Messages for a stderr that is closed or failing: they must never change the exit code."""

    def __init__(self, stream: Any):
        self.stream = stream
        self.encoding = getattr(stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        try:
            if self.stream is not None:
                self.stream.write(text)
        except (OSError, ValueError, AttributeError):
            pass
        return len(text)

    def flush(self) -> None:
        try:
            if self.stream is not None:
                self.stream.flush()
        except (OSError, ValueError, AttributeError):
            pass

    def isatty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (OSError, ValueError, AttributeError):
            return False

    def fileno(self) -> int:
        return self.stream.fileno()


#: Standard streams that were closed when the process started (filled with /dev/null so a
#: file opened later, e.g. the report's temporary file, never takes their place).
CLOSED: set[int] = set()


def prepare_process() -> None:
    """Once, at the start of the command line: closed standard streams and unencodable text.

    A closed fd 0, 1 or 2 is reopened on /dev/null (and remembered as closed), and stdout and
    stderr get ASCII stand-ins for characters their encoding lacks instead of a crash; stdin
    reads undecodable bytes as replacement characters.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                opened = os.open(os.devnull, os.O_RDWR)
            except OSError:
                continue
            if opened != fd:  # another gap was lower; put it where it belongs
                os.dup2(opened, fd)
                os.close(opened)
            CLOSED.add(fd)
    if 1 in CLOSED and sys.stdout is None:  # --help, --version: named like any other output
        sys.stdout = ClosedStream("standard output")  # type: ignore[assignment]
    for stream, errors in ((sys.stdout, "spinetriage-ascii"), (sys.stderr, "spinetriage-ascii"),
                           (sys.stdin, "replace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors=errors)
        except (ValueError, OSError, LookupError, TypeError):
            pass


def _tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _measured(stream: Any, attr: str, least: int) -> int:
    """The terminal's ``columns`` or ``lines`` when ``stream`` is a terminal and it is at least
    ``least``; else 0."""
    if stream is None or not _tty(stream):
        return 0
    try:
        size = getattr(os.get_terminal_size(stream.fileno()), attr)
    except (OSError, ValueError, AttributeError):
        return 0
    return size if size >= least else 0


def _said(environ: Mapping[str, str], name: str, least: int) -> int | None:
    """``COLUMNS`` or ``LINES`` when it is a sane whole number of at least ``least``, else None."""
    raw = (environ.get(name) or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) >= least:
        return int(raw)
    return None


def sane_columns(environ: Mapping[str, str], stream: Any = None) -> int:
    """The width to lay text out in: COLUMNS if it is a sane number (at a terminal, no wider than
    the terminal), else the terminal's width, else 80; never under MIN_COLUMNS nor over MAX_COLUMNS."""
    terminal = _measured(stream, "columns", MIN_COLUMNS)
    said = _said(environ, "COLUMNS", MIN_COLUMNS)
    if said is not None:
        return min(said, terminal or MAX_COLUMNS, MAX_COLUMNS)
    return min(terminal or DEFAULT_COLUMNS, MAX_COLUMNS)


def sane_rows(environ: Mapping[str, str], stream: Any = None) -> int:
    """The height to lay a question's screen out in, as ``sane_columns`` for the width: LINES if it
    is a sane number (at a terminal, no taller than it), else the terminal's height, else 24."""
    terminal = _measured(stream, "lines", MIN_ROWS)
    said = _said(environ, "LINES", MIN_ROWS)
    if said is not None:
        return min(said, terminal or said)
    return terminal or DEFAULT_ROWS


class Environment:
    """The terminal as a seam (after httpie): tests pass their own.

    ``plain``: no box drawing, bullets or colour (for screen readers and braille displays).
    (A plain class: a dataclass costs half a millisecond to make at every start-up.)
    """

    FIELDS = ("stdin", "stdout", "stderr", "stdin_isatty", "stdout_isatty", "stderr_isatty", "no_color", "plain",
              "columns", "environ", "rows")

    def __init__(self, stdin: IO[str], stdout: IO[str], stderr: IO[str], stdin_isatty: bool, stdout_isatty: bool,
                 stderr_isatty: bool, no_color: bool, plain: bool = False, columns: int = DEFAULT_COLUMNS,
                 environ: Mapping[str, str] | None = None, rows: int = DEFAULT_ROWS) -> None:
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.stdin_isatty, self.stdout_isatty, self.stderr_isatty = stdin_isatty, stdout_isatty, stderr_isatty
        self.no_color, self.plain, self.columns, self.rows = no_color, plain, columns, rows
        self.environ: Mapping[str, str] = {} if environ is None else environ

    def __repr__(self) -> str:  # the environment's variables left out: they may hold anything
        return "Environment(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.FIELDS if n != "environ") + ")"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def replace(self, **changes: Any) -> Environment:
        """A copy with ``changes``."""
        return Environment(**{**{n: getattr(self, n) for n in self.FIELDS}, **changes})

    @classmethod
    def from_process(cls) -> Environment:
        environ = os.environ
        stdin: Any = sys.stdin if sys.stdin is not None and 0 not in CLOSED else ClosedStream("standard input")
        stdout: Any = sys.stdout if sys.stdout is not None and 1 not in CLOSED else ClosedStream("standard output")
        stderr: Any = QuietStream(None if 2 in CLOSED else sys.stderr)
        width_from = stdout if _tty(stdout) else stderr.stream
        return cls(stdin, stdout, stderr, _tty(stdin), _tty(stdout), stderr.isatty(),
                   environ.get("NO_COLOR", "") != "", plain=environ.get("TERM", "") == "dumb",
                   columns=sane_columns(environ, width_from), environ=environ, rows=sane_rows(environ, width_from))

    def size_now(self, stream: Any) -> tuple[int, int]:
        """Columns and rows of the terminal ``stream`` shows on, measured now (a window resized
        since the start is honoured); ``columns`` and ``rows`` when it is not a terminal."""
        if not _tty(stream):
            return self.columns, self.rows
        return sane_columns(self.environ, stream), sane_rows(self.environ, stream)

    @property
    def interactive(self) -> bool:
        """A person can be asked: stdin is a terminal, and so is stdout, or stderr (the questions
        then go to stderr and the result to stdout, as in ``ask --format json > answers.json``)."""
        return self.stdin_isatty and (self.stdout_isatty or self.stderr_isatty)


ENV: Environment | None = None


def env() -> Environment:
    """The environment in use: the one a test set in ``ENV``, else this process's."""
    return ENV or Environment.from_process()


__all__ = ["ClosedStream", "Environment", "QuietStream", "env", "json_safe", "prepare_process", "sane_columns", "sane_rows",
           "stand_in", "visible"]
