"""Shock windows on plots: shaded as the model applies the shock, and placed alike on every time plot.

Verification, not validation: the shading must be the strength profile the simulation used
(:class:`simulator.core.shocks.ShockSchedule`), and a shock must begin at the same quarter
tick on the run, explain and compare plots.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgba

from simulator import run
from simulator.base.calendar import quarter_label
from simulator.core.shocks import ShockSchedule
from simulator.evaluation.compare import compare
from simulator.evaluation.explain import explain
from simulator.inputs.calibration import default_calibration
from simulator.inputs.scenario import scenario_from_dict
from simulator.presentation import compare_plots, explain_plots, plots
from simulator.presentation.shock_windows import FULL_ALPHA, WINDOW_COLOUR, window

SCENARIO = {
    "name": "windows",
    "start": "2025Q1",
    "horizon": 16,
    "replicates": 4,
    "seed": 3,
    "shocks": [
        {"kind": "taiwan_strait_crisis", "name": "Strait crisis", "at": "2026Q1", "ramp": 2, "duration": 3, "decay": 2},
        {"kind": "us_retrenchment", "name": "US pulls back", "at": "2028Q1", "ramp": 1},
    ],
}


def write(tmp_path: Path, data: dict, name: str = "windows.yaml") -> Path:
    import yaml

    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """The run, its explanation and a comparison of the same file, each plot drawn and kept open."""
    folder = tmp_path_factory.mktemp("windows")
    path = write(folder, SCENARIO)
    result = run(path)
    kept: dict[str, plt.Figure] = {}

    def keep(fig, target, **_):
        kept[Path(target).name] = fig

    patches = pytest.MonkeyPatch()
    for module in (plots, explain_plots, compare_plots):
        patches.setattr(module, "save_figure", keep)
    plots.plot_headline(result, folder / "coop_eu_jpn.png", result.twin)
    plots.plot_domain_heatmap(result, folder / "domains_heatmap.png", result.twin)
    plots.plot_threats(result, folder / "threats.png")
    plots.plot_pairs(result, folder / "pairs.png")
    explain_plots.plot_contributions(explain(result), folder / "contributions.png")
    comparison = compare([path, path])
    compare_plots.plot_overlay(comparison, folder / "overlay.png")
    compare_plots.plot_difference(comparison, folder / "difference.png")
    patches.undo()
    yield result, comparison, kept
    plt.close("all")


def onset_lines(ax) -> list[float]:
    """x of the dashed vertical lines (shock onsets) on ``ax``."""
    return sorted(
        float(line.get_xdata()[0])
        for line in ax.lines
        if line.get_linestyle() == "--" and len(set(np.atleast_1d(line.get_xdata()))) == 1
    )


def shaded(ax) -> list[tuple[float, float, float]]:
    """``(left, width, opacity)`` of every shaded quarter on ``ax``."""
    quarters = []
    for collection in ax.collections:
        if isinstance(collection, PatchCollection):
            for path, face in zip(collection.get_paths(), collection.get_facecolors(), strict=True):
                xs = path.vertices[:, 0]
                quarters.append((float(xs.min()), float(xs.max() - xs.min()), float(face[3])))
    return sorted(quarters)


@settings(max_examples=60, deadline=None)
@given(
    ramp=st.integers(0, 6),
    duration=st.one_of(st.none(), st.integers(0, 8)),
    decay=st.integers(0, 6),
    onset=st.integers(0, 10),
)
def test_a_window_is_the_strength_profile_the_model_applies(ramp, duration, decay, onset):
    """Quarter by quarter, the shading's depth is the shock's strength in the simulation."""
    start = 8100
    horizon = 24
    data = {
        "name": "profile",
        "start": quarter_label(start),
        "horizon": horizon,
        "replicates": 1,
        "shocks": [
            {
                "kind": "taiwan_strait_crisis",
                "at": quarter_label(start + onset),
                "magnitude": 1.0,
                "ramp": ramp,
                "duration": duration,
                "decay": decay,
            }
        ],
    }
    scenario = scenario_from_dict(data)
    (shock,) = scenario.shocks
    (track,) = ShockSchedule(scenario, default_calibration(), 1).tracks
    drawn = window(shock, start - 1, float(horizon))
    assert drawn.start == onset  # the end of the quarter before the onset quarter
    simulated = [float(track.strength(step)[0]) for step in range(1, horizon + 1)]
    on_plot = [0.0] * horizon
    for k, strength in enumerate(drawn.strengths):
        on_plot[onset + k] = strength  # quarter k after the onset is step onset + k + 1
    assert on_plot == pytest.approx(simulated, abs=1e-12)


def test_every_time_plot_shades_each_shock_from_its_onset_quarter(drawn):
    """Ramp quarters lighter, full strength darkest, decay fading, a persistent shock to the end."""
    result, _, figures = drawn
    for name in ("coop_eu_jpn.png", "threats.png", "pairs.png", "contributions.png", "domains_heatmap.png"):
        ax = figures[name].axes[0]
        quarters = shaded(ax)
        assert quarters, f"{name}: no shock window shaded"
        # Strait crisis: onset 2026Q1 is x = 4 (end of 2025Q4); ramp 2, 3 at full, decay 2.
        crisis = [(left, depth) for left, _, depth in quarters if 4 <= left < 11]
        depths = [depth for _, depth in crisis[:7]]
        assert depths[0] < depths[1] < depths[2] == depths[3] == depths[4] > depths[5] > depths[6], name
        assert depths[2] == pytest.approx(to_rgba(WINDOW_COLOUR, FULL_ALPHA)[3]), name
        # US pulls back (2028Q1, persistent): shaded to the last quarter.
        assert max(left + width for left, width, _ in quarters) == pytest.approx(result.steps[-1]), name


def test_a_shock_begins_at_the_same_quarter_on_every_plot(drawn):
    """Run, explain and compare plots all start a 2026Q1 shock at the 2025Q4 tick (the end of the quarter before)."""
    result, comparison, figures = drawn
    expected = [quarter_label(s.at - 1) for s in result.scenario.shocks]
    first = min(int(item.recorded[0]) for item in comparison.inputs)  # the overlay's x = 0
    for name in ("coop_eu_jpn.png", "threats.png", "pairs.png", "contributions.png", "overlay.png"):
        xs = onset_lines(figures[name].axes[0])
        if name == "overlay.png":
            quarters = [quarter_label(first + int(x)) for x in xs]
        else:
            quarters = [result.quarter_labels[int(x)] for x in xs]
        assert quarters == expected, name


def test_the_threats_plot_names_its_shocks(drawn):
    """Stacked full-width panels leave room for names above the top one, not numbers and a footnote."""
    result, _, figures = drawn
    texts = [t.get_text() for t in figures["threats.png"].axes[0].texts if t.get_gid() == plots.SHOCK_LABEL_GID]
    assert texts == [s.name for s in result.scenario.shocks]


def test_each_run_plot_with_shocks_explains_its_shading(drawn):
    _, _, figures = drawn
    for name in ("coop_eu_jpn.png", "threats.png", "pairs.png", "contributions.png", "domains_heatmap.png"):
        notes = " ".join(t.get_text() for legend in figures[name].legends for t in legend.get_texts())
        assert "when each shock acts" in notes, name


def test_a_comparison_shades_a_shock_its_scenarios_share_once_in_grey(drawn):
    _, comparison, figures = drawn
    ax = figures["overlay.png"].axes[0]
    colours = {
        tuple(np.round(face[:3], 3))
        for c in ax.collections
        if isinstance(c, PatchCollection)
        for face in c.get_facecolors()
    }
    assert colours == {tuple(np.round(to_rgba(compare_plots.SHARED_SHOCK)[:3], 3))}
    assert all(item.shocks for item in comparison.inputs)


def test_a_sweep_group_whose_points_differ_in_duration_shows_only_the_onset(tmp_path):
    """The group's worlds do not share one window, so none is shaded."""
    from simulator.evaluation.compare import _point_shocks
    from simulator.sweeps.experiment import load_experiment

    scenario = write(tmp_path, SCENARIO)
    experiment_file = tmp_path / "e.yaml"
    experiment_file.write_text(
        f"name: e\nscenario: {scenario.name}\nreplicates: 2\nmethod: grid\nparameters:\n"
        "  shock.Strait crisis.duration: {values: [2, 6]}\nmetrics: [coop_EU_JPN:final]\n",
        encoding="utf-8",
    )
    experiment = load_experiment(experiment_file)
    (factor,) = experiment.factors
    rows = [{factor.name: 2.0}, {factor.name: 6.0}]
    crisis = next(s for s in _point_shocks(experiment, rows) if s.name == "Strait crisis")
    assert (crisis.ramp, crisis.duration, crisis.decay) == (0, 0, 0)
    (single,) = [s for s in _point_shocks(experiment, rows[:1]) if s.name == "Strait crisis"]
    assert single.duration == 2


