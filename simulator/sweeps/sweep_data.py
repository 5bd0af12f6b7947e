"""A sweep's finished points as its analysis reads them: the worlds, the per-point table and the indices.

:mod:`simulator.sweeps.sensitivity` fills a :class:`SweepData` and writes its tables,
:mod:`simulator.sweeps.sweep_plots` draws from it and :mod:`simulator.sweeps.analysis` summarises it. The
holder lives here, apart from all three, so that each of them can import it without importing
the others; the sweep's Parquet files are read by :class:`simulator.sweeps.sweep.SweepResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from simulator.runs.metrics import never_reached
from simulator.sweeps.sweep import SweepResult

if TYPE_CHECKING:
    from simulator.runs.metrics import Metric
    from simulator.sweeps.experiment import Experiment


@dataclass
class SweepData:
    """The sweep's numbers as the tables, plots and summary need them (first_above gaps already filled).

    Attributes:
        result: The opened sweep.
        worlds: One row per finished world, a ``first_above`` metric that never reached its
            level counted as :attr:`never`.
        table: One row per finished point: factor values, then per metric the mean and the
            5% and 95% quantiles over the point's replicates (the table of ``point_means.csv``).
        indices: Sensitivity indices per metric name, once computed.
        notes: Things skipped or substituted, each one sentence, in the order they arose.
        warning: The sweep's :attr:`~simulator.sweeps.sweep.SweepResult.shortfall` (rows missing from its
            tables), or None when every world of the design is there.
    """

    result: SweepResult
    worlds: pd.DataFrame
    table: pd.DataFrame
    indices: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warning: str | None = None

    @property
    def experiment(self) -> Experiment:
        """The sweep's experiment."""
        return self.result.experiment

    @property
    def complete(self) -> bool:
        """Whether every point of the design has finished."""
        return self.result.complete

    @property
    def censored(self) -> list[str]:
        """Names of the ``first_above`` metrics, whose gaps are filled with :attr:`never`."""
        return [m.name for m in self.experiment.metrics if m.statistic == "first_above"]

    @property
    def never(self) -> int:
        """The quarter a world that never reaches a ``first_above`` level counts as: one past the run."""
        return never_reached(self.experiment.scenario.horizon)

    @property
    def metric(self) -> Metric:
        """The experiment's analysis metric."""
        return metric_named(self.experiment, self.experiment.analysis_metric)


def metric_named(experiment: Experiment, name: str) -> Metric:
    """The experiment's metric called ``name``."""
    return next(m for m in experiment.metrics if m.name == name)
