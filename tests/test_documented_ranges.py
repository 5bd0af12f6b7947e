"""Settings outside a parameter's documented range: warned on stderr, recorded, drawn on plots and in reports."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import yaml

import simulator.presentation.plots
import simulator.sweeps.sweep_plots
from simulator import run, scenario_from_dict
from simulator.inputs.documented_ranges import (
    MANIFEST_KEY,
    OutsideRange,
    caption,
    from_manifest,
    outside_fixed,
    outside_swept,
    title_note,
)
from simulator.presentation.plots import RUN_PLOTS
from simulator.sweeps.experiment import load_experiment

from .conftest import ROOT, SCENARIOS, eujsim

WARNING = (
    "warning: JPN.deference=0.95 is outside its documented range 0.2–0.8; "
    "results rest on a setting the calibration does not argue for"
)
SMALL = {"name": "small", "horizon": 6, "replicates": 2, "seed": 3, "parameters": {"model.spinup_quarters": 40}}
"""A quick scenario whose one override sits at the low end of its documented range (40–120)."""


def write(folder: Path, data: dict, name: str = "small.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_words_and_manifest_entries():
    fixed = OutsideRange("JPN.deference", 0.2, 0.8, value=0.95)
    swept = OutsideRange("JPN.deference", 0.2, 0.8, swept=(0.0, 1.0))
    assert fixed.warning() == WARNING
    assert fixed.to_dict() == {"path": "JPN.deference", "value": 0.95, "low": 0.2, "high": 0.8}
    assert swept.to_dict() == {"path": "JPN.deference", "swept": [0.0, 1.0], "low": 0.2, "high": 0.8}
    assert caption([fixed]) == "Outside documented ranges: JPN.deference=0.95 (0.2–0.8)"
    assert title_note([swept]) == "(outside documented ranges: JPN.deference swept 0–1 beyond 0.2–0.8)"
    assert caption([]) == title_note([]) == ""
    assert from_manifest({MANIFEST_KEY: [fixed.to_dict(), swept.to_dict(), {"path": "broken"}]}) == [fixed, swept]
    assert from_manifest({MANIFEST_KEY: []}, lambda: [fixed]) == []  # recorded: the manifest's word stands
    assert from_manifest({}, lambda: [fixed]) == [fixed]  # written before manifests recorded them: found again
    assert from_manifest({}) == []


def test_only_values_outside_the_documented_range_count():
    assert outside_fixed({"JPN.deference": 0.2, "EU.deference": 0.1}) == []  # both ends are inside
    assert [o.path for o in outside_fixed({"JPN.deference": 0.19, "EU.deference": 0.3})] == [
        "JPN.deference",
        "EU.deference",
    ]
    assert outside_swept([("JPN.deference", 0.2, 0.8), ("shock.x.magnitude", 0.0, 1.0)]) == []
    assert outside_swept([("JPN.deference", 0.2, 0.81)])[0].swept == (0.2, 0.81)


def test_set_outside_its_range_warns_and_is_recorded(tmp_path):
    status, out, err = eujsim(
        "run", write(tmp_path, SMALL), "--set", "JPN.deference=0.95", "--no-plots", "--out", tmp_path / "r"
    )
    assert status == 0, err
    assert err.splitlines() == [WARNING]
    assert "warning" not in out
    assert manifest_of(tmp_path / "r")[MANIFEST_KEY] == [
        {"path": "JPN.deference", "value": 0.95, "low": 0.2, "high": 0.8}
    ]


def test_a_scenario_files_parameters_outside_their_ranges_warn_one_line_each(tmp_path):
    data = {**SMALL, "parameters": {"JPN.deference": 0.95, "model.weight_deference": 1.5, "EU.deference": 0.1}}
    status, _, err = eujsim("run", write(tmp_path, data), "--no-plots", "--out", tmp_path / "r")
    assert status == 0, err
    lines = err.splitlines()
    assert lines[0] == WARNING
    assert lines[1].startswith("warning: model.weight_deference=1.5 is outside its documented range 0.1–0.7;")
    assert len(lines) == 2  # EU.deference 0.1 is inside 0–0.2
    recorded = manifest_of(tmp_path / "r")[MANIFEST_KEY]
    assert [(e["path"], e["value"], e["low"], e["high"]) for e in recorded] == [
        ("JPN.deference", 0.95, 0.2, 0.8),
        ("model.weight_deference", 1.5, 0.1, 0.7),
    ]
    status, _, err = eujsim("validate", tmp_path / "small.yaml")  # an author hears of it before running
    assert status == 0 and len(err.splitlines()) == 2


def test_settings_inside_their_ranges_say_nothing(tmp_path):
    status, _, err = eujsim(
        "run", write(tmp_path, SMALL), "--set", "JPN.deference=0.8", "--no-plots", "--out", tmp_path / "r"
    )
    assert (status, err) == (0, "")
    assert manifest_of(tmp_path / "r")[MANIFEST_KEY] == []


def captured_notes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Patch the run plots' save_figure to keep the texts of each figure's notes instead of saving it."""
    notes: list[list[str]] = []

    def keep(fig, path, **_):
        notes.append([text.get_text() for legend in fig.legends for text in legend.get_texts()])
        plt.close(fig)

    monkeypatch.setattr(simulator.presentation.plots, "save_figure", keep)
    return notes


