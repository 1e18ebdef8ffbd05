"""Checks of a rule's condition (``when``): its answers, tests and values, and that it can only
match more as answers are added ("Only upwards", rules/README.md), decided from its form."""

from __future__ import annotations

from typing import Any

from spinetriage.core.errors import AnswerError
from spinetriage.core.parse import parse_rules_duration
from spinetriage.core.ruleset import OPERATORS, Condition
from spinetriage.core.vocabulary import QUESTIONS
from spinetriage.rules.hints import suggest as _suggest

#: The article's first criterion: pain that has lasted 4 weeks or more "persists beyond a few weeks".
PERSISTS_DAYS = 28
#: Adding an answer never lowers the outcome, so no condition may match an answer only while a
#: criterion is off. The grammar has no negation; these are the forms that would be one.
_ONLY_UP = "adding an answer must never lower the outcome (rules/README.md, \"Only upwards\"):"
_CRITERIA = {"recurrent": "the pain keeps coming back", "limits_activities": "the pain limits daily activities"}
#: For a choice answer, which values a value leads up to (none -> any spread; one limb -> both).
#: For the course since the last check, worse is "more": better < same < worse.
_UP_FROM = {"radiation": {"arms": ("none",), "legs": ("none",),
                          "arms-and-legs": ("none", "arms", "legs")},
            "course": {"same": ("better",), "worse": ("better", "same")}}


