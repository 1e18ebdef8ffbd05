"""The interview in Spanish as a person meets it (issue 19): `spinetriage ask` in a real
pseudo-terminal with LANG=es_ES.UTF-8 or --lang es, at 80x24 and 40x24, answered in Spanish.

Everything the program writes (and the terminal echoes) goes to pyte, a VT100 emulator, so the
assertions are about the screen at each prompt: the question's number, the checklist's heading
(with its page), its question, every item it numbers, the help line and the input line, whole and
in Spanish; then the same outcome as the English interview given the same answers.
The Spanish expected is read from the shipped catalog itself (the .mo), never copied here.
"""

from __future__ import annotations

import gettext
import json
import os
import re
import sys
from pathlib import Path

import pytest

from spinetriage.core import i18n
from spinetriage.core.vocabulary import CHECKLISTS, RED_FLAGS

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

TIMEOUT = 20
SIZES = [(80, 24), (40, 24)]
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")

with open(i18n.catalog_path("es"), "rb") as _fp:
    ES = gettext.GNUTranslations(_fp).gettext  # the Spanish, without switching this process's language


def _as_at_a_terminal() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def flat(text: str) -> str:
    return " ".join(text.replace("\u2502", " ").split())


class Terminal:
    """`spinetriage ARGS` in a pseudo-terminal of COLS x ROWS in a locale, its screen kept by pyte,
    and everything it wrote kept as text."""

    def __init__(self, *args: str, cols: int, rows: int, cwd: str, lang: str):
        env = {k: v for k, v in os.environ.items()
               if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "SPINETRIAGE_DEBUG", *LOCALE_VARIABLES)}
        env.update(TERM="xterm-256color", PYTHONIOENCODING="utf-8", NO_COLOR="1", LANG=lang,
                   COLUMNS=str(cols), LINES=str(rows))
        self.cols = cols
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.written: list[str] = []
        self.asked = 0  # prompts answered
        self.child = pexpect.spawn(sys.executable, ["-m", "spinetriage", *args], env=env, cwd=cwd,
                                   dimensions=(rows, cols), encoding="utf-8", timeout=TIMEOUT,
                                   preexec_fn=_as_at_a_terminal)
        self.child.logfile_read = self

    def write(self, data: str) -> None:  # pexpect's logfile
        self.written.append(data)
        self.stream.feed(data.replace("\n", "\r\n").replace("\r\r\n", "\r\n"))

    def flush(self) -> None:
        pass

    def at_prompt(self) -> list[str]:
        self.child.expect_exact("> ")
        return [line.rstrip() for line in self.screen.display]

    def type(self, text: str) -> None:
        self.child.sendline(text)
        self.asked += 1

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus is not None, f"ended by signal {self.child.signalstatus}"
        return self.child.exitstatus

    @property
    def transcript(self) -> str:
        return re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]|\r", "", "".join(self.written))


@pytest.fixture
def terminal(tmp_path):
    started: list[Terminal] = []

    def start(*args: str, lang: str = "es_ES.UTF-8", **kw) -> Terminal:
        t = Terminal(*args, cwd=str(tmp_path), lang=lang, **kw)
        started.append(t)
        return t

    yield start
    for t in started:
        if t.child.isalive():
            t.child.terminate(force=True)


