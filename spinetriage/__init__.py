"""spinetriage: spine-pain self-triage on declarative rules. Not a diagnosis.

Library use (no Typer or Rich is imported)::

    from spinetriage import triage, load_rules
    result = triage({"location": ["lower-back"], "duration": "6w", "radiation": "none",
                     "recurrent": False, "limits_activities": False, "age": 40,
                     "red_flags": []})
    result.outcome        # "physical-therapy"
    result.to_dict()      # the same object as ``spinetriage ask --format json``

    from spinetriage import triage_record
    triage_record({"id": 7, "red_flags": ["chest-pain"]})
    # {"id": 7, "outcome": "emergency", "reasons": ["chest-pain"], "phase": None}: the batch line

The names below are imported on first use, so that ``import spinetriage.cli`` (the command
line) runs almost nothing before it can take Ctrl-C; see ``spinetriage.__main__``.
"""

from spinetriage._version import __version__

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up

#: Each public name and the module it lives in.
_EXPORTS = {
    "Answers": "core.answers", "parse_duration": "core.parse",
    "Reason": "core.engine", "Result": "core.engine", "phase_of": "core.engine",
    "triage": "api", "triage_many": "api",
    "AnswerError": "core.errors", "ExitCode": "core.errors", "MissingAnswers": "core.errors",
    "Problem": "core.errors", "RulesError": "core.errors", "SpinetriageError": "core.errors",
    "RuleSet": "core.ruleset", "load_rules": "rules.load", "load_rules_text": "rules.load",
    "triage_record": "records.triage",
}


def __getattr__(name: str) -> "Any":
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'spinetriage' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"spinetriage.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> "list[str]":
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from typing import Any

    from spinetriage.api import triage, triage_many
    from spinetriage.core.answers import Answers
    from spinetriage.core.engine import Reason, Result, phase_of
    from spinetriage.core.errors import (
        AnswerError,
        ExitCode,
        MissingAnswers,
        Problem,
        RulesError,
        SpinetriageError,
    )
    from spinetriage.core.parse import parse_duration
    from spinetriage.core.ruleset import RuleSet
    from spinetriage.records.triage import triage_record
    from spinetriage.rules.load import load_rules, load_rules_text

__all__ = [
    "Answers", "AnswerError", "ExitCode", "MissingAnswers", "Problem", "Reason", "Result",
    "RuleSet", "RulesError", "SpinetriageError", "__version__", "load_rules", "load_rules_text",
    "parse_duration", "phase_of", "triage", "triage_many", "triage_record",
]
