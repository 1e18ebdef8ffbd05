"""spinetriage recheck REPORT and the course answer (issue 20): the earlier report read and never
changed, the duration carried forward, what changed named, a worse course at least a doctor, and
a report that cannot be trusted asked again from the start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spinetriage import triage
from spinetriage import triage_record
from spinetriage.formats.fhir import questionnaire
from spinetriage.rules.load import load_rules, load_rules_text

RULES = load_rules()
CALM = ["--location", "lower-back", "--duration", "2d", "--radiation", "none", "--no-recurrent",
        "--no-limits-activities", "--age", "35", "--no-red-flags"]
DAY0, DAY30 = "2026-11-03", "2026-12-03"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "spinetriage", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}, timeout=60)


@pytest.fixture
def day0(tmp_path: Path) -> Path:
    """A self-care report saved on day 0."""
    out = run("ask", *CALM, "--output", "day0.json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    path = tmp_path / "day0.json"
    data = json.loads(path.read_text())
    data["date"] = DAY0  # saved "on day 0"
    path.write_text(json.dumps(data, indent=2))
    return path


def recheck_json(day0: Path, *flags: str) -> dict:
    before = day0.read_bytes()
    out = run("recheck", day0.name, "--today", DAY30, "--no-input", "--format", "json", *flags, cwd=day0.parent)
    assert out.returncode == 0, out.stderr
    assert day0.read_bytes() == before  # the earlier report is never modified
    return json.loads(out.stdout)


# --- the course answer ----------------------------------------------------------------------------


@pytest.mark.parametrize("course, outcome", [("worse", "doctor"), ("same", "self-care"), ("better", "self-care"),
                                             (None, "self-care")])
def test_a_worse_course_is_at_least_a_doctor_and_same_or_better_change_nothing(course, outcome):
    answers = {"location": ["neck"], "duration": "10d", "radiation": "none", "recurrent": False,
               "limits_activities": False, "age": 30, "red_flags": [], "course": course}
    result = triage(answers)
    assert result.outcome == outcome and result.to_dict()["answers"]["course"] == course


def test_red_flags_still_override_a_worse_course():
    assert triage({"red_flags": ["saddle-numbness"], "course": "worse"}).outcome == "emergency"


def test_batch_and_the_library_read_course_and_never_need_it():
    calm = {"location": "lower-back", "duration": "3d", "radiation": "none", "recurrent": False,
            "limits_activities": False, "age": 40, "red_flags": []}
    assert triage_record({**calm, "course": "worse"})["outcome"] == "doctor"
    assert triage_record(calm)["outcome"] == "self-care"
    assert "course" in triage_record({**calm, "course": "sideways"})["error"]


def test_batch_csv_has_a_course_column(tmp_path):
    (tmp_path / "r.csv").write_text("id,location,duration,radiation,recurrent,limits_activities,age,red_flags,course\n"
                                    "a,lower-back,3d,none,false,false,40,,worse\nb,lower-back,3d,none,false,false,40,,\n")
    out = run("batch", "r.csv", cwd=tmp_path)
    assert [json.loads(line)["outcome"] for line in out.stdout.splitlines()] == ["doctor", "self-care"]


def test_the_questionnaire_asks_course_as_an_optional_item():
    items = {i["linkId"]: i for i in questionnaire(RULES)["item"]}
    assert items["course"]["required"] is False and items["location"]["required"] is True
    assert [o["valueCoding"]["code"] for o in items["course"]["answerOption"]] == ["better", "same", "worse"]


@pytest.mark.parametrize("values, missing", [("[better]", "same, worse"), ("[same]", "worse"),
                                             ("[better, worse]", "same")])
def test_a_course_list_must_be_closed_upwards(values, missing):
    text = Path("rules/spine-pain.yaml").read_text()
    text = text.replace("when: {course: {is: worse}}", f"when: {{course: {{in: {values}}}}}")
    from spinetriage.core.errors import RulesError

    with pytest.raises(RulesError) as info:
        load_rules_text(text)
    assert f"must also match {missing}" in str(info.value.problems[0].message)


# --- recheck by flags --------------------------------------------------------------------------------


def test_day_30_gives_physical_therapy_with_since(day0):
    data = recheck_json(day0)
    assert data["outcome"] == "physical-therapy" and data["answers"]["duration_days"] == 32
    assert [r["rule"] for r in data["reasons"]] == ["persists-beyond-few-weeks"]
    assert "4 weeks or more" in data["reasons"][0]["text"]
    assert data["since"] == {"date": DAY0, "outcome": "self-care",
                             "changes": [{"answer": "duration_days", "was": 2, "now": 32}]}


def test_a_worse_course_gives_a_doctor_and_is_a_change(day0):
    data = recheck_json(day0, "--course", "worse")
    assert data["outcome"] == "doctor" and data["answers"]["course"] == "worse"
    assert {"answer": "course", "was": None, "now": "worse"} in data["since"]["changes"]


def test_a_new_emergency_sign_gives_emergency_and_is_named_as_new(day0):
    data = recheck_json(day0, "--red-flag", "bladder-bowel")
    assert data["outcome"] == "emergency"
    assert {"answer": "red_flags", "was": [], "now": ["bladder-bowel"]} in data["since"]["changes"]
    text = run("recheck", day0.name, "--today", DAY30, "--no-input", "--red-flag", "bladder-bowel", cwd=day0.parent)
    head = text.stdout.split("Recommendation")[0]
    assert "On 3 Nov: self-care. Now: emergency" in head
    assert "New since last time: new trouble starting to pee" in head and "(bladder-bowel)" in head


def test_the_text_result_starts_with_what_changed_and_why(day0):
    out = run("recheck", day0.name, "--today", DAY30, "--no-input", "--limits-activities", cwd=day0.parent)
    assert out.returncode == 0, out.stderr
    head = out.stdout.split("Recommendation")[0]
    assert "On 3 Nov: self-care. Now: physical therapy evaluation" in head
    assert "How long: 2 days on 3 Nov, 32 days now (30 days later)." in head
    assert "limits daily activities or work: no → yes" in head


def test_output_saves_a_new_report_and_never_the_earlier_one(day0):
    before = day0.read_bytes()
    out = run("recheck", "day0.json", "--today", DAY30, "--no-input", "--output", "day0.json", "--force", cwd=day0.parent)
    assert out.returncode == 2 and "is the earlier report" in out.stderr
    out = run("recheck", "day0.json", "--today", DAY30, "--no-input", "--output", "day30.json", cwd=day0.parent)
    assert out.returncode == 0, out.stderr
    saved = json.loads((day0.parent / "day30.json").read_text())
    assert saved["date"] == DAY30 and saved["lang"] == "en" and saved["outcome"] == "physical-therapy"
    assert day0.read_bytes() == before
    assert sorted(p.name for p in day0.parent.iterdir()) == ["day0.json", "day30.json"]


# --- a report that cannot be trusted -------------------------------------------------------------------


def _edit(day0: Path, change) -> None:
    data = json.loads(day0.read_text())
    change(data)
    day0.write_text(json.dumps(data))


@pytest.mark.parametrize("change, problem", [
    (lambda d: d.update(rules_version="2026.12.01"), "rules version '2026.12.01'"),
    (lambda d: d.update(date="2027-01-01"), "dated 2027-01-01, after today"),
    (lambda d: d.clear() or d.update(name="not ours"), "not a spinetriage report"),
    (lambda d: d["answers"].update(age=300), "answers cannot be read"),
    (lambda d: d["answers"].update(duration_days=60), "changed after it was saved"),
])
def test_a_report_that_cannot_be_trusted_is_named_and_never_used(day0, change, problem):
    _edit(day0, change)
    before = day0.read_bytes()
    out = run("recheck", day0.name, "--today", DAY30, "--no-input", "--format", "json", cwd=day0.parent)
    assert out.returncode == 2 and out.stdout == ""
    assert problem in out.stderr and "every answer is needed" in out.stderr
    emergency = run("recheck", day0.name, "--today", DAY30, "--no-input", "--format", "json",
                    "--red-flag", "saddle-numbness", cwd=day0.parent)
    assert emergency.returncode == 0 and json.loads(emergency.stdout)["outcome"] == "emergency"
    assert "since" not in json.loads(emergency.stdout)
    full = run("recheck", day0.name, "--today", DAY30, "--no-input", "--format", "json", *CALM, cwd=day0.parent)
    assert full.returncode == 0 and json.loads(full.stdout)["answers"]["duration_days"] == 2
    assert day0.read_bytes() == before


def test_a_missing_report_and_a_bad_today_are_usage_errors(day0):
    assert run("recheck", "nope.json", "--no-input", cwd=day0.parent).returncode == 2
    out = run("recheck", day0.name, "--today", "3 Nov", "--no-input", cwd=day0.parent)
    assert out.returncode == 2 and "--today" in out.stderr


# --- at a terminal --------------------------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect")


def _spawn(day0: Path, *args: str):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "LINES": "50", "TERM": "xterm-256color"}
    return pexpect.spawn(sys.executable, ["-m", "spinetriage", "recheck", day0.name, "--today", DAY30, *args],
                         env=env, cwd=str(day0.parent), encoding="utf-8", timeout=30, dimensions=(50, 100))


def _checklist(child, answer: str = "0") -> None:
    child.expect("Type the numbers of all that apply")
    child.expect("> ")
    child.sendline(answer)


def test_at_a_terminal_day_30_gives_physical_therapy_now_4_weeks_or_more(day0):
    before = day0.read_bytes()
    child = _spawn(day0)
    child.expect("Re-check of your report of 3 Nov")
    for _ in range(3):  # the checklists that come first
        _checklist(child)
    child.expect(r"On 3 Nov the pain had lasted 2 days; 30 days later it has\s+lasted 32 days")
    child.expect("> ")
    child.sendline("y")
    child.expect(r"Since 3 Nov, is the pain better, about the same, or worse\?")
    child.expect("> ")
    child.sendline("about the same")
    for question in ("spread", "keep coming back", "daily activities"):
        child.expect(question)
        child.expect("> ")
        child.sendline("1" if question == "spread" else "n")
    for _ in range(2):
        _checklist(child)
    child.expect("Since your last check")
    child.expect(r"On 3 Nov: self-care\. Now: physical therapy evaluation — the pain has lasted 4\s+weeks\s+or\s+more")
    child.expect("PHYSICAL THERAPY")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert day0.read_bytes() == before


def test_at_a_terminal_no_to_the_carried_duration_asks_how_long_it_has_lasted(day0):
    child = _spawn(day0)
    child.expect(r"Re-check of your report of 3 Nov \(Look after it yourself and re-check\)")
    for _ in range(3):
        _checklist(child)
    child.expect("Is that right")
    child.expect("> ")
    child.sendline("n")
    child.expect(r"Sorry, then type how long it has lasted \(e\.g\. 5w\)")  # not "'n' is not a duration"
    child.expect("> ")
    child.sendline("5w")
    child.expect(r"Since 3 Nov, is the pain better")
    child.close(force=True)


def test_at_a_terminal_a_new_emergency_sign_ends_it_and_is_named_as_new(day0):
    child = _spawn(day0)
    _checklist(child, "2")  # bladder-bowel, the second of the first checklist
    child.expect("the questions stop here")
    child.expect("New since last time: new trouble starting to pee")
    child.expect("EMERGENCY")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("typed", ["not better", "no mejor", "ni mejor ni peor", "nada mejor", "isn't worse"])
def test_a_course_answer_that_says_what_it_is_not_is_asked_again(typed):
    """Taking "better" out of "not better" could lower the result (only "worse" leads up)."""
    from spinetriage.cli.since import parse_course
    from spinetriage.core.errors import AnswerError

    with pytest.raises(AnswerError):
        parse_course(typed)


@pytest.mark.parametrize("typed, value", [("no change", "same"), ("Sin cambios", "same"), ("worse.", "worse"),
                                          ("peor", "worse"), ("about the same", "same")])
def test_plain_course_answers_are_read(typed, value):
    from spinetriage.cli.since import parse_course

    assert parse_course(typed) == value
