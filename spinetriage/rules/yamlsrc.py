"""Read YAML as plain data while keeping where every node came from.

PyYAML's ``compose`` (with the C parser when libyaml is present) gives nodes with
marks; this module turns them into dicts, lists and scalars itself, so that:

- no tag constructs an object (only the plain YAML types are allowed; ``!!python/...``,
  ``!!binary``, ``!!set`` and any custom ``!tag`` are refused);
- a duplicate key is refused, naming both lines;
- anchors, aliases and merge keys are refused (the rules stay readable top to bottom);
- the YAML 1.1 words ``yes``/``no``/``on``/``off`` (which PyYAML reads as booleans)
  are remembered, so the validator can ask for quotes where a word was meant;
- numbers that YAML 1.1 reads in surprising ways (``016`` is octal 14, ``1:30`` is 90)
  are refused, and an unquoted date stays the text it looks like;
- every value and key keeps its line and column for later error messages;
- a syntax error points at the line most likely to hold the mistake.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from spinetriage.core.errors import Problem

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, minus per-node work a rules file never needs.

    The composer asks the resolver for every node, in Python even with libyaml: the tag of a
    plain scalar depends only on its text (no path resolvers are registered), so it is looked
    up once per distinct text; and the empty path-resolver hooks are skipped. A 7 MB file
    loads about a third faster (issue 16: a large rules file stays usable).
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._tags: dict[tuple[Any, str, Any], str] = {}  # this document's: freed with it

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        key = (kind, value, implicit) if kind is yaml.ScalarNode else (kind, "", None)
        tag = self._tags.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._tags) < 100_000:  # bounded: a file of distinct words fills it only so far
                self._tags[key] = tag
        return tag

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


assert not _Loader.yaml_path_resolvers, "the resolver cache assumes no path resolvers"
_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "bool", "float", "null")}
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_constructor = yaml.constructor.SafeConstructor()
MAX_DEPTH = 64  # the shipped file nests 8 deep; far deeper is a mistake (and would exhaust the stack)

from spinetriage.rules.source import Path, Source  # noqa: F401 - Source is part of this module's API


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def show_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/object`` -> ``!!python/object``, as it is written."""
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


# --- syntax errors --------------------------------------------------------------------------


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """One problem for a syntax error, placed where the mistake most likely is.

    The parser notices a mistake where it can no longer go on, often a line or more after
    it: an unclosed ``{`` is noticed at the next key, an unclosed quote at the next quote.
    """
    problem, context = exc.problem_mark, exc.context_mark
    what = (exc.problem or "").strip()
    message = " ".join(str(p).strip() for p in (exc.context, exc.problem) if p) or "not valid YAML"
    mark = problem or context
    hint = ""
    ctx = (exc.context or "").strip()
    char = text[problem.index:problem.index + 1] if problem is not None and 0 <= problem.index < len(text) else ""
    if context is not None and problem is not None and ctx.startswith("while parsing a flow"):
        # an unclosed [ or {: noticed at the next key, often on the next line, where it began is clearer
        closer = "}" if "mapping" in ctx else "]"
        if problem.line != context.line:
            mark = context
        hint = f"; is a closing {closer!r} or a comma missing?"
    elif context is not None and problem is not None and ctx.startswith(
            ("while scanning a simple key", "while scanning a quoted scalar")):
        mark = context  # a key without its colon, an unclosed quote: the mistake is where it began
        hint = ("; is the ':' after the key missing?" if "simple key" in ctx else "; is the closing quote missing?")
    elif problem is not None:
        quoted = _runaway_quote(text, problem)
        if quoted is not None:
            mark = quoted
            hint = (f"; the quoted text that starts here runs on to line {problem.line + 1}: "
                    "is its closing quote missing?")
        elif char == "\t" or "tab character" in what:
            hint = "; indent with spaces, not tabs"
        elif what.startswith("found character that cannot start any token") and char in ("@", "`"):
            hint = f"; text that starts with {char!r} must be put in quotes"
        elif char in ("}", "]"):
            hint = f"; is there one {char!r} too many?"
        elif what.startswith("mapping values are not allowed"):
            hint = "; text that contains ': ' must be put in quotes"
        elif what.startswith("found undefined alias"):
            hint = "; text that starts with '*' must be put in quotes"
    line, col = _pos(mark) if mark is not None else (1, 1)
    if mark is not problem and problem is not None:
        message += f" (noticed at line {problem.line + 1}, column {problem.column + 1})"
    return Problem(file, line, col, f"not valid YAML: {message}{hint}")


def _runaway_quote(text: str, problem: Any) -> Any:
    """The start mark of a quoted scalar that spans lines and ends just before the error, if any.

    A missing closing quote swallows the following lines until the next quote; YAML then
    fails near that quote. Only looked for once parsing has already failed.
    """
    last = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if token.start_mark.index >= problem.index:
                break
            last = token
    except yaml.YAMLError:
        pass
    if (isinstance(last, yaml.ScalarToken) and last.style in ('"', "'")
            and last.end_mark.line > last.start_mark.line and last.end_mark.line >= problem.line - 1):
        return last.start_mark
    return None


# --- loading ---------------------------------------------------------------------------------


class _Retry(Exception):
    """An alias was met on the fast path; compose again, marking where each alias stands."""


class _AliasAt:
    """An alias in the document, with its own position (the composer only gives the anchor's)."""

    __slots__ = ("node", "start_mark")

    def __init__(self, node: Any, start_mark: Any):
        self.node = node
        self.start_mark = start_mark


