"""US commitment per theatre: baseline, response to threat, burden-sharing pressure.

The guarantor's commitment to a theatre rises with the threat it reads there and
falls with its allies' spending shortfall against its demand ("As Trump pushes
for military spending for NATO members, the renewed presidency could force the
EU and Japan to recalibrate their security strategies", Büyükarslan 2025).
"""

from __future__ import annotations

import numpy as np


def burden_shortfall(demand: np.ndarray, ally_spending: np.ndarray) -> np.ndarray:
    """(W, theatres) shortfall of each theatre's ally against its demand (W, theatres), as a share of it."""
    return np.clip((demand - ally_spending) / np.maximum(demand, 1e-9), 0.0, 1.0)


def commitment_target(
    baseline: np.ndarray,
    threat_response: np.ndarray,
    theatre_threat: np.ndarray,
    burden_sensitivity: np.ndarray,
    shortfall: np.ndarray,
) -> np.ndarray:
    """(W, theatres) commitment the guarantor moves toward."""
    raw = baseline + threat_response[:, None] * theatre_threat - burden_sensitivity[:, None] * shortfall
    return np.clip(raw, 0.0, 1.0)


def adjust_toward(current: np.ndarray, target: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Partial adjustment: close ``rate`` of the gap (rate has shape (W,))."""
    r = rate.reshape(rate.shape + (1,) * (current.ndim - rate.ndim))
    return current + r * (target - current)