# What a Spanish speaker types at each question (found by its Spanish words on the screen), and the
# same answers in English; checklists are answered "0", "ninguna" and "no" in turn (none of them).
QUESTIONS_ES = {
    "Where does it hurt? (choose one or more)": ("zona lumbar", "lower back"),
    "How long have you had this pain?": ("3 semanas", "3w"),
    "Does the pain spread into your arms or legs?": ("no", "none"),
    "Does it keep coming back, even after rest or medication?": ("s", "y"),
    "Does it stop you doing your daily activities or your work?": ("no", "n"),
    "How old are you?": ("40 años", "40"),
}
HINTS = {  # the help line under each question
    "Where does it hurt? (choose one or more)": "Type one or more numbers (e.g. 1 3) or words: {words}",
    "How long have you had this pain?": "For example 3d, 2w, 4m, 1y (or 3 days, 2 weeks); 0d if it began today",
    "Does the pain spread into your arms or legs?": "Type a number or a word: {words}",
    "Does it keep coming back, even after rest or medication?": "Type y or n",
    "Does it stop you doing your daily activities or your work?": "Type y or n",
    "How old are you?": "Your age in years, e.g. 42",
}
NONE_ES = ["0", "ninguna", "no"]
HEADER = re.compile(r"Pregunta (\d+) de (\d+)")


def current_screen(lines: list[str], cols: int) -> str:
    """The prompt's own screen, from its "Pregunta N de M" down to the input line, checked to fit."""
    filled = [line for line in lines if line.strip()]
    assert filled and filled[-1].startswith(">"), "the input line is not the last line:\n" + "\n".join(lines)
    assert all(len(line) <= cols for line in lines)
    tops = [i for i, line in enumerate(lines) if HEADER.match(line)]
    assert tops, "the question's number is not on the screen:\n" + "\n".join(lines)
    return flat(" ".join(lines[tops[-1]:]))


def check_checklist(text: str, lines: list[str], hint: bool = True) -> tuple[object, list[str]]:
    """The checklist on this screen and the items it shows: its Spanish heading, question, every
    numbered item whole and the help line (or, after a wrong answer, the explanation) are all there."""
    found = [c for c in CHECKLISTS if flat(ES(c.heading)) in text]
    assert len(found) == 1, "no Spanish checklist heading on the screen:\n" + "\n".join(lines)
    checklist = found[0]
    after = text[text.index(flat(ES(checklist.heading))):]
    assert flat(ES(checklist.question)) in after, "question cut:\n" + "\n".join(lines)
    numbers = [int(m.group(1)) for line in lines for m in [re.match(r"\s*(\d+)\. ", line)] if m]
    last = numbers[-1]
    assert numbers[-last:] == list(range(1, last + 1)), "items missing:\n" + "\n".join(lines)
    shown = [item for item in checklist.items if flat(ES(RED_FLAGS[item])) in after]
    assert len(shown) == last, f"{last} numbered, {len(shown)} whole:\n" + "\n".join(lines)
    if hint:
        assert flat(ES("Type the numbers of all that apply (e.g. 1 3), or 0 if none do")) in after
    return checklist, shown


def spanish_words(key: str) -> str:
    from spinetriage.core.vocabulary import SHOWN_WORDS

    return ", ".join(SHOWN_WORDS["es"][key].values())


def spanish_interview(t: Terminal, cols: int, wrong: str = "") -> dict[str, list[str]]:
    """Answer a whole interview in Spanish, checking every screen; the checklist items seen."""
    seen: dict[str, list[str]] = {}
    none = 0
    while True:
        try:
            lines = t.at_prompt()
        except pexpect.EOF:
            return seen
        text = current_screen(lines, cols)
        assert "Question" not in text and "Type " not in text, "English on the screen:\n" + "\n".join(lines)
        asked = [q for q in QUESTIONS_ES if flat(ES(q)) in text]
        if asked:
            question = asked[0]
            hint = ES(HINTS[question])
            if "{words}" in hint:
                hint = hint.format(words=spanish_words("location" if "hurt" in question else "radiation"))
            assert flat(hint) in text, "help line cut:\n" + "\n".join(lines)
            typed = QUESTIONS_ES[question][0]
        else:
            checklist, shown = check_checklist(text, lines)
            seen.setdefault(checklist.id, []).extend(shown)
            typed = NONE_ES[none % len(NONE_ES)]
            none += 1
        if wrong:  # a wrong answer first: explained in Spanish, the whole screen still there
            t.type(wrong)
            t.asked -= 1
            again = t.at_prompt()
            text_again = flat(" ".join(again))
            assert flat(ES("Sorry, {problem}.")).split("{")[0].strip() in text_again
            if not asked:
                assert check_checklist(current_screen(again, cols), again, hint=False)[1] == shown
        t.type(typed)


