"""What the fused kernel covers, asked without compiling or importing it.

:mod:`simulator.core.fused` imports numba, which costs a process about 80 MiB and most of a
second. A sweep asks whether the kernel covers its experiment in its own process, before any
work, and only its workers run the kernel; so the question and the kernel's parameter slots,
which the answer needs, live here, where importing costs nothing extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.core.structure import ACTIVITIES, CHALLENGERS, DOMAINS, GUARANTOR, OBSERVERS, PAIRS, PARTNERS, RISKS

if TYPE_CHECKING:
    from simulator.core.model import StrategicModel

STRUCTURAL_OPTIONS = ("model.threat_union_share", "model.desire_multiplicative_share", "model.settlement_mean_share")
"""Structural-option shares the kernel does not implement: it requires each to be 0 everywhere."""

_MODEL = [
    "agreement_floor",
    "coop_rise_rate",
    "coop_decay_rate",
    "agreement_brake",
    "desire_intercept",
    "threat_memory",
    "activity_adjust",
    "activity_noise",
    "episode_size",
    "stability_recovery",
    "crisis_depth",
    "spending_adjust",
    "commitment_adjust",
    "spending_reference",
    "weight_values",
    "weight_capability",
    "weight_rivalry",
    "weight_common_threat",
    "weight_abandonment",
    "weight_deference",
    "weight_alliance",
    "weight_constraint",
    "weight_exposure",
    "weight_challenger_alignment",
]
_PARTNER = [
    "technology",
    "stability",
    "crisis_rate",
    "reliance_on_us",
    "spending_base",
    "spending_decision_year",
    "spending_path_start",
    "spending_path_start_year",
    "spending_path_end",
    "spending_path_end_year",
    "threat_response",
    "hedge_response",
    "fiscal_cap",
    "spending_reference_threat",
    "spending_reference_fear",
    "deference",
    "constraint",
    "entrapment_aversion",
]
_GUARANTOR = [
    "commitment_europe",
    "commitment_indo_pacific",
    "threat_response",
    "burden_sensitivity",
    "burden_demand",
    "burden_demand_indo_pacific",
]

SLOTS: list[str] = []
"""Every parameter the kernel reads, in slot order (a slot whose parameter is absent reads 0)."""


def _slots(names: list[str]) -> int:
    """Append ``names`` to :data:`SLOTS` and return the offset of the first."""
    offset = len(SLOTS)
    SLOTS.extend(names)
    return offset


_S_HARD = _slots([f"{d}.hardness" for d in DOMAINS])
_S_REL = _slots([f"{d}.relevance_{a}" for d in DOMAINS for a in ACTIVITIES])
_S_RREL = _slots([f"{d}.relevance_{r}" for d in DOMAINS for r in RISKS])
_S_SAL = _slots([f"{o}.salience_{k}" for o in OBSERVERS for k in CHALLENGERS])
_S_POWER = _slots([f"{k}.power" for k in CHALLENGERS])
_S_ASSERT = _slots([f"{k}.assertiveness_{a}" for k in CHALLENGERS for a in ACTIVITIES])
_S_EPRATE = _slots([f"{k}.episode_rate_{a}" for k in CHALLENGERS for a in ACTIVITIES])
_S_PUSH = _slots([f"{k}.pushback" for k in CHALLENGERS])
_S_RISK = _slots([f"world.{r}_risk" for r in RISKS])
_S_REXP = _slots([f"{o}.{r}_exposure" for o in OBSERVERS for r in RISKS])
_S_TDEP = _slots([f"{p}.trade_dependence_{k}" for p in PARTNERS for k in CHALLENGERS])
_S_VAL = _slots([f"{p}.values" for p in PAIRS])
_S_AGR = _slots([f"{p}.agreement" for p in PAIRS])
_S_MODEL = _slots([f"model.{n}" for n in _MODEL])
_S_USA_POWER = _slots([f"{GUARANTOR}.power"])
_S_LINK = _slots([f"{o}.linkage" for o in OBSERVERS])
_S_PARTNER = _slots([f"{p}.{n}" for p in PARTNERS for n in _PARTNER])
_S_USA = _slots([f"{GUARANTOR}.{n}" for n in _GUARANTOR])
_NSLOTS = len(SLOTS)


class NotCovered(ValueError):
    """The fused kernel does not implement this model; the message says why."""


def check_supported(model: StrategicModel) -> None:
    """Refuse a model the kernel does not implement, naming why.

    Raises:
        NotCovered: for ablated mechanisms, a structural option in use (in any world, or
            changed by a shock), an explained pair, or a model already stepped.
    """
    if model.ablate:
        raise NotCovered(f"the fused kernel covers the full model only; ablated: {sorted(model.ablate)}")
    if model.explained_members:
        raise NotCovered("the fused kernel does not keep an explained pair's desire terms")
    if model.steps:
        raise NotCovered("the fused kernel starts from the settled state: build a fresh model")
    targets = {e.target for t in model.schedule.tracks for e in t.shock.effects}
    for path in STRUCTURAL_OPTIONS:
        if np.any(model.base_params[path] != 0) or path in targets:
            raise NotCovered(
                f"the fused kernel covers the calibration's default structure only: {path} must be 0 in every world"
            )
    for path in targets:
        if path not in SLOTS:
            raise NotCovered(f"a shock changes {path}, which the fused kernel does not read")
