"""spinetriage rules diff: every outcome a rules change moves, downgrades called out, exit 0/1/4."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from conftest import ROOT, SHIPPED_RULES, run_cli

from spinetriage.core.answers import Answers
from spinetriage.rules import diff as diff_module
from spinetriage.rules.diff import NO_RESULT, diff_rules
from spinetriage.rules.load import load_rules, load_rules_text

TEXT = SHIPPED_RULES.read_text(encoding="utf-8")
PREVIOUS = ROOT / "tests" / "fixtures" / "spine-pain-2026.11.27.yaml"


def _without_rule(text: str, rule_id: str) -> str:
    """The shipped text without one rule, and without the cases that name it."""
    start = text.index(f"  - id: {rule_id}\n")
    end = text.index("\n  - id: ", start + 1) + 1
    text = text[:start] + text[end:]
    return "\n".join(line for line in text.split("\n") if not (line.startswith("  - {id: ") and rule_id in line))


@pytest.fixture
def removed(tmp_path):
    path = tmp_path / "removed.yaml"
    path.write_text(_without_rule(TEXT, "belly-pain-on-blood-thinners"), encoding="utf-8")
    return path


def test_a_removed_combination_rule_lists_the_downgraded_answers_with_an_example_exit_4(removed):
    result = run_cli("rules", "diff", str(SHIPPED_RULES), str(removed))
    assert result.returncode == 4, result.stderr
    out = result.stdout
    assert "emergency -> urgent" in out and "DOWNGRADE" in out
    assert "decided by belly-pain-on-blood-thinners before, belly-pain after" in out
    assert "red_flags=belly-pain,blood-thinners" in out  # the smallest example: just the two signs


def test_json_for_ci_names_each_downgrade_its_rules_and_an_example(removed):
    result = run_cli("rules", "diff", str(SHIPPED_RULES), str(removed), "--format", "json")
    assert result.returncode == 4
    data = json.loads(result.stdout)
    assert data["exit_code"] == 4 and data["compared"]["answer sets"] > 1_000_000
    (down,) = [d for d in data["downgrades"] if d["new"] == "urgent"]
    assert down["old"] == "emergency" and down["count"] > 0
    first = down["deciders"][0]
    assert (first["old_rule"], first["new_rule"]) == ("belly-pain-on-blood-thinners", "belly-pain")
    assert set(first["example"]["red_flags"]) == {"belly-pain", "blood-thinners"}
    assert not data["upgrades"]


def test_a_file_against_itself_changes_nothing_exit_0():
    result = run_cli("rules", "diff", str(SHIPPED_RULES), str(SHIPPED_RULES))
    assert result.returncode == 0, result.stderr
    assert "no outcome changes" in result.stdout


def test_a_copy_that_only_raises_a_rule_exits_1(tmp_path):
    raised = tmp_path / "raised.yaml"
    block = TEXT[TEXT.index("  - id: limits-activities\n"):]
    block = block[:block.index("\n  - id: ")]
    text = TEXT.replace(block, block.replace("outcome: physical-therapy", "outcome: doctor"))
    text = text.replace("expect: physical-therapy, matches: [limits-activities]}", "expect: doctor, matches: [limits-activities]}")
    raised.write_text(text, encoding="utf-8")
    result = run_cli("rules", "diff", str(SHIPPED_RULES), str(raised))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "physical-therapy -> doctor" in result.stdout and "DOWNGRADE" not in result.stdout


def test_records_name_the_records_that_move(tmp_path, removed):
    records = tmp_path / "records.jsonl"
    calm = {"location": ["lower-back"], "duration": "3d", "radiation": "none", "recurrent": False,
            "limits_activities": False, "age": 60}
    records.write_text("\n".join(json.dumps(r) for r in (
        {"id": "calm", **calm, "red_flags": []},
        {"id": "bleed", **calm, "red_flags": ["blood-thinners", "belly-pain"]},
        {"id": "bad", "age": "old"},
    )) + "\n", encoding="utf-8")
    result = run_cli("rules", "diff", str(SHIPPED_RULES), str(removed), "--records", str(records))
    assert result.returncode == 4
    assert "3 records" in result.stdout
    assert "record 2 (id 'bleed')" in result.stdout and "'calm'" not in result.stdout
    data = json.loads(run_cli("rules", "diff", str(SHIPPED_RULES), str(removed), "--records", str(records),
                              "--format", "json").stdout)
    moved = [r for d in data["downgrades"] for r in d["records"]]
    assert [r["id"] for r in moved] == ["bleed"]


def test_bad_input_is_named_with_its_exit_code(tmp_path):
    missing = run_cli("rules", "diff", str(SHIPPED_RULES), str(tmp_path / "nope.yaml"))
    assert missing.returncode == 3 and "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_cli("rules", "diff", str(SHIPPED_RULES), str(SHIPPED_RULES), "--records", str(tmp_path / "none.jsonl"))
    assert bad.returncode == 2 and "--records" in bad.stderr
    fmt = run_cli("rules", "diff", str(SHIPPED_RULES), str(SHIPPED_RULES), "--format", "yaml")
    assert fmt.returncode == 2 and "--format" in fmt.stderr


def test_the_grouped_count_is_exact_against_the_compiled_matcher(monkeypatch):
    """The space is counted by groups of answers that leave the same residual rules; on a sample of
    the space, every point checked one by one with the matcher batch uses gives the same table."""
    old = load_rules()
    new = load_rules_text(_without_rule(TEXT, "injury-neck-65-or-over"), "new.yaml")
    rnd = random.Random(7)
    others = rnd.sample(diff_module.other_answers((old, new)), 300)
    flags = rnd.sample(diff_module.flag_sets((old, new)), 40)
    monkeypatch.setattr(diff_module, "other_answers", lambda rulesets: others)
    monkeypatch.setattr(diff_module, "flag_sets", lambda rulesets: flags)
    diff = diff_module.Diff(old, new)
    diff_module._space(diff)
    expected = Counter()
    for answers in others:
        for signs in flags:
            a = Answers(**answers, red_flags=signs)
            was, now = (r.rules[m[0]].outcome.id if (m := r.match_complete(a)) else r.default.id for r in (old, new))
            expected[(was, now)] += 1
    assert {k: t.count for k, t in diff.moves.items()} == dict(expected)
    assert ("emergency", "doctor") in expected or ("emergency", "self-care") in expected  # the sample moves


def test_cases_without_enough_answers_count_as_no_result_in_the_other_file():
    old = load_rules()
    new = load_rules_text(_without_rule(TEXT, "belly-pain-on-blood-thinners"), "new.yaml")
    diff = diff_rules(old, new)
    assert diff.moves[("emergency", NO_RESULT)].count == 1  # the case with only the two signs


def test_the_shipped_rules_history_version_2_to_3():
    """The change to version 3 as the rules documentation shows it: the narrowed age floors and
    pregnancy are the only downgrades, the two new combinations the upgrades."""
    diff = diff_rules(load_rules(PREVIOUS), load_rules())
    downs = {(t.old, t.new) for t in diff.downgrades()}
    ups = {(t.old, t.new) for t in diff.upgrades()}
    assert downs == {("doctor", "physical-therapy"), ("doctor", "self-care")}
    assert ("urgent", "emergency") in ups
    deciders = {rule for t in diff.downgrades() for rule, _ in t.deciders}
    assert deciders == {"over-50-not-improving", "mid-back", "pregnant"}
    assert diff.exit_code() == 4
