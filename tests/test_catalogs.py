"""The translation catalogs are complete, exact and in step with the code (issue 19).

A translator is done when these pass: every word the code marks is in each language's catalog,
translated, not fuzzy, with its placeholders kept; the compiled .mo the program reads is the
.po compiled; and every language speaks from the first prompt to the result.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from spinetriage.core import i18n

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

pytest.importorskip("babel")


def marked_in_code(tmp_path: Path) -> set[str]:
    """The msgids Babel extracts from the code now."""
    from babel.messages.pofile import read_po

    out = tmp_path / "now.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-k", "ngettext:1,2", "--omit-header", "-o", str(out), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(out, "rb") as fp:
        return {m.id for m in read_po(fp) if m.id}


def catalog(lang: str):
    from babel.messages.pofile import read_po

    with open(tool.po_path(lang), "rb") as fp:
        return read_po(fp, locale=lang)


def test_every_shipped_language_has_a_catalog():
    assert tool.languages() == sorted(set(i18n.LANGUAGES) - {i18n.DEFAULT})


@pytest.mark.parametrize("lang", tool.languages())
def test_every_word_the_code_marks_is_in_the_catalog(lang, tmp_path):
    marked = marked_in_code(tmp_path)
    known = {m.id for m in catalog(lang) if m.id}
    missing = sorted(marked - known)
    assert not missing, f"run `python tools/i18n.py all`: {len(missing)} words are not in {lang}: {missing[:5]}"
    stale = sorted(known - marked)
    assert not stale, f"words no longer in the code, still in {lang} (run tools/i18n.py update): {stale[:5]}"


@pytest.mark.parametrize("lang", tool.languages())
def test_no_entry_is_untranslated_fuzzy_or_loses_a_placeholder(lang):
    assert tool.problems(lang) == []


@pytest.mark.parametrize("lang", tool.languages())
def test_the_compiled_catalog_is_the_po_compiled(lang):
    shipped = (tool.LOCALE / lang / "LC_MESSAGES" / "spinetriage.mo").read_bytes()
    assert shipped == tool.compiled(lang), "run `python tools/i18n.py compile`"


def test_the_checker_sees_a_lost_placeholder_an_untranslated_and_a_fuzzy_entry(tmp_path, monkeypatch):
    """The check a translator relies on can fail."""
    po = tmp_path / "xx" / "LC_MESSAGES" / "spinetriage.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "{count} of {total}"\nmsgstr "{count} de {todo}"\n\n'
                  'msgid "Age"\nmsgstr ""\n\n'
                  '#, fuzzy\nmsgid "Neck"\nmsgstr "Cuello"\n', encoding="utf-8")
    monkeypatch.setattr(tool, "LOCALE", tmp_path)
    found = tool.problems("xx")
    assert any("placeholders" in p and "{count} of {total}" in p for p in found)
    assert any("not translated" in p and "Age" in p for p in found)
    assert any("fuzzy" in p and "Neck" in p for p in found)


def test_a_language_is_chosen_as_contract_md_says():
    assert i18n.choose("es", {}) == ("es", None)
    assert i18n.choose("ES", {"LANG": "en_GB.UTF-8"}) == ("es", None)
    assert i18n.choose(None, {"LANG": "es_MX.UTF-8"}) == ("es", None)
    assert i18n.choose(None, {"LC_ALL": "en_US.UTF-8", "LANG": "es_ES.UTF-8"}) == ("en", None)
    assert i18n.choose(None, {"LC_MESSAGES": "es_AR.UTF-8", "LANG": "en_US.UTF-8"}) == ("es", None)
    assert i18n.choose(None, {"LANGUAGE": "fr:es"}) == ("es", None)
    assert i18n.choose(None, {"LANG": "C.UTF-8"}) == ("en", None)
    assert i18n.choose(None, {}) == ("en", None)
    lang, note = i18n.choose("fr", {})
    assert lang == "en" and "fr" in note and "English" in note
    lang, note = i18n.choose(None, {"LANG": "de_DE.UTF-8"})
    assert lang == "en" and "LANG=de_DE.UTF-8" in note
