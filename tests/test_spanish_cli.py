"""The command line's own words in Spanish: ask's and recheck's --help, usage errors, warnings and
notes; the machine words (flags, JSON keys, outcome ids, exit codes) the same in every language;
batch never changes with the locale; an unknown language or an unreadable catalog is English with
one note; English reads no catalog.

Click's own words ("Usage:", "Options", "Show this message and exit.", its "No such option"
errors) are Click's and stay English in every language.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import CALM_FLAGS, run_cli
from typer.testing import CliRunner

from spinetriage.cli import language
from spinetriage.core import i18n

SPANISH = {"LANG": "es_ES.UTF-8"}
runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"})


@pytest.fixture(autouse=True)
def _english_afterwards(monkeypatch):
    """A test that switches this process's language (in-process runs) leaves it English."""
    monkeypatch.setattr(language, "_noted", set())
    yield
    i18n.use("en")


def _flags(help_text: str) -> list[str]:
    """The option names in a --help, in order (the first word of each option row)."""
    return [line.split()[0].rstrip(",") for line in help_text.splitlines() if line.startswith(("  --", "  -"))]


# --- help -----------------------------------------------------------------------------------


def test_ask_help_is_spanish_from_the_locale_and_from_lang_with_the_same_flags_and_ids():
    english = run_cli("ask", "--help")
    assert english.returncode == 0
    assert "Ask the triage questions and print one recommendation." in english.stdout
    assert "Emergency signs: saddle-numbness" in english.stdout
    for proc in (run_cli("ask", "--help", env=SPANISH), run_cli("ask", "--lang", "es", "--help")):
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        assert "Hace las preguntas de triaje y muestra una recomendación." in out  # the command's help
        assert "Dónde le duele" in out and "No preguntar nunca" in out  # the options' help
        assert "Señales de emergencia: saddle-numbness" in out  # the epilog's headings, the ids as they are
        assert "ID de las señales de alarma" in out
        assert "Ask the triage questions" not in out and "Where it hurts" not in out
        assert "Ejemplos:" in out and "--age 42 --no-red-flags --format json" in out
        assert "Usage: spinetriage ask [OPTIONS]" in out  # Click's own words stay English
        assert _flags(out) == _flags(english.stdout)
        assert proc.stderr == ""


