"""One-line errors for hand-written YAML that fails its pydantic schema.

Scenario and experiment files are checked by pydantic models; its errors name a
location such as ``("shocks", 0, "magnitud")`` and a type. This turns the first of
them into a :class:`~simulator.base.errors.UserError` at the file's line, with the fix: the
nearest allowed key for a misspelt one, the expected form of a value otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pydantic import ValidationError

from simulator.base.errors import UserError, clip, near_miss, quote
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
    """The first schema error as one line at its line; an unknown key first, with its near miss.

    A misspelt key also makes the key it was meant to be "missing", so the unknown key is
    reported first: its near-miss hint is the fix.

    Args:
        exc: pydantic's error.
        loaded: The parsed file, for lines.
        allowed_keys: The keys allowed in the mapping that holds a location.
        hints: The expected form of a value, by key, for the message.
    """
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(part for part in err["loc"] if not _is_union_tag(part))
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
