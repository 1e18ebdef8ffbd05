"""Reading a stream of records as lines: in chunks of whole lines, each line at most ``MAX_RECORD``
bytes (a longer one is scanned for emergency signs in bounded memory as it is skipped), in linear
time, decoded as UTF-8 with the byte named when it is not.
"""

from __future__ import annotations

from typing import IO, Any, Callable, Iterator

from spinetriage.core.vocabulary import REQUIRED_KEYS
from spinetriage.records.signs import _find_signs

CHUNK = 1 << 16
PARALLEL_CHUNK = 1 << 18  # bytes read at a time with --jobs: one task for a worker
MAX_RECORD = 1 << 20  # bytes in one record (one line); a longer line is an error line
MAX_SKIP = 64 * MAX_RECORD  # a line with no end after this many bytes stops the reading
CACHE_MAX = 4096  # entries per cache
CACHE_BYTES = 1 << 20  # characters of raw values held by the answer cache
FIELDS = ("id", "location", "duration", "duration_days", "radiation", "recurrent", "limits_activities",
          "age", "red_flags", "course")
_FIELD_SET = frozenset(FIELDS)
_SEVEN = len(REQUIRED_KEYS)  # the answers every result needs (course is optional)


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
