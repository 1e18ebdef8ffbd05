"""What a rules change moves: every answer set whose outcome differs between two rules files.

``spinetriage rules diff OLD NEW`` compares the two files over

- the example cases of both files;
- an answer space enumerated from both files: every set of locations, the durations and ages
  just below and at each threshold either file uses (and the least value), every radiation,
  recurrent and limits value, and red-flag sets of size 0, 1 and 2 over every id (plus any
  larger set a rule names);
- optionally the records of a batch input file.

The enumerated space has millions of points, so it is not run point by point: for each
combination of the answers other than the red flags, every rule is first evaluated as far as
those answers go, leaving a residual condition on the red flags alone (or a plain true or
false). Combinations that leave the same residuals behave alike for every set of red flags,
so each distinct pair of residual rule lists (old file, new file) is evaluated once per red-
flag set and counted as many times as it occurs. The result is exact: tests compare it with
the compiled matcher ``batch`` uses, point by point, on samples.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from spinetriage.core.answers import Answers
from spinetriage.core.engine import matching
from spinetriage.core.ruleset import Condition, RuleSet, passes
from spinetriage.core.vocabulary import QUESTIONS, RED_FLAGS
from spinetriage.rules.safety import CALM_ANSWERS

#: What an answer set that gives no result (answers missing, no emergency) counts as.
NO_RESULT = "no-result"
#: Exit codes of ``rules diff`` (CONTRACT.md): no change, only upgrades, any downgrade.
EXIT_SAME, EXIT_UPGRADES, EXIT_DOWNGRADES = 0, 1, 4
#: Decider pairs and examples kept for each transition.
KEEP = 5


# --- the enumerated space ---------------------------------------------------------------------


def _leaves(cond: Condition) -> Iterator[Condition]:
    if cond[0] in ("all", "any"):
        for sub in cond[1]:
            yield from _leaves(sub)
    else:
        yield cond


def _points(rulesets: Iterable[RuleSet], key: str) -> list[int]:
    """The values of a number answer just below and at each threshold the rules use, and its least."""
    lo, hi = QUESTIONS[key].bounds or (0, 0)
    points = {lo}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            for leaf in _leaves(rule.condition):
                if leaf[1] == key and leaf[0] == "range":
                    start, end = leaf[2]
                    points.update((start - 1, start, end, end + 1))
    return sorted(p for p in points if lo <= p <= hi)


def flag_sets(rulesets: Iterable[RuleSet]) -> list[frozenset[str]]:
    """Red-flag sets of size 0, 1 and 2 over every id, and any larger set a rule names together."""
    ids = sorted(RED_FLAGS)
    sets = [frozenset()] + [frozenset((i,)) for i in ids] + [frozenset(p) for p in itertools.combinations(ids, 2)]
    seen = set(sets)
    for ruleset in rulesets:
        for rule in ruleset.rules:
            named = frozenset(x for leaf in _leaves(rule.condition) if leaf[1] == "red_flags"
                              for x in ((leaf[2],) if leaf[0] == "has" else leaf[2]))
            if len(named) > 2 and named not in seen:
                seen.add(named)
                sets.append(named)
    return sets


def other_answers(rulesets: Iterable[RuleSet]) -> list[dict[str, Any]]:
    """Every combination of the answers other than the red flags, calmest first."""
    rulesets = list(rulesets)
    locations = [frozenset(c) for n in (1, 2, 3) for c in itertools.combinations(QUESTIONS["location"].choices, n)]
    axes = {
        "location": locations,
        "duration_days": _points(rulesets, "duration_days"),
        "radiation": list(QUESTIONS["radiation"].choices),
        "recurrent": [False, True],
        "limits_activities": [False, True],
        "age": _points(rulesets, "age"),
        "course": _course_points(rulesets),
    }
    return [dict(zip(axes, values)) for values in itertools.product(*axes.values())]


def _course_points(rulesets: list[RuleSet]) -> list[Any]:
    """Not asked (None), and each course value a rule names: the others behave as not asked."""
    named = {v for ruleset in rulesets for rule in ruleset.rules for leaf in _leaves(rule.condition)
             if leaf[1] == "course" for v in leaf[2]}
    return [None, *(v for v in QUESTIONS["course"].choices if v in named)]


# --- evaluating a rule as far as the other answers go -----------------------------------------


def residual(cond: Condition, answers: dict[str, Any]) -> Any:
    """``cond`` with every test on ``answers`` decided: True, False, or a condition on red flags."""
    op = cond[0]
    if op in ("all", "any"):
        decisive = op == "any"  # the value that settles the combination
        rest = []
        for sub in cond[1]:
            part = residual(sub, answers)
            if part is decisive:
                return decisive
            if part is not (not decisive):
                rest.append(part)
        if not rest:
            return not decisive
        return rest[0] if len(rest) == 1 else (op, tuple(rest))
    if cond[1] == "red_flags":
        return cond
    return passes(op, answers[cond[1]], cond[2])


def holds(part: Any, flags: frozenset[str]) -> bool:
    """A residual condition on the red flags, for one set of them."""
    if part is True or part is False:
        return part
    op = part[0]
    if op == "all":
        return all(holds(p, flags) for p in part[1])
    if op == "any":
        return any(holds(p, flags) for p in part[1])
    return passes(op, flags, part[2])


class _Decider:
    """The outcome of one rules file for each red-flag set, given the residuals of its rules."""

    def __init__(self, ruleset: RuleSet, residuals: tuple[Any, ...]):
        self.ruleset = ruleset
        # rules are kept most urgent first: the first that holds decides
        self.order = [(i, part) for i, part in enumerate(residuals) if part is not False]

    def decide(self, flags: frozenset[str]) -> tuple[str, str | None]:
        for i, part in self.order:
            if part is True or holds(part, flags):
                rule = self.ruleset.rules[i]
                return rule.outcome.id, rule.id
        return self.ruleset.default.id, None


# --- the comparison ----------------------------------------------------------------------------


@dataclass
class Transition:
    """Answer sets whose outcome moves from ``old`` to ``new``."""

    old: str
    new: str
    count: int = 0
    deciders: Counter = field(default_factory=Counter)  # (old rule, new rule) -> count
    examples: dict[tuple[Any, Any], dict[str, Any]] = field(default_factory=dict)  # smallest for each pair
    records: list[dict[str, Any]] = field(default_factory=list)  # records (id, line) that move

    def add(self, count: int, deciders: tuple[Any, Any], example: dict[str, Any]) -> None:
        self.count += count
        self.deciders[deciders] += count
        known = self.examples.get(deciders)
        if known is None or _size(example) < _size(known):
            self.examples[deciders] = example


def _size(answers: dict[str, Any]) -> tuple[Any, ...]:
    """Smaller is simpler: fewer red flags and locations, no spread, then answers nearest the calm
    ones (lower back, 3 days of pain, age 35), so an example shows only what the change is about."""
    flags = answers.get("red_flags") or ()
    location = answers.get("location") or frozenset()
    return (len(flags), len(location), location != CALM_ANSWERS["location"],
            answers.get("radiation", "none") != "none", bool(answers.get("recurrent")),
            bool(answers.get("limits_activities")), abs((answers.get("age") or 35) - CALM_ANSWERS["age"]),
            abs((answers.get("duration_days") or 3) - CALM_ANSWERS["duration_days"]), sorted(flags))


@dataclass
class Diff:
    """The outcomes a change from ``old`` to ``new`` moves, over cases, the answer space and records."""

    old: RuleSet
    new: RuleSet
    compared: Counter = field(default_factory=Counter)  # what was compared -> how many
    moves: dict[tuple[str, str], Transition] = field(default_factory=dict)

    def rank(self, outcome: str) -> int:
        by_id = self.new.outcome_by_id
        return by_id[outcome].rank if outcome in by_id else len(by_id)

    def move(self, old: str, new: str) -> Transition:
        if (old, new) not in self.moves:
            self.moves[(old, new)] = Transition(old, new)
        return self.moves[(old, new)]

    def downgrades(self) -> list[Transition]:
        """Moves to a less urgent outcome (or to no result), most urgent first."""
        return sorted((t for t in self.moves.values() if t.old != t.new and self.rank(t.new) > self.rank(t.old)),
                      key=lambda t: (self.rank(t.old), self.rank(t.new)))

    def upgrades(self) -> list[Transition]:
        return sorted((t for t in self.moves.values() if t.old != t.new and self.rank(t.new) < self.rank(t.old)),
                      key=lambda t: (self.rank(t.new), self.rank(t.old)))

    def exit_code(self) -> int:
        if self.downgrades():
            return EXIT_DOWNGRADES
        return EXIT_UPGRADES if self.upgrades() else EXIT_SAME

    def to_dict(self) -> dict[str, Any]:
        """The diff as JSON for CI: what was compared, the transition table, each move with examples."""

        def moves(transitions: list[Transition]) -> list[dict[str, Any]]:
            return [{
                "old": t.old, "new": t.new, "count": t.count,
                "deciders": [{"old_rule": o, "new_rule": n, "count": c, "example": _jsonable(t.examples[(o, n)])}
                             for (o, n), c in t.deciders.most_common(KEEP)],
                "records": t.records[:KEEP],
            } for t in transitions]

        return {
            "old": {"file": self.old.file, "version": self.old.version},
            "new": {"file": self.new.file, "version": self.new.version},
            "compared": dict(self.compared),
            "transitions": [{"old": o, "new": n, "count": t.count}
                            for (o, n), t in sorted(self.moves.items(), key=lambda kv: (self.rank(kv[0][0]),
                                                                                        self.rank(kv[0][1])))],
            "downgrades": moves(self.downgrades()),
            "upgrades": moves(self.upgrades()),
            "exit_code": self.exit_code(),
        }


def _jsonable(answers: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in answers.items():
        if isinstance(value, frozenset):
            value = [v for v in QUESTIONS[key].choices if v in value]
        out[key] = value
    return out


def _space(diff: Diff) -> None:
    old, new = diff.old, diff.new
    flags = flag_sets((old, new))
    groups: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for answers in other_answers((old, new)):
        key = (tuple(residual(r.condition, answers) for r in old.rules),
               tuple(residual(r.condition, answers) for r in new.rules))
        groups.setdefault(key, []).append(answers)
    for (old_parts, new_parts), members in groups.items():
        before, after = _Decider(old, old_parts), _Decider(new, new_parts)
        smallest = min(members, key=_size)
        for signs in flags:
            (was, was_rule), (now, now_rule) = before.decide(signs), after.decide(signs)
            diff.move(was, now).add(len(members), (was_rule, now_rule), {**smallest, "red_flags": signs})
    diff.compared["answer sets"] += sum(len(m) for m in groups.values()) * len(flags)


def _outcome(answers: Answers, ruleset: RuleSet) -> tuple[str, str | None]:
    matched = matching(answers, ruleset)
    if matched is None:
        return NO_RESULT, None
    if not matched:
        return ruleset.default.id, None
    rule = ruleset.rules[matched[0]]
    return rule.outcome.id, rule.id


def _cases(diff: Diff) -> None:
    for ruleset in (diff.old, diff.new):
        for case in ruleset.cases:
            (was, was_rule), (now, now_rule) = _outcome(case.answers, diff.old), _outcome(case.answers, diff.new)
            example = {k: v for k, v in vars(case.answers).items() if v is not None}
            diff.move(was, now).add(1, (was_rule, now_rule), {**example, "case": case.id})
            diff.compared["cases"] += 1


def _records(diff: Diff, lines: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    """The lines ``batch`` wrote for the same records with each file, compared record by record."""
    for number, (was, now) in enumerate(zip(*lines), 1):
        old_outcome, new_outcome = was.get("outcome", "error"), now.get("outcome", "error")
        move = diff.move(old_outcome, new_outcome)
        move.count += 1
        if old_outcome != new_outcome:
            move.records.append({"record": number, "id": was.get("id"), "old_rules": was.get("reasons"),
                                 "new_rules": now.get("reasons")})
        diff.compared["records"] += 1


def diff_rules(old: RuleSet, new: RuleSet,
               records: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None) -> Diff:
    """Compare two checked rules files (see the module's docstring). ``records``: the lines
    ``batch`` wrote for the same records with ``old`` and with ``new`` (see ``cli.rules``)."""
    diff = Diff(old, new)
    _cases(diff)
    _space(diff)
    if records is not None:
        _records(diff, records)
    return diff


# --- in words ------------------------------------------------------------------------------------


def _answers_text(example: dict[str, Any]) -> str:
    parts = []
    for key, value in example.items():
        if key == "case":
            continue
        if isinstance(value, frozenset):
            value = ",".join(v for v in QUESTIONS[key].choices if v in value) or "none"
        elif isinstance(value, bool):
            value = str(value).lower()
        parts.append(f"{key}={value}")
    where = f"case {example['case']}: " if "case" in example else ""
    return where + " ".join(parts)


def to_text(diff: Diff) -> str:
    """The transition table, then each downgrade and upgrade with who decided and an example."""
    out = [f"rules diff: {diff.old.file} ({diff.old.version}) -> {diff.new.file} ({diff.new.version})",
           "compared: " + ", ".join(f"{n:,} {what}" for what, n in diff.compared.items()), ""]
    changed = diff.downgrades() + diff.upgrades()
    if not changed:
        out.append("no outcome changes")
        return "\n".join(out) + "\n"
    down = {(t.old, t.new) for t in diff.downgrades()}
    out.append("old -> new: count")
    for (was, now), t in sorted(diff.moves.items(), key=lambda kv: (diff.rank(kv[0][0]), diff.rank(kv[0][1]))):
        mark = "" if was == now else "  DOWNGRADE" if (was, now) in down else "  upgrade"
        out.append(f"  {was} -> {now}: {t.count:,}{mark}")
    for title, moves in (("Downgrades (a sign-off is needed)", diff.downgrades()), ("Upgrades", diff.upgrades())):
        if not moves:
            continue
        out += ["", f"{title}:"]
        for t in moves:
            out.append(f"  {t.old} -> {t.new}: {t.count:,}")
            for (was_rule, now_rule), count in t.deciders.most_common(KEEP):
                out.append(f"    decided by {was_rule or 'no rule'} before, {now_rule or 'no rule'} after "
                           f"({count:,}); e.g. {_answers_text(t.examples[(was_rule, now_rule)])}")
            for rec in t.records[:KEEP]:
                out.append(f"    record {rec['record']} (id {rec['id']!r}): rules {rec['old_rules']} -> {rec['new_rules']}")
    return "\n".join(out) + "\n"
