"""The one place that turns text into an answer's value, whether it comes from a flag, a prompt,
a batch record or a library caller: durations, choices, sets of ids (and signs written as a
person or a spreadsheet writes them), yes/no, whole numbers; and the messages for a value that
is not one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from spinetriage.core.errors import AnswerError
from spinetriage.core.i18n import N_, _
from spinetriage.core.near import (  # noqa: F401 - fold_text, valid_signs: read from here too
    _suggest,
    _word,
    did_you_mean,
    fold_text,
    split_items,
    valid_signs,
)
from spinetriage.core.vocabulary import (
    _DURATION,
    ANSWER_UNITS,
    DURATION_ACCEPTED,
    MAX_DURATION_DAYS,
    QUESTIONS,
    UNITS,
    Question,
)
from spinetriage.core.words import (  # noqa: F401 - NONE_WORDS, TYPED_WORDS, typed_word: read from here too
    NO,
    NO_SIGNS,
    NONE_WORDS,
    SPANISH_WORDS,
    TYPED_WORDS,
    YES,
    ZERO_WITH_OTHERS,
    age_with_unit,
    plain,
    typed_value,
    typed_word,
)

# --- parsing ----------------------------------------------------------------------------


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message: shortened, and safe for any value (a number with thousands
    of digits cannot be turned into text; a broken ``__repr__`` must not hide the real problem)."""
    if type(value) is int and not -10**limit < value < 10**limit:
        # no str(): the int-str limit
        return _("a number with {count}+ digits").format(count=f"{len(hex(value)) * 1.2:.0f}")
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
    if not isinstance(text, str) or len(text) > 40:  # > 40: never a duration; kept out of the cache
        raise _not_duration(text, _("{value} is not a duration"), show(text))
    if text.endswith(".") and text[:-1].rstrip()[-1:].isalpha():
        text = text[:-1]  # "2 weeks." as a sentence ends
    return _parse_duration_text(text)


def parse_rules_duration(text: Any) -> int:
    """A duration written in a rules file: as ``parse_duration``, with the English units only (the
    rules' JSON Schema allows those, so a file reads the same in an editor and in ``rules validate``)."""
    days = parse_duration(text)
    unit = _DURATION.fullmatch(text).group(3)  # type: ignore[union-attr] - parse_duration matched it
    if unit.lower() not in UNITS:
        raise AnswerError("duration", text, DURATION_ACCEPTED,
                          f"{text!r}: a rules file writes a duration with the English units "
                          "(d, w, m, y; days, weeks, months, years)")
    return days


def _not_duration(text: Any, problem: str, value: str, unit: str = "") -> AnswerError:
    return AnswerError("duration", text, _(DURATION_ACCEPTED), problem.format(value=value, unit=unit))


@lru_cache(maxsize=4096)  # keys are at most 40 characters long (see parse_duration)
def _parse_duration_text(text: str) -> int:
    """``"3w"`` -> 21 days. Accepts ``3d 2w 4m 1y`` and ``3 days``/``2 weeks``/... forms, and the
    Spanish ones in every language: ``3 días``, ``2 semanas``, ``4 meses``, ``1 año`` and ``3d 2s
    4m 1a`` (``vocabulary.SPANISH_UNITS``; accents and case do not matter).

    Raises AnswerError for no unit, an unknown unit, a negative or fractional number,
    or more than 100 years.
    """
    m = _DURATION.fullmatch(text)
    if not m:
        raise _not_duration(text, _("{value} is not a duration"), repr(text))
    sign, number, unit = m.groups()
    if sign == "-":
        raise _not_duration(text, _("{value} is negative"), repr(text))
    if "." in number or "," in number:
        raise _not_duration(text, _("{value} is not a whole number"), repr(text))
    if not unit:
        raise _not_duration(text, _("{value} has no unit"), repr(text))
    days_per = ANSWER_UNITS.get(plain(unit.lower()))
    if days_per is None:
        raise _not_duration(text, _("{unit} in {value} is not a unit"), repr(text), repr(unit))
    days = int(number) * days_per
    if days > MAX_DURATION_DAYS:
        raise _not_duration(text, _("{value} is more than 100 years"), repr(text))
    return days


def format_duration(days: int) -> str:
    """21 -> '3 weeks'; for people reading a summary (in the language in use: '3 semanas')."""
    for one, many, size in _SIZES:
        if days >= size and days % size == 0:
            n = days // size
            return _(one if n == 1 else many).format(count=n)
    if days == 0:
        return _("began today")
    return _(_SIZES[-1][0] if days == 1 else _SIZES[-1][1]).format(count=days)


_SIZES = ((N_("{count} year"), N_("{count} years"), 365), (N_("{count} month"), N_("{count} months"), 30),
          (N_("{count} week"), N_("{count} weeks"), 7), (N_("{count} day"), N_("{count} days"), 1))


def parse_choice(question: Question, value: Any) -> str:
    if isinstance(value, str):
        word = _word(value)
        if word in question.choices:
            return word
        if word in question.aliases:
            return question.aliases[word]
        found = typed_value(question.key, word)  # "nope", "cuello", "pierna", "peor"
        if found is not None:
            return found
    problem = _("{value} is not accepted").format(value=show(value)) + _suggest(question, value)
    raise AnswerError(question.key, value, question.accepted(), problem)


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
        raise AnswerError(question.key, values, question.accepted(), _("no value given"))
    items = _as_list(values)
    if not isinstance(items, list):
        raise AnswerError(question.key, values, question.accepted(),
                          _("{value} is not a list").format(value=show(values)) + _suggest(question, values))
    if question.key == "red_flags" and any(type(v) is str and plain(v.strip().lower()) in NO_SIGNS for v in items):
        if len(items) == 1:
            if items[0].strip() == "None":  # Python's and pandas' spelling of a missing value
                raise not_answered(values)
            return frozenset()  # "none" (or "ninguna"): no warning sign, said in words
        raise AnswerError(question.key, values, _(NONE_ACCEPTED),
                          _("'none' cannot go with signs in {values}; give the signs, or 'none' alone")
                          .format(values=show(values)))
    return frozenset(parse_choice(question, v) for v in items)


