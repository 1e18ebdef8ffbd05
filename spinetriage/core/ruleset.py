"""The compiled rules: the outcome ladder, rules and cases as data, and how a condition is evaluated.

A rules file is data: an outcome ladder, rules (a condition on the answers, the outcome it
leads to, a reason and a source), advice texts and example cases. Conditions are nested
``all`` / ``any`` over the typed answers of ``answers.QUESTIONS``. Each rule is compiled
twice from the same tree: into one generated Python function for complete answers (fast,
for batch), and into a three-valued evaluator for partial answers (so an emergency can be
recognised before every question is asked).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from spinetriage.core.answers import Answers
from spinetriage.core.i18n import DEFAULT as DEFAULT_LANG
from spinetriage.core.vocabulary import QUESTIONS

if TYPE_CHECKING:
    from spinetriage.rules.source import (
        Source,  # the document a RuleSet was read from, if any
    )

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
    "safety_net": True, "disclaimer": True, "limits": False, "cases": False,
}
OUTCOME_KEYS = {"id": True, "title": True, "advice": True, "steps": False, "if_worse": False}
RULE_KEYS = {"id": True, "outcome": True, "when": True, "reason": True, "source": True, "note": False}
CASE_KEYS = {"id": True, "answers": True, "expect": True, "matches": False, "note": False}
PHASE_KEYS = {"text": True, "source": True}
SAFETY_KEYS = {"emergency_signs": True, "if_worse": True}
#: Rule and case ids: lower-case words joined by hyphens (usable in ``pytest -k``); the schema says the same.
ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"
_ID = re.compile(ID_PATTERN[1:-1])  # used with fullmatch ("$" would allow a final newline)


# --- the compiled rules ---------------------------------------------------------------

Condition = tuple  # ("all", [..]) | ("any", [..]) | (op, key, value)


class Outcome(NamedTuple):
    """One step of the outcome ladder, with the words the person reads."""

    id: str
    rank: int  # 0 is the most urgent
    title: str
    advice: str
    steps: tuple[str, ...] = ()
    if_worse: str = ""  # replaces the safety net's "if it gets worse" for this outcome


class Rule(NamedTuple):
    """One checked rule: its condition, the outcome it leads to, why, and where it is written."""

    id: str
    outcome: Outcome
    condition: Condition
    reason: str
    source: str
    line: int = 0  # where its id is written
    col: int = 0
    when_at: tuple[int, int] = (0, 0)  # where its condition is written
    outcome_at: tuple[int, int] = (0, 0)  # where its outcome is written

    def keys(self) -> set[str]:
        return _condition_keys(self.condition)


class Case(NamedTuple):
    """One example case of the rules file: answers and the outcome (and rules) they must give."""

    id: str
    answers: Answers
    expect: str
    matches: tuple[str, ...] | None
    line: int = 0  # where its id is written
    col: int = 0


class Texts(NamedTuple):
    """The words a person reads, in a language other than the rules file's own (English): read from
    the file beside it, ``<stem>.<lang>.yaml`` (``spinetriage.rules.texts``), and checked against it:
    every outcome, phase, sign, limit and rule has its text there."""

    lang: str
    file: str
    outcomes: dict[str, Outcome]  # outcome id -> the outcome with its words in ``lang``
    phases: dict[str, dict[str, str]]  # phase -> {"text": in ``lang``, "source": as the rules file says}
    safety_net: dict[str, Any]
    disclaimer: str
    limits: tuple[str, ...]
    reasons: dict[str, str]  # rule id -> its reason in ``lang``
    stamp: tuple[int, int] = (0, 0)  # the file's modification time and size when read


class RuleSet:
    """A checked, compiled rules file. Rules are kept most urgent first (file order within).

    (A plain class rather than a dataclass: making a dataclass costs a tenth of a millisecond per
    method at every start-up.) Equality compares what the file says and its compiled matcher;
    ``replace`` makes a copy with changes. Over 120 lines: the rules' data, their words in other
    languages and the matching (complete and partial) stay in one class, the one rules engines use.
    """

    #: What the tool keeps on purpose and cannot ask yet, in plain words (the saved report's footer).
    limits: tuple[str, ...]
    #: Reads and checks the cases when first asked for (the shipped rules' snapshot: a triage
    #: never needs them, and reading them was a twentieth of start-up).
    _read_cases: Callable[[], tuple[Case, ...]] | None
    #: The words in other languages (``texts``), read when first asked for: lang -> Texts, or None
    #: when the rules file has no file of texts in that language beside it.
    _texts: dict[str, Texts | None]
    #: Reads them (``spinetriage.rules.texts.read_sibling``, set by ``load_rules``): a module-level
    #: function or a partial of one, so that a RuleSet still pickles. None: English only.
    _read_texts: Callable[[RuleSet, str], Texts | None] | None

    _COMPARED = ("file", "version", "outcomes", "rules", "phases", "safety_net", "disclaimer", "_cases", "limits",
                 "source", "_match")

    def __init__(self, file: str, version: str, outcomes: tuple[Outcome, ...], rules: tuple[Rule, ...],
                 phases: dict[str, dict[str, str]], safety_net: dict[str, Any], disclaimer: str,
                 _cases: tuple[Case, ...] = (), limits: tuple[str, ...] = (), source: Source | None = None,
                 _match: Callable[..., tuple[int, ...]] | None = None,
                 _read_cases: Callable[[], tuple[Case, ...]] | None = None,
                 _texts: dict[str, Texts | None] | None = None,
                 _read_texts: Callable[[RuleSet, str], Texts | None] | None = None) -> None:
        self.file, self.version, self.outcomes, self.rules = file, version, outcomes, rules
        self.phases, self.safety_net, self.disclaimer = phases, safety_net, disclaimer
        self._cases, self.limits, self.source, self._match = _cases, limits, source, _match
        self._read_cases, self._texts, self._read_texts = _read_cases, {} if _texts is None else _texts, _read_texts

    def __repr__(self) -> str:
        return (f"RuleSet(file={self.file!r}, version={self.version!r}, {len(self.outcomes)} outcomes, "
                f"{len(self.rules)} rules)")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._COMPARED)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def replace(self, **changes: Any) -> RuleSet:
        """A copy with ``changes``; its texts in other languages are read again for it (those read
        for this one may not fit a copy with other rules)."""
        return RuleSet(**{**self.__dict__, "_texts": {}, **changes})

    @property
    def cases(self) -> tuple[Case, ...]:
        """The file's example cases, checked (raises ``RulesError`` if a late check finds a problem)."""
        if self._read_cases is not None:
            self._cases, self._read_cases = self._read_cases(), None
        return self._cases

    def texts(self, lang: str) -> Texts | None:
        """The words in ``lang`` (None for English, the rules file's own, or when there are none).

        Raises ``RulesError`` when the file of texts exists but does not fit these rules.
        """
        if lang == DEFAULT_LANG:
            return None
        if lang not in self._texts:
            self._texts[lang] = self._read_texts(self, lang) if self._read_texts is not None else None
        return self._texts[lang]

    def keep_own_words(self, lang: str) -> None:
        """Give results in the rules file's own words (English) in ``lang`` from now on: its texts
        in ``lang`` are not read (the command line, when they do not fit the rules)."""
        self._texts[lang] = None

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
            answers.limits_activities, answers.age, answers.red_flags, answers.course,
        )

    def match_function(self) -> Callable[..., tuple[int, ...]]:
        """The generated matcher, called with the complete answers as keywords (batch's fast path)."""
        assert self._match is not None
        return self._match

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the generated matcher (a function made by ``exec``), rebuilt on load."""
        state = dict(self.__dict__)
        state["_match"] = None
        state["_cases"], state["_read_cases"] = self.cases, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._match = _compile(self.rules)

    def is_top(self, matched: tuple[int, ...] | None) -> bool:
        """True when the matching rules (most urgent first) lead to the most urgent outcome."""
        return bool(matched) and self.rules[matched[0]].outcome.rank == self.top.rank

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
        # An optional answer not given (no course outside a re-check) is known: it matches no test.
        return False if QUESTIONS[key].optional else None
    return passes(op, value, want)


def passes(op: str, value: Any, want: Any) -> bool:
    """One test of a condition on an answer's value (its leaves: has, has_any, has_all, in, is,
    range), as the generated code computes it."""
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
    return want[0] <= value <= want[1]


def condition_text(cond: Condition) -> str:
    """A condition in words, as ``rules list`` shows it: ``red_flags includes minor-injury and age at least 65``."""
    op = cond[0]
    if op in ("all", "any"):
        parts = [condition_text(c) for c in cond[1]]
        if len(parts) == 1:
            return parts[0]
        return f" {'and' if op == 'all' else 'or'} ".join(
            f"({p})" if sub[0] in ("all", "any") and len(sub[1]) > 1 else p for p, sub in zip(parts, cond[1]))
    key, want = cond[1], cond[2]
    question = QUESTIONS[key]
    if op in ("has_any", "has_all", "in"):
        values = ", ".join(v for v in question.choices if v in want)
        verb = {"has_any": "includes any of", "has_all": "includes all of", "in": "is one of"}[op]
        return f"{key} {verb} [{values}]"
    if op == "has":
        return f"{key} includes {want}"
    if op == "is":
        return f"{key} is {str(want).lower()}"
    lo, hi = want
    qlo, qhi = question.bounds or (lo, hi)
    if lo > qlo and hi < qhi:
        return f"{key} from {lo} to {hi}"
    if lo > qlo:
        return f"{key} at least {lo}"
    if hi < qhi:
        return f"{key} at most {hi}"
    return f"{key} any value"


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


#: Rules per generated function: Python compiles a very long function (or module) in more
#: than linear time, so a large rules file becomes several functions of this many rules
#: each, compiled one by one.
_CHUNK = 200
#: Tests in one rule's condition beyond which it is not written out as code but evaluated from
#: its data (``_holds``): Python compiles one long expression in more than linear time (one
#: rule of 60,000 tests took 3.5 s to compile), while evaluating the data is linear.
_INLINE_TESTS = 256


def _tests(cond: Condition, most: int) -> int:
    """How many tests ``cond`` holds, counting no further than ``most`` + 1."""
    if cond[0] not in ("all", "any"):
        return 1
    total = 0
    for sub in cond[1]:
        total += _tests(sub, most - total)
        if total > most:
            break
    return total


def _holds(cond: Condition, values: dict[str, Any]) -> bool:
    """``cond`` for complete answers given by name: what the generated code computes, from the data."""
    op = cond[0]
    if op == "all":
        return all(_holds(sub, values) for sub in cond[1])
    if op == "any":
        return any(_holds(sub, values) for sub in cond[1])
    return passes(op, values[cond[1]], cond[2])


def _test_code(cond: Condition, consts: list[Any]) -> str:
    """A rule's condition as code: written out, or, when long, a call that evaluates its data."""
    if _tests(cond, _INLINE_TESTS) <= _INLINE_TESTS:
        return _python(cond, consts)
    consts.append(cond)
    return f"_holds(_c{len(consts) - 1}, locals())"


