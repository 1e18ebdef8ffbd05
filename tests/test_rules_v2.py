"""Rules version 2: the questions reach the serious diseases that first show as back or neck pain.

Every new answer is accepted everywhere a person or a script gives it; every new rule gives its
outcome through the library and through the command line; the checklists stay short.
"""

from __future__ import annotations

import json

import pytest
from conftest import CALM, CALM_FLAGS, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from spinetriage import triage
from spinetriage.cli import app
from spinetriage.core.answers import Answers
from spinetriage.core.ruleset import OUTCOME_IDS
from spinetriage.core.vocabulary import (
    CHECKLISTS,
    EMERGENCY_SIGNS,
    RED_FLAGS,
    RISK_FACTORS,
    TIERS,
    URGENT_SIGNS,
)
from spinetriage.rules.load import load_rules

RULES = load_rules()
RANK = {o: i for i, o in enumerate(OUTCOME_IDS)}
NEW_IDS = ["both-arms", "sudden-severe", "faint-collapse", "pregnancy-warning", "rash", "kidney-signs",
           "minor-injury", "blood-thinners", "stiff-spine", "pregnant", "inflammatory-pain"]
runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"})


def with_(base: dict, **changes) -> dict:
    return {**base, **changes}


def cli_flags(answers: dict) -> list[str]:
    """A case's answers as the flags a script would give."""
    out: list[str] = []
    for loc in answers.get("location", []):
        out += ["--location", loc]
    if "duration" in answers:
        out += ["--duration", answers["duration"]]
    if "radiation" in answers:
        out += ["--radiation", answers["radiation"]]
    for key, flag in (("recurrent", "recurrent"), ("limits_activities", "limits-activities")):
        if key in answers:
            out.append(f"--{flag}" if answers[key] else f"--no-{flag}")
    if "age" in answers:
        out += ["--age", str(answers["age"])]
    if "red_flags" in answers:
        out += [x for flag in answers["red_flags"] for x in ("--red-flag", flag)] or ["--no-red-flags"]
    if "course" in answers:
        out += ["--course", answers["course"]]
    return out


# --- the vocabulary ---------------------------------------------------------------------------


def test_every_contract_id_has_words_and_one_tier():
    assert set(NEW_IDS) <= RED_FLAGS.keys()
    assert set(TIERS) == set(RED_FLAGS)
    assert {TIERS[i] for i in ("both-arms", "sudden-severe", "faint-collapse", "pregnancy-warning")} == {"emergency"}
    assert {TIERS[i] for i in ("rash", "kidney-signs")} == {"urgent"}
    assert {TIERS[i] for i in ("minor-injury", "blood-thinners", "stiff-spine", "pregnant",
                               "inflammatory-pain")} == {"risk"}


def test_the_words_keep_an_ordinary_strain_out_of_injury_and_sudden_pain():
    assert "lifting or bending alone does not count" in RED_FLAGS["minor-injury"]
    assert "not while lifting, bending, twisting or after an injury" in RED_FLAGS["sudden-severe"]


@pytest.mark.parametrize("flag, words", [
    ("major-trauma", "diving into shallow water"), ("chest-pain", "upper back, jaw or arm"),
    ("stroke-signs", "in the last 2 weeks"), ("infection-risk", "diabetes alone does not count"),
    ("night-pain", "getting steadily worse over weeks despite treatment"), ("fragility-fracture", "cough or twist"),
    ("clumsy-hands", "numb or clumsy"), ("cancer-history", "basal cell"),
])
def test_reworded_ids_carry_their_new_words(flag, words):
    assert words in RED_FLAGS[flag]


def test_checklists_are_short_themed_hold_every_id_once_emergency_first():
    ids = [i for c in CHECKLISTS for i in c.items]
    assert sorted(ids) == sorted(RED_FLAGS) and len(ids) == len(set(ids))
    assert all(len(c.items) <= 8 for c in CHECKLISTS)
    before = [c for c in CHECKLISTS if c.before_questions]
    # every emergency sign is asked before the article's questions, in the first checklists
    assert set(EMERGENCY_SIGNS) <= {i for c in before for i in c.items}
    assert all(TIERS[i] == "emergency" for i in CHECKLISTS[0].items)
    # a person with no warning signs answers at most 14 prompts: 6 questions and the checklists
    assert 6 + len(CHECKLISTS) <= 14


# --- accepted everywhere -----------------------------------------------------------------------


