"""Triage a stream of records: JSON Lines or CSV in, one JSON line out per record.

Pure and streaming: records are read in chunks of whole lines and the results of a chunk
are written before the next read, with output flushed before every read that could wait
for more input, so a consumer sees results while the input is still arriving. Memory does
not grow with the input: a line is at most ``MAX_RECORD`` bytes, and only the per-outcome
counts and caches bounded by size are kept.

One path for every record: ``AnswerParser.parse_each`` (the parser ``triage`` uses, here
with a cache of the raw values it has read) and the rules' generated matcher for complete
answers, or the engine's ``decide`` when an answer is missing or bad. ``triage_record``
(the library call) gives, as a dict, exactly the line this module writes for a record.

Every record in gets exactly one line out, in order, whatever it holds; see ``README.md``
("Batch") for the rules on odd input (record size, encodings, ids JSON cannot carry).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import IO, Any, Callable, Iterator

from spinetriage.core.vocabulary import QUESTIONS, TIERS
from spinetriage.core.answers import Answers, AnswerParser
from spinetriage.core.parse import fold_text, show
from spinetriage.core.engine import decide, phase_of
from spinetriage.core.errors import AnswerError, MissingAnswers
from spinetriage.core.ruleset import RuleSet
from spinetriage.rules.load import load_rules

INPUT_FORMATS = ("jsonl", "csv", "fhir")
CHUNK = 1 << 16
PARALLEL_CHUNK = 1 << 18  # bytes read at a time with --jobs: one task for a worker
MAX_RECORD = 1 << 20  # bytes in one record (one line); a longer line is an error line
MAX_SKIP = 64 * MAX_RECORD  # a line with no end after this many bytes stops the reading
CACHE_MAX = 4096  # entries per cache
CACHE_BYTES = 1 << 20  # characters of raw values held by the answer cache
FIELDS = ("id", "location", "duration", "duration_days", "radiation", "recurrent", "limits_activities",
          "age", "red_flags")
_FIELD_SET = frozenset(FIELDS)
_SEVEN = len(QUESTIONS)


@dataclass
class Summary:
    records: int = 0
    errors: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False  # a signal stopped the run: the results so far were written
    stopped: str | None = None  # why reading stopped before the end of the input
    signal: int | None = None  # the signal that stopped the run (SIGINT for Ctrl-C)
    cut: bool = False  # a second signal stopped a write that could not finish: the last line is cut short

    def line(self) -> str:
        counts = ", ".join(f"{n} {o}" for o, n in self.outcomes.items() if n)
        text = f"{self.records} record{'s' if self.records != 1 else ''}"
        if counts:
            text += f": {counts}"
        return text + f"; {self.errors} error{'s' if self.errors != 1 else ''}"


class WriteFailed(Exception):
    """The results could not be written (a full disk, a closed pipe); ``written``: the records
    whose lines were surely written (flushed) before it."""

    def __init__(self, cause: OSError, written: int):
        self.cause = cause
        self.written = written
        super().__init__(cause, written)


# --- reading lines ----------------------------------------------------------------------


class _Long:
    """Stands for a line over ``MAX_RECORD`` bytes. Its bytes are skipped, never kept, but scanned
    on the way for emergency signs (``signs``), and its first ``HEAD`` bytes are kept (``head``)
    so that its id can be read when it comes first. Pickles with both, so a ``--jobs`` worker
    reads the same line."""

    def __init__(self, head: bytes = b"", signs: tuple[str, ...] = ()):
        self.head = head
        self.signs = signs

    def __repr__(self) -> str:
        return f"<line over MAX_RECORD; signs {list(self.signs)}>"


TOO_LONG = _Long()  # an over-long line of which nothing could be read
TOO_LONG_MESSAGE = (f"the line is longer than {MAX_RECORD // (1 << 20)} MiB, the most one record may be; "
                    "each record must be one line")
HEAD = 1 << 16  # bytes kept from the start of an over-long line, to read its id from
_OVERLAP = 256  # bytes of one read scanned again with the next, for a sign cut between two reads


class _LongScan:
    """Reads an over-long line as it goes by: its head, and the emergency signs in all of it, in
    memory bounded by ``HEAD`` + one read (each byte is looked at a bounded number of times)."""

    def __init__(self) -> None:
        self.head = b""
        self.tail = b""
        self.signs: dict[str, None] = {}

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if len(self.head) < HEAD:
            self.head += data[:HEAD - len(self.head)]
        window = self.tail + data
        _find_signs(window.decode("utf-8", "surrogateescape"), self.signs)
        self.tail = window[-_OVERLAP:]

    def done(self) -> _Long:
        return _Long(self.head, tuple(self.signs))


def _chunks(stream: IO[bytes], before_read: Callable[[], None], stop: Callable[[str], None] = lambda why: None,
            size: int = CHUNK) -> Iterator[tuple[int, Any]]:
    """(number of the first line, block) for each read; ``before_read`` runs before each read.

    A block is whole lines as bytes joined by newlines (without the last one), or ``[_Long]``
    for a line that passed ``MAX_RECORD`` bytes, given when that line ends: the rest of it is
    scanned for emergency signs and skipped, never kept (see ``_LongScan``). Each byte is copied
    a bounded number of times, so a long line is read in linear time. A line with no end after
    ``MAX_SKIP`` bytes stops the reading (``stop`` says why) after its ``[_Long]``.
    """
    parts: list[bytes] = []  # the unfinished last line, in pieces
    pending = 0  # its length
    scan: _LongScan | None = None  # inside a line over MAX_RECORD: it is being scanned and skipped
    number = 1
    read = getattr(stream, "read1", stream.read)
    while True:
        before_read()
        chunk = read(size)
        if not chunk:
            break
        end = chunk.rfind(b"\n")
        if end < 0:
            pending += len(chunk)
            if scan is not None:
                scan.feed(chunk)
                if pending > MAX_SKIP:
                    stop(f"line {number} has no end after {MAX_SKIP >> 20} MiB; stopped reading there "
                         "(is this a file of records, one a line?)")
                    yield number, [scan.done()]
                    return
            elif pending > MAX_RECORD:
                scan = _LongScan()
                for part in parts:
                    scan.feed(part)
                scan.feed(chunk)
                parts.clear()
            else:
                parts.append(chunk)
            continue
        block: bytes | None
        if scan is not None or parts:
            cut = chunk.find(b"\n")
            if scan is None and pending + cut <= MAX_RECORD:
                parts.append(chunk[:end])
                block = b"".join(parts)
            else:
                if scan is None:
                    scan = _LongScan()
                    for part in parts:
                        scan.feed(part)
                scan.feed(chunk[:cut])
                yield number, [scan.done()]
                number += 1
                block = chunk[cut + 1:end] if cut < end else None
            scan = None
        else:
            block = chunk[:end]
        if block is not None:
            yield number, block
            number += block.count(b"\n") + 1
        tail = chunk[end + 1:]
        parts = [tail] if tail else []
        pending = len(tail)
    if scan is not None:
        yield number, [scan.done()]
    elif parts:
        yield number, b"".join(parts)


def _text(raw: bytes, number: int) -> tuple[str, str | None]:
    """(the line as text, None) or, for bytes that are not UTF-8, (text with them escaped, why)."""
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a byte-order mark
    try:
        return raw.decode(), None
    except UnicodeDecodeError as exc:
        return raw.decode("utf-8", "surrogateescape"), (
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line); "
            "save the file as UTF-8")


# --- a record that cannot be read ------------------------------------------------------

NOT_AN_OBJECT = "record: not a JSON object; each line must be a JSON object with the answer fields"

#: Between the words of a sign id: -, _, spaces, or a JSON escape of a typographic dash, a no-break
#: space or an invisible character (the characters themselves are folded first: ``fold_text``).
_GAP = r"(?:[-_\s]|\\u(?:201[0-5]|2212|00a0|2007|202f|fe58|fe63|ff0d|200[b-d]|2060|00ad|feff))+"
_SIGN_WORDS: dict[str, list[str]] = {}
for _sign, _tier in TIERS.items():
    if _tier == "emergency":
        _SIGN_WORDS.setdefault(_sign.split("-")[0], []).append(_sign)
#: For each first word, the emergency signs starting with it, as a person may write them: any case,
#: their words joined by a gap, not inside a longer word. A search starts with the literal first
#: word, so that a line of any length is scanned quickly.
_SIGN_PATTERNS = [
    (re.compile(re.escape(first) + f"(?<![a-z0-9]{re.escape(first)})" + _GAP + "(?:"
                + "|".join(_GAP.join(map(re.escape, sign.split("-")[1:])) for sign in signs)
                + r")(?![a-z0-9])"), signs)
    for first, signs in _SIGN_WORDS.items()]
_GAP_RE = re.compile(_GAP)


def _find_signs(text: str, found: dict[str, None]) -> None:
    """Adds to ``found`` each emergency sign id that ``text`` names, however it is written."""
    low = fold_text(text).lower()
    for pattern, signs in _SIGN_PATTERNS:
        pos = 0
        while not all(sign in found for sign in signs):
            m = pattern.search(low, pos)
            if m is None:
                break
            found.setdefault(_GAP_RE.sub("-", m.group()), None)
            pos = m.end()


def _unreadable(text: str, problem: str, ident: Any = None) -> tuple[Any, str | None, str | None]:
    """A line that cannot be read as a record: an error line, unless it names an emergency sign.

    Then the record is those signs (and the id, where it could be read), with the problem as
    an ignored value, so that an emergency is never lost to a typo elsewhere in its line:
    every rules file leads each emergency sign alone to ``emergency``.
    """
    found: dict[str, None] = {}
    if text:
        _find_signs(text, found)
    if not found:
        return ({"id": ident} if ident is not None else None), problem, None
    return Rescued(id=ident, red_flags=list(found)), None, problem


def _long_record(raw: _Long, ident: Any) -> tuple[Any, str | None, str | None]:
    """An over-long line: an error line, or ``emergency`` when it names an emergency sign."""
    if not raw.signs:
        return ({"id": ident} if ident is not None else None), TOO_LONG_MESSAGE, None
    return Rescued(id=ident, red_flags=list(raw.signs)), None, TOO_LONG_MESSAGE


_raw_decode = json.JSONDecoder().raw_decode
_SPACE = re.compile(r"[ \t\r\n]*")


def _json_head_id(head: bytes) -> Any:
    """The id of a JSON object cut short, when its key comes before the cut (else None)."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    try:
        at = _SPACE.match(text).end()
        if text[at:at + 1] != "{":
            return None
        at += 1
        while True:
            at = _SPACE.match(text, at).end()
            key, at = _raw_decode(text, at)
            at = _SPACE.match(text, at).end()
            if not isinstance(key, str) or text[at:at + 1] != ":":
                return None
            at = _SPACE.match(text, at + 1).end()
            value, at = _raw_decode(text, at)
            at = _SPACE.match(text, at).end()
            if text[at:at + 1] not in (",", "}"):  # the value may go on past the cut
                return None
            if key == "id":
                return value
            at += 1
    except (ValueError, RecursionError):
        return None


