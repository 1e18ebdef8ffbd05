"""The ``spinetriage`` program: ``run`` and ``main`` prepare the process, run the command and map
every failure to its exit code (``cli.errors``). The apps are ``cli.apps``; the commands live in
``cli.ask``, ``cli.recheck``, ``cli.batch`` and ``cli.rules`` and register themselves on the apps
when imported: ``register`` imports the one a run names (all of them for help, completion or an
unknown name, and for ``spinetriage.cli.app``).
"""

from __future__ import annotations

import copy
import os
import sys
from typing import Any

import typer

from spinetriage.cli.apps import app
from spinetriage.cli.errors import PROG, _handle
from spinetriage.cli.terminal import env, prepare_process


#: Each command (or group) and the module that registers it.
COMMAND_MODULES = {"ask": "ask", "recheck": "recheck", "batch": "batch", "rules": "rules"}


def register(name: str | None = None) -> None:
    """Register command ``name`` on the apps (every command when None or not a command name):
    importing the others is start-up that a run does not need."""
    import importlib

    for module in [COMMAND_MODULES[name]] if name in COMMAND_MODULES else COMMAND_MODULES.values():
        importlib.import_module(f"spinetriage.cli.{module}")


def _name(info: Any) -> str | None:
    return info.name or (info.callback.__name__.replace("_", "-") if getattr(info, "callback", None) else None)


def _only(typer_app: typer.Typer, name: str | None) -> typer.Typer | None:
    """``typer_app`` with only the command or group called ``name`` (None when it has none)."""
    commands = [c for c in typer_app.registered_commands if _name(c) == name]
    groups = [g for g in typer_app.registered_groups if g.name == name]
    if not commands and not groups:
        return None
    slim = copy.copy(typer_app)
    slim.registered_commands, slim.registered_groups = commands, groups
    return slim


def command_for(argv: list[str] | None) -> Any:
    """The click command to run: only the command (and subcommand) ``argv`` names is built.

    Building a command reads its function's signature and type hints; building all nine for
    every run cost a twentieth of ``ask``'s start-up. With no command named, an unknown one, or
    the shell asking for completions, everything is built, so help, "no such command" and
    completion are Typer's own.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or os.environ.get(f"_{PROG.upper()}_COMPLETE"):
        register()
        return typer.main.get_command(app)
    register(args[0])
    slim = _only(app, args[0])
    if slim is None:
        register()
        return typer.main.get_command(app)
    groups = slim.registered_groups
    if groups and len(args) > 1:
        sub = _only(groups[0].typer_instance, args[1])
        if sub is not None:
            slim.registered_groups = [copy.copy(groups[0])]
            slim.registered_groups[0].typer_instance = sub
    return typer.main.get_command(slim)


def run(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code. Every error becomes one clear message.

    The language it spoke and the freezing after a rules load are the run's own: a caller that
    runs it in its process (tests, an embedding program) gets its library back as it was."""
    from spinetriage.core import i18n

    lang, frozen = i18n.current(), None
    try:
        prepare_process()
        args = sys.argv[1:] if argv is None else list(argv)
        if not args or args[0] in ("ask", "recheck", "-h", "--help"):  # speaking to people; before the build
            from spinetriage.cli.language import apply, flag_value

            e = env()
            apply(flag_value(args), e.environ, e.stderr)
        command = command_for(argv)
        if args and args[0] in COMMAND_MODULES:  # each reads rules (it imports this anyway): freeze after
            from spinetriage.rules import load

            frozen, load.FREEZE_AFTER_LOAD = load.FREEZE_AFTER_LOAD, True
        try:
            rv = command.main(args=argv, prog_name=PROG, standalone_mode=False)
            if sys.stdout is not None:
                sys.stdout.flush()  # --help, --version: a full disk or a closed pipe shows here
            return rv if isinstance(rv, int) else 0
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - see _handle
            return _handle(exc, env())
    finally:
        if i18n.current() != lang:
            i18n.use(lang)
        if frozen is not None:
            sys.modules["spinetriage.rules.load"].FREEZE_AFTER_LOAD = frozen


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(argv))
