"""The JSON Schema of a rules file, generated from the same vocabulary the loader checks.

rules/rules.schema.json is this output; tests/test_schema.py keeps them equal. The loader checks
more than a schema can say: duplicate keys and ids, that ``matches`` names real rules, quotes
around yes/no words, and that a condition only matches more as answers are added.
"""

from __future__ import annotations

import re
from typing import Any

from spinetriage.core.ruleset import (
    CASE_KEYS,
    ID_PATTERN,
    OPERATORS,
    OUTCOME_IDS,
    OUTCOME_KEYS,
    PHASE_KEYS,
    PHASES,
    RULE_KEYS,
    SAFETY_KEYS,
    TOP_KEYS,
)
from spinetriage.core.vocabulary import QUESTIONS, UNITS


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "description": description}


def _any_case(word: str) -> str:
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


#: A duration written with a unit, as ``parse_duration`` reads it: 4w, 28d, 2 months, 1 Year.
DURATION_PATTERN = (r"^\s*\+?\s*[0-9]+\s*(?:"
                    + "|".join(_any_case(u) for u in sorted(UNITS, key=lambda u: (-len(u), u))) + r")\s*$")


def _words(key: str) -> list[str]:
    q = QUESTIONS[key]
    return list(q.choices) + list(q.aliases)


def _condition_schema() -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key, q in QUESTIONS.items():
        ops: dict[str, Any] = {}
        for op, what in OPERATORS[q.kind].items():
            if q.kind == "bool":
                ops[op] = {"type": "boolean"}
            elif q.kind == "int":
                lo, hi = q.bounds or (0, 0)
                number = {"type": "integer", "minimum": lo, "maximum": hi}
                ops[op] = ({"oneOf": [number, {"type": "string", "pattern": DURATION_PATTERN}]}
                           if key == "duration_days" else number)
            else:
                word = {"type": "string", "enum": _words(key)}
                ops[op] = {"type": "array", "items": word, "minItems": 1} if what.startswith("a list") else word
            ops[op]["description"] = f"{op}: {what}"
        answers[key] = {"type": "object", "properties": ops, "additionalProperties": False, "minProperties": 1,
                        "description": f"a test on the answer {key}"}
    combinators = {
        k: {"type": "array", "items": {"$ref": "#/$defs/condition"}, "minItems": 1,
            "description": f"{k} of these conditions"} for k in ("all", "any")
    }
    return {
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "properties": {**combinators, **answers}, "additionalProperties": False,
        "description": "all / any of conditions, or one answer with its test(s)",
    }


def _answers_schema() -> dict[str, Any]:
    props: dict[str, Any] = {}
    for key, q in QUESTIONS.items():
        if q.kind == "set":
            props[key] = {"type": "array", "items": {"type": "string", "enum": _words(key)}}
            if key == "location":
                props[key]["minItems"] = 1
        elif q.kind == "choice":
            props[key] = {"type": "string", "enum": _words(key)}
        elif q.kind == "bool":
            props[key] = {"type": "boolean"}
        else:
            lo, hi = q.bounds or (0, 0)
            props[key] = {"type": "integer", "minimum": lo, "maximum": hi}
    props["duration"] = {"type": "string", "pattern": DURATION_PATTERN,
                         "description": "a whole number with a unit: 3d, 2w, 4m, 1y"}
    return {"type": "object", "properties": props, "additionalProperties": False,
            "not": {"required": ["duration", "duration_days"]},
            "description": "the answers of the case; leave out an answer that is not given"}


def _object(props: dict[str, Any], spec: dict[str, bool], description: str = "") -> dict[str, Any]:
    out = {"type": "object", "properties": props, "required": [k for k, req in spec.items() if req],
           "additionalProperties": False}
    if description:
        out["description"] = description
    return out


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a rules file, generated from the same vocabulary the loader checks."""
    outcome = {"type": "string", "enum": list(OUTCOME_IDS)}
    ident = {"type": "string", "pattern": ID_PATTERN, "description": "lower-case letters, digits and hyphens"}
    phase = _object({"text": _text("what this phase means"), "source": _text("where it comes from")}, PHASE_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://spinetriage.invalid/rules.schema.json",
        "title": "spinetriage rules file",
        **_object({
            "version": _text("version of this rules file, in quotes"),
            "outcomes": {
                "type": "array", "minItems": len(OUTCOME_IDS), "maxItems": len(OUTCOME_IDS),
                "description": "the outcome ladder, most urgent first: " + ", ".join(OUTCOME_IDS),
                "prefixItems": [{"properties": {"id": {"const": oid}}} for oid in OUTCOME_IDS],
                "items": _object({
                    "id": outcome, "title": _text("one line for people"), "advice": _text("what to do next"),
                    "steps": {"type": "array", "items": _text("one step")},
                    "if_worse": _text("what to do if it gets worse, for this outcome (replaces safety_net.if_worse)"),
                }, OUTCOME_KEYS),
            },
            "phases": _object({p: phase for p in PHASES}, {p: True for p in PHASES},
                              "acute (under 4 weeks), subacute (4 to 12 weeks), chronic (12 weeks or more)"),
            "safety_net": _object({
                "emergency_signs": {"type": "array", "items": _text("one sign"), "minItems": 1},
                "if_worse": _text("what to do if it gets worse"),
            }, SAFETY_KEYS, "shown with every recommendation"),
            "disclaimer": _text("one line: this is not a diagnosis"),
            "limits": {"type": "array", "items": _text("one limit"),
                       "description": "what the tool keeps on purpose and cannot ask yet, in plain words; "
                                      "shown at the end of saved reports"},
            "rules": {"type": "array", "minItems": 1, "items": _object({
                "id": ident,
                "outcome": outcome,
                "when": {"$ref": "#/$defs/condition"},
                "reason": _text("why this matters, in plain words"),
                "source": _text("the article's words or the named guideline"),
                "note": _text("a remark for people editing the rules; not shown to users"),
            }, RULE_KEYS)},
            "cases": {"type": "array", "items": _object({
                "id": ident,
                "answers": {"$ref": "#/$defs/answers"},
                "expect": outcome,
                "matches": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN},
                            "description": "the ids of exactly the rules that must match"},
                "note": _text("a remark for people editing the rules"),
            }, CASE_KEYS)},
        }, TOP_KEYS),
        "$defs": {"condition": _condition_schema(), "answers": _answers_schema()},
    }
