"""Where each piece of a rules document stands: the data with its lines and columns.

Kept apart from ``yamlsrc`` (which needs PyYAML) so that a checked snapshot of the shipped
rules can be used without importing PyYAML at every start (see ``rules.load_rules``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from spinetriage.errors import Problem

SNAPSHOT_FORMAT = 1

Path = tuple  # a path of keys and indexes from the top of the document


@dataclass
class Source:
    """A loaded YAML document: the data, and where each piece of it stands."""

    file: str
    text: str
    data: Any = None
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    yaml11_words: dict[Path, str] = field(default_factory=dict)  # path -> "no", "yes", ...
    refused: set[Path] = field(default_factory=set)  # values already reported (a tag, an alias ...)
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at ``path`` (or of its key), else of its nearest parent."""
        table = self.key_positions if key else self.positions
        if path in table:
            return table[path]
        while path:
            path = path[:-1]
            if path in self.positions:
                return self.positions[path]
        return (1, 1)

    def problem(self, path: Path, message: str, *, key: bool = False, severity: str = "error") -> None:
        line, col = self.where(path, key)
        self.problems.append(Problem(self.file, line, col, message, severity))

    def is_refused(self, path: Path) -> bool:
        """True when ``path`` or a parent was already reported as unreadable (no follow-on errors)."""
        if not self.refused:
            return False
        return any(path[:i] in self.refused for i in range(len(path) + 1))

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


def to_snapshot(src: Source) -> str:
    """A valid document as JSON: its text, data and positions (for ``from_snapshot``)."""
    if src.problems or src.refused or src.yaml11_words:
        raise ValueError("only a document without problems can be snapshotted")
    return json.dumps({
        "format": SNAPSHOT_FORMAT,
        "text": src.text,
        "data": src.data,
        "positions": [[list(p), *lc] for p, lc in src.positions.items()],
        "key_positions": [[list(p), *lc] for p, lc in src.key_positions.items()],
    }, ensure_ascii=False, separators=(",", ":"))


def from_snapshot(raw: str, text: str, file: str) -> Source | None:
    """The Source for ``text`` when the snapshot was made from exactly that text, else None."""
    try:
        snap = json.loads(raw)
        if snap.get("format") != SNAPSHOT_FORMAT or snap.get("text") != text:
            return None
        return Source(
            file=file, text=text, data=snap["data"],
            positions={tuple(p): (line, col) for p, line, col in snap["positions"]},
            key_positions={tuple(p): (line, col) for p, line, col in snap["key_positions"]},
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
