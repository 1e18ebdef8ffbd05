"""``--region``: which region's emergency number a result names (the flag, else the locale's
territory, else none), with one note on stderr for a region no number is shipped for.

Commands that print for people (``ask``) call ``choose_region``; ``batch`` never does: its lines
are machine output and do not change with the machine's locale.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Mapping

from spinetriage.cli.errors import PROG, UsageError
from spinetriage.cli.terminal import visible
from spinetriage.core.i18n import N_, _

if TYPE_CHECKING:
    from spinetriage.core.region import Region

#: Where a locale can name a territory (``core.region.LOCALE_VARIABLES``): without a ``_`` in any
#: of them there is none, and nothing about regions needs importing.
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")

#: Marked only: translated where the help is shown (``cli.options.AskCommand``).
REGION_HELP = N_("Where you are, as an ISO 3166-1 code (US, GB, ES ...): the result names its emergency number "
                 "and urgent-advice line. Default: the locale's territory (LANG=es_MX.UTF-8 is MX).")


def region_code(value: str) -> str:
    """The code of a ``--region`` value (any case, UK for GB), or a ``UsageError`` naming it."""
    from spinetriage.core.region import CODE

    code = value.strip()
    if not CODE.fullmatch(code) or not code.isascii():
        raise UsageError(_("--region: {value} is not a region code; accepted: a two-letter ISO 3166-1 code "
                           "such as US, GB or ES (numbers are shipped for {codes})").format(
                               value=repr(visible(value)), codes=", ".join(shipped())))
    return code.upper()


def shipped() -> list[str]:
    """The codes with an entry of their own, and EU for the other member states."""
    from spinetriage.rules.regions import load_regions

    return sorted({r.entry for r in load_regions().values()})


def choose_region(code: str | None, environ: Mapping[str, str], stderr: IO[str]) -> Region | None:
    """The region for ``--region`` (already checked by ``region_code``), else the locale's territory.

    None without either, or with a region no numbers are shipped for: then one note on stderr, and
    the result keeps the general words. Reads the regions file only when there is a code.
    """
    if code is None and not any("_" in (environ.get(name) or "") for name in _LOCALE_VARIABLES):
        return None  # a locale without a territory (C, POSIX, C.UTF-8, es): no region
    from spinetriage.core.region import general_words, locale_territory

    said = "--region " + code if code else ""
    if code is None:
        found = locale_territory(environ)
        if found is None:
            return None
        code, said = found[0], _("from {variable}").format(variable=found[1])
    from spinetriage.rules.regions import find_region

    region = find_region(code)
    if region is None:
        note = _("no emergency number is known here for the region {code} ({given}); the result names the usual "
                 "ones {general}. Regions known: {codes} and the EU member states").format(
                     code=code, given=said, general=general_words().numbers, codes=", ".join(shipped()))
        stderr.write(visible(_("{prog}: note: {note}").format(prog=PROG, note=note) + "\n"))  # as cli.language writes it
    return region
