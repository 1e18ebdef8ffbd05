"""Read YAML as plain data while keeping where every node came from.

PyYAML's ``compose`` (with the C parser when libyaml is present) gives nodes with
marks; this module turns them into dicts, lists and scalars itself, so that:

- no tag constructs an object (only the plain YAML types are allowed);
- a duplicate key is refused, naming both lines;
- anchors, aliases and merge keys are refused (the rules stay readable top to bottom);
- the YAML 1.1 words ``yes``/``no``/``on``/``off`` (which PyYAML reads as booleans)
  are remembered, so the validator can ask for quotes where a word was meant;
- every value and key keeps its line and column for later error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from spinetriage.errors import Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "bool", "float", "null")}
_constructor = yaml.constructor.SafeConstructor()

Path = tuple  # a path of keys and indexes from the top of the document


@dataclass
class Source:
    """A loaded YAML document: the data, and where each piece of it stands."""

    file: str
    text: str
    data: Any = None
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    yaml11_words: dict[Path, str] = field(default_factory=dict)  # path -> "no", "yes", ...
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at ``path`` (or of its key), else of its nearest parent."""
        table = self.key_positions if key else self.positions
        if path in table:
            return table[path]
        while path:
            path = path[:-1]
            if path in self.positions:
                return self.positions[path]
        return (1, 1)

    def problem(self, path: Path, message: str, *, key: bool = False, severity: str = "error") -> None:
        line, col = self.where(path, key)
        self.problems.append(Problem(self.file, line, col, message, severity))

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def load(text: str, file: str) -> Source:
    """Parse ``text``; syntax errors and structural YAML problems land in ``problems``."""
    src = Source(file=file, text=text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "not valid YAML"
        src.problems.append(Problem(file, line, col, f"not valid YAML: {message}"))
        return src
    except yaml.YAMLError as exc:  # e.g. a reader error: a control character
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        line, col = _pos(mark) if mark else (1, 1)
        src.problems.append(Problem(file, line, col, f"not valid YAML: {exc}".splitlines()[0]))
        return src
    if node is None:
        src.problems.append(Problem(file, 1, 1, "the file is empty"))
        return src
    seen: set[int] = set()
    src.data = _build(src, node, (), seen)
    return src


def _build(src: Source, node: Any, path: Path, seen: set[int]) -> Any:
    src.positions[path] = _pos(node.start_mark)
    if id(node) in seen:
        src.problem(path, "anchors and aliases (*name) are not allowed in a rules file; write the value out")
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        if node.tag != _TAG + "map":
            src.problem(path, f"the tag {node.tag} is not allowed; only plain YAML values are")
            return None
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                src.positions[path + ("<<",)] = _pos(key_node.start_mark)
                src.problem(path + ("<<",), "merge keys (<<) are not allowed in a rules file; write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                src.positions[path + ("?",)] = _pos(key_node.start_mark)
                src.problem(path + ("?",), "a key must be a plain word")
                continue
            key = _scalar(src, key_node, path + ("?",))
            if key_node.tag == _TAG + "bool" and key_node.value.lower() in ("yes", "no", "on", "off", "y", "n"):
                key = key_node.value  # a key is always a word; validation will name it
            key_line = key_node.start_mark.line + 1
            child = path + (key,)
            if key in first_line:
                src.key_positions[path + (("duplicate", key),)] = _pos(key_node.start_mark)
                src.problem(
                    path + (("duplicate", key),),
                    f"duplicate key {key!r}: it is also at line {first_line[key]}; keep one",
                    key=True,
                )
                continue
            first_line[key] = key_line
            src.key_positions[child] = _pos(key_node.start_mark)
            result[key] = _build(src, value_node, child, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _TAG + "seq":
            src.problem(path, f"the tag {node.tag} is not allowed; only plain YAML values are")
            return None
        return [_build(src, item, path + (i,), seen) for i, item in enumerate(node.value)]
    return _scalar(src, node, path)


def _scalar(src: Source, node: Any, path: Path) -> Any:
    if node.tag not in _SCALAR_TAGS:
        src.problem(path, f"the tag {node.tag} is not allowed; only plain YAML values are")
        return None
    if node.tag == _TAG + "bool" and node.value.lower() not in ("true", "false"):
        src.yaml11_words[path] = node.value
    try:
        return _constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        src.problem(path, f"cannot read {node.value!r}: {exc}")
        return None
