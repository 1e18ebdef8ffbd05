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

from spinetriage import load_rules, triage_many, triage_record
from spinetriage.records.lines import CHUNK, MAX_RECORD, TOO_LONG_MESSAGE
from spinetriage.records.run import run as batch_run
from spinetriage.rules.load import default_rules_path

RULES = load_rules()
HEADER = "id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"]
INVISIBLES = ["\u200b", "\u200d", "\u00ad", "\ufeff", "\u00a0"]
MISSPELT_KEYS = ["red_flag", "redFlags", "RED_FLAGS", "red flags"]


def run(data: bytes, input_format: str = "jsonl", jobs: int = 1) -> list[dict]:
    out = io.StringIO()
    summary = batch_run(io.BytesIO(data), out, RULES, input_format, jobs=jobs)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == summary.records
    return lines


def emergency_line(n: int) -> bytes:
    return json.dumps({"id": f"e{n}", "red_flags": ["bladder-bowel"]}).encode()


def calm_without_signs() -> dict:
    return {k: v for k, v in CALM.items() if k != "red_flags"}


def is_emergency(line: dict, sign: str = "chest-pain") -> bool:
    return line.get("outcome") == "emergency" and sign in line["reasons"] and bool(line.get("ignored"))


# --- 1. a semicolon CSV header with a cell over the csv field limit -------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
def test_a_header_cell_over_the_csv_limit_is_named_on_every_line_and_emergencies_are_kept(delimiter):
    d = delimiter
    big = "y" * 140_000
    text = (f"id{d}red_flags{d}{big}\n1{d}chest-pain{d}a\n2{d}fever{d}b\n3{d}saddle-numbness{d}c\n"
            f"4{d}{d}d\n")
    lines = run(text.encode(), "csv")
    assert [line["id"] for line in lines] == ["1", "2", "3", "4"]
    assert is_emergency(lines[0]) and is_emergency(lines[2], "saddle-numbness")
    for line in (lines[1], lines[3]):
        assert "header" in line["error"] and "131,072 characters" in line["error"]
        assert len(line["error"]) < 400  # the long name is shortened where it is named
    assert "131,072 characters" in lines[0]["ignored"][0]


def test_a_semicolon_header_over_the_csv_limit_is_no_internal_error_on_the_command_line(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id;red_flags;" + "y" * 140_000 + "\n1;chest-pain;a\n2;fever;b\n", encoding="utf-8")
    proc = run_cli("batch", "--input-format", "csv", str(path))
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line.get("outcome") for line in lines] == ["emergency", None] and proc.returncode == 1


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


# --- 3. near misses decide too ------------------------------------------------------------------


@pytest.mark.parametrize("key", MISSPELT_KEYS)
def test_a_sign_under_a_misspelt_key_decides_and_a_calm_one_gets_did_you_mean(key):
    line = triage_record({"id": 1, key: ["chest-pain"]})
    assert is_emergency(line) and "did you mean 'red_flags'" in line["ignored"][0]
    line = triage_record({**calm_without_signs(), key: ["fever"]})
    assert f"unknown field {key!r} (did you mean 'red_flags'?)" in line["error"]


@pytest.mark.parametrize("dash", DASHES + INVISIBLES)
def test_a_sign_written_with_a_typographic_dash_or_an_invisible_character(dash):
    line = triage_record({"id": 1, "red_flags": [f"chest{dash}pain" if dash in DASHES else f"chest{dash}-pain"]})
    assert is_emergency(line)
    calm = triage_record({**CALM, "red_flags": [f"night{dash}pain" if dash in DASHES else f"night-{dash}pain"]})
    assert "did you mean 'night-pain'?" in calm["error"] and calm["error"].startswith("red_flags:")


