"""``spinetriage rules ...``: validate, test, list, questionnaire, codesystem, diff and schema.
"""

from __future__ import annotations

from typing import Any, Optional

import typer

from spinetriage.cli.apps import rules_app
from spinetriage.cli.errors import PROG, UsageError, _guard, _print_problem
from spinetriage.cli.options import INPUT_FORMAT_WORDS, _choice, _choices
from spinetriage.cli.terminal import Environment, env, json_safe, visible
from spinetriage.core.errors import ExitCode

RULES_PATH = typer.Argument(None, metavar="[PATH]", help="A rules file (default: the shipped one).")


@rules_app.command("validate", help="Check a rules file; list every problem as file:line:col: message.\n\n"
                   "\b\nExamples:\n  spinetriage rules validate\n  spinetriage rules validate my-rules.yaml --strict")
@_guard
def rules_validate(
    path: Optional[str] = RULES_PATH,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors (exit 3)."),
) -> None:
    from spinetriage.rules.examples import warnings_for
    from spinetriage.rules.load import load_rules

    e = env()
    ruleset = load_rules(path)
    warnings = warnings_for(ruleset)
    for w in warnings:
        _print_problem(w, ruleset.source.text if ruleset.source else "", e.stderr)
    count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    if warnings and strict:
        e.stderr.write(f"{PROG}: the rules file cannot be used: {count} treated as errors (--strict)\n")
        raise typer.Exit(ExitCode.RULES)
    e.stdout.write(f"{ruleset.file}: valid: {len(ruleset.rules)} rules, {len(ruleset.cases)} cases, "
                   f"version {ruleset.version}" + (f", {count}" if warnings else "") + "\n")


@rules_app.command("test", help="Run the example cases kept in a rules file.\n\n"
                   "\b\nExamples:\n  spinetriage rules test\n  spinetriage rules test my-rules.yaml")
