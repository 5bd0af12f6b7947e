"""Series held at one number in every world and quarter are named apart, never presented as results.

The rule (``simulator.runs.constants``) is checked on made-up series first: a constant, a series
that moves by less than any summary shows, missing values. Then on real runs: the baseline's
cross-camp pairs sit at their agreement floor, and every output (the summary, its table,
pairs.png, compare, explain, the report) must set them apart; a run in which they move (the
rivalry mechanism switched off) must put them back among the results without any list of pairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.figure import Figure

import simulator
from simulator.core.structure import PAIRS
from simulator.evaluation.compare import compare
from simulator.evaluation.explain import explain
from simulator.inputs.scenario import Scenario
from simulator.presentation import compare_plots, explain_plots, plots
from simulator.presentation.labels import constant_lines, pair_label
from simulator.reports.report import build_report
from simulator.runs import results as results_module
from simulator.runs.constants import (
    CONSTANT_TOLERANCE,
    HeldConstant,
    agreement_floors,
    constant_value,
    held_constant,
    held_constant_pairs,
    moving_pairs,
)
from simulator.runs.results import RunResult, biggest_movers
from simulator.runs.run_folder import open_run
from simulator.runs.runner import resolve, simulate

from .conftest import SCENARIOS, cli_error, eujsim

BASELINE = SCENARIOS / "baseline.yaml"
RETRENCHMENT = SCENARIOS / "us_retrenchment.yaml"
FLOOR_LINE = "Held constant at their agreement floor in every world and quarter (not results): "


# -- the rule on made-up series ------------------------------------------------------------------


def test_one_number_everywhere_is_a_constant():
    assert constant_value(np.full((41, 5), 0.029)) == pytest.approx(0.029, abs=0)
    assert constant_value(np.zeros((3, 2))) == 0.0


def test_a_series_that_moves_by_less_than_any_summary_prints_still_moves():
    """The backcast's EU–Russia cooperation moves by about 1e-4: invisible at two decimals, but not a constant."""
    values = np.full((41, 5), 0.029)
    values[17, 3] += 1e-6
    assert constant_value(values) is None
    values[17, 3] = 0.029 + CONSTANT_TOLERANCE / 2
    assert constant_value(values) == pytest.approx(0.029 + CONSTANT_TOLERANCE / 4, abs=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_missing_or_infinite_value_is_never_vouched_for(bad):
    values = np.full((10, 3), 0.5)
    values[4, 1] = bad
    assert constant_value(values) is None
    assert constant_value(np.full((4, 2), np.nan)) is None


def test_no_values_is_no_constant():
    assert constant_value(np.empty((0, 3))) is None


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=6), elements=finite))
def test_a_constant_is_exactly_a_spread_within_the_tolerance(values):
    value = constant_value(values)
    spread = float(values.max() - values.min())
    assert (value is not None) == (spread <= CONSTANT_TOLERANCE)
    if value is not None:
        assert np.all(np.abs(values - value) <= CONSTANT_TOLERANCE)


@given(finite, st.integers(1, 6), st.integers(1, 6))
def test_any_number_repeated_is_that_constant(number, steps, worlds):
    assert constant_value(np.full((steps, worlds), number)) == number


@dataclass
class FakeRun:
    """A run made up series by series: just what the rule reads."""

    scenario: Scenario
    data: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.data)

    def series(self, variable: str) -> np.ndarray:
        return self.data[variable]


