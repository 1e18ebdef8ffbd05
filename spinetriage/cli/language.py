"""``--lang``: the language people are spoken to in (the flag, else the locale, else English),
with one note on stderr for a language no catalog is shipped for (``core.i18n``).

The language is chosen before the command is built (``program.run`` looks for ``--lang`` in the
arguments), so that ``--help`` is in it too; ``ask`` and ``recheck`` choose again from their own
``--lang`` (the same answer) so that a command run without ``run`` (``CliRunner``) speaks it.
``batch`` and the ``rules`` commands never do: their output is for scripts and clinicians and
does not change with the machine's locale.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Iterator, Mapping

from spinetriage.cli.terminal import visible
from spinetriage.core import i18n

if TYPE_CHECKING:
    from spinetriage.core.ruleset import RuleSet

#: Marked only: this module is imported before the language is chosen; ``AskCommand`` translates it.
#: One line, so that ask --help stays within 60 lines at 80 columns (the locale's order is in the docs).
LANG_HELP = i18n.N_("Language: en or es (default: from the locale).")
_noted: set[str] = set()


def flag_value(args: list[str]) -> str | None:
    """The value of the last ``--lang`` in ``args`` (before a ``--``), or None."""
    value = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg[len("--lang="):]
    return value


def apply(flag: str | None, environ: Mapping[str, str], stderr: IO[str] | None) -> str:
    """Speak the language ``flag`` or the locale names; returns it. A note, once, when unknown."""
    from spinetriage.cli.errors import PROG

    lang, note = i18n.choose(flag, environ)
    if lang != i18n.current():
        try:
            i18n.use(lang)
        except Exception as exc:  # noqa: BLE001 - a damaged install (a cut .mo raises struct.error):
            # English, never a stopped triage
            note, lang = f"the {i18n.LANGUAGES.get(lang, lang)} catalog cannot be read ({exc}); using English", "en"
            i18n.use(lang)
    if note and note not in _noted and stderr is not None:
        _noted.add(note)
        stderr.write(visible(i18n._("{prog}: note: {note}").format(prog=PROG, note=note) + "\n"))
    return lang


def load_rules_in_words(path: str | None, stderr: IO[str] | None) -> RuleSet:
    """``load_rules``, except that a triage never stops for a translation: when only the rules'
    texts in the language in use do not fit them (a stale or damaged ``<stem>.<lang>.yaml``), the
    rules give their advice and reasons in their own words (English), with one warning naming the
    first problem. ``rules validate`` still refuses such a file (exit 3). Raises ``RulesError``
    when the rules themselves cannot be used."""
    from spinetriage.cli.errors import PROG
    from spinetriage.core.errors import RulesError
    from spinetriage.rules.load import load_rules

    try:
        return load_rules(path)
    except RulesError as exc:
        lang = i18n.current()
        if lang == i18n.DEFAULT:
            raise
        i18n.use(i18n.DEFAULT)  # English reads no texts: fails again only when the rules are at fault
        try:
            ruleset = load_rules(path)
        except RulesError:
            raise exc from None
        finally:
            i18n.use(lang)
        ruleset.keep_own_words(lang)
        if stderr is not None:
            problem = exc.problems[0] if exc.problems else exc
            stderr.write(visible(i18n._("{prog}: warning: the rules' texts in this language do not fit the rules "
                                        "({problem}); their advice and reasons are shown in English").format(
                prog=PROG, problem=problem) + "\n"))
        return ruleset


@contextmanager
def help_spoken(command: Any) -> Iterator[None]:
    """While ``command``'s help is written: its help texts and its options' (the English ones,
    marked for the catalog) in the language in use, whenever the command was built."""
    texts = [(item, item.help) for item in (command, *command.params) if getattr(item, "help", None)]
    try:
        for item, text in texts:
            item.help = i18n._(text)
        yield
    finally:
        for item, text in texts:
            item.help = text
