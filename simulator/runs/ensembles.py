"""Runs over a parameter ensemble: which row each world takes, what the scenario keeps, what is recorded.

With an ensemble (:mod:`simulator.inputs.ensemble`) world r takes its calibrated values from
row :func:`~simulator.core.randomness.ensemble_rows` ``(seed, r)``, a function of the scenario's
seed and the replicate number only, so that replicate r gets the same row however many
replicates run, in any batch, and in every scenario with the same seed.

Precedence: a parameter the scenario sets (in its file's ``parameters`` or with ``--set``) keeps
the scenario's value in every world. Those are statements about the world of that scenario; the
ensemble replaces only the calibrated default values. The parameters kept this way are named in
the run's manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from simulator.base.errors import UserError
from simulator.core.randomness import ensemble_rows
from simulator.inputs.ensemble import POINT_BAND, Ensemble, ensemble_band, load_ensemble
from simulator.inputs.scenario import Scenario

ROW_RULE = (
    "replicate r takes row permutation_k[r mod N] of block k = r div N, "
    "the permutation drawn from (seed, k); every block of N replicates uses each row once"
)
"""How worlds get their rows, as the manifest states it."""


def fixed_by_scenario(scenario: Scenario) -> tuple[str, ...]:
    """The ensemble's parameters that the scenario sets itself, which keep the scenario's value."""
    if scenario.ensemble is None:
        return ()
    return tuple(path for path in scenario.ensemble.parameters if path in scenario.parameters)


def ensemble_overrides(scenario: Scenario, replicates: np.ndarray) -> dict[str, np.ndarray] | None:
    """Per-world values of the ensemble's parameters for worlds ``replicates`` (None without an ensemble).

    Parameters the scenario sets are left out, so that the model's scenario values stand for them;
    when it sets all of them the mapping is empty and every world runs with the scenario's values.
    """
    ensemble = scenario.ensemble
    if ensemble is None:
        return None
    fixed = set(fixed_by_scenario(scenario))
    free = tuple(path for path in ensemble.parameters if path not in fixed)
    if not free:
        return {}
    rows = ensemble_rows(scenario.seed, replicates, ensemble.size)
    return ensemble.values(rows, free)


def replicate_samples(scenario: Scenario, replicates: np.ndarray) -> np.ndarray | None:
    """The ``sample`` id each replicate used (None without an ensemble)."""
    ensemble = scenario.ensemble
    if ensemble is None:
        return None
    return ensemble.sample_ids[ensemble_rows(scenario.seed, replicates, ensemble.size)]


def band_of(scenario: Scenario) -> str:
    """What the run's bands hold: replicate noise only, or also the ensemble's parameter uncertainty."""
    return POINT_BAND if scenario.ensemble is None else scenario.ensemble.band


def manifest_entry(scenario: Scenario) -> dict[str, Any] | None:
    """The ``ensemble`` entry of a run's manifest: what was used and what the scenario kept (None without one)."""
    ensemble = scenario.ensemble
    if ensemble is None:
        return None
    provenance = ensemble.provenance
    return {
        "name": ensemble.name,
        "shipped": ensemble.shipped,
        "file": ensemble.file,
        "sha256": ensemble.sha256,
        "samples": ensemble.size,
        "method": ensemble.method,
        "targets": str(provenance["targets"]) if "targets" in provenance else None,
        "parameters": list(ensemble.parameters),
        "fixed_by_scenario": list(fixed_by_scenario(scenario)),
        "row_rule": ROW_RULE,
        "band": ensemble.band,
    }


def saved_band(manifest: dict[str, Any]) -> str:
    """What the bands of a saved run hold, from its manifest (a run saved without an ensemble: the point)."""
    entry = manifest.get("ensemble")
    if not isinstance(entry, dict):
        return POINT_BAND
    return ensemble_band(str(entry.get("name", "?")), int(entry.get("samples", 0) or 0), str(entry.get("method", "?")))


def saved_ensemble(manifest: dict[str, Any], folder: Path) -> Ensemble | None:
    """The ensemble a saved run used, read again and checked to be the same file (None if it used none).

    Raises:
        UserError: if the ensemble can no longer be read, or its file has changed since the run.
    """
    entry = manifest.get("ensemble")
    if not isinstance(entry, dict):
        return None
    source = str(entry.get("name")) if entry.get("shipped") else str(entry.get("file"))
    try:
        ensemble = load_ensemble(source)
    except UserError as exc:
        raise UserError(
            f"the run used the parameter ensemble {source}, which cannot be read now ({exc}); "
            "run the scenario again with an ensemble that exists",
            file=folder,
        ) from None
    if ensemble.sha256 != entry.get("sha256"):
        raise UserError(
            f"the run used the parameter ensemble {source}, whose file has changed since (its sha256 differs); "
            "run the scenario again to use the new samples",
            file=folder,
        )
    return ensemble
