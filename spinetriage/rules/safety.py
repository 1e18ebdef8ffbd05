"""The safety invariant every rules file is held to: each emergency sign alone leads to emergency,
each urgent sign alone to at least urgent (the tiers are the vocabulary's, not the file's)."""

from __future__ import annotations

from spinetriage.core.answers import Answers
from spinetriage.core.errors import Problem
from spinetriage.core.ruleset import Condition, Rule, RuleSet, evaluate3
from spinetriage.core.vocabulary import TIERS
from spinetriage.rules.source import Source

#: The least urgent outcome a red flag of each tier must lead to on its own (answers.TIERS).
TIER_OUTCOMES = {"emergency": "emergency", "urgent": "urgent"}
#: Complete answers as calm as can be, beside one red flag: the second safety check runs the
#: compiled rules on these.
CALM_ANSWERS = {"location": frozenset(("lower-back",)), "duration_days": 3, "radiation": "none",
                "recurrent": False, "limits_activities": False, "age": 35}



def _signs_named(cond: Condition) -> set[str]:
    """The red-flag ids a condition tests for (only these can make it true with one sign)."""
    op = cond[0]
    if op in ("all", "any"):
        return set().union(*(_signs_named(c) for c in cond[1]))
    if cond[1] != "red_flags":
        return set()
    return {cond[2]} if op == "has" else set(cond[2])


def safety_problems(ruleset: RuleSet, src: Source | None = None) -> list[Problem]:
    """Every emergency sign on its own must lead to emergency, every urgent sign to at least urgent.

    The tiers are the vocabulary's (``answers.TIERS``), not the file's: a rules file cannot
    weaken them. Checked twice for each sign: with every other answer unknown, by the
    three-valued evaluator (so that the sign ends the questions), and with every other answer
    at its calmest complete value (``CALM_ANSWERS``), by the compiled rules. Each
    problem points at the rule that names the sign (its outcome, or its condition), or at
    the file's ``rules:`` key when no rule names it.
    """
    naming: dict[str, list[Rule]] = {}
    for rule in sorted(ruleset.rules, key=lambda r: (r.line, r.col)):  # in file order
        for sign in _signs_named(rule.condition):
            naming.setdefault(sign, []).append(rule)
    rank = {o.id: o.rank for o in ruleset.outcomes}
    problems = []
    for sign, tier in TIERS.items():
        need = TIER_OUTCOMES.get(tier)
        if need is None or need not in rank:
            continue
        alone = Answers(red_flags=frozenset((sign,)))
        candidates = naming.get(sign, [])
        partial = min((r.outcome.rank for r in candidates if evaluate3(r.condition, alone) is True), default=None)
        complete = partial
        if partial is not None and partial <= rank[need]:
            matched = ruleset.match_complete(Answers(red_flags=frozenset((sign,)), **CALM_ANSWERS))
            complete = ruleset.rules[matched[0]].outcome.rank if matched else ruleset.default.rank
            if complete <= rank[need]:
                continue
        problems.append(_safety_problem(ruleset, src, sign, tier, need, candidates, partial, complete))
    return problems


def _safety_problem(ruleset: RuleSet, src: Source | None, sign: str, tier: str, need: str,
                    candidates: list[Rule], partial: int | None, complete: int | None) -> Problem:
    least = "" if need == ruleset.top.id else "at least "
    head = f"the {tier} sign {sign!r} on its own must lead to {least}{need} (every rules file is held to this)"
    if partial is not None and complete is not None and complete > partial:
        got = ruleset.outcomes[complete].id
        return Problem(ruleset.file, candidates[0].line, candidates[0].col,
                       f"{head}, but with calm answers otherwise the rules give {got}")
    if not candidates:
        line, col = src.where(("rules",), key=True) if src is not None else (0, 0)
        return Problem(ruleset.file, line, col,
                       f"{head}, but no rule names it; add a rule such as: - {{id: {sign}, outcome: {need}, "
                       f"when: {{red_flags: {{includes: {sign}}}}}, reason: ..., source: ...}}")
    # the rule most likely meant to cover the sign: one that could match it (it waits on other
    # answers) before one that cannot, then the simplest condition, then the first in the file
    alone = Answers(red_flags=frozenset((sign,)))
    rule = min(candidates, key=lambda r: (evaluate3(r.condition, alone) is False, len(r.keys()),
                                          (r.line, r.col)))
    if partial is not None:  # it matches on its own, to a less urgent outcome
        got = ruleset.outcomes[partial].id
        where = rule.outcome_at if rule.outcome_at[0] else (rule.line, rule.col)
        others = "; ".join(f"rule {r.id!r} leads to {r.outcome.id}" for r in candidates[:3])
        return Problem(ruleset.file, *where, f"{head}, but it leads only to {got} ({others})")
    needs = sorted(rule.keys() - {"red_flags"})
    where = rule.when_at if rule.when_at[0] else (rule.line, rule.col)
    also = f"also needs {', '.join(needs)}" if needs else "needs other red flags as well"
    return Problem(ruleset.file, *where,
                   f"{head}, but no rule matches it alone: rule {rule.id!r} {also}; give the sign a rule "
                   f"of its own, when: {{red_flags: {{includes: {sign}}}}}")
