"""The rules file cannot be fooled: every kind of mistake is refused, with its line, by the
library, by `spinetriage rules validate` and by `spinetriage ask --rules` (exit 3, no
traceback, nothing on stdout). Each test alters a copy of the shipped file, so the tests
follow the file as it changes. Also: warnings, `rules test`, `rules list`, and the shipped
example cases, one test each (`pytest -k <case id>`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinetriage import RulesError, load_rules, load_rules_text
from spinetriage.core.ruleset import ID_PATTERN
from spinetriage.rules.examples import run_case, run_cases, warnings_for

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "rules" / "spine-pain.yaml"
TEXT = SHIPPED.read_text(encoding="utf-8")
RULES = load_rules(SHIPPED)
CALM_FLAGS = [
    "--location", "lower-back", "--duration", "5d", "--radiation", "none", "--no-recurrent",
    "--no-limits-activities", "--age", "35", "--no-red-flags",
]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m spinetriage ...` as a script runs it: no terminal."""
    return subprocess.run(
        [sys.executable, "-m", "spinetriage", *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def alter(text: str, old: str, new: str) -> str:
    """Replace one exact passage of the shipped text (fails loudly if the file changed under it)."""
    assert text.count(old) == 1, f"the shipped rules no longer contain exactly one {old!r}"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1, f"{needle!r} is not unique in the altered text"
    return text[: text.index(needle)].count("\n") + 1


def rule_block(rule_id: str, text: str = TEXT) -> str:
    """The lines of one rule in the shipped text, from its '- id:' line to the next item."""
    start = text.index(f"  - id: {rule_id}\n")
    end = text.index("\n  - ", start + 1)
    return text[start:end + 1]


def problems_of(text: str, file: str = "rules.yaml") -> list:
    with pytest.raises(RulesError) as info:
        load_rules_text(text, file)
    return info.value.problems


# --- one altered copy for every kind of mistake --------------------------------------------
# (name, function text -> (altered text, the altered line's unique needle), words the message must hold)


def _dup_key(t):
    block = rule_block("bladder-bowel", t)
    new = block.replace("    outcome: emergency\n", "    outcome: emergency\n    outcome: urgent\n")
    return alter(t, block, new), "    outcome: urgent\n    when: {red_flags: {includes: bladder-bowel}}"


def _dup_rule_id(t):
    return alter(t, "  - id: both-legs\n", "  - id: bladder-bowel\n"), (
        "  - id: bladder-bowel\n    outcome: emergency\n    when: {red_flags: {includes: both-legs}}")


def _dup_case_id(t):
    return alter(t, "{id: pt-limits-activities,", "{id: pt-persists-28-days,"), "{id: pt-persists-28-days, answers: {location: [lower-back], duration: 1w"


def _dup_outcome(t):
    return alter(t, "  - id: doctor\n    title", "  - id: urgent\n    title"), "  - id: urgent\n    title: \"Book"


def _unknown_outcome(t):
    block = rule_block("mid-back", t)
    return alter(t, block, block.replace("outcome: doctor", "outcome: docter")), "outcome: docter"


def _unknown_expect(t):
    old = "{id: doctor-mid-back, answers: {location: [mid-back], duration: 3d, radiation: none, recurrent: false, limits_activities: false, age: 50, red_flags: []}, expect: doctor,"
    return alter(t, old, old.replace("expect: doctor", "expect: doctr")), "expect: doctr"


def _misspelt_red_flag(t):
    return alter(t, "{includes: saddle-numbness}}", "{includes: saddle-numbnes}}"), "saddle-numbnes}"


def _misspelt_location(t):
    return alter(t, "- location: {includes: mid-back}", "- location: {includes: lower-bak}"), "lower-bak"


def _misspelt_case_value(t):
    old = "{id: self-care-new-neck-strain, answers: {location: [neck],"
    return alter(t, old, old.replace("[neck]", "[nek]")), "[nek]"


def _number_for_choice(t):
    return alter(t, "{radiation: {in: [arms, legs, arms-and-legs]}}", "{radiation: {in: [arms, 3, arms-and-legs]}}"), "[arms, 3,"


def _word_for_number(t):
    return alter(t, "{age: {below: 16}}", "{age: {below: sixteen}}"), "sixteen"


def _unknown_answer(t):
    return alter(t, "{recurrent: {is: true}}", "{recurring: {is: true}}"), "recurring"


def _unknown_test(t):
    return alter(t, "{age: {below: 16}}", "{age: {under: 16}}"), "{under: 16}"


def _unknown_rule_key(t):
    block = rule_block("fever", t)
    return alter(t, block, block.replace("    outcome: urgent\n", "    outcome: urgent\n    urgency: high\n")), "urgency: high"


def _unknown_top_key(t):
    return alter(t, "\ndisclaimer: >-\n", "\ndisclaimers: >-\n"), "disclaimers:"


def _no_reason(t):
    block = rule_block("fever", t)
    reason = next(line for line in block.splitlines(keepends=True) if line.startswith("    reason:"))
    return alter(t, block, block.replace(reason, "")), "  - id: fever\n"


def _no_source(t):
    block = rule_block("meningitis-signs", t)
    source = next(line for line in block.splitlines(keepends=True) if line.startswith("    source:"))
    return alter(t, block, block.replace(source, "")), "  - id: meningitis-signs\n"


def _yaml11_word(t):
    return alter(t, "{radiation: {in: [arms, legs, arms-and-legs]}}", "{radiation: {is: no}}"), "{is: no}"


def _yaml11_in_list(t):
    return alter(t, "{includes_any: [fever, infection-risk]}", "{includes_any: [fever, on]}"), "[fever, on]"


def _yes_for_bool(t):
    return alter(t, "{recurrent: {is: true}}", "{recurrent: {is: yes}}"), "{is: yes}"


def _word_for_bool(t):
    return alter(t, "{limits_activities: {is: true}}", "{limits_activities: {is: often}}"), "{is: often}"


def _object_tag(t):
    block = rule_block("fever", t)
    reason = next(line for line in block.splitlines(keepends=True) if line.startswith("    reason:"))
    return alter(t, block, block.replace(reason, '    reason: !!python/object/apply:os.system ["echo owned"]\n')), "!!python"


def _object_tag_on_version(t):
    return alter(t, 'version: "2026.12.02"', 'version: !!python/object:builtins.dict {}'), "!!python"


def _syntax_error(t):
    return alter(t, "when: {red_flags: {includes: chest-pain}}", "when: {red_flags: {includes: chest-pain}"), "{includes: chest-pain}\n"


def _syntax_tab(t):
    block = rule_block("chest-pain", t)
    return alter(t, block, block.replace("    outcome: emergency", "\toutcome: emergency")), "\toutcome"


def _syntax_unclosed_quote(t):
    return alter(t, 'source: "NHS meningitis guidance"', 'source: "NHS meningitis guidance'), 'source: "NHS meningitis guidance\n'


def _alias(t):
    t = alter(t, 'source: "NHS meningitis guidance"', 'source: &src "NHS meningitis guidance"')
    return alter(t, 'source: "Mayo Clinic, back pain: when to see a doctor"', "source: *src"), "source: *src"


def _octal(t):
    return alter(t, "{age: {below: 16}}", "{age: {below: 016}}"), "below: 016"


def _ladder_gap(t):
    start = t.index("  - id: doctor\n    title")
    end = t.index("  - id: physical-therapy\n    title")
    return t[:start] + t[end:], "  - id: physical-therapy\n    title"


def _ladder_order(t):
    t = alter(t, "  - id: emergency\n    title", "  - id: EMERGENCY-SWAP\n    title")
    t = alter(t, "  - id: urgent\n    title", "  - id: emergency\n    title")
    return t.replace("  - id: EMERGENCY-SWAP\n    title", "  - id: urgent\n    title"), "  - id: urgent\n    title: \"Go"


def _bad_rule_id(t):
    return alter(t, "  - id: night-pain\n", "  - id: Night_Pain\n"), "Night_Pain"


def _two_answers_in_one_condition(t):
    return alter(t, "when: {recurrent: {is: true}}", "when: {recurrent: {is: true}, age: {at_least: 18}}"), "{recurrent: {is: true}, age"


def _bad_duration(t):
    old = "- id: persists-beyond-few-weeks\n    outcome: physical-therapy\n    when: {duration_days: {at_least: 4w}}"
    return alter(t, old, old.replace("4w}", "4 fortnights}")), "4 fortnights"


def _unquoted_version_number(t):
    return alter(t, 'version: "2026.12.02"', "version: 2026.10"), "version: 2026.10"


def _case_yes_for_bool(t):
    old = "{id: pt-returns-despite-rest, answers: {location: [lower-back], duration: 5d, radiation: none, recurrent: true,"
    return alter(t, old, old.replace("recurrent: true", "recurrent: yes")), "recurrent: yes"


def _case_matches_unknown_rule(t):
    return alter(t, "matches: [returns-despite-rest]}", "matches: [returns-despite-reset]}"), "returns-despite-reset"


MISTAKES = [
    ("duplicate-key", _dup_key, ["duplicate key 'outcome'", "also at line"]),
    ("duplicate-rule-id", _dup_rule_id, ["duplicate rule id 'bladder-bowel'", "also at line"]),
    ("duplicate-case-id", _dup_case_id, ["duplicate case id 'pt-persists-28-days'", "also at line"]),
    ("duplicate-outcome", _dup_outcome, ["duplicate outcome 'urgent'"]),
    ("unknown-outcome", _unknown_outcome, ["unknown outcome 'docter'", "did you mean 'doctor'"]),
    ("unknown-expected-outcome", _unknown_expect, ["unknown outcome 'doctr'"]),
    ("misspelt-red-flag", _misspelt_red_flag, ["unknown value 'saddle-numbnes'", "did you mean 'saddle-numbness'"]),
    ("misspelt-location", _misspelt_location, ["unknown value 'lower-bak'", "did you mean 'lower-back'"]),
    ("misspelt-case-value", _misspelt_case_value, ["unknown value 'nek'", "neck"]),
    ("number-for-a-choice", _number_for_choice, ["radiation", "not the number 3"]),
    ("word-for-a-number", _word_for_number, ["age below", "whole number", "'sixteen'"]),
    ("unknown-answer", _unknown_answer, ["unknown answer 'recurring'", "did you mean 'recurrent'"]),
    ("unknown-test", _unknown_test, ["'under' is not a test for age", "below"]),
    ("unknown-rule-key", _unknown_rule_key, ["unknown key 'urgency'", "rule 'fever'"]),
    ("unknown-top-key", _unknown_top_key, ["unknown key 'disclaimers'", "did you mean 'disclaimer'"]),
    ("rule-without-reason", _no_reason, ["rule 'fever' has no 'reason'"]),
    ("rule-without-source", _no_source, ["rule 'meningitis-signs' has no 'source'"]),
    ("yaml11-no-for-a-word", _yaml11_word, ["no is read by YAML as true/false", "quotes"]),
    ("yaml11-on-in-a-list", _yaml11_in_list, ["on is read by YAML as true/false", "quotes"]),
    ("yes-for-true-false", _yes_for_bool, ["write true or false, not yes"]),
    ("word-for-true-false", _word_for_bool, ["expected true or false", "'often'"]),
    ("object-tag", _object_tag, ["!!python/object/apply:os.system", "not allowed"]),
    ("object-tag-on-a-mapping", _object_tag_on_version, ["!!python/object:builtins.dict", "not allowed"]),
    ("syntax-unclosed-brace", _syntax_error, ["not valid YAML", "'}'"]),
    ("syntax-tab", _syntax_tab, ["not valid YAML", "tabs"]),
    ("syntax-unclosed-quote", _syntax_unclosed_quote, ["not valid YAML", "closing quote"]),
    ("alias", _alias, ["aliases", "not allowed"]),
    ("octal-number", _octal, ["016", "number 14"]),
    ("ladder-gap", _ladder_gap, ["gap", "'doctor' is missing"]),
    ("ladder-order", _ladder_order, ["most urgent first"]),
    ("rule-id-pattern", _bad_rule_id, ["'Night_Pain'", "lower-case letters, digits and hyphens"]),
    ("condition-with-two-answers", _two_answers_in_one_condition, ["one key", "all:"]),
    ("bad-duration", _bad_duration, ["'fortnights'", "not a unit"]),
    ("unquoted-version", _unquoted_version_number, ["version", "quotes", "2026.1"]),
    ("case-yes-for-true-false", _case_yes_for_bool, ["recurrent", "write true or false, not yes"]),
    ("case-matches-unknown-rule", _case_matches_unknown_rule, ["no rule has the id 'returns-despite-reset'", "did you mean"]),
]
IDS = [m[0] for m in MISTAKES]


@pytest.fixture(params=MISTAKES, ids=IDS)
def mistake(request, tmp_path):
    name, make, words = request.param
    text, needle = make(TEXT)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text, line_of(text, needle), words


def test_library_refuses_it_at_the_altered_line(mistake):
    path, text, line, words = mistake
    problems = problems_of(text, str(path))
    assert all(p.severity == "error" for p in problems)
    first = min(problems, key=lambda p: (p.line, p.col))
    assert first.line == line, [str(p) for p in problems]
    assert any(p.line == line and all(w in p.message for w in words) for p in problems), [str(p) for p in problems]
    assert all(p.col >= 1 for p in problems)
    # load_rules (from the file) says the same
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert [str(p) for p in info.value.problems] == [str(p) for p in problems]


def test_rules_validate_refuses_it_with_exit_3_and_the_line(mistake):
    path, text, line, words = mistake
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{path}:{line}:" in result.stderr
    located = [s for s in result.stderr.splitlines() if s.startswith(f"{path}:{line}:")]
    assert any(all(w in s for w in words) for s in located), result.stderr
    # the offending line is shown under the message
    shown = text.splitlines()[line - 1]
    assert f"{line:>4} | {shown}" in result.stderr
    assert "cannot be used" in result.stderr
    assert result.stdout == ""


def test_ask_with_the_altered_rules_gives_no_recommendation(mistake):
    path, text, line, words = mistake
    result = run_cli("ask", *CALM_FLAGS, "--rules", str(path), "--format", "json")
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert f"{path}:{line}:" in result.stderr


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    text = TEXT
    text = alter(text, "  - id: both-legs\n", "  - id: bladder-bowel\n")
    text = alter(text, "{includes: saddle-numbness}}", "{includes: saddle-numbnes}}")
    block = rule_block("mid-back", text)
    text = alter(text, block, block.replace("outcome: doctor", "outcome: docter"))
    text = alter(text, "{recurrent: {is: true}}", "{recurrent: {is: yes}}")
    text = alter(text, "{age: {below: 16}}", "{age: {below: sixteen}}")
    expected = {
        line_of(text, "saddle-numbnes}"): "unknown value 'saddle-numbnes'",
        line_of(text, "  - id: bladder-bowel\n    outcome: emergency\n    when: {red_flags: {includes: both-legs}}"):
            "duplicate rule id 'bladder-bowel'",
        line_of(text, "sixteen"): "'sixteen'",
        line_of(text, "outcome: docter"): "unknown outcome 'docter'",
        line_of(text, "{is: yes}"): "write true or false",
    }
    problems = problems_of(text)
    for line, words in expected.items():
        assert any(p.line == line and words in p.message for p in problems), (line, words, [str(p) for p in problems])
    assert [p.line for p in problems] == sorted(p.line for p in problems)

    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 3
    for line in expected:
        assert f"{path}:{line}:" in result.stderr
    assert f"{len(problems)} problems" in result.stderr


def test_a_refused_value_is_not_reported_again_downstream():
    """An unknown outcome drops its rule; the cases naming that rule must not cry 'no rule has the id'."""
    block = rule_block("mid-back")
    problems = problems_of(alter(TEXT, block, block.replace("outcome: doctor", "outcome: docter")))
    assert len(problems) == 1
    text, _ = _object_tag(TEXT)
    problems = problems_of(text)
    assert len(problems) == 1 and "not allowed" in problems[0].message


@pytest.mark.parametrize("document, words", [
    ("", "empty"),
    ("- a list\n", "must be a mapping"),
    ("version: '1'\nrules: [\n", "not valid YAML"),
    ("a: 1\n---\nb: 2\n", "single document"),
    ("rules: [\x00]\n", "control characters"),
    ("rules: " + "[" * 200 + "]" * 200 + "\n", "nested more than"),
    ("rules: " + "[" * 5000 + "]" * 5000 + "\n", "nest"),  # PyYAML 6.0.4 words it "nesting depth"; older ones reach our "nested more than"
    ("x: &a [1]\ny: *a\nz: {<<: {q: 1}}\n", "aliases"),
    ("!!python/object:os.system {}\n", "not allowed"),
    ("version: !!binary aGVsbG8=\n", "!!binary"),
    ("version: !!set {a, b}\n", "!!set"),
    ("version: !custom x\n", "!custom"),
    ("version: !!timestamp 2026-01-01\n", "!!timestamp"),
])
def test_odd_documents_are_refused_without_a_crash(document, words):
    problems = problems_of(document)
    assert any(words in p.message for p in problems), [str(p) for p in problems]


def test_an_unquoted_date_is_kept_as_text_not_refused():
    ruleset = load_rules_text(alter(TEXT, 'version: "2026.12.02"', "version: 2026-11-26"))
    assert ruleset.version == "2026-11-26"


def test_unreadable_and_missing_files_are_exit_3(tmp_path):
    missing = run_cli("rules", "validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 3 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(alter(TEXT, "Mayo Clinic, back pain", "Clinique r\u00e9gionale, back pain").encode("latin-1"))
    result = run_cli("rules", "validate", str(latin1))
    line = line_of(TEXT, "Mayo Clinic, back pain")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert f"{latin1}:{line}:" in result.stderr and "not UTF-8" in result.stderr
    result = run_cli("rules", "validate", str(tmp_path))
    assert result.returncode == 3 and "Traceback" not in result.stderr


def test_batch_with_invalid_rules_is_exit_3_and_writes_nothing(tmp_path):
    text, _ = _dup_key(TEXT)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "spinetriage", "batch", "-", "--rules", str(path)],
        input='{"red_flags": ["fever"]}\n', capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 3 and result.stdout == ""
    assert f"{path}:{line_of(text, '    outcome: urgent' + chr(10) + '    when: {red_flags: {includes: bladder-bowel}}')}:" in result.stderr


# --- the loader takes the shipped file as it is -------------------------------------------


def test_shipped_file_is_valid_with_no_warnings():
    assert warnings_for(RULES) == []
    result = run_cli("rules", "validate", "--strict")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and result.stderr == ""


def test_every_node_keeps_its_position():
    src = RULES.source
    assert src is not None
    for rule in RULES.rules:
        assert src.line_text(rule.line).strip() == f"- id: {rule.id}"
        assert src.line_text(rule.when_at[0]).lstrip().startswith("when:")
    for case in RULES.cases:
        assert f"id: {case.id}," in src.line_text(case.line)


def test_rule_and_case_ids_follow_the_pattern_the_schema_states():
    for ident in [r.id for r in RULES.rules] + [c.id for c in RULES.cases]:
        assert re.fullmatch(ID_PATTERN[1:-1], ident)
    problems = problems_of(alter(TEXT, "{id: pt-limits-activities,", "{id: 'pt limits activities',"))
    assert any("lower-case letters" in p.message for p in problems)


# --- warnings -----------------------------------------------------------------------------

NEW_RULE = """  - id: {id}
    outcome: doctor
    when: {when}
    reason: "A test rule."
    source: "A test."
"""


def _with_rule(rule_id: str, when: str) -> str:
    anchor = "  # --- Doctor: book an appointment"
    return alter(TEXT, anchor, NEW_RULE.format(id=rule_id, when=when) + anchor)


@pytest.mark.parametrize("when", [
    "{age: {below: 1}}",  # the loader takes 1 (an age in range), but nobody is younger than 1
    "{age: {above: 120}}",
    "{duration_days: {above: 100y}}",
    "{all: [{age: {at_least: 60}}, {age: {at_most: 50}}]}",
    "{all: [{radiation: {is: arms-and-legs}}, {duration_days: {above: 36500}}]}",
])
def test_a_rule_that_can_never_match_is_a_warning_exit_0_or_3_with_strict(tmp_path, when):
    text = _with_rule("never-matches", when)
    ruleset = load_rules_text(text, "never.yaml")
    warnings = warnings_for(ruleset)
    line = line_of(text, f"    when: {when}\n")
    assert [(w.line, w.severity) for w in warnings] == [(line, "warning")]
    assert "'never-matches' can never match" in warnings[0].message

    path = tmp_path / "never.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 0
    assert f"{path}:{line}:" in result.stderr and "warning" in result.stderr and "never match" in result.stderr
    assert "valid" in result.stdout
    strict = run_cli("rules", "validate", "--strict", str(path))
    assert strict.returncode == 3
    assert f"{path}:{line}:" in strict.stderr and "Traceback" not in strict.stderr
    assert strict.stderr.count("can never match") == 1 and "1 warning treated as errors (--strict)" in strict.stderr


def test_a_rule_no_case_exercises_is_a_warning_exit_0_or_3_with_strict(tmp_path):
    text = _with_rule("very-old", "{age: {above: 100}}")
    line = line_of(text, "  - id: very-old\n")
    warnings = warnings_for(load_rules_text(text, "x.yaml"))
    assert [(w.line, w.col) for w in warnings] == [(line, 9)]
    assert "'very-old' is not exercised by any case" in warnings[0].message

    path = tmp_path / "unexercised.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 0
    assert f"{path}:{line}:" in result.stderr and "not exercised" in result.stderr
    assert run_cli("rules", "validate", "--strict", str(path)).returncode == 3

    # a case that matches it clears the warning
    case = ("  - {id: very-old-case, answers: {location: [neck], duration: 1d, radiation: none, recurrent: false, "
            "limits_activities: false, age: 101, red_flags: []}, expect: doctor, matches: [very-old]}\n")
    assert warnings_for(load_rules_text(text + case, "x.yaml")) == []


# --- rules test ---------------------------------------------------------------------------


def test_rules_test_passes_on_the_shipped_file():
    result = run_cli("rules", "test")
    assert result.returncode == 0, result.stdout
    assert f"{len(RULES.cases)} passed, 0 failed" in result.stdout


def test_rules_test_names_the_failing_case_expected_actual_and_rules(tmp_path):
    old = "expect: physical-therapy, matches: [returns-despite-rest]}"
    text = alter(TEXT, old, "expect: self-care, matches: [returns-despite-rest]}")
    old = ("{id: doctor-mid-back, answers: {location: [mid-back], duration: 3d, radiation: none, recurrent: false, "
           "limits_activities: false, age: 50, red_flags: []}, expect: doctor, matches: [mid-back]}")
    text = alter(text, old, old.replace("matches: [mid-back]", "matches: [mid-back, fever]"))
    path = tmp_path / "failing.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "test", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    first = next(s for s in lines if "pt-returns-despite-rest" in s)
    assert "FAIL" in first and "expected self-care" in first and "got physical-therapy" in first
    assert "returns-despite-rest" in first.split("got physical-therapy", 1)[1]
    assert f"{path}:{line_of(text, '{id: pt-returns-despite-rest,')}" in first
    second = next(s for s in lines if "doctor-mid-back" in s)
    assert "FAIL" in second and "expected rules: mid-back, fever" in second
    assert f"{len(RULES.cases) - 2} passed, 2 failed" in result.stdout


def test_rules_test_on_an_invalid_file_is_exit_3(tmp_path):
    text, needle = _dup_rule_id(TEXT)
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "test", str(path))
    assert result.returncode == 3 and f"{path}:{line_of(text, needle)}:" in result.stderr


def test_a_case_with_only_an_emergency_flag_is_run_on_partial_answers():
    case = next(c for c in RULES.cases if c.id == "emergency-saddle-numbness-alone")
    assert case.answers.missing()
    assert run_case(RULES, case).outcome == "emergency"


# --- rules list ---------------------------------------------------------------------------


def test_rules_list_json_has_every_rule_most_urgent_first():
    result = run_cli("rules", "list", "--format", "json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [r.id for r in RULES.rules]
    assert all(set(r) == {"id", "outcome", "condition", "reason", "source"} for r in rows)
    by_id = {r["id"]: r for r in rows}
    assert by_id["injury-neck-65-or-over"]["condition"] == (
        "red_flags includes minor-injury and location includes neck and age at least 65")
    assert by_id["radiates-into-limbs"]["condition"] == "radiation is one of [arms, legs, arms-and-legs]"
    assert by_id["age-70-or-over-new-pain"]["condition"] == "age at least 70 and duration_days at most 83"
    ranks = [RULES.outcome_by_id[r["outcome"]].rank for r in rows]
    assert ranks == sorted(ranks)
    assert all(r["reason"] and r["source"] for r in rows)


def test_rules_list_text_is_a_table_of_ids_and_outcomes():
    result = run_cli("rules", "list", env={"COLUMNS": "250"})
    assert result.returncode == 0
    for rule in RULES.rules:
        assert rule.id in result.stdout
    assert "physical-therapy" in result.stdout and "emergency" in result.stdout
    assert "condition" in result.stdout and "red_flags includes saddle-numbness" in result.stdout


def test_rules_list_of_an_invalid_file_is_exit_3(tmp_path):
    text, needle = _object_tag(TEXT)
    path = tmp_path / "tag.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "list", str(path), "--format", "json")
    assert result.returncode == 3 and result.stdout == ""
    assert f"{path}:{line_of(text, needle)}:" in result.stderr


# --- the shipped example cases, one test each: pytest -k <case id> --------------------------


@pytest.mark.parametrize("case", RULES.cases, ids=[c.id for c in RULES.cases])
def test_shipped_case(case):
    outcome = run_case(RULES, case)
    assert outcome.outcome == case.expect, outcome.explain()
    if case.matches is not None:
        assert set(outcome.matched) == set(case.matches), outcome.explain()
    assert outcome.passed


def unexercised(ruleset) -> list[str]:
    exercised = {rid for o in run_cases(ruleset) for rid in o.matched}
    return [r.id for r in ruleset.rules if r.id not in exercised]


def test_every_shipped_rule_is_exercised_by_a_case():
    assert unexercised(RULES) == [], "add a case under cases: for each of these rules"


def test_the_exercised_check_notices_a_rule_without_a_case():
    assert unexercised(load_rules_text(_with_rule("very-old", "{age: {above: 100}}"))) == ["very-old"]


def test_case_ids_are_unique_and_usable_with_pytest_k():
    ids = [c.id for c in RULES.cases]
    assert len(ids) == len(set(ids))
    assert all(" " not in i for i in ids)


# --- no edit of the file, however clumsy, crashes the loader ---------------------------------

_LINES = TEXT.splitlines(keepends=True)
_PIECES = ["{", "}", "[", "]", ": ", "-", '"', "'", "\t", "no", "yes", "!!python/object:os.system", "&a ", "*a",
           "<<: ", "016", "~", "\n", "#", "|", ">", "? ", ",", "1:30", "2026-01-01", ".nan", "  ", "- ", "all",
           "any", "includes", "3", "true", "\x00", "é"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_LINES) - 1), st.integers(0, 200), st.sampled_from(_PIECES),
                          st.integers(0, 6)), min_size=1, max_size=3))
