"""`batch --input-format fhir` on every shape a line can take (issue 16): a malformed line is
that line's error (or `emergency` when it names an emergency sign), never the end of the run;
every valid R4 way of writing an emergency sign decides `emergency`; a pretty-printed file is
told that batch reads one resource a line.

Responses come from the Questionnaire of `rules questionnaire` (filled as a forms engine
would, `test_fhir.fill`) and from what `ask --format fhir` writes.
"""

import copy
import io
import json

import pytest
from conftest import run_cli
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fhir import QUESTIONNAIRE, complete, fill

from spinetriage import triage
from spinetriage.formats.fhir import to_json
from spinetriage.records.run import run
from spinetriage.rules.load import load_rules

RULES = load_rules()
SIGN = "chest-pain"  # an emergency sign, asked in the checklist "signs-heart"


def run_lines(resources):
    """Each resource (or raw text) on a line of its own -> the output lines and the summary."""
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in resources)
    out = io.StringIO()
    summary = run(io.BytesIO(text.encode()), out, RULES, "fhir")
    return [json.loads(line) for line in out.getvalue().splitlines()], summary


def emergency_response(qr_id=None):
    """What a forms engine sends when chest pain ended the questions."""
    qr = fill(QUESTIONNAIRE, complete(red_flags=[SIGN]), qr_id)
    qr["status"] = "stopped"
    return qr


def calm_response(qr_id=None):
    return fill(QUESTIONNAIRE, complete(), qr_id)


def sandwich(middle):
    """An emergency response, ``middle``, another emergency response: three lines out, in order."""
    lines, summary = run_lines([emergency_response("first"), middle, emergency_response("last")])
    assert len(lines) == 3 == summary.records, lines
    for want, line in (("first", lines[0]), ("last", lines[2])):
        assert line == {"id": want, "outcome": "emergency", "reasons": [SIGN], "phase": None}
    if "error" in lines[1]:
        assert lines[1]["line"] == 2
    return lines[1]


# --- a malformed line never ends the run -------------------------------------------------------


def test_a_malformed_bundle_between_two_emergencies_through_the_command_line():
    """The issue's case, as written: no line came out at all ("internal error (TypeError)")."""
    first = run_cli("ask", "--red-flag", "chest-pain", "--no-input", "--format", "fhir").stdout
    last = run_cli("ask", "--red-flag", "saddle-numbness", "--no-input", "--format", "fhir").stdout
    proc = run_cli("batch", "--input-format", "fhir", input=first + '{"resourceType":"Bundle","entry":5}\n' + last)
    assert "internal error" not in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line.get("outcome") for line in lines] == ["emergency", None, "emergency"]
    assert [line.get("reasons") for line in lines] == [["chest-pain"], None, ["saddle-numbness"]]
    assert lines[1]["line"] == 2 and "entry" in lines[1]["error"] and "not a list" in lines[1]["error"]
    assert proc.returncode == 1 and "3 records: 2 emergency" in proc.stderr


def _with(path, value, base=None):
    qr = copy.deepcopy(base or calm_response())
    node = qr
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return qr


HEART = 1  # the index of the item "signs-heart" in a filled response


@pytest.mark.parametrize("bad, named", [
    ({"resourceType": "Bundle", "entry": 5}, "Bundle: entry is 5, not a list"),
    ({"resourceType": "Bundle", "entry": True}, "Bundle: entry is True, not a list"),
    ({"resourceType": "Bundle", "entry": 1.5}, "Bundle: entry is 1.5, not a list"),
    (_with(["item", HEART, "answer", 0, "valueCoding", "code"], ["none-of-these"]), "has no code as text"),
    (_with(["item", HEART, "answer", 0, "valueCoding", "code"], {"code": "none-of-these"}), "has no code as text"),
], ids=["entry 5", "entry true", "entry 1.5", "code a list", "code an object"])
def test_a_malformed_line_is_its_own_error_line_and_the_emergencies_around_it_come_out(bad, named):
    line = sandwich(bad)
    assert line["line"] == 2 and named in line["error"]


@pytest.mark.parametrize("code", [[SIGN], {"code": SIGN}])
def test_a_code_that_is_a_list_or_an_object_still_gives_its_emergency(code):
    line = sandwich(_with(["item", HEART, "answer", 0, "valueCoding", "code"], code, emergency_response()))
    assert line["outcome"] == "emergency" and line["reasons"] == [SIGN]
    assert "valueCoding" in line["ignored"][0]


# --- exhaustively: every node of a valid response replaced by every kind of JSON value --------

JSON_VALUES = [None, True, False, 0, -1, 1.5, 10**30, "", "x", SIGN.upper(), [], [None], [{}], [[]], {},
               {"a": 1}, {"code": 5}, {"item": 5}, {"valueCoding": []}]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def _mutants(base):
    """(path, value, resource) for each node replaced by each JSON value, and for each node left out."""
    for path in _paths(base):
        if not path:
            continue
        for value in [*JSON_VALUES, _DELETE]:
            mutant = copy.deepcopy(base)
            node = mutant
            for key in path[:-1]:
                node = node[key]
            if value is _DELETE:
                del node[path[-1]]
            else:
                node[path[-1]] = copy.deepcopy(value)
            yield path, value, mutant


