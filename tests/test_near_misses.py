"""Issue 16: near misses decide too, nothing stops the library early, "not answered" is not "none".

An emergency sign written the way people and tools really write it (a misspelt key, a Word dash,
an invisible character, bytes, a nested list, a mapping, an over-long line) gives `emergency`
with the problem under `ignored`; a non-emergency sign gets a "did you mean". Every reading path
(batch JSON Lines and CSV, the library, --red-flag, the prompts) agrees.
"""

from __future__ import annotations

import io
import json
import math

import pytest

from conftest import CALM, CALM_FLAGS, run_cli
from spinetriage import batch, load_rules, triage_many, triage_record
from spinetriage.rules import default_rules_path

RULES = load_rules()
HEADER = "id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"]
INVISIBLES = ["\u200b", "\u200d", "\u00ad", "\ufeff", "\u00a0"]
MISSPELT_KEYS = ["red_flag", "redFlags", "RED_FLAGS", "red flags"]


def run(data: bytes, input_format: str = "jsonl", jobs: int = 1) -> list[dict]:
    out = io.StringIO()
    summary = batch.run(io.BytesIO(data), out, RULES, input_format, jobs=jobs)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == summary.records
    return lines


def emergency_line(n: int) -> bytes:
    return json.dumps({"id": f"e{n}", "red_flags": ["bladder-bowel"]}).encode()


def calm_without_signs() -> dict:
    return {k: v for k, v in CALM.items() if k != "red_flags"}


def is_emergency(line: dict, sign: str = "chest-pain") -> bool:
    return line.get("outcome") == "emergency" and sign in line["reasons"] and bool(line.get("ignored"))


# --- 2. the library never stops early ---------------------------------------------------------


def test_triage_many_gives_one_result_per_item_whatever_the_item_is():
    e = {"id": "e", "red_flags": ["chest-pain"]}
    items = [e, None, e, e, 5, "text", [1, 2], {"id": "c", **CALM}]
    got = list(triage_many(items))
    assert len(got) == len(items)
    assert [line.get("outcome") for line in got] == [
        "emergency", None, "emergency", "emergency", None, None, None, "self-care"]
    assert got == [triage_record(item) for item in items]  # exactly triage_record's dict
    assert all(line["line"] is None and line["error"] for line in got if "error" in line)


def test_triage_many_is_lazy_and_takes_a_rules_path():
    def endless():
        while True:
            yield {"red_flags": ["saddle-numbness"]}

    many = triage_many(endless(), str(default_rules_path()))
    assert next(many)["outcome"] == "emergency" and next(many)["outcome"] == "emergency"