class Rescued(dict):
    """The record read from a line that could not be read as one: its emergency signs (and id)."""


# --- JSON Lines -------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return record


class _BigNumber:
    """A JSON number with more digits than Python turns into an int; never an accepted answer."""

    def __init__(self, digits: str):
        self.digits = len(digits.lstrip("-"))

    def __repr__(self) -> str:
        return f"a number with {self.digits} digits"


_decode = json.JSONDecoder(object_pairs_hook=_pairs).decode
_decode_big = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_int=lambda s: int(s) if len(s) < 4000 else _BigNumber(s)).decode


def _jsonl_record(raw: Any, number: int) -> tuple[Any, str | None, str | None]:
    """(record, why it cannot be read, an encoding problem) for one non-blank line."""
    if type(raw) is _Long:
        return _long_record(raw, _json_head_id(raw.head))
    try:
        record = _decode(raw.decode())  # most lines
        if type(record) is dict:
            return record, None, None
    except (ValueError, RecursionError):
        pass
    text, bad = _text(raw, number)
    try:
        try:
            record = _decode(text)
        except ValueError as exc:
            if "digits" not in str(exc):  # an integer over Python's int-str limit
                raise
            record = _decode_big(text)
        if type(record) is not dict:  # JSON, but not an object: ["chest-pain"], a list of records ...
            return _unreadable(text, NOT_AN_OBJECT if not bad else f"{bad}; {NOT_AN_OBJECT}")
        return record, None, bad
    except _DuplicateKey as exc:
        key = exc.args[0]
        problem = f"the key {show(key)} is given twice; each answer must be given once"
        return _unreadable(text, problem if not bad else f"{bad}; {problem}", None if key == "id" else _id_of(text))
    except RecursionError:
        return _unreadable(text, "not valid JSON (nested too deeply); each line must be one JSON object")
    except ValueError as exc:
        if bad:
            return _unreadable(text, bad)
        hint = "; for CSV use --input-format csv" if "," in text and not text.lstrip().startswith("{") else ""
        return _unreadable(text, f"not valid JSON ({str(exc).split(':')[0]}); each line must be one JSON object{hint}")


