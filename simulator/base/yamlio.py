"""Safe YAML reading that remembers where every value came from.

Scenario files are written by hand, so a mistake must be reported with its line.
PyYAML's safe loader builds the data; a walk over the composed node tree records the
line of every key so that later validation errors (from pydantic or our own checks) can
point at it. Whatever a file holds ends in data or in one :class:`UserError` at its line:
Python-specific tags (``!!python/...``) are refused outright; duplicate keys, which
PyYAML silently accepts, are errors; so are a value that contains itself through an
alias, nesting deeper than :data:`MAX_DEPTH`, and a value PyYAML recognises but cannot
build (an integer of more than 4,300 digits, the date 2025-13-45). Only regular files
of at most :data:`MAX_FILE_BYTES` are read.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.base.errors import UserError, clip, quote
from simulator.base.paths import not_found

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
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists allowed, aliases followed. The deepest real file (an
inline scenario's shock effects inside an experiment) nests 7 levels; the limit stops a
document nested thousands deep from exhausting Python's recursion before it is reported."""
MAX_FILE_BYTES = 1_000_000
"""Largest YAML file read. Scenario, experiment and shock-library files are a few KB (the
34-year backcast with its thirty shocks is 14 KB); reading stops here, so a huge file, or a
device such as /dev/zero, can never fill memory."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, which reports a value it cannot build, or too deep a nesting, at its line.

    PyYAML composes nested collections recursively and lets Python's own exceptions out of
    its scalar constructors (an integer beyond Python's 4,300-digit limit, a date such as
    2025-13-45, ``!!bool maybe``); here each becomes a :class:`UserError` at the value's line.
    """

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.source = source
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        """Compose one node, refusing a nesting deeper than :data:`MAX_DEPTH` before recursing into it."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _too_deep(self.source, self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Build one value; an exception of a scalar constructor becomes a message at the value's line."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, AttributeError, IndexError) as exc:
            raise _unreadable_value(node, exc, self.source) from None


def _too_deep(source: str, line: int) -> UserError:
    return UserError(
        f"the document nests mappings and lists more than {MAX_DEPTH} deep; real files need fewer than 10 levels: "
        "check the brackets and indentation",
        file=source,
        line=line,
    )


def _unreadable_value(node: yaml.Node, exc: Exception, source: str) -> UserError:
    """The one-line error for a scalar that PyYAML recognised (a number, a date, a tagged value) but cannot build."""
    line = node.start_mark.line + 1
    text = node.value if isinstance(node.value, str) else ""
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return UserError(
            f"the number {clip(text, 20)} has more than {sys.get_int_max_str_digits():,} digits; "
            "write a smaller number",
            file=source,
            line=line,
        )
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    reason = " ".join(str(exc).split()) if isinstance(exc, ValueError) else "not in the form the tag needs"
    return UserError(
        f"{quote(text)} cannot be read as {tag} ({clip(reason)}); put it in quotes if it is text, or remove the tag",
        file=source,
        line=line,
    )


@dataclass
class _TreeCheck:
    """One walk over a composed document: refuse what cannot be plain data, and record the line of every key.

    The walk follows aliases, so it sees the document as the program will: it refuses an
    alias inside the collection it names (a value that contains itself), a nesting deeper than
    :data:`MAX_DEPTH`, and more than :data:`MAX_EXPANDED_NODES` values (an alias bomb).
    """

    source: str
    lines: dict[Location, int] = field(default_factory=dict)
    budget: int = MAX_EXPANDED_NODES
    open_collections: set[int] = field(default_factory=set)
    tags_checked: set[int] = field(default_factory=set)

    def fail(self, message: str, node: yaml.Node) -> UserError:
        return UserError(message, file=self.source, line=node.start_mark.line + 1)

    def visit(self, node: yaml.Node, location: Location, depth: int = 1) -> None:
        """Check ``node`` and everything under it; ``location`` is its place in the data."""
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(
                "the document expands to too many values through anchors and aliases (&/*); write it out plainly", node
            )
        if depth > MAX_DEPTH:  # through aliases: the text alone nests less (the composer checks that)
            raise UserError(
                f"through its aliases (*name) this value nests mappings and lists more than {MAX_DEPTH} deep; "
                "write it out plainly",
                file=self.source,
                line=self.lines.get(location[:1]),
            )
        if id(node) in self.open_collections:
            raise self.fail(
                "an alias (*name) stands inside the very list or mapping its anchor (&name) names, so the value "
                "would contain itself without end; write the value out",
                node,
            )
        self.refuse_unsafe_tag(node)
        self.lines.setdefault(location, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self.open_collections.add(id(node))
            if isinstance(node, yaml.MappingNode):
                self.visit_mapping(node, location, depth)
            else:
                for index, item in enumerate(node.value):
                    self.lines[(*location, index)] = item.start_mark.line + 1
                    self.visit(item, (*location, index), depth + 1)
            self.open_collections.discard(id(node))

    def visit_mapping(self, node: yaml.MappingNode, location: Location, depth: int) -> None:
        """Check a mapping's keys (plain, each once) and visit its values."""
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("a key is a list or a mapping; keys are plain names, e.g. horizon: 40", key_node)
            self.refuse_unsafe_tag(key_node)
            key = key_node.value
            if key in seen:
                raise self.fail(
                    f"key '{clip(key)}' appears twice (first on line {seen[key]}); keep one of them", key_node
                )
            seen[key] = line
            self.lines[(*location, key)] = line
            self.visit(value_node, (*location, key), depth + 1)

    def refuse_unsafe_tag(self, node: yaml.Node) -> None:
        """Refuse a Python tag, which would build Python objects (or run code) instead of plain data."""
        if id(node) in self.tags_checked:
            return
        self.tags_checked.add(id(node))
        if node.tag.startswith("tag:yaml.org,2002:python"):
            raise self.fail(
                f"the tag '{clip(node.tag.replace('tag:yaml.org,2002:', '!!'))}' is not allowed: "
                "scenario files hold plain data only; remove the tag",
                node,
            )


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
        UserError: on a syntax error, an unsafe tag, a duplicate key, a value that cannot be
            built, a value that contains itself, or too deep a nesting.
    """
    try:
        loader = _Loader(text, source)  # checks every character at once
    except yaml.reader.ReaderError as exc:
        raise UserError(
            f"YAML syntax error: the character {chr(exc.character)!r} is not allowed in a YAML file; remove it",
            file=source,
            line=text.count("\n", 0, exc.position) + 1,
        ) from None
    try:
        node = _compose(loader, text, source)
        if node is None:
            return LoadedYaml(data=None, path=source)
        check = _TreeCheck(source)
        check.visit(node, ())
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            fix = "remove the tag or quote the value: files hold plain data only"
            raise _syntax_error(exc, text, source, what="YAML error", fix=fix) from None
        except yaml.YAMLError as exc:
            raise UserError(f"YAML error: {clip(' '.join(str(exc).split()), 200)}", file=source) from None
    finally:
        loader.dispose()
    return LoadedYaml(data=data, path=source, lines=check.lines)


def _compose(loader: _Loader, text: str, source: str) -> yaml.Node | None:
    """The document's node tree, or None for an empty document; a syntax error becomes a message at its line."""
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, source) from None
    except yaml.YAMLError as exc:
        raise UserError(f"YAML syntax error: {clip(' '.join(str(exc).split()), 200)}", file=source) from None


