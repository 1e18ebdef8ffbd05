"""`batch --jobs N` under signals and faults (issue 16): nothing lost from the middle, no worker
left running, every fault named.

Each run is a real process on a generated file. After a stop the output must be an unbroken
prefix, byte for byte, of the full output (a `--jobs 1` run of the same file), and the summary
must count exactly the lines written.
"""

import collections
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import CALM, run_cli

pytestmark = pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"),
                                reason="reads worker processes from Linux's /proc")

RECORDS = 250_000  # a few seconds with --jobs 2: long enough to be stopped in the middle


def record(i):
    kind = i % 10
    if kind == 3:
        return json.dumps({"id": f"e{i}", "red_flags": ["chest-pain"]})
    if kind == 7:
        return json.dumps({**CALM, "id": f"x{i}", "age": "old"})  # an error line
    return json.dumps({**CALM, "id": i, "duration": f"{i % 40 + 1}d", "red_flags": ["fever"] if kind == 5 else []})


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """(the input file, the full output of `--jobs 1`)."""
    path = tmp_path_factory.mktemp("jobs") / "records.jsonl"
    path.write_text("".join(record(i) + "\n" for i in range(RECORDS)))
    full = subprocess.run([sys.executable, "-m", "spinetriage", "batch", "--jobs", "1", str(path)],
                          capture_output=True, timeout=120)
    assert full.returncode == 1 and full.stdout.count(b"\n") == RECORDS
    return path, full.stdout


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def running(pid):
    """Alive and not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pids, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(running(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


class Batch:
    """`spinetriage batch --jobs N FILE` in a session of its own, its output in a file."""

    def __init__(self, tmp_path, path, jobs="2", stdout=None):
        self.out_path = tmp_path / "out.jsonl"
        self.out = stdout or open(self.out_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "spinetriage", "batch", "--jobs", jobs, str(path)],
                                     stdout=self.out, stderr=subprocess.PIPE, start_new_session=True,
                                     env={**os.environ, "NO_COLOR": "1"})
        self.workers = []

    def wait_for_output(self, size=1 << 20, workers=2, seconds=60):
        """Until the output has ``size`` bytes and the workers are started; returns their pids."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.proc.poll() is None:
            self.workers = children(self.proc.pid)
            if len(self.workers) >= workers and os.path.getsize(self.out_path) >= size:
                return self.workers
            time.sleep(0.02)
        raise AssertionError(f"no output or no workers (exit {self.proc.poll()})")

    def finish(self, seconds=60):
        """(exit code, stderr); stderr is read without waiting for EOF, which a stray worker
        holding it open would put off for ever."""
        code = self.proc.wait(seconds)
        os.set_blocking(self.proc.stderr.fileno(), False)
        err = self.proc.stderr.read() or b""
        return code, err.decode()

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # only after a failure: the test's own processes
            self.proc.wait(10)
        for pid in self.workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        self.proc.stderr.close()
        self.out.close()


@pytest.fixture
def batch_run(tmp_path):
    started = []

    def start(*args, **kwargs):
        run = Batch(tmp_path, *args, **kwargs)
        started.append(run)
        return run

    yield start
    for run in started:
        run.close()


def tally(lines):
    counts = collections.Counter()
    for line in lines:
        data = json.loads(line)
        counts["error" if "error" in data else data["outcome"]] += 1
    return counts


def assert_prefix_counted(out, full, err):
    """An unbroken prefix of the full output, in whole lines, counted exactly by the summary."""
    assert out and len(out) < len(full), "the run was not stopped in the middle"
    assert full.startswith(out), "a part of the output is missing or changed"
    assert out.endswith(b"\n")
    n = out.count(b"\n")
    assert f"the results of {n} records were written" in err
    counts = tally(out.splitlines())
    outcomes = ", ".join(f"{counts[o]} {o}" for o in ("emergency", "urgent", "doctor", "physical-therapy",
                                                          "self-care") if counts[o])
    assert f"{n} records: {outcomes}; {counts['error']} errors" in err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("sig, whole_group, code", [
    (signal.SIGINT, True, 130),  # Ctrl-C at a terminal reaches every process of the group
    (signal.SIGTERM, False, 143),  # `kill PID`, a supervisor stopping the service
    (signal.SIGTERM, True, 143),  # a supervisor stopping the whole group
    (signal.SIGHUP, False, 129),  # the terminal closed
])
def test_a_signal_during_jobs_leaves_an_unbroken_prefix_counted_exactly_and_no_worker(big, batch_run, sig,
                                                                                        whole_group, code):
    path, full = big
    run = batch_run(path)
    workers = run.wait_for_output()
    if whole_group:
        os.killpg(run.proc.pid, sig)
    else:
        run.proc.send_signal(sig)
    got, err = run.finish()
    assert got == code, err
    assert_prefix_counted(run.out_path.read_bytes(), full, err)
    if sig != signal.SIGINT:
        assert f"stopped by {signal.Signals(sig).name}" in err
    assert gone_within(workers, 5), "a worker process is still running"


