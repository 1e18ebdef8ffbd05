"""Triage a stream of records: JSON Lines or CSV in, one JSON line out per record.

Pure and streaming: records are read in chunks and the results of a chunk are written
before the next read, with output flushed before every read that could wait for more
input, so a consumer sees results while the input is still arriving. Memory does not grow
with the input: only the per-outcome counts and small, size-capped caches are kept.

Speed: a well-formed record (every answer given, known values) takes a fast path that
normalises each raw value through a small cache and goes straight to the rules' generated
matcher (``RuleSet.match_complete``). Anything else (a missing answer, a bad value, an
unusual type) goes through ``Answers.from_mapping`` and the engine exactly as ``triage``
does, so the result or the error message is the same either way; ``tests/test_batch.py``
checks that the two agree.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import IO, Any, Callable, Iterator

from spinetriage.answers import QUESTIONS, Answers, parse_answer, parse_duration
from spinetriage.engine import decide, phase_of
from spinetriage.errors import AnswerError, MissingAnswers
from spinetriage.rules import RuleSet

INPUT_FORMATS = ("jsonl", "csv")
CHUNK = 1 << 16
LIST_FIELDS = ("location", "red_flags")
CACHE_MAX = 4096  # entries per raw-value cache: bounded memory whatever the input

_RECORD_KEYS = frozenset(("id", "duration", *QUESTIONS))
_decode = json.JSONDecoder().decode


@dataclass
class Summary:
    records: int = 0
    errors: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        counts = ", ".join(f"{n} {o}" for o, n in self.outcomes.items() if n)
        text = f"{self.records} record{'s' if self.records != 1 else ''}"
        if counts:
            text += f": {counts}"
        return text + f"; {self.errors} error{'s' if self.errors != 1 else ''}"


def _chunks(stream: IO[bytes], before_read: Callable[[], None]) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, lines) for each chunk read; ``before_read`` runs before each read."""
    pending = b""
    number = 1
    read = getattr(stream, "read1", stream.read)
    while True:
        before_read()
        chunk = read(CHUNK)
        if not chunk:
            break
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        if lines:
            yield number, lines
            number += len(lines)
    if pending:
        yield number, [pending]


