"""A "did you mean" for a misspelt key, answer or value in a rules file."""

from __future__ import annotations

from typing import Any


def closest(word: Any, options: Any) -> str | None:
    import difflib  # only when there is a mistake to suggest a fix for

    if not isinstance(word, str):
        return None
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: Any, options: Any) -> str:
    close = closest(word, options)
    return f" (did you mean {close!r}?)" if close else ""
