"""The Typer apps the commands are registered on: ``spinetriage`` and its ``rules`` group, with
``--version``. Kept apart from ``cli.program`` so that the command modules import the apps, and
the program imports the commands, without a cycle.
"""

from __future__ import annotations

import typer

from spinetriage import _version
from spinetriage.cli.errors import PROG
from spinetriage.cli.terminal import env

app = typer.Typer(
    name=PROG,
    help="Spine-pain self-triage: where to go, how soon, and why. Not a diagnosis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never a traceback with locals: the answers are health data
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
rules_app = typer.Typer(
    help="Check, test, list and describe rules files.",
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
                                 help="Print the version and exit."),
) -> None:
    """Spine-pain self-triage: where to go, how soon, and why. Not a diagnosis."""
