"""Quantities derived once per quarter from the state at t, shared by all agents.

Computing them once keeps agents small and guarantees every agent sees the same
reading of the world, whatever order Mesa activates them in.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from itertools import combinations

import numpy as np

from simulator.core.mechanisms.activity import containment, domain_aim
from simulator.core.mechanisms.cooperation import aim_share, shared_channel_threat, shared_risk, threat_by_domain
from simulator.core.parameters import Structure
from simulator.core.state import WorldState
from simulator.core.structure import ACTORS, CHALLENGERS, DOMAINS, OBSERVERS, PAIRS, PARTNERS, WESTERN_PAIRS, pair_name

_PAIR_INDEX = {p: i for i, p in enumerate(PAIRS)}
_WESTERN = [_PAIR_INDEX[p] for p in WESTERN_PAIRS]
_CHALLENGER_PAIRS = [[(_PAIR_INDEX[pair_name(a, b)] if a != b else -1) for b in CHALLENGERS] for a in CHALLENGERS]
_OBSERVER_PAIRS = list(combinations(range(len(OBSERVERS)), 2))
PAIR_OF = {(a, b): _PAIR_INDEX[pair_name(a, b)] for a in ACTORS for b in ACTORS if a != b}
"""Index into PAIRS of the pair of two actor codes, in either order."""


@dataclass(frozen=True)
class Context:
    """Shared readings of the state at t.

    Attributes:
        overall_threat: (W, O, K) combined threat each observer reads from each challenger (the
            state's own, so the agents and the recorded output read the same number).
        coop_level: (W, pairs) mean intensity over domains.
        alignment: (W, K, K) challenger alignment (their pair's intensity), zero diagonal.
        aim: (W, D, K) relevance of each domain to each challenger's current activity.
        aim_share: (W, D, K) share of each domain's aim directed at each challenger.
        containment: (W, K) western cooperation aimed at each challenger, relative to an even
            split of every domain among the challengers (docs/ODD.md §7.2).
        common_threat: (W, O, O, D) threat two observers share, per domain (symmetric;
            the diagonal is unused and zero).
        capability: (W, actors) what each actor brings as a partner.
        hostility: (W, actors, actors) how threatening the column actor is to the row actor.
    """

    overall_threat: np.ndarray
    coop_level: np.ndarray
    alignment: np.ndarray
    aim: np.ndarray
    aim_share: np.ndarray
    containment: np.ndarray
    common_threat: np.ndarray
    capability: np.ndarray
    hostility: np.ndarray

    def take(self, worlds: np.ndarray) -> Context:
        """The readings of the given worlds, in that order (see :meth:`WorldState.take`)."""
        return Context(**{f.name: np.take(getattr(self, f.name), worlds, axis=0) for f in fields(self)})

    @classmethod
    def read(cls, state: WorldState, structure: Structure, params: dict[str, np.ndarray]) -> Context:
        """Derive the shared readings from the state and parameters in force."""
        w = state.coop.shape[0]
        overall = state.overall_threat  # combined by each observer when it made the readings
        level = state.coop.mean(axis=2)
        alignment = np.zeros((w, len(CHALLENGERS), len(CHALLENGERS)))
        for i, row in enumerate(_CHALLENGER_PAIRS):
            for j, p in enumerate(row):
                if p >= 0:
                    alignment[:, i, j] = level[:, p]
        aim = domain_aim(structure.relevance, state.activity)
        share = aim_share(aim)
        contained = containment(state.coop[:, _WESTERN, :], share)
        common = np.zeros((w, len(OBSERVERS), len(OBSERVERS), len(DOMAINS)))
        for a, b in _OBSERVER_PAIRS:  # shared by both sides, so computed once per pair
            shared = shared_channel_threat(state.threat[:, a], state.threat[:, b])
            risks = shared_risk(structure.risk, structure.risk_exposure[:, a], structure.risk_exposure[:, b])
            common[:, a, b] = common[:, b, a] = threat_by_domain(
                shared, risks, structure.relevance, structure.risk_relevance
            )
        capability = np.zeros((w, len(ACTORS)))
        # The hard bounds allow a reference of 0 (set by a scenario or a shock): then any
        # spending saturates the index and none gives 0, instead of 0/0 = NaN.
        reference = np.maximum(params["model.spending_reference"], 1e-9)
        for p, code in enumerate(PARTNERS):
            spending_part = np.minimum(state.spending[:, p] / reference, 1.0)
            capability[:, ACTORS.index(code)] = 0.5 * params[f"{code}.technology"] + 0.5 * spending_part
        for code in ACTORS:
            if code not in PARTNERS:
                capability[:, ACTORS.index(code)] = params[f"{code}.power"]
        hostility = np.zeros((w, len(ACTORS), len(ACTORS)))
        for o, observer in enumerate(OBSERVERS):
            for k, challenger in enumerate(CHALLENGERS):
                hostility[:, ACTORS.index(observer), ACTORS.index(challenger)] = overall[:, o, k]
                hostility[:, ACTORS.index(challenger), ACTORS.index(observer)] = contained[:, k]
        return cls(
            overall_threat=overall,
            coop_level=level,
            alignment=alignment,
            aim=aim,
            aim_share=share,
            containment=contained,
            common_threat=common,
            capability=capability,
            hostility=hostility,
        )
