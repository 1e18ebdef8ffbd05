"""The shipped regions file's snapshot: current, equal to reading the YAML, never used for another
file, and why it is there: a locale with a territory chooses a region without importing PyYAML."""

import os
import subprocess
import sys

from spinetriage.rules.regions import (
    default_regions_path, load_regions, regions_from_text, regions_snapshot_path, snapshot_text,
)


def test_the_committed_regions_snapshot_is_current():
    path = default_regions_path()
    text = path.read_text(encoding="utf-8")
    assert regions_snapshot_path(path).read_text(encoding="utf-8") == snapshot_text(text, str(path)), (
        "rules/regions.snapshot.json is stale: run python -c \"from spinetriage.rules.regions import "
        "write_regions_snapshot; write_regions_snapshot()\"")


def test_the_snapshot_gives_what_the_yaml_gives():
    path = default_regions_path()
    assert load_regions() == regions_from_text(path.read_text(encoding="utf-8"), str(path))


def test_a_copy_beside_a_snapshot_is_read_from_its_yaml(tmp_path):
    path = default_regions_path()
    copy = tmp_path / path.name
    copy.write_text(path.read_text(encoding="utf-8").replace('"911"', '"912"', 1), encoding="utf-8")
    regions_snapshot_path(copy).write_text(regions_snapshot_path(path).read_text(encoding="utf-8"), encoding="utf-8")
    numbers = {n for r in load_regions(copy).values() for n in r.emergency}
    assert "912" in numbers


def test_a_locale_with_a_territory_reads_no_yaml():
    code = ("import sys; from spinetriage.cli.program import run; "
            "rc = run(['ask', '--red-flag', 'chest-pain', '--no-input', '--format', 'json']); "
            "print('yaml' in sys.modules, file=sys.stderr)")
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert '"911' in proc.stdout, proc.stdout[:300] + proc.stderr
    assert proc.stderr.strip().endswith("False"), proc.stderr


def test_the_locale_variables_are_read_in_one_order():
    """cli.region's quick look for a territory reads the same variables as core.region."""
    from spinetriage.cli.region import _LOCALE_VARIABLES
    from spinetriage.core.region import LOCALE_VARIABLES

    assert _LOCALE_VARIABLES == LOCALE_VARIABLES
