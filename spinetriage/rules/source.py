"""Where each piece of a rules document stands: the data with its lines and columns.

Kept apart from ``yamlsrc`` (which needs PyYAML): the shipped rules' snapshot (``snapshot``)
makes a Source of the text alone, without importing PyYAML.
"""

from __future__ import annotations

from typing import Any

from spinetriage.core.errors import Problem

Path = tuple  # a path of keys and indexes from the top of the document


class Source:
    """A loaded YAML document: the data, and where each piece of it stands.

    (A plain class: a dataclass costs a start-up this module is on.)
    """

    def __init__(self, file: str, text: str, data: Any = None,
                 positions: dict[Path, tuple[int, int]] | None = None,
                 key_positions: dict[Path, tuple[int, int]] | None = None) -> None:
        self.file = file
        self.text = text
        self.data = data
        self.positions: dict[Path, tuple[int, int]] = positions if positions is not None else {}
        self.key_positions: dict[Path, tuple[int, int]] = key_positions if key_positions is not None else {}
        self.yaml11_words: dict[Path, str] = {}  # path -> "no", "yes", ...
        self.refused: set[Path] = set()  # values already reported (a tag, an alias ...)
        self.problems: list[Problem] = []

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