@pytest.mark.parametrize("wrapped, calm", [
    (b"chest-pain", b"fever"),
    ([b"chest-pain"], [b"fever"]),
    ([["chest-pain"]], [["fever"]]),
    ([[[[[[[[[[["chest-pain"]]]]]]]]]]], [[[[[[[[[[["fever"]]]]]]]]]]]),
    ({"chest-pain": True}, {"fever": True}),
    ([{"id": "chest-pain"}], [{"id": "fever"}]),
])
def test_a_sign_inside_bytes_a_nested_list_or_a_mapping(wrapped, calm):
    assert is_emergency(triage_record({"id": 1, "red_flags": wrapped}))
    line = triage_record({**CALM, "red_flags": calm})
    assert "did you mean 'fever'?" in line["error"]
    no = triage_record({**CALM, "red_flags": {"chest-pain": False}})  # a mapping saying no to a sign
    assert "error" in no and "outcome" not in no


def test_near_misses_in_batch_json_lines_and_csv():
    records = [{"id": "k", "redFlags": ["saddle-numbness"]}, {"id": "d", "red_flags": ["both\u2013legs"]},
               {"id": "z", "red_flags": "rapid\u200b-weakness"}, {"id": "n", "red_flags": [["chest-pain"]]}]
    data = b"\n".join(emergency_line(i) + b"\n" + json.dumps(r).encode() for i, r in enumerate(records)) + b"\n"
    lines = run(data)
    assert len(lines) == 8 and all(line["outcome"] == "emergency" for line in lines)
    assert [line["id"] for line in lines[1::2]] == ["k", "d", "z", "n"] and all(line["ignored"] for line in lines[1::2])
    csv_text = "id,red_flags,redFlags\na,chest\u2013pain,\nb,,saddle numbness\nc,fever\u2011x,\n"
    lines = run(csv_text.encode(), "csv")
    assert is_emergency(lines[0]) and is_emergency(lines[1], "saddle-numbness") and "error" in lines[2]


