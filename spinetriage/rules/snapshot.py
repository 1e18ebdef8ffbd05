"""The shipped rules' snapshot: the checked, compiled form of ``rules/spine-pain.yaml`` as JSON.

Starting up on the shipped rules reads this instead of the YAML: no PyYAML, no walk over every
node. It is used only for the shipped file, only when it was made from exactly that file's text
and by the same vocabulary of answers; the rules it holds still go through the safety check on
every load, and the example cases are read from the YAML when first asked for. Anything else
(an edited file, a copy given with ``--rules``, a snapshot from older code) is read from its YAML.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any, Callable

from spinetriage.core.ruleset import Case, Condition, Outcome, Rule, RuleSet, _compile
from spinetriage.core.vocabulary import QUESTIONS, TIERS
from spinetriage.rules.safety import safety_problems
from spinetriage.rules.source import Source

FORMAT = 2
_SETS = ("has_any", "has_all", "in")


def vocabulary() -> str:
    """The answers, values and tiers the snapshot's rules were checked against, as one string."""
    return repr(([(q.key, q.kind, sorted(q.choices), sorted(q.aliases), q.bounds) for q in QUESTIONS.values()],
                 sorted(TIERS.items())))


def _cond_out(cond: Condition) -> list[Any]:
    op = cond[0]
    if op in ("all", "any"):
        return [op, [_cond_out(c) for c in cond[1]]]
    value = cond[2]
    return [op, cond[1], sorted(value) if op in _SETS else list(value) if op == "range" else value]


def _cond_in(raw: list[Any]) -> Condition:
    op = raw[0]
    if op in ("all", "any"):
        return (op, [_cond_in(c) for c in raw[1]])
    value = raw[2]
    return (op, raw[1], frozenset(value) if op in _SETS else tuple(value) if op == "range" else value)


def languages(ruleset: RuleSet) -> dict[str, Any]:
    """The checked texts of every language file beside ``ruleset``'s file, by language (raises
    ``RulesError`` for one that does not fit): a Spanish triage needs no PyYAML either."""
    from spinetriage.rules import texts
    from spinetriage.rules.load import decode_rules_bytes, read_rules_bytes

    out = {}
    for lang, path in texts.siblings(ruleset.file).items():
        text = decode_rules_bytes(read_rules_bytes(str(path)), str(path))
        out[lang] = texts.snapshot_entry(texts.check_text(ruleset, text, str(path), lang), text)
    return out


def dump(ruleset: RuleSet, text: str, langs: dict[str, Any] | None = None) -> str:
    """The snapshot of a checked RuleSet made from ``text``, with the texts in other languages
    beside its file (``languages``: each with the text it was made from, so that a change is
    seen), kept as one JSON text inside it: parsed only in such a language, English skips it."""
    langs = languages(ruleset) if langs is None else langs
    return json.dumps({
        "format": FORMAT,
        "vocabulary": vocabulary(),
        "text": text,
        "version": ruleset.version,
        "outcomes": [[o.id, o.rank, o.title, o.advice, list(o.steps), o.if_worse] for o in ruleset.outcomes],
        "phases": ruleset.phases,
        "safety_net": ruleset.safety_net,
        "disclaimer": ruleset.disclaimer,
        "limits": list(ruleset.limits),
        "rules": [[r.id, r.outcome.id, _cond_out(r.condition), r.reason, r.source, r.line, r.col,
                   list(r.when_at), list(r.outcome_at)] for r in ruleset.rules],
        "languages": json.dumps(langs, ensure_ascii=False, separators=(",", ":")) if langs else "",
    }, ensure_ascii=False, separators=(",", ":"))


def load(raw: str, text: str, file: str, read_cases: Callable[[], tuple[Case, ...]],
         read_texts: Callable[..., Any] | None = None) -> RuleSet | None:
    """The RuleSet of a snapshot made from exactly ``text`` by this vocabulary, else None.

    ``read_texts(ruleset, lang, known)`` reads the texts in another language; ``known`` is the
    snapshot's (JSON text, parsed only then), used only while that file's text is exactly the one
    they were made from."""
    try:
        snap = json.loads(raw)
        if snap.get("format") != FORMAT or snap.get("text") != text or snap.get("vocabulary") != vocabulary():
            return None
        outcomes = tuple(Outcome(i, rank, title, advice, tuple(steps), if_worse)
                         for i, rank, title, advice, steps, if_worse in snap["outcomes"])
        by_id = {o.id: o for o in outcomes}
        rules = tuple(Rule(rid, by_id[oid], _cond_in(cond), reason, source, line, col, tuple(when), tuple(at))
                      for rid, oid, cond, reason, source, line, col, when, at in snap["rules"])
        ruleset = RuleSet(
            file=file, version=snap["version"], outcomes=outcomes, rules=rules, phases=snap["phases"],
            safety_net=snap["safety_net"], disclaimer=snap["disclaimer"], limits=tuple(snap["limits"]),
            source=Source(file, text), _match=_compile(rules), _cases=None, _read_cases=read_cases,
            _read_texts=partial(read_texts, known=snap.get("languages") or None) if read_texts else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    return None if safety_problems(ruleset) else ruleset
