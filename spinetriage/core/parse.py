"""The one place that turns text into an answer's value, whether it comes from a flag, a prompt,
a batch record or a library caller: durations, choices, sets of ids (and signs written as a
person or a spreadsheet writes them), yes/no, whole numbers; and the messages for a value that
is not one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import islice
from typing import Any

from spinetriage.core.errors import AnswerError
from spinetriage.core.vocabulary import (
    _DURATION,
    DURATION_ACCEPTED,
    MAX_DURATION_DAYS,
    QUESTIONS,
    UNITS,
    Question,
)

# --- parsing ----------------------------------------------------------------------------


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


def _known(question: "Question") -> dict[str, str]:
    return {**{c: c for c in question.choices}, **question.aliases}


def _suggest(question: "Question", value: Any) -> str:
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
        what = ("bytes, not text" if isinstance(value, (bytes, bytearray, memoryview))
                else "a mapping, not a list of ids" if isinstance(value, Mapping)
                else "a list inside the list" if isinstance(value, (list, tuple, set, frozenset))
                else f"a {type(value).__name__}, not text")
        found = list(dict.fromkeys(known[w] for w in map(_near, texts) if w in known))
        if not found:
            near = _suggest(question, texts[0]) if len(texts) == 1 else ""
            return near[:-1] + f" it is {what})" if near else ""
        shown = repr(found[0]) if len(found) == 1 else repr(found)
        return f" (did you mean {shown}? it is {what})"
    if len(value) <= 100 and QUESTIONS.get(question.key) is question:
        return _suggest_text(question.key, value)  # the same few mistakes, again and again in a batch
    return _suggest_word(question, value)


@lru_cache(maxsize=1024)  # keys are at most 100 characters long (see _suggest)
def _suggest_text(key: str, value: str) -> str:
    return _suggest_word(QUESTIONS[key], value)


def _suggest_word(question: "Question", value: str) -> str:
    known = _known(question)
    folded = _near(value)
    if folded in known and folded != _word(value):
        if fold_text(value) == value:
            return f" (did you mean {known[folded]!r}?)"
        return (f" (did you mean {known[folded]!r}? it is written with a typographic dash, a no-break space "
                "or an invisible character)")
    if len(value) > 100:
        return ""
    import difflib  # only on a mistake

    close = difflib.get_close_matches(folded, list(question.choices), n=1, cutoff=0.75)
    if not close and len(folded) >= 3:
        close = [c for c in question.choices if folded in c.split("-") or c.startswith(folded)]
        if len(close) > 3:
            close = []
    if not close:
        return ""
    if len(close) == 1:
        return f" (did you mean {close[0]!r}?)"
    return f" (did you mean {', '.join(map(repr, close[:-1]))} or {close[-1]!r}?)"


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message: shortened, and safe for any value (a number with thousands
    of digits cannot be turned into text; a broken ``__repr__`` must not hide the real problem)."""
    if type(value) is int and not -10**limit < value < 10**limit:
        return f"a number with {len(hex(value)) * 1.2:.0f}+ digits"  # no str(): the int-str limit
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any object a library caller passes
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 5] + "..." + text[-2:]


def is_blank(value: Any) -> bool:
    """Not given: None, empty text, NaN, or pandas' NA / NaT (duck-typed: no pandas import).

    This is how data tools write an empty cell, so it means "not answered" everywhere.
    """
    if value is None or (type(value) is str and value == ""):
        return True
    if isinstance(value, float):
        return value != value  # NaN
    return type(value).__name__ in ("NAType", "NaTType")


def parse_duration(text: Any) -> int:
    """``"3w"`` -> 21 days; see ``_parse_duration_text``. Anything but text is refused."""
    if not isinstance(text, str):
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{show(text)} is not a duration")
    if len(text) > 40:  # never a duration; kept out of the cache (bounded by size, not only count)
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{show(text)} is not a duration")
    return _parse_duration_text(text)