def test_the_rule_names_constants_and_their_floor_from_the_data_not_a_list():
    scenario = resolve(BASELINE)
    floors = agreement_floors(scenario)
    moving = np.linspace(0.3, 0.4, 41)[:, None] * np.ones((1, 4))
    run = FakeRun(scenario, {f"coop_{pair}": moving.copy() for pair in PAIRS})
    run.data["coop_EU_CHN"] = np.full((41, 4), floors["EU_CHN"])  # at its floor
    run.data["coop_CHN_RUS"] = np.full((41, 4), 0.5)  # constant, but no floor explains it
    run.data["coop_USA_CHN"] = np.full((41, 4), floors["USA_CHN"])
    run.data["coop_USA_CHN"][40, 0] += 1e-4  # moves a hair: a result
    run.data["threat_EU_CHN"] = np.full((41, 4), 0.4)  # not a pair

    found = {c.series: c for c in held_constant_pairs(run)}
    assert set(found) == {"coop_EU_CHN", "coop_CHN_RUS"}
    assert found["coop_EU_CHN"].at_floor and found["coop_EU_CHN"].value == pytest.approx(floors["EU_CHN"])
    assert not found["coop_CHN_RUS"].at_floor
    assert "EU_CHN" not in moving_pairs(run) and "USA_CHN" in moving_pairs(run)
    assert [c.series for c in held_constant(run)] == ["coop_EU_CHN", "coop_CHN_RUS", "threat_EU_CHN"]


def test_the_words_separate_the_floor_from_other_constants():
    lines = constant_lines(
        [
            HeldConstant("coop_EU_RUS", 0.0, True),
            HeldConstant("coop_EU_CHN", 0.029, True),
            HeldConstant("coop_CHN_RUS", 0.5, False),
        ]
    )
    assert lines == [
        FLOOR_LINE + "EU–China 0.029, EU–Russia 0",
        "Held constant in every world and quarter (not a result): China–Russia 0.5",
    ]
    assert constant_lines([HeldConstant("coop_USA_CHN", 0.0145, True)]) == [
        "Held constant at its agreement floor in every world and quarter (not a result): US–China 0.0145"
    ]
    assert constant_lines([]) == []


# -- a real run -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory) -> tuple[Path, str]:
    """``eujsim run scenarios/baseline.yaml`` with three replicates: the folder and what it printed."""
    out = tmp_path_factory.mktemp("constants") / "baseline"
    status, printed, err = eujsim("run", BASELINE, "--replicates", 3, "--out", out)
    assert status == 0, err
    return out, printed


def constants_in(timeseries: pd.DataFrame) -> dict[str, float]:
    """The pairs whose column holds one number, measured directly on the saved table."""
    found = {}
    for pair in PAIRS:
        column = timeseries[f"coop_{pair}"]
        if column.max() - column.min() == 0:
            found[pair] = float(column.iloc[0])
    return found


def test_the_baseline_summary_names_its_constant_pairs_apart_from_the_movers(baseline_run):
    out, printed = baseline_run
    timeseries = pd.read_csv(out / "timeseries.csv")
    assert {f"coop_{pair}" for pair in PAIRS} <= set(timeseries.columns), "every pair keeps its column"
    constants = constants_in(timeseries)
    assert set(constants) == {f"{a}_{b}" for a in ("EU", "JPN", "USA") for b in ("CHN", "RUS", "PRK")}

    saved = (out / "summary.txt").read_text(encoding="utf-8")
    assert saved.strip() in printed, "the folder keeps the summary the command printed"
    [line] = [line.strip() for line in saved.splitlines() if "Held constant" in line]
    assert line.startswith(FLOOR_LINE)
    named = dict(item.rsplit(" ", 1) for item in line.removeprefix(FLOOR_LINE).split(", "))
    assert set(named) == {pair_label(pair) for pair in constants}
    for pair, value in constants.items():
        assert float(named[pair_label(pair)]) == pytest.approx(value, rel=1e-3, abs=1e-12)

    [movers] = [line for line in saved.splitlines() if "Largest changes since" in line]
    assert not any(pair_label(pair) in movers for pair in constants)


def test_the_summary_table_flags_exactly_the_constant_series(baseline_run):
    """The pairs across the camps, and North Korea's coercion, which it has none of (ODD §4.9)."""
    out, _ = baseline_run
    summary = pd.read_csv(out / "summary.csv")
    flagged = set(summary.loc[summary["held_constant"], "variable"])
    timeseries = pd.read_csv(out / "timeseries.csv").drop(columns=["replicate", "step", "quarter"])
    assert flagged == {c for c in timeseries.columns if timeseries[c].max() - timeseries[c].min() == 0}
    assert flagged - {f"coop_{pair}" for pair in constants_in(timeseries)} == {"activity_PRK_coercion"}
    per_variable = summary.groupby("variable")["held_constant"].nunique()
    assert (per_variable == 1).all(), "a variable is flagged on all its rows or none"


