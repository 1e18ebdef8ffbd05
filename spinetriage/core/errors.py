"""Exit codes and the errors the core raises.

One place models every failure the user can see (see ``cli.run``, which turns
these into one-line messages and exit codes). The core never prints.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

from spinetriage.core.i18n import _


class ExitCode(IntEnum):
    """Exit codes of the public contract (``shared/CONTRACT.md``)."""

    OK = 0
    FAILURE = 1  # a failing rules case, a rejected batch record, an internal error
    USAGE = 2  # a bad flag or value, a missing answer without a terminal
    RULES = 3  # the rules file cannot be used
    DOWNGRADE = 4  # rules diff found a change that lowers an outcome
    INTERRUPTED = 130  # Ctrl-C or end of input at a prompt


class SpinetriageError(Exception):
    """Base class: every error here knows its exit code and a one-line message."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __reduce__(self) -> tuple:
        """Pickles as the same type with the same message (process pools, Dask and Spark need it).

        Subclasses whose ``__init__`` takes other arguments keep them in ``_init_args``.
        """
        return (type(self), getattr(self, "_init_args", self.args), dict(self.__dict__))


class AnswerError(SpinetriageError, ValueError):
    """An answer that cannot be taken: which answer, the value, what is accepted."""

    exit_code = ExitCode.USAGE

    def __init__(self, field: str, value: object, accepted: str, problem: str | None = None):
        self._init_args = (field, value, accepted, problem)
        self.field = field
        self.value = value
        self.accepted = accepted
        # In the language in use: English for the library and batch (they never switch), the
        # person's for ask and recheck. The other messages here are for scripts and rules authors.
        self.problem = problem or _("{value} is not accepted").format(value=repr(value))
        super().__init__(self.describe(field))

    def describe(self, label: str) -> str:
        """The message with the answer named as the user knows it (a flag, a field)."""
        return f"{label}: {self.problem}; {self.accepted}"


class MissingAnswers(SpinetriageError):
    """Answers needed for a recommendation were not given."""

    exit_code = ExitCode.USAGE

    def __init__(self, fields: list[str]):
        self._init_args = (list(fields),)
        self.fields = list(fields)
        super().__init__("missing answers: " + ", ".join(self.fields))


class Problem(NamedTuple):
    """One problem in a rules file, with where it is."""

    file: str
    line: int  # 1-based; 0 when unknown
    col: int  # 1-based; 0 when unknown
    message: str
    severity: str = "error"  # or "warning"

    def location(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location()}: {prefix}{self.message}"


class RulesError(SpinetriageError):
    """The rules file cannot be used; carries every problem found."""

    exit_code = ExitCode.RULES

    def __init__(self, problems: list[Problem]):
        self._init_args = (list(problems),)
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(str(first) if first else "invalid rules file")
