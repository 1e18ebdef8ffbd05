"""How a batch run stops on a signal: whole lines out, counted exactly.

While ``Guard`` is entered, SIGINT (Ctrl-C) and, when asked, SIGTERM and SIGHUP raise
``Stopped`` at once, except while a block of results is being written (``Guard.writing``):
then the block is finished first and ``Stopped`` is raised right after it. So the output is
an unbroken prefix of the full output, in whole lines, and the counts match it. A second
signal while a write cannot finish (nobody reads the output) stops that write where it is;
``write_all`` then knows to the byte what went out.

The exit status of a run stopped this way is 128 + the signal's number (130 for Ctrl-C, 143
for SIGTERM, 129 for SIGHUP), as shells and process supervisors expect.
"""

from __future__ import annotations

import os
import select
import signal
import threading
from typing import Any, Callable, Iterable


class Stopped(KeyboardInterrupt):
    """A signal asked the process to stop; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def stop_signals() -> tuple[int, ...]:
    """SIGINT, SIGTERM and SIGHUP, where the platform has them."""
    return tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class Guard:
    """Signals as requests to stop, granted at once except in the middle of a write.

    Handlers are installed only in the main thread, and only over the default action (a
    signal the process ignores, or one a host program handles, is left alone); the previous
    handlers come back on exit.
    """

    def __init__(self, signals: Iterable[int] = (signal.SIGINT,)):
        self.signals = tuple(signals)
        self.signum: int | None = None  # the first signal received
        self.raised = False  # Stopped was raised for it
        self._writing = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "Guard":
        if threading.current_thread() is threading.main_thread():
            for sig in self.signals:
                try:
                    if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                        self._previous[sig] = signal.signal(sig, self._handler)
                except (ValueError, OSError):
                    pass
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handler(self, signum: int, frame: Any) -> None:
        if self.signum is None:
            self.signum = signum
            if self._writing:
                return  # the block goes out whole; ``writing`` raises after it
        self.raised = True  # a second signal stops even a write that cannot finish
        raise Stopped(self.signum)

    def check(self) -> None:
        """Raises ``Stopped`` for a signal received during a write (once)."""
        if self.signum is not None and not self.raised:
            self.raised = True
            raise Stopped(self.signum)

    def writing(self) -> "_Writing":
        return _Writing(self)


class _Writing:
    __slots__ = ("guard",)

    def __init__(self, guard: Guard):
        self.guard = guard

    def __enter__(self) -> None:
        self.guard._writing = True

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        self.guard._writing = False
        if kind is None:
            self.guard.check()


class WriteCut(Exception):
    """A write ended part way (``cause``: the OSError or ``Stopped``); ``done``: the bytes written."""

    def __init__(self, cause: BaseException, done: int):
        super().__init__(cause, done)
        self.cause = cause
        self.done = done


#: Bytes a pipe takes whole or not at all (POSIX); see ``write_all``.
_ATOMIC = getattr(select, "PIPE_BUF", 512)


def write_all(fd: int, data: bytes, careful: Callable[[], bool] = lambda: False) -> None:
    """Every byte of ``data`` to ``fd`` (waiting on a non-blocking one); ``WriteCut`` says how
    many went out when an error or ``Stopped`` ends it early.

    Once ``careful()`` is true (a signal came: the next one may stop this write), the rest
    goes in pieces a pipe takes whole or not at all, so a write stopped while it waits has
    written nothing of its piece, and the count stays exact.
    """
    view = memoryview(data)
    done = 0
    try:
        while done < len(data):
            size = _ATOMIC if careful() else len(data) - done
            try:
                done += os.write(fd, view[done:done + size])
            except BlockingIOError:
                select.select([], [fd], [])
    except (OSError, KeyboardInterrupt) as exc:
        raise WriteCut(exc, done) from None
    finally:
        view.release()
