"""Triage a stream of records: JSON Lines, CSV or FHIR in, one JSON line out per record, in order.

Streaming: records are read in chunks of whole lines and the results of a chunk are written
before the next read, with output flushed before every read that could wait for more input,
so a consumer sees results while the input is still arriving. Memory does not grow with the
input. Every record in gets exactly one line out, whatever it holds.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import IO, Any, Callable

from spinetriage.core.ruleset import RuleSet
from spinetriage.records.csvfile import Csv
from spinetriage.records.fhir import FhirResponses
from spinetriage.records.jsonl import JsonLines
from spinetriage.records.lines import PARALLEL_CHUNK, _chunks
from spinetriage.records.triage import Triager, triage_lines

INPUT_FORMATS = ("jsonl", "csv", "fhir")


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
    (``records.pool``) with exactly the same output. A signal of ``signals`` (default:
    SIGINT; see ``records.stopping``) ends the run with the results so far written, in
    whole lines that the summary counts exactly (``summary.interrupted``, ``summary.signal``).
    A failed write raises ``WriteFailed`` with the number of records surely written before it.
    """
    import signal as _signal

    from spinetriage.records.stopping import Guard, WriteCut, write_all

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
                from spinetriage.records.pool import WorkerLost, run_parallel

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
