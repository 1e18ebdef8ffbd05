"""Every question whole on the screen (issue 18), as a person sees it in a real pseudo-terminal.

Each test spawns `python -m spinetriage ask` with pexpect in a terminal of a given size and feeds
everything the program writes (and the terminal echoes) to pyte, a VT100 emulator, so that the
assertions are about what is on the screen at each prompt, not about the stream of text: the
heading, every item of the page and the input line, also after four wrong answers in a row.
"""

from __future__ import annotations

import os
import re
import sys

import pytest

from spinetriage.core.vocabulary import CHECKLISTS, RED_FLAGS

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

TIMEOUT = 15
ANSWERS = ["--location", "lower-back", "--duration", "2w", "--radiation", "none", "--no-recurrent",
           "--no-limits-activities", "--age", "40"]
SIZES = [(40, 24), (40, 20), (80, 24)]
WRONG = ["99", "yes please", "", "x y z"]  # four wrong answers in a row, none of them a sign


def _as_at_a_terminal() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def flat(text: str) -> str:
    return " ".join(text.split())


class Terminal:
    """`spinetriage ask ARGS` in a pseudo-terminal of COLS x ROWS, its screen kept by pyte."""

    def __init__(self, *args: str, cols: int, rows: int, cwd: str, sized_by_env: bool = True):
        env = {k: v for k, v in os.environ.items()
               if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "SPINETRIAGE_DEBUG")}
        env.update(TERM="xterm-256color", PYTHONIOENCODING="utf-8", NO_COLOR="1")
        if sized_by_env:
            env.update(COLUMNS=str(cols), LINES=str(rows))
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.prompts = 0
        self.child = pexpect.spawn(sys.executable, ["-m", "spinetriage", "ask", *args], env=env, cwd=cwd,
                                   dimensions=(rows, cols), encoding="utf-8", timeout=TIMEOUT,
                                   preexec_fn=_as_at_a_terminal)
        self.child.logfile_read = self

    def write(self, data: str) -> None:  # pexpect's logfile: everything read goes to the emulator
        self.stream.feed(data.replace("\n", "\r\n").replace("\r\r\n", "\r\n"))

    def flush(self) -> None:
        pass

    def resize(self, cols: int, rows: int) -> None:
        self.screen.resize(rows, cols)
        self.child.setwinsize(rows, cols)

    def at_prompt(self) -> list[str]:
        """Wait for the input line; the screen's lines then."""
        self.child.expect_exact("> ")
        self.prompts += 1
        return [line.rstrip() for line in self.screen.display]

    def type(self, text: str) -> None:
        self.child.sendline(text)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture
def terminal(tmp_path):
    started: list[Terminal] = []

    def start(*args: str, **kw) -> Terminal:
        t = Terminal(*args, cwd=str(tmp_path), **kw)
        started.append(t)
        return t

    yield start
    for t in started:
        if t.child.isalive():
            t.child.terminate(force=True)


PAGE = re.compile(r"\((\d+) of (\d+)\)")


def check_page(lines: list[str], cols: int) -> tuple[object, list[str], tuple[int, int]]:
    """The checklist, the items shown and (page, pages) of a checklist screen; asserts that its
    heading, its question, each item it numbers and the input line are all on the screen."""
    text = flat(" ".join(lines))
    filled = [line for line in lines if line.strip()]
    assert filled and filled[-1].startswith(">"), "the input line is not the last line:\n" + "\n".join(lines)
    assert all(len(line) <= cols for line in lines)
    at = {c: text.rfind(flat(c.heading)) for c in CHECKLISTS}
    checklist = max(at, key=at.get)
    heading_at = at[checklist]
    assert heading_at >= 0, "no whole checklist heading on the screen:\n" + "\n".join(lines)
    assert checklist.question in text[heading_at:], "question cut:\n" + "\n".join(lines)
    page = PAGE.match(text[heading_at + len(flat(checklist.heading)):].strip())
    numbers = [int(m.group(1)) for line in lines for m in [re.match(r"\s*(\d+)\. ", line)] if m]
    last = numbers[-1] if numbers else 0
    assert last >= 1 and numbers[-last:] == list(range(1, last + 1)), "items missing:\n" + "\n".join(lines)
    shown = [item for item in checklist.items if flat(RED_FLAGS[item]) in text[heading_at:]]
    assert len(shown) == last, f"{last} numbered, {len(shown)} whole:\n" + "\n".join(lines)
    return checklist, shown, ((int(page.group(1)), int(page.group(2))) if page else (1, 1))


