"""Safe YAML reading that remembers where every value came from.

Scenario files are written by hand, so a mistake must be reported with its line.
PyYAML's safe loader builds the data; a second walk over the composed node tree
records the line of every key so that later validation errors (from pydantic or
our own checks) can point at it. Python-specific tags (``!!python/...``) are
refused outright, and duplicate keys, which PyYAML silently accepts, are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import UserError

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedYaml:
    """Parsed YAML data plus the line of each key/item.

    Attributes:
        data: The plain Python data (dicts, lists, scalars).
        path: The file it came from (or a description such as ``<string>``).
        lines: Maps a location tuple such as ``("shocks", 0, "at")`` to its line.
    """

    data: Any
    path: str
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Location) -> int | None:
        """Line of ``location``, or of its nearest recorded ancestor."""
        loc = tuple(location)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


MAX_EXPANDED_NODES = 200_000
"""Largest number of values a document may expand to once aliases are followed; far
above any real scenario, it stops alias bombs ("billion laughs") before they stall
validation."""


def _record_lines(
    node: yaml.Node, location: Location, lines: dict[Location, int], source: str, budget: list[int] | None = None
) -> None:
    budget = budget if budget is not None else [MAX_EXPANDED_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise UserError(
            "the document expands to too many values through anchors and aliases (&/*); write it out plainly",
            file=source,
            line=node.start_mark.line + 1,
        )
    lines.setdefault(location, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise UserError(
                    f"key '{key}' appears twice (first on line {seen[key]}); keep one of them",
                    file=source,
                    line=line,
                )
            seen[key] = line
            lines[(*location, key)] = line
            _record_lines(value_node, (*location, key), lines, source, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*location, index)] = item.start_mark.line + 1
            _record_lines(item, (*location, index), lines, source, budget)


def _refuse_unsafe_tags(node: yaml.Node, source: str, seen: set[int] | None = None) -> None:
    seen = seen if seen is not None else set()
    if id(node) in seen:  # an alias of a node already checked
        return
    seen.add(id(node))
    if node.tag.startswith("tag:yaml.org,2002:python"):
        raise UserError(
            f"the tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed: "
            "scenario files hold plain data only; remove the tag",
            file=source,
            line=node.start_mark.line + 1,
        )
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _refuse_unsafe_tags(key_node, source, seen)
            _refuse_unsafe_tags(value_node, source, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_unsafe_tags(item, source, seen)


def _syntax_error(
    exc: yaml.MarkedYAMLError,
    text: str,
    source: str,
    what: str = "YAML syntax error",
    fix: str = "check indentation, colons and quotes",
) -> UserError:
    """One-line :class:`UserError` for a PyYAML error, at the line to fix.

    PyYAML reports a problem at the end of the file for an unclosed quote or
    bracket; then the line where that quote or bracket opens (the error's
    context) is the one reported. A context on another line is named too.
    """
    last = len(text.rstrip().splitlines()) or 1  # marks at the end of the file point past its last line
    problem_line = min(exc.problem_mark.line + 1, last) if exc.problem_mark else None
    context_line = min(exc.context_mark.line + 1, last) if exc.context_mark else None
    at_end = exc.problem_mark is not None and exc.problem_mark.index >= len(text.rstrip())
    line = context_line if at_end and context_line else problem_line or context_line
    problem = " ".join(str(exc.problem or "").split())
    if exc.context:
        context = " ".join(exc.context.split())
        if context_line and context_line != line:
            context += f" (line {context_line})"
        problem = f"{context}: {problem}" if problem else context
    return UserError(f"{what}: {problem or 'invalid YAML'}; {fix}", file=source, line=line)


def parse_yaml(text: str, source: str) -> LoadedYaml:
    """Parse YAML text safely, with line tracking.

    Raises:
        UserError: on a syntax error, an unsafe tag or a duplicate key.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, source) from None
    except yaml.YAMLError as exc:
        raise UserError(f"YAML syntax error: {' '.join(str(exc).split())}", file=source) from None
    if node is None:
        return LoadedYaml(data=None, path=source)
    _refuse_unsafe_tags(node, source)
    lines: dict[Location, int] = {}
    _record_lines(node, (), lines, source)
    try:
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(
            exc, text, source, what="YAML error", fix="remove the tag or quote the value: files hold plain data only"
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"YAML error: {' '.join(str(exc).split())}", file=source) from None
    return LoadedYaml(data=data, path=source, lines=lines)


def read_yaml(path: str | Path) -> LoadedYaml:
    """Read and parse a YAML file.

    Raises:
        UserError: if the file is missing or unreadable, or its YAML is invalid.
    """
    file = Path(path)
    if not file.exists():
        raise UserError("file not found; check the path (relative paths start from the current folder)", file=file)
    if file.is_dir():
        raise UserError("is a folder, not a YAML file; name a .yaml file inside it", file=file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError("is not UTF-8 text; save it as UTF-8", file=file) from None
    except OSError as exc:
        raise UserError(f"cannot be read ({exc.strerror}); check its permissions", file=file) from None
    return parse_yaml(text, str(file))


def dump_yaml(data: Any) -> str:
    """Serialise plain data as block-style YAML with keys in insertion order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
