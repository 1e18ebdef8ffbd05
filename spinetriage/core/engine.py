"""Evaluate answers against a RuleSet and build the result.

Pure: no terminal, no printing. The outcome is the most urgent outcome of any matching
rule; no match is the ladder's last outcome. With answers missing, a result is given
only when a rule for the most urgent outcome already matches for certain (an emergency
ends the questions); otherwise ``MissingAnswers`` names what is needed.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

from spinetriage.core import i18n
from spinetriage.core.answers import Answers
from spinetriage.core.errors import AnswerError, MissingAnswers, SpinetriageError
from spinetriage.core.record import Frozen
from spinetriage.core.ruleset import RuleSet

ACUTE_BELOW_DAYS = 28  # under 4 weeks
CHRONIC_FROM_DAYS = 84  # 12 weeks or more


class Reason(NamedTuple):
    """Why a recommendation was given: one matching rule, its outcome, its reason and source."""

    rule: str
    outcome: str
    text: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "outcome": self.outcome, "text": self.text, "source": self.source}


class Result(Frozen):
    """A recommendation; ``to_dict()`` is the contract's JSON object.

    ``steps``: what to do next; ``phase_text`` the phase in words; ``limits`` what the tool keeps
    on purpose and cannot ask yet (the rules file's ``limits``); ``stopped_early``: an emergency
    ended the questions at a prompt (some checklists may be unasked even though the signs ticked
    so far are in ``answers.red_flags``); ``region`` where the person is (``core.region.localize``:
    its numbers are in the texts and the JSON).
    """

    FIELDS = ("outcome", "title", "advice", "reasons", "phase", "answers", "rules_version", "steps", "safety_net",
              "phase_text", "disclaimer", "limits", "stopped_early", "region")
    outcome: str
    title: str
    advice: str
    reasons: tuple[Reason, ...]
    phase: str | None
    answers: Answers
    rules_version: str
    steps: tuple[str, ...]
    safety_net: Mapping[str, Any] | None
    phase_text: str | None
    disclaimer: str
    limits: tuple[str, ...]
    stopped_early: bool
    region: Any

    def __init__(self, outcome: str, title: str, advice: str, reasons: tuple[Reason, ...], phase: str | None,
                 answers: Answers, rules_version: str, steps: tuple[str, ...] = (),
                 safety_net: Mapping[str, Any] | None = None, phase_text: str | None = None, disclaimer: str = "",
                 limits: tuple[str, ...] = (), stopped_early: bool = False, region: Any = None) -> None:
        self.__dict__.update(outcome=outcome, title=title, advice=advice, reasons=reasons, phase=phase,
                             answers=answers, rules_version=rules_version, steps=steps, safety_net=safety_net,
                             phase_text=phase_text, disclaimer=disclaimer, limits=limits,
                             stopped_early=stopped_early, region=region)

    @property
    def ended_early(self) -> bool:
        """True when an emergency ended the questions before every answer was given."""
        return self.stopped_early or bool(self.answers.missing())

    def to_dict(self) -> dict[str, Any]:
        data = {
            "outcome": self.outcome,
            "title": self.title,
            "advice": self.advice,
            "reasons": [r.to_dict() for r in self.reasons],
            "phase": self.phase,
            "answers": self.answers.as_dict(),
            "rules_version": self.rules_version,
            "safety_net": dict(self.safety_net or {}),
        }
        if self.region is not None:
            data["region"] = self.region.to_dict()
        return data


def phase_of(duration_days: int | None) -> str | None:
    """acute under 4 weeks, subacute 4 to under 12 weeks, chronic 12 weeks or more."""
    if duration_days is None:
        return None
    if duration_days < ACUTE_BELOW_DAYS:
        return "acute"
    return "subacute" if duration_days < CHRONIC_FROM_DAYS else "chronic"


def matching(answers: Answers, rules: RuleSet) -> tuple[int, ...] | None:
    """Indexes of the rules that decide the result, or None while answers are still needed."""
    if not answers.missing():
        return rules.match_complete(answers)
    sure, _maybe = rules.match_partial(answers)
    return sure if rules.is_top(sure) else None


def decide(answers: Answers, rules: RuleSet, errors: Sequence[SpinetriageError] = ()) -> tuple[int, ...]:
    """The matching rules for ``answers``, or the reason there is no result.

    ``errors`` are the answers that could not be read (left unknown in ``answers``). They
    stop the triage unless a rule for the most urgent outcome matches for certain without
    them: a bad answer elsewhere never masks an emergency sign.
    """
    matched = matching(answers, rules)
    if errors and not rules.is_top(matched):
        raise errors[0]
    if matched is None:
        raise MissingAnswers(answers.missing())
    return matched


def build_result(answers: Answers, rules: RuleSet, matched: tuple[int, ...], stopped_early: bool = False) -> Result:
    """The result of the matching rules, in the words of the language in use (``i18n.current``):
    the rules' texts in that language when the rules file has them beside it, else its own."""
    outcome = rules.rules[matched[0]].outcome if matched else rules.default
    phase = phase_of(answers.duration_days)
    words = rules.texts(i18n.current())
    shown = words.outcomes[outcome.id] if words is not None else outcome
    reasons = words.reasons if words is not None else None
    net = words.safety_net if words is not None else rules.safety_net
    phases = words.phases if words is not None else rules.phases
    return Result(
        outcome=outcome.id,
        title=shown.title,
        advice=shown.advice,
        reasons=tuple(
            Reason(r.id, r.outcome.id, reasons[r.id] if reasons is not None else r.reason, r.source)
            for r in (rules.rules[i] for i in matched)
        ),
        phase=phase,
        answers=answers,
        rules_version=rules.version,
        steps=shown.steps,
        safety_net={**net, "if_worse": shown.if_worse} if shown.if_worse else net,
        phase_text=phases.get(phase, {}).get("text") if phase else None,
        disclaimer=words.disclaimer if words is not None else rules.disclaimer,
        limits=words.limits if words is not None else rules.limits,
        stopped_early=stopped_early,
    )


def evaluate(answers: Answers | Mapping[str, Any], rules: RuleSet) -> Result:
    """Triage one answer set (an ``Answers`` or a mapping with the JSON ``answers`` keys).

    Raises ``AnswerError`` for a value that is not accepted and ``MissingAnswers`` when an
    answer is missing and no emergency rule has matched yet. ``spinetriage.triage`` is this with
    the shipped rules by default.
    """
    errors: list[AnswerError] = []
    if not isinstance(answers, Answers):
        answers, errors = Answers.parse_each(answers)
    return build_result(answers, rules, decide(answers, rules, errors))
