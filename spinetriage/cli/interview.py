"""The questions at a terminal, asked with Rich.

Order: the short themed checklists of ``answers.CHECKLISTS`` that hold the emergency signs
first, then the article's questions, then the remaining checklists. After every answer the
rules are asked whether the result is already certain: as soon as a rule for the most
urgent outcome matches for certain, the questions end. Nothing has a default that could hide a red flag: an empty answer is asked again, and
the checklists need an explicit answer ("0" or "none" for none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from spinetriage.cli.render import console_for, hanging
from spinetriage.cli.terminal import visible
from spinetriage.core.answers import Answers
from spinetriage.core.engine import matching
from spinetriage.core.errors import AnswerError
from spinetriage.core.i18n import N_, _
from spinetriage.core.parse import (
    format_duration,
    longer_than_life,
    parse_answer,
    parse_duration,
    read_choice,
    read_signs,
)
from spinetriage.core.ruleset import RuleSet
from spinetriage.core.vocabulary import (
    CHECKLISTS,
    QUESTIONS,
    RED_FLAGS,
    Checklist,
)
from spinetriage.formats import report

if TYPE_CHECKING:
    from spinetriage.cli.terminal import Environment

INTRO_HEAD = N_("spinetriage asks a few questions about your neck or back pain and tells you where to go and how soon.")
INTRO_BODY = N_("It takes about two minutes. It is not a diagnosis; if you are worried, contact a doctor. "
                "Press Ctrl-C to stop at any time.")
STOPPED = N_("Your answers point to an emergency, so the questions stop here.")
#: Shown when the questions are left (Ctrl-C, end of input): no recommendation was given.
LEFT = N_("If you have any of the emergency signs you were asked about, call your emergency number now.")
CHECKLIST_HINT = N_("Type the numbers of all that apply (e.g. 1 3), or 0 if none do")
EMPTY = object()  # the problem of an empty answer: asked again, never a default

Parse = Callable[[str], Any]


class Prompter:
    """Asking at the terminal: one line read, a question asked until its answer parses, a menu,
    yes or no. ``Interview`` puts the questions in order; this is how each one is asked.

    Each prompt is drawn as one screen (``draw``): the question's number, its heading, the
    question and its items, a line of help and the input line, laid out for the terminal's size
    measured as it is drawn. A wrong answer is explained in one or two lines; when the items
    would no longer all be on the screen, the screen is drawn again with the explanation.
    """

    rows = 24  # the terminal's height when the prompt was drawn
    header: Any = None  # "Question 3 of 11", drawn at the top of each prompt's screen
    page: list[Any] = []  # what the prompt being asked shows above its help line
    used = 0  # rows the prompt has taken so far, from the top of its screen

    def measure(self) -> None:
        """The terminal's size now: a window resized since the last prompt is honoured."""
        columns, self.rows = self.e.size_now(self.console.file)
        self.console.width = columns

    def rows_of(self, renderable: Any) -> int:
        return len(self.console.render_lines(renderable, self.console.options, pad=False))

    def show(self, renderable: Any) -> None:
        self.used += self.rows_of(renderable)
        self.console.print(renderable)

    def draw(self, parts: list[Any]) -> None:
        """A new prompt's screen: a blank line, the question's number, then ``parts``."""
        self.measure()
        self.console.print()
        self.page = ([self.header] if self.header is not None else []) + parts
        self.used = 0
        for part in self.page:
            self.show(part)

    def read_line(self) -> str:
        """One line typed by the user; EOFError at end of input, KeyboardInterrupt on Ctrl-C."""
        while True:
            self.console.print("> ", end="")
            # Read as bytes arrive, with the terminal's own line editing; not input(): it reads
            # with C strings, so a NUL (Ctrl-@) ended its view of the line and the next line
            # typed was joined to it.
            line = self.e.stdin.readline()
            if not line:
                raise EOFError
            line = line.rstrip("\r\n")
            if "\0" not in line:
                break
            self.used += 2
            self.console.print(Text(_("That answer holds a NUL character (Ctrl-@ or Ctrl-2); type it again."),
                                    style="yellow"))
        self.used += max(1, -(-(2 + cell_len(line)) // max(self.console.width, 1)))  # the input line, wrapped
        return line

    def ask(self, question: str, parse: Parse, how: str, hint: str = "", show_question: bool = True) -> Any:
        """Ask until the answer parses; an invalid answer is explained and asked again.

        ``how`` says what to type; it ends every explanation of a wrong answer. Without
        ``show_question`` the caller has drawn the prompt's screen already.
        """
        if show_question:
            self.draw([Text(question, style="bold")])
        if hint:
            self.show(Text(hint, style="dim"))
        while True:
            raw = self.read_line()
            problem: Any
            if not raw.strip():
                problem = EMPTY  # never a default: no answer is no answer
            else:
                try:
                    return parse(raw)
                except AnswerError as exc:
                    problem = visible(exc.problem)  # what was typed, never raw escapes
            self.explain(problem, how, question)

    def explain(self, problem: Any, how: str, question: str) -> None:
        """Why the answer was wrong and what to type, in one or two lines, with the question again;
        the whole screen again when its items would no longer all be on it. ``problem`` is EMPTY for
        an empty answer."""
        lead = _("Please type an answer.") if problem is EMPTY else _("Sorry, {problem}.").format(problem=problem)
        self.measure()
        message = Text(f"{lead} {how}", style="yellow")
        if self.rows_of(message) > 2:
            message = Text(lead, style="yellow")
        again = Text(question, style="bold")
        if self.used + self.rows_of(message) + self.rows_of(again) + 1 <= self.rows:
            self.show(message)  # the screen above is still whole
            self.show(again)
            return
        self.console.print()
        self.used = 0
        for part in self.page:
            self.show(part)
        self.show(message)

    def options(self, question: str, labels: list[str]) -> None:
        """The question and its numbered options, words wrapped under their first word."""
        self.draw([Text(question, style="bold"), self.items(labels)])

    @staticmethod
    def items(labels: list[str], number_width: int = 0) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True, min_width=number_width or len(f"{len(labels)}."))
        table.add_column()
        for i, words in enumerate(labels, start=1):
            table.add_row(f"{i}.", words)
        return table

    def menu(self, key: str, question: str, many: bool) -> Any:
        q = QUESTIONS[key]
        values = list(q.choices)
        self.options(question, [_(label) for label in q.choices.values()])
        words = ", ".join(q.words())  # the ids in English, "cuello, espalda media ..." in Spanish
        if many:
            hint = _("Type one or more numbers (e.g. 1 3) or words: {words}").format(words=words)
            how = _("Type numbers from 1 to {last}, or words: {words}.").format(last=len(values), words=words)
        else:
            hint = _("Type a number or a word: {words}").format(words=words)
            how = _("Type one number from 1 to {last}, or a word: {words}.").format(last=len(values), words=words)
        return self.ask(question, lambda raw: read_choice(key, raw, values, many), how, hint, show_question=False)

    def yes_no(self, key: str, question: str) -> bool:
        return self.ask(question, lambda raw: parse_answer(key, raw), _("Type y for yes or n for no."), _("Type y or n"))


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
        self.region: Any = None  # where the person is (cli.region): its number in the words on leaving

    # --- the flow ------------------------------------------------------------------------

    def run(self, given: Answers) -> tuple[Answers, tuple[int, ...]]:
        """Ask what ``given`` lacks; returns the answers and the matching rules."""
        self.answers = given
        steps = self.plan(given)
        self.console.print(Text(_(INTRO_HEAD), style="bold"))
        self.console.print(Text(_(INTRO_BODY)))
        for number, ask in enumerate(steps, start=1):
            self.header = Text(_("Question {number} of {total}").format(number=number, total=len(steps)), style="dim")
            try:
                ask()
            except (KeyboardInterrupt, EOFError):
                self.console.print()
                left = _(LEFT)
                self.console.print(Text(self.region.say(left) if self.region is not None else left, style="bold"))
                raise
            if number < len(steps) or self.answers.red_flags is None:  # a checklist may end mid-way
                matched = self.decided()
                if matched is not None:
                    if self.answers.red_flags is None and self.signs:  # the signs ticked are answers given
                        self.answers = self.answers.replace(red_flags=self.signs)
                    self.stopped_early = True  # later checklists are unasked, not "none"
                    self.console.print()
                    self.console.print(Text(_(STOPPED), style="bold"))
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
            sure, _unsure = self.rules.match_partial(answers.replace(red_flags=self.signs))
            return sure if self.rules.is_top(sure) else None
        return matching(answers, self.rules) if answers.missing() else None

    # --- reading an answer -----------------------------------------------------------------

    def checklist(self, checklist: Checklist) -> bool:
        """Ask a checklist, in pages that each fit the terminal as measured when drawn: "(1 of 2)".

        The signs ticked join ``self.signs`` page by page; False when they already decide the
        most urgent outcome before the last page (the questions end there, as after any answer).
        """
        left = list(checklist.items)
        done = 0
        while left:
            self.measure()
            pages = self.pages(checklist, left)
            total = done + len(pages)
            heading = _(checklist.heading) if total == 1 else _("{heading} ({page} of {pages})").format(
                heading=_(checklist.heading), page=done + 1, pages=total)
            self.signs |= self.checklist_page(checklist, heading, pages[0])
            done += 1
            left = left[len(pages[0]):]
            if left and self.decided() is not None:
                return False
        return True

    def pages(self, checklist: Checklist, items: list[str]) -> list[list[str]]:
        """``items`` in order, in as few pages as fit the terminal, evened out."""
        fixed = (self.rows_of(self.header) if self.header is not None else 0) + self.rows_of(
            Text(_(checklist.question))) + 2 + 1  # the help or an explanation, and the input line
        heights = [self.rows_of(self.items([_(RED_FLAGS[item])], number_width=2)) for item in items]
        if fixed + self.rows_of(Text(_(checklist.heading))) + sum(heights) <= self.rows:
            return [items]
        room = self.rows - fixed - self.rows_of(Text(_("{heading} ({page} of {pages})").format(
            heading=_(checklist.heading), page=8, pages=9)))

        def split(limit: int) -> list[list[str]]:
            out: list[list[str]] = [[]]
            height = 0
            for item, h in zip(items, heights):
                if out[-1] and height + h > limit:
                    out.append([])
                    height = 0
                out[-1].append(item)
                height += h
            return out

        fewest = split(max(room, 1))
        limit = max(heights)  # the lowest page height that needs no more pages: pages of even length
        while len(split(limit)) > len(fewest):
            limit += 1
        return split(limit)

    def checklist_page(self, checklist: Checklist, heading: str, values: list[str]) -> frozenset[str]:
        question = _(checklist.question)
        self.draw([Text(heading, style="bold underline"), Text(question, style="bold"),
                   self.items([_(RED_FLAGS[v]) for v in values])])

        def parse(raw: str) -> frozenset[str]:
            signs, note = read_signs(raw, values)
            if note:  # an emergency sign typed beside a slip is taken, never sent back
                self.show(Text(f"({note})", style="yellow"))
            return signs

        return self.ask(question, parse, _("Type numbers from 1 to {last}, or 0 if none apply.").format(last=len(values)),
                        _(CHECKLIST_HINT), show_question=False)

    # --- the questions ----------------------------------------------------------------------

    def checklist_step(self, checklist: Checklist) -> Callable[[], None]:
        def ask() -> None:
            if not self.checklist(checklist):
                return  # an emergency on one of its pages: the questions end
            self.lists_left -= 1
            if not self.lists_left:
                self.answers = self.answers.replace(red_flags=self.signs)

        return ask

    def ask_location(self) -> None:
        value = self.menu("location", _("Where does it hurt? (choose one or more)"), many=True)
        self.answers = self.answers.replace(location=value)

    def ask_duration(self) -> None:
        def parse(raw: str) -> int:
            days = parse_duration(raw)
            self.check_age_and_duration(self.answers.age, days)
            return days

        value = self.ask(_("How long have you had this pain?"), parse,
                         _("Type a number and a unit: 3d, 2w, 4m, 1y (or 3 days, 2 weeks); 0d if today."),
                         _("For example 3d, 2w, 4m, 1y (or 3 days, 2 weeks); 0d if it began today"))
        self.answers = self.answers.replace(duration_days=value)

    def ask_radiation(self) -> None:
        value = self.menu("radiation", _("Does the pain spread into your arms or legs?"), many=False)
        self.answers = self.answers.replace(radiation=value)

    def ask_recurrent(self) -> None:
        self.answers = self.answers.replace(recurrent=self.yes_no(
            "recurrent", _("Does it keep coming back, even after rest or medication?")))

    def ask_limits(self) -> None:
        self.answers = self.answers.replace(limits_activities=self.yes_no(
            "limits_activities", _("Does it stop you doing your daily activities or your work?")))

    def ask_age(self) -> None:
        lo, hi = QUESTIONS["age"].bounds or (1, 120)
        def parse(raw: str) -> int:
            age = parse_answer("age", raw.strip())  # "42", also "42 years"
            self.check_age_and_duration(age, self.answers.duration_days)
            return age

        self.answers = self.answers.replace(age=self.ask(
            _("How old are you?"), parse,
            _("Type your age in years, a whole number from {lo} to {hi}.").format(lo=lo, hi=hi),
            _("Your age in years, e.g. 42")))

    @staticmethod
    def check_age_and_duration(age: int | None, days: int | None) -> None:
        """The pain cannot have lasted longer than the person has lived (as with the flags)."""
        if age is not None and days is not None and longer_than_life(days, age):
            problem = (_("the pain has lasted {duration}, longer than {age} year of age; please check your answers")
                       if age == 1 else
                       _("the pain has lasted {duration}, longer than {age} years of age; please check your answers"))
            raise AnswerError("age", age, "", problem.format(duration=format_duration(days), age=age))

    # --- before the result ---------------------------------------------------------------

    def summary(self) -> None:
        """Every answer on one screen, before the recommendation."""
        self.console.print()
        self.console.print(Text(_("Your answers"), style="bold underline"))
        rows = [(_(report.LABELS[key]), report.answer_text(key, value)) for key, value in report.shown(self.answers)]
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
