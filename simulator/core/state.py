"""The world state: every array has a leading world axis.

The model keeps two of these (double buffer): agents read the state at quarter
t and write their own slots of the state at t+1, so activation order cannot
change a result.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from simulator.core.structure import (
    ACTIVITIES,
    ACTORS,
    CHALLENGERS,
    DOMAINS,
    MECHANISMS,
    OBSERVERS,
    PAIRS,
    PARTNERS,
    THEATRES,
)

N_TERMS = len(MECHANISMS) - 2
"""Desire terms (the mechanisms except reversion and agreements)."""


@dataclass
class WorldState:
    """State of W worlds at one quarter.

    Attributes:
        activity: (W, K, A) challenger activity per channel.
        threat: (W, O, K, A) observer readings of each challenger per channel.
        overall_threat: (W, O, K) each observer's overall reading of each challenger, combined
            from ``threat`` when the reading is made (docs/ODD.md §7.2, §7.15).
        containment: (W, K) containment each challenger reads.
        commitment: (W, theatres) US commitment per theatre.
        spending: (W, partners) defence spending, % of GDP.
        stability: (W, partners) domestic stability (1 = able to pass policy).
        coop: (W, pairs, D) realised cooperation intensity.
        desire: (W, actors, actors, D) desired intensity of row actor toward column actor.
        headline_terms: (W, 2, terms, D) signed desire terms of EU toward JPN and JPN toward EU.
        episodes: (W, K, A) discrete episodes drawn this quarter.
        crises: (W, partners) domestic crises drawn this quarter.
    """

    activity: np.ndarray
    threat: np.ndarray
    overall_threat: np.ndarray
    containment: np.ndarray
    commitment: np.ndarray
    spending: np.ndarray
    stability: np.ndarray
    coop: np.ndarray
    desire: np.ndarray
    headline_terms: np.ndarray
    episodes: np.ndarray
    crises: np.ndarray

    @classmethod
    def empty(cls, n_worlds: int) -> WorldState:
        """All-zero state of the right shapes."""
        w, k, a, d = n_worlds, len(CHALLENGERS), len(ACTIVITIES), len(DOMAINS)
        return cls(
            activity=np.zeros((w, k, a)),
            threat=np.zeros((w, len(OBSERVERS), k, a)),
            overall_threat=np.zeros((w, len(OBSERVERS), k)),
            containment=np.zeros((w, k)),
            commitment=np.zeros((w, len(THEATRES))),
            spending=np.zeros((w, len(PARTNERS))),
            stability=np.ones((w, len(PARTNERS))),
            coop=np.zeros((w, len(PAIRS), d)),
            desire=np.zeros((w, len(ACTORS), len(ACTORS), d)),
            headline_terms=np.zeros((w, 2, N_TERMS, d)),
            episodes=np.zeros((w, k, a), dtype=bool),
            crises=np.zeros((w, len(PARTNERS)), dtype=bool),
        )

    def copy(self) -> WorldState:
        """Independent copy (the next-quarter buffer starts as one)."""
        return WorldState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def take(self, worlds: np.ndarray) -> WorldState:
        """The state of the given worlds, in that order (a world may appear more than once).

        The model spins up each distinct parameter row once and hands every world the
        settled state of its row this way (docs/ODD.md §3.3).
        """
        return WorldState(**{f.name: np.take(getattr(self, f.name), worlds, axis=0) for f in fields(self)})

    def where(self, mask: np.ndarray, other: WorldState) -> WorldState:
        """This state in worlds where ``mask`` is True, ``other`` elsewhere."""
        out = {}
        for f in fields(self):
            mine = getattr(self, f.name)
            m = mask.reshape(mask.shape + (1,) * (mine.ndim - 1))
            out[f.name] = np.where(m, mine, getattr(other, f.name))
        return WorldState(**out)


class PairTerms(NamedTuple):
    """One pair's desire terms, desires and cooperation in every world (see :meth:`StrategicModel.pair_terms`).

    Attributes:
        terms: (W, 2, terms, D) the first member's terms toward the second, then the reverse.
        desires: (W, 2, D) the two desires, in the same order.
        coop: (W, D) realised cooperation of the pair.
    """

    terms: np.ndarray
    desires: np.ndarray
    coop: np.ndarray
