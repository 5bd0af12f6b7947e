"""eujsim compare: pairing, calendar alignment, tables, sweeps, the output folder and user errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import simulator
from simulator.core.structure import DOMAINS
from simulator.evaluation.compare import (
    DIFFERENCE_COLUMNS,
    DOMAIN_COLUMNS,
    STATISTICS,
    TABLE_COLUMNS,
    _paired,
    _spread,
    _unpaired,
    compare,
)
from simulator.presentation.plots import BAND_ALPHA
from simulator.runs.results import INTERVAL
from simulator.sweeps.sweep import IncompleteSweepWarning, run_sweep

from .conftest import SCENARIOS, cli_error, eujsim

REPS = 20
BASELINE = str(SCENARIOS / "baseline.yaml")
RETRENCHMENT = str(SCENARIOS / "us_retrenchment.yaml")
HISTORICAL = str(SCENARIOS / "historical_1991_2024.yaml")


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def scenario_copy(folder: Path, source: str, stem: str, **changes: object) -> Path:
    """A copy of a shipped scenario file with some keys changed, as ``folder/<stem>.yaml``."""
    data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    data.update(changes)
    return write_yaml(folder / f"{stem}.yaml", data)


def row(table: pd.DataFrame, scenario: str, statistic: str) -> pd.Series:
    return table[(table["scenario"] == scenario) & (table["statistic"] == statistic)].iloc[0]


@pytest.fixture(scope="module")
def retrenchment():
    """baseline vs us_retrenchment from the scenario files, 20 paired replicates."""
    return compare([BASELINE, RETRENCHMENT], replicates=REPS)


@pytest.fixture(scope="module")
def run_folders(tmp_path_factory):
    """The same two runs saved as result folders (no plots), plus us_retrenchment with another seed."""
    folder = tmp_path_factory.mktemp("runs")
    base = simulator.run(BASELINE, replicates=REPS).save(folder / "baseline", plots=False)
    retr = simulator.run(RETRENCHMENT, replicates=REPS).save(folder / "us_retrenchment", plots=False)
    other = simulator.run(RETRENCHMENT, replicates=REPS, seed=99).save(folder / "retrenchment_seed99", plots=False)
    return base, retr, other


# -- pairing ---------------------------------------------------------------------------------


def test_identical_scenarios_differ_by_exactly_zero_and_within_noise(tmp_path):
    twin = scenario_copy(tmp_path, BASELINE, "twin")  # same content and name, another file
    comparison = compare([BASELINE, twin], replicates=REPS)
    assert [i.label for i in comparison.inputs] == ["baseline", "baseline (2)"]
    assert comparison.paired
    table = comparison.table
    other = table[table["scenario"] == "baseline (2)"]
    numbers = other[other["statistic"].isin(["final", "peak", "mean", "share_crossing"])]
    assert (numbers[["diff_mean", "diff_p5", "diff_p95"]] == 0).all().all()
    assert numbers["within_noise"].all()
    assert (comparison.difference[["mean", "p5", "p95"]] == 0).all().all()
    assert (comparison.domains.query("scenario == 'baseline (2)'")["diff_mean"] == 0).all()


def test_retrenchment_raises_cooperation_outside_noise(retrenchment):
    """Validated pattern P4: US retrenchment draws the EU and Japan closer."""
    final = row(retrenchment.table, "us_retrenchment", "final")
    assert final["diff_p5"] > 0.05
    assert not final["within_noise"]
    assert row(retrenchment.table, "us_retrenchment", "mean")["diff_p5"] > 0
    domains = retrenchment.domains.query("scenario == 'us_retrenchment'")
    assert list(domains["domain"]) == list(DOMAINS)
    assert (domains["diff_p5"] > 0).all()
    assert retrenchment.paired and "Paired" in retrenchment.text()


def test_table_matches_direct_computation(retrenchment):
    base = simulator.run(BASELINE, replicates=REPS).series("coop_EU_JPN")
    retr = simulator.run(RETRENCHMENT, replicates=REPS).series("coop_EU_JPN")
    final = row(retrenchment.table, "us_retrenchment", "final")
    assert final["mean"] == pytest.approx(retr[-1].mean())
    assert final["p5"] == pytest.approx(np.percentile(retr[-1], INTERVAL[0]))
    diff = retr[-1] - base[-1]
    assert final["diff_mean"] == pytest.approx(diff.mean())
    assert final["diff_p95"] == pytest.approx(np.percentile(diff, INTERVAL[1]))
    peak = row(retrenchment.table, "baseline", "peak")
    assert peak["mean"] == pytest.approx(base[1:].max(axis=0).mean())
    mean = row(retrenchment.table, "us_retrenchment", "mean")
    assert mean["diff_mean"] == pytest.approx((retr[1:].mean(axis=0) - base[1:].mean(axis=0)).mean())
    crossed = (retr[1:] >= 0.55).any(axis=0)
    share = row(retrenchment.table, "us_retrenchment", "share_crossing")
    assert share["mean"] == pytest.approx(crossed.mean())
    first = row(retrenchment.table, "us_retrenchment", "first_crossing")
    if crossed.any():
        steps = (retr[1:] >= 0.55).argmax(axis=0)[crossed] + 1.0
        assert first["mean"] == pytest.approx(steps.mean())
    # quarter by quarter
    last = retrenchment.difference.query("scenario == 'us_retrenchment'").iloc[-1]
    assert last["quarter"] == "2034Q4"
    assert last["mean"] == pytest.approx(diff.mean())


def test_result_folders_compare_like_the_scenario_files(run_folders, retrenchment):
    base, retr, _ = run_folders
    folders = compare([base, retr])
    assert folders.paired
    assert [i.source for i in folders.inputs] == ["run", "run"]
    pd.testing.assert_frame_equal(folders.table, retrenchment.table, rtol=1e-4, atol=1e-5)
    pd.testing.assert_frame_equal(folders.domains, retrenchment.domains, rtol=1e-4, atol=1e-5)
    # a scenario file against a folder runs with the folder's seed and replicates, so it pairs too
    mixed = compare([base, RETRENCHMENT])
    assert mixed.paired and mixed.inputs[1].source == "scenario"
    assert len(mixed.inputs[1].replicates) == REPS
    # also when the file is the baseline: it takes the saved run's seed and replicates, not its own 100
    reverse = compare([BASELINE, retr])
    assert reverse.paired and len(reverse.inputs[0].replicates) == REPS
    pd.testing.assert_frame_equal(reverse.table, retrenchment.table, rtol=1e-4, atol=1e-5)


def test_paired_interval_is_narrower_than_unpaired(run_folders, retrenchment):
    base, _, other_seed = run_folders
    unpaired = compare([base, other_seed])
    assert not unpaired.paired
    assert "UNPAIRED" in unpaired.text()
    for statistic in ("final", "mean"):
        a = row(retrenchment.table, "us_retrenchment", statistic)
        b = row(unpaired.table, "us_retrenchment", statistic)
        assert (a["diff_p95"] - a["diff_p5"]) * 2 < b["diff_p95"] - b["diff_p5"]
    diff = unpaired.difference.query("quarter == '2034Q4'").iloc[0]
    assert diff["p95"] - diff["p5"] > 0


# -- calendar --------------------------------------------------------------------------------


def test_shifted_start_compares_on_the_shared_quarters(tmp_path):
    early = scenario_copy(tmp_path, BASELINE, "early", name="early_baseline", start="2024Q1")
    comparison = compare([BASELINE, early], replicates=REPS)
    assert comparison.window == ("2025Q1", "2033Q4")
    quarters = comparison.difference["quarter"]
    assert quarters.iloc[0] == "2024Q4" and quarters.iloc[-1] == "2033Q4"
    base = simulator.run(BASELINE, replicates=REPS).series("coop_EU_JPN")
    # 2033Q4 is step 36 of the baseline (step 0 is 2024Q4)
    assert row(comparison.table, "baseline", "final")["mean"] == pytest.approx(base[36].mean())
    assert row(comparison.table, "baseline", "peak")["mean"] == pytest.approx(base[1:37].max(axis=0).mean())
    saved = json.loads((comparison.save(tmp_path / "cmp", plots=False) / "compare.json").read_text())
    assert saved["window"] == ["2025Q1", "2033Q4"]


def test_inputs_without_shared_quarters_are_refused():
    line = cli_error("compare", HISTORICAL, BASELINE)
    assert "share no simulated quarter" in line and "1991Q1–2024Q4" in line


# -- sweeps ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    experiment = {
        "name": "small",
        "scenario": {
            "name": "short_retrenchment",
            "horizon": 12,
            "seed": 11,
            "shocks": [{"kind": "us_retrenchment", "name": "US retrenchment", "at": "2025Q3"}],
        },
        "set": {"model.spinup_quarters": 20},
        "replicates": 6,
        "method": "grid",
        "parameters": {
            "shock.US retrenchment.magnitude": {"low": 0.0, "high": 1.0, "levels": 3},
            "JPN.deference": [0.2, 0.8],
        },
        "metrics": ["coop_EU_JPN:final", "coop_EU_JPN:mean", "coop_EU_JPN:peak", "coop_EU_JPN:first_above@0.45"],
    }
    path = write_yaml(folder / "small.yaml", experiment)
    return run_sweep(path, folder / "small", workers=1, progress=False).folder


def test_sweep_points_compare_paired_with_the_recorded_metrics(sweep_folder):
    comparison = compare([sweep_folder], points=[0, 5])
    worlds = pd.read_parquet(sweep_folder / "worlds.parquet")
    a = worlds[worlds["point"] == 0].set_index("replicate")["coop_EU_JPN:final"]
    b = worlds[worlds["point"] == 5].set_index("replicate")["coop_EU_JPN:final"]
    other = comparison.inputs[1].label
    assert "magnitude 1" in other and "JPN.deference 0.8" in other
    final = row(comparison.table, other, "final")
    assert final["mean"] == pytest.approx(b.mean())
    assert final["diff_mean"] == pytest.approx((b - a).mean())
    assert final["diff_p5"] == pytest.approx(np.percentile(b - a, INTERVAL[0]))
    assert comparison.threshold == 0.45  # the sweep's own first_above level
    assert comparison.domains.empty and any("per-domain" in n for n in comparison.notes)
    assert comparison.difference["p5"].isna().all()  # the sweep kept no per-quarter worlds
    assert comparison.warning is None and "Warning" not in comparison.text()


def test_a_sweep_folder_missing_worlds_is_compared_with_a_warning(sweep_folder, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(sweep_folder, damaged)
    table = pq.read_table(damaged / "worlds.parquet")
    pq.write_table(table.slice(0, 12), damaged / "worlds.parquet")  # points 0 and 1 only, as two writers left it
    with pytest.warns(IncompleteSweepWarning):
        comparison = compare([damaged], points=[0, 1])
    assert "worlds.parquet holds 12 worlds where the design has 36 (6 points x 6 replicates)" in comparison.warning
    assert comparison.text().splitlines()[1] == f"Warning: the sweep folder {damaged}: {comparison.warning}"
    out = comparison.save(tmp_path / "c", plots=False)
    assert json.loads((out / "compare.json").read_text())["warning"] == comparison.warning


def test_sweep_grouped_by_a_factor_averages_the_other_points(sweep_folder, tmp_path):
    comparison = compare([sweep_folder], by="JPN.deference")
    assert [i.label for i in comparison.inputs] == ["JPN.deference 0.2", "JPN.deference 0.8"]
    worlds = pd.read_parquet(sweep_folder / "worlds.parquet")
    means = worlds.groupby(["JPN.deference", "replicate"])["coop_EU_JPN:mean"].mean()
    low, high = means.loc[0.2], means.loc[0.8]
    mean = row(comparison.table, "JPN.deference 0.8", "mean")
    assert mean["mean"] == pytest.approx(high.mean())
    assert mean["diff_mean"] == pytest.approx((high - low).mean())
    assert mean["diff_p95"] == pytest.approx(np.percentile(high - low, INTERVAL[1]))
    out = comparison.save(tmp_path / "by", plots=True)
    assert {p.name for p in (out / "plots").iterdir()} == {"overlay.png", "difference.png"}


# -- the command line and the output folder -----------------------------------------------------


def test_cli_writes_the_whole_contract_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = eujsim("compare", BASELINE, RETRENCHMENT, "--replicates", REPS)
    assert status == 0, err
    folder = tmp_path / "results" / "compare-baseline-vs-us_retrenchment"
    assert f"Results in {folder.relative_to(tmp_path)}/" in out
    assert "within noise" in out and "Paired" in out
    for name in ("compare.json", "table.csv", "domains.csv", "difference.csv", "summary.txt"):
        assert (folder / name).is_file(), name
    for name in ("overlay.png", "difference.png", "domains.png"):
        assert (folder / "plots" / name).stat().st_size > 10_000, name
    for label in ("baseline", "us_retrenchment"):
        assert (folder / "runs" / label / "timeseries.csv").is_file()
        assert simulator.runs.run_folder.open_run(folder / "runs" / label).replicates.size == REPS
    manifest = json.loads((folder / "compare.json").read_text())
    assert manifest["kind"] == "compare" and manifest["metric"] == "coop_EU_JPN"
    assert manifest["baseline"] == "baseline" and manifest["paired"] is True
    assert manifest["threshold"] == 0.55 and manifest["window"] == ["2025Q1", "2034Q4"]
    assert [i["source"] for i in manifest["inputs"]] == ["scenario", "scenario"]
    assert {"label", "path", "source", "scenario", "seed", "replicates", "description"} <= set(manifest["inputs"][0])
    assert manifest["command_line"][:2] == ["eujsim", "compare"]
    assert "created_utc" in manifest and "git_commit" in manifest
    table = pd.read_csv(folder / "table.csv")
    assert tuple(table.columns) == TABLE_COLUMNS
    assert list(table["statistic"].unique()) == list(STATISTICS)
    assert tuple(pd.read_csv(folder / "domains.csv").columns) == DOMAIN_COLUMNS
    assert tuple(pd.read_csv(folder / "difference.csv").columns) == DIFFERENCE_COLUMNS
    assert (folder / "summary.txt").read_text().strip() in out

    # the same command again: a new folder, byte-identical tables
    status, out, err = eujsim("compare", BASELINE, RETRENCHMENT, "--replicates", REPS, "--no-plots")
    assert status == 0, err
    second = tmp_path / "results" / "compare-baseline-vs-us_retrenchment-2"
    assert second.is_dir() and not (second / "plots").exists()
    for name in ("table.csv", "domains.csv", "difference.csv", "summary.txt"):
        assert (folder / name).read_bytes() == (second / name).read_bytes(), name

    # --baseline by position swaps the sign of every difference
    status, out, err = eujsim(
        "compare", BASELINE, RETRENCHMENT, "--replicates", REPS, "--baseline", "2", "--out", "swapped", "--no-plots"
    )
    assert status == 0, err
    swapped = pd.read_csv(tmp_path / "swapped" / "table.csv")
    a = table.query("scenario == 'us_retrenchment' and statistic == 'final'").iloc[0]
    b = swapped.query("scenario == 'baseline' and statistic == 'final'").iloc[0]
    assert b["diff_mean"] == pytest.approx(-a["diff_mean"], abs=1e-6)
    assert b["diff_p5"] == pytest.approx(-a["diff_p95"], abs=1e-6)


def test_other_metric_skips_the_domains_and_says_so(run_folders, tmp_path):
    base, retr, _ = run_folders
    status, out, err = eujsim("compare", base, retr, "--metric", "threat_JPN_CHN", "--out", tmp_path / "t")
    assert status == 0, err
    assert "no per-domain comparison" in out
    assert not (tmp_path / "t" / "plots" / "domains.png").exists()
    assert pd.read_csv(tmp_path / "t" / "domains.csv").empty


def test_another_pairs_cooperation_compares_without_domains(run_folders):
    """Runs keep per-domain series for EU–JPN only, so EU–US cooperation compares in aggregate."""
    base, retr, _ = run_folders
    comparison = compare([base, retr], metric="coop_EU_USA")
    assert comparison.domains.empty
    assert any("coop_EU_JPN only" in note for note in comparison.notes)
    assert row(comparison.table, "us_retrenchment", "final")["diff_p95"] < 0, "retrenchment weakens EU–US ties"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", BASELINE], "at least two inputs"),
        (["compare", BASELINE, "nowhere/missing.yaml"], "nowhere/missing.yaml: not found"),
        (["compare", BASELINE, "{empty}"], "is not a result folder"),
        (["compare", BASELINE, RETRENCHMENT, "--metric", "coop_EU_JNP"], "did you mean 'coop_EU_JPN'"),
        (["compare", BASELINE, RETRENCHMENT, "--baseline", "basline"], "did you mean 'baseline'"),
        (["compare", BASELINE, RETRENCHMENT, "--baseline", "3"], "out of range"),
        (["compare", BASELINE, RETRENCHMENT, "--replicates", "0"], "--replicates: must be a whole number from 1"),
        (["compare", BASELINE, RETRENCHMENT, "--by", "JPN.deference"], "none of the inputs is one"),
        (["compare", "{sweep}", "--points", "0,99"], "point(s) 99 not in the sweep"),
        (["compare", "{sweep}", "--points", "0,x"], "not a list of point ids"),
        (["compare", "{sweep}", "--by", "JPN.deferenc"], "did you mean 'JPN.deference'"),
        (["compare", "{sweep}"], "--points ID,ID"),
        (["compare", "{sweep}", BASELINE, "--points", "0,1"], "compared on its own"),
        (["compare", "{sweep}", "--points", "0,1", "--metric", "threat_JPN_CHN"], "recorded no per-quarter series"),
        (["compare", BASELINE, RETRENCHMENT, "--out", "{empty}"], "already exists"),
    ],
)
def test_user_errors_are_one_line_before_anything_runs(args, expected, tmp_path, sweep_folder):
    (tmp_path / "empty").mkdir()
    argv = [str(a).format(empty=tmp_path / "empty", sweep=sweep_folder) for a in args]
    line = cli_error(*argv)
    assert expected in line, line


def test_an_experiment_file_is_refused_with_the_command_to_run(tmp_path):
    line = cli_error("compare", BASELINE, SCENARIOS.parent / "experiments" / "hedging_vs_deference.yaml")
    assert "eujsim sweep" in line


def test_a_comparison_folder_is_not_an_input(tmp_path, retrenchment):
    out = retrenchment.save(tmp_path / "cmp", plots=False)
    assert "comparison folder" in cli_error("compare", out, BASELINE)
    assert "already exists" in cli_error("compare", BASELINE, RETRENCHMENT, "--out", out)
    shutil.rmtree(out)


# -- properties ------------------------------------------------------------------------------

values = st.lists(st.floats(-1, 1, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(values, st.data())
def test_swapping_the_baseline_negates_the_difference(a, data):
    b = data.draw(st.lists(st.floats(-1, 1, allow_nan=False), min_size=len(a), max_size=len(a)))
    sa, sb = pd.Series(a), pd.Series(b)
    forward, backward = _spread(_paired(sa, sb)), _spread(_paired(sb, sa))
    assert forward[0] == pytest.approx(-backward[0], abs=1e-12)
    assert forward[1] == pytest.approx(-backward[2], abs=1e-12)
    assert _spread(_paired(sa, sa)) == (0.0, 0.0, 0.0)
    ua, ub = _unpaired(np.array(a), np.array(b)), _unpaired(np.array(b), np.array(a))
    assert ua[0] == pytest.approx(-ub[0], abs=1e-12)
    assert ua[1] == pytest.approx(-ub[2], abs=1e-12)
    assert ua[1] <= ua[0] + 1e-12 <= ua[2] + 2e-12


def test_compare_writes_its_plots_in_every_format_asked_for(run_folders, tmp_path):
    base, retr, _ = run_folders
    out = tmp_path / "formats"
    status, _, err = eujsim("compare", base, retr, "--format", "svg,pdf", "--out", out)
    assert status == 0, err
    names = sorted(p.name for p in (out / "plots").iterdir())
    assert names == sorted(f"{s}.{f}" for s in ("overlay", "difference", "domains") for f in ("svg", "pdf"))
    assert json.loads((out / "compare.json").read_text())["plot_formats"] == ["svg", "pdf"]


def test_overlapping_bands_keep_their_own_edges_and_a_light_fill(retrenchment, monkeypatch):
    """Two tinted bands over each other mix into a muddy grey-green; thin edges in each colour keep both readable."""
    from matplotlib.collections import PatchCollection

    from simulator.presentation import compare_plots

    kept = []
    monkeypatch.setattr(compare_plots, "save_figure", lambda fig, path, **_: kept.append(fig))
    compare_plots.plot_overlay(retrenchment, Path("overlay.png"))
    (ax,) = kept[0].axes
    for colour in compare_plots.colours(retrenchment).values():
        lines = [line for line in ax.lines if line.get_color() == colour and line.get_linestyle() == "-"]
        assert len(lines) == 3, "a mean line and two band edges per scenario"
    bands = [c for c in ax.collections if not isinstance(c, PatchCollection)]  # not the shock windows
    assert bands and all(band.get_alpha() == compare_plots.OVERLAP_ALPHA < BAND_ALPHA for band in bands)
    plt.close(kept[0])


class _SkewedDomains:
    """A comparison whose per-domain means lie outside their own 90% intervals, as a skewed difference's can."""

    def __init__(self, comparison):
        self._comparison = comparison

    def __getattr__(self, name):
        return getattr(self._comparison, name)

    @property
    def domains(self):
        frame = self._comparison.domains.copy()
        frame["mean"] = frame["p5"] - 0.01  # below its interval
        frame["diff_mean"] = frame["diff_p95"] + 0.001  # above its interval
        return frame