class _MarkingLoader(yaml.SafeLoader):
    """Pure-Python composer used only for documents with aliases (an error anyway)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            return _AliasAt(super().compose_node(parent, index), mark)
        return super().compose_node(parent, index)


def load(text: str, file: str) -> Source:
    """Parse ``text``; syntax errors and structural YAML problems land in ``problems``."""
    src = Source(file=file, text=text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        src.problems.append(_syntax_problem(exc, text, file))
        return src
    except yaml.YAMLError as exc:  # e.g. a reader error: a control character
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        line, col = _pos(mark) if mark else (1, 1)
        if hasattr(exc, "position") and hasattr(exc, "character"):  # ReaderError: find its line
            before = text[: exc.position]
            line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        src.problems.append(Problem(file, line, col, f"not valid YAML: {exc}".splitlines()[0]))
        return src
    if node is None:
        src.problems.append(Problem(file, 1, 1, "the file is empty"))
        return src
    try:
        # an alias shares its anchor's node: watched for only where an anchor (&) can be
        src.data = _build(src, node, (), set() if "&" in text else None, 0)
    except _Retry:
        src = Source(file=file, text=text)
        loader = _MarkingLoader(text)
        try:
            node = loader.get_single_node()
        except RecursionError:
            src.problems.append(Problem(file, 1, 1, f"the file is nested more than {MAX_DEPTH} levels deep"))
            return src
        finally:
            loader.dispose()
        src.data = _build(src, node, (), None, 0)
    return src


def _build(src: Source, node: Any, path: Path, seen: set[int] | None, depth: int) -> Any:
    if isinstance(node, _AliasAt):
        src.positions[path] = _pos(node.start_mark)
        src.refused.add(path)
        src.problem(path, "aliases (*name) are not allowed in a rules file; write the value out")
        return None
    mark = node.start_mark
    src.positions[path] = (mark.line + 1, mark.column + 1)
    if seen is not None:
        if id(node) in seen:
            raise _Retry
        seen.add(id(node))
    if depth > MAX_DEPTH:
        src.refused.add(path)
        src.problem(path, f"the file is nested more than {MAX_DEPTH} levels deep here")
        return None
    if isinstance(node, yaml.MappingNode):
        if node.tag != _TAG + "map":
            return _refuse_tag(src, node, path)
        result: dict[Any, Any] = {}
        first_seen: dict[tuple[str, Any], tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _TAG + "merge":
                src.positions[path + ("<<",)] = _pos(key_node.start_mark)
                src.problem(path + ("<<",), "merge keys (<<) are not allowed in a rules file; write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                src.positions[path + ("?",)] = _pos(key_node.start_mark)
                src.problem(path + ("?",), "a key must be a plain word")
                continue
            if key_node.tag == _TAG + "bool" or key_node.tag == _TAG + "null":
                key: Any = key_node.value  # a key is always a word (yes, no, ~); validation will name it
                src.positions[path + ("?",)] = _pos(key_node.start_mark)
            else:
                key = _scalar(src, key_node, path + ("?",))
                if path + ("?",) in src.refused:
                    src.refused.discard(path + ("?",))
                    continue
            here = _pos(key_node.start_mark)
            child = path + (key,)
            ident = (type(key).__name__, key)
            if ident in first_seen:
                line, col = first_seen[ident]
                also = f"line {line}" + (f", column {col}" if line == here[0] else "")
                src.key_positions[path + (("duplicate", key),)] = here
                src.problem(path + (("duplicate", key),), f"duplicate key {key!r}: it is also at {also}; keep one",
                            key=True)
                continue
            first_seen[ident] = here
            src.key_positions[child] = here
            result[key] = _build(src, value_node, child, seen, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _TAG + "seq":
            return _refuse_tag(src, node, path)
        return [_build(src, item, path + (i,), seen, depth + 1) for i, item in enumerate(node.value)]
    return _scalar(src, node, path)


def _refuse_tag(src: Source, node: Any, path: Path) -> None:
    src.refused.add(path)
    src.problem(path, f"the tag {show_tag(node.tag)} is not allowed: a rules file holds only plain text, "
                "numbers, true/false, lists and mappings")
    return None


def _explicit_tag(src: Source, node: Any) -> bool:
    """True when the node carries a written tag (``!!timestamp 2026-01-01``), not a resolved one."""
    start, end = node.start_mark.index, node.end_mark.index
    return "!" in src.text[start:end] if end > start else False


def _scalar(src: Source, node: Any, path: Path) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value  # most scalars are text: no constructor needed
    if tag == _TAG + "timestamp" and not node.style and not _explicit_tag(src, node):
        return node.value  # an unquoted date such as 2026-11-26 is kept as the text it is
    if tag not in _SCALAR_TAGS:
        return _refuse_tag(src, node, path)
    if tag == _TAG + "bool" and node.value.lower() not in ("true", "false"):
        src.yaml11_words[path] = node.value
    try:
        value = _constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        src.refused.add(path)
        src.problem(path, f"cannot read {node.value!r}: {exc}")
        return None
    if tag == _TAG + "int" and not _PLAIN_INT.fullmatch(node.value.strip()):
        src.refused.add(path)
        src.problem(path, f"{node.value} is read by YAML as the number {value}; write the number plainly "
                    f"(no leading zero, no '_' or ':'), or put it in quotes if it is text")
        return None
    return value
