"""Approximate Bayesian computation by rejection: which parameter sets reproduce the coded history.

The question is the inverse of a sweep's. Given the coded history of EU–Japan security
cooperation (:mod:`simulator.inputs.history`), which combinations of the uncertain parameters,
each drawn uniformly from its documented plausible range, let the backcast
(``scenarios/historical_1991_2024.yaml``) reproduce it about as well as the hand-tuned point
calibration does? Rejection ABC answers it directly (Pritchard et al. 1999; Beaumont 2010):
draw prior samples, simulate each, keep the samples whose distance to the observations is at
most a tolerance and which satisfy the hard conditions. The kept samples are a sample of the
approximate posterior.

Why written here and not taken from an ABC library. pyabc, ELFI and ABCpy are well kept, but
they drive the simulator one parameter set (particle) at a time, or in small batches through
their own parallel back ends, and add sequential refinement (ABC-SMC) this problem does not
need. The model here is vectorised over worlds: the sweep engine runs every prior sample with
all its replicates as the worlds of a few lockstep models (:mod:`simulator.sweeps.chunks`),
an order of magnitude less time per sample than a separate model call of one sample
(docs/calibration.md gives the measured ratio), and it is
already deterministic across worker counts. What is left, a distance and a comparison with a
tolerance, is a few lines of NumPy, tested in ``tests/test_abc.py``. No library is needed for rejection itself.

This module holds the pure parts, free of any simulation:

* :func:`calibrated_parameters` — which parameters the prior covers, and why the rest are left out;
* :func:`mean_path_summary` — yearly mean intensity per track and the P1/P2 effects, from the
  per-quarter mean paths (mean over replicates) of many samples at once;
* :func:`distance` — the level error against the coded history;
* :func:`accept` — the rejection step;
* :func:`posterior_table` — prior range against posterior quantiles and shrink, per parameter.

:mod:`simulator.evaluation.abc_runs` runs the prior through the sweep engine and
:mod:`simulator.evaluation.ensemble_files` writes the accepted samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.evaluation.history_fit import OVERALL, TRACKS, observed_level, series_of, year_rows
from simulator.evaluation.validation import PATH_PARAMETERS, History
from simulator.inputs.calibration import Calibration
from simulator.inputs.history import FIRST_YEAR, LAST_YEAR, CodedHistory
from simulator.inputs.scenario import Scenario

THREAT_SERIES = "threat_JPN_RUS"
"""The series P2 reads: Japan's threat reading of Russia."""
SERIES = (*(series_of(t) for t in TRACKS), THREAT_SERIES)
"""Every series the ABC needs from a backcast: one per track of the coded history, and P2's."""
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))

ENACTED_SPENDING = PATH_PARAMETERS[1:]
"""Japan's enacted defence-spending path (the 2022 decision and its targets): decided policy, not uncertain."""
NUMERICAL = ("model.spinup_quarters",)
"""Settings of the numerical method, not properties of the world: the spin-up only has to be long enough."""
FORWARD_START = ("EU.stability_start",)
"""Start states of the 2025 forward runs: in the backcast they would mean 1991, so history cannot inform them.

(``JPN.stability_start`` is one too; the backcast sets it, so it is already a scenario fact.)"""
STRUCTURAL_UNIT = "share"
"""The unit of the structural options: switches between model structures, default 0, not calibrated quantities."""

P1_LOW = History.LOW
"""P1's 'low', as :class:`~simulator.evaluation.validation.History` measures it."""


def excluded_parameters(calibration: Calibration, scenario: Scenario) -> dict[str, str]:
    """Every parameter the prior leaves out, with the reason, in calibration file order.

    Args:
        calibration: The calibration table (every parameter with its range).
        scenario: The backcast; the parameters it sets itself are facts of the scenario.
    """
    facts = set(scenario.parameters)
    for shock in scenario.shocks:
        if shock.duration is None:  # a persistent set overrides any sampled value from its onset on
            facts |= {e.target for e in shock.effects if e.op == "set"}
    reasons: dict[str, str] = {}
    for path, param in calibration.items():
        if param.unit == STRUCTURAL_UNIT:
            reasons[path] = "structural option (unit share): a choice of model structure, kept at 0"
        elif path in facts:
            reasons[path] = "scenario fact: the backcast sets it from the sources"
        elif path in ENACTED_SPENDING:
            reasons[path] = "enacted Japanese spending path: decided policy"
        elif path in NUMERICAL:
            reasons[path] = "numerical setting (spin-up length), not a property of the world"
        elif path in FORWARD_START:
            reasons[path] = "start state of the 2025 forward runs; its backcast meaning (1991) differs"
        elif not param.low < param.high:
            reasons[path] = "no range to sample (low equals high)"
    return reasons


def calibrated_parameters(calibration: Calibration, scenario: Scenario) -> list[str]:
    """The parameters the prior covers: every one with a documented range not in :func:`excluded_parameters`."""
    excluded = excluded_parameters(calibration, scenario)
    return [path for path in calibration if path not in excluded]


