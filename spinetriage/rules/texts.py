"""The rules' words in other languages: ``<stem>.<lang>.yaml`` beside a rules file.

A rules file is written in English. ``spine-pain.es.yaml`` beside ``spine-pain.yaml`` holds the
Spanish of every text a person reads (each outcome's title, advice, if_worse and steps, the
phases, the safety net, the disclaimer, the limits, and each rule's reason keyed by its id) and
nothing else: what the rules decide, their ids and their sources stay in the rules file. It is
checked against the rules it belongs to: the same version, a text for every outcome, phase,
sign, limit and rule, no unknown id, as many steps, signs and limits. A problem is a
``RulesError`` naming the file, line and column, as for the rules file.

- ``read_sibling``: the texts in one language for a loaded RuleSet (``RuleSet.texts`` calls it);
  None, with one note on stderr, when the rules file has none in that language (a triage then
  shows the rules' English words, it never stops);
- ``check_siblings``: every language file beside a rules file, checked (``rules validate``);
- ``snapshot_entry`` / ``from_snapshot``: the checked texts in the shipped rules' snapshot, used
  only while the language file's text is exactly the one the snapshot was made from.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Mapping

from spinetriage.core.errors import Problem, RulesError
from spinetriage.core.i18n import _
from spinetriage.core.ruleset import Outcome, RuleSet, Texts

#: English names of the languages, for the messages of ``rules validate`` (for clinicians: English).
LANGUAGE_NAMES = {"es": "Spanish", "en": "English"}
_LANG = re.compile(r"[a-z]{2,3}")
_noted: set[str] = set()


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, repr(lang))


def sibling_path(rules_path: str | os.PathLike[str], lang: str) -> Path:
    """``rules/spine-pain.yaml`` -> ``rules/spine-pain.es.yaml``."""
    path = Path(rules_path)
    return path.with_name(f"{path.stem}.{lang}{path.suffix}")


def siblings(rules_path: str | os.PathLike[str]) -> dict[str, Path]:
    """Every language file beside a rules file: language code -> path, in order of the code."""
    path = Path(rules_path)
    folder = path.parent
    found: dict[str, Path] = {}
    try:
        names = sorted(os.listdir(folder if str(folder) else "."))
    except OSError:
        return found
    head, tail = path.stem + ".", path.suffix
    for name in names:
        if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
            lang = name[len(head):len(name) - len(tail)]
            if _LANG.fullmatch(lang) and lang != "en":
                found[lang] = folder / name
    return found


# --- reading ------------------------------------------------------------------------------


def read_sibling(ruleset: RuleSet, lang: str, known: str | Mapping[str, Any] | None = None) -> Texts | None:
    """The texts in ``lang`` beside ``ruleset``'s file, checked against it; None (and one note on
    stderr) when there is no such file. ``known``: the snapshot's entries, by language, used when
    the file's text is exactly theirs (no PyYAML, no checks: they were checked when made).

    A module-level function (with ``known`` bound by a partial), so a RuleSet still pickles.
    """
    from spinetriage.rules.load import decode_rules_bytes, read_rules_bytes

    path = sibling_path(ruleset.file, lang)
    target = str(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        _note(ruleset.file, target)
        return None
    except OSError as exc:
        raise RulesError([Problem(target, 0, 0, f"cannot read the {language_name(lang)} texts of the rules: "
                                  f"{exc.strerror or exc}")]) from None
    text = decode_rules_bytes(read_rules_bytes(target), target)
    stamp = (st.st_mtime_ns, st.st_size)
    entry = _known(known, lang)
    if entry is not None and entry.get("text") == text:
        texts = from_snapshot(entry, ruleset, lang, target, stamp)
        if texts is not None:
            return texts
    return check_text(ruleset, text, target, lang, stamp)


def _known(known: str | Mapping[str, Any] | None, lang: str) -> Any:
    """The snapshot's entry for ``lang``: ``known`` is its JSON text (parsed here) or data."""
    if isinstance(known, str):
        import json

        try:
            known = json.loads(known)
        except ValueError:
            return None
    return known.get(lang) if isinstance(known, Mapping) else None


