"""Issue 16, the last classes: output is never a channel for a rules file's markup, an emergency
gets through an unusable --rules, and named faults instead of surprises (a --format that
disagrees with the --output name, a file that is not a rules file echoed whole, a NUL typed)."""

from __future__ import annotations

import json

import pytest

from conftest import CALM_FLAGS, SHIPPED_RULES, run_cli

TEXT = SHIPPED_RULES.read_text(encoding="utf-8")
HOSTILE = '<script>alert(1)</script> <!-- [click](javascript:alert(2)) ![x](http://x.invalid/t.png)'


def _copy(tmp_path, text: str):
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_shows_rules_text_as_text_never_as_markup(tmp_path):
    reason = 'reason: "Fever with new spine pain can be a sign of infection in the spine."'
    assert TEXT.count(reason) == 1
    rules = _copy(tmp_path, TEXT.replace(reason, f"reason: '{HOSTILE}'"))
    flags = [f for f in CALM_FLAGS if f != "--no-red-flags"] + ["--red-flag", "fever"]
    result = run_cli("ask", *flags, "--rules", str(rules), "--format", "markdown", "--no-input")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for markup in ("<script", "<!--", "](javascript:", "![x]("):
        assert markup not in out, markup
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in out  # the same words, shown as text
    # what follows the reason is still there for a reader: nothing was hidden by a comment
    assert "Call the emergency number at once if you have" in out


@pytest.mark.parametrize("version", ['"2026.12\\nsecond line"', '"' + "9" * 200 + '"'])
def test_a_multi_line_or_overlong_version_is_refused_with_its_line(tmp_path, version):
    rules = _copy(tmp_path, TEXT.replace('version: "2026.', f'version: {version}\nold_version: "2026.', 1)
                  .replace('old_version: "', '# "', 1))
    result = run_cli("rules", "validate", str(rules))
    assert result.returncode == 3 and "version must be one line" in result.stderr, result.stderr
    line = next(n for n, text in enumerate(rules.read_text().splitlines(), 1) if text.startswith("version:"))
    assert f"hostile.yaml:{line}:" in result.stderr


def test_an_emergency_flag_beside_an_unusable_rules_file_still_gets_the_advice(tmp_path):
    broken = _copy(tmp_path, "rules: [\n")
    result = run_cli("ask", "--red-flag", "saddle-numbness", "--no-input", "--rules", str(broken))
    assert result.returncode == 3
    assert "EMERGENCY: Go to the emergency department now" in result.stdout
    assert "Call your emergency number" in result.stdout
    assert "the rules file cannot be used" in result.stderr
    calm = run_cli("ask", *CALM_FLAGS, "--no-input", "--rules", str(broken))
    assert calm.returncode == 3 and calm.stdout == ""  # no advice from other rules without an emergency


@pytest.mark.parametrize("fmt, name", [("json", "report.md"), ("markdown", "report.fhir.json"),
                                       ("text", "report.html")])
def test_a_format_that_disagrees_with_the_output_name_is_refused(tmp_path, fmt, name):
    target = tmp_path / name
    result = run_cli("ask", *CALM_FLAGS, "--no-input", "--format", fmt, "--output", str(target))
    assert result.returncode == 2
    assert f"--format {fmt} does not match the file name" in result.stderr
    assert not target.exists()


def test_fhir_into_a_json_name_is_fine(tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("ask", *CALM_FLAGS, "--no-input", "--format", "fhir", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["resourceType"] == "Bundle"


def test_a_file_that_is_not_a_rules_file_is_never_echoed_whole(tmp_path):
    secret = "private-note " * 2000
    path = tmp_path / "notes.txt"
    path.write_text(secret, encoding="utf-8")
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 3
    assert result.stderr.count("private-note") < 40 and len(result.stderr) < 1500  # 26,000 characters


def test_a_nul_typed_at_a_prompt_is_refused_and_asked_again():
    """input() read with C strings: a NUL (Ctrl-@) hid the end of the line and joined the next to it."""
    pexpect = pytest.importorskip("pexpect")
    import sys

    flags = ["--location", "lower-back", "--duration", "5d", "--radiation", "none", "--no-recurrent",
             "--no-limits-activities", "--no-red-flags"]
    child = pexpect.spawn(sys.executable, ["-m", "spinetriage", "ask", *flags], encoding="utf-8",
                          dimensions=(24, 80), timeout=30, env={"PATH": "/usr/bin:/bin", "TERM": "xterm",
                                                                 "LANG": "C.UTF-8", "NO_COLOR": "1"})
    child.expect("> ")
    child.send("3\x005\r")
    child.expect("NUL character")
    child.expect("> ")
    child.sendline("35")
    child.expect(pexpect.EOF)
    assert "SELF CARE" in child.before


def test_a_url_in_a_source_is_never_cut_mid_word(tmp_path):
    url = "https://www.nice.org.uk/guidance/ng118/chapter/Recommendations#diagnostic-imaging-for-renal-colic"
    old = 'source: "NICE NG118, renal and ureteric stones (imaging within 24 hours); NICE NG111, pyelonephritis"'
    assert TEXT.count(old) == 1
    rules = _copy(tmp_path, TEXT.replace(old, f'source: "NICE NG118, see {url}"'))
    flags = [f for f in CALM_FLAGS if f != "--no-red-flags"] + ["--red-flag", "kidney-signs"]
    for columns in ("40", "80"):
        result = run_cli("ask", *flags, "--no-input", "--rules", str(rules), env={"COLUMNS": columns})
        assert result.returncode == 0, result.stderr
        assert any(line.strip() == url or line.strip().endswith(url) or url in line
                   for line in result.stdout.splitlines()), result.stdout
