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

import gc
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from spinetriage.source import Source, from_snapshot, to_snapshot
from spinetriage.answers import QUESTIONS, TIERS, Answers, parse_duration
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
#: The largest rules file read (the shipped one is under 30 KiB; 10,000 rules take about 4 MiB),
#: so that a wrong path (a huge file, a device, a pipe) is refused instead of read for ever.
MAX_RULES_BYTES = 10 * 1024 * 1024
#: Characters a rules file may not hold: control characters other than tab and newline (ESC,
#: BEL, DEL, the C1 controls ...), the line and paragraph separators (which YAML and editors
#: count differently) and the bidirectional-text controls (which show text in another order
#: than it is read). Their text reaches the terminal, so they could hide or fake words there.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                              "\u202a-\u202e\u2066-\u2069]")
_CHAR_NAMES = {
    "\x00": "NUL", "\x07": "BEL, the bell", "\x08": "backspace", "\x0b": "vertical tab", "\x0c": "form feed",
    "\x1b": "ESC, which starts terminal escape sequences", "\x7f": "DEL", "\x85": "next line",
    "\x9b": "CSI, which starts terminal escape sequences", "\u2028": "line separator",
    "\u2029": "paragraph separator", "\u202e": "right-to-left override", "\u202d": "left-to-right override",
}
#: The article's first criterion: pain that has lasted 4 weeks or more "persists beyond a few weeks".
PERSISTS_DAYS = 28
#: Adding an answer never lowers the outcome, so no condition may match an answer only while a
#: criterion is off. The grammar has no negation; these are the forms that would be one.
_ONLY_UP = "adding an answer must never lower the outcome (rules/README.md, \"Only upwards\"):"
_CRITERIA = {"recurrent": "the pain keeps coming back", "limits_activities": "the pain limits daily activities"}
#: For a choice answer, which values a value leads up to (none -> any spread; one limb -> both).
_UP_FROM = {"radiation": {"arms": ("none",), "legs": ("none",),
                          "arms-and-legs": ("none", "arms", "legs")}}
#: The least urgent outcome a red flag of each tier must lead to on its own (answers.TIERS).
TIER_OUTCOMES = {"emergency": "emergency", "urgent": "urgent"}
#: Complete answers as calm as can be, beside one red flag: the second safety check runs the
#: compiled rules on these.
CALM_ANSWERS = {"location": frozenset(("lower-back",)), "duration_days": 3, "radiation": "none",
                "recurrent": False, "limits_activities": False, "age": 35}


# --- the compiled rules ---------------------------------------------------------------

Condition = tuple  # ("all", [..]) | ("any", [..]) | (op, key, value)


@dataclass(frozen=True)
class Outcome:
    """One step of the outcome ladder, with the words the person reads."""

    id: str
    rank: int  # 0 is the most urgent
    title: str
    advice: str
    steps: tuple[str, ...] = ()
    if_worse: str = ""  # replaces the safety net's "if it gets worse" for this outcome


@dataclass(frozen=True)
class Rule:
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