_DELETE = object()


def _ask_bundle(record):
    """What ``ask --format fhir`` writes for ``record``."""
    return json.loads(to_json(triage(record, RULES)))


@pytest.mark.parametrize("base, sick", [
    pytest.param(lambda: calm_response("r"), False, id="calm response"),
    pytest.param(lambda: emergency_response("r"), True, id="emergency response"),
    pytest.param(lambda: _ask_bundle(complete(red_flags=["fever"], duration_days=21)), False, id="ask bundle"),
    pytest.param(lambda: _ask_bundle({"red_flags": [SIGN]}), True, id="ask emergency bundle"),
])
def test_every_node_replaced_by_every_json_type_gives_one_line_each_in_order_and_loses_no_emergency(base, sick):
    base = base()
    mutants = list(_mutants(base))
    resources = []
    for n, (_, _, mutant) in enumerate(mutants):
        resources += [{"resourceType": "QuestionnaireResponse", "id": f"s{n}", "status": "stopped",
                       "item": [{"linkId": "signs-nerves", "answer": [{"valueCoding": {"code": "both-legs"}}]}]},
                      mutant]
    lines, summary = run_lines(resources)
    assert len(lines) == len(resources) == summary.records
    for n, (path, value, mutant) in enumerate(mutants):
        sentinel, line = lines[2 * n], lines[2 * n + 1]
        assert sentinel == {"id": f"s{n}", "outcome": "emergency", "reasons": ["both-legs"], "phase": None}, path
        if "error" in line:
            assert line["line"] == 2 * n + 2, (path, line)
            assert "cannot be read as a QuestionnaireResponse" not in line["error"], (path, line)
        # the sign, still coded in the response the line holds, still decides
        qr = mutant if mutant.get("resourceType") == "QuestionnaireResponse" else None
        if qr is not None and json.dumps(qr).count(f'"{SIGN}"'):
            assert line.get("outcome") == "emergency", (path, mutant, line)
        # and no false alarm: the safety net of a RiskAssessment names every emergency sign in words
        if not sick and value != SIGN.upper():
            assert line.get("outcome") != "emergency", (path, mutant, line)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["chest-pain", "Chest Pain", "none-of-these", "signs-heart", "valueCoding", "d"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["linkId", "answer", "item", "valueCoding", "code", "system", "valueString", "x"]),
        inner, max_size=3),
    max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_json_anywhere_in_a_response_gives_one_line_and_never_a_crash(data):
    base = data.draw(st.sampled_from(["calm", "emergency"]))
    qr = calm_response("r") if base == "calm" else emergency_response("r")
    paths = [p for p in _paths(qr) if p]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(json_values)
    line = sandwich(_with(list(path), value, qr))
    assert "error" in line or "outcome" in line
    if "error" in line:
        assert "cannot be read as a QuestionnaireResponse" not in line["error"]


# --- every valid R4 way of giving an emergency sign --------------------------------------------


def _heart(qr):
    return next(i for i in qr["item"] if i["linkId"] == "signs-heart")


def in_a_group(qr):
    qr["item"] = [{"linkId": "page-1", "text": "Safety", "item": qr["item"]}]
    return qr


def under_an_answer(qr):
    heart = _heart(qr)
    qr["item"].remove(heart)
    qr["item"][0]["answer"][0]["item"] = [heart]  # nested under the answer of signs-nerves
    return qr


def as_value_string(qr):
    _heart(qr)["answer"] = [{"valueString": SIGN}]
    return qr


def as_words_in_a_value_string(qr):
    _heart(qr)["answer"] = [{"valueString": "Chest pain"}]
    return qr


def in_another_case(qr):
    _heart(qr)["answer"][0]["valueCoding"]["code"] = "Chest-Pain"
    return qr


def with_underscores_in_capitals(qr):
    _heart(qr)["answer"][0]["valueCoding"]["code"] = "CHEST_PAIN"
    return qr


def answer_as_an_object(qr):
    heart = _heart(qr)
    heart["answer"] = heart["answer"][0]
    return qr


def item_as_an_object(qr):
    qr["item"] = _heart(qr)
    return qr


def with_another_code_system(qr):
    _heart(qr)["answer"][0]["valueCoding"]["system"] = "http://example.org/our-codes"
    return qr


def in_a_bundle_of_several(qr):
    return {"resourceType": "Bundle", "id": "b1", "type": "collection",
            "entry": [{"resource": calm_response()}, {"resource": qr}, {"resource": calm_response()}]}


VALID_R4 = [in_a_group, under_an_answer, as_value_string, as_words_in_a_value_string, in_another_case,
            with_underscores_in_capitals, with_another_code_system, in_a_bundle_of_several]