@lru_cache(maxsize=4096)  # keys are at most 40 characters long (see parse_duration)
def _parse_duration_text(text: str) -> int:
    """``"3w"`` -> 21 days. Accepts ``3d 2w 4m 1y`` and ``3 days``/``2 weeks``/... forms.

    Raises AnswerError for no unit, an unknown unit, a negative or fractional number,
    or more than 100 years.
    """
    m = _DURATION.fullmatch(text)
    if not m:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is not a duration")
    sign, number, unit = m.groups()
    if sign == "-":
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is negative")
    if "." in number or "," in number:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is not a whole number")
    if not unit:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} has no unit")
    days_per = UNITS.get(unit.lower())
    if days_per is None:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{unit!r} in {text!r} is not a unit")
    days = int(number) * days_per
    if days > MAX_DURATION_DAYS:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is more than 100 years")
    return days


def format_duration(days: int) -> str:
    """21 -> '3 weeks'; for people reading a summary."""
    for unit, size in (("year", 365), ("month", 30), ("week", 7)):
        if days >= size and days % size == 0:
            n = days // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "began today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"


def parse_choice(question: Question, value: Any) -> str:
    if isinstance(value, str):
        word = _word(value)
        if word in question.choices:
            return word
        if word in question.aliases:
            return question.aliases[word]
        typed = TYPED_WORDS.get(question.key, {})
        if word in typed:
            return typed[word]
    problem = f"{show(value)} is not accepted" + _suggest(question, value)
    raise AnswerError(question.key, value, question.accepted(), problem)


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


def _as_list(values: Any) -> Any:
    """A list of the items of ``values``; ``values`` itself when it is not a list of any kind."""
    if hasattr(values, "tolist") and not isinstance(values, str):
        values = values.tolist()  # a numpy array or pandas Series, as data tools hold lists
    if isinstance(values, str):
        return split_items(values)
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        return values
    return [w for v in values for w in ((split_items(v) or [v]) if isinstance(v, str) else (v,))]


def parse_set(question: Question, values: Any) -> frozenset[str]:
    """A list (or a ';'/','-separated string) of choices -> a frozenset of canonical values.

    An item of a list may itself hold several values separated by ';' or ',' (as a CSV cell
    or one ``--red-flag fever,rash`` does): read the same way everywhere.
    """
    if question.key == "red_flags" and not isinstance(values, str) and is_blank(values):
        raise not_answered(values)
    if values is None:
        raise AnswerError(question.key, values, question.accepted(), "no value given")
    items = _as_list(values)
    if not isinstance(items, list):
        raise AnswerError(question.key, values, question.accepted(),
                          f"{show(values)} is not a list" + _suggest(question, values))
    if question.key == "red_flags" and any(type(v) is str and v.strip().lower() == "none" for v in items):
        if len(items) == 1:
            if items[0].strip() == "None":  # Python's and pandas' spelling of a missing value
                raise not_answered(values)
            return frozenset()  # "none": no warning sign, said in words
        raise AnswerError(question.key, values, NONE_ACCEPTED,
                          f"'none' cannot go with signs in {show(values)}; give the signs, or 'none' alone")
    return frozenset(parse_choice(question, v) for v in items)


NONE_ACCEPTED = 'give the ids of the signs present, or [] or "none" when no warning sign applies'


def not_answered(value: Any) -> AnswerError:
    """``red_flags`` given as null, NaN, None or pandas' NA (or the text ``None``, as Python and
    pandas write a missing value): not answered, which is never read as "none"."""
    what = "how Python and pandas write a missing value" if isinstance(value, str) else "a missing value"
    return AnswerError("red_flags", value, NONE_ACCEPTED,
                       f"not answered ({show(value)} is {what}, never read as no warning signs)")


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _number_like(value: Any) -> bool:
    """An int or float of any library (numpy, pandas), but not a bool of any library."""
    kind = type(value)
    return kind is not bool and kind.__name__ not in ("bool_", "bool") and (
        hasattr(kind, "__index__") or hasattr(kind, "is_integer") or isinstance(value, float))


