"""Load, check and compile a rules file.

A rules file is data: an outcome ladder, rules (a condition on the answers, the outcome
it leads to, a reason and a source), advice texts and example cases. ``load_rules``
checks everything it can before any answer is evaluated and raises ``RulesError`` with
every problem (``file:line:col: message``) rather than the first.

Conditions are nested ``all`` / ``any`` over the typed answers of ``answers.QUESTIONS``;
a condition on an answer or value that does not exist is a load error. Each rule is
compiled twice from the same tree: into one generated Python function for complete
answers (fast, for batch), and into a three-valued evaluator for partial answers (so an
emergency can be recognised before every question is asked).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from spinetriage import yamlsrc
from spinetriage.answers import QUESTIONS, Answers, parse_duration
from spinetriage.errors import AnswerError, Problem, RulesError

#: The outcome ladder of the public contract, most urgent first.
OUTCOME_IDS = ("emergency", "urgent", "doctor", "physical-therapy", "self-care")
PHASES = ("acute", "subacute", "chronic")

OPERATORS: dict[str, dict[str, str]] = {
    # kind -> operator -> what its value is
    "set": {"includes": "one value", "includes_any": "a list of values", "includes_all": "a list of values"},
    "choice": {"is": "one value", "in": "a list of values"},
    "bool": {"is": "true or false"},
    "int": {"at_least": "a number", "at_most": "a number", "above": "a number", "below": "a number"},
}
TOP_KEYS = {
    "version": True, "outcomes": True, "rules": True, "phases": True,
    "safety_net": True, "disclaimer": True, "cases": False,
}
OUTCOME_KEYS = {"id": True, "title": True, "advice": True, "steps": False}
RULE_KEYS = {"id": True, "outcome": True, "when": True, "reason": True, "source": True, "note": False}
CASE_KEYS = {"id": True, "answers": True, "expect": True, "matches": False, "note": False}
PHASE_KEYS = {"text": True, "source": True}
SAFETY_KEYS = {"emergency_signs": True, "if_worse": True}


# --- the compiled rules ---------------------------------------------------------------

Condition = tuple  # ("all", [..]) | ("any", [..]) | (op, key, value)


@dataclass(frozen=True)
class Outcome:
    id: str
    rank: int  # 0 is the most urgent
    title: str
    advice: str
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    outcome: Outcome
    condition: Condition
    reason: str
    source: str
    line: int = 0

    def keys(self) -> set[str]:
        return _condition_keys(self.condition)


@dataclass(frozen=True)
class Case:
    id: str
    answers: Answers
    expect: str
    matches: tuple[str, ...] | None
    line: int = 0


@dataclass
class RuleSet:
    """A checked, compiled rules file. Rules are kept most urgent first (file order within)."""

    file: str
    version: str
    outcomes: tuple[Outcome, ...]
    rules: tuple[Rule, ...]
    phases: dict[str, dict[str, str]]
    safety_net: dict[str, Any]
    disclaimer: str
    cases: tuple[Case, ...] = ()
    source: yamlsrc.Source | None = field(default=None, repr=False)
    _match: Callable[..., tuple[int, ...]] | None = field(default=None, repr=False)

    @property
    def outcome_by_id(self) -> dict[str, Outcome]:
        return {o.id: o for o in self.outcomes}

    @property
    def default(self) -> Outcome:
        """The least urgent outcome: what no matching rule means."""
        return self.outcomes[-1]

    @property
    def top(self) -> Outcome:
        return self.outcomes[0]

    def match_complete(self, answers: Answers) -> tuple[int, ...]:
        """Indexes of matching rules, for answers with nothing missing (generated code)."""
        assert self._match is not None
        return self._match(
            answers.location, answers.duration_days, answers.radiation, answers.recurrent,
            answers.limits_activities, answers.age, answers.red_flags,
        )

    def match_partial(self, answers: Answers) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """For answers with gaps: (rules that match for certain, rules that still might)."""
        sure: list[int] = []
        maybe: list[int] = []
        for i, rule in enumerate(self.rules):
            verdict = evaluate3(rule.condition, answers)
            if verdict is True:
                sure.append(i)
            elif verdict is None:
                maybe.append(i)
        return tuple(sure), tuple(maybe)


# --- three-valued evaluation -----------------------------------------------------------


def evaluate3(cond: Condition, answers: Answers) -> bool | None:
    """True, False, or None when it depends on an answer not given yet."""
    op = cond[0]
    if op == "all" or op == "any":
        unknown = False
        for sub in cond[1]:
            verdict = evaluate3(sub, answers)
            if verdict is None:
                unknown = True
            elif verdict is (op == "any"):
                return verdict
        return None if unknown else op == "all"
    key, want = cond[1], cond[2]
    value = getattr(answers, key)
    if value is None:
        return None
    if op == "has":
        return want in value
    if op == "has_any":
        return not value.isdisjoint(want)
    if op == "has_all":
        return want <= value
    if op == "in":
        return value in want
    if op == "is":
        return value is want
    lo, hi = want
    return lo <= value <= hi


def _condition_keys(cond: Condition) -> set[str]:
    if cond[0] in ("all", "any"):
        return set().union(*(_condition_keys(c) for c in cond[1]))
    return {cond[1]}


def _python(cond: Condition, consts: list[Any]) -> str:
    """The condition as a Python expression over the answer names (see ``_compile``)."""
    op = cond[0]
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(_python(c, consts) for c in cond[1]) + ")"
    key, want = cond[1], cond[2]
    consts.append(want)
    c = f"_c{len(consts) - 1}"
    if op == "has":
        return f"({c} in {key})"
    if op == "has_any":
        return f"(not {key}.isdisjoint({c}))"
    if op == "has_all":
        return f"({c} <= {key})"
    if op == "in":
        return f"({key} in {c})"
    if op == "is":
        return f"({key} is {c})"
    return f"({c}[0] <= {key} <= {c}[1])"


def _compile(rules: tuple[Rule, ...]) -> Callable[..., tuple[int, ...]]:
    """One function that returns the indexes of the matching rules for complete answers.

    The code is generated from the rule data only (no recommendation lives in code);
    ``tests/test_engine.py`` checks it against the three-valued evaluator.
    """
    consts: list[Any] = []
    lines = [f"def _match({', '.join(QUESTIONS)}):", "    m = []"]
    for i, rule in enumerate(rules):
        lines.append(f"    if {_python(rule.condition, consts)}: m.append({i})")
    lines.append("    return tuple(m)")
    namespace: dict[str, Any] = {f"_c{i}": v for i, v in enumerate(consts)}
    exec(compile("\n".join(lines), "<rules>", "exec"), namespace)  # noqa: S102 - generated from checked data
    return namespace["_match"]


# --- loading and checking --------------------------------------------------------------


def default_rules_path() -> Path:
    """The shipped rules: inside the installed package, or rules/ beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "rules", here.parent / "rules"):
        candidate = folder / "spine-pain.yaml"
        if candidate.is_file():
            return candidate
    return here / "rules" / "spine-pain.yaml"


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> RuleSet:
    return _load_path(path)


