"""Write the documentation's generated blocks from the vocabulary: one place, never copied by hand.

A generated block sits between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``
in a Markdown file. ``python tools/docgen.py`` rewrites every block of every file it knows;
``python tools/docgen.py --check`` exits 1 naming each stale block (tests/test_docgen.py runs it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spinetriage.core.vocabulary import (  # noqa: E402
    CHECKLISTS,
    EMERGENCY_SIGNS,
    RISK_FACTORS,
    URGENT_SIGNS,
)

TIER_TITLES = (
    ("Emergency signs", "any one alone gives `emergency`, and at a prompt ends the questions.", EMERGENCY_SIGNS),
    ("Urgent signs", "any one alone gives at least `urgent` (see a doctor today).", URGENT_SIGNS),
    ("Risk factors", "each changes the outcome only as the rules say, mostly together with other answers "
     "(for example a minor injury with neck pain at 65 or over is an emergency; blood thinners with belly "
     "pain are an emergency; pregnancy alone is a physical therapy evaluation).", RISK_FACTORS),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def red_flag_tables() -> str:
    """Every red-flag id with the words the person reads, by tier, then the checklists in order."""
    out: list[str] = []
    for title, meaning, words in TIER_TITLES:
        out += [f"**{title}**: {meaning}", "", "| id | meaning (as the person reads it) |", "| --- | --- |"]
        out += [f"| `{flag}` | {_cell(text)} |" for flag, text in words.items()]
        out.append("")
    lists = "; ".join(f"*{c.heading}* ({', '.join(c.items)})" for c in CHECKLISTS)
    out.append(f"At the prompts the same signs come in {len(CHECKLISTS)} short checklists, in this order: {lists}.")
    return "\n".join(out)


def limits() -> str:
    """The shipped rules' stated limits: what the tool keeps on purpose and cannot ask yet."""
    from spinetriage.rules.load import load_rules

    return "\n".join(f"- {text}" for text in load_rules().limits)


def rules_history() -> str:
    """What the change from rules version 2 to 3 moved, as ``rules diff`` prints it."""
    from spinetriage.rules.diff import diff_rules, to_text
    from spinetriage.rules.load import load_rules

    old = load_rules(ROOT / "tests" / "fixtures" / "spine-pain-2026.11.27.yaml")
    new = load_rules(ROOT / "rules" / "spine-pain.yaml")
    old.file, new.file = "tests/fixtures/spine-pain-2026.11.27.yaml", "rules/spine-pain.yaml"
    return "```text\n" + to_text(diff_rules(old, new)) + "```"


def regions() -> str:
    """Every region of rules/regions.yaml: its codes, emergency numbers, urgent-advice line and source."""
    from spinetriage.rules.regions import load_regions

    found = load_regions(ROOT / "rules" / "regions.yaml")
    out = ["| region | codes | emergency | urgent advice | source |", "| --- | --- | --- | --- | --- |"]
    for entry in sorted({r.entry for r in found.values()}):
        region = found[entry]
        codes = [c for c, r in found.items() if r.entry == entry]  # its own, its aliases, its countries
        urgent = region.urgent.words() if region.urgent else "none"
        out.append(f"| {_cell(region.name[0].upper() + region.name[1:])} | {', '.join(codes)} "
                   f"| {' or '.join(region.emergency)} | {_cell(urgent)} | {_cell(region.source)} |")
    return "\n".join(out)


BLOCKS = {"red-flags": red_flag_tables, "limits": limits, "rules-history": rules_history, "regions": regions}
FILES = ("README.md", "rules/README.md")
_BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?:.*?\n)??(<!-- end generated: (?P=name) -->)", re.S)


def render(text: str) -> str:
    """``text`` with every generated block written anew."""
    return _BLOCK.sub(lambda m: m.group(1) + BLOCKS[m.group("name")]() + "\n" + m.group(3), text)


def stale(paths: tuple[str, ...] = FILES) -> list[str]:
    """The files whose generated blocks differ from what the vocabulary gives."""
    return [p for p in paths if render((ROOT / p).read_text(encoding="utf-8")) != (ROOT / p).read_text(encoding="utf-8")]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for path in bad:
            print(f"{path}: a generated block is stale; run python tools/docgen.py", file=sys.stderr)
        texts = "".join((ROOT / p).read_text(encoding="utf-8") for p in FILES + tuple(
            str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")))
        unused = [name for name in BLOCKS if f"<!-- generated: {name} -->" not in texts]
        for name in unused:
            print(f"no file holds the generated block {name!r}", file=sys.stderr)
        return 1 if bad or unused else 0
    for path in FILES:
        file = ROOT / path
        file.write_text(render(file.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
