"""The house shows its plan: folders by layer, each saying what lives there and what it may import,
no module importing a layer above its own, no import cycle, no module too long to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "spinetriage"
#: What each layer may import (besides itself); the command line may import anything.
ALLOWED = {
    "core": set(),
    "rules": {"core"},
    "formats": {"core", "rules", "_version"},
    "records": {"core", "rules", "formats"},
    "api": {"core", "rules", "records"},
}
FOLDERS = ["core", "rules", "records", "formats", "cli"]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """The spinetriage modules ``path`` imports (every import, or only those run when it loads)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def walk(nodes: list[ast.AST]) -> list[ast.AST]:  # every node, but not under `if TYPE_CHECKING:`
        out = []
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            out.append(node)
            if not top_level_only:
                out += walk(list(ast.iter_child_nodes(node)))
        return out

    found = set()
    for node in walk(tree.body):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("spinetriage")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("spinetriage"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) in ALLOWED))
def test_no_module_imports_a_layer_above_its_own(module):
    layer = _layer(module)
    bad = sorted(m for m in _imports(MODULES[module], top_level_only=False)
                 if _layer(m) not in ALLOWED[layer] | {layer, ""} and m != "spinetriage")
    assert not bad, f"{module} ({layer}) may import only {sorted(ALLOWED[layer])}, not {bad}"


def test_there_is_no_import_cycle():
    graph = {m: _imports(p, top_level_only=True) & MODULES.keys() for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [node, nxt])
                                     if nxt in trail else f"import cycle through {node} -> {nxt}")
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_folder_says_what_lives_there_and_what_it_may_import(folder):
    doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert "What lives here" in doc and "May import" in doc
    for path in (PACKAGE / folder).glob("*.py"):
        if path.stem != "__init__":
            assert path.stem in doc, f"{folder}/__init__.py does not say what {path.name} is"


def test_no_module_over_500_lines_and_no_long_function_without_a_reason():
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 500, f"{name} has {text.count(chr(10))} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.end_lineno - node.lineno >= 120:
                doc = ast.get_docstring(node) or ""
                assert "lines" in doc, f"{name}.{node.name} is {node.end_lineno - node.lineno + 1} lines; say why"


def test_the_core_imports_no_typer_rich_or_yaml():
    for name, path in MODULES.items():
        if _layer(name) == "core":
            text = path.read_text(encoding="utf-8")
            assert not any(f"import {lib}" in text for lib in ("typer", "rich", "yaml")), name