def test_sigterm_with_jobs_1_is_also_a_clean_stop(big, batch_run):
    path, full = big
    run = batch_run(path, jobs="1")
    run.wait_for_output(workers=0)
    run.proc.send_signal(signal.SIGTERM)
    got, err = run.finish()
    assert got == 143, err
    assert_prefix_counted(run.out_path.read_bytes(), full, err)


def test_workers_end_by_themselves_when_the_parent_is_killed(big, batch_run):
    path, full = big
    run = batch_run(path)
    workers = run.wait_for_output()
    os.kill(run.proc.pid, signal.SIGKILL)  # no handler runs: the workers must notice on their own
    run.proc.wait(10)
    assert gone_within(workers, 10), "a worker outlived its parent"
    out = run.out_path.read_bytes()
    assert full.startswith(out)


def test_a_worker_killed_from_outside_is_named_with_what_was_written(big, batch_run):
    path, full = big
    run = batch_run(path)
    workers = run.wait_for_output()
    os.kill(workers[0], signal.SIGKILL)
    got, err = run.finish()
    assert got == 1, err
    out = run.out_path.read_bytes()
    n = out.count(b"\n")
    assert full.startswith(out) and out.endswith(b"\n") and len(out) < len(full)
    assert "a worker process ended unexpectedly (killed by SIGKILL)" in err
    assert f"the results of the first {n} records were written" in err
    assert f"{n} records: " in err
    assert "Traceback" not in err and "internal error" not in err
    assert gone_within(workers, 5)


def test_a_second_ctrl_c_while_nobody_reads_the_output_stops_and_counts_to_the_line(big, batch_run, tmp_path):
    path, full = big
    read_end, write_end = os.pipe()
    try:
        run = batch_run(path, stdout=os.fdopen(write_end, "wb"))
        run.out.close()  # the child has its own copy
        deadline = time.monotonic() + 30
        while len(children(run.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(1)  # the pipe is full: the parent waits in a write
        os.killpg(run.proc.pid, signal.SIGINT)
        time.sleep(0.5)
        if run.proc.poll() is None:  # the block being written is finished first: it cannot be
            os.killpg(run.proc.pid, signal.SIGINT)
        got, err = run.finish(30)
        out = b""
        while chunk := os.read(read_end, 1 << 16):
            out += chunk
    finally:
        os.close(read_end)
    assert got == 130, err
    assert full.startswith(out)
    whole = out[:out.rfind(b"\n") + 1]
    n = whole.count(b"\n")
    assert f"the results of {n} records were written" in err
    if whole != out:
        assert "the last line was cut short" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["\u0662", "\uff12", "\u00b2", "\u0968"])  # Arabic-Indic, fullwidth, superscript, Devanagari
def test_jobs_in_digits_other_than_ascii_is_a_usage_error_naming_what_is_accepted(value):
    proc = run_cli("batch", "--jobs", value, input=json.dumps({"red_flags": ["chest-pain"]}) + "\n")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert f"--jobs: {value!r} is not accepted" in proc.stderr
    assert "a whole number of processes from 1, in the digits 0-9" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("value", ["1000", "99999999999999999999999999999"])
def test_jobs_far_above_the_cores_is_capped_with_a_one_line_note(tmp_path, value):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(record(i) + "\n" for i in range(20_000)))  # several blocks: workers start
    cores = len(os.sched_getaffinity(0))
    one = run_cli("batch", "--jobs", "1", str(path))
    many = run_cli("batch", "--jobs", value, str(path))
    assert many.returncode == one.returncode == 1
    assert many.stdout == one.stdout
    note, rest = many.stderr.split("\n", 1)
    assert note.startswith(f"spinetriage: --jobs {value[:12]}") and note.endswith(f"; using {2 * cores}")
    assert rest == one.stderr


@pytest.mark.parametrize("columns", ["80", "160"])  # one block a rule, or the table
def test_rules_list_into_a_closed_pipe_is_named(columns):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "spinetriage", "rules", "list"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60,
                              env={**os.environ, "NO_COLOR": "1", "COLUMNS": columns})
    finally:
        os.close(write_end)
    assert proc.returncode == 1
    assert "spinetriage: cannot write to standard output: it was closed" in proc.stderr
    assert "Traceback" not in proc.stderr