def _lines(stream: IO[bytes], before_read: Callable[[], None]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for every line, reading in chunks; ``before_read`` runs first."""
    for first, lines in _chunks(stream, before_read):
        yield from enumerate(lines, first)


def _missing_message(exc: MissingAnswers) -> str:
    names = ["duration (or duration_days)" if f == "duration_days" else f for f in exc.fields]
    return ("missing answers: " + ", ".join(names)
            + " (every answer is needed unless an emergency red flag is present)")


def _json_problem(raw: bytes) -> tuple[Any, str | None]:
    """(record, None) or (None, why the line is not JSON), exactly as ``json.loads`` sees it."""
    try:
        return json.loads(raw), None
    except ValueError as exc:
        hint = "; for CSV use --input-format csv" if b"," in raw and not raw.lstrip().startswith(b"{") else ""
        return None, f"not valid JSON ({exc.args[0].split(':')[0]}); each line must be one JSON object{hint}"
    except RecursionError:
        return None, "not valid JSON (nested too deeply); each line must be one JSON object"


def _triage_record(record: Any, rules: RuleSet) -> tuple[Any, tuple[int, ...], str | None]:
    """The reference path: ``Answers.from_mapping`` and the engine, as ``triage`` does it."""
    if not isinstance(record, dict):
        raise AnswerError("record", record, "each line must be a JSON object with the answer fields",
                          "not a JSON object")
    answers, errors = Answers.parse_each(record)
    return record.get("id"), decide(answers, rules, errors), phase_of(answers.duration_days)


class _Complete:
    """Complete, normalised answers, as ``RuleSet.match_complete`` reads them (cheaper than ``Answers``)."""

    __slots__ = ("location", "duration_days", "radiation", "recurrent", "limits_activities", "age", "red_flags")

    def __init__(self, location: frozenset[str], duration_days: int, radiation: str, recurrent: bool,
                 limits_activities: bool, age: int, red_flags: frozenset[str]):
        self.location = location
        self.duration_days = duration_days
        self.radiation = radiation
        self.recurrent = recurrent
        self.limits_activities = limits_activities
        self.age = age
        self.red_flags = red_flags


class _Triager:
    """Record -> (matched rule indexes, phase); raises AnswerError or MissingAnswers.

    The fast path only ever returns what the reference path would return for the same
    record: it gives up (returns None) on anything it is not sure of, and the record is
    then triaged by ``_triage_record``, which also words every error.
    """

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.match = rules.match_complete
        self.caches: dict[str, dict[Any, Any]] = {key: {} for key in (*QUESTIONS, "duration")}
        self.lo_age, self.hi_age = QUESTIONS["age"].bounds or (0, 0)
        self.lo_days, self.hi_days = QUESTIONS["duration_days"].bounds or (0, 0)

    def __call__(self, record: Any) -> tuple[tuple[int, ...], str | None]:
        if type(record) is dict:
            fast = self.fast(record)
            if fast is not None:
                return fast
        _, matched, phase = _triage_record(record, self.rules)
        return matched, phase

    def _parse(self, key: str, raw: Any, cache_key: Any) -> Any:
        """Parse one raw value the way ``from_mapping`` does; None when that would fail."""
        try:
            value = parse_duration(raw) if key == "duration" else parse_answer(key, raw)
        except Exception:  # noqa: BLE001 - the reference path gives the error
            return None
        cache = self.caches[key]
        if len(cache) < CACHE_MAX:
            cache[cache_key] = value
        return value

    def _number(self, key: str, raw: Any, lo: int, hi: int) -> int | None:
        """A whole-number answer given as a number or as text; None if unsure."""
        if type(raw) is int:
            return raw if lo <= raw <= hi else None
        if type(raw) is str and raw != "":
            value = self.caches[key].get(raw)
            return value if value is not None else self._parse(key, raw, raw)
        return None

    def _text_or_list(self, key: str, raw: Any) -> Any:
        """A choice, bool or set answer given as text (or a list for sets); None if unsure."""
        kind = type(raw)
        if kind is str:
            if raw == "":  # from_mapping: not given (red_flags: none present)
                return frozenset() if key == "red_flags" else None
            value = self.caches[key].get(raw)
            return value if value is not None else self._parse(key, raw, raw)
        if kind is list:
            try:
                cache_key = tuple(raw)
                value = self.caches[key].get(cache_key)
            except TypeError:  # an unhashable item: not a valid answer anyway
                return None
            return value if value is not None else self._parse(key, raw, cache_key)
        return None

    def fast(self, record: dict) -> tuple[tuple[int, ...], str | None] | None:
        if not record.keys() <= _RECORD_KEYS:
            return None
        get = record.get
        caches = self.caches
        # how long: "duration" (text with a unit) or "duration_days"
        if "duration" in record:
            if "duration_days" in record:
                return None
            raw = record["duration"]
            if type(raw) is not str or raw == "":
                return None
            days = caches["duration"].get(raw)
            if days is None:
                days = self._parse("duration", raw, raw)
                if days is None:
                    return None
        else:
            days = self._number("duration_days", get("duration_days"), self.lo_days, self.hi_days)
            if days is None:
                return None
        age = self._number("age", get("age"), self.lo_age, self.hi_age)
        if age is None:
            return None
        raw = get("recurrent")
        recurrent = raw if type(raw) is bool else self._text_or_list("recurrent", raw)
        if recurrent is None:
            return None
        raw = get("limits_activities")
        limits = raw if type(raw) is bool else self._text_or_list("limits_activities", raw)
        if limits is None:
            return None
        location = self._text_or_list("location", get("location"))
        if not location:  # missing, unsure, or empty (an error)
            return None
        radiation = self._text_or_list("radiation", get("radiation"))
        if radiation is None:
            return None
        red_flags = self._text_or_list("red_flags", get("red_flags"))
        if red_flags is None:
            return None
        return self.match(_Complete(location, days, radiation, recurrent, limits, age, red_flags)), phase_of(days)


class _Writer:
    """Formats results into ``pending``; results for the same matched rules and phase share one suffix."""

    def __init__(self, rules: RuleSet, pending: list[str]):
        self.rules = rules
        self.pending = pending
        self.cache: dict[tuple[tuple[int, ...], str | None], tuple[str, str]] = {}

    def result(self, record_id: Any, matched: tuple[int, ...], phase: str | None) -> str:
        """Adds the line; returns the outcome id."""
        key = (matched, phase)
        entry = self.cache.get(key)
        if entry is None:
            rules = self.rules.rules
            outcome = rules[matched[0]].outcome.id if matched else self.rules.default.id
            suffix = (f', "outcome": {json.dumps(outcome)}, "reasons": '
                      f'{json.dumps([rules[i].id for i in matched])}, "phase": {json.dumps(phase)}}}\n')
            entry = self.cache[key] = (suffix, outcome)
        if type(record_id) is str:
            text = encode_basestring_ascii(record_id)  # what json.dumps does for text
        elif record_id is None:
            text = "null"
        else:
            text = json.dumps(record_id)
        self.pending.append('{"id": ' + text + entry[0])
        return entry[1]

    def error(self, record_id: Any, line: int, message: str) -> None:
        self.pending.append(json.dumps({"id": record_id, "line": line, "error": message}) + "\n")


def _jsonl_records(stream: IO[bytes], flush: Callable[[], None]) -> Iterator[tuple[int, Any, str | None]]:
    """(line, record, error) per non-blank line."""
    for first, lines in _chunks(stream, flush):
        for number, raw in enumerate(lines, first):
            if not raw.strip():
                continue
            try:
                # Most lines: UTF-8 text decoded as one; anything else (a BOM, UTF-16, bad
                # bytes, bad JSON) is left to json.loads, which words the error.
                yield number, _decode(raw.decode()), None
            except (ValueError, RecursionError):
                record, problem = _json_problem(raw)
                yield number, record, problem


def _csv_records(stream: IO[bytes], flush: Callable[[], None]) -> Iterator[tuple[int, Any, str | None]]:
    numbers: list[int] = []

    def text_lines() -> Iterator[str]:
        for number, raw in _lines(stream, flush):
            numbers.append(number)
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8", errors="replace") + "\n"

    reader = csv.reader(text_lines())
    header: list[str] | None = None
    for row in reader:
        number = numbers[-1] if numbers else 0
        del numbers[:-1]
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [h.strip() for h in row]
            continue
        if len(row) != len(header):
            ident = {"id": row[header.index("id")]} if "id" in header and header.index("id") < len(row) else None
            yield number, ident, (f"has {len(row)} cells but the header has {len(header)} "
                                  f"({', '.join(header)}); check for a missing or extra comma")
            continue
        record: dict[str, Any] = {}
        for key, cell in zip(header, row):
            cell = cell.strip()
            if key in LIST_FIELDS:
                record[key] = [v for v in cell.split(";") if v.strip()] if cell else ([] if key == "red_flags" else None)
            else:
                record[key] = cell if cell != "" else None
        yield number, record, None


def run(
    stream: IO[bytes],
    out: IO[str],
    rules: RuleSet,
    input_format: str = "jsonl",
    on_record: Callable[[int], None] | None = None,
) -> Summary:
    """Triage every record of ``stream`` onto ``out``; returns the counts for the summary."""
    summary = Summary(outcomes={o.id: 0 for o in rules.outcomes})
    outcomes = summary.outcomes
    pending: list[str] = []

    def flush() -> None:
        """Before every read: what is known so far goes out."""
        if pending:
            out.write("".join(pending))
            pending.clear()
        out.flush()

    writer = _Writer(rules, pending)
    triage = _Triager(rules)
    records = _csv_records if input_format == "csv" else _jsonl_records
    count = 0
    try:
        for number, record, problem in records(stream, flush):
            count += 1
            record_id = record.get("id") if type(record) is dict else None
            if problem is None:
                try:
                    matched, phase = triage(record)
                except AnswerError as exc:
                    problem = exc.describe(exc.field)
                except MissingAnswers as exc:
                    problem = _missing_message(exc)
                else:
                    outcomes[writer.result(record_id, matched, phase)] += 1
            if problem is not None:
                summary.errors += 1
                writer.error(record_id, number, problem)
            if on_record is not None:
                summary.records = count
                on_record(count)
    finally:
        summary.records = count
        if pending:  # also when interrupted: every result known so far goes out
            out.write("".join(pending))
            pending.clear()
    out.flush()
    return summary
