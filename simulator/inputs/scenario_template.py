"""A commented scenario file to start from, written by ``eujsim new``.

The template is built from the scenario schema (:class:`~simulator.inputs.scenario.ScenarioSpec`,
:class:`~simulator.inputs.scenario.ShockSpec`, :class:`~simulator.inputs.scenario.EffectSpec`),
the shock library and the calibration, so a key added to the schema, a changed default or a
changed documented range shows up in the template at once; a schema key without a note here
is an error rather than a silent omission. The file it writes validates and runs as written.
"""

from __future__ import annotations

import json
import textwrap

from simulator.base.calendar import parse_quarter, quarter_label
from simulator.base.names import check_name
from simulator.inputs.calibration import Calibration, default_calibration
from simulator.inputs.scenario import DEFAULT_START, EffectSpec, ScenarioSpec, ShockSpec
from simulator.inputs.shocklib import ShockLibrary, default_library

LIBRARY_KIND = "taiwan_strait_crisis"
"""The library shock the template shows: the crisis the sources discuss most."""
EXAMPLE_PARAMETER = "JPN.deference"
"""The parameter the template's ``parameters:`` example overrides."""
INLINE_KIND = "strait_closure"
"""The new shock kind the template defines inline."""
INLINE_EFFECTS = (("world.sealane_risk", "add", 0.3), ("JPN.sealane_exposure", "multiply", 1.2))
"""The inline shock's effects: target, op and value."""

SCENARIO_NOTES = {
    "name": "scenario name, shown in plots and result tables; one line of at most 80 characters (default: {default})",
    "description": "what happens, when, and which source supports it; shown in reports (default: {default})",
    "start": 'first simulated quarter, written in quotes as "YYYYQn" (default: {default})',
    "horizon": "number of quarters simulated, 1 to 400 (default: {default})",
    "seed": "base random seed; the same seed gives the same numbers (default: {default})",
    "replicates": "number of worlds simulated; the bands are taken over them (default: {default})",
    "parameters": (
        "overrides of calibrated parameters by dotted path <group>.<name> (default: {default}, the calibration). "
        "`eujsim params` lists every path with its value, documented range and source; a value outside the "
        "documented range is allowed within the hard bounds, but eujsim warns that the result rests on a "
        "setting the calibration does not argue for"
    ),
    "shocks": "events that change parameters while they last, in any order; they may overlap (default: {default})",
}
"""What each top-level key of a scenario does; ``{default}`` becomes the schema's default."""

SHOCK_NOTES = {
    "kind": "a library kind (`eujsim shocks` lists them) or, with `effects`, a new kind of your own",
    "at": "onset quarter, in quotes; it must lie inside the simulated quarters",
    "magnitude": "strength from 0 to 1 (default: {default})",
    "ramp": "quarters from onset to full effect (default: the library kind's, else 0)",
    "duration": "quarters at full effect (default: none, i.e. the shock is persistent)",
    "decay": "quarters over which the effect fades after the duration (default: the library kind's, else 0)",
    "name": "label in plots and event tables (default: the kind)",
    "effects": (
        "parameter changes of a new kind (default: the library kind's). At strength s and magnitude m a "
        "parameter p becomes p + value*m*s (add), p*(1 + (value - 1)*m*s) (multiply) or "
        "p + (value - p)*m*s (set), clipped to its hard bounds"
    ),
}
"""What each field of a shock does."""

EFFECT_NOTES = {
    "target": "dotted parameter path (see `eujsim params`)",
    "op": "add, multiply or set",
    "value": "the number the op applies",
}
"""What each field of an inline effect does."""