# -- summaries of a backcast ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionSpec:
    """One hard condition from patterns P1 and P2, measured on a sample's mean path.

    Attributes:
        name: Short key (a column of the effects table).
        claim: The claim in words, as in :mod:`simulator.evaluation.validation`.
        direction: +1 if the effect must be positive, -1 if negative.
        last_year: The last year whose quarters the effect reads (decides whether an
            out-of-sample calibration up to a year may use it).
    """

    name: str
    claim: str
    direction: int
    last_year: int


CONDITIONS = (
    ConditionSpec("p1_low", "P1: low before 2010", -1, 2009),
    ConditionSpec("p1_rise", "P1: rises through the 2010s", 1, 2021),
    ConditionSpec("p1_steepest", "P1: steepest after 2022Q1", 1, 2024),
    ConditionSpec("p1_top", "P1: highest in 2024", 1, 2024),
    ConditionSpec("p2_crimea", "P2: Japan reacts to Crimea (moderately)", 1, 2015),
    ConditionSpec("p2_invasion", "P2: Japan reacts more to the 2022 invasion than to Crimea", 1, 2023),
)
"""The checks of :class:`~simulator.evaluation.validation.History` (P1) and
:class:`~simulator.evaluation.validation.JapanOnRussia` (P2), each an effect whose sign is claimed."""


@dataclass(frozen=True)
class Summary:
    """What the ABC reads from the backcasts of ``n`` samples.

    Attributes:
        yearly: Per track, an (n, 34) array: yearly mean intensity 1991–2024 (mean over the
            year's quarters and the sample's replicates).
        effects: Per condition of :data:`CONDITIONS`, an (n,) array of the effect on the
            sample's mean path.
    """

    yearly: dict[str, np.ndarray]
    effects: dict[str, np.ndarray]

    @property
    def samples(self) -> int:
        """Number of samples summarised."""
        return len(next(iter(self.yearly.values())))

    def take(self, rows: np.ndarray) -> Summary:
        """The summary of the samples selected by ``rows`` (indices or a boolean mask)."""
        return Summary({k: v[rows] for k, v in self.yearly.items()}, {k: v[rows] for k, v in self.effects.items()})


def mean_path_summary(paths: Mapping[str, np.ndarray], labels: Sequence[str]) -> Summary:
    """Yearly means and P1/P2 effects from per-quarter mean paths.

    The effects are those of the validation patterns computed on the mean over replicates; for
    every check of P1 and P2 that is exactly the point estimate the validation reports (each is
    a mean, a difference of means, or a function of the mean path), which the tests verify.

    Args:
        paths: Per series of :data:`SERIES`, an (n, steps) array: the mean over a sample's
            replicates at each recorded step (step 0 is the quarter before the start).
        labels: The quarter label of each step ("1990Q4", "1991Q1", …).
    """
    labels = list(labels)
    rows = year_rows(labels, what="the paths do")
    yearly = {
        track: np.stack([paths[series_of(track)][:, r].mean(axis=1) for r in rows.values()], axis=1) for track in TRACKS
    }
    coop = paths[series_of(OVERALL)]
    threat = paths[THREAT_SERIES]
    q = labels.index
    before = q("2009Q4")
    early, late, end = q("2010Q1"), q("2021Q4"), q("2024Q4")
    starts = np.arange(1, late - 12 + 1)
    earlier = ((coop[:, starts + 12] - coop[:, starts]) / 12).max(axis=1)
    steepest = (coop[:, end] - coop[:, late]) / (end - late) - earlier
    overall = yearly[OVERALL]
    crimea = threat[:, q("2015Q4")] - threat[:, q("2013Q4")]
    invasion = threat[:, q("2023Q4")] - threat[:, q("2021Q4")]
    effects = {
        "p1_low": coop[:, 1 : before + 1].mean(axis=1) - P1_LOW,
        "p1_rise": coop[:, late] - coop[:, early],
        "p1_steepest": steepest,
        "p1_top": overall[:, -1] - overall[:, :-1].max(axis=1),
        "p2_crimea": crimea,
        "p2_invasion": invasion - crimea,
    }
    return Summary(yearly, effects)


# -- distance and rejection ----------------------------------------------------------------------


def coded_matrix(history: CodedHistory, track: str, *, through: int | None = None) -> np.ndarray:
    """One track's coded level per year 1991–2024 as floats, NaN for a gap or a year after ``through``."""
    return np.array(
        [
            np.nan if (level := history.level(track, y)) is None or (through is not None and y > through) else level
            for y in YEARS
        ],
        dtype=float,
    )


def level_errors(summary: Summary, history: CodedHistory, track: str, *, through: int | None = None) -> np.ndarray:
    """Absolute level errors of one track: an (n, coded years) array of |mapped level − coded level|."""
    coded = coded_matrix(history, track, through=through)
    keep = ~np.isnan(coded)
    mapped = observed_level(summary.yearly[track][:, keep])
    return np.abs(mapped - coded[keep]).astype(float)


