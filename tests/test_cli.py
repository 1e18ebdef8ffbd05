"""The command line as scripts use it: flags, formats, errors and exit codes (CliRunner)."""

import json

import pytest
from conftest import CALM_FLAGS, SHIPPED_RULES, run_cli
from typer.testing import CliRunner

from spinetriage.cli import app

runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"})


def ask(*args):
    return runner.invoke(app, ["ask", *args])


def flags(**changes):
    """CALM_FLAGS with some values replaced: flags(age="15")."""
    out = list(CALM_FLAGS)
    for name, value in changes.items():
        flag = "--" + name.replace("_", "-")
        i = out.index(flag)
        out[i + 1] = value
    return out


def test_json_has_the_contract_keys_and_nothing_else_on_stdout():
    result = ask(*flags(duration="6w"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # the whole of stdout is one JSON object
    assert data["outcome"] == "physical-therapy"
    assert data["title"] == "Seek a physical therapy evaluation"
    assert data["phase"] == "subacute"
    assert data["answers"]["duration_days"] == 42 and data["answers"]["red_flags"] == []
    assert [r["rule"] for r in data["reasons"]] == ["persists-beyond-few-weeks"]
    assert all(set(r) == {"rule", "outcome", "text", "source"} for r in data["reasons"])
    assert data["rules_version"]
    assert result.stderr == ""


def test_text_report_leads_with_the_recommendation_and_carries_the_safety_net():
    result = ask(*flags(radiation="legs"))
    assert result.exit_code == 0
    out = result.stdout
    assert out.index("PHYSICAL THERAPY: Seek a physical therapy evaluation") < out.index("Why")
    assert "radiates into the arms or legs" in out
    assert "Source:" in out
    assert "Acute pain" in out
    assert "both legs" in out and "If it gets worse" in out
    assert "This is not a diagnosis" in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_markdown_report():
    result = ask(*CALM_FLAGS, "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("# SELF CARE: Look after it yourself and re-check")
    assert "## Why" in result.stdout and "## What to do now" in result.stdout
    assert "## Call the emergency number at once if you have" in result.stdout


def test_emergency_flag_alone_ends_the_triage_without_other_answers():
    result = ask("--red-flag", "bladder-bowel", "--no-input", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["outcome"] == "emergency" and data["phase"] is None
    assert data["answers"]["location"] is None and data["answers"]["red_flags"] == ["bladder-bowel"]


def test_a_red_flag_is_never_masked_by_calm_answers():
    args = [a for a in CALM_FLAGS if a != "--no-red-flags"] + ["--red-flag", "night-pain", "--format", "json"]
    data = json.loads(ask(*args).stdout)
    assert data["outcome"] == "urgent" and data["reasons"][0]["rule"] == "night-pain"


def test_missing_answers_without_a_terminal_name_every_missing_flag():
    result = ask("--age", "40")
    assert result.exit_code == 2
    for flag in ("--location", "--duration", "--radiation", "--recurrent", "--limits-activities", "--no-red-flags"):
        assert flag in result.stderr
    assert "--age" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "flag, value, accepted",
    [
        ("--location", "lower-bak", "neck, mid-back, lower-back"),
        ("--duration", "3", "3d, 2w, 4m, 1y"),
        ("--duration", "-2w", "3d, 2w, 4m, 1y"),
        ("--duration", "1.5w", "3d, 2w, 4m, 1y"),
        ("--duration", "101y", "at most 100 years"),
        ("--radiation", "feet", "none, arms, legs, arms-and-legs"),
        ("--age", "0", "1 to 120"),
        ("--age", "121", "1 to 120"),
        ("--age", "forty", "1 to 120"),
        ("--red-flag", "saddle-numbnes", "saddle-numbness"),
        ("--format", "xml", "text, json, markdown"),
    ],
)
def test_bad_flag_values_are_one_line_naming_flag_value_and_accepted(flag, value, accepted):
    args = [a for a in CALM_FLAGS if a != "--no-red-flags"] if flag == "--red-flag" else list(CALM_FLAGS)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    result = ask(*args)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert line.startswith(f"spinetriage: {flag}:")
    assert repr(value.strip()) in line or value in line
    assert accepted in line
    assert result.stdout == ""


def test_red_flag_and_no_red_flags_together_is_an_error():
    result = ask(*CALM_FLAGS, "--red-flag", "fever")
    assert result.exit_code == 2
    assert "--red-flag and --no-red-flags" in result.stderr


def test_missing_rules_file_is_exit_3(tmp_path):
    result = ask(*CALM_FLAGS, "--rules", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 3
    assert "nope.yaml" in result.stderr and "cannot read" in result.stderr
    assert result.stdout == ""


def test_broken_rules_file_is_exit_3_with_the_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    text = SHIPPED_RULES.read_text().replace("outcome: urgent\n    when: {red_flags: {includes: fever}}",
                                             "outcome: urgnt\n    when: {red_flags: {includes: fever}}")
    broken.write_text(text)
    line = text.splitlines().index("    outcome: urgnt") + 1
    result = ask(*CALM_FLAGS, "--rules", str(broken), "--format", "json")
    assert result.exit_code == 3
    assert f"broken.yaml:{line}:" in result.stderr and "urgnt" in result.stderr
    assert result.stdout == ""


def test_output_writes_a_report_by_extension_and_never_overwrites(tmp_path):
    target = tmp_path / "report.md"
    result = ask(*CALM_FLAGS, "--output", str(target))
    assert result.exit_code == 0, result.stderr
    saved = target.read_text()
    assert saved.startswith("# SELF CARE") and "## Your answers" in saved and "Date: " in saved
    assert "Saved the report" in result.stderr
    # refused without --force, the file untouched
    target.write_text("keep me")
    again = ask(*CALM_FLAGS, "--output", str(target))
    assert again.exit_code == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert target.read_text() == "keep me"
    forced = ask(*CALM_FLAGS, "--output", str(target), "--force")
    assert forced.exit_code == 0 and target.read_text().startswith("# SELF CARE")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]  # nothing left behind


@pytest.mark.parametrize("name, check", [
    ("r.json", lambda t: json.loads(t)["outcome"] == "self-care" and "date" in json.loads(t)),
    ("r.txt", lambda t: "SELF CARE: Look after it yourself" in t and "\x1b[" not in t and "Your answers" in t),
])
def test_output_format_by_extension(tmp_path, name, check):
    target = tmp_path / name
    assert ask(*CALM_FLAGS, "--output", str(target)).exit_code == 0
    assert check(target.read_text())


def test_output_with_unknown_extension_or_missing_folder_is_refused(tmp_path):
    r1 = ask(*CALM_FLAGS, "--output", str(tmp_path / "report.pdf"))
    assert r1.exit_code == 2 and ".md, .json, .txt, .html or .fhir.json" in r1.stderr
    r2 = ask(*CALM_FLAGS, "--output", str(tmp_path / "no" / "r.md"))
    assert r2.exit_code == 2 and "does not exist" in r2.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["ask"], ["batch"], ["rules", "validate"], ["rules", "test"], ["rules", "list"]])
def test_help_has_examples_to_copy(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout or "Example:" in result.stdout
    assert f"spinetriage {' '.join(command)}" in result.stdout


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("spinetriage ")


def test_python_m_and_unknown_option_is_one_line_exit_2():
    r = run_cli("ask", "--frobnicate")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "--frobnicate" in r.stderr and "Traceback" not in r.stderr
    ok = run_cli("ask", *CALM_FLAGS, "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["outcome"] == "self-care"


def test_missing_answers_in_a_subprocess_without_a_terminal_exit_2():
    r = run_cli("ask", "--age", "40", input="")
    assert r.returncode == 2 and "--location" in r.stderr and r.stdout == ""


def test_rules_commands_on_the_shipped_file():
    assert runner.invoke(app, ["rules", "validate"]).exit_code == 0
    tested = runner.invoke(app, ["rules", "test"])
    assert tested.exit_code == 0 and " 0 failed" in tested.stdout


def test_a_bad_value_next_to_an_emergency_sign_never_masks_it():
    result = ask("--red-flag", "saddle-numbness", "--age", "abc", "--no-input", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["outcome"] == "emergency"
    assert "--age: 'abc'" in result.stderr and "warning" in result.stderr
    typo = ask("--red-flag", "both-legs", "--red-flag", "fevr", "--format", "json")
    assert typo.exit_code == 0 and json.loads(typo.stdout)["outcome"] == "emergency"
    assert "did you mean 'fever'" in typo.stderr


def test_a_bad_value_without_an_emergency_sign_is_still_refused():
    result = ask("--red-flag", "fever", "--age", "abc", "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--age: 'abc'" in result.stderr
    calm_typo = [a for a in CALM_FLAGS if a != "--no-red-flags"] + ["--red-flag", "fevr"]
    refused = ask(*calm_typo)
    assert refused.exit_code == 2 and "--red-flag: 'fevr'" in refused.stderr


def test_text_report_ends_with_the_recommendation_again():
    out = ask(*flags(duration="6w")).stdout
    tail = out.strip().splitlines()[-3:]
    assert any(line.startswith("In short: PHYSICAL THERAPY: Seek a physical therapy evaluation") for line in tail)


def test_prompts_go_to_stderr_when_stdout_carries_json(monkeypatch):
    """A person at a terminal asked for JSON: the questions never mix into the JSON."""
    import io

    from spinetriage import cli
    from spinetriage.cli import terminal as environment

    out, err = io.StringIO(), io.StringIO()
    env = environment.Environment(io.StringIO("42\n"), out, err, True, True, True, True)
    monkeypatch.setattr(environment, "ENV", env)
    args = [a for a in CALM_FLAGS]
    i = args.index("--age")
    del args[i:i + 2]
    assert cli.run(["ask", *args, "--format", "json"]) == 0
    assert json.loads(out.getvalue())["answers"]["age"] == 42
    assert "How old are you?" in err.getvalue()


def test_rules_list_on_a_narrow_screen_is_one_block_a_rule():
    narrow = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "40"}).invoke(app, ["rules", "list"])
    assert narrow.exit_code == 0
    assert "infection-with-weakness  (emergency)" in narrow.stdout
    assert max(len(line.rstrip()) for line in narrow.stdout.splitlines()) <= 40


@pytest.mark.parametrize("args, outcome, must", [
    (["--red-flag", "both-legs"], "EMERGENCY: Go to the emergency department now",
     ["Call your emergency number", "questions stopped early", "do not drive yourself"]),
    ([*(a for a in CALM_FLAGS if a != "--no-red-flags"), "--red-flag", "weight-loss"], "URGENT: See a doctor today",
     ["within 24 hours", "Losing weight without trying", "What to do next"]),
    (flags(location="mid-back", age="55"), "DOCTOR: Book a doctor's appointment",
     ["1 to 2 weeks", "between the shoulder blades"]),
    ([("--recurrent" if a == "--no-recurrent" else a) for a in CALM_FLAGS],
     "PHYSICAL THERAPY: Seek a physical therapy evaluation",
     ["What an evaluation involves", "What to bring", "manual therapy", "returns frequently despite rest"]),
    (CALM_FLAGS, "SELF CARE: Look after it yourself and re-check",
     ["What to do now", "Stay active", "Posture", "Lifting", "Ergonomics", "Home exercise", "Re-check in 2 to 4 weeks"]),
])
def test_each_outcome_report_has_what_a_person_needs(args, outcome, must):
    wide = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})
    result = wide.invoke(app, ["ask", *args, "--no-input"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert 0 <= out.find(outcome) < out.find("Why")  # first, at a glance
    flat = " ".join(out.split())  # words may wrap onto the next line
    for words in must:
        assert words in flat, words
    for always in ("Why", "Call the emergency number at once if you have", "If it gets worse",
                   "This is not a diagnosis", f"In short: {outcome}"):
        assert always in flat, always


# --- contradictory or ambiguous flags ---------------------------------------------------------


@pytest.mark.parametrize("extra, named", [
    (["--recurrent", "--no-recurrent"], "--recurrent and --no-recurrent contradict each other"),
    (["--no-recurrent", "--recurrent"], "--recurrent and --no-recurrent contradict each other"),
    (["--limits-activities", "--no-limits-activities"],
     "--limits-activities and --no-limits-activities contradict each other"),
    (["--age", "30", "--age", "40"], "--age given more than once with different values ('30', '40')"),
    (["--duration", "3d", "--duration", "2w"], "--duration given more than once with different values ('3d', '2w')"),
    (["--radiation", "none", "--radiation", "legs"], "--radiation given more than once"),
    (["--age", "30", "--duration", "31y"], "--duration 31y and --age 30 contradict each other"),
    (["--age", "5", "--duration", "6y"], "--duration 6y and --age 5 contradict each other"),
])
def test_contradictory_flags_are_refused_naming_them(extra, named):
    base = [a for a in CALM_FLAGS]
    for flag in ("--recurrent", "--no-recurrent", "--limits-activities", "--no-limits-activities"):
        if flag in extra and flag in base:
            base.remove(flag)
    for flag in ("--age", "--duration", "--radiation"):
        if flag in extra:
            i = base.index(flag)
            del base[i:i + 2]
    result = ask(*base, *extra, "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line and named in line


@pytest.mark.parametrize("extra", [
    ["--recurrent", "--recurrent"], ["--age", "30", "--age", "30"], ["--duration", "2w", "--duration", "14d"],
    ["--age", "30", "--duration", "30y"],  # possible: 30 years and some months old
])
def test_the_same_answer_twice_or_a_possible_age_is_accepted(extra):
    base = [a for a in CALM_FLAGS if a != "--no-recurrent"]
    for flag in ("--age", "--duration"):
        if flag in extra:
            i = base.index(flag)
            del base[i:i + 2]
    if "--recurrent" not in extra:
        base.append("--no-recurrent")
    result = ask(*base, *extra, "--format", "json")
    assert result.exit_code == 0, result.stderr


def test_contradictory_flags_never_mask_an_emergency_sign():
    result = ask("--red-flag", "saddle-numbness", "--recurrent", "--no-recurrent", "--age", "3", "--duration", "9y",
                 "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["outcome"] == "emergency"
    assert "contradict each other" in result.stderr and "warning" in result.stderr


def test_comma_separated_red_flags_are_read_as_several():
    args = [a for a in CALM_FLAGS if a != "--no-red-flags"]
    both = json.loads(ask(*args, "--red-flag", "fever,rash", "--format", "json").stdout)
    apart = json.loads(ask(*args, "--red-flag", "fever", "--red-flag", "rash", "--format", "json").stdout)
    assert both["answers"]["red_flags"] == apart["answers"]["red_flags"] == ["fever", "rash"]
    assert both["outcome"] == apart["outcome"]
