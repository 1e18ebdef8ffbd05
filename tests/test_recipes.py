"""The pandas and Dask recipes (examples/, docs/library.md) run on generated data as data tools produce
it (empty cells, NaN, None, pandas NA, nullable dtypes, a bad record among emergencies) and
agree with `spinetriage batch` on the same records. The Spark recipe is run by hand (docs/library.md)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dask  # in the test extra, with distributed and pandas: their absence is a failure, not a skip
import pandas as pd
import pytest
from conftest import CALM
from dask import distributed

from spinetriage import triage_record

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _batch(cli, path: Path, *args: str) -> list[dict]:
    proc = cli("batch", str(path), *args)
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


NA = pd.NA


def generated_frame() -> "pd.DataFrame":
    """One row per case; nullable dtypes where pandas offers them."""
    rows = [
        # id,   location,          duration, radiation, recurrent, limits, age,  red_flags,                expected
        ("p1", ["lower-back"],     "6w",  "legs",  False, True,  42,  [],                         "physical-therapy"),
        ("p2", "neck;mid-back",    "3d",  "none",  False, False, 55,  "",                         "doctor"),
        ("p3", ["lower-back"],     "2w",  "none",  True,  False, 71,  "cancer-history;night-pain", "urgent"),
        ("p4", ["neck"],           "5d",  "none",  False, False, 29,  "none",                     "self-care"),
        ("e1", float("nan"),       None,  None,    NA,    NA,    NA,  ["saddle-numbness"],        "emergency"),
        ("e2", None,               "",    float("nan"), NA, NA,  NA,  "bladder-bowel",            "emergency"),
        ("bad", ["lower-back"],    "3",   "none",  False, False, 40,  [],                         "error"),
        ("e3", ["lower-bak"],      "2w",  "feet",  NA,    False, 300, ["chest-pain"],             "emergency"),
        ("miss", ["lower-back"],   "2w",  None,    False, False, NA,  [],                         "error"),
        ("n1", ["neck"],           "5d",  "none",  False, False, 29,  float("nan"),               "error"),
        ("n2", ["neck"],           "5d",  "none",  False, False, 29,  None,                       "error"),
        ("n3", ["neck"],           "5d",  "none",  False, False, 29,  NA,                         "error"),
    ]
    df = pd.DataFrame(rows, columns=["id", "location", "duration", "radiation", "recurrent", "limits_activities",
                                     "age", "red_flags", "expected"])
    df["id"] = pd.array(df["id"], dtype="string")
    df["recurrent"] = pd.array(df["recurrent"], dtype="boolean")
    df["limits_activities"] = pd.array(df["limits_activities"], dtype="boolean")
    df["age"] = pd.array(df["age"], dtype="Int64")
    return df.set_index(pd.Index(range(10, 130, 10)))  # not 0..n: the index is kept


def test_pandas_recipe_on_nullable_dtypes_nan_and_a_bad_record_among_emergencies():
    recipe = _load("pandas_recipe")
    df = generated_frame()
    out = recipe.triage_frame(df.drop(columns="expected"))
    assert list(out.index) == list(df.index) and list(out["id"]) == list(df["id"])
    assert list(out.columns[:8]) == list(df.columns[:8])  # the frame's own columns, unchanged
    got = [o if isinstance(o, str) else "error" for o in out["outcome"]]
    assert got == list(df["expected"])
    assert list(out.loc[out["id"] == "e3", "ignored"].iloc[0]) and "age" in " ".join(out.loc[80, "ignored"])
    assert "duration" in out.loc[70, "error"] and "no unit" in out.loc[70, "error"]
    assert "missing answers: radiation, age" in out.loc[90, "error"]
    for i in (100, 110, 120):  # NaN, None, NA in red_flags: not answered, never "no warning signs"
        assert out.loc[i, "error"].startswith("red_flags: not answered")
    assert out.loc[10, "reasons"] == ["persists-beyond-few-weeks", "limits-activities", "radiates-into-limbs"]
    assert out["error"].isna().sum() == 7 and out["outcome"].isna().sum() == 5
    assert out.loc[50, "phase"] is None or pd.isna(out.loc[50, "phase"])


def test_pandas_recipe_and_batch_agree_on_a_csv_with_empty_cells(cli, tmp_path):
    recipe = _load("pandas_recipe")
    path = tmp_path / "intake.csv"
    path.write_text("id,location,duration,radiation,recurrent,limits_activities,age,red_flags\n"
                    "1,lower-back,6w,legs,no,yes,42,\n"
                    "2,,,,,,,bladder-bowel\n"
                    "3,neck;mid-back,3d,none,false,true,35,fever\n"
                    "4,lower-back,3,none,no,no,40,\n"
                    "5,,,,,,,saddle-numbness;rapid-weakness\n"
                    "6,lower-back,2w,none,no,no,,\n"
                    "7,lower-back,2w,arms,yes,no,130,chest-pain\n", encoding="utf-8")
    df = recipe.read(str(path))
    # read as batch reads it: every cell text, an empty cell "" (pandas' default NaN means not answered)
    assert not df.isna().any().any() and (df["red_flags"] == "").sum() == 3
    out = recipe.triage_frame(df)
    lines = _batch(cli, path)
    assert [line["id"] for line in lines] == [str(i) for i in out["id"]]
    for (_, row), line in zip(out.iterrows(), lines):
        if "error" in line:
            assert row["error"] == line["error"] and pd.isna(row["outcome"])
        else:
            assert (row["outcome"], row["reasons"]) == (line["outcome"], line["reasons"])
            assert (None if pd.isna(row["phase"]) else row["phase"]) == line["phase"]
            assert (line.get("ignored") or None) == (row["ignored"] if isinstance(row["ignored"], list) else None)


def test_pandas_recipe_reads_json_lines_as_pandas_types_them(cli):
    """read_json makes 0.0/1.0 of booleans and 40.0 of ages (NaN in the column): read as meant."""
    recipe = _load("pandas_recipe")
    df = recipe.read(str(EXAMPLES / "records.jsonl"))
    assert df["recurrent"].dtype.kind == "f" and df["age"].dtype.kind == "f"
    out = recipe.triage_frame(df)
    lines = _batch(cli, EXAMPLES / "records.jsonl")
    for (_, row), line in zip(out.iterrows(), lines):
        if "outcome" in line:
            assert (row["outcome"], row["reasons"]) == (line["outcome"], line["reasons"])
    assert out["outcome"].isna().sum() == 1  # a3: answers missing


@pytest.fixture(scope="module")
def dask_client(tmp_path_factory):
    # one worker process: records and the RuleSet really travel by pickle, as on a cluster;
    # its scratch space in the test's temporary folder, not the machine's /tmp
    scratch = str(tmp_path_factory.mktemp("dask"))
    with dask.config.set({"temporary-directory": scratch}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None,
                                     local_directory=scratch) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def _jsonl_inputs(directory: Path) -> list[Path]:
    directory.mkdir()
    first = [{"id": "calm", **CALM}, {"id": 2, **CALM, "duration": "6w"},
             {"id": "e1", "red_flags": ["saddle-numbness"]},
             {"id": "bad", **CALM, "radiation": "feet"},
             {"id": "e2", "red_flags": ["chest-pain"], "age": "old", "location": "nek"},
             {"id": "e3", "red_flags": "both-legs", "recurrent": None, "age": None}]
    a = directory / "a.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in first), encoding="utf-8")
    b = directory / "b.jsonl"
    b.write_text(json.dumps({"id": "x", "age": 40}) + "\n\n{not json\n[1, 2]\n"
                 + json.dumps({"id": "é", **CALM, "red_flags": ["fever"]}) + "\n"
                 + json.dumps({**CALM, "age": 30.0, "recurrent": 0}), encoding="utf-8")  # no final newline
    return [a, b]


def test_dask_recipe_writes_the_lines_batch_writes_file_by_file(cli, tmp_path, dask_client):
    recipe = _load("dask_recipe")
    inputs = _jsonl_inputs(tmp_path / "in")
    outputs = recipe.triage_files(str(tmp_path / "in" / "*.jsonl"), str(tmp_path / "out"))
    assert [Path(p).name for p in outputs] == ["a.jsonl", "b.jsonl"]
    for path, output in zip(inputs, outputs):
        expected = [{**line, "line": None} if "line" in line else line for line in _batch(cli, path)]
        got = [json.loads(line) for line in Path(output).read_text(encoding="utf-8").splitlines()]
        assert got == expected
    text = Path(outputs[1]).read_text(encoding="utf-8")
    assert text.endswith("\n") and "not valid JSON" in text


def test_dask_triage_line_never_raises_and_agrees_with_triage_record():
    recipe = _load("dask_recipe")
    for text in ("", "{", "null", "[]", '"text"', '{"id": 1}', json.dumps({"id": "c", **CALM})):
        line = json.loads(recipe.triage_line(text))
        assert "outcome" in line or "error" in line
    assert json.loads(recipe.triage_line(json.dumps(CALM))) == triage_record(CALM)


RECIPES_PAGE = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")


def _scratch_in(folder: Path) -> dict:
    """The environment, with Dask's scratch space (dask-scratch-space) inside ``folder``."""
    return {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(folder)}


