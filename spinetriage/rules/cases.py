"""Checks of the example cases kept in a rules file: their ids, answers and expected outcome."""

from __future__ import annotations

from typing import Any

from spinetriage.core.answers import Answers
from spinetriage.core.errors import AnswerError
from spinetriage.core.parse import parse_rules_duration
from spinetriage.core.ruleset import CASE_KEYS, OUTCOME_IDS, Case
from spinetriage.core.vocabulary import QUESTIONS
from spinetriage.rules.hints import suggest as _suggest


class CaseChecks:
    """Mixin of ``Checker``: the ``cases`` list."""

    def cases(self, data: Any, path: tuple, rule_ids: set[str]) -> tuple[Case, ...]:
        if not isinstance(data, list):
            self.error(path, f"cases must be a list of cases (or leave cases out), not {self.kind(data, path)}")
            return ()
        out: list[Case] = []
        first_line: dict[str, int] = {}
        for i, item in enumerate(data):
            p = path + (i,)
            if not self.keys(item, p, CASE_KEYS, self.named(item, "case")):
                continue
            cid = self.ident(item, p, "case", first_line)
            expect = self.text(item, "expect", p, "expect")
            if expect and expect not in OUTCOME_IDS:
                self.error(p + ("expect",), f"unknown outcome {expect!r}{_suggest(expect, OUTCOME_IDS)}; "
                           f"outcomes are: {', '.join(OUTCOME_IDS)}")
            if "note" in item:
                self.text(item, "note", p, "note")
            matches = self.matches(item["matches"], p + ("matches",), rule_ids) if "matches" in item else None
            answers = self.case_answers(item["answers"], p + ("answers",)) if "answers" in item else None
            if cid and answers is not None and expect in OUTCOME_IDS and (matches is not None or "matches" not in item):
                line, col = self.at(p + ("id",))
                out.append(Case(cid, answers, expect, matches, line, col))
        return tuple(out)

    def matches(self, raw: Any, path: tuple, rule_ids: set[str]) -> tuple[str, ...] | None:
        if not isinstance(raw, list):
            self.error(path, f"matches must be a list of rule ids, not {self.kind(raw, path)}")
            return None
        ok = True
        for j, rid in enumerate(raw):
            if self.quote_hint(path + (j,), "matches"):
                ok = False
            elif not isinstance(rid, str):
                self.error(path + (j,), f"matches: expected a rule id, not {self.kind(rid, path + (j,))}")
                ok = False
            elif rid not in rule_ids:
                self.error(path + (j,), f"matches: no rule has the id {rid!r}{_suggest(rid, rule_ids)}")
                ok = False
        return tuple(raw) if ok else None

    def case_answers(self, data: Any, path: tuple) -> Answers | None:
        """The answers of a case, as strictly typed as the rules: true/false, whole numbers, listed words."""
        if not isinstance(data, dict):
            self.error(path, f"answers must be a mapping of answers, e.g. {{age: 40, red_flags: []}}, "
                       f"not {self.kind(data, path)}")
            return None
        ok = True
        values: dict[str, Any] = {}
        for key, value in data.items():
            kp = path + (key,)
            question = QUESTIONS.get(key)
            if key != "duration" and question is None:
                self.error(kp, f"unknown answer {key!r}{_suggest(key, ['duration', *QUESTIONS])}; answers are: "
                           f"duration, {', '.join(QUESTIONS)}", key=True)
                ok = False
                continue
            if value is None and kp not in self.src.yaml11_words:
                self.error(kp, f"{key} has no value; leave {key} out when the answer is not given")
                ok = False
                continue
            normal = self.case_value(key, question, value, kp)
            if normal is None:
                ok = False
            else:
                values["duration_days" if key == "duration" else key] = normal
        if "duration" in data and "duration_days" in data:
            self.error(path + ("duration_days",), "give duration or duration_days, not both", key=True)
            ok = False
        if not ok:
            return None
        try:
            return Answers(**values)
        except AnswerError as exc:
            self.error(path + (exc.field,), exc.describe(exc.field))
            return None

    def case_value(self, key: str, question: Any, value: Any, path: tuple) -> Any:
        """One answer of a case, normalised; None (with an error recorded) when it cannot be taken."""
        if question is None:  # duration: text with a unit
            if self.quote_hint(path, key) or not isinstance(value, str):
                if path not in self.src.yaml11_words:
                    self.error(path, f"duration: expected text with a unit such as 3d, 2w, 4m, 1y, "
                               f"not {self.kind(value, path)}")
                return None
            try:
                return parse_rules_duration(value)
            except AnswerError as exc:
                self.error(path, exc.describe("duration"))
                return None
        kind = question.kind
        if kind == "bool":
            return value if self.boolean(value, path, key) else None
        if kind == "int":
            if isinstance(value, str) and key == "duration_days" and path not in self.src.yaml11_words:
                self.error(path, f"duration_days: expected a whole number of days, not {self.kind(value, path)}; "
                           f"for a duration with a unit write duration: {value}")
                return None
            return self.number(question, value, path, "")
        if kind == "choice":
            return self.word(question, value, path, key)
        if not isinstance(value, list):
            self.error(path, f"{key}: expected a list such as [{next(iter(question.choices))}], "
                       f"not {self.kind(value, path)}")
            return None
        words = [self.word(question, item, path + (j,), key) for j, item in enumerate(value)]
        if any(w is None for w in words):
            return None
        if key == "location" and not words:
            self.error(path, "location: at least one location is needed")
            return None
        return frozenset(words)
