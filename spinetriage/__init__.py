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
"""

from spinetriage._version import __version__
from spinetriage.answers import Answers, parse_duration
from spinetriage.engine import Reason, Result, phase_of, triage, triage_many
from spinetriage.errors import AnswerError, ExitCode, MissingAnswers, Problem, RulesError, SpinetriageError
from spinetriage.rules import RuleSet, load_rules, load_rules_text


def triage_record(record, rules=None):  # type: ignore[no-untyped-def]
    """Exactly the line ``spinetriage batch`` writes for one record, as a dict; never raises on bad data.

    See ``spinetriage.batch.triage_record`` (imported on first use, so ``import spinetriage`` stays light).
    """
    from spinetriage.batch import triage_record as line_of

    return line_of(record, rules)


__all__ = [
    "Answers", "AnswerError", "ExitCode", "MissingAnswers", "Problem", "Reason", "Result",
    "RuleSet", "RulesError", "SpinetriageError", "__version__", "load_rules", "load_rules_text",
    "parse_duration", "phase_of", "triage", "triage_many", "triage_record",
]
