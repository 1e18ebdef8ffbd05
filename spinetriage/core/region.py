"""Where the person is: the region's emergency number and urgent-advice line in a result's words.

Pure: the regions come from ``rules/regions.yaml`` (read and checked by ``spinetriage.rules.regions``);
here a ``Region`` is applied to a ``Result`` (``localize``), and a locale's territory is read from
the environment given (``locale_territory``). Without a region a result keeps its words exactly.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Mapping, NamedTuple

from spinetriage.core.engine import Result

#: The general words of the shipped rules, which a region replaces by its own number.
GENERAL_NUMBERS = "(999 in the UK, 911 in the US, 112 in Europe)"
GENERAL_URGENT = "(NHS 111 in the UK)"
#: The environment variables a locale is read from, in POSIX order (LANGUAGE last, its first entry).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
CODE = re.compile(r"[A-Za-z]{2}")
_TERRITORY = re.compile(r"[A-Za-z]{2,3}_([A-Za-z]{2})(?:[.@].*)?")
_NAMED = re.compile(r"\b([Yy]our|[Tt]he) emergency number\b(?! \()")


class UrgentLine(NamedTuple):
    name: str
    number: str
    note: str = ""

    def words(self, inside: bool = False) -> str:
        """``NHS 111 (England and Wales; ...)``, ``healthdirect on 1800 022 222``; ``inside``
        parentheses already: ``NHS 111, England and Wales; ...``."""
        said = self.name if self.number in self.name else f"{self.name} on {self.number}"
        if not self.note:
            return said
        return f"{said}, {self.note}" if inside else f"{said} ({self.note})"


class Region(NamedTuple):
    """One region's numbers: ``code`` as asked for (FR), ``entry`` the data file's entry (EU)."""

    code: str
    name: str
    emergency: tuple[str, ...]
    source: str
    urgent: UrgentLine | None = None
    entry: str = ""

    @property
    def numbers(self) -> str:
        """``999``, ``112 or 999``."""
        return " or ".join(self.emergency)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``region`` key."""
        urgent = {"name": self.urgent.name, "number": self.urgent.number} if self.urgent else None
        return {"code": self.code, "name": self.name, "emergency": list(self.emergency), "urgent": urgent}

    def say(self, text: str) -> str:
        """``text`` naming this region's numbers where it speaks of the emergency number or the
        urgent advice line (the general words of the shipped rules are replaced)."""
        if not text:
            return text
        text = text.replace(GENERAL_NUMBERS, f"({self.numbers} in {self.name})")
        urgent = f"({self.urgent.words(inside=True)})" if self.urgent else ""
        text = text.replace(" " + GENERAL_URGENT, " " + urgent if urgent else "").replace(GENERAL_URGENT, urgent)
        return _NAMED.sub(lambda m: f"{m.group(0)} ({self.numbers})", text)


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
        advice = f"Call {region.numbers}, the emergency number in {region.name}. {advice}".rstrip()
    elif not _names(said, region):
        net["if_worse"] = _sentence(net.get("if_worse", ""), f"The emergency number in {region.name} is {region.numbers}.")
    if region.urgent and result.outcome != "emergency" and region.urgent.number not in said:
        net["if_worse"] = _sentence(net.get("if_worse", ""), f"For advice the same day, call {region.urgent.words()}.")
    return dataclasses.replace(result, advice=advice, steps=steps, safety_net=net, region=region)


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
