"""Rich output for people: the text report, the rules table, the batch progress bar.

Only this module and ``interview`` import Rich, and only on the paths that print for
people; ``--format json`` never loads it.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Iterator

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from spinetriage.cli.terminal import visible
from spinetriage.core.engine import Result
from spinetriage.core.i18n import _
from spinetriage.formats import report

if TYPE_CHECKING:
    from spinetriage.cli.terminal import Environment

STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold red",
    "doctor": "bold yellow",
    "physical-therapy": "bold cyan",
    "self-care": "bold green",
}


class _Console(Console):
    """Rich's console, except that a closed pipe is an error the command names (exit 1), as for
    every other output, not a silent exit of Rich's own."""

    def on_broken_pipe(self) -> None:
        import errno
        import os

        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def console_for(e: "Environment", stream: Any = None, stderr: bool = False) -> Console:
    """A console on stdout (or stderr, or ``stream``) at a sane width; in plain mode (``--plain``,
    TERM=dumb) and off a terminal it emits no escape codes at all."""
    stream = stream or (e.stderr if stderr else e.stdout)
    isatty = e.stderr_isatty if stderr else e.stdout_isatty
    return _Console(file=stream, force_terminal=isatty and not e.plain, no_color=e.no_color or not isatty,
                    color_system=None if e.plain or not isatty else "auto", width=e.columns,
                    highlight=False, emoji=False, soft_wrap=False)


def _text(text: str, style: str = "") -> Text:
    """Words from the rules or the answers, with any control character made visible."""
    return Text(visible(text), style=style)


def report_renderables(result: Result, saved: date | None = None) -> list[Any]:
    style = STYLE.get(result.outcome, "bold")
    head = _text(report.headline(result), style=style)
    body = [head, Text(""), _text(result.advice)]
    if result.ended_early:
        body += [Text(""), Text(_(report.ENDED_EARLY), style="italic")]
    parts: list[Any] = [Panel(Group(*body), title=Text(_("Recommendation")), title_align="left", border_style=style,
                              expand=True)]
    for sec in report.sections(result):
        parts.append(Text(""))
        parts.append(_text(sec.heading, style="bold underline"))
        for para in sec.paragraphs:
            parts.append(_text(para))
        for bullet in sec.bullets:
            parts.append(hanging(_text(bullet)))
    if saved is not None:
        parts += [Text(""), Text(_("Your answers"), style="bold underline"),
                  Text(_("Date: {date}").format(date=saved.isoformat()))]
        parts += [hanging(_answer(k, v)) for k, v in report.shown(result.answers)]
        parts.append(_text(_("Rules version: {version}").format(version=result.rules_version)))
        if result.limits:
            parts += [Text(""), Text(_(report.LIMITS_HEADING), style="bold underline")]
            parts += [hanging(_text(x)) for x in result.limits]
    parts += [Text(""), _text(_("In short: {headline}").format(headline=report.headline(result)), style=style)]  # the end of a long report
    parts += [_text(result.disclaimer, style="italic")]
    return parts


def plain_lines(result: Result, saved: date | None = None) -> list[str]:
    """The report for screen readers and braille displays: the same words in the same order as
    the text report, one paragraph a line, with no box, bullet symbol, colour or wrapping."""
    lines = [_("Recommendation"), report.headline(result), result.advice]
    if result.ended_early:
        lines.append(_(report.ENDED_EARLY))
    for sec in report.sections(result):
        lines += ["", sec.heading, *sec.paragraphs, *sec.bullets]
    if saved is not None:
        lines += ["", _("Your answers"), _("Date: {date}").format(date=saved.isoformat())]
        lines += [_answer(k, v) for k, v in report.shown(result.answers)]
        lines.append(_("Rules version: {version}").format(version=result.rules_version))
        if result.limits:
            lines += ["", _(report.LIMITS_HEADING), *result.limits]
    lines += ["", _("In short: {headline}").format(headline=report.headline(result)), result.disclaimer]
    return [visible(line) for line in lines]


def _answer(key: str, value: Any) -> str:
    """One answer of a saved report: its label and its words."""
    return f"{_(report.LABELS[key])}: {report.answer_text(key, value)}"