def english_interview(t: Terminal) -> None:
    while True:
        try:
            lines = t.at_prompt()
        except pexpect.EOF:
            return
        text = flat(" ".join(lines)).rsplit("Question", 1)[-1]
        t.type(next((en for q, (_es, en) in QUESTIONS_ES.items() if flat(q) in text), "0"))


def saved(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"outcome": data["outcome"], "answers": data["answers"], "rules": [r["rule"] for r in data["reasons"]]}


# --- whole interviews -----------------------------------------------------------------------


@pytest.mark.parametrize("cols, rows", SIZES)
@pytest.mark.parametrize("how", ["LANG", "--lang"])
def test_a_whole_spanish_interview_fits_and_gives_the_english_outcome(terminal, tmp_path, cols, rows, how):
    args = ["ask", "--output", "es.json"] + (["--lang", "es"] if how == "--lang" else [])
    t = terminal(*args, cols=cols, rows=rows, lang="es_ES.UTF-8" if how == "LANG" else "en_US.UTF-8")
    seen = spanish_interview(t, cols)
    assert t.finish() == 0
    assert seen == {c.id: list(c.items) for c in CHECKLISTS}  # every item once, in order, whole
    out = flat(t.transcript)
    assert flat(ES("spinetriage asks a few questions about your neck or back pain and tells you where to go "
                   "and how soon.")) in out
    assert ES("Your answers") in out and ES("Recommendation") in out and ES("In short: {headline}")[:10] in out
    assert "Pida una evaluación de fisioterapia" in out  # the result's title, in Spanish
    assert "Question" not in out and "Where does it hurt" not in out

    english = terminal("ask", "--output", "en.json", cols=cols, rows=rows, lang="en_US.UTF-8")
    english_interview(english)
    assert english.finish() == 0
    assert "Seek a physical therapy evaluation" in flat(english.transcript)
    es, en = saved(tmp_path / "es.json"), saved(tmp_path / "en.json")
    assert es == en and es["outcome"] == "physical-therapy"
    assert es["answers"]["duration_days"] == 21 and es["answers"]["location"] == ["lower-back"]


def test_wrong_answers_are_explained_in_spanish_and_never_hide_the_list(terminal):
    t = terminal("ask", "--location", "zona lumbar", "--duration", "2 semanas", "--radiation", "no",
                 "--no-recurrent", "--no-limits-activities", "--age", "40", cols=40, rows=24)
    seen = spanish_interview(t, 40, wrong="99")
    assert t.finish() == 0
    assert seen == {c.id: list(c.items) for c in CHECKLISTS}
    out = flat(t.transcript)
    lead = ES("Sorry, {problem}.").split("{")[0]  # "Perdone: "
    assert out.count(lead + "99 ") == t.asked >= len(CHECKLISTS)  # once at every prompt


def test_each_question_asks_again_in_spanish_after_an_empty_answer(terminal):
    t = terminal("ask", "--no-red-flags", cols=40, rows=24)
    for question, (typed, _en) in QUESTIONS_ES.items():
        text = current_screen(t.at_prompt(), 40)
        assert flat(ES(question)) in text
        t.type("")
        again = flat(" ".join(t.at_prompt()))
        assert ES("Please type an answer.") in again
        t.type(typed)
    assert t.finish() == 0


def test_an_emergency_ends_the_questions_in_spanish(terminal):
    t = terminal("ask", cols=40, rows=24)
    t.at_prompt()
    t.type("1")  # the first emergency sign of the first page
    assert t.finish() == 0
    out = flat(t.transcript)
    assert flat(ES("Your answers point to an emergency, so the questions stop here.")) in out
    assert "Vaya a urgencias ahora" in out


