"""Check a file of the rules' words in another language (``<stem>.<lang>.yaml``, see
``spinetriage.rules.texts``) against the RuleSet it translates, and build its ``Texts``."""

from __future__ import annotations

from typing import Any

from spinetriage.core.errors import Problem
from spinetriage.core.ruleset import OUTCOME_IDS, PHASES, Outcome, RuleSet, Texts
from spinetriage.rules.checker import Checker
from spinetriage.rules.hints import suggest
from spinetriage.rules.texts import language_name

#: The keys of a language file (key -> required); ``limits`` is required when the rules have limits.
TOP_KEYS = {"lang": True, "version": True, "outcomes": True, "phases": True, "safety_net": True,
            "disclaimer": True, "limits": False, "rules": True}


class TextsChecker(Checker):
    """A language file against the RuleSet it translates, with the rules checker's helpers (each
    problem placed at its line and column, a misspelt key named with what it may mean).

    (About 160 lines: one short method per part of the file, as in ``Checker``.)"""

    def __init__(self, src: Any, ruleset: RuleSet, lang: str, stamp: tuple[int, int] = (0, 0)):
        super().__init__(src)
        self.ruleset = ruleset
        self.lang = lang
        self.stamp = stamp
        self.rules_file = ruleset.file
        self.name = language_name(lang)

    def at_rules(self, line: int, col: int) -> str:
        return f" ({self.rules_file}:{line}:{col})" if line else ""

    def check(self) -> Texts | None:
        data, top = self.src.data, ()
        spec = dict(TOP_KEYS, limits=bool(self.ruleset.limits))
        if not self.keys(data, top, spec, f"the {self.name} texts of the rules"):
            return None
        self.language(data)
        self.same_version(data)
        outcomes = self.outcomes_of(data["outcomes"], ("outcomes",)) if "outcomes" in data else {}
        phases = self.phases_of(data["phases"], ("phases",)) if "phases" in data else {}
        net = self.safety_net_of(data["safety_net"], ("safety_net",)) if "safety_net" in data else {}
        disclaimer = self.text(data, "disclaimer", top, "disclaimer")
        limits = self.limits_of(data) if "limits" in data else ()
        reasons = self.reasons_of(data["rules"], ("rules",)) if "rules" in data else {}
        if any(p.severity == "error" for p in self.src.problems):
            return None
        return Texts(self.lang, self.src.file, outcomes, phases, net, disclaimer, limits, reasons, self.stamp)

    def language(self, data: dict) -> None:
        if "lang" not in data:
            return
        lang = self.text(data, "lang", (), "lang")
        if lang and lang != self.lang:
            self.error(("lang",), f"lang is {lang!r}, but the file's name says {self.lang!r} "
                       f"(<rules file name>.{self.lang}.yaml): make them the same")

    def same_version(self, data: dict) -> None:
        if "version" not in data:
            return
        value = data["version"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.error(("version",), f"version must be text in quotes, e.g. version: \"{self.ruleset.version}\"; "
                       f"unquoted, YAML reads it as the number {value}")
            return
        version = self.text(data, "version", (), "version")
        if version and version != self.ruleset.version:
            self.error(("version",), f"version {version!r} is not the rules' version {self.ruleset.version!r} "
                       f"({self.rules_file}): these {self.name} texts were written for other rules; bring "
                       f"them up to date with the rules file, then copy its version here")

    def missing(self, path: tuple, what: str) -> None:
        """A text the rules have and this file lacks: at its mapping's key (the place to add it)."""
        if self.src.is_refused(path):
            return
        line, col = self.src.where(path, key=True) if path in self.src.key_positions else self.src.where(path)
        self.src.problems.append(Problem(self.src.file, line, col, what))

    def mapping(self, data: Any, path: tuple, what: str) -> bool:
        if isinstance(data, dict):
            return True
        self.error(path, f"{what} must be a mapping, not {self.kind(data, path)}")
        return False

    def outcomes_of(self, data: Any, path: tuple) -> dict[str, Outcome]:
        if not self.mapping(data, path, "outcomes (outcome id: its texts)"):
            return {}
        out: dict[str, Outcome] = {}
        for oid in data:
            if oid not in self.ruleset.outcome_by_id:
                self.error(path + (oid,), f"unknown outcome {oid!r}{suggest(str(oid), OUTCOME_IDS)}; "
                           f"the rules' outcomes are: {', '.join(o.id for o in self.ruleset.outcomes)}", key=True)
        for outcome in self.ruleset.outcomes:
            p = path + (outcome.id,)
            if outcome.id not in data:
                self.missing(path, f"no {self.name} texts for the outcome {outcome.id!r}: add {outcome.id}: "
                             "with its title, advice" + (", if_worse" if outcome.if_worse else "")
                             + (" and steps" if outcome.steps else ""))
                continue
            item = data[outcome.id]
            spec = {"title": True, "advice": True, "steps": bool(outcome.steps), "if_worse": bool(outcome.if_worse)}
            if not self.keys(item, p, spec, f"outcome {outcome.id!r}"):
                continue
            for key in ("steps", "if_worse"):
                if key in item and not spec[key]:
                    self.error(p + (key,), f"outcome {outcome.id!r} has no {key} in the rules file "
                               f"({self.rules_file}); delete it here, or add it there first", key=True)
            title = self.one_line(self.text(item, "title", p, "title"), p + ("title",), "title", 100)
            advice = self.text(item, "advice", p, "advice")
            if_worse = self.text(item, "if_worse", p, "if_worse") if spec["if_worse"] else ""
            steps: tuple[str, ...] = ()
            if spec["steps"] and "steps" in item:
                steps = self.texts(item["steps"], p + ("steps",), "steps")
                self.same_length(item["steps"], steps, outcome.steps, p + ("steps",),
                                 f"steps of the outcome {outcome.id!r}", "step")
            out[outcome.id] = Outcome(outcome.id, outcome.rank, title, advice, steps, if_worse)
        return out

    def same_length(self, raw: Any, got: tuple[str, ...], want: tuple[str, ...], path: tuple, what: str,
                    item: str) -> None:
        if isinstance(raw, list) and len(raw) != len(want):
            self.error(path, f"{what}: {len(raw)} here, {len(want)} in the rules file ({self.rules_file}); "
                       f"translate each {item}, in the same order, one for one")

    def phases_of(self, data: Any, path: tuple) -> dict[str, dict[str, str]]:
        if not self.keys(data, path, {p: p in self.ruleset.phases for p in PHASES}, "phases"):
            return {}
        out = {}
        for name in PHASES:
            if name in data and self.keys(data[name], path + (name,), {"text": True}, f"phase {name}"):
                out[name] = {"text": self.text(data[name], "text", path + (name,), f"phase {name} text"),
                             "source": self.ruleset.phases.get(name, {}).get("source", "")}
        return out

    def safety_net_of(self, data: Any, path: tuple) -> dict[str, Any]:
        if not self.keys(data, path, {"emergency_signs": True, "if_worse": True}, "safety_net"):
            return {}
        signs: tuple[str, ...] = ()
        if "emergency_signs" in data:
            p = path + ("emergency_signs",)
            signs = self.texts(data["emergency_signs"], p, "emergency_signs")
            self.same_length(data["emergency_signs"], signs, tuple(self.ruleset.safety_net.get("emergency_signs", ())),
                             p, "emergency_signs", "sign")
        return {"emergency_signs": list(signs), "if_worse": self.text(data, "if_worse", path, "if_worse")}

    def limits_of(self, data: dict) -> tuple[str, ...]:
        path = ("limits",)
        if not self.ruleset.limits:
            self.error(path, f"the rules file ({self.rules_file}) has no limits; delete them here, or add "
                       "them there first", key=True)
            return ()
        limits = self.texts(data["limits"], path, "limits")
        self.same_length(data["limits"], limits, self.ruleset.limits, path, "limits", "limit")
        return limits

    def reasons_of(self, data: Any, path: tuple) -> dict[str, str]:
        if not self.mapping(data, path, "rules (rule id: its reason)"):
            return {}
        by_id = {r.id: r for r in self.ruleset.rules}
        for rid in data:
            if rid not in by_id:
                self.error(path + (rid,), f"unknown rule {rid!r}{suggest(str(rid), by_id)}: the rules file "
                           f"({self.rules_file}) has no rule of that id; delete it, or correct the id", key=True)
        out: dict[str, str] = {}
        for rule in self.ruleset.rules:
            if rule.id not in data:
                self.missing(path, f"no {self.name} reason for the rule {rule.id!r}{self.at_rules(rule.line, rule.col)}: "
                             f"add {rule.id}: \"...\" under rules:")
                continue
            reason = self.text(data, rule.id, path, f"the reason of the rule {rule.id!r}")
            if reason:
                out[rule.id] = reason
        return out
