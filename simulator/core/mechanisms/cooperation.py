"""Cooperation: desired intensity per domain and its realisation between two sides.

Each actor wants a level of cooperation with each other actor in each domain
(its *desire*, built from additive terms; see the agents). Realised intensity
moves toward the lower of the two sides' desires, because cooperation needs
both, with inertia; agreements slow decay and hold a floor under it. Domestic
instability acts on desire (the constraint term), not on the rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def shared_channel_threat(threat_i: np.ndarray, threat_j: np.ndarray) -> np.ndarray:
    """(W, A) threat both sides read in each channel, from any challenger.

    The common part of two readings of one challenger is their minimum; over
    challengers they combine as a probabilistic union.
    """
    common = np.minimum(threat_i, threat_j)
    return 1.0 - np.prod(1.0 - common, axis=1)


def shared_risk(risk: np.ndarray, exposure_i: np.ndarray, exposure_j: np.ndarray) -> np.ndarray:
    """(W, R) non-state risk both sides are exposed to."""
    return risk * np.minimum(exposure_i, exposure_j)


def threat_by_domain(
    shared: np.ndarray, shared_risks: np.ndarray, relevance: np.ndarray, risk_relevance: np.ndarray
) -> np.ndarray:
    """(W, D) relevance-weighted average of the shared threat channels and risks per domain."""
    num = np.einsum("wda,wa->wd", relevance, shared) + np.einsum("wdr,wr->wd", risk_relevance, shared_risks)
    den = relevance.sum(axis=2) + risk_relevance.sum(axis=2)
    return num / np.maximum(den, 1e-12)


def aim_share(aim: np.ndarray) -> np.ndarray:
    """(W, D, K) share of each domain's aim directed at each challenger."""
    return aim / np.maximum(aim.sum(axis=2, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Realisation:
    """Outcome of one quarter's adjustment of realised cooperation.

    Attributes:
        coop: (W, pairs, D) new intensity.
        target: (W, pairs, D) lower of the two desires.
        base_rate: (W, pairs, D) rise or decay rate before agreements.
        rate: (W, pairs, D) rate actually applied.
        floor_lift: (W, pairs, D) how much the agreement floor raised the result.
        rising: (W, pairs, D) True where the target is above the current level.
        first_binds: (W, pairs, D) True where the first member's desire is the lower.
    """

    coop: np.ndarray
    target: np.ndarray
    base_rate: np.ndarray
    rate: np.ndarray
    floor_lift: np.ndarray
    rising: np.ndarray
    first_binds: np.ndarray


def realise(
    coop: np.ndarray,
    desire_first: np.ndarray,
    desire_second: np.ndarray,
    rise_rate: np.ndarray,
    decay_rate: np.ndarray,
    agreement: np.ndarray,
    brake: np.ndarray,
    floor: np.ndarray,
) -> Realisation:
    """Move realised cooperation toward the lower desire.

    Args:
        coop: (W, pairs, D) current intensity.
        desire_first: (W, pairs, D) desire of each pair's first member toward the second.
        desire_second: (W, pairs, D) the reverse.
        rise_rate: (W,) rate when the target is above the current level.
        decay_rate: (W,) rate when it is below.
        agreement: (W, pairs) agreement coverage; slows decay by ``brake``.
        brake: (W,) fraction of decay removed at full coverage.
        floor: (W, pairs, D) agreement-backed floor.
    """
    target = np.minimum(desire_first, desire_second)
    rising = target > coop
    base_rate = np.where(rising, rise_rate[:, None, None], decay_rate[:, None, None])
    rate = np.where(rising, base_rate, base_rate * (1.0 - brake[:, None, None] * agreement[:, :, None]))
    moved = coop + rate * (target - coop)
    new = np.clip(np.maximum(moved, floor), 0.0, 1.0)
    return Realisation(
        coop=new,
        target=target,
        base_rate=base_rate,
        rate=rate,
        floor_lift=new - moved,
        rising=rising,
        first_binds=desire_first <= desire_second,
    )


def attribute(
    coop: np.ndarray,
    terms_first: np.ndarray,
    terms_second: np.ndarray,
    intercept: np.ndarray,
    realisation: Realisation,
    pair: int,
) -> np.ndarray:
    """Split one pair's change per domain into driver contributions that sum exactly to it.

    With r the applied rate, r0 the base rate and x the binding side's desire terms,
    the change is r (target - coop) + floor lift. Each term contributes r0 * x_m;
    ``reversion`` is r0 (intercept + clipping - coop). The rate difference
    (r - r0)(target - coop) is non-zero only when falling: decay slowed by agreements,
    which goes to ``agreements`` with the floor lift.

    Args:
        coop: (W, D) the pair's intensity before the step.
        terms_first: (W, M, D) signed desire terms of the pair's first member.
        terms_second: (W, M, D) the same for the second member.
        intercept: (W,) desire intercept.
        realisation: The step's :class:`Realisation`.
        pair: Index of the pair in the realisation arrays.

    Returns:
        (W, M + 2, D): the M terms, then reversion, then agreements.
    """
    binds = realisation.first_binds[:, pair, :]
    terms = np.where(binds[:, None, :], terms_first, terms_second)
    target = realisation.target[:, pair, :]
    r0 = realisation.base_rate[:, pair, :]
    r = realisation.rate[:, pair, :]
    unclipped = intercept[:, None] + terms.sum(axis=1)
    reversion = r0 * (target - unclipped + intercept[:, None] - coop)
    agreements = (r - r0) * (target - coop) + realisation.floor_lift[:, pair, :]
    parts = r0[:, None, :] * terms
    return np.concatenate([parts, reversion[:, None, :], agreements[:, None, :]], axis=1)