def parse_bool(question: Question, value: Any) -> bool:
    """True/False, numpy or pandas booleans, 1/0 (also 1.0/0.0, as data tools write them), or words."""
    if isinstance(value, bool):
        return value
    if type(value).__name__ in ("bool_", "bool"):  # numpy's bool, e.g. from a pandas DataFrame
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    elif _number_like(value):
        try:
            if value == 1 or value == 0:
                return bool(value == 1)
        except Exception:  # noqa: BLE001 - an odd number type: refused below
            pass
    raise AnswerError(question.key, value, question.accepted(), f"{show(value)} is not yes or no")


def parse_int(question: Question, value: Any) -> int:
    """A whole number: an int of any library, a float with no fraction (3.0), or digits as text."""
    lo, hi = question.bounds or (0, 0)
    number: int | None = None
    kind = type(value)
    if kind is bool or kind.__name__ == "bool_":
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        years = _AGE_UNITS.fullmatch(text) if question.key == "age" else None
        if years:  # "40 years", "40 yrs", "40 years old"
            text = years.group(1)
        if len(text) > 20:  # more digits than any answer has; int() would refuse over 4300
            if text.lstrip("+-").isdigit():
                raise AnswerError(question.key, value, question.accepted(), f"{show(value)} is out of range")
        elif re.fullmatch(r"[+-]?\d+", text):
            number = int(text)
    elif hasattr(kind, "__index__"):
        try:
            number = value.__index__()  # numpy's integers, e.g. from a pandas DataFrame
        except Exception:  # noqa: BLE001 - refused below
            number = None
    elif isinstance(value, float) or hasattr(kind, "is_integer"):
        try:  # numpy's floats too; inf and nan have no whole value
            if value.is_integer():
                number = int(value)
        except Exception:  # noqa: BLE001 - refused below
            number = None
    if number is None:
        raise AnswerError(question.key, value, question.accepted(), f"{show(value)} is not a whole number")
    if not lo <= number <= hi:
        raise AnswerError(question.key, value, question.accepted(), f"{show(number)} is out of range")
    return number


def _is_normal(question: Question, value: Any) -> bool:
    """Already a normalised value (cheap check, so normalised answers are not parsed twice)."""
    kind = question.kind
    if kind == "set":
        return type(value) is frozenset and value <= question.choices.keys()
    if kind == "choice":
        return type(value) is str and value in question.choices
    if kind == "bool":
        return type(value) is bool
    lo, hi = question.bounds or (0, 0)
    return type(value) is int and lo <= value <= hi


def parse_answer(key: str, value: Any) -> Any:
    """One answer from outside (a flag, a prompt, a record) -> its normalised value."""
    question = QUESTIONS[key]
    if _is_normal(question, value):
        return value
    if key == "duration_days" and isinstance(value, str) and not value.strip().lstrip("+").isdigit():
        return parse_duration(value)
    if question.kind == "set":
        return parse_set(question, value)
    if question.kind == "choice":
        return parse_choice(question, value)
    if question.kind == "bool":
        return parse_bool(question, value)
    return parse_int(question, value)


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


DURATION_BOTH = "give duration or duration_days (or both with the same number of days)"


def longer_than_life(days: int, age: int) -> bool:
    """True when the pain has lasted longer than the person has lived (in whole years of age)."""
    return days >= (age + 1) * 365


# --- what people type at a prompt -------------------------------------------------------------

