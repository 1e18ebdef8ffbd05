"""The JSON Schema of the rules file (for editors): the committed rules/rules.schema.json is
exactly what `spinetriage rules schema` prints, the shipped rules satisfy it, and broken
documents fail it (and the loader, which checks at least as much)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from spinetriage import RulesError, load_rules_text
from spinetriage.rules.schema import json_schema

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "rules" / "spine-pain.yaml"
SCHEMA_FILE = ROOT / "rules" / "rules.schema.json"
DATA = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def test_committed_schema_is_the_output_of_rules_schema():
    result = subprocess.run([sys.executable, "-m", "spinetriage", "rules", "schema"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert SCHEMA_FILE.read_text(encoding="utf-8") == result.stdout, (
        "rules/rules.schema.json is out of date: run  spinetriage rules schema > rules/rules.schema.json")
    assert json.loads(result.stdout) == json_schema()


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(json_schema())


def test_shipped_file_names_the_schema_in_its_modeline():
    first = SHIPPED.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=rules.schema.json"
    assert (SHIPPED.parent / "rules.schema.json").is_file()


def test_shipped_rules_satisfy_the_schema():
    errors = sorted(VALIDATOR.iter_errors(DATA), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def _rule(data, rule_id):
    return next(r for r in data["rules"] if r["id"] == rule_id)


def _case(data, case_id):
    return next(c for c in data["cases"] if c["id"] == case_id)


def _set(path, value):
    def change(d):
        target = d
        for step in path[:-1]:
            target = step(target) if callable(step) else target[step]
        target[path[-1]] = value
    return change


def _drop(path):
    def change(d):
        target = d
        for step in path[:-1]:
            target = step(target) if callable(step) else target[step]
        del target[path[-1]]
    return change


def _swap_first_outcomes(d):
    d["outcomes"][0], d["outcomes"][1] = d["outcomes"][1], d["outcomes"][0]


BROKEN = {
    "unknown-top-key": _set(["disclaimers"], "x"),
    "missing-disclaimer": _drop(["disclaimer"]),
    "version-a-number": _set(["version"], 2026.1),
    "unknown-outcome-in-rule": _set([lambda d: _rule(d, "mid-back"), "outcome"], "docter"),
    "misspelt-red-flag": _set([lambda d: _rule(d, "saddle-numbness"), "when"], {"red_flags": {"includes": "saddle-numbnes"}}),
    "misspelt-location": _set([lambda d: _rule(d, "mid-back"), "when"], {"location": {"includes": "lower-bak"}}),
    "number-for-a-choice": _set([lambda d: _rule(d, "radiates-into-limbs"), "when"], {"radiation": {"in": ["arms", 3]}}),
    "word-for-a-number": _set([lambda d: _rule(d, "under-16"), "when"], {"age": {"below": "sixteen"}}),
    "age-out-of-range": _set([lambda d: _rule(d, "under-16"), "when"], {"age": {"below": 200}}),
    "word-for-true-false": _set([lambda d: _rule(d, "returns-despite-rest"), "when"], {"recurrent": {"is": "often"}}),
    "unknown-answer": _set([lambda d: _rule(d, "returns-despite-rest"), "when"], {"recurring": {"is": True}}),
    "unknown-test": _set([lambda d: _rule(d, "under-16"), "when"], {"age": {"under": 16}}),
    "two-answers-in-one-condition": _set([lambda d: _rule(d, "under-16"), "when"],
                                         {"age": {"below": 16}, "recurrent": {"is": True}}),
    "empty-any": _set([lambda d: _rule(d, "under-16"), "when"], {"any": []}),
    "bad-duration-unit": _set([lambda d: _rule(d, "persists-beyond-few-weeks"), "when"],
                              {"duration_days": {"at_least": "4 fortnights"}}),
    "rule-without-reason": _drop([lambda d: _rule(d, "fever"), "reason"]),
    "rule-without-source": _drop([lambda d: _rule(d, "fever"), "source"]),
    "rule-with-empty-reason": _set([lambda d: _rule(d, "fever"), "reason"], ""),
    "unknown-rule-key": _set([lambda d: _rule(d, "fever"), "urgency"], "high"),
    "rule-id-pattern": _set([lambda d: _rule(d, "night-pain"), "id"], "Night_Pain"),
    "ladder-gap": lambda d: d["outcomes"].pop(2),
    "ladder-order": _swap_first_outcomes,
    "unknown-expected-outcome": _set([lambda d: _case(d, "doctor-mid-back"), "expect"], "doctr"),
    "case-answer-unknown-key": _set([lambda d: _case(d, "doctor-mid-back"), "answers", "pain"], 3),
    "case-answer-misspelt": _set([lambda d: _case(d, "doctor-mid-back"), "answers", "location"], ["nek"]),
    "case-answer-string-age": _set([lambda d: _case(d, "doctor-mid-back"), "answers", "age"], "30"),
    "case-answer-null": _set([lambda d: _case(d, "doctor-mid-back"), "answers", "age"], None),
    "case-answer-empty-location": _set([lambda d: _case(d, "doctor-mid-back"), "answers", "location"], []),
    "case-duration-and-days": _set([lambda d: _case(d, "doctor-mid-back"), "answers", "duration_days"], 3),
    "cases-null": _set(["cases"], None),
    "no-emergency-signs": _set(["safety_net", "emergency_signs"], []),
    "note-not-text": _set([lambda d: _rule(d, "fever"), "note"], [1, 2]),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_documents_fail_the_schema_and_the_loader(name):
    data = copy.deepcopy(DATA)
    BROKEN[name](data)
    assert list(VALIDATOR.iter_errors(data)), f"the schema accepted {name}"
    # the loader is the authority: whatever the schema refuses, it refuses too
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    with pytest.raises(RulesError):
        load_rules_text(text, f"{name}.yaml")


def test_what_the_schema_accepts_the_loader_accepts():
    """A round trip of the shipped data (as an editor would save it) stays valid for both."""
    text = yaml.safe_dump(DATA, sort_keys=False, allow_unicode=True)
    ruleset = load_rules_text(text)
    assert len(ruleset.rules) == len(DATA["rules"]) and len(ruleset.cases) == len(DATA["cases"])
    for alternative in ({"duration_days": {"at_least": 28}}, {"duration_days": {"at_least": "4 Weeks"}},
                        {"location": {"includes": "thoracic"}}, {"age": {"at_least": 16, "below": 50}},
                        {"any": [{"radiation": {"in": ["legs", "arms-and-legs"]}}, {"red_flags": {"includes_all": ["fever", "night-pain"]}}]}):
        data = copy.deepcopy(DATA)
        _rule(data, "persists-beyond-few-weeks")["when"] = alternative
        assert not list(VALIDATOR.iter_errors(data)), alternative
        load_rules_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
