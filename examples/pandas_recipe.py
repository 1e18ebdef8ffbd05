"""Triage a pandas DataFrame: one row per person, columns named like the batch fields.

    .venv/bin/pip install pandas
    .venv/bin/python examples/pandas_recipe.py examples/intake.csv examples/records.jsonl

Each row goes through ``spinetriage.triage_record``, so a row gets exactly the outcome (or
the error) ``spinetriage batch`` gives the same record, and a bad row never stops the run.
NaN, None and pandas NA mean "not answered", in ``red_flags`` too (an error line naming it,
unless an emergency sign decides): no warning signs must be said, as ``[]``, ``"none"`` or an
empty CSV cell. So CSV is read as batch reads it, every cell as text and an empty cell as ""
(``keep_default_na=False``, ``dtype=str``), never as NaN.
"""

from __future__ import annotations

import sys

import pandas as pd

from spinetriage import load_rules, triage_record

# The columns added: an outcome line fills outcome, reasons and phase (ignored: the values an
# emergency sign decided without); an error line fills error. The row's own columns, id
# included, are kept as they were.
OUTCOME_COLUMNS = ["outcome", "reasons", "phase", "ignored", "error"]


def triage_frame(df: pd.DataFrame, rules=None) -> pd.DataFrame:
    """``df`` with the outcome columns added, one result per row, in the same order."""
    rules = rules or load_rules()
    lines = [triage_record(record, rules) for record in df.to_dict("records")]
    return df.join(pd.DataFrame(lines, index=df.index, columns=OUTCOME_COLUMNS))


def read(path: str) -> pd.DataFrame:
    """A CSV file (lists in a cell separated by ';') or a JSON Lines file, as pandas reads it.

    CSV: every cell as text and an empty cell as "" (an empty red_flags cell says none applies,
    as for ``spinetriage batch``); pandas' default would make it NaN, which means not answered.
    JSON Lines: a key a line leaves out becomes NaN, not answered, as batch says it is missing.
    """
    if path.endswith(".csv"):
        return pd.read_csv(path, keep_default_na=False, dtype=str)
    return pd.read_json(path, lines=True)


if __name__ == "__main__":
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        for path in sys.argv[1:] or ["examples/intake.csv", "examples/records.jsonl"]:
            print(f"{path}:")
            print(triage_frame(read(path))[["id", "outcome", "reasons", "phase", "error"]].to_string())
