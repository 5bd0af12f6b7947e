"""Recording of a run's outputs, step by step, into preallocated arrays.

Column names (also used in ``timeseries.csv``):

``coop_<A>_<B>``            mean intensity over domains of a pair (actors in the order EU, JPN, USA, CHN, RUS, PRK)
``coop_EU_JPN_<domain>``    EU–JPN intensity in one domain
``desire_EU_JPN``           EU's desired intensity toward Japan (mean over domains); ``desire_JPN_EU`` the reverse
``threat_<A>_<B>``          how observer A (EU, JPN, USA) reads challenger B (CHN, RUS, PRK)
``containment_<C>``         containment challenger C reacted to this quarter
                            (read from the previous quarter's cooperation)
``activity_<C>_<channel>``  challenger activity per channel
``us_commitment_<theatre>`` US commitment to europe / indo_pacific
``spending_<A>``            defence spending of EU / JPN, % of GDP
``stability_<A>``           domestic stability of EU / JPN (1 = able to pass policy)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from simulator.core.state import N_TERMS, WorldState
from simulator.core.structure import (
    ACTIVITIES,
    ACTORS,
    CHALLENGERS,
    DOMAINS,
    HEADLINE_INDEX,
    HEADLINE_PAIR,
    MECHANISMS,
    OBSERVERS,
    PAIRS,
    PARTNERS,
    THEATRES,
)

if TYPE_CHECKING:
    from simulator.core.state import PairTerms

_EU, _JPN = ACTORS.index("EU"), ACTORS.index("JPN")


def column_names() -> list[str]:
    """Every recorded variable, in ``timeseries.csv`` column order."""
    names = [f"coop_{p}" for p in PAIRS]
    names += [f"coop_{HEADLINE_PAIR}_{d}" for d in DOMAINS]
    names += ["desire_EU_JPN", "desire_JPN_EU"]
    names += [f"threat_{o}_{c}" for o in OBSERVERS for c in CHALLENGERS]
    names += [f"containment_{c}" for c in CHALLENGERS]
    names += [f"activity_{c}_{a}" for c in CHALLENGERS for a in ACTIVITIES]
    names += [f"us_commitment_{t}" for t in THEATRES]
    names += [f"spending_{p}" for p in PARTNERS]
    names += [f"stability_{p}" for p in PARTNERS]
    return names


def _row(state: WorldState) -> np.ndarray:
    """(variables, W) values of every column for one state, in column order."""
    level = state.coop.mean(axis=2)
    w = state.coop.shape[0]
    parts = [
        level.T,
        state.coop[:, HEADLINE_INDEX].T,
        state.desire[:, _EU, _JPN].mean(axis=1)[None],
        state.desire[:, _JPN, _EU].mean(axis=1)[None],
        state.overall_threat.reshape(w, -1).T,
        state.containment.T,
        state.activity.reshape(w, -1).T,
        state.commitment.T,
        state.spending.T,
        state.stability.T,
    ]
    return np.concatenate(parts, axis=0)


class Recorder:
    """Keeps every variable, driver contribution and episode of every world and step.

    Args:
        n_worlds: Number of worlds.
        horizon: Number of simulated quarters (rows are steps 0..horizon).
        keep_details: Keep per-world drivers and episodes (sweeps may turn this off).
        columns: Record only these variables (default all); a sweep keeps just the series its
            metrics and statistics need, so memory per world stays small.
    """

    def __init__(
        self,
        n_worlds: int,
        horizon: int,
        keep_details: bool = True,
        columns: Sequence[str] | None = None,
    ) -> None:
        every = column_names()
        self.columns = every if columns is None else list(columns)
        self._index = None if columns is None else np.array([every.index(c) for c in self.columns], dtype=int)
        self.values = np.zeros((horizon + 1, len(self.columns), n_worlds))
        self.keep_details = keep_details
        shape = (horizon + 1, n_worlds, len(MECHANISMS), len(DOMAINS)) if keep_details else (0, 0, 0, 0)
        self.drivers = np.zeros(shape)
        ep_shape = (horizon + 1, n_worlds, len(CHALLENGERS), len(ACTIVITIES)) if keep_details else (0, 0, 0, 0)
        self.episodes = np.zeros(ep_shape, dtype=bool)
        crisis_shape = (horizon + 1, n_worlds, len(PARTNERS)) if keep_details else (0, 0, 0)
        self.crises = np.zeros(crisis_shape, dtype=bool)

    def record(self, step: int, state: WorldState, contributions: np.ndarray | None = None) -> None:
        """Store the state after ``step`` (0 = initial) and that step's attribution."""
        row = _row(state)
        self.values[step] = row if self._index is None else row[self._index]
        if self.keep_details and step > 0:
            if contributions is not None:
                self.drivers[step] = contributions
            self.episodes[step] = state.episodes
            self.crises[step] = state.crises


class PairHistory:
    """One pair's desire terms, desires and per-domain cooperation at every step, for explanations.

    ``eujsim explain`` decomposes a pair's cooperation level with these; a run keeps them
    only when asked (``simulate(explained_pair=...)``).

    Args:
        pair: The pair, e.g. ``EU_JPN``.
        n_worlds: Number of worlds.
        horizon: Number of simulated quarters (rows are steps 0..horizon).
    """

    def __init__(self, pair: str, n_worlds: int, horizon: int) -> None:
        self.pair = pair
        self.terms = np.zeros((horizon + 1, n_worlds, 2, N_TERMS, len(DOMAINS)))
        """(steps + 1, W, 2, terms, D) desire terms of the pair's first member toward the second, then the reverse."""
        self.desires = np.zeros((horizon + 1, n_worlds, 2, len(DOMAINS)))
        """(steps + 1, W, 2, D) the two desires, which the terms plus the intercept make (clipped)."""
        self.coop = np.zeros((horizon + 1, n_worlds, len(DOMAINS)))
        """(steps + 1, W, D) the pair's realised cooperation per domain."""

    def record(self, step: int, now: PairTerms) -> None:
        """Store the pair's terms, desires and cooperation after ``step`` (0 = after the spin-up)."""
        self.terms[step], self.desires[step], self.coop[step] = now