def _id_of(text: str) -> Any:
    """The id of a JSON object whose keys repeat (read as json reads it: the last one wins)."""
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return record.get("id") if isinstance(record, dict) else None


class JsonLines:
    """The JSON Lines reader: each non-blank line is one record."""

    def record(self, raw: Any, number: int) -> tuple[Any, str | None, str | None] | None:
        if type(raw) is not _Long and not raw.strip():
            return None
        return _jsonl_record(raw, number)


class FhirResponses(JsonLines):
    """``--input-format fhir``: each line a FHIR QuestionnaireResponse (or a Bundle holding one),
    read into the record JSON Lines uses (``fhir.read_response``); the rest is the normal path."""

    def record(self, raw: Any, number: int) -> tuple[Any, str | None, str | None] | None:
        got = super().record(raw, number)
        if got is None or type(raw) is _Long:
            return got
        if got[1] is None and not isinstance(got[0], Rescued):
            from spinetriage.fhir import read_response

            return read_response(got[0], got[2])
        ident = got[0].get("id") if isinstance(got[0], dict) else None
        return self.unreadable(raw, number, got[1] or got[2] or "", ident)

    def unreadable(self, raw: bytes, number: int, problem: str, ident: Any) -> tuple[Any, str | None, str | None]:
        """A line that is not one JSON object, said in FHIR's words: a piece of a pretty-printed
        file or a JSON array gets the way to one resource a line. An emergency sign named in it
        still decides, but not one in text for people (the safety net of a RiskAssessment
        lists every emergency sign in words: no sign of this person's)."""
        text, _ = _text(raw, number)
        if problem.startswith("not valid JSON (") and "nested too deeply" not in problem:
            problem = (problem.split("; each line")[0] + "; batch --input-format fhir reads one resource a line "
                       "(NDJSON), not pretty-printed JSON: put each on one line, e.g. with jq -c . FILE "
                       "(for a JSON array of resources: jq -c '.[]' FILE)")
        elif NOT_AN_OBJECT in problem:
            problem = problem.replace(NOT_AN_OBJECT, "record: not a JSON object; each line must be one "
                                      "QuestionnaireResponse, or a Bundle holding one (for a JSON array of "
                                      "resources: jq -c '.[]' FILE)")
        return _unreadable(re.sub(_FHIR_TEXT, '""', text), problem, ident)


