"""Analysis of sweep folders: index tables, per-point tables and plots, on small real sweeps.

Every sweep here runs the US-retrenchment scenario in this process with two replicates
per point. ``EU_PRK.agreement`` serves as the inert parameter: nothing in EU–Japan
cooperation depends on it, so with common random numbers its Sobol' and Morris indices
are zero to the last digit, while the retrenchment's magnitude moves the outcome.
"""

from __future__ import annotations

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulator.base.errors import UserError
from simulator.sweeps.analysis import INDICES_DIR, PLOTS_DIR, POINT_MEANS_FILE, SweepAnalysis, analyze, safe_name
from simulator.sweeps.chunks import simulate_chunk
from simulator.sweeps.sweep import IncompleteSweepWarning, SweepResult, run_sweep

from .conftest import SCENARIOS

MAGNITUDE = "shock.US retrenchment.magnitude"
INERT = "EU_PRK.agreement"
FINAL = "coop_EU_JPN:final"
REACHED = "coop_EU_JPN:first_above@0.55"
NEVER = "coop_EU_JPN:first_above@0.99"


def sweep(tmp_path_factory: pytest.TempPathFactory, name: str, body: str, **options) -> SweepResult:
    """Write an experiment file on the US-retrenchment scenario and run it here, quietly."""
    folder = tmp_path_factory.mktemp(name)
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nscenario: {SCENARIOS / 'us_retrenchment.yaml'}\nreplicates: 2\n{body}", encoding="utf-8"
    )
    return run_sweep(path, folder / "out", workers=1, progress=False, **options)


def analysed(tmp_path_factory: pytest.TempPathFactory, name: str, body: str) -> tuple[SweepResult, SweepAnalysis]:
    """:func:`sweep`, then :func:`analyze` of the sweep."""
    result = sweep(tmp_path_factory, name, body)
    return result, analyze(result)


SOBOL = f"""method: sobol
samples: 8
parameters:
  {INERT}: {{}}
  {MAGNITUDE}: {{}}
"""
"""Sobol' design over the inert parameter and the retrenchment's magnitude: 8 × (2 + 2) = 32 points."""


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> tuple[SweepResult, SweepAnalysis]:
    body = f"""method: grid
parameters:
  {MAGNITUDE}: {{low: 0, high: 1, levels: 3}}
  JPN.deference: {{levels: 3}}
metrics: [{FINAL}, "{REACHED}", "{NEVER}"]
analysis: {{phase: {{x: {MAGNITUDE}, y: JPN.deference, relative_to_lowest_x: true, boundary: 0}}}}
"""
    return analysed(tmp_path_factory, "grid", body)


@pytest.fixture(scope="module")
def sobol(tmp_path_factory) -> tuple[SweepResult, SweepAnalysis]:
    return analysed(tmp_path_factory, "sobol", f'{SOBOL}metrics: [{FINAL}, "{REACHED}"]\n')


@pytest.fixture(scope="module")
def morris(tmp_path_factory) -> tuple[SweepResult, SweepAnalysis]:
    body = f"""method: morris
samples: 4
parameters:
  {MAGNITUDE}: {{}}
  JPN.deference: {{}}
  {INERT}: {{}}
metrics: [{FINAL}, "{NEVER}"]
"""
    return analysed(tmp_path_factory, "morris", body)


def fail_second_chunk(experiment, points, chunk=0):
    if chunk == 1:
        raise RuntimeError("chunk 1 fails on purpose")
    return simulate_chunk(experiment, points, chunk)


