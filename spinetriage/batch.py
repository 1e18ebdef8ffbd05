"""Triage a stream of records: JSON Lines or CSV in, one JSON line out per record.

Pure and streaming: records are read in chunks and each result is written as soon as it
is known; output is flushed before every read that could wait for more input, so a
consumer sees results while the input is still arriving. Memory does not grow with the
input (only the per-outcome counts are kept).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterator

from spinetriage.answers import Answers
from spinetriage.engine import matching, phase_of
from spinetriage.errors import AnswerError, MissingAnswers
from spinetriage.rules import RuleSet

INPUT_FORMATS = ("jsonl", "csv")
CHUNK = 1 << 16
LIST_FIELDS = ("location", "red_flags")


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


def _lines(stream: IO[bytes], before_read: Callable[[], None]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for every line, reading in chunks; ``before_read`` runs first."""
    pending = b""
    number = 0
    read = getattr(stream, "read1", stream.read)
    while True:
        before_read()
        chunk = read(CHUNK)
        if not chunk:
            break
        parts = (pending + chunk).split(b"\n")
        pending = parts.pop()
        for part in parts:
            number += 1
            yield number, part
    if pending:
        yield number + 1, pending


def _missing_message(exc: MissingAnswers) -> str:
    names = ["duration (or duration_days)" if f == "duration_days" else f for f in exc.fields]
    return ("missing answers: " + ", ".join(names)
            + " (every answer is needed unless an emergency red flag is present)")


class _Writer:
    """Formats results; results for the same matched rules and phase share one suffix."""

    def __init__(self, rules: RuleSet, out: IO[str]):
        self.rules = rules
        self.out = out
        self.cache: dict[tuple[tuple[int, ...], str | None], str] = {}

    def result(self, record_id: Any, matched: tuple[int, ...], phase: str | None) -> None:
        key = (matched, phase)
        suffix = self.cache.get(key)
        if suffix is None:
            rules = self.rules.rules
            outcome = rules[matched[0]].outcome.id if matched else self.rules.default.id
            suffix = (f', "outcome": {json.dumps(outcome)}, "reasons": '
                      f'{json.dumps([rules[i].id for i in matched])}, "phase": {json.dumps(phase)}}}\n')
            self.cache[key] = suffix
        self.out.write('{"id": ' + json.dumps(record_id) + suffix)

    def error(self, record_id: Any, line: int, message: str) -> None:
        self.out.write(json.dumps({"id": record_id, "line": line, "error": message}) + "\n")


def _triage_record(record: Any, rules: RuleSet) -> tuple[Any, tuple[int, ...], str | None]:
    if not isinstance(record, dict):
        raise AnswerError("record", record, "each line must be a JSON object with the answer fields",
                          "not a JSON object")
    answers = Answers.from_mapping(record)
    matched = matching(answers, rules)
    if matched is None:
        raise MissingAnswers(answers.missing())
    return record.get("id"), matched, phase_of(answers.duration_days)


def _jsonl_records(stream: IO[bytes], flush: Callable[[], None]) -> Iterator[tuple[int, Any, str | None]]:
    """(line, record, error) per non-blank line."""
    for number, raw in _lines(stream, flush):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw), None
        except ValueError as exc:
            yield number, None, f"not valid JSON ({exc.args[0].split(':')[0]}); each line must be one JSON object"


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
            yield number, None, f"has {len(row)} cells but the header has {len(header)}"
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
    writer = _Writer(rules, out)
    records = _csv_records if input_format == "csv" else _jsonl_records
    outcome_of = {i: r.outcome.id for i, r in enumerate(rules.rules)}
    default = rules.default.id
    for number, record, problem in records(stream, out.flush):
        summary.records += 1
        record_id = record.get("id") if isinstance(record, dict) else None
        if problem is None:
            try:
                record_id, matched, phase = _triage_record(record, rules)
            except AnswerError as exc:
                problem = exc.describe(exc.field)
            except MissingAnswers as exc:
                problem = _missing_message(exc)
            else:
                writer.result(record_id, matched, phase)
                outcome = outcome_of[matched[0]] if matched else default
                summary.outcomes[outcome] += 1
        if problem is not None:
            summary.errors += 1
            writer.error(record_id, number, problem)
        if on_record is not None:
            on_record(summary.records)
    out.flush()
    return summary
