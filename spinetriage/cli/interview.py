"""The questions at a terminal, asked with Rich.

Order: the short themed checklists of ``answers.CHECKLISTS`` that hold the emergency signs
first, then the article's questions, then the remaining checklists. After every answer the
rules are asked whether the result is already certain: as soon as a rule for the most
urgent outcome matches for certain, the questions end. Nothing has a default that could hide a red flag: an empty answer is asked again, and
the checklists need an explicit answer ("0" or "none" for none).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text

from spinetriage.cli.render import console_for, hanging
from spinetriage.cli.terminal import visible
from spinetriage.core.answers import Answers
from spinetriage.core.engine import matching
from spinetriage.core.errors import AnswerError
from spinetriage.core.parse import (
    fold_text,
    format_duration,
    longer_than_life,
    parse_answer,
    parse_duration,
)
from spinetriage.core.ruleset import RuleSet
from spinetriage.core.vocabulary import (
    CHECKLISTS,
    QUESTIONS,
    RED_FLAGS,
    TIERS,
    Checklist,
)
from spinetriage.formats import report

if TYPE_CHECKING:
    from spinetriage.cli.terminal import Environment

INTRO_HEAD = "spinetriage asks a few questions about your neck or back pain and tells you where to go and how soon."
INTRO_BODY = ("It takes about two minutes. It is not a diagnosis; if you are worried, contact a doctor. "
              "Press Ctrl-C to stop at any time.")
STOPPED = "Your answers point to an emergency, so the questions stop here."
#: Shown when the questions are left (Ctrl-C, end of input): no recommendation was given.
LEFT = "If you have any of the emergency signs you were asked about, call your emergency number now."
NONE_WORDS = {"0", "none", "no", "n", "nothing", "none of these", "none of them"}

Parse = Callable[[str], Any]
#: Words people type at a prompt beyond the flags' values ("no" for "none").
PROMPT_WORDS = {"radiation": {"no": "none", "n": "none", "nope": "none", "nowhere": "none"}}


class Prompter:
    """Asking at the terminal: one line read, a question asked until its answer parses, a menu,
    yes or no. ``Interview`` puts the questions in order; this is how each one is asked."""

    def read_line(self) -> str:
        """One line typed by the user; EOFError at end of input, KeyboardInterrupt on Ctrl-C."""
        self.console.print("> ", end="")
        stdin = self.e.stdin
        if stdin is sys.stdin:
            return input()  # line editing of the terminal
        line = stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    def ask(self, question: str, parse: Parse, how: str, hint: str = "", show_question: bool = True) -> Any:
        """Ask until the answer parses; an invalid answer is explained and asked again.

        ``how`` says what to type; it ends every explanation of a wrong answer.
        """
        if show_question:
            self.console.print(Text(question, style="bold"))
        if hint:
            self.console.print(Text(hint, style="dim"))
        while True:
            raw = self.read_line()
            if not raw.strip():
                explanation = f"Please type an answer. {how}"  # never a default: no answer is no answer
            else:
                try:
                    return parse(raw)
                except AnswerError as exc:
                    explanation = f"Sorry, {visible(exc.problem)}. {how}"  # what was typed, never raw escapes
            self.console.print(Text(explanation, style="yellow"))
            self.console.print(Text(question, style="bold"))

    def options(self, question: str, labels: list[str]) -> None:
        """The question and its numbered options, words wrapped under their first word."""
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column()
        for i, words in enumerate(labels, start=1):
            table.add_row(f"{i}.", words)
        self.console.print(Text(question, style="bold"))
        self.console.print(table)

    @staticmethod
    def picks(raw: str, values: list[str], aliases: Mapping[str, str] | None = None,
              unknown: list[str] | None = None) -> list[str]:
        """'1 3', '1,3', 'neck lower back', 'cervical' -> the values picked (not yet normalised).

        Numbers pick from ``values`` (1-based); words may be values or aliases, and a value of
        several words may be typed with spaces ("lower back" for lower-back). A word or number
        not on the list raises AnswerError, or, when ``unknown`` is given, is added to it.
        Typographic dashes, no-break spaces and invisible characters (pasted from Word or a web
        page) are folded silently: "chest–pain" is chest-pain.
        """
        known = set(values) | set(aliases or {})
        words = fold_text(raw).lower().replace(",", " ").replace(";", " ").replace("_", " ").split()
        out: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            if word.rstrip(".").isascii() and word.rstrip(".").isdigit():  # "3" or "3." from a list
                word = word.rstrip(".")
                if 1 <= int(word) <= len(values):
                    out.append(values[int(word) - 1])
                elif unknown is None:
                    raise AnswerError("choice", word, "", f"{word} is not on the list")
                else:
                    unknown.append(word)
                i += 1
                continue
            for j in range(len(words), i, -1):  # the longest run of words that is a value
                phrase = "-".join(words[i:j])
                if phrase in known:
                    out.append(phrase)
                    i = j
                    break
            else:
                if unknown is None:
                    raise AnswerError("choice", word, "", f"'{word}' is not on the list")
                unknown.append(word)
                i += 1
        return out

    def menu(self, key: str, question: str, many: bool) -> Any:
        q = QUESTIONS[key]
        values = list(q.choices)
        self.options(question, list(q.choices.values()))
        words = ", ".join(values)
        if many:
            hint = f"Type one or more numbers (e.g. 1 3) or words: {words}"
            how = f"Type numbers from 1 to {len(values)}, or the words {words}."
        else:
            hint = f"Type a number or a word: {words}"
            how = f"Type one number from 1 to {len(values)}, or one of the words {words}."

        aliases = {**q.aliases, **PROMPT_WORDS.get(key, {})}

        def parse(raw: str) -> Any:
            picked = [aliases.get(word, word) for word in self.picks(raw, values, aliases)]
            if not many and len(picked) != 1:
                raise AnswerError(key, raw, "", "that is more than one answer")
            return parse_answer(key, picked if many else picked[0])

        return self.ask(question, parse, how, hint, show_question=False)

    def yes_no(self, key: str, question: str) -> bool:
        return self.ask(question, lambda raw: parse_answer(key, raw), "Type y for yes or n for no.", "Type y or n")


class Interview(Prompter):
    """The questions in order, for whatever the flags did not answer: the emergency checklists,
    the article's six questions, the other checklists, then a summary; an emergency ends them at
    once. (About 180 lines: one short method a question, all sharing the answers so far.)"""

    def __init__(self, rules: RuleSet, e: "Environment", to_stderr: bool = False):
        """``to_stderr``: ask on stderr, keeping stdout for the JSON or Markdown report."""
        self.rules = rules
        self.e = e
        self.console: Console = console_for(e, stderr=to_stderr)
        self.answers = Answers()
        self.signs: frozenset[str] = frozenset()  # the signs ticked so far
        self.stopped_early = False  # an emergency ended the questions
        self.lists_left = 0  # checklists still to answer

    # --- the flow ------------------------------------------------------------------------

    def run(self, given: Answers) -> tuple[Answers, tuple[int, ...]]:
        """Ask what ``given`` lacks; returns the answers and the matching rules."""
        self.answers = given
        steps = self.plan(given)
        self.console.print(Text(INTRO_HEAD, style="bold"))
        self.console.print(Text(INTRO_BODY))
        for number, ask in enumerate(steps, start=1):
            self.console.print()
            self.console.print(Text(f"Question {number} of {len(steps)}", style="dim"))
            try:
                ask()
            except (KeyboardInterrupt, EOFError):
                self.console.print()
                self.console.print(Text(LEFT, style="bold"))
                raise
            if number < len(steps):
                matched = self.decided()
                if matched is not None:
                    if self.answers.red_flags is None and self.signs:  # the signs ticked are answers given
                        self.answers = replace(self.answers, red_flags=self.signs)
                    self.stopped_early = True  # later checklists are unasked, not "none"
                    self.console.print()
                    self.console.print(Text(STOPPED, style="bold"))
                    self.console.print()
                    return self.answers, matched
        self.summary()
        matched = matching(self.answers, self.rules)
        assert matched is not None  # every answer is known now
        return self.answers, matched

    def plan(self, given: Answers) -> list[Callable[[], None]]:
        """The questions to ask, in order: only those whose answer was not given as a flag."""
        steps: list[Callable[[], None]] = []
        lists = list(CHECKLISTS) if given.red_flags is None else []
        self.lists_left = len(lists)
        steps += [self.checklist_step(c) for c in lists if c.before_questions]
        for key, ask in (
            ("location", self.ask_location), ("duration_days", self.ask_duration),
            ("radiation", self.ask_radiation), ("recurrent", self.ask_recurrent),
            ("limits_activities", self.ask_limits), ("age", self.ask_age),
        ):
            if getattr(given, key) is None:
                steps.append(ask)
        steps += [self.checklist_step(c) for c in lists if not c.before_questions]
        return steps

    def decided(self) -> tuple[int, ...] | None:
        """The matching rules once the rules give the most urgent outcome for certain, else None."""
        answers = self.answers
        if answers.red_flags is None and self.signs:
            # Only some checklists are answered yet. The rules' tests on signs only ever
            # grow with more signs, so a rule that matches now for certain still matches
            # once the other checklists are answered too.
            sure, _ = self.rules.match_partial(replace(answers, red_flags=self.signs))
            return sure if self.rules.is_top(sure) else None
        return matching(answers, self.rules) if answers.missing() else None

    # --- reading an answer -----------------------------------------------------------------

    def checklist(self, checklist: Checklist) -> frozenset[str]:
        values = list(checklist.items)
        self.console.print(Text(checklist.heading, style="bold underline"))
        self.options(checklist.question, [RED_FLAGS[v] for v in values])
        how = f"Type numbers from 1 to {len(values)} (e.g. 1 3), or 0 if none apply."

        def parse(raw: str) -> frozenset[str]:
            if " ".join(raw.lower().split()) in NONE_WORDS:
                return frozenset()
            unknown: list[str] = []
            picked = parse_answer("red_flags", self.picks(raw, values, unknown=unknown))
            if not unknown:
                return picked
            if any(TIERS[sign] == "emergency" for sign in picked):
                # An emergency sign typed beside a slip is taken, never sent back to be typed again.
                self.console.print(Text(f"(Ignored {' '.join(unknown)}: not on the list.)", style="yellow"))
                return picked
            if "0" in unknown:
                raise AnswerError("red_flags", raw, "", "0 means none, so it cannot go with other numbers")
            word = unknown[0]
            raise AnswerError("red_flags", raw, "", f"{word} is not on the list" if word.isdigit()
                              else f"'{word}' is not on the list")

        return self.ask(checklist.question, parse, how, "Type the numbers of all that apply (e.g. 1 3), or 0 if none do",
                        show_question=False)

    # --- the questions ----------------------------------------------------------------------

    def checklist_step(self, checklist: Checklist) -> Callable[[], None]:
        def ask() -> None:
            self.signs |= self.checklist(checklist)
            self.lists_left -= 1
            if not self.lists_left:
                self.answers = replace(self.answers, red_flags=self.signs)

        return ask

    def ask_location(self) -> None:
        value = self.menu("location", "Where does it hurt? (choose one or more)", many=True)
        self.answers = replace(self.answers, location=value)

    def ask_duration(self) -> None:
        def parse(raw: str) -> int:
            days = parse_duration(raw)
            self.check_age_and_duration(self.answers.age, days)
            return days

        value = self.ask("How long have you had this pain?", parse,
                         "Use a whole number with a unit: 3d, 2w, 4m, 1y (or 3 days, 2 weeks, 1 month, 1 year); "
                         "0d if it began today.",
                         "For example 3d, 2w, 4m, 1y (or 3 days, 2 weeks); 0d if it began today")
        self.answers = replace(self.answers, duration_days=value)

    def ask_radiation(self) -> None:
        value = self.menu("radiation", "Does the pain spread into your arms or legs?", many=False)
        self.answers = replace(self.answers, radiation=value)

    def ask_recurrent(self) -> None:
        self.answers = replace(self.answers, recurrent=self.yes_no(
            "recurrent", "Does it keep coming back, even after rest or medication?"))

    def ask_limits(self) -> None:
        self.answers = replace(self.answers, limits_activities=self.yes_no(
            "limits_activities", "Does it stop you doing your daily activities or your work?"))

    def ask_age(self) -> None:
        lo, hi = QUESTIONS["age"].bounds or (1, 120)
        def parse(raw: str) -> int:
            age = parse_answer("age", raw.strip())
            self.check_age_and_duration(age, self.answers.duration_days)
            return age

        self.answers = replace(self.answers, age=self.ask(
            "How old are you?", parse,
            f"Type your age in years, a whole number from {lo} to {hi}.", "Your age in years, e.g. 42"))

    @staticmethod
    def check_age_and_duration(age: int | None, days: int | None) -> None:
        """The pain cannot have lasted longer than the person has lived (as with the flags)."""
        if age is not None and days is not None and longer_than_life(days, age):
            raise AnswerError("age", age, "", f"the pain has lasted {format_duration(days)}, longer than {age} "
                                              f"year{'s' if age != 1 else ''} of age; please check your answers")

    # --- before the result ---------------------------------------------------------------

    def summary(self) -> None:
        """Every answer on one screen, before the recommendation."""
        self.console.print()
        self.console.print(Text("Your answers", style="bold underline"))
        rows = [(report.LABELS[key], report.answer_text(key, value)) for key, value in vars(self.answers).items()]
        if self.e.plain:  # screen readers: one answer a line, no bullet
            for label, text in rows:
                self.console.print(Text(f"{label}: {text}"))
        elif self.console.width >= 60:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", ratio=1)
            table.add_column(ratio=2)
            for label, text in rows:
                table.add_row(label, text)
            self.console.print(table)
        else:  # too narrow for two columns: one answer a line, wrapped under its label
            for label, text in rows:
                self.console.print(hanging(Text.assemble((f"{label}: ", "bold"), text)))
        self.console.print()


__all__ = ["Interview"]
