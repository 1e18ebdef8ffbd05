"""The rules' texts in Spanish (rules/spine-pain.es.yaml): complete, checked against the rules,
spoken by a Spanish triage with the same outcomes, in the shipped snapshot, and never a reason
for a custom rules file to stop a triage."""

import json
import pickle
import re
import shutil
import subprocess
import sys

import pytest
from conftest import CALM_FLAGS, SHIPPED_RULES, run_cli

from spinetriage.core import i18n
from spinetriage.core.engine import evaluate
from spinetriage.core.errors import RulesError
from spinetriage.rules import snapshot, texts
from spinetriage.rules.load import load_rules, load_rules_text, snapshot_path

SHIPPED_ES = SHIPPED_RULES.with_name("spine-pain.es.yaml")
EN_NUMBERS, ES_NUMBERS = "(999 in the UK, 911 in the US, 112 in Europe)", "(999 en el Reino Unido, 911 en EE. UU., 112 en Europa)"
EN_URGENT, ES_URGENT = "(NHS 111 in the UK)", "(NHS 111 en el Reino Unido)"


@pytest.fixture
def spanish():
    """Spanish for the test, English again afterwards (the language is one per process)."""
    i18n.use("es")
    yield
    i18n.use("en")


@pytest.fixture
def copy(tmp_path):
    """A copy of the shipped rules and their Spanish texts (read from the YAML: not the shipped file)."""
    rules = tmp_path / "my.yaml"
    shutil.copy(SHIPPED_RULES, rules)
    shutil.copy(SHIPPED_ES, tmp_path / "my.es.yaml")
    return rules


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path, fragment):
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


# --- the shipped texts ----------------------------------------------------------------------


def test_the_shipped_rules_have_their_spanish_texts_and_they_fit():
    ruleset = load_rules()
    (es,) = texts.check_siblings(ruleset)
    assert es.lang == "es" and es.file.endswith("spine-pain.es.yaml")
    assert set(es.reasons) == {r.id for r in ruleset.rules}
    assert set(es.outcomes) == {o.id for o in ruleset.outcomes}


def test_every_text_is_in_spanish_not_left_in_english():
    ruleset = load_rules()
    (es,) = texts.check_siblings(ruleset)
    for rule in ruleset.rules:
        assert es.reasons[rule.id] != rule.reason, rule.id
    for outcome in ruleset.outcomes:
        said = es.outcomes[outcome.id]
        assert said.title != outcome.title and said.advice != outcome.advice
        assert len(said.steps) == len(outcome.steps)
        assert all(a != b for a, b in zip(said.steps, outcome.steps)), outcome.id
    assert len(es.safety_net["emergency_signs"]) == len(ruleset.safety_net["emergency_signs"])
    assert es.disclaimer != ruleset.disclaimer and len(es.limits) == len(ruleset.limits)
    # the titles of the brief's fixed terms
    assert [es.outcomes[o].title for o in ("emergency", "urgent", "doctor", "physical-therapy", "self-care")] == [
        "Vaya a urgencias ahora", "Consulte a un médico hoy", "Pida cita con su médico",
        "Pida una evaluación de fisioterapia", "Cuídese en casa y vuelva a revisarlo"]


def test_the_emergency_numbers_are_named_in_spanish_wherever_the_english_names_them():
    """A region replaces these exact words by its own numbers: a Spanish text must keep them."""
    ruleset = load_rules()
    (es,) = texts.check_siblings(ruleset)
    pairs = [(o.advice, es.outcomes[o.id].advice) for o in ruleset.outcomes]
    pairs += [(o.if_worse, es.outcomes[o.id].if_worse) for o in ruleset.outcomes]
    pairs += [(s, t) for o in ruleset.outcomes for s, t in zip(o.steps, es.outcomes[o.id].steps)]
    pairs += [(ruleset.safety_net["if_worse"], es.safety_net["if_worse"])]
    pairs += [(r.reason, es.reasons[r.id]) for r in ruleset.rules]
    assert any(EN_NUMBERS in en for en, _ in pairs) and any(EN_URGENT in en for en, _ in pairs)
    for en, said in pairs:
        assert (EN_NUMBERS in en) == (ES_NUMBERS in said), said
        assert (EN_URGENT in en) == (ES_URGENT in said), said
        if re.search(r"\b[Yy]our emergency number\b", en):
            assert "su número de emergencias" in said, said
    assert es.outcomes["emergency"].advice.startswith("Llame a su número de emergencias " + ES_NUMBERS)


