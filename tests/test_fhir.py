"""FHIR for clinic systems: every resource validated with `fhir.resources` (its R4B models,
the compatible update of R4), and the round trip a clinic makes: the Questionnaire of
`rules questionnaire`, a QuestionnaireResponse built from it as a forms engine would, then
`batch --input-format fhir`, giving the same outcome as the flags.
"""

import copy
import io
import json

import pytest
from conftest import CALM, CALM_FLAGS, run_cli
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.riskassessment import RiskAssessment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinetriage import AnswerError, triage
from spinetriage.core.vocabulary import CHECKLISTS, QUESTIONS, RED_FLAGS, TIERS
from spinetriage.formats.fhir import (
    ANONYMOUS,
    CODESYSTEM_URL,
    NONE_CODE,
    QUESTIONNAIRE_URL,
    _flatten,
    bundle,
    codesystem,
    coding,
    questionnaire,
)
from spinetriage.records.fhir import record_from_response
from spinetriage.records.run import run
from spinetriage.records.triage import triage_record
from spinetriage.rules.load import load_rules

RULES = load_rules()
QUESTIONNAIRE = questionnaire(RULES)
UNIT_DAYS = {"d": 1, "wk": 7, "mo": 30, "a": 365}
EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"


# --- a forms engine, as small as a test can make it ----------------------------------------


def _enabled(item, given):
    """R4 enableWhen, for the operators the Questionnaire uses ('!=' on codings, behaviour 'all')."""
    checks = []
    for cond in item.get("enableWhen", []):
        assert cond["operator"] == "!="
        answered = [a["valueCoding"]["code"] for a in given.get(cond["question"], [])]
        checks.append(cond["answerCoding"]["code"] not in answered)  # true if no answer equals it
    return all(checks) if item.get("enableBehavior", "all") == "all" else any(checks)


def fill(questionnaire, record, qr_id=None, unit=None):
    """A QuestionnaireResponse to ``questionnaire`` with the answers of ``record`` (JSON answer keys),
    built only from what the Questionnaire says: item types, answer options, enableWhen."""
    given = {}
    items = []
    for item in questionnaire["item"]:
        if not _enabled(item, given):
            continue
        link, kind = item["linkId"], item["type"]
        if kind == "choice":
            options = [o for o in item["answerOption"]]
            value = record.get(link, record["red_flags"])
            picked = value if isinstance(value, list) else [value]
            answers = [{"valueCoding": o["valueCoding"]} for o in options if o["valueCoding"]["code"] in picked]
            if not answers:  # a checklist with none present: its exclusive "none" option
                answers = [{"valueCoding": o["valueCoding"]} for o in options
                           if any(e["url"] == EXCLUSIVE and e["valueBoolean"] for e in o.get("extension", []))]
        elif kind == "quantity":
            days = record[link]
            codes = [e["valueCoding"]["code"] for e in item["extension"]]
            code = unit or max((c for c in codes if days % UNIT_DAYS[c] == 0), key=UNIT_DAYS.get)
            answers = [{"valueQuantity": {"value": days // UNIT_DAYS[code], "system": "http://unitsofmeasure.org",
                                          "code": code, "unit": code}}]
        elif kind == "integer":
            answers = [{"valueInteger": record[link]}]
        elif kind == "boolean":
            answers = [{"valueBoolean": record[link]}]
        else:
            raise AssertionError(f"item type {kind} not handled")
        answers = copy.deepcopy(answers)  # never share the Questionnaire's own dicts
        given[link] = answers
        items.append({"linkId": link, "answer": answers})
    qr = {"resourceType": "QuestionnaireResponse",
          "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
          "status": "completed", "item": items}
    if qr_id:
        qr["id"] = qr_id
    return qr


def run_batch(resources):
    text = "".join(json.dumps(r) + "\n" for r in resources)
    out = io.StringIO()
    summary = run(io.BytesIO(text.encode()), out, RULES, "fhir")
    return [json.loads(line) for line in out.getvalue().splitlines()], summary


def complete(**changes):
    record = {**CALM, "duration_days": 5, **changes}
    record.pop("duration")
    return record


# --- the published resources ------------------------------------------------------------------


def test_codesystem_is_valid_r4_and_holds_every_outcome_answer_and_red_flag_code_once():
    cs = codesystem(RULES)
    CodeSystem.model_validate(cs)
    codes = [c["code"] for c in _flatten(cs["concept"])]
    assert len(codes) == len(set(codes)) == cs["count"]
    for outcome in RULES.outcomes:
        assert outcome.id in codes
    for key in ("location", "radiation"):
        assert set(QUESTIONS[key].choices) <= set(codes)
    assert set(RED_FLAGS) <= set(codes)
    assert NONE_CODE in codes
    assert cs["version"] == RULES.version and cs["url"] == CODESYSTEM_URL


