"""`triage_record`: the batch line for one record, as a dict, for pandas, Dask and Spark users.

It must agree with `spinetriage batch` line for line, never raise on bad data, read values
the way data tools write them, and travel to other processes (RuleSet and errors pickle).
"""

import io
import json
import math
import pickle
import random
from concurrent.futures import ProcessPoolExecutor

import pytest
from conftest import CALM

from spinetriage import (
    AnswerError,
    MissingAnswers,
    Problem,
    RulesError,
    load_rules,
    triage_record,
)
from spinetriage.core.vocabulary import RED_FLAGS
from spinetriage.records.run import run

RULES = load_rules()
EMERGENCY = {"id": "e", "red_flags": ["saddle-numbness"]}


def batch_lines(records):
    text = "".join(json.dumps(r) + "\n" for r in records)
    out = io.StringIO()
    run(io.BytesIO(text.encode()), out, RULES)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def generated(n, seed=5):
    rnd = random.Random(seed)
    keys = ["location", "duration", "duration_days", "radiation", "recurrent", "limits_activities", "age",
            "red_flags"]
    values = {
        "location": [["neck"], ["lower-back", "mid-back"], [], "neck", ["toe"], None],
        "duration": ["3w", "2 weeks", "0d", "5", "", None, 3],
        "duration_days": [0, 30, 400, -1, "12", None],
        "radiation": ["none", "legs", "Arms", "toes", None],
        "recurrent": [True, False, "yes", "no", 1, 0, "maybe", None],
        "limits_activities": [True, False, "y", "n", None],
        "age": [40, 1, 120, 0, "33", 44.0, 44.5, True, None],
        "red_flags": [[], ["fever"], ["chest-pain", "rash"], "fever;night-pain", ["nope"], "", None],
    }
    for i in range(n):
        record = {"id": i}
        for key in keys:
            if rnd.random() < 0.9:
                record[key] = rnd.choice(values[key])
        if rnd.random() < 0.2:
            record["red_flags"] = rnd.sample(sorted(RED_FLAGS), 2)
        yield record


def test_each_record_gives_exactly_the_batch_line_without_a_line_number():
    records = list(generated(2000))
    lines = batch_lines(records)
    assert len(lines) == len(records)
    kinds = set()
    for record, line in zip(records, lines):
        got = triage_record(record, RULES)
        if "error" in line:
            assert got == {**line, "line": None}
            kinds.add("error")
        else:
            assert got == line
            kinds.add(line["outcome"])
            kinds.update(["ignored"] if "ignored" in line else [])
    assert {"error", "emergency", "urgent", "ignored"} <= kinds


def test_default_rules_and_the_contract_keys():
    assert triage_record({**CALM, "id": "a"}) == {"id": "a", "outcome": "self-care", "reasons": [],
                                                  "phase": "acute"}
    assert triage_record({"id": 3}) == {
        "id": 3, "line": None,
        "error": "missing answers: location, duration (or duration_days), radiation, recurrent, limits_activities, "
                 "age, red_flags (every answer is needed unless an emergency red flag is present)"}


class NAType:
    """Behaves like pandas.NA: no truth value, comparisons give NA."""

    def __bool__(self):
        raise TypeError("boolean value of NA is ambiguous")

    def __eq__(self, other):
        return self

    __ne__ = __eq__
    __hash__ = object.__hash__


class bool_:  # noqa: N801 - named like numpy's
    def __init__(self, value):
        self.value = value

    def __bool__(self):
        return self.value


class int64:  # noqa: N801 - named like numpy's
    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


class float64(float):  # noqa: N801 - numpy's float64 is a float
    pass


