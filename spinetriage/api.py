"""The library's small public surface (``from spinetriage import ...``): the core's evaluation with
the shipped rules by default, and batch's line for one record or many. No Typer, no Rich.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Iterator, Mapping

from spinetriage.core.answers import Answers
from spinetriage.core.engine import Result, evaluate
from spinetriage.core.ruleset import RuleSet
from spinetriage.rules.load import load_rules


def triage(answers: Answers | Mapping[str, Any], rules: RuleSet | None = None) -> Result:
    """Triage one answer set (an ``Answers`` or a mapping with the JSON ``answers`` keys) with
    ``rules`` (default: the shipped rules).

    Raises ``AnswerError`` for a value that is not accepted and ``MissingAnswers`` when an
    answer is missing and no emergency rule has matched yet.
    """
    return evaluate(answers, rules or load_rules())


def triage_many(records: Iterable[Any], rules: RuleSet | str | os.PathLike[str] | None = None) -> Iterator[dict[str, Any]]:
    """Triage many records lazily: one dict per item, whatever the item is, in order.

    Each dict is exactly what ``triage_record`` returns for that item (the line ``spinetriage
    batch`` writes, ``line`` None): an outcome, or an error naming what is wrong. An item that
    is not a mapping (None, a number, a list) is an error line; it never stops the ones after it.
    ``rules`` as for ``triage_record``: a RuleSet, a rules file's path, or None for the shipped rules.
    """
    from spinetriage.records.triage import triage_record

    if rules is None or isinstance(rules, (str, os.PathLike)):
        rules = load_rules(rules)
    for record in records:
        yield triage_record(record, rules)