#: A FHIR element holding text for people (a question, a display, a note), as JSON text.
_FHIR_TEXT = (r'"(?:text|display|div|rationale|mitigation|description|definition|title|prefix|comment)"'
              r'\s*:\s*"(?:[^"\\]|\\.)*"')


# --- CSV --------------------------------------------------------------------------------


class Csv:
    """The CSV reader: a header row naming the columns, then one record a line.

    A record must be on one line (no answer holds a line break), so an unclosed quote
    spoils only its own line. The delimiter is a comma, or a semicolon when the header is
    written with semicolons (as Excel does in many countries). List cells separate their
    values with ';' or ','. A header that is not one (JSON Lines, a first row of data) makes
    every line an error line that says so. Problems that leave a line's values readable (an
    unclosed quote, a cell over the csv module's limit, columns named twice, which are then
    left out) make it an error line too, unless an emergency sign decides: then they are
    listed as ignored.
    """

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.delimiter = ","
        self.problem: str | None = None  # the header's, given to every record instead of a result
        self.twice: str | None = None  # columns named more than once or too long: left out, and named
        self.keep: list[int] | None = None  # the columns read when some are named twice
        self.twice_names: frozenset[str] = frozenset()

    def record(self, raw: Any, number: int) -> tuple[Any, str | None, str | None] | None:
        if type(raw) is _Long:
            if self.header is None:  # no header can be read: every line says so
                self.header, self.problem = [], f"the header row cannot be read: {TOO_LONG_MESSAGE}"
            return _long_record(raw, self.head_id(raw.head))
        if not raw.strip():
            return None
        text, bad = _text(raw, number)
        row, soft = self.cells(text)
        if row is not None and not any(cell.strip() for cell in row):
            return None
        if self.header is None:
            if row is None:
                self.header, self.problem = [], f"the header row cannot be read: {soft}"
                return None
            return self.read_header(row, text)  # a cell over the csv limit: named by read_header
        if self.problem:
            return _unreadable(text, self.problem)
        if row is None:
            return _unreadable(text, soft if not bad else f"{bad}; {soft}")
        # Problems that leave the values readable: named, and an emergency sign still decides.
        header = self.header
        if len(row) != len(header):
            ident = row[header.index("id")].strip() or None if "id" in header and header.index("id") < len(row) else None
            problem = soft or (f"has {len(row)} cells but the header has {len(header)} ({', '.join(header)}); "
                               "check for a missing or extra comma")
            return _unreadable(text, problem if not bad else f"{bad}; {problem}", ident)
        bad = "; ".join(b for b in (bad, soft, self.twice) if b) or None
        if self.keep is not None:
            record = {header[i]: row[i].strip() or None for i in self.keep}
            if "red_flags" in self.twice_names:  # every sign in any of them: only an emergency can decide
                record["red_flags"] = ";".join(row[i] for i, n in enumerate(header) if n == "red_flags")
        else:
            record = {key: cell.strip() or None for key, cell in zip(header, row)}
        if record.get("red_flags", 0) is None:
            record["red_flags"] = ""  # an empty red_flags cell says none applies ("" never means not answered)
        if "" in record and record[""] is None:
            del record[""]  # an unnamed, empty column (a trailing comma, as spreadsheets write)
        return record, None, bad

    def head_id(self, head: bytes) -> Any:
        """The id cell of a line cut short, when the id column comes before the cut (else None)."""
        header = self.header
        if not header or self.problem or "id" not in header:
            return None
        at = header.index("id")
        try:
            cells = next(csv.reader((head.decode("utf-8", "replace").lstrip("\ufeff"),), delimiter=self.delimiter), [])
        except csv.Error:
            return None
        return (cells[at].strip() or None) if len(cells) > at + 1 else None

    def cells(self, text: str) -> tuple[list[str] | None, str | None]:
        """(the cells, None) or, for a line that is not clean CSV, (the cells read leniently, or
        None when they cannot be, and what is wrong)."""
        delimiter = self.delimiter
        try:
            return next(csv.reader((text,), delimiter=delimiter, strict=True), []), None
        except csv.Error as exc:
            why = str(exc)
        if "field limit" in why:
            why = f"a cell is longer than {csv.field_size_limit():,} characters, the most the csv module reads"
            return (text.split(delimiter) if '"' not in text else None), why
        if "end of data" in why:
            why = "a quote is opened and not closed on this line; each record must be one line"
        else:
            why = f"not valid CSV ({why}); put a quote at the start and end of a cell that holds one"
        try:
            return next(csv.reader((text,), delimiter=delimiter), []), why
        except csv.Error:
            return None, why

    def read_header(self, row: list[str], text: str) -> tuple[Any, str | None, str | None] | None:
        """Takes the header; returns an error line when the first line is not a header after all."""
        names = [cell.strip() for cell in row]
        if len(names) == 1 and ";" in names[0]:
            try:
                cells = next(csv.reader((text,), delimiter=";"), [])
            except csv.Error:  # a cell over the csv module's limit: read as cells() reads it
                cells = text.split(";") if '"' not in text else []
            cells = [cell.strip() for cell in cells]
            if _FIELD_SET.intersection(cells):
                names, self.delimiter = cells, ";"
        self.header = names
        if text.lstrip().startswith(("{", "[")):
            self.problem = "this looks like JSON Lines, not CSV; use --input-format jsonl"
        elif not _FIELD_SET.intersection(names):
            self.problem = ("the first line is not a header row: CSV input starts with a line naming the "
                            "columns, such as " + ",".join(FIELDS))
        else:
            limit = csv.field_size_limit()
            long = [i for i, n in enumerate(names) if len(n) > limit]
            twice = sorted({n for n in names if len(n) <= limit and names.count(n) > 1})
            problems = []
            if twice:  # never one of the two silently: both left out, and named on every line
                problems.append(f"the header names {', '.join(map(repr, twice))} more than once; "
                                "each column may appear once")
            if long:  # no column name: left out, and named on every line
                problems.append(f"the header's column {', '.join(str(i + 1) for i in long)} "
                                f"({show(names[long[0]], 30)}) is longer than {limit:,} characters, the most "
                                "the csv module reads, and is left out; a header names the columns")
            if problems:
                self.twice = "; ".join(problems)
                self.keep = [i for i, n in enumerate(names) if n not in twice and i not in long]
                self.twice_names = frozenset(twice)
            return None
        return _unreadable(text, self.problem)  # the first line was a record: it gets its line