def test_every_run_plot_carries_the_note(monkeypatch):
    result = run(scenario_from_dict({**SMALL, "parameters": {"JPN.deference": 0.95}}))
    notes = captured_notes(monkeypatch)
    for draw in RUN_PLOTS.values():
        draw(result, Path("unused.png"))
    assert len(notes) == len(RUN_PLOTS)
    for texts in notes:
        assert "Outside documented ranges: JPN.deference=0.95 (0.2–0.8)" in texts


def test_the_headline_plot_with_its_twin_carries_the_note(monkeypatch):
    shocked = {**SMALL, "parameters": {"JPN.deference": 0.95}, "shocks": [{"kind": "us_retrenchment", "at": "2025Q2"}]}
    result = run(scenario_from_dict(shocked), twin=True)
    assert result.twin is not None
    notes = captured_notes(monkeypatch)
    simulator.presentation.plots.plot_headline(result, Path("unused.png"), result.twin)
    assert "Outside documented ranges: JPN.deference=0.95 (0.2–0.8)" in notes[0]


def test_no_note_on_plots_of_settings_inside_their_ranges(monkeypatch):
    result = run(scenario_from_dict(SMALL))
    notes = captured_notes(monkeypatch)
    simulator.presentation.plots.plot_headline(result, Path("unused.png"))
    assert notes and not any("Outside documented ranges" in text for text in notes[0])


def test_report_warns_of_settings_outside_their_ranges(tmp_path):
    out = tmp_path / "r"
    status, _, err = eujsim("run", write(tmp_path, SMALL), "--set", "JPN.deference=0.95", "--no-plots", "--out", out)
    assert status == 0, err
    status, _, err = eujsim("report", out)
    assert status == 0, err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Outside documented ranges: JPN.deference=0.95 (0.2–0.8); these results rest on settings" in page


def test_a_sweep_beyond_the_documented_ranges_says_so_in_warnings_manifest_and_plot_titles(tmp_path, monkeypatch):
    experiment = {
        "name": "beyond",
        "scenario": {**SMALL, "shocks": [{"kind": "us_retrenchment", "name": "US retrenchment", "at": "2025Q3"}]},
        "set": {"model.weight_deference": 1.5},
        "replicates": 2,
        "method": "grid",
        "parameters": {
            "shock.US retrenchment.magnitude": {"low": 0.0, "high": 1.0, "levels": 2},
            "JPN.deference": {"low": 0.0, "high": 1.0, "levels": 2},
        },
        "metrics": ["coop_EU_JPN:final"],
    }
    titles: list[str] = []

    def keep(figure, path):
        titles.extend(t.get_text() for t in [figure._suptitle, *(ax.title for ax in figure.axes)] if t is not None)
        plt.close(figure)
        return [path]

    monkeypatch.setattr(simulator.sweeps.sweep_plots, "_save", keep)
    file = write(tmp_path, experiment, "beyond.yaml")
    status, _, err = eujsim("sweep", file, "--out", tmp_path / "s", "--workers", 1)
    assert status == 0, err
    assert [line for line in err.splitlines() if line.startswith("warning")] == [
        "warning: model.weight_deference=1.5 is outside its documented range 0.1–0.7; results rest on a setting "
        "the calibration does not argue for",
        "warning: JPN.deference is swept 0–1, beyond its documented range 0.2–0.8; results at points outside it "
        "rest on settings the calibration does not argue for",
    ]
    assert manifest_of(tmp_path / "s")[MANIFEST_KEY] == [
        {"path": "model.weight_deference", "value": 1.5, "low": 0.1, "high": 0.7},
        {"path": "JPN.deference", "swept": [0.0, 1.0], "low": 0.2, "high": 0.8},
    ]
    note = "(outside documented ranges: model.weight_deference=1.5 (0.1–0.7); JPN.deference swept 0–1 beyond 0.2–0.8)"
    assert titles and any(note in title for title in titles)


def test_the_shipped_hedging_experiment_names_its_settings_beyond_the_evidence():
    experiment = load_experiment(ROOT / "experiments" / "hedging_vs_deference.yaml")
    assert title_note(experiment.outside_documented_ranges()) == (
        "(outside documented ranges: model.weight_deference=1.5 (0.1–0.7); JPN.deference swept 0–1 beyond 0.2–0.8)"
    )


def test_many_settings_of_one_file_are_one_warning_and_a_counted_caption(tmp_path):
    backcast = SCENARIOS / "historical_1991_2024.yaml"
    status, _, err = eujsim("validate", backcast)
    assert status == 0, err
    lines = err.splitlines()
    assert len(lines) == 1, err  # about twenty values of the 1991 world, said once
    assert lines[0].startswith("warning: 20 settings of ") and "among them EU_JPN.values=0.6 (0.75–1)" in lines[0]
    many = outside_fixed({"JPN.deference": 0.95, "EU.deference": 0.3, "JPN.constraint": 0.9, "EU_JPN.values": 0.5})
    text = caption(many)
    assert text.startswith("Outside documented ranges: 4 settings, among them JPN.deference=0.95 (0.2–0.8)")
    assert "EU_JPN.values" not in text and text.endswith("(manifest.json lists all)")
    assert caption(many[:3]).count("; ") == 2  # three or fewer are named one by one
