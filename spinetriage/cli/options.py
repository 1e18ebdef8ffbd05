"""Words of the command line shared by its commands: help texts, the values each flag takes with
their meanings (for shell completion), and checking a flag's value.
"""

from __future__ import annotations

from typing import Any, Callable

from typer.core import TyperCommand

from spinetriage.cli.errors import UsageError
from spinetriage.cli.language import help_spoken
from spinetriage.core.i18n import N_, _
from spinetriage.core.vocabulary import QUESTIONS

# The help texts are marked with N_ (this module is imported before the language is chosen) and
# translated when the help is shown (``AskCommand.format_help``). A command's help ends without a
# newline: Typer stores it through inspect.cleandoc, and the catalog is looked up with that text.
ASK_HELP = N_("""Ask the triage questions and print one recommendation.

Answers not given as flags are asked at prompts when this runs in a terminal.
With --no-input, or without a terminal, every answer must be given as a flag
(an emergency red flag alone is enough).

\b
Examples:
  spinetriage ask --output report.html
  spinetriage ask --location lower-back \\
    --duration 6w --radiation legs \\
    --no-recurrent --limits-activities \\
    --age 42 --no-red-flags --format json""")

MISSING_FLAG = {
    "recurrent": "--recurrent/--no-recurrent",
    "limits_activities": "--limits-activities/--no-limits-activities",
    "red_flags": "--red-flag ID/--no-red-flags",
}
RED_FLAG_HELP = N_("A warning sign that is present (repeatable, or comma-separated); the IDs are below. "
                   "An emergency sign gives the emergency result at once.")

# --- shell completion of values (bash, zsh, fish: spinetriage --install-completion) --------------

FORMAT_WORDS = {"text": "the report for people (default)", "json": "one JSON object for scripts",
                "markdown": "the report as Markdown", "fhir": "a FHIR R4 Bundle"}
INPUT_FORMAT_WORDS = {"jsonl": "JSON Lines, one record a line (default)", "csv": "CSV with a header row",
                      "fhir": "FHIR R4 QuestionnaireResponses, one a line"}


def _completer(key: str) -> Callable[[str], list[tuple[str, str]]]:
    """Values of an answer for the shell to offer, with their words (zsh and fish show them).
    Called only when the shell asks (_SPINETRIAGE_COMPLETE is set), never at start-up."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        from spinetriage.core.vocabulary import TIERS

        question = QUESTIONS[key]
        head, comma, last = incomplete.rpartition(",") if question.kind == "set" else ("", "", incomplete)
        done = set(head.split(",")) if comma else set()
        words = dict(question.choices)
        if key == "red_flags":
            words = {k: f"{TIERS[k]}: {v}" for k, v in words.items()}
        words.update({alias: f"= {value}" for alias, value in question.aliases.items()})
        return [(head + comma + value, text if len(text) <= 60 else text[:57].rstrip(" ,;:") + "...") for value, text in words.items()
                if value.startswith(last.strip().lower()) and value not in done]

    return complete


def _choices(words: dict[str, str]) -> Callable[[str], list[tuple[str, str]]]:
    def complete(incomplete: str) -> list[tuple[str, str]]:
        return [(value, text) for value, text in words.items() if value.startswith(incomplete.strip().lower())]

    return complete


class AskCommand(TyperCommand):
    """``ask --help`` in the language in use, ending with every red-flag id, by tier, compactly (the
    words of each are one command away: ``spinetriage rules questionnaire``, and in
    docs/scripting.md); built only when shown.

    The command's and its options' help texts are the English ones (marked for the catalog) and
    are translated here, when the help is shown: the texts do not depend on when the command's
    module was imported. Click's own words ("Usage:", "Options", "Show this message and exit.")
    are Click's and stay English.
    """

    TIER_HEADINGS = (
        ("emergency", N_("Emergency signs")),
        ("urgent", N_("Urgent signs")),
        ("risk", N_("Risk factors")),
    )

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with help_spoken(self):
            super().format_help(ctx, formatter)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        from spinetriage.core.vocabulary import RED_FLAGS, TIERS

        with formatter.section(_("Red-flag IDs (what each means: docs/scripting.md, or the README)")):
            for tier, heading in self.TIER_HEADINGS:
                formatter.write_text(f"{_(heading)}: " + ", ".join(sign for sign in RED_FLAGS if TIERS[sign] == tier))


def _choice(flag: str, value: str, accepted: tuple[str, ...]) -> str:
    word = value.strip().lower()
    if word not in accepted:
        raise UsageError(_("{flag}: {value} is not accepted; accepted: {accepted}").format(
            flag=flag, value=repr(value), accepted=", ".join(accepted)))
    return word


def _or(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return _("{some} or {last}").format(some=", ".join(words[:-1]), last=words[-1])