@_guard
def rules_test(path: Optional[str] = RULES_PATH) -> None:
    from spinetriage.rules.examples import run_cases
    from spinetriage.rules.load import load_rules

    e = env()
    ruleset = load_rules(path)
    outcomes = run_cases(ruleset)
    failed = [o for o in outcomes if not o.passed]
    for o in failed:
        e.stdout.write(f"FAIL {o.case.id} ({ruleset.file}:{o.case.line}): {o.explain()}\n")
    e.stdout.write(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed\n")
    if failed:
        raise typer.Exit(ExitCode.FAILURE)


@rules_app.command("list", help="List the rules: id, outcome, reason, source.\n\n"
                   "\b\nExamples:\n  spinetriage rules list\n  spinetriage rules list --format json")
@_guard
def rules_list(
    path: Optional[str] = RULES_PATH,
    fmt: str = typer.Option("text", "--format", metavar="FORMAT", help="text or json."),
) -> None:
    from spinetriage.core.ruleset import condition_text
    from spinetriage.rules.load import load_rules

    e = env()
    fmt = _choice("--format", fmt, ("text", "json"))
    ruleset = load_rules(path)
    rows = [{"id": r.id, "outcome": r.outcome.id, "condition": condition_text(r.condition), "reason": r.reason,
             "source": r.source} for r in ruleset.rules]
    if fmt == "json":
        _write_json(rows, e)
        return
    from spinetriage.cli.render import print_rules_table

    print_rules_table(rows, e)


@rules_app.command("questionnaire", help="Print the interview as a FHIR R4 Questionnaire (JSON), for a "
                   "clinic's forms engine.\n\n\b\nExamples:\n  spinetriage rules questionnaire > questionnaire.json\n"
                   "  spinetriage rules questionnaire my-rules.yaml")
@_guard
def rules_questionnaire(path: Optional[str] = RULES_PATH) -> None:
    _write_fhir("questionnaire", path)


@rules_app.command("codesystem", help="Print the FHIR R4 CodeSystem of outcome and answer codes (JSON).\n\n"
                   "\b\nExamples:\n  spinetriage rules codesystem > codesystem.json\n"
                   "  spinetriage rules codesystem my-rules.yaml")
@_guard
def rules_codesystem(path: Optional[str] = RULES_PATH) -> None:
    _write_fhir("codesystem", path)


def _write_fhir(resource: str, path: Optional[str]) -> None:
    """The FHIR resource ``resource`` (questionnaire, codesystem) of a rules file, as JSON."""
    from spinetriage.formats import fhir
    from spinetriage.rules.load import load_rules

    _write_json(getattr(fhir, resource)(load_rules(path)), env())


@rules_app.command("diff", help="Show every outcome a change to the rules moves, downgrades first: over both "
                   "files' example cases, an answer space enumerated from both files (every location set, the "
                   "durations and ages at each threshold, every radiation, recurrent and limits value, and red-flag "
                   "sets of size 0, 1 and 2) and, with --records, a batch input file. Exit 0: no outcome changes; "
                   "1: only upgrades; 4: a downgrade (a clinician should sign it off).\n\n"
                   "\b\nExamples:\n  spinetriage rules diff old.yaml rules/spine-pain.yaml\n"
                   "  spinetriage rules diff old.yaml new.yaml --records intake.csv --format json")
@_guard
def rules_diff(
    old: str = typer.Argument(..., metavar="OLD", help="The rules file before the change."),
    new: str = typer.Argument(..., metavar="NEW", help="The rules file after the change."),
    records: Optional[str] = typer.Option(None, "--records", metavar="FILE",
                                          help="Also compare these records (any batch input: JSON Lines, CSV, FHIR)."),
    input_format: Optional[str] = typer.Option(None, "--input-format", metavar="FORMAT",
                                               autocompletion=_choices(INPUT_FORMAT_WORDS),
                                               help="Of --records: jsonl (default), csv, or fhir; a .csv file is CSV."),
    fmt: str = typer.Option("text", "--format", metavar="FORMAT", help="text or json."),
) -> None:
    from spinetriage.records import run as core
    from spinetriage.rules.diff import diff_rules, to_text
    from spinetriage.rules.load import load_rules

    e = env()
    fmt = _choice("--format", fmt, ("text", "json"))
    data = None
    if records is not None:
        if input_format is None:
            input_format = "csv" if records.lower().endswith(".csv") else "jsonl"
        input_format = _choice("--input-format", input_format, core.INPUT_FORMATS)
        try:
            with open(records, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise UsageError(f"--records: cannot read {records!r}: {exc.strerror or exc}") from None
    before, after = load_rules(old), load_rules(new)
    lines = None
    if data is not None:  # the lines batch writes for them with each file
        lines = tuple(_batch_lines(data, ruleset, input_format or "jsonl") for ruleset in (before, after))
    diff = diff_rules(before, after, lines)
    if fmt == "json":
        _write_json(diff.to_dict(), e)
    else:
        e.stdout.write(visible(to_text(diff)))
    raise typer.Exit(diff.exit_code())


def _batch_lines(data: bytes, ruleset: Any, input_format: str) -> list[dict[str, Any]]:
    import io
    import json

    from spinetriage.records.run import run

    out = io.StringIO()
    run(io.BytesIO(data), out, ruleset, input_format, signals=())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _write_json(data: Any, e: Environment) -> None:
    """Indented JSON on stdout; characters the stream cannot show as \\u escapes (the same data)."""
    import json

    e.stdout.write(json_safe(json.dumps(data, ensure_ascii=False, indent=2), getattr(e.stdout, "encoding", None)) + "\n")


@rules_app.command("schema", help="Print the JSON Schema of the rules file (for editors).\n\n"
                   "\b\nExample:\n  spinetriage rules schema > rules.schema.json")
@_guard
def rules_schema() -> None:
    import json

    from spinetriage.rules.schema import json_schema

    env().stdout.write(json.dumps(json_schema(), indent=2) + "\n")
