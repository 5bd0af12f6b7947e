"""Per-world random streams.

A world's random numbers come only from its own generator, seeded from the
scenario seed and the world's replicate number. That is what makes a world's
trajectory identical whether it is simulated alone or in a batch of any size,
in any chunk, on any worker. Worlds that share a replicate number across
parameter points share their random numbers (common random numbers), which
makes comparisons between points paired.
"""

from __future__ import annotations

import numpy as np


def world_generator(seed: int, replicate: int) -> np.random.Generator:
    """The generator of world ``replicate`` under base ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(replicate)])))


def predraw(seed: int, replicates: np.ndarray, horizon: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Draw every world's noise and episode uniforms for the whole horizon.

    Returns:
        ``(normal, uniform)``, each of shape (horizon, W, *shape), step-major so one
        quarter's draws are a contiguous slice.
    """
    count = len(replicates)
    normal = np.empty((horizon, count, *shape))
    uniform = np.empty((horizon, count, *shape))
    for w, replicate in enumerate(replicates):
        rng = world_generator(seed, int(replicate))
        normal[:, w] = rng.standard_normal((horizon, *shape))
        uniform[:, w] = rng.random((horizon, *shape))
    return normal, uniform
