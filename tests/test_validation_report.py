"""The validation report generator: tuned numbers resolve, bad usage exits 2, the report is written atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.evaluation.validation import Estimate
from simulator.inputs.scenario import load_scenario
from simulator.reports.validation_report import (
    BACKCAST,
    TUNED,
    _boundary_sentence,
    main,
)
from simulator.storage.output import write_text_atomically

from .conftest import SCENARIOS


def test_every_tuned_number_is_found_in_the_backcast():
    scenario = load_scenario(SCENARIOS / f"{BACKCAST}.yaml")
    for tuned in TUNED:
        value = tuned.value(scenario)
        assert isinstance(value, float), tuned
        assert tuned.why


def test_boundary_sentence_names_the_smallest_effect_inside_the_ranges_and_where_it_runs_out():
    grid = [
        (0.2, 0.4, Estimate(0.08, 0.07, 0.09)),
        (0.8, 0.7, Estimate(0.05, 0.04, 0.06)),
        (1.0, 1.5, Estimate(0.0, -0.001, 0.001)),
    ]
    text = _boundary_sentence(grid)
    assert "JPN.deference=0.8, model.weight_deference=0.7" in text
    assert "(1, 1.5)" in text and "(0.2, 0.4)" not in text


def test_usage_errors_exit_with_status_two(tmp_path, capsys):
    assert main(["--replicates", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err
    assert main(["--scenarios", str(tmp_path)]) == 2
    assert BACKCAST in capsys.readouterr().err
    assert main(["--joint-points", "3"]) == 2
    assert "--joint-points" in capsys.readouterr().err
    # The out-of-sample table comes from `make calibrate`: its absence is said before anything runs.
    assert main(["--docs", str(tmp_path)]) == 2
    assert "make calibrate" in capsys.readouterr().err


def test_report_is_written_atomically_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "docs" / "validation.md"
    write_text_atomically(target, "first")
    write_text_atomically(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["validation.md"]


def test_a_failed_write_keeps_the_old_report(tmp_path, monkeypatch):
    target = tmp_path / "validation.md"
    target.write_text("old")

    def broken_replace(src: str, dst: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("simulator.storage.output.os.replace", broken_replace)
    with pytest.raises(OSError):
        write_text_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["validation.md"]