def assert_png(path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    assert height >= 300 and width >= 500, (path.name, image.shape)
    assert image[..., :3].std() > 0.05, f"{path.name} is nearly blank"


def test_grid_analysis_writes_tables_and_plots(grid):
    result, analysis = grid
    folder = result.folder
    for name in ("metric_vs_parameter.png", "phase_diagram.png", "envelopes.png"):
        assert_png(folder / PLOTS_DIR / name)
    assert (folder / INDICES_DIR / POINT_MEANS_FILE).is_file()
    assert "first_above" in (folder / INDICES_DIR / "README.txt").read_text(encoding="utf-8")
    assert not list((folder / INDICES_DIR).glob("sobol_*")) and not list((folder / INDICES_DIR).glob("morris_*"))
    assert analysis.indices == {}
    assert all(path.is_file() and path.parent.parent == folder for path in analysis.files)
    assert not list(folder.rglob("*.tmp")), "temporary files left behind"
    # the retrenchment raises EU–JPN cooperation at every deference level of this scenario
    assert "Phase diagram" in analysis.summary
    assert "JPN.deference 0.5: above 0 throughout" in analysis.summary


def test_point_means_summarise_each_points_replicates(grid):
    result, analysis = grid
    horizon = result.experiment.scenario.horizon
    worlds = result.worlds()
    table = pd.read_csv(result.folder / INDICES_DIR / POINT_MEANS_FILE)
    pd.testing.assert_frame_equal(table, analysis.point_means, check_dtype=False)
    assert list(table.columns[:3]) == ["point", MAGNITUDE, "JPN.deference"]
    assert len(table) == len(result.points())
    by_point = worlds.groupby("point")
    np.testing.assert_allclose(table[FINAL], by_point[FINAL].mean())
    np.testing.assert_allclose(table[f"{FINAL}:p05"], by_point[FINAL].quantile(0.05))
    assert (table[f"{FINAL}:p05"] <= table[FINAL]).all() and (table[FINAL] <= table[f"{FINAL}:p95"]).all()
    # never reaching the level counts as one quarter past the run, and :reached says how often it was reached
    filled = worlds[REACHED].fillna(horizon + 1)
    np.testing.assert_allclose(table[REACHED], filled.groupby(worlds["point"]).mean())
    np.testing.assert_allclose(table[f"{REACHED}:reached"], worlds[REACHED].notna().groupby(worlds["point"]).mean())
    assert worlds[NEVER].isna().all()
    assert (table[NEVER] == horizon + 1).all() and (table[f"{NEVER}:reached"] == 0).all()


def test_sobol_ranks_the_dominant_parameter_first(sobol):
    result, analysis = sobol
    indices = analysis.indices[FINAL]
    assert list(indices.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(indices["parameter"]) == [MAGNITUDE, INERT]
    dominant, inert = indices.set_index("parameter").loc[MAGNITUDE], indices.set_index("parameter").loc[INERT]
    assert dominant["ST"] > 0.5 and dominant["S1"] > 0.5
    assert inert["ST"] == pytest.approx(0, abs=1e-12) and inert["S1"] == pytest.approx(0, abs=1e-12)
    assert_png(result.folder / PLOTS_DIR / f"sobol_{safe_name(FINAL)}.png")
    assert MAGNITUDE in analysis.summary.splitlines()[1]


def test_index_csv_files_hold_the_returned_tables(sobol):
    result, analysis = sobol
    assert set(analysis.indices) == {FINAL, REACHED}
    for metric, frame in analysis.indices.items():
        path = result.folder / INDICES_DIR / f"sobol_{safe_name(metric)}.csv"
        assert path in analysis.files
        pd.testing.assert_frame_equal(pd.read_csv(path), frame, check_dtype=False)


def test_analysing_again_gives_identical_csv_bytes(sobol, tmp_path):
    result, first = sobol
    tables = {p: p.read_bytes() for p in first.files if p.suffix in {".csv", ".txt"}}
    stale, mine = result.folder / PLOTS_DIR / "sobol_former_metric.png", result.folder / PLOTS_DIR / "mine.png"
    stale.write_bytes(b"left over")
    mine.write_bytes(b"not the analysis's")
    again = analyze(result.folder)
    assert not stale.exists() and mine.exists()
    assert {p: p.read_bytes() for p in again.files if p.suffix in {".csv", ".txt"}} == tables
    elsewhere = analyze(result, out=tmp_path / "copy")
    assert all(str(p).startswith(str(tmp_path / "copy")) for p in elsewhere.files)
    for path, content in tables.items():
        assert (tmp_path / "copy" / INDICES_DIR / path.name).read_bytes() == content


def test_morris_gives_an_inert_parameter_no_effect(morris):
    result, analysis = morris
    indices = analysis.indices[FINAL].set_index("parameter")
    assert list(analysis.indices[FINAL].columns) == ["parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert indices.loc[INERT, "mu_star"] == pytest.approx(0, abs=1e-12)
    assert indices.loc[MAGNITUDE, "mu_star"] > 0.01 and indices.loc["JPN.deference", "mu_star"] > 0.01
    assert analysis.indices[FINAL]["parameter"].iloc[-1] == INERT
    assert_png(result.folder / PLOTS_DIR / f"morris_{safe_name(FINAL)}.png")
    # a metric that is the same everywhere has no indices, and the summary says why
    assert NEVER not in analysis.indices
    assert not (result.folder / INDICES_DIR / f"morris_{safe_name(NEVER)}.csv").exists()
    assert f"indices of {NEVER} skipped: it is the same at every point" in analysis.summary


def test_incomplete_sweep_gets_plots_but_no_indices(tmp_path_factory):
    result = sweep(
        tmp_path_factory,
        "broken",
        f"{SOBOL}metrics: [{FINAL}]\nanalysis: {{phase: {{x: {MAGNITUDE}, y: {INERT}}}}}\n",
        chunk_worlds=16,
        chunk_function=fail_second_chunk,
    )
    assert result.manifest["status"] == "failed"
    with pytest.warns(IncompleteSweepWarning, match="48 of its 64 worlds"):
        analysis = analyze(result.folder)
    assert analysis.warning.startswith("the sweep is incomplete (status 'failed'): 48 of its 64 worlds (32 points")
    assert analysis.summary.splitlines()[0].startswith("broken: sobol, 24 of 32 points × 2 replicates (48 worlds)")
    assert analysis.summary.splitlines()[1] == f"Warning: {analysis.warning}"
    assert analysis.indices == {}
    assert not list((result.folder / INDICES_DIR).glob("sobol_*"))
    assert "Sobol' indices skipped: the sweep is incomplete (24 of 32 points" in analysis.summary
    assert "--resume" in analysis.summary
    assert len(analysis.point_means) == 24 and 8 not in set(analysis.point_means["point"])
    for name in ("metric_vs_parameter.png", "phase_diagram.png", "envelopes.png"):
        assert_png(result.folder / PLOTS_DIR / name)


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path):
    with pytest.raises(UserError, match="not a sweep folder"):
        analyze(tmp_path)


def test_a_complete_sweep_whose_worlds_table_lost_rows_is_analysed_with_a_warning(tmp_path_factory):
    result = sweep(tmp_path_factory, "truncated", f"method: grid\nparameters:\n  {MAGNITUDE}: {{levels: 3}}\n")
    assert analyze(result).warning is None
    table = pq.read_table(result.folder / "worlds.parquet")
    pq.write_table(table.slice(0, 2), result.folder / "worlds.parquet")
    with pytest.warns(IncompleteSweepWarning):
        analysis = analyze(result.folder)
    assert "worlds.parquet holds 2 worlds where the design has 6 (3 points x 2 replicates)" in analysis.warning
    assert "1 of 3 points × 2 replicates" in analysis.summary
    assert f"Warning: {analysis.warning}." in (result.folder / INDICES_DIR / "README.txt").read_text()


@pytest.mark.parametrize(
    ("changes", "low", "high"),
    [([0.0, 0.02, 0.2], 0.0, 0.2), ([-0.1, -0.01, 0.0], -0.1, 0.0), ([-0.05, 0.0, 0.2], -0.2, 0.2)],
)
def test_the_phase_diagram_colour_bar_spans_only_the_changes_there_are(changes, low, high):
    """One-signed changes use one half of the diverging map, white at zero, so no half of the bar goes unused."""
    from matplotlib.colors import to_hex

    from simulator.presentation.plots import change_colours

    cmap, norm = change_colours(np.array(changes))
    assert (norm.vmin, norm.vmax) == pytest.approx((low, high))
    white = to_hex(plt.get_cmap("RdBu")(0.5))
    assert to_hex(cmap(norm(0.0))) == white, "no change is white whatever the signs"
    if low == 0.0:
        assert to_hex(cmap(norm(high))) == to_hex(plt.get_cmap("RdBu")(1.0)), "the largest rise takes the darkest blue"
    if high == 0.0:
        assert to_hex(cmap(norm(low))) == to_hex(plt.get_cmap("RdBu")(0.0)), "the largest fall takes the darkest red"
