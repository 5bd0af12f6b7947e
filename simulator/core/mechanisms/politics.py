"""Domestic stability of the partners: a level that crises knock down and time restores.

Each partner's stability (1 = a government or Union able to pass policy) recovers
toward its normal level, which shocks such as ``japan_political_instability``
lower, and is hit by occasional crises drawn at random: a cabinet collapse in
Tokyo, a split among EU member states. The sources flag both risks: "the
potential instability of Prime Minister Ishiba's minority government in Japan"
(Lenhart & Tkacik 2024) and doubts over "to what extent the member states can
collectively sustain the required percentage" (Büyükarslan 2025).
"""

from __future__ import annotations

import numpy as np


def next_stability(
    current: np.ndarray,
    normal_level: np.ndarray,
    recovery: np.ndarray,
    crisis_rate: np.ndarray,
    crisis_depth: np.ndarray,
    uniform: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """One quarter of a partner's stability.

    Args:
        current: (W,) stability now.
        normal_level: (W,) level it recovers toward (the ``stability`` parameter).
        recovery: (W,) share of the gap to the normal level closed per quarter.
        crisis_rate: (W,) chance of a crisis per quarter.
        crisis_depth: (W,) share of current stability a crisis removes.
        uniform: (W,) uniform draws, or None for the deterministic (mean-field) step in
            which the expected crisis loss is subtracted instead.

    Returns:
        New stability (W,) in [0, 1] and a boolean (W,) array of crises.
    """
    recovered = current + recovery * (normal_level - current)
    if uniform is None:
        expected = recovered * (1.0 - crisis_rate * crisis_depth)
        return np.clip(expected, 0.0, 1.0), np.zeros(current.shape, dtype=bool)
    crises = uniform < crisis_rate
    hit = np.where(crises, recovered * (1.0 - crisis_depth), recovered)
    return np.clip(hit, 0.0, 1.0), crises
