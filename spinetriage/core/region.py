"""Where the person is: the region's emergency number and urgent-advice line in a result's words.

Pure: the regions come from ``rules/regions.yaml`` (read and checked by ``spinetriage.rules.regions``);
here a ``Region`` is applied to a ``Result`` (``localize``), and a locale's territory is read from
the environment given (``locale_territory``). Without a region a result keeps its words exactly.

A region is spoken of in the language in use (``core.i18n``), when it is shown: its name and its
urgent line's note as the regions file gives them in that language, our sentences through ``_()``.
The general words it replaces are known in each language of the rules texts (``GENERAL_WORDS``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple

from spinetriage.core.engine import Result
from spinetriage.core.i18n import _, current

#: The general words of the shipped rules, which a region replaces by its own number.
GENERAL_NUMBERS = "(999 in the UK, 911 in the US, 112 in Europe)"
GENERAL_URGENT = "(NHS 111 in the UK)"
#: The environment variables a locale is read from, in POSIX order (LANGUAGE last, its first entry).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
CODE = re.compile(r"[A-Za-z]{2}")
_TERRITORY = re.compile(r"[A-Za-z]{2,3}_([A-Za-z]{2})(?:[.@].*)?")
_NAMED = re.compile(r"\b([Yy]our|[Tt]he) emergency number\b(?! \()")


class GeneralWords(NamedTuple):
    """The general words of the rules texts in one language: the numbers, the urgent line, and
    "the emergency number" (not already followed by its numbers), each of which a region names."""

    numbers: str
    urgent: str
    named: re.Pattern[str]


#: By language of the rules texts (rules/spine-pain.yaml, rules/spine-pain.es.yaml). Every
#: language's words are replaced whatever the language in use: a text keeps one language.
GENERAL_WORDS: dict[str, GeneralWords] = {
    "en": GeneralWords(GENERAL_NUMBERS, GENERAL_URGENT, _NAMED),
    "es": GeneralWords("(999 en el Reino Unido, 911 en EE. UU., 112 en Europa)", "(NHS 111 en el Reino Unido)",
                       re.compile(r"\b([Ss]u|[Ee]l|[Aa]l) número de emergencias\b(?! \()")),
}


def general_words() -> GeneralWords:
    """The general words in the language in use (English where the language has none)."""
    return GENERAL_WORDS.get(current(), GENERAL_WORDS["en"])


class UrgentLine(NamedTuple):
    name: str
    number: str
    note: str = ""
    #: The note in the other languages: ``(("es", "Inglaterra y Gales; ..."),)``.
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def said_note(self) -> str:
        """The note in the language in use."""
        return dict(self.notes).get(current(), self.note) if self.note else ""

    def words(self, inside: bool = False) -> str:
        """``NHS 111 (England and Wales; ...)``, ``healthdirect on 1800 022 222``; ``inside``
        parentheses already: ``NHS 111, England and Wales; ...``. In the language in use."""
        said = self.name if self.number in self.name else _("{name} on {number}").format(
            name=self.name, number=self.number)
        note = self.said_note
        if not note:
            return said
        return f"{said}, {note}" if inside else f"{said} ({note})"


class Region(NamedTuple):
    """One region's numbers: ``code`` as asked for (FR), ``entry`` the data file's entry (EU)."""

    code: str
    name: str
    emergency: tuple[str, ...]
    source: str
    urgent: UrgentLine | None = None
    entry: str = ""
    #: The name in the other languages, as their sentences name it: ``(("es", "el Reino Unido"),)``.
    names: tuple[tuple[str, str], ...] = ()

    @property
    def said_name(self) -> str:
        """The name in the language in use: ``the United Kingdom``, ``el Reino Unido``."""
        return dict(self.names).get(current(), self.name)

    @property
    def numbers(self) -> str:
        """``999``, ``112 or 999`` (``112 o 999``)."""
        return (" " + _("or") + " ").join(self.emergency)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``region`` key (the name as the texts name it, in their language)."""
        urgent = {"name": self.urgent.name, "number": self.urgent.number} if self.urgent else None
        return {"code": self.code, "name": self.said_name, "emergency": list(self.emergency), "urgent": urgent}

    def say(self, text: str) -> str:
        """``text`` naming this region's numbers where it speaks of the emergency number or the
        urgent advice line (the general words of the shipped rules are replaced)."""
        if not text:
            return text
        numbers = _("({numbers} in {name})").format(numbers=self.numbers, name=self.said_name)
        urgent = f"({self.urgent.words(inside=True)})" if self.urgent else ""
        for general in GENERAL_WORDS.values():
            text = text.replace(general.numbers, numbers)
            text = text.replace(" " + general.urgent, " " + urgent if urgent else "").replace(general.urgent, urgent)
            text = general.named.sub(lambda m: f"{m.group(0)} ({self.numbers})", text)
        return text


def localize(result: Result, region: Region | None) -> Result:
    """``result`` with its advice, steps and safety net naming ``region``'s numbers.

    Every result then names the emergency number (in the advice of an emergency, its first
    lines); every result but an emergency names the urgent-advice line where there is one (an
    emergency sends to the emergency number alone). Without a region, ``result`` unchanged.
    """
    if region is None:
        return result
    advice = region.say(result.advice)
    net = {k: (region.say(v) if isinstance(v, str) else v) for k, v in (result.safety_net or {}).items()}
    steps = tuple(region.say(s) for s in result.steps)
    said = " ".join([advice, *steps, *(v for v in net.values() if isinstance(v, str))])
    if result.outcome == "emergency" and not _names(advice, region):
        call = _("Call {numbers}, the emergency number in {name}.").format(numbers=region.numbers,
                                                                           name=region.said_name)
        advice = f"{call} {advice}".rstrip()
    elif not _names(said, region):
        net["if_worse"] = _sentence(net.get("if_worse", ""), _("The emergency number in {name} is {numbers}.").format(
            name=region.said_name, numbers=region.numbers))
    if region.urgent and result.outcome != "emergency" and region.urgent.number not in said:
        net["if_worse"] = _sentence(net.get("if_worse", ""), _("For advice the same day, call {line}.").format(
            line=region.urgent.words()))
    return result.replace(advice=advice, steps=steps, safety_net=net, region=region)


def _names(text: str, region: Region) -> bool:
    return any(re.search(rf"(?<![0-9]){number}(?![0-9])", text) for number in region.emergency)


def _sentence(text: str, more: str) -> str:
    return f"{text} {more}" if text else more


def locale_territory(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The territory of the locale in use, and the variable that gave it: ``es_MX.UTF-8`` -> MX.

    The first of LC_ALL, LC_MESSAGES and LANG that is set decides (as POSIX reads them), then the
    first entry of LANGUAGE; a locale without a territory (C, POSIX, C.UTF-8, ``es``) gives None.
    """
    for name in LOCALE_VARIABLES:
        value = (environ.get(name) or "").strip()
        if not value:
            continue
        if name == "LANGUAGE":
            value = value.split(":")[0]
        match = _TERRITORY.fullmatch(value)
        return (match.group(1).upper(), f"{name}={value}") if match else None
    return None