@pytest.mark.parametrize("blank", [None, math.nan, float64("nan"), NAType(), ""])
def test_blank_values_from_data_tools_mean_not_answered(blank):
    red_flags = triage_record({**CALM, "red_flags": blank})
    if isinstance(blank, str):  # empty text, as an empty CSV cell: none present
        assert red_flags == triage_record(CALM)
    else:  # null, NaN, NA: not answered, never "no warning signs" (CONTRACT, Batch)
        assert red_flags["error"].startswith("red_flags: not answered")
    line = triage_record({**CALM, "age": blank, "radiation": blank})
    assert line["error"].startswith("missing answers: radiation, age")
    assert triage_record({"id": 1, "age": blank, "red_flags": ["chest-pain"], "recurrent": blank})["outcome"] \
        == "emergency"


def test_numbers_and_booleans_as_data_tools_write_them():
    want = triage_record({**CALM, "recurrent": True, "age": 44, "duration_days": 9, "duration": None})
    assert want["outcome"] in ("self-care", "physical-therapy", "doctor")
    for recurrent, age, days in [(1.0, 44.0, 9.0), (bool_(True), int64(44), int64(9)), (1, float64(44), 9)]:
        got = triage_record({**CALM, "recurrent": recurrent, "age": age, "duration_days": days, "duration": None})
        assert got == want
    for bad in (2, 0.5, math.inf):
        assert "recurrent" in triage_record({**CALM, "recurrent": bad})["error"]
    assert "age" in triage_record({**CALM, "age": True})["error"]


def test_rows_of_other_mapping_types_and_numpy_like_lists():
    class Row(tuple):  # like pyspark.sql.Row: a tuple with asDict()
        def asDict(self):  # noqa: N802
            return dict(CALM, id=int64(5))

    assert triage_record(Row()) == triage_record({**CALM, "id": 5})

    class Array(list):
        def tolist(self):
            return list(self)

    assert triage_record({**CALM, "red_flags": Array(["fever"])}) == triage_record({**CALM, "red_flags": ["fever"]})


class Weird:
    def __repr__(self):
        raise RuntimeError("no repr")

    def __eq__(self, other):
        raise RuntimeError("no eq")

    __hash__ = object.__hash__


@pytest.mark.parametrize("record", [
    None, 7, "text", [1, 2], {"age": Weird()}, {Weird(): 1}, {"id": Weird(), **CALM},
    {**CALM, "age": 10**5000}, {**CALM, "id": 10**5000}, {**CALM, "age": "9" * 5000},
    {**CALM, "location": {"neck": 1}}, {**CALM, "duration": "3" * 100_000 + "d"},
    {**CALM, "red_flags": [["fever"]]}, {**CALM, "id": {"a": math.nan}}, {**CALM, "id": object()},
])
def test_never_raises_on_bad_data(record):
    got = triage_record(record)
    assert set(got) in ({"id", "line", "error"}, {"id", "outcome", "reasons", "phase"})
    json.dumps(got, allow_nan=False)  # what it returns is valid JSON


def test_an_emergency_with_bad_values_says_which_were_ignored():
    got = triage_record({**EMERGENCY, "age": "old", "colour": "blue"})
    assert got["outcome"] == "emergency" and got["id"] == "e"
    assert got["ignored"] == [
        "age: 'old' is not a whole number; accepted: a whole number from 1 to 120",
        "colour: unknown field 'colour'; accepted fields: id, duration, location, duration_days, radiation, "
        "recurrent, limits_activities, age, red_flags, course",
    ]


# --- pickling: process pools, Dask and Spark -------------------------------------------------


def test_ruleset_pickles_and_still_triages():
    copy = pickle.loads(pickle.dumps(RULES))
    records = list(generated(300, seed=9))
    assert [triage_record(r, copy) for r in records] == [triage_record(r, RULES) for r in records]


