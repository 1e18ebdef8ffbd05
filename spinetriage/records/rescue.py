"""A line that cannot be read as a record still names its emergency signs: they decide, with the
problem under ``ignored``; without one the line is an error line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from spinetriage.records.lines import TOO_LONG_MESSAGE, _Long
from spinetriage.records.signs import _find_signs

# --- a record that cannot be read ------------------------------------------------------

NOT_AN_OBJECT = "record: not a JSON object; each line must be a JSON object with the answer fields"

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
