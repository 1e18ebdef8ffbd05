"""`spinetriage batch`: one result per record, in order, streamed; the same answers as `ask`.

The library is called for the many generated records and the CLI (a subprocess, as scripts
run it) for a few, for the input forms (file, `-`, stdin, CSV) and for streaming.
"""

import io
import json
import queue
import random
import re
import subprocess
import sys
import threading

import pytest
from conftest import CALM, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from spinetriage import AnswerError, Answers, MissingAnswers, triage
from spinetriage.core.parse import parse_duration
from spinetriage.core.vocabulary import RED_FLAGS
from spinetriage.records.lines import CACHE_BYTES, CACHE_MAX, CHUNK
from spinetriage.records.run import run
from spinetriage.records.triage import Triager
from spinetriage.rules.load import load_rules

RULES = load_rules()
SUMMARY = re.compile(r"^\d+ records?(: \d+ [a-z-]+(, \d+ [a-z-]+)*)?; \d+ errors?$")


# --- helpers --------------------------------------------------------------------------------


def run_lib(text, input_format="jsonl"):
    """Batch through the library: (result objects, summary)."""
    out = io.StringIO()
    summary = run(io.BytesIO(text.encode("utf-8")), out, RULES, input_format)
    return [json.loads(line) for line in out.getvalue().splitlines()], summary, out.getvalue()


def reference(record):
    """What `ask --format json` (through the library) makes of one record: outcome, rule ids, phase."""
    result = triage(record, RULES)
    data = result.to_dict()
    return {"outcome": data["outcome"], "reasons": [r["rule"] for r in data["reasons"]], "phase": data["phase"]}


def reference_line(record):
    """The batch line expected for a JSON object record: a result, or the error the library raises."""
    rid = record.get("id")
    try:
        line = {"id": rid, **reference(record)}
        ignored = [e.describe(e.field) for e in Answers.parse_each(record)[1]]
        return line | {"ignored": ignored} if ignored else line
    except AnswerError as exc:
        return {"id": rid, "error": exc.describe(exc.field)}
    except MissingAnswers as exc:
        return {"id": rid, "missing": exc.fields}


def jsonl(*records):
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def ask_flags(record):
    """`ask` flags for a complete, valid record."""
    out = []
    for loc in record["location"]:
        out += ["--location", loc]
    out += ["--duration", record["duration"], "--radiation", record["radiation"],
            "--recurrent" if record["recurrent"] else "--no-recurrent",
            "--limits-activities" if record["limits_activities"] else "--no-limits-activities",
            "--age", str(record["age"])]
    for flag in record["red_flags"]:
        out += ["--red-flag", flag]
    return out + ([] if record["red_flags"] else ["--no-red-flags"])


