"""The reports in Spanish: the text, Markdown and HTML reports speak Spanish with --lang es (the
HTML page says lang="es"), while the JSON keeps its keys and outcome ids and a saved report says
"lang": "es"; the FHIR Questionnaire carries every item's and option's Spanish text (R4's
translation extension), and ask --format fhir records the language the questions were answered in.
"""

import json

import pytest
from conftest import CALM_FLAGS, run_cli
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from spinetriage import triage
from spinetriage.core import i18n
from spinetriage.formats import fhir, html, report

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
#: An emergency sign (the questions end) and a calm case, as flags.
EMERGENCY_FLAGS = ["--location", "lower-back", "--red-flag", "bladder-bowel"]
CASES = {"calm": CALM_FLAGS, "emergency": EMERGENCY_FLAGS}


def ask(*args):
    result = run_cli("ask", "--no-input", *args)
    assert result.returncode in (0, 10, 20, 30, 40), result.stderr  # exit codes by outcome (CONTRACT.md)
    return result


@pytest.fixture
def spanish():
    """The library speaking Spanish for one test, then English again."""
    i18n.use("es")
    try:
        yield
    finally:
        i18n.use("en")


def _spanish(element, key):
    """The Spanish text of ``element[key]`` from its translation extension, or None."""
    for ext in element.get("_" + key, {}).get("extension", []):
        if ext["url"] == TRANSLATION:
            parts = {e["url"]: e for e in ext["extension"]}
            assert set(parts) == {"lang", "content"}
            if parts["lang"]["valueCode"] == "es":
                return parts["content"]["valueString"]
    return None


# --- the reports for people -----------------------------------------------------------------


def test_text_report_has_spanish_headings():
    lines = [line.strip() for line in ask(*CALM_FLAGS, "--lang", "es").stdout.splitlines()]
    assert "Por qué" in lines and "Si empeora" in lines
    assert "Why" not in lines and "If it gets worse" not in lines


def test_markdown_report_has_spanish_headings_and_answers(tmp_path):
    ask(*CALM_FLAGS, "--lang", "es", "--output", str(tmp_path / "r.md"))
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    for heading in ("## Por qué", "## Si empeora", "## Sus respuestas", "## Límites de esta herramienta"):
        assert heading in md
    assert "- Edad: 35" in md and "Fecha: " in md and "Versión de las reglas: " in md
    assert "## Why" not in md and "## Your answers" not in md and "Rules version" not in md


def test_markdown_to_stdout_in_spanish():
    md = ask(*CALM_FLAGS, "--lang", "es", "--format", "markdown").stdout
    assert "## Por qué" in md and "## Why" not in md


