"""The shell: value completion in bash, zsh and fish, driven through the protocol the shells use
(the environment variables their completion scripts set), a real bash running the script Typer
generates, and `ask --help` listing every red-flag id with its meaning."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from spinetriage.core.vocabulary import RED_FLAGS, TIERS


def complete(shell: str, line: str) -> subprocess.CompletedProcess:
    """What `spinetriage` answers when `shell` asks for completions of the command `line`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_SPINETRIAGE", "_TYPER", "COMP_"))}
    env["_SPINETRIAGE_COMPLETE"] = f"complete_{shell}"
    if shell == "bash":
        words = line.split()
        if line.endswith(" "):
            words.append("")
        env.update(COMP_WORDS=" ".join(words), COMP_CWORD=str(len(words) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    return subprocess.run([sys.executable, "-m", "spinetriage"], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("line, expected", [
    ("spinetriage ask --red-flag fe", ["fever"]),
    ("spinetriage ask --red-flag s", ["saddle-numbness", "sexual-dysfunction", "sudden-severe", "stroke-signs",
                                      "stiff-spine"]),
    ("spinetriage ask --red-flag fever,ra", ["fever,rapid-weakness", "fever,rash"]),
    ("spinetriage ask --location l", ["lower-back", "lumbar"]),
    ("spinetriage ask --radiation ", ["none", "arms", "legs", "arms-and-legs"]),
    ("spinetriage ask --format ", ["text", "json", "markdown", "fhir"]),
    ("spinetriage batch --input-format ", ["jsonl", "csv", "fhir"]),
])
def test_bash_completes_option_values(line, expected):
    proc = complete("bash", line)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == expected


def test_bash_completes_every_red_flag_id():
    assert complete("bash", "spinetriage ask --red-flag ").stdout.split() == list(RED_FLAGS)


def test_zsh_completes_values_with_their_meaning():
    proc = complete("zsh", "spinetriage ask --radiation ")
    assert proc.returncode == 0
    assert proc.stdout.startswith("_arguments")
    assert '"arms-and-legs":"into arms and legs"' in proc.stdout
    flags = complete("zsh", "spinetriage ask --red-flag both")
    assert '"both-legs":"emergency\\\\: new pain, numbness, tingling or weakness in bo..."' in flags.stdout


def test_fish_completes_values_one_a_line_with_their_meaning():
    proc = complete("fish", "spinetriage ask --red-flag ")
    lines = proc.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == list(RED_FLAGS)  # one line each, however long the words
    assert all(len(line.split("\t")) == 2 for line in lines)
    assert "saddle-numbness\temergency: numbness or tingling" in proc.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_a_real_bash_runs_the_completion_script(tmp_path):
    """The script `spinetriage --show-completion` prints for bash, sourced and asked like <TAB>."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "spinetriage"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m spinetriage "$@"\n')
    launcher.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("_SPINETRIAGE_COMPLETE", None)
    script = """
        eval "$(_SPINETRIAGE_COMPLETE=source_bash spinetriage)"
        COMP_WORDS=(spinetriage ask --red-flag chest); COMP_CWORD=3
        _spinetriage_completion spinetriage
        printf '%s\\n' "${COMPREPLY[@]}"
        complete -p spinetriage
    """
    proc = subprocess.run(["bash", "--norc", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "chest-pain"
    assert "complete -o default -F _spinetriage_completion spinetriage" in proc.stdout


def _help(*command: str, columns: int = 80) -> str:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "spinetriage", *command, "--help"], env=env, capture_output=True,
                          text=True, timeout=60).stdout


def test_ask_help_fits_60_lines_and_names_every_red_flag_id_by_tier():
    out = _help("ask")
    assert len(out.splitlines()) <= 60
    ids = out[out.index("Red-flag IDs"):]
    assert "docs/scripting.md" in ids.splitlines()[0]  # the words of each, one step away
    headings = [ids.index(f"{words}: ") for words in ("Emergency signs", "Urgent signs", "Risk factors")]
    assert headings == sorted(headings)
    for sign in RED_FLAGS:
        tier = {"emergency": 0, "urgent": 1, "risk": 2}[TIERS[sign]]
        at = re.search(rf"(?<![\w-]){re.escape(sign)}(?![\w-])", ids).start()
        assert headings[tier] < at < (headings[tier + 1] if tier < 2 else len(ids))


@pytest.mark.parametrize("columns", [40, 50, 80])
@pytest.mark.parametrize("command", [["ask"], ["batch"], ["rules"], ["rules", "diff"], []])
def test_help_never_splits_a_word_across_lines(command, columns):
    out = _help(*command, columns=columns)
    split = [line for line in out.splitlines() if re.search(r"\w-$", line)]
    assert not split, split  # "lower-" / "back" could not be copied


def test_rules_help_gives_each_command_its_description_uncut():
    out = _help("rules")
    assert "..." not in out[out.index("Commands:"):]
    assert "Exit 0: no outcome changes; 1: only upgrades; 4: a downgrade" in " ".join(out.split())


def test_top_level_help_gives_one_example_of_each_command():
    out = _help()
    examples = out[out.index("Examples:"):]
    for command in ("ask", "batch", "rules"):
        assert f"spinetriage {command}" in examples
