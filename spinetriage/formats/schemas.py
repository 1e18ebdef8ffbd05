"""JSON Schemas of what spinetriage writes for scripts: the ``ask --format json`` object and
each ``batch`` line (also what ``triage_record`` returns).

Generated from the same vocabulary the code uses (outcome ids, phases, answers and their
values), and shipped as files inside the package (``spinetriage/data/schemas/*.json``), read with::

    from importlib.resources import files
    schema = json.loads(files("spinetriage").joinpath("data/schemas/result.schema.json").read_text())

Every key of the contract is required and typed; the documented extra keys (``safety_net``,
``date`` in a saved report, ``ignored`` on a batch line) are allowed and typed too; any other
key is refused, so a misspelt or unannounced key fails validation instead of passing unseen.
After changing the vocabulary run ``python -m spinetriage.formats.schemas`` (a test compares).
Pure: no terminal, no third-party import.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spinetriage.core.ruleset import ID_PATTERN, OUTCOME_IDS, PHASES
from spinetriage.core.vocabulary import MAX_DURATION_DAYS, QUESTIONS

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "schemas"
BASE_ID = "https://spinetriage.invalid/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "description": description}


def _nullable(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": properties,
            "required": required, "additionalProperties": False}


def _outcome() -> dict[str, Any]:
    return {"enum": list(OUTCOME_IDS), "description": "the outcome id, most urgent first: " + ", ".join(OUTCOME_IDS)}


def _phase() -> dict[str, Any]:
    return {"enum": [*PHASES, None],
            "description": "acute (under 4 weeks), subacute (4 to under 12), chronic (12 or more); "
                           "null when the duration was not asked (an emergency ended the questions)"}


def _choices(key: str) -> list[str]:
    return list(QUESTIONS[key].choices)


def _answers() -> dict[str, Any]:
    lo_age, hi_age = QUESTIONS["age"].bounds or (0, 0)

    def values(key: str, min_items: int) -> dict[str, Any]:
        return {"type": "array", "items": {"enum": _choices(key)}, "uniqueItems": True, "minItems": min_items}

    properties = {
        "location": _nullable(values("location", 1), "where it hurts, in vocabulary order"),
        "duration_days": _nullable({"type": "integer", "minimum": 0, "maximum": MAX_DURATION_DAYS},
                                   "how long, in days"),
        "radiation": _nullable({"enum": _choices("radiation")}, "spreads into the limbs"),
        "recurrent": _nullable({"type": "boolean"}, "keeps coming back despite rest or medication"),
        "limits_activities": _nullable({"type": "boolean"}, "limits daily activities or work"),
        "age": _nullable({"type": "integer", "minimum": lo_age, "maximum": hi_age}, "age in years"),
        "red_flags": _nullable(values("red_flags", 0), "the red-flag ids present (empty: none)"),
        "course": _nullable({"enum": _choices("course")}, "since the last check (asked at a re-check); "
                            "null when not asked"),
    }
    return _object(properties, list(properties),
                   "the normalised answers given; an answer not asked is null")


def result_schema() -> dict[str, Any]:
    """The object ``spinetriage ask --format json`` prints (and ``--output FILE.json`` saves)."""
    reason = _object({
        "rule": {"type": "string", "pattern": ID_PATTERN, "description": "the rule's id"},
        "outcome": _outcome(),
        "text": _text("why, in plain words"),
        "source": _text("where the criterion comes from"),
    }, ["rule", "outcome", "text", "source"], "one matching rule")
    properties = {
        "outcome": _outcome(),
        "title": _text("one line for people"),
        "advice": _text("what to do next, in plain words"),
        "reasons": {"type": "array", "items": reason, "description": "the matching rules, most urgent first"},
        "phase": _phase(),
        "answers": _answers(),
        "rules_version": _text("the version string of the rules file used"),
        # documented extras, beyond the contract's keys
        "safety_net": _object({
            "emergency_signs": {"type": "array", "items": _text("one sign"), "minItems": 1},
            "if_worse": _text("what to do if it gets worse"),
        }, ["emergency_signs", "if_worse"], "shown with every recommendation: when to call the emergency number"),
        "region": _object({
            "code": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
            "name": _text("the region as the texts name it"),
            "emergency": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]+$"}, "minItems": 1,
                          "description": "its emergency numbers, the first the one to say first"},
            "urgent": _nullable(_object({"name": _text("the line's name"), "number": _text("its number")},
                                        ["name", "number"], "the urgent-advice line"),
                                "the urgent-advice line, null where the region has none"),
        }, ["code", "name", "emergency", "urgent"],
            "only with a region (--region, or the locale's): the numbers the texts name"),
        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                 "description": "the day the report was saved (only in a file written by --output)"},
        "lang": {"type": "string", "pattern": "^[a-z]{2,3}$",
                 "description": "the language of the report's words (only in a file written by --output)"},
        "since": _object({
            "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                     "description": "the day of the earlier report"},
            "outcome": _outcome(),
            "changes": {"type": "array", "description": "the answers that changed since, in vocabulary order",
                        "items": _object({"answer": {"enum": list(QUESTIONS), "description": "the answer's key"},
                                          "was": {"description": "its value then, as in answers (null: not asked)"},
                                          "now": {"description": "its value now, as in answers (null: not asked)"}},
                                         ["answer", "was", "now"], "one answer that changed")},
        }, ["date", "outcome", "changes"], "only from spinetriage recheck: the earlier report and what changed"),
    }
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + "result.schema.json",
        "title": "spinetriage ask --format json",
        **_object(properties, ["outcome", "title", "advice", "reasons", "phase", "answers", "rules_version"],
                  "one recommendation; the contract's keys are required, safety_net and date are documented extras"),
    }


def batch_line_schema() -> dict[str, Any]:
    """One line of ``spinetriage batch`` output, and what ``triage_record`` returns."""
    ident = {"description": "the record's id as given (any JSON value), null when it had none"}
    outcome_line = _object({
        "id": ident,
        "outcome": _outcome(),
        "reasons": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN},
                    "description": "ids of the matching rules, most urgent first"},
        "phase": _phase(),
        "ignored": {"type": "array", "items": _text("one value that was not read, and why"), "minItems": 1,
                    "description": "only when an emergency sign decided despite bad values: what was ignored"},
    }, ["id", "outcome", "reasons", "phase"], "a triaged record")
    error_line = _object({
        "id": ident,
        "line": _nullable({"type": "integer", "minimum": 1},
                          "the record's line in the input (null from triage_record, which knows no lines)"),
        "error": _text("what is wrong and what is accepted"),
    }, ["id", "line", "error"], "a record that cannot be triaged")
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + "batch-line.schema.json",
        "title": "one line of spinetriage batch output",
        "oneOf": [{"$ref": "#/$defs/outcome"}, {"$ref": "#/$defs/error"}],
        "$defs": {"outcome": outcome_line, "error": error_line},
    }


SCHEMAS = {"result.schema.json": result_schema, "batch-line.schema.json": batch_line_schema}


def schema_text(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file (run after changing the vocabulary); returns the paths."""
    directory.mkdir(exist_ok=True)
    paths = []
    for name in SCHEMAS:
        path = directory / name
        path.write_text(schema_text(name), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_schemas():
        print(written)
