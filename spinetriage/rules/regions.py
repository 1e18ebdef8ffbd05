"""The regions file (``rules/regions.yaml``): each region's emergency number and urgent-advice line.

Read only when a region is asked for (``--region``, or a locale with a territory), and checked
whenever it is read, like a rules file: every problem is a ``RulesError`` (exit 3) naming its
``file:line:col``. ``find_region`` gives the ``core.region.Region`` for a code, or None.

Every language of the program other than English (``core.i18n.LANGUAGES``) needs each name in it
(``name_es``, and ``note_es`` beside a note): a region is never named in English in a Spanish result.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from spinetriage.core.errors import Problem, RulesError
from spinetriage.core.i18n import DEFAULT, LANGUAGES
from spinetriage.core.region import Region, UrgentLine
from spinetriage.rules.source import Source

_CODE = re.compile(r"[A-Z]{2}")
_EMERGENCY = re.compile(r"[0-9]{2,6}")
_PHONE = re.compile(r"[0-9](?:[0-9 ]{0,18}[0-9])?")
#: The other languages each name and note is given in: name_es, note_es.
_OTHER_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != DEFAULT)
_LANGUAGE_NAMES = {"es": "Spanish"}
_NAME_KEYS = {"name", *(f"name_{lang}" for lang in _OTHER_LANGUAGES)}
_ENTRY_KEYS = {"emergency", "urgent", "aliases", "countries", "source", *_NAME_KEYS}
_URGENT_KEYS = {"name", "number", "note", *(f"note_{lang}" for lang in _OTHER_LANGUAGES)}


_COUNTRY_EXAMPLE = 'FR: {name: "France", ' + ", ".join(f'name_{lang}: "..."' for lang in _OTHER_LANGUAGES) + "}"


class RegionsError(RulesError):
    """The regions file cannot be used (exit 3, as for a rules file)."""

    what = "the regions file"


def default_regions_path() -> Path:
    """``regions.yaml`` beside the shipped rules (the package's data folder, or ``rules/``)."""
    from spinetriage.rules.load import default_rules_path

    return default_rules_path().with_name("regions.yaml")


def load_regions(path: str | os.PathLike[str] | None = None) -> dict[str, Region]:
    """Every region by code (aliases and the countries of an entry included), checked.

    Raises ``RegionsError`` with every problem in the file.
    """
    target = str(path or default_regions_path())
    try:
        st = os.stat(target)
    except OSError as exc:
        raise RegionsError([Problem(target, 0, 0, f"cannot read the regions file: {exc.strerror or exc}")]) from None
    return _load_cached(target, st.st_mtime_ns, st.st_size)


def find_region(code: str, path: str | os.PathLike[str] | None = None) -> Region | None:
    """The region for an ISO 3166-1 code (any case), or None when the file has none for it."""
    return load_regions(path).get(code.strip().upper())


@lru_cache(maxsize=4)
def _load_cached(target: str, mtime_ns: int, size: int) -> dict[str, Region]:
    from spinetriage.rules.load import read_rules_bytes

    try:
        raw = read_rules_bytes(target)
        text = raw.decode("utf-8")
    except RulesError as exc:
        raise RegionsError(exc.problems) from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RegionsError([Problem(target, line, 1, "not UTF-8 text; save the file as UTF-8")]) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fast = _from_snapshot(target, text)
    return fast if fast is not None else regions_from_text(text, target)


# --- the snapshot: the shipped file's regions without PyYAML ---------------------------------
# A locale with a territory (LANG=en_US.UTF-8) chooses a region on most machines: reading the
# YAML then imported PyYAML on every ask (about a sixth of its start-up). The shipped file carries
# a snapshot of its checked regions, used only for that file and only when made from exactly its
# text; tests/test_regions.py keeps it current.

SNAPSHOT_FORMAT = 2


def regions_snapshot_path(path: str | os.PathLike[str] | None = None) -> Path:
    path = Path(path or default_regions_path())
    return path.with_name(path.stem + ".snapshot.json")


def _region_data(region: Region) -> dict[str, Any]:
    urgent = region.urgent
    return {"code": region.code, "name": region.name, "emergency": list(region.emergency), "source": region.source,
            "urgent": None if urgent is None else [urgent.name, urgent.number, urgent.note, dict(urgent.notes)],
            "entry": region.entry, "names": dict(region.names)}


def snapshot_text(text: str, file: str) -> str:
    """The snapshot of a valid regions file's text (raises ``RegionsError`` if it is not valid)."""
    import json

    regions = regions_from_text(text, file)
    return json.dumps({"format": SNAPSHOT_FORMAT, "text": text,
                       "regions": {code: _region_data(r) for code, r in regions.items()}},
                      ensure_ascii=False, separators=(",", ":")) + "\n"


def write_regions_snapshot(path: str | os.PathLike[str] | None = None) -> Path:
    """(Re)write the snapshot of the shipped regions file; run after editing ``rules/regions.yaml``:
    ``python -c "from spinetriage.rules.regions import write_regions_snapshot; write_regions_snapshot()"``"""
    path = Path(path or default_regions_path())
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    target = regions_snapshot_path(path)
    target.write_text(snapshot_text(text, str(path)), encoding="utf-8")
    return target


def _from_snapshot(target: str, text: str) -> dict[str, Region] | None:
    import json

    try:
        if not os.path.samefile(target, default_regions_path()):
            return None
        snap = json.loads(regions_snapshot_path(target).read_text(encoding="utf-8"))
        if snap.get("format") != SNAPSHOT_FORMAT or snap.get("text") != text:
            return None
        return {code: Region(r["code"], r["name"], tuple(r["emergency"]), r["source"],
                             None if r["urgent"] is None else UrgentLine(*r["urgent"][:3], tuple(r["urgent"][3].items())),
                             r["entry"], tuple(r["names"].items()))
                for code, r in snap["regions"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def regions_from_text(text: str, file: str = "<regions>") -> dict[str, Region]:
    """Check and read a regions file given as YAML text. Raises ``RegionsError`` with every problem."""
    from spinetriage.rules import yamlsrc

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    src = yamlsrc.load(text, file)
    regions: dict[str, Region] = {}
    if src.data is not None:
        regions = _Checker(src).check()
    errors = [p for p in src.problems if p.severity == "error"]
    if errors:
        raise RegionsError(sorted(errors, key=lambda p: (p.line, p.col)))
    return regions


class _Checker:
    """Every check of one regions file, one method per part of an entry (codes, numbers, the urgent
    line, countries, the names in each language). About 150 lines: the parts share the problems
    found and the codes already seen (a code given twice), so they stay one class."""

    def __init__(self, src: Source):
        self.src = src
        self.regions: dict[str, Region] = {}
        self.where: dict[str, tuple[Any, ...]] = {}  # code -> the path that gave it

    def problem(self, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        if not self.src.is_refused(path):
            self.src.problem(path, message, key=key)

    def text(self, value: Any, path: tuple[Any, ...], what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(path, f"{what} must be text in quotes, not {'nothing' if value in (None, '') else repr(value)}")
        return None

    def check(self) -> dict[str, Region]:
        data = self.src.data
        if not isinstance(data, dict) or set(data) != {"regions"}:
            extra = sorted(map(str, set(data) - {"regions"})) if isinstance(data, dict) else []
            self.problem((), "the file must hold one key, regions: a mapping of ISO 3166-1 codes to entries"
                         + (f" (not {', '.join(extra)})" if extra else ""))
            return {}
        entries = data["regions"]
        if not isinstance(entries, dict) or not entries:
            self.problem(("regions",), "regions must be a mapping of ISO 3166-1 codes (US, GB ...) to entries")
            return {}
        for code, entry in entries.items():
            self.entry(code, entry, ("regions", code))
        return self.regions

    def code(self, code: Any, path: tuple[Any, ...], key: bool = True) -> bool:
        if not (isinstance(code, str) and _CODE.fullmatch(code)):
            self.problem(path, f"{code!r} is not an ISO 3166-1 alpha-2 code: two capital letters such as US or GB",
                         key=key)
            return False
        if code in self.where:
            first = self.where[code]
            line, _col = self.src.where(first, key=first in self.src.key_positions)
            self.problem(path, f"{code} is given twice: it is also at line {line}; keep one", key=key)
            return False
        self.where[code] = path
        return True

    def entry(self, code: Any, entry: Any, path: tuple[Any, ...]) -> None:
        ok = self.code(code, path)
        if not isinstance(entry, dict):
            self.problem(path, f"the entry for {code} must be a mapping with name, emergency and source")
            return
        for key in entry:
            if key not in _ENTRY_KEYS:
                self.problem(path + (key,), f"unknown key {key!r} in the entry for {code}; the keys are "
                             + ", ".join(sorted(_ENTRY_KEYS)), key=True)
        for key in ("name", "emergency", "source"):
            if key not in entry:
                self.problem(path, f"the entry for {code} has no {key}", key=True)
        names = self.names(entry, path, f"the entry for {code}")
        name = self.text(entry.get("name"), path + ("name",), "name") if "name" in entry else None
        source = self.text(entry.get("source"), path + ("source",), "source") if "source" in entry else None
        numbers = self.numbers(entry.get("emergency"), path + ("emergency",)) if "emergency" in entry else None
        urgent = self.urgent(entry["urgent"], path + ("urgent",), code) if "urgent" in entry else None
        if not (ok and name and source and numbers) or urgent is False or names is None:
            return
        line = urgent or None
        self.regions[code] = Region(code, name, numbers, source, line, code, names)
        for i, alias in enumerate(entry.get("aliases") or ()):
            if self.code(alias, path + ("aliases", i), key=False):
                self.regions[alias] = Region(code, name, numbers, source, line, code, names)
        if "aliases" in entry and not isinstance(entry["aliases"], list):
            self.problem(path + ("aliases",), "aliases must be a list of codes, such as [UK]")
        countries = entry.get("countries")
        if "countries" in entry and not isinstance(countries, dict):
            self.problem(path + ("countries",), "countries must be a mapping of codes to names, such as "
                         + _COUNTRY_EXAMPLE)
        for country, value in (countries or {}).items() if isinstance(countries, dict) else ():
            where = path + ("countries", country)
            said = country_names = None
            if not isinstance(value, dict):
                self.problem(where, f"the names of {country} must be a mapping, such as {_COUNTRY_EXAMPLE}")
            else:
                for key in value:
                    if key not in _NAME_KEYS:
                        self.problem(where + (key,), f"unknown key {key!r} in the names of {country}; the keys are "
                                     + ", ".join(sorted(_NAME_KEYS)), key=True)
                if "name" not in value:
                    self.problem(where, f"{country} has no name", key=True)
                said = self.text(value.get("name"), where + ("name",), f"the name of {country}") if "name" in value else None
                country_names = self.names(value, where, country)
            if self.code(country, where) and said and country_names is not None:
                self.regions[country] = Region(country, said, numbers, source, line, code, country_names)

    def names(self, value: dict[str, Any], path: tuple[Any, ...], what: str, key: str = "name"
              ) -> tuple[tuple[str, str], ...] | None:
        """``value``'s ``name_<lang>`` (or ``note_<lang>``) in every other language, or None when one is missing."""
        found: list[tuple[str, str]] = []
        for lang in _OTHER_LANGUAGES:
            field = f"{key}_{lang}"
            language = _LANGUAGE_NAMES.get(lang, lang)
            if field not in value:
                self.problem(path, f"{what} has no {field}: its {key} in {language}", key=True)
                continue
            said = self.text(value[field], path + (field,), f"the {key} in {language}")
            if said:
                found.append((lang, said))
        return tuple(found) if len(found) == len(_OTHER_LANGUAGES) else None

    def numbers(self, value: Any, path: tuple[Any, ...]) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.problem(path, 'emergency must be a list of numbers in quotes, such as ["112"]')
            return None
        good = True
        for i, number in enumerate(value):
            if not (isinstance(number, str) and _EMERGENCY.fullmatch(number)):
                good = False
                self.problem(path + (i,), f"{number!r} is not an emergency number: 2 to 6 digits in quotes, "
                             'such as "112" (a number without quotes loses its leading zeros)')
        return tuple(value) if good else None

    def urgent(self, value: Any, path: tuple[Any, ...], code: Any) -> UrgentLine | bool:
        if not isinstance(value, dict):
            self.problem(path, "urgent must be a mapping with name and number (and a note, if it does not "
                         "serve the whole country)")
            return False
        for key in value:
            if key not in _URGENT_KEYS:
                self.problem(path + (key,), f"unknown key {key!r} in urgent; the keys are name, number, note", key=True)
        name = self.text(value.get("name"), path + ("name",), "the urgent line's name")
        number = value.get("number")
        if not (isinstance(number, str) and _PHONE.fullmatch(number)):
            self.problem(path + ("number",), f"the urgent line's number must be digits (and spaces) in quotes, "
                         f"such as \"0800 611 116\", not {number!r}")
            number = None
        note = value.get("note", "")
        if note != "" and not self.text(note, path + ("note",), "the note"):
            note = None
        notes: tuple[tuple[str, str], ...] | None = ()
        if note:
            notes = self.names(value, path, f"the urgent line of {code}", key="note")
        for lang in _OTHER_LANGUAGES:
            if not note and f"note_{lang}" in value:
                self.problem(path + (f"note_{lang}",), f"note_{lang} without a note: give the note in English too",
                             key=True)
        if not (name and number) or note is None or notes is None:
            return False
        return UrgentLine(name, number, note.strip(), notes)
