"""No rules file can quietly weaken safety (issue 9, item 4).

Every emergency sign of the contract, on its own, must lead to `emergency`, and every urgent
sign to at least `urgent`, whatever rules file is used: a file that breaks this is refused by
the library, by `rules validate`, `ask --rules` and `batch --rules` (exit 3, with file:line:col).
Each test alters a copy of the shipped file, so the tests follow the file as it changes.
Also: the snapshot is used only for the shipped file, `--rules` on a pipe, a device or a huge
file is refused at once, and control characters in a rules file are refused with their line.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest
from conftest import CALM, CALM_FLAGS, SHIPPED_RULES

from spinetriage import RulesError, load_rules, load_rules_text
from spinetriage.core.answers import Answers
from spinetriage.core.errors import Problem
from spinetriage.core.ruleset import evaluate3
from spinetriage.core.vocabulary import EMERGENCY_SIGNS, TIERS, URGENT_SIGNS
from spinetriage.rules.load import MAX_RULES_BYTES, snapshot_path
from spinetriage.rules.safety import safety_problems

TEXT = SHIPPED_RULES.read_text(encoding="utf-8")
RULES = load_rules(SHIPPED_RULES)
RANK = {o.id: o.rank for o in RULES.outcomes}
NEED = {"emergency": "emergency", "urgent": "urgent"}
SIGNS = [s for s, tier in TIERS.items() if tier in NEED]
WEAKER = {"emergency": "urgent", "urgent": "doctor"}


def run_cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """`python -m spinetriage ...` as a script runs it; a hang fails the test (timeout)."""
    return subprocess.run(
        [sys.executable, "-m", "spinetriage", *args], input=input, capture_output=True,
        text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"},
    )


def lines_of_rule(rule_line: int, text: str = TEXT) -> range:
    """The line numbers (1-based) of the rule whose `- id:` is on ``rule_line``."""
    lines = text.split("\n")
    head = lines[rule_line - 1]
    assert head.lstrip().startswith("- id:"), f"line {rule_line} is not a rule's '- id:' line: {head!r}"
    indent = len(head) - len(head.lstrip()) + 2
    end = rule_line
    while end < len(lines) and (lines[end].startswith(" " * (indent + 1)) or lines[end].startswith(" " * indent)
                                and not lines[end].lstrip().startswith("- ")) and lines[end].strip():
        end += 1
    return range(rule_line, end + 1)


def covering(sign: str) -> list:
    """The shipped rules that give ``sign`` on its own its tier's outcome (or a more urgent one)."""
    alone = Answers(red_flags=frozenset((sign,)))
    need = RANK[NEED[TIERS[sign]]]
    found = [r for r in RULES.rules if r.outcome.rank <= need and evaluate3(r.condition, alone) is True]
    assert found, f"the shipped rules do not cover {sign!r} (see test_the_shipped_rules_keep_every_sign)"
    return found


def edit_lines(text: str, numbers, old: str, new: str) -> tuple[str, list[int]]:
    """Replace ``old`` (a regex) by ``new`` on the given lines; returns the text and the lines changed."""
    lines = text.split("\n")
    changed = []
    for n in numbers:
        replaced = re.sub(old, new, lines[n - 1])
        if replaced != lines[n - 1]:
            lines[n - 1] = replaced
            changed.append(n)
    return "\n".join(lines), changed


def weakened(sign: str) -> tuple[str, list[int]]:
    """The shipped text with every rule covering ``sign`` alone moved one outcome down."""
    text, changed = TEXT, []
    tier = TIERS[sign]
    for rule in covering(sign):
        text, lines = edit_lines(text, lines_of_rule(rule.line), rf"\boutcome: {rule.outcome.id}\b",
                                 f"outcome: {WEAKER[tier] if rule.outcome.id == tier else WEAKER['emergency']}")
        assert lines, f"no 'outcome:' line found in rule {rule.id!r}"
        changed += lines
    return text, changed


def unnamed(sign: str) -> str:
    """The shipped text with ``sign`` taken out of every rule's condition (another sign of its tier instead)."""
    other = next(s for s in (EMERGENCY_SIGNS if TIERS[sign] == "emergency" else URGENT_SIGNS) if s != sign)
    text = TEXT
    for rule in RULES.rules:
        if sign in str(rule.condition):
            block = lines_of_rule(rule.line, text)
            when = [n for n in block if n >= rule.when_at[0]]
            text, _ = edit_lines(text, when, rf"(?<![\w-]){re.escape(sign)}(?![\w-])", other)
    return text


