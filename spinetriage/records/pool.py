"""``batch --jobs N``: the same output as one process, from up to N worker processes.

The parent reads the input in blocks of whole lines, each with the number of its first
line, and hands each block (its raw bytes) to an idle worker; a worker triages it
(``batch.triage_lines``) and sends back the output as bytes with the counts. The parent
writes the results strictly in input order, with at most ``2 * jobs`` blocks read ahead, so
memory stays bounded whatever the input's size. Line numbers, order and the summary are
therefore exactly those of one process.

The first block is triaged in the parent (and so is every block until a CSV header is
read): an input of one block never starts a worker, and workers start one at a time as
blocks need them.

Stopping, whatever happens:

- a signal in the parent (``stopping.Guard``) stops the reading and the waiting; the
  results already received that come next in order are written, nothing after a gap, so
  the output is an unbroken prefix of the full output; then the workers are ended;
- a worker that dies (killed from outside) is named (``WorkerLost``) after the results
  before its block are written;
- a worker ends by itself when the parent is gone, however it went (even SIGKILL): its
  pipes from and to the parent then report end of file or a broken pipe, because no other
  process holds their parent ends (each worker closes those it inherits). Workers ignore
  SIGINT (Ctrl-C at a terminal reaches every process of the group; the parent decides) and
  die on SIGTERM and SIGHUP as any process does.

Each worker takes one block at a time and is given the next only once its result is in, so
neither side ever waits on a full pipe the other is not reading.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import select
import signal
import time
from typing import Any, Callable, Iterator

from spinetriage.core.ruleset import RuleSet
from spinetriage.records.triage import Triager, triage_lines

_FAILED = "failed"  # a worker's reply when triaging a block raised (a bug): the exception follows
_STOPS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class WorkerLost(Exception):
    """A worker process ended without its result (killed from outside); the message says how."""


def _worker(tasks: Any, results: Any, rules: RuleSet, inherited: list[Any], quiet: bool) -> None:
    """A worker's life: blocks in, results out, until the parent closes its pipe or is gone."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        for sig in _STOPS[1:]:
            signal.signal(sig, signal.SIG_DFL)  # not the parent's guard, inherited by fork
        if hasattr(signal, "pthread_sigmask"):  # blocked by the parent around the start (see _Pool.start)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
        for conn in inherited:  # the parent's ends of every pipe: only the parent may hold them
            conn.close()
        # No worker writes to the user's streams, nor holds them open (a reader of the output
        # sees its end when the parent ends); stderr stays for SPINETRIAGE_DEBUG.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (1, 2) if quiet else (1,):
            os.dup2(devnull, fd)
        os.close(devnull)
        triager = Triager(rules)
        while True:
            try:
                meta = tasks.recv_bytes()
                data = tasks.recv_bytes()
            except EOFError:  # the parent is done, or gone: nothing to flush or clean up
                os._exit(0)
            reader, first, block = pickle.loads(meta)
            try:
                text, counts, records, errors = triage_lines(triager, reader, first, data if block is None else block)
            except Exception as exc:  # noqa: BLE001 - the parent raises it as one process would
                try:
                    reply = pickle.dumps((_FAILED, exc))
                except Exception:  # noqa: BLE001
                    reply = pickle.dumps((_FAILED, RuntimeError(type(exc).__name__)))
                results.send_bytes(reply)
                os._exit(1)
            results.send_bytes(pickle.dumps((counts, records, errors), pickle.HIGHEST_PROTOCOL))
            results.send_bytes(text.encode())
    except BaseException:  # noqa: BLE001 - the parent is gone (broken pipe), or a signal: end quietly
        os._exit(1)


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


