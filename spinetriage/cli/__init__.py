"""The command line: parses flags, asks the questions, prints. Everything it decides is in the
core; everything it reads and writes in bulk is in ``records`` and ``formats``.

What lives here:
    apps       the Typer apps (``spinetriage``, its ``rules`` group) and ``--version``
    program    ``run`` and ``main`` (``spinetriage`` and ``python -m spinetriage``)
    ask        ``spinetriage ask``; ``save``: ``--output`` written whole or not at all
    batch      ``spinetriage batch``
    recheck    ``spinetriage recheck REPORT``: ``ask`` as a re-check of a saved report; ``since``: the
               report read and checked, what changed; ``recheck_questions``: the questions it adds (Rich);
               ``rechecking``: whether one runs (so an ordinary ask never loads the re-check)
    rules      ``spinetriage rules ...``
    options    help texts, flag values and completion
    region     ``--region``, else the locale's territory: which region's numbers a result names
    language   ``--lang``, else the locale's language: which catalog the words come from
    errors     every failure as one message and its exit code
    interview  the questions at a terminal (Rich)
    render     the text report, the rules table, the progress bar (Rich)
    terminal   the terminal as a seam: streams, widths, plain mode, safe text (no Typer or Rich)

May import anything in spinetriage. Rich only where Rich prints, so ``--format json`` never
loads it; ``interview``, ``render`` and ``terminal`` never import the app.
"""

__all__ = ["app", "main", "run"]


def __getattr__(name: str) -> object:
    """``app``, ``main`` and ``run`` from ``cli.program``, imported on first use: importing the
    interview or the terminal seam never builds the command line (nor imports Typer)."""
    if name not in __all__:
        raise AttributeError(f"module 'spinetriage.cli' has no attribute {name!r}")
    from spinetriage.cli import program

    if name == "app":
        program.register()  # the whole command line, as a test runner or a wrapper expects
    return getattr(program, name)
