"""Threat perception: balance of threat with proximity and cross-theatre linkage.

Following Walt's balance-of-threat logic, an observer's reading of a challenger
in each activity channel is the challenger's activity scaled by its power and by
how salient (near) it is to the observer. Linkage carries part of the threat an
observer reads from one challenger over to the challengers aligned with it
("what happens in Ukraine today could happen in Asia tomorrow", Niquet 2024).
Readings are smoothed over time because threat assessments change slowly.
"""

from __future__ import annotations

import numpy as np

from simulator.core.mechanisms import blend


def direct_threat(salience: np.ndarray, power: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """Threat from each challenger's own activity, per channel.

    Args:
        salience: (W, K) how near/salient each challenger is to this observer.
        power: (W, K) each challenger's power.
        activity: (W, K, A) each challenger's activity per channel.

    Returns:
        (W, K, A) salience x power x activity.
    """
    return (salience * power)[:, :, None] * activity


def linked_threat(threat: np.ndarray, alignment: np.ndarray, linkage: np.ndarray) -> np.ndarray:
    """Threat carried to a challenger from the challengers it is aligned with.

    Args:
        threat: (W, K, A) the observer's current channel readings.
        alignment: (W, K, K) alignment between challengers, zero on the diagonal.
        linkage: (W,) how strongly this observer links theatres.

    Returns:
        (W, K, A) with entry [k, a] = linkage x sum over m of alignment[k, m] x threat[m, a].
    """
    return linkage[:, None, None] * np.einsum("wkm,wma->wka", alignment, threat)


def threat_target(direct: np.ndarray, linked: np.ndarray) -> np.ndarray:
    """Reading the observer would settle on now, clipped to [0, 1]."""
    return np.clip(direct + linked, 0.0, 1.0)


def smooth(previous: np.ndarray, target: np.ndarray, memory: np.ndarray) -> np.ndarray:
    """Exponential smoothing with per-world memory weight on the past reading."""
    m = memory.reshape(memory.shape + (1,) * (previous.ndim - memory.ndim))
    return m * previous + (1.0 - m) * target


def overall_threat(channels: np.ndarray, union_share: np.ndarray | None = None) -> np.ndarray:
    """Combine channel readings (last axis) into one 0–1 threat: the largest, or toward their union.

    An observer judges a challenger by its most dangerous line of activity. A
    probabilistic union of the channels was tried first and rejected: with five
    channels of moderate readings it sits near 1 for Japan's view of China, so a
    Taiwan blockade could barely move it and the asymmetric-salience pattern (P5)
    was inverted by saturation rather than by any mechanism. Breadth of pressure
    still matters where it should, in the per-channel common-threat term.

    The union stays available as a structural option (docs/ODD.md §7.15), so that a
    modeller can test how much the patterns depend on the choice: a world with
    ``model.threat_union_share`` s reads ``(1 - s)·max + s·(1 - Π(1 - T_a))``. Worlds at
    s = 0, the calibrated structure, take the maximum on the original code path, so their
    numbers are those of a model without the option.

    Args:
        channels: (W, ..., A) channel readings on [0, 1].
        union_share: (W,) weight of the union in each world; None or all zero is the maximum.

    Returns:
        (W, ...) the overall readings, on [0, 1].
    """
    strongest = channels.max(axis=-1)
    if union_share is None or not np.any(union_share > 0):
        return strongest
    return blend(strongest, 1.0 - np.prod(1.0 - channels, axis=-1), union_share)
