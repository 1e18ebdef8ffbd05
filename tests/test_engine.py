"""The engine on the shipped rules: ordering, safety properties, partial answers, phases."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinetriage import MissingAnswers, triage
from spinetriage.core.answers import Answers
from spinetriage.core.engine import phase_of
from spinetriage.core.ruleset import OUTCOME_IDS, evaluate3
from spinetriage.core.vocabulary import EMERGENCY_SIGNS, RED_FLAGS, RISK_FACTORS
from spinetriage.rules.load import load_rules

RULES = load_rules()
RANK = {o: i for i, o in enumerate(OUTCOME_IDS)}  # 0 is the most urgent

answers_st = st.builds(
    Answers,
    location=st.frozensets(st.sampled_from(["neck", "mid-back", "lower-back"]), min_size=1),
    duration_days=st.one_of(st.integers(0, 120), st.integers(0, 36500)),
    radiation=st.sampled_from(["none", "arms", "legs", "arms-and-legs"]),
    recurrent=st.booleans(),
    limits_activities=st.booleans(),
    age=st.integers(1, 120),
    red_flags=st.frozensets(st.sampled_from(sorted(RED_FLAGS)), max_size=3),
)


def outcome(answers):
    return triage(answers, RULES).outcome


@settings(max_examples=300, deadline=None)
@given(answers_st, st.sampled_from(sorted(RED_FLAGS)))
def test_adding_a_red_flag_never_lowers_the_outcome(answers, flag):
    more = answers.with_(red_flags=answers.red_flags | {flag})
    assert RANK[outcome(more)] <= RANK[outcome(answers)]
    if flag not in RISK_FACTORS:  # a warning sign is at least urgent; a risk factor counts as the rules say
        assert RANK[outcome(more)] <= RANK["urgent"]


@settings(max_examples=300, deadline=None)
@given(answers_st, st.sampled_from(["duration", "limits", "radiation", "recurrent"]))
def test_adding_one_of_the_four_criteria_never_lowers_the_outcome(answers, criterion):
    change = {
        "duration": {"duration_days": max(answers.duration_days, 28)},
        "limits": {"limits_activities": True},
        "radiation": {"radiation": "legs" if answers.radiation == "none" else answers.radiation},
        "recurrent": {"recurrent": True},
    }[criterion]
    more = answers.with_(**change)
    assert RANK[outcome(more)] <= RANK[outcome(answers)]
    assert RANK[outcome(more)] <= RANK["physical-therapy"]


@settings(max_examples=300, deadline=None)
@given(answers_st)
def test_without_red_flags_never_urgent_or_emergency(answers):
    calm = answers.with_(red_flags=frozenset(), age=max(answers.age, 5))  # under 5 is urgent by age alone
    assert outcome(calm) in ("doctor", "physical-therapy", "self-care")


@settings(max_examples=300, deadline=None)
@given(answers_st)
def test_generated_matcher_agrees_with_the_three_valued_evaluator(answers):
    fast = RULES.match_complete(answers)
    slow = tuple(i for i, r in enumerate(RULES.rules) if evaluate3(r.condition, answers) is True)
    assert fast == slow


@settings(max_examples=200, deadline=None)
@given(answers_st)
def test_reasons_are_most_urgent_first_and_the_outcome_is_the_first(answers):
    result = triage(answers, RULES)
    ranks = [RANK[r.outcome] for r in result.reasons]
    assert ranks == sorted(ranks)
    if result.reasons:
        assert result.outcome == result.reasons[0].outcome
    else:
        assert result.outcome == "self-care"


@pytest.mark.parametrize("flag", sorted(EMERGENCY_SIGNS))
def test_an_emergency_sign_alone_is_enough(flag):
    result = triage({"red_flags": [flag]}, RULES)
    assert result.outcome == "emergency"
    assert result.phase is None
    assert result.answers.as_dict()["age"] is None
    assert [r.rule for r in result.reasons] == [flag]


def test_missing_answers_without_an_emergency_are_named():
    with pytest.raises(MissingAnswers) as info:
        triage({"red_flags": ["fever"], "age": 40}, RULES)
    assert set(info.value.fields) == {"location", "duration_days", "radiation", "recurrent", "limits_activities"}


def test_combination_emergency_from_urgent_signs_alone():
    assert triage({"red_flags": ["cancer-history", "clumsy-hands"]}, RULES).outcome == "emergency"


@pytest.mark.parametrize("days, phase", [(0, "acute"), (27, "acute"), (28, "subacute"), (83, "subacute"),
                                         (84, "chronic"), (36500, "chronic"), (None, None)])
def test_phase_boundaries(days, phase):
    assert phase_of(days) == phase


def test_result_json_has_the_contract_keys_and_the_safety_net():
    data = triage({"location": ["neck"], "duration": "2w", "radiation": "none", "recurrent": False,
                   "limits_activities": False, "age": 30, "red_flags": []}, RULES).to_dict()
    for key in ("outcome", "title", "advice", "reasons", "phase", "answers", "rules_version"):
        assert key in data
    assert data["outcome"] == "self-care" and data["phase"] == "acute" and data["reasons"] == []
    assert data["answers"] == {"location": ["neck"], "duration_days": 14, "radiation": "none",
                               "recurrent": False, "limits_activities": False, "age": 30, "red_flags": [], "course": None}
    assert data["rules_version"] == RULES.version
    assert any("both legs" in s for s in data["safety_net"]["emergency_signs"])
    assert "gets worse" in data["safety_net"]["if_worse"]


def test_library_triage_without_typer_or_rich_defaults_to_the_shipped_rules():
    result = triage({"red_flags": ["fever"], "location": ["neck"], "duration": "1w", "radiation": "none",
                     "recurrent": False, "limits_activities": False, "age": 30})
    assert result.outcome == "urgent" and result.reasons[0].rule == "fever"


def test_library_and_batch_let_an_emergency_sign_decide_despite_a_bad_answer():
    from spinetriage import AnswerError

    assert triage({"red_flags": ["fever", "saddle-numbness"], "age": "abc"}, RULES).outcome == "emergency"
    assert triage({"red_flags": ["both-legs", "fevr"]}, RULES).outcome == "emergency"
    with pytest.raises(AnswerError):
        triage({"red_flags": ["fever"], "age": "abc"}, RULES)
    with pytest.raises(AnswerError):  # an unknown field is never ignored without an emergency
        triage({"location": ["neck"], "duration": "3d", "radiation": "none", "recurrent": False,
                "limits_activities": False, "age": 30, "red_flags": [], "colour": "red"}, RULES)


def test_if_it_gets_worse_fits_the_outcome():
    emergency = triage({"red_flags": ["both-legs"]}, RULES).to_dict()["safety_net"]["if_worse"]
    calm = triage({"location": ["neck"], "duration": "2w", "radiation": "none", "recurrent": False,
                   "limits_activities": False, "age": 30, "red_flags": []}, RULES).to_dict()["safety_net"]["if_worse"]
    assert "see a doctor today" not in emergency and "emergency number" in emergency
    assert "see a doctor today" in calm


def test_a_rule_with_thousands_of_tests_compiles_quickly_and_matches_as_its_data_says():
    """Python compiles one long expression in more than linear time: a long condition is
    evaluated from its data instead, with exactly the same result (issue 16: a large rules file)."""
    import time

    from spinetriage.rules.load import default_rules_path, load_rules_text

    text = default_rules_path().read_text(encoding="utf-8")
    ages = [a for a in range(1, 121) if a % 7 == 3]
    leaves = ", ".join(f"{{all: [{{age: {{at_least: {a}, at_most: {a}}}}}, {{recurrent: {{is: true}}}}]}}"
                       for a in ages * 300)
    rule = f"  - {{id: long-rule, outcome: doctor, when: {{any: [{leaves}]}}, reason: r, source: s}}\n"
    start = time.process_time()
    rules = load_rules_text(text.replace("\nrules:\n", "\nrules:\n" + rule, 1), "long.yaml")
    assert time.process_time() - start < 60  # bounded (it took minutes to compile as one expression)
    long_rule = next(i for i, r in enumerate(rules.rules) if r.id == "long-rule")
    for age in range(1, 121):
        for recurrent in (False, True):
            answers = Answers(location=frozenset({"neck"}), duration_days=3, radiation="none",
                              recurrent=recurrent, limits_activities=False, age=age, red_flags=frozenset())
            assert (long_rule in rules.match_complete(answers)) is evaluate3(rules.rules[long_rule].condition, answers)
            assert (long_rule in rules.match_complete(answers)) is (recurrent and age in ages)