def random_record(rnd, n):
    number, unit = rnd.randint(0, 30), rnd.choice("dwmy")
    days = number * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
    return {
        "id": f"r{n}",
        "location": rnd.sample(["neck", "mid-back", "lower-back"], rnd.randint(1, 3)),
        "duration": f"{number}{unit}",
        "radiation": rnd.choice(["none", "arms", "legs", "arms-and-legs"]),
        "recurrent": rnd.random() < 0.5,
        "limits_activities": rnd.random() < 0.5,
        "age": rnd.randint(max(1, days // 365), 120),  # the pain no longer than the life (else an error)
        "red_flags": rnd.sample(sorted(RED_FLAGS), rnd.choice([0, 0, 0, 1, 2])),
    }


# --- the same answers as `ask` -------------------------------------------------------------


def test_batch_equals_ask_json_over_many_generated_answer_sets():
    rnd = random.Random(20261126)
    records = [random_record(rnd, n) for n in range(3000)]
    # half of them with duration_days instead of duration text
    for record in records[::2]:
        record["duration_days"] = parse_duration(record.pop("duration"))
    results, summary, _ = run_lib(jsonl(*records))
    assert len(results) == len(records) == summary.records
    assert summary.errors == 0
    for record, got in zip(records, results):
        assert got == {"id": record["id"], **reference(record)}
    assert sum(summary.outcomes.values()) == len(records)
    assert set(summary.outcomes) == {"emergency", "urgent", "doctor", "physical-therapy", "self-care"}


def test_batch_equals_ask_format_json_on_the_command_line(tmp_path):
    rnd = random.Random(7)
    records = [random_record(rnd, n) for n in range(5)]
    records[0]["red_flags"] = ["saddle-numbness"]
    records[1]["red_flags"] = []
    records[1]["age"] = 70
    path = tmp_path / "in.jsonl"
    path.write_text(jsonl(*records), encoding="utf-8")
    proc = run_cli("batch", str(path))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(records)
    for record, got in zip(records, lines):
        asked = run_cli("ask", *ask_flags(record), "--no-input", "--format", "json")
        assert asked.returncode == 0, asked.stderr
        data = json.loads(asked.stdout)
        assert got == {"id": record["id"], "outcome": data["outcome"],
                       "reasons": [r["rule"] for r in data["reasons"]], "phase": data["phase"]}


# Raw values as scripts write them: mostly accepted (in every spelling and type that is), then
# wrong, missing or of an odd type, so that both the fast path and the reference path are used.
def mostly(good, bad):
    return st.integers(0, 19).flatmap(lambda k: good if k else bad)


LOCATION = mostly(
    st.one_of(st.lists(st.sampled_from(["neck", "mid-back", "lower-back", "lumbar", "Cervical", " thoracic ",
                                        "Lower Back", "lower_back"]), min_size=1, max_size=3),
              st.sampled_from(["neck;lumbar", "neck, mid-back", "neck"])),
    st.sampled_from(["", "hip", None, 3, [], [["neck"]], [1], ["neck", "hip"]]),
)
DURATION = mostly(st.sampled_from(["3w", "2 weeks", "0d", "6W", "1 Year", " 12m ", "100y", "5 days"]),
                  st.sampled_from(["3", "-1d", "1.5w", "101y", "", "4 fortnights", 21, None]))
DURATION_DAYS = mostly(st.one_of(st.integers(0, 36500), st.sampled_from(["42", "+7", "6w", " 3 "])),
                       st.sampled_from([-1, 36501, "x", "", True, 4.0, 4.5, None]))
RADIATION = mostly(st.sampled_from(["none", "arms", "legs", "arms-and-legs", "Legs", " arms and legs ",
                                    "arms_and_legs"]),
                   st.sampled_from(["toes", "", None, 1, ["legs"]]))
YES_NO = mostly(st.sampled_from([True, False, "yes", "no", "Y", "N", "true", "FALSE", "0", "1"]),
                st.sampled_from(["maybe", "", None, 1, 0, []]))
AGE = mostly(st.one_of(st.integers(1, 120), st.sampled_from(["42", " 7 ", "+30", 42.0])),
             st.sampled_from([0, 121, -1, "x", "", 42.5, True, None, "121"]))
RED_FLAG_VALUES = mostly(
    st.one_of(st.lists(st.sampled_from(sorted(RED_FLAGS) + ["FEVER", " night-pain "]), max_size=3),
              st.sampled_from(["", "fever;night-pain", "chest-pain"])),
    st.sampled_from(["itchy", ["itchy"], None, 5, [None], [["fever"]]]),
)
RECORD_ID = st.one_of(st.none(), st.text(max_size=8), st.integers(), st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def raw_records(draw):
    record = {}
    if draw(st.booleans()):
        record["id"] = draw(RECORD_ID)
    fields = {
        "location": LOCATION, "radiation": RADIATION, "recurrent": YES_NO, "limits_activities": YES_NO,
        "age": AGE, "red_flags": RED_FLAG_VALUES,
    }
    which = draw(st.sampled_from(["duration"] * 4 + ["duration_days"] * 4 + ["both", "neither"]))
    if which in ("duration", "both"):
        fields["duration"] = DURATION
    if which in ("duration_days", "both"):
        fields["duration_days"] = DURATION_DAYS
    for key, strategy in fields.items():
        if draw(st.integers(0, 29)):  # mostly present
            record[key] = draw(strategy)
    if draw(st.integers(0, 29)) == 0:
        record["colour"] = "blue"  # an unknown field
    order = draw(st.permutations(list(record)))
    return {k: record[k] for k in order}


@settings(max_examples=400, deadline=None)
@given(st.lists(raw_records(), min_size=1, max_size=12))
def test_every_record_gets_the_same_result_or_error_as_the_library(records):
    results, summary, text = run_lib(jsonl(*records))
    assert len(results) == len(records) == summary.records
    for number, (record, got) in enumerate(zip(records, results), 1):
        want = reference_line(record)
        if "missing" in want:
            assert set(got) == {"id", "line", "error"} and got["line"] == number
            assert got["error"].startswith("missing answers: ")
            for name in want["missing"]:
                assert (name if name != "duration_days" else "duration (or duration_days)") in got["error"]
        elif "error" in want:
            assert got == {"id": want["id"], "line": number, "error": want["error"]}
        else:
            assert got == want
    # a result line is exactly json.dumps of its object (the same spacing and escaping)
    for line in text.splitlines():
        assert line == json.dumps(json.loads(line))
    assert summary.errors == sum("error" in r for r in results)


def test_csv_values_are_read_like_json_ones():
    text = ("id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
            "a,neck;lower-back,3w,none,no,yes,40,\n"
            "b,Lumbar,2 weeks,legs,false,FALSE,30,fever;night-pain\n")
    results, summary, _ = run_lib(text, "csv")
    assert results[0] == {"id": "a", **reference({"location": ["neck", "lower-back"], "duration": "3w",
                                                   "radiation": "none", "recurrent": False,
                                                   "limits_activities": True, "age": 40, "red_flags": []})}
    assert results[1] == {"id": "b", **reference({"location": ["lower-back"], "duration": "2w", "radiation": "legs",
                                                   "recurrent": False, "limits_activities": False, "age": 30,
                                                   "red_flags": ["fever", "night-pain"]})}
    assert results[1]["outcome"] == "urgent"
    assert summary.errors == 0


# --- order, count, errors -----------------------------------------------------------------


MIXED = [
    {**CALM, "id": "ok-1"},                                      # 1
    "",                                                           # 2 blank: no output
    '{"id": "broken", "location": ["neck"], "duration": ',       # 3 bad JSON
    "[1, 2, 3]",                                                  # 4 JSON, not an object
    {**CALM, "id": "no-age", "age": None},                        # 5 missing answer
    "   \t",                                                      # 6 blank
    {**CALM, "id": "toes", "radiation": "toes"},                  # 7 unknown value
    {k: v for k, v in CALM.items() if k != "recurrent"} | {"id": "no-recurrent"},  # 8 missing field
    {"id": "alone", "red_flags": ["chest-pain"]},                 # 9 emergency sign alone: enough
    {**CALM, "id": "typo", "locaton": ["neck"]},                  # 10 unknown field
    {**CALM, "id": "ok-2", "red_flags": ["fever"]},               # 11
]


def test_order_and_count_are_kept_with_bad_lines_mixed_in():
    results, summary, _ = run_lib(jsonl(*MIXED))
    assert [r.get("id") for r in results] == ["ok-1", None, None, "no-age", "toes", "no-recurrent", "alone",
                                               "typo", "ok-2"]
    errors = {r["line"]: r for r in results if "error" in r}
    assert sorted(errors) == [3, 4, 5, 7, 8, 10]
    assert all(set(r) == {"id", "line", "error"} for r in errors.values())
    assert "not valid JSON" in errors[3]["error"] and "one JSON object" in errors[3]["error"]
    assert "not a JSON object" in errors[4]["error"]
    assert errors[5]["error"].startswith("missing answers: age")
    assert "radiation" in errors[7]["error"] and "'toes'" in errors[7]["error"]
    assert "accepted: none, arms, legs, arms-and-legs" in errors[7]["error"]
    assert "recurrent" in errors[8]["error"]
    assert "unknown field 'locaton'" in errors[10]["error"]
    ok = [r for r in results if "error" not in r]
    assert [r["outcome"] for r in ok] == ["self-care", "emergency", "urgent"]
    assert ok[1] == {"id": "alone", "outcome": "emergency", "reasons": ["chest-pain"], "phase": None}
    assert summary.records == 9 and summary.errors == 6
    assert summary.line() == "9 records: 1 emergency, 1 urgent, 1 self-care; 6 errors"


def test_line_endings_a_last_line_without_newline_and_a_bom():
    body = json.dumps({**CALM, "id": 1}) + "\r\n\r\n" + json.dumps({**CALM, "id": 2})
    results, summary, _ = run_lib("\ufeff" + body)
    assert [r["id"] for r in results] == [1, 2] and summary.errors == 0


def test_odd_lines_never_stop_the_run():
    lines = [
        {**CALM, "id": "list-duration", "duration": [3]},
        {**CALM, "id": "object-duration", "duration": {"weeks": 3}},
        "[" * 100_000,  # nested too deeply for the JSON decoder
        {**CALM, "id": "last"},
    ]
    text = jsonl(*lines)
    out = io.StringIO()
    summary = run(io.BytesIO(text.encode() + b"\xff\xfe{}\n"), out, RULES)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("id") for r in results] == ["list-duration", "object-duration", None, "last", None]
    assert results[0]["error"].startswith("duration: [3] is not a duration; use a whole number")
    assert results[1]["error"].startswith("duration: {'weeks': 3} is not a duration")
    assert results[2] == {"id": None, "line": 3,
                          "error": "not valid JSON (nested too deeply); each line must be one JSON object"}
    assert results[3]["outcome"] == "self-care"
    assert results[4]["line"] == 5 and results[4]["error"].startswith("not UTF-8 text (byte 0xff at byte 1")
    assert summary.errors == 4


def test_caches_stay_bounded_whatever_the_input():
    records = [{**CALM, "radiation": " " * n + "none"} for n in range(CACHE_MAX + 500)]
    triager = Triager(RULES)
    calm = triager.line(dict(CALM), 1)
    for record in records:
        assert triager.line(record, 1) == calm
    assert all(len(cache) <= CACHE_MAX for cache in triager.parser.caches.values())
    # bounded by size too: a few huge values do not stay
    for n in range(40):
        big = {**CALM, "location": ["neck"] * 5000 + [" " * n + "neck"]}
        assert triager.line(big, 1)[1] == calm[1]
    assert triager.parser.size <= CACHE_BYTES


# --- the command line -----------------------------------------------------------------------


def test_file_exit_1_and_summary_on_stderr_when_a_record_is_rejected(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(jsonl(*MIXED), encoding="utf-8")
    proc = run_cli("batch", str(path))
    assert proc.returncode == 1
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines == run_lib(jsonl(*MIXED))[0]
    assert proc.stderr == "9 records: 1 emergency, 1 urgent, 1 self-care; 6 errors\n"
    assert SUMMARY.match(proc.stderr.strip())


def test_exit_0_when_every_record_is_triaged_and_stdin_with_dash_or_nothing():
    text = jsonl({**CALM, "id": "x"}, {"id": "y", "red_flags": ["stroke-signs"]})
    for args in (("batch", "-"), ("batch",)):
        proc = run_cli(*args, input=text)
        assert proc.returncode == 0, proc.stderr
        assert [json.loads(line)["outcome"] for line in proc.stdout.splitlines()] == ["self-care", "emergency"]
        assert proc.stderr == "2 records: 1 emergency, 1 self-care; 0 errors\n"


def test_empty_input_is_zero_records_exit_0():
    proc = run_cli("batch", input="")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "0 records; 0 errors\n"


CSV_TEXT = (
    "id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
    "a,neck;lower-back,3w,none,no,yes,40,\n"          # empty red_flags cell: none present
    "b,lumbar,2w,legs,false,false,30,fever;night-pain\n"
    "\n"
    "c,neck,3w,none,no\n"                              # too few cells
    'd,"neck;mid-back",1y,arms,yes,no,55,\n'
    "e,neck,3w,none,no,no,,\n"                          # empty age: missing
)


def test_csv_file_is_detected_by_its_extension(tmp_path):
    path = tmp_path / "intake.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    proc = run_cli("batch", str(path))
    assert proc.returncode == 1
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in lines] == ["a", "b", "c", "d", "e"]  # a short row keeps its id
    assert lines[0] == {"id": "a", **reference({"location": ["neck", "lower-back"], "duration": "3w",
                                                 "radiation": "none", "recurrent": False,
                                                 "limits_activities": True, "age": 40, "red_flags": []})}
    assert lines[0]["outcome"] == "physical-therapy"
    assert lines[1] == {"id": "b", **reference({"location": ["lower-back"], "duration": "2w", "radiation": "legs",
                                                 "recurrent": False, "limits_activities": False, "age": 30,
                                                 "red_flags": ["fever", "night-pain"]})}
    assert lines[1]["outcome"] == "urgent"
    assert lines[2]["id"] == "c" and lines[2]["line"] == 5
    assert lines[2]["error"].startswith("has 5 cells but the header has 8")
    assert lines[3] == {"id": "d", **reference({"location": ["neck", "mid-back"], "duration": "1y", "radiation": "arms",
                                                 "recurrent": True, "limits_activities": False, "age": 55,
                                                 "red_flags": []})}
    assert lines[4]["line"] == 7 and lines[4]["error"].startswith("missing answers: age")
    assert proc.stderr.endswith("; 2 errors\n") and proc.stderr.startswith("5 records: ")


def test_csv_from_stdin_needs_input_format():
    proc = run_cli("batch", "--input-format", "csv", input=CSV_TEXT.splitlines(keepends=True)[0] + "a,neck,3w,none,no,yes,40,\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "physical-therapy"
    proc = run_cli("batch", "--input-format", "xml", input="")
    assert proc.returncode == 2 and "accepted: jsonl, csv" in proc.stderr


def test_unreadable_file_is_a_usage_error(tmp_path):
    proc = run_cli("batch", str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr and proc.stdout == ""


def test_results_stream_while_the_input_is_still_open():
    """Write one record, read its result back before closing stdin: the output is not held back."""
    proc = subprocess.Popen([sys.executable, "-m", "spinetriage", "batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in iter(proc.stdout.readline, b"")],
                              daemon=True)
    reader.start()
    try:
        proc.stdin.write((json.dumps({**CALM, "id": "first"}) + "\n").encode())
        proc.stdin.flush()
        first = json.loads(lines.get(timeout=30))  # would time out if batch waited for end of input
        assert first["id"] == "first" and first["outcome"] == "self-care"
        proc.stdin.write(b'{"id": "second", "red_flags": ["both-legs"]}\n')
        proc.stdin.flush()
        second = json.loads(lines.get(timeout=30))
        assert second["id"] == "second" and second["outcome"] == "emergency"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read().decode() == "2 records: 1 emergency, 1 self-care; 0 errors\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.parametrize("n", [1, 2, CHUNK // 64])
def test_many_records_across_read_chunks_keep_their_order(n):
    rnd = random.Random(n)
    records = [random_record(rnd, i) for i in range(n)]
    results, summary, _ = run_lib(jsonl(*records))
    assert [r["id"] for r in results] == [r["id"] for r in records]
    assert summary.records == n and summary.errors == 0


def test_mistakes_of_format_get_a_hint(tmp_path):
    csv_as_jsonl = run_cli("batch", input="id,location\nA1,neck\n")
    assert csv_as_jsonl.returncode == 1
    assert "--input-format csv" in csv_as_jsonl.stdout.splitlines()[0]
    short = run_cli("batch", "--input-format", "csv",
                    input="id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
                          "A1,neck,3d,none,no,no,30\n")
    line = json.loads(short.stdout)
    assert line["id"] == "A1" and line["line"] == 2 and "missing or extra comma" in line["error"]