def distance(summary: Summary, history: CodedHistory, *, through: int | None = None) -> np.ndarray:
    """Each sample's distance to the coded history: mean absolute level error, half overall, half domains.

    The yearly mean intensity of each track is read as a level through the cut points of
    :mod:`simulator.evaluation.history_fit` and compared with the coded level in every coded
    track-year (up to ``through`` if given). The distance is the mean of two parts: the mean
    absolute error over the ``overall`` track's coded years, and the mean absolute error over
    every coded domain-year pooled. ``overall`` is coded from statements about the relationship
    as a whole, independently of the domains; pooled with the ~150 domain-years on equal terms
    it would count for about a sixth, although it is the one track the sources attest every
    year. A part with no coded year is left out.

    Returns:
        An (n,) array in levels (0 = every coded year reproduced).
    """
    parts = []
    overall = level_errors(summary, history, OVERALL, through=through)
    if overall.shape[1]:
        parts.append(overall.mean(axis=1))
    domains = [level_errors(summary, history, t, through=through) for t in TRACKS if t != OVERALL and t in history]
    pooled = np.concatenate(domains, axis=1) if domains else np.empty((summary.samples, 0))
    if pooled.shape[1]:
        parts.append(pooled.mean(axis=1))
    if not parts:
        raise ValueError(f"no coded year up to {through} to compare with")
    return np.mean(parts, axis=0)


def conditions_met(summary: Summary, *, through: int | None = None) -> np.ndarray:
    """Whether each sample's mean path satisfies every P1/P2 condition that ends by ``through`` (all if None)."""
    ok = np.ones(summary.samples, dtype=bool)
    for spec in conditions_used(through):
        ok &= spec.direction * summary.effects[spec.name] > 0
    return ok


def conditions_used(through: int | None = None) -> tuple[ConditionSpec, ...]:
    """The conditions an ABC on the history up to ``through`` uses: those that read no later year."""
    return tuple(c for c in CONDITIONS if through is None or c.last_year <= through)


def accept(distances: np.ndarray, tolerance: float, conditions: np.ndarray | None = None) -> np.ndarray:
    """Rejection: True for every sample within ``tolerance`` (distance ≤ tolerance) that meets the conditions."""
    kept = np.asarray(distances, dtype=float) <= tolerance
    return kept if conditions is None else kept & np.asarray(conditions, dtype=bool)


# -- the posterior -------------------------------------------------------------------------------

QUANTILES = (0.05, 0.5, 0.95)


def shrink(low: float, high: float, p05: float, p95: float) -> float:
    """How much the central 90% range narrowed: 1 − (posterior p95 − p05) / (0.9 × (high − low)).

    0.9 × (high − low) is the central 90% width of the uniform prior, so 0 means no narrowing,
    1 a point, and a small negative value only sampling noise.
    """
    return 1.0 - (p95 - p05) / (0.9 * (high - low))


def posterior_table(accepted: pd.DataFrame, calibration: Calibration, parameters: Sequence[str]) -> pd.DataFrame:
    """Per parameter: prior range, posterior 5/50/95% quantiles and shrink, sorted by shrink (largest first).

    Args:
        accepted: The accepted samples, one column per parameter.
        calibration: For each parameter's prior range (its documented range).
        parameters: The calibrated parameters.
    """
    rows = []
    for path in parameters:
        p05, p50, p95 = np.quantile(accepted[path].to_numpy(dtype=float), QUANTILES)
        low, high = calibration[path].low, calibration[path].high
        rows.append(
            {
                "parameter": path,
                "value": calibration[path].value,
                "prior_low": low,
                "prior_high": high,
                "p05": float(p05),
                "p50": float(p50),
                "p95": float(p95),
                "shrink": shrink(low, high, float(p05), float(p95)),
            }
        )
    return pd.DataFrame(rows).sort_values("shrink", ascending=False, kind="stable", ignore_index=True)


def chance_shrink(
    design: pd.DataFrame, calibration: Calibration, parameters: Sequence[str], size: int, *, draws: int = 200
) -> float:
    """The shrink random subsets of the prior samples reach by chance: 95th percentile over subsets and parameters.

    A parameter whose shrink lies below this cannot be told apart from one the history says
    nothing about, given only ``size`` accepted samples. The subsets are drawn with a fixed seed.
    """
    if size < 2 or size > len(design):
        return float("nan")
    rng = np.random.default_rng(0)
    values = design[list(parameters)].to_numpy(dtype=float)
    widths = 0.9 * np.array([calibration[p].high - calibration[p].low for p in parameters])
    found = []
    for _ in range(draws):
        p05, p95 = np.quantile(values[rng.choice(len(values), size=size, replace=False)], [0.05, 0.95], axis=0)
        found.append(1.0 - (p95 - p05) / widths)
    return float(np.quantile(np.concatenate(found), 0.95))
