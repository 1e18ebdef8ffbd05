"""Read a rules file (or the shipped rules' snapshot) and turn it into a checked ``RuleSet``.

``load_rules`` checks everything it can before any answer is evaluated and raises
``RulesError`` with every problem (``file:line:col: message``) rather than the first.
"""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from spinetriage.core import i18n
from spinetriage.core.errors import Problem, RulesError
from spinetriage.core.ruleset import RuleSet

#: The largest rules file read (the shipped one is under 30 KiB; 10,000 rules take about 4 MiB),
#: so that a wrong path (a huge file, a device, a pipe) is refused instead of read for ever.
MAX_RULES_BYTES = 10 * 1024 * 1024
#: Characters a rules file may not hold: control characters other than tab and newline (ESC,
#: BEL, DEL, the C1 controls ...), the line and paragraph separators (which YAML and editors
#: count differently) and the bidirectional-text controls (which show text in another order
#: than it is read). Their text reaches the terminal, so they could hide or fake words there.
#: (Compiled when a rules file is read: the shipped rules' snapshot never needs it.)
_FORBIDDEN = ("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
              "\u202a-\u202e\u2066-\u2069]")


@cache
def _forbidden_chars() -> re.Pattern[str]:
    return re.compile(_FORBIDDEN)
_CHAR_NAMES = {
    "\x00": "NUL", "\x07": "BEL, the bell", "\x08": "backspace", "\x0b": "vertical tab", "\x0c": "form feed",
    "\x1b": "ESC, which starts terminal escape sequences", "\x7f": "DEL", "\x85": "next line",
    "\x9b": "CSI, which starts terminal escape sequences", "\u2028": "line separator",
    "\u2029": "paragraph separator", "\u202e": "right-to-left override", "\u202d": "left-to-right override",
}


# --- loading and checking --------------------------------------------------------------


