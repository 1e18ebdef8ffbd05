"""Triage JSON Lines files on a Dask cluster: JSON Lines files in, JSON Lines files out.

    .venv/bin/pip install 'dask[bag]' distributed
    .venv/bin/python examples/dask_recipe.py 'examples/*.jsonl' triaged/

One output file per input file, with the same name, one line per non-blank input line in
the same order: exactly the lines ``spinetriage batch`` writes, except that ``line`` is null
(the library knows no line numbers). A bad line gives an error line and never stops the job.
Dask's bag needs no pandas. The script starts a local cluster (worker processes on this
machine); to use a real one, pass its scheduler address: ``Client("tcp://host:8786")``.
"""

from __future__ import annotations

import glob
import json
import sys
from pathlib import Path

import dask.bag as db
from dask.distributed import Client, LocalCluster

from spinetriage import load_rules, triage_record


def triage_line(text: str, rules=None) -> str:
    """One JSON Lines line in, one out; never raises (text that is not JSON is an error line)."""
    try:
        record = json.loads(text)
    except ValueError as exc:
        line = {"id": None, "line": None,
                "error": f"not valid JSON ({exc.args[0].split(':')[0]}); each line must be one JSON object"}
    else:
        line = triage_record(record, rules)
    return json.dumps(line)


def triage_files(pattern: str, out_dir: str, rules=None) -> list[str]:
    """Triage every file matching ``pattern`` into ``out_dir`` on the current Dask client."""
    inputs = sorted(glob.glob(pattern))
    if not inputs:
        raise SystemExit(f"no input files match {pattern!r}")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    outputs = [str(Path(out_dir) / Path(path).name) for path in inputs]
    rules = rules or load_rules()  # loaded and checked once here; shipped to the workers (it pickles)
    (db.read_text(inputs, blocksize=None)  # one partition per file, lines in order
       .filter(str.strip)                  # blank lines are skipped, as batch does
       .map(triage_line, rules=rules)
       .to_textfiles(outputs, last_endline=True))
    return outputs


if __name__ == "__main__":
    pattern, out_dir = (sys.argv[1:] + ["examples/*.jsonl", "triaged"][len(sys.argv[1:]):])[:2]
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        for path in triage_files(pattern, out_dir):
            print(path)