def test_red_flag_flag_folds_dashes_and_suggests_like_location():
    proc = run_cli("ask", "--red-flag", "chest\u2013pain", "--no-input", "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["outcome"] == "emergency"
    assert "did you mean 'chest-pain'" in proc.stderr
    proc = run_cli("ask", *CALM_FLAGS[:-1], "--red-flag", "night\u2013pain", "--no-input")
    assert proc.returncode == 2 and "--red-flag: 'night\u2013pain' is not accepted (did you mean 'night-pain'?" \
        in proc.stderr
    proc = run_cli("ask", *CALM_FLAGS[:-1], "--red-flag", "chest", "--no-input")
    assert proc.returncode == 2 and "(did you mean 'chest-pain'?)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_sign_pasted_with_a_word_dash_at_the_prompt_ends_the_questions(tmp_path):
    pytest.importorskip("pexpect")
    from test_interactive import Session

    s = Session(*CALM_FLAGS[:-1], cwd=str(tmp_path))  # every answer but the signs
    try:
        s.answer("saddle\u2013numbness")
        assert s.finish() == 0
        assert "EMERGENCY:" in s.screen
    finally:
        if s.child.isalive():
            s.child.terminate(force=True)


def test_prompt_picks_fold_dashes_and_invisibles_silently():
    from spinetriage.core.parse import read_picks

    values = ["fever", "night-pain", "rash"]
    assert read_picks("night\u2013pain, ra\u200bsh", values) == ["night-pain", "rash"]


# --- 4. an over-long line that names an emergency sign ----------------------------------------


def test_an_over_long_line_that_names_an_emergency_sign_gives_emergency_with_its_id():
    pad = "x" * (MAX_RECORD + 5 * CHUNK)
    long_sign = json.dumps({"id": "L", "pad": pad, "red_flags": ["chest\u2013pain"]}, ensure_ascii=False)
    long_calm = json.dumps({"id": 7, "pad": pad, "red_flags": ["fever"]})
    data = b"\n".join([emergency_line(1), long_sign.encode(), long_calm.encode(), emergency_line(2)]) + b"\n"
    lines = run(data)
    assert [line["id"] for line in lines] == ["e1", "L", 7, "e2"]
    assert lines[1]["outcome"] == "emergency" and lines[1]["reasons"] == ["chest-pain"]
    assert lines[1]["ignored"] == [TOO_LONG_MESSAGE]
    assert lines[2] == {"id": 7, "line": 3, "error": TOO_LONG_MESSAGE}


@pytest.mark.parametrize("offset", range(-12, 3))
def test_a_sign_cut_between_two_reads_of_an_over_long_line_is_found(offset):
    head = b'{"id": "cut", "pad": "'
    fill = 3 * CHUNK + offset - len(head)  # the sign straddles the end of the fourth read
    line = head + b"x" * fill + b' saddle numbness ' + b"x" * (MAX_RECORD + CHUNK) + b'"}'
    lines = run(emergency_line(0) + b"\n" + line + b"\n" + emergency_line(1) + b"\n")
    assert lines[1]["id"] == "cut" and lines[1]["outcome"] == "emergency", lines[1]


def test_an_over_long_csv_line_keeps_its_emergency_and_id():
    data = (HEADER + "c1,neck,3d,none,no,no,30,\nL,neck," + "3" * (MAX_RECORD + 10)
            + ",none,no,no,30,bladder-bowel\nc2,neck,3d,none,no,no,30,\n").encode()
    lines = run(data, "csv")
    assert [line["id"] for line in lines] == ["c1", "L", "c2"]
    assert lines[1]["outcome"] == "emergency" and lines[1]["ignored"] == [TOO_LONG_MESSAGE]


def test_an_over_long_line_with_a_sign_gives_emergency_under_jobs_2():
    body = b"".join(emergency_line(n) + b"\n" for n in range(3000))
    data = body + b'{"id": "L", "pad": "' + b"x" * (3 << 20) + b'", "red_flags": ["faint-collapse"]}\n' + body
    one, two = run(data, jobs=1), run(data, jobs=2)
    assert one == two and len(two) == 6001
    assert two[3000]["id"] == "L" and two[3000]["reasons"] == ["faint-collapse"]
    assert all(line["outcome"] == "emergency" for line in two)


# --- 5. "not answered" is not "none" -----------------------------------------------------------


def test_null_nan_none_and_na_in_red_flags_mean_not_answered():
    pd = pytest.importorskip("pandas")
    for missing in (None, math.nan, pd.NA, "None"):
        line = triage_record({**CALM, "red_flags": missing})
        assert line["error"].startswith("red_flags: not answered"), line
        assert '[] or "none"' in line["error"]
    data = (json.dumps({**CALM, "id": "j", "red_flags": None}) + "\n"
            + json.dumps({**CALM, "id": "n"}).replace('"red_flags": []', '"red_flags": NaN') + "\n").encode()
    lines = run(data)
    assert [line["id"] for line in lines] == ["j", "n"]
    assert all(line["error"].startswith("red_flags: not answered") for line in lines)


def test_an_emergency_elsewhere_still_decides_beside_an_unanswered_red_flags():
    line = triage_record({"id": 1, "red_flags": None, "redFlags": ["chest-pain"]})
    assert is_emergency(line) and any("not answered" in text for text in line["ignored"])


def test_no_warning_signs_must_be_said():
    for said in ([], "none", "NONE", ["none"], "", " "):
        line = triage_record({**CALM, "red_flags": said})
        assert line == triage_record(CALM) and line["outcome"] == "self-care", said
    assert "error" in triage_record({**CALM, "red_flags": "None of them"})


def test_none_beside_a_sign_is_an_error_unless_the_sign_is_an_emergency():
    assert "'none' cannot go with signs" in triage_record({**CALM, "red_flags": ["none", "fever"]})["error"]
    assert is_emergency(triage_record({**CALM, "red_flags": ["none", "chest-pain"]}))


def test_an_empty_csv_cell_read_by_batch_is_none_and_an_absent_column_is_missing():
    lines = run((HEADER + "a,neck,3d,none,no,no,30,\nb,neck,3d,none,no,no,30,none\n").encode(), "csv")
    assert [line.get("outcome") for line in lines] == ["self-care", "self-care"]
    lines = run(b"id,location,duration,radiation,recurrent,limits_activities,age\na,neck,3d,none,no,no,30\n", "csv")
    assert "missing answers: red_flags" in lines[0]["error"]


def test_red_flag_none_on_the_command_line_is_no_red_flags():
    proc = run_cli("ask", *CALM_FLAGS[:-1], "--red-flag", "none", "--no-input", "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["answers"]["red_flags"] == []
