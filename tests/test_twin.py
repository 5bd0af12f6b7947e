"""The no-shock twin: ``eujsim run`` pairs a run with the same worlds without its shocks.

The twin must be exactly the scenario with its shocks removed on the same seed (so that world r
of both draws the same random numbers), the summary and the report must lead with what the
shocks did, and the headline plot must show the twin and the paired difference.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.core.structure import DOMAIN_LABELS, DOMAINS, SMALLEST_INDEX_EFFECT
from simulator.presentation import plots
from simulator.presentation.labels import series_label
from simulator.runs.run_folder import open_run
from simulator.runs.runner import resolve, simulate, simulate_twin
from simulator.runs.twin import (
    NO_SHOCKS,
    NOT_SIMULATED,
    TWIN_FILES,
    ShockEffect,
    effect_sentence,
    shock_effect,
    without_shocks,
)

from .conftest import SCENARIOS, cli_error, eujsim

RETRENCHMENT = SCENARIOS / "us_retrenchment.yaml"
BASELINE = SCENARIOS / "baseline.yaml"
REPLICATES = 4


def run_ok(*argv: object) -> str:
    """Run ``eujsim ARGV`` expecting success; returns stdout."""
    status, out, err = eujsim(*argv)
    assert status == 0, err
    return out


def opening(summary: str) -> str:
    """The summary's opening sentence, joined back from the lines it was wrapped into."""
    lines = summary.strip().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Scenario '"))
    return " ".join(line.strip() for line in lines[:first])


@pytest.fixture(scope="module")
def retrenchment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """us_retrenchment run by the command line with its twin and plots, few replicates."""
    out = tmp_path_factory.mktemp("twin") / "retrenchment"
    run_ok("run", RETRENCHMENT, "--replicates", REPLICATES, "--out", out, "--quiet")
    return out