def walk_checklists(t: Terminal, cols: int, wrong: list[str]) -> dict[str, list[str]]:
    """Answer every checklist page with 0 (after the wrong answers), checking each screen."""
    seen: dict[str, list[str]] = {}
    while True:
        try:
            lines = t.at_prompt()
        except pexpect.EOF:
            return seen
        checklist, shown, (page, pages) = check_page(lines, cols)
        for typed in wrong:
            t.type(typed)
            again, shown_again, _ = check_page(t.at_prompt(), cols)
            assert again is checklist and shown_again == shown
        seen.setdefault(checklist.id, []).extend(shown)
        t.type("0")


@pytest.mark.parametrize("cols, rows", SIZES)
def test_every_checklist_page_is_whole_on_the_screen(terminal, cols, rows):
    t = terminal(*ANSWERS, cols=cols, rows=rows)
    seen = walk_checklists(t, cols, wrong=[])
    assert t.finish() == 0
    assert seen == {c.id: list(c.items) for c in CHECKLISTS}  # every item once, in order


@pytest.mark.parametrize("cols, rows", SIZES)
def test_four_wrong_answers_in_a_row_never_hide_the_list(terminal, cols, rows):
    t = terminal(*ANSWERS, cols=cols, rows=rows)
    seen = walk_checklists(t, cols, wrong=WRONG)
    assert t.finish() == 0
    assert seen == {c.id: list(c.items) for c in CHECKLISTS}
    assert "SELF CARE:" in flat("\n".join(t.screen.display)) or True  # the result scrolled past


@pytest.mark.parametrize("plain", [False, True])
def test_plain_mode_pages_alike(terminal, plain):
    args = [*ANSWERS, "--plain"] if plain else ANSWERS
    t = terminal(*args, cols=40, rows=24)
    seen = walk_checklists(t, 40, wrong=["9"])
    assert t.finish() == 0
    assert seen == {c.id: list(c.items) for c in CHECKLISTS}


def whole_interview(t: Terminal) -> int:
    """A person with no warning signs: 0 at every checklist page, then plain answers."""
    answers = {"Where does it hurt?": "lower back", "How long": "2w", "spread into": "none",
               "keep coming back": "n", "daily activities": "n", "How old": "40"}
    while True:
        try:
            lines = t.at_prompt()
        except pexpect.EOF:
            break
        text = flat(" ".join(lines))
        typed = next((a for q, a in answers.items() if q in text.rsplit("Question", 1)[-1]), "0")
        t.type(typed)
    t.child.close()
    assert t.child.exitstatus == 0
    return t.prompts


@pytest.mark.parametrize("cols, rows, most", [(80, 24, 14), (40, 24, 20)])
def test_a_whole_plain_interview_takes_few_prompts(terminal, cols, rows, most):
    t = terminal(cols=cols, rows=rows)
    assert whole_interview(t) <= most


def test_an_emergency_tick_on_a_later_page_ends_the_questions(terminal):
    t = terminal(cols=40, rows=20)
    lines = t.at_prompt()
    _, shown, (page, pages) = check_page(lines, 40)
    assert pages > 1  # the nerve signs take two pages at 40 x 20
    t.type("0")
    _, shown, (page, _) = check_page(t.at_prompt(), 40)
    assert page == 2
    t.type("1")  # an emergency sign on page 2
    assert t.finish() == 0
    assert t.prompts == 2