def test_questionnaire_is_valid_r4_versioned_with_the_rules_and_asks_in_the_interview_order():
    Questionnaire.model_validate(QUESTIONNAIRE)
    assert QUESTIONNAIRE["version"] == RULES.version
    links = [i["linkId"] for i in QUESTIONNAIRE["item"]]
    first = [c.id for c in CHECKLISTS if c.before_questions]
    last = [c.id for c in CHECKLISTS if not c.before_questions]
    assert links == first + [k for k in QUESTIONS if k != "red_flags"] + last
    assert all(i["required"] is (i["linkId"] != "course") for i in QUESTIONNAIRE["item"])  # course: optional


def test_each_checklist_offers_its_signs_and_an_exclusive_none_option():
    items = {i["linkId"]: i for i in QUESTIONNAIRE["item"]}
    for checklist in CHECKLISTS:
        item = items[checklist.id]
        assert item["type"] == "choice" and item["repeats"] is True
        codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
        assert codes == [*checklist.items, NONE_CODE]
        none = item["answerOption"][-1]
        assert {"url": EXCLUSIVE, "valueBoolean": True} in none["extension"]
        assert all(o["valueCoding"]["system"] == CODESYSTEM_URL for o in item["answerOption"])


def test_items_after_an_emergency_sign_are_not_enabled():
    items = QUESTIONNAIRE["item"]
    assert "enableWhen" not in items[0]
    emergency_in_first = [s for s in CHECKLISTS[0].items if TIERS[s] == "emergency"]
    for item in items[1:]:
        disabled_by = {c["answerCoding"]["code"] for c in item["enableWhen"]}
        assert set(emergency_in_first) <= disabled_by
        assert item["enableBehavior"] == "all"
        assert all(TIERS[code] == "emergency" for code in disabled_by)


def test_cli_prints_the_questionnaire_and_the_codesystem():
    proc = run_cli("rules", "questionnaire")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == QUESTIONNAIRE
    proc = run_cli("rules", "codesystem")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["resourceType"] == "CodeSystem"
    proc = run_cli("rules", "questionnaire", "no-such-rules.yaml")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr


# --- a result as a Bundle -----------------------------------------------------------------------


def _case_for(outcome):
    case = next(c for c in RULES.cases if c.expect == outcome and not c.answers.missing())
    return case.answers


@pytest.mark.parametrize("outcome", [o.id for o in RULES.outcomes])
def test_every_outcome_gives_a_valid_bundle_with_the_coded_outcome_reasons_and_disclaimer(outcome):
    result = triage(_case_for(outcome), RULES)
    assert result.outcome == outcome
    data = bundle(result)
    parsed = Bundle.model_validate(data)
    assert data["type"] == "collection"
    qr, ra = (e["resource"] for e in data["entry"])
    assert isinstance(parsed.entry[1].resource, RiskAssessment)
    assert qr["status"] == "completed"
    assert qr["questionnaire"] == f"{QUESTIONNAIRE_URL}|{RULES.version}"
    assert ra["basis"] == [{"reference": data["entry"][0]["fullUrl"]}]
    assert ra["prediction"][0]["outcome"]["coding"][0] == {
        "system": CODESYSTEM_URL, "code": outcome, "display": result.title}
    reasons = [
        {e["url"]: next(v for k, v in e.items() if k.startswith("value")) for e in ext["extension"]}
        for ext in ra["prediction"][0].get("extension", [])
    ]
    assert [r["rule"] for r in reasons] == [r.rule for r in result.reasons]
    assert [(r["text"], r["source"]) for r in reasons] == [(r.text, r.source) for r in result.reasons]
    assert any(n["text"] == result.disclaimer for n in ra["note"])
    # it reads back to the same outcome
    lines, _ = run_batch([data])
    assert lines[0]["outcome"] == outcome


def test_no_patient_identity_anywhere():
    data = bundle(triage(CALM, RULES))
    text = json.dumps(data)
    assert '"Patient"' not in text and "reference" not in json.dumps(data["entry"][1]["resource"]["subject"])
    assert "subject" not in data["entry"][0]["resource"]
    assert data["entry"][1]["resource"]["subject"] == {"display": ANONYMOUS}