def test_a_comparison_hatches_the_differences_too_small_to_matter(drawn):
    """The same file twice differs by nothing: the plot must show that nothing inside the strip, not zoom onto it."""
    _, _, figures = drawn
    ax = figures["difference.png"].axes[0]
    strips = [p for p in ax.patches if p.get_hatch() == plots.TOO_SMALL_STRIP["hatch"]]
    assert len(strips) == 1
    low, high = ax.get_ylim()
    assert low <= -2 * plots.SMALLEST_INDEX_EFFECT and high >= 2 * plots.SMALLEST_INDEX_EFFECT
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("too small to matter" in name for name in names)


def test_a_crowded_plot_shades_only_the_shocks_that_end_and_lighter():
    """Above CROWDED shocks, lasting windows keep their line only and the rest are shaded at CROWDED_ALPHA."""
    from simulator.presentation.shock_windows import CROWDED, CROWDED_ALPHA, ShockWindow, shade_windows

    ending, lasting = ShockWindow(0.0, (1.0,)), ShockWindow(2.0, (1.0,), lasting=True)
    _, ax = plt.subplots()
    try:
        shade_windows(ax, [ending] * CROWDED + [lasting])
        (patches,) = [c for c in ax.collections if isinstance(c, PatchCollection)]
        assert len(patches.get_paths()) == CROWDED  # the lasting window is left out
        assert patches.get_facecolors()[0][3] == pytest.approx(CROWDED_ALPHA)
        _, uncrowded = plt.subplots()
        shade_windows(uncrowded, [ending, lasting], depth=0.5)
        (few,) = [c for c in uncrowded.collections if isinstance(c, PatchCollection)]
        assert len(few.get_paths()) == 2
        assert few.get_facecolors()[0][3] == pytest.approx(FULL_ALPHA * 0.5)
    finally:
        plt.close("all")
