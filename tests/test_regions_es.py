"""Regions in Spanish (issue 19): with --lang es (or a Spanish locale) a region's numbers are named
in Spanish: its name and its urgent line's note from rules/regions.yaml (each entry must carry them:
a missing Spanish name is a load error naming the entry), our sentences from the catalog, and the
Spanish rules texts' general words replaced as the English ones are."""

from __future__ import annotations

import json

import pytest

from conftest import CALM_FLAGS, run_cli
from test_regions import problems  # the problems a regions text gives, as in the English tests
from spinetriage.core import i18n
from spinetriage.core.engine import Result
from spinetriage.core.region import GENERAL_WORDS, localize
from spinetriage.rules.regions import load_regions

EMERGENCY = ["--red-flag", "saddle-numbness", "--no-input"]
URGENT = [*CALM_FLAGS[:-1], "--red-flag", "fever"]
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8", "LANGUAGE": ""}
#: Words of the English region sentences and names that must not be left in a Spanish result.
ENGLISH = ["Call 112", "Call 911", "Call 999", "the emergency number in", "The emergency number in",
           "For advice the same day", " in Spain", " in Mexico", " in the United", "England", "Scotland",
           "nurse line", " on 1800", " or 999"]


def ask_es(*args: str, env: dict | None = None) -> dict:
    proc = run_cli("ask", "--lang", "es", *args, "--format", "json", env={**NO_LOCALE, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def texts(data: dict) -> str:
    return " ".join([data["advice"], *(v for v in data["safety_net"].values() if isinstance(v, str))])


def no_english(said: str) -> None:
    left = [w for w in ENGLISH if w in said]
    assert not left, f"English left in the Spanish region words: {left}: {said}"


# --- through the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("code, name, number", [("ES", "España", "112"), ("US", "Estados Unidos", "911"),
                                                ("MX", "México", "911"), ("GB", "el Reino Unido", "999")])
def test_an_emergency_names_the_number_in_spanish(code, name, number):
    data = ask_es(*EMERGENCY, "--region", code)
    assert data["outcome"] == "emergency"
    assert data["region"]["name"] == name and data["region"]["emergency"] == [number]
    assert f"({number} en {name})" in data["advice"] or data["advice"].startswith(
        f"Llame al {number}, el número de emergencias en {name}.")
    no_english(texts(data))


def test_gb_names_999_and_nhs_111_in_spanish():
    urgent = ask_es(*URGENT, "--region", "GB")
    said = texts(urgent)
    assert "999" in said and "NHS 111" in said and "Inglaterra y Gales; en Escocia, NHS 24 en el 111" in said
    no_english(said)
    calm = ask_es(*CALM_FLAGS, "--region", "UK")
    said = texts(calm)
    assert "999" in said and "NHS 111 (Inglaterra y Gales; en Escocia, NHS 24 en el 111)" in said
    no_english(said)


@pytest.mark.parametrize("code, numbers", [("ES", ["112"]), ("US", ["911"]), ("MX", ["911"]),
                                           ("CA", ["911", "811"]), ("AU", ["000", "1800 022 222"]),
                                           ("IE", ["112 o 999"]), ("FR", ["112"])])
def test_every_result_names_the_numbers_in_spanish(code, numbers):
    for flags in (CALM_FLAGS, URGENT):
        said = texts(ask_es(*flags, "--region", code))
        for number in numbers:
            assert number in said
        no_english(said)


def test_a_spanish_locale_gives_region_and_language():
    proc = run_cli("ask", *EMERGENCY, "--format", "json", env={**NO_LOCALE, "LANG": "es_MX.UTF-8"})
    data = json.loads(proc.stdout)
    assert data["region"] == {"code": "MX", "name": "México", "emergency": ["911"], "urgent": None}
    assert "911 en México" in data["advice"] or "Llame al 911" in data["advice"]


def test_english_keeps_the_english_names():
    proc = run_cli("ask", *URGENT, "--region", "GB", "--lang", "en", "--format", "json", env=NO_LOCALE)
    data = json.loads(proc.stdout)
    assert data["region"]["name"] == "the United Kingdom"
    assert "(NHS 111, England and Wales; NHS 24 on 111 in Scotland)" in data["advice"]


def test_an_unknown_region_notes_the_spanish_general_words():
    proc = run_cli("ask", "--lang", "es", *EMERGENCY, "--region", "JP", env=NO_LOCALE)
    assert proc.returncode == 0
    note, = proc.stderr.splitlines()
    assert note.startswith("spinetriage: nota: ") and "JP" in note  # "note" in Spanish too
    assert GENERAL_WORDS["es"].numbers in note and "Regiones conocidas" in note


# --- the Spanish rules texts' general words (as rules/spine-pain.es.yaml writes them) --------------


@pytest.fixture
def spanish():
    i18n.use("es")
    yield
    i18n.use("en")


def result(outcome: str, advice: str, if_worse: str = "", steps: tuple[str, ...] = ()) -> Result:
    return Result(outcome=outcome, title="t", advice=advice, reasons=(), phase=None, answers=None,
                  rules_version="test", steps=steps, safety_net={"if_worse": if_worse} if if_worse else {})


