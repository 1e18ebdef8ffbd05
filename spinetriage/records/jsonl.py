"""JSON Lines: each non-blank line one JSON object with the answer fields (duplicate keys refused,
huge numbers named, ids echoed as given).
"""

from __future__ import annotations

import json
from typing import Any

from spinetriage.core.parse import show
from spinetriage.records.lines import _Long, _text
from spinetriage.records.rescue import (
    NOT_AN_OBJECT,
    _json_head_id,
    _long_record,
    _unreadable,
)

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
