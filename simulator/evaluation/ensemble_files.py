"""The calibrated parameter ensemble as shipped data: a CSV of samples and a YAML of its provenance.

``simulator/data/ensembles/<name>.csv`` holds one accepted ABC sample per row: a ``sample``
column (0 … N−1), then one column per calibrated parameter named by its dotted path.
``<name>.yaml`` says how the samples were made (method, targets, distance, tolerance, prior,
sizes, code commit, date) and summarises each parameter's posterior. ``eujsim run --ensemble``
reads exactly these two files, so the layout is a contract: change it only with that reader.
Each file is written atomically, so neither is ever half written; the YAML goes first, and a crash
between the two leaves a YAML whose ``accepted`` disagrees with the old CSV's rows, which the reader
refuses, rather than a pair that silently mismatches.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.base.yamlio import dump_yaml
from simulator.inputs.ensemble import SAMPLE_COLUMN as SAMPLE
from simulator.inputs.ensemble import SHIPPED_FOLDER
from simulator.storage.output import write_text_atomically

REQUIRED_KEYS = ("method", "accepted", "targets")
"""Keys every ensemble YAML this writer makes has (the reader checks them where present)."""
ENSEMBLE_FOLDER = Path(__file__).resolve().parents[1] / "data" / SHIPPED_FOLDER
"""Where the package's ensembles live (``simulator/data/ensembles``)."""
DATA_PATH = "simulator/data/ensembles"
"""The ensembles folder within the repository: regenerated data, so it does not make the code dirty."""


def ensemble_csv(samples: pd.DataFrame, parameters: Sequence[str]) -> str:
    """The CSV text: ``sample`` then the parameters' columns, one row per sample, full float precision."""
    table = samples[list(parameters)].reset_index(drop=True)
    table.insert(0, SAMPLE, range(len(table)))
    return table.to_csv(index=False, lineterminator="\n")


def write_ensemble(
    folder: Path, name: str, samples: pd.DataFrame, parameters: Sequence[str], provenance: Mapping[str, Any]
) -> tuple[Path, Path]:
    """Write ``<folder>/<name>.csv`` and ``<name>.yaml``, each atomically; return their paths.

    Args:
        folder: The ensembles folder (created if missing).
        name: The ensemble's name (``calibrated``).
        samples: The accepted samples, one column per parameter (other columns are ignored).
        parameters: The parameter columns, in the order they are written.
        provenance: The YAML's content; must hold at least :data:`REQUIRED_KEYS`, and its
            ``accepted`` must equal the number of samples.
    """
    missing = [k for k in REQUIRED_KEYS if k not in provenance]
    if missing:
        raise ValueError(f"the ensemble's provenance misses {', '.join(missing)}")
    if provenance["accepted"] != len(samples):
        raise ValueError(f"provenance says {provenance['accepted']} accepted, but there are {len(samples)} samples")
    csv_path, yaml_path = folder / f"{name}.csv", folder / f"{name}.yaml"
    write_text_atomically(yaml_path, dump_yaml(dict(provenance)))
    write_text_atomically(csv_path, ensemble_csv(samples, parameters))
    return csv_path, yaml_path


def code_commit(where: Path) -> str:
    """The git commit of the code at ``where`` (with ``-dirty`` if the tree has changes), or ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        status = subprocess.run(
            [
                "git",
                "-C",
                str(where),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "simulator",
                "scenarios",
                f":(exclude){DATA_PATH}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if status else head
