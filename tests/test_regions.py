"""Regions (issue 19): --region, else the locale's territory, names that region's emergency number
and urgent-advice line in every format for people; the numbers come from rules/regions.yaml,
checked on load, and phonenumbers (libphonenumber's data) referees every number shipped."""

from __future__ import annotations

import json
import textwrap

import phonenumbers
import pytest
from phonenumbers import shortnumberinfo

from conftest import CALM_FLAGS, ROOT, run_cli
from spinetriage.core.errors import RulesError
from spinetriage.core.region import GENERAL_NUMBERS, locale_territory
from spinetriage.rules.regions import load_regions, regions_from_text

REGIONS_FILE = ROOT / "rules" / "regions.yaml"
EMERGENCY = ["--red-flag", "saddle-numbness", "--no-input"]
URGENT = [*CALM_FLAGS[:-1], "--red-flag", "fever"]
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8", "LANGUAGE": ""}


def ask(*args: str, env: dict | None = None):
    return run_cli("ask", *args, env={**NO_LOCALE, **(env or {})})


# --- the shipped numbers, refereed by phonenumbers ------------------------------------------------

SHIPPED = load_regions(REGIONS_FILE)


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_every_emergency_number_shipped_is_one_there_for_phonenumbers(code):
    region = SHIPPED[code]
    # an alias (UK) stands for its entry's code (GB); the EU entry for each member state using it
    places = [c for c, r in SHIPPED.items() if r.entry == "EU" and c != "EU"] if code == "EU" else [region.code]
    assert len(places) >= (25 if code == "EU" else 1)
    for where in places:
        for number in region.emergency:
            assert shortnumberinfo.is_emergency_number(number, where), f"{where}: {number} is not an emergency number"


@pytest.mark.parametrize("code", sorted(c for c, r in SHIPPED.items() if r.urgent))
def test_every_urgent_line_is_a_number_that_can_be_dialled_there(code):
    region = SHIPPED[code]
    number = phonenumbers.parse(region.urgent.number, region.code)
    assert (phonenumbers.is_valid_number_for_region(number, region.code)
            or shortnumberinfo.is_valid_short_number_for_region(number, region.code))
    assert not shortnumberinfo.is_emergency_number(region.urgent.number, region.code)


def test_the_regions_the_issue_asks_for_are_shipped_each_with_a_source():
    assert {"US", "CA", "MX", "GB", "IE", "ES", "AU", "NZ", "EU", "FR", "DE"} <= SHIPPED.keys()
    assert SHIPPED["GB"].emergency == ("999",) and SHIPPED["GB"].urgent.name == "NHS 111"
    assert SHIPPED["CA"].urgent.number == "811" and SHIPPED["AU"].urgent.number == "1800 022 222"
    assert SHIPPED["NZ"].urgent.number == "0800 611 116" and SHIPPED["IE"].emergency == ("112", "999")
    assert SHIPPED["UK"] == SHIPPED["GB"] and SHIPPED["FR"].emergency == ("112",) and SHIPPED["FR"].entry == "EU"
    assert all(r.source for r in SHIPPED.values())


# --- through the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("code, numbers", [("US", ["911"]), ("GB", ["999", "NHS 111"]), ("es", ["112"]),
                                           ("MX", ["911"]), ("AU", ["000", "1800 022 222"]),
                                           ("NZ", ["111", "0800 611 116"]), ("CA", ["911", "811"])])
def test_region_names_its_numbers_in_every_result(code, numbers):
    calm = ask(*CALM_FLAGS, "--region", code, "--format", "json")
    assert calm.returncode == 0, calm.stderr
    data = json.loads(calm.stdout)
    assert data["region"]["code"] == code.upper()
    for number in numbers:  # self-care: the safety net names them
        assert number in data["safety_net"]["if_worse"]
    assert GENERAL_NUMBERS not in calm.stdout
    urgent = ask(*URGENT, "--region", code, "--plain")
    for number in numbers:
        assert number in urgent.stdout
    emergency = ask(*EMERGENCY, "--region", code, "--plain")
    assert numbers[0] in emergency.stdout.splitlines()[2]  # the advice, right under the headline


def test_gb_names_999_and_nhs_111_in_the_urgent_advice():
    proc = ask(*URGENT, "--region", "GB", "--format", "json")
    data = json.loads(proc.stdout)
    assert "NHS 111" in data["advice"] and "999" in data["safety_net"]["if_worse"]
    assert data["region"] == {"code": "GB", "name": "the United Kingdom", "emergency": ["999"],
                              "urgent": {"name": "NHS 111", "number": "111"}}


def test_an_emergency_names_only_the_emergency_number_first():
    proc = ask(*EMERGENCY, "--region", "GB", "--plain")
    lines = proc.stdout.splitlines()
    assert lines[2].startswith("Call your emergency number (999 in the United Kingdom)")
    assert "111" not in proc.stdout  # an emergency is never sent to an advice line


def test_the_locale_gives_the_region():
    proc = ask(*EMERGENCY, "--format", "json", env={"LANG": "es_MX.UTF-8"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    # es_MX is Spanish too (--lang en keeps English): the region is named in Spanish
    assert data["region"]["code"] == "MX" and "(911 en México)" in data["advice"]
    english = json.loads(ask(*EMERGENCY, "--format", "json", "--lang", "en", env={"LANG": "es_MX.UTF-8"}).stdout)
    assert "(911 in Mexico)" in english["advice"]
    assert proc.stderr == ""
    flag_wins = json.loads(ask(*EMERGENCY, "--format", "json", "--region", "ES",
                               env={"LANG": "es_MX.UTF-8"}).stdout)
    assert flag_wins["region"]["code"] == "ES"


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "fhir"])
def test_without_a_region_the_words_are_todays(fmt):
    proc = ask(*EMERGENCY, "--format", fmt)
    assert GENERAL_NUMBERS in proc.stdout.replace("\\", "")  # Markdown escapes ( and )
    assert '"region"' not in proc.stdout and proc.stderr == ""