@pytest.mark.parametrize("error", [
    AnswerError("age", "old", "accepted: a whole number from 1 to 120", "'old' is not a whole number"),
    AnswerError("age", 3, "accepted: anything"),
    MissingAnswers(["age", "radiation"]),
    RulesError([Problem("r.yaml", 3, 4, "bad"), Problem("r.yaml", 5, 1, "worse", "warning")]),
])
def test_errors_pickle_with_the_same_type_and_message(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and copy.args == error.args
    assert copy.__dict__ == error.__dict__


def _line(record):
    return triage_record(record, RULES)


def _raise_missing(_):
    raise MissingAnswers(["age"])


def test_a_real_process_pool_gets_the_rules_and_the_same_answers():
    records = list(generated(200, seed=11))
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(triage_record, records, [RULES] * len(records), chunksize=20)) == \
            [triage_record(r, RULES) for r in records]
        with pytest.raises(MissingAnswers) as info:
            pool.submit(_raise_missing, 1).result()
    assert info.value.fields == ["age"]


def test_rules_may_be_a_ruleset_a_path_or_none_and_anything_else_is_named(tmp_path):
    import shutil

    from conftest import SHIPPED_RULES

    from spinetriage import load_rules, triage_record

    copy = tmp_path / "mine.yaml"
    shutil.copy(SHIPPED_RULES, copy)
    record = {"red_flags": ["chest-pain"]}
    for rules in (None, load_rules(), str(copy), copy):
        assert triage_record(record, rules)["outcome"] == "emergency"
    with pytest.raises(TypeError, match="rules: expected a RuleSet"):
        triage_record(record, rules=42)


@pytest.mark.parametrize("record", [
    {"duration": "40y", "age": 30}, {"duration_days": 800, "age": 1},
])
def test_pain_longer_than_the_life_is_refused_everywhere_unless_an_emergency_decides(record):
    calm = {**CALM, **record}
    calm.pop("duration" if "duration_days" in record else "duration_days", None)
    line = triage_record(calm)
    assert "longer than an age of" in line["error"]
    line = triage_record({**calm, "red_flags": ["chest-pain"]})
    assert line["outcome"] == "emergency" and "longer than an age of" in line["ignored"][0]


def test_real_pandas_frames_agree_with_batch_csv_line_for_line():
    pd = pytest.importorskip("pandas")
    text = ("id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
            "1,neck,3w,none,no,yes,40,\n"                   # empty red_flags cell: none
            "2,neck,3w,none,,yes,,\n"                       # missing answers
            "3,,,,,,,saddle-numbness\n"                     # an emergency sign alone
            "4,lower-back,2w,legs,yes,no,70,fever;night-pain\n"
            "5,neck,3w,toes,no,no,abc,chest-pain\n")        # bad values beside an emergency
    out = io.StringIO()
    run(io.BytesIO(text.encode()), out, RULES, "csv")
    want = [{**json.loads(line), "line": None} if "error" in line else json.loads(line)
            for line in out.getvalue().splitlines()]
    # Read as the recipes read CSV: every cell as text, an empty cell as "" (not NaN), as batch reads it.
    kw = {"dtype": str, "keep_default_na": False}
    for frame in (pd.read_csv(io.StringIO(text), **kw), pd.read_csv(io.StringIO(text), **kw).convert_dtypes(),
                  pd.read_csv(io.StringIO(text), **kw, dtype_backend="numpy_nullable")):
        got = [triage_record(row, RULES) for _, row in frame.iterrows()]
        assert got == want
        assert [triage_record(r, RULES) for r in frame.to_dict("records")] == want
    # Read with pandas' defaults, the empty red_flags cell is NaN: not answered, never "none".
    nan = [triage_record(r, RULES) for r in pd.read_csv(io.StringIO(text), dtype={"id": str}).to_dict("records")]
    assert nan[0]["error"].startswith("red_flags: not answered") and nan[2:] == want[2:]


def test_a_one_shot_iterator_of_signs_keeps_its_emergency_beside_a_bad_item():
    line = triage_record({"red_flags": iter(["chest-pain", "bogus"])})
    assert line["outcome"] == "emergency" and "'bogus' is not accepted" in line["ignored"][0]
