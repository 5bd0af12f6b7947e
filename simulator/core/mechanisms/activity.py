"""Challenger activity: assertiveness, pushback against containment, noise, episodes.

Challengers keep a baseline activity profile (their assertiveness per channel)
and raise all of it in proportion to how contained they feel: "closer EU-Japan
ties may provoke pushback from China and Russia, both of whom view such
alignments as part of a broader containment strategy" (Büyükarslan 2025).
Discrete episodes (a missile test, a coercion episode) are drawn each quarter with
a chance that grows with current activity and push the channel up at once.
"""

from __future__ import annotations

import numpy as np

NOISE_CUT = 2.0
"""Activity noise draws are cut at this many standard deviations, symmetrically.

A symmetric cut keeps the noise's mean at zero, and with the spread capped at the room to
the nearer bound divided by this cut (:func:`next_activity`) no draw can carry a channel
past 0 or 1, so nothing is clipped and the noise cannot shift a channel's mean. Cutting a
standard normal at two standard deviations keeps 96% of its standard deviation.
"""


def containment(western_coop: np.ndarray, share: np.ndarray) -> np.ndarray:
    """How contained each challenger feels by the cooperation of the western pairs aimed at it.

    Each domain's cooperation counts toward a challenger by the share of the domain's aim that
    falls on that challenger, relative to an even split among the challengers. A challenger
    therefore reads the western cooperation aimed at it rather than the depth of cooperation in
    the domains it is active in: the latter is set by how soft or hard those domains are and
    reads alike for every challenger. With even shares the reading is the pairs' mean
    intensity; it saturates at 1 when a challenger draws far more than its share of a deep
    cooperation.

    Args:
        western_coop: (W, P, D) cooperation of the western pairs per domain.
        share: (W, D, K) share of each domain's aim directed at each challenger (summing to 1
            over challengers in a domain aimed at any, 0 in a domain aimed at none).

    Returns:
        (W, K): ``min(1, K * mean over pairs and domains of C[p, d] * share[d, k])``.
    """
    n_challengers = share.shape[2]
    directed = np.einsum("wpd,wdk->wk", western_coop, share) / (western_coop.shape[1] * western_coop.shape[2])
    return np.minimum(n_challengers * directed, 1.0)


def domain_aim(relevance: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """(W, D, K) relevance of each domain to what each challenger is doing."""
    return np.einsum("wda,wka->wdk", relevance, activity)


def activity_target(assertiveness: np.ndarray, pushback: np.ndarray, contained: np.ndarray) -> np.ndarray:
    """Target activity (W, A) of one challenger: its profile raised by pushback."""
    return np.clip(assertiveness * (1.0 + pushback * contained)[:, None], 0.0, 1.0)


def activity_noise(moved: np.ndarray, noise_sd: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Zero-mean random variation of activity (W, A) that never needs clipping.

    Noise is there to spread the worlds around the path the mechanisms set, not to move that
    path. Gaussian noise clipped at the bounds would do both: a channel at 0 could only be
    pushed up, so its mean drifted upward out of nothing. Here the spread shrinks with the room
    to the nearer bound and the draws are cut symmetrically at :data:`NOISE_CUT`, so the
    varied activity stays in [0, 1] and its expected value is ``moved`` exactly.

    Args:
        moved: (W, A) activity after adjustment toward its target, in [0, 1].
        noise_sd: (W,) standard deviation away from the bounds (``model.activity_noise``).
        normal: (W, A) standard normal draws.
    """
    room = np.minimum(moved, 1.0 - moved)
    spread = np.minimum(noise_sd[:, None], room / NOISE_CUT)
    return spread * np.clip(normal, -NOISE_CUT, NOISE_CUT)


def next_activity(
    current: np.ndarray,
    target: np.ndarray,
    adjust: np.ndarray,
    noise_sd: np.ndarray,
    episode_rate: np.ndarray,
    episode_size: np.ndarray,
    normal: np.ndarray | None,
    uniform: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """One quarter of a challenger's activity.

    Args:
        current: (W, A) activity now.
        target: (W, A) activity target.
        adjust: (W,) share of the gap closed per quarter.
        noise_sd: (W,) standard deviation of random variation away from the bounds.
        episode_rate: (W, A) base chance per quarter of an episode per channel.
        episode_size: (W,) jump of a channel in an episode, as a share of room below 1.
        normal: (W, A) standard normal draws, or None for a deterministic step.
        uniform: (W, A) uniform draws for episodes, or None for the deterministic
            (mean-field) step, in which each channel moves by the expected episode jump.

    Returns:
        New activity (W, A) in [0, 1] and a boolean (W, A) array of episodes.
    """
    moved = np.clip(current + adjust[:, None] * (target - current), 0.0, 1.0)
    if normal is not None:
        moved = np.clip(moved + activity_noise(moved, noise_sd, normal), 0.0, 1.0)
    chance = np.clip(episode_rate * (0.5 + current), 0.0, 1.0)
    if uniform is None:
        expected = moved + chance * episode_size[:, None] * (1.0 - moved)
        return np.clip(expected, 0.0, 1.0), np.zeros(current.shape, dtype=bool)
    episodes = uniform < chance
    moved = np.where(episodes, moved + episode_size[:, None] * (1.0 - moved), moved)
    return np.clip(moved, 0.0, 1.0), episodes