def _widen(conn: Any) -> None:
    """Linux: a pipe that holds a whole block or result (1 MiB, the most an unprivileged process
    may ask for), so each goes across in one write, neither side waiting on the other."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass  # another system, or a lower limit: the default size works, with more waits


class _Worker:
    __slots__ = ("process", "tasks", "results", "block")

    def __init__(self, process: Any, tasks: Any, results: Any):
        self.process = process
        self.tasks = tasks  # the parent's end: blocks go out
        self.results = results  # the parent's end: results come in
        self.block: int | None = None  # the index of the block it is triaging


class _Pool:
    """Up to ``jobs`` worker processes, started as blocks need them."""

    def __init__(self, jobs: int, rules: RuleSet):
        self.jobs = jobs
        self.rules = rules
        self.context = _context()
        self.fork = self.context.get_start_method() == "fork"
        self.workers: list[_Worker] = []
        self.quiet = not os.environ.get("SPINETRIAGE_DEBUG")

    def idle(self) -> _Worker | None:
        """A worker with nothing to do; a new one while there are fewer than ``jobs``."""
        for worker in self.workers:
            if worker.block is None:
                return worker
        if len(self.workers) < self.jobs:
            try:
                return self.start()
            except OSError:  # no more processes to be had (a limit, memory): go on with those there are
                self.jobs = len(self.workers)
        return None

    def start(self) -> _Worker:
        tasks_in, tasks_out = self.context.Pipe(duplex=False)
        results_in, results_out = self.context.Pipe(duplex=False)
        for conn in (tasks_out, results_in):
            _widen(conn)
        # A forked child holds a copy of every descriptor: it closes the parent's ends.
        inherited = [c for w in self.workers for c in (w.tasks, w.results)] + [tasks_out, results_in] \
            if self.fork else []
        process = self.context.Process(target=_worker, args=(tasks_in, results_out, self.rules, inherited, self.quiet),
                                       daemon=True, name="spinetriage-worker")
        # Until the child has its own handlers, a signal would run the parent's there: held back
        # (in both) until it has them, and until the parent knows the child, to end it.
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        try:
            try:
                process.start()
            except BaseException:
                for conn in (tasks_in, tasks_out, results_in, results_out):
                    conn.close()
                raise
            tasks_in.close()
            results_out.close()
            worker = _Worker(process, tasks_out, results_in)
            self.workers.append(worker)
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
        return worker

    def busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.block is not None]

    def lost(self, worker: _Worker) -> WorkerLost:
        """What became of a worker whose pipe broke."""
        worker.process.join(2)
        code = worker.process.exitcode
        if code is None:
            how = "it stopped answering"
        elif code < 0:
            from spinetriage.records.stopping import signal_name

            how = f"killed by {signal_name(-code)}"
        else:
            how = f"exit status {code}"
        return WorkerLost(f"a worker process ended unexpectedly ({how})")

    def close(self) -> None:
        """Ends every worker: idle ones at the end of their pipe, busy ones at once (their block is
        not wanted any more); none is left running."""
        for worker in self.workers:
            if worker.block is not None and worker.process.exitcode is None:
                worker.process.terminate()
                with contextlib.suppress(OSError, AttributeError):  # a stopped one (SIGSTOP) too
                    os.kill(worker.process.pid, signal.SIGCONT)
            worker.tasks.close()
            worker.results.close()
        try:
            deadline = time.monotonic() + 5
            for worker in self.workers:
                worker.process.join(max(0.0, deadline - time.monotonic()))
                if worker.process.exitcode is None:
                    worker.process.kill()
                    worker.process.join(5)
        except KeyboardInterrupt:  # a second signal: no more waiting
            for worker in self.workers:
                if worker.process.exitcode is None:
                    worker.process.kill()
            raise
        finally:
            self.workers.clear()


def run_parallel(stream: Any, make_chunks: Callable[[Callable[[], None]], Iterator[tuple[int, Any]]],
                 rules: RuleSet, reader: Any, jobs: int, emit: Callable[[Any, dict[str, int], int, int], None],
                 flush: Callable[[], None]) -> None:
    """Triage the blocks of ``make_chunks(before_read)`` on up to ``jobs`` processes; ``emit`` in order.

    ``emit`` receives the output of a block as ``str`` (a block triaged here) or ASCII ``bytes``
    (from a worker). A signal (``KeyboardInterrupt``, ``stopping.Stopped``) or ``WorkerLost``
    ends the run after the results that come next in order and are already in are emitted.
    """
    from multiprocessing.connection import wait

    local = Triager(rules)
    pool: _Pool | None = None
    done: dict[int, tuple[Any, dict[str, int], int, int]] = {}  # results in, by block index
    sent = 0  # blocks handed out
    written = 0  # index of the next block to emit
    window = 2 * jobs

    def write_ready() -> None:
        nonlocal written
        while written in done:
            result = done.pop(written)
            written += 1
            emit(*result)

    def receive(block: bool) -> None:
        """Takes in every result that is there; with ``block``, waits for at least one."""
        assert pool is not None
        busy = {w.results: w for w in pool.busy()}
        if not busy:
            return
        for conn in wait(list(busy), None if block else 0):
            worker = busy[conn]
            try:
                meta = pickle.loads(conn.recv_bytes())
                data = conn.recv_bytes() if meta[0] != _FAILED else b""
            except (EOFError, OSError):
                time.sleep(0.01)  # a signal that ended the worker and the parent alike is handled first
                raise pool.lost(worker) from None
            if meta[0] == _FAILED:  # a bug: raised as one process would raise it
                worker.block = None
                raise meta[1]
            done[worker.block] = (data, *meta)  # type: ignore[index]
            worker.block = None

    def before_read() -> None:
        # Streaming: when the next read could wait for the producer, every result so far goes out.
        if sent > written and not _ready(stream):
            while sent > written:
                receive(True)
                write_ready()
        flush()

    try:
        for first, block in make_chunks(before_read):
            if pool is None:
                if getattr(reader, "header", True) is None or first == 1:
                    emit(*triage_lines(local, reader, first, block))  # small inputs: no worker
                    continue
                pool = _Pool(jobs, rules)
            while True:
                write_ready()
                worker = pool.idle() if sent - written < window else None
                if worker is not None or not pool.workers:
                    break
                receive(True)
            if worker is None:  # not one process could be started: this process does the work
                emit(*triage_lines(local, reader, first, block))
                continue
            is_bytes = type(block) is bytes
            try:
                worker.tasks.send_bytes(pickle.dumps((reader, first, None if is_bytes else block),
                                                     pickle.HIGHEST_PROTOCOL))
                worker.tasks.send_bytes(block if is_bytes else b"")
            except OSError:
                raise pool.lost(worker) from None
            worker.block = sent
            sent += 1
            receive(False)
        while sent > written:
            write_ready()
            if sent > written:
                receive(True)
        write_ready()
    except BaseException as exc:
        if not getattr(exc, "cut", False):  # the output is whole lines so far: it may go on
            write_ready()  # what is in and comes next in order goes out; nothing after a gap
        raise
    finally:
        if pool is not None:
            pool.close()