NONE_ACCEPTED = N_('give the ids of the signs present, or [] or "none" when no warning sign applies')


def not_answered(value: Any) -> AnswerError:
    """``red_flags`` given as null, NaN, None or pandas' NA (or the text ``None``, as Python and
    pandas write a missing value): not answered, which is never read as "none"."""
    if isinstance(value, str):
        problem = _("not answered ({value} is how Python and pandas write a missing value, never read as "
                    "no warning signs)")
    else:
        problem = _("not answered ({value} is a missing value, never read as no warning signs)")
    return AnswerError("red_flags", value, _(NONE_ACCEPTED), problem.format(value=show(value)))



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
        word = plain(value.strip().lower())
        if word in YES:
            return True
        if word in NO:
            return False
    elif _number_like(value):
        try:
            if value == 1 or value == 0:
                return bool(value == 1)
        except Exception:  # noqa: BLE001 - an odd number type: refused below
            pass
    raise AnswerError(question.key, value, question.accepted(), _("{value} is not yes or no").format(value=show(value)))


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
        years = age_with_unit().fullmatch(text) if question.key == "age" and not text.isdigit() else None
        if years:  # "40 years", "40 yrs", "40 years old"
            text = years.group(1)
        if len(text) > 20:  # more digits than any answer has; int() would refuse over 4300
            if text.lstrip("+-").isdigit():
                raise AnswerError(question.key, value, question.accepted(),
                                  _("{value} is out of range").format(value=show(value)))
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
        raise AnswerError(question.key, value, question.accepted(),
                          _("{value} is not a whole number").format(value=show(value)))
    if not lo <= number <= hi:
        raise AnswerError(question.key, value, question.accepted(),
                          _("{value} is out of range").format(value=show(number)))
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


DURATION_BOTH = N_("give duration or duration_days (or both with the same number of days)")


def longer_than_life(days: int, age: int) -> bool:
    """True when the pain has lasted longer than the person has lived (in whole years of age)."""
    return days >= (age + 1) * 365


# --- what people type at a prompt -------------------------------------------------------------

#: Words that join two picks in a typed list: skipped between them, never on their own.
CONNECTORS = frozenset({"and", "&", "+", "y", "e"})


def read_picks(raw: str, values: list[str], words: Iterable[str] = (),
               unknown: list[str] | None = None) -> list[str]:
    """'1 3', '1,3', 'neck lower back' typed at a numbered list -> the values picked: numbers
    from ``values`` (1-based), words from them or ``words`` ("lower back" is lower-back). A slip
    raises AnswerError, or joins ``unknown`` when given. Pasted dashes and accents are folded
    silently ("Espalda baja", "piérnas")."""
    known = set(values) | set(words)
    typed = plain(fold_text(raw).lower()).replace(",", " ").replace(";", " ").replace("_", " ").split()
    out: list[str] = []
    slips: list[str] = []
    i = 0
    while i < len(typed):
        if typed[i] in CONNECTORS and out and i < len(typed) - 1:
            i += 1  # "1 and 3", "cuello y espalda baja": between two picks only ("y" alone is a slip)
            continue
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
    return _("{value} is not on the list").format(value=said if said.isdigit() else show(said))


def read_choice(key: str, raw: str, values: list[str], many: bool) -> Any:
    """A menu answer typed at a prompt (numbers or words) -> the answer's normalised value."""
    question = QUESTIONS[key]
    words = {**question.aliases, **TYPED_WORDS.get(key, {})}
    picked = [words.get(word, word) for word in read_picks(raw, values, words)]
    if not many and len(set(picked)) != 1:
        raise AnswerError(key, raw, "", _("that is more than one answer") if picked else _("no answer"))
    return parse_answer(key, picked if many else picked[0])


def read_signs(raw: str, values: list[str]) -> tuple[frozenset[str], str]:
    """A checklist page's answer typed at a prompt -> the signs ticked, and a note of what was
    ignored: numbers from ``values``, any red-flag id in words, "0" or "none" alone for none. An
    emergency sign beside a slip is taken (the note names the slip); otherwise a slip, or 0 beside
    other numbers, raises AnswerError, in the same words at every checklist."""
    from spinetriage.core.vocabulary import RED_FLAGS, TIERS

    if plain(" ".join(raw.lower().split())) in NONE_WORDS:
        return frozenset(), ""
    unknown: list[str] = []
    picked = parse_answer("red_flags", read_picks(raw, values, RED_FLAGS, unknown))
    if not unknown:
        return picked, ""
    why = _(ZERO_WITH_OTHERS) if "0" in unknown else not_on_list(raw, unknown, bool(picked))
    if any(TIERS[sign] == "emergency" for sign in picked):
        return picked, _("Ignored {slips}: {why}.").format(
            slips=" ".join(unknown), why=why if "0" in unknown else _("not on the list"))
    raise AnswerError("red_flags", raw, "", why)
