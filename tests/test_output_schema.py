"""The JSON Schemas shipped for scripts (spinetriage/data/schemas/) hold for what the commands really
print: `ask --format json` for every outcome and for an emergency that ended the questions,
a saved report, and batch lines of both kinds; and they refuse a missing, misspelt or mistyped
contract key."""

from __future__ import annotations

import copy
import json
from importlib.resources import files

import jsonschema
import pytest
from conftest import CALM, CALM_FLAGS

from spinetriage import load_rules, triage, triage_record
from spinetriage.formats.schemas import SCHEMAS, schema_text


def _schema(name: str) -> dict:
    """The schema as an installed package ships it."""
    return json.loads(files("spinetriage").joinpath("data", "schemas", name).read_text(encoding="utf-8"))


RESULT = jsonschema.Draft202012Validator(_schema("result.schema.json"))
LINE = jsonschema.Draft202012Validator(_schema("batch-line.schema.json"))
CONTRACT_KEYS = ["outcome", "title", "advice", "reasons", "phase", "answers", "rules_version"]


def _errors(validator: jsonschema.Draft202012Validator, instance) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_shipped_schema_files_are_current_and_valid_schemas(name):
    shipped = files("spinetriage").joinpath("data", "schemas", name).read_text(encoding="utf-8")
    assert shipped == schema_text(name), "run  python -m spinetriage.formats.schemas  to regenerate"
    jsonschema.Draft202012Validator.check_schema(json.loads(shipped))


def _with(flags: list[str], **changes: list[str]) -> list[str]:
    """CALM_FLAGS with some flags replaced: _with(CALM_FLAGS, location=["--location", "neck"])."""
    out = list(flags)
    for flag, new in changes.items():
        name = "--" + flag.replace("_", "-")
        if name == "--no-red-flags" or flag == "red_flags":
            out.remove("--no-red-flags")
        else:
            i = out.index(name)
            del out[i:i + 2]
        out += new
    return out


ASK = {
    "emergency": ["--red-flag", "chest-pain", "--no-input"],  # ends early: unasked answers null
    "urgent": _with(CALM_FLAGS, red_flags=["--red-flag", "fever"]),
    "doctor": _with(CALM_FLAGS, location=["--location", "mid-back"], age=["--age", "55"]),
    "physical-therapy": _with(CALM_FLAGS, duration=["--duration", "6w"]),
    "self-care": CALM_FLAGS,
}


