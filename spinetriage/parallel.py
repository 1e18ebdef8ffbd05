"""``batch --jobs N``: the same output as one process, from N worker processes.

The parent reads the input in blocks of whole lines, each with the number of its first
line; a worker triages a block (``batch.triage_lines``) and returns its output text and
counts; the parent writes the results in input order, with at most ``2 * jobs`` blocks in
flight, so memory stays bounded whatever the input's size. Line numbers, order and the
summary are therefore exactly those of one process.

The first blocks are triaged in the parent: an input of one block never starts a pool,
and a CSV header is read before any worker needs it. Workers receive the rules once (as
the pool's initializer argument) and ignore SIGINT: Ctrl-C reaches the parent, which stops
the pool and reports what was written.
"""

from __future__ import annotations

import multiprocessing
import pickle
import select
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Iterator

from spinetriage.batch import Triager, triage_lines
from spinetriage.rules import RuleSet

_triager: Triager | None = None


def _start(rules_pickle: bytes) -> None:
    global _triager
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _triager = Triager(pickle.loads(rules_pickle))


def _work(reader: Any, first: int, block: Any) -> tuple[str, dict[str, int], int, int]:
    assert _triager is not None
    return triage_lines(_triager, reader, first, block)


def _context() -> Any:
    """fork where there is one (no start-up cost: the rules are already loaded), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _ready(stream: Any) -> bool:
    """True when reading ``stream`` would not wait (a file, or a pipe with data in it)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return True  # in memory
    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return False


def run_parallel(stream: Any, make_chunks: Callable[[Callable[[], None]], Iterator[tuple[int, Any]]],
                 rules: RuleSet, reader: Any, jobs: int, emit: Callable[[str, dict[str, int], int, int], None],
                 flush: Callable[[], None]) -> None:
    """Triage the blocks of ``make_chunks(before_read)`` on ``jobs`` processes; ``emit`` in order."""
    local = Triager(rules)
    pool: ProcessPoolExecutor | None = None
    pending: deque[Future] = deque()

    def drain(wait_all: bool) -> None:
        while pending and (wait_all or len(pending) >= 2 * jobs or pending[0].done()):
            emit(*pending.popleft().result())

    def before_read() -> None:
        # Streaming: when the next read could wait for the producer, every result so far goes out.
        if pending and not _ready(stream):
            drain(True)
        flush()

    try:
        for first, block in make_chunks(before_read):
            if pool is None:
                if getattr(reader, "header", True) is None or first == 1:
                    emit(*triage_lines(local, reader, first, block))  # small inputs: no pool
                    continue
                pool = ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_start,
                                           initargs=(pickle.dumps(rules),))
            pending.append(pool.submit(_work, reader, first, block))
            drain(False)
        drain(True)
    except KeyboardInterrupt:
        try:  # what was read and handed out is triaged already or nearly: write it
            drain(True)
        finally:
            raise
    finally:
        if pool is not None:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
