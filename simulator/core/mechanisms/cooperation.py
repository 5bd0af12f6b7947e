"""Cooperation: desired intensity per domain and its realisation between two sides.

Each actor wants a level of cooperation with each other actor in each domain
(its *desire*, built from additive terms; see the agents). Realised intensity
moves toward the lower of the two sides' desires, because cooperation needs
both, with inertia; agreements slow decay and hold a floor under it. Domestic
instability acts on desire (the constraint term), not on the rate.

Two of these choices are structural options (docs/ODD.md §7.15): the desire can be
read in a multiplicative form, in which the constraint-type terms scale the drivers
down instead of subtracting from them (``model.desire_multiplicative_share``), and
the settlement can move toward the mean of the two desires instead of the lower one
(``model.settlement_mean_share``). At share 0, the calibrated structure, both run on
the original code path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.core.mechanisms import blend, per_world
from simulator.core.structure import MECHANISMS

CONSTRAINT_TERMS = ("constraints", "exposure", "deference", "rivalry")
"""The desire terms that hold cooperation back (never positive: a weight >= 0 times minus an index >= 0).

In the multiplicative desire form they scale the drivers down; the other terms (common
threat, abandonment fear or alliance pull, values, capability) are the drivers.
"""
_CONSTRAINT_MASK = np.array([m in CONSTRAINT_TERMS for m in MECHANISMS[:-2]])


TermPart = tuple[int, int | list[int], np.ndarray]
"""One desire term toward one or more actors: (index among the desire terms, actor column(s), values)."""


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


def multiplicative_desire(intercept: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Desire in the multiplicative form, and the terms that add up to it.

    The drivers and the intercept make the base ``P = intercept + Σ drivers``; each
    constraint-type term of magnitude ``n_m = clip(-x_m, 0, 1)`` keeps a share ``1 - n_m``
    of it, so ``desire = clip(P · Π_m (1 - n_m), 0, 1)``. A constraint therefore costs
    more where there is more ambition to hold back, and nothing where there is none.
    With no constraint the form equals the additive one.

    To keep the driver attribution exact, the amount the constraints remove,
    ``R = max(P, 0) · (1 - Π_m (1 - n_m))``, is split among them in proportion to their
    magnitudes (one constraint alone gets exactly ``P · n_m``); the drivers keep their own
    terms. The returned terms then satisfy ``intercept + Σ terms = P - R``, the unclipped
    multiplicative desire (equal to ``P · Π(1 - n_m)`` whenever ``P >= 0``).

    Args:
        intercept: The desire intercept, shaped to broadcast against ``terms.sum(axis=1)``.
        terms: (W, M, ...) signed desire terms in the order of ``MECHANISMS`` (M = 8).

    Returns:
        The desire (W, ...) on [0, 1], and the effective terms (W, M, ...).
    """
    drivers = terms[:, ~_CONSTRAINT_MASK]
    magnitude = np.clip(-terms[:, _CONSTRAINT_MASK], 0.0, 1.0)
    base = intercept + drivers.sum(axis=1)
    removed = np.maximum(base, 0.0) * (1.0 - np.prod(1.0 - magnitude, axis=1))
    total = magnitude.sum(axis=1, keepdims=True)
    portion = np.divide(magnitude, total, out=np.zeros_like(magnitude), where=total > 0)
    effective = terms.copy()
    effective[:, _CONSTRAINT_MASK] = -removed[:, None] * portion
    return np.clip(base - removed, 0.0, 1.0), effective