@pytest.mark.parametrize("shape", [*VALID_R4, answer_as_an_object, item_as_an_object], ids=lambda f: f.__name__)
def test_an_emergency_sign_however_it_is_written_decides_with_the_shape_named(shape):
    resource = shape(emergency_response())
    if shape in VALID_R4:  # a shape FHIR R4 allows (the others are what careless JSON writers do)
        (Bundle if resource["resourceType"] == "Bundle" else QuestionnaireResponse).model_validate(resource)
    line = sandwich(resource)
    assert line["outcome"] == "emergency" and line["reasons"] == [SIGN], line
    assert line["ignored"], line  # what is not as the Questionnaire asks is said


@pytest.mark.parametrize("shape", [in_a_group, under_an_answer], ids=lambda f: f.__name__)
def test_without_an_emergency_sign_nested_items_are_an_error_line_naming_them(shape):
    error = sandwich(shape(fill(QUESTIONNAIRE, complete(red_flags=["fever"]))))["error"]
    assert "nested items" in error and "give each item at the top level" in error, error


@pytest.mark.parametrize("written", ["Fever", "weight\u2011loss"])
def test_a_code_written_otherwise_without_an_emergency_is_an_error_with_a_did_you_mean(written):
    qr = fill(QUESTIONNAIRE, complete(red_flags=["fever"]))
    health = next(i for i in qr["item"] if i["linkId"] == "signs-health")
    health["answer"][0]["valueCoding"]["code"] = written
    error = sandwich(qr)["error"]
    meant = written.lower().replace("\u2011", "-")
    assert f"{written!r} is not one of its options (did you mean {meant}?" in error


def test_a_bundle_of_several_responses_is_one_record_an_error_without_an_emergency_sign():
    bundle = in_a_bundle_of_several(calm_response())
    lines, summary = run_lines([bundle])
    assert summary.records == 1 and summary.errors == 1
    assert lines[0]["id"] == "b1" and "holds 3 QuestionnaireResponses" in lines[0]["error"]
    lines, _ = run_lines([in_a_bundle_of_several(emergency_response())])
    assert lines[0]["id"] == "b1" and lines[0]["outcome"] == "emergency"
    assert "holds 3 QuestionnaireResponses" in lines[0]["ignored"][0]


@pytest.mark.parametrize("yes", [{"valueBoolean": True}, {"valueString": "Yes"}], ids=["true", "'Yes'"])
def test_an_item_of_another_questionnaire_named_for_a_sign_counts_when_answered_yes(yes):
    """A form with a yes/no question per sign (linkId "chest-pain") is not this Questionnaire:
    its line names the unknown item, but a yes to an emergency sign still decides; a no does not."""
    lines = []
    for answer in (yes, {"valueBoolean": False}):
        qr = calm_response()
        qr["item"].append({"linkId": SIGN, "answer": [answer]})
        lines.append(sandwich(qr))
    assert lines[0]["outcome"] == "emergency" and "error" in lines[1], lines
    assert f"item '{SIGN}': is not in the Questionnaire" in lines[0]["ignored"][0]
    assert f"item '{SIGN}': is not in the Questionnaire" in lines[1]["error"]


def test_a_clean_response_with_a_sign_outside_its_checklist_answers_says_so():
    # what ask and a forms engine write is read with nothing to say ...
    lines, summary = run_lines([calm_response("a"), emergency_response("b"), _ask_bundle(complete()),
                                _ask_bundle({"red_flags": [SIGN]})])
    assert summary.errors == 0 and not any("ignored" in line for line in lines), lines
    # ... and an emergency code beside the answers counts, and is said
    qr = calm_response()
    qr["extension"] = [{"url": "http://example.org/triage-flag", "valueCode": SIGN}]
    line = sandwich(qr)
    assert line["outcome"] == "emergency" and "outside a checklist's answers" in line["ignored"][0]


# --- a pretty-printed file ----------------------------------------------------------------------


def test_a_pretty_printed_file_is_told_to_put_one_resource_a_line_and_every_line_gets_its_line(tmp_path):
    calm = _ask_bundle(complete())
    urgent = _ask_bundle(complete(red_flags=["fever"]))
    sick = _ask_bundle({"red_flags": [SIGN]})
    parts = [json.dumps(r, indent=2) for r in (calm, urgent, sick)]
    path = tmp_path / "results.fhir.json"
    path.write_text("\n".join(parts) + "\n")
    proc = run_cli("batch", str(path), "--input-format", "fhir")
    assert "internal error" not in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == sum(1 for line in path.read_text().splitlines() if line.strip())
    errors = [line for line in lines if "error" in line]
    assert errors and all("one resource a line" in e["error"] and "jq -c" in e["error"] for e in errors)
    # the safety net of every RiskAssessment names the emergency signs in words: not a sign of
    # this person's; the code ticked in the last one still decides
    before_sick = sum(p.count("\n") + 1 for p in parts[:2])
    assert not any(line.get("outcome") for line in lines[:before_sick]), lines[:before_sick]
    assert any(line.get("outcome") == "emergency" for line in lines[before_sick:])


def test_a_json_array_of_resources_on_one_line_is_told_how_to_split_it():
    lines, _ = run_lines([[calm_response(), calm_response()]])
    assert "jq -c '.[]'" in lines[0]["error"]
