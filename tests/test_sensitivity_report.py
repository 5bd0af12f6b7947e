"""The sensitivity page generator on a tiny design: sections, top-k by mu*, convergence from the two runs."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from simulator.reports.sensitivity_report import (
    CONVERGENCE_TOLERANCE,
    FINAL,
    METRICS,
    Settings,
    build_csv,
    build_page,
    convergence,
    largest_change,
    main,
    measure,
    top_parameters,
    verdict,
    write,
)

from .conftest import SCENARIOS

PARAMETERS = ("model.desire_intercept", "JPN.deference", "EU.linkage")


def _experiments(tmp_path):
    screening = tmp_path / "screening.yaml"
    screening.write_text(
        "scenario: baseline.yaml\nmethod: morris\nsamples: 2\nlevels: 4\nreplicates: 1\nparameters:\n"
        + "".join(f"  {p}: {{}}\n" for p in PARAMETERS),
        encoding="utf-8",
    )
    sobol = tmp_path / "sobol.yaml"
    sobol.write_text(
        "scenario: baseline.yaml\nmethod: sobol\nsamples: 4\nreplicates: 1\nparameters:\n  JPN.deference: {}\n",
        encoding="utf-8",
    )
    return screening, sobol


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sensitivity")
    screening, sobol = _experiments(tmp_path)
    settings = Settings(trajectories=2, replicates=1, sobol_samples=4, top_morris=3, top_sobol=2, workers=1)
    scenarios = [SCENARIOS / "baseline.yaml", SCENARIOS / "us_retrenchment.yaml"]
    return measure(scenarios, screening, sobol, settings, tmp_path / "work")


def test_page_has_its_sections_and_every_scenario(measured):
    page = build_page(measured)
    for heading in (
        "## How it was made",
        "## Screening: which parameters matter",
        "### `baseline`: top 3 by mu* of final cooperation",
        "### `us_retrenchment`: top 3 by mu* of final cooperation",
        "## Variance-based indices of the top 2 (`baseline`)",
        f"### `{FINAL}`",
    ):
        assert heading in page
    assert page.count("In `baseline`, final EU–Japan cooperation is driven most by") == 1
    assert page.count("In `us_retrenchment`,") == 1
    assert "Runtime" in page and "cores" in page


def test_sobol_parameters_are_the_top_of_the_baseline_screening_by_mu_star(measured):
    table = measured.screenings[0].indices[FINAL]
    expected = list(table.sort_values("mu_star", ascending=False).parameter.head(2))
    assert measured.chosen == expected
    for run in measured.sobol:
        assert sorted(run.experiment.factor_names) == sorted(expected)
        assert sorted(run.indices[FINAL].parameter) == sorted(expected)
    assert [run.samples for run in measured.sobol] == [4, 8]


def test_convergence_statement_is_computed_from_the_two_runs(measured):
    page = build_page(measured)
    small, large = measured.sobol
    for metric in METRICS:
        a = small.indices[metric].set_index("parameter")
        b = large.indices[metric].set_index("parameter").loc[a.index]
        expected = max((b.S1 - a.S1).abs().max(), (b.ST - a.ST).abs().max())
        assert f"Largest change from N=4 to N=8: {expected:.3f}" in page
    verdicts = re.findall(r"indices have \*\*(not converged|converged)\*\*", page)
    assert len(verdicts) == len(METRICS)


def test_top_parameters_follow_mu_star_and_skip_nan():
    table = pd.DataFrame({"parameter": ["a", "b", "c", "d"], "mu_star": [0.1, float("nan"), 0.3, 0.2]})
    assert top_parameters(table, 2) == ["c", "d"]
    assert top_parameters(table, 10) == ["c", "d", "a"]


def test_verdict_applies_the_tolerance():
    small = pd.DataFrame(
        {"parameter": ["a", "b"], "S1": [0.5, 0.2], "S1_conf": 0.01, "ST": [0.6, 0.3], "ST_conf": 0.02}
    )
    close = small.assign(S1=[0.52, 0.2], ST=[0.6, 0.3 - CONVERGENCE_TOLERANCE / 2])
    far = small.assign(ST=[0.6 + 2 * CONVERGENCE_TOLERANCE, 0.3])
    table = convergence(small, close)
    assert largest_change(table)[1:] == ("b", "ST")
    assert "**converged**" in verdict(table, 4, 8)
    assert "**not converged**" in verdict(convergence(small, far), 4, 8)


def test_docs_are_written_with_every_index(measured, tmp_path):
    write(measured, tmp_path)
    assert (tmp_path / "sensitivity.md").read_text(encoding="utf-8") == build_page(measured)
    csv = pd.read_csv(tmp_path / "sensitivity.csv")
    assert len(csv) == len(build_csv(measured))
    assert set(csv.analysis) == {"morris", "sobol"}
    assert sorted(f.name for f in tmp_path.iterdir()) == ["sensitivity.csv", "sensitivity.md"]


def test_a_missing_scenario_exits_with_status_two(tmp_path, capsys):
    assert main(["--scenarios", str(tmp_path), "--docs", str(tmp_path)]) == 2
    assert "no baseline.yaml" in capsys.readouterr().err