# --- triaging one record ----------------------------------------------------------------


def _missing_message(exc: MissingAnswers) -> str:
    names = ["duration (or duration_days)" if f == "duration_days" else f for f in exc.fields]
    return ("missing answers: " + ", ".join(names)
            + " (every answer is needed unless an emergency red flag is present)")


def _id_json(value: Any) -> tuple[str, str | None]:
    """The id as JSON text, and why it could not be echoed (then it is ``null``).

    NaN and Infinity (which JSON cannot carry) and whole numbers JSON readers may refuse
    (over 4000 digits) are echoed as text: "NaN", "Infinity", "-Infinity", the digits.
    """
    kind = type(value)
    if kind is str:
        try:
            value.encode()
        except UnicodeEncodeError:
            return "null", "id: not UTF-8 text, so it cannot be echoed"
        return encode_basestring_ascii(value), None
    if value is None:
        return "null", None
    if kind is int and -10**15 < value < 10**15:
        return str(value), None
    if isinstance(value, float) and not math.isfinite(value):
        return encode_basestring_ascii(repr(value).replace("inf", "Infinity").replace("nan", "NaN")), None
    if isinstance(value, _BigNumber):
        return "null", f"id: {value!r}, too long to echo"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**4000:
        return "null", "id: a number with over 4000 digits, too long to echo"
    try:
        return json.dumps(value, allow_nan=False, default=_jsonable), None
    except RecursionError:
        return "null", "id: nested too deeply to echo"
    except (ValueError, TypeError):
        return "null", f"id: {show(value)} cannot be written as JSON"


