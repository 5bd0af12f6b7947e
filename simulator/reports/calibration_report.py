"""Writes the calibrated ensemble and ``docs/calibration.md`` from real runs (``make calibrate``).

One sweep does everything: the prior samples (a Latin hypercube over the documented ranges of
the calibrated parameters) each run the backcast with a few replicates, in lockstep
(:mod:`simulator.evaluation.abc_runs`). From those runs:

1. **ABC rejection on the whole coded history** (:mod:`simulator.evaluation.abc`): a sample is
   accepted when its distance to the coded levels is at most the shipped point calibration's
   (same replicates and random numbers) and its mean path satisfies P1 and P2. The accepted
   samples are shipped as ``simulator/data/ensembles/calibrated.csv`` with their provenance in
   ``calibrated.yaml`` (:mod:`simulator.evaluation.ensemble_files`).
2. **The out-of-sample check** (:mod:`simulator.evaluation.out_of_sample`): the same rejection on
   the coded years up to 2017 (and the P1/P2 checks that end by then), whose accepted samples
   predict 2018–2024, scored against persistence, a linear trend and, labelled in-sample, the
   point calibration.

The page, its out-of-sample table (``docs/calibration_out_of_sample.csv``, which
:func:`out_of_sample_lines` turns into Markdown for other pages) and two figures are written
atomically; the sweep folder lives in a temporary folder. Run it as
``python -m simulator.reports.calibration_report``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.base.errors import UserError
from simulator.evaluation import abc
from simulator.evaluation.abc import Summary
from simulator.evaluation.abc_runs import PriorRuns, backcast_file, point_summary, run_prior
from simulator.evaluation.ensemble_files import ENSEMBLE_FOLDER, code_commit, write_ensemble
from simulator.evaluation.history_fit import (
    CUT_POINTS,
    TRACKS,
    coded_history,
    coded_levels,
    observed_level,
    track_label,
)
from simulator.evaluation.out_of_sample import (
    COMPARABLE,
    MODEL_ONLY,
    POOLED,
    PREDICTED,
    THROUGH,
    model_forecasts,
    naive_forecasts,
    score_table,
)
from simulator.inputs.calibration import default_calibration
from simulator.inputs.history import CodedHistory
from simulator.inputs.scenario import load_scenario
from simulator.presentation.calibration_plots import plot_posterior_backcast, plot_shrink
from simulator.storage.output import write_text_atomically

MODULE = "simulator.reports.calibration_report"
ENSEMBLE = "calibrated"
OUT_OF_SAMPLE_CSV = "calibration_out_of_sample.csv"
BACKCAST_FIGURE = "img/calibration_backcast.png"
SHRINK_FIGURE = "img/calibration_shrink.png"
SHOWN_SHRUNK = 15
"""Parameters drawn in the shrink figure."""
OUT_OF_SAMPLE = f"ABC to {THROUGH}"
IN_SAMPLE_POINT = "point calibration (in-sample)"
IN_SAMPLE_ABC = "ABC on the whole history (in-sample)"
FORECAST_ORDER = (
    f"{OUT_OF_SAMPLE}, median level",
    f"{OUT_OF_SAMPLE}, per sample",
    "persistence",
    "linear trend",
    IN_SAMPLE_POINT,
    f"{IN_SAMPLE_ABC}, median level",
)


@dataclass
class Settings:
    """Sizes of the calibration (stated on the page and in the ensemble's provenance).

    Attributes:
        samples: Prior samples (Latin hypercube points).
        replicates: Replicates per sample (and of the point calibration's comparison run).
        workers: Worker processes (None: all cores).
        tolerance: Distance at or below which a sample is accepted; None takes the ``quantile``
            of the prior samples' distances (for the out-of-sample step, of their distances up to 2017).
        quantile: Share of the prior nearest to the history that sets the tolerance when none is given.
    """

    samples: int = 15_000
    replicates: int = 4
    workers: int | None = None
    tolerance: float | None = None
    quantile: float = 0.01


@dataclass(frozen=True)
class Rejection:
    """One ABC rejection over the prior runs.

    Attributes:
        through: Last coded year used (None: all).
        distances: Every prior sample's distance.
        conditions: Whether each sample meets the P1/P2 conditions used.
        tolerance: The acceptance tolerance.
        point_distance: The point calibration's distance on the same targets.
        point_conditions: Whether the point calibration meets those conditions.
        accepted: Mask of the accepted samples.
    """

    through: int | None
    distances: np.ndarray
    conditions: np.ndarray
    tolerance: float
    point_distance: float
    point_conditions: bool
    accepted: np.ndarray

    @property
    def count(self) -> int:
        """Number of accepted samples."""
        return int(self.accepted.sum())

    @property
    def rate(self) -> float:
        """Accepted share of the prior samples."""
        return self.count / len(self.accepted)


def reject(
    prior: Summary,
    point: Summary,
    history: CodedHistory,
    through: int | None,
    tolerance: float | None,
    quantile: float = Settings.quantile,
) -> Rejection:
    """ABC rejection of the prior samples on the coded history up to ``through``.

    The tolerance, unless given, is the ``quantile`` of the prior's distances (Beaumont, Zhang &
    Balding 2002): the accepted share is then chosen in advance, trading the approximation's
    closeness against the size of the sample it leaves, and does not depend on how well the
    hand-tuned point happens to fit. Samples tied at the tolerance are all kept.
    """
    distances = abc.distance(prior, history, through=through)
    conditions = abc.conditions_met(prior, through=through)
    point_distance = float(abc.distance(point, history, through=through)[0])
    tol = float(np.quantile(distances, quantile)) if tolerance is None else float(tolerance)
    return Rejection(
        through=through,
        distances=distances,
        conditions=conditions,
        tolerance=tol,
        point_distance=point_distance,
        point_conditions=bool(abc.conditions_met(point, through=through)[0]),
        accepted=abc.accept(distances, tol, conditions),
    )


@dataclass
class Measurements:
    """Everything the ensemble files and the page are built from."""

    settings: Settings
    prior: PriorRuns
    point: Summary
    full: Rejection
    held_out: Rejection
    posterior: pd.DataFrame
    chance: float
    scores: pd.DataFrame
    excluded: dict[str, str]
    seconds: float
    machine: str
    commit: str
    created: str
    coded_track_years: int
    point_seconds: float
    """Wall time of the point calibration's run: one separate model call of one sample, for comparison."""

    @property
    def accepted(self) -> pd.DataFrame:
        """The accepted samples of the whole-history ABC (design rows)."""
        return self.prior.design[self.full.accepted].reset_index(drop=True)


def measure(scenarios: Path, settings: Settings, work: Path) -> Measurements:
    """Run the prior, the point calibration, both rejections and the out-of-sample scores."""
    started = time.perf_counter()
    scenario_file = backcast_file(scenarios)
    history = coded_history()
    prior = run_prior(scenario_file, settings.samples, settings.replicates, work / "prior", workers=settings.workers)
    point_started = time.perf_counter()
    point = point_summary(scenario_file, settings.replicates)
    point_seconds = time.perf_counter() - point_started
    full = reject(prior.summary, point, history, None, settings.tolerance, settings.quantile)
    held_out = reject(prior.summary, point, history, THROUGH, settings.tolerance, settings.quantile)
    for rejection in (full, held_out):
        if not rejection.count:
            years = "the whole history" if rejection.through is None else f"the history to {rejection.through}"
            raise UserError(
                f"no prior sample was accepted on {years} (tolerance {rejection.tolerance:.3f}); "
                "draw more samples (--samples), or accept a larger share (--quantile) or a wider --tolerance"
            )
    calibration = default_calibration()
    accepted = prior.design[full.accepted]
    posterior = abc.posterior_table(accepted, calibration, prior.parameters)
    chance = abc.chance_shrink(prior.design, calibration, prior.parameters, full.count)
    index = [abc.YEARS.index(y) for y in PREDICTED]
    forecasts: dict[str, dict[str, Any]] = {
        **model_forecasts(prior.summary.take(held_out.accepted), OUT_OF_SAMPLE),
        **naive_forecasts(history),
        IN_SAMPLE_POINT: {t: observed_level(point.yearly[t][0, index]).astype(float) for t in TRACKS},
        f"{IN_SAMPLE_ABC}, median level": model_forecasts(prior.summary.take(full.accepted), IN_SAMPLE_ABC)[
            f"{IN_SAMPLE_ABC}, median level"
        ],
    }
    scores = score_table(forecasts, history)
    machine = f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    coded = sum(int((~np.isnan(abc.coded_matrix(history, t))).sum()) for t in TRACKS if t in history)
    return Measurements(
        settings=settings,
        prior=prior,
        point=point,
        full=full,
        held_out=held_out,
        posterior=posterior,
        chance=chance,
        scores=scores,
        excluded=abc.excluded_parameters(calibration, load_scenario(scenario_file)),
        seconds=time.perf_counter() - started,
        machine=machine,
        commit=code_commit(Path(__file__).resolve().parents[2]),
        created=datetime.date.today().isoformat(),
        coded_track_years=coded,
        point_seconds=point_seconds,
    )


# -- the ensemble's provenance -------------------------------------------------------------------

METHOD = "ABC rejection (approximate Bayesian computation) on the historical backcast 1991-2024"
DISTANCE = (
    "mean absolute level error: each track's yearly mean intensity (mean over the year's quarters and the "
    "sample's replicates) read as a level 0-4 through the cut points "
    + "/".join(f"{c:.2f}" for c in CUT_POINTS)
    + " and compared with the coded level in every coded track-year; the mean of two parts, the overall track's "
    "error and the error pooled over the nine domains' coded years"
)


def targets_text(measured: Measurements) -> str:
    """The calibration targets in words."""
    return (
        f"the coded level of EU-Japan security cooperation in {measured.coded_track_years} coded track-years "
        "1991-2024 (overall and nine domains, simulator/data/history.yaml), and patterns P1 and P2 "
        "(docs/validation.md) measured on each sample's mean path as conditions"
    )


def provenance(measured: Measurements) -> dict[str, Any]:
    """The content of ``calibrated.yaml``."""
    s, prior, full = measured.settings, measured.prior, measured.full
    tolerance_text = (
        f"the {s.quantile:.0%} quantile of the prior samples' distances"
        if s.tolerance is None
        else "given on the command line"
    )
    return {
        "method": METHOD,
        "targets": targets_text(measured),
        "distance": DISTANCE,
        "conditions": [c.claim for c in abc.conditions_used(None)],
        "tolerance": round(full.tolerance, 6),
        "tolerance_rule": f"accept when distance <= tolerance and every condition holds; tolerance = {tolerance_text}",
        "point_calibration_distance": round(full.point_distance, 6),
        "prior": {
            "kind": "uniform over each parameter's documented range (simulator/data/calibration.yaml)",
            "design": "Latin hypercube (SALib, through the sweep engine's lhs method)",
            "seed": prior.lhs_seed,
            "world_seed": prior.seed,
        },
        "prior_samples": prior.samples,
        "replicates_per_sample": prior.replicates,
        "accepted": full.count,
        "acceptance_rate": full.count / prior.samples,
        "shrink_definition": (
            "1 - (p95 - p05) / (0.9 * (prior_high - prior_low)): how much the central 90% range narrowed from the "
            "uniform prior's; 0 = not at all, 1 = to a point"
        ),
        "chance_shrink": round(measured.chance, 4),
        "commit": measured.commit,
        "created": measured.created,
        "generator": f"python -m {MODULE}",
        "excluded": dict(sorted(_exclusion_counts(measured.excluded).items())),
        "held_at_point_values": measured.excluded,
        "parameters": {
            row.parameter: {
                "prior_low": row.prior_low,
                "prior_high": row.prior_high,
                "p05": round(row.p05, 6),
                "p50": round(row.p50, 6),
                "p95": round(row.p95, 6),
                "shrink": round(row.shrink, 4),
            }
            for row in measured.posterior.sort_values("parameter", key=_file_order(measured)).itertuples()
        },
    }


def _file_order(measured: Measurements) -> Any:
    order = {p: i for i, p in enumerate(measured.prior.parameters)}
    return lambda column: column.map(order)


def _exclusion_counts(excluded: dict[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in excluded.values():
        key = reason.split(":")[0].split(" (")[0].split(";")[0]
        counts[key] = counts.get(key, 0) + 1
    return counts


# -- the page ------------------------------------------------------------------------------------


def _num(value: float, digits: int = 3) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _share(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:.0%}"


def out_of_sample_lines(scores: pd.DataFrame | None = None, *, docs: Path = Path("docs")) -> list[str]:
    """The out-of-sample section as Markdown lines (a level-3 heading, the tables and what they show).

    Args:
        scores: The score table of :func:`simulator.evaluation.out_of_sample.score_table`; None
            reads ``docs/calibration_out_of_sample.csv`` as ``make calibrate`` last wrote it, so
            that another page can include the section without rerunning the calibration.
        docs: Where that CSV is.

    Raises:
        UserError: if ``scores`` is None and the CSV is missing.
    """
    if scores is None:
        path = docs / OUT_OF_SAMPLE_CSV
        if not path.is_file():
            raise UserError(f"no {path}; run `make calibrate` first")
        scores = pd.read_csv(path)
    pooled = scores[(scores.track == POOLED) & (scores.scope == COMPARABLE)].set_index("forecast")
    comparable = [t for t in TRACKS if ((scores.track == t) & (scores.scope == COMPARABLE)).any()]
    model_only = [t for t in TRACKS if ((scores.track == t) & (scores.scope == MODEL_ONLY)).any()]
    first, last = PREDICTED[0], PREDICTED[-1]
    out = [
        f"### Out of sample: calibrated to {THROUGH}, predicting {first}–{last}",
        "",
        f"Scored on the {int(pooled.coded.iloc[0])} coded track-years {first}–{last} of the tracks that have a coded",
        f"year up to {THROUGH} ({', '.join(track_label(t) for t in comparable)}), so that every forecast is scored on",
        "the same years. *Per sample* is the average score of one accepted sample (a draw from the posterior),",
        "*median level* scores the median of the samples' levels. Rows marked in-sample had the whole history in",
        "view and are shown for scale, not as evidence.",
        "",
        "| Forecast | Track-years | Agreement | Within one level | Mean absolute level error |",
        "|---|---|---|---|---|",
    ]
    for name in [f for f in FORECAST_ORDER if f in pooled.index]:
        row = pooled.loc[name]
        out.append(
            f"| {name} | {int(row.coded)} | {_share(row.agreement)} | {_share(row.within_one)} | {_num(row.mae, 2)} |"
        )
    per_track = scores[scores.track.isin(comparable)].pivot(index="track", columns="forecast", values="mae")
    names = [f for f in FORECAST_ORDER if f in per_track.columns]
    out += [
        "",
        "Mean absolute level error per track:",
        "",
        "| Track | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for track in comparable:
        out.append(f"| {track_label(track)} | " + " | ".join(_num(per_track.loc[track, n], 2) for n in names) + " |")
    if model_only:
        only = scores[(scores.track == POOLED) & (scores.scope == MODEL_ONLY)].set_index("forecast")
        name = FORECAST_ORDER[0]
        if name in only.index:
            row = only.loc[name]
            out += [
                "",
                f"{', '.join(track_label(t) for t in model_only)}: no coded year up to {THROUGH}, so no naive "
                "forecast; they are left out of the comparison. The out-of-sample median level on their "
                f"{int(row.coded)} coded "
                f"track-years: agreement {_share(row.agreement)}, within one level {_share(row.within_one)}, mean "
                f"absolute error {_num(row.mae, 2)}.",
            ]
    model = pooled.loc[FORECAST_ORDER[0]] if FORECAST_ORDER[0] in pooled.index else None
    naive = pooled.loc[[n for n in ("persistence", "linear trend") if n in pooled.index]]
    if model is not None and not naive.empty:
        best = float(naive.mae.min())
        verdict = (
            "beats"
            if model.mae < best - 1e-9
            else ("ties with" if abs(model.mae - best) <= 1e-9 else "does worse than")
        )
        out += [
            "",
            f"On the comparable track-years the out-of-sample median forecast {verdict} the better naive forecast "
            f"(mean absolute level error {_num(model.mae, 2)} against {_num(best, 2)}).",
        ]
    if FORECAST_ORDER[0] in per_track.columns and "persistence" in per_track.columns:
        better = [t for t in comparable if per_track.loc[t, FORECAST_ORDER[0]] < per_track.loc[t, "persistence"]]
        worse = [t for t in comparable if per_track.loc[t, FORECAST_ORDER[0]] > per_track.loc[t, "persistence"]]
        history = coded_history()
        moved = {t for t in comparable if len({history.level(t, y) for y in (THROUGH, *PREDICTED)} - {None}) > 1}
        sentence = (
            f"Per track, the out-of-sample median forecast beats persistence on "
            f"{_listing([track_label(t) for t in better])} and loses on {_listing([track_label(t) for t in worse])}."
        )
        if better and worse and set(better) <= moved and not set(worse) & moved:
            sentence += (
                f" It wins exactly where the coded level moved after {THROUGH} and loses where it stayed: a forecast "
                "that never moves is right wherever nothing happened, and the model's misses there repeat its level "
                "errors in the years it was calibrated on."
            )
        out += ["", sentence]
    out += [
        "",
        "What this cannot exclude: the model's structure and the backcast's dated events after "
        f"{THROUGH} (the 2018 partnership agreements, the 2022 invasion, the 2023–2024 arrangements) were written "
        "with the whole history known. The events are forcing, as in any hindcast: only the parameters were "
        "chosen blind to the years predicted.",
    ]
    return out


def _listing(names: Sequence[str]) -> str:
    """Names as prose: 'a', 'a and b', 'a, b and c'; 'no track' when empty."""
    if not names:
        return "no track"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _parameter_table(measured: Measurements) -> list[str]:
    out = [
        "| Parameter | Point value | Prior range | Posterior 5% | Median | 95% | Shrink |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in measured.posterior.itertuples():
        out.append(
            f"| `{row.parameter}` | {row.value:g} | [{row.prior_low:g}, {row.prior_high:g}] | {row.p05:.3g} | "
            f"{row.p50:.3g} | {row.p95:.3g} | {row.shrink:.2f} |"
        )
    return out


def _rejection_sentence(rejection: Rejection, prior: PriorRuns) -> str:
    within = rejection.distances <= rejection.tolerance
    failing = within & ~rejection.conditions
    used = abc.conditions_used(rejection.through)
    by_condition = []
    for spec in used:
        n = int((within & (spec.direction * prior.summary.effects[spec.name] <= 0)).sum())
        if n:
            by_condition.append(f"{spec.claim} {n:,}")
    reason = f" (failing: {'; '.join(by_condition)})" if by_condition else ""
    return (
        f"{int(within.sum()):,} of {len(within):,} prior samples come within the tolerance; {int(failing.sum()):,} of "
        f"them fail a condition{reason}, which leaves {rejection.count:,} accepted ({rejection.rate:.2%})."
    )


def _point_sentence(rejection: Rejection) -> str:
    """Where the hand-tuned point calibration's fit lies among the prior samples'."""
    better = float(np.mean(rejection.distances < rejection.point_distance))
    kept = "meets" if rejection.point_conditions else "does not meet"
    inside = "within" if rejection.point_distance <= rejection.tolerance else "outside"
    return (
        f"its distance is {rejection.point_distance:.3f} (same replicates and random numbers), {inside} the "
        f"tolerance; {better:.0%} of the prior samples fit the coded history more closely. It {kept} the "
        "conditions. It was tuned by hand to P1 and P2 before the coded history existed, not to the coded levels."
    )


def build_page(measured: Measurements) -> str:
    """The Markdown text of docs/calibration.md."""
    s, prior, full, held = measured.settings, measured.prior, measured.full, measured.held_out
    counts = _exclusion_counts(measured.excluded)
    shrunk = measured.posterior[measured.posterior.shrink > measured.chance]
    top = measured.posterior.head(5)
    per_sample = prior.seconds / prior.samples
    ratio = measured.point_seconds / per_sample
    distance_quantiles = np.quantile(full.distances, [0.05, 0.5])
    out = [
        "# Calibration by approximate Bayesian computation",
        "",
        f"Generated by `python -m {MODULE}` (`make calibrate`) from real runs; do not edit by hand. The accepted",
        f"samples are shipped as `simulator/data/ensembles/{ENSEMBLE}.csv` with their provenance in `{ENSEMBLE}.yaml`;",
        f"`eujsim run --ensemble {ENSEMBLE}` runs a scenario over them.",
        "",
        "## Method",
        "",
        "- **Question**: which combinations of the uncertain parameters, each anywhere in its documented range, let",
        "  the backcast (`scenarios/historical_1991_2024.yaml`) reproduce the coded history most closely while",
        "  keeping the patterns P1 and P2?",
        "- **Method**: rejection ABC. Draw prior samples, run the backcast for each, keep the samples within the",
        "  tolerance that satisfy the conditions; the kept samples are a sample of the approximate posterior.",
        f"- **Prior**: uniform over the documented range of each of the {len(prior.parameters)} calibrated parameters,",
        f"  drawn as a Latin hypercube of {prior.samples:,} samples (SALib through the sweep engine; LHS seed",
        f"  {prior.lhs_seed}, derived from the backcast's seed {prior.seed}).",
        f"- **Left out** ({len(measured.excluded)} parameters, at their shipped values): "
        + "; ".join(f"{reason} ({n})" for reason, n in sorted(counts.items()))
        + ". Scenario facts are the parameters the backcast sets itself (its 1991 world and the persistent `set`",
        "  effects of its dated events): a sampled value would be overwritten. The enacted spending path is decided",
        "  policy. The spin-up length is a numerical setting; the EU's starting stability describes the 2025 start of",
        "  forward runs, which the backcast would read as 1991. The structural options stay at the calibrated",
        "  structure (docs/validation.md tests the alternatives).",
        f"- **Simulation**: {prior.replicates} replicates per sample; replicate r of every sample and of the point",
        "  calibration draws the same random numbers, so samples differ by their parameters. All samples run in",
        "  lockstep through the sweep engine.",
        f"- **Targets**: {targets_text(measured)}.",
        f"- **Distance**: {DISTANCE}. 0 means every coded year is reproduced; 1 means one level off on average.",
        "- **Conditions** (each on the sample's mean path, as the validation's point estimate): "
        + "; ".join(c.claim for c in abc.conditions_used(None))
        + ".",
        f"- **Tolerance**: {full.tolerance:.3f}, "
        + (
            f"the {s.quantile:.0%} quantile of the prior samples' distances: a sample is accepted when it is among "
            f"the {s.quantile:.0%} of the prior nearest to the coded history (ties at the tolerance included) and "
            "keeps P1 and P2. The share is chosen in advance, as in quantile rejection ABC; a smaller one gives a "
            "closer approximation and a smaller sample."
            if s.tolerance is None
            else "given on the command line."
        ),
        f"- **The point calibration**: {_point_sentence(full)}",
        f"- **Result**: {_rejection_sentence(full, prior)} The prior's distances have median "
        f"{distance_quantiles[1]:.3f} and 5% quantile {distance_quantiles[0]:.3f}.",
        f"- **Runtime**: {measured.seconds:.0f} s in all, of which the prior sweep {prior.seconds:.0f} s "
        f"({per_sample * 1000:.0f} ms per sample of {prior.replicates} replicates) on {measured.machine}, "
        "shared with other work.",
        "",
        "### Why rejection, written here",
        "",
        "pyabc, ELFI and ABCpy are well kept ABC libraries, but they call the simulator one parameter set at a time",
        "(or in small batches through their own parallel back ends) and add sequential refinement that this problem",
        "does not need. This model is vectorised over worlds: one lockstep sweep runs every prior sample with its",
        f"replicates, at {per_sample * 1000:.0f} ms per sample here against {measured.point_seconds * 1000:.0f} ms "
        f"for one separate model call of one sample (the point calibration's run), {ratio:.0f} times faster, and",
        "deterministically for any number of workers. Rejection itself is a distance and a comparison;",
        "`simulator/evaluation/abc.py` holds it and `tests/test_abc.py` checks it on constructed tables.",
        "",
        "## Posterior",
        "",
        f"![Backcast under the calibrated ensemble]({BACKCAST_FIGURE})",
        "",
        "**Shrink** is 1 − (posterior 95% − 5% quantile) / (0.9 × prior width): 0 when the history says nothing",
        "about the parameter, 1 when it pins it down. With only "
        f"{full.count} accepted samples, random subsets of the prior reach a shrink of {measured.chance:.2f} "
        "(95th percentile over subsets and parameters) by chance; "
        f"**{len(shrunk)} of {len(measured.posterior)}** parameters shrink more than that (about "
        f"{0.05 * len(measured.posterior):.0f} would by chance alone). The most shrunk: "
        + ", ".join(
            f"`{r.parameter}` ({r.shrink:.2f}, median {r.p50:.3g} in [{r.prior_low:g}, {r.prior_high:g}])"
            for r in top.itertuples()
        )
        + ".",
        "",
        f"![Prior against posterior of the most-shrunk parameters]({SHRINK_FIGURE})",
        "",
        "Every calibrated parameter, sorted by shrink:",
        "",
        *_parameter_table(measured),
        "",
        "## Out-of-sample check",
        "",
        f"The same prior runs, calibrated only on the coded years up to {THROUGH} with the conditions that end by then",
        "(" + "; ".join(c.claim for c in abc.conditions_used(THROUGH)) + ") and the same tolerance rule on the "
        f"distances up to {THROUGH} ({held.tolerance:.3f}). {_rejection_sentence(held, prior)} Their backcasts predict "
        f"{PREDICTED[0]}–{PREDICTED[-1]}: each sample's yearly mean intensity read as a level (posterior predictive).",
        "",
        *out_of_sample_lines(measured.scores),
        "",
        "## What this shows and does not show",
        "",
        f"- The ensemble is the set of parameter combinations, among {prior.samples:,} drawn from the documented",
        "  ranges, that come nearest to the coded history and keep P1 and P2. It shows how much room the history",
        "  leaves: parameters whose range barely shrinks are not constrained by it, and their spread in the ensemble",
        "  is the prior's.",
        f"- P1's *low before 2010* is read as a mean below {abc.P1_LOW:.2f} (not yet a framework). The first run of",
        "  this calibration read it as below 0.25, found that reading to contradict the coded history (level 1,",
        "  dialogue, from 1991) and rejected nearly every sample that fit the history for that reason alone; the",
        "  reading was changed after those results were seen. docs/validation.md reports the check under both",
        "  readings and docs/TRACE.md logs the change.",
        "- The distance sees levels, not intensities: two samples whose yearly means fall in the same level band fit",
        "  equally well. The coded history has gaps (most domains are coded only from the 2010s), so the early years",
        "  weigh on the overall track alone.",
        f"- With {prior.replicates} replicates per sample the distance carries simulation noise; a sample near the",
        "  tolerance may be accepted or not by chance. Common random numbers keep that noise equal across samples.",
        "- It is an approximate posterior: the tolerance is not small, the prior is the documented ranges taken as",
        "  uniform and independent, and the structural choices, the scenario facts and the observation model's cut",
        "  points are held fixed. It says nothing about parameters left out.",
        "",
    ]
    return "\n".join(out)


# -- writing -------------------------------------------------------------------------------------


def figures(measured: Measurements, docs: Path) -> None:
    """Draw the two figures of the page."""
    history = coded_history()
    prior = measured.prior
    full = prior.summary.take(measured.full.accepted)
    held = prior.summary.take(measured.held_out.accepted)
    tracks = [(t, track_label(t)) for t in TRACKS if t in history]
    (docs / "img").mkdir(parents=True, exist_ok=True)
    plot_posterior_backcast(
        docs / BACKCAST_FIGURE,
        abc.YEARS,
        tracks,
        full.yearly,
        held.yearly,
        PREDICTED,
        {t: measured.point.yearly[t][0] for t in TRACKS},
        coded_levels(history),
        note=(
            f"Yearly mean intensity per track ({prior.replicates} replicates per sample). Blue: the "
            f"{measured.full.count} samples accepted on the whole history. Orange: the {measured.held_out.count} "
            f"samples accepted on the history to {THROUGH}, over the years they predict. A year reads as the coded "
            "level when its line lies "
            "in the grey box; blank years are gaps in the coded history."
        ),
    )
    rows = measured.posterior.head(SHOWN_SHRUNK).to_dict("records")
    plot_shrink(
        docs / SHRINK_FIGURE,
        rows,
        chance=measured.chance,
        note=(
            f"Each row is one parameter's documented range scaled to 0–1 (grey). {measured.full.count} accepted "
            f"samples of {prior.samples:,}; a shrink below {measured.chance:.2f} is within what chance gives."
        ),
    )


def write(measured: Measurements, docs: Path, ensembles: Path) -> None:
    """Write the ensemble files, the out-of-sample table, the page and its figures (files atomically)."""
    write_ensemble(ensembles, ENSEMBLE, measured.accepted, measured.prior.parameters, provenance(measured))
    table = measured.scores.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    write_text_atomically(docs / OUT_OF_SAMPLE_CSV, table)
    figures(measured, docs)
    write_text_atomically(docs / "calibration.md", build_page(measured))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the calibrated ensemble and docs/calibration.md; exit 2 on a usage error."""
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"), help="folder holding the backcast")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="where calibration.md and its figures go")
    parser.add_argument("--ensembles", type=Path, default=ENSEMBLE_FOLDER, help="where calibrated.csv/.yaml go")
    parser.add_argument("--samples", type=int, default=Settings.samples, help="prior samples")
    parser.add_argument("--replicates", type=int, default=Settings.replicates, help="replicates per sample")
    parser.add_argument(
        "--quantile", type=float, default=Settings.quantile, help="share of the prior nearest to the history to accept"
    )
    parser.add_argument("--tolerance", type=float, default=None, help="acceptance distance (overrides --quantile)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    settings = Settings(args.samples, args.replicates, args.workers, args.tolerance, args.quantile)
    try:
        if settings.samples < 2 or settings.replicates < 1:
            raise UserError("--samples must be at least 2 and --replicates at least 1")
        if not 0.0 < settings.quantile <= 1.0:
            raise UserError(f"--quantile {settings.quantile:g} is not a share; give one in (0, 1], e.g. 0.01")
        with tempfile.TemporaryDirectory(prefix="eujsim-calibrate-") as work:
            measured = measure(args.scenarios, settings, Path(work))
    except UserError as exc:
        print(f"calibrate: error: {exc}", file=sys.stderr)
        return 2
    write(measured, args.docs, args.ensembles)
    print(
        f"accepted {measured.full.count} of {measured.prior.samples} prior samples ({measured.full.rate:.2%}); "
        f"wrote {args.ensembles / ENSEMBLE}.csv/.yaml and {args.docs / 'calibration.md'} in {measured.seconds:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
