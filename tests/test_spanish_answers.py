"""Spanish answers: the one answer parser reads them beside the English ones in every language
(flags, prompts, batch and the library), the English short forms keep their meaning, and the
messages a person reads name the Spanish forms under --lang es, while batch's error lines stay
English whatever the locale."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import CALM, CALM_FLAGS, run_cli

from spinetriage import AnswerError, triage
from spinetriage.core import i18n
from spinetriage.core.parse import (
    SPANISH_WORDS,
    TYPED_WORDS,
    format_duration,
    parse_answer,
    parse_duration,
    read_choice,
    read_signs,
    typed_word,
)
from spinetriage.core.vocabulary import QUESTIONS, SPANISH_UNITS, UNITS

#: Each Spanish duration, and its English twin.
DURATIONS = {
    "3 días": "3 days", "3 dias": "3 days", "3 DÍAS": "3 days", "1 día": "1 day", "3d": "3d",
    "2 semanas": "2 weeks", "1 semana": "1 week", "2s": "2w", "2 sem": "2w", "2 S": "2w",
    "4 meses": "4 months", "1 mes": "1 month", "4m": "4m",
    "1 año": "1 year", "2 años": "2 years", "2 anos": "2 years", "2 anios": "2 years", "1a": "1y", "1 A": "1y",
    "0 días": "0d",
}
#: (answer key, Spanish word, its English twin).
WORDS = [
    ("recurrent", "sí", "yes"), ("recurrent", "si", "yes"), ("recurrent", "SÍ", "yes"), ("recurrent", "s", "yes"),
    ("recurrent", "S", "yes"), ("recurrent", "no", "no"), ("recurrent", "n", "no"), ("recurrent", "NO", "no"),
    ("limits_activities", "Sí", "yes"), ("limits_activities", "n", "no"),
    ("location", "cuello", "neck"), ("location", "Cuello", "neck"), ("location", "cervical", "neck"),
    ("location", "espalda media", "mid-back"), ("location", "parte media de la espalda", "mid-back"),
    ("location", "dorsal", "mid-back"), ("location", "zona dorsal", "mid-back"),
    ("location", "torácica", "mid-back"), ("location", "entre los omóplatos", "mid-back"),
    ("location", "zona lumbar", "lower-back"), ("location", "lumbar", "lower-back"),
    ("location", "parte baja de la espalda", "lower-back"), ("location", "espalda baja", "lower-back"),
    ("location", "Espalda_Baja", "lower-back"), ("location", "cuello; espalda baja", "neck;lower-back"),
    ("radiation", "no", "none"), ("radiation", "ninguno", "none"), ("radiation", "ninguna", "none"),
    ("radiation", "brazos", "arms"), ("radiation", "brazo", "arms"), ("radiation", "piernas", "legs"),
    ("radiation", "pierna", "legs"), ("radiation", "brazos y piernas", "arms-and-legs"),
    ("radiation", "Piernas y brazos", "arms-and-legs"),
    ("course", "mejor", "better"), ("course", "igual", "same"), ("course", "Peor", "worse"),
    ("age", "42 años", "42 years"), ("age", "42 anos", "42"), ("age", "42 años de edad", "42 years old"),
    ("red_flags", "ninguna", "none"), ("red_flags", "ninguno", "none"),
]


@pytest.fixture
def spanish():
    i18n.use("es")
    yield
    i18n.use("en")


# --- the library ------------------------------------------------------------------------------


@pytest.mark.parametrize("spanish_text, english", DURATIONS.items())
def test_a_spanish_duration_is_the_days_of_its_english_twin(spanish_text, english):
    assert parse_duration(spanish_text) == parse_duration(english)
    assert parse_answer("duration_days", spanish_text) == parse_duration(english)


@pytest.mark.parametrize("key, spanish_word, english", WORDS)
def test_a_spanish_word_is_the_value_of_its_english_twin(key, spanish_word, english):
    assert parse_answer(key, spanish_word) == parse_answer(key, english)


def test_the_english_short_forms_keep_their_meaning():
    assert [parse_duration(t) for t in ("3d", "2w", "4m", "1y", "2 wk", "3 mo", "1 yr")] == [3, 14, 120, 365, 14, 90, 365]
    assert parse_answer("recurrent", "y") is True and parse_answer("recurrent", "n") is False
    assert parse_answer("radiation", "n") == "none" and parse_answer("radiation", "both") == "arms-and-legs"


def test_no_spanish_word_or_unit_means_something_else_in_english():
    assert all(UNITS[u] == days for u, days in SPANISH_UNITS.items() if u in UNITS)  # d and m
    for key, words in SPANISH_WORDS.items():
        q = QUESTIONS[key]
        for word, value in words.items():
            assert word not in q.choices, word
            assert q.aliases.get(word, value) == value, word
            assert TYPED_WORDS[key][word] == value, word  # an English typed word does not shadow it
    assert parse_answer("radiation", "no") == "none"  # the same in both languages


def test_fractions_stay_refused_with_a_decimal_comma_or_point():
    for text in ("1,5 semanas", "1.5 semanas", "2,5 años"):
        with pytest.raises(AnswerError, match="not a whole number"):
            parse_duration(text)


def test_unknown_units_and_words_are_still_refused_with_a_spanish_suggestion():
    with pytest.raises(AnswerError, match="'horas' in '3 horas' is not a unit"):
        parse_duration("3 horas")
    with pytest.raises(AnswerError, match=r"'cuelo' is not accepted \(did you mean 'cuello'\?\)"):
        parse_answer("location", "cuelo")
    with pytest.raises(AnswerError, match="is not accepted"):
        parse_answer("location", "espalda")  # the whole back: not one place
    with pytest.raises(AnswerError, match="not yes or no"):
        parse_answer("recurrent", "quizás")


def test_triage_reads_a_spanish_record_as_its_english_twin():
    english = {"location": ["lower-back", "neck"], "duration": "6w", "radiation": "legs", "recurrent": "yes",
               "limits_activities": "no", "age": 42, "red_flags": [], "course": "worse"}
    spanish_record = {"location": "zona lumbar; cuello", "duration": "6 semanas", "radiation": "piernas",
                      "recurrent": "sí", "limits_activities": "no", "age": "42 años", "red_flags": "ninguna",
                      "course": "peor"}
    assert triage(spanish_record).to_dict() == triage(english).to_dict()


def test_the_prompts_read_spanish_words_with_or_without_accents():
    locations = list(QUESTIONS["location"].choices)
    assert read_choice("location", "cuello espalda baja", locations, True) == {"neck", "lower-back"}
    assert read_choice("location", "Parte media de la espalda", locations, True) == {"mid-back"}
    radiation = list(QUESTIONS["radiation"].choices)
    assert read_choice("radiation", "Brazos y piernas", radiation, False) == "arms-and-legs"
    assert read_choice("radiation", "piérnas", radiation, False) == "legs"
    assert read_choice("radiation", "ninguna", radiation, False) == "none"
    assert read_signs("ninguna", ["fever", "rash"]) == (frozenset(), "")
    assert read_signs("Ninguno de estos", ["fever", "rash"]) == (frozenset(), "")
    assert typed_word("course", "Peor") == "worse" and typed_word("course", "quizás") is None


def test_a_summary_says_how_long_in_the_language_in_use(spanish):
    assert [format_duration(d) for d in (0, 1, 3, 7, 14, 30, 365, 730)] == [
        "empezó hoy", "1 día", "3 días", "1 semana", "2 semanas", "1 mes", "1 año", "2 años"]


def test_the_library_speaks_english_and_the_messages_follow_the_language(spanish):
    with pytest.raises(AnswerError) as caught:
        parse_duration("3 horas")
    assert str(caught.value) == ("duration: 'horas' en '3 horas' no es una unidad; use un número entero con una "
                                 "unidad: 3 días, 2 semanas, 4 meses, 1 año (o 3d, 2s, 4m, 1a); 0d significa que "
                                 "empezó hoy; como máximo 100 años")
    i18n.use("en")
    with pytest.raises(AnswerError, match="'horas' in '3 horas' is not a unit; use a whole number"):
        parse_duration("3 horas")


# --- the command line -------------------------------------------------------------------------


def ask_json(*flags: str, env: dict | None = None) -> dict:
    proc = run_cli("ask", *flags, "--format", "json", "--no-input", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_ask_flags_take_spanish_answers_and_give_the_english_twins_result():
    spanish_flags = ["--location", "cuello", "--location", "espalda baja", "--duration", "3 semanas",
                     "--radiation", "brazos y piernas", "--recurrent", "--no-limits-activities",
                     "--age", "42 años", "--no-red-flags", "--course", "igual"]
    english_flags = ["--location", "neck", "--location", "lower-back", "--duration", "3w",
                     "--radiation", "arms-and-legs", "--recurrent", "--no-limits-activities",
                     "--age", "42", "--no-red-flags", "--course", "same"]
    spanish_result = ask_json(*spanish_flags)
    assert spanish_result == ask_json(*english_flags)
    assert spanish_result["answers"]["duration_days"] == 21
    assert spanish_result["answers"]["location"] == ["neck", "lower-back"]
    assert spanish_result["answers"]["radiation"] == "arms-and-legs"
    assert spanish_result["answers"]["course"] == "same"


@pytest.mark.parametrize("short, days", [("3d", 3), ("2s", 14), ("4m", 120), ("1a", 365), ("2w", 14), ("1y", 365)])
def test_ask_reads_each_short_form_in_every_language(short, days):
    flags = [f if f != "5d" else short for f in CALM_FLAGS]
    assert ask_json(*flags)["answers"]["duration_days"] == days
    assert ask_json(*flags, "--lang", "es")["answers"]["duration_days"] == days


def test_spanish_accepted_values_with_lang_es():
    proc = run_cli("ask", *[f if f != "5d" else "3 horas" for f in CALM_FLAGS], "--lang", "es", "--format", "json")
    assert proc.returncode == 2
    assert "'horas' en '3 horas' no es una unidad" in proc.stderr
    assert "3 días, 2 semanas, 4 meses, 1 año (o 3d, 2s, 4m, 1a)" in proc.stderr
    flags = [f if f != "lower-back" else "cuelo" for f in CALM_FLAGS]
    proc = run_cli("ask", *flags, "--lang", "es", "--format", "json")
    assert proc.returncode == 2
    assert "no se acepta 'cuelo' (¿quiso decir 'cuello'?)" in proc.stderr
    assert "en palabras: cuello, espalda media, espalda baja" in proc.stderr
    english = run_cli("ask", *flags, "--format", "json")
    assert "'cuelo' is not accepted (did you mean 'cuello'?); accepted: neck, mid-back, lower-back (also " \
           "cervical = neck, thoracic = mid-back, lumbar = lower-back)" in english.stderr
    assert "en palabras" not in english.stderr


# --- batch --------------------------------------------------------------------------------------

SPANISH_RECORD = {"id": "es", "location": "cuello;zona lumbar", "duration": "2 semanas", "radiation": "pierna",
                  "recurrent": "sí", "limits_activities": "no", "age": "35 años", "red_flags": "ninguna",
                  "course": "mejor"}
ENGLISH_RECORD = {"id": "es", "location": "neck;lower-back", "duration": "2w", "radiation": "legs",
                  "recurrent": "yes", "limits_activities": "no", "age": "35", "red_flags": "none",
                  "course": "better"}


def batch(text: str, *args: str, env: dict | None = None) -> list[dict]:
    proc = run_cli("batch", *args, input=text, env=env)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def as_csv(record: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(record))
    writer.writeheader()
    writer.writerow(record)
    return out.getvalue()


def test_a_batch_record_in_spanish_is_its_english_twin_in_json_lines_and_csv():
    spanish_lines = batch(json.dumps(SPANISH_RECORD) + "\n")
    assert spanish_lines == batch(json.dumps(ENGLISH_RECORD) + "\n")
    assert "error" not in spanish_lines[0] and "ignored" not in spanish_lines[0]
    spanish_csv = batch(as_csv(SPANISH_RECORD), "--input-format", "csv")
    assert spanish_csv == batch(as_csv(ENGLISH_RECORD), "--input-format", "csv") == spanish_lines


def test_batch_error_lines_stay_english_in_a_spanish_locale():
    records = [{**CALM, "id": "a", "duration": "3 horas"}, {**CALM, "id": "b", "location": ["cuelo"]},
               {**CALM, "id": "c", "recurrent": "quizás"}, {**CALM, "id": "d", "unknown": 1}]
    text = "".join(json.dumps(r) + "\n" for r in records)
    english = batch(text)
    assert batch(text, env={"LANG": "es_ES.UTF-8"}) == english
    assert batch(text, env={"LC_ALL": "es_ES.UTF-8", "LANGUAGE": "es"}) == english
    errors = [line["error"] for line in english]
    assert errors[0].startswith("duration: 'horas' in '3 horas' is not a unit; use a whole number with a unit: "
                                "3d, 2w, 4m, 1y")
    assert errors[1].startswith("location: 'cuelo' is not accepted (did you mean 'cuello'?); accepted: neck")
    assert "en palabras" not in errors[1]
    assert errors[2] == "recurrent: 'quizás' is not yes or no; accepted: true or false (yes or no)"
    assert errors[3].startswith("unknown: unknown field 'unknown'; accepted fields: id, duration, location")


# --- the prompts --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_whole_interview_answered_in_spanish_words_at_the_prompts(tmp_path, lang):
    pexpect = pytest.importorskip("pexpect")
    import os
    import sys

    env = {**os.environ, "COLUMNS": "100", "LINES": "60", "TERM": "xterm", "NO_COLOR": "1", "LANG": "C.UTF-8"}
    child = pexpect.spawn(sys.executable, ["-m", "spinetriage", "ask", "--lang", lang, "--output", "out.json"],
                          env=env, cwd=str(tmp_path), encoding="utf-8", timeout=10, dimensions=(60, 100))
    typed = ["ninguna", "ninguno", "nada", "cuello espalda baja", "3 semanas", "brazos y piernas", "sí", "N",
             "42 años", "Ninguna de estas", "ninguno"]
    for text in typed:
        child.expect_exact("> ")
        child.sendline(text)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    answers = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["answers"]
    assert answers == {"location": ["neck", "lower-back"], "duration_days": 21, "radiation": "arms-and-legs",
                       "recurrent": True, "limits_activities": False, "age": 42, "red_flags": [], "course": None}


@pytest.mark.parametrize("typed", ["cuello y espalda baja", "neck and lower back", "1 y 3", "1 and 3", "1 & 3"])
def test_a_list_joined_by_and_or_y_is_read_at_a_prompt(typed):
    from spinetriage.core.parse import read_choice

    assert read_choice("location", typed, ["neck", "mid-back", "lower-back"], True) == {"neck", "lower-back"}


@pytest.mark.parametrize("typed", ["y", "2 y", "y 2", "and"])
def test_a_joining_word_alone_or_at_an_end_is_never_taken_as_no_signs(typed):
    """'y' is also yes: alone at a checklist it must be asked again, never read as 'none of these'."""
    from spinetriage.core.errors import AnswerError
    from spinetriage.core.parse import read_signs

    with pytest.raises(AnswerError):
        read_signs(typed, ["fever", "infection-risk", "cancer-history"])


@pytest.mark.parametrize("typed, days", [("2 semanas.", 14), ("2 weeks.", 14), ("3d.", 3)])
def test_a_duration_written_as_a_sentence_ends_is_read(typed, days):
    from spinetriage.core.parse import parse_duration

    assert parse_duration(typed) == days
