"""ABC calibration: rejection, distance, P1/P2 on mean paths, naive forecasts, scores and the shipped ensemble."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulator.base.calendar import parse_quarter, quarter_label
from simulator.evaluation import abc
from simulator.evaluation.ensemble_files import ENSEMBLE_FOLDER, REQUIRED_KEYS, SAMPLE
from simulator.evaluation.history_fit import OVERALL, TRACKS
from simulator.evaluation.out_of_sample import (
    COMPARABLE,
    MODEL_ONLY,
    POOLED,
    PREDICTED,
    level_scores,
    linear_trend,
    median_level,
    persistence,
    score_table,
)
from simulator.evaluation.validation import History, JapanOnRussia, RunCache
from simulator.inputs.calibration import default_calibration
from simulator.inputs.scenario import load_scenario
from simulator.reports.calibration_report import OUT_OF_SAMPLE_CSV, main, out_of_sample_lines, reject

from .conftest import SCENARIOS

BACKCAST = SCENARIOS / "historical_1991_2024.yaml"


class StubHistory(dict):
    """A coded history given as {track: {year: level}}: just what the ABC code reads of one."""

    def level(self, track: str, year: int) -> int | None:
        return self[track].get(year)


def summary_of(values: Mapping[str, list[tuple[int, float]]], samples: int = 1) -> abc.Summary:
    """A summary whose every track is 0.0 except the given (year, intensity) pairs, for ``samples`` samples."""
    yearly = {t: np.zeros((samples, len(abc.YEARS))) for t in TRACKS}
    for track, pairs in values.items():
        for year, value in pairs:
            yearly[track][:, abc.YEARS.index(year)] = value
    return abc.Summary(yearly, {c.name: np.full(samples, c.direction * 1.0) for c in abc.CONDITIONS})


# -- rejection and distance ----------------------------------------------------------------------


def test_accept_keeps_exactly_the_samples_within_tolerance_that_meet_the_conditions() -> None:
    distances = np.array([0.10, 0.50, 0.5000001, 0.30, 0.0])
    conditions = np.array([True, True, True, False, True])
    assert abc.accept(distances, 0.5, conditions).tolist() == [True, True, False, False, True]
    assert abc.accept(distances, 0.5).tolist() == [True, True, False, True, True]


def test_distance_is_half_overall_error_and_half_pooled_domain_error() -> None:
    history = StubHistory({t: {} for t in TRACKS})
    history[OVERALL] = {2000: 1, 2001: 1, 2002: 2}
    history["cyber"] = {2001: 1, 2002: 2}
    wrong = summary_of({OVERALL: [(2000, 0.3), (2001, 0.3), (2002, 0.3)], "cyber": [(2001, 0.1), (2002, 0.6)]})
    # overall reads 1, 1, 1 against 1, 1, 2: errors 0, 0, 1; cyber reads 0 and 3 against 1 and 2: errors 1, 1.
    assert abc.distance(wrong, history)[0] == pytest.approx((1 / 3 + 1.0) / 2)
    # Up to 2001: overall 0, 0; cyber 1 (2001 only).
    assert abc.distance(wrong, history, through=2001)[0] == pytest.approx((0.0 + 1.0) / 2)
    right = summary_of({OVERALL: [(2000, 0.3), (2001, 0.3), (2002, 0.45)], "cyber": [(2001, 0.3), (2002, 0.5)]})
    assert abc.distance(right, history)[0] == 0.0
    # Gaps are left out: the zero intensity of every uncoded year costs nothing.
    only_domain = StubHistory({t: {} for t in TRACKS})
    only_domain["cyber"] = {2001: 1}
    assert abc.distance(wrong, only_domain)[0] == pytest.approx(1.0)


def test_the_default_tolerance_is_a_quantile_of_the_prior_distances_with_ties_kept() -> None:
    history = StubHistory({t: {} for t in TRACKS})
    history[OVERALL] = {2000: 1, 2001: 1}
    # Ten samples whose overall track reads level 1 in both years (distance 0), in one (0.5) or in none (1);
    # with no domain coded, the distance is the overall track's error alone.
    intensities = [0.3] * 2 + [0.0] * 8
    prior = summary_of({}, samples=10)
    prior.yearly[OVERALL][:, abc.YEARS.index(2000)] = intensities
    prior.yearly[OVERALL][:, abc.YEARS.index(2001)] = [0.3] * 5 + [0.0] * 5
    point = summary_of({OVERALL: [(2000, 0.3), (2001, 0.0)]})
    distances = abc.distance(prior, history)
    assert sorted(distances.tolist()) == [0.0, 0.0, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]
    rejection = reject(prior, point, history, None, None, quantile=0.1)
    assert rejection.tolerance == 0.0 and rejection.count == 2
    # A quantile that falls among tied distances keeps every tied sample.
    rejection = reject(prior, point, history, None, None, quantile=0.3)
    assert rejection.tolerance == 0.5 and rejection.count == 5
    assert rejection.point_distance == 0.5
    # An explicit tolerance overrides the quantile.
    assert reject(prior, point, history, None, 1.0, quantile=0.1).count == 10


def test_conditions_up_to_a_year_use_only_the_checks_that_end_by_then() -> None:
    summary = summary_of({}, samples=3)
    summary.effects["p1_top"][:] = [-1.0, 1.0, 1.0]  # reads 2024
    summary.effects["p2_crimea"][:] = [1.0, 1.0, -1.0]  # reads 2013-2015
    assert abc.conditions_met(summary).tolist() == [False, True, False]
    assert abc.conditions_met(summary, through=2017).tolist() == [True, True, False]
    assert {c.name for c in abc.conditions_used(2017)} == {"p1_low", "p2_crimea"}


def test_mean_path_summary_on_constant_paths() -> None:
    labels = [quarter_label(q) for q in range(parse_quarter("1990Q4"), parse_quarter("2024Q4") + 1)]
    steps = len(labels)
    paths = {s: np.full((2, steps), 0.3) for s in abc.SERIES}
    paths[abc.series_of(OVERALL)][1] = np.linspace(0.1, 0.6, steps)
    summary = abc.mean_path_summary(paths, labels)
    assert summary.yearly["cyber"].shape == (2, 34)
    assert np.allclose(summary.yearly["cyber"], 0.3)
    assert summary.effects["p1_low"][0] == pytest.approx(0.3 - abc.P1_LOW)
    assert summary.effects["p1_rise"][0] == 0.0
    assert summary.effects["p2_crimea"][0] == 0.0
    # A straight line rises by the same amount every quarter: no window is steeper than another.
    assert summary.effects["p1_steepest"][1] == pytest.approx(0.0, abs=1e-12)
    assert summary.effects["p1_top"][1] > 0


def test_mean_path_effects_equal_the_validation_checks_point_estimates() -> None:
    runs = RunCache(SCENARIOS, replicates=3)
    result = runs("historical_1991_2024")
    paths = {s: result.series(s).mean(axis=1)[None, :] for s in abc.SERIES}
    summary = abc.mean_path_summary(paths, result.quarter_labels)
    checks = History().checks(runs) + JapanOnRussia().checks(runs)
    assert [c.claim for c in checks] == [s.claim.split(": ", 1)[1] for s in abc.CONDITIONS]
    for spec, check in zip(abc.CONDITIONS, checks, strict=True):
        assert summary.effects[spec.name][0] == pytest.approx(check.estimate.value, abs=1e-12), spec.name
        assert spec.direction == check.direction


def test_parameters_left_out_of_the_prior() -> None:
    calibration = default_calibration()
    scenario = load_scenario(BACKCAST)
    excluded = abc.excluded_parameters(calibration, scenario)
    chosen = abc.calibrated_parameters(calibration, scenario)
    assert not set(chosen) & set(excluded)
    assert len(chosen) + len(excluded) == len(calibration)
    assert all(p in excluded for p in calibration if calibration[p].unit == "share")
    assert all(p in excluded for p in scenario.parameters)
    assert all(p in excluded for p in abc.ENACTED_SPENDING)
    assert "JPN.spending_base" in chosen and "model.desire_intercept" in chosen
    assert "USA.burden_demand" in chosen  # set only during the temporary first Trump term shock


def test_shrink_and_posterior_table() -> None:
    assert abc.shrink(0.0, 1.0, 0.05, 0.95) == pytest.approx(0.0)
    assert abc.shrink(0.0, 1.0, 0.5, 0.5) == 1.0
    calibration = default_calibration()
    rng = np.random.default_rng(1)
    a, b = "model.desire_intercept", "JPN.deference"
    accepted = pd.DataFrame({a: rng.uniform(-0.2, 0.1, 400), b: rng.uniform(0.45, 0.55, 400)})
    table = abc.posterior_table(accepted, calibration, [a, b])
    assert table.parameter.tolist() == [b, a]
    assert table.shrink.iloc[0] > 0.8 and abs(table.shrink.iloc[1]) < 0.1


# -- naive forecasts and scores ------------------------------------------------------------------


def test_persistence_and_linear_trend_with_rounding_clipping_and_fallback() -> None:
    history = StubHistory({t: {} for t in TRACKS})
    history["cyber"] = {2014: 1, 2015: 1, 2016: 2, 2017: 2, 2018: 0}
    history["space"] = {2017: 3}
    years = list(PREDICTED)
    assert persistence(history, "cyber", years).tolist() == [2.0] * 7  # 2018 lies after the cut: not used
    # Line 1.5 + 0.4 (year - 2015.5): 2.5, 2.9, 3.3, 3.7, 4.1, 4.5, 4.9 -> halves to even, clipped at 4.
    assert linear_trend(history, "cyber", years).tolist() == [2.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0]
    assert linear_trend(history, "space", years).tolist() == [3.0] * 7  # one coded year: persistence
    assert persistence(history, "maritime", years) is None
    assert linear_trend(history, "maritime", years) is None
    history["crisis_management"] = {2014: 3, 2015: 2, 2016: 1, 2017: 1}
    assert linear_trend(history, "crisis_management", years).min() == 0.0


def test_scores_on_constructed_forecasts() -> None:
    history = StubHistory({t: {} for t in TRACKS})
    history[OVERALL] = dict.fromkeys(range(2010, 2018), 1) | dict.fromkeys(PREDICTED, 2)
    history["space"] = {2023: 2, 2024: 2}  # no coded year to 2017: model only
    n = len(PREDICTED)
    forecasts = {
        "right": {OVERALL: np.full(n, 2.0), "space": np.full(n, 2.0)},
        "low": {OVERALL: np.full(n, 1.0), "space": None},
        "ensemble": {OVERALL: np.stack([np.full(n, 2.0), np.full(n, 0.0)])},
    }
    table = score_table(forecasts, history).set_index(["forecast", "track", "scope"])
    right = table.loc[("right", OVERALL, COMPARABLE)]
    assert (right.coded, right.agreement, right.within_one, right.mae) == (7, 1.0, 1.0, 0.0)
    low = table.loc[("low", POOLED, COMPARABLE)]
    assert (low.agreement, low.within_one, low.mae) == (0.0, 1.0, 1.0)
    ensemble = table.loc[("ensemble", OVERALL, COMPARABLE)]
    assert (ensemble.agreement, ensemble.within_one, ensemble.mae) == (0.5, 0.5, 1.0)
    space = table.loc[("right", "space", MODEL_ONLY)]
    assert space.coded == 2
    assert ("low", "space", MODEL_ONLY) not in table.index
    assert level_scores("x", "t", COMPARABLE, np.array([1.0, np.nan]), np.array([2.0, 1.0])).coded == 1
    assert median_level(np.array([[0.0, 1.0], [2.0, 1.0], [3.0, 4.0], [1.0, 4.0]])).tolist() == [1.0, 1.0]


# -- the shipped ensemble ------------------------------------------------------------------------


def test_shipped_ensemble_is_consistent() -> None:
    table = pd.read_csv(ENSEMBLE_FOLDER / "calibrated.csv")
    meta = yaml.safe_load((ENSEMBLE_FOLDER / "calibrated.yaml").read_text(encoding="utf-8"))
    calibration = default_calibration()
    assert all(k in meta for k in REQUIRED_KEYS)
    assert table.columns[0] == SAMPLE and table[SAMPLE].tolist() == list(range(len(table)))
    parameters = list(table.columns[1:])
    assert parameters == abc.calibrated_parameters(calibration, load_scenario(BACKCAST))
    for path in parameters:
        values = table[path].to_numpy()
        assert (values >= calibration[path].low).all() and (values <= calibration[path].high).all(), path
        assert meta["parameters"][path]["prior_low"] == calibration[path].low
        assert meta["parameters"][path]["prior_high"] == calibration[path].high
    assert meta["accepted"] == len(table) > 0
    assert meta["acceptance_rate"] == pytest.approx(meta["accepted"] / meta["prior_samples"])
    assert meta["tolerance"] > 0 and meta["replicates_per_sample"] >= 1


def test_tiny_end_to_end_run_writes_both_files(tmp_path: Path) -> None:
    docs, ensembles = tmp_path / "docs", tmp_path / "ensembles"
    argv = ["--scenarios", str(SCENARIOS), "--docs", str(docs), "--ensembles", str(ensembles)]
    status = main([*argv, "--samples", "6", "--replicates", "2", "--tolerance", "4", "--workers", "1"])
    assert status == 0
    table = pd.read_csv(ensembles / "calibrated.csv")
    meta = yaml.safe_load((ensembles / "calibrated.yaml").read_text(encoding="utf-8"))
    assert meta["prior_samples"] == 6 and meta["replicates_per_sample"] == 2
    assert meta["accepted"] == len(table) >= 1
    assert (docs / "calibration.md").is_file() and (docs / OUT_OF_SAMPLE_CSV).is_file()
    assert (docs / "img" / "calibration_backcast.png").stat().st_size > 0
    lines = out_of_sample_lines(docs=docs)
    assert lines[0].startswith("### Out of sample") and any("persistence" in line for line in lines)
    # The held-out calibration uses only the conditions that end by 2017, and says so.
    page = " ".join((docs / "calibration.md").read_text(encoding="utf-8").split())
    assert "up to 2017 with the conditions that end by then (P1: low before 2010; P2: Japan reacts to Crimea" in page