def _default(model: type[ScenarioSpec] | type[ShockSpec], key: str) -> str:
    """The schema's default of ``key`` as the template's comments show it."""
    info = model.model_fields[key]
    value = info.get_default(call_default_factory=True)
    if value in ({}, []):
        return "none"
    if value == "":
        return "empty"
    if value is None:
        return "the file name" if key == "name" else "none"
    return json.dumps(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


def _comment(text: str, indent: str = "") -> list[str]:
    """``text`` as wrapped ``#`` comment lines at ``indent``."""
    return textwrap.wrap(text, width=96, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}#   ")


def _note(notes: dict[str, str], key: str, model: type[ScenarioSpec] | type[ShockSpec] | None = None) -> str:
    """The note of ``key``, with its default filled in.

    Raises:
        KeyError: for a schema key without a note, so that a new key cannot be left out of the template.
    """
    if key not in notes:
        raise KeyError(f"scenario template: schema key {key!r} has no note in {__name__}")
    default = _default(model, key) if model is not None and key in model.model_fields else ""
    return notes[key].format(default=default)


def _check_notes() -> None:
    """Fail if a schema key has no note or a note names a key the schema does not have."""
    for model, notes in ((ScenarioSpec, SCENARIO_NOTES), (ShockSpec, SHOCK_NOTES), (EffectSpec, EFFECT_NOTES)):
        if set(model.model_fields) != set(notes):
            raise KeyError(
                f"scenario template: notes {sorted(notes)} do not match the schema's keys {sorted(model.model_fields)}"
            )


def scenario_template(
    name: str,
    *,
    calibration: Calibration | None = None,
    library: ShockLibrary | None = None,
) -> str:
    """A commented scenario file named ``name`` that validates and runs as written.

    Every key the scenario schema accepts appears with what it does and its default, so that
    an author starts from the whole format rather than from a copy of another scenario.

    Args:
        name: The scenario's name (a good name: :func:`~simulator.base.names.check_name`).
        calibration: Parameters whose ranges the parameter example quotes (default: the shipped one).
        library: Shock library whose kind the library example uses (default: the shipped one).

    Raises:
        ValueError: for a name that breaks the naming rules.
    """
    check_name(name)
    _check_notes()
    calibration = calibration or default_calibration()
    library = library or default_library()
    kind = library[LIBRARY_KIND]
    param = calibration[EXAMPLE_PARAMETER]
    example = round(param.value + (param.high - param.value) / 2, 2)
    start = parse_quarter(DEFAULT_START)
    lines = [
        f"# Scenario '{name}', written by `eujsim new`. Check it with `eujsim validate FILE`",
        "# and run it with `eujsim run FILE` (add --replicates 10 for a quick look).",
        "#",
        "# Sources: cite what each number rests on. Say in the description which source supports",
        "# the story, and beside every parameter value and shock effect the source and, where",
        '# possible, the quoted sentence it rests on (for example `# Niquet (2024): "..."`); a number',
        "# no source gives is marked as your own assumption. `eujsim params --sources` shows how the",
        "# calibration cites its numbers.",
        "",
    ]
    values = {
        "name": json.dumps(name, ensure_ascii=False),
        "description": None,
        "start": json.dumps(DEFAULT_START),
        "horizon": str(ScenarioSpec.model_fields["horizon"].default),
        "seed": str(ScenarioSpec.model_fields["seed"].default),
        "replicates": str(ScenarioSpec.model_fields["replicates"].default),
        "parameters": None,
        "shocks": None,
    }
    for key in ScenarioSpec.model_fields:
        lines += _comment(f"{key}: {_note(SCENARIO_NOTES, key, ScenarioSpec)}")
        if key == "description":
            lines += [
                "description: >-",
                "  Replace this with what happens, when, and why, citing the source of each claim",
                "  (for example: Büyükarslan 2025 reports that Japanese officials see China's Taiwan",
                "  policy as a potential line of full-scale conflict).",
            ]
        elif key == "parameters":
            lines += [
                "parameters:",
                *_comment(
                    f"{EXAMPLE_PARAMETER}: calibrated {param.value:g}, documented range {param.low:g}–{param.high:g} "
                    f"({param.unit_meaning}); cite the source of the new value here",
                    "  ",
                ),
                f"  {EXAMPLE_PARAMETER}: {example:g}",
            ]
        elif key == "shocks":
            lines += ["shocks:", *_library_shock(kind.kind, kind.ramp, kind.decay, start)]
            lines += _inline_shock(start)
        else:
            lines.append(f"{key}: {values[key]}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _library_shock(kind: str, ramp: int, decay: int, start: int) -> list[str]:
    """A shock of a library kind: the fields it changes written out, the others shown commented out."""
    written = {
        "kind": kind,
        "at": json.dumps(quarter_label(start + 4)),
        "magnitude": "1.0",
        "duration": "8",
        "name": json.dumps("Taiwan Strait crisis"),
    }
    omitted = {
        "ramp": f"{ramp}  # this kind's default",
        "decay": f"{decay}  # this kind's default",
        "effects": "the library kind's (a list here would replace them)",
    }
    intro = f"A library shock: `eujsim shocks {kind}` shows its effects and source."
    return _shock(intro, written, omitted)


def _inline_shock(start: int) -> list[str]:
    """A new shock kind defined inline, every field written out."""
    written = {
        "kind": INLINE_KIND,
        "at": json.dumps(quarter_label(start + 12)),
        "magnitude": "0.8",
        "ramp": "1",
        "duration": "4",
        "decay": "4",
        "name": json.dumps("Strait closure"),
        "effects": "",
    }
    intro = (
        "A new kind defined inline: every effect size is yours, so cite what each rests on or mark it as "
        "your own assumption."
    )
    return ["", *_shock(intro, written, {})]


def _shock(intro: str, written: dict[str, str], omitted: dict[str, str]) -> list[str]:
    """One shock of the ``shocks:`` list, each schema field under its note, written out or commented out.

    Raises:
        KeyError: for a schema field that is neither written nor omitted, so none is left out.
    """
    lines = _comment(intro, "  ")
    first = True
    for key in ShockSpec.model_fields:
        lines += _comment(f"{key}: {_note(SHOCK_NOTES, key, ShockSpec)}", "    ")
        if key in written:
            lines.append(f"  {'- ' if first else '  '}{key}:{' ' if written[key] else ''}{written[key]}")
            first = False
        else:
            lines.append(f"    # {key}: {omitted[key]}")
        if key == "effects" and key in written:
            for target, op, value in INLINE_EFFECTS:
                entry = ", ".join(
                    f"{field}: {item}" for field, item in zip(EffectSpec.model_fields, (target, op, value), strict=True)
                )
                lines.append(f"      - {{{entry}}}")
            lines += _comment(
                "; ".join(f"{field}: {_note(EFFECT_NOTES, field)}" for field in EffectSpec.model_fields), "      "
            )
    return lines
