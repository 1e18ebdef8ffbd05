"""benchmarks/run.py refuses to run without spinetriage and never prints a ratio for a process
that failed (issue 10, item 5). No timings here: each run stops before anything is timed."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "run.py"


def run_benchmark(tmp_path: Path, package: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The benchmark with a stand-in ``spinetriage`` package first on the path."""
    folder = tmp_path / "stand-in" / "spinetriage"
    folder.mkdir(parents=True)
    for name, code in package.items():
        (folder / name).write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(folder.parent)}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)


def test_it_refuses_to_run_when_spinetriage_cannot_be_imported(tmp_path):
    proc = run_benchmark(tmp_path, {"__init__.py": "raise ImportError('no spinetriage here')\n"})
    assert proc.returncode == 2
    assert "spinetriage cannot be imported" in proc.stderr and "pip install" in proc.stderr
    assert "ratio" not in proc.stdout and "Traceback" not in proc.stderr


def test_it_prints_no_ratio_for_a_process_that_fails(tmp_path):
    cli = ("import sys\n"
           "def main():\n"
           "    if '--version' in sys.argv:\n"
           "        print('spinetriage 0')\n"
           "        return\n"
           "    sys.exit('spinetriage: broken on purpose')\n")
    proc = run_benchmark(tmp_path, {"__init__.py": "", "cli.py": cli, "__main__.py": "from spinetriage.cli import main\nmain()\n"},
                         "--skip", "throughput", "--skip", "memory", "--skip", "scaling", "--runs", "1")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "exited with 1: spinetriage: broken on purpose" in proc.stderr
    assert "python -c pass" not in proc.stdout and "target" not in proc.stdout
