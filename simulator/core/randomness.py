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
ENSEMBLE_STREAM = 3
"""Stream of the permutations that give worlds their rows of a parameter ensemble
(:func:`ensemble_rows`); keyed by a block of replicates, not by one world, and apart from
every world's own streams, so that using an ensemble changes no world's random numbers."""


def ensemble_rows(seed: int, replicates: np.ndarray, samples: int) -> np.ndarray:
    """The ensemble row of each replicate: a function of (seed, replicate number) for ``samples`` rows.

    Replicates are cut into blocks of ``samples`` consecutive numbers; block ``k`` takes a
    permutation of the rows drawn from (seed, k), and replicate ``r`` the row at position
    ``r mod samples`` of its block's permutation. So every block of ``samples`` replicates
    uses each row exactly once (a stratified draw, which spreads a run over the whole ensemble
    with less noise than draws with replacement), and a replicate's row depends neither on how
    many replicates run nor on which batch it is in: replicate r of two scenarios with the same
    seed gets the same row, and paired comparisons stay paired.
    """
    numbers = np.asarray(replicates, dtype=np.int64)
    blocks, positions = np.divmod(numbers, samples)
    rows = np.empty(len(numbers), dtype=np.int64)
    for block in np.unique(blocks):
        permutation = world_generator(seed, int(block), ENSEMBLE_STREAM).permutation(samples)
        chosen = blocks == block
        rows[chosen] = permutation[positions[chosen]]
    return rows


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
    and the first quarters' numbers are the same whatever the horizon. So each distinct
    replicate number is drawn once and copied to the worlds that share it: a sweep chunk of
    many points with R replicates each seeds 3R generators, not three per world.
    """
    numbers = np.asarray(replicates, dtype=np.int64)
    distinct, position = np.unique(numbers, return_inverse=True)
    noise = np.empty((horizon, len(distinct), *challengers))
    episodes = np.empty((horizon, len(distinct), *challengers))
    crises = np.empty((horizon, len(distinct), partners))
    for w, replicate in enumerate(distinct):
        noise[:, w] = world_generator(seed, replicate, STREAMS["activity_noise"]).standard_normal(
            (horizon, *challengers)
        )
        episodes[:, w] = world_generator(seed, replicate, STREAMS["episodes"]).random((horizon, *challengers))
        crises[:, w] = world_generator(seed, replicate, STREAMS["crises"]).random((horizon, partners))
    if len(distinct) == len(numbers) and np.array_equal(distinct, numbers):
        return Draws(activity_noise=noise, episodes=episodes, crises=crises)
    return Draws(
        activity_noise=np.take(noise, position, axis=1),
        episodes=np.take(episodes, position, axis=1),
        crises=np.take(crises, position, axis=1),
    )