@dataclass(frozen=True)
class Case:
    """One example case of the rules file: answers and the outcome (and rules) they must give."""

    id: str
    answers: Answers
    expect: str
    matches: tuple[str, ...] | None
    line: int = 0  # where its id is written
    col: int = 0


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
    #: What the tool keeps on purpose and cannot ask yet, in plain words (the saved report's footer).
    limits: tuple[str, ...] = ()
    source: Source | None = field(default=None, repr=False)
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

    def match_function(self) -> Callable[..., tuple[int, ...]]:
        """The generated matcher, called with the complete answers as keywords (batch's fast path)."""
        assert self._match is not None
        return self._match

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the generated matcher (a function made by ``exec``), rebuilt on load."""
        state = dict(self.__dict__)
        state["_match"] = None
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


def _compile(rules: tuple[Rule, ...]) -> Callable[..., tuple[int, ...]]:
    """One function that returns the indexes of the matching rules for complete answers.

    The code is generated from the rule data only (no recommendation lives in code);
    ``tests/test_engine.py`` checks it against the three-valued evaluator. Up to ``_CHUNK``
    rules it is one function; beyond, it calls one function per ``_CHUNK`` rules in turn.
    """
    consts: list[Any] = []
    args = ", ".join(QUESTIONS)
    namespace: dict[str, Any] = {}

    def define(lines: list[str]) -> None:
        code = compile("\n".join(lines), "<rules>", "exec")
        done = namespace.get("_consts", 0)
        namespace.update({f"_c{i}": consts[i] for i in range(done, len(consts))}, _consts=len(consts))
        exec(code, namespace)  # noqa: S102 - generated from checked data

    if len(rules) <= _CHUNK:
        define([f"def _match({args}):", "    m = []",
                *(f"    if {_python(rule.condition, consts)}: m.append({i})" for i, rule in enumerate(rules)),
                "    return tuple(m)"])
        return namespace["_match"]
    chunks = range(0, len(rules), _CHUNK)
    for start in chunks:
        define([f"def _match_{start}(m, {args}):",
                *(f"    if {_python(rule.condition, consts)}: m.append({i})"
                  for i, rule in enumerate(rules[start:start + _CHUNK], start))])
    define([f"def _match({args}):", "    m = []", *(f"    _match_{start}(m, {args})" for start in chunks),
            "    return tuple(m)"])
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
    _check_file(target, st)
    return _load_cached(target, st.st_mtime_ns, st.st_size)


def _check_file(target: str, st: os.stat_result) -> None:
    """Refuse what is not a regular file of a sensible size, before reading a byte of it."""
    mode = st.st_mode
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: it is {kind}, not a file; "
                                  "give the path of a rules file such as my-rules.yaml")])
    if st.st_size > MAX_RULES_BYTES:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: it is {_mib(st.st_size)}; "
                                  f"a rules file may be at most {_mib(MAX_RULES_BYTES)}")])


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def read_rules_bytes(target: str) -> bytes:
    """The bytes of a rules file: a regular file of at most ``MAX_RULES_BYTES``, else ``RulesError``.

    Opened without blocking and checked again once open, so a path that is (or becomes) a
    pipe or a device is refused, never waited on or read for ever.
    """
    try:
        _check_file(target, os.stat(target))
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: {exc.strerror or exc}")]) from None
    try:
        _check_file(target, os.fstat(fd))
        chunks, size = [], 0
        while size <= MAX_RULES_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: {exc.strerror or exc}")]) from None
    finally:
        os.close(fd)
    if size > MAX_RULES_BYTES:  # it grew while being read
        raise RulesError([Problem(target, 0, 0, f"cannot read the rules file: it is over {_mib(MAX_RULES_BYTES)}, "
                                  f"the most a rules file may be")])
    return b"".join(chunks)


def is_shipped(target: str) -> bool:
    """True for the rules file shipped with spinetriage (whatever path names it)."""
    try:
        return os.path.samefile(target, default_rules_path())
    except OSError:
        return False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while a rules file is read and checked.

    Loading builds many objects that all stay alive (the YAML nodes, the data, a position
    for every node); the collector's full passes over them made loading grow much faster
    than the file (10x the rules took 25x the time). Nothing made here needs collecting
    before the load ends; collection resumes afterwards as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_path(target: str) -> RuleSet:
    with _gc_paused():
        return _load_path_now(target)


def _load_path_now(target: str) -> RuleSet:
    raw = read_rules_bytes(target)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:  # point at the byte, so that it can be found and fixed
        line = raw.count(b"\n", 0, exc.start) + 1
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise RulesError([Problem(target, line, col, f"not UTF-8 text: the byte {raw[exc.start]:#04x} cannot be read; "
                                  "save the file as UTF-8")]) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it
    snapshot = snapshot_path(target)
    if is_shipped(target) and snapshot.is_file():
        # The shipped rules carry a snapshot of their parsed form; it is used only for the shipped
        # file, and only when it was made from exactly this text, so an edited file (or a copy
        # given with --rules, snapshot and all) is always read from its YAML. The snapshot's
        # rules go through every check below, the safety check included.
        _refuse_forbidden_chars(text, target)
        src = from_snapshot(snapshot.read_text(encoding="utf-8"), text, target)
        if src is not None:
            ruleset = _Checker(src).check()
            if ruleset is not None and not src.problems:
                return ruleset
    return load_rules_text(text, target)


def _refuse_forbidden_chars(text: str, file: str) -> None:
    """``RulesError`` naming every control or bidi character in ``text``, with its line and column."""
    first = _FORBIDDEN_CHARS.search(text)
    if first is None:
        return
    problems = []
    line, line_start, counted_to = 1, 0, 0
    for m in _FORBIDDEN_CHARS.finditer(text, first.start()):
        at = m.start()
        line += text.count("\n", counted_to, at)
        counted_to = at
        line_start = text.rfind("\n", 0, at) + 1
        char = m.group()
        name = _CHAR_NAMES.get(char, "a control character" if ord(char) < 0xA0 else "a bidirectional-text control")
        problems.append(Problem(file, line, at - line_start + 1,
                                f"the character U+{ord(char):04X} ({name}) is not allowed in a rules file: "
                                "control characters (other than tab and newline), line separators "
                                "and bidirectional-text controls could hide or change text on a terminal; "
                                "delete it"))
    raise RulesError(problems)


def snapshot_path(rules_path: str | os.PathLike[str]) -> Path:
    """``rules/spine-pain.yaml`` -> ``rules/spine-pain.snapshot.json``."""
    path = Path(rules_path)
    return path.with_name(path.stem + ".snapshot.json")


def write_snapshot(path: str | os.PathLike[str] | None = None) -> Path:
    """(Re)write the snapshot of a valid rules file, so that starting up skips PyYAML.

    Run after editing the shipped rules (a test fails while the snapshot is stale):
    ``python -c "from spinetriage.rules import write_snapshot; write_snapshot()"``
    """
    from spinetriage import yamlsrc

    path = Path(path or default_rules_path())
    text = path.read_text(encoding="utf-8")
    src = yamlsrc.load(text, str(path))
    if _Checker(src).check() is None or src.problems:
        raise RulesError(src.problems)
    target = snapshot_path(path)
    target.write_text(to_snapshot(src) + "\n", encoding="utf-8")
    return target


def load_rules_text(text: str, file: str = "<rules>") -> RuleSet:
    """Check and compile rules given as YAML text. Raises ``RulesError`` with every problem."""
    with _gc_paused():
        return _load_text(text, file)


def _load_text(text: str, file: str) -> RuleSet:
    from spinetriage import yamlsrc  # PyYAML is imported only when a file is parsed

    _refuse_forbidden_chars(text, file)
    src = yamlsrc.load(text, file)
    if src.problems and src.data is None:
        raise RulesError(src.problems)
    ruleset = _Checker(src).check()
    errors = [p for p in src.problems if p.severity == "error"]
    if errors or ruleset is None:
        raise RulesError(sorted(errors, key=lambda p: (p.line, p.col)))
    return ruleset


# --- the safety invariant ---------------------------------------------------------------


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


def _closest(word: Any, options: Any) -> str | None:
    import difflib  # only when there is a mistake to suggest a fix for

    if not isinstance(word, str):
        return None
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def _suggest(word: Any, options: Any) -> str:
    close = _closest(word, options)
    return f" (did you mean {close!r}?)" if close else ""


class _Checker:
    """Walks the loaded data, records every problem, and builds the RuleSet."""

    def __init__(self, src: Source):
        self.src = src

    # small helpers ---------------------------------------------------------------------

    def error(self, path: tuple, message: str, key: bool = False) -> None:
        """Record a problem, unless the value there was already refused while reading the YAML."""
        if self.src.is_refused(path):
            return
        self.src.problem(path, message, key=key)

    def at(self, path: tuple) -> tuple[int, int]:
        return self.src.where(path)

    def keys(self, data: Any, path: tuple, spec: dict[str, bool], what: str) -> bool:
        """Check a mapping's keys against ``spec`` (key -> required). False if not a mapping."""
        if not isinstance(data, dict):
            self.error(path, f"{what} must be a mapping of keys to values, not {self.kind(data, path)}")
            return False
        meant = set()  # keys an unknown key probably stands for: that message already names them
        for key in data:
            if key not in spec:
                close = _closest(key, spec)
                meant.add(close)
                suggestion = f" (did you mean {close!r}?)" if close else ""
                self.error(path + (key,), f"unknown key {key!r} in {what}{suggestion}; "
                           f"allowed: {', '.join(spec)}", key=True)
        for key, required in spec.items():
            if required and key not in data and key not in meant:
                self.error(path, f"{what} has no {key!r}")
        return True

    def kind(self, value: Any, path: tuple) -> str:
        """How a value reads to a person: the text 'x', the number 3, yes (which YAML reads as true) ..."""
        if path in self.src.yaml11_words:
            return f"{self.src.yaml11_words[path]} (which YAML reads as {str(value).lower()})"
        if value is None:
            return "nothing"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (int, float)):
            return f"the number {value}"
        if isinstance(value, str):
            return f"the text {value!r}"
        return {list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)

    def quote_hint(self, path: tuple, label: str) -> bool:
        """Report a YAML 1.1 boolean word (no, yes, on, off) where a word was meant. True if reported."""
        if not self.src.yaml11_words:  # always so for a snapshot, and for most files
            return False
        word = self.src.yaml11_words.get(path)
        if word is None:
            return False
        self.error(path, f"{label}: {word} is read by YAML as true/false; put it in quotes: '{word}'")
        return True

    def text(self, data: dict, key: Any, path: tuple, what: str) -> str:
        value = data.get(key)
        if key not in data:
            return ""
        if isinstance(value, str) and value.strip():
            return value.strip()
        if self.quote_hint(path + (key,), what):
            return ""
        if isinstance(value, str):
            self.error(path + (key,), f"{what} is empty")
        else:
            self.error(path + (key,), f"{what} must be text, not {self.kind(value, path + (key,))}")
        return ""

    def texts(self, data: Any, path: tuple, what: str) -> tuple[str, ...]:
        if not isinstance(data, list):
            self.error(path, f"{what} must be a list of texts, not {self.kind(data, path)}")
            return ()
        out = (self.text({i: item}, i, path, f"{what} item") for i, item in enumerate(data))
        return tuple(t for t in out if t)

    def ident(self, data: dict, path: tuple, what: str, first_line: dict[str, int]) -> str:
        """A rule or case id: text, lower-case words joined by hyphens, not used before."""
        ident = self.text(data, "id", path, f"{what} id")
        if not ident:
            return ""
        if not _ID.fullmatch(data["id"]):
            self.error(path + ("id",), f"{what} id {data['id']!r}: use lower-case letters, digits and hyphens "
                       "only, e.g. 'night-pain'")
        if ident in first_line:
            self.error(path + ("id",), f"duplicate {what} id {ident!r}: it is also at line {first_line[ident]}")
        else:
            first_line[ident] = self.at(path + ("id",))[0]
        return ident

    @staticmethod
    def named(item: Any, what: str) -> str:
        """'rule 'fever'' when the item has a usable id, else 'a rule'."""
        ident = item.get("id") if isinstance(item, dict) else None
        return f"{what} {ident.strip()!r}" if isinstance(ident, str) and ident.strip() else f"a {what}"

    # the document ----------------------------------------------------------------------

    def check(self) -> RuleSet | None:
        data, top = self.src.data, ()
        if not self.keys(data, top, TOP_KEYS, "the rules file"):
            return None
        version = self.version(data)
        outcomes = self.outcomes(data["outcomes"], ("outcomes",)) if "outcomes" in data else ()
        phases = self.phases(data["phases"], ("phases",)) if "phases" in data else {}
        safety = self.safety_net(data["safety_net"], ("safety_net",)) if "safety_net" in data else {}
        disclaimer = self.text(data, "disclaimer", top, "disclaimer")
        limits = self.texts(data["limits"], ("limits",), "limits") if "limits" in data else ()
        by_id = {o.id: o for o in outcomes}
        rules, declared = self.rules(data["rules"], ("rules",), by_id) if "rules" in data else ((), set())
        cases = self.cases(data["cases"], ("cases",), declared) if "cases" in data else ()
        if any(p.severity == "error" for p in self.src.problems):
            return None
        ordered = tuple(sorted(rules, key=lambda r: r.outcome.rank))
        ruleset = RuleSet(
            file=self.src.file, version=version, outcomes=outcomes, rules=ordered,
            phases=phases, safety_net=safety, disclaimer=disclaimer, cases=cases, limits=limits,
            source=self.src, _match=_compile(ordered),
        )
        self.src.problems.extend(safety_problems(ruleset, self.src))
        if any(p.severity == "error" for p in self.src.problems):
            return None
        return ruleset

    def version(self, data: dict) -> str:
        if "version" not in data:
            return ""
        value = data["version"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # unquoted, 2026.10 would silently become 2026.1
            self.error(("version",), f"version must be text in quotes, e.g. version: \"2026.11.26\"; "
                       f"unquoted, YAML reads it as the number {value}")
            return ""
        return self.text(data, "version", (), "version")

    def outcomes(self, data: Any, path: tuple) -> tuple[Outcome, ...]:
        if not isinstance(data, list) or not data:
            self.error(path, "outcomes must be a list, most urgent first: " + ", ".join(OUTCOME_IDS))
            return ()
        found: list[Outcome] = []
        found_at: list[int] = []
        first_line: dict[str, int] = {}
        for i, item in enumerate(data):
            p = path + (i,)
            if not self.keys(item, p, OUTCOME_KEYS, self.named(item, "outcome")):
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
            first_line[oid] = self.at(p + ("id",))[0]
            steps = self.texts(item["steps"], p + ("steps",), "steps") if "steps" in item else ()
            if_worse = self.text(item, "if_worse", p, "if_worse") if "if_worse" in item else ""
            found.append(Outcome(oid, OUTCOME_IDS.index(oid), self.text(item, "title", p, "title"),
                                 self.text(item, "advice", p, "advice"), steps, if_worse))
            found_at.append(i)
        # point at the slot where a missing outcome belongs, or at the first one out of order
        present = [o.id for o in found]
        for rank, oid in enumerate(OUTCOME_IDS):
            if oid not in present:
                slot = path + (rank,) if rank < len(data) else path
                self.error(slot, f"the outcome ladder has a gap: {oid!r} is missing here "
                           f"(the ladder is {', '.join(OUTCOME_IDS)}, most urgent first)")
        expected = [o for o in OUTCOME_IDS if o in present]
        if present != expected:
            first = next(i for i, (a, b) in enumerate(zip(present, expected)) if a != b)
            self.error(path + (found_at[first],), "outcomes must be listed most urgent first: " + ", ".join(expected))
        return tuple(sorted(found, key=lambda o: o.rank))

    def phases(self, data: Any, path: tuple) -> dict[str, dict[str, str]]:
        if not self.keys(data, path, {p: True for p in PHASES}, "phases"):
            return {}
        out = {}
        for name in PHASES:
            p = path + (name,)
            if name in data and self.keys(data[name], p, PHASE_KEYS, f"phase {name}"):
                out[name] = {k: self.text(data[name], k, p, f"phase {name} {k}") for k in PHASE_KEYS}
        return out

    def safety_net(self, data: Any, path: tuple) -> dict[str, Any]:
        if not self.keys(data, path, SAFETY_KEYS, "safety_net"):
            return {}
        signs: tuple[str, ...] = ()
        if "emergency_signs" in data:
            p = path + ("emergency_signs",)
            signs = self.texts(data["emergency_signs"], p, "emergency_signs")
            if data["emergency_signs"] == []:
                self.error(p, "emergency_signs must list at least one sign")
        return {"emergency_signs": list(signs), "if_worse": self.text(data, "if_worse", path, "if_worse")}

    # rules -----------------------------------------------------------------------------

    def rules(self, data: Any, path: tuple, outcomes: dict[str, Outcome]) -> tuple[tuple[Rule, ...], set[str]]:
        """The valid rules, and the ids of every rule written (so cases do not repeat an error)."""
        if not isinstance(data, list) or not data:
            self.error(path, f"rules must be a list of rules, not {self.kind(data, path)}")
            return (), set()
        out: list[Rule] = []
        declared: set[str] = set()
        first_line: dict[str, int] = {}
        for i, item in enumerate(data):
            p = path + (i,)
            if not self.keys(item, p, RULE_KEYS, self.named(item, "rule")):
                continue
            rid = self.ident(item, p, "rule", first_line)
            if rid:
                declared.add(rid)
            oid = self.text(item, "outcome", p, "outcome")
            outcome = outcomes.get(oid)
            if oid and oid not in OUTCOME_IDS:
                self.error(p + ("outcome",), f"unknown outcome {oid!r}{_suggest(oid, OUTCOME_IDS)}; "
                           f"outcomes are: {', '.join(OUTCOME_IDS)}")
            reason = self.text(item, "reason", p, "reason")
            source = self.text(item, "source", p, "source")
            if "note" in item:
                self.text(item, "note", p, "note")
            cond = self.condition(item["when"], p + ("when",)) if "when" in item else None
            if rid and outcome and cond and reason and source:
                line, col = self.at(p + ("id",))
                out.append(Rule(rid, outcome, cond, reason, source, line, col, self.src.where(p + ("when",), key=True),
                                self.src.where(p + ("outcome",))))
        return tuple(out), declared

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
                return parse_duration(value)
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

    # cases -----------------------------------------------------------------------------

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
                return parse_duration(value)
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