@pytest.mark.parametrize("how", ["LANG", "--lang"])
def test_ctrl_c_exits_130_quietly_in_spanish(terminal, how):
    args = ["ask"] + (["--lang", "es"] if how == "--lang" else [])
    t = terminal(*args, cols=40, rows=24, lang="es_ES.UTF-8" if how == "LANG" else "C")
    for _ in range(12):  # the first checklists' pages, answered "none"
        text = current_screen(t.at_prompt(), 40)
        if flat(ES("Where does it hurt? (choose one or more)")) in text:
            break
        t.type("0")
    assert flat(ES("Where does it hurt? (choose one or more)")) in text
    t.child.sendintr()
    assert t.finish() == 130
    after = t.transcript.rsplit("> ", 1)[1]
    left = flat(ES("If you have any of the emergency signs you were asked about, call your emergency number now."))
    # es_ES is Spain: its number is named ("... emergencias (112)."); without a territory, not
    assert (left[:-1] + " (112)." if how == "LANG" else left) in flat(after)
    assert "call your emergency number now" not in after
    assert "Traceback" not in t.transcript and "KeyboardInterrupt" not in t.transcript
    assert len([line for line in after.splitlines() if line.strip()]) <= 8


# --- a re-check in Spanish --------------------------------------------------------------------


def test_a_recheck_asks_what_changed_in_spanish(terminal, tmp_path):
    report = {"outcome": "self-care", "rules_version": "", "date": "2026-11-03",
              "answers": {"location": ["lower-back"], "duration_days": 2, "radiation": "none", "recurrent": False,
                          "limits_activities": False, "age": 35, "red_flags": []}}
    from spinetriage.rules.load import load_rules

    report["rules_version"] = load_rules().version
    (tmp_path / "day0.json").write_text(json.dumps(report), encoding="utf-8")
    t = terminal("recheck", "day0.json", "--today", "2026-12-03", "--lang", "es", cols=40, rows=24,
                 lang="en_US.UTF-8")
    answers = {ES("Since {day}, is the pain better, about the same, or worse?").format(day="3 nov"): "peor",
               ES("Does the pain spread into your arms or legs?"): "no",
               ES("Does it keep coming back, even after rest or medication?"): "n",
               ES("Does it stop you doing your daily activities or your work?"): "no"}
    confirm = ES("On {day} the pain had lasted {was}; {elapsed} days later it has lasted {now}. Is that right?")
    confirm = confirm.split("{was}")[0].format(day="3 nov")  # "El 3 nov el dolor duraba"
    asked = []
    while True:
        try:
            lines = t.at_prompt()
        except pexpect.EOF:
            break
        text = current_screen(lines, 40)
        if flat(confirm) in text:
            asked.append("confirm")
            t.type("sí")
            continue
        found = [q for q in answers if flat(q) in text]
        if found:
            asked.append(found[0])
            t.type(answers[found[0]])
        else:
            check_checklist(text, lines)
            t.type("0")
    assert t.finish() == 0
    assert asked[:2] == ["confirm", list(answers)[0]]
    out = flat(t.transcript)
    assert ES("Re-check of your report of {day} ({outcome}).").format(day="3 nov", outcome="Cuídese en casa y vuelva a revisarlo") in out
    assert ES("Since your last check") in out
    assert ES("Since {day}: {course}.").format(day="3 nov", course=ES("worse")) in out
    assert "Pida cita con su médico" in out  # a worse course: at least a doctor


def test_the_recheck_words_read_spanish_answers():
    from spinetriage.cli.since import parse_course

    for typed, value in (("mejor", "better"), ("igual", "same"), ("lo mismo", "same"),
                         ("más o menos igual", "same"), ("Peor.", "worse"), ("3", "worse")):
        assert parse_course(typed) == value