def line_of_key(text: str, key: str) -> int:
    return text.split("\n").index(f"{key}:") + 1


def problems_of(text: str, file: str = "rules.yaml") -> list[Problem]:
    with pytest.raises(RulesError) as info:
        load_rules_text(text, file)
    return info.value.problems


def about(problems: list[Problem], sign: str) -> list[Problem]:
    return [p for p in problems if f"sign {sign!r}" in p.message]


# --- the shipped file keeps the invariant -------------------------------------------------


def test_the_shipped_rules_keep_every_sign():
    problems = safety_problems(RULES, RULES.source)
    assert problems == [], "the shipped rules do not cover: " + "; ".join(str(p) for p in problems)


@pytest.mark.parametrize("sign", SIGNS)
def test_each_sign_alone_gives_its_outcome_with_the_shipped_rules(sign):
    from spinetriage import triage

    if TIERS[sign] == "emergency":
        assert triage({"red_flags": [sign]}).outcome == "emergency"  # nothing else known: it decides
    calm = triage({**CALM, "red_flags": [sign]})
    assert RANK[calm.outcome] <= RANK[NEED[TIERS[sign]]]


# --- a rules file that weakens a sign is refused ------------------------------------------


@pytest.mark.parametrize("sign", SIGNS)
def test_a_sign_whose_rule_leads_to_a_weaker_outcome_is_refused(sign):
    text, changed = weakened(sign)
    problems = about(problems_of(text), sign)
    assert problems, f"no problem names {sign!r}"
    assert all(p.severity == "error" for p in problems)
    assert problems[0].line in changed, [str(p) for p in problems]
    assert f"must lead to {'at least ' if TIERS[sign] == 'urgent' else ''}{NEED[TIERS[sign]]}" in problems[0].message


@pytest.mark.parametrize("sign", SIGNS)
def test_a_sign_no_rule_names_is_refused_at_the_rules_key(sign):
    problems = about(problems_of(unnamed(sign)), sign)
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].line == line_of_key(TEXT, "rules")
    assert "no rule names it" in problems[0].message and f"includes: {sign}" in problems[0].message


@pytest.mark.parametrize("sign", ["both-legs", "chest-pain", "fever", "cancer-history"])
def test_a_sign_whose_rule_also_needs_another_answer_is_refused_at_its_condition(sign):
    """With the other answers unknown the sign must decide (an emergency ends the questions)."""
    needle = f"{{red_flags: {{includes: {sign}}}}}"
    assert TEXT.count(needle) == 1, f"the shipped rules no longer say {needle} once"
    text = TEXT.replace(needle, f"{{all: [{needle}, {{age: {{at_least: 1}}}}]}}")
    problems = about(problems_of(text), sign)
    assert len(problems) == 1, [str(p) for p in problems]
    line = TEXT[: TEXT.index(needle)].count("\n") + 1
    assert problems[0].line == line and "also needs age" in problems[0].message


def test_a_sign_that_only_counts_next_to_another_sign_is_refused():
    needle = "{red_flags: {includes: fever}}"
    assert TEXT.count(needle) == 1
    text = TEXT.replace(needle, "{red_flags: {includes_all: [fever, weight-loss]}}")
    problems = about(problems_of(text), "fever")
    assert len(problems) == 1 and "needs other red flags as well" in problems[0].message


def test_the_calm_answers_are_checked_with_the_compiled_rules_too():
    """The second check runs the compiled rules on complete calm answers: it fails if they drift."""
    drifted = RULES.replace(_match=lambda *answers: ())
    problems = safety_problems(drifted, RULES.source)
    assert {p.message.split("'")[1] for p in problems} == set(SIGNS)
    assert all("with calm answers otherwise the rules give self-care" in p.message for p in problems)