@pytest.mark.parametrize("flag", NEW_IDS)
def test_new_ids_are_accepted_by_flag_batch_and_library(flag):
    answers = with_(CALM, red_flags=[flag])
    lib = triage(answers, RULES)
    assert lib.answers.red_flags == {flag}
    flags = [x for x in CALM_FLAGS if x != "--no-red-flags"] + ["--red-flag", flag]
    result = runner.invoke(app, ["ask", *flags, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == lib.outcome
    record = json.dumps({"id": flag, **answers})
    result = runner.invoke(app, ["batch", "-"], input=record + "\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == lib.outcome


# --- every case of the shipped rules through the command line --------------------------------


@pytest.mark.parametrize("case", RULES.cases, ids=[c.id for c in RULES.cases])
def test_every_example_case_gives_its_outcome_through_the_command_line(case):
    """The rules file's cases hold every rule and every boundary (ages 4/5, 64/65, 69/70; 11/12 weeks)."""
    answers = {k: v for k, v in case.answers.as_dict().items() if v is not None}
    if "duration_days" in answers:
        answers["duration"] = f"{answers.pop('duration_days')}d"
    result = runner.invoke(app, ["ask", *cli_flags(answers), "--no-input", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == case.expect
    if case.matches is not None:
        assert [r["rule"] for r in data["reasons"]] == [r.rule for r in triage(case.answers, RULES).reasons]


# --- the combinations and the ages, at their boundaries ----------------------------------------


def outcome(**changes) -> str:
    return triage(with_(CALM, **changes), RULES).outcome


@pytest.mark.parametrize("age, expected", [(4, "urgent"), (5, "doctor"), (15, "doctor"), (16, "self-care")])
def test_age_boundaries_for_children(age, expected):
    assert outcome(age=age) == expected


@pytest.mark.parametrize("age, days, expected", [
    (69, 5, "self-care"), (70, 5, "doctor"), (70, 77, "doctor"), (70, 84, "doctor"), (69, 77, "doctor"),
])
def test_age_70_with_new_pain(age, days, expected):
    assert outcome(age=age, duration=f"{days}d") == expected


@pytest.mark.parametrize("location, age, expected", [
    (["neck"], 64, "self-care"), (["neck"], 65, "emergency"), (["lower-back"], 64, "self-care"),
    (["lower-back"], 65, "doctor"), (["neck", "lower-back"], 80, "emergency"),
])
def test_minor_injury_by_age_and_place(location, age, expected):
    assert outcome(location=location, age=age, red_flags=["minor-injury"]) == expected


@pytest.mark.parametrize("radiation, expected", [("none", "self-care"), ("legs", "physical-therapy"),
                                                 ("arms", "emergency"), ("arms-and-legs", "emergency")])
def test_minor_injury_with_pain_into_the_arms_is_an_emergency(radiation, expected):
    assert outcome(radiation=radiation, red_flags=["minor-injury"]) == expected


@pytest.mark.parametrize("flags, expected", [
    (["minor-injury", "stiff-spine"], "emergency"), (["stiff-spine"], "self-care"),
    (["blood-thinners"], "self-care"), (["blood-thinners", "minor-injury"], "urgent"),
    (["blood-thinners", "limb-weakness"], "emergency"), (["blood-thinners", "clumsy-hands"], "emergency"),
    (["pregnant"], "physical-therapy"), (["pregnant", "fever"], "urgent"), (["pregnant", "kidney-signs"], "urgent"),
    (["rash"], "urgent"), (["kidney-signs"], "urgent"), (["minor-injury"], "self-care"),
])
def test_risk_factors_count_as_the_rules_say(flags, expected):
    assert outcome(red_flags=flags) == expected


@pytest.mark.parametrize("weeks, expected", [(11, "physical-therapy"), (12, "doctor")])
def test_inflammatory_pain_needs_12_weeks(weeks, expected):
    assert outcome(duration=f"{weeks}w", red_flags=["inflammatory-pain"]) == expected


@pytest.mark.parametrize("flag", sorted(EMERGENCY_SIGNS))
def test_each_emergency_sign_alone_ends_with_emergency_through_the_cli(flag):
    result = run_cli("ask", "--red-flag", flag, "--no-input", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == "emergency" and data["phase"] is None


@pytest.mark.parametrize("flag", sorted(URGENT_SIGNS))
def test_each_urgent_sign_alone_is_at_least_urgent(flag):
    assert RANK[outcome(red_flags=[flag])] <= RANK["urgent"]


def test_the_safety_net_names_the_new_emergency_signs():
    signs = " ".join(triage(CALM, RULES).to_dict()["safety_net"]["emergency_signs"])
    for words in ("both arms", "suddenly and severely", "tearing", "fainting", "upper back, jaw or arm",
                  "diving into shallow water", "when pregnant"):
        assert words in signs


# --- properties with every id --------------------------------------------------------------------

answers_st = st.builds(
    Answers,
    location=st.frozensets(st.sampled_from(["neck", "mid-back", "lower-back"]), min_size=1),
    duration_days=st.integers(0, 400),
    radiation=st.sampled_from(["none", "arms", "legs", "arms-and-legs"]),
    recurrent=st.booleans(),
    limits_activities=st.booleans(),
    age=st.integers(1, 120),
    red_flags=st.frozensets(st.sampled_from(sorted(RED_FLAGS)), max_size=6),
)


@settings(max_examples=400, deadline=None)
@given(answers_st, st.sets(st.sampled_from(sorted(RED_FLAGS)), min_size=1, max_size=3))
def test_adding_signs_or_risk_factors_never_lowers_the_outcome(answers, extra):
    before = triage(answers, RULES).outcome
    after = triage(answers.with_(red_flags=answers.red_flags | extra), RULES).outcome
    assert RANK[after] <= RANK[before]


@settings(max_examples=300, deadline=None)
@given(answers_st)
def test_risk_factors_alone_never_make_an_emergency_without_an_injury(answers):
    risk_only = answers.red_flags & (RISK_FACTORS.keys() - {"minor-injury"})
    assert triage(answers.with_(red_flags=risk_only), RULES).outcome != "emergency"


@pytest.mark.parametrize("doc", ["docs/scripting.md", "rules/README.md"])
def test_the_docs_give_every_id_with_the_words_people_read(doc):
    """rules/README.md holds its tables; the docs page an empty block, filled when the site is built."""
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("docgen", ROOT / "tools" / "docgen.py")
    docgen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docgen)
    text = (ROOT / doc).read_text(encoding="utf-8")
    if doc.startswith("docs/"):
        text = docgen.render(text)
    missing = [flag for flag, words in RED_FLAGS.items() if f"| `{flag}` | {words} |" not in text]
    assert not missing, f"{doc} lacks the current words of {missing}"