def fresh(ruleset: RuleSet, lang: str) -> Texts | None:
    """``ruleset.texts(lang)``, read again when its file changed since (``load_rules`` asks each time:
    the RuleSet is kept for the process, its language file may be edited meanwhile)."""
    texts = ruleset._texts.get(lang)
    if texts is not None:
        try:
            st = os.stat(texts.file)
        except OSError:
            st = None
        if st is None or (st.st_mtime_ns, st.st_size) != texts.stamp:
            del ruleset._texts[lang]
    return ruleset.texts(lang)


def _note(rules_file: str, missing: str) -> None:
    """One note on stderr per rules file: its texts stay English. Never stops a triage."""
    if rules_file in _noted:
        return
    _noted.add(rules_file)
    from spinetriage.rules.load import printable

    note = _("the rules file {rules} has no texts in this language beside it ({missing} not found); "
             "its advice and reasons are shown in English").format(rules=printable(rules_file),
                                                                   missing=printable(missing))
    try:
        sys.stderr.write(_("{prog}: note: {note}").format(prog="spinetriage", note=note) + "\n")  # as cli.language writes it
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # no stderr, or a closed one: the triage goes on
        pass


def check_siblings(ruleset: RuleSet) -> list[Texts]:
    """Every language file beside ``ruleset``'s file, read and checked from its YAML
    (``rules validate``). Raises ``RulesError`` with the problems of all of them."""
    from spinetriage.rules.load import decode_rules_bytes, read_rules_bytes

    problems: list[Problem] = []
    found: list[Texts] = []
    for lang, path in siblings(ruleset.file).items():
        try:
            found.append(check_text(ruleset, decode_rules_bytes(read_rules_bytes(str(path)), str(path)),
                                    str(path), lang))
        except RulesError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RulesError(problems)
    return found


def check_text(ruleset: RuleSet, text: str, file: str, lang: str, stamp: tuple[int, int] = (0, 0)) -> Texts:
    """Check a language file's text against ``ruleset``. Raises ``RulesError`` with every problem."""
    from spinetriage.rules import yamlsrc  # PyYAML and the checks: only when a language file is read from its YAML
    from spinetriage.rules.load import _gc_paused, refuse_forbidden_chars
    from spinetriage.rules.texts_checker import TextsChecker

    with _gc_paused():
        refuse_forbidden_chars(text, file)
        src = yamlsrc.load(text, file)
        if src.problems and src.data is None:
            raise RulesError(src.problems)
        texts = TextsChecker(src, ruleset, lang, stamp).check()
        errors = [p for p in src.problems if p.severity == "error"]
        if errors or texts is None:
            raise RulesError(sorted(errors, key=lambda p: (p.line, p.col)))
        return texts


# --- the snapshot -------------------------------------------------------------------------


def snapshot_entry(texts: Texts, text: str) -> dict[str, Any]:
    """A checked language file in the shipped rules' snapshot: its text and its texts."""
    return {
        "text": text,
        "outcomes": {o.id: [o.title, o.advice, list(o.steps), o.if_worse] for o in texts.outcomes.values()},
        "phases": {name: p["text"] for name, p in texts.phases.items()},
        "safety_net": texts.safety_net,
        "disclaimer": texts.disclaimer,
        "limits": list(texts.limits),
        "reasons": texts.reasons,
    }


def from_snapshot(entry: Mapping[str, Any], ruleset: RuleSet, lang: str, file: str,
                  stamp: tuple[int, int]) -> Texts | None:
    """The Texts of a snapshot entry, or None when it does not fit ``ruleset`` (then the YAML is read)."""
    try:
        outcomes = {o.id: Outcome(o.id, o.rank, *entry["outcomes"][o.id][:2], tuple(entry["outcomes"][o.id][2]),
                                  entry["outcomes"][o.id][3]) for o in ruleset.outcomes}
        phases = {name: {"text": text, "source": ruleset.phases.get(name, {}).get("source", "")}
                  for name, text in entry["phases"].items()}
        reasons = dict(entry["reasons"])
        if set(reasons) != {r.id for r in ruleset.rules}:
            return None
        return Texts(lang, file, outcomes, phases, dict(entry["safety_net"]), entry["disclaimer"],
                     tuple(entry["limits"]), reasons, stamp)
    except (KeyError, TypeError, ValueError, IndexError):
        return None
