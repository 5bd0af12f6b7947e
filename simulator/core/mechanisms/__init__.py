"""The model's mechanisms as pure array functions.

Each module holds one mechanism of the process overview (docs/ODD.md §3). The
functions take and return NumPy arrays with a leading world axis and never touch
model state, so each can be unit-tested alone and the agents stay small.
"""

import numpy as np


def per_world(share: np.ndarray, ndim: int) -> np.ndarray:
    """A (W,) share shaped to broadcast against an array of ``ndim`` dimensions with a leading world axis."""
    return share.reshape(share.shape + (1,) * (ndim - 1))


def blend(base: np.ndarray, alternative: np.ndarray | float, share: np.ndarray) -> np.ndarray:
    """``(1 - s)·base + s·alternative`` in the worlds whose structural-option share s is above 0, ``base`` elsewhere.

    The structural options (docs/ODD.md §7.15) each blend the calibrated form toward an
    alternative this way; worlds at s = 0 keep ``base`` exactly.

    Args:
        base: (W, ...) the calibrated form.
        alternative: The alternative form, broadcasting against ``base``.
        share: (W,) weight of the alternative in each world.
    """
    s = per_world(share, base.ndim)
    return np.where(s > 0, (1.0 - s) * base + s * alternative, base)