def _readme_block(title: str) -> str:
    section = RECIPES_PAGE[RECIPES_PAGE.index(title):]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


@pytest.mark.parametrize("title", ["### pandas", "### Dask"])
def test_readme_recipes_run_as_pasted(tmp_path, title):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (tmp_path / "recipe.py").write_text(_readme_block(title), encoding="utf-8")  # saved in a file, as the page says
    proc = subprocess.run([sys.executable, "recipe.py"], cwd=tmp_path, capture_output=True, text=True, timeout=240,
                          env=_scratch_in(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    if title == "### pandas":
        assert "physical-therapy" in proc.stdout and "no unit" in proc.stdout
    else:
        lines = [json.loads(x) for x in (tmp_path / "triaged" / "records.jsonl").read_text().splitlines()]
        assert [line["id"] for line in lines] == ["a1", "a2", "a3", "a4", "a5"]


def test_readme_spark_recipe_is_the_example_script_run_by_hand():
    """Spark is too heavy for the suite: the page's function is the script's, word for word."""
    block = _readme_block("### Spark")
    function = block[block.index("def triage_df"):]
    assert function in (EXAMPLES / "spark_recipe.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("script, args, expect", [
    ("pandas_recipe.py", ["examples/intake.csv", "examples/records.jsonl"], "no unit"),
    ("dask_recipe.py", ["examples/*.jsonl", "triaged/"], "records.jsonl"),
])
def test_example_scripts_run_as_the_readme_runs_them(tmp_path, script, args, expect):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    proc = subprocess.run([sys.executable, f"examples/{script}", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=240, env=_scratch_in(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expect in proc.stdout
    assert f"examples/{script} {' '.join(repr(a) if '*' in a else a for a in args)}".replace('"', "'") in RECIPES_PAGE