def test_an_emergency_that_ended_the_questions_gives_a_stopped_response_with_only_the_asked_items():
    result = triage({"red_flags": ["chest-pain"]}, RULES)
    data = bundle(result)
    Bundle.model_validate(data)
    qr = data["entry"][0]["resource"]
    assert qr["status"] == "stopped"
    links = [i["linkId"] for i in qr["item"]]
    holding = next(c.id for c in CHECKLISTS if "chest-pain" in c.items)
    assert links[-1] == holding and all(link in [c.id for c in CHECKLISTS] for link in links)
    assert not any(link in QUESTIONS for link in links)
    answered = [a["valueCoding"]["code"] for i in qr["item"] for a in i["answer"]]
    assert "chest-pain" in answered


def test_ask_format_fhir_and_output_fhir_json(tmp_path):
    proc = run_cli("ask", *CALM_FLAGS, "--format", "fhir", "--output", str(tmp_path / "r.fhir.json"))
    assert proc.returncode == 0, proc.stderr
    Bundle.model_validate(json.loads(proc.stdout))
    saved = json.loads((tmp_path / "r.fhir.json").read_text())
    Bundle.model_validate(saved)
    assert saved["entry"][1]["resource"]["prediction"][0]["outcome"]["coding"][0]["code"] == "self-care"
    proc = run_cli("ask", *CALM_FLAGS, "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["outcome"] == "self-care"  # plain .json stays JSON


def test_output_with_an_unknown_extension_lists_the_fhir_and_html_ones(tmp_path):
    proc = run_cli("ask", *CALM_FLAGS, "--output", str(tmp_path / "r.pdf"))
    assert proc.returncode == 2
    assert ".fhir.json" in proc.stderr and ".html" in proc.stderr and "fhir" in proc.stderr


# --- responses read back: the round trip ----------------------------------------------------------

answer_sets = st.fixed_dictionaries({
    "location": st.lists(st.sampled_from(list(QUESTIONS["location"].choices)), min_size=1, unique=True),
    "duration_days": st.one_of(st.integers(0, 400), st.sampled_from([7, 14, 30, 60, 84, 365, 730, 36500])),
    "radiation": st.sampled_from(list(QUESTIONS["radiation"].choices)),
    "recurrent": st.booleans(),
    "limits_activities": st.booleans(),
    "age": st.integers(1, 120),
    "red_flags": st.one_of(st.just([]), st.lists(st.sampled_from(list(RED_FLAGS)), max_size=3, unique=True)),
}).filter(lambda r: r["duration_days"] < (r["age"] + 1) * 365)  # pain longer than the life is an error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets)
def test_round_trip_questionnaire_response_batch_gives_the_outcome_of_the_flags(record):
    qr = fill(QUESTIONNAIRE, record, qr_id="r1")
    QuestionnaireResponse.model_validate(qr)
    lines, summary = run_batch([qr])
    expected = triage(record, RULES)
    assert lines[0]["outcome"] == expected.outcome, (lines, record)
    assert lines[0]["id"] == "r1"
    if expected.outcome != RULES.top.id:  # an emergency disables the later items; otherwise all of it
        assert lines[0]["reasons"] == [r.rule for r in expected.reasons]
        assert lines[0]["phase"] == expected.phase


def test_round_trip_through_the_command_line_with_bundles_and_other_units(tmp_path):
    records = [complete(duration_days=21, radiation="legs", limits_activities=True),
               complete(red_flags=["fever"]),
               complete(red_flags=["saddle-numbness", "fever"]),
               complete(duration_days=730, recurrent=True)]
    resources = [fill(QUESTIONNAIRE, records[0], "a", unit="d"),
                 {"resourceType": "Bundle", "type": "collection", "entry": [
                     {"resource": fill(QUESTIONNAIRE, records[1], "b")}]},
                 fill(QUESTIONNAIRE, records[2], "c"),
                 fill(QUESTIONNAIRE, records[3], "d", unit="a")]
    path = tmp_path / "responses.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in resources))
    proc = run_cli("batch", str(path), "--input-format", "fhir")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c", "d"]
    assert [line["outcome"] for line in lines] == [triage(r, RULES).outcome for r in records]
    # and the same records as JSON Lines agree
    proc = run_cli("batch", "-", input="".join(json.dumps(r) + "\n" for r in records))
    assert [json.loads(line)["outcome"] for line in proc.stdout.splitlines()] == [line["outcome"] for line in lines]


# --- responses that do not answer the Questionnaire ------------------------------------------------


def _error(resource):
    lines, summary = run_batch([resource])
    assert summary.errors == 1, lines
    assert "line" in lines[0]
    return lines[0]["error"]


def test_an_unanswered_checklist_is_not_none_and_is_named():
    qr = fill(QUESTIONNAIRE, complete())
    last = CHECKLISTS[-1].id
    qr["item"] = [i for i in qr["item"] if i["linkId"] != last]
    error = _error(qr)
    assert last in error and "not answered" in error and NONE_CODE in error


def test_unknown_item_wrong_code_system_and_none_with_signs_are_named():
    qr = fill(QUESTIONNAIRE, complete())
    qr["item"].append({"linkId": "shoe-size", "answer": [{"valueInteger": 9}]})
    assert "'shoe-size'" in _error(qr) and "not in the Questionnaire" in _error(qr)

    qr = fill(QUESTIONNAIRE, complete())
    qr["item"][0]["answer"][0]["valueCoding"]["system"] = "http://snomed.info/sct"
    assert repr(CHECKLISTS[0].id) in _error(qr)

    qr = fill(QUESTIONNAIRE, complete())
    last = qr["item"][-1]
    last["answer"].append({"valueCoding": coding(CHECKLISTS[-1].items[0])})
    error = _error(qr)
    assert CHECKLISTS[-1].id in error and "cannot go with other answers" in error

    qr = fill(QUESTIONNAIRE, complete())
    qr["questionnaire"] = "http://example.org/Questionnaire/other"
    assert "questionnaire" in _error(qr)


def test_bad_values_are_named_with_what_is_accepted():
    qr = fill(QUESTIONNAIRE, complete())
    age = next(i for i in qr["item"] if i["linkId"] == "age")
    age["answer"] = [{"valueInteger": 300}]
    assert "age: 300 is out of range; accepted: a whole number from 1 to 120" in _error(qr)
    duration = next(i for i in qr["item"] if i["linkId"] == "duration_days")
    age["answer"] = [{"valueInteger": 30}]
    duration["answer"] = [{"valueQuantity": {"value": 3, "code": "h"}}]
    error = _error(qr)
    assert "duration_days" in error and "'h'" in error and "wk" in error
    duration["answer"] = [{"valueString": "3 weeks"}]
    assert "valueQuantity" in _error(qr)


def test_an_emergency_sign_decides_even_with_unanswered_items_and_bad_values():
    qr = fill(QUESTIONNAIRE, complete(red_flags=["bladder-bowel"]))
    assert [i["linkId"] for i in qr["item"]] == [CHECKLISTS[0].id]  # the rest was not enabled
    qr["status"] = "stopped"
    qr["item"].append({"linkId": "age", "answer": [{"valueInteger": 999}]})
    qr["item"].append({"linkId": "shoe-size", "answer": [{"valueInteger": 9}]})
    lines, summary = run_batch([qr])
    assert lines[0]["outcome"] == "emergency" and summary.errors == 0
    assert any("shoe-size" in text for text in lines[0]["ignored"])  # named, not hidden


def test_not_a_response_is_one_error_line_and_the_run_goes_on():
    good = fill(QUESTIONNAIRE, complete(), "ok")
    patient = {"resourceType": "Patient", "id": "p"}
    two = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": good}, {"resource": good}]}
    lines, summary = run_batch([patient, good, two, "just text"])
    assert [("error" in line) for line in lines] == [True, False, True, True]
    assert "'Patient' is not accepted" in lines[0]["error"]
    assert "2 QuestionnaireResponses" in lines[2]["error"]
    assert summary.records == 4 and summary.errors == 3


def test_record_from_response_is_the_json_lines_record():
    record, problems = record_from_response(fill(QUESTIONNAIRE, complete(red_flags=["fever"]), "x"))
    assert problems == []
    assert record == {"id": "x", "location": ["lower-back"], "duration": "5d", "radiation": "none",
                      "recurrent": False, "limits_activities": False, "age": 35, "red_flags": ["fever"]}
    record, problems = record_from_response({"resourceType": "QuestionnaireResponse", "status": "completed"})
    assert record == {} and "not answered" in str(problems[0])
    with pytest.raises(AnswerError):
        record_from_response({"resourceType": "Observation"})


def test_ask_format_fhir_imports_no_fhir_library_and_no_rich():
    from test_imports import loaded, python

    proc = python(f"""
        from spinetriage.cli import run
        assert run(["ask", *{CALM_FLAGS!r}, "--format", "fhir"]) == 0
    """)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["resourceType"] == "Bundle"
    modules = loaded(proc)["modules"]
    for name in ("fhir", "fhir_core", "pydantic", "rich"):
        assert name not in modules


def test_an_emergency_ticked_at_the_prompts_is_in_the_response_and_reads_back_as_emergency(monkeypatch):
    from spinetriage.cli import terminal as environment
    from spinetriage.cli.program import run

    first = CHECKLISTS[0]
    number = next(i for i, sign in enumerate(first.items, 1) if TIERS[sign] == "emergency")
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(environment, "ENV", environment.Environment(io.StringIO(f"{number}\n"), out, err,
                                                                    True, True, True, True))
    assert run(["ask", "--format", "fhir"]) == 0
    data = json.loads(out.getvalue())
    Bundle.model_validate(data)
    qr = data["entry"][0]["resource"]
    assert qr["status"] == "stopped"
    assert qr["item"] == [{"linkId": first.id, "text": f"{first.heading}. {first.question}", "answer": [
        {"valueCoding": coding(first.items[number - 1], RED_FLAGS[first.items[number - 1]])}]}]
    lines, _ = run_batch([data])
    assert lines[0]["outcome"] == RULES.top.id


def test_the_fhir_page_commands_run_as_written(tmp_path):
    import re
    import subprocess
    import sys
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "fhir.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", page, flags=re.S).group(1)  # the page's first commands
    bin_dir = str(Path(sys.executable).parent)
    script = block.replace(".venv/bin", bin_dir)
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert '"outcome": "physical-therapy"' in proc.stdout
    Questionnaire.model_validate(json.loads((tmp_path / "questionnaire.json").read_text()))
    CodeSystem.model_validate(json.loads((tmp_path / "codesystem.json").read_text()))
    assert "EMERGENCY" in (tmp_path / "report.html").read_text()


