"""Batch never loses a record: hostile input, faults and interrupts (issue 9 item 3, issue 12).

Each bad record sits between emergency records that must all come out as `emergency`, and
every record in gets exactly one line out, in order.
"""

import io
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import CALM, run_cli

from spinetriage import load_rules
from spinetriage.records.lines import (
    CHUNK,
    MAX_RECORD,
    PARALLEL_CHUNK,
    TOO_LONG_MESSAGE,
)
from spinetriage.records.run import run as batch_run
from spinetriage.records.triage import triage_record

RULES = load_rules()
HEADER = b"id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"


def emergency(n):
    return json.dumps({"id": f"e{n}", "red_flags": ["bladder-bowel"]}).encode()


def csv_emergency(n):
    return f"e{n},,,,,,,bladder-bowel".encode()


def strict_json(line):
    """Parse as a strict JSON reader would: NaN and Infinity are not JSON."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(line, parse_constant=refuse)


def run(data, input_format="jsonl", jobs=1):
    out = io.StringIO()
    summary = batch_run(io.BytesIO(data), out, RULES, input_format, jobs=jobs)
    lines = [strict_json(line) for line in out.getvalue().splitlines()]
    return lines, summary


def sandwich(bad, input_format="jsonl"):
    """e1, bad, e2 (CSV: with a header): each emergency must come out, the bad one gets a line."""
    if input_format == "csv":
        data = HEADER + csv_emergency(1) + b"\n" + bad + b"\n" + csv_emergency(2) + b"\n"
    else:
        data = emergency(1) + b"\n" + bad + b"\n" + emergency(2) + b"\n"
    lines, summary = run(data, input_format)
    assert len(lines) == 3 == summary.records, lines
    first = 2 if input_format == "csv" else 1
    for want, line in (("e1", lines[0]), ("e2", lines[2])):
        assert line == {"id": want, "outcome": "emergency", "reasons": ["bladder-bowel"], "phase": None}
    if "line" in lines[1]:
        assert lines[1]["line"] == first + 1
    return lines[1]


# --- values JSON or Python cannot take ----------------------------------------------------


def test_numbers_with_thousands_of_digits():
    huge = "9" * 5000
    line = sandwich(f'{{"id": "h", "location": ["neck"], "duration": "3w", "radiation": "none", '
                    f'"recurrent": false, "limits_activities": false, "age": {huge}, "red_flags": []}}'.encode())
    assert line == {"id": "h", "line": 2, "error": line["error"]}
    assert line["error"].startswith("age: a number with 5000 digits is not a whole number")
    # beside an emergency sign: still emergency, the number named as ignored; a huge id is not echoed
    line = sandwich(f'{{"id": {huge}, "age": {huge}, "red_flags": ["chest-pain"]}}'.encode())
    assert line["outcome"] == "emergency" and line["id"] is None
    assert line["ignored"] == ["age: a number with 5000 digits is not a whole number; accepted: a whole number "
                               "from 1 to 120", "id: a number with 5000 digits, too long to echo"]
    line = sandwich(f'{{"id": "t", "age": "{huge}", "red_flags": ["chest-pain"]}}'.encode())
    assert line["outcome"] == "emergency" and "is out of range" in line["ignored"][0]


def test_ids_nested_a_thousand_deep():
    deep = b'{"id": ' + b"[" * 1000 + b"]" * 1000 + b', "red_flags": []}'
    line = sandwich(deep)
    assert line["id"] is None and "nested too deeply" in line["error"]
    line = sandwich(b'{"id": ' + b"[" * 500 + b"]" * 500 + b', "red_flags": ["chest-pain"]}')
    assert line["outcome"] == "emergency" and json.dumps(line["id"]) == "[" * 500 + "]" * 500


@pytest.mark.parametrize("literal, echoed", [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")])
def test_nan_and_infinity_ids_are_echoed_as_text_and_the_output_stays_json(literal, echoed):
    line = sandwich(b'{"id": ' + literal.encode() + b', "red_flags": ["fever"], "location": ["neck"], '
                    b'"duration": "2w", "radiation": "none", "recurrent": false, "limits_activities": false, '
                    b'"age": 30}')
    assert line["id"] == echoed and line["outcome"] == "urgent"


def test_bytes_that_are_not_utf8_are_named_the_same_in_json_lines_and_csv():
    jl = sandwich(b'{"id": "caf\xe9", "location": ["neck"], "duration": "2w", "radiation": "none", '
                  b'"recurrent": false, "limits_activities": false, "age": 30, "red_flags": []}')
    cs = sandwich(b"caf\xe9,neck,2w,none,no,no,30,", "csv")
    for line in (jl, cs):
        assert line["id"] is None
        assert line["error"].startswith("not UTF-8 text (byte 0xe9 at byte ")
        assert "save the file as UTF-8" in line["error"]
    # an emergency sign still decides, and the encoding problem is named
    line = sandwich(b'{"id": "ok", "note\xff": 1, "red_flags": ["chest-pain"]}')
    assert line["outcome"] == "emergency" and line["id"] == "ok"
    assert line["ignored"][0].startswith("not UTF-8 text (byte 0xff")


def test_duplicate_keys_in_a_json_record_are_refused_for_that_record():
    line = sandwich(b'{"id": "d", "age": 30, "age": 31, "red_flags": []}')
    assert line == {"id": "d", "line": 2, "error": "the key 'age' is given twice; each answer must be given once"}


def test_duplicate_keys_beside_an_emergency_sign_never_hide_it():
    line = sandwich(b'{"id": "d", "red_flags": [], "red_flags": ["chest-pain"]}')
    assert line["id"] == "d" and line["outcome"] == "emergency" and line["reasons"] == ["chest-pain"]
    assert line["ignored"] == ["the key 'red_flags' is given twice; each answer must be given once"]


def test_an_emergency_with_bad_values_names_what_was_ignored():
    line = sandwich(json.dumps({"id": "x", "red_flags": ["chest-pain", "fevr"], "age": -3,
                                "radiation": "toes"}).encode())
    assert line["outcome"] == "emergency" and line["reasons"] == ["chest-pain"]
    assert [text.split(":")[0] for text in line["ignored"]] == ["red_flags", "age", "radiation"]  # record order
    assert "'fevr' is not accepted (did you mean 'fever'?)" in line["ignored"][0]
    assert list(line) == ["id", "outcome", "reasons", "phase", "ignored"]


# --- CSV ----------------------------------------------------------------------------------


def test_a_csv_cell_over_the_csv_field_limit():
    line = sandwich(b"big," + b"x" * 200_000 + b",2w,none,no,no,30,", "csv")
    assert line["line"] == 3 and line["id"] == "big" and "longer than 131,072 characters" in line["error"]
    line = sandwich(b"big2,neck," + b" " * 200_000 + b"2w,none,no,no,30,chest-pain", "csv")
    assert line["outcome"] == "emergency" and "longer than 131,072 characters" in line["ignored"][0]


def test_an_unterminated_csv_quote_spoils_only_its_own_line():
    line = sandwich(b'q,"neck,2w,none,no,no,30,', "csv")
    assert line == {"id": "q", "line": 3,
                    "error": "a quote is opened and not closed on this line; each record must be one line"}
    line = sandwich(b'q2,neck,2w,none,no,no,30,"chest-pain', "csv")  # the sign is still read
    assert line["outcome"] == "emergency" and line["ignored"][0].startswith("a quote is opened and not closed")


def test_duplicate_csv_header_columns_are_refused_never_resolved_silently():
    data = (b"id,age,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
            b"a,30,neck,2w,none,no,no,31,\n" b"b,,,,,,,,chest-pain\n" b"c,30,neck,2w,none,no,no,30,\n")
    lines, summary = run(data, "csv")
    twice = "the header names 'age' more than once; each column may appear once"
    assert lines[0] == {"id": "a", "line": 2, "error": twice}
    assert lines[2] == {"id": "c", "line": 4, "error": twice}  # even when the two agree
    # an emergency sign in a column named once still decides, the header problem named
    assert lines[1] == {"id": "b", "outcome": "emergency", "reasons": ["chest-pain"], "phase": None,
                        "ignored": [twice]}
    assert summary.errors == 2


@pytest.mark.parametrize("data, hint", [
    (b"a,neck,2w,none,no,no,30,\nb,,,,,,,chest-pain\n", "not a header row"),
    (emergency(1) + b"\n" + emergency(2) + b"\n", "looks like JSON Lines, not CSV; use --input-format jsonl"),
])
def test_csv_without_a_header_or_json_lines_read_as_csv_keep_their_first_record(data, hint):
    lines, summary = run(data, "csv")
    assert len(lines) == 2  # the first line is not dropped
    for number, line in enumerate(lines, start=1):
        if "chest-pain" in data.splitlines()[number - 1].decode() or b"bladder-bowel" in data.splitlines()[number - 1]:
            assert line["outcome"] == "emergency" and hint in line["ignored"][0]  # never lost to the hint
        else:
            assert line["line"] == number and hint in line["error"]


def test_a_csv_row_with_too_many_or_too_few_cells_keeps_its_emergency():
    data = (b"id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
            b"e1,,,,,,,bladder-bowel,oops\n" b"e2,,,,,,bladder-bowel\n" b"n3,,,,,,fever\n")
    lines, summary = run(data, "csv")
    assert [line.get("outcome") for line in lines] == ["emergency", "emergency", None]
    assert [line["id"] for line in lines] == ["e1", "e2", "n3"]
    assert "has 9 cells but the header has 8" in lines[0]["ignored"][0]
    assert "has 7 cells" in lines[2]["error"] and summary.errors == 1


def test_a_json_line_that_is_not_json_keeps_its_emergency():
    lines, _ = run(b'{"id": "x", red_flags: [saddle-numbness]\n{"id": "y", "red_flags": ["fever"\n', "jsonl")
    assert lines[0]["outcome"] == "emergency" and "not valid JSON" in lines[0]["ignored"][0]
    assert lines[1]["line"] == 2 and "not valid JSON" in lines[1]["error"]


def test_a_trailing_comma_in_csv_is_an_empty_unnamed_column_not_an_unknown_field():
    data = (HEADER.rstrip(b"\n") + b",\n" + b"a,neck,2w,none,no,no,30,,\n" + b"b,neck,2w,none,no,no,30,,oops\n")
    lines, _ = run(data, "csv")
    assert lines[0]["id"] == "a" and "outcome" in lines[0]
    assert lines[1]["error"].startswith("(a column with no name): unknown field ''")


def test_semicolon_delimited_csv_is_recognised():
    data = (b"id;location;duration;radiation;recurrent;limits_activities;age;red_flags\n"
            b"a;neck,lower-back;2w;none;no;no;30;\n" b"b;;;;;;;chest-pain,fever\n")
    lines, _ = run(data, "csv")
    assert lines[0]["id"] == "a" and lines[0]["outcome"] in ("self-care", "physical-therapy")
    assert lines[1] == {"id": "b", "outcome": "emergency", "reasons": ["chest-pain", "fever"], "phase": None}


def test_comma_separated_red_flags_are_read_alike_in_flags_json_and_csv():
    want = triage_record({**CALM, "red_flags": ["fever", "rash"]})
    assert want["outcome"] == "urgent"
    assert triage_record({**CALM, "red_flags": "fever,rash"}) == want
    assert triage_record({**CALM, "red_flags": ["fever,rash"]}) == want
    lines, _ = run(HEADER + b'"",lower-back,5d,none,no,no,35,"fever,rash"\n' + b",lower-back,5d,none,no,no,35,fever;rash\n",
                   "csv")
    assert [{k: v for k, v in line.items() if k != "id"} for line in lines] == [
        {k: v for k, v in want.items() if k != "id"}] * 2
    flags = ["--location", "lower-back", "--duration", "5d", "--radiation", "none", "--no-recurrent",
             "--no-limits-activities", "--age", "35", "--no-input", "--format", "json"]
    one = run_cli("ask", *flags, "--red-flag", "fever,rash")
    two = run_cli("ask", *flags, "--red-flag", "fever", "--red-flag", "rash")
    assert one.returncode == two.returncode == 0, one.stderr
    assert json.loads(one.stdout) == json.loads(two.stdout)


@pytest.mark.parametrize("row, outcome", [
    (b"a,neck,3w,,none,no,no,30,", "acute"),
    (b"a,neck,,21,none,no,no,30,", "acute"),
    (b"a,neck,3w,21,none,no,no,30,", "acute"),  # both, agreeing: taken
    (b"a,neck,3w,30,none,no,no,30,", None),
])
def test_csv_with_duration_and_duration_days_columns(row, outcome):
    header = b"id,location,duration,duration_days,radiation,recurrent,limits_activities,age,red_flags\n"
    lines, _ = run(header + row + b"\n", "csv")
    if outcome:
        assert lines[0]["phase"] == outcome and "error" not in lines[0]
    else:
        assert lines[0]["error"] == ("duration: duration '3w' and duration_days '30' disagree; give duration "
                                     "or duration_days (or both with the same number of days)")


# --- size: long lines, endless streams ----------------------------------------------------


def test_a_line_over_the_maximum_record_size_is_one_error_line():
    line = sandwich(b'{"id": "' + b"x" * (MAX_RECORD + 10) + b'"}')
    assert line == {"id": None, "line": 2, "error": TOO_LONG_MESSAGE}
    assert "1 MiB" in line["error"]
    line = sandwich(b"x" * (MAX_RECORD + 10), "csv")
    assert line["error"] == TOO_LONG_MESSAGE


def test_long_lines_split_across_reads_keep_every_line_and_number():
    # lines of every length around the read size, and one just under the limit
    sizes = [CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5, MAX_RECORD - 200]
    parts = []
    for n, size in enumerate(sizes):
        parts.append(emergency(n))
        parts.append(json.dumps({"id": "p" * size, "red_flags": ["rash"]}).encode())
    parts.append(b"z" * (MAX_RECORD + 3 * CHUNK))
    parts.append(emergency(99))
    lines, summary = run(b"\n".join(parts))
    assert len(lines) == len(parts) == summary.records
    assert [line.get("outcome") for line in lines[:-2:2]] == ["emergency"] * len(sizes)
    assert [len(line["id"]) for line in lines[1:-2:2]] == sizes
    assert lines[-2] == {"id": None, "line": len(parts) - 1, "error": TOO_LONG_MESSAGE}
    assert lines[-1]["id"] == "e99"


def test_dev_zero_and_endless_lines_stop_with_a_message_instead_of_hanging():
    proc = run_cli("batch", "/dev/zero")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"id": None, "line": 1, "error": TOO_LONG_MESSAGE}
    assert "line 1 has no end after 64 MiB; stopped reading there" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- faults: full disk, closed pipe, Ctrl-C ------------------------------------------------


def records_file(tmp_path, n=3000):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(emergency(i) for i in range(n)) + b"\n")
    return path


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_named_with_exit_1(tmp_path):
    path = records_file(tmp_path)
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "spinetriage", "batch", str(path)], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 1
    assert "cannot write the results (No space left on device)" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_a_closed_pipe_is_named_with_exit_1(tmp_path):
    path = records_file(tmp_path, 50_000)
    proc = subprocess.Popen([sys.executable, "-m", "spinetriage", "batch", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 1
    assert "cannot write the results (the output was closed)" in err
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_writes_what_was_triaged_says_how_many_and_exits_130(jobs):
    proc = subprocess.Popen([sys.executable, "-m", "spinetriage", "batch", "--jobs", jobs, "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    got = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.read()))
    reader.start()
    proc.stdin.write(b"\n".join(emergency(i) for i in range(20_000)) + b"\n")
    proc.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and not got and proc.poll() is None:
        time.sleep(0.5)
        if proc.poll() is None:
            break
    time.sleep(1.5)  # the records are read; the stream stays open
    os.killpg(proc.pid, signal.SIGINT)
    reader.join(30)
    err = proc.stderr.read().decode()
    assert proc.wait(30) == 130
    proc.stdin.close()
    out = got[0].decode()
    assert out.endswith("\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == [f"e{i}" for i in range(len(lines))]
    assert f"the results of {len(lines)} records were written" in err
    assert f"{len(lines)} records: {len(lines)} emergency; 0 errors" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


# --- --jobs: the output of one process --------------------------------------------------------


def mixed_lines(n):
    """Many records of every kind, good and bad, several read blocks long."""
    kinds = [
        json.dumps({**CALM, "id": 0}),
        json.dumps({**CALM, "id": "u", "red_flags": ["fever"]}),
        json.dumps({"id": "e", "red_flags": ["chest-pain"], "age": "x"}),
        json.dumps({**CALM, "id": "m", "age": None}),
        '{"id": "broken", ',
        "",
        "[1]",
        json.dumps({**CALM, "id": math.nan}, allow_nan=True),
    ]
    return "\n".join(kinds[i % len(kinds)] for i in range(n)).encode() + b"\n"


def test_jobs_gives_exactly_the_output_of_one_process():
    data = mixed_lines(40_000)
    assert len(data) > 3 * PARALLEL_CHUNK  # a pool is started
    one, one_summary = run(data)
    two, two_summary = run(data, jobs=2)
    assert one == two and one_summary == two_summary
    assert one_summary.records == 35_000 and one_summary.errors == 15_000
    # the line numbers are the file's
    assert {line["line"] for line in one if "line" in line} == {i + 1 for i in range(40_000) if i % 8 in (3, 4, 6)}


def test_jobs_on_the_command_line_same_bytes_and_summary_for_jsonl_and_csv(tmp_path):
    jl = tmp_path / "in.jsonl"
    jl.write_bytes(mixed_lines(30_000))
    rows = [b"a,neck,3w,none,no,no,40,", b'b,"neck,2w', csv_emergency(3), b"c,neck,2w,none,no,maybe,40,", b""]
    cs = tmp_path / "in.csv"
    cs.write_bytes(HEADER + b"\n".join(rows[i % len(rows)] for i in range(60_000)) + b"\n")
    for path in (jl, cs):
        one = run_cli("batch", "--jobs", "1", str(path))
        two = run_cli("batch", "--jobs", "2", str(path))
        default = run_cli("batch", str(path))
        assert one.returncode == two.returncode == default.returncode == 1
        assert one.stdout == two.stdout == default.stdout
        assert one.stderr == two.stderr == default.stderr


def test_jobs_reports_progress_in_order_up_to_the_total():
    seen = []
    out = io.StringIO()
    summary = batch_run(io.BytesIO(mixed_lines(40_000)), out, RULES, on_record=seen.append, jobs=2)
    assert seen == sorted(seen) and seen[-1] == summary.records == 35_000


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_jobs_value_is_a_usage_error(value):
    proc = run_cli("batch", "--jobs", value, input="")
    assert proc.returncode == 2
    assert f"--jobs: {value!r} is not accepted; accepted: a whole number" in proc.stderr


def test_jobs_starts_no_workers_for_an_input_of_one_block(monkeypatch):
    from spinetriage.records import pool as parallel

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a small input")

    monkeypatch.setattr(parallel, "_Pool", no_pool)
    data = mixed_lines(500)
    assert len(data) < PARALLEL_CHUNK
    assert run(data, jobs=2) == run(data)
    with pytest.raises(AssertionError, match="a pool was started"):
        run(mixed_lines(20_000), jobs=2)


@pytest.mark.parametrize("bad", [b'[{"id": "x", "red_flags": ["chest-pain"]}]', b'"chest-pain"',
                                 b'{"id": ' + b"[" * 1000 + b"]" * 1000 + b', "red_flags": ["chest-pain"]}'])
def test_json_that_is_not_a_record_but_names_an_emergency_sign_gives_emergency(bad):
    line = sandwich(bad)
    assert line["outcome"] == "emergency" and line["reasons"] == ["chest-pain"]
    assert line["ignored"] and "JSON" in line["ignored"][0]


@pytest.mark.parametrize("bad", [b"[1, 2]", b"3", b'"x"'])
def test_json_that_is_not_a_record_is_an_error_line(bad):
    line = sandwich(bad)
    assert line["line"] == 2 and line["error"].startswith("record: not a JSON object")


def test_a_fhir_line_that_is_not_json_but_names_an_emergency_code_gives_emergency():
    bad = b'{"resourceType": "QuestionnaireResponse", "item": [{"linkId": "signs-nerves", ' \
          b'"answer": [{"valueCoding": {"code": "saddle-numbness"}}]}]'  # the closing brace is missing
    lines, summary = run(bad + b"\n", "fhir")
    assert lines[0]["outcome"] == "emergency" and "not valid JSON" in lines[0]["ignored"][0]


def test_a_line_over_the_maximum_size_with_jobs_2_loses_no_record_after_it():
    """The marker for an over-long line crosses to worker processes as the same object."""
    body = b"".join(emergency(n) + b"\n" for n in range(3000))
    data = body + b'{"pad": "' + b"x" * (3 << 20) + b'"}\n' + body
    one, s1 = run(data, jobs=1)
    two, s2 = run(data, jobs=2)
    assert one == two and len(two) == 6001 and s2.errors == 1
    assert sum(line.get("outcome") == "emergency" for line in two) == 6000


@pytest.mark.parametrize("written", [b"chest pain", b"Chest_Pain", b"CHEST-PAIN"])
def test_an_unreadable_line_names_a_sign_however_it_is_written(written):
    line = sandwich(b'{"id": "x", "red_flags": ["' + written + b'"],')  # a trailing comma: not JSON
    assert line["outcome"] == "emergency" and line["reasons"] == ["chest-pain"]


def test_a_word_that_only_contains_a_sign_id_is_not_a_sign():
    line = sandwich(b'{"id": "chest-painful", "red_flags": [],')
    assert line["line"] == 2 and "not valid JSON" in line["error"]


def test_a_red_flags_column_named_twice_keeps_every_emergency_sign_in_it():
    lines, summary = run(b"id,red_flags,red_flags\n1,chest-pain,\n2,fever,\n3,,both-legs\n", "csv")
    assert [line.get("outcome") for line in lines] == ["emergency", None, "emergency"]
    assert "more than once" in lines[1]["error"] and summary.errors == 1
