"""The interview as a person meets it: `python -m spinetriage ask` in a real pseudo-terminal.

Each test spawns the command with pexpect, types answers at the "> " prompts and asserts on
what is on the screen and on the exit status. No network, no files written.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sys

import pytest

from spinetriage.core.vocabulary import CHECKLISTS

pexpect = pytest.importorskip("pexpect")

TIMEOUT = 10
# SGR and other CSI sequences, OSC sequences, and the carriage returns of the terminal.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r")
# SGR parameters that set a colour (foreground, background, bright, 256 and true colour).
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")
CALM_FLAGS = ["--location", "lower-back", "--duration", "5d", "--radiation", "none", "--no-recurrent",
              "--no-limits-activities", "--age", "35", "--no-red-flags"]


def _as_at_a_terminal() -> None:
    """Ctrl-C as a person's shell leaves it: a job started in the background (`pytest &`, some CI
    runners) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Session:
    """One `spinetriage ask` in a pseudo-terminal of a given size, with its transcript."""

    def __init__(self, *args: str, cols: int = 80, rows: int = 50, cwd: str, no_color: bool = True,
                 env: dict | None = None):
        overrides = env
        env = {k: v for k, v in os.environ.items()
               if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "SPINETRIAGE_DEBUG")}
        env.update(COLUMNS=str(cols), LINES=str(rows), TERM="xterm-256color", PYTHONIOENCODING="utf-8")
        if no_color:
            env["NO_COLOR"] = "1"
        env.update(overrides or {})
        self.cols = cols
        self.raw = io.StringIO()
        self.child = pexpect.spawn(sys.executable, ["-m", "spinetriage", "ask", *args], env=env, cwd=cwd,
                                   dimensions=(rows, cols), encoding="utf-8", timeout=TIMEOUT,
                                   preexec_fn=_as_at_a_terminal)
        self.child.logfile_read = self.raw

    def answer(self, text: str) -> None:
        """Wait for the prompt, then type a line."""
        self.child.expect_exact("> ")
        self.child.sendline(text)

    def expect(self, text: str) -> None:
        self.child.expect_exact(text)

    def finish(self) -> int:
        """Wait for the command to end; its exit status."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        status = self.child.exitstatus
        assert status is not None, f"ended by signal {self.child.signalstatus}"
        return status

    @property
    def screen(self) -> str:
        """Everything shown so far, as plain text lines (no escape codes)."""
        return ESCAPES.sub("", self.raw.getvalue())

    def lines(self) -> list[str]:
        return self.screen.split("\n")

    def assert_fits(self) -> None:
        too_wide = [line for line in self.lines() if len(line) > self.cols]
        assert not too_wide, f"lines wider than {self.cols} columns: {too_wide}"


@pytest.fixture
def ask(tmp_path):
    """Start `spinetriage ask ARGS` in a terminal, in a directory away from the repository."""
    sessions: list[Session] = []

    def start(*args: str, **kw) -> Session:
        s = Session(*args, cwd=str(tmp_path), **kw)
        sessions.append(s)
        return s

    yield start
    for s in sessions:
        if s.child.isalive():
            s.child.terminate(force=True)


def flat(text: str) -> str:
    """The screen with wrapping and panel borders undone, to find sentences a narrow terminal breaks."""
    return " ".join(text.replace("\u2502", " ").split())


# --- whole interviews ---------------------------------------------------------------------


def test_whole_interview_from_nothing_ends_in_self_care(ask):
    s = ask()
    s.expect("Question 1 of 11")
    s.expect("Emergency signs: nerves")
    s.expect("First, safety. Do you have any of these now?")
    s.answer("0")
    s.expect("Question 2 of 11")
    s.expect("Emergency signs: heart, blood vessels and head")
    s.answer("0")
    s.expect("Question 3 of 11")
    s.expect("Injury, bones and blood thinners")
    s.answer("0")
    s.expect("Question 4 of 11")
    s.expect("Where does it hurt?")
    s.answer("1")  # numbers at a menu
    s.expect("Question 5 of 11")
    s.expect("How long have you had this pain?")
    s.answer("3d")
    s.expect("Question 6 of 11")
    s.expect("Does the pain spread into your arms or legs?")
    s.answer("1")
    s.expect("Question 7 of 11")
    s.answer("n")
    s.expect("Question 8 of 11")
    s.answer("n")
    s.expect("Question 9 of 11")
    s.expect("How old are you?")
    s.answer("30")
    s.expect("Question 10 of 11")
    s.expect("Infection, cancer and general health")
    s.answer("0")
    s.expect("Question 11 of 11")
    s.expect(CHECKLISTS[-1].heading)
    s.answer("0")
    assert s.finish() == 0
    screen = s.screen
    assert "SELF CARE:" in screen
    assert "Question 12" not in screen
    assert screen.count("> ") == 11  # at most 14 prompts for a person with no warning signs
    # the one-screen summary of the answers comes before the result
    summary = screen[screen.index("Your answers"):screen.index("Recommendation")]
    for words in ("Where it hurts", "neck (cervical spine)", "How long", "3 days", "Age", "30",
                  "Warning signs", "none"):
        assert words in summary
    assert len(summary.strip().splitlines()) <= 20
    assert "Traceback" not in screen


def test_whole_interview_in_words_at_40_columns_ends_in_physical_therapy(ask):
    s = ask(cols=40)
    for _ in range(3):
        s.answer("none")
    s.expect("Where does it hurt?")
    s.answer("lower back")  # words at a menu, with a space for the hyphen
    s.expect("How long")
    s.answer("6 weeks")
    s.expect("Question 6 of 11")
    s.answer("legs")
    s.expect("Question 7 of 11")
    s.answer("no")
    s.expect("Question 8 of 11")
    s.answer("yes")
    s.expect("How old are you?")
    s.answer("42")
    s.expect("Do any of these apply to you?")
    s.answer("none")
    s.expect("Do any of these apply to you?")
    s.answer("none")
    assert s.finish() == 0
    screen = flat(s.screen)
    assert "PHYSICAL THERAPY: Seek a physical therapy evaluation" in screen
    assert "Where it hurts: lower back (lumbar spine)" in screen
    assert "How long: 6 weeks" in screen
    assert "Spreads into arms or legs: into one or both legs" in screen
    s.assert_fits()


@pytest.mark.parametrize("cols", [40, 100])
def test_an_emergency_sign_ends_the_questions_at_once(ask, cols):
    s = ask(cols=cols)
    s.expect("Question 1 of 11")
    s.answer("2")
    assert s.finish() == 0
    screen = s.screen
    text = flat(screen)
    assert "the questions stop here" in text
    assert "EMERGENCY: Go to the emergency department now" in text
    assert "Call your emergency number" in text
    assert "Question 2" not in screen
    assert "Where does it hurt" not in screen
    assert "> " not in screen.split("> 2", 1)[1]  # no prompt after the emergency sign
    s.assert_fits()


def test_an_emergency_sign_typed_as_its_word_also_ends_the_questions(ask):
    s = ask(*CALM_FLAGS[:-1])  # every answer but the signs
    s.expect("Question 1 of 5")
    s.answer("saddle numbness")
    assert s.finish() == 0
    assert "EMERGENCY:" in s.screen
    assert "Question 2 of 5" not in s.screen


# --- wrong answers are explained and asked again ----------------------------------------


def test_wrong_answers_are_explained_and_asked_again(ask):
    s = ask("--location", "neck", "--no-recurrent", "--no-limits-activities", "--no-red-flags")
    s.expect("Question 1 of 3")
    s.expect("How long have you had this pain?")
    s.answer("3")
    s.expect("Sorry, '3' has no unit.")
    s.expect("How long have you had this pain?")
    s.answer("-2w")
    s.expect("is negative")
    s.answer("3d")
    s.expect("Question 2 of 3")
    s.answer("7")
    s.expect("Sorry, 7 is not on the list.")
    s.expect("Does the pain spread into your arms or legs?")
    s.answer("sideways")
    s.expect("'sideways' is not on the list")
    s.answer("none legs")
    s.expect("more than one answer")
    s.answer("none")
    s.expect("Question 3 of 3")
    s.answer("abc")
    s.expect("Sorry, 'abc' is not a whole number.")
    s.expect("How old are you?")
    s.answer("200")
    s.expect("200 is out of range")
    s.answer("30")
    assert s.finish() == 0
    assert "SELF CARE:" in s.screen
    assert "Traceback" not in s.screen


def test_yes_no_takes_only_yes_or_no(ask):
    s = ask("--location", "neck", "--duration", "3d", "--radiation", "none", "--no-limits-activities",
            "--age", "30", "--no-red-flags")
    s.expect("Does it keep coming back")
    s.answer("maybe")
    s.expect("Sorry, 'maybe' is not yes or no. Type y for yes or n for no.")
    s.answer("Y")
    assert s.finish() == 0
    assert "PHYSICAL THERAPY:" in s.screen


def test_an_empty_answer_is_never_taken_as_none_of_the_signs(ask):
    s = ask(*CALM_FLAGS[:-1])
    s.expect("First, safety.")
    s.answer("")
    s.expect("Please type an answer.")
    s.expect("First, safety. Do you have any of these now?")
    s.answer("11")
    s.expect("11 is not on the list")
    s.answer("0")
    s.expect("Question 2 of 5")
    s.answer("")
    s.expect("Please type an answer.")
    s.answer("0")
    s.answer("0")
    s.expect("Infection, cancer and general health")
    s.answer("0 3")  # no emergency sign among them: asked again
    s.expect("0 means none")
    s.answer("0")
    s.answer("0")
    assert s.finish() == 0
    assert "SELF CARE:" in s.screen


# --- menus take numbers and words ---------------------------------------------------------

ALL_BUT_LOCATION = ["--duration", "3d", "--radiation", "none", "--no-recurrent", "--no-limits-activities",
                    "--age", "55", "--no-red-flags"]  # mid-back pain at 50 or over: doctor


@pytest.mark.parametrize("typed", ["2", "mid-back", "Mid Back", "thoracic", "1, 2", "neck mid back"])
def test_location_menu_takes_numbers_words_and_aliases(ask, typed):
    s = ask(*ALL_BUT_LOCATION)
    s.expect("Question 1 of 1")
    s.answer(typed)
    assert s.finish() == 0
    assert "DOCTOR: " in s.screen  # the mid-back rule
    assert "mid-back, between the shoulder blades" in flat(s.screen.split("Your answers", 1)[1])


@pytest.mark.parametrize("typed", ["3", "legs", "LEGS"])
def test_radiation_menu_takes_a_number_or_a_word(ask, typed):
    s = ask("--location", "neck", "--duration", "3d", "--no-recurrent", "--no-limits-activities",
            "--age", "30", "--no-red-flags")
    s.answer(typed)
    assert s.finish() == 0
    assert "PHYSICAL THERAPY:" in s.screen


# --- flags are not asked again ------------------------------------------------------------


def test_answers_given_as_flags_are_not_asked(ask):
    s = ask("--location", "neck", "--duration", "2w", "--age", "30", "--no-red-flags")
    s.expect("Question 1 of 3")
    s.expect("Does the pain spread into your arms or legs?")
    s.answer("none")
    s.expect("Question 2 of 3")
    s.answer("n")
    s.expect("Question 3 of 3")
    s.answer("n")
    assert s.finish() == 0
    screen = s.screen
    for asked_already in ("Where does it hurt", "How long have you", "How old are you", "First, safety",
                          "Do any of these apply"):
        assert asked_already not in screen
    assert "SELF CARE:" in screen
    assert "2 weeks" in screen.split("Your answers", 1)[1]  # the flags' answers are in the summary


def test_every_answer_as_flags_asks_nothing(ask):
    s = ask(*CALM_FLAGS)
    assert s.finish() == 0
    assert "> " not in s.screen and "Question" not in s.screen
    assert "SELF CARE:" in s.screen


# --- leaving ------------------------------------------------------------------------------


def test_ctrl_c_exits_130_with_a_short_line(ask):
    s = ask()
    s.expect("Question 1 of 11")
    for _ in range(3):
        s.answer("0")
    s.expect("Where does it hurt?")
    s.child.expect_exact("> ")
    s.child.sendintr()
    assert s.finish() == 130
    after = s.screen.split("Where does it hurt?", 1)[1]
    assert "stopped; nothing saved" in after
    assert "call your emergency number now" in flat(after)  # no recommendation was given
    assert "Traceback" not in s.screen and "KeyboardInterrupt" not in s.screen
    assert len([line for line in after.splitlines() if line.strip()]) <= 10  # the menu, the prompt, two lines


@pytest.mark.parametrize("lang, words", [("en", "call your emergency number (112) now"),
                                         ("es", "llame ahora a su número de emergencias (112)")])
def test_leaving_names_the_regions_emergency_number(ask, lang, words):
    s = ask("--region", "ES", "--lang", lang, "--location", "neck", "--duration", "3d", "--radiation", "none",
            "--no-recurrent", "--no-limits-activities", "--no-red-flags")
    s.child.expect_exact("> ")
    s.child.sendeof()
    assert s.finish() == 130
    assert words in flat(s.screen)


def test_end_of_input_at_a_prompt_exits_130_quietly(ask):
    s = ask("--location", "neck", "--duration", "3d", "--radiation", "none", "--no-recurrent",
            "--no-limits-activities", "--no-red-flags")
    s.expect("How old are you?")
    s.child.expect_exact("> ")
    s.child.sendeof()
    assert s.finish() == 130
    after = s.screen.split("How old are you?", 1)[1]
    assert "Traceback" not in s.screen and "EOFError" not in s.screen
    assert "call your emergency number now" in flat(after)
    assert len([line for line in after.splitlines() if line.strip()]) <= 5
    assert "Recommendation" not in s.screen


# --- what is on the screen ----------------------------------------------------------------


def test_no_color_means_no_colour_codes_and_the_outcome_is_in_words(ask):
    s = ask("--location", "neck", "--duration", "3d", "--radiation", "none", "--no-recurrent",
            "--no-limits-activities", "--age", "30")
    s.answer("1")
    assert s.finish() == 0
    assert not COLOUR_SGR.search(s.raw.getvalue())
    assert "EMERGENCY:" in s.screen


def test_with_colour_the_outcome_is_still_in_words(ask):
    s = ask("--location", "neck", "--duration", "3d", "--radiation", "none", "--no-recurrent",
            "--no-limits-activities", "--age", "30", "--no-red-flags", no_color=False)
    assert s.finish() == 0
    assert COLOUR_SGR.search(s.raw.getvalue())  # colour is there, but not alone:
    assert "SELF CARE: Look after it yourself" in flat(s.screen)


def test_whole_interview_fits_40_columns(ask):
    s = ask(cols=40)
    for typed in ("0", "0", "0", "1 2 3", "1y", "4", "y", "y", "67"):
        s.answer(typed)
    s.expect("Infection, cancer and general health")
    s.answer("3")
    s.expect(CHECKLISTS[-1].heading)
    s.answer("0")
    assert s.finish() == 0
    s.assert_fits()
    assert "URGENT:" in s.screen


@pytest.mark.parametrize("typed", ["no", "n", "none", "1"])
def test_radiation_takes_no_for_none(ask, typed):
    s = ask("--location", "neck", "--duration", "3d", "--no-recurrent", "--no-limits-activities",
            "--age", "30", "--no-red-flags")
    s.answer(typed)
    assert s.finish() == 0
    assert "SELF CARE:" in s.screen and "Sorry" not in s.screen


# --- odd terminals ----------------------------------------------------------------------------

TO_THE_HEALTH_LIST = ["--location", "neck", "--duration", "3d", "--radiation", "none", "--no-recurrent",
                      "--no-limits-activities", "--age", "30"]


def test_interview_on_an_ascii_terminal_uses_stand_ins(ask):
    s = ask(*TO_THE_HEALTH_LIST, env={"PYTHONIOENCODING": "ascii"})
    for _ in range(3):
        s.answer("0")
    s.expect("Infection, cancer and general health")
    s.answer("caf\u00e9")  # a character the terminal's encoding lacks, typed
    s.expect("Sorry")
    s.answer("1")
    s.answer("0")
    assert s.finish() == 0
    screen = s.screen
    assert "38 degrees C or more" in flat(screen)
    assert "URGENT: See a doctor today" in flat(screen)
    assert "Traceback" not in screen and "internal error" not in screen


@pytest.mark.parametrize("how", [{"env": {"TERM": "dumb"}}, {"args": ["--plain"]}])
def test_plain_interview_has_no_decoration_and_no_escape_codes(ask, how):
    s = ask(*TO_THE_HEALTH_LIST[:-2], *how.get("args", []), cols=40, no_color=False, env=how.get("env"))
    for _ in range(3):
        s.answer("0")
    s.expect("How old are you?")
    s.answer("30")
    for _ in range(2):
        s.answer("0")
    assert s.finish() == 0
    raw = s.raw.getvalue()
    assert "\x1b" not in raw, repr(raw[raw.index("\x1b") - 40:raw.index("\x1b") + 20])
    assert not re.search("[\u2500-\u257f\u2022]", raw)  # no box drawing, no bullets
    screen = s.screen
    assert "Age: 30" in screen and "Recommendation\nSELF CARE: Look after it yourself and re-check" in screen


@pytest.mark.parametrize("columns", ["0", "5", "abc", "100000"])
def test_a_silly_columns_value_in_a_terminal_falls_back_to_its_width(ask, columns):
    s = ask(*CALM_FLAGS, cols=80, env={"COLUMNS": columns})
    assert s.finish() == 0
    s.assert_fits()
    assert "SELF CARE: Look after it yourself and re-check" in s.screen


def test_an_age_younger_than_the_pain_is_explained_and_asked_again(ask):
    s = ask("--location", "neck", "--duration", "31y", "--radiation", "none", "--no-recurrent",
            "--no-limits-activities", "--no-red-flags")
    s.expect("How old are you?")
    s.answer("30")
    s.expect("Sorry, the pain has lasted 31 years, longer than 30 years of age")
    s.expect("How old are you?")
    s.answer("45")
    assert s.finish() == 0
    assert "Age" in s.screen.split("Your answers", 1)[1] and "45" in s.screen


# --- stdout redirected, a person at the terminal ----------------------------------------------


def shell_session(command: str, cwd: str, cols: int = 80, colour: bool = False) -> "pexpect.spawn":
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES", "SPINETRIAGE_DEBUG")}
    env.update(TERM="xterm-256color", PYTHONIOENCODING="utf-8")
    if not colour:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn("bash", ["-c", f'"{sys.executable}" -m spinetriage {command}'], env=env, cwd=cwd,
                          dimensions=(50, cols), encoding="utf-8", timeout=TIMEOUT, preexec_fn=_as_at_a_terminal)
    child.logfile_read = io.StringIO()
    return child


def answer_all(child, answers: list[str]) -> None:
    for typed in answers:
        child.expect_exact("> ")
        child.sendline(typed)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_ask_with_stdout_redirected_asks_on_the_terminal_and_writes_the_result_to_the_file(tmp_path, fmt):
    child = shell_session(f"ask --format {fmt} --location neck --duration 3d > out.{fmt}", str(tmp_path), colour=True)
    child.expect_exact("Question 1 of 9")
    answer_all(child, ["0", "0", "0", "1", "n", "n", "30", "0", "0"])
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    screen = ESCAPES.sub("", child.logfile_read.getvalue())
    assert "Does the pain spread into your arms or legs?" in screen and "How old are you?" in screen
    saved = (tmp_path / f"out.{fmt}").read_text()
    assert "Question" not in saved and "> " not in saved  # only the result in the file
    if fmt == "json":
        data = json.loads(saved)
        assert data["outcome"] == "self-care" and data["answers"]["age"] == 30
    else:
        assert "SELF CARE: Look after it yourself and re-check" in saved
        assert "\x1b" not in saved  # plain text in a file, though the terminal has colour
        assert "SELF CARE" not in screen.split("How old are you?", 1)[1].split("Your answers", 1)[0]


def test_ask_with_stdin_not_a_terminal_asks_nothing(tmp_path):
    child = shell_session("ask --location neck < /dev/null", str(tmp_path))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    screen = ESCAPES.sub("", child.logfile_read.getvalue())
    assert "Question" not in screen and "missing answers" in screen