def test_the_sources_stay_as_the_rules_file_cites_them():
    ruleset = load_rules()
    (es,) = texts.check_siblings(ruleset)
    assert {p: v["source"] for p, v in es.phases.items()} == {p: v["source"] for p, v in ruleset.phases.items()}
    assert not re.search(r"^\s*source:", SHIPPED_ES.read_text(encoding="utf-8"), re.M)


def test_a_source_in_the_spanish_file_is_refused(spanish, copy):
    _edit(copy.with_name("my.es.yaml"), "  acute:\n", "  acute:\n    source: \"otra\"\n")
    with pytest.raises(RulesError, match="unknown key 'source' in phase acute"):
        load_rules(copy)


def test_the_spanish_file_has_the_rules_version():
    version = re.search(r'^version: "(.+)"$', SHIPPED_ES.read_text(encoding="utf-8"), re.M).group(1)
    assert version == load_rules().version


# --- a Spanish triage ------------------------------------------------------------------------


def test_every_case_gives_the_same_outcome_in_both_languages_and_speaks_spanish(spanish):
    ruleset = load_rules()
    es = ruleset.texts("es")
    assert es is not None
    for case in ruleset.cases:
        i18n.use("en")
        try:
            english = evaluate(case.answers, ruleset)
        except Exception as exc:  # noqa: BLE001 - a case whose answers are not enough: the same in Spanish
            english = type(exc)
        i18n.use("es")
        try:
            spoken = evaluate(case.answers, ruleset)
        except Exception as exc:  # noqa: BLE001
            assert english is type(exc), case.id
            continue
        assert spoken.outcome == english.outcome, case.id
        assert [(r.rule, r.outcome, r.source) for r in spoken.reasons] == [
            (r.rule, r.outcome, r.source) for r in english.reasons], case.id
        assert spoken.title == es.outcomes[spoken.outcome].title != english.title
        assert [r.text for r in spoken.reasons] == [es.reasons[r.rule] for r in spoken.reasons]
        assert spoken.safety_net["emergency_signs"] == es.safety_net["emergency_signs"]
        assert spoken.disclaimer == es.disclaimer and spoken.limits == es.limits
        if spoken.phase:
            assert spoken.phase_text == es.phases[spoken.phase]["text"]
        assert spoken.to_dict().keys() == english.to_dict().keys()