REGIONS = load_regions()
GENERAL = "(999 en el Reino Unido, 911 en EE. UU., 112 en Europa)"
URGENT_LINE = "(NHS 111 en el Reino Unido)"


def test_the_spanish_general_words_are_the_shared_ones():
    assert GENERAL_WORDS["es"].numbers == GENERAL and GENERAL_WORDS["es"].urgent == URGENT_LINE


def test_the_spanish_general_numbers_become_the_regions(spanish):
    said = localize(result("emergency", f"Llame a su número de emergencias {GENERAL} o vaya a urgencias ahora."),
                    REGIONS["ES"])
    assert said.advice == "Llame a su número de emergencias (112 en España) o vaya a urgencias ahora."
    ireland = localize(result("emergency", f"Llame a su número de emergencias {GENERAL}."), REGIONS["IE"])
    assert ireland.advice == "Llame a su número de emergencias (112 o 999 en Irlanda)."


def test_the_spanish_urgent_line_becomes_the_regions_or_goes(spanish):
    advice = f"Hable hoy con un médico o con su línea local de consejo urgente {URGENT_LINE}."
    gb = localize(result("urgent", advice, "Si empeora, llame a su número de emergencias."), REGIONS["GB"])
    assert gb.advice == ("Hable hoy con un médico o con su línea local de consejo urgente "
                         "(NHS 111, Inglaterra y Gales; en Escocia, NHS 24 en el 111).")
    assert gb.safety_net["if_worse"] == "Si empeora, llame a su número de emergencias (999)."
    us = localize(result("urgent", advice, "Si empeora, llame al número de emergencias."), REGIONS["US"])
    assert us.advice == "Hable hoy con un médico o con su línea local de consejo urgente."
    assert us.safety_net["if_worse"] == "Si empeora, llame al número de emergencias (911)."


def test_the_sentences_added_are_spanish(spanish):
    emergency = localize(result("emergency", "Vaya a urgencias ahora."), REGIONS["MX"])
    assert emergency.advice == "Llame al 911, el número de emergencias en México. Vaya a urgencias ahora."
    calm = localize(result("self-care", "Cuídese en casa.", "Si empeora, consulte a un médico hoy."), REGIONS["AU"])
    assert calm.safety_net["if_worse"] == (
        "Si empeora, consulte a un médico hoy. El número de emergencias en Australia es el 000. "
        "Para recibir consejo médico el mismo día, llame a la línea healthdirect al 1800 022 222.")
    canada = localize(result("self-care", "Cuídese en casa.", "Si empeora, llame a su número de emergencias."),
                      REGIONS["CA"])
    assert canada.safety_net["if_worse"] == (
        "Si empeora, llame a su número de emergencias (911). Para recibir consejo médico el mismo día, llame a "
        "la línea 811 (la línea de enfermería de la mayoría de las provincias y territorios).")
    assert canada.region.to_dict()["name"] == "Canadá"


def test_english_texts_keep_english_words():
    said = localize(result("emergency", "Call your emergency number (999 in the UK, 911 in the US, 112 in Europe)."),
                    REGIONS["ES"])
    assert said.advice == "Call your emergency number (112 in Spain)."
    assert said.region.to_dict()["name"] == "Spain"


# --- the regions file must name each region in Spanish ----------------------------------------------


def test_an_entry_without_its_spanish_name_is_a_load_error_naming_it():
    found = problems("""\
        regions:
          ES:
            name: "Spain"
            name_es: "España"
            emergency: ["112"]
            source: "EC"
          PT:
            name: "Portugal"
            emergency: ["112"]
            source: "EC"
        """)
    assert found == ["regions.yaml:7:3: the entry for PT has no name_es: its name in Spanish"]


def test_a_country_or_a_note_without_spanish_is_a_load_error_naming_it():
    found = problems("""\
        regions:
          GB:
            name: "the United Kingdom"
            name_es: "el Reino Unido"
            emergency: ["999"]
            urgent: {name: "NHS 111", number: "111", note: "England and Wales"}
            source: "NHS"
          EU:
            name: "the European Union"
            name_es: "la Unión Europea"
            emergency: ["112"]
            source: "EC"
            countries:
              FR: {name: "France", name_es: "Francia"}
              DE: {name: "Germany"}
              IT: "Italy"
              NL: {name: "the Netherlands", name_es: ""}
        """)
    assert any(p.startswith("regions.yaml:6:") and "the urgent line of GB has no note_es: its note in Spanish" in p for p in found)
    assert any(p.startswith("regions.yaml:15:") and "DE has no name_es: its name in Spanish" in p for p in found)
    assert any(p.startswith("regions.yaml:16:") and "the names of IT must be a mapping" in p for p in found)
    assert any(p.startswith("regions.yaml:17:") and "the name in Spanish must be text" in p for p in found)
    assert len(found) == 4, found


def test_every_shipped_region_has_its_spanish_name():
    for code, region in REGIONS.items():
        names = dict(region.names)
        assert names.get("es"), code
        if region.urgent and region.urgent.note:
            assert dict(region.urgent.notes).get("es"), code