class _Hanging:
    """A bullet whose wrapped lines line up under its first word: " • words ..." then "   words".

    Wraps with Rich's own word wrapping at the width it is given; a table per bullet laid out
    the same lines at many times the cost (a tenth of the text report's start-up)."""

    def __init__(self, text: Text):
        self.text = text

    def __rich_console__(self, console: Console, options: Any) -> Iterator[Any]:
        from rich.segment import Segment

        lines = _wrap_whole_words(self.text, console, max(options.max_width - 3, 1))
        for i, line in enumerate(lines):
            yield Segment(" • " if i == 0 else "   ")
            line.rstrip()
            yield from line.render(console)
            yield Segment.line()


def _wrap_whole_words(text: Text, console: Console, width: int) -> Any:
    """``text`` wrapped at ``width``, a word longer than the line (a URL in a source) kept whole
    on a line of its own instead of cut: the terminal shows its end on the next row, and it can
    still be copied. Rich's own line division with folding off; Rich's folding where that
    private helper is missing (another Rich release)."""
    try:
        from rich._wrap import divide_line
    except ImportError:  # pragma: no cover - a Rich without it: words longer than a line are folded
        return text.wrap(console, width)
    plain = text.plain
    if all(len(word) <= width for word in plain.split()):
        return text.wrap(console, width)
    lines = text.divide(divide_line(plain, width, fold=False))
    for line in lines:
        line.rstrip()
    return lines


def hanging(text: str | Text) -> Any:
    """A bullet whose wrapped lines line up under its first word."""
    return _Hanging(text if isinstance(text, Text) else Text(text))


def print_report(result: Result, e: "Environment", saved: date | None = None) -> None:
    """The report for people; when stdout is not a terminal, plain text without trailing spaces."""
    if e.plain:
        e.stdout.write("\n".join(plain_lines(result, saved)) + "\n")
        return
    if e.stdout_isatty:
        console = console_for(e)
        for part in report_renderables(result, saved):
            console.print(part, crop=False)
        return
    e.stdout.write(report_as_text(result, saved, width=e.columns))


def report_as_text(result: Result, saved: date | None = None, width: int = 80, plain: bool = False) -> str:
    if plain:
        return "\n".join(plain_lines(result, saved)) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, no_color=True, width=width, highlight=False, emoji=False)
    for part in report_renderables(result, saved):
        console.print(part, crop=False)
    return _rstrip_lines(buffer.getvalue())


def _rstrip_lines(text: str) -> str:
    """Rich pads wrapped text and grid cells with spaces; files and pipes get none at line ends."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


def print_rules_table(rows: list[dict[str, str]], e: "Environment") -> None:
    """A table on wide screens; one block a rule on narrow ones, where columns would be slivers."""
    from rich.table import Table

    rows = [{k: visible(v) for k, v in row.items()} for row in rows]
    console = console_for(e)
    if e.plain:
        for row in rows:
            e.stdout.write(f"{row['id']} ({row['outcome']})\nWhen: {row['condition']}\n{row['reason']}\n"
                           f"Source: {row['source']}\n\n")
        return
    if console.width < 100:
        for row in rows:
            console.print(Text.assemble((row["id"], "bold"), f"  ({row['outcome']})"))
            console.print(hanging(f"When: {row['condition']}"))
            console.print(hanging(row["reason"]))
            console.print(hanging(f"Source: {row['source']}"), crop=False)
            console.print()
        return
    table = Table(show_lines=True, expand=True)
    columns = ("id", "outcome", "condition", "source")  # the contract's columns; the reason is in --format json
    for col in columns:
        short = col in ("id", "outcome")
        table.add_column(col, overflow="fold", no_wrap=short, ratio=None if short else 1)
    for row in rows:
        table.add_row(*(escape(row[c]) for c in columns))
    console.print(table)


@contextmanager
def batch_progress(e: "Environment") -> Iterator[Callable[[int], None]]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.completed} records"), TimeElapsedColumn(),
                  console=console_for(e, stderr=True), transient=True) as progress:
        task = progress.add_task("batch", total=None)

        def tick(count: int) -> None:  # called after each block of records
            progress.update(task, completed=count)

        yield tick
