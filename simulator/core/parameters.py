"""Per-world parameter values and the matrices the equations use.

Every parameter is an array with one value per world, so that a batch of worlds
can differ in any parameter (a sweep) while being simulated in lockstep. A plain
run gives every world the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from simulator.core.structure import (
    ACTIVITIES,
    CHALLENGERS,
    DOMAINS,
    OBSERVERS,
    PAIRS,
    PARTNERS,
    RISKS,
)
from simulator.inputs.calibration import Calibration

FloatArray = np.ndarray


def world_parameters(
    calibration: Calibration, n_worlds: int, overrides: Mapping[str, float | FloatArray] | None = None
) -> dict[str, FloatArray]:
    """Base parameter arrays (shape ``(n_worlds,)``) with overrides applied.

    Args:
        calibration: Source of every default value.
        n_worlds: Number of worlds in the batch.
        overrides: Dotted path -> scalar (all worlds) or array of one value per world.

    Raises:
        KeyError: if an override names an unknown path (callers validate first).
        ValueError: if an override array has the wrong length.
    """
    params = {path: np.full(n_worlds, p.value) for path, p in calibration.items()}
    for path, value in (overrides or {}).items():
        if path not in params:
            raise KeyError(path)
        array = np.asarray(value, dtype=float)
        if array.ndim == 0:
            params[path] = np.full(n_worlds, float(array))
        elif array.shape == (n_worlds,):
            params[path] = array.copy()
        else:
            raise ValueError(f"override for {path} has shape {array.shape}, expected ({n_worlds},)")
    return params


def distinct_worlds(params: Mapping[str, FloatArray], n_worlds: int) -> tuple[np.ndarray, np.ndarray]:
    """The worlds whose parameter rows differ, and for every world the distinct row it has.

    The spin-up is a deterministic function of a world's parameters (docs/ODD.md §3.3), so
    replicates of one parameter point settle to the same state; finding the distinct rows lets
    the model compute each settled state once. Rows are compared bit for bit, not with ``==``,
    so that ``0.0`` and ``-0.0`` (or two NaNs of different payload) count as different rows: a
    world is only ever given the settled state of a row whose every bit it shares.

    Args:
        params: Per-world parameter arrays, each of shape ``(n_worlds,)``.
        n_worlds: Number of worlds.

    Returns:
        ``first`` (U,): the first world of each distinct row, in order of appearance, and
        ``inverse`` (W,): the position in ``first`` of each world's row, so that
        ``first[inverse[w]]`` is a world with exactly the parameters of world ``w``.
    """
    every = np.arange(n_worlds)
    if n_worlds <= 1:
        return every, every
    columns = []
    for values in params.values():
        bits = np.ascontiguousarray(values).reshape(n_worlds, -1).view(np.uint8)
        if (bits != bits[:1]).any():  # parameters equal in every world cannot tell rows apart
            columns.append(bits)
    if not columns:
        return every[:1], np.zeros(n_worlds, dtype=np.intp)
    rows = np.ascontiguousarray(np.concatenate(columns, axis=1))
    keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # number the rows by first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.ravel()]


def _grid(params: Mapping[str, FloatArray], n_worlds: int, rows: tuple, cols: tuple, pattern: str) -> FloatArray:
    """Stack ``pattern.format(row=, col=)`` parameters into (W, rows, cols); missing ones are 0."""
    out = np.zeros((n_worlds, len(rows), len(cols)))
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            value = params.get(pattern.format(row=row, col=col))
            if value is not None:
                out[:, i, j] = value
    return out


def _vector(
    params: Mapping[str, FloatArray], n_worlds: int, keys: tuple, pattern: str, default: float = 0.0
) -> FloatArray:
    out = np.full((n_worlds, len(keys)), default)
    for i, key in enumerate(keys):
        value = params.get(pattern.format(key=key))
        if value is not None:
            out[:, i] = value
    return out


@dataclass(frozen=True)
class Structure:
    """Parameter matrices in the shapes the equations use (leading world axis W).

    Attributes:
        hardness: (W, D) how military/operational each domain is.
        relevance: (W, D, A) how much each challenger activity channel calls for each domain.
        risk_relevance: (W, D, R) same for non-state risks.
        salience: (W, O, K) proximity/salience of each challenger to each observer.
        power: (W, K) challengers' power.
        assertiveness: (W, K, A) challengers' baseline activity.
        episode_rate: (W, K, A) chance per quarter of a discrete episode.
        pushback: (W, K) challengers' response to perceived containment.
        risk: (W, R) level of each non-state risk.
        risk_exposure: (W, O, R) observers' exposure to each risk.
        trade_dependence: (W, P, K) partners' dependence on each challenger.
        values: (W, pairs) value affinity.
        agreement: (W, pairs) agreement coverage.
        agreement_floor: (W, pairs, D) floor agreements hold under cooperation:
            ``model.agreement_floor`` x coverage x (1 - hardness).
    """

    hardness: FloatArray
    relevance: FloatArray
    risk_relevance: FloatArray
    salience: FloatArray
    power: FloatArray
    assertiveness: FloatArray
    episode_rate: FloatArray
    pushback: FloatArray
    risk: FloatArray
    risk_exposure: FloatArray
    trade_dependence: FloatArray
    values: FloatArray
    agreement: FloatArray
    agreement_floor: FloatArray

    @classmethod
    def from_parameters(cls, params: Mapping[str, FloatArray], n_worlds: int) -> Structure:
        """Assemble the matrices from per-world parameter arrays."""
        w = n_worlds
        hardness = _vector(params, w, DOMAINS, "{key}.hardness")
        agreement = _vector(params, w, PAIRS, "{key}.agreement")
        floor = params["model.agreement_floor"][:, None, None] * agreement[:, :, None] * (1.0 - hardness[:, None, :])
        return cls(
            hardness=hardness,
            relevance=_grid(params, w, DOMAINS, ACTIVITIES, "{row}.relevance_{col}"),
            risk_relevance=_grid(params, w, DOMAINS, RISKS, "{row}.relevance_{col}"),
            salience=_grid(params, w, OBSERVERS, CHALLENGERS, "{row}.salience_{col}"),
            power=_vector(params, w, CHALLENGERS, "{key}.power"),
            assertiveness=_grid(params, w, CHALLENGERS, ACTIVITIES, "{row}.assertiveness_{col}"),
            episode_rate=_grid(params, w, CHALLENGERS, ACTIVITIES, "{row}.episode_rate_{col}"),
            pushback=_vector(params, w, CHALLENGERS, "{key}.pushback"),
            risk=_vector(params, w, RISKS, "world.{key}_risk"),
            risk_exposure=_grid(params, w, OBSERVERS, RISKS, "{row}.{col}_exposure"),
            trade_dependence=_grid(params, w, PARTNERS, CHALLENGERS, "{row}.trade_dependence_{col}"),
            values=_vector(params, w, PAIRS, "{key}.values"),
            agreement=agreement,
            agreement_floor=floor,
        )