def load_rules(path: str | os.PathLike[str] | None = None) -> RuleSet:
    """Load and check a rules file (default: the shipped one); compiled once per process.

    Raises ``RulesError`` listing every problem, each with its file, line and column.
    """
    target = str(path) if path is not None else str(default_rules_path())
    try:
        st = os.stat(target)
    except OSError as exc:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: {exc.strerror or exc}")]) from None
    return _load_cached(target, st.st_mtime_ns, st.st_size)


def _load_path(target: str) -> RuleSet:
    try:
        with open(target, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: {reason}")]) from None
    return load_rules_text(text, target)


def load_rules_text(text: str, file: str = "<rules>") -> RuleSet:
    """Check and compile rules given as YAML text. Raises ``RulesError`` with every problem."""
    src = yamlsrc.load(text, file)
    if src.problems and src.data is None:
        raise RulesError(src.problems)
    ruleset = _Checker(src).check()
    errors = [p for p in src.problems if p.severity == "error"]
    if errors or ruleset is None:
        raise RulesError(sorted(errors, key=lambda p: (p.line, p.col)))
    return ruleset


def _suggest(word: Any, options: Any) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Checker:
    """Walks the loaded data, records every problem, and builds the RuleSet."""

    def __init__(self, src: yamlsrc.Source):
        self.src = src

    # small helpers ---------------------------------------------------------------------

    def error(self, path: tuple, message: str, key: bool = False) -> None:
        self.src.problem(path, message, key=key)

    def keys(self, data: Any, path: tuple, spec: dict[str, bool], what: str) -> bool:
        """Check a mapping's keys against ``spec`` (key -> required). False if not a mapping."""
        if not isinstance(data, dict):
            self.error(path, f"{what} must be a mapping of keys to values, not {self.kind(data, path)}")
            return False
        for key in data:
            if key not in spec:
                self.error(path + (key,), f"unknown key {key!r} in {what}{_suggest(key, spec)}; "
                           f"allowed: {', '.join(spec)}", key=True)
        for key, required in spec.items():
            if required and key not in data:
                self.error(path, f"{what} has no {key!r}")
        return True

    def kind(self, value: Any, path: tuple) -> str:
        if path in self.src.yaml11_words:
            return f"the YAML boolean {self.src.yaml11_words[path]!r}"
        if value is None:
            return "nothing"
        return {bool: "true/false", int: "a number", float: "a number", str: "text",
                list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)

    def text(self, data: dict, key: str, path: tuple, what: str) -> str:
        value = data.get(key)
        if key not in data:
            return ""
        if isinstance(value, str) and value.strip():
            return value.strip()
        if path + (key,) in self.src.yaml11_words:
            word = self.src.yaml11_words[path + (key,)]
            self.error(path + (key,), f"{what}: {word} is read by YAML as true/false; put it in quotes: '{word}'")
        elif isinstance(value, str):
            self.error(path + (key,), f"{what} is empty")
        else:
            self.error(path + (key,), f"{what} must be text, not {self.kind(value, path + (key,))}")
        return ""

    def texts(self, data: Any, path: tuple, what: str) -> tuple[str, ...]:
        if not isinstance(data, list):
            self.error(path, f"{what} must be a list of texts")
            return ()
        out = (self.text({i: item}, i, path, f"{what} item") for i, item in enumerate(data))
        return tuple(t for t in out if t)

    # the document ----------------------------------------------------------------------

    def check(self) -> RuleSet | None:
        data, top = self.src.data, ()
        if not self.keys(data, top, TOP_KEYS, "the rules file"):
            return None
        version = data.get("version")
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            version = str(version)
        if "version" in data and not (isinstance(version, str) and version.strip()):
            self.error(("version",), "version must be text such as \"2026.11.1\"")
        outcomes = self.outcomes(data.get("outcomes"), ("outcomes",)) if "outcomes" in data else ()
        phases = self.phases(data.get("phases"), ("phases",)) if "phases" in data else {}
        safety = self.safety_net(data.get("safety_net"), ("safety_net",)) if "safety_net" in data else {}
        disclaimer = self.text(data, "disclaimer", top, "disclaimer")
        by_id = {o.id: o for o in outcomes}
        rules = self.rules(data.get("rules"), ("rules",), by_id) if "rules" in data else ()
        cases = self.cases(data.get("cases"), ("cases",), by_id, {r.id for r in rules}) if data.get("cases") is not None else ()
        if any(p.severity == "error" for p in self.src.problems):
            return None
        ordered = tuple(sorted(rules, key=lambda r: r.outcome.rank))
        return RuleSet(
            file=self.src.file, version=str(version).strip(), outcomes=outcomes, rules=ordered,
            phases=phases, safety_net=safety, disclaimer=disclaimer, cases=cases,
            source=self.src, _match=_compile(ordered),
        )

    def outcomes(self, data: Any, path: tuple) -> tuple[Outcome, ...]:
        if not isinstance(data, list) or not data:
            self.error(path, "outcomes must be a list, most urgent first: " + ", ".join(OUTCOME_IDS))
            return ()
        found: list[Outcome] = []
        first_line: dict[str, int] = {}
        for i, item in enumerate(data):
            p = path + (i,)
            if not self.keys(item, p, OUTCOME_KEYS, "an outcome"):
                continue
            oid = self.text(item, "id", p, "outcome id")
            if not oid:
                continue
            if oid not in OUTCOME_IDS:
                self.error(p + ("id",), f"unknown outcome {oid!r}{_suggest(oid, OUTCOME_IDS)}; "
                           f"outcomes are: {', '.join(OUTCOME_IDS)}")
                continue
            if oid in first_line:
                self.error(p + ("id",), f"duplicate outcome {oid!r}: it is also at line {first_line[oid]}")
                continue
            first_line[oid] = self.src.where(p + ("id",))[0]
            steps = self.texts(item["steps"], p + ("steps",), "steps") if "steps" in item else ()
            found.append(Outcome(oid, OUTCOME_IDS.index(oid), self.text(item, "title", p, "title"),
                                 self.text(item, "advice", p, "advice"), steps))
        present = [o.id for o in found]
        for oid in OUTCOME_IDS:
            if oid not in present:
                self.error(path, f"the outcome ladder has a gap: {oid!r} is missing "
                           f"(the ladder is {', '.join(OUTCOME_IDS)}, most urgent first)")
        expected = [o for o in OUTCOME_IDS if o in present]
        if present != expected and len(set(present)) == len(present):
            self.error(path, "outcomes must be listed most urgent first: " + ", ".join(expected))
        return tuple(sorted(found, key=lambda o: o.rank)) if len(found) == len(OUTCOME_IDS) else tuple(found)

    def phases(self, data: Any, path: tuple) -> dict[str, dict[str, str]]:
        if not self.keys(data, path, {p: True for p in PHASES}, "phases"):
            return {}
        out = {}
        for name in PHASES:
            if isinstance(data.get(name), dict) and self.keys(data[name], path + (name,), PHASE_KEYS, f"phase {name}"):
                out[name] = {k: self.text(data[name], k, path + (name,), f"phase {name} {k}") for k in PHASE_KEYS}
        return out

    def safety_net(self, data: Any, path: tuple) -> dict[str, Any]:
        if not self.keys(data, path, SAFETY_KEYS, "safety_net"):
            return {}
        signs = self.texts(data.get("emergency_signs"), path + ("emergency_signs",), "emergency_signs")
        return {"emergency_signs": list(signs), "if_worse": self.text(data, "if_worse", path, "if_worse")}

    # rules -----------------------------------------------------------------------------

    def rules(self, data: Any, path: tuple, outcomes: dict[str, Outcome]) -> tuple[Rule, ...]:
        if not isinstance(data, list) or not data:
            self.error(path, "rules must be a list of rules")
            return ()
        out: list[Rule] = []
        first_line: dict[str, int] = {}
        for i, item in enumerate(data):
            p = path + (i,)
            if not self.keys(item, p, RULE_KEYS, "a rule"):
                continue
            rid = self.text(item, "id", p, "rule id")
            if rid in first_line:
                self.error(p + ("id",), f"duplicate rule id {rid!r}: it is also at line {first_line[rid]}")
            elif rid:
                first_line[rid] = self.src.where(p + ("id",))[0]
            oid = self.text(item, "outcome", p, "outcome")
            outcome = outcomes.get(oid)
            if oid and oid not in OUTCOME_IDS:
                self.error(p + ("outcome",), f"unknown outcome {oid!r}{_suggest(oid, OUTCOME_IDS)}; "
                           f"outcomes are: {', '.join(OUTCOME_IDS)}")
            reason = self.text(item, "reason", p, "reason")
            source = self.text(item, "source", p, "source")
            cond = self.condition(item["when"], p + ("when",)) if "when" in item else None
            if rid and outcome and cond and reason and source:
                out.append(Rule(rid, outcome, cond, reason, source, self.src.where(p)[0]))
        return tuple(out)

    def condition(self, data: Any, path: tuple) -> Condition | None:
        if not isinstance(data, dict) or len(data) != 1:
            self.error(path, "a condition is a mapping with one key: all, any, or an answer "
                       f"({', '.join(QUESTIONS)})")
            return None
        (key, body), = data.items()
        p = path + (key,)
        if key in ("all", "any"):
            if not isinstance(body, list) or not body:
                self.error(p, f"{key} must be a list of conditions")
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

    def leaf(self, question: Any, op: str, value: Any, path: tuple, ops: dict[str, str]) -> Condition | None:
        key = question.key
        if op not in ops:
            self.error(path, f"{op!r} is not a test for {key}{_suggest(op, ops)}; tests for {key}: "
                       + ", ".join(f"{o} ({w})" for o, w in ops.items()), key=True)
            return None
        kind = question.kind
        if kind == "bool":
            if path in self.src.yaml11_words:
                self.error(path, f"{key} {op}: write true or false, not {self.src.yaml11_words[path]}")
                return None
            if not isinstance(value, bool):
                self.error(path, f"{key} {op}: expected true or false, not {self.kind(value, path)} {value!r}")
                return None
            return ("is", key, value)
        if kind == "int":
            number = self.number(question, value, path, op)
            if number is None:
                return None
            lo, hi = question.bounds or (0, 0)
            bounds = {"at_least": (number, hi), "at_most": (lo, number),
                      "above": (number + 1, hi), "below": (lo, number - 1)}[op]
            return ("range", key, bounds)
        many = ops[op].startswith("a list")
        items = value if many else [value]
        if many and not (isinstance(value, list) and value):
            self.error(path, f"{key} {op} takes a list of values, e.g. [{', '.join(list(question.choices)[:2])}]")
            return None
        words = []
        for i, item in enumerate(items):
            word = self.word(question, item, path + (i,) if many else path, op)
            if word is None:
                return None
            words.append(word)
        if kind == "set":
            if op == "includes":
                return ("has", key, words[0])
            return ("has_any" if op == "includes_any" else "has_all", key, frozenset(words))
        return ("in", key, frozenset(words))

    def number(self, question: Any, value: Any, path: tuple, op: str) -> int | None:
        key = question.key
        if key == "duration_days" and isinstance(value, str):
            try:
                return parse_duration(value)
            except AnswerError as exc:
                self.error(path, f"{key} {op}: {exc.problem}; a number of days or {exc.accepted[6:]}")
                return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"{key} {op}: expected a whole number, not {self.kind(value, path)} {value!r}")
            return None
        lo, hi = question.bounds or (0, 0)
        if not lo <= value <= hi:
            self.error(path, f"{key} {op}: {value} is outside {lo}-{hi}")
            return None
        return value

    def word(self, question: Any, value: Any, path: tuple, op: str) -> str | None:
        key = question.key
        if path in self.src.yaml11_words:
            word = self.src.yaml11_words[path]
            self.error(path, f"{key} {op}: {word} is read by YAML as true/false; put it in quotes: '{word}'")
            return None
        if not isinstance(value, str):
            self.error(path, f"{key} {op}: expected one of {', '.join(question.choices)}, "
                       f"not {self.kind(value, path)} {value!r}")
            return None
        if value in question.choices:
            return value
        if value in question.aliases:
            return question.aliases[value]
        self.error(path, f"{key} {op}: unknown value {value!r}{_suggest(value, question.choices)}; "
                   f"values: {', '.join(question.choices)}")
        return None

    # cases -----------------------------------------------------------------------------

    def cases(self, data: Any, path: tuple, outcomes: dict[str, Outcome], rule_ids: set[str]) -> tuple[Case, ...]:
        if not isinstance(data, list):
            self.error(path, "cases must be a list of cases")
            return ()
        out: list[Case] = []
        first_line: dict[str, int] = {}
        for i, item in enumerate(data):
            p = path + (i,)
            if not self.keys(item, p, CASE_KEYS, "a case"):
                continue
            cid = self.text(item, "id", p, "case id")
            if cid in first_line:
                self.error(p + ("id",), f"duplicate case id {cid!r}: it is also at line {first_line[cid]}")
            elif cid:
                first_line[cid] = self.src.where(p + ("id",))[0]
            expect = self.text(item, "expect", p, "expect")
            if expect and expect not in OUTCOME_IDS:
                self.error(p + ("expect",), f"unknown outcome {expect!r}{_suggest(expect, OUTCOME_IDS)}; "
                           f"outcomes are: {', '.join(OUTCOME_IDS)}")
            matches = None
            if "matches" in item:
                raw = item["matches"]
                if not isinstance(raw, list):
                    self.error(p + ("matches",), "matches must be a list of rule ids")
                else:
                    for j, rid in enumerate(raw):
                        if rid not in rule_ids:
                            self.error(p + ("matches", j), f"matches: no rule has the id {rid!r}"
                                       f"{_suggest(rid, rule_ids)}")
                    matches = tuple(str(r) for r in raw)
            answers = self.case_answers(item.get("answers"), p + ("answers",))
            if cid and answers is not None and expect in OUTCOME_IDS:
                out.append(Case(cid, answers, expect, matches, self.src.where(p)[0]))
        return tuple(out)

    def case_answers(self, data: Any, path: tuple) -> Answers | None:
        if not isinstance(data, dict):
            self.error(path, "answers must be a mapping of answers, e.g. {age: 40, red_flags: []}")
            return None
        ok = True
        for key in data:
            if path + (key,) in self.src.yaml11_words:
                word = self.src.yaml11_words[path + (key,)]
                if QUESTIONS.get(key) is None or QUESTIONS[key].kind != "bool":
                    self.error(path + (key,), f"{key}: {word} is read by YAML as true/false; put it in quotes: '{word}'")
                    ok = False
            value = data[key]
            if isinstance(value, list):
                for j, item in enumerate(value):
                    if path + (key, j) in self.src.yaml11_words:
                        word = self.src.yaml11_words[path + (key, j)]
                        self.error(path + (key, j), f"{key}: {word} is read by YAML as true/false; "
                                   f"put it in quotes: '{word}'")
                        ok = False
            try:
                Answers.from_mapping({key: value})
            except AnswerError as exc:
                where = path + (key,)
                if isinstance(value, list) and exc.value in value:
                    where = path + (key, value.index(exc.value))
                self.error(where, exc.describe(key), key=where == path + (key,) and exc.problem.startswith("unknown"))
                ok = False
        if not ok:
            return None
        try:
            return Answers.from_mapping(data)
        except AnswerError as exc:  # a clash between keys, e.g. duration and duration_days
            self.error(path, exc.describe(exc.field))
            return None