def test_the_json_of_a_spanish_ask_keeps_ids_and_keys_and_says_the_rest_in_spanish():
    out = run_cli("ask", "--lang", "es", "--red-flag", "fever", *[f for f in CALM_FLAGS if f != "--no-red-flags"],
                  "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["outcome"] == "urgent" and data["title"] == "Consulte a un médico hoy"
    assert [r["rule"] for r in data["reasons"]] == ["fever"]
    assert data["reasons"][0]["text"].startswith("La fiebre")
    assert data["reasons"][0]["source"].startswith("NHS back pain page")  # a citation: as written
    assert out.stderr == ""


def test_the_library_stays_english_unless_told():
    from spinetriage import triage

    assert i18n.current() == "en"
    assert triage({"red_flags": ["chest-pain"]}).title == "Go to the emergency department now"


def test_a_spanish_triage_on_the_shipped_rules_reads_no_yaml():
    code = ("import sys; from spinetriage.core import i18n; i18n.use('es'); from spinetriage import triage; "
            "r = triage({'red_flags': ['saddle-numbness']}); print(r.title); print('yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["Vaya a urgencias ahora", "False"]


def test_a_ruleset_in_spanish_pickles_with_its_texts(spanish, copy):
    ruleset = load_rules(copy)
    again = pickle.loads(pickle.dumps(ruleset))
    assert again.texts("es").reasons == ruleset.texts("es").reasons
    assert evaluate({"red_flags": ["fever", "limb-weakness"]}, again).title == "Vaya a urgencias ahora"


# --- a file that does not fit is a load error -------------------------------------------------


def test_a_rule_without_its_spanish_reason_is_a_load_error_naming_the_rule(spanish, copy):
    es = copy.with_name("my.es.yaml")
    _edit(es, "\n  night-pain: ", "\n  # night-pain: ")
    with pytest.raises(RulesError) as caught:
        load_rules(copy)
    (problem,) = caught.value.problems
    assert problem.file == str(es) and problem.line == _line_of(es, "rules:") and problem.col == 1
    rule_line = _line_of(copy, "- id: night-pain")
    assert f"no Spanish reason for the rule 'night-pain' ({copy}:{rule_line}:" in problem.message


def test_in_english_a_broken_spanish_file_is_not_read(copy):
    _edit(copy.with_name("my.es.yaml"), "\n  night-pain: ", "\n  # night-pain: ")
    assert load_rules(copy).rules  # English pays nothing for the Spanish file, and is not stopped by it


@pytest.mark.parametrize("old, new, expected", [
    ('version: "2026.12.02"', 'version: "2026.11.27"', "version '2026.11.27' is not the rules' version"),
    ("lang: es", "lang: fr", "lang is 'fr', but the file's name says 'es'"),
    ("  fever: ", "  fevre: ", "unknown rule 'fevre' (did you mean 'fever'?)"),
    ("  doctor:\n", "  doktor:\n", "unknown outcome 'doktor'"),
    ('      - "Lleve una lista de sus medicamentos."\n', "",
     "steps of the outcome 'doctor': 1 here, 2 in the rules file"),
    ('    title: "Pida cita con su médico"\n', "", "outcome 'doctor' has no 'title'"),
    ('  - "No puede explorarle', '  - ""\n  - "No puede explorarle', "limits: 4 here, 3 in the rules file"),
    ("disclaimer: >-", "disclaimers: >-", "unknown key 'disclaimers'"),
    ("  acute:\n    text:", "  acute:\n    txt:", "unknown key 'txt' in phase acute"),
    ('    title: "Vaya a urgencias ahora"', '    title: "Vaya a urgencias ahora\\nya"', "title must be one line"),
])
def test_a_spanish_file_that_does_not_fit_the_rules_is_refused_with_its_place(spanish, copy, old, new, expected):
    es = copy.with_name("my.es.yaml")
    _edit(es, old, new)
    with pytest.raises(RulesError) as caught:
        load_rules(copy)
    problems = caught.value.problems
    assert any(expected in p.message for p in problems), [p.message for p in problems]
    assert all(p.file == str(es) and p.line > 0 and p.col > 0 for p in problems)


def test_a_spanish_file_that_is_not_yaml_is_refused_with_its_place(spanish, copy):
    es = copy.with_name("my.es.yaml")
    _edit(es, '  fever: "La fiebre', '  fever: "La fiebre: {')
    _edit(es, "  infection-risk: ", "  infection-risk: [")
    with pytest.raises(RulesError) as caught:
        load_rules(copy)
    assert caught.value.problems[0].file == str(es) and "not valid YAML" in caught.value.problems[0].message


def test_an_edited_spanish_file_is_read_again_in_the_same_process(spanish, copy):
    es = copy.with_name("my.es.yaml")
    assert load_rules(copy).texts("es").outcomes["doctor"].title == "Pida cita con su médico"
    _edit(es, '    title: "Pida cita con su médico"', '    title: "Pida cita con su médico de familia"')
    assert load_rules(copy).texts("es").outcomes["doctor"].title == "Pida cita con su médico de familia"


# --- a custom rules file without Spanish texts -----------------------------------------------


def test_custom_rules_without_spanish_texts_stay_english_with_one_note(tmp_path):
    rules = tmp_path / "my.yaml"
    shutil.copy(SHIPPED_RULES, rules)
    out = run_cli("ask", "--lang", "es", "--rules", str(rules), *CALM_FLAGS, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["title"] == "Look after it yourself and re-check"
    notes = [line for line in out.stderr.splitlines() if line.startswith("spinetriage: nota:")]
    assert len(notes) == 1 and str(tmp_path / "my.es.yaml") in notes[0]
    assert "inglés" in notes[0]  # the note is in the language of the person


def test_custom_rules_without_spanish_texts_still_give_an_emergency(tmp_path):
    rules = tmp_path / "my.yaml"
    shutil.copy(SHIPPED_RULES, rules)
    out = run_cli("ask", "--lang", "es", "--rules", str(rules), "--red-flag", "both-legs", "--format", "json")
    assert out.returncode == 0 and json.loads(out.stdout)["outcome"] == "emergency"


def test_custom_rules_in_english_say_nothing_of_spanish(tmp_path):
    rules = tmp_path / "my.yaml"
    shutil.copy(SHIPPED_RULES, rules)
    out = run_cli("ask", "--lang", "en", "--rules", str(rules), *CALM_FLAGS, "--format", "json")
    assert out.returncode == 0 and out.stderr == ""


# --- rules validate ------------------------------------------------------------------------------


def test_rules_validate_reports_a_broken_spanish_file_with_its_place(copy):
    es = copy.with_name("my.es.yaml")
    _edit(es, "\n  rash: ", "\n  rsah: ")
    out = run_cli("rules", "validate", str(copy))
    assert out.returncode == 3
    line = _line_of(es, "  rsah: ")
    assert f"{es}:{line}:3: unknown rule 'rsah' (did you mean 'rash'?)" in out.stderr
    assert f"{es}:{_line_of(es, 'rules:')}:1: no Spanish reason for the rule 'rash'" in out.stderr
    assert f"{line:>4} |   rsah: " in out.stderr  # the line itself, as for the rules file


def test_rules_validate_passes_the_shipped_rules_and_a_copy_with_its_texts(copy):
    assert run_cli("rules", "validate").returncode == 0
    assert run_cli("rules", "validate", str(copy)).returncode == 0


def test_rules_validate_needs_no_spanish_file_for_custom_rules(tmp_path):
    rules = tmp_path / "my.yaml"
    shutil.copy(SHIPPED_RULES, rules)
    out = run_cli("rules", "validate", str(rules))
    assert out.returncode == 0 and "note" not in out.stderr


# --- the snapshot ---------------------------------------------------------------------------------


def _snapshot_languages():
    return json.loads(json.loads(snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8"))["languages"])


def test_the_snapshot_holds_the_current_spanish_file():
    """Editing spine-pain.es.yaml without regenerating the snapshot fails here (and in
    test_snapshot.py, whose fresh snapshot reads the Spanish file too)."""
    assert _snapshot_languages()["es"]["text"] == SHIPPED_ES.read_text(encoding="utf-8"), (
        "rules/spine-pain.snapshot.json is stale for rules/spine-pain.es.yaml: run "
        "python -c \"from spinetriage.rules.load import write_snapshot; write_snapshot()\"")


def test_a_fresh_snapshot_sees_an_edited_spanish_file(copy):
    text = copy.read_text(encoding="utf-8")
    before = snapshot.dump(load_rules_text(text, str(copy)), text)
    _edit(copy.with_name("my.es.yaml"), "Vaya a urgencias ahora", "Vaya a urgencias ya")
    assert snapshot.dump(load_rules_text(text, str(copy)), text) != before


def test_a_spanish_snapshot_of_other_text_is_never_used(copy):
    ruleset = load_rules_text(copy.read_text(encoding="utf-8"), str(copy))
    known = _snapshot_languages()
    assert texts.read_sibling(ruleset, "es", known).outcomes["emergency"].title == "Vaya a urgencias ahora"
    _edit(copy.with_name("my.es.yaml"), '"Vaya a urgencias ahora"', '"Vaya a urgencias ya"')
    assert texts.read_sibling(ruleset, "es", known).outcomes["emergency"].title == "Vaya a urgencias ya"


def test_english_start_up_does_not_parse_the_spanish_texts():
    raw = snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8")
    assert isinstance(json.loads(raw)["languages"], str)  # kept as text: json skips over it


# --- a damaged file of texts never holds back "go now" ------------------------------------


def _ask_with_shipped(rules_path, *args):
    """``spinetriage`` with ``rules_path`` standing in for the shipped rules (a damaged install)."""
    code = ("import sys; from pathlib import Path; from spinetriage.rules import load; "
            f"load.default_rules_path = lambda: Path({str(rules_path)!r}); "
            "from spinetriage.cli.program import run; sys.exit(run(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "NO_COLOR": "1"})


def test_a_damaged_shipped_spanish_file_still_gives_the_emergency_advice_in_english(copy):
    _edit(copy.with_name("my.es.yaml"), "\n  night-pain: ", "\n  # night-pain: ")
    proc = _ask_with_shipped(copy, "ask", "--lang", "es", "--red-flag", "both-legs", "--format", "json")
    assert proc.returncode == 0
    result = json.loads(proc.stdout)
    assert result["outcome"] == "emergency" and result["title"] == "Go to the emergency department now"
    assert "night-pain" in proc.stderr and "aviso" in proc.stderr and "Traceback" not in proc.stderr


def test_a_spanish_file_that_does_not_fit_never_stops_a_triage_the_rules_speak_english(copy):
    """A stale translation (a rules edit without its Spanish) is refused by rules validate, but a
    person still gets the rules' advice, in their own words, with a warning naming the problem."""
    _edit(copy.with_name("my.es.yaml"), "\n  night-pain: ", "\n  # night-pain: ")
    proc = _ask_with_shipped(copy, "ask", "--lang", "es", *CALM_FLAGS, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["title"] == "Look after it yourself and re-check"
    warning, = [line for line in proc.stderr.splitlines() if "night-pain" in line]
    assert warning.startswith("spinetriage: aviso:") and "inglés" in warning
    assert run_cli("rules", "validate", str(copy)).returncode == 3  # still refused where it is checked


def test_custom_rules_with_a_damaged_spanish_file_give_their_own_advice_in_english(copy):
    _edit(copy.with_name("my.es.yaml"), "\n  night-pain: ", "\n  # night-pain: ")
    proc = run_cli("ask", "--lang", "es", "--rules", str(copy), "--red-flag", "both-legs", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "Go to the emergency department now"
