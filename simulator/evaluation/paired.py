"""Paired differences over replicates: a mean, its bootstrap interval and whether it matters.

The ablation table and the shock-response table both compare two runs of one scenario with the
same seed, so replicate r of each receives the same random numbers (docs/ODD.md §7.12) and the
per-replicate difference carries little sampling noise. They both need the same three numbers
per difference (mean and a 95% percentile-bootstrap interval over replicates) and the same
verdict against a smallest effect that matters, so those live here once.

The bootstrap is vectorised (one index matrix, resampled means by fancy indexing) because the
ablation table computes thousands of intervals; the resampling seed is fixed so that a
generated document is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

BOOTSTRAP_DRAWS = 2000
"""Resamples of every bootstrap interval in the evaluation layer (patterns, ablation, shock responses)."""
CONFIDENCE = 0.95
"""Coverage of those intervals."""

Verdict = Literal["material", "negligible", "unclear"]


@dataclass(frozen=True)
class PairedEffect:
    """Mean of per-replicate paired differences with its 95% bootstrap interval.

    Attributes:
        mean: Mean difference over replicates.
        low: Lower end of the 95% percentile-bootstrap interval.
        high: Upper end.
    """

    mean: float
    low: float
    high: float

    def verdict(self, threshold: float) -> Verdict:
        """Whether the effect matters against ``threshold``, the smallest effect that matters.

        ``material``: the interval excludes 0 and the mean is at least ``threshold`` in size, so
        the effect is both real and large enough to matter. ``negligible``: the whole interval
        lies strictly within ±``threshold``, so any effect there may be is too small to matter.
        ``unclear``: neither (too noisy to tell at these replicates).
        """
        excludes_zero = self.low > 0.0 or self.high < 0.0
        if excludes_zero and abs(self.mean) >= threshold:
            return "material"
        if -threshold < self.low and self.high < threshold:
            return "negligible"
        return "unclear"


def paired_effect(differences: np.ndarray, seed: int = 0) -> PairedEffect:
    """Mean and 95% percentile-bootstrap interval of per-replicate differences.

    Args:
        differences: (replicates,) paired differences, one per replicate.
        seed: Seed of the resampling, fixed so that a report is reproducible.
    """
    values = np.asarray(differences, dtype=float)
    n = values.size
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, n, (BOOTSTRAP_DRAWS, n))].mean(axis=1)
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return PairedEffect(mean=float(values.mean()), low=float(low), high=float(high))


def format_effect(mean: float, low: float, high: float, digits: int = 4) -> str:
    """An effect with its interval as text, e.g. ``+0.0123 [+0.0101, +0.0145]``."""
    return f"{mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"