def test_recheck_help_is_spanish_with_its_argument_and_today():
    proc = run_cli("recheck", "--lang", "es", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Vuelve a revisar un informe guardado antes" in proc.stdout
    assert "Un informe JSON guardado antes." in proc.stdout
    assert "El día de la nueva revisión" in proc.stdout
    assert "REPORT" in proc.stdout and "--today YYYY-MM-DD" in proc.stdout
    assert _flags(proc.stdout) == _flags(run_cli("recheck", "--help").stdout)


def test_help_is_in_the_language_in_use_whenever_the_command_was_imported():
    """spinetriage.cli.app registers every command (in English here); the help is translated when
    it is shown, so a process that switches later still shows it in its language, and back."""
    from spinetriage.cli import app

    i18n.use("es")
    spanish = runner.invoke(app, ["ask", "--help"])
    assert spanish.exit_code == 0 and "Hace las preguntas de triaje" in spanish.stdout
    assert "Factores de riesgo:" in spanish.stdout
    i18n.use("en")
    english = runner.invoke(app, ["ask", "--help"])
    assert "Ask the triage questions" in english.stdout and "Risk factors:" in english.stdout
    assert "Hace las preguntas" not in english.stdout


# --- usage errors, warnings, missing answers ------------------------------------------------


def test_a_usage_error_in_spanish_keeps_the_flag_the_value_the_accepted_values_and_exit_2():
    english = run_cli("ask", *CALM_FLAGS, "--format", "xml")
    spanish = run_cli("ask", *CALM_FLAGS, "--format", "xml", env=SPANISH)
    assert english.returncode == spanish.returncode == 2
    assert english.stderr == "spinetriage: --format: 'xml' is not accepted; accepted: text, json, markdown, fhir\n"
    assert spanish.stderr == "spinetriage: --format: 'xml' no se acepta; se aceptan: text, json, markdown, fhir\n"
    assert english.stdout == spanish.stdout == ""


def test_missing_answers_and_contradictions_in_spanish_name_the_flags():
    proc = run_cli("ask", "--no-input", "--location", "neck", "--lang", "es")
    assert proc.returncode == 2
    assert proc.stderr.startswith("spinetriage: faltan respuestas: --duration, --radiation, ")
    assert "--red-flag ID/--no-red-flags" in proc.stderr and "sin --no-input" in proc.stderr
    proc = run_cli("ask", "--lang", "es", "--red-flag", "fever", "--no-red-flags", "--no-input")
    assert proc.returncode == 2
    assert "--red-flag y --no-red-flags no se pueden dar a la vez" in proc.stderr
    proc = run_cli("ask", "--lang", "es", "--recurrent", "--no-recurrent", "--no-input")
    assert proc.returncode == 2 and "--recurrent y --no-recurrent se contradicen" in proc.stderr


def test_the_warning_beside_an_emergency_sign_is_spanish_and_the_advice_still_comes():
    args = ("ask", "--red-flag", "saddle-numbness", "--format", "xml", "--region", "X1")
    english, spanish = run_cli(*args), run_cli(*args, "--lang", "es")
    assert english.returncode == spanish.returncode
    assert "(ignored: an emergency sign decides the result)" in english.stderr
    assert "spinetriage: aviso: --region" in spanish.stderr
    assert "(no se tiene en cuenta: una señal de emergencia decide el resultado)" in spanish.stderr
    assert "no se acepta; se aceptan: text, json, markdown, fhir" in spanish.stderr  # the held --format error
    assert spanish.stdout.strip() and english.stdout.strip()


def test_recheck_errors_in_spanish(tmp_path):
    missing = tmp_path / "nope.json"
    proc = run_cli("recheck", str(missing), "--lang", "es", "--no-input")
    assert proc.returncode == 2 and "no se puede leer el informe" in proc.stderr and "nope.json" in proc.stderr
    report = tmp_path / "r.json"
    report.write_text(run_cli("ask", *CALM_FLAGS, "--format", "json").stdout, encoding="utf-8")
    proc = run_cli("recheck", str(report), "--today", "tomorrow", "--lang", "es", "--no-input")
    assert proc.returncode == 2
    assert proc.stderr == "spinetriage: --today: 'tomorrow' no es un día; se acepta: YYYY-MM-DD, p. ej. 2026-12-02\n"
    proc = run_cli("recheck", str(report), "--output", str(report), "--lang", "es", "--no-input")
    assert proc.returncode == 2 and "es el informe anterior" in proc.stderr


def test_a_stdout_that_cannot_be_written_is_named_in_spanish():
    """stdout closed before the report: the cause and the recommendation, in Spanish, exit 1."""
    code = textwrap.dedent(f"""
        import os, sys
        from spinetriage.cli.program import run
        os.close(1)
        sys.exit(run(["ask", *{CALM_FLAGS!r}, "--format", "json", "--lang", "es"]))
    """)
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 1, proc.stderr
    assert "no se puede escribir en la salida estándar" in proc.stderr
    assert "Cuídese en casa y vuelva a revisarlo" in proc.stderr


# --- machine words do not change ------------------------------------------------------------

FLAG_SETS = [
    [*CALM_FLAGS],
    [*CALM_FLAGS, "--course", "worse"],
    ["--red-flag", "saddle-numbness"],
    ["--red-flag", "saddle-numbness", "--age", "abc"],
    ["--location", "lower-back", "--duration", "8w", "--radiation", "legs", "--recurrent", "--limits-activities",
     "--age", "42", "--red-flag", "fever"],
    ["--location", "neck", "--duration", "6w", "--radiation", "arms", "--no-recurrent", "--limits-activities",
     "--age", "60", "--no-red-flags"],
    ["--location", "neck", "--no-input"],
    [*CALM_FLAGS, "--format", "xml"],
    ["--duration", "50y", "--age", "30", "--no-red-flags"],
    [*CALM_FLAGS, "--bogus"],
]


def _shape(value):
    """The keys of a JSON value, nested, with list lengths; every text left out."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


@pytest.mark.parametrize("flags", FLAG_SETS, ids=lambda f: " ".join(f)[:40])
def test_flags_json_keys_outcome_ids_and_exit_codes_are_the_same_in_english_and_spanish(flags):
    """(A locale without a territory: es_ES would add the region's numbers, a change of its own.)"""
    english = run_cli("ask", *flags, "--format", "json", "--no-input")
    for spanish in (run_cli("ask", *flags, "--format", "json", "--no-input", "--lang", "es"),
                    run_cli("ask", *flags, "--format", "json", "--no-input", env={"LANG": "", "LANGUAGE": "es"})):
        assert spanish.returncode == english.returncode, (english.stderr, spanish.stderr)
        assert bool(spanish.stdout) == bool(english.stdout)
        assert bool(spanish.stderr) == bool(english.stderr)
        if not english.stdout:
            continue
        en, es = json.loads(english.stdout), json.loads(spanish.stdout)
        assert _shape(es) == _shape(en)
        for key in ("outcome", "phase", "answers", "rules_version"):
            assert es[key] == en[key], key
        assert [(r["rule"], r["outcome"]) for r in es["reasons"]] == [(r["rule"], r["outcome"]) for r in en["reasons"]]
        assert es["title"] != en["title"]  # the texts did change


def test_batch_is_byte_identical_under_a_spanish_locale(tmp_path):
    records = [
        {"id": "1", "location": ["lower-back"], "duration": "5d", "radiation": "none", "recurrent": False,
         "limits_activities": False, "age": 35, "red_flags": []},
        {"id": "2", "red_flags": ["saddle-numbness"]},
        {"id": "3", "location": ["elbow"], "duration": "5 fortnights", "age": "abc"},
        {"id": "4", "location": ["neck"]},
        {"id": "5", "location": ["neck"], "duration": "2w", "radiation": "arms", "recurrent": "maybe",
         "limits_activities": True, "age": 40, "red_flags": ["fever", "not-a-sign"]},
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "not json\n", encoding="utf-8")
    english = run_cli("batch", str(path))
    assert english.returncode == 1 and english.stdout.count("\n") == len(records) + 1
    for env in (SPANISH, {"LC_ALL": "es_MX.UTF-8"}, {"LANG": "", "LANGUAGE": "es"}):
        spanish = run_cli("batch", str(path), env=env)
        assert (spanish.returncode, spanish.stdout, spanish.stderr) == (english.returncode, english.stdout,
                                                                         english.stderr), env


# --- choosing the language: notes, never an error -------------------------------------------


def _ask_json(env=None, *extra):
    return run_cli("ask", *CALM_FLAGS, "--format", "json", *extra, env=env)


def test_an_unknown_lang_is_english_with_one_note_and_the_same_exit_code():
    english = _ask_json()
    proc = _ask_json(None, "--lang", "fr")
    assert proc.returncode == english.returncode == 0
    assert proc.stdout == english.stdout
    assert proc.stderr == "spinetriage: note: --lang 'fr': no such language here (known: en, es); using English\n"
    # a usage error keeps its exit code and is English, after the note
    bad = run_cli("ask", *CALM_FLAGS, "--format", "xml", "--lang", "fr")
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "spinetriage: note: --lang 'fr': no such language here (known: en, es); using English",
        "spinetriage: --format: 'xml' is not accepted; accepted: text, json, markdown, fhir",
    ]


def test_a_french_locale_is_english_with_one_note():
    reference = _ask_json({"LANG": "en_FR.UTF-8"})  # the same territory (FR), so the same region
    proc = _ask_json({"LANG": "fr_FR.UTF-8"})
    assert proc.returncode == reference.returncode == 0
    assert proc.stdout == reference.stdout
    assert proc.stderr == "spinetriage: note: LANG=fr_FR.UTF-8: no translation for this language yet; using English\n"


def test_language_lists_pick_the_first_language_with_a_catalog():
    proc = _ask_json({"LANG": "", "LANGUAGE": "fr:es"})
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["title"] == "Cuídese en casa y vuelva a revisarlo"


def test_lc_all_c_is_english_without_a_note_whatever_lang_says():
    english = _ask_json()
    proc = _ask_json({"LC_ALL": "C", "LANG": "es_ES.UTF-8"})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, english.stdout, "")


