import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_RULES = ROOT / "rules" / "spine-pain.yaml"

CALM = {
    "location": ["lower-back"], "duration": "5d", "radiation": "none", "recurrent": False,
    "limits_activities": False, "age": 35, "red_flags": [],
}
CALM_FLAGS = [
    "--location", "lower-back", "--duration", "5d", "--radiation", "none", "--no-recurrent",
    "--no-limits-activities", "--age", "35", "--no-red-flags",
]


def run_cli(*args: str, input: str | None = None, cwd: Path | None = None, env: dict | None = None):
    """Run `python -m spinetriage` in a subprocess, as a script would (no terminal)."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "spinetriage", *args], input=input, capture_output=True, text=True,
        cwd=cwd, env=full_env, timeout=60,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(autouse=True)
def _locale_without_a_region(monkeypatch):
    """Every test runs in a locale with no territory, so that the results keep the general words
    whatever the machine's LANG (a territory names its region's numbers: tests/test_regions.py)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
