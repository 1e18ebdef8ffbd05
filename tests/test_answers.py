"""Answers as users give them: durations, choices, numbers, yes/no, records."""

import pytest

from spinetriage import AnswerError, Answers, parse_duration
from spinetriage.core.parse import format_duration, parse_answer
from spinetriage.core.vocabulary import QUESTIONS


@pytest.mark.parametrize(
    "text, days",
    [
        ("0d", 0), ("3d", 3), ("2w", 14), ("4m", 120), ("1y", 365), ("3 days", 3), ("1 day", 1),
        ("2 weeks", 14), ("1 week", 7), ("1 month", 30), ("6 months", 180), ("1 year", 365),
        ("2 years", 730), ("  4W ", 28), ("3D", 3), ("100y", 36500), ("1200m", 36000),
    ],
)
def test_duration_accepted_forms(text, days):
    assert parse_duration(text) == days


@pytest.mark.parametrize(
    "text, problem",
    [
        ("3", "no unit"), ("", "not a duration"), ("   ", "not a duration"), ("-3d", "negative"),
        ("1.5w", "not a whole number"), ("2,5d", "not a whole number"), ("101y", "more than 100 years"),
        ("36501d", "more than 100 years"), ("3 fortnights", "not a unit"), ("3x", "not a unit"),
        ("w", "not a duration"), ("three weeks", "not a duration"), ("3d 2w", "not a duration"),
    ],
)
def test_duration_refused_forms_say_why_and_what_is_accepted(text, problem):
    with pytest.raises(AnswerError) as info:
        parse_duration(text)
    message = str(info.value)
    assert problem in message
    assert "3d, 2w, 4m, 1y" in message


def test_duration_is_shown_in_words():
    assert format_duration(0) == "began today"
    assert format_duration(14) == "2 weeks"
    assert format_duration(365) == "1 year"
    assert format_duration(10) == "10 days"


@pytest.mark.parametrize("word, value", [("cervical", "neck"), ("thoracic", "mid-back"), ("lumbar", "lower-back"),
                                         ("Lower Back", "lower-back"), ("MID-BACK", "mid-back")])
def test_location_aliases_and_case(word, value):
    assert parse_answer("location", [word]) == frozenset({value})


@pytest.mark.parametrize("value", ["lower-bak", "back", "", "1"])
def test_unknown_location_lists_what_is_accepted(value):
    with pytest.raises(AnswerError) as info:
        parse_answer("location", [value])
    assert "neck, mid-back, lower-back" in str(info.value)


@pytest.mark.parametrize("value", [0, 121, -1, "abc", 4.5, True, "12.0"])
def test_age_must_be_a_whole_number_from_1_to_120(value):
    with pytest.raises(AnswerError) as info:
        parse_answer("age", value)
    assert "1 to 120" in str(info.value)


@pytest.mark.parametrize("value, expected", [(1, 1), (120, 120), ("42", 42)])
def test_age_bounds(value, expected):
    assert parse_answer("age", value) == expected


@pytest.mark.parametrize("word, value", [("y", True), ("YES", True), ("true", True), ("n", False), ("No", False),
                                         (False, False)])
def test_yes_no(word, value):
    assert parse_answer("recurrent", word) is value


@pytest.mark.parametrize("word", ["maybe", "", 2, None])
def test_yes_no_refuses_other_words(word):
    with pytest.raises(AnswerError):
        parse_answer("recurrent", word)


def test_red_flags_are_checked_against_the_contract_ids():
    assert parse_answer("red_flags", ["fever", "night-pain"]) == {"fever", "night-pain"}
    with pytest.raises(AnswerError) as info:
        parse_answer("red_flags", ["saddle-numbnes"])
    assert "saddle-numbness" in str(info.value)


def test_record_with_unknown_field_is_refused_not_ignored():
    with pytest.raises(AnswerError) as info:
        Answers.from_mapping({"locaton": ["neck"]})
    assert "unknown field 'locaton'" in str(info.value)


def test_record_duration_needs_a_unit_and_duration_days_is_a_number():
    assert Answers.from_mapping({"duration": "3w"}).duration_days == 21
    assert Answers.from_mapping({"duration_days": 21}).duration_days == 21
    with pytest.raises(AnswerError):
        Answers.from_mapping({"duration": "21"})
    # both given: a blank one is ignored, agreeing ones are taken, disagreeing ones name both
    assert Answers.from_mapping({"duration": "3w", "duration_days": 21}).duration_days == 21
    assert Answers.from_mapping({"duration": "3w", "duration_days": None}).duration_days == 21
    assert Answers.from_mapping({"duration": "", "duration_days": 21}).duration_days == 21
    with pytest.raises(AnswerError, match=r"duration '3w' and duration_days 30 disagree"):
        Answers.from_mapping({"duration": "3w", "duration_days": 30})


def test_empty_red_flags_means_none_present_and_missing_means_not_asked():
    assert Answers.from_mapping({"red_flags": []}).red_flags == frozenset()
    assert Answers.from_mapping({"red_flags": ""}).red_flags == frozenset()
    assert Answers.from_mapping({}).red_flags is None


def test_library_answers_accept_plain_python_values():
    a = Answers(location=["lumbar"], duration_days=10, radiation="legs", recurrent=False,
                limits_activities=True, age=40, red_flags=[])
    assert a.location == {"lower-back"} and a.red_flags == frozenset() and not a.missing()
    assert a.as_dict()["location"] == ["lower-back"]
    with pytest.raises(AnswerError):
        Answers(location=[])


def test_every_question_has_a_flag_and_accepted_values():
    for q in QUESTIONS.values():
        assert q.flag.startswith("--")
        assert q.accepted()


def test_a_duration_that_is_not_text_is_an_answer_error_not_a_crash():
    for value in ([3], {"w": 3}, 3, None):
        with pytest.raises(AnswerError):
            parse_duration(value)
    with pytest.raises(AnswerError):
        Answers.from_mapping({"duration": [3]})


class _Int64:
    """Stands in for numpy.int64 (an integer that is not an int subclass)."""

    def __init__(self, n):
        self.n = n

    def __index__(self):
        return self.n


class bool_:  # noqa: N801 - named like numpy's bool
    def __init__(self, b):
        self.b = b

    def __bool__(self):
        return self.b


def test_numpy_like_numbers_and_booleans_from_dataframes_are_accepted():
    a = Answers.from_mapping({"age": _Int64(44), "duration_days": _Int64(30), "recurrent": bool_(True)})
    assert (a.age, a.duration_days, a.recurrent) == (44, 30, True)
    with pytest.raises(AnswerError):
        Answers.from_mapping({"age": bool_(True)})


@pytest.mark.parametrize("cell", ["['chest-pain', 'fever']", '["chest-pain","fever"]', "chest-pain|fever",
                                  "chest-pain; fever", "chest-pain,fever"])
def test_a_list_written_as_text_reads_the_same_however_a_data_tool_wrote_it(cell):
    assert parse_answer("red_flags", cell) == {"chest-pain", "fever"}


def test_any_iterable_of_signs_is_a_list_but_a_mapping_is_not():
    assert parse_answer("red_flags", iter(["chest-pain"])) == {"chest-pain"}
    with pytest.raises(AnswerError):
        parse_answer("red_flags", {"chest-pain": True})