def test_clumsy_edits_give_problems_with_lines_never_a_crash(edits):
    lines = list(_LINES)
    for index, at, piece, cut in edits:
        line = lines[index]
        at = min(at, len(line))
        lines[index] = line[:at] + piece + line[at + cut:]
    text = "".join(lines)
    try:
        ruleset = load_rules_text(text, "edited.yaml")
    except RulesError as exc:
        assert exc.problems
        assert all(1 <= p.line <= text.count("\n") + 2 and p.col >= 1 for p in exc.problems), exc.problems
    else:
        warnings_for(ruleset)
        run_cases(ruleset)


@pytest.mark.parametrize("spanish", ["4 semanas", "4s", "1 año"])
def test_a_rules_file_writes_durations_in_english_units_as_its_schema_says(spanish):
    """Answers may be written in Spanish; a rules file may not: it must read the same to an editor
    checking it against rules/rules.schema.json and to rules validate."""
    import jsonschema
    import yaml

    text = TEXT.replace("when: {duration_days: {at_least: 4w}}", f"when: {{duration_days: {{at_least: {spanish}}}}}", 1)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if spanish in row)
    with pytest.raises(RulesError) as caught:
        load_rules_text(text, "es-units.yaml")
    assert any(p.line == line and "English units" in p.message for p in caught.value.problems)
    schema = json.loads((ROOT / "rules" / "rules.schema.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(text)))