def _jsonable(value: Any) -> Any:
    """Ids from data tools (numpy numbers, timestamps ...) as JSON values."""
    kind = type(value)
    if kind.__name__ in ("bool_", "bool"):
        return bool(value)
    if hasattr(kind, "__index__"):
        return value.__index__()
    if hasattr(value, "is_integer"):
        return float(value)
    return str(value)


class Triager:
    """One rules set's record -> output line, with bounded caches (one per process)."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.match = rules.match_function()
        self.parser = AnswerParser(CACHE_MAX, CACHE_BYTES)
        self.suffixes: dict[tuple[tuple[int, ...], str | None], tuple[str, str]] = {}
        self.suffix_chars = 0

    def suffix(self, matched: tuple[int, ...], phase: str | None) -> tuple[str, str]:
        """The outcome line after its id (without the closing brace), and the outcome id."""
        key = (matched, phase)
        entry = self.suffixes.get(key)
        if entry is None:
            rules = self.rules.rules
            outcome = rules[matched[0]].outcome.id if matched else self.rules.default.id
            text = (f', "outcome": {json.dumps(outcome)}, "reasons": '
                    f'{json.dumps([rules[i].id for i in matched])}, "phase": {json.dumps(phase)}')
            if len(self.suffixes) >= CACHE_MAX or self.suffix_chars > CACHE_BYTES:
                self.suffixes.clear()
                self.suffix_chars = 0
            entry = self.suffixes[key] = (text, outcome)
            self.suffix_chars += len(text) + 8 * len(matched)
        return entry

    def line(self, record: Any, number: int | None, problem: str | None = None,
             bad: str | None = None) -> tuple[str, str | None]:
        """(the output line with its newline, the outcome id or None for an error line).

        ``problem``: the record could not be read at all; ``bad``: the line's bytes are not
        UTF-8 (an error, or an ignored value when an emergency sign decides).
        """
        if problem is None and type(record) is not dict:
            record, problem = _as_dict(record)
        record_id = record.get("id") if type(record) is dict else None
        if problem is not None:
            return self.error(record_id, number, problem)
        values, errors = self.parser.parse_each(record)
        if not errors and bad is None and len(values) == _SEVEN:
            matched = self.match(**values)
            phase = phase_of(values["duration_days"])
            ignored: list[str] = []
        else:
            answers = Answers(**values)
            messages = [e.describe(e.field) for e in errors]
            if bad is not None:
                messages.insert(0, bad)
                errors = [*errors, AnswerError("record", None, "", bad)]
            try:
                matched = decide(answers, self.rules, errors)
            except AnswerError:
                return self.error(record_id, number, messages[0])
            except MissingAnswers as exc:
                return self.error(record_id, number, _missing_message(exc))
            phase = phase_of(answers.duration_days)
            ignored = messages
        id_text, id_problem = _id_json(record_id)
        if id_problem is not None:
            if not self.rules.is_top(matched):
                return self.error(None, number, id_problem)
            ignored = [*ignored, id_problem]
        text, outcome = self.suffix(matched, phase)
        if ignored:
            return '{"id": ' + id_text + text + ', "ignored": ' + json.dumps(ignored) + "}\n", outcome
        return '{"id": ' + id_text + text + "}\n", outcome

    def error(self, record_id: Any, number: int | None, message: str) -> tuple[str, None]:
        id_text, id_problem = _id_json(record_id)
        if id_problem is not None:
            message += f" (and {id_problem})"
        line = "null" if number is None else str(number)
        return '{"id": ' + id_text + ', "line": ' + line + ', "error": ' + encode_basestring_ascii(message) + "}\n", None


def _as_dict(record: Any) -> tuple[Any, str | None]:
    """A mapping of another kind (a pandas row, a Spark Row's dict, an ``Answers``...) as a dict."""
    if isinstance(record, Answers):  # its unasked answers (None) are not answered, red_flags too
        return record.as_dict(), None
    try:
        items = record.items() if hasattr(record, "items") else record.asDict().items()
        return {str(k) if not isinstance(k, str) else k: v for k, v in items}, None
    except Exception:  # noqa: BLE001 - anything that is not a mapping
        return None, NOT_AN_OBJECT


_TRIAGERS: dict[int, tuple[RuleSet, Triager]] = {}


def triager_for(rules: RuleSet) -> Triager:
    entry = _TRIAGERS.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_TRIAGERS) >= 8:
            _TRIAGERS.clear()
        entry = _TRIAGERS[id(rules)] = (rules, Triager(rules))
    return entry[1]