@pytest.mark.parametrize("outcome", list(ASK))
def test_ask_format_json_satisfies_the_schema_for_every_outcome(cli, outcome):
    proc = cli("ask", *ASK[outcome], "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["outcome"] == outcome
    assert not _errors(RESULT, data), _errors(RESULT, data)
    if outcome == "emergency":
        assert data["phase"] is None and data["answers"]["age"] is None
        assert data["answers"]["red_flags"] == ["chest-pain"]


def test_an_emergency_with_bad_answers_beside_it_satisfies_the_schema(cli):
    proc = cli("ask", "--red-flag", "bladder-bowel", "--age", "300", "--location", "nek", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["outcome"] == "emergency" and data["answers"]["age"] is None
    assert not _errors(RESULT, data), _errors(RESULT, data)


def test_saved_json_report_satisfies_the_schema_with_its_date(cli, tmp_path):
    target = tmp_path / "report.json"
    proc = cli("ask", *ASK["physical-therapy"], "--output", str(target))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(target.read_text(encoding="utf-8"))
    assert "date" in data
    assert not _errors(RESULT, data), _errors(RESULT, data)


def test_every_example_case_of_the_shipped_rules_gives_an_object_the_schema_accepts():
    rules = load_rules()
    seen = set()
    for case in rules.cases:
        data = triage(case.answers, rules).to_dict()
        assert not _errors(RESULT, data), (case.id, _errors(RESULT, data))
        seen.add(data["outcome"])
    assert seen == {"emergency", "urgent", "doctor", "physical-therapy", "self-care"}


BATCH_RECORDS = [
    {"id": "calm", **CALM},
    {"id": 7, **CALM, "red_flags": ["fever"]},
    {"id": "pt", **CALM, "duration": "6w"},
    {"id": "doc", **CALM, "location": ["mid-back"], "age": 55},
    {"id": None, "red_flags": ["saddle-numbness"]},
    {"id": "ignored", "red_flags": ["chest-pain"], "age": "old", "location": "nek"},
    {"id": "missing", "age": 40},
    {"id": "bad", **CALM, "radiation": "feet"},
    {"id": {"nested": [1]}, **CALM, "recurrent": "sometimes"},
    ["not", "an", "object"],
    {**CALM, "pain": 3},
]


def _batch_lines(cli, text: str, *args: str) -> list[dict]:
    proc = cli("batch", *args, input=text)
    assert proc.returncode == 1, proc.stderr  # some records are rejected
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_batch_lines_of_both_kinds_satisfy_the_schema(cli):
    text = "".join(json.dumps(r) + "\n" for r in BATCH_RECORDS) + "{not json\n\n[1, 2\n"
    lines = _batch_lines(cli, text)
    assert len(lines) == len(BATCH_RECORDS) + 2
    for line in lines:
        assert not _errors(LINE, line), (line, _errors(LINE, line))
    assert {line.get("outcome") for line in lines} >= {"emergency", "urgent", "doctor", "physical-therapy",
                                                      "self-care"}
    assert any("ignored" in line for line in lines)
    assert sum("error" in line for line in lines) >= 5


def test_csv_batch_lines_satisfy_the_schema(cli):
    text = ("id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
            "1,lower-back,6w,legs,no,yes,42,\n"
            "2,,,,,,,bladder-bowel\n"
            "3,lower-back,3,none,no,no,40,\n"
            "4,neck,2w\n")
    lines = _batch_lines(cli, text, "--input-format", "csv")
    assert [("error" in line) for line in lines] == [False, False, True, True]
    for line in lines:
        assert not _errors(LINE, line), (line, _errors(LINE, line))


def test_triage_record_lines_satisfy_the_schema():
    for record in BATCH_RECORDS:
        line = triage_record(record)
        assert not _errors(LINE, line), (record, line, _errors(LINE, line))


def _real_result() -> dict:
    return triage({**CALM, "duration": "6w"}).to_dict()


def _real_lines() -> tuple[dict, dict, dict]:
    ok = triage_record({"id": "a", **CALM})
    ignored = triage_record({"id": "b", "red_flags": ["chest-pain"], "age": "old"})
    error = triage_record({"id": "c", "age": 40})
    assert "ignored" in ignored and "error" in error
    return ok, ignored, error


def _rename(data: dict, old: str, new: str) -> dict:
    out = copy.deepcopy(data)
    out[new] = out.pop(old)
    return out


@pytest.mark.parametrize("key", CONTRACT_KEYS)
def test_result_schema_refuses_a_missing_or_misspelt_contract_key(key):
    data = _real_result()
    assert not _errors(RESULT, data)
    missing = copy.deepcopy(data)
    del missing[key]
    assert _errors(RESULT, missing)
    assert _errors(RESULT, _rename(data, key, key.replace("_", "-") if "_" in key else key + "s"))


@pytest.mark.parametrize("change", [
    lambda d: d.update(outcome="physio"),
    lambda d: d.update(phase="Acute"),
    lambda d: d.update(reasons=[r["rule"] for r in d["reasons"]]),
    lambda d: d["reasons"][0].pop("source"),
    lambda d: d.update(rules_version=20261127),
    lambda d: d["answers"].update(age="42"),
    lambda d: d["answers"].update(location="lower-back"),
    lambda d: d["answers"].update(red_flags=["fevr"]),
    lambda d: d["answers"].pop("recurrent"),
    lambda d: d["answers"].update(duration="6w"),
    lambda d: d["safety_net"].pop("if_worse"),
    lambda d: d.update(date="27/11/2026"),
    lambda d: d.update(recommendation="undocumented key"),
], ids=["outcome", "phase", "reasons-as-ids", "reason-without-source", "version-a-number", "age-text",
        "location-not-a-list", "unknown-red-flag", "answer-missing", "answer-unknown", "safety-net-incomplete",
        "date-format", "undocumented-key"])
def test_result_schema_refuses_a_mistyped_value_or_an_undocumented_key(change):
    data = _real_result()
    change(data)
    assert _errors(RESULT, data)


@pytest.mark.parametrize("change", [
    lambda ok, ig, er: {k: v for k, v in ok.items() if k != "id"},
    lambda ok, ig, er: {k: v for k, v in ok.items() if k != "phase"},
    lambda ok, ig, er: _rename(ok, "reasons", "reason"),
    lambda ok, ig, er: {**ok, "reasons": [{"rule": "x"}]},
    lambda ok, ig, er: {**ok, "outcome": "EMERGENCY"},
    lambda ok, ig, er: {**ig, "ignored": "age"},
    lambda ok, ig, er: {**ig, "ignored": []},
    lambda ok, ig, er: {k: v for k, v in er.items() if k != "line"},
    lambda ok, ig, er: {**er, "line": "3"},
    lambda ok, ig, er: {**er, "line": 0},
    lambda ok, ig, er: {**er, "error": ""},
    lambda ok, ig, er: {**ok, "error": "both kinds at once"},
    lambda ok, ig, er: {**er, "ignored": ["on an error line"]},
], ids=["no-id", "no-phase", "reason-key-misspelt", "reasons-as-objects", "outcome-case", "ignored-text",
        "ignored-empty", "no-line", "line-text", "line-zero", "error-empty", "both-kinds", "ignored-on-error"])
def test_batch_line_schema_refuses_missing_misspelt_or_mistyped_keys(change):
    ok, ignored, error = _real_lines()
    for line in (ok, ignored, error):
        assert not _errors(LINE, line), line
    assert _errors(LINE, change(ok, ignored, error))
