"""What a run's shocks did: the run against its no-shock twin, world by world.

A run's own numbers compare its end with its start, which mixes what the shocks did with
everything the model does anyway (drift toward its equilibrium, the random episodes). The
**no-shock twin** separates them: the same scenario, seed, replicates, parameters and
ensemble rows with every shock removed. Replicate r of the run and of its twin draw the same
random numbers (common random numbers), so the difference ``run - twin`` in world r is what
the shocks did in that world, without the noise that two independent sets of worlds would add.

:func:`shock_effect` reduces the paired differences to what a reader asks first: by how much
the shocks moved final EU–Japan cooperation (mean and the 90% band over worlds), in which
domain most, and in which quarter the mean gap was largest. :func:`effect_sentence` says it in
one line, which leads ``eujsim run``'s summary and ``eujsim report``'s page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from simulator.base.errors import UserError
from simulator.core.structure import DOMAIN_LABELS, DOMAINS, HEADLINE_PAIR, SMALLEST_INDEX_EFFECT

if TYPE_CHECKING:
    from simulator.inputs.scenario import Scenario

HEADLINE = f"coop_{HEADLINE_PAIR}"
TWIN_FILES = ("twin_timeseries.csv", "twin_summary.csv")
"""The files of a run folder that hold the no-shock twin (same columns as ``timeseries.csv`` and ``summary.csv``)."""
BAND = (5, 95)
"""Percentiles of the band of per-world differences (90% of worlds, as every band of a run)."""


class PairedSeries(Protocol):
    """A run's series by name, with its replicate numbers: a run, its twin, or either read back from a folder."""

    @property
    def replicates(self) -> np.ndarray:
        """Replicate number of each world, in the order of the series' columns."""
        ...

    @property
    def quarter_labels(self) -> list[str]:
        """The quarter of each step."""
        ...

    def series(self, variable: str) -> np.ndarray:
        """(steps + 1, replicates) values of one variable."""
        ...


def without_shocks(scenario: Scenario) -> Scenario:
    """The no-shock twin's scenario: everything the same (seed, replicates, parameters, ensemble) but the shocks."""
    return replace(scenario, shocks=())


def paired_difference(run: PairedSeries, twin: PairedSeries, variable: str = HEADLINE) -> np.ndarray:
    """(steps + 1, worlds) ``run - twin`` of one variable, world by world.

    Raises:
        UserError: if the two hold different worlds (then nothing pairs them).
    """
    if not np.array_equal(np.asarray(run.replicates), np.asarray(twin.replicates)):
        raise UserError("the run and its twin hold different replicates, so their worlds cannot be paired")
    return run.series(variable) - twin.series(variable)


@dataclass(frozen=True)
class ShockEffect:
    """What the shocks did to EU–Japan cooperation, from the paired differences run minus twin.

    Attributes:
        final: Mean over worlds of the difference in the last quarter.
        low: 5th percentile of that difference over worlds.
        high: 95th percentile of it.
        domains: Mean final difference per domain of EU–Japan cooperation.
        gap_quarter: The quarter whose mean difference is largest in size (simulated quarters only).
        gap: That mean difference.
        worlds: Number of paired worlds.
    """

    final: float
    low: float
    high: float
    domains: dict[str, float]
    gap_quarter: str
    gap: float
    worlds: int

    @property
    def domain(self) -> str:
        """The domain with the largest mean final difference in size."""
        return max(self.domains, key=lambda d: abs(self.domains[d]))

    @property
    def matters(self) -> bool:
        """Whether the mean final difference reaches the smallest effect that matters on a 0–1 index."""
        return abs(self.final) >= SMALLEST_INDEX_EFFECT


def shock_effect(run: PairedSeries, twin: PairedSeries) -> ShockEffect:
    """Pair every world of ``run`` with the same world of its no-shock ``twin`` and summarise the differences."""
    difference = paired_difference(run, twin)
    final = difference[-1]
    low, high = np.percentile(final, BAND)
    path = difference[1:].mean(axis=1)
    step = int(np.argmax(np.abs(path)))
    domains = {d: float(paired_difference(run, twin, f"{HEADLINE}_{d}")[-1].mean()) for d in DOMAINS}
    return ShockEffect(
        final=float(final.mean()),
        low=float(low),
        high=float(high),
        domains=domains,
        gap_quarter=run.quarter_labels[step + 1],
        gap=float(path[step]),
        worlds=difference.shape[1],
    )


def effect_sentence(effect: ShockEffect) -> str:
    """One sentence on what the shocks did, for the first line of a run's summary and report.

    It says "raised" or "lowered" with the size, the band of 90% of worlds, the domain that
    moved most and the quarter of the largest gap. An effect smaller than the smallest one
    that matters (:data:`~simulator.core.structure.SMALLEST_INDEX_EFFECT`) is called so rather
    than given a direction a reader would take for a finding; the largest gap is still named,
    since a shock that fades can matter on the way and not at the end.
    """
    band = f"90% of worlds {effect.low:+.3f} to {effect.high:+.3f}"
    gap = f"largest gap in {effect.gap_quarter} ({effect.gap:+.3f})"
    if not effect.matters:
        reached = ", which does matter" if abs(effect.gap) >= SMALLEST_INDEX_EFFECT else ", also below it"
        return (
            f"The shocks changed final EU–Japan cooperation by {effect.final:+.3f} ({band}) against the same worlds "
            f"without them, below the smallest effect that matters ({SMALLEST_INDEX_EFFECT:g}); {gap}{reached}."
        )
    verb = "raised" if effect.final > 0 else "lowered"
    domain = effect.domain
    return (
        f"The shocks {verb} final EU–Japan cooperation by {abs(effect.final):.3f} ({band}) against the same worlds "
        f"without them; most in {DOMAIN_LABELS[domain]} ({effect.domains[domain]:+.3f}); {gap}."
    )


NO_SHOCKS = "No shocks in this scenario, so no twin without them: the numbers below are the run's own."
"""The summary's first line for a scenario without shocks."""
NOT_SIMULATED = (
    "The shocks' effect was not simulated (no twin without them: `eujsim run` without --no-twin, "
    "or simulator.run(..., twin=True), adds it)."
)
"""The summary's first line for a run with shocks whose twin was not simulated."""


def effect_line(
    run: PairedSeries, twin: PairedSeries | None, shocks: bool, *, not_simulated: str = NOT_SIMULATED
) -> str:
    """The first line of a run's summary: the shocks' effect, or why there is none to state.

    Args:
        run: The run.
        twin: Its no-shock twin, or None.
        shocks: Whether the run's scenario has shocks.
        not_simulated: The line for a run with shocks but no twin (a saved folder words it as its own).
    """
    if not shocks:
        return NO_SHOCKS
    if twin is None:
        return not_simulated
    return effect_sentence(shock_effect(run, twin))