def triage_record(record: Any, rules: RuleSet | None = None) -> dict[str, Any]:
    """Exactly the line ``spinetriage batch`` writes for ``record``, as a dict; never raises on bad data.

    ``record``: a mapping with the batch fields (a dict, a pandas row, a Spark ``Row.asDict()``).
    Returns ``{"id", "outcome", "reasons", "phase"}`` (plus ``"ignored"`` when an emergency sign
    decided despite bad values), or ``{"id", "line", "error"}`` with ``line`` None (the library
    knows no line numbers). Values as data tools write them are read as meant: NaN, None and
    pandas NA mean not answered (in ``red_flags`` too: an error naming it, unless an emergency
    sign decides; none present is ``[]``, ``"none"`` or empty text); 1.0/0.0 and numpy integers
    and booleans are accepted. ``rules``: a ``RuleSet`` from ``load_rules``, a rules file's
    path, or None for the shipped rules. Raises only ``RulesError`` when those rules cannot be
    loaded, and ``TypeError`` for a ``rules`` of another kind.
    """
    if rules is None or isinstance(rules, (str, os.PathLike)):
        rules = load_rules(rules)
    elif not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet from spinetriage.load_rules(), a rules file's path or None, "
                        f"not {type(rules).__name__}")
    triager = triager_for(rules)
    try:
        text, _ = triager.line(record, None)
    except Exception as exc:  # noqa: BLE001 - the promise: an error line, never an exception
        text, _ = triager.error(None, None, f"this record cannot be read ({type(exc).__name__})")
    return json.loads(text)


# --- the run ----------------------------------------------------------------------------


def triage_lines(triager: Triager, reader: Any, first: int, lines: Any) -> tuple[str, dict[str, int], int, int]:
    """One block of lines (see ``_chunks``) -> (output text, outcome counts, records, errors)."""
    out: list[str] = []
    counts: dict[str, int] = {}
    errors = 0
    line = triager.line
    read = reader.record
    for number, raw in enumerate(lines.split(b"\n") if type(lines) is bytes else lines, first):
        got = read(raw, number)
        if got is None:
            continue
        record, problem, bad = got
        text, outcome = line(record, number, problem, bad)
        out.append(text)
        if outcome is None:
            errors += 1
        else:
            counts[outcome] = counts.get(outcome, 0) + 1
    return "".join(out), counts, len(out), errors


def reader_for(input_format: str) -> Any:
    return Csv() if input_format == "csv" else FhirResponses() if input_format == "fhir" else JsonLines()


