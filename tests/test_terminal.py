"""Every terminal, every stream: odd encodings and widths, plain mode, escape sequences, closed
and full streams, --output faults, signals. Each case runs the real command in a subprocess (or a
pseudo-terminal) as an unlucky user would, and checks that the recommendation gets through or
one line names the problem with the documented exit code.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import CALM_FLAGS

URGENT_FLAGS = ["ask", *(a for a in CALM_FLAGS if a != "--no-red-flags"), "--red-flag", "fever"]
URGENT = "URGENT: See a doctor today"
BOX = re.compile("[\u2500-\u257f]")


def run(args: list[str], env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """`python -m spinetriage ARGS` with bytes out, so that any encoding can be checked."""
    full = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "SPINETRIAGE_DEBUG", "TERM")}
    full.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"})
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "spinetriage", *args], env=full, timeout=60, **kw)


def shell(script: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    """A bash line with `st` standing for `python -m spinetriage`: for redirections like >&-."""
    full = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", **(env or {})}
    full.pop("SPINETRIAGE_DEBUG", None)
    prelude = f'st() {{ "{sys.executable}" -m spinetriage "$@"; }}\n'
    return subprocess.run(["bash", "-c", prelude + script], env=full, capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def no_crash(stderr: str | bytes) -> None:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    for bad in ("Traceback", "internal error", "please report", "Exception ignored"):
        assert bad not in text, text


def flat(text: str) -> str:
    return " ".join(text.split())


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "cp437", "latin-1", "ascii:strict"])
@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_report_on_a_stream_that_is_not_utf8_is_shown_never_a_crash(encoding, fmt):
    proc = run([*URGENT_FLAGS, "--format", fmt], env={"PYTHONIOENCODING": encoding})
    assert proc.returncode == 0, proc.stderr
    no_crash(proc.stderr)
    out = proc.stdout.decode(encoding.split(":")[0])  # every byte is the stream's own encoding
    if fmt == "json":
        same = json.loads(run([*URGENT_FLAGS, "--format", "json"]).stdout)
        assert json.loads(out) == same  # characters it lacks are \\u escapes: the same data
    else:
        assert URGENT in out and "This is not a diagnosis" in flat(out)


def test_the_c_locale_without_utf8_gets_ascii_stand_ins():
    proc = run([*URGENT_FLAGS], env={"PYTHONIOENCODING": None, "LC_ALL": "C", "LANG": "C",
                                     "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("ascii")
    assert URGENT in out
    assert out.lstrip().startswith("+- Recommendation")  # the box in ASCII


def test_stand_ins_for_what_the_report_and_interview_use():
    from spinetriage.cli.terminal import stand_in

    def shown(text: str, encoding: str) -> str:
        from spinetriage.cli import terminal  # noqa: F401 - registers the error handler

        return text.encode(encoding, "spinetriage-ascii").decode(encoding)

    assert shown("a fever of 38 \u00b0C or more", "ascii") == "a fever of 38 degrees C or more"
    assert shown("\u2022 stay active \u2013 walk", "ascii") == "- stay active - walk"
    assert shown("\u256d\u2500 Recommendation \u2500\u256e\n\u2502 x \u2502", "ascii") == "+- Recommendation -+\n| x |"
    assert shown("Crohn\u2019s caf\u00e9", "ascii") == "Crohn's cafe"
    assert shown("38 \u00b0C \u2022 x", "cp437") == "38 \u00b0C - x"  # cp437 has the degree sign, not the bullet
    assert stand_in("\u4e2d") == "?"


def test_error_messages_on_a_stderr_that_is_not_utf8():
    proc = run(["ask", "--red-flag", "f\u00e9ver\u2022", "--no-input"], env={"PYTHONIOENCODING": "ascii:strict"})
    assert proc.returncode == 2
    no_crash(proc.stderr)
    assert b"--red-flag" in proc.stderr


# --- widths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["0", "1", "5", "-3", "abc", "", "100000", "99999999999999999999"])
def test_any_columns_value_gives_the_whole_recommendation(columns):
    proc = run([*URGENT_FLAGS], env={"COLUMNS": columns})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    lines = out.splitlines()
    assert any(URGENT in line for line in lines)  # on one line, not cut or wrapped letter by letter
    assert "Contact a doctor today, within 24 hours" in flat(out.replace("|", " ").replace("\u2502", " "))
    assert max(map(len, lines)) <= 200


# --- plain mode -------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return BOX.sub(" ", text.replace("\u2022", " ")).split()


@pytest.mark.parametrize("env", [{}, {"TERM": "dumb"}])
def test_plain_mode_has_the_same_words_in_the_same_order_without_decoration(env):
    args = [*URGENT_FLAGS] + ([] if env else ["--plain"])
    plain = run(args, env={**env, "NO_COLOR": None})
    assert plain.returncode == 0, plain.stderr
    text = plain.stdout.decode()
    assert not BOX.search(text) and "\u2022" not in text and "\x1b" not in text
    assert text.splitlines()[:2] == ["Recommendation", URGENT]
    fancy = run([*URGENT_FLAGS], env={"COLUMNS": "120"}).stdout.decode()
    assert BOX.search(fancy) and "\u2022" in fancy
    assert _words(text) == _words(fancy)


def test_plain_saved_report_via_output_dash(tmp_path):
    proc = run([*URGENT_FLAGS, "--plain", "--output", "-"])
    text = proc.stdout.decode()
    assert proc.returncode == 0
    assert "Your answers" in text and "Age: 35" in text and not BOX.search(text)
    assert list(tmp_path.iterdir()) == []


# --- escape sequences never reach the terminal raw ------------------------------------------


def test_control_characters_in_flags_are_shown_not_sent():
    for args in (["ask", "--\x1b]0;pwned\x07"], ["ask", "--format", "\x1b[2Jjson"], ["ask", "--age", "4\x9b2J"],
                 ["ask", *CALM_FLAGS, "--output", "r\x1b[2J.pdf"]):
        proc = run(args)
        assert proc.returncode == 2, args
        err = proc.stderr.decode()
        assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err, err
        assert "\\x1b" in err or "\\x9b" in err
        assert err.count("\n") == 1


def test_typed_escape_sequences_are_shown_in_the_explanation(monkeypatch):
    from spinetriage import cli
    from spinetriage.cli import terminal as environment

    out, err = io.StringIO(), io.StringIO()
    typed = "\x1b[2J\x1b]0;pwned\x07\n30\n"
    monkeypatch.setattr(environment, "ENV", environment.Environment(io.StringIO(typed), out, err, True, True, True,
                                                                    True))
    args = [a for a in CALM_FLAGS]
    del args[args.index("--age"):args.index("--age") + 2]
    assert cli.run(["ask", *args, "--format", "json"]) == 0
    shown = err.getvalue()
    assert "Sorry, '\\x1b[2J\\x1b]0;pwned\\x07' is not a whole number" in shown
    assert "\x1b[2J" not in shown and "\x07" not in shown
    assert json.loads(out.getvalue())["answers"]["age"] == 30


def test_control_characters_in_rules_text_are_made_visible_in_every_format():
    from spinetriage import triage
    from spinetriage.cli.render import plain_lines, report_as_text
    from spinetriage.cli.save import _report_text
    from spinetriage.formats import report

    result = triage({"red_flags": ["fever"], "location": ["neck"], "duration": "3d", "radiation": "none",
                     "recurrent": False, "limits_activities": False, "age": 30})
    bad = result.replace(advice="Call now\x1b[2J\x9b31m\u202eevil")
    for text in (report_as_text(bad), "\n".join(plain_lines(bad)), _report_text(bad, "markdown", None),
                 _report_text(bad, "json", None)):
        assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
        assert "Call now" in text
    assert json.loads(_report_text(bad, "json", None))["advice"] == bad.advice  # JSON keeps the data exact
    assert report.headline(bad) in report_as_text(bad)


# --- closed, broken and full streams ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_full_disk_on_stdout_is_named_with_the_recommendation(fmt):
    proc = shell(f"st {' '.join(URGENT_FLAGS)} --format {fmt} > /dev/full")
    assert proc.returncode == 1
    no_crash(proc.stderr)
    line = proc.stderr.strip()
    assert "\n" not in line
    assert "cannot write to standard output: no space left on the device" in line
    assert URGENT in line  # the recommendation still reaches the person


@pytest.mark.parametrize("command", ["rules list", "rules schema", "--version", "ask --help", "rules test"])
def test_a_full_disk_on_stdout_for_other_commands(command):
    proc = shell(f"st {command} > /dev/full")
    assert proc.returncode == 1
    no_crash(proc.stderr)
    assert "no space left" in proc.stderr and proc.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("command", ["--version", "--help", "ask --help", "rules list", "rules schema"])
def test_a_closed_stdout_is_named_for_every_command(command):
    proc = shell(f"st {command} >&-")
    assert proc.returncode == 1
    no_crash(proc.stderr)
    assert proc.stderr.strip() == "spinetriage: cannot write to standard output: it is closed"


def test_a_closed_stdout_is_named():
    proc = shell(f"st {' '.join(URGENT_FLAGS)} >&-")
    assert proc.returncode == 1
    no_crash(proc.stderr)
    assert "standard output" in proc.stderr and "closed" in proc.stderr and URGENT in proc.stderr


def test_a_broken_pipe_is_named():
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        proc = run([*URGENT_FLAGS, "--format", "json"], stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 1
    no_crash(proc.stderr)
    assert b"broken pipe" in proc.stderr and proc.stderr.strip().count(b"\n") == 0


def test_exit_codes_stay_right_with_stderr_closed():
    assert shell(f"st {' '.join(URGENT_FLAGS)} 2>&- >/dev/null").returncode == 0
    assert shell("st ask --age 200 --no-input 2>&-").returncode == 2
    assert shell(f"st {' '.join(URGENT_FLAGS)} 2>&- >/dev/full").returncode == 1
    assert shell("st ask --rules /nonexistent.yaml --red-flag fever 2>&-").returncode == 3


def test_a_closed_stdin():
    ok = shell(f"st ask {' '.join(CALM_FLAGS)} --format json <&-")
    assert ok.returncode == 0 and json.loads(ok.stdout)["outcome"] == "self-care"
    missing = shell("st ask --age 30 <&-")
    assert missing.returncode == 2 and "--location" in missing.stderr
    batch = shell("st batch <&-")
    assert batch.returncode == 2
    no_crash(batch.stderr)
    assert "standard input" in batch.stderr and "closed" in batch.stderr


# --- --output faults ----------------------------------------------------------------------------


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("make, words", [
    (lambda d: d / "missing" / "r.md", "does not exist"),
    (lambda d: d / ("a" * 300 + ".md"), "too long"),
    (lambda d: d / ("b" * 300) / "r.md", "too long"),
    (lambda d: d, "is a folder"),
    (lambda d: "/proc/spinetriage-report.md", "cannot create a file in the folder '/proc'"),
])
def test_a_bad_output_path_is_exit_2_before_any_question(tmp_path, make, words):
    target = make(tmp_path)
    proc = run([*URGENT_FLAGS, "--output", str(target)])
    assert proc.returncode == 2, proc.stderr
    no_crash(proc.stderr)
    err = proc.stderr.decode().strip()
    assert err.startswith("spinetriage: --output:") and words in err and "\n" not in err
    assert len(err) < 400
    assert proc.stdout == b""  # refused before the triage, so no half-done run
    assert leftovers(tmp_path) == []


def test_a_read_only_folder_for_output(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        proc = run([*URGENT_FLAGS, "--output", str(folder / "r.md")])
        assert proc.returncode == 2
        assert "permission denied or read-only" in proc.stderr.decode()
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o755)


SAVE_WITH = """
import os, signal, sys
{patch}
sys.argv = ["spinetriage", *{args!r}]
from spinetriage.__main__ import main
main()
"""


def save_with(patch: str, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    code = SAVE_WITH.format(patch=textwrap.dedent(patch), args=[*URGENT_FLAGS, "--output", "r.json", *extra])
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SPINETRIAGE_DEBUG", None)
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=60)


def test_a_full_disk_while_saving_leaves_nothing_behind(tmp_path):
    proc = save_with("""
        import errno
        def full(fd):
            raise OSError(errno.ENOSPC, "No space left on device")
        os.fsync = full
    """, tmp_path)
    assert proc.returncode == 1
    no_crash(proc.stderr)
    assert "cannot save the report to 'r.json': no space left on the device; nothing was saved" in proc.stderr
    assert URGENT in proc.stdout  # shown before the save
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_while_saving_removes_the_temporary_file(tmp_path, sig):
    proc = save_with(f"""
        real_fsync = os.fsync
        def stop(fd):
            real_fsync(fd)
            os.kill(os.getpid(), {int(sig)})
        os.fsync = stop
    """, tmp_path)
    assert proc.returncode == 128 + sig  # 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP
    no_crash(proc.stderr)
    assert "stopped" in proc.stderr
    assert leftovers(tmp_path) == []  # neither the temporary file nor a report


def test_a_signal_handler_is_only_there_while_saving(tmp_path):
    proc = save_with("""
        import atexit
        atexit.register(lambda: print("after", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, file=sys.stderr))
    """, tmp_path)
    assert proc.returncode == 0 and "after True" in proc.stderr
    assert leftovers(tmp_path) == ["r.json"]
    assert oct(os.stat(tmp_path / "r.json").st_mode & 0o777) == "0o600"


def test_output_dash_writes_the_report_to_stdout(tmp_path):
    proc = run([*URGENT_FLAGS, "--format", "json", "--output", "-"], cwd=tmp_path)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)  # once, with the answers and the date of a saved report
    assert data["outcome"] == "urgent" and "date" in data
    assert b"Saved" not in proc.stderr
    assert leftovers(tmp_path) == []
    md = run([*URGENT_FLAGS, "--output", "-", "--format", "markdown"], cwd=tmp_path)
    assert md.stdout.decode().startswith("# URGENT") and b"## Your answers" in md.stdout


def test_output_force_into_a_device_writes_into_it_never_replaces_it(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    before = os.stat("/dev/full")
    proc = run([*URGENT_FLAGS, "--output", "/dev/full", "--force", "--format", "text"])
    assert proc.returncode == 1 and b"no space left" in proc.stderr
    after = os.stat("/dev/full")
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)  # still the device


# --- Ctrl-C at start-up ----------------------------------------------------------------------

INTERRUPT_IMPORT = """
import builtins, sys
real = builtins.__import__
def interrupted(name, *args, **kwargs):
    if name == {module!r} or name.split(".")[0] == {module!r}:
        raise KeyboardInterrupt
    return real(name, *args, **kwargs)