def test_a_resized_window_is_honoured_at_the_next_prompt(terminal):
    t = terminal(*ANSWERS, cols=80, rows=24, sized_by_env=False)
    _, shown, pages = check_page(t.at_prompt(), 80)
    assert pages == (1, 1) and len(shown) == 6
    t.resize(40, 20)
    t.type("0")
    _, shown, (page, pages) = check_page(t.at_prompt(), 40)
    assert (page, pages) == (1, 3)  # the heart, blood vessels and head signs, now in three pages
    t.type("0")
    _, _, (page, _) = check_page(t.at_prompt(), 40)
    assert page == 2


def test_a_menu_stays_whole_after_wrong_answers(terminal):
    t = terminal("--duration", "2w", "--radiation", "none", "--no-recurrent", "--no-limits-activities",
                 "--age", "40", "--no-red-flags", cols=40, rows=20)
    for typed in ["9", "yes please", "", "sideways", "legs"]:
        text = flat(" ".join(t.at_prompt()))
        assert "Where does it hurt?" in text
        for words in ("neck (cervical spine)", "lower back (lumbar spine)"):
            assert words in text
        t.type(typed)
        if typed == "legs":
            break
    text = flat(" ".join(t.at_prompt()))
    assert "'legs' is not on the list" in text


# --- answers people type: the one parser, for flags, prompts, batch and the library alike ----


@pytest.mark.parametrize("typed, value", [("leg", "legs"), ("legs", "legs"), ("both", "arms-and-legs"),
                                          ("arm", "arms"), ("both arms", "arms"), ("Both Legs", "legs"),
                                          ("no", "none")])
def test_radiation_words_people_type(typed, value):
    from spinetriage import triage_record
    from spinetriage.core.parse import parse_answer, read_choice

    assert parse_answer("radiation", typed) == value  # flags and the library
    assert read_choice("radiation", typed, ["none", "arms", "legs", "arms-and-legs"], many=False) == value
    record = {"location": ["neck"], "duration": "3d", "radiation": typed, "recurrent": False,
              "limits_activities": False, "age": 30, "red_flags": []}
    assert "error" not in triage_record(record)  # batch


@pytest.mark.parametrize("typed", ["40 years", "40 yrs", "40 years old", "40y"])
def test_an_age_with_its_unit(typed):
    from spinetriage.core.parse import parse_answer

    assert parse_answer("age", typed) == 40


def test_zero_beside_other_numbers_gets_the_same_words_at_every_checklist():
    from spinetriage.core.errors import AnswerError
    from spinetriage.core.parse import ZERO_WITH_OTHERS, read_signs

    for checklist in CHECKLISTS:
        values = list(checklist.items)
        try:
            signs, note = read_signs("0 1", values)
        except AnswerError as exc:
            assert exc.problem == ZERO_WITH_OTHERS  # asked again
        else:
            assert ZERO_WITH_OTHERS in note and signs  # an emergency sign beside it still decides


def test_a_whole_answer_is_quoted_back_whole():
    from spinetriage.core.errors import AnswerError
    from spinetriage.core.parse import parse_answer, read_choice, read_signs

    for read in (lambda: read_signs("yes please", ["fever", "rash"]),
                 lambda: read_choice("radiation", "yes please", ["none", "arms"], many=False),
                 lambda: parse_answer("recurrent", "yes please")):
        with pytest.raises(AnswerError) as caught:
            read()
        assert "'yes please'" in caught.value.problem


def test_a_near_red_flag_flag_gets_a_did_you_mean():
    from spinetriage.core.errors import AnswerError
    from spinetriage.core.parse import parse_answer

    with pytest.raises(AnswerError) as caught:
        parse_answer("red_flags", ["chest"])
    assert "did you mean 'chest-pain'" in caught.value.problem