def default_rules_path() -> Path:
    """The shipped rules: in the installed package's data folder (``spinetriage/data/rules``),
    or in ``rules/`` at the top of a checkout."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "data" / "rules", package.parent / "rules"):
        candidate = folder / "spine-pain.yaml"
        if candidate.is_file():
            return candidate
    return package / "data" / "rules" / "spine-pain.yaml"


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> RuleSet:
    return _load_path(path)


def load_rules(path: str | os.PathLike[str] | None = None) -> RuleSet:
    """Load and check a rules file (default: the shipped one); compiled once per process.

    In a language other than English (``core.i18n.current``) its texts in that language are read
    too, from the file beside it (``spine-pain.es.yaml``; ``spinetriage.rules.texts``): a result
    then speaks them. Without such a file the texts stay English, with one note on stderr.

    Raises ``RulesError`` listing every problem, each with its file, line and column (a language
    file that does not fit the rules is one too).
    """
    target = str(path) if path is not None else str(default_rules_path())
    try:
        st = os.stat(target)
    except OSError as exc:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: {exc.strerror or exc}")]) from None
    _check_file(target, st)
    ruleset = _load_cached(target, st.st_mtime_ns, st.st_size)
    lang = i18n.current()
    if lang != i18n.DEFAULT and ruleset._read_texts is not None:
        from spinetriage.rules import texts

        texts.fresh(ruleset, lang)  # checked now: a file that does not fit is a load error
    return ruleset


def _read_texts(ruleset: RuleSet, lang: str, known: Any = None) -> Any:
    """``RuleSet.texts`` reads with this (``spinetriage.rules.texts.read_sibling``, imported only
    in a language other than English); module-level, so that a RuleSet still pickles."""
    from spinetriage.rules import texts

    return texts.read_sibling(ruleset, lang, known)


def _check_file(target: str, st: os.stat_result) -> None:
    """Refuse what is not a regular file of a sensible size, before reading a byte of it."""
    mode = st.st_mode
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: it is {kind}, not a file; "
                                  "give the path of a rules file such as my-rules.yaml")])
    if st.st_size > MAX_RULES_BYTES:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: it is {_mib(st.st_size)}; "
                                  f"a rules file may be at most {_mib(MAX_RULES_BYTES)}")])


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def read_rules_bytes(target: str) -> bytes:
    """The bytes of a rules file: a regular file of at most ``MAX_RULES_BYTES``, else ``RulesError``.

    Opened without blocking and checked again once open, so a path that is (or becomes) a
    pipe or a device is refused, never waited on or read for ever.
    """
    try:
        _check_file(target, os.stat(target))
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: {exc.strerror or exc}")]) from None
    try:
        _check_file(target, os.fstat(fd))
        chunks, size = [], 0
        while size <= MAX_RULES_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: {exc.strerror or exc}")]) from None
    finally:
        os.close(fd)
    if size > MAX_RULES_BYTES:  # it grew while being read
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: it is over {_mib(MAX_RULES_BYTES)}, "
                                  f"the most a rules file may be")])
    return b"".join(chunks)


def is_shipped(target: str) -> bool:
    """True for the rules file shipped with spinetriage (whatever path names it)."""
    try:
        return os.path.samefile(target, default_rules_path())
    except OSError:
        return False


#: Set by the command line (``cli.program``), whose process is its own: ``gc.freeze`` after a load.
#: A library never freezes its caller's objects.
FREEZE_AFTER_LOAD = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while a rules file is read and checked.

    Loading builds many objects that all stay alive (the YAML nodes, the data, a position
    for every node); the collector's full passes over them made loading grow much faster
    than the file (10x the rules took 25x the time). Nothing made here needs collecting
    before the load ends; collection resumes afterwards as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # What the load kept (the rules, their positions) lives on; a pass over it all as young
            # objects at the next allocation took a second for a large file. The command line
            # freezes it out of the collector's passes (what the load dropped is freed by reference
            # counting); a library, when its caller froze nothing, only moves it to the oldest
            # generation (freeze, then unfreeze: no pass, and nothing left frozen).
            if FREEZE_AFTER_LOAD:
                gc.freeze()
            elif gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _load_path(target: str) -> RuleSet:
    with _gc_paused():
        return _load_path_now(target)


def decode_rules_bytes(raw: bytes, target: str) -> str:
    """A rules file's bytes as text (newlines as text mode reads them); ``RulesError`` naming the
    line and column of a byte that is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:  # point at the byte, so that it can be found and fixed
        line = raw.count(b"\n", 0, exc.start) + 1
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise RulesError([Problem(target, line, col, f"not UTF-8 text: the byte {raw[exc.start]:#04x} cannot be read; "
                                  "save the file as UTF-8")]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it


def _load_path_now(target: str) -> RuleSet:
    ruleset = _load_path_checked(target)
    if ruleset._read_texts is None:  # the snapshot sets its own (with the texts it holds)
        ruleset._read_texts = _read_texts
    return ruleset


def _load_path_checked(target: str) -> RuleSet:
    text = decode_rules_bytes(read_rules_bytes(target), target)
    snapshot = snapshot_path(target)
    if is_shipped(target) and snapshot.is_file():
        # The shipped rules carry a snapshot of their checked, compiled form (see
        # rules.snapshot): used only for the shipped file made from exactly this text, so an
        # edited file (or a copy given with --rules, snapshot and all) is always read from its
        # YAML. Its rules go through the safety check again; its example cases are read from
        # the YAML when first asked for (rules test and validate ask, a triage never does).
        # (A snapshot is made only from a valid file: exactly its text has no forbidden character.)
        from spinetriage.rules import snapshot as snap

        ruleset = snap.load(snapshot.read_text(encoding="utf-8"), text, target,
                            lambda: load_rules_text(text, target).cases, _read_texts)
        if ruleset is not None:
            return ruleset
    return load_rules_text(text, target)


def _refuse_forbidden_chars(text: str, file: str) -> None:
    """``RulesError`` naming every control or bidi character in ``text``, with its line and column."""
    first = _forbidden_chars().search(text)
    if first is None:
        return
    problems = []
    line, line_start, counted_to = 1, 0, 0
    for m in _forbidden_chars().finditer(text, first.start()):
        at = m.start()
        line += text.count("\n", counted_to, at)
        counted_to = at
        line_start = text.rfind("\n", 0, at) + 1
        char = m.group()
        name = _CHAR_NAMES.get(char, "a control character" if ord(char) < 0xA0 else "a bidirectional-text control")
        problems.append(Problem(file, line, at - line_start + 1,
                                f"the character U+{ord(char):04X} ({name}) is not allowed in a rules file: "
                                "control characters (other than tab and newline), line separators "
                                "and bidirectional-text controls could hide or change text on a terminal; "
                                "delete it"))
    raise RulesError(problems)


refuse_forbidden_chars = _refuse_forbidden_chars  # for the files of texts beside a rules file (rules.texts)


def printable(text: str) -> str:
    """``text`` (a path given by a person) with its control and bidi characters shown as ``?``."""
    return _forbidden_chars().sub("?", text)


def snapshot_path(rules_path: str | os.PathLike[str]) -> Path:
    """``rules/spine-pain.yaml`` -> ``rules/spine-pain.snapshot.json``."""
    path = Path(rules_path)
    return path.with_name(path.stem + ".snapshot.json")


def write_snapshot(path: str | os.PathLike[str] | None = None) -> Path:
    """(Re)write the snapshot of a valid rules file, so that starting up skips PyYAML.

    Run after editing the shipped rules or their texts in another language (``spine-pain.es.yaml``,
    held in the snapshot too; a test fails while the snapshot is stale):
    ``python -c "from spinetriage.rules.load import write_snapshot; write_snapshot()"``
    """
    from spinetriage.rules import snapshot

    path = Path(path or default_rules_path())
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    ruleset = load_rules_text(text, str(path))  # raises RulesError with every problem
    target = snapshot_path(path)
    target.write_text(snapshot.dump(ruleset, text) + "\n", encoding="utf-8")  # with the texts beside it
    return target


def load_rules_text(text: str, file: str = "<rules>") -> RuleSet:
    """Check and compile rules given as YAML text. Raises ``RulesError`` with every problem."""
    with _gc_paused():
        return _load_text(text, file)


def _load_text(text: str, file: str) -> RuleSet:
    from spinetriage.rules import (
        yamlsrc,  # PyYAML is imported only when a file is parsed
    )
    from spinetriage.rules.checker import (
        Checker,  # nor are the checks: the snapshot needs none
    )

    _refuse_forbidden_chars(text, file)
    src = yamlsrc.load(text, file)
    if src.problems and src.data is None:
        raise RulesError(src.problems)
    ruleset = Checker(src).check()
    errors = [p for p in src.problems if p.severity == "error"]
    if errors or ruleset is None:
        raise RulesError(sorted(errors, key=lambda p: (p.line, p.col)))
    return ruleset
