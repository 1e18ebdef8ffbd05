"""CSV with a header row (comma or semicolon): lists in a cell separated by ``;`` (or as a data tool
wrote them), the header's faults named on every line with emergencies kept.
"""

from __future__ import annotations

import csv
from typing import Any

from spinetriage.core.parse import show
from spinetriage.records.lines import _FIELD_SET, FIELDS, TOO_LONG_MESSAGE, _Long, _text
from spinetriage.records.rescue import _long_record, _unreadable

# --- CSV --------------------------------------------------------------------------------


class Csv:
    """The CSV reader: a header row naming the columns, then one record a line.

    (One class of about 130 lines: the header it has read decides how every later line is read.)

    A record must be on one line (no answer holds a line break), so an unclosed quote
    spoils only its own line. The delimiter is a comma, or a semicolon when the header is
    written with semicolons (as Excel does in many countries). List cells separate their
    values with ';' or ','. A header that is not one (JSON Lines, a first row of data) makes
    every line an error line that says so. Problems that leave a line's values readable (an
    unclosed quote, a cell over the csv module's limit, columns named twice, which are then
    left out) make it an error line too, unless an emergency sign decides: then they are
    listed as ignored.
    """

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.delimiter = ","
        self.problem: str | None = None  # the header's, given to every record instead of a result
        self.twice: str | None = None  # columns named more than once or too long: left out, and named
        self.keep: list[int] | None = None  # the columns read when some are named twice
        self.twice_names: frozenset[str] = frozenset()

    def record(self, raw: Any, number: int) -> tuple[Any, str | None, str | None] | None:
        if type(raw) is _Long:
            if self.header is None:  # no header can be read: every line says so
                self.header, self.problem = [], f"the header row cannot be read: {TOO_LONG_MESSAGE}"
            return _long_record(raw, self.head_id(raw.head))
        if not raw.strip():
            return None
        text, bad = _text(raw, number)
        row, soft = self.cells(text)
        if row is not None and not any(cell.strip() for cell in row):
            return None
        if self.header is None:
            if row is None:
                self.header, self.problem = [], f"the header row cannot be read: {soft}"
                return None
            return self.read_header(row, text)  # a cell over the csv limit: named by read_header
        if self.problem:
            return _unreadable(text, self.problem)
        if row is None:
            return _unreadable(text, soft if not bad else f"{bad}; {soft}")
        # Problems that leave the values readable: named, and an emergency sign still decides.
        header = self.header
        if len(row) != len(header):
            ident = row[header.index("id")].strip() or None if "id" in header and header.index("id") < len(row) else None
            problem = soft or (f"has {len(row)} cells but the header has {len(header)} ({', '.join(header)}); "
                               "check for a missing or extra comma")
            return _unreadable(text, problem if not bad else f"{bad}; {problem}", ident)
        bad = "; ".join(b for b in (bad, soft, self.twice) if b) or None
        if self.keep is not None:
            record = {header[i]: row[i].strip() or None for i in self.keep}
            if "red_flags" in self.twice_names:  # every sign in any of them: only an emergency can decide
                record["red_flags"] = ";".join(row[i] for i, n in enumerate(header) if n == "red_flags")
        else:
            record = {key: cell.strip() or None for key, cell in zip(header, row)}
        if record.get("red_flags", 0) is None:
            record["red_flags"] = ""  # an empty red_flags cell says none applies ("" never means not answered)
        if "" in record and record[""] is None:
            del record[""]  # an unnamed, empty column (a trailing comma, as spreadsheets write)
        return record, None, bad

    def head_id(self, head: bytes) -> Any:
        """The id cell of a line cut short, when the id column comes before the cut (else None)."""
        header = self.header
        if not header or self.problem or "id" not in header:
            return None
        at = header.index("id")
        try:
            cells = next(csv.reader((head.decode("utf-8", "replace").lstrip("\ufeff"),), delimiter=self.delimiter), [])
        except csv.Error:
            return None
        return (cells[at].strip() or None) if len(cells) > at + 1 else None

    def cells(self, text: str) -> tuple[list[str] | None, str | None]:
        """(the cells, None) or, for a line that is not clean CSV, (the cells read leniently, or
        None when they cannot be, and what is wrong)."""
        delimiter = self.delimiter
        try:
            return next(csv.reader((text,), delimiter=delimiter, strict=True), []), None
        except csv.Error as exc:
            why = str(exc)
        if "field limit" in why:
            why = f"a cell is longer than {csv.field_size_limit():,} characters, the most the csv module reads"
            return (text.split(delimiter) if '"' not in text else None), why
        if "end of data" in why:
            why = "a quote is opened and not closed on this line; each record must be one line"
        else:
            why = f"not valid CSV ({why}); put a quote at the start and end of a cell that holds one"
        try:
            return next(csv.reader((text,), delimiter=delimiter), []), why
        except csv.Error:
            return None, why

    def read_header(self, row: list[str], text: str) -> tuple[Any, str | None, str | None] | None:
        """Takes the header; returns an error line when the first line is not a header after all."""
        names = [cell.strip() for cell in row]
        if len(names) == 1 and ";" in names[0]:
            try:
                cells = next(csv.reader((text,), delimiter=";"), [])
            except csv.Error:  # a cell over the csv module's limit: read as cells() reads it
                cells = text.split(";") if '"' not in text else []
            cells = [cell.strip() for cell in cells]
            if _FIELD_SET.intersection(cells):
                names, self.delimiter = cells, ";"
        self.header = names
        if text.lstrip().startswith(("{", "[")):
            self.problem = "this looks like JSON Lines, not CSV; use --input-format jsonl"
        elif not _FIELD_SET.intersection(names):
            self.problem = ("the first line is not a header row: CSV input starts with a line naming the "
                            "columns, such as " + ",".join(FIELDS))
        else:
            limit = csv.field_size_limit()
            long = [i for i, n in enumerate(names) if len(n) > limit]
            twice = sorted({n for n in names if len(n) <= limit and names.count(n) > 1})
            problems = []
            if twice:  # never one of the two silently: both left out, and named on every line
                problems.append(f"the header names {', '.join(map(repr, twice))} more than once; "
                                "each column may appear once")
            if long:  # no column name: left out, and named on every line
                problems.append(f"the header's column {', '.join(str(i + 1) for i in long)} "
                                f"({show(names[long[0]], 30)}) is longer than {limit:,} characters, the most "
                                "the csv module reads, and is left out; a header names the columns")
            if problems:
                self.twice = "; ".join(problems)
                self.keep = [i for i, n in enumerate(names) if n not in twice and i not in long]
                self.twice_names = frozenset(twice)
            return None
        return _unreadable(text, self.problem)  # the first line was a record: it gets its line
