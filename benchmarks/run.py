"""Benchmarks for the performance targets of spinetriage.

    python benchmarks/run.py [--runs N] [--records N] [--memory-records N,N,N] [--large] [--skip SECTION ...]

Run it with the interpreter that has spinetriage installed (the virtualenv's python); it
refuses to run otherwise. Sections (each a small function below; ``--skip`` leaves one out):

1. startup: ``python -c pass``, ``spinetriage ask`` with every answer as a flag and
   ``--format json``, the same with the text report, and a minimal one-command Typer app
   printing JSON, all run in the same interleaved rounds (15 by default, order rotated each
   round). Targets (issue 17): the JSON path at most 1.10x the minimal Typer app and at most
   6x ``python -c pass``; the text report at most 1.5x the Typer app (the floor any Typer
   command pays; text / ``python -c pass`` is shown for reference).
2. throughput: ``spinetriage batch --jobs 1`` over N generated JSON Lines records (a few per cent
   bad) against a bare ``json.loads``/``json.dumps`` loop over the same file, run
   alternately. Target: at least 0.5x the loop's records per second.
3. memory: peak RSS of ``batch`` over 10k, 100k and 1M generated records (each the only
   child of a small wrapper, ``getrusage(RUSAGE_CHILDREN)``). Target: the largest at most
   1.3x the smallest.
4. scaling: rules files of 30, 300 and 3,000 generated rules (one rule per emergency and
   urgent sign, all alike in size): time to load and check each (best of 5 interleaved rounds
   in one process), and ``rules validate`` of the largest (every rule is then
   reported as not exercised by a case, so printing many problems is timed too). Target:
   10x the rules at most 12x the time. ``--large`` adds 10,000 rules.
5. jobs: ``batch --jobs 2`` against ``batch --jobs 1`` over the same 1M generated records
   (``--jobs-records``), run alternately; the two outputs are first compared byte for byte.
   Target: at least 1.8x the records per second (on 2 cores that nothing else is using).
6. diff: ``rules diff`` of the shipped rules against themselves (the whole enumerated answer
   space), CPU time of the process. Target: under 30 s, so that it can run on every commit.

``--save FILE`` also writes what is printed to FILE, headed by the date and the machine
(``benchmarks/last-run.txt`` is the file the docs' speed page shows).

Every process is timed by wall clock, start-up included, in the same environment: bytecode
cached (in the temporary folder; warm-up runs fill it), default buffering (PYTHONDONTWRITEBYTECODE
and PYTHONUNBUFFERED are left out). A process that exits with an unexpected code stops the
run with its last error line: no ratio is ever printed for a crashing process. Nothing is
written outside the temporary folder (but ``--save``), which is removed at the end. Each figure
is printed beside its target ("target met" or "target NOT met"). Exit status 0 when every
target is met, 1 if not, 2 when the benchmark could not run.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # this script writes nothing outside its temporary folder

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

STARTUP_JSON_TARGET = 6.0  # ask --format json against python -c pass
STARTUP_JSON_TYPER_TARGET = 1.10  # ask --format json against the minimal Typer app
STARTUP_TEXT_TYPER_TARGET = 1.5  # the text report against the minimal Typer app
DIFF_TARGET = 30.0  # seconds of CPU for rules diff over the shipped rules' answer space
THROUGHPUT_TARGET = 0.5
MEMORY_TARGET = 1.3
JOBS_TARGET = 1.8  # batch --jobs 2 against --jobs 1, records per second
SCALING_TARGET = 12.0  # 10x the rules: at most this many times the time

CALM_ARGS = [
    "ask", "--location", "lower-back", "--duration", "6w", "--radiation", "legs", "--no-recurrent",
    "--limits-activities", "--age", "42", "--no-red-flags",
]
ASK_ARGS = CALM_ARGS + ["--format", "json"]  # kept under this name for other sections

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

proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
if proc.returncode not in (0, 1):
    sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    sys.exit(proc.returncode or 1)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(kb // 1024 if sys.platform == "darwin" else kb)  # macOS reports bytes, Linux KiB
'''

LOAD_TIMER = '''\
import json
import sys
import time

from spinetriage.rules.load import default_rules_path, load_rules_text

load_rules_text(default_rules_path().read_text(encoding="utf-8"))  # warm-up: imports, caches
texts = [open(path, encoding="utf-8").read() for path in sys.argv[2:]]
best = [float("inf")] * len(texts)
for _ in range(int(sys.argv[1])):  # interleaved rounds: every size sees the same conditions
    for i, text in enumerate(texts):
        start = time.perf_counter()
        load_rules_text(text, sys.argv[2 + i])
        best[i] = min(best[i], time.perf_counter() - start)
print(json.dumps(best))
'''

LOCATIONS = ["neck", "mid-back", "lower-back", "lumbar", "cervical", "thoracic"]
RADIATION = ["none", "arms", "legs", "arms-and-legs"]
URGENT = ["fever", "infection-risk", "cancer-history", "weight-loss", "night-pain", "limb-weakness",
          "clumsy-hands", "fragility-fracture", "lump-deformity"]
EMERGENCY = ["saddle-numbness", "bladder-bowel", "both-legs", "rapid-weakness", "chest-pain"]
ANSWER_KEYS = ["location", "duration", "radiation", "recurrent", "limits_activities", "age", "red_flags"]


class BenchmarkError(Exception):
    """The benchmark cannot go on (a command failed); no ratio is printed."""


# --- generated data ------------------------------------------------------------------------


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


def rules_text(count: int, shipped: str, tiers: dict[str, str], seed: int = 11) -> str:
    """A valid rules file of ``count`` rules, each with a condition on one to three answers and
    texts as long as the shipped ones: the shipped file's outcomes, phases and safety net; the
    first rules also cover one emergency or urgent sign each (the file keeps the safety
    invariant). No cases."""
    head = shipped[: shipped.index("\nrules:")] + "\nrules:\n"
    rnd = random.Random(seed)
    out = [head]
    signs = [s for s, tier in tiers.items() if tier in ("emergency", "urgent")]
    for n in range(count):
        parts = [f"{{age: {{at_least: {rnd.randint(16, 80)}}}}}",
                 f"{{duration_days: {{at_least: {rnd.randint(1, 20)}w}}}}",
                 f"{{location: {{includes: {rnd.choice(LOCATIONS[:3])}}}}}",
                 # only forms that match more as answers are added (rules/README.md, "Only upwards")
                 f"{{radiation: {{in: [{rnd.choice(['arms', 'legs'])}, arms-and-legs]}}}}",
                 f"{{{rnd.choice(['recurrent', 'limits_activities'])}: {{is: true}}}}"]
        when = f"{{all: [{', '.join(rnd.sample(parts, rnd.randint(1, 3)))}]}}"
        if n < len(signs):  # the sign alone, or the other answers: every rule alike in size
            sign = signs[n]
            outcome = "emergency" if tiers[sign] == "emergency" else "urgent"
            when = f"{{any: [{{red_flags: {{includes: {sign}}}}}, {when}]}}"
        else:
            outcome = rnd.choice(["urgent", "doctor", "doctor", "physical-therapy", "self-care"])
        out.append(
            f"  - id: generated-rule-{n}\n"
            f"    outcome: {outcome}\n"
            f"    when: {when}\n"
            f"    reason: \"Generated rule {n} for the benchmark: these answers together call for this outcome, "
            f"in words as plain and as long as the shipped rules use.\"\n"
            f"    source: \"benchmarks/run.py, generated; a named guideline or a quote from the article goes here\"\n"
        )
    return "".join(out)


# --- running things -------------------------------------------------------------------------


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


def check(cmd: list[str], proc: subprocess.CompletedProcess, ok: tuple[int, ...]) -> None:
    if proc.returncode not in ok:
        err = proc.stderr.decode("utf-8", "replace") if isinstance(proc.stderr, bytes) else (proc.stderr or "")
        last = err.strip().splitlines()[-1] if err.strip() else "(nothing on stderr)"
        raise BenchmarkError(f"{' '.join(cmd)} exited with {proc.returncode}: {last}")


def timed(cmd: list[str], stdout=subprocess.DEVNULL, ok: tuple[int, ...] = (0,)) -> float:
    """Wall time of one run; a run that exits with a code not in ``ok`` stops the benchmark."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, env=CHILD_ENV, check=False)
    elapsed = time.perf_counter() - start
    check(cmd, proc, ok)
    return elapsed


