"""The ``spinetriage`` program: ``run`` and ``main`` prepare the process, run the command and map
every failure to its exit code (``cli.errors``). The apps are ``cli.apps``; the commands live in
``cli.ask``, ``cli.batch`` and ``cli.rules``, imported here so that they are registered.
"""

from __future__ import annotations

import sys

import typer

from spinetriage.cli import ask, batch, rules  # noqa: F401 - each registers its commands on the apps
from spinetriage.cli.apps import app
from spinetriage.cli.errors import PROG, _handle
from spinetriage.cli.terminal import env, prepare_process


def run(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code. Every error becomes one clear message."""
    prepare_process()
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name=PROG, standalone_mode=False)
        if sys.stdout is not None:
            sys.stdout.flush()  # --help, --version: a full disk or a closed pipe shows here
        return rv if isinstance(rv, int) else 0
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - see _handle
        return _handle(exc, env())


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(argv))
