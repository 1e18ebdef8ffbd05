"""The shipped rules' snapshot: current, equivalent to parsing the YAML, and never used stale."""

import subprocess
import sys

from conftest import SHIPPED_RULES

from spinetriage.rules import snapshot
from spinetriage.rules.load import _load_path, load_rules_text, snapshot_path


def _load(raw: str, text: str):
    return snapshot.load(raw, text, "x", lambda: ())


def test_the_committed_snapshot_is_current():
    text = SHIPPED_RULES.read_text(encoding="utf-8")
    fresh = snapshot.dump(load_rules_text(text, str(SHIPPED_RULES)), text) + "\n"
    committed = snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8")
    assert committed == fresh, (
        "rules/spine-pain.snapshot.json is stale: run "
        "python -c \"from spinetriage.rules.load import write_snapshot; write_snapshot()\""
    )


def test_snapshot_and_yaml_give_the_same_rules_with_the_same_lines():
    via_snapshot = _load_path(str(SHIPPED_RULES))
    via_yaml = load_rules_text(SHIPPED_RULES.read_text(encoding="utf-8"), str(SHIPPED_RULES))
    assert via_snapshot.rules == via_yaml.rules
    assert via_snapshot.cases == via_yaml.cases
    assert via_snapshot.outcomes == via_yaml.outcomes
    assert (via_snapshot.version, via_snapshot.phases, via_snapshot.safety_net) == (
        via_yaml.version, via_yaml.phases, via_yaml.safety_net)


def test_a_snapshot_of_other_text_is_never_used():
    text = SHIPPED_RULES.read_text(encoding="utf-8")
    raw = snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8")
    assert _load(raw, text) is not None
    assert _load(raw, text.replace("includes: fever", "includes: weight-loss", 1)) is None
    assert _load("not json", text) is None
    assert _load(raw.replace('"format":2', '"format":1'), text) is None


def test_a_snapshot_made_by_another_vocabulary_is_never_used(monkeypatch):
    """Code that renames an answer or a red flag must not trust rules checked against the old words."""
    text = SHIPPED_RULES.read_text(encoding="utf-8")
    raw = snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8")
    monkeypatch.setattr(snapshot, "vocabulary", lambda: "another vocabulary")
    assert _load(raw, text) is None


def test_a_snapshot_whose_rules_break_the_safety_promise_is_never_used():
    text = SHIPPED_RULES.read_text(encoding="utf-8")
    raw = snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8")
    weakened = raw.replace('["saddle-numbness","emergency"', '["saddle-numbness","doctor"', 1)
    assert weakened != raw and _load(weakened, text) is None


def test_an_edited_copy_beside_a_stale_snapshot_is_read_afresh(tmp_path):
    rules = tmp_path / "spine-pain.yaml"
    rules.write_text(SHIPPED_RULES.read_text().replace("version: \"2026", "version: \"edited-2026", 1))
    snapshot_path(rules).write_text(snapshot_path(SHIPPED_RULES).read_text())
    assert _load_path(str(rules)).version.startswith("edited-")


def test_starting_up_on_the_shipped_rules_does_not_import_pyyaml():
    code = ("import sys; from spinetriage import load_rules; load_rules(); "
            "print('yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
