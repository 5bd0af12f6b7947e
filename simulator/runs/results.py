"""A finished run: pandas tables, headline numbers, and writing the result folder.

Everything a user reads comes from here: ``timeseries`` (one row per replicate
and quarter), ``summary`` (mean and percentiles per quarter and variable, and whether
the variable is held constant), ``events`` (shocks, episodes, milestones) and ``drivers``
(each mechanism's contribution to the quarterly change in EU–JPN cooperation). Series held
at one number in every world and quarter (:mod:`simulator.runs.constants`) are set apart in
the text summary, never ranked among the largest changes. A run may carry its no-shock twin
(``twin``, :mod:`simulator.runs.twin`): then the summary leads with what the shocks did, and the
result folder holds the twin's tables beside the run's.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from simulator.base.calendar import quarter_label
from simulator.base.errors import UserError, clip, near_miss
from simulator.core.structure import (
    ACTIVITIES,
    ACTOR_NAMES,
    CHALLENGERS,
    DOMAIN_LABELS,
    DOMAINS,
    HEADLINE_PAIR,
    MECHANISMS,
    MILESTONES,
    PARTNERS,
)
from simulator.inputs.scenario import Scenario
from simulator.runs.constants import HeldConstant, constant_value, held_constant_pairs
from simulator.runs.ensembles import band_of, manifest_entry
from simulator.runs.metrics import Metric
from simulator.runs.twin import TWIN_FILES, ShockEffect, effect_line, shock_effect
from simulator.storage.output import atomic_folder

if TYPE_CHECKING:
    from simulator.core.recorder import PairHistory, Recorder

EPISODE_LABELS = {
    "gray_zone": "gray-zone incident at sea",
    "military": "military escalation",
    "wmd": "missile or nuclear test",
    "coercion": "economic coercion episode",
    "cyber_hybrid": "cyber or hybrid attack",
}
CRISIS_LABELS = {
    "EU": "split among member states stalls common policy",
    "JPN": "government crisis stalls policy",
}
DOMAIN_MILESTONE = 0.55
"""Level at which a single EU–JPN domain counts as operational cooperation (see MILESTONES)."""
INTERVAL = (5, 95)
"""Percentiles of the reported interval (a 90% band over replicates)."""


@dataclass
class RunResult:
    """Outputs of one scenario run over all its replicates.

    Attributes:
        scenario: The resolved scenario.
        columns: Variable names (see :mod:`simulator.core.recorder`).
        values: (steps + 1, variables, replicates) recorded values; step 0 is the initial state.
        drivers: (steps + 1, replicates, mechanisms, domains) contributions to EU–JPN change.
        episodes: (steps + 1, replicates, challengers, channels) episodes drawn.
        crises: (steps + 1, replicates, partners) domestic crises drawn.
        replicates: Replicate number of each world.
        timings: Seconds spent per phase.
        pair_history: One pair's desire terms, desires and cooperation per step, when the run
            kept them (:class:`~simulator.core.recorder.PairHistory`); else None.
        twin: The same worlds simulated without the scenario's shocks, when they were
            (:func:`simulator.runs.runner.simulate_twin`); None otherwise and for a scenario without shocks.
    """

    scenario: Scenario
    columns: list[str]
    values: np.ndarray
    drivers: np.ndarray
    episodes: np.ndarray
    crises: np.ndarray
    replicates: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    pair_history: PairHistory | None = None
    twin: RunResult | None = field(default=None, repr=False)

    @classmethod
    def from_recorder(
        cls,
        scenario: Scenario,
        recorder: Recorder,
        replicates: np.ndarray,
        *,
        timings: dict[str, float] | None = None,
        pair_history: PairHistory | None = None,
    ) -> RunResult:
        """The result of a run whose quarters ``recorder`` recorded (the runner's and the Mesa model's)."""
        return cls(
            scenario=scenario,
            columns=recorder.columns,
            values=recorder.values,
            drivers=recorder.drivers,
            episodes=recorder.episodes,
            crises=recorder.crises,
            replicates=replicates,
            timings=timings or {},
            pair_history=pair_history,
        )

    # -- basic access -----------------------------------------------------------

    @property
    def steps(self) -> np.ndarray:
        """Step numbers 0..horizon."""
        return np.arange(self.values.shape[0])

    @property
    def quarter_labels(self) -> list[str]:
        """Calendar label of each step: step s is the state at the end of quarter start+s-1."""
        return [quarter_label(self.scenario.start + s - 1) for s in self.steps]

    def series(self, variable: str) -> np.ndarray:
        """(steps + 1, replicates) values of one variable."""
        try:
            return self.values[:, self.columns.index(variable)]
        except ValueError:
            raise UserError(f"no variable '{clip(variable)}'{near_miss(variable, self.columns)}") from None

    def final(self, variable: str = f"coop_{HEADLINE_PAIR}") -> pd.Series:
        """Value of ``variable`` in the last quarter, one entry per replicate."""
        return self._per_replicate(Metric(variable, "final"))

    def peak(self, variable: str = f"coop_{HEADLINE_PAIR}") -> pd.Series:
        """Highest simulated value (steps 1..horizon) of ``variable`` per replicate."""
        return self._per_replicate(Metric(variable, "peak"))

    def _per_replicate(self, metric: Metric) -> pd.Series:
        values = metric.compute(self.series(metric.series))
        return pd.Series(values, index=pd.Index(self.replicates, name="replicate"), name=metric.series)

    @property
    def band(self) -> str:
        """What the run's 90% bands hold: replicate noise only, or parameter uncertainty as well."""
        return band_of(self.scenario)

    def shock_effect(self) -> ShockEffect:
        """What the shocks did to EU–Japan cooperation: this run minus its twin, world by world.

        Raises:
            UserError: if the run has no twin (no shocks, or simulated without one).
        """
        if self.twin is None:
            why = "has no shocks" if not self.scenario.shocks else "was simulated without its twin"
            raise UserError(f"this run {why}, so there is no effect of shocks to state; run it with twin=True")
        return shock_effect(self, self.twin)

    # -- tables -----------------------------------------------------------------

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per replicate and step, wide columns per variable."""
        n_steps, _, n_worlds = self.values.shape
        frame = pd.DataFrame(
            self.values.transpose(2, 0, 1).reshape(n_worlds * n_steps, -1),
            columns=self.columns,
        )
        frame.insert(0, "quarter", np.tile(self.quarter_labels, n_worlds))
        frame.insert(0, "step", np.tile(self.steps, n_worlds))
        frame.insert(0, "replicate", np.repeat(self.replicates, n_steps))
        return frame

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per step and variable: mean, p5, p50, p95 over replicates, and ``held_constant``.

        ``held_constant`` is True on every row of a variable that holds one number in every
        world and quarter (:func:`simulator.runs.constants.constant_value`): its rows describe
        a parameter, not a result.
        """
        stats = {
            "mean": self.values.mean(axis=2),
            "p5": np.percentile(self.values, INTERVAL[0], axis=2),
            "p50": np.percentile(self.values, 50, axis=2),
            "p95": np.percentile(self.values, INTERVAL[1], axis=2),
        }
        n_steps, n_vars = stats["mean"].shape
        frame = pd.DataFrame({key: value.reshape(-1) for key, value in stats.items()})
        frame.insert(0, "variable", np.tile(self.columns, n_steps))
        frame.insert(0, "quarter", np.repeat(self.quarter_labels, n_vars))
        frame.insert(0, "step", np.repeat(self.steps, n_vars))
        constant = [constant_value(self.values[:, i]) is not None for i in range(n_vars)]
        frame["held_constant"] = np.tile(constant, n_steps)
        return frame

    @cached_property
    def held_constant_pairs(self) -> list[HeldConstant]:
        """Pairs whose cooperation is one number in every world and quarter (see :mod:`simulator.runs.constants`)."""
        return held_constant_pairs(self)

    @cached_property
    def drivers_table(self) -> pd.DataFrame:
        """Mean and 90% interval of each mechanism's contribution, per step and domain.

        Rows with domain ``all`` refer to the aggregate ``coop_EU_JPN`` (the mean over
        domains). For every step and domain the ``mean`` column summed over drivers
        equals the mean simulated change of that variable.
        """
        if self.drivers.size == 0:
            return pd.DataFrame(columns=["step", "quarter", "domain", "driver", "mean", "p5", "p95"])
        per_domain = self.drivers[1:]
        aggregate = per_domain.mean(axis=3, keepdims=True)
        data = np.concatenate([aggregate, per_domain], axis=3)  # (S, W, M, 1 + D)
        domains = ["all", *DOMAINS]
        data = data.transpose(0, 1, 3, 2)  # (S, W, 1 + D, M): rows ordered by domain, then driver
        mean = data.mean(axis=1)
        low = np.percentile(data, INTERVAL[0], axis=1)
        high = np.percentile(data, INTERVAL[1], axis=1)
        steps = np.arange(1, data.shape[0] + 1)
        index = pd.MultiIndex.from_product([steps, domains, MECHANISMS], names=["step", "domain", "driver"])
        frame = pd.DataFrame(
            {"mean": mean.reshape(-1), "p5": low.reshape(-1), "p95": high.reshape(-1)}, index=index
        ).reset_index()
        frame.insert(1, "quarter", [self.quarter_labels[s] for s in frame["step"]])
        return frame

    @cached_property
    def events(self) -> pd.DataFrame:
        """Shocks applied (all replicates), stochastic episodes and milestones (per replicate)."""
        rows: list[dict] = []
        horizon = self.scenario.horizon
        start = self.scenario.start

        def add(step: int, kind: str, actor: str, name: str, detail: str, replicate: int | None = None) -> None:
            rows.append(
                {
                    "replicate": replicate,
                    "step": step,
                    "quarter": quarter_label(start + step - 1),
                    "type": kind,
                    "actor": actor,
                    "name": name,
                    "detail": detail,
                }
            )

        for shock in self.scenario.shocks:
            onset = shock.at - start + 1
            add(onset, "shock", "", shock.name, f"{shock.kind} begins (magnitude {shock.magnitude:g})")
            if shock.ramp and onset + shock.ramp <= horizon:
                add(onset + shock.ramp, "shock", "", shock.name, f"{shock.kind} at full effect")
            if shock.duration is not None:
                fade = onset + shock.ramp + shock.duration
                if fade <= horizon:
                    add(fade, "shock", "", shock.name, f"{shock.kind} starts to fade")
                if fade + shock.decay <= horizon:
                    add(fade + shock.decay, "shock", "", shock.name, f"{shock.kind} over")
        if self.episodes.size:
            steps, worlds, actors, channels = np.nonzero(self.episodes)
            for s, w, k, a in zip(steps, worlds, actors, channels, strict=True):
                code, channel = CHALLENGERS[k], ACTIVITIES[a]
                add(
                    int(s),
                    "episode",
                    code,
                    channel,
                    f"{ACTOR_NAMES[code]}: {EPISODE_LABELS[channel]}",
                    int(self.replicates[w]),
                )
        if self.crises.size:
            steps, worlds, partners = np.nonzero(self.crises)
            for s, w, p in zip(steps, worlds, partners, strict=True):
                code = PARTNERS[p]
                add(
                    int(s),
                    "episode",
                    code,
                    "domestic_crisis",
                    f"{ACTOR_NAMES[code]}: {CRISIS_LABELS[code]}",
                    int(self.replicates[w]),
                )
        rows.extend(self._milestones())
        frame = pd.DataFrame(rows, columns=["replicate", "step", "quarter", "type", "actor", "name", "detail"])
        frame["replicate"] = frame["replicate"].astype("Int64")
        order = {"shock": 0, "milestone": 1, "episode": 2}
        frame["_order"] = frame["type"].map(order)
        return (
            frame.sort_values(["step", "_order", "replicate"], na_position="first")
            .drop(columns="_order")
            .reset_index(drop=True)
        )

    def _milestones(self) -> list[dict]:
        rows = []
        start = self.scenario.start
        checks = [(f"coop_{HEADLINE_PAIR}", level, label, "EU–JPN cooperation") for level, label in MILESTONES]
        checks += [
            (f"coop_{HEADLINE_PAIR}_{d}", DOMAIN_MILESTONE, "operational", f"EU–JPN {DOMAIN_LABELS[d]}")
            for d in DOMAINS
        ]
        for variable, level, label, what in checks:
            data = self.series(variable)
            above = data >= level
            for w in range(data.shape[1]):
                initially = above[0, w]
                changed = np.nonzero(above[1:, w] != initially)[0]
                if changed.size:
                    step = int(changed[0]) + 1
                    direction = "falls below" if initially else "reaches"
                    rows.append(
                        {
                            "replicate": int(self.replicates[w]),
                            "step": step,
                            "quarter": quarter_label(start + step - 1),
                            "type": "milestone",
                            "actor": "EU_JPN",
                            "name": f"{variable}>={level:g}",
                            "detail": f"{what} {direction} {level:g} ({label})",
                        }
                    )
        return rows

    # -- headline numbers -------------------------------------------------------

    def interval(self, values: np.ndarray) -> tuple[float, float, float]:
        """Mean and 90% interval of per-replicate values (see :func:`interval`)."""
        return interval(values)

    def text_summary(self, out: Path | None = None) -> str:
        """A short plain-text report of the run's headline numbers, variables named in words.

        It leads with the shocks' effect against the no-shock twin; every number after that is the
        run's own (levels, and changes since the start from all causes, :func:`changes_heading`),
        and says so, so that no change of the run is read as something the shocks did. Pairs held
        constant in every world and quarter get one line of their own, after the largest changes,
        so that no reader takes a repeated parameter for a result.
        """
        from simulator.presentation.labels import constant_lines, series_label

        head = f"coop_{HEADLINE_PAIR}"
        effect = effect_line(self, self.twin, bool(self.scenario.shocks))
        lines = textwrap.wrap(effect, SUMMARY_WIDTH, subsequent_indent="  ", break_on_hyphens=False)
        own = " — the run's own numbers, shocks included; only the sentence above is the shocks' effect"
        lines.append(
            f"Scenario '{self.scenario.name}': {self.values.shape[2]} replicates, "
            f"{self.quarter_labels[1]}–{self.quarter_labels[-1]}{own if self.twin is not None else ''}"
        )
        start = self.interval(self.series(head)[0])
        final = self.interval(self.final(head).to_numpy())
        peak = self.interval(self.peak(head).to_numpy())
        peak_step = int(np.argmax(self.series(head)[1:].mean(axis=1))) + 1
        lines.append(f"  EU–Japan cooperation  start {start[0]:.2f}   final {format_interval(final)}")
        lines.append(
            f"                        peak  {format_interval(peak)}, "
            f"mean path highest in {self.quarter_labels[peak_step]}"
        )
        finals = {d: self.series(f"{head}_{d}")[-1].mean() for d in DOMAINS}
        deepest = sorted(finals, key=finals.get, reverse=True)[:3]
        lines.append("  Deepest domains       " + ", ".join(f"{DOMAIN_LABELS[d]} {finals[d]:.2f}" for d in deepest))
        shown = [f"{series_label(name)} {delta:+.2f}" for name, delta in biggest_movers(self)]
        heading = changes_heading(self.quarter_labels[0], shocks=bool(self.scenario.shocks), twin=self.twin is not None)
        lines.append(f"  {heading}: " + (", ".join(shown) if shown else "none (all within ±0.005)"))
        lines.extend(f"  {line}" for line in constant_lines(self.held_constant_pairs))
        lines.append(f"  Intervals and bands   90% of worlds: {self.band}")
        if out is not None:
            plots = ", plots/" if (out / "plots").is_dir() else ""
            twin = "".join(f", {name}" for name in TWIN_FILES if (out / name).is_file())
            lines.append(
                f"  Results in {out}/ (summary.txt, timeseries.csv, summary.csv, events.csv, drivers.csv{twin}{plots})"
            )
        return "\n".join(lines)

    # -- writing ----------------------------------------------------------------

    def save(
        self,
        out: str | Path,
        *,
        force: bool = False,
        plots: bool = True,
        plot_formats: Sequence[str] = ("png",),
        manifest_extra: dict | None = None,
        renumber: bool = False,
    ) -> Path:
        """Write the result folder atomically and return its path.

        Args:
            out: The result folder.
            force: Replace an existing earlier run there (see :func:`simulator.storage.output.atomic_folder`).
            plots: Draw the plots.
            plot_formats: Write each plot in these formats (``png``, ``svg``, ``pdf``); the manifest lists them.
            manifest_extra: More provenance for ``manifest.json`` (the command line).
            renumber: ``out`` was chosen as a free default: if another process takes it meanwhile,
                write to the next free ``out-2``, ``out-3`` … (the returned path says which).

        Raises:
            UserError: if ``out`` exists (without ``force``) or cannot be written.
        """
        from simulator.presentation.plots import draw_run_plots
        from simulator.runs.manifest import build_manifest

        writer = atomic_folder(Path(out), "run", force=force, renumber=renumber)
        with writer as tmp:
            (tmp / "scenario.yaml").write_text(self.scenario.to_yaml(), encoding="utf-8")
            self.timeseries.to_csv(tmp / "timeseries.csv", index=False, float_format="%.6g")
            self.summary.to_csv(tmp / "summary.csv", index=False, float_format="%.6g")
            (tmp / "summary.txt").write_text(self.text_summary() + "\n", encoding="utf-8")
            self.events.to_csv(tmp / "events.csv", index=False)
            self.drivers_table.to_csv(tmp / "drivers.csv", index=False, float_format="%.6g")
            if self.twin is not None:
                self.twin.timeseries.to_csv(tmp / TWIN_FILES[0], index=False, float_format="%.6g")
                self.twin.summary.to_csv(tmp / TWIN_FILES[1], index=False, float_format="%.6g")
            if plots:
                draw_run_plots(self, tmp / "plots", twin=self.twin, formats=plot_formats)
            ensemble = manifest_entry(self.scenario)
            extra = {"ensemble": ensemble} if ensemble else {}
            formats = list(plot_formats) if plots else []
            extra = {**extra, "twin": self._twin_entry(), "plot_formats": formats, **(manifest_extra or {})}
            timings = dict(self.timings)
            if self.twin is not None:
                timings |= {f"twin_{phase}": seconds for phase, seconds in self.twin.timings.items()}
            manifest = build_manifest(self.scenario, replicates=len(self.replicates), timings=timings, extra=extra)
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return writer.destination

    def _twin_entry(self) -> dict[str, object]:
        """What the manifest says of the twin: its files and what it is, or why the folder has none."""
        if not self.scenario.shocks:
            return {"simulated": False, "why": "the scenario has no shocks"}
        if self.twin is None:
            return {
                "simulated": False,
                "why": "not simulated with this run (eujsim run --no-twin, or in Python without twin=True)",
            }
        return {
            "simulated": True,
            "files": list(TWIN_FILES),
            "what": "the same scenario, seed, replicates, parameters and ensemble rows with every shock removed",
            "shocks_removed": [shock.name for shock in self.scenario.shocks],
        }