def read_text(path: str | Path, *, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a file the user names, refusing anything but a regular file of at most ``limit`` bytes.

    A device (``/dev/zero``) or a named pipe would be read for ever or wait for ever, so the file is
    opened without blocking and checked before a byte is read; at most ``limit + 1`` bytes are read,
    so a file that grows meanwhile cannot fill memory either.

    Raises:
        UserError: if the file is missing, not a regular file, too large, unreadable or not UTF-8.
    """
    file = Path(path)
    if not file.exists():
        fix = "check the path (relative paths start from the current folder)"
        raise not_found(file, "file not found", fix, expect="file")
    if file.is_dir():
        raise UserError("is a folder, not a YAML file; name a .yaml file inside it", file=file)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UserError(f"cannot be read ({exc.strerror}); check its permissions", file=file) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UserError("is not a regular file (a device, pipe or socket); name a YAML file", file=file)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise UserError(f"cannot be read ({exc.strerror}); check its permissions", file=file) from None
    if len(data) > limit:
        raise UserError(
            f"is larger than {limit:,} bytes, the most eujsim reads (scenario and experiment files are a few KB); "
            "check that this is the right file",
            file=file,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("is not UTF-8 text; save it as UTF-8", file=file) from None


def read_yaml(path: str | Path) -> LoadedYaml:
    """Read and parse a YAML file (see :func:`read_text` for the files refused).

    Raises:
        UserError: if the file is missing, unreadable, not a regular file, too large, or its YAML is invalid.
    """
    return parse_yaml(read_text(path), str(path))


def dump_yaml(data: Any) -> str:
    """Serialise plain data as block-style YAML with keys in insertion order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
