"""The explorer's state logic without a browser: edits, simulation, pinned variants, explanations, warnings, export."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pandas as pd
import pytest

from simulator.base.errors import UserError
from simulator.cli.main import main
from simulator.explore import state as st
from simulator.inputs.scenario import scenario_from_dict
from simulator.runs.runner import run

from .conftest import ROOT

SMALL = 20
"""Replicates of the simulating tests: enough for bands, quick on two cores."""


@pytest.fixture(scope="module")
def base() -> st.State:
    return st.with_run_settings(st.load_state("us_retrenchment"), replicates=SMALL)


@pytest.fixture(scope="module")
def simulations() -> st.Simulations:
    """The simulated states of one page, shared by the tests of this module as a page's callbacks share them."""
    return st.Simulations()


def test_a_loaded_state_is_the_file_and_validates_back(base):
    assert base["name"] == "us_retrenchment"
    assert base["shocks"][0]["kind"] == "us_retrenchment"
    assert "effects" not in base["shocks"][0]  # a library shock keeps only its kind
    assert st.scenario_of(base).shocks[0].effects  # … and resolves to the library's effects


def test_edits_return_new_validated_states_and_leave_the_old_one(base):
    moved = st.with_shock_fields(base, 0, at="2027Q3", magnitude=0.5, ramp=2, duration=6, decay=3)
    assert base["shocks"][0]["at"] == "2025Q2"
    shock = st.shock_of(moved, 0)
    assert (shock.magnitude, shock.ramp, shock.duration, shock.decay) == (0.5, 2, 6, 3)
    assert st.with_shock_fields(moved, 0, duration=None)["shocks"][0]["duration"] is None  # persistent again
    with pytest.raises(UserError, match="outside the simulated quarters"):
        st.with_shock_fields(base, 0, at="2040Q1")
    with pytest.raises(UserError):
        st.with_shock_fields(base, 0, magnitude=1.5)


def test_adding_library_and_inline_shocks_names_them_uniquely(base):
    two = st.with_shock(st.with_shock(base, "taiwan_strait_crisis"), "taiwan_strait_crisis", at="2030Q1")
    assert [s["name"] for s in two["shocks"][1:]] == ["taiwan_strait_crisis", "taiwan_strait_crisis #2"]
    assert two["shocks"][1]["at"] == "2026Q1"  # a year into the run by default
    inline = st.with_inline_shock(base, "Japan reform", "JPN.constraint", "multiply", 0.5, "2027Q1")
    assert inline["shocks"][-1]["effects"] == [{"target": "JPN.constraint", "op": "multiply", "value": 0.5}]
    with pytest.raises(UserError, match="unknown shock kind"):
        st.with_shock(base, "alien_invasion")
    with pytest.raises(UserError):
        st.with_inline_shock(base, "x", "JPN.nothing", "add", 1.0)
    assert st.without_shock(two, 1)["shocks"][1]["name"] == "taiwan_strait_crisis #2"


def test_a_drag_on_the_timeline_moves_the_onset_to_the_nearest_quarter_inside_the_run(base):
    assert st.with_shock_moved(base, 0, 7.6)["shocks"][0]["at"] == "2027Q1"  # step 8 of a run from 2025Q1
    assert st.with_shock_moved(base, 0, -3)["shocks"][0]["at"] == "2025Q1"
    assert st.with_shock_moved(base, 0, 99)["shocks"][0]["at"] == "2034Q4"


def test_parameters_set_reset_and_warn_outside_their_documented_range(base):
    set_ = st.with_parameter(base, "JPN.deference", 0.95)
    assert set_["parameters"] == {"JPN.deference": 0.95}
    [line] = st.warnings_of(set_)
    assert line.startswith("JPN.deference=0.95 is outside its documented range 0.2–0.8")
    assert st.warnings_of(st.with_parameter(base, "JPN.deference", 0.7)) == []
    assert st.with_parameter(set_, "JPN.deference", None)["parameters"] == {}
    assert st.with_parameter(base, "JPN.deference", 0.5)["parameters"] == {}  # the calibrated value is not written
    with pytest.raises(UserError, match="out of range"):
        st.with_parameter(base, "JPN.deference", 1.5)
    assert "JPN.deference" in st.slider_parameters(set_)  # a set parameter always has its slider


def test_the_sliders_come_in_the_order_of_the_sensitivity_results():
    table = pd.read_csv(ROOT / "docs" / "sensitivity.csv")
    morris = table[(table.analysis == "morris") & (table.metric == "coop_EU_JPN:final")]
    order = morris.groupby("parameter").mu_star.mean().sort_values(ascending=False)
    assert list(st.INFLUENTIAL) == list(order.index[: len(st.INFLUENTIAL)])


def test_parameter_info_says_meaning_range_and_source():
    info = st.parameter_info("JPN.deference")
    assert (info.low, info.high, info.value) == (0.2, 0.8, 0.5)
    assert "Washington" in info.meaning and "Niquet" in info.source
    assert math.isclose(info.step, 0.01)
    assert "JPN.deference" in st.search_parameters("japan deference")


