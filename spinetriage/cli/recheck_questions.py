"""The questions a re-check adds to the interview (Rich): the duration carried forward, to
confirm or correct, and the course since the earlier report. The interview itself is unchanged:
this subclass puts the two questions after the emergency checklists of its plan.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text

from spinetriage.cli.since import YES, Recheck, _day, course_question, parse_course
from spinetriage.core.answers import Answers
from spinetriage.core.errors import AnswerError
from spinetriage.core import i18n
from spinetriage.core.i18n import _
from spinetriage.core.parse import format_duration, parse_duration
from spinetriage.core.vocabulary import CHECKLISTS, QUESTIONS
from spinetriage.core.words import NO


def recheck_interview(base: type, recheck: Recheck) -> type:
    """A subclass of the interview ``base`` for this re-check."""
    earlier = recheck.earlier
    assert earlier is not None
    day = _day(earlier.date, recheck.today)

    class RecheckInterview(base):  # type: ignore[misc, valid-type]
        def run(self, given: Answers) -> Any:
            self.console.print(Text(_("Re-check of your report of {day} ({outcome}).").format(
                day=day, outcome=self.title_of(earlier.outcome)), style="bold"))
            if earlier.undated:
                self.console.print(Text(_("(It has no date: the day its file was last changed, {day}, is used.)")
                                        .format(day=day)))
            return super().run(given)

        def plan(self, given: Answers) -> list[Callable[[], None]]:
            steps = super().plan(given)
            added: list[Callable[[], None]] = []
            if recheck.carried_days is not None and given.duration_days == recheck.carried_days:
                added.append(self.confirm_duration)
            if given.course is None:
                added.append(self.ask_course)
            first = sum(c.before_questions for c in CHECKLISTS) if given.red_flags is None else 0
            return steps[:first] + added + steps[first:]

        def title_of(self, outcome: str) -> str:
            """An outcome id as its title in the language in use (the id itself if these rules lack it)."""
            words = self.rules.texts(i18n.current())
            found = (words.outcomes if words is not None else self.rules.outcome_by_id).get(outcome)
            return found.title if found is not None else outcome

        def confirm_duration(self) -> None:
            days = recheck.carried_days
            assert days is not None and earlier.answers.duration_days is not None

            def parse(raw: str) -> int:
                if raw.strip().lower() in YES:
                    return days
                if raw.strip().lower() in NO:  # not right: then how long is it?
                    raise AnswerError("duration", raw, "", _("then type how long it has lasted (e.g. 5w)"))
                value = parse_duration(raw)
                self.check_age_and_duration(self.answers.age, value)
                return value

            question = (_("On {day} the pain had lasted {was}; {elapsed} day later it has lasted {now}. Is that right?")
                        if recheck.elapsed == 1 else
                        _("On {day} the pain had lasted {was}; {elapsed} days later it has lasted {now}. Is that right?"))
            value = self.ask(
                question.format(day=day, was=format_duration(earlier.answers.duration_days), elapsed=recheck.elapsed,
                                now=format_duration(days)),
                parse, _("Type y if it is, or how long it has lasted: 3d, 2w, 4m, 1y (or 3 days, 2 weeks)."),
                _("Type y, or how long it has lasted (e.g. 5w)"))
            self.answers = self.answers.replace(duration_days=value)

        def ask_course(self) -> None:
            words = ", ".join(QUESTIONS["course"].words())  # better, same, worse (mejor, igual, peor)
            self.options(course_question(day), [_(label) for label in QUESTIONS["course"].choices.values()])
            value = self.ask(course_question(day), parse_course,
                             _("Type 1, 2 or 3, or one of the words {words}.").format(words=words),
                             _("Type a number or a word: {words}").format(words=words), show_question=False)
            self.answers = self.answers.replace(course=value)

    return RecheckInterview