@pytest.mark.parametrize("content", [None, b"", b"\x00" * 3, b"not a catalog at all, just text\n" * 4],
                         ids=["missing", "empty", "cut", "garbage"])
def test_an_unreadable_catalog_is_english_with_one_note(monkeypatch, tmp_path, content):
    """A damaged install (the .mo missing, empty, cut short or not a catalog) never stops a triage."""
    from spinetriage.cli import app

    path = tmp_path / "spinetriage.mo"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setattr(i18n, "catalog_path", lambda lang: str(path))
    english = runner.invoke(app, ["ask", *CALM_FLAGS, "--format", "json"])
    result = runner.invoke(app, ["ask", *CALM_FLAGS, "--format", "json", "--lang", "es"])
    assert result.exit_code == english.exit_code == 0, result.stderr
    assert result.stdout == english.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("spinetriage: note: the español catalog cannot be read (")
    assert lines[0].endswith("); using English")
    assert i18n.current() == "en"
    again = runner.invoke(app, ["ask", *CALM_FLAGS, "--format", "json", "--lang", "es"])
    assert again.exit_code == 0 and again.stderr == ""  # the note once per process


# --- English pays nothing -------------------------------------------------------------------

OPENED = """
import atexit, json, runpy, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" and args and
                 str(args[0]).endswith(".mo") else None)
def report():
    from spinetriage.core import i18n
    print(json.dumps({"mo": opened, "catalog": i18n._catalog is not None}), file=sys.stderr)
atexit.register(report)
sys.argv = ["spinetriage", "ask", *ARGS, "--format", "json"]
runpy.run_module("spinetriage", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("lang, reads", [("C.UTF-8", False), ("en_US.UTF-8", False), ("es_ES.UTF-8", True)])
def test_english_reads_no_catalog_and_spanish_reads_it_once(lang, reads):
    """Click imports the standard gettext module itself (for its own words), so what English must
    not do is open any catalog: ours is read only for another language, once."""
    code = OPENED.replace("ARGS", repr(CALM_FLAGS))
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", "LANG": lang})
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stderr.strip().splitlines()[-1])
    assert seen["catalog"] is False  # the run gives its process back in English when it ends
    ours = [p for p in seen["mo"] if p.endswith(os.path.join("es", "LC_MESSAGES", "spinetriage.mo"))]
    assert len(ours) == (1 if reads else 0), seen["mo"]
    if not reads:
        assert seen["mo"] == []


def test_the_program_help_is_spanish_for_its_own_words_and_its_people_commands():
    proc = run_cli("--help", env=SPANISH)
    assert proc.returncode == 0
    assert "Autoevaluación del dolor de columna" in proc.stdout and "Órdenes:" in proc.stdout
    assert "Hace las preguntas de triaje" in proc.stdout  # ask's first line, in Spanish
    assert "Triage many answer sets" in proc.stdout  # batch speaks English, as its output does
    assert run_cli("--help").stdout.startswith("Usage: spinetriage")  # and English stays English
    assert "Spine-pain self-triage" in run_cli("--help").stdout


def test_running_the_program_in_a_process_leaves_its_library_english(capsys):
    """An embedding program (or a test) that runs the command line in its own process gets the
    library back as it was: English, and no freezing of its objects after a rules load."""
    from spinetriage import triage
    from spinetriage.cli.program import run
    from spinetriage.rules import load

    assert run(["ask", "--lang", "es", "--red-flag", "chest-pain", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Vaya a urgencias ahora"
    assert i18n.current() == "en" and load.FREEZE_AFTER_LOAD is False
    assert triage({"red_flags": ["chest-pain"]}).title == "Go to the emergency department now"
