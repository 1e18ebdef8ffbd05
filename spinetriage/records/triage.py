"""Triage one record into the line batch writes: ``Triager`` (the parser with bounded caches and the
compiled matcher), ``triage_record`` (the library call: exactly the line, as a dict) and
``triage_lines`` (a block of lines).

One path for every record: ``AnswerParser.parse_each`` (the parser ``triage`` uses, here with a
cache of the raw values it has read) and the rules' generated matcher for complete answers, or
the engine's ``decide`` when an answer is missing or bad.
"""

from __future__ import annotations

import json
import math
import os
from json.encoder import encode_basestring_ascii
from typing import Any

from spinetriage.core.answers import AnswerParser, Answers
from spinetriage.core.engine import decide, phase_of
from spinetriage.core.errors import AnswerError, MissingAnswers
from spinetriage.core.parse import show
from spinetriage.core.ruleset import RuleSet
from spinetriage.records.jsonl import _BigNumber
from spinetriage.records.lines import _SEVEN, CACHE_BYTES, CACHE_MAX
from spinetriage.records.rescue import NOT_AN_OBJECT
from spinetriage.rules.load import load_rules

# --- triaging one record ----------------------------------------------------------------


def _missing_message(exc: MissingAnswers) -> str:
    names = ["duration (or duration_days)" if f == "duration_days" else f for f in exc.fields]
    return ("missing answers: " + ", ".join(names)
            + " (every answer is needed unless an emergency red flag is present)")


def _id_json(value: Any) -> tuple[str, str | None]:
    """The id as JSON text, and why it could not be echoed (then it is ``null``).

    NaN and Infinity (which JSON cannot carry) and whole numbers JSON readers may refuse
    (over 4000 digits) are echoed as text: "NaN", "Infinity", "-Infinity", the digits.
    """
    kind = type(value)
    if kind is str:
        try:
            value.encode()
        except UnicodeEncodeError:
            return "null", "id: not UTF-8 text, so it cannot be echoed"
        return encode_basestring_ascii(value), None
    if value is None:
        return "null", None
    if kind is int and -10**15 < value < 10**15:
        return str(value), None
    if isinstance(value, float) and not math.isfinite(value):
        return encode_basestring_ascii(repr(value).replace("inf", "Infinity").replace("nan", "NaN")), None
    if isinstance(value, _BigNumber):
        return "null", f"id: {value!r}, too long to echo"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**4000:
        return "null", "id: a number with over 4000 digits, too long to echo"
    try:
        return json.dumps(value, allow_nan=False, default=_jsonable), None
    except RecursionError:
        return "null", "id: nested too deeply to echo"
    except (ValueError, TypeError):
        return "null", f"id: {show(value)} cannot be written as JSON"


def _jsonable(value: Any) -> Any:
    """Ids from data tools (numpy numbers, timestamps ...) as JSON values."""
    kind = type(value)
    if kind.__name__ in ("bool_", "bool"):
        return bool(value)
    if hasattr(kind, "__index__"):
        return value.__index__()
    if hasattr(value, "is_integer"):
        return float(value)
    return str(value)


