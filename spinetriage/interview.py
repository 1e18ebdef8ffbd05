"""The questions at a terminal, asked with Rich.

Order: the emergency signs first (one checklist), then the article's questions, then the
urgent signs. After every answer the rules are checked: as soon as a rule for the most
urgent outcome matches for certain, the questions end. Nothing has a default that could
hide a red flag: the checklists need an explicit answer ("0" or "none" for none).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from spinetriage import report
from spinetriage.answers import (
    DURATION_ACCEPTED, EMERGENCY_SIGNS, QUESTIONS, URGENT_SIGNS, Answers, parse_answer, parse_duration,
)
from spinetriage.engine import matching
from spinetriage.errors import AnswerError
from spinetriage.render import console_for
from spinetriage.rules import RuleSet

if TYPE_CHECKING:
    from spinetriage.cli import Environment

INTRO = (
    "spinetriage asks a few questions about your neck or back pain and tells you where to go and how soon.\n"
    "It takes about two minutes. It is not a diagnosis; if you are worried, contact a doctor."
)
NONE_WORDS = {"0", "none", "no", "n", "nothing", "none of these", "none of them"}


class Interview:
    def __init__(self, rules: RuleSet, e: "Environment"):
        self.rules = rules
        self.console: Console = console_for(e)
        self.answers = Answers()
        self.emergency_flags: frozenset[str] | None = None
        self.urgent_flags: frozenset[str] | None = None

    # --- the flow ------------------------------------------------------------------------

    def run(self, given: Answers) -> tuple[Answers, tuple[int, ...]]:
        """Ask what ``given`` lacks; returns the answers and the matching rules."""
        self.answers = given
        steps = self.plan(given)
        self.console.print(Text(INTRO, style="bold"))
        for number, (key, ask) in enumerate(steps, start=1):
            self.console.print()
            self.console.print(Text(f"Question {number} of {len(steps)}", style="dim"))
            ask()
            matched = self.decided()
            if matched is not None and self.rules.rules[matched[0]].outcome.rank == self.rules.top.rank:
                self.console.print()
                self.console.print(Text("That is an emergency sign, so the questions stop here.", style="bold"))
                return self.answers, matched
        self.summary()
        matched = matching(self.answers, self.rules)
        assert matched is not None  # every answer is known now
        return self.answers, matched

    def plan(self, given: Answers) -> list[tuple[str, Callable[[], None]]]:
        steps: list[tuple[str, Callable[[], None]]] = []
        if given.red_flags is None:
            steps.append(("red_flags", self.ask_emergency))
        for key, ask in (
            ("location", self.ask_location), ("duration_days", self.ask_duration),
            ("radiation", self.ask_radiation), ("recurrent", self.ask_recurrent),
            ("limits_activities", self.ask_limits), ("age", self.ask_age),
        ):
            if getattr(given, key) is None:
                steps.append((key, ask))
        if given.red_flags is None:
            steps.append(("red_flags", self.ask_urgent))
        return steps

    def decided(self) -> tuple[int, ...] | None:
        """The matching rules once the result is certain with what is known so far."""
        answers = self.answers
        if answers.red_flags is None and self.emergency_flags:
            # Only some signs are known; the rules' tests on signs only ever grow with more
            # signs, so what matches now for certain still matches once all are known.
            answers = replace(answers, red_flags=self.emergency_flags)
            sure, _ = self.rules.match_partial(answers)
            return sure or None
        if answers.missing():
            return matching(answers, self.rules)
        return matching(answers, self.rules)

    # --- one question ----------------------------------------------------------------------

    def prompt(self, question: str, parse: Callable[[str], Any], hint: str = "") -> Any:
        """Ask until the answer parses; an invalid answer is explained and asked again."""
        while True:
            self.console.print(Text(question, style="bold"))
            if hint:
                self.console.print(Text(hint, style="dim"))
            raw = self.console.input("> ")
            if not raw.strip():
                self.console.print(Text("Please type an answer.", style="yellow"))
                continue
            try:
                return parse(raw)
            except AnswerError as exc:
                self.console.print(Text(f"Sorry, {exc.problem}. {exc.accepted[0].upper()}{exc.accepted[1:]}.",
                                        style="yellow"))

    def menu(self, key: str, question: str, many: bool) -> Any:
        q = QUESTIONS[key]
        options = list(q.choices.items())
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column()
        for i, (_, words) in enumerate(options, start=1):
            table.add_row(f"{i}.", words)
        self.console.print(Text(question, style="bold"))
        self.console.print(table)
        hint = ("Type one or more numbers or words, e.g. 1 3" if many else "Type a number or a word")

        def parse(raw: str) -> Any:
            picks = self.picks(raw, [v for v, _ in options], many)
            return parse_answer(key, picks) if many else parse_answer(key, picks[0])

        return self.prompt("", parse, hint) if False else self._ask_after_menu(parse, hint)

    def _ask_after_menu(self, parse: Callable[[str], Any], hint: str) -> Any:
        while True:
            self.console.print(Text(hint, style="dim"))
            raw = self.console.input("> ")
            if not raw.strip():
                self.console.print(Text("Please type an answer.", style="yellow"))
                continue
            try:
                return parse(raw)
            except AnswerError as exc:
                self.console.print(Text(f"Sorry, {exc.problem}. {exc.accepted[0].upper()}{exc.accepted[1:]}.",
                                        style="yellow"))

    @staticmethod
    def picks(raw: str, values: list[str], many: bool) -> list[str]:
        """'1 3', '1,3', 'neck lower-back', 'lower back' -> canonical words (numbers allowed)."""
        text = raw.strip().lower()
        pieces = [p for p in text.replace(",", " ").replace(";", " ").split()]
        joined = "-".join(text.replace(",", " ").split())
        if not many or joined in values:
            pieces = [joined] if not many or joined in values else pieces
        out = []
        for piece in pieces:
            if piece.isdigit() and 1 <= int(piece) <= len(values):
                out.append(values[int(piece) - 1])
            elif piece.isdigit():
                raise AnswerError("choice", piece, f"type a number from 1 to {len(values)}, or the words",
                                  f"{piece} is not on the list")
            else:
                out.append(piece)
        if not many and len(out) != 1:
            raise AnswerError("choice", raw, "type one number or word", "that is more than one answer")
        return out

    def checklist(self, signs: dict[str, str], question: str) -> frozenset[str]:
        values = list(signs)
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column()
        for i, words in enumerate(signs.values(), start=1):
            table.add_row(f"{i}.", words)
        self.console.print(Text(question, style="bold"))
        self.console.print(table)

        def parse(raw: str) -> frozenset[str]:
            if raw.strip().lower() in NONE_WORDS:
                return frozenset()
            picks = self.picks(raw, values, many=True)
            chosen = parse_answer("red_flags", picks)
            outside = chosen - set(values)
            if outside:
                raise AnswerError("red_flags", raw, f"type numbers from 1 to {len(values)}, or 0 for none",
                                  f"{', '.join(sorted(outside))} is not on this list")
            return chosen

        return self._ask_after_menu(parse, "Type the numbers of any that apply (e.g. 2 5), or 0 if none do")

    # --- the questions ----------------------------------------------------------------------

    def set_flags(self) -> None:
        if self.emergency_flags is not None and self.urgent_flags is not None:
            self.answers = replace(self.answers, red_flags=self.emergency_flags | self.urgent_flags)

    def ask_emergency(self) -> None:
        self.emergency_flags = self.checklist(
            EMERGENCY_SIGNS, "First, safety. Do you have any of these right now?")
        self.set_flags()

    def ask_urgent(self) -> None:
        self.urgent_flags = self.checklist(URGENT_SIGNS, "Do any of these apply to you?")
        self.set_flags()

    def ask_location(self) -> None:
        value = self.menu("location", "Where does it hurt? (choose one or more)", many=True)
        self.answers = replace(self.answers, location=value)

    def ask_duration(self) -> None:
        value = self.prompt("How long have you had this pain?", parse_duration,
                            "For example 3d, 2w, 4m, 1y (or 3 days, 2 weeks); 0d if it began today")
        self.answers = replace(self.answers, duration_days=value)

    def ask_radiation(self) -> None:
        value = self.menu("radiation", "Does the pain spread into your arms or legs?", many=False)
        self.answers = replace(self.answers, radiation=value)

    def yes_no(self, key: str, question: str) -> bool:
        return self.prompt(question, lambda raw: parse_answer(key, raw), "Type y or n")

    def ask_recurrent(self) -> None:
        self.answers = replace(self.answers, recurrent=self.yes_no(
            "recurrent", "Does it keep coming back, even after rest or medication?"))

    def ask_limits(self) -> None:
        self.answers = replace(self.answers, limits_activities=self.yes_no(
            "limits_activities", "Does it stop you doing your daily activities or your work?"))

    def ask_age(self) -> None:
        self.answers = replace(self.answers, age=self.prompt(
            "How old are you?", lambda raw: parse_answer("age", raw.strip()), "Your age in years"))

    # --- before the result ---------------------------------------------------------------

    def summary(self) -> None:
        self.console.print()
        self.console.print(Text("Your answers", style="bold underline"))
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=False, ratio=1)
        table.add_column(ratio=2)
        for key, value in vars(self.answers).items():
            table.add_row(report.LABELS[key], report.answer_text(key, value))
        self.console.print(table)
        self.console.print()


__all__ = ["Interview", "DURATION_ACCEPTED"]