def test_simulating_a_state_matches_the_api_run_with_its_twin(base, simulations):
    view = simulations.view(base)
    assert simulations.view(dict(base)) is view  # cached by content
    api = run(st.scenario_of(base), twin=True)
    np.testing.assert_array_equal(view.result.series(st.HEADLINE), api.series(st.HEADLINE))
    np.testing.assert_array_equal(view.twin.series(st.HEADLINE), api.twin.series(st.HEADLINE))
    difference = st.shock_difference(view)
    assert difference.mean[-1] == pytest.approx(api.shock_effect().final)
    assert view.effect_line().startswith("The shocks raised final EU–Japan cooperation")


def test_explaining_a_quarter_adds_up_to_the_simulated_change(base, simulations):
    view = simulations.view(base)
    explained = st.explain_at(view, 12)
    assert explained.quarter == "2027Q4"
    assert sum(explained.mean) == pytest.approx(explained.change, abs=1e-9)
    assert abs(explained.mean[0]) == max(abs(m) for m in explained.mean)  # largest first
    assert "the shocks" in explained.labels
    assert explained.sentence().startswith("By 2027Q4 EU–Japan cooperation had changed by")
    assert st.explain_at(view, 999).step == view.scenario.horizon  # a click beyond the run is the last quarter


def test_pinned_variants_are_compared_world_by_world_like_compare(base, simulations):
    stronger = st.with_parameter(base, "model.weight_abandonment", 0.8)
    same = dict(base)
    other_seed = st.with_run_settings(base, seed=7)
    first, second, third = st.compare_variants(
        [st.Variant("as loaded", base), st.Variant("stronger fear", stronger), st.Variant("same", same)], simulations
    ) + st.compare_variants([st.Variant("as loaded", base), st.Variant("seed 7", other_seed)], simulations)
    assert first.paired and first.verdict == "material"
    per_world = simulations.view(stronger).result.series(st.HEADLINE) - simulations.view(base).result.series(
        st.HEADLINE
    )
    assert first.final.mean == pytest.approx(per_world[-1].mean())
    assert second.final.mean == 0 and second.verdict == "negligible"
    assert "too small to matter" in second.sentence("as loaded")
    assert not third.paired and third.final is None and "not paired" in third.sentence("as loaded")
    assert st.compare_variants([st.Variant("alone", base)], simulations) == []


def test_the_exported_yaml_validates_and_reproduces_the_page(base, simulations, tmp_path, capsys):
    edited = st.with_inline_shock(
        st.with_parameter(st.with_shock(base, "cyber_campaign", at="2028Q2"), "JPN.deference", 0.3),
        "Japan reform",
        "JPN.constraint",
        "multiply",
        0.5,
    )
    text = st.export_yaml(edited)
    path = tmp_path / "edited.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    assert st.load_state(path) == edited
    again = run(path)
    np.testing.assert_array_equal(again.series(st.HEADLINE), simulations.view(edited).result.series(st.HEADLINE))
    assert "duration" not in text  # a persistent shock omits it, as a hand-written file does
    assert scenario_from_dict(st._file_form(edited)).parameters == {"JPN.deference": 0.3}


def test_the_report_export_writes_the_html_report_of_a_saved_run(base, tmp_path):
    small = st.with_run_settings(base, replicates=4)
    report = st.write_run_report(small, tmp_path)
    assert report.name == "report.html" and (report.parent / "manifest.json").is_file()
    assert "EU–Japan" in report.read_text(encoding="utf-8")


def test_an_unknown_scenario_is_one_user_error():
    with pytest.raises(UserError, match="no scenario file"):
        st.load_state("no_such_scenario")


def test_explore_without_the_extra_says_how_to_install_it(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "dash" else real(name, *a))
    assert main(["explore"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "pip install 'eujsim[explore]'" in err


def test_explore_with_a_bad_scenario_fails_before_serving(tmp_path, capsys):
    pytest.importorskip("dash", reason="needs the explore extra")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nhorizon: -1\n")
    assert main(["explore", str(bad)]) == 2
    assert "horizon" in capsys.readouterr().err


def test_the_timeline_traces_each_shocks_strength_rising_to_the_top_of_its_row(base, simulations):
    """Row 0 is at the top (the y axis runs downwards): a ramp climbs towards the row's top edge."""
    pytest.importorskip("plotly", reason="the explorer's figures need the explore extra")
    from simulator.explore.figures import timeline_figure

    figure = timeline_figure(base, simulations.view(base))
    assert list(figure.layout.yaxis.range) == [0.5, -0.5]  # one shock, row 0 on top
    (trace,) = [t for t in figure.data if t.mode == "lines"]
    (shock,) = st.scenario_of(base).shocks  # us_retrenchment: ramp 4, persistent
    ys = list(trace.y)
    ramp = ys[: shock.ramp + 1]
    assert ramp == sorted(ramp, reverse=True), "strength rising: the line climbs, y falls on a downward axis"
    assert ys[-1] == pytest.approx(-0.4), "full strength is the row's top edge"


def test_each_page_keeps_its_own_simulations(base):
    """The cache belongs to the page that made it (``make_app`` makes one), not to the module."""
    small = st.with_run_settings(base, replicates=2)
    one, other = st.Simulations(size=1), st.Simulations(size=1)
    view = one.view(small)
    assert one.view(dict(small)) is view
    assert other.view(small) is not view
