"""Parameter ensembles: many plausible calibrations, one per row, to carry parameter uncertainty into runs.

A plain run gives every world the point calibration (each parameter's value in
``data/calibration.yaml``), so its band shows only the noise between replicates. An ensemble is
a table of accepted parameter samples (for the shipped ``calibrated`` ensemble, the samples an
approximate Bayesian computation kept on the historical backcast; docs/calibration.md). A run
with an ensemble gives each world one row, so its band also holds how much the calibrated
numbers themselves are uncertain.

The file format is a CSV with a ``sample`` column (distinct whole numbers from 0 and below 2^53,
usually 0, 1, 2 …) and one column per parameter, named by its dotted path (``JPN.deference``),
plus an optional YAML beside it with the same stem that says how the samples were made. Every key
of that YAML is optional and kept as it is; the reader checks only the three it relies on, when
they are given: ``method`` and ``targets`` must be text, and ``accepted`` must equal the CSV's
number of rows. Every mistake in either file is one :class:`~simulator.base.errors.UserError`
naming the file, the line or column and the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.base.errors import UserError, choices_hint, clip, clip_path, near_miss, quote
from simulator.base.yamlio import read_text, read_yaml
from simulator.inputs.calibration import Calibration, default_calibration

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_COLUMN = "sample"
"""The column that numbers the samples; every other column is a parameter."""
SHIPPED_FOLDER = "ensembles"
"""Folder of ``simulator/data`` that holds the ensembles shipped with the package."""
MAX_ENSEMBLE_BYTES = 64 * 1024 * 1024
"""Largest ensemble CSV read: far above thousands of samples of every parameter, it stops a wrong file early."""
MAX_SAMPLE_ID = 2**53
"""Sample ids are whole numbers below this: every one is exact both as a float and as an int64."""
POINT_BAND = "replicate noise only (point calibration)"
"""What the band of a run without an ensemble holds, in the words every output uses."""


def ensemble_band(name: str, samples: int, method: str) -> str:
    """What the band of a run with an ensemble holds, in the words every output uses.

    Args:
        name: The ensemble's name (``calibrated`` for the shipped one, a file stem for a user's).
        samples: Its number of samples.
        method: How the samples were made, e.g. ``ABC rejection``.
    """
    return f"replicate noise and parameter uncertainty ({name} ensemble: {samples} samples, {method})"


@dataclass(frozen=True, eq=False)
class Ensemble:
    """A validated parameter ensemble: rows of parameter values and where they came from.

    Attributes:
        name: ``calibrated`` for a shipped ensemble, else the CSV file's stem.
        file: The CSV it was read from (absolute for a user's file, so that a saved run finds it again).
        sha256: SHA-256 of the CSV's bytes, so that a saved run names exactly the samples it used.
        parameters: The parameter paths, in the file's column order.
        samples: (N, parameters) values, read-only.
        sample_ids: The ``sample`` column, one per row.
        provenance: The YAML beside the CSV as read (empty without one), read-only.
        shipped: Whether it is one of the package's ensembles (named by ``name`` in manifests).
    """

    name: str
    file: str
    sha256: str
    parameters: tuple[str, ...]
    samples: np.ndarray
    sample_ids: np.ndarray
    provenance: Mapping[str, Any] = field(default_factory=dict)
    shipped: bool = False

    def __eq__(self, other: object) -> bool:
        """Two ensembles are equal when they hold the same samples of the same parameters."""
        if not isinstance(other, Ensemble):
            return NotImplemented
        return (
            self.sha256 == other.sha256
            and self.parameters == other.parameters
            and np.array_equal(self.samples, other.samples)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable-looking arrays inside: not a dict key

    @property
    def size(self) -> int:
        """Number of samples (rows)."""
        return int(self.samples.shape[0])

    @property
    def method(self) -> str:
        """How the samples were made (``method`` of the provenance YAML), or ``method not stated``."""
        method = self.provenance.get("method")
        return " ".join(str(method).split()) if method else "method not stated"

    @property
    def band(self) -> str:
        """What a run's band holds with this ensemble (see :func:`ensemble_band`)."""
        return ensemble_band(self.name, self.size, self.method)

    @property
    def frame(self) -> pd.DataFrame:
        """The samples as a table: ``sample`` and one column per parameter (a copy, for notebooks)."""
        import pandas as pd

        frame = pd.DataFrame(self.samples, columns=list(self.parameters))
        frame.insert(0, SAMPLE_COLUMN, self.sample_ids)
        return frame

    def values(self, rows: np.ndarray, parameters: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """Per-world values: ``{path: samples[rows, path]}`` for ``parameters`` (None: all of them).

        An empty ``parameters`` gives an empty mapping, not every column: when the scenario fixes
        every parameter of the ensemble, none of the ensemble's values may reach the worlds.
        """
        index = {path: i for i, path in enumerate(self.parameters)}
        chosen = self.parameters if parameters is None else parameters
        return {path: self.samples[rows, index[path]].copy() for path in chosen}


def shipped_ensembles() -> list[str]:
    """Names of the ensembles shipped in ``simulator/data/ensembles`` (the stems of their CSVs), sorted."""
    folder = resources.files("simulator.data").joinpath(SHIPPED_FOLDER)
    if not folder.is_dir():
        return []
    return sorted(entry.name[: -len(".csv")] for entry in folder.iterdir() if entry.name.endswith(".csv"))


def _shipped_path(name: str) -> Path:
    """The file of a shipped ensemble (the package is installed as files, as ``calibration.yaml`` is read)."""
    return Path(str(resources.files("simulator.data").joinpath(SHIPPED_FOLDER, f"{name}.csv")))


def is_ensemble_name(text: str) -> bool:
    """Whether ``text`` looks like a shipped ensemble's name rather than a file: no folder, no ``.csv``."""
    return "/" not in text and "\\" not in text and not text.lower().endswith(".csv")


def _existing(text: str) -> Path | None:
    """``text`` as a path if something exists there (None for text no path could be, such as a NUL byte)."""
    try:
        path = Path(text)
        return path if path.exists() else None
    except (OSError, ValueError):
        return None


def load_ensemble(source: str | Path, calibration: Calibration | None = None) -> Ensemble:
    """Read and check an ensemble: a shipped one by name (``"calibrated"``) or a CSV file.

    Which one ``source`` means, in this order: the exact name of a shipped ensemble (a string
    without a folder or ``.csv``; write ``./calibrated`` for a file of that name); then an existing
    file, read as an ensemble CSV whatever its extension (``samples.txt`` too); then, for a bare
    name, an unknown shipped name; anything else is the path of a CSV that does not exist. An
    existing folder is refused: it is neither. The provenance of a user's CSV is the YAML of the
    same stem beside it, if there is one.

    Args:
        source: ``"calibrated"`` or the path of a CSV.
        calibration: The parameter table the columns must belong to (the packaged one by default).

    Raises:
        UserError: for an unknown name (listing the shipped ones), a missing or unreadable file, or any
            value, column or provenance entry that is wrong, naming the file, line or column and the fix.
    """
    calibration = calibration or default_calibration()
    text = str(source)
    names = shipped_ensembles()
    bare = isinstance(source, str) and is_ensemble_name(text)
    existing = None if bare and text in names else _existing(text)
    if existing is not None and existing.is_dir():
        raise UserError(
            f"takes a shipped name such as 'calibrated' or an ensemble CSV file; {clip_path(text)} is a folder",
            field="--ensemble",
        )
    shipped = bare and existing is None
    if shipped:
        if text not in names:
            known = f"the shipped ones are: {choices_hint(names)}" if names else "none is shipped with this version"
            raise UserError(
                f"no ensemble named '{clip(text)}'{near_miss(text, names)} and no file of that name ({known}); "
                "or give the path of your own CSV, e.g. --ensemble my_samples.csv",
                field="--ensemble",
            )
        path = _shipped_path(text)
    else:
        path = Path(source)
    raw = read_text(path, limit=MAX_ENSEMBLE_BYTES)
    parameters, ids, samples = parse_samples(raw.removeprefix("\ufeff"), str(path), calibration)
    provenance = _read_provenance(path, len(ids))
    samples.setflags(write=False)
    ids.setflags(write=False)
    return Ensemble(
        name=text if shipped else path.stem,
        file=str(path if shipped else path.resolve()),
        sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        parameters=parameters,
        samples=samples,
        sample_ids=ids,
        provenance=MappingProxyType(provenance),
        shipped=shipped,
    )


def parse_samples(text: str, file: str, calibration: Calibration) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Check the CSV text of an ensemble and return its parameter paths, sample ids and (N, P) values.

    Raises:
        UserError: naming the file, the line (the header is line 1) and column of the first problem.
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UserError(
            "the file is empty; an ensemble needs a header 'sample,<parameter>,…' (e.g. sample,JPN.deference) "
            "and one row per sample",
            file=file,
            line=1,
        )
    header = [cell.strip() for cell in rows[0]]
    if SAMPLE_COLUMN not in header:
        raise UserError(
            f"the header has no '{SAMPLE_COLUMN}' column; add one numbering the rows 0, 1, 2 …",
            file=file,
            line=1,
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise UserError(f"column '{clip(name)}' appears twice; keep one", file=file, line=1, field=name)
        seen.add(name)
        if name != SAMPLE_COLUMN:
            calibration.check_path(name, file=file, line=1, field=f"column {name}")
    parameters = tuple(name for name in header if name != SAMPLE_COLUMN)
    if not parameters:
        raise UserError(
            "the file has no parameter columns; add one column per parameter, named by its path (e.g. JPN.deference)",
            file=file,
            line=1,
        )
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        raise UserError("the file has a header but no samples; add at least one row", file=file, line=1)
    values = np.empty((len(body), len(header)))
    for i, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise UserError(
                f"the row has {len(row)} values but the header has {len(header)} columns; give one value per column",
                file=file,
                line=line,
            )
        for j, (name, cell) in enumerate(zip(header, row, strict=True)):
            values[i, j] = _number(cell, name, file, line, calibration)
    ids = values[:, header.index(SAMPLE_COLUMN)]
    _check_ids(ids, [line for line, _ in body], file)
    columns = [header.index(path) for path in parameters]
    return parameters, ids.astype(np.int64), np.ascontiguousarray(values[:, columns])


def _number(cell: str, column: str, file: str, line: int, calibration: Calibration) -> float:
    """One cell as a number checked against its parameter's bounds (or, for ``sample``, only finite)."""
    where = f"column {column}"
    try:
        value = float(cell.strip())
    except ValueError:
        raise UserError(
            f"{quote(cell.strip())} is not a number; every cell of an ensemble is a number",
            file=file,
            line=line,
            field=where,
        ) from None
    if not math.isfinite(value):
        raise UserError(
            f"{quote(cell.strip())} is not a finite number; give a number", file=file, line=line, field=where
        )
    if column == SAMPLE_COLUMN:
        return value
    return calibration.check_value(column, value, file=file, line=line, field=where)


def _check_ids(ids: np.ndarray, lines: list[int], file: str) -> None:
    """Sample ids are distinct whole numbers in [0, 2^53), so that a run can name the rows it used.

    The bound keeps every id exact as a float (the CSV is read as numbers) and as an int64 (what
    the manifest and the per-world tables record); a larger number would come out as another id.
    Gaps and any order are allowed, so that accepted samples can keep the numbers they had among
    all those drawn.
    """
    seen: set[int] = set()
    for value, line in zip(ids, lines, strict=True):
        if not 0 <= value < MAX_SAMPLE_ID or value != int(value):
            raise UserError(
                f"sample {value:g} is not a whole number from 0 to 2^53 − 1; number the rows 0, 1, 2 …",
                file=file,
                line=line,
                field=f"column {SAMPLE_COLUMN}",
            )
        if int(value) in seen:
            raise UserError(
                f"sample {int(value)} appears twice; number the rows 0, 1, 2 …",
                file=file,
                line=line,
                field=f"column {SAMPLE_COLUMN}",
            )
        seen.add(int(value))


PROVENANCE_TEXT = ("method", "targets")
"""Provenance keys that must be text when given (the rest are kept as they are)."""


def provenance_file(csv_path: Path) -> Path:
    """The YAML that describes an ensemble CSV: same folder, same stem, ``.yaml``."""
    return csv_path.with_suffix(".yaml")


def _read_provenance(csv_path: Path, rows: int) -> dict[str, Any]:
    """The ensemble's provenance YAML (an empty mapping without one), checked where the run relies on it.

    Raises:
        UserError: if the YAML is not a mapping, ``method`` or ``targets`` is not text, or ``accepted``
            is not the CSV's number of rows.
    """
    path = provenance_file(csv_path)
    if not path.exists():
        return {}
    loaded = read_yaml(path)
    data = loaded.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError("an ensemble's provenance is a mapping (method, targets, accepted, …)", file=path, line=1)
    for key in PROVENANCE_TEXT:
        if key in data and not isinstance(data[key], str):
            raise UserError(
                f"'{key}' must be text, got {quote(data[key])}", file=path, line=loaded.line_of((key,)), field=key
            )
    if "accepted" in data:
        accepted = data["accepted"]
        if isinstance(accepted, bool) or not isinstance(accepted, int):
            raise UserError(
                f"'accepted' must be a whole number, got {quote(accepted)}",
                file=path,
                line=loaded.line_of(("accepted",)),
                field="accepted",
            )
        if accepted != rows:
            raise UserError(
                f"says {accepted} samples were accepted but {csv_path.name} has {rows} rows; "
                "the two files do not belong together: regenerate them or correct 'accepted'",
                file=path,
                line=loaded.line_of(("accepted",)),
                field="accepted",
            )
    return {str(key): value for key, value in data.items()}