class ConditionChecks:
    """Mixin of ``Checker``: conditions, their tests and values (short methods, one per kind of
    node; about 140 lines)."""

    def condition(self, data: Any, path: tuple) -> Condition | None:
        if isinstance(data, dict) and len(data) > 1:
            self.error(path, "a condition has one key; to need all of several things, list them under all: "
                       "(e.g. all: [{age: {at_least: 50}}, {duration_days: {at_least: 4w}}]), "
                       "for any one of them, under any:")
            return None
        if not isinstance(data, dict) or not data:
            self.error(path, "a condition is a mapping with one key: all, any, or an answer "
                       f"({', '.join(QUESTIONS)}), not {self.kind(data, path)}")
            return None
        (key, body), = data.items()
        p = path + (key,)
        if key in ("all", "any"):
            if not isinstance(body, list) or not body:
                self.error(p, f"{key} must be a list of conditions, not {self.kind(body, p)}")
                return None
            subs = [self.condition(c, p + (i,)) for i, c in enumerate(body)]
            return (key, subs) if all(subs) else None
        if key not in QUESTIONS:
            self.error(p, f"unknown answer {key!r}{_suggest(key, list(QUESTIONS) + ['all', 'any'])}; "
                       f"answers are: {', '.join(QUESTIONS)} (or all, any)", key=True)
            return None
        question = QUESTIONS[key]
        ops = OPERATORS[question.kind]
        if not isinstance(body, dict) or not body:
            self.error(p, f"{key} needs a test: " + ", ".join(f"{o} ({w})" for o, w in ops.items()))
            return None
        leaves = []
        for op, value in body.items():
            leaf = self.leaf(question, op, value, p + (op,), ops)
            if leaf:
                leaves.append(leaf)
        if len(leaves) != len(body):
            return None
        return leaves[0] if len(leaves) == 1 else ("all", leaves)

    def boolean(self, value: Any, path: tuple, label: str) -> bool:
        """True for a real true/false; otherwise records why not (yes/no words, other values)."""
        if path in self.src.yaml11_words:
            self.error(path, f"{label}: write true or false, not {self.src.yaml11_words[path]}")
            return False
        if not isinstance(value, bool):
            self.error(path, f"{label}: expected true or false, not {self.kind(value, path)}")
            return False
        return True

    def leaf(self, question: Any, op: Any, value: Any, path: tuple, ops: dict[str, str]) -> Condition | None:
        key = question.key
        if op not in ops:
            self.error(path, f"{op!r} is not a test for {key}{_suggest(op, ops)}; tests for {key}: "
                       + ", ".join(f"{o} ({w})" for o, w in ops.items()), key=True)
            return None
        kind = question.kind
        if kind == "bool":
            if not self.boolean(value, path, f"{key} {op}"):
                return None
            if value is False:
                self.error(path, f"{key} is false: {_ONLY_UP} this rule would match only while the answer "
                           f"is no and stop matching when the person says yes ({_CRITERIA[key]}); test for "
                           "true, or ask for a new question (such as a first episode) rather than negating "
                           "this one")
                return None
            return ("is", key, value)
        if kind == "int":
            number = self.number(question, value, path, op)
            if number is None:
                return None
            lo, hi = question.bounds or (0, 0)
            bounds = {"at_least": (number, hi), "at_most": (lo, number),
                      "above": (number + 1, hi), "below": (lo, number - 1)}[op]
            if key == "duration_days" and bounds[1] <= PERSISTS_DAYS:
                self.error(path, f"duration_days {op} {value}: {_ONLY_UP} this window closes at or below "
                           f"4 weeks ({bounds[1]} days), so the rule would stop matching when the pain has "
                           "lasted 4 weeks or more; let it close later (as over-50-not-improving closes at "
                           "1 year) or leave the short durations to the outcome no rule gives")
                return None
            return ("range", key, bounds)
        many = ops[op].startswith("a list")
        if many and not (isinstance(value, list) and value):
            self.error(path, f"{key} {op} takes a list of values, e.g. [{', '.join(list(question.choices)[:2])}], "
                       f"not {self.kind(value, path)}")
            return None
        items = value if many else [value]
        words = []
        for i, item in enumerate(items):
            word = self.word(question, item, path + (i,) if many else path, f"{key} {op}")
            if word is None:
                return None
            words.append(word)
        if kind == "set":
            if op == "includes":
                return ("has", key, words[0])
            return ("has_any" if op == "includes_any" else "has_all", key, frozenset(words))
        wanted = frozenset(words)
        missing = [v for v in _UP_FROM.get(key, {}) if any(w in wanted for w in _UP_FROM[key][v])
                   and v not in wanted]
        if missing:
            self.error(path, f"{key} {op} {', '.join(words)}: {_ONLY_UP} a rule that matches "
                       f"{' or '.join(words)} must also match {', '.join(missing)}, or it would stop "
                       "matching when the pain spreads further; add "
                       f"{', '.join(missing)} to the list")
            return None
        return ("in", key, wanted)

    def number(self, question: Any, value: Any, path: tuple, op: str) -> int | None:
        key = question.key
        label = f"{key} {op}" if op else key
        if key == "duration_days" and isinstance(value, str) and path not in self.src.yaml11_words:
            try:
                return parse_rules_duration(value)
            except AnswerError as exc:
                self.error(path, f"{label}: {exc.problem}; write a number of days, or a whole number "
                           "with a unit: 3d, 2w, 4m, 1y")
                return None
        if isinstance(value, bool) or not isinstance(value, int):
            what = "a whole number of days or a duration such as 4w" if key == "duration_days" else "a whole number"
            self.error(path, f"{label}: expected {what}, not {self.kind(value, path)}")
            return None
        lo, hi = question.bounds or (0, 0)
        if not lo <= value <= hi:
            self.error(path, f"{label}: {value} is outside {lo}-{hi}")
            return None
        return value

    def word(self, question: Any, value: Any, path: tuple, label: str) -> str | None:
        """One value of a choice or set answer, exactly as listed (or one of its aliases)."""
        if self.quote_hint(path, label):
            return None
        if not isinstance(value, str):
            self.error(path, f"{label}: expected one of {', '.join(question.choices)}, not {self.kind(value, path)}")
            return None
        if value in question.choices:
            return value
        if value in question.aliases:
            return question.aliases[value]
        also = f" (also {', '.join(question.aliases)})" if question.aliases else ""
        self.error(path, f"{label}: unknown value {value!r}{_suggest(value, list(question.choices) + list(question.aliases))}; "
                   f"values: {', '.join(question.choices)}{also}")
        return None