SUMMARY_WIDTH = 110
"""Characters per line of the summary's opening sentence (a terminal's width, with room to spare)."""


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 90% interval (:data:`INTERVAL` percentiles) of per-replicate values."""
    low, high = np.percentile(values, INTERVAL)
    return float(np.mean(values)), float(low), float(high)


MOVER_PREFIXES = ("coop_", "threat_", "us_commitment_", "spending_")
"""Series the summaries rank by how much they moved (levels and readings, not activities or draws)."""
MOVER_THRESHOLD = 0.005
"""Smallest move worth naming, on the 0–1 scale."""


class SeriesSource(Protocol):
    """Anything that holds a run's series by name: a :class:`RunResult` or a run folder read back."""

    @property
    def columns(self) -> list[str]:
        """Variable names."""
        ...

    def series(self, variable: str) -> np.ndarray:
        """(replicates, steps) values of one variable."""
        ...


def changes_heading(start_quarter: str, *, shocks: bool, twin: bool) -> str:
    """What the list of :func:`biggest_movers` is, in words: changes since ``start_quarter`` from every cause.

    A run's changes from its first quarter mix what the shocks did with what the model does
    anyway, so the heading says "all causes" and, for a run with shocks, that they are among
    them; with a twin it adds that this is not the shocks' effect, which only the comparison
    with the same worlds without them gives. Shared by the printed summary and the HTML report.

    Args:
        start_quarter: Label of the first recorded quarter (the state before the run), e.g. ``2024Q4``.
        shocks: Whether the scenario has shocks.
        twin: Whether the run's no-shock twin was simulated (its effect is then stated elsewhere).
    """
    head = f"Largest changes since {start_quarter}"
    if not shocks:
        return f"{head} (all causes)"
    if twin:
        return f"{head} (all causes, shocks included; not the shocks' effect)"
    return f"{head} (all causes, shocks included)"


def biggest_movers(run: SeriesSource, count: int = 4) -> list[tuple[str, float]]:
    """The ``count`` series whose mean moved most from the first to the last quarter, with the move.

    Spending is in % of GDP, so its move counts a tenth to be comparable with 0–1 intensities;
    moves below :data:`MOVER_THRESHOLD` (after that scaling) are not named. A series held
    constant in every world and quarter (:func:`~simulator.runs.constants.constant_value`)
    is never a candidate, whatever the threshold.
    """
    moves = []
    for name in run.columns:
        if name.startswith(MOVER_PREFIXES):
            data = run.series(name)
            if constant_value(data) is not None:
                continue
            delta = float(data[-1].mean() - data[0].mean())
            scale = 10.0 if name.startswith("spending_") else 1.0
            moves.append((abs(delta) / scale, name, delta))
    moves.sort(reverse=True)
    return [(name, delta) for size, name, delta in moves[:count] if size > MOVER_THRESHOLD]


def format_interval(stats: tuple[float, float, float]) -> str:
    """``mean (90% interval low–high)`` from :meth:`RunResult.interval`, as the summaries print it."""
    return f"{stats[0]:.2f} (90% interval {stats[1]:.2f}–{stats[2]:.2f})"