def interleaved(cmds: dict[str, list[str]], runs: int, warmup: int = 2,
                ok: tuple[int, ...] = (0,)) -> dict[str, list[float]]:
    """Run every command once per round, the order rotated each round (after warm-ups)."""
    names = list(cmds)
    for _ in range(warmup):
        for name in names:
            timed(cmds[name], ok=ok)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        order = names[i % len(names):] + names[: i % len(names)]
        for name in order:
            times[name].append(timed(cmds[name], ok=ok))
    return times


def alternate(a: list[str], b: list[str], runs: int, warmup: int = 2,
              ok: tuple[int, ...] = (0,)) -> tuple[list[float], list[float]]:
    """Run ``a`` and ``b`` alternately (after a warm-up of each); wall times in seconds."""
    times = interleaved({"a": a, "b": b}, runs, warmup, ok)
    return times["a"], times["b"]


def peak_rss_kib(wrapper: Path, cmd: list[str]) -> int:
    proc = subprocess.run([sys.executable, str(wrapper), *cmd], capture_output=True, text=True,
                          env=CHILD_ENV, check=False)
    check(cmd, proc, (0,))
    return int(proc.stdout.strip())


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def verdict(ok: bool) -> str:
    return "target met" if ok else "target NOT met"


def require_spinetriage() -> None:
    """Stop with a clear message unless this interpreter can import and run spinetriage."""
    proc = subprocess.run([sys.executable, "-c", "import spinetriage, spinetriage.cli"],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        raise BenchmarkError(
            f"spinetriage cannot be imported by {sys.executable} ({last}); install it first "
            "(python -m pip install .) and run this script with that interpreter, e.g. "
            ".venv/bin/python benchmarks/run.py")
    version = subprocess.run([*spinetriage_command(), "--version"], capture_output=True, text=True, check=False)
    check([*spinetriage_command(), "--version"], version, (0,))


# --- the sections ---------------------------------------------------------------------------


def startup_section(args: argparse.Namespace, tmp: Path, spinetriage: list[str]) -> list[bool]:
    baseline = tmp / "baseline_app.py"
    baseline.write_text(BASELINE_APP, encoding="utf-8")
    cmds = {
        "pass": [sys.executable, "-c", "pass"],
        "json": spinetriage + ASK_ARGS,
        "text": spinetriage + CALM_ARGS,
        "typer": [sys.executable, str(baseline), "--name", "x"],
    }
    times = interleaved(cmds, args.runs)
    med = {name: statistics.median(t) for name, t in times.items()}
    json_ratio, text_ratio = med["json"] / med["pass"], med["text"] / med["pass"]
    json_typer, text_typer = med["json"] / med["typer"], med["text"] / med["typer"]
    oks = [json_typer <= STARTUP_JSON_TYPER_TARGET, json_ratio <= STARTUP_JSON_TARGET,
           text_typer <= STARTUP_TEXT_TYPER_TARGET]
    print(f"\nstart-up, {args.runs} interleaved rounds")
    print(f"  python -c pass                       {ms(times['pass'])}")
    print(f"  spinetriage ask ... --format json    {ms(times['json'])}")
    print(f"  spinetriage ask ... (text report)    {ms(times['text'])}")
    print(f"  minimal Typer app printing JSON      {ms(times['typer'])}")
    print(f"  json / Typer app       {json_typer:6.2f}  (target <= {STARTUP_JSON_TYPER_TARGET:g})  {verdict(oks[0])}")
    print(f"  json / python -c pass  {json_ratio:6.2f}  (target <= {STARTUP_JSON_TARGET:g})  {verdict(oks[1])}")
    print(f"  text / Typer app       {text_typer:6.2f}  (target <= {STARTUP_TEXT_TYPER_TARGET:g})  {verdict(oks[2])}")
    print(f"  text / python -c pass  {text_ratio:6.2f}  (for reference)")
    if args.runs < 15:
        print("  note: fewer than 15 rounds; the targets ask for at least 15")
    return oks


def throughput_section(args: argparse.Namespace, tmp: Path, spinetriage: list[str]) -> list[bool]:
    data = tmp / "records.jsonl"
    expected = write_records(data, args.records)
    loop = tmp / "bare_loop.py"
    loop.write_text(BARE_LOOP, encoding="utf-8")
    batch_cmd = spinetriage + ["batch", "--jobs", "1", str(data)]  # one process against one loop

    # Sanity: one result line per non-blank record (exit 1: some generated records are bad).
    out_file = tmp / "out.jsonl"
    with open(out_file, "wb") as fh:
        timed(batch_cmd, stdout=fh, ok=(0, 1))
    with open(out_file, "rb") as fh:
        produced = sum(1 for _ in fh)
    out_file.unlink()
    if produced != expected:
        raise BenchmarkError(f"batch wrote {produced} lines for {expected} records")

    ours, base = alternate(batch_cmd, [sys.executable, str(loop), str(data)], args.throughput_runs, warmup=1,
                           ok=(0, 1))
    ours_rate = args.records / statistics.median(ours)
    base_rate = args.records / statistics.median(base)
    ratio = ours_rate / base_rate
    ok = ratio >= THROUGHPUT_TARGET
    print(f"\nbatch throughput, {args.records} records ({expected} non-blank), "
          f"{args.throughput_runs} alternate runs each, start-up included")
    print(f"  spinetriage batch          {ms(ours)}  {ours_rate:,.0f} records/s")
    print(f"  json.loads/json.dumps loop {ms(base)}  {base_rate:,.0f} records/s")
    print(f"  ratio {ratio:.3f} (target >= {THROUGHPUT_TARGET})  {verdict(ok)}")
    return [ok]


def memory_section(args: argparse.Namespace, tmp: Path, spinetriage: list[str]) -> list[bool]:
    wrapper = tmp / "rss.py"
    wrapper.write_text(RSS_WRAPPER, encoding="utf-8")
    sizes = sorted(args.memory_records)
    peaks = []
    print("\nbatch peak RSS (getrusage RUSAGE_CHILDREN)")
    for size in sizes:
        data = tmp / f"records-{size}.jsonl"
        write_records(data, size)
        peaks.append(peak_rss_kib(wrapper, spinetriage + ["batch", str(data)]))
        data.unlink()
        print(f"  {size:>9} records  {peaks[-1] / 1024:.1f} MiB")
    ratio = peaks[-1] / peaks[0]
    ok = ratio <= MEMORY_TARGET
    print(f"  ratio {sizes[-1]} / {sizes[0]} records {ratio:.3f} (target <= {MEMORY_TARGET})  {verdict(ok)}")
    return [ok]


def scaling_section(args: argparse.Namespace, tmp: Path, spinetriage: list[str]) -> list[bool]:
    probe = subprocess.run(
        [sys.executable, "-c", "import json; from spinetriage.core.vocabulary import TIERS; "
         "from spinetriage.rules.load import default_rules_path as d; "
         "print(json.dumps({'tiers': TIERS, 'shipped': str(d())}))"],
        capture_output=True, text=True, env=CHILD_ENV, check=False)
    check(["python", "-c", "(read the vocabulary)"], probe, (0,))
    info = json.loads(probe.stdout)
    shipped = Path(info["shipped"]).read_text(encoding="utf-8")
    timer = tmp / "load_timer.py"
    timer.write_text(LOAD_TIMER, encoding="utf-8")
    sizes = [30, 300, 3000] + ([10_000] if args.large else [])
    paths = []
    for size in sizes:
        paths.append(tmp / f"rules-{size}.yaml")
        paths[-1].write_text(rules_text(size, shipped, info["tiers"]), encoding="utf-8")
    cmd = [sys.executable, str(timer), str(args.scaling_rounds), *map(str, paths)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=CHILD_ENV, check=False)
    check(cmd, proc, (0,))
    loads: list[float] = json.loads(proc.stdout)
    print(f"\nrules loading and checking (best of {args.scaling_rounds} interleaved rounds, one process)")
    for i, (size, path) in enumerate(zip(sizes, paths)):
        line = f"  {size:>6} rules  {path.stat().st_size / 1024:8.0f} KiB  load {loads[i] * 1000:8.1f} ms"
        if i:
            line += f"  x{loads[i] / loads[i - 1]:.1f} the time for x{size / sizes[i - 1]:.1f} the rules"
        print(line)
    oks = []
    for i in range(1, len(sizes)):
        ratio = (loads[i] / loads[i - 1]) * (10 / (sizes[i] / sizes[i - 1]))
        oks.append(ratio <= SCALING_TARGET)
        print(f"  {sizes[i - 1]} -> {sizes[i]} rules: {ratio:.1f}x per 10x (target <= {SCALING_TARGET:g})  "
              f"{verdict(oks[-1])}")
    largest = tmp / f"rules-{sizes[-1]}.yaml"
    cmd = spinetriage + ["rules", "validate", str(largest)]
    seconds = timed(cmd)
    print(f"  rules validate, {sizes[-1]} rules (each one warned as not exercised by a case): "
          f"{seconds:.2f} s, start-up included")
    return oks


def jobs_section(args: argparse.Namespace, tmp: Path, spinetriage: list[str]) -> list[bool]:
    """``batch --jobs 2`` against ``--jobs 1`` on the same records: the same bytes, and the speed-up."""
    data = tmp / "records-jobs.jsonl"
    expected = write_records(data, args.jobs_records)
    one = spinetriage + ["batch", "--jobs", "1", str(data)]
    two = spinetriage + ["batch", "--jobs", "2", str(data)]
    digests = []
    for cmd in (one, two):  # the output must be the same, byte for byte
        out_file = tmp / "out-jobs.jsonl"
        with open(out_file, "wb") as fh:
            timed(cmd, stdout=fh, ok=(0, 1))
        with open(out_file, "rb") as fh:
            digest, lines = hashlib.sha256(), 0
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                lines += chunk.count(b"\n")
            digests.append(digest.hexdigest())
        out_file.unlink()
        if lines != expected:
            raise BenchmarkError(f"batch wrote {lines} lines for {expected} records: {' '.join(cmd[-3:])}")
    if digests[0] != digests[1]:
        raise BenchmarkError("batch --jobs 2 wrote other bytes than --jobs 1")
    t1, t2 = alternate(one, two, args.jobs_runs, warmup=0, ok=(0, 1))
    ratio = statistics.median(t1) / statistics.median(t2)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ok = ratio >= JOBS_TARGET
    print(f"\nbatch --jobs, {args.jobs_records} records, {args.jobs_runs} alternate runs each, "
          f"{cores} cores, start-up included (outputs identical)")
    print(f"  --jobs 1  {ms(t1)}  {args.jobs_records / statistics.median(t1):,.0f} records/s")
    print(f"  --jobs 2  {ms(t2)}  {args.jobs_records / statistics.median(t2):,.0f} records/s")
    print(f"  speed-up {ratio:.2f}x (target >= {JOBS_TARGET} on 2 idle cores)  {verdict(ok)}")
    data.unlink()
    return [ok]


def diff_section(args: argparse.Namespace, tmp: Path, spinetriage: list[str]) -> list[bool]:
    """``rules diff`` over the shipped rules' whole enumerated answer space: its CPU time."""
    import resource

    code = "from spinetriage.rules.load import default_rules_path as d; print(d())"
    shipped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=CHILD_ENV,
                             check=True).stdout.strip()
    cmd = spinetriage + ["rules", "diff", shipped, shipped, "--format", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=CHILD_ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    check(cmd, proc, (0,))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sets = json.loads(proc.stdout)["compared"]["answer sets"]
    ok = cpu < DIFF_TARGET
    print(f"\nrules diff of the shipped rules against themselves: {sets:,} answer sets")
    print(f"  {cpu:.2f} s of CPU, start-up included (target < {DIFF_TARGET:g} s on one core)  {verdict(ok)}")
    return [ok]


SECTIONS = {"startup": startup_section, "throughput": throughput_section, "memory": memory_section,
            "scaling": scaling_section, "jobs": jobs_section, "diff": diff_section}


class _Tee:
    """stdout that is also written to a file (``--save``)."""

    def __init__(self, stream, file):
        self.stream, self.file = stream, file

    def write(self, text: str) -> int:
        self.file.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.file.flush()
        self.stream.flush()


def _machine() -> str:
    import platform

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return (f"{platform.machine()}, {cores} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average at the start {load}")


def sizes_list(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected whole numbers separated by commas") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least two sizes, each at least 1")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="start-up rounds (default 15, at least 15 for the targets)")
    parser.add_argument("--records", type=int, default=100_000, help="records for the throughput runs (default 100000)")
    parser.add_argument("--throughput-runs", type=int, default=5, help="batch runs of each command (default 5)")
    parser.add_argument("--memory-records", type=sizes_list, default=[10_000, 100_000, 1_000_000],
                        metavar="N,N,...", help="record counts for peak RSS (default 10000,100000,1000000)")
    parser.add_argument("--large", action="store_true", help="scaling: also 10,000 rules")
    parser.add_argument("--scaling-rounds", type=int, default=5, help="scaling: load rounds (default 5)")
    parser.add_argument("--jobs-records", type=int, default=1_000_000,
                        help="records for batch --jobs 2 against --jobs 1 (default 1000000)")
    parser.add_argument("--jobs-runs", type=int, default=3, help="batch --jobs runs of each (default 3)")
    parser.add_argument("--skip", action="append", default=[], choices=sorted(SECTIONS), metavar="SECTION",
                        help=f"leave a section out (repeatable): {', '.join(SECTIONS)}")
    parser.add_argument("--save", metavar="FILE", help="also write the output to FILE, with the date and the machine")
    args = parser.parse_args(argv)
    if args.save:
        saved = open(args.save, "w", encoding="utf-8")
        sys.stdout = _Tee(sys.stdout, saved)
        print(f"spinetriage benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}")
        print(f"machine: {_machine()}")

    results: list[bool] = []
    tmp = Path(tempfile.mkdtemp(prefix="spinetriage-bench-"))
    # Same conditions for every child: bytecode cached (in the temporary folder only), default
    # buffering, no debug output.
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "SPINETRIAGE_DEBUG"):
        CHILD_ENV.pop(name, None)
    try:
        require_spinetriage()
        spinetriage = spinetriage_command()
        print(f"python {sys.version.split()[0]} at {sys.executable}")
        print(f"spinetriage command: {' '.join(spinetriage)}")
        for name, section in SECTIONS.items():
            if name not in args.skip:
                results += section(args, tmp, spinetriage)
    except BenchmarkError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbenchmark: interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
