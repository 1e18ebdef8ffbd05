"""The shipped rules' snapshot: current, equivalent to parsing the YAML, and never used stale."""

import subprocess
import sys

from conftest import SHIPPED_RULES
from spinetriage.rules import load_rules_text, snapshot_path, yamlsrc
from spinetriage.rules.load import _load_path
from spinetriage.rules.source import from_snapshot, to_snapshot


def test_the_committed_snapshot_is_current():
    text = SHIPPED_RULES.read_text(encoding="utf-8")
    fresh = to_snapshot(yamlsrc.load(text, str(SHIPPED_RULES))) + "\n"
    committed = snapshot_path(SHIPPED_RULES).read_text(encoding="utf-8")
    assert committed == fresh, (
        "rules/spine-pain.snapshot.json is stale: run "
        "python -c \"from spinetriage.rules import write_snapshot; write_snapshot()\""
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
    assert from_snapshot(raw, text, "x") is not None
    assert from_snapshot(raw, text.replace("includes: fever", "includes: weight-loss", 1), "x") is None
    assert from_snapshot("not json", text, "x") is None


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