def test_the_markdown_and_the_html_page_name_the_number(tmp_path):
    md = ask(*CALM_FLAGS, "--region", "NZ", "--format", "markdown").stdout.replace("\\", "")  # \( is (
    assert "## Call the emergency number (111) at once if you have" in md and "Healthline on 0800 611 116" in md
    page = tmp_path / "r.html"
    proc = ask(*EMERGENCY, "--region", "IE", "--output", str(page))
    assert proc.returncode == 0, proc.stderr
    html = page.read_text(encoding="utf-8")
    assert "Call your emergency number (112 or 999 in Ireland)" in html


def test_an_unknown_region_is_a_note_and_todays_words():
    for args, env, said in [(["--region", "JP"], {}, "--region JP"), ([], {"LANG": "en_IN.UTF-8"}, "LANG=en_IN.UTF-8")]:
        proc = ask(*EMERGENCY, "--format", "json", *args, env=env)
        assert proc.returncode == 0, proc.stderr
        assert GENERAL_NUMBERS in json.loads(proc.stdout)["advice"]
        note, = proc.stderr.splitlines()
        assert note.startswith("spinetriage: note: ") and said in note and "GB" in note


def test_a_malformed_region_is_a_usage_error_unless_an_emergency_decides():
    proc = ask(*CALM_FLAGS, "--region", "USA")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "--region: 'USA' is not a region code" in proc.stderr and "ISO 3166-1" in proc.stderr
    emergency = ask(*EMERGENCY, "--region", "USA", "--format", "json")
    assert emergency.returncode == 0
    assert json.loads(emergency.stdout)["outcome"] == "emergency"
    assert "warning: --region: 'USA'" in emergency.stderr


def test_a_locale_without_a_territory_gives_no_region():
    assert locale_territory({"LANG": "C.UTF-8"}) is None
    assert locale_territory({"LC_ALL": "C", "LANG": "es_MX.UTF-8"}) is None  # LC_ALL decides
    assert locale_territory({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "es_MX"})[0] == "GB"
    assert locale_territory({"LANGUAGE": "fr_FR:fr"}) == ("FR", "LANGUAGE=fr_FR")
    assert locale_territory({"LANG": "sr_RS@latin"})[0] == "RS"
    assert locale_territory({"LANG": "es_419.UTF-8"}) is None


# --- the regions file is checked like a rules file --------------------------------------------------


def problems(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        regions_from_text(textwrap.dedent(text), "regions.yaml")
    return [str(p) for p in info.value.problems]


def test_a_bad_entry_is_named_with_its_line():
    found = problems("""\
        regions:
          US:
            name: "the United States"
            emergency: [911]
            source: "911.gov"
            name_es: "Estados Unidos"
          gb:
            name: "the United Kingdom"
            emergency: ["999"]
          NZ:
            name: "New Zealand"
            emergency: ["111"]
            urgent: {name: "Healthline", number: 800611116x}
            source: "NZ Police"
            colour: red
            name_es: "Nueva Zelanda"
        """)
    assert found[0].startswith("regions.yaml:4:") and "911 is not an emergency number" in found[0]
    assert any(p.startswith("regions.yaml:7:") and "'gb' is not an ISO 3166-1 alpha-2 code" in p for p in found)
    assert any(p.startswith("regions.yaml:7:") and "has no source" in p for p in found)
    assert any(p.startswith("regions.yaml:13:") and "number must be digits" in p for p in found)
    assert any(p.startswith("regions.yaml:15:") and "unknown key 'colour'" in p for p in found)


def test_a_code_given_twice_is_refused():
    found = problems("""\
        regions:
          GB: {name: "the United Kingdom", name_es: "el Reino Unido", emergency: ["999"], source: "NHS", aliases: [UK]}
          EU:
            name: "the European Union"
            emergency: ["112"]
            source: "EC"
            countries: {UK: {name: "nowhere", name_es: "ninguna parte"}, FR: {name: France, name_es: Francia}}
            name_es: "la Unión Europea"
        """)
    assert found == ["regions.yaml:7:17: UK is given twice: it is also at line 2; keep one"]


def test_a_broken_regions_file_stops_with_exit_3(tmp_path, monkeypatch):
    bad = tmp_path / "regions.yaml"
    bad.write_text("regions:\n  US:\n    name: the United States\n    emergency: ['9 1 1']\n    source: x\n"
                   "    name_es: Estados Unidos\n")
    code = f"""
import sys
import spinetriage.rules.regions as r
r.default_regions_path = lambda: r.Path({str(bad)!r})
from spinetriage.cli import run
sys.exit(run(["ask", "--red-flag", "saddle-numbness", "--no-input", "--region", "US"]))
"""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert f"{bad}:4:" in proc.stderr and "the regions file cannot be used: 1 problem" in proc.stderr


def test_the_shipped_file_is_valid_through_its_loader():
    assert load_regions() == SHIPPED


def test_the_region_key_satisfies_the_output_schema():
    import jsonschema

    schema = json.loads((ROOT / "spinetriage" / "data" / "schemas" / "result.schema.json").read_text())
    for code in ("GB", "US", "FR"):
        data = json.loads(ask(*EMERGENCY, "--region", code, "--format", "json").stdout)
        jsonschema.validate(data["region"], schema["properties"]["region"])