#: Words for "none of these" at a checklist.
NONE_WORDS = frozenset({"0", "none", "no", "n", "nothing", "none of these", "none of them"})
ZERO_WITH_OTHERS = "0 means none, so it cannot go with other numbers"
#: Words people type beyond the values and aliases, read alike by flags, prompts, batch, library.
TYPED_WORDS: dict[str, dict[str, str]] = {
    "radiation": {
        "no": "none", "n": "none", "nope": "none", "nowhere": "none", "arm": "arms", "both-arms": "arms",
        "one-arm": "arms", "leg": "legs", "both-legs": "legs", "one-leg": "legs", "both": "arms-and-legs",
        "arms-legs": "arms-and-legs", "legs-and-arms": "arms-and-legs",
    },
}
_AGE_UNITS = re.compile(r"\s*(\d+)\s*(?:y|yr|yrs|year|years)(?:\s+old)?\s*\.?\s*", re.IGNORECASE)


def read_picks(raw: str, values: list[str], words: Iterable[str] = (),
               unknown: list[str] | None = None) -> list[str]:
    """'1 3', '1,3', 'neck lower back' typed at a numbered list -> the values picked: numbers
    from ``values`` (1-based), words from them or ``words`` ("lower back" is lower-back). A slip
    raises AnswerError, or joins ``unknown`` when given. Pasted dashes are folded silently."""
    known = set(values) | set(words)
    typed = fold_text(raw).lower().replace(",", " ").replace(";", " ").replace("_", " ").split()
    out: list[str] = []
    slips: list[str] = []
    i = 0
    while i < len(typed):
        number = typed[i].rstrip(".")  # "3" or "3." from a list
        if number.isascii() and number.isdigit():
            on_list = 1 <= int(number) <= len(values)
            (out if on_list else slips).append(values[int(number) - 1] if on_list else number)
            i += 1
            continue
        # the longest run of words that is a value, else a slip
        j = next((j for j in range(len(typed), i, -1) if "-".join(typed[i:j]) in known), i)
        (out if j > i else slips).append("-".join(typed[i:j]) if j > i else typed[i])
        i = max(j, i + 1)
    if slips and unknown is None:
        raise AnswerError("choice", raw, "", not_on_list(raw, slips, bool(out)))
    (unknown if unknown is not None else []).extend(slips)
    return out


def not_on_list(raw: str, slips: list[str], picked: bool) -> str:
    """Why a typed answer is not on the list: the whole answer quoted back when none of it is
    ('yes please'), else the first word or number that is not."""
    said = raw.strip() if not picked and len(slips) > 1 else slips[0]
    return f"{said} is not on the list" if said.isdigit() else f"{show(said)} is not on the list"


def read_choice(key: str, raw: str, values: list[str], many: bool) -> Any:
    """A menu answer typed at a prompt (numbers or words) -> the answer's normalised value."""
    question = QUESTIONS[key]
    words = {**question.aliases, **TYPED_WORDS.get(key, {})}
    picked = [words.get(word, word) for word in read_picks(raw, values, words)]
    if not many and len(set(picked)) != 1:
        raise AnswerError(key, raw, "", "that is more than one answer" if picked else "no answer")
    return parse_answer(key, picked if many else picked[0])


def read_signs(raw: str, values: list[str]) -> tuple[frozenset[str], str]:
    """A checklist page's answer typed at a prompt -> the signs ticked, and a note of what was
    ignored: numbers from ``values``, any red-flag id in words, "0" or "none" alone for none. An
    emergency sign beside a slip is taken (the note names the slip); otherwise a slip, or 0 beside
    other numbers, raises AnswerError, in the same words at every checklist."""
    from spinetriage.core.vocabulary import RED_FLAGS, TIERS

    if " ".join(raw.lower().split()) in NONE_WORDS:
        return frozenset(), ""
    unknown: list[str] = []
    picked = parse_answer("red_flags", read_picks(raw, values, RED_FLAGS, unknown))
    if not unknown:
        return picked, ""
    why = ZERO_WITH_OTHERS if "0" in unknown else not_on_list(raw, unknown, bool(picked))
    if any(TIERS[sign] == "emergency" for sign in picked):
        return picked, f"Ignored {' '.join(unknown)}: {why if '0' in unknown else 'not on the list'}."
    raise AnswerError("red_flags", raw, "", why)
