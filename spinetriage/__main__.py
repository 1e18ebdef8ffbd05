"""``python -m spinetriage`` and the ``spinetriage`` command (pyproject ``[project.scripts]``).

Ctrl-C works from the first moment: this module imports nothing heavy itself, and a Ctrl-C
while the command line is still being imported (Typer, the rules) ends quietly with exit 130,
as it does later. The package's ``__init__`` imports nothing at start, so it leaves no gap.
"""

import os
import sys


def _stopped() -> None:
    try:
        os.write(2, b"\nspinetriage: stopped; nothing saved\n")
    except OSError:
        pass
    os._exit(130)  # nothing is open yet that needs closing; no second Ctrl-C can interrupt this


def main() -> None:
    import gc

    # Start-up makes many objects that live as long as the process (modules, classes, the
    # rules); the collector's passes over them while importing, and again at exit, cost more
    # than a tenth of a short run. Nothing made while importing is garbage: collect nothing
    # then, and afterwards leave those objects out of every later pass (gc.freeze).
    gc.disable()
    try:
        from spinetriage.cli.program import main as run_cli
    except KeyboardInterrupt:
        _stopped()
    gc.freeze()
    gc.enable()
    try:
        run_cli()
    except KeyboardInterrupt:  # between the command's own handling and the exit
        _stopped()
    finally:
        gc.freeze()  # nothing left to collect at exit is worth a pass over everything


if __name__ == "__main__":
    sys.exit(main())