def desire(intercept: np.ndarray, terms: np.ndarray, multiplicative_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Desire from its terms: additive and clipped, or blended toward the multiplicative form.

    The calibrated desire is ``clip(intercept + Σ_m x_m, 0, 1)``. A world with
    ``model.desire_multiplicative_share`` s > 0 takes ``(1 - s)`` of it plus ``s`` of
    :func:`multiplicative_desire`, and reports the same blend of the two sets of terms,
    so that the attribution and explanations read terms that add up to the blended
    unclipped desire (docs/ODD.md §7.15). Worlds at s = 0 keep the additive desire and
    their own terms on the original code path.

    Args:
        intercept: (W,) desire intercept.
        terms: (W, M, ...) signed desire terms in the order of ``MECHANISMS``.
        multiplicative_share: (W,) weight of the multiplicative form.

    Returns:
        The desire (W, ...) on [0, 1], and the terms as the attribution reads them (W, M, ...).
    """
    base = per_world(intercept, terms.ndim - 1)
    additive = np.clip(base + terms.sum(axis=1), 0.0, 1.0)
    if not np.any(multiplicative_share > 0):
        return additive, terms
    product, effective = multiplicative_desire(base, terms)
    return blend(additive, product, multiplicative_share), blend(terms, effective, multiplicative_share)


def additive_desire_into(out: np.ndarray, intercept: np.ndarray, parts: Sequence[TermPart]) -> None:
    """The calibrated desire ``clip(intercept + Σ_m x_m, 0, 1)`` of one actor, summed from its non-zero terms.

    Most of an actor's (terms, actors) grid is zero, so the agents hand over only the parts that are
    not. They are added in the order of ``MECHANISMS``, as :func:`desire` sums the dense array, so the
    result is the same bit for bit.

    Args:
        out: (W, actors, D) where the desire is written (a view of the next state's row of the actor).
        intercept: (W,) desire intercept.
        parts: The actor's non-zero terms, each ``(term index, actor column(s), values)``.
    """
    out[...] = 0.0
    for _, columns, values in sorted(parts, key=lambda part: part[0]):
        out[:, columns] += values
    np.add(intercept[:, None, None], out, out=out)
    np.clip(out, 0.0, 1.0, out=out)


@dataclass(frozen=True)
class Realisation:
    """Outcome of one quarter's adjustment of realised cooperation.

    Attributes:
        coop: (W, pairs, D) new intensity.
        target: (W, pairs, D) what cooperation moves toward: the lower of the two desires, or
            its blend with their mean under the settlement option (docs/ODD.md §7.15).
        base_rate: (W, pairs, D) rise or decay rate before agreements.
        rate: (W, pairs, D) rate actually applied.
        floor_lift: (W, pairs, D) how much the agreement floor raised the result.
        rising: (W, pairs, D) True where the target is above the current level.
        first_binds: (W, pairs, D) True where the first member's desire is the lower.
        first_weight: (W, pairs, D) weight of the first member's desire in the target (the
            second's is one minus it): 1 or 0 under the lower-desire settlement.
    """

    coop: np.ndarray
    target: np.ndarray
    base_rate: np.ndarray
    rate: np.ndarray
    floor_lift: np.ndarray
    rising: np.ndarray
    first_binds: np.ndarray
    first_weight: np.ndarray


def realise(
    coop: np.ndarray,
    desire_first: np.ndarray,
    desire_second: np.ndarray,
    rise_rate: np.ndarray,
    decay_rate: np.ndarray,
    agreement: np.ndarray,
    brake: np.ndarray,
    floor: np.ndarray,
    mean_share: np.ndarray | None = None,
) -> Realisation:
    """Move realised cooperation toward the lower desire (or toward a blend with the mean).

    Args:
        coop: (W, pairs, D) current intensity.
        desire_first: (W, pairs, D) desire of each pair's first member toward the second.
        desire_second: (W, pairs, D) the reverse.
        rise_rate: (W,) rate when the target is above the current level.
        decay_rate: (W,) rate when it is below.
        agreement: (W, pairs) agreement coverage; slows decay by ``brake``.
        brake: (W,) fraction of decay removed at full coverage.
        floor: (W, pairs, D) agreement-backed floor.
        mean_share: (W,) ``model.settlement_mean_share``: the target is ``(1 - s)·min + s·mean``
            of the two desires (docs/ODD.md §7.15); None or 0 is the lower desire.
    """
    first_binds = desire_first <= desire_second
    target = np.minimum(desire_first, desire_second)
    first_weight = first_binds.astype(float)
    if mean_share is not None and np.any(mean_share > 0):
        target = blend(target, 0.5 * (desire_first + desire_second), mean_share)
        first_weight = blend(first_weight, 0.5, mean_share)
    rising = target > coop
    rise, decay = rise_rate[:, None, None], decay_rate[:, None, None]
    base_rate = np.where(rising, rise, decay)
    # The slowed decay depends on the pair only, so it is computed per pair and spread over the
    # domains by np.where: the same products as slowing every (pair, domain) rate, 1/D of them.
    rate = np.where(rising, rise, decay * (1.0 - brake[:, None, None] * agreement[:, :, None]))
    moved = target - coop
    moved *= rate
    moved += coop  # coop + rate * (target - coop), without two temporaries
    new = np.maximum(moved, floor)
    np.clip(new, 0.0, 1.0, out=new)
    return Realisation(
        coop=new,
        target=target,
        base_rate=base_rate,
        rate=rate,
        floor_lift=new - moved,
        rising=rising,
        first_binds=first_binds,
        first_weight=first_weight,
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

    Under a settlement that blends toward the mean (docs/ODD.md §7.15) the target is a
    weighted sum of both desires, so x is the same weighted sum of both sides' terms and
    ``reversion`` absorbs both sides' clipping; the contributions still sum to the change.

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
    weight = realisation.first_weight[:, pair, :]
    shared = (weight > 0.0) & (weight < 1.0)
    if shared.any():
        mixed = weight[:, None, :] * terms_first + (1.0 - weight[:, None, :]) * terms_second
        terms = np.where(shared[:, None, :], mixed, terms)
    target = realisation.target[:, pair, :]
    r0 = realisation.base_rate[:, pair, :]
    r = realisation.rate[:, pair, :]
    unclipped = intercept[:, None] + terms.sum(axis=1)
    reversion = r0 * (target - unclipped + intercept[:, None] - coop)
    agreements = (r - r0) * (target - coop) + realisation.floor_lift[:, pair, :]
    parts = r0[:, None, :] * terms
    return np.concatenate([parts, reversion[:, None, :], agreements[:, None, :]], axis=1)
