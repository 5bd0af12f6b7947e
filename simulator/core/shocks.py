"""Shock profiles and their effect on parameters, vectorised over worlds.

A shock's strength s(t) in [0, 1] rises over ``ramp`` quarters, holds for
``duration`` quarters (for ever when persistent), then fades over ``decay``
quarters. With q = quarters since onset (0 in the onset quarter)::

    s = (q + 1) / (ramp + 1)                        for 0 <= q < ramp
    s = 1                                           for ramp <= q < ramp + duration
    s = 1 - (q - ramp - duration + 1) / (decay + 1)  during the decay quarters
    s = 0                                           before onset and after decay

Every timing field is an array with one value per world, so a sweep can vary a
shock's onset or magnitude across worlds simulated together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulator.inputs.calibration import Calibration
from simulator.inputs.scenario import Scenario, Shock

SHOCK_FIELDS = ("at", "magnitude", "ramp", "duration", "decay")


def shock_strength(
    step: int, onset: np.ndarray, ramp: np.ndarray, duration: np.ndarray, decay: np.ndarray
) -> np.ndarray:
    """Profile strength at ``step`` for each world (see the module docstring).

    Args:
        step: Step index (1 = first simulated quarter).
        onset: Step of onset per world.
        ramp: Quarters to full effect per world.
        duration: Quarters at full effect per world (``inf`` = persistent).
        decay: Quarters of fading per world.
    """
    q = step - onset
    full_end = ramp + duration
    rising = (q + 1) / (ramp + 1)
    fading = 1.0 - (q - full_end + 1) / (decay + 1)
    # The phases from last to first, each overriding the later ones where it applies
    # (the first phase that applies wins; as np.select, at half its cost).
    strength = np.where(q < full_end + decay, fading, 0.0)
    strength = np.where(q < full_end, 1.0, strength)
    strength = np.where(q < ramp, rising, strength)
    return np.where(q < 0, 0.0, strength)


@dataclass(frozen=True)
class ShockTrack:
    """One scenario shock with its timing as per-world arrays."""

    shock: Shock
    onset: np.ndarray
    magnitude: np.ndarray
    ramp: np.ndarray
    duration: np.ndarray
    decay: np.ndarray

    def strength(self, step: int) -> np.ndarray:
        """Magnitude times profile strength at ``step``, per world."""
        return self.magnitude * shock_strength(step, self.onset, self.ramp, self.duration, self.decay)

    @cached_property
    def first_onset(self) -> float:
        """Earliest onset step over worlds: before it, the strength is 0 in every world."""
        return float(self.onset.min())


class ShockSchedule:
    """All shocks of a scenario, applied to base parameters step by step.

    Args:
        scenario: The scenario whose shocks to schedule.
        calibration: For the hard bounds each shocked parameter is clipped to.
        n_worlds: Number of worlds.
        field_overrides: ``{(shock name, field): per-world array}`` to vary a shock's
            ``at`` (as a quarter count), magnitude, ramp, duration or decay by world.
    """

    def __init__(
        self,
        scenario: Scenario,
        calibration: Calibration,
        n_worlds: int,
        field_overrides: Mapping[tuple[str, str], np.ndarray] | None = None,
    ) -> None:
        overrides = dict(field_overrides or {})
        self.tracks: list[ShockTrack] = []
        for shock in scenario.shocks:
            fields = {
                "at": float(shock.at),
                "magnitude": shock.magnitude,
                "ramp": float(shock.ramp),
                "duration": np.inf if shock.duration is None else float(shock.duration),
                "decay": float(shock.decay),
            }
            arrays = {}
            for key, value in fields.items():
                given = overrides.pop((shock.name, key), None)
                arrays[key] = np.broadcast_to(
                    np.asarray(value if given is None else given, dtype=float), (n_worlds,)
                ).copy()
            self.tracks.append(
                ShockTrack(
                    shock=shock,
                    onset=arrays["at"] - scenario.start + 1,
                    magnitude=arrays["magnitude"],
                    ramp=arrays["ramp"],
                    duration=arrays["duration"],
                    decay=arrays["decay"],
                )
            )
        if overrides:
            names = sorted({name for name, _ in overrides})
            raise KeyError(f"no shock named {names[0]!r} in scenario {scenario.name!r}")
        touched = {e.target for t in self.tracks for e in t.shock.effects}
        self._bounds = {path: calibration[path].bounds for path in touched}

    def effective(self, base: Mapping[str, np.ndarray], step: int) -> tuple[dict[str, np.ndarray], bool]:
        """Parameters in force at ``step`` and whether any shock changed them.

        Effects apply in scenario order, then each changed parameter is clipped to its
        hard bounds so that no stacking of shocks can push the model out of range.

        Effect values only have to be finite, so stacked huge values (two ``add 1e308``,
        or ``multiply 1e200`` twice) can overflow to infinity part-way, and a following
        ``set`` or ``multiply 0`` would turn that into NaN, which no clipping removes and
        which then spreads through the whole model. An intermediate result that
        overflows is therefore taken as the hard bound on its side at once; every result
        that does not overflow is computed exactly as before.
        """
        params = dict(base)
        changed: set[str] = set()
        for track in self.tracks:
            if step < track.first_onset:
                continue
            strength = track.strength(step)
            if not strength.any():
                continue
            for effect in track.shock.effects:
                current = params[effect.target]
                with np.errstate(over="ignore"):
                    if effect.op == "add":
                        updated = current + effect.value * strength
                    elif effect.op == "multiply":
                        updated = current * (1.0 + (effect.value - 1.0) * strength)
                    else:
                        updated = current + (effect.value - current) * strength
                if not np.isfinite(updated).all():
                    low, high = self._bounds[effect.target]
                    updated = np.where(np.isposinf(updated), high, np.where(np.isneginf(updated), low, updated))
                params[effect.target] = updated
                changed.add(effect.target)
        for path in changed:
            low, high = self._bounds[path]
            params[path] = np.clip(params[path], low, high)
        return params, bool(changed)