def test_a_response_stopped_by_an_emergency_sign_gives_the_line_of_the_same_json_lines_record():
    sign = next(s for s in CHECKLISTS[1].items if TIERS[s] == "emergency")
    qr = fill(QUESTIONNAIRE, complete(red_flags=[sign]), "s1")
    assert [i["linkId"] for i in qr["item"]] == [CHECKLISTS[0].id, CHECKLISTS[1].id]
    qr["status"] = "stopped"
    lines, _ = run_batch([qr])
    expected = triage_record({"id": "s1", "red_flags": [sign]}, RULES)
    assert lines[0] == expected and "ignored" not in lines[0]


def test_bundle_entries_have_fresh_random_uuids():
    import uuid

    urls = [e["fullUrl"] for _ in range(3) for e in bundle(triage(CALM, RULES))["entry"]]
    assert len(set(urls)) == len(urls)
    for url in urls:
        parsed = uuid.UUID(url.removeprefix("urn:uuid:"))
        assert parsed.version == 4 and str(parsed) == url.removeprefix("urn:uuid:")


def test_what_ask_writes_as_fhir_batch_reads_back_as_it_is(tmp_path):
    """ask --format fhir is one line, so a file of results is NDJSON: no re-dumping needed."""
    from conftest import run_cli

    saved = tmp_path / "r.fhir.json"
    asked = run_cli("ask", "--location", "neck", "--duration", "3d", "--radiation", "arms", "--no-recurrent",
                    "--no-limits-activities", "--age", "70", "--red-flag", "minor-injury", "--format", "fhir")
    assert asked.returncode == 0 and asked.stdout.count("\n") == 1
    run_cli("ask", "--red-flag", "chest-pain", "--no-input", "--output", str(saved))
    both = tmp_path / "both.ndjson"
    both.write_text(asked.stdout + saved.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("batch", str(both), "--input-format", "fhir")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [json.loads(line)["outcome"] for line in result.stdout.splitlines()] == ["emergency", "emergency"]


@pytest.mark.parametrize("items", [
    [{"linkId": "signs-heart", "answer": [{"valueCoding": {"code": "chest-pain"}}, {"valueString": "x"}]}],
    [{"linkId": "signs-heart", "answer": [{"valueCoding": {"code": "none-of-these"}}]},
     {"linkId": "signs-heart", "answer": [{"valueCoding": {"code": "chest-pain"}}]}],
    [{"linkId": "signs-heart", "answer": [{"valueCoding": {"code": "chest-pain"}},
                                          {"valueCoding": {"system": "http://snomed.info/sct", "code": "29857009"}}]}],
])
def test_an_emergency_sign_ticked_in_a_faulty_item_is_never_lost(items):
    qr = {"resourceType": "QuestionnaireResponse", "status": "stopped", "item": items}
    lines, _ = run_batch([qr])
    assert lines[0]["outcome"] == "emergency" and lines[0]["reasons"] == ["chest-pain"]
    assert lines[0]["ignored"]
