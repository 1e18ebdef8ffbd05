"""The translation catalogs: extract our words, update each language, compile, check.

    python tools/i18n.py extract      # spinetriage/data/locale/spinetriage.pot from the code
    python tools/i18n.py update       # each <lang>/LC_MESSAGES/spinetriage.po gains the new words
    python tools/i18n.py compile      # each .po -> the .mo the program reads (committed, in the wheel)
    python tools/i18n.py check        # what a translator still has to do; exit 1 if anything
    python tools/i18n.py all          # extract, update, compile, check
    python tools/i18n.py init LANG    # start a new language's .po from the template

Babel (a test dependency) does the work; the catalogs are standard gettext files that Poedit,
Weblate and Lokalize open. How to add a language: docs/languages.md, "Adding a language".
The rules' texts are not here: they are in rules/spine-pain.<lang>.yaml, checked by
``spinetriage rules validate``.
"""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "spinetriage" / "data" / "locale"
POT = LOCALE / "spinetriage.pot"
DOMAIN = "spinetriage"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}|%\([a-z_]+\)[sd]|%[sd]")


def languages() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file())


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def extract() -> None:
    pybabel("extract", "-F", "babel.cfg", "-k", "N_", "-k", "ngettext:1,2", "--no-wrap", "--sort-by-file",
            "--omit-header", "--project", "spinetriage", "-o", str(POT.relative_to(ROOT)), ".")


ENGLISH_NAMES = {"es": "Spanish"}
HEADER = """\
# {name} words of spinetriage (the interview, the reports, the messages).
# The rules' texts are in rules/spine-pain.{lang}.yaml; the clinical words chosen are in
# docs/glossary-{lang}.md. How to update and check: docs/languages.md, "Adding a language".
# This file is distributed under the same license as spinetriage (MIT).
#
msgid ""
msgstr ""
"Project-Id-Version: spinetriage\\n"
"Language: {lang}\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""


def tidy(lang: str) -> None:
    """The .po with a fixed header (no dates or tool versions: a change shows only the words)."""
    path = po_path(lang)
    text = path.read_text(encoding="utf-8")
    body = text[text.index("\n\n") + 2:] if text.startswith(("#", 'msgid ""')) else text
    path.write_text(HEADER.format(lang=lang, name=ENGLISH_NAMES.get(lang, lang)) + "\n" + body, encoding="utf-8")


def update() -> None:
    for lang in languages():
        pybabel("update", "-i", str(POT), "-d", str(LOCALE), "-D", DOMAIN, "-l", lang, "--no-wrap",
                "--no-fuzzy-matching", "--ignore-obsolete")
        tidy(lang)


def compiled(lang: str) -> bytes:
    """The .mo of ``lang``'s .po, as ``compile`` writes it (a test compares it with the file)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as fp:
        catalog = read_po(fp, locale=lang)
    # Babel dates a header without one "now": a fixed date keeps the .mo the same for the same .po
    catalog.creation_date = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_all() -> None:
    for lang in languages():
        (LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").write_bytes(compiled(lang))


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def problems(lang: str) -> list[str]:
    """Every entry of ``lang`` that is untranslated, fuzzy, or loses or adds a placeholder."""
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as fp:
        catalog = read_po(fp, locale=lang)
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        where = f"{_shown(po_path(lang))}: {ids[0][:60]!r}"
        if message.fuzzy:
            found.append(f"{where}: marked fuzzy (check it, then remove the flag)")
        if not all(strings):
            found.append(f"{where}: not translated")
            continue
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != wanted:
                found.append(f"{where}: the placeholders {wanted} are not kept exactly")
    return found


def check() -> int:
    found = [p for lang in languages() for p in problems(lang)]
    for line in found:
        print(line)
    return 1 if found else 0


def init(lang: str) -> None:
    if po_path(lang).exists():
        raise SystemExit(f"{po_path(lang)} exists already; use update")
    extract()
    pybabel("init", "-i", str(POT), "-d", str(LOCALE), "-D", DOMAIN, "-l", lang, "--no-wrap")
    tidy(lang)


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "all"
    if what == "init" and len(argv) == 2:
        init(argv[1])
        return 0
    if what in ("extract", "all"):
        extract()
    if what in ("update", "all"):
        update()
    if what in ("compile", "all"):
        compile_all()
    if what in ("check", "all"):
        return check()
    if what not in ("extract", "update", "compile", "check", "all"):
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
