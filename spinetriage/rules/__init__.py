"""Rules files: read a YAML rules file (or the shipped rules' snapshot), check every part of it,
and compile it into a ``RuleSet`` the engine evaluates.

What lives here:
    model       the outcome ladder, rules and cases as data; conditions evaluated and compiled
    source      where each piece of a document stands (lines and columns), and the snapshot
    yamlsrc     YAML text to a Source, with positions (the only module that imports PyYAML)
    load        load_rules: read, check, compile; the shipped rules' snapshot
    checker     the document's structure; conditions and cases in their own modules
    conditions  answers, tests and values of a condition, and "only upwards"
    cases       the example cases' ids, answers and expected outcomes
    safety      every emergency sign alone leads to emergency, every urgent sign to urgent
    examples    run the example cases through the engine; warnings for rules validate
    schema      the JSON Schema of a rules file

May import: ``spinetriage.answers``, ``spinetriage.errors`` (the core); ``examples`` also the
engine. Never the command line, Typer or Rich.
"""

from spinetriage.rules.load import (
    MAX_RULES_BYTES, default_rules_path, is_shipped, load_rules, load_rules_text, read_rules_bytes,
    snapshot_path, write_snapshot,
)
from spinetriage.rules.model import (
    CASE_KEYS, ID_PATTERN, OPERATORS, OUTCOME_IDS, OUTCOME_KEYS, PHASE_KEYS, PHASES, RULE_KEYS,
    SAFETY_KEYS, TOP_KEYS, Case, Condition, Outcome, Rule, RuleSet, condition_text, evaluate3,
)
from spinetriage.rules.safety import CALM_ANSWERS, safety_problems

__all__ = [
    "CALM_ANSWERS", "CASE_KEYS", "Case", "Condition", "ID_PATTERN", "MAX_RULES_BYTES", "OPERATORS",
    "OUTCOME_IDS", "OUTCOME_KEYS", "Outcome", "PHASES", "PHASE_KEYS", "RULE_KEYS", "Rule", "RuleSet",
    "SAFETY_KEYS", "TOP_KEYS", "condition_text", "default_rules_path", "evaluate3", "is_shipped",
    "load_rules", "load_rules_text", "read_rules_bytes", "safety_problems", "snapshot_path",
    "write_snapshot",
]