def test_a_weakened_copy_is_refused_by_load_rules_and_every_command(tmp_path):
    sign = next(s for s in EMERGENCY_SIGNS if s in SIGNS)
    text, changed = weakened(sign)
    path = tmp_path / "spine-pain.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(path)
    problem = about(info.value.problems, sign)[0]
    where = f"{path}:{problem.line}:{problem.col}:"

    validate = run_cli("rules", "validate", str(path))
    assert validate.returncode == 3 and validate.stdout == ""
    assert any(line.startswith(where) and sign in line for line in validate.stderr.splitlines()), validate.stderr
    assert "Traceback" not in validate.stderr

    ask = run_cli("ask", *CALM_FLAGS, "--rules", str(path))
    assert ask.returncode == 3 and ask.stdout == "" and where in ask.stderr, ask.stderr
    # beside the emergency sign, the shipped rules' advice is printed first (issue 16), then the error
    ask = run_cli("ask", "--red-flag", sign, "--no-input", "--format", "json", "--rules", str(path))
    assert ask.returncode == 3 and where in ask.stderr, ask.stderr
    assert json.loads(ask.stdout)["outcome"] == "emergency"

    batch = run_cli("batch", "-", "--rules", str(path), input=json.dumps({"red_flags": [sign]}) + "\n")
    assert batch.returncode == 3 and batch.stdout == "" and where in batch.stderr, batch.stderr


@pytest.mark.parametrize("how", ["no-rule-names-it", "rule-needs-the-age-too"])
def test_rules_validate_names_the_line_for_each_kind_of_gap(tmp_path, how):
    sign = "bladder-bowel"
    if how == "no-rule-names-it":
        text, line = unnamed(sign), line_of_key(TEXT, "rules")
    else:
        needle = f"{{red_flags: {{includes: {sign}}}}}"
        assert TEXT.count(needle) == 1, f"the shipped rules no longer say {needle} once"
        text = TEXT.replace(needle, f"{{all: [{needle}, {{age: {{at_least: 1}}}}]}}")
        line = TEXT[: TEXT.index(needle)].count("\n") + 1
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 3 and result.stdout == "" and "Traceback" not in result.stderr
    located = [s for s in result.stderr.splitlines() if s.startswith(f"{path}:{line}:")]
    assert any(f"'{sign}'" in s for s in located), result.stderr
    ask = run_cli("ask", "--red-flag", sign, "--no-input", "--format", "json", "--rules", str(path))
    assert ask.returncode == 3 and f"{path}:{line}:" in ask.stderr
    assert json.loads(ask.stdout)["outcome"] == "emergency"  # the shipped rules' advice still gets through


def test_an_urgent_sign_weakened_is_refused_by_rules_validate(tmp_path):
    sign = next(s for s in URGENT_SIGNS if s in SIGNS)
    text, changed = weakened(sign)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 3
    located = [s for s in result.stderr.splitlines() if f"'{sign}'" in s]
    assert located and any(s.startswith(f"{path}:{n}:") for s in located for n in changed), result.stderr


# --- the snapshot: only for the shipped file ----------------------------------------------