builtins.__import__ = interrupted
sys.argv = ["spinetriage", "ask", "--red-flag", "fever"]
{start}
"""


@pytest.mark.parametrize("module", ["typer", "spinetriage.cli.terminal", "spinetriage.rules.load"])
@pytest.mark.parametrize("start", [
    "import runpy; runpy.run_module('spinetriage', run_name='__main__')",  # python -m spinetriage
    "from spinetriage.__main__ import main; sys.exit(main())",  # the installed `spinetriage` command
])
def test_ctrl_c_while_starting_exits_130_quietly(module, start):
    code = INTERRUPT_IMPORT.format(module=module, start=start)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr
    assert "stopped" in proc.stderr


def test_the_installed_command_starts_from_the_small_entry_module():
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert data["project"]["scripts"]["spinetriage"] == "spinetriage.__main__:main"


def test_importing_the_package_runs_nothing_heavy():
    proc = subprocess.run([sys.executable, "-c", "import sys, spinetriage; print(sorted(m for m in sys.modules "
                           "if m.startswith('spinetriage') or m in ('typing', 're', 'yaml', 'typer')))"],
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "['spinetriage', 'spinetriage._version']"


@pytest.mark.parametrize("args", [["rules", "questionnaire"], ["rules", "codesystem"], ["rules", "list", "--format", "json"],
                                  [*URGENT_FLAGS, "--format", "fhir"]])
def test_every_json_output_keeps_its_data_on_an_ascii_stream(args):
    ascii_out = run(args, env={"PYTHONIOENCODING": "ascii:strict"})
    assert ascii_out.returncode == 0, ascii_out.stderr
    ascii_out.stdout.decode("ascii")
    data = json.loads(ascii_out.stdout)
    utf8 = json.loads(run(args).stdout)
    if args[-1] == "fhir":  # a fresh id and time stamp each run
        assert json.dumps(data).count("\\u00b0") == json.dumps(utf8).count("\\u00b0")
    else:
        assert data == utf8


def test_sigterm_while_a_fifo_waits_for_its_reader_stops_with_exit_143(tmp_path):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    env = {**os.environ, "NO_COLOR": "1"}
    child = subprocess.Popen([sys.executable, "-m", "spinetriage", *URGENT_FLAGS, "--output", str(fifo), "--force"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out = b""
        while URGENT.encode() not in out:  # the report is out; the save now waits for a reader
            chunk = child.stdout.read1(65536)
            assert chunk, "ended early"
            out += chunk
        import time

        wchan = f"/proc/{child.pid}/wchan"
        for _ in range(200):  # until it waits in open() for the FIFO's reader (Linux), else 2 s
            if os.path.exists(wchan) and open(wchan).read().strip() == "wait_for_partner":
                break
            time.sleep(0.01)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 143  # 128 + SIGTERM, as supervisors expect; no death by the signal
    no_crash(err)
    assert b"stopped by SIGTERM; nothing saved" in err
    assert leftovers(tmp_path) == ["report.txt"]