def test_html_page_is_spanish_and_says_so(tmp_path):
    result = ask(*CALM_FLAGS, "--lang", "es", "--output", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in page
    for words in ("<h2>Por qué</h2>", "<h2>Sus respuestas</h2>", ">Pregunta</th>", ">Su respuesta</th>",
                  ">Recomendación</p>", "informe de spinetriage", "En resumen: ", "No es un diagnóstico"):
        assert words in page
    for words in ("Your answers", "Recommendation", "In short", ">Question<", "Not a diagnosis:", "Source: "):
        assert words not in page
    assert "Informe guardado en" in result.stderr


def test_html_page_is_english_and_says_so_without_lang(tmp_path):
    ask(*CALM_FLAGS, "--output", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<h2>Your answers</h2>" in page


def test_answer_words_and_labels_in_spanish(spanish):
    result = triage({"location": ["neck"], "duration": "3d", "radiation": "legs", "recurrent": True,
                     "limits_activities": False, "age": 50, "red_flags": []})
    rows = dict((report.label(k), report.answer_text(k, v)) for k, v in report.shown(result.answers))
    assert rows["Señales de alarma"] == "ninguna"
    assert rows["Vuelve una y otra vez a pesar del reposo o los medicamentos"] == "sí"
    assert rows["Limita sus actividades diarias o su trabajo"] == "no"
    assert "Where it hurts" not in rows and "cuello" in rows["Dónde le duele"]
    assert report.answer_text("course", None) == "no se preguntó"


def test_an_emergency_that_ended_early_says_so_in_spanish(spanish):
    result = triage({"location": ["lower-back"], "red_flags": ["bladder-bowel"]})
    assert result.ended_early
    page = html.to_html(result)
    md = report.to_markdown(result)
    for text in (page, md):
        assert "Las preguntas terminaron antes por una señal de emergencia." in text
        assert "EMERGENCIA" in text and "EMERGENCY" not in text


# --- JSON: machine words unchanged ---------------------------------------------------------


def _keys(value, path=""):
    """Every key path of a JSON value (list items as [])."""
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in {f"{path}.{k}"} | _keys(v, f"{path}.{k}")}
    if isinstance(value, list):
        return {p for v in value for p in _keys(v, path + "[]")}
    return set()


@pytest.mark.parametrize("case", CASES)
def test_json_keys_and_ids_are_the_same_in_both_languages(case):
    en = json.loads(ask(*CASES[case], "--format", "json", "--lang", "en").stdout)
    es = json.loads(ask(*CASES[case], "--format", "json", "--lang", "es").stdout)
    assert _keys(en) == _keys(es)
    assert en["outcome"] == es["outcome"] and en["phase"] == es["phase"] and en["answers"] == es["answers"]
    assert [r["rule"] for r in en["reasons"]] == [r["rule"] for r in es["reasons"]]
    assert [r["outcome"] for r in en["reasons"]] == [r["outcome"] for r in es["reasons"]]


def test_a_saved_json_report_says_its_language(tmp_path):
    ask(*CALM_FLAGS, "--lang", "es", "--output", str(tmp_path / "es.json"))
    ask(*CALM_FLAGS, "--lang", "en", "--output", str(tmp_path / "en.json"))
    es = json.loads((tmp_path / "es.json").read_text(encoding="utf-8"))
    en = json.loads((tmp_path / "en.json").read_text(encoding="utf-8"))
    assert es["lang"] == "es" and en["lang"] == "en"
    assert _keys(es) == _keys(en) and es["outcome"] == en["outcome"]


# --- FHIR ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def questionnaire_json():
    result = run_cli("rules", "questionnaire", env={"LANG": "es_ES.UTF-8"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _codings(item):
    return [o["valueCoding"] for o in item.get("answerOption", [])] + [
        e["valueCoding"] for e in item.get("extension", []) if "valueCoding" in e]


def test_questionnaire_is_english_with_a_spanish_translation_of_every_text(questionnaire_json):
    q = questionnaire_json
    Questionnaire.model_validate(q)
    assert q["language"] == "en"
    assert q["title"] == "Spine pain self-triage" and _spanish(q, "title")
    assert [i["linkId"] for i in q["item"]] == fhir.link_ids()
    for item in q["item"]:
        spanish = _spanish(item, "text")
        assert spanish and spanish != item["text"], item["linkId"]
        if "prefix" in item:
            assert _spanish(item, "prefix") and _spanish(item, "prefix") != item["prefix"]
        for code in _codings(item):
            words = _spanish(code, "display")
            assert words and words != code["display"], (item["linkId"], code["code"])
    # the English texts are the ones of today
    assert q["item"][[i["linkId"] for i in q["item"]].index("age")]["text"] == "Age"


def test_questionnaire_translations_are_the_catalogs_words(questionnaire_json, spanish):
    by_link = {i["linkId"]: i for i in questionnaire_json["item"]}
    assert _spanish(by_link["age"], "text") == report.label("age") == "Edad"
    none = [o["valueCoding"] for o in by_link["signs-nerves"]["answerOption"]
            if o["valueCoding"]["code"] == fhir.NONE_CODE][0]
    assert _spanish(none, "display") == "Ninguna de estas"
    assert "marque todas las que correspondan" in _spanish(by_link["signs-nerves"], "text")


def test_building_the_questionnaire_keeps_the_language_in_use(spanish):
    q = fhir.questionnaire()
    assert i18n.current() == "es" and q["item"][0]["text"].startswith("Emergency signs")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_fhir_bundle_records_the_language_of_the_answers(lang):
    out = ask(*CALM_FLAGS, "--format", "fhir", "--lang", lang).stdout
    bundle = json.loads(out)
    Bundle.model_validate(bundle)
    qr, ra = (e["resource"] for e in bundle["entry"])
    assert qr["resourceType"] == "QuestionnaireResponse" and qr["language"] == lang
    assert ra["resourceType"] == "RiskAssessment" and ra["language"] == lang
    age = [i for i in qr["item"] if i["linkId"] == "age"][0]
    assert age["text"] == {"en": "Age", "es": "Edad"}[lang]
    assert age["answer"] == [{"valueInteger": 35}]
    assert ra["subject"]["display"].startswith({"en": "Anonymous", "es": "Anónimo"}[lang])  # no English left


@pytest.mark.parametrize("case", CASES)
def test_a_spanish_fhir_bundle_is_read_back_as_the_same_answers(tmp_path, case):
    es = ask(*CASES[case], "--format", "fhir", "--lang", "es").stdout
    en = ask(*CASES[case], "--format", "fhir", "--lang", "en").stdout
    (tmp_path / "es.ndjson").write_text(es, encoding="utf-8")
    (tmp_path / "en.ndjson").write_text(en, encoding="utf-8")
    lines = [run_cli("batch", "--input-format", "fhir", str(tmp_path / f"{lang}.ndjson")) for lang in ("es", "en")]
    got = [json.loads(r.stdout.splitlines()[0]) for r in lines]
    expected = json.loads(ask(*CASES[case], "--format", "json").stdout)
    assert got[0] == got[1] and got[0]["outcome"] == expected["outcome"]
    assert got[0]["reasons"] == [r["rule"] for r in expected["reasons"]]
