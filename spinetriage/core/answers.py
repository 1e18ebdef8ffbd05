"""Normalised answers (``Answers``) and the parser that reads a whole record into them
(``AnswerParser``): every reading path, flags, prompts, batch and the library, goes through it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Mapping

from spinetriage.core.errors import AnswerError
from spinetriage.core.i18n import _
from spinetriage.core.record import Frozen
from spinetriage.core.parse import (
    DURATION_BOTH,
    did_you_mean,
    fold_text,
    format_duration,
    is_blank,
    longer_than_life,
    not_answered,
    parse_answer,
    parse_duration,
    show,
    valid_signs,
)
from spinetriage.core.vocabulary import ANSWER_KEYS, QUESTIONS


class AnswerParser:
    """Reads a record's raw answers into normalised values: the one answer parser.

    (One class of about 140 lines: its methods share the value cache and the per-record
    bookkeeping of what was read, rescued and refused.)

    ``parse_each`` is what ``Answers.parse_each`` (and so ``triage``) and batch use. With a
    cache (``max_entries`` > 0), each text or list value parsed without error is remembered
    per answer, so a batch of records with the same few values parses each value once; the
    cache holds at most ``max_entries`` values and ``max_bytes`` characters of them, and
    starts afresh when either is reached. Only values that were accepted are kept, keyed by
    exactly the raw text (or the tuple of a list's texts), so a hit is always what parsing
    that value again would give.
    """

    def __init__(self, max_entries: int = 0, max_bytes: int = 1 << 20):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.caches: dict[str, dict[Any, Any]] = {key: {} for key in (*QUESTIONS, "duration")}
        self.size = 0

    def value(self, key: str, raw: Any) -> Any:
        """One raw, non-blank answer -> its normalised value (``key`` may be ``duration``)."""
        kind = type(raw)
        if kind is str or kind is list:
            cache = self.caches[key]
            try:
                ck = raw if kind is str else tuple(raw)
                hit = cache.get(ck)
            except TypeError:  # an unhashable item: parse it (and fail) below
                ck = hit = None
            if hit is not None:
                return hit
            value = self._parse(key, raw)
            if ck is not None and self.max_entries:
                size = len(raw) if kind is str else sum(len(v) for v in raw)  # accepted: all text
                if len(cache) >= self.max_entries or self.size + size > self.max_bytes:
                    for c in self.caches.values():
                        c.clear()
                    self.size = 0
                cache[ck] = value
                self.size += size
            return value
        return self._parse(key, raw)

    @staticmethod
    def _parse(key: str, raw: Any) -> Any:
        if key == "duration":
            return parse_duration(raw)  # text with a unit, always
        value = parse_answer(key, raw)
        if key == "location" and not value:
            raise AnswerError("location", raw, QUESTIONS["location"].accepted(), _("at least one location is needed"))
        return value

    def parse_each(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], list[AnswerError]]:
        """(normalised values by answer key, an error for each value that cannot be read).

        Blank values (``is_blank``) are not given, except that a blank ``red_flags`` means none
        present. ``duration`` (text) stands for ``duration_days``; with both, a blank one is
        ignored and two that agree are taken. Unknown keys are errors (``id`` is allowed).
        """
        values: dict[str, Any] = {}
        errors: list[AnswerError] = []
        both = "duration" in record and "duration_days" in record
        caches = self.caches
        rescued: frozenset[str] = frozenset()  # signs under a key that is not an answer's
        for key, raw in record.items():
            # Already seen, or already normal: the same value as parsing it again (see value()).
            kind = type(raw)
            if kind is str or kind is list:
                cache = caches.get(key)
                if cache is not None and not both:
                    try:
                        hit = cache.get(raw if kind is str else tuple(raw))
                    except TypeError:
                        hit = None
                    if hit is not None:
                        values[_NAMES[key]] = hit
                        continue
            elif kind is bool:
                if key in _BOOLS:
                    values[key] = raw
                    continue
            elif kind is int:
                bounds = _INTS.get(key)
                if bounds is not None and bounds[0] <= raw <= bounds[1] and not both:
                    values[key] = raw
                    continue
            if key == "id":
                continue
            if isinstance(raw, Iterator):  # read once: kept for valid_signs if it holds a bad item
                raw = list(raw)
                kind = list
            try:
                if raw is None or (kind is not list and is_blank(raw)):
                    if key == "red_flags":
                        if kind is not str:  # null, NaN, pandas' NA: not answered, never "none"
                            raise not_answered(raw)
                        values[key] = frozenset()  # an empty cell: none present
                    elif key not in QUESTIONS and key != "duration":
                        raise self.unknown(key, raw)
                    continue
                if key == "duration":
                    days = self.value(key, raw)
                    if both and "duration_days" in values and values["duration_days"] != days:
                        raise self.disagree(record)
                    values["duration_days"] = days
                elif key in QUESTIONS:
                    value = self.value(key, raw)
                    if key == "duration_days" and both and "duration_days" in values and values[key] != value:
                        raise self.disagree(record)
                    values[key] = value
                else:
                    raise self.unknown(key, raw)
            except AnswerError as exc:
                errors.append(exc)
                if key == "red_flags":
                    values[key] = valid_signs(raw)
                elif key not in QUESTIONS and key != "duration":  # a misspelt key: its signs are kept
                    rescued |= valid_signs(raw)
                elif key in ("duration", "duration_days") and both:
                    values.pop("duration_days", None)  # unknown: never one half of a disagreement
        if rescued:  # only ever beside an error: they can decide only when they give an emergency
            values["red_flags"] = values.get("red_flags", frozenset()) | rescued
        age, days = values.get("age"), values.get("duration_days")
        if age is not None and days is not None and longer_than_life(days, age):
            del values["age"], values["duration_days"]  # which one is wrong cannot be told
            errors.append(AnswerError("duration", days, _("check the age and how long the pain has lasted"),
                                      _("{duration} of pain is longer than an age of {age}")
                                      .format(duration=format_duration(days), age=age)))
        return values, errors

    @staticmethod
    def unknown(key: Any, raw: Any) -> AnswerError:
        return AnswerError(str(key) or _("(a column with no name)"), raw,
                           _("accepted fields: {fields}").format(fields=", ".join(("id", "duration", *ANSWER_KEYS))),
                           _("unknown field {field}").format(field=show(key)) + _field_suggestion(key, raw))

    @staticmethod
    def disagree(record: Mapping[str, Any]) -> AnswerError:
        text, days = record["duration"], record["duration_days"]
        return AnswerError("duration", text, _(DURATION_BOTH),
                           _("duration {text} and duration_days {days} disagree").format(text=show(text), days=show(days)))


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_text(name).lower())


def _field_suggestion(key: Any, raw: Any) -> str:
    """`` (did you mean 'red_flags'?)`` for ``redFlags``, ``red flags``, ``RED_FLAG`` ..., or for
    any unknown key whose value holds a red-flag id; ``""`` when nothing is close."""
    fields_ = ("id", "duration", *ANSWER_KEYS)
    if isinstance(key, str) and len(key) <= 100:
        squashed = {_squash(f): f for f in fields_}
        word = _squash(key)
        close = squashed.get(word) or squashed.get(word + "s")
        if close is None and word:
            import difflib  # only on a mistake

            near = difflib.get_close_matches(word, list(squashed), n=1, cutoff=0.8)
            close = squashed[near[0]] if near else None
        if close is not None:
            return did_you_mean(repr(close))
    return did_you_mean(repr("red_flags")) if valid_signs(raw) else ""


_NAMES = {**{key: key for key in QUESTIONS}, "duration": "duration_days"}
_BOOLS = frozenset(key for key, q in QUESTIONS.items() if q.kind == "bool")
_INTS = {key: q.bounds for key, q in QUESTIONS.items() if q.kind == "int" and q.bounds}
_OPTIONAL = frozenset(key for key, q in QUESTIONS.items() if q.optional)
_PARSER = AnswerParser()  # no cache: library calls parse exactly what they are given


# --- the answers ------------------------------------------------------------------------


class Answers(Frozen):
    """Normalised answers. ``None`` means not asked (or not given). ``course``: better, same or
    worse since the last check; optional (asked at a re-check)."""

    FIELDS = ANSWER_KEYS  # location, duration_days, radiation, recurrent, limits_activities, age, red_flags, course
    location: frozenset[str] | None
    duration_days: int | None
    radiation: str | None
    recurrent: bool | None
    limits_activities: bool | None
    age: int | None
    red_flags: frozenset[str] | None
    course: str | None

    def __init__(self, location: Any = None, duration_days: Any = None, radiation: Any = None, recurrent: Any = None,
                 limits_activities: Any = None, age: Any = None, red_flags: Any = None, course: Any = None) -> None:
        # Library callers may pass plain lists and strings; normalise and check them here.
        values = self.__dict__
        for name, value in zip(ANSWER_KEYS, (location, duration_days, radiation, recurrent, limits_activities, age,
                                             red_flags, course)):
            values[name] = value if value is None else parse_answer(name, value)
        if values["location"] is not None and not values["location"]:
            raise AnswerError("location", [], QUESTIONS["location"].accepted(), _("at least one location is needed"))

    @classmethod
    def from_mapping(cls, record: Mapping[str, Any]) -> "Answers":
        """Answers from a mapping with the keys of the JSON ``answers``.

        ``duration`` (text such as ``"3w"``) may stand for ``duration_days``. Unknown keys
        are refused so that a misspelt field is never silently ignored; ``id`` is allowed.
        Raises the first ``AnswerError``; ``parse_each`` gives all of them.
        """
        answers, errors = cls.parse_each(record)
        if errors:
            raise errors[0]
        return answers

    @classmethod
    def parse_each(cls, record: Mapping[str, Any]) -> tuple["Answers", list[AnswerError]]:
        """Every answer that can be read, and an error for each one that cannot (left unknown).

        Lets an emergency sign decide the result even when another answer is bad. The values
        are read by ``AnswerParser.parse_each``, the one parser batch uses too.
        """
        values, errors = _PARSER.parse_each(record)
        return cls(**values), errors

    def with_(self, **changes: Any) -> "Answers":
        return self.replace(**changes)

    def missing(self) -> list[str]:
        """The required answers not given (an optional one, such as ``course``, is never missing)."""
        values = self.__dict__
        return [name for name in ANSWER_KEYS if values[name] is None and name not in _OPTIONAL]

    def as_dict(self) -> dict[str, Any]:
        """The JSON ``answers`` object: lists in vocabulary order, unasked answers null."""
        out: dict[str, Any] = {}
        for name, value in zip(ANSWER_KEYS, self._values()):
            if isinstance(value, frozenset):
                value = [v for v in QUESTIONS[name].choices if v in value]
            out[name] = value
        return out
