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
    try:
        from spinetriage.cli import main as run_cli
    except KeyboardInterrupt:
        _stopped()
    try:
        run_cli()
    except KeyboardInterrupt:  # between the command's own handling and the exit
        _stopped()


if __name__ == "__main__":
    sys.exit(main())