def test_a_folder_read_back_finds_the_same_constants(baseline_run):
    """Six saved digits keep a constant constant, and its floor recognised."""
    out, _ = baseline_run
    folder = open_run(out)
    fresh = simulate(folder.scenario, replicates=folder.replicates)
    saved = [(c.series, c.at_floor) for c in folder.held_constant_pairs]
    assert saved == [(c.series, c.at_floor) for c in fresh.held_constant_pairs]
    for old, new in zip(folder.held_constant_pairs, fresh.held_constant_pairs, strict=True):
        assert old.value == pytest.approx(new.value, rel=1e-5, abs=1e-12)


def capture(draw, source, name: str = "pairs.png") -> Figure:
    """The figure ``draw(source, path)`` would save, laid out as saved."""
    kept: list[Figure] = []

    def keep(fig: Figure, path: Path | str, **_: object) -> None:
        plots.layout(fig)
        fig.canvas.draw()
        kept.append(fig)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plots, "save_figure", keep)
        patch.setattr(compare_plots, "save_figure", keep)
        patch.setattr(explain_plots, "save_figure", keep)
        draw(source, Path(name))
    return kept[-1]


def figure_note(fig: Figure) -> str:
    """The text of the notes under a figure (see ``plots.note_below``), one line."""
    notes = [legend for legend in fig.legends if legend.get_gid() == plots.KEY_BELOW_GID]
    return " ".join(t.get_text() for legend in notes for t in legend.get_texts()).replace("\n", " ")


def drawn_pairs(fig: Figure) -> list[str]:
    """The pair names in the legend of pairs.png."""
    legend = fig.axes[0].get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


@pytest.fixture(scope="module")
def baseline_result() -> RunResult:
    return simulator.run(BASELINE, replicates=3)


def test_pairs_plot_draws_only_pairs_that_move_and_says_which_it_left_out(baseline_run, baseline_result):
    out, _ = baseline_run
    assert (out / "plots" / "pairs.png").stat().st_size > 0
    fig = capture(plots.plot_pairs, baseline_result)
    try:
        constant = {c.series.removeprefix("coop_") for c in baseline_result.held_constant_pairs}
        assert set(drawn_pairs(fig)) == {pair_label(p) for p in PAIRS if p not in constant}
        for line in fig.axes[0].lines:
            if line.get_label() in drawn_pairs(fig):
                assert np.ptp(line.get_ydata()) > 0, f"{line.get_label()} drawn as a flat line"
        note = figure_note(fig)
        assert note.startswith("Not drawn, held constant at their agreement floor in every world and quarter")
        assert all(pair_label(p) in note for p in constant)
        assert not any(pair_label(p) in note for p in PAIRS if p not in constant), "a mover named as left out"
        assert "Cooperation of the pairs that move" in fig.axes[0].get_title()
    finally:
        plt.close(fig)


def test_biggest_movers_never_rank_a_constant_even_without_a_threshold(baseline_result, monkeypatch):
    monkeypatch.setattr(results_module, "MOVER_THRESHOLD", -1.0)
    ranked = [name for name, _ in biggest_movers(baseline_result, count=100)]
    constant = {c.series for c in baseline_result.held_constant_pairs}
    assert constant and not constant & set(ranked)
    assert "coop_EU_JPN" in ranked


# -- when the model lets the pairs move ------------------------------------------------------------


def test_pairs_that_move_after_a_model_change_are_results_again():
    """Without the rivalry term the cross-camp pairs rise off their floors: nothing is left out."""
    result = simulate(resolve(BASELINE, replicates=3), ablate=frozenset({"rivalry"}))
    assert result.held_constant_pairs == []
    assert "Held constant" not in result.text_summary()
    assert not result.summary["held_constant"][result.summary["variable"].str.startswith("coop_")].any()
    fig = capture(plots.plot_pairs, result)
    try:
        assert set(drawn_pairs(fig)) == {pair_label(p) for p in PAIRS}
        # only what the bands hold and the caption every run plot ends with; no pair left out
        assert figure_note(fig) == f"{plots.band_note(result)} {plots.run_caption(result)}"
    finally:
        plt.close(fig)