def test_twin_files_equal_a_run_of_the_scenario_without_its_shocks(retrenchment, tmp_path):
    assert set(TWIN_FILES) <= {p.name for p in retrenchment.iterdir()}
    saved = yaml_without_shocks(retrenchment / "scenario.yaml", tmp_path / "no_shocks.yaml")
    alone = tmp_path / "alone"
    run_ok("run", saved, "--out", alone, "--no-plots", "--quiet")
    assert not any((alone / name).exists() for name in TWIN_FILES), "a scenario without shocks has no twin"
    twin, plain = pd.read_csv(retrenchment / TWIN_FILES[0]), pd.read_csv(alone / "timeseries.csv")
    pd.testing.assert_frame_equal(twin, plain, rtol=1e-12, atol=1e-12)
    summary = pd.read_csv(retrenchment / TWIN_FILES[1])
    pd.testing.assert_frame_equal(summary, pd.read_csv(alone / "summary.csv"), rtol=1e-12, atol=1e-12)
    manifest = json.loads((retrenchment / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["twin"]["simulated"] and manifest["twin"]["files"] == list(TWIN_FILES)
    assert manifest["twin"]["shocks_removed"] == ["US retrenchment"]
    assert "twin_simulate" in manifest["timings_seconds"]


def yaml_without_shocks(source: Path, target: Path) -> Path:
    """A copy of a resolved scenario file with its shocks removed (as a user would write the no-shock case)."""
    scenario = simulator.load_scenario(source)
    target.write_text(without_shocks(scenario).to_yaml(), encoding="utf-8")
    return target


def test_the_python_twin_equals_the_scenario_without_shocks_to_machine_precision():
    result = simulator.run(RETRENCHMENT, replicates=3, twin=True)
    assert result.twin is not None
    plain = simulate(without_shocks(resolve(RETRENCHMENT, replicates=3)))
    np.testing.assert_allclose(result.twin.values, plain.values, rtol=0, atol=1e-12)
    assert not np.allclose(result.values, plain.values), "the shocks changed something"
    assert simulator.run(RETRENCHMENT, replicates=3).twin is None, "off by default in Python: it doubles the cost"
    assert simulator.run(BASELINE, replicates=2, twin=True).twin is None, "no shocks, no twin"


def test_a_twin_over_an_ensemble_takes_the_same_rows():
    result = simulator.run(RETRENCHMENT, replicates=3, ensemble="calibrated", twin=True)
    scenario = resolve(RETRENCHMENT, replicates=3, ensemble="calibrated")
    plain = simulate(without_shocks(scenario))
    assert result.twin is not None and result.twin.scenario.ensemble is not None
    np.testing.assert_allclose(result.twin.values, plain.values, rtol=0, atol=1e-12)


def test_no_twin_writes_none_and_says_so(tmp_path):
    out = tmp_path / "plain"
    printed = run_ok("run", RETRENCHMENT, "--replicates", 2, "--out", out, "--no-plots", "--no-twin")
    assert not any((out / name).exists() for name in TWIN_FILES)
    assert opening(printed.split("\n", 1)[1]) == NOT_SIMULATED
    assert "without its shocks" not in printed.splitlines()[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["twin"]["simulated"] is False


def test_summary_leads_with_the_effect_paired_by_replicate(retrenchment):
    summary = (retrenchment / "summary.txt").read_text(encoding="utf-8")
    sentence = opening(summary)
    run, twin = open_run(retrenchment), open_run(retrenchment).twin
    assert twin is not None
    difference = run.series("coop_EU_JPN") - twin.series("coop_EU_JPN")
    final = difference[-1]
    assert final.mean() > 0.05, "us_retrenchment raises EU–Japan cooperation clearly"
    low, high = np.percentile(final, [5, 95])
    assert sentence.startswith(f"The shocks raised final EU–Japan cooperation by {final.mean():.3f} ")
    assert f"(90% of worlds {low:+.3f} to {high:+.3f}) against the same worlds without them" in sentence
    gap = np.argmax(np.abs(difference[1:].mean(axis=1))) + 1
    assert f"largest gap in {run.quarter_labels[gap]} ({difference[gap].mean():+.3f})" in sentence
    effect = shock_effect(run, twin)
    assert f"most in {DOMAIN_LABELS[effect.domain]} ({effect.domains[effect.domain]:+.3f})" in sentence
    assert "Scenario 'us_retrenchment'" in summary and "Largest changes since" in summary, "the old lines follow"


def test_a_negative_effect_says_lowered():
    effect = ShockEffect(
        final=-0.05,
        low=-0.06,
        high=-0.04,
        domains={**dict.fromkeys(DOMAINS, -0.02), "maritime": -0.09},
        gap_quarter="2030Q1",
        gap=-0.07,
        worlds=10,
    )
    sentence = effect_sentence(effect)
    assert sentence.startswith(
        "The shocks lowered final EU–Japan cooperation by 0.050 (90% of worlds -0.060 to -0.040)"
    )
    assert f"most in {DOMAIN_LABELS['maritime']} (-0.090); largest gap in 2030Q1 (-0.070)." in sentence


def test_a_tiny_effect_is_below_the_smallest_that_matters():
    tiny = simulator.scenario_from_dict(
        {
            "name": "tiny",
            "horizon": 12,
            "seed": 7,
            "replicates": 4,
            "shocks": [{"kind": "us_retrenchment", "at": "2025Q2", "magnitude": 0.005, "ramp": 4}],
        }
    )
    result = simulate(tiny)
    result.twin = simulate_twin(result)
    effect = result.shock_effect()
    assert 0 < abs(effect.final) < SMALLEST_INDEX_EFFECT
    first = opening(result.text_summary())
    assert "below the smallest effect that matters (0.01)" in first
    assert "raised" not in first and "lowered" not in first
    assert f"by {effect.final:+.3f}" in first


def test_a_scenario_without_shocks_says_it_has_no_twin(tmp_path):
    out = tmp_path / "baseline"
    printed = run_ok("run", BASELINE, "--replicates", 2, "--out", out, "--no-plots")
    assert printed.splitlines()[1] == NO_SHOCKS
    assert not any((out / name).exists() for name in TWIN_FILES)
    assert open_run(out).twin is None
    with pytest.raises(simulator.UserError, match="has no shocks"):
        simulate(resolve(BASELINE, replicates=2)).shock_effect()


def test_the_headline_plot_shows_the_twin_and_the_difference(tmp_path):
    result = simulator.run(RETRENCHMENT, replicates=3, twin=True)
    fig = plots.plot_headline(result, tmp_path / "with.png", result.twin)
    try:
        assert (tmp_path / "with.png").stat().st_size > 10_000
        top, bottom = fig.axes
        labels = top.get_legend_handles_labels()[1]
        assert "without the shocks" in labels
        assert any(line.get_linestyle() == "--" and line.get_label() == "without the shocks" for line in top.lines)
        assert any(np.allclose(line.get_ydata(), 0) for line in bottom.lines), "a zero line"
        mean = next(line for line in bottom.lines if line.get_label() == "mean of the worlds")
        expected = (result.series("coop_EU_JPN") - result.twin.series("coop_EU_JPN")).mean(axis=1)
        np.testing.assert_allclose(mean.get_ydata(), expected)
        assert top.texts, "shock markers are kept"
    finally:
        plt.close(fig)
    single = plots.plot_headline(result, tmp_path / "alone.png")
    try:
        assert len(single.axes) == 1 and "without the shocks" not in single.axes[0].get_legend_handles_labels()[1]
    finally:
        plt.close(single)


def test_the_report_leads_with_the_same_sentence(retrenchment):
    sentence = opening((retrenchment / "summary.txt").read_text(encoding="utf-8"))
    run_ok("report", retrenchment)
    page = (retrenchment / "report.html").read_text(encoding="utf-8")
    escaped = html.escape(sentence, quote=True)
    assert escaped in page
    assert page.index(escaped) < page.index('id="scenario"'), "it leads the page"
    assert "the same worlds without the shocks" in page, "the headline figure's caption names the twin"


CHANGES = re.compile(r"^  Largest changes since (\d{4}Q\d) \(([^)]*)\): (.+)$", re.MULTILINE)
"""The summary's line of the series that moved most since the start, with what they are in brackets."""
EFFECT_CLAIM = re.compile(r"\bshocks?\b[^;:]*\b(?:raised|lowered|changed|pushed|pulled|effect of)\b|from the shocks")
"""Words that state what the shocks did; only the opening sentence, against the twin, may use them."""


def test_after_the_effect_nothing_in_the_summary_reads_as_what_the_shocks_did(retrenchment):
    summary = (retrenchment / "summary.txt").read_text(encoding="utf-8")
    lines = summary.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Scenario '"))
    assert "against the same worlds without them" in opening(summary)
    own = "the run's own numbers, shocks included; only the sentence above is the shocks' effect"
    assert lines[first].endswith(own)
    rest = "\n".join(lines[first + 1 :])
    assert not EFFECT_CLAIM.search(rest), EFFECT_CLAIM.search(rest)
    assert "Biggest movers" not in summary
    [(since, what, listed)] = CHANGES.findall(summary)
    run = open_run(retrenchment)
    assert since == run.quarter_labels[0], "changes since the state before the first simulated quarter"
    assert what == "all causes, shocks included; not the shocks' effect"
    label, value = listed.split(", ")[0].rsplit(" ", 1)
    column = next(c for c in run.columns if series_label(c) == label)
    series = run.series(column)
    assert float(value) == pytest.approx(series[-1].mean() - series[0].mean(), abs=0.005), "the run's own change"


@pytest.mark.parametrize(
    ("scenario", "flags", "what"),
    [(BASELINE, [], "all causes"), (RETRENCHMENT, ["--no-twin"], "all causes, shocks included")],
    ids=["no shocks", "no twin"],
)
def test_without_a_twin_the_changes_are_still_named_for_what_they_are(tmp_path, scenario, flags, what):
    printed = run_ok("run", scenario, "--replicates", 2, "--out", tmp_path / "r", "--no-plots", *flags)
    [(since, said, _)] = CHANGES.findall(printed)
    assert (since, said) == ("2024Q4", what)
    assert "the run's own numbers" not in printed, "no effect line to set the numbers apart from"
    assert not EFFECT_CLAIM.search(printed.split("Scenario '", 1)[1])


def test_the_report_names_the_changes_as_all_causes_and_not_the_shocks_effect(retrenchment):
    run_ok("report", retrenchment, "--out", retrenchment / "changes.html")
    page = html.unescape((retrenchment / "changes.html").read_text(encoding="utf-8"))
    headline = page[page.index('id="headline"') : page.index('id="plots"')]
    assert "largest changes since 2024Q4 (all causes, shocks included; not the shocks' effect)" in headline
    assert "they are not what the shocks did" in headline
    assert "biggest movers" not in page.lower()


def test_the_twin_table_has_the_columns_the_reader_expects_and_damage_is_one_line(retrenchment, tmp_path):
    from simulator.runs.run_folder import TABLE_COLUMNS

    header = (retrenchment / TWIN_FILES[0]).read_text(encoding="utf-8").splitlines()[0].split(",")
    assert tuple(header[:3]) == TABLE_COLUMNS[TWIN_FILES[0]]
    assert header == (retrenchment / "timeseries.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    damaged = tmp_path / "damaged"
    shutil.copytree(retrenchment, damaged, ignore=shutil.ignore_patterns("report.html"))
    (damaged / TWIN_FILES[0]).write_text("replicate,step,quarter,coop_EU_JPN\n0,0,2024Q4,0.5\n", encoding="utf-8")
    message = cli_error("report", damaged)
    assert str(damaged / TWIN_FILES[0]) in message and "run the scenario again" in message
