"""Near misses: what an answer becomes once the typography that Word, Excel and web pages put
into it is folded, the lists in one cell, and the "did you mean" that names the accepted value a
refused one is close to (by spelling, English or Spanish). The parser never accepts a folded value
silently; an emergency sign read this way still decides (``valid_signs``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from itertools import islice
from typing import Any

from spinetriage.core.i18n import _, current
from spinetriage.core.vocabulary import QUESTIONS, Question
from spinetriage.core.words import SPANISH_WORDS, plain


def _word(text: str) -> str:
    return "-".join(text.strip().lower().replace("_", " ").split())


#: What Word, Excel and web pages put into a typed id: their dashes and minus for "-", their
#: no-break spaces for " ", and the invisible characters (zero-width space, joiners, word joiner,
#: soft hyphen, byte-order mark) for nothing.
_FOLD = {
    **{c: "-" for c in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D)},
    **{c: " " for c in (0x00A0, 0x2007, 0x202F)},
    **{c: None for c in (0x200B, 0x200C, 0x200D, 0x2060, 0x00AD, 0xFEFF)},
}


def fold_text(text: str) -> str:
    """``text`` with typographic dashes as ``-``, no-break spaces as spaces and invisible
    characters removed. The parser never accepts a folded value silently: it suggests it
    ("did you mean"), and an emergency sign read this way still decides (``valid_signs``)."""
    return text.translate(_FOLD) if not text.isascii() else text


def _near(text: str) -> str:
    """``text`` as an id once folded, with any run of dashes, spaces and underscores as one ``-``."""
    return "-".join(w for w in re.split(r"[-\s_]+", fold_text(text).lower()) if w)


_MAX_TEXTS = 1000  # texts looked at in one value when rescuing signs from it
_NO = frozenset({"no", "n", "false", "0", "none", ""})


def _texts_in(value: Any, depth: int = 0, seen: list[int] | None = None) -> Iterator[str]:
    """Every text in ``value``, however it is wrapped: text (split like a list cell), bytes,
    nested lists, tuples and sets, numpy arrays, and mappings (their text values, and each key
    whose value is not an explicit no: ``{"chest-pain": True}``). Bounded in depth and count."""
    seen = [0] if seen is None else seen
    if seen[0] >= _MAX_TEXTS or depth > 32:
        return
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        for item in split_items(value) or ([value] if value.strip() else []):
            seen[0] += 1
            yield item
        return
    if hasattr(value, "tolist") and not isinstance(value, Mapping):
        try:
            value = value.tolist()  # a numpy array or pandas Series
        except Exception:  # noqa: BLE001 - not one after all
            return
    if isinstance(value, Mapping):
        for key, item in islice(value.items(), _MAX_TEXTS):
            said_no = item is False or (isinstance(item, str) and item.strip().lower() in _NO) or (
                type(item) is int and item == 0)
            if not said_no and isinstance(key, (str, bytes)):
                yield from _texts_in(key, depth + 1, seen)
            if isinstance(item, (str, bytes, list, tuple, set, frozenset, Mapping)):
                yield from _texts_in(item, depth + 1, seen)
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            if seen[0] >= _MAX_TEXTS:
                return
            yield from _texts_in(item, depth + 1, seen)


def _known(question: Question) -> dict[str, str]:
    return {**{c: c for c in question.choices}, **question.aliases}


def _suggest(question: Question, value: Any) -> str:
    """`` (did you mean ...?)`` for a value that is not accepted, or ``""``.

    A value that is an accepted one once folded (a typographic dash, an invisible character),
    decoded (bytes) or unwrapped (a nested list, a mapping) is named with what was wrong with
    it; otherwise the closest values by spelling, or the values the word is part of
    (``chest`` -> ``chest-pain``).
    """
    known = _known(question)
    if not isinstance(value, str):
        try:
            texts = list(_texts_in(value))
        except Exception:  # noqa: BLE001 - an odd object: no suggestion
            return ""
        what = (_("it is bytes, not text") if isinstance(value, (bytes, bytearray, memoryview))
                else _("it is a mapping, not a list of ids") if isinstance(value, Mapping)
                else _("it is a list inside the list") if isinstance(value, (list, tuple, set, frozenset))
                else _("it is a {kind}, not text").format(kind=type(value).__name__))
        found = list(dict.fromkeys(known[w] for w in map(_near, texts) if w in known))
        if not found:
            near = _suggest(question, texts[0]) if len(texts) == 1 else ""
            return near[:-1] + f" {what})" if near else ""
        return did_you_mean(repr(found[0]) if len(found) == 1 else repr(found), what)
    if len(value) <= 100 and QUESTIONS.get(question.key) is question:
        # the same few mistakes, again and again in a batch
        return _suggest_text(question.key, value, current())
    return _suggest_word(question, value)


def did_you_mean(names: str, why: str = "") -> str:
    """`` (did you mean 'neck'?)``, with why it was not taken as it is when ``why`` is given."""
    if why:
        return " (" + _("did you mean {value}? {why}").format(value=names, why=why) + ")"
    return " (" + _("did you mean {value}?").format(value=names) + ")"


@lru_cache(maxsize=1024)  # keys are at most 100 characters long (see _suggest); one per language
def _suggest_text(key: str, value: str, lang: str) -> str:
    return _suggest_word(QUESTIONS[key], value)


def _suggest_word(question: Question, value: str) -> str:
    known = _known(question)
    folded = _near(value)
    if folded in known and folded != _word(value):
        if fold_text(value) == value:
            return did_you_mean(repr(known[folded]))
        return did_you_mean(repr(known[folded]), _("it is written with a typographic dash, a no-break space "
                                                    "or an invisible character"))
    if len(value) > 100:
        return ""
    import difflib  # only on a mistake

    close = difflib.get_close_matches(folded, list(question.choices), n=1, cutoff=0.75)
    if not close and len(folded) >= 3:
        close = [c for c in question.choices if folded in c.split("-") or c.startswith(folded)]
        if len(close) > 3:
            close = []
    if not close and question.key in SPANISH_WORDS:  # "cuelo": 'cuello'
        spanish = difflib.get_close_matches(plain(folded), list(SPANISH_WORDS[question.key]), n=1, cutoff=0.8)
        close = [w.replace("-", " ") for w in spanish]
    if not close:
        return ""
    if len(close) == 1:
        return did_you_mean(repr(close[0]))
    return did_you_mean(_("{names} or {last}").format(names=", ".join(map(repr, close[:-1])), last=repr(close[-1])))


_SEPARATORS = re.compile(r"[;,|]")


def split_items(text: str) -> list[str]:
    """The items of a list written as text, however a person or a data tool wrote it.

    ``fever;rash``, ``fever, rash``, ``fever|rash`` and a list as pandas writes it into a CSV
    cell, ``['fever', 'rash']``, all give ``['fever', 'rash']``.
    """
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [w for w in (p.strip().strip("\"'").strip() for p in _SEPARATORS.split(text)) if w]



def valid_signs(values: Any) -> frozenset[str]:
    """The red flags that can be read from a list with a bad item in it.

    Used only to let an emergency sign decide despite a typo next to it: the rules' tests
    on signs only ever match more with more signs, so what matches on these still would.
    Near misses count here too: a sign with a typographic dash or an invisible character, in
    bytes, in a nested list, or in a mapping (``_texts_in``); the value stays an error.
    """
    known = _known(QUESTIONS["red_flags"])
    out = set()
    try:
        for text in _texts_in(values):
            word = _near(text)
            if word in known:
                out.add(known[word])
    except Exception:  # noqa: BLE001 - an iterable that fails while read: the signs read so far
        pass
    return frozenset(out)
