"""The terminal as a seam (after httpie's ``Environment``): streams and terminals.

The CLI layer (cli, render, interview) reads everything about the terminal from here, and
tests pass their own ``Environment``. Nothing here imports Typer or Rich.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import IO, Any



def _tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


@dataclass
class Environment:
    """The terminal as a seam (after httpie): tests pass their own."""

    stdin: IO[str]
    stdout: IO[str]
    stderr: IO[str]
    stdin_isatty: bool
    stdout_isatty: bool
    stderr_isatty: bool
    no_color: bool

    @classmethod
    def from_process(cls) -> "Environment":
        return cls(sys.stdin, sys.stdout, sys.stderr, _tty(sys.stdin), _tty(sys.stdout), _tty(sys.stderr),
                   os.environ.get("NO_COLOR", "") != "")

    @property
    def interactive(self) -> bool:
        """Prompts only when a person is at both ends (clig.dev)."""
        return self.stdin_isatty and self.stdout_isatty


ENV: Environment | None = None


def env() -> Environment:
    """The environment in use: the one a test set in ``ENV``, else this process's."""
    return ENV or Environment.from_process()


__all__ = ["Environment", "env"]
