"""One-line errors for hand-written YAML that fails its pydantic schema.

Scenario and experiment files are checked by pydantic models; its errors name a
location such as ``("shocks", 0, "magnitud")`` and a type. This turns each of them
into a :class:`~simulator.base.errors.UserError` at the file's line, with the fix: the
nearest allowed key for a misspelt one, the expected form of a value otherwise. All of a
file's mistakes are reported at once, so one try shows every one to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from simulator.base.errors import UserError, UserErrors, clip, near_miss, quote
from simulator.base.yamlio import LoadedYaml

_UNION_TAGS = {"str", "int", "float", "bool", "none", "dict", "list"}


def _is_union_tag(part: object) -> bool:
    """Whether a location part is pydantic's name of a union member (``float``, ``list[...]``, a ``*Spec`` model).

    Pydantic puts the member it tried into the location of an error inside a union; it is
    not a key of the file, so it is left out of the field and line lookup.
    """
    return isinstance(part, str) and (part in _UNION_TAGS or "[" in part or part.endswith("Spec"))


def schema_error(
    exc: ValidationError,
    loaded: LoadedYaml,
    allowed_keys: Callable[[tuple], Iterable[str]],
    hints: Mapping[str, str],
) -> UserError:
    """Every schema error of a file, one line each at its line: a single :class:`UserError`, or a :class:`UserErrors`.

    See :func:`schema_problems`; a file with one mistake gets exactly the one error it always got.

    Args:
        exc: pydantic's error.
        loaded: The parsed file, for lines.
        allowed_keys: The keys allowed in the mapping that holds a location.
        hints: The expected form of a value, by key, for the message.
    """
    problems = schema_problems(exc, loaded, allowed_keys, hints)
    return problems[0] if len(problems) == 1 else UserErrors(problems, source=loaded.path)


def schema_problems(
    exc: ValidationError,
    loaded: LoadedYaml,
    allowed_keys: Callable[[tuple], Iterable[str]],
    hints: Mapping[str, str],
) -> list[UserError]:
    """One error per mistake pydantic found, in file order.

    Pydantic reports one mistake several times over: once for each member of a union it tried,
    and a misspelt key both as unknown and as the "missing" key it was meant to be. So only the
    first error per location, and per value of a union type, is kept, and a missing key is left
    out when an unknown key beside it is its near miss: that unknown key's hint is the fix of both.

    Args:
        exc: pydantic's error.
        loaded: The parsed file, for lines.
        allowed_keys: The keys allowed in the mapping that holds a location.
        hints: The expected form of a value, by key, for the message.
    """
    by_loc: dict[tuple, Any] = {}
    unions: set[tuple] = set()
    for err in exc.errors():
        union = _union_field(err["loc"])
        if union is not None:
            if union in unions:  # another member of a union tried on the same value: the same mistake
                continue
            unions.add(union)
        by_loc.setdefault(schema_location(err), err)
    unknown = {(loc[:-1], str(loc[-1])) for loc, err in by_loc.items() if err["type"] == "extra_forbidden" and loc}
    problems: list[UserError] = []
    for loc, err in by_loc.items():
        if err["type"] == "missing" and loc and _misspelt(str(loc[-1]), loc[:-1], unknown):
            continue
        problems.append(_one_error(err, loc, loaded, allowed_keys, hints))
    order = sorted(range(len(problems)), key=lambda i: (problems[i].line is None, problems[i].line or 0))
    return [problems[i] for i in order]


def schema_location(err: Mapping[str, Any]) -> tuple:
    """The location of a pydantic error in the file: its ``loc`` without the names of union members."""
    return tuple(part for part in err["loc"] if not _is_union_tag(part))


def _union_field(loc: tuple) -> tuple | None:
    """The location of the union a pydantic error comes from (the parts before the first member name), or None."""
    for position, part in enumerate(loc):
        if _is_union_tag(part):
            return tuple(loc[:position])
    return None


def _misspelt(key: str, parent: tuple, unknown: set[tuple[tuple, str]]) -> bool:
    """Whether an unknown key in the mapping at ``parent`` is a near miss of the missing ``key``."""
    return any(where == parent and difflib.get_close_matches(name, [key], n=1, cutoff=0.6) for where, name in unknown)


def _one_error(
    err: Mapping[str, Any],
    loc: tuple,
    loaded: LoadedYaml,
    allowed_keys: Callable[[tuple], Iterable[str]],
    hints: Mapping[str, str],
) -> UserError:
    """One pydantic error as a line: an unknown key with its near miss, a missing key, or a value's expected form."""
    where = {"file": loaded.path, "line": loaded.line_of(loc), "field": ".".join(str(x) for x in loc)}
    last = next((str(x) for x in reversed(loc) if isinstance(x, str)), "")
    if err["type"] == "extra_forbidden":
        allowed = list(allowed_keys(loc))
        return UserError(
            f"unknown key '{clip(last)}'{near_miss(last, allowed)} (allowed: {', '.join(allowed)})", **where
        )
    if err["type"] == "value_error":  # a rule of our own, whose message says what is wrong and the fix
        return UserError(f"{quote(err.get('input'))}: {err['ctx']['error']}", **where)
    hint = hints.get(last, "")
    if err["type"] == "missing":
        return UserError(f"missing required key '{clip(last)}'" + (f"; add it: {hint}" if hint else ""), **where)
    expected = f"; expected {hint}" if hint else ""
    return UserError(f"{clip(err['msg'].rstrip('.'), 200)}, got {quote(err.get('input'))}{expected}", **where)
