"""Emergency sign ids named in raw text, however a person or a program wrote them (any case,
words joined by -, _, spaces, typographic dashes or invisible characters, or their JSON escapes):
how an unreadable or over-long line still gives its emergency."""

from __future__ import annotations

import re

from spinetriage.core.parse import fold_text
from spinetriage.core.vocabulary import TIERS

#: Between the words of a sign id: -, _, spaces, or a JSON escape of a typographic dash, a no-break
#: space or an invisible character (the characters themselves are folded first: ``fold_text``).
_GAP = r"(?:[-_\s]|\\u(?:201[0-5]|2212|00a0|2007|202f|fe58|fe63|ff0d|200[b-d]|2060|00ad|feff))+"
_SIGN_WORDS: dict[str, list[str]] = {}
for _sign, _tier in TIERS.items():
    if _tier == "emergency":
        _SIGN_WORDS.setdefault(_sign.split("-")[0], []).append(_sign)
#: For each first word, the emergency signs starting with it, as a person may write them: any case,
#: their words joined by a gap, not inside a longer word. A search starts with the literal first
#: word, so that a line of any length is scanned quickly.
_SIGN_PATTERNS = [
    (re.compile(re.escape(first) + f"(?<![a-z0-9]{re.escape(first)})" + _GAP + "(?:"
                + "|".join(_GAP.join(map(re.escape, sign.split("-")[1:])) for sign in signs)
                + r")(?![a-z0-9])"), signs)
    for first, signs in _SIGN_WORDS.items()]
_GAP_RE = re.compile(_GAP)


def _find_signs(text: str, found: dict[str, None]) -> None:
    """Adds to ``found`` each emergency sign id that ``text`` names, however it is written."""
    low = fold_text(text).lower()
    for pattern, signs in _SIGN_PATTERNS:
        pos = 0
        while not all(sign in found for sign in signs):
            m = pattern.search(low, pos)
            if m is None:
                break
            found.setdefault(_GAP_RE.sub("-", m.group()), None)
            pos = m.end()
