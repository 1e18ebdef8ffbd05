"""An emergency gets through whatever else is wrong with the command: a bad --output, a flag that
contradicts it, a report sent away from the terminal the person answered at."""

from __future__ import annotations

import json
import os

from conftest import run_cli
from test_interactive import flat


def test_a_bad_output_path_with_an_emergency_flag_still_prints_the_advice(tmp_path):
    existing = tmp_path / "report.md"
    existing.write_text("kept")
    result = run_cli("ask", "--no-input", "--red-flag", "chest-pain", "--format", "json", "--output", str(existing))
    assert result.returncode == 2
    assert json.loads(result.stdout)["outcome"] == "emergency"
    assert "already exists" in result.stderr
    assert existing.read_text() == "kept"


def test_a_bad_output_path_without_an_emergency_is_refused_before_anything_else(tmp_path):
    result = run_cli("ask", "--no-input", "--red-flag", "fever", "--output", str(tmp_path / "no" / "r.md"))
    assert result.returncode == 2
    assert result.stdout == "" and "does not exist" in result.stderr


def test_a_link_to_nothing_is_refused_before_the_questions(tmp_path):
    link = tmp_path / "r.md"
    os.symlink(tmp_path / "nowhere.md", link)
    result = run_cli("ask", "--no-input", "--red-flag", "fever", "--age", "30", "--output", str(link))
    assert result.returncode == 2
    assert result.stdout == "" and "a link to a file that does not exist" in result.stderr
    assert not (tmp_path / "nowhere.md").exists()


def test_no_red_flags_beside_an_emergency_flag_never_masks_it():
    result = run_cli("ask", "--no-input", "--red-flag", "chest-pain", "--no-red-flags", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["outcome"] == "emergency"
    assert "cannot be given together" in result.stderr and "warning" in result.stderr


def test_no_red_flags_beside_an_urgent_flag_is_still_an_error():
    result = run_cli("ask", "--no-input", "--red-flag", "fever", "--no-red-flags")
    assert result.returncode == 2 and result.stdout == ""
    assert "--red-flag and --no-red-flags cannot be given together" in result.stderr


def test_with_the_report_sent_to_a_file_the_person_still_sees_the_advice(tmp_path):
    """`spinetriage ask --format json > r.json` at a terminal: the emergency advice is on the screen too."""
    import sys

    import pexpect

    out = tmp_path / "r.json"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(NO_COLOR="1", TERM="xterm", COLUMNS="80")
    child = pexpect.spawn("bash", ["-c", f"{sys.executable} -m spinetriage ask --format json > {out}"],
                          env=env, cwd=str(tmp_path), encoding="utf-8", timeout=15, dimensions=(40, 80))
    child.expect_exact("> ")
    child.sendline("0")
    child.expect_exact("> ")
    child.sendline("2")  # sudden severe pain
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    screen = flat(child.before)
    assert "EMERGENCY: Go to the emergency department now" in screen
    assert "Call your emergency number" in screen
    assert json.loads(out.read_text())["outcome"] == "emergency"


def test_an_emergency_report_does_not_talk_of_therapy_or_pain_phases():
    result = run_cli("ask", "--location", "neck", "--duration", "3d", "--radiation", "arms", "--no-recurrent",
                     "--no-limits-activities", "--age", "40", "--red-flag", "minor-injury")
    assert result.returncode == 0
    assert "EMERGENCY:" in result.stdout
    assert "Your pain" not in result.stdout and "Acute pain" not in result.stdout
    calm = run_cli("ask", "--location", "neck", "--duration", "3d", "--radiation", "arms", "--no-recurrent",
                   "--no-limits-activities", "--age", "40", "--no-red-flags")
    assert "Your pain" in calm.stdout  # other outcomes keep the phase


def test_a_bad_format_beside_an_emergency_flag_still_prints_the_advice():
    result = run_cli("ask", "--no-input", "--red-flag", "chest-pain", "--format", "jsn")
    assert result.returncode == 2
    assert "EMERGENCY: Go to the emergency department now" in result.stdout
    assert "--format: 'jsn' is not accepted" in result.stderr
    calm = run_cli("ask", "--no-input", "--red-flag", "fever", "--format", "jsn")
    assert calm.returncode == 2 and calm.stdout == ""
