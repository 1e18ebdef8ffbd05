"""The hand-written records (``core.record.Frozen``: Answers, Result, Section) behave as the
dataclasses they replaced (issue 17: made at every start-up, a dataclass cost half a millisecond)."""

from __future__ import annotations

import pickle

import pytest

from spinetriage import triage
from spinetriage.core.answers import Answers
from spinetriage.core.errors import AnswerError
from spinetriage.formats.report import Section

CALM = {"location": ["neck"], "duration": "2w", "radiation": "none", "recurrent": False,
        "limits_activities": False, "age": 30, "red_flags": []}


def test_answers_are_normalised_equal_hashable_and_immutable():
    a = Answers(location=["neck"], duration_days="2w", red_flags=["fever"])
    b = Answers(frozenset({"neck"}), 14, red_flags=frozenset({"fever"}))
    assert a == b and hash(a) == hash(b) and a != Answers(location=["neck"])
    assert a.location == frozenset({"neck"}) and a.duration_days == 14
    with pytest.raises(AttributeError):
        a.age = 40  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del a.location
    assert "location=frozenset({'neck'})" in repr(a) and repr(a).startswith("Answers(")


def test_replace_goes_through_the_checks_and_knows_its_fields():
    a = Answers(location=["neck"])
    assert a.replace(age="41").age == 41 and a.age is None  # a copy, read like any answer
    with pytest.raises(AnswerError):
        a.replace(location=[])
    with pytest.raises(TypeError, match="no field 'agee'"):
        a.replace(agee=41)


def test_answers_and_results_survive_pickling_as_batch_workers_need():
    result = triage(CALM)
    again = pickle.loads(pickle.dumps(result))
    assert again == result and again.answers == result.answers and again.to_dict() == result.to_dict()


def test_a_result_copy_changes_only_what_is_asked():
    result = triage(CALM)
    louder = result.replace(advice="Go now")
    assert louder.advice == "Go now" and louder.outcome == result.outcome and result.advice != "Go now"
    assert louder != result


def test_sections_compare_by_their_fields():
    assert Section("Why", bullets=("a",), id="why") == Section("Why", (), ("a",), "why")
    assert Section("Why") != Section("Why", id="why")
