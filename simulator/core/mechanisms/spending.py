"""Partners' defence effort: enacted policy paths, threat, hedging, fiscal limits.

Japan's spending follows its enacted build-up ("to increase the defence budget
to 2% of GDP by 2027, reaching 1.6% of GDP in 2024", Niquet 2024) and can exceed
it when threat or fear of US abandonment push harder; no partner can sustain
more than its fiscal cap ("only Poland can realistically reach Trump's push for
five per cent spending", Büyükarslan 2025).
"""

from __future__ import annotations

import numpy as np


def policy_path(
    year: float,
    base: np.ndarray,
    decision_year: np.ndarray,
    start: np.ndarray,
    start_year: np.ndarray,
    end: np.ndarray,
    end_year: np.ndarray,
) -> np.ndarray:
    """Enacted spending floor (% of GDP) at decimal ``year``, per world.

    Flat at ``base`` before the decision, linear to ``start`` at ``start_year``, linear
    to ``end`` at ``end_year``, flat afterwards.
    """
    first = base + (start - base) * np.clip((year - decision_year) / np.maximum(start_year - decision_year, 1e-9), 0, 1)
    second = start + (end - start) * np.clip((year - start_year) / np.maximum(end_year - start_year, 1e-9), 0, 1)
    return np.where(year < start_year, first, second)


def abandonment_fear(reliance: np.ndarray, commitment: np.ndarray) -> np.ndarray:
    """Reliance on the guarantor times the commitment it does not deliver."""
    return reliance * (1.0 - commitment)


def spending_target(
    floor: np.ndarray,
    base: np.ndarray,
    threat_response: np.ndarray,
    threat: np.ndarray,
    hedge_response: np.ndarray,
    fear: np.ndarray,
    fiscal_cap: np.ndarray,
    *,
    reference_threat: np.ndarray | float = 0.0,
    reference_fear: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Spending a partner moves toward: threat- and hedge-driven, not below the enacted floor, capped.

    ``base`` is what the partner spends with no threat or fear beyond the references. A partner
    without an enacted path has references 0, so all of its threat and fear count. For Japan,
    ``base`` is the enacted path and the references are the readings the path answers: the
    December 2022 decision priced in the threat and the doubts about Washington of its time, so
    only a threat or an abandonment fear beyond those lifts the effort above the path ("Japan is
    set to accelerate its defence spending ... to mitigate the risks of an isolationist US
    foreign policy", Büyükarslan 2025).
    """
    extra_threat = np.maximum(threat - reference_threat, 0.0)
    extra_fear = np.maximum(fear - reference_fear, 0.0)
    wanted = base + threat_response * extra_threat + hedge_response * extra_fear
    return np.minimum(np.maximum(wanted, floor), np.maximum(fiscal_cap, floor))


def next_spending(current: np.ndarray, target: np.ndarray, rate: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Partial adjustment toward the target, never below the enacted floor."""
    return np.maximum(current + rate * (target - current), floor)