def test_a_copy_with_a_snapshot_beside_it_is_read_from_its_yaml(tmp_path):
    """Even a snapshot made from exactly the copy's text is not used for a file given with --rules."""
    copy = tmp_path / SHIPPED_RULES.name
    copy.write_text(TEXT, encoding="utf-8")
    snap = json.loads(snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8"))
    assert snap["text"] == TEXT
    snap["version"] = "from-the-snapshot"
    snapshot_path(copy).write_text(json.dumps(snap), encoding="utf-8")
    assert load_rules(copy).version == RULES.version != "from-the-snapshot"
    ask = run_cli("ask", *CALM_FLAGS, "--format", "json", "--rules", str(copy))
    assert ask.returncode == 0 and json.loads(ask.stdout)["rules_version"] == RULES.version
    code = f"import sys; from spinetriage import load_rules; load_rules({str(copy)!r}); print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr  # parsed from the YAML


def test_a_weakened_copy_beside_the_shipped_snapshot_is_still_refused(tmp_path):
    sign = next(s for s in EMERGENCY_SIGNS if s in SIGNS)
    text, _ = weakened(sign)
    copy = tmp_path / SHIPPED_RULES.name
    copy.write_text(text, encoding="utf-8")
    snap = json.loads(snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8"))
    snap["text"] = text  # a snapshot claiming to be of the weakened text, with the shipped data
    snapshot_path(copy).write_text(json.dumps(snap), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(copy)
    assert about(info.value.problems, sign)


# --- what --rules may name ----------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("command", [["rules", "validate"], ["ask", *CALM_FLAGS, "--rules"], ["batch", "-", "--rules"]])
def test_a_named_pipe_is_refused_not_waited_on(tmp_path, command):
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    result = run_cli(*command, str(fifo), input="")
    assert result.returncode == 3 and result.stdout == ""
    assert f"{fifo}: cannot read the rules file: it is a named pipe (FIFO)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/stdin"])
def test_a_device_or_standard_input_is_refused_not_read_for_ever(device):
    result = run_cli("rules", "validate", device, input="version: x\n")  # stdin: a pipe
    assert result.returncode == 3 and result.stdout == ""
    assert f"{device}: cannot read the rules file: it is a" in result.stderr and "Traceback" not in result.stderr


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "huge.yaml"
    with open(big, "wb") as fh:
        fh.truncate(MAX_RULES_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(RulesError) as info:
        load_rules(big)
    assert "a rules file may be at most 10.0 MiB" in str(info.value)
    result = run_cli("ask", *CALM_FLAGS, "--rules", str(big))
    assert result.returncode == 3 and "at most 10.0 MiB" in result.stderr and result.stdout == ""


def test_a_file_at_the_size_limit_is_read(tmp_path):
    padded = tmp_path / "padded.yaml"
    filler = "# " + "x" * 98 + "\n"
    padded.write_text(TEXT + filler * ((MAX_RULES_BYTES - len(TEXT.encode())) // len(filler)), encoding="utf-8")
    assert padded.stat().st_size <= MAX_RULES_BYTES
    assert load_rules(padded).version == RULES.version


# --- control characters -------------------------------------------------------------------

CONTROLS = {
    "ESC": "\x1b[2J", "BEL": "\x07", "DEL": "\x7f", "NUL": "\x00", "CSI (C1)": "\x9b", "NEL (C1)": "\x85",
    "backspace": "\x08", "right-to-left override": "\u202e", "first strong isolate": "\u2068",
    "line separator": "\u2028",
}


@pytest.mark.parametrize("name", list(CONTROLS))
def test_a_control_character_is_refused_with_its_line(name):
    char = CONTROLS[name]
    reason = next(line for line in TEXT.split("\n") if line.startswith("    reason: "))
    at = TEXT.index(reason)
    text = TEXT[:at] + reason.replace("reason: ", "reason: " + char, 1) + TEXT[at + len(reason):]
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert (p.line, p.col) == (TEXT[:at].count("\n") + 1, len("    reason: ") + 1)
    assert f"U+{ord(char[0]):04X}" in p.message and "not allowed" in p.message


def test_rules_validate_never_prints_the_control_characters_it_refuses(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(TEXT.replace("reason: ", "reason: \x1b]0;pwned\x07\x1b[2J\u202e", 1), encoding="utf-8")
    result = run_cli("rules", "validate", str(path))
    assert result.returncode == 3
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.stderr), repr(result.stderr)
    assert result.stderr.count("is not allowed in a rules file") == 4


# --- printing many problems ---------------------------------------------------------------


def test_printing_many_problems_splits_the_file_once():
    from spinetriage.cli import errors as cli

    text = "\n".join(f"line {i}" for i in range(3000))
    problems = [Problem("big.yaml", i + 1, 1, f"problem {i}") for i in range(3000)]
    cli._source_lines.cache_clear()
    out = io.StringIO()
    for p in problems:
        cli._print_problem(p, text, out)
    assert cli._source_lines.cache_info().misses == 1
    assert out.getvalue().count("| line ") == 3000


# --- large rules files: no superlinear path (issue 12) ---------------------------------------


def generated_rules(count: int, seed: int = 3) -> str:
    """The shipped file's head, one rule per emergency and urgent sign, then ``count`` mixed rules."""
    import random

    rnd = random.Random(seed)
    head = TEXT[: TEXT.index("\nrules:")] + "\nrules:\n"
    out = [head]
    for sign in SIGNS:
        out.append(f"  - {{id: sign-{sign}, outcome: {NEED[TIERS[sign]]}, when: {{red_flags: {{includes: {sign}}}}}, "
                   "reason: r, source: s}\n")
    for n in range(count):
        # only forms that match more as answers are added ("Only upwards": no window closing by
        # 4 weeks, no "is false", radiation lists closed upwards)
        parts = [f"{{age: {{at_least: {rnd.randint(16, 80)}}}}}", f"{{duration_days: {{below: {rnd.randint(30, 400)}}}}}",
                 f"{{location: {{includes: {rnd.choice(['neck', 'mid-back', 'lower-back'])}}}}}",
                 f"{{radiation: {{in: [{rnd.choice(['arms', 'legs'])}, arms-and-legs]}}}}",
                 f"{{{rnd.choice(['recurrent', 'limits_activities'])}: {{is: true}}}}",
                 f"{{red_flags: {{includes_any: [minor-injury, {rnd.choice(SIGNS)}]}}}}"]
        when = f"{{{rnd.choice(['all', 'any'])}: [{', '.join(rnd.sample(parts, rnd.randint(1, 3)))}]}}"
        outcome = rnd.choice(["urgent", "doctor", "physical-therapy", "self-care"])
        out.append(f"  - {{id: rule-{n}, outcome: {outcome}, when: {when}, reason: r, source: s}}\n")
    return "".join(out)


def test_a_large_rules_file_matches_exactly_as_the_rules_say():
    """Beyond a few hundred rules the matcher is generated in parts: still every rule, in order."""
    import random

    from spinetriage.core import ruleset as model

    big = load_rules_text(generated_rules(3 * model._CHUNK + 17), "big.yaml")
    rnd = random.Random(5)
    for _ in range(300):
        answers = Answers(
            location=frozenset(rnd.sample(["neck", "mid-back", "lower-back"], rnd.randint(1, 2))),
            duration_days=rnd.randint(0, 120), radiation=rnd.choice(["none", "arms", "legs", "arms-and-legs"]),
            recurrent=rnd.random() < 0.5, limits_activities=rnd.random() < 0.5, age=rnd.randint(1, 120),
            red_flags=frozenset(rnd.sample(list(TIERS), rnd.randint(0, 2))))
        expected = tuple(i for i, r in enumerate(big.rules) if evaluate3(r.condition, answers) is True)
        assert big.match_complete(answers) == expected


def test_the_program_freezes_what_a_rules_file_load_kept_and_the_library_never_does(tmp_path, monkeypatch):
    """After a large load, the collector's next full pass over everything kept took a second (a 7 MB
    file: 6.5 s an ask, 4.8 s without that pass). The command line's process is its own: it freezes
    what the load kept out of later passes. A library call never freezes its caller's objects."""
    import gc

    from spinetriage.rules import load as load_module

    monkeypatch.setattr(load_module, "FREEZE_AFTER_LOAD", False)  # as in a process that never ran the program
    rules = tmp_path / "big.yaml"
    rules.write_text(generated_rules(50), encoding="utf-8")
    before = gc.get_freeze_count()
    load_rules(rules)
    assert gc.get_freeze_count() <= before  # (a frozen object freed meanwhile counts one less)
    code = ("import gc, sys; from spinetriage.cli.program import run; before = gc.get_freeze_count(); "
            f"code = run(['rules', 'validate', {str(rules)!r}]); "
            "print(code, gc.get_freeze_count() > before, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stderr.split()[-2:] == ["0", "True"], proc.stderr


def test_the_collector_is_paused_while_a_rules_file_loads(monkeypatch):
    """Its full passes over the growing YAML tree made loading superlinear (issue 12)."""
    import gc

    from spinetriage.rules import checker as rules_module
    from spinetriage.rules import yamlsrc

    seen = []
    real_load, real_compile = yamlsrc.load, rules_module._compile
    monkeypatch.setattr(yamlsrc, "load", lambda *a: (seen.append(gc.isenabled()), real_load(*a))[1])
    monkeypatch.setattr(rules_module, "_compile", lambda *a: (seen.append(gc.isenabled()), real_compile(*a))[1])
    assert gc.isenabled()
    load_rules_text(generated_rules(20), "x.yaml")
    assert seen == [False, False] and gc.isenabled()
    gc.disable()  # a caller that paused it keeps it paused
    try:
        load_rules_text(generated_rules(20), "x.yaml")
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(RulesError):
        load_rules_text("rules: [\n", "broken.yaml")
    assert gc.isenabled()  # resumed after a refused file too
