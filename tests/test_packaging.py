"""What a packager or a new user gets: the wheel's contents and metadata, and a README whose
set-up and commands run as pasted in a new shell (where no virtualenv is active)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel `pip install .` would install, built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("spinetriage-*.whl")
    with zipfile.ZipFile(path) as whl:
        yield whl


def _metadata(whl: zipfile.ZipFile):
    name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
    return Parser().parsestr(whl.read(name).decode())


def test_wheel_carries_the_rules_the_type_marker_and_the_licence(wheel):
    names = set(wheel.namelist())
    assert "spinetriage/py.typed" in names  # PEP 561: type checkers read our annotations
    for rules_file in ("spine-pain.yaml", "spine-pain.snapshot.json", "rules.schema.json"):
        assert f"spinetriage/data/rules/{rules_file}" in names
    for schema in ("result.schema.json", "batch-line.schema.json"):  # the output schemas, for scripts
        assert f"spinetriage/data/schemas/{schema}" in names
    (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(licence) == (ROOT / "LICENSE").read_bytes()


def test_declared_licence_matches_the_licence_file(wheel):
    meta = _metadata(wheel)
    assert meta["License-Expression"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the spinetriage authors" in text
    assert "WITHOUT WARRANTY OF ANY KIND" in text


def test_metadata_has_urls_classifiers_and_bounded_dependencies(wheel):
    meta = _metadata(wheel)
    assert {u.split(",")[0] for u in meta.get_all("Project-URL")} >= {"Homepage", "Source", "Issues"}
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert f"Programming Language :: Python :: {sys.version_info.major}.{sys.version_info.minor}" in classifiers
    # PEP 639: the licence is the expression above; a licence classifier beside it is an error
    assert not [c for c in classifiers if c.startswith("License ::")]
    requires = [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert sorted(re.match(r"[A-Za-z0-9_.-]+", r).group().lower() for r in requires) == ["pyyaml", "rich", "typer"]
    for requirement in requires:
        assert ">=" in requirement, f"{requirement}: give the oldest release that works"


def _sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def _commands(text: str) -> list[str]:
    """Each shell command of the README's sh blocks, continuation lines joined, comments dropped."""
    commands = []
    for block in _sh_blocks(text):
        for command in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", command).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def test_readme_set_up_lines_and_ci_run_the_same_test_command():
    install = "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/spinetriage ask"
    test = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    commands = _commands(README)
    assert install in commands and test in commands
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci_lines, ".ci/run must run exactly the README's test line"


def test_readme_commands_work_in_a_new_shell_without_an_active_virtualenv():
    """A new shell has neither `spinetriage` nor `python` on PATH: commands use .venv/bin/."""
    bare = [c for c in _commands(README)
            if re.search(r"(^|&&|\||;)\s*(spinetriage|python|pip|pytest)\b", c)]
    assert not bare, f"use .venv/bin/... (or say to activate the virtualenv): {bare}"


BATCH_PAGE = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")


def _text_blocks_after(marker: str) -> list[str]:
    """The ```text blocks of the batch page after the first line containing ``marker``."""
    return re.findall(r"```text\n(.*?)```", BATCH_PAGE[BATCH_PAGE.index(marker):], flags=re.S)


def test_batch_page_examples_are_the_example_files_and_their_real_output(cli):
    """What docs/batch.md shows for examples/ is what the files hold and what batch prints for them."""
    jsonl_in, jsonl_out, csv_in, csv_out = _text_blocks_after("spinetriage batch examples/records.jsonl")[:4]
    records = (ROOT / "examples" / "records.jsonl").read_text(encoding="utf-8")
    assert records.startswith(jsonl_in)
    proc = cli("batch", str(ROOT / "examples" / "records.jsonl"))
    shown = jsonl_out.splitlines()
    real = proc.stdout.splitlines()
    assert real[:2] == shown[:2]
    assert real[2].startswith(shown[2].split("...")[0])
    summary = proc.stderr.strip().splitlines()[-1]
    assert f"(`{summary}`" in BATCH_PAGE.replace("\n", " ")
    assert csv_in == (ROOT / "examples" / "intake.csv").read_text(encoding="utf-8")
    proc = cli("batch", str(ROOT / "examples" / "intake.csv"))
    assert proc.stdout == csv_out, "update the CSV output in docs/batch.md: the rules changed"
    assert proc.returncode == 1 and "1 error" in proc.stderr
