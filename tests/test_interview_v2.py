"""The rules-version-2 interview in a real pseudo-terminal: short themed checklists, emergency
signs first, at most 14 prompts without warning signs, and an emergency that ends it at once."""

from __future__ import annotations

import pytest
from test_interactive import ask, flat  # noqa: F401 - ask is a fixture

from spinetriage.core.vocabulary import CHECKLISTS
from spinetriage.formats.fhir import response

pexpect = pytest.importorskip("pexpect")


def prompts(screen: str) -> int:
    return screen.count("> ")


def test_an_emergency_in_the_second_checklist_ends_the_questions(ask):
    s = ask()
    s.expect("Question 1 of 11")
    s.answer("0")
    s.expect("Emergency signs: heart, blood vessels and head")
    s.answer("2")  # sudden severe pain
    assert s.finish() == 0
    screen = s.screen
    assert "the questions stop here" in flat(screen)
    assert "EMERGENCY: Go to the emergency department now" in flat(screen)
    assert "Question 3" not in screen and "Where does it hurt" not in screen
    assert prompts(screen) == 2
    assert "Call the emergency number at once" in screen


def test_an_injury_at_70_with_neck_pain_ends_the_questions_at_the_age(ask):
    s = ask()
    s.answer("0")
    s.answer("0")
    s.expect("Injury, bones and blood thinners")
    s.answer("2")  # a fall, a knock or an accident that was not serious
    s.expect("Where does it hurt?")
    s.answer("neck")
    s.answer("3d")
    s.answer("none")
    s.answer("n")
    s.answer("n")
    s.expect("How old are you?")
    s.answer("70")
    assert s.finish() == 0
    screen = s.screen
    assert "EMERGENCY:" in screen and "the questions stop here" in flat(screen)
    assert "Infection, cancer and general health" not in screen  # the last checklists are never asked
    assert prompts(screen) == 9
    assert "65 or over" in flat(screen)  # the reason names why
    # the report says the later checklists were never asked
    assert "The questions stopped early because of an emergency sign." in flat(screen)


def test_the_same_injury_at_64_goes_on_and_is_not_an_emergency(ask):
    s = ask()
    for typed in ("0", "0", "2", "neck", "3d", "none", "n", "n", "64", "0", "0"):
        s.answer(typed)
    assert s.finish() == 0
    assert "SELF CARE:" in s.screen and prompts(s.screen) == 11


@pytest.mark.parametrize("cols, rows", [(80, 24), (40, 60)])
def test_each_checklist_screen_fits_the_terminal(ask, cols, rows):
    """From 'Question N' to its prompt, each checklist fits a 24-row, 80-column terminal, and wraps
    within 40 columns."""
    s = ask("--location", "lower-back", "--duration", "2w", "--radiation", "none", "--no-recurrent",
            "--no-limits-activities", "--age", "40", cols=cols, rows=rows)
    for n in range(1, len(CHECKLISTS) + 1):
        s.expect(f"Question {n} of {len(CHECKLISTS)}")
        s.child.expect_exact("> ")
        s.child.sendline("0")
    assert s.finish() == 0
    s.assert_fits()
    screen = s.screen
    for n, checklist in enumerate(CHECKLISTS, start=1):
        block = screen.split(f"Question {n} of {len(CHECKLISTS)}", 1)[1].split("> ", 1)[0]
        lines = block.strip("\n").split("\n")
        assert checklist.heading in flat(block)
        if cols == 80:
            assert len(lines) + 1 <= 24, f"{checklist.heading}: {len(lines)} lines"


def test_a_result_stopped_at_a_prompt_leaves_unasked_checklists_out_of_the_fhir_response():
    from spinetriage.core.answers import Answers
    from spinetriage.core.engine import build_result, matching
    from spinetriage.rules.load import load_rules

    rules = load_rules()
    answers = Answers(location=["neck"], duration_days=3, radiation="none", recurrent=False,
                      limits_activities=False, age=70, red_flags=["minor-injury"])
    result = build_result(answers, rules, matching(answers, rules), stopped_early=True)
    assert result.ended_early and result.outcome == "emergency"
    qr = response(result)
    assert qr["status"] == "stopped"
    asked = [item["linkId"] for item in qr["item"]]
    assert "signs-injury" in asked
    assert "signs-health" not in asked and "signs-other" not in asked


def test_an_emergency_sign_typed_beside_a_slip_is_taken_not_asked_again(ask):
    s = ask()
    s.expect("Question 1 of 11")
    s.answer("2 7")  # 2: new trouble peeing; there is no 7
    assert s.finish() == 0
    screen = flat(s.screen)
    assert "(Ignored 7: not on the list.)" in screen
    assert "EMERGENCY: Go to the emergency department now" in screen
    assert prompts(s.screen) == 1


def test_a_slip_without_an_emergency_sign_is_explained_and_asked_again(ask):
    s = ask("--location", "lower-back", "--duration", "2w", "--radiation", "none", "--no-recurrent",
            "--no-limits-activities", "--age", "40")
    for _ in range(3):
        s.answer("0")
    s.expect("Infection, cancer and general health")
    s.answer("1 9")
    s.expect("9 is not on the list")
    s.answer("1")
    s.answer("0")
    assert s.finish() == 0
    assert "URGENT:" in s.screen