def run(
    stream: IO[bytes],
    out: IO[str],
    rules: RuleSet,
    input_format: str = "jsonl",
    on_record: Callable[[int], None] | None = None,
    jobs: int = 1,
    signals: tuple[int, ...] | None = None,
) -> Summary:
    """Triage every record of ``stream`` onto ``out``; returns the counts for the summary.

    ``on_record`` is called with the number of records done after each block of them (for a
    progress bar). ``jobs`` > 1 spreads the blocks over that many processes
    (``spinetriage.parallel``) with exactly the same output. A signal of ``signals`` (default:
    SIGINT; see ``spinetriage.stopping``) ends the run with the results so far written, in
    whole lines that the summary counts exactly (``summary.interrupted``, ``summary.signal``).
    A failed write raises ``WriteFailed`` with the number of records surely written before it.
    """
    import signal as _signal

    from spinetriage.stopping import Guard, WriteCut, write_all

    summary = Summary(outcomes={o.id: 0 for o in rules.outcomes})
    reader = reader_for(input_format)
    written = flushed = 0
    guard = Guard(signals if signals is not None else (_signal.SIGINT,))
    fd = _raw_fd(out)

    def stop(why: str) -> None:
        summary.stopped = why

    def flush() -> None:
        nonlocal flushed
        with guard.writing():
            try:
                out.flush()
            except OSError as exc:
                raise _cut(WriteFailed(exc, flushed)) from None
            flushed = written

    def count(records: int, errors: int, counts: dict[str, int]) -> None:
        nonlocal written
        written += records
        summary.records += records
        summary.errors += errors
        for outcome, n in counts.items():
            summary.outcomes[outcome] += n

    def emit(text: Any, counts: dict[str, int], records: int, errors: int) -> None:
        nonlocal flushed
        with guard.writing():  # a signal now waits until the block is out whole
            if fd is None:
                try:
                    out.write(text if type(text) is str else text.decode("ascii"))
                except OSError as exc:
                    raise _cut(WriteFailed(exc, flushed)) from None
            else:
                data = text.encode() if type(text) is str else text
                try:
                    write_all(fd, data, lambda: guard.signum is not None)
                except WriteCut as exc:  # the complete lines of the part written are counted
                    part = data[:exc.done]
                    count(*_tally(part[:part.rfind(b"\n") + 1]))
                    flushed = written
                    if isinstance(exc.cause, OSError):
                        raise _cut(WriteFailed(exc.cause, written)) from None
                    summary.cut = not part.endswith(b"\n")
                    raise _cut(exc.cause) from None
            count(records, errors, counts)
            if fd is not None:
                flushed = written  # nothing is held back on the way
            if on_record is not None:
                on_record(summary.records)

    with guard:
        try:
            if jobs > 1:
                from spinetriage.parallel import WorkerLost, run_parallel

                try:
                    run_parallel(stream, lambda before_read: _chunks(stream, before_read, stop, PARALLEL_CHUNK),
                                 rules, reader, jobs, emit, flush)
                except WorkerLost as exc:
                    summary.stopped = (f"{exc}: the results of the first {summary.records} "
                                       f"record{'s' if summary.records != 1 else ''} were written, the records "
                                       "after them were not triaged; run it again to triage them all")
            else:
                triager = Triager(rules)
                for first, lines in _chunks(stream, flush, stop):
                    emit(*triage_lines(triager, reader, first, lines))
        except KeyboardInterrupt as exc:
            summary.interrupted = True
            summary.signal = getattr(exc, "signum", _signal.SIGINT)
        if not summary.cut:
            try:
                flush()
            except KeyboardInterrupt as exc:
                summary.interrupted = True
                summary.signal = summary.signal or getattr(exc, "signum", _signal.SIGINT)
    return summary


def _cut(exc: BaseException) -> BaseException:
    """Marks an exception raised in the middle of a write: nothing more may follow it."""
    exc.cut = True  # type: ignore[attr-defined]
    return exc


def _raw_fd(out: Any) -> int | None:
    """The descriptor under ``out`` when the result bytes may go to it directly (a POSIX stream
    in an encoding that writes ASCII as ASCII), after what ``out`` holds is flushed; else None."""
    if os.name != "posix":
        return None
    try:
        if '{"id": 0}\n'.encode(out.encoding) != b'{"id": 0}\n':
            return None
        out.flush()
        return out.fileno()
    except (AttributeError, OSError, ValueError, LookupError, TypeError):
        return None


def _tally(lines: bytes) -> tuple[int, int, dict[str, int]]:
    """(records, errors, outcome counts) of complete output lines (after a write cut short)."""
    counts: dict[str, int] = {}
    errors = 0
    for line in lines.splitlines():
        outcome = json.loads(line).get("outcome")
        if outcome is None:
            errors += 1
        else:
            counts[outcome] = counts.get(outcome, 0) + 1
    return len(lines.splitlines()), errors, counts