def test_the_floor_is_read_from_the_runs_own_parameters():
    """Doubling EU–China agreement coverage doubles its floor: the summary says 0.058, at the floor."""
    result = simulator.run(BASELINE, replicates=2, set={"EU_CHN.agreement": 0.2})
    found = {c.series: c for c in result.held_constant_pairs}
    assert found["coop_EU_CHN"].value == pytest.approx(0.058)
    assert found["coop_EU_CHN"].at_floor
    assert "EU–China 0.058" in result.text_summary()


# -- compare, explain and the report -------------------------------------------------------------------


def test_comparing_a_constant_reports_no_difference_and_draws_none(tmp_path):
    out = tmp_path / "cmp"
    argv = ["compare", BASELINE, RETRENCHMENT, "--metric", "coop_EU_CHN", "--replicates", 2, "--out", out]
    status, printed, err = eujsim(*argv)
    assert status == 0, err
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "is held constant at its agreement floor in every world and quarter of every compared scenario" in summary
    assert "difference to baseline (90% interval)" not in summary, "no table of zero differences"
    assert summary.strip() in printed
    assert (out / "plots" / "overlay.png").exists()
    assert not (out / "plots" / "difference.png").exists()
    manifest = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert set(manifest["held_constant"]) == {"baseline", "us_retrenchment"}
    assert len(pd.read_csv(out / "table.csv")) == 10, "the table keeps its rows for programs that read it"

    report = build_report(out)
    assert "held constant at its agreement floor in every world and quarter of every compared scenario" in report
    assert "did not move" in report or "no movement to explain" in report


def test_a_constant_in_one_input_only_is_named_beside_a_real_difference(tmp_path):
    moving = simulate(resolve(BASELINE, replicates=2), ablate=frozenset({"rivalry"}))
    moving.save(tmp_path / "no_rivalry", plots=False)
    comparison = compare([BASELINE, tmp_path / "no_rivalry"], metric="coop_EU_CHN")
    assert set(comparison.held_constant) == {"baseline"}
    assert not comparison.constant_everywhere
    assert any("held constant in every world and quarter of 'baseline'" in note for note in comparison.notes)
    assert "difference to baseline (90% interval)" in comparison.text()
    fig = capture(compare_plots.plot_overlay, comparison, "overlay.png")
    try:
        assert "'baseline'" in figure_note(fig)
    finally:
        plt.close(fig)


def test_explaining_a_constant_says_there_is_nothing_to_explain(baseline_result):
    explanation = explain(baseline_result, metric="coop_EU_CHN")
    [text] = explanation.sentences
    assert text.startswith("EU–China cooperation is held constant at its agreement floor in every world and quarter")
    assert "What moved it most" not in explanation.text()
    assert np.allclose(explanation.parts[-1].sum(axis=-1), 0, atol=1e-12), "its parts cancel exactly"
    fig = capture(lambda e, p: e.plot(p), explanation, "contributions.png")
    try:
        assert "did not move" in fig.axes[0].get_title()
        assert "held constant" in figure_note(fig)
    finally:
        plt.close(fig)
    assert explain(baseline_result).held_constant is None, "EU–Japan cooperation moves"


def test_the_run_report_lists_the_constants_apart(baseline_run):
    out, _ = baseline_run
    report = build_report(out)
    assert "held constant at their agreement floor in every world and quarter (not results)" in report
    assert "EU–China 0.029" in report


def test_a_damaged_constant_entry_in_a_comparison_is_one_line(tmp_path):
    out = tmp_path / "cmp"
    status, _, err = eujsim(
        "compare", BASELINE, RETRENCHMENT, "--metric", "coop_EU_CHN", "--replicates", 1, "--no-plots", "--out", out
    )
    assert status == 0, err
    manifest = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    manifest["held_constant"] = {"baseline": 0.029}
    (out / "compare.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert "held_constant entry" in cli_error("report", out)
