"""Check every part of a loaded rules document, record every problem with its place, and build
the ``RuleSet``. The checks are split by concern: the document's structure here, conditions in
``conditions``, example cases in ``cases``, the safety invariant in ``safety``."""

from __future__ import annotations

from typing import Any

from spinetriage.core.parse import show
from spinetriage.core.ruleset import (
    _ID,
    OUTCOME_IDS,
    OUTCOME_KEYS,
    PHASE_KEYS,
    PHASES,
    RULE_KEYS,
    SAFETY_KEYS,
    TOP_KEYS,
    Outcome,
    Rule,
    RuleSet,
    _compile,
)
from spinetriage.rules.cases import CaseChecks
from spinetriage.rules.conditions import ConditionChecks
from spinetriage.rules.hints import closest
from spinetriage.rules.hints import suggest as _suggest
from spinetriage.rules.safety import safety_problems
from spinetriage.rules.source import Source


class Checker(ConditionChecks, CaseChecks):
    """Walks the loaded data, records every problem, and builds the RuleSet.

    (A class of many short methods, one per part of the file, sharing the document and its
    problems; about 240 lines with the small helpers the mixins use too.)

    The structure of the document is checked here; conditions and cases by the two mixins,
    which use the small helpers below (``error``, ``kind``, ``text`` ...).
    """

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
                close = closest(key, spec)
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
        if isinstance(value, str):  # shortened: a file that is not a rules file is never echoed whole
            return f"the text {show(value, 80)}"
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
        """The checked RuleSet, or None with every problem in ``src.problems``."""
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
            phases=phases, safety_net=safety, disclaimer=disclaimer, _cases=cases, limits=limits,
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
        text = self.text(data, "version", (), "version")
        return self.one_line(text, ("version",), "version", 60)

    def one_line(self, text: str, path: tuple, what: str, most: int) -> str:
        """``text`` when it is one short line; otherwise records why not. A version or a title is
        printed in headings, file names and FHIR identifiers, where a line break or a page of text
        would break the layout or pass for other text."""
        if "\n" in text or "\t" in text or len(text) > most:
            self.error(path, f"{what} must be one line of at most {most} characters, without tabs "
                       f"(it has {text.count(chr(10)) + 1} lines and {len(text)} characters)")
            return ""
        return text

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
            title = self.one_line(self.text(item, "title", p, "title"), p + ("title",), "title", 100)
            found.append(Outcome(oid, OUTCOME_IDS.index(oid), title, self.text(item, "advice", p, "advice"),
                                 steps, if_worse))
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
