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


def containment(western_coop: np.ndarray, aim: np.ndarray) -> np.ndarray:
    """How contained each challenger feels by the western pairs' cooperation.

    Args:
        western_coop: (W, P, D) cooperation of the western pairs per domain.
        aim: (W, D, K) how much each domain's cooperation is aimed at each challenger.

    Returns:
        (W, K): mean over pairs of the aim-weighted average intensity.
    """
    weighted = np.einsum("wpd,wdk->wpk", western_coop, aim)
    norm = np.maximum(aim.sum(axis=1), 1e-12)[:, None, :]
    return (weighted / norm).mean(axis=1)


def domain_aim(relevance: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """(W, D, K) relevance of each domain to what each challenger is doing."""
    return np.einsum("wda,wka->wdk", relevance, activity)


def activity_target(assertiveness: np.ndarray, pushback: np.ndarray, contained: np.ndarray) -> np.ndarray:
    """Target activity (W, A) of one challenger: its profile raised by pushback."""
    return np.clip(assertiveness * (1.0 + pushback * contained)[:, None], 0.0, 1.0)


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
        noise_sd: (W,) standard deviation of random variation.
        episode_rate: (W, A) base chance per quarter of an episode per channel.
        episode_size: (W,) jump of a channel in an episode, as a share of room below 1.
        normal: (W, A) standard normal draws, or None for a deterministic step.
        uniform: (W, A) uniform draws for episodes, or None for the deterministic
            (mean-field) step, in which each channel moves by the expected episode jump.

    Returns:
        New activity (W, A) in [0, 1] and a boolean (W, A) array of episodes.
    """
    moved = current + adjust[:, None] * (target - current)
    if normal is not None:
        moved = moved + noise_sd[:, None] * normal
    moved = np.clip(moved, 0.0, 1.0)
    chance = np.clip(episode_rate * (0.5 + current), 0.0, 1.0)
    if uniform is None:
        expected = moved + chance * episode_size[:, None] * (1.0 - moved)
        return np.clip(expected, 0.0, 1.0), np.zeros(current.shape, dtype=bool)
    episodes = uniform < chance
    moved = np.where(episodes, moved + episode_size[:, None] * (1.0 - moved), moved)
    return np.clip(moved, 0.0, 1.0), episodes
