"""Scenario discovery: where in a sweep's inputs a condition on a metric holds.

``discover(sweep, "coop_EU_JPN:final > 0.55")`` marks every design point where the condition
holds on the point's mean over its replicates, and asks the EMA Workbench's PRIM (the Patient
Rule Induction Method, Friedman & Fisher 1999, as Bryant & Lempert 2010 use it for scenario
discovery) for a box of the inputs, a range per input, in which the condition holds at most of
the points. PRIM starts from the box of all points and repeatedly peels off the thin slice
(``peel_alpha`` of the points in the box, at the low or the high end of one input) whose removal
raises the share of points where the condition holds the most, down to a box of ``mass_min`` of
the points; then it pastes back slices that raise that share again. Each box on the way is a step
of the *peeling trajectory*, with two numbers:

* **density**: of the points inside the box, the share where the condition holds (how reliable
  the box is as a description of where it holds);
* **coverage**: of all points where the condition holds, the share inside the box (how much of
  where it holds the box explains).

Peeling trades coverage for density. The box reported is the one with the **highest coverage
among the boxes whose density is at least** ``min_density`` (0.8 by default): the widest
description of where the condition holds that is still right as often as asked. Ties go to the
denser box, then to the one that restricts fewer inputs, then to the earlier one; if no box
reaches ``min_density``, it is the densest box, and a note says so
(:func:`simulator.sweeps.rule_induction.choose_box`). With ``method="cart"`` the candidates are
the leaves of a classification tree (``ema_workbench.analysis.cart``) instead of PRIM's
trajectory, chosen by the same rule.

This module reads the sweep, marks the points, puts the finding into words and writes its files;
:mod:`simulator.sweeps.rule_induction` runs the workbench and counts the boxes, and
:mod:`simulator.sweeps.discovery_plots` draws them.

Why point means: a sweep's question is about the inputs, and replicates of one point differ only
by chance events; the per-point table is the one ``indices/point_means.csv`` holds, with a
``first_above`` metric counted as ``horizon + 1`` in a world that never reaches its level
(:func:`simulator.sweeps.sensitivity.tabulate_points`), so ``coop_EU_JPN:first_above@0.55 <= 12``
never holds where the level is not reached.

A condition that holds at no point, or at every point, has no region to find: the result says
so in its summary (``outcome`` ``"nowhere"`` or ``"everywhere"``) instead of failing.

The EMA Workbench is an optional extra (``pip install 'eujsim[discover]'``) and is imported only
when a discovery runs: it loads matplotlib, seaborn and scikit-learn, about 3 s.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from simulator.base.errors import UserError, choices_hint, near_miss, quote
from simulator.presentation.formats import DEFAULT_FORMATS, PLOT_FORMATS
from simulator.runs.metrics import REACHED, parse_metric
from simulator.storage.output import write_text_atomically
from simulator.sweeps.conditions import Condition, parse_condition
from simulator.sweeps.discovery_plots import draw_discovery_plots
from simulator.sweeps.rule_induction import (
    InputSpace,
    box_table,
    cart_boxes,
    choose_box,
    load_ema,
    prim_boxes,
    range_text,
    trajectory_of,
)
from simulator.sweeps.sensitivity import tabulate_points
from simulator.sweeps.sweep import SweepResult, open_sweep

if TYPE_CHECKING:
    from collections.abc import Sequence

    from simulator.sweeps.sweep_data import SweepData

DISCOVER_DIR = Path("analysis") / "discover"
"""Where in a sweep folder each discovery gets its folder, ``analysis/discover/<condition slug>/``."""
DISCOVERY_FILE = "discovery.json"
BOX_FILE = "box.csv"
TRAJECTORY_FILE = "trajectory.csv"
DISCOVERY_FILES = (
    DISCOVERY_FILE,
    BOX_FILE,
    TRAJECTORY_FILE,
    *(f"{stem}.{fmt}" for stem in ("tradeoff", "box") for fmt in PLOT_FORMATS),
)
"""Every file a discovery folder may hold (the sweep folder's layout in :mod:`simulator.storage.ownership`)."""
METHODS = ("prim", "cart")
MIN_DENSITY = 0.8
"""Default density the reported box must reach: the condition holds at 4 of 5 points inside it."""
MASS_MIN = 0.05
"""Default smallest box PRIM peels to (and smallest CART leaf), as a share of the points."""
PEEL_ALPHA = 0.05
"""Default share of the box's points PRIM peels off in a step."""
PASTE_ALPHA = 0.05
"""Default share PRIM pastes back in a step."""

Outcome = Literal["box", "nowhere", "everywhere"]


@dataclass
class Discovery:
    """Where a condition holds in a sweep's inputs: the chosen box and how PRIM (or CART) got there.

    Attributes:
        condition: The condition, as parsed.
        method: ``prim`` or ``cart``.
        min_density: The density the chosen box had to reach.
        outcome: ``box`` when there was a region to find; ``nowhere`` or ``everywhere`` when the
            condition holds at no point or at every point (then the box is every input's full range).
        box: One row per input: ``input``, ``low``, ``high`` (the box), ``restricted`` (whether the
            box narrows it), ``full_low``, ``full_high`` (the swept range) and ``quasi_p`` (PRIM's
            one-sided binomial test of the restriction, Bryant & Lempert 2010: above about 0.05 the
            restriction may be chance; NaN where there is none or for CART). Restricted inputs
            first, the most narrowed first.
        coverage: Share of the points where the condition holds that lie in the box.
        density: Share of the points in the box where the condition holds.
        in_box: Points in the box.
        holding_in_box: Points in the box where the condition holds.
        total: Points analysed (the design's finished points).
        holding: Points where the condition holds.
        trajectory: One row per candidate box (PRIM's peeling and pasting steps, or CART's leaves):
            ``step``, ``coverage``, ``density``, ``mass`` (share of all points in the box),
            ``points``, ``holding``, ``restricted`` (inputs restricted) and ``chosen``.
        chosen: The row of ``trajectory`` reported, or None when there was nothing to find.
        summary: The finding in one plain-English sentence.
        notes: What a reader should know besides (a substituted value, no box reaching the density).
        table: The points: each input, the metric, ``holds`` and ``in_box``.
        context: A line naming the experiment, scenario and design, for plot titles ('' for a bare table).
        space: The inputs searched, their full ranges and how their values are written.
    """

    condition: Condition
    method: str
    min_density: float
    outcome: Outcome
    box: pd.DataFrame
    coverage: float
    density: float
    in_box: int
    holding_in_box: int
    total: int
    holding: int
    trajectory: pd.DataFrame
    chosen: int | None
    summary: str
    notes: list[str] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    context: str = ""
    space: InputSpace | None = None

    @property
    def restricted(self) -> dict[str, tuple[float, float]]:
        """The inputs the box narrows, with its low and high end on each."""
        rows = self.box[self.box["restricted"]]
        return {row.input: (float(row.low), float(row.high)) for row in rows.itertuples()}

    @property
    def unrestricted(self) -> list[str]:
        """The inputs the box leaves at their full range."""
        return self.box.loc[~self.box["restricted"], "input"].tolist()

    def range_text(self, name: str, low: float, high: float) -> str:
        """A range of one input as the summary writes it (see :func:`~simulator.sweeps.rule_induction.range_text`)."""
        if self.space is None:  # a Discovery built by hand
            return f"{low:.3g}–{high:.3g}"
        return range_text(self.space, name, low, high)

    def save(self, folder: str | Path, plot_formats: Sequence[str] = DEFAULT_FORMATS) -> list[Path]:
        """Write the discovery into ``folder``, its plots in ``plot_formats`` (see :func:`write_discovery`)."""
        return write_discovery(self, Path(folder), plot_formats)


def check_options(method: str, min_density: float, mass_min: float, peel_alpha: float, paste_alpha: float) -> None:
    """Refuse a method or a share outside what PRIM and CART accept, in one line each."""
    if method not in METHODS:
        raise UserError(
            f"unknown discovery method {quote(method)}{near_miss(str(method), METHODS)}; choose prim or cart",
            field="method",
        )
    checks = (
        ("min_density", min_density, "a share above 0 and at most 1, e.g. 0.8", lambda v: 0 < v <= 1),
        ("mass_min", mass_min, "a share above 0 and below 1, e.g. 0.05", lambda v: 0 < v < 1),
        ("peel_alpha", peel_alpha, "a share above 0 and below 0.5, e.g. 0.05", lambda v: 0 < v < 0.5),
        ("paste_alpha", paste_alpha, "a share above 0 and below 0.5, e.g. 0.05", lambda v: 0 < v < 0.5),
    )
    for name, value, what, ok in checks:
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if number is None or not math.isfinite(number) or not ok(number):
            raise UserError(f"{quote(value)} is not {what}", field=name)


def _checked_options(
    method: str, min_density: float, mass_min: float, peel_alpha: float, paste_alpha: float
) -> dict[str, float]:
    """The search's shares as keyword arguments (``mass_min``, ``peel_alpha``, ``paste_alpha``), once checked."""
    check_options(method, min_density, mass_min, peel_alpha, paste_alpha)
    return {"mass_min": mass_min, "peel_alpha": peel_alpha, "paste_alpha": paste_alpha}


def discover(
    source: SweepResult | str | Path | pd.DataFrame,
    condition: str | Condition,
    *,
    method: str = "prim",
    min_density: float = MIN_DENSITY,
    inputs: Sequence[str] | None = None,
    mass_min: float = MASS_MIN,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
) -> Discovery:
    """Find the box of inputs where ``condition`` holds, over a sweep's per-point means.

    Args:
        source: A sweep folder, an opened sweep, or a table with one row per point (its inputs
            and metric columns, such as ``indices/point_means.csv``).
        condition: ``METRIC OP VALUE`` with OP one of ``> >= < <= ==``, e.g.
            ``"coop_EU_JPN:first_above@0.55 <= 12"``; METRIC is a metric the sweep kept (or any
            column of the per-point table that is not an input, such as ``coop_EU_JPN:final:p05``).
        method: ``prim`` (the peeling trajectory) or ``cart`` (the leaves of a classification tree).
        min_density: The density the reported box must reach (see the module's docstring for the rule).
        inputs: The inputs to search; default every factor of the sweep, or for a table every column
            without ``:`` in its name other than ``point`` and the condition's metric.
        mass_min: Smallest box PRIM peels to (and smallest CART leaf), as a share of the points.
        peel_alpha: Share of the box's points PRIM peels off in a step.
        paste_alpha: Share PRIM pastes back in a step.

    Returns:
        The discovery, with its box, statistics, trajectory and summary sentence.

    Raises:
        UserError: for a condition that cannot be read, a metric or input the table does not have,
            an option out of range, or a missing EMA Workbench.
    """
    options = _checked_options(method, min_density, mass_min, peel_alpha, paste_alpha)
    condition = condition if isinstance(condition, Condition) else parse_condition(condition)
    load_ema(method)  # a missing extra is said before any table is read
    if isinstance(source, pd.DataFrame):
        table = source.reset_index(drop=True)
        names = (
            list(inputs)
            if inputs is not None
            else [c for c in table.columns if ":" not in str(c) and c not in ("point", condition.metric)]
        )
        resolved = resolve_condition(condition, table, names, what="the table")
        space = _table_space(table, names)
        return _discover(table, space, resolved, method, min_density, notes=[], context="", **options)
    result = source if isinstance(source, SweepResult) else open_sweep(source)
    resolved = resolve_condition(condition, empty_point_table(result), result.experiment.factor_names)
    raw = result.worlds()
    if raw.empty:
        raise UserError("has no finished points to discover in yet; wait for the sweep", file=result.folder)
    data = tabulate_points(result, raw.sort_values(["point", "replicate"], kind="stable", ignore_index=True))
    return discover_in_data(data, resolved, method=method, min_density=min_density, inputs=inputs, **options)


def discover_in_data(
    data: SweepData,
    condition: Condition,
    *,
    method: str = "prim",
    min_density: float = MIN_DENSITY,
    inputs: Sequence[str] | None = None,
    mass_min: float = MASS_MIN,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
) -> Discovery:
    """:func:`discover` on a sweep whose per-point table an analysis has already built.

    Args:
        data: The sweep's numbers (:func:`simulator.sweeps.sensitivity.tabulate_points`).
        condition: The condition, its metric already a column of ``data.table``.
        method: As for :func:`discover`.
        min_density: As for :func:`discover`.
        inputs: Factors to search (default all).
        mass_min: As for :func:`discover`.
        peel_alpha: As for :func:`discover`.
        paste_alpha: As for :func:`discover`.

    Returns:
        The discovery.
    """
    options = _checked_options(method, min_density, mass_min, peel_alpha, paste_alpha)
    experiment = data.experiment
    factors = {f.name: f for f in experiment.factors}
    names = list(inputs) if inputs is not None else list(factors)
    condition = resolve_condition(condition, data.table, names)
    unknown = [n for n in names if n not in factors]
    if unknown:
        raise UserError(
            f"{quote(unknown[0])} is not a factor of the sweep{near_miss(unknown[0], factors)}; "
            f"its factors: {choices_hint(factors)}",
            field="inputs",
        )
    space = InputSpace(
        inputs=names,
        low={n: float(min(factors[n].low, data.table[n].min())) for n in names},
        high={n: float(max(factors[n].high, data.table[n].max())) for n in names},
        describe={n: factors[n].describe for n in names if factors[n].is_onset},
    )
    notes = []
    if condition.metric in data.censored:
        notes.append(
            f"A world that never reaches the level within the run counts as quarter {data.never} (horizon + 1) "
            f"in {condition.metric}."
        )
    if data.warning:
        notes.append(f"Warning: {data.warning}.")
    points = f"{len(data.table)} points" if data.complete else f"{len(data.table)} finished points (incomplete)"
    context = (
        f"experiment: {experiment.name} · scenario: {experiment.scenario.name} ({experiment.scenario.period}) · "
        f"{experiment.method}, {points} × {experiment.replicates} replicates"
    )
    return _discover(data.table, space, condition, method, min_density, notes=notes, context=context, **options)


def empty_point_table(result: SweepResult) -> pd.DataFrame:
    """An empty table with the per-point table's columns (factors, metrics and their companions).

    Enough to check a condition's metric before any world is read, so that a mistyped metric is
    refused at once, however large the sweep.
    """
    columns = list(result.experiment.factor_names)
    for metric in result.experiment.metrics:
        columns += [metric.name, f"{metric.name}:p05", f"{metric.name}:p95"]
        if metric.statistic == "first_above":
            columns.append(metric.name + REACHED)
    return pd.DataFrame(columns=columns)


def resolve_condition(
    condition: Condition,
    table: pd.DataFrame,
    inputs: Sequence[str],
    *,
    what: str = "the sweep",
    field: str | None = "condition",
) -> Condition:
    """The condition with its metric named as the table's column, or a UserError naming the metrics there are.

    A metric written another way that means the same (``first_above@0.550``) is taken as the
    sweep's own name for it. A condition on an input is refused: discovery describes where a
    condition on an outcome holds *in terms of* the inputs.
    """
    inputs = list(inputs)
    columns = [str(c) for c in table.columns if c != "point" and c not in inputs]
    if condition.metric in columns:
        return condition
    if condition.metric in inputs:
        raise UserError(
            f"{quote(condition.metric)} is a varied input of {what}, not a metric: discovery finds the inputs' "
            f"region where a condition on a metric holds; give one of {choices_hint(_main_metrics(columns))}",
            field=field,
        )
    try:
        canonical = parse_metric(condition.metric).name
    except UserError:
        canonical = None
    if canonical in columns:
        return Condition(canonical, condition.op, condition.value)
    lacking = (
        "; a metric it lacks needs adding to the experiment's metrics and a new sweep" if what == "the sweep" else ""
    )
    offered = _main_metrics(columns) or [str(c) for c in table.columns if c != "point"]  # a bare table: any column
    raise UserError(
        f"{what} has no metric {quote(condition.metric)}; it has {choices_hint(offered)}{lacking}"
        f"{near_miss(condition.metric, offered)}",
        field=field,
    )


def _main_metrics(columns: list[str]) -> list[str]:
    """The metric columns without their quantile and share companions, for a short list in a message."""
    return [c for c in columns if not c.endswith((":p05", ":p95", REACHED))] or list(columns)


def _table_space(table: pd.DataFrame, names: list[str]) -> InputSpace:
    """The inputs of a bare table, their ranges the data's."""
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise UserError(
            f"the table has no input column {quote(missing[0])}{near_miss(str(missing[0]), map(str, table.columns))}",
            field="inputs",
        )
    if not names:
        raise UserError("the table has no input columns; name them with inputs=[...]", field="inputs")
    for name in names:
        if not pd.api.types.is_numeric_dtype(table[name]) or pd.api.types.is_bool_dtype(table[name]):
            raise UserError(f"input {quote(name)} is not numeric; discovery searches numeric inputs", field="inputs")
    return InputSpace(
        inputs=names,
        low={n: float(table[n].min()) for n in names},
        high={n: float(table[n].max()) for n in names},
        describe={},
    )


# -- the search ----------------------------------------------------------------------


def _discover(
    table: pd.DataFrame,
    space: InputSpace,
    condition: Condition,
    method: str,
    min_density: float,
    *,
    notes: list[str],
    context: str,
    mass_min: float,
    peel_alpha: float,
    paste_alpha: float,
) -> Discovery:
    """Mark the points, run the rule induction, choose the box and put it into words."""
    ema = load_ema(method)
    values = pd.to_numeric(table[condition.metric], errors="coerce").to_numpy(dtype=float)
    usable = ~np.isnan(values)
    if not usable.all():
        notes.append(f"{int((~usable).sum())} point(s) without a value of {condition.metric} are left out.")
    x = table.loc[usable, space.inputs].astype(float).reset_index(drop=True)
    values = values[usable]
    y = condition.holds(values)
    total, holding = len(y), int(y.sum())
    points = x.assign(**{condition.metric: values, "holds": y})
    if total == 0:
        raise UserError(f"no point has a value of {condition.metric}; there is nothing to discover", field="condition")
    if holding in (0, total):
        return _degenerate(condition, method, min_density, space, points, values, notes, context)

    if method == "prim":
        limits, quasi_p = prim_boxes(ema, x, y, mass_min=mass_min, peel_alpha=peel_alpha, paste_alpha=paste_alpha)
    else:
        limits, quasi_p = cart_boxes(ema, x, y, mass_min=mass_min)
    trajectory, inside = trajectory_of(x, y, limits, space)
    chosen = choose_box(trajectory, min_density)
    trajectory["chosen"] = trajectory.index == chosen
    row = trajectory.loc[chosen]
    if row["density"] < min_density and row["restricted"]:  # else the sentence says no box does better
        notes.append(
            f"No box reaches the density {min_density:g}; the densest one is reported "
            f"({row['density']:.0%}); lower the density asked for to see larger boxes."
        )
    box = box_table(limits[chosen], quasi_p[chosen], space, x)
    points["in_box"] = inside[chosen]
    discovery = Discovery(
        condition=condition,
        method=method,
        min_density=min_density,
        outcome="box",
        box=box,
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        in_box=int(row["points"]),
        holding_in_box=int(row["holding"]),
        total=total,
        holding=holding,
        trajectory=trajectory,
        chosen=int(chosen),
        summary="",
        notes=notes,
        table=points,
        context=context,
        space=space,
    )
    discovery.summary = summary_sentence(discovery)
    return discovery


def _degenerate(
    condition: Condition,
    method: str,
    min_density: float,
    space: InputSpace,
    points: pd.DataFrame,
    values: np.ndarray,
    notes: list[str],
    context: str,
) -> Discovery:
    """The result for a condition that holds nowhere or everywhere: said in a sentence, no box to draw."""
    total = len(values)
    everywhere = bool(points["holds"].all())
    box = pd.DataFrame(
        {
            "input": space.inputs,
            "low": [space.low[n] for n in space.inputs],
            "high": [space.high[n] for n in space.inputs],
            "restricted": False,
            "full_low": [space.low[n] for n in space.inputs],
            "full_high": [space.high[n] for n in space.inputs],
            "quasi_p": math.nan,
        }
    )
    if everywhere:
        lowest = f"lowest point mean {values.min():.3g}" if condition.op in (">", ">=") else ""
        highest = f"highest point mean {values.max():.3g}" if condition.op in ("<", "<=") else ""
        extreme = lowest or highest or f"every point mean is {values[0]:.3g}"
        summary = (
            f"{condition.text} holds at all {total} points ({extreme}): there is no region to find, since no input "
            f"needs restricting; ask a stricter condition to see where it fails."
        )
    else:
        highest = f"highest point mean {values.max():.3g}" if condition.op in (">", ">=") else ""
        lowest = f"lowest point mean {values.min():.3g}" if condition.op in ("<", "<=") else ""
        extreme = highest or lowest or f"point means {values.min():.3g} to {values.max():.3g}"
        summary = (
            f"{condition.text} holds at none of the {total} points ({extreme}): there is no region to find; "
            "ask a looser condition, or sweep wider ranges."
        )
    points = points.assign(in_box=everywhere)
    columns = ["step", "coverage", "density", "mass", "points", "holding", "restricted", "chosen"]
    return Discovery(
        condition=condition,
        method=method,
        min_density=min_density,
        outcome="everywhere" if everywhere else "nowhere",
        box=box,
        coverage=1.0 if everywhere else 0.0,
        density=1.0 if everywhere else 0.0,
        in_box=total if everywhere else 0,
        holding_in_box=total if everywhere else 0,
        total=total,
        holding=total if everywhere else 0,
        trajectory=pd.DataFrame(columns=columns),
        chosen=None,
        summary=summary,
        notes=notes,
        table=points,
        context=context,
        space=space,
    )


# -- words ---------------------------------------------------------------------------


def summary_sentence(discovery: Discovery) -> str:
    """The finding in words: the density inside the box, the box, and its coverage.

    For example ``coop_EU_JPN:final > 0.55 holds in 83% of the points inside the box
    JPN.deference 0.20–0.41, shock.US retrenchment.magnitude 0.62–1.00 (25 of 30), which contains
    71% of all points where it holds (25 of 35; it holds at 35 of all 121 points); the other
    inputs are unrestricted.``
    """
    d = discovery
    share = f"it holds at {d.holding} of all {d.total} points"
    restricted = d.box[d.box["restricted"]]
    if restricted.empty:
        if d.density >= d.min_density:
            return (
                f"{d.condition.text} holds in {d.density:.0%} of all points ({share}): at least the density "
                f"{d.min_density:g} asked for without restricting any input."
            )
        return (
            f"{d.condition.text} holds in {d.density:.0%} of all points ({share}), and {d.method.upper()} found no "
            "box of the inputs in which it holds more often."
        )
    ranges = ", ".join(f"{r.input} {d.range_text(r.input, r.low, r.high)}" for r in restricted.itertuples())
    free = d.unrestricted
    if not free:
        rest = ""
    elif len(free) <= 3:
        rest = f"; {', '.join(free)} {'is' if len(free) == 1 else 'are'} unrestricted"
    else:
        rest = f"; the other {len(free)} inputs are unrestricted"
    return (
        f"{d.condition.text} holds in {d.density:.0%} of the points inside the box {ranges} "
        f"({d.holding_in_box} of {d.in_box}), which contains {d.coverage:.0%} of all points where it holds "
        f"({d.holding_in_box} of {d.holding}; {share}){rest}."
    )


# -- files ---------------------------------------------------------------------------


def discovery_folder(folder: str | Path, condition: Condition) -> Path:
    """Where the discovery of ``condition`` goes in a sweep (or analysis) folder."""
    return Path(folder) / DISCOVER_DIR / condition.slug


def write_discovery(discovery: Discovery, folder: Path, plot_formats: Sequence[str] = DEFAULT_FORMATS) -> list[Path]:
    """Write ``discovery.json``, ``box.csv``, ``trajectory.csv`` and the two plots (in ``plot_formats``).

    Each file is written through a temporary name and a rename, as the rest of a sweep's analysis
    is, so a reader sees the old file or the new one, never half of one; ``discovery.json`` comes
    last, so it names a finished discovery. A condition that holds nowhere or everywhere has no box
    or trajectory to show: only ``discovery.json`` is written and the files of an earlier
    discovery of the same condition are removed (a plot in a format not asked for this time too), so
    nothing stale sits beside it. Other files in the folder are left alone.

    Returns:
        The files written, in order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if discovery.outcome == "box":
        files.append(_write_csv(discovery.box, folder / BOX_FILE))
        files.append(_write_csv(discovery.trajectory, folder / TRAJECTORY_FILE))
        files += draw_discovery_plots(discovery, folder, plot_formats)
    path = folder / DISCOVERY_FILE
    write_text_atomically(path, json.dumps(discovery_record(discovery), indent=2, ensure_ascii=False) + "\n")
    files.append(path)
    for name in DISCOVERY_FILES:
        if folder / name not in files:
            (folder / name).unlink(missing_ok=True)
    return files


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    write_text_atomically(path, frame.to_csv(index=False, lineterminator="\n"))
    return path


def discovery_record(discovery: Discovery) -> dict[str, Any]:
    """What ``discovery.json`` holds: the condition, the options, the counts, the box and the sentence."""
    d = discovery

    def number(value: float) -> float | None:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    return {
        "tool": "eujsim",
        "condition": d.condition.text,
        "metric": d.condition.metric,
        "op": d.condition.op,
        "value": d.condition.value,
        "method": d.method,
        "min_density": d.min_density,
        "outcome": d.outcome,
        "coverage": d.coverage,
        "density": d.density,
        "points": d.total,
        "holding": d.holding,
        "in_box": d.in_box,
        "holding_in_box": d.holding_in_box,
        "chosen_step": d.chosen,
        "box": [
            {
                "input": r.input,
                "low": number(r.low),
                "high": number(r.high),
                "restricted": bool(r.restricted),
                "full_low": number(r.full_low),
                "full_high": number(r.full_high),
                "quasi_p": number(r.quasi_p),
                "range": d.range_text(r.input, r.low, r.high),
                "full_range": d.range_text(r.input, r.full_low, r.full_high),
            }
            for r in d.box.itertuples()
        ],
        "unrestricted": d.unrestricted,
        "summary": d.summary,
        "notes": d.notes,
        "context": d.context,
    }


def discoveries_in(folder: str | Path) -> list[Path]:
    """The discovery folders of a sweep folder that hold a ``discovery.json``, by name."""
    root = Path(folder) / DISCOVER_DIR
    return sorted(p.parent for p in root.glob(f"*/{DISCOVERY_FILE}")) if root.is_dir() else []