def test_domain_intervals_run_from_p5_to_p95_when_the_mean_lies_outside(retrenchment, monkeypatch):
    """When a few worlds differ much more than the rest, the mean of the differences lies outside their 5th–95th
    percentiles; the domains plot still draws each interval from p5 to p95 (error bars around the mean would be
    negative and stop the comparison)."""
    from simulator.presentation import compare_plots

    kept = []
    monkeypatch.setattr(compare_plots, "save_figure", lambda fig, path, **_: kept.append(fig))
    skewed = _SkewedDomains(retrenchment)
    compare_plots.plot_domains(skewed, Path("domains.png"))
    left, right = kept[0].axes[:2]
    frame = skewed.domains
    for ax, low, high, scenarios in (
        (left, "p5", "p95", ["baseline", "us_retrenchment"]),
        (right, "diff_p5", "diff_p95", ["us_retrenchment"]),
    ):
        drawn = np.array([[seg[0][0], seg[1][0]] for lines in ax.collections for seg in lines.get_segments()])
        wanted = np.concatenate(
            [
                frame[frame["scenario"] == s].set_index("domain").loc[list(DOMAINS), [low, high]].to_numpy()
                for s in scenarios
            ]
        )
        np.testing.assert_allclose(np.sort(drawn, axis=0), np.sort(wanted, axis=0))
    plt.close(kept[0])