def _compile(rules: tuple[Rule, ...]) -> Callable[..., tuple[int, ...]]:
    """One function that returns the indexes of the matching rules for complete answers.

    The code is generated from the rule data only (no recommendation lives in code);
    ``tests/test_engine.py`` checks it against the three-valued evaluator. Up to ``_CHUNK``
    rules it is one function; beyond, it calls one function per ``_CHUNK`` rules in turn.
    """
    consts: list[Any] = []
    # An optional answer may be left out (batch's fast path passes the answers given): None.
    args = ", ".join(key + ("=None" if q.optional else "") for key, q in QUESTIONS.items())
    call = ", ".join(f"{key}={key}" for key in QUESTIONS)
    namespace: dict[str, Any] = {"_holds": _holds}

    def define(lines: list[str]) -> None:
        code = compile("\n".join(lines), "<rules>", "exec")
        done = namespace.get("_consts", 0)
        namespace.update({f"_c{i}": consts[i] for i in range(done, len(consts))}, _consts=len(consts))
        exec(code, namespace)  # noqa: S102 - generated from checked data

    if len(rules) <= _CHUNK:
        define([f"def _match({args}):", "    m = []",
                *(f"    if {_test_code(rule.condition, consts)}: m.append({i})" for i, rule in enumerate(rules)),
                "    return tuple(m)"])
        return namespace["_match"]
    chunks = range(0, len(rules), _CHUNK)
    for start in chunks:
        define([f"def _match_{start}(m, {args}):",
                *(f"    if {_test_code(rule.condition, consts)}: m.append({i})"
                  for i, rule in enumerate(rules[start:start + _CHUNK], start))])
    define([f"def _match({args}):", "    m = []", *(f"    _match_{start}(m, {call})" for start in chunks),
            "    return tuple(m)"])
    return namespace["_match"]
