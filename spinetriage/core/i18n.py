"""The language people are spoken to in: choosing it, and translating our own words.

Pure but for one read: the catalogs are gettext ``.mo`` files in ``spinetriage/data/locale/<lang>/LC_MESSAGES/``
(made from the ``.po`` beside them with Babel: docs/languages.md, "Adding a language"); reading
one is a single file read, done only when a language other than English is chosen, so English
pays nothing.

How code uses it:

- ``_("text")`` where a person reads ``text`` (at the time it is shown, never at import time);
- ``N_("text")`` marks a constant for the catalog without translating it (the vocabulary's
  words, headings); the place that shows it calls ``_(...)`` on it;
- ``ngettext(one, many, n)`` where a count decides the form.

The language is one per process (``use``), chosen by the command line from ``--lang`` or the
locale (``choose``). The library (``spinetriage.triage`` ...) speaks English unless ``use`` is
called; machine words (ids, JSON keys, outcome ids, exit codes) never change with the language.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

#: The languages with a complete catalog; the first is the language of the source texts.
LANGUAGES: dict[str, str] = {"en": "English", "es": "español"}
DEFAULT = "en"
#: The environment variables a language is read from, in the order CONTRACT.md gives (POSIX's).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
DOMAIN = "spinetriage"

_catalog: Any = None  # a gettext.GNUTranslations, or None for English
_lang = DEFAULT


def _(message: str) -> str:
    """``message`` in the language in use (itself in English, or when it has no translation)."""
    return message if _catalog is None else _catalog.gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    if _catalog is None:
        return singular if n == 1 else plural
    return _catalog.ngettext(singular, plural, n)


def current() -> str:
    """The language in use: ``en`` or ``es``."""
    return _lang


def locale_dir() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "locale")


def catalog_path(lang: str) -> str:
    return os.path.join(locale_dir(), lang, "LC_MESSAGES", DOMAIN + ".mo")


def use(lang: str) -> None:
    """Speak ``lang`` from now on (one of LANGUAGES; English needs no file)."""
    global _catalog, _lang
    if lang not in LANGUAGES:
        raise ValueError(f"no catalog for language {lang!r}; known: {', '.join(LANGUAGES)}")
    if lang == DEFAULT:
        _catalog, _lang = None, lang
        return
    import gettext

    with open(catalog_path(lang), "rb") as fp:
        _catalog = gettext.GNUTranslations(fp)
    _lang = lang


def language_of(value: str) -> str:
    """The language part of a locale or a ``--lang`` value: ``es_MX.UTF-8`` -> ``es``, ``ES`` -> ``es``,
    ``C``/``POSIX`` -> ``en`` (they name no language: the source texts)."""
    value = value.strip()
    if value.upper() in ("C", "POSIX") or value.upper().startswith(("C.", "POSIX.")):
        return DEFAULT
    for sep in (".", "@"):
        value = value.split(sep, 1)[0]
    return value.replace("-", "_").split("_", 1)[0].lower()


def choose(flag: str | None, environ: Mapping[str, str]) -> tuple[str, str | None]:
    """The language to speak and, when the one asked for has no catalog, a one-line note.

    ``--lang`` decides when given; else the first of LC_ALL, LC_MESSAGES, LANG that is set, then
    LANGUAGE (a colon-separated list: its first language that has a catalog). An unknown
    language falls back to English with a note; it never stops a triage.
    """
    if flag is not None and flag.strip():
        lang = language_of(flag)
        if lang in LANGUAGES:
            return lang, None
        return DEFAULT, (f"--lang {flag.strip()!r}: no such language here (known: "
                         f"{', '.join(LANGUAGES)}); using English")
    for name in LOCALE_VARIABLES:
        value = (environ.get(name) or "").strip()
        if not value:
            continue
        wanted = [language_of(v) for v in value.split(":") if v.strip()] if name == "LANGUAGE" else [language_of(value)]
        for lang in wanted:
            if lang in LANGUAGES:
                return lang, None
        if not wanted:
            continue
        return DEFAULT, f"{name}={value}: no translation for this language yet; using English"
    return DEFAULT, None
