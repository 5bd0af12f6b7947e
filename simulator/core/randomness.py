"""Per-world random streams.

A world's random numbers come only from its own generator, seeded from the
scenario seed and the world's replicate number. That is what makes a world's
trajectory identical whether it is simulated alone or in a batch of any size,
in any chunk, on any worker. Worlds that share a replicate number across
parameter points share their random numbers (common random numbers), which
makes comparisons between points paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAMS = {"activity_noise": 0, "episodes": 1, "crises": 2}
"""One independent stream per kind of draw, so that quarter q's numbers of each kind
are the same whatever the horizon (a longer run extends, never reshuffles, a shorter one)."""


def world_generator(seed: int, replicate: int, stream: int = 0) -> np.random.Generator:
    """The generator of one kind of draw (``stream``) of world ``replicate`` under ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(replicate), int(stream)])))


@dataclass(frozen=True)
class Draws:
    """Every random number of a batch of worlds, step-major (horizon, W, ...).

    Attributes:
        activity_noise: standard normals for challenger activity, (H, W, K, A).
        episodes: uniforms for challenger episodes, (H, W, K, A).
        crises: uniforms for partners' domestic crises, (H, W, P).
    """

    activity_noise: np.ndarray
    episodes: np.ndarray
    crises: np.ndarray


def predraw(seed: int, replicates: np.ndarray, horizon: int, challengers: tuple[int, int], partners: int) -> Draws:
    """Draw every world's random numbers for the whole horizon from its own streams.

    A world's numbers depend only on (seed, replicate): the same whatever batch it is in,
    and the first quarters' numbers are the same whatever the horizon.
    """
    count = len(replicates)
    noise = np.empty((horizon, count, *challengers))
    episodes = np.empty((horizon, count, *challengers))
    crises = np.empty((horizon, count, partners))
    for w, replicate in enumerate(replicates):
        noise[:, w] = world_generator(seed, replicate, STREAMS["activity_noise"]).standard_normal(
            (horizon, *challengers)
        )
        episodes[:, w] = world_generator(seed, replicate, STREAMS["episodes"]).random((horizon, *challengers))
        crises[:, w] = world_generator(seed, replicate, STREAMS["crises"]).random((horizon, partners))
    return Draws(activity_noise=noise, episodes=episodes, crises=crises)
