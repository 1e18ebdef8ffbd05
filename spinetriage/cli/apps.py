"""The Typer apps the commands are registered on: ``spinetriage`` and its ``rules`` group, with
``--version``. Kept apart from ``cli.program`` so that the command modules import the apps, and
the program imports the commands, without a cycle.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from spinetriage import _version
from spinetriage.cli.errors import PROG
from spinetriage.cli.language import help_spoken
from spinetriage.cli.terminal import env
from spinetriage.core.i18n import N_, _

#: One example of each command, under the top-level help (a command not registered is left out).
EXAMPLES = {
    "ask": "spinetriage ask",
    "recheck": "spinetriage recheck report.json",
    "batch": "spinetriage batch records.jsonl > results.jsonl",
    "rules": "spinetriage rules validate my-rules.yaml",
}


def _whole_words() -> None:
    """Help is wrapped at spaces only: click's wrapper (and the copy Typer carries) would split ids
    and flags at their hyphens ("lower-" / "back"), which nobody can then copy."""
    import importlib

    for name in ("typer._click._textwrap", "click._textwrap"):
        try:
            wrapper = importlib.import_module(name).TextWrapper
        except (ImportError, AttributeError):  # another release: its own wrapping
            continue
        if getattr(wrapper, "_spinetriage_whole", False):
            continue

        def __init__(self: Any, *args: Any, _init: Any = wrapper.__init__, **kwargs: Any) -> None:
            kwargs.setdefault("break_on_hyphens", False)
            _init(self, *args, **kwargs)

        wrapper.__init__ = __init__
        wrapper._spinetriage_whole = True


_whole_words()


class WholeHelpGroup(TyperGroup):
    """A group whose help lists each command with its first paragraph whole (click cuts it at
    about 45 characters with "..."), then one example of each command; our texts in the language
    in use (those of ``ask`` and ``recheck``, and the program's; the ``rules`` and ``batch``
    commands speak English, as their output does)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with help_spoken(self):
            super().format_help(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, _(command.short_help or command.help or "").split("\n\n")[0].strip()))
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        examples = [EXAMPLES[name] for name in self.list_commands(ctx) if name in EXAMPLES]
        if examples and ctx.parent is None:
            with formatter.section(_("Examples")):
                for line in examples:
                    formatter.write(f"{' ' * formatter.current_indent}{line}\n")


app = typer.Typer(
    name=PROG,
    help=N_("Spine-pain self-triage: where to go, how soon, and why. Not a diagnosis."),
    cls=WholeHelpGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never a traceback with locals: the answers are health data
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
rules_app = typer.Typer(
    help="Check, test, list and describe rules files.",
    cls=WholeHelpGroup,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
app.add_typer(rules_app, name="rules")


def _version_callback(value: bool) -> None:
    if value:
        out = env().stdout
        out.write(f"{PROG} {_version.__version__}\n")  # a closed stdout is named, as for any output
        out.flush()
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help=N_("Print the version and exit.")),
) -> None:
    """Spine-pain self-triage: where to go, how soon, and why. Not a diagnosis."""
