"""The example cases of a rules file, run through the engine, and the warnings ``rules validate``
prints (rules that can never match, rules no case exercises)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from spinetriage.core.answers import Answers
from spinetriage.core.engine import matching
from spinetriage.core.errors import Problem
from spinetriage.core.ruleset import Case, Condition, Rule, RuleSet, evaluate3
from spinetriage.core.vocabulary import QUESTIONS


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    outcome: str | None  # None when the answers were not enough for a result
    matched: tuple[str, ...]

    @property
    def passed(self) -> bool:
        if self.outcome != self.case.expect:
            return False
        return self.case.matches is None or set(self.case.matches) == set(self.matched)

    def explain(self) -> str:
        got = self.outcome or "no result (answers missing and no emergency rule matched)"
        text = f"expected {self.case.expect}, got {got}; rules matched: {', '.join(self.matched) or 'none'}"
        if self.case.matches is not None and set(self.case.matches) != set(self.matched):
            text += f"; expected rules: {', '.join(self.case.matches) or 'none'}"
        return text


def run_case(ruleset: RuleSet, case: Case) -> CaseOutcome:
    matched = matching(case.answers, ruleset)
    if matched is None:
        sure, _ = ruleset.match_partial(case.answers)
        return CaseOutcome(case, None, tuple(ruleset.rules[i].id for i in sure))
    outcome = ruleset.rules[matched[0]].outcome.id if matched else ruleset.default.id
    return CaseOutcome(case, outcome, tuple(ruleset.rules[i].id for i in matched))


def run_cases(ruleset: RuleSet) -> list[CaseOutcome]:
    return [run_case(ruleset, case) for case in ruleset.cases]


# --- warnings -----------------------------------------------------------------------------


def _samples(key: str, rules_conditions: list[Condition]) -> list[Any]:
    """Values of one answer that reach every branch of the given conditions."""
    q = QUESTIONS[key]
    if q.kind == "bool":
        return [False, True]
    if q.kind == "choice":
        return list(q.choices)
    if q.kind == "int":
        lo, hi = q.bounds or (0, 0)
        points = {lo, hi}
        for bound in _leaf_values(rules_conditions, key):
            for b in bound:
                points.update(v for v in (b - 1, b, b + 1) if lo <= v <= hi)
        return sorted(points)
    # A set answer is only ever tested for what it includes (includes, includes_any,
    # includes_all: no test matches fewer values), so the set of every value satisfies each
    # such test that any set does: one sample decides, whatever the number of ids a rule names
    # (all subsets of 30 ids were 2^30 samples).
    return [frozenset(q.choices)]


def _leaf_values(conditions: list[Condition], key: str) -> list[Any]:
    out = []
    stack = list(conditions)
    while stack:
        cond = stack.pop()
        if cond[0] in ("all", "any"):
            stack.extend(cond[1])
        elif cond[1] == key:
            out.append(cond[2])
    return out


def can_match(rule: Rule, limit: int = 200_000) -> bool | None:
    """Whether some answers make the rule match (None when too many combinations to try)."""
    keys = sorted(rule.keys())
    pools = [_samples(k, [rule.condition]) for k in keys]
    total = 1
    for pool in pools:
        total *= max(len(pool), 1)
    if total > limit:
        return None
    for combo in itertools.product(*pools):
        if evaluate3(rule.condition, Answers(**dict(zip(keys, combo)))) is True:
            return True
    return False


def warnings_for(ruleset: RuleSet) -> list[Problem]:
    """Rules that can never match, and rules no case exercises (printed; errors with --strict).

    ``rules validate`` asks this after loading; so the files of the rules' texts in other languages
    beside the rules file (``spine-pain.es.yaml``) are checked here too: a problem in one of them
    is a ``RulesError`` (exit 3), as a problem in the rules file is.
    """
    from spinetriage.rules.texts import check_siblings

    check_siblings(ruleset)
    out = []
    exercised = {rid for o in run_cases(ruleset) for rid in o.matched}
    for rule in ruleset.rules:
        if can_match(rule) is False:
            line, col = rule.when_at if rule.when_at[0] else (rule.line, rule.col)
            out.append(Problem(ruleset.file, line, col,
                               f"rule {rule.id!r} can never match: no answers satisfy its condition", "warning"))
        elif rule.id not in exercised:
            out.append(Problem(ruleset.file, rule.line, rule.col,
                               f"rule {rule.id!r} is not exercised by any case; add a case under cases: "
                               "that matches it", "warning"))
    return sorted(out, key=lambda p: (p.line, p.col))
