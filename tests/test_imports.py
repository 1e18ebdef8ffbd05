"""What gets imported: the library without Typer or Rich, `ask --format json` without Rich.

Each check runs in a fresh interpreter (a subprocess), since this test session has long
since imported everything. No timings here: see benchmarks/run.py for those.
"""

import json
import os
import subprocess
import sys
import textwrap

from conftest import CALM, CALM_FLAGS

REPORT = """
import json, sys
print(json.dumps({"modules": sorted({name.split(".")[0] for name in sys.modules})}), file=sys.stderr)
"""


def python(code: str, stdin: str = "", report: bool = True) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter; then (``report``) it prints its top-level modules to stderr."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SPINETRIAGE_DEBUG", None)
    source = textwrap.dedent(code) + (REPORT if report else "")
    return subprocess.run([sys.executable, "-c", source], input=stdin, capture_output=True,
                          text=True, env=env, timeout=60)


def loaded(proc: subprocess.CompletedProcess) -> dict:
    """The last line of stderr: the JSON the child printed about itself."""
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_library_triage_imports_neither_typer_nor_rich():
    proc = python(f"""
        import spinetriage
        result = spinetriage.triage({CALM!r})
        assert result.outcome == "self-care", result.outcome
        many = list(spinetriage.triage_many([{CALM!r}, {{"red_flags": ["chest-pain"]}}]))
        assert [r["outcome"] for r in many] == ["self-care", "emergency"]
    """)
    assert proc.returncode == 0, proc.stderr
    modules = loaded(proc)["modules"]
    assert "spinetriage" in modules  # and no PyYAML either: the shipped rules come from their snapshot
    assert "yaml" not in modules
    for name in ("typer", "click", "rich"):
        assert name not in modules


def test_ask_format_json_in_process_does_not_import_rich():
    proc = python(f"""
        from spinetriage.cli import run
        code = run(["ask", *{CALM_FLAGS!r}, "--format", "json"])
        assert code == 0, code
    """)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "self-care"
    assert "rich" not in loaded(proc)["modules"]


def test_an_emergency_flag_alone_with_json_does_not_import_rich():
    proc = python("""
        from spinetriage.cli import run
        assert run(["ask", "--red-flag", "saddle-numbness", "--no-input", "--format", "json"]) == 0
    """)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "emergency"
    assert "rich" not in loaded(proc)["modules"]


def test_batch_without_a_terminal_does_not_import_rich():
    proc = python("""
        import sys
        from spinetriage.cli import run
        code = run(["batch", "-"])
        assert code == 0, code
    """, stdin=json.dumps(CALM) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "self-care"
    assert "rich" not in loaded(proc)["modules"]


def test_rules_are_loaded_once_per_process_with_the_c_loader_when_there_is_one():
    proc = python("""
        import json, sys, yaml
        from spinetriage import load_rules, triage
        from spinetriage.rules import yamlsrc
        first = load_rules()
        triage({"red_flags": ["fever"], "location": ["neck"], "duration": "1w", "radiation": "none",
                "recurrent": False, "limits_activities": False, "age": 30})
        print(json.dumps({"same": load_rules() is first,
                          "c_loader": hasattr(yaml, "CSafeLoader"),
                          "uses_c": issubclass(yamlsrc._Loader, getattr(yaml, "CSafeLoader", ()))}), file=sys.stderr)
    """, report=False)
    assert proc.returncode == 0, proc.stderr
    info = loaded(proc)
    assert info["same"]
    if info["c_loader"]:
        assert info["uses_c"]


def test_the_terminal_seam_is_its_own_module_and_the_cli_layer_has_no_cycle():
    """interview and render take an Environment without importing the command line (cli.program)."""
    proc = python("""
        import sys
        import spinetriage.cli.interview, spinetriage.cli.render
        from spinetriage.cli.terminal import Environment, env
        assert "spinetriage.cli.program" not in sys.modules, "interview or render imported the app"
        assert "typer" not in sys.modules
    """)
    assert proc.returncode == 0, proc.stderr


def test_the_real_command_line_keeps_pydantic_and_rich_off_the_json_path():
    """`python -m spinetriage ask ... --format json`, as a script runs it (exit included): neither
    pydantic (Typer 0.29+ coerces options through it, see pyproject.toml) nor Rich is imported;
    the text report needs Rich, still not pydantic."""
    for fmt, rich_expected in (("json", False), ("text", True)):
        proc = python(f"""
            import atexit, json, runpy, sys
            def report():
                names = sorted({{name.split(".")[0] for name in sys.modules}})
                print(json.dumps({{"modules": names}}), file=sys.stderr)
            atexit.register(report)
            sys.argv = ["spinetriage", "ask", *{CALM_FLAGS!r}, "--format", {fmt!r}]
            runpy.run_module("spinetriage", run_name="__main__", alter_sys=True)
        """, report=False)
        assert proc.returncode == 0, proc.stderr
        assert "self-care" in proc.stdout.lower().replace("self care", "self-care")
        modules = loaded(proc)["modules"]
        assert "pydantic" not in modules and "pydantic_core" not in modules, fmt
        assert ("rich" in modules) is rich_expected, fmt
        assert "yaml" not in modules, fmt  # the shipped rules come from their snapshot