class Triager:
    """One rules set's record -> output line, with bounded caches (one per process)."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.match = rules.match_function()
        self.parser = AnswerParser(CACHE_MAX, CACHE_BYTES)
        self.suffixes: dict[tuple[tuple[int, ...], str | None], tuple[str, str]] = {}
        self.suffix_chars = 0

    def suffix(self, matched: tuple[int, ...], phase: str | None) -> tuple[str, str]:
        """The outcome line after its id (without the closing brace), and the outcome id."""
        key = (matched, phase)
        entry = self.suffixes.get(key)
        if entry is None:
            rules = self.rules.rules
            outcome = rules[matched[0]].outcome.id if matched else self.rules.default.id
            text = (f', "outcome": {json.dumps(outcome)}, "reasons": '
                    f'{json.dumps([rules[i].id for i in matched])}, "phase": {json.dumps(phase)}')
            if len(self.suffixes) >= CACHE_MAX or self.suffix_chars > CACHE_BYTES:
                self.suffixes.clear()
                self.suffix_chars = 0
            entry = self.suffixes[key] = (text, outcome)
            self.suffix_chars += len(text) + 8 * len(matched)
        return entry

    def line(self, record: Any, number: int | None, problem: str | None = None,
             bad: str | None = None) -> tuple[str, str | None]:
        """(the output line with its newline, the outcome id or None for an error line).

        ``problem``: the record could not be read at all; ``bad``: the line's bytes are not
        UTF-8 (an error, or an ignored value when an emergency sign decides).
        """
        if problem is None and type(record) is not dict:
            record, problem = _as_dict(record)
        record_id = record.get("id") if type(record) is dict else None
        if problem is not None:
            return self.error(record_id, number, problem)
        values, errors = self.parser.parse_each(record)
        if not errors and bad is None and len(values) - ("course" in values) == _SEVEN:
            matched = self.match(**values)
            phase = phase_of(values["duration_days"])
            ignored: list[str] = []
        else:
            answers = Answers(**values)
            messages = [e.describe(e.field) for e in errors]
            if bad is not None:
                messages.insert(0, bad)
                errors = [*errors, AnswerError("record", None, "", bad)]
            try:
                matched = decide(answers, self.rules, errors)
            except AnswerError:
                return self.error(record_id, number, messages[0])
            except MissingAnswers as exc:
                return self.error(record_id, number, _missing_message(exc))
            phase = phase_of(answers.duration_days)
            ignored = messages
        id_text, id_problem = _id_json(record_id)
        if id_problem is not None:
            if not self.rules.is_top(matched):
                return self.error(None, number, id_problem)
            ignored = [*ignored, id_problem]
        text, outcome = self.suffix(matched, phase)
        if ignored:
            return '{"id": ' + id_text + text + ', "ignored": ' + json.dumps(ignored) + "}\n", outcome
        return '{"id": ' + id_text + text + "}\n", outcome

    def error(self, record_id: Any, number: int | None, message: str) -> tuple[str, None]:
        id_text, id_problem = _id_json(record_id)
        if id_problem is not None:
            message += f" (and {id_problem})"
        line = "null" if number is None else str(number)
        return '{"id": ' + id_text + ', "line": ' + line + ', "error": ' + encode_basestring_ascii(message) + "}\n", None


def _as_dict(record: Any) -> tuple[Any, str | None]:
    """A mapping of another kind (a pandas row, a Spark Row's dict, an ``Answers``...) as a dict."""
    if isinstance(record, Answers):  # its unasked answers (None) are not answered, red_flags too
        return record.as_dict(), None
    try:
        items = record.items() if hasattr(record, "items") else record.asDict().items()
        return {str(k) if not isinstance(k, str) else k: v for k, v in items}, None
    except Exception:  # noqa: BLE001 - anything that is not a mapping
        return None, NOT_AN_OBJECT


_TRIAGERS: dict[int, tuple[RuleSet, Triager]] = {}


def triager_for(rules: RuleSet) -> Triager:
    entry = _TRIAGERS.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_TRIAGERS) >= 8:
            _TRIAGERS.clear()
        entry = _TRIAGERS[id(rules)] = (rules, Triager(rules))
    return entry[1]


def triage_record(record: Any, rules: RuleSet | None = None) -> dict[str, Any]:
    """Exactly the line ``spinetriage batch`` writes for ``record``, as a dict; never raises on bad data.

    ``record``: a mapping with the batch fields (a dict, a pandas row, a Spark ``Row.asDict()``).
    Returns ``{"id", "outcome", "reasons", "phase"}`` (plus ``"ignored"`` when an emergency sign
    decided despite bad values), or ``{"id", "line", "error"}`` with ``line`` None (the library
    knows no line numbers). Values as data tools write them are read as meant: NaN, None and
    pandas NA mean not answered (in ``red_flags`` too: an error naming it, unless an emergency
    sign decides; none present is ``[]``, ``"none"`` or empty text); 1.0/0.0 and numpy integers
    and booleans are accepted. ``rules``: a ``RuleSet`` from ``load_rules``, a rules file's
    path, or None for the shipped rules. Raises only ``RulesError`` when those rules cannot be
    loaded, and ``TypeError`` for a ``rules`` of another kind.
    """
    if rules is None or isinstance(rules, (str, os.PathLike)):
        rules = load_rules(rules)
    elif not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet from spinetriage.load_rules(), a rules file's path or None, "
                        f"not {type(rules).__name__}")
    triager = triager_for(rules)
    try:
        text, _ = triager.line(record, None)
    except Exception as exc:  # noqa: BLE001 - the promise: an error line, never an exception
        text, _ = triager.error(None, None, f"this record cannot be read ({type(exc).__name__})")
    return json.loads(text)


# --- the run ----------------------------------------------------------------------------


def triage_lines(triager: Triager, reader: Any, first: int, lines: Any) -> tuple[str, dict[str, int], int, int]:
    """One block of lines (see ``_chunks``) -> (output text, outcome counts, records, errors)."""
    out: list[str] = []
    counts: dict[str, int] = {}
    errors = 0
    line = triager.line
    read = reader.record
    for number, raw in enumerate(lines.split(b"\n") if type(lines) is bytes else lines, first):
        got = read(raw, number)
        if got is None:
            continue
        record, problem, bad = got
        text, outcome = line(record, number, problem, bad)
        out.append(text)
        if outcome is None:
            errors += 1
        else:
            counts[outcome] = counts.get(outcome, 0) + 1
    return "".join(out), counts, len(out), errors
