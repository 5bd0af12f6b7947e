"""Structural uncertainty: do the validated patterns depend on the model's structural choices?

Three choices of docs/ODD.md are switchable per world (§7.15), each through a calibrated
parameter of unit ``share`` whose value 0 is the calibrated structure and 1 the alternative:

- ``model.settlement_mean_share``: cooperation moves toward the mean of the two desires
  instead of the lower one (bargaining instead of weakest link);
- ``model.threat_union_share``: a challenger's overall threat is the probabilistic union of
  its channel readings instead of the largest;
- ``model.desire_multiplicative_share``: constraint-type terms scale the drivers of desire
  down instead of subtracting from them.

:func:`structural_table` evaluates every pattern of :mod:`simulator.evaluation.validation`
under each variant (one option at 1, the others at 0), with the patterns' own checks and
their own pass rule (the 95% bootstrap interval over replicates wholly on the claimed side of
zero). A pattern that passes in every variant does not hinge on these choices; one that fails
in a variant does, and the ODD should say so. The weights were calibrated in the calibrated
structure and are not refitted for the alternatives, so a failure measures the structure as
calibrated, not the best the alternative could do.

Example (from a notebook)::

    from simulator.evaluation.structural import structural_table, pass_matrix
    table = structural_table(replicates=30)
    pass_matrix(table)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from simulator.evaluation.validation import PATTERNS, Pattern, RunCache

STRUCTURAL_OPTIONS: dict[str, str] = {
    "settlement_mean": "model.settlement_mean_share",
    "threat_union": "model.threat_union_share",
    "desire_multiplicative": "model.desire_multiplicative_share",
}
"""Each structural variant's name and the parameter that switches it on (docs/ODD.md §7.15)."""

CALIBRATED = "calibrated"
"""The variant with every option at 0: the model the patterns are validated on."""

COLUMNS = ("pattern", "check", "variant", "effect", "low", "high", "direction", "passed", "substantive")


def variants(*, include_calibrated: bool = True) -> dict[str, dict[str, float]]:
    """Parameter overrides of each variant: one option at 1 and the others at 0.

    Every option is named explicitly, so a variant means the same whatever a scenario file
    sets. The calibrated variant (all at 0) comes first when included, as the reference.

    Args:
        include_calibrated: Also return the calibrated structure.
    """
    out: dict[str, dict[str, float]] = {}
    if include_calibrated:
        out[CALIBRATED] = dict.fromkeys(STRUCTURAL_OPTIONS.values(), 0.0)
    for name, chosen in STRUCTURAL_OPTIONS.items():
        out[name] = {path: 1.0 if path == chosen else 0.0 for path in STRUCTURAL_OPTIONS.values()}
    return out


def structural_table(
    patterns: Sequence[Pattern] = PATTERNS,
    *,
    folder: Path = Path("scenarios"),
    replicates: int = 30,
    include_calibrated: bool = True,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Every check of every pattern under every structural variant.

    Each variant runs the scenario files the patterns need with its overrides on top (the
    patterns' own extra overrides, such as P4's deference points, still apply), so within a
    variant shock scenarios stay paired with the baseline by replicate, as in validation.

    Args:
        patterns: The patterns to evaluate (default all ten).
        folder: Folder holding the scenario files.
        replicates: Replicates per scenario run; the intervals are over these.
        include_calibrated: Also evaluate the calibrated structure, as the reference.
        progress: Called with each variant's name before it runs (e.g. ``print``).

    Returns:
        One row per variant, pattern and check, in that order: ``pattern`` (P1…P10), ``check``
        (the claim), ``variant``, ``effect`` (mean over replicates), ``low``/``high`` (95%
        bootstrap interval), ``direction`` (+1 if the claim is that the effect is positive, -1
        if negative), ``passed`` (the interval lies wholly on the claimed side of zero) and
        ``substantive`` (it also clears the check's smallest effect that matters).
    """
    rows: list[dict[str, object]] = []
    for variant, overrides in variants(include_calibrated=include_calibrated).items():
        if progress:
            progress(variant)
        runs = RunCache(folder, replicates, overrides)
        for pattern in patterns:
            for check in pattern.evaluate(runs).checks:
                rows.append(
                    {
                        "pattern": pattern.code,
                        "check": check.claim,
                        "variant": variant,
                        "effect": check.estimate.value,
                        "low": check.estimate.low,
                        "high": check.estimate.high,
                        "direction": check.direction,
                        "passed": check.passed,
                        "substantive": check.substantive,
                    }
                )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def pass_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Checks (rows, in table order) by variants (columns): whether each check passes.

    Args:
        table: The result of :func:`structural_table`.
    """
    order = list(dict.fromkeys(zip(table["pattern"], table["check"], strict=True)))
    matrix = table.pivot(index=["pattern", "check"], columns="variant", values="passed")
    return matrix.loc[order, list(dict.fromkeys(table["variant"]))]


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, one row per check and variant, effects to four decimals.

    Args:
        table: The result of :func:`structural_table`.
    """
    lines = [
        "| pattern | check | variant | effect | 95% interval | pass |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"| {row.pattern} | {row.check} | {row.variant} | {row.effect:+.4f} | "
            f"[{row.low:+.4f}, {row.high:+.4f}] | {'pass' if row.passed else 'FAIL'} |"
        )
    return "\n".join(lines)
