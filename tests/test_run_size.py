"""A run too large for this machine is refused before anything is allocated, with the estimate and the fix."""

from __future__ import annotations

import tracemalloc

import pytest

import simulator.runs.run_size
from simulator.runs.run_size import RUN_BYTES_PER_WORLD_QUARTER, check_run_fits, run_memory
from simulator.runs.runner import simulate

from .conftest import SCENARIOS, cli_error, eujsim, make_scenario

GIB = 2**30


@pytest.fixture
def machine_with(monkeypatch):
    """Pretend the machine has a given number of bytes available."""

    def set_available(size: int | None) -> None:
        monkeypatch.setattr(simulator.runs.run_size, "available_memory", lambda: size)

    return set_available


def test_a_million_replicates_are_refused_before_anything_is_allocated(tmp_path, machine_with):
    # the most --replicates allows (scenario.REPLICATES_RANGE); more is refused before this check
    machine_with(8 * GIB)
    tracemalloc.start()
    try:
        message = cli_error("run", SCENARIOS / "baseline.yaml", "--replicates", 1_000_000, "--out", tmp_path / "r")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "a run of 1,000,000 replicates x 40 quarters needs about 164 GB of memory" in message
    assert "this machine has 8.6 GB available; use at most about 52,377 replicates" in message
    assert "`eujsim sweep`" in message
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MiB traced before refusing"
    assert not (tmp_path / "r").exists()


def test_validate_refuses_a_file_that_cannot_run_here(tmp_path, machine_with):
    machine_with(24 * GIB)
    big = tmp_path / "big.yaml"
    big.write_text("name: big\nreplicates: 1000000\nhorizon: 400\n", encoding="utf-8")
    message = cli_error("validate", big)
    assert message.startswith(f"eujsim: error: {big} (replicates): a run of 1,000,000 replicates x 400 quarters")
    assert "1.6 TB" in message


def test_a_batch_with_one_run_too_large_runs_nothing(tmp_path, machine_with):
    machine_with(2 * GIB)
    small = tmp_path / "small.yaml"
    small.write_text("name: small\nhorizon: 4\nreplicates: 2\n", encoding="utf-8")
    big = tmp_path / "big.yaml"
    big.write_text("name: big\nhorizon: 400\nreplicates: 100000\n", encoding="utf-8")
    message = cli_error("run", small, big, "--out", tmp_path / "out", "--no-plots")
    assert str(big) in message
    assert not (tmp_path / "out").exists(), "the small run must not run either"


def test_explain_and_compare_check_before_simulating(tmp_path, machine_with):
    status, _, err = eujsim(
        "run", SCENARIOS / "baseline.yaml", "--replicates", 200, "--out", tmp_path / "r", "--no-plots"
    )
    assert status == 0, err
    machine_with(run_memory(200, 40, explained=True) - 1)
    assert "explaining a run of 200 replicates x 40 quarters" in cli_error("explain", tmp_path / "r")
    machine_with(run_memory(200, 40) - 1)
    message = cli_error("compare", SCENARIOS / "us_retrenchment.yaml", tmp_path / "r", "--out", tmp_path / "c")
    assert "us_retrenchment.yaml (replicates): a run of 200 replicates" in message
    assert not (tmp_path / "c").exists()


def test_an_unknown_amount_of_memory_refuses_nothing(machine_with):
    machine_with(None)
    check_run_fits(10**9, 400)


def test_the_estimate_covers_what_a_run_really_allocates(tmp_path):
    """The coefficient holds what each extra world costs a run and its saving (traced), and is not far above it."""
    simulate(make_scenario(horizon=4, replicates=2)).save(tmp_path / "warm-up", plots=False)  # one-time caches
    peaks = {}
    for worlds in (100, 300):
        tracemalloc.start()
        try:
            simulate(make_scenario(horizon=20, replicates=worlds)).save(tmp_path / f"run{worlds}", plots=False)
            _, peaks[worlds] = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    extra = peaks[300] - peaks[100]
    estimate = run_memory(200, 20)
    assert extra <= estimate <= 2 * extra, (extra, estimate, RUN_BYTES_PER_WORLD_QUARTER)
