"""Benchmarks for the two performance targets of spinetriage.

    python benchmarks/run.py [--records N] [--runs N] [--throughput-runs N] [--scale K]

1. Start-up: ``spinetriage ask`` with every answer as a flag and ``--format json`` against a
   minimal one-command Typer app that prints JSON (written to a temporary folder), both run
   alternately with this interpreter. Target: median ratio at most 1.2.
2. Batch: ``spinetriage batch`` over N generated JSON Lines records (a few per cent bad: bad
   JSON, unknown values, missing fields, non-object JSON, blank lines) against a bare loop that
   only does ``json.loads`` and ``json.dumps`` per line, same interpreter, same file, run
   alternately. Target: throughput ratio at least 0.5. Peak RSS of batch over K x N records
   against N records (each measured as the only child of a small wrapper process, from
   ``resource.getrusage(RUSAGE_CHILDREN)``). Target: at most 1.3.

Every process is timed by wall clock, start-up included, in the same environment: bytecode
cached (in the temporary folder; a warm-up run of each fills it), default buffering
(PYTHONDONTWRITEBYTECODE and PYTHONUNBUFFERED are left out). Nothing is written outside the
temporary folder, which is removed at the end. Exit status 0 when every target is met, 1 if not.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # this script writes nothing outside its temporary folder

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

STARTUP_TARGET = 1.2
THROUGHPUT_TARGET = 0.5
MEMORY_TARGET = 1.3

ASK_ARGS = [
    "ask", "--location", "lower-back", "--duration", "6w", "--radiation", "legs", "--no-recurrent",
    "--limits-activities", "--age", "42", "--no-red-flags", "--format", "json",
]

BASELINE_APP = '''\
import json

import typer

app = typer.Typer()


@app.command()
def main(name: str = typer.Option("world", "--name")) -> None:
    print(json.dumps({"hello": name}))


if __name__ == "__main__":
    app()
'''

BARE_LOOP = '''\
import json
import sys

out = sys.stdout
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = {"error": "not valid JSON"}
        out.write(json.dumps(record) + "\\n")
'''

RSS_WRAPPER = '''\
import resource
import subprocess
import sys

subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(kb // 1024 if sys.platform == "darwin" else kb)  # macOS reports bytes, Linux KiB
'''

LOCATIONS = ["neck", "mid-back", "lower-back", "lumbar", "cervical", "thoracic"]
RADIATION = ["none", "arms", "legs", "arms-and-legs"]
URGENT = ["fever", "infection-risk", "cancer-history", "weight-loss", "night-pain", "limb-weakness",
          "clumsy-hands", "fragility-fracture", "lump-deformity"]
EMERGENCY = ["saddle-numbness", "bladder-bowel", "both-legs", "rapid-weakness", "chest-pain"]
ANSWER_KEYS = ["location", "duration", "radiation", "recurrent", "limits_activities", "age", "red_flags"]


def record_lines(count: int, seed: int = 7):
    """``count`` records as JSON lines; about 4% are bad or blank, a few are emergency-only."""
    rnd = random.Random(seed)
    for n in range(count):
        roll = rnd.random()
        if roll < 0.01:
            yield "\n"  # blank line: no output
            continue
        if roll < 0.015:
            yield '{"id": "r%d", "location": ["neck"], "duration": \n' % n  # bad JSON
            continue
        if roll < 0.018:
            yield "[1, 2, 3]\n"  # JSON, not an object
            continue
        record = {
            "id": f"r{n}",
            "location": rnd.sample(LOCATIONS[:3], rnd.randint(1, 2)),
            "radiation": rnd.choice(RADIATION),
            "recurrent": rnd.random() < 0.3,
            "limits_activities": rnd.random() < 0.4,
            "age": rnd.randint(16, 95),
            "red_flags": rnd.sample(URGENT, 1) if rnd.random() < 0.1 else [],
        }
        if rnd.random() < 0.5:
            record["duration"] = f"{rnd.randint(0, 20)}{rnd.choice('dwmy')}"
        else:
            record["duration_days"] = rnd.randint(0, 400)
        if roll < 0.03:
            record["radiation"] = "toes"  # unknown value
        elif roll < 0.04:
            del record[rnd.choice(["age", "radiation", "recurrent"])]  # missing field
        elif roll < 0.045:
            record = {"id": f"r{n}", "red_flags": [rnd.choice(EMERGENCY)]}  # emergency alone: valid
        yield json.dumps(record) + "\n"


def write_records(path: Path, count: int) -> int:
    """Write the records; returns the number of non-blank lines (= result lines expected)."""
    non_blank = 0
    with open(path, "w", encoding="utf-8") as fh:
        for line in record_lines(count):
            fh.write(line)
            non_blank += bool(line.strip())
    return non_blank


def spinetriage_command() -> list[str]:
    """The installed console script run by this interpreter, else ``python -m spinetriage``."""
    script = Path(sys.executable).parent / "spinetriage"
    if script.is_file():
        with open(script, "rb") as fh:
            if fh.read(2) == b"#!":
                return [sys.executable, str(script)]
    return [sys.executable, "-m", "spinetriage"]


#: The environment of every child process (see ``main``): bytecode caches go to the temporary
#: folder, so nothing is written outside it; the warm-up runs fill them before anything is timed.
CHILD_ENV = dict(os.environ)


def timed(cmd: list[str], stdout=subprocess.DEVNULL) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL, env=CHILD_ENV, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark: {' '.join(cmd)} exited with {proc.returncode}")
    return elapsed


def alternate(a: list[str], b: list[str], runs: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    """Run ``a`` and ``b`` alternately (after a warm-up of each); wall times in seconds."""
    for _ in range(warmup):
        timed(a)
        timed(b)
    ta: list[float] = []
    tb: list[float] = []
    for i in range(runs):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        t1, t2 = timed(first), timed(second)
        if first is a:
            ta.append(t1)
            tb.append(t2)
        else:
            ta.append(t2)
            tb.append(t1)
    return ta, tb


def peak_rss_kib(wrapper: Path, cmd: list[str]) -> int:
    out = subprocess.run([sys.executable, str(wrapper), *cmd], capture_output=True, text=True,
                         env=CHILD_ENV, check=True)
    return int(out.stdout.strip())


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="records for the batch run (default 100000)")
    parser.add_argument("--runs", type=int, default=15, help="start-up runs of each command (default 15, at least 15 for the target)")
    parser.add_argument("--throughput-runs", type=int, default=5, help="batch runs of each command (default 5)")
    parser.add_argument("--scale", type=int, default=4, help="memory: records x SCALE against records (default 4)")
    parser.add_argument("--skip-startup", action="store_true", help="skip the start-up comparison")
    parser.add_argument("--skip-batch", action="store_true", help="skip the throughput and memory comparisons")
    args = parser.parse_args(argv)

    spinetriage = spinetriage_command()
    results: list[bool] = []
    tmp = Path(tempfile.mkdtemp(prefix="spinetriage-bench-"))
    # Same conditions for every child: bytecode cached (in the temporary folder only), default
    # buffering, no debug output.
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "SPINETRIAGE_DEBUG"):
        CHILD_ENV.pop(name, None)
    try:
        print(f"python {sys.version.split()[0]} at {sys.executable}")
        print(f"spinetriage command: {' '.join(spinetriage)}")

        if not args.skip_startup:
            baseline = tmp / "baseline_app.py"
            baseline.write_text(BASELINE_APP, encoding="utf-8")
            ours, base = alternate(spinetriage + ASK_ARGS, [sys.executable, str(baseline), "--name", "x"], args.runs)
            ratio = statistics.median(ours) / statistics.median(base)
            ok = ratio <= STARTUP_TARGET
            results.append(ok)
            print(f"\nstart-up, {args.runs} alternate runs each")
            print(f"  spinetriage ask ... --format json  {ms(ours)}")
            print(f"  minimal Typer app printing JSON    {ms(base)}")
            print(f"  ratio {ratio:.3f} (target <= {STARTUP_TARGET})  {verdict(ok)}")

        if not args.skip_batch:
            data = tmp / "records.jsonl"
            expected = write_records(data, args.records)
            loop = tmp / "bare_loop.py"
            loop.write_text(BARE_LOOP, encoding="utf-8")
            batch_cmd = spinetriage + ["batch", str(data)]

            # Sanity: one result line per non-blank record.
            out_file = tmp / "out.jsonl"
            with open(out_file, "wb") as fh:
                timed(batch_cmd, stdout=fh)
            with open(out_file, "rb") as fh:
                produced = sum(1 for _ in fh)
            if produced != expected:
                raise SystemExit(f"benchmark: batch wrote {produced} lines for {expected} records")
            out_file.unlink()

            ours, base = alternate(batch_cmd, [sys.executable, str(loop), str(data)], args.throughput_runs, warmup=1)
            ours_rate = args.records / statistics.median(ours)
            base_rate = args.records / statistics.median(base)
            ratio = ours_rate / base_rate
            ok = ratio >= THROUGHPUT_TARGET
            results.append(ok)
            print(f"\nbatch throughput, {args.records} records ({expected} non-blank), "
                  f"{args.throughput_runs} alternate runs each, start-up included")
            print(f"  spinetriage batch          {ms(ours)}  {ours_rate:,.0f} records/s")
            print(f"  json.loads/json.dumps loop {ms(base)}  {base_rate:,.0f} records/s")
            print(f"  ratio {ratio:.3f} (target >= {THROUGHPUT_TARGET})  {verdict(ok)}")

            big = tmp / "records-x.jsonl"
            write_records(big, args.records * args.scale)
            wrapper = tmp / "rss.py"
            wrapper.write_text(RSS_WRAPPER, encoding="utf-8")
            rss_1 = peak_rss_kib(wrapper, spinetriage + ["batch", str(data)])
            rss_k = peak_rss_kib(wrapper, spinetriage + ["batch", str(big)])
            ratio = rss_k / rss_1
            ok = ratio <= MEMORY_TARGET
            results.append(ok)
            print("\nbatch peak RSS (getrusage RUSAGE_CHILDREN)")
            print(f"  {args.records:>9} records  {rss_1 / 1024:.1f} MiB")
            print(f"  {args.records * args.scale:>9} records  {rss_k / 1024:.1f} MiB")
            print(f"  ratio {ratio:.3f} (target <= {MEMORY_TARGET})  {verdict(ok)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.runs < 15 and not args.skip_startup:
        print("\nnote: fewer than 15 start-up runs; the target asks for at least 15")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
