"""Joint robustness of the validation patterns: all of a mechanism's parameters moved at once.

The one-at-a-time table of docs/validation.md (:func:`simulator.evaluation.validation.evaluate_ranges`)
moves one own parameter of a pattern to an end of its documented range while the others keep their
calibrated values. A pattern can hold at every such end and still fail where several parameters sit
at unfavourable values together. This module draws **one Latin hypercube** over all of a pattern's
mechanism parameters jointly, uniform within their documented ranges (``low``–``high`` of the
calibration), and measures every check of the pattern at every point of it.

How it runs, so that the pattern classes stay as they are:

1. **Recording pass.** ``pattern.checks()`` is called once on a cache that serves real runs at the
   calibrated values (one replicate) and logs every run asked for, a scenario with its extra
   overrides, and every series read from it.
2. **Sweeps.** For every run logged, one sweep through the sweep engine
   (:func:`simulator.sweeps.sweep.temporary_sweep`, method ``explicit``) over exactly the design's points,
   keeping the per-quarter statistics of the series read. An extra override that fixes one of the
   design's parameters (P4 sets ``JPN.deference`` to 0.2 and 0.8) wins over the design's value of
   that parameter in its sweep; every other parameter keeps the point's value. Extra overrides of
   other parameters are held fixed in every world (the experiment's ``set``).
3. **Checks per point.** For each point, a cache whose results are the sweep's per-quarter **mean
   over the point's R replicates** (one pseudo-replicate) is handed to ``pattern.checks()``, which
   returns the point's estimates.

A point's check is therefore measured on the mean path over its replicates. Every world of replicate
r uses the same random numbers in every scenario and at every point (common random numbers, as
sweeps and the scenario files' shared seed give), so differences between scenarios and between
points are not noise between worlds. For a check that is linear in the paths (a difference of window
means) the mean path gives exactly the mean over replicates of the per-replicate effect, the value
:class:`~simulator.evaluation.validation.RunCache` would give. Checks that take a maximum per
replicate (the runner-up domain of P6 and P9, the largest deviation from the enacted path of P10) are
taken on the mean path instead; for those the value is the effect of the average world, not the
average effect. P1's slope and annual-mean checks are statistics of the mean path in the pattern
itself, so they too equal what :class:`RunCache` gives. Keeping per-replicate values would
need every world's full quarterly paths out of the sweep, which the engine deliberately does not
return; the mean path is what a sweep keeps per point.

A point "holds in direction" for a check when its point estimate lies on the claimed side of zero,
and "clears the smallest effect" when it lies beyond the check's threshold on that side. The shares
are shares of the documented box under a uniform design, not probabilities of anything. Where a
pattern fails in direction at some points, scenario discovery
(:func:`simulator.sweeps.discovery.discover`, PRIM, with CART when PRIM restricts nothing) names the
box of parameters where it fails.

**Corners.** A few hundred points in four to ten dimensions almost never put several parameters at
their range ends together, and that is where a pattern is most likely to break. So every pattern is
also run at the **vertices** of its box: every one of the 2^d corners when there are at most
:data:`CORNER_CAP` of them (d ≤ 7), otherwise :data:`CORNER_CAP` distinct corners drawn from the
design's seed (:func:`vertex_levels`). They are appended to the hypercube's points in the same
sweeps, but are kept in their own table (:attr:`JointResult.corners`): the shares and scenario
discovery use the hypercube alone, because they describe a uniform design, and the corners are
extreme combinations, not typical ones.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.evaluation.validation import PATTERNS, Check, Pattern, RunCache
from simulator.inputs.calibration import default_calibration
from simulator.runs.results import RunResult
from simulator.sweeps.designs import design
from simulator.sweeps.discovery import Discovery, discover
from simulator.sweeps.experiment import Experiment, experiment_from_dict
from simulator.sweeps.sweep import temporary_sweep

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_POINTS = 200
"""Points of the Latin hypercube per pattern in the report."""
DEFAULT_REPLICATES = 10
"""Replicates per point in the report; a point's checks are measured on their mean path."""
DEFAULT_SEED = 20_240_601
"""Seed of the Latin hypercube (the worlds use the scenario files' own seed)."""
FAILS = "fails"
"""The 0/1 column of the per-point table that scenario discovery explains."""
MIN_FAILING = 5
"""Fewest failing points worth a box: PRIM peels to boxes of 5% of the points, so with fewer failing
points than this any box of 200 points is mostly points that hold; the few are listed instead."""
USEFUL_DENSITY = 0.5
"""Below this density, or with no input restricted, a PRIM box explains little and CART is asked too."""
CORNER_CAP = 128
"""Most vertices of a pattern's box that are run: all 2^d up to d = 7, a seeded subset of this many above.
128 corners add at most 64% to the worlds of 200 hypercube points, and the worlds are a small part of
the report's time (the sweeps' set-up is most of it), so the corners leave it well under double; a
pattern of 10 parameters would otherwise need 1,024."""
CORNER_STREAM = 0xC0 << 8
"""Mixed with the design seed for the choice of corners, so that choice draws from its own random stream."""

CALIBRATION_TARGET_PARAMETERS: dict[str, tuple[str, ...]] = {
    "P1": (
        "model.desire_intercept",  # the level every desire starts from, so how low the 1990s sit
        "model.weight_values",  # the pull of shared values, which the 2010s agreements raise
        "model.weight_common_threat",  # the pull of shared threat, which the 2022 invasion raises
        "model.coop_rise_rate",  # how fast a higher desire becomes cooperation, so the slopes compared
        "model.agreement_floor",  # the floor the 2018 and 2024 agreements hold cooperation at
    ),
    "P2": (
        "JPN.salience_RUS",  # how much of Russia's activity Japan reads as a threat to itself
        "JPN.linkage",  # the part of Japan's China reading carried onto Russia
        "RUS.power",  # scales every reading of Russian activity
        "model.threat_memory",  # how slowly a reading follows activity, so the rise within 8 quarters
    ),
}
"""Mechanism parameters of the two calibration targets, which name no ``own_parameters``: they were
tuned to hold at the calibrated values, so the one-at-a-time test (which must pass at every end) does
not apply to them, but how far they hold when their mechanism moves is still worth knowing."""


def mechanism_parameters(pattern: Pattern) -> tuple[str, ...]:
    """The parameters varied jointly for ``pattern``: its own, or for a calibration target those above."""
    return pattern.own_parameters or CALIBRATION_TARGET_PARAMETERS.get(pattern.code, ())


@dataclass(frozen=True)
class Variant:
    """One run a pattern asks for: a scenario file (stem) with extra overrides on top of the point's."""

    scenario: str
    extra: tuple[tuple[str, float], ...] = ()

    @property
    def overrides(self) -> dict[str, float]:
        """The extra overrides as a mapping."""
        return dict(self.extra)


def variant_of(name: str, extra: Mapping[str, float] | None) -> Variant:
    """The variant of a cache call, with its extras in a fixed order."""
    return Variant(name, tuple(sorted((extra or {}).items())))


# -- step 1: what a pattern reads ------------------------------------------------------------


class _LoggedResult:
    """A run result that notes every series read from it (everything else is passed through)."""

    def __init__(self, result: RunResult, log: set[str]) -> None:
        self._result = result
        self._log = log

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)

    def series(self, variable: str) -> np.ndarray:
        """The result's series, noted in the log."""
        self._log.add(variable)
        return self._result.series(variable)


class RecordingCache(RunCache):
    """A :class:`RunCache` at the calibrated values that logs every run and series a pattern reads.

    The pattern's checks run on real results, so their control flow (which runs, which columns) is the
    one they have at any point; the logged variants and series are what the sweeps must provide.
    """

    def __init__(self, folder: Path, replicates: int = 1) -> None:
        super().__init__(folder, replicates)
        self.variants: dict[Variant, RunResult] = {}
        self.series_read: set[str] = set()

    def __call__(self, name: str, extra: Mapping[str, float] | None = None) -> RunResult:
        """The real run, logged, wrapped so that series reads are logged too."""
        result = super().__call__(name, extra)
        self.variants.setdefault(variant_of(name, extra), result)
        return _LoggedResult(result, self.series_read)  # type: ignore[return-value]  # duck-typed RunResult


@dataclass(frozen=True)
class Needs:
    """What a pattern reads: its variants (in the order first asked), the series, and a template run each."""

    variants: tuple[Variant, ...]
    series: tuple[str, ...]
    templates: dict[Variant, RunResult]


def record_needs(pattern: Pattern, folder: Path) -> Needs:
    """Run the pattern's checks once at the calibrated values and return what they read."""
    cache = RecordingCache(folder)
    pattern.checks(cache)
    series = tuple(sorted(cache.series_read))
    return Needs(tuple(cache.variants), series, dict(cache.variants))


# -- the design and the sweeps ---------------------------------------------------------------


def joint_design(
    pattern: Pattern, *, folder: Path, points: int, seed: int, parameters: Sequence[str] | None = None
) -> pd.DataFrame:
    """One Latin hypercube over the pattern's mechanism parameters, uniform within their documented ranges.

    Built by the sweep engine's own design (:func:`simulator.sweeps.designs.design`, method ``lhs``,
    ranges defaulting to the calibration's ``low``–``high``), so it is what ``eujsim sweep`` would draw.

    Returns:
        A ``point`` column (0, 1, …) and one column per parameter.
    """
    names = list(parameters or mechanism_parameters(pattern))
    data = {
        "name": f"joint_{pattern.code}_design",
        "scenario": str((folder / f"{pattern.scenarios[0]}.yaml").resolve()),
        "method": "lhs",
        "samples": points,
        "seed": seed,
        "replicates": 1,
        "parameters": {name: {} for name in names},
    }
    return design(experiment_from_dict(data))


def vertex_levels(dimensions: int, *, cap: int = CORNER_CAP, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Which end (0 low, 1 high) each parameter takes at each corner run, one row per corner.

    Every one of the 2^d corners, in :func:`itertools.product` order (the first parameter slowest), when
    there are at most ``cap``; otherwise ``cap`` distinct corners drawn uniformly from all 2^d with a
    generator seeded by ``seed``, sorted into the same order. Drawing rows of coin flips and keeping the
    new ones works for any d (a list of 2^d corners to choose from would not), and the draw depends on
    the seed alone, so the corners are the same on every machine.

    Raises:
        ValueError: for a negative cap or no dimensions.
    """
    if dimensions < 1 or cap < 0:
        raise ValueError(f"need at least one dimension and a cap of at least 0, got {dimensions} and {cap}")
    if dimensions < 63 and 2**dimensions <= cap:
        return np.array(list(itertools.product((0, 1), repeat=dimensions)), dtype=np.int8)
    rng = np.random.default_rng(np.random.SeedSequence([seed, CORNER_STREAM]))
    chosen: set[tuple[int, ...]] = set()
    while len(chosen) < cap:
        chosen.add(tuple(int(b) for b in rng.integers(0, 2, size=dimensions)))
    return np.array(sorted(chosen), dtype=np.int8).reshape(cap, dimensions)


def corner_design(
    ranges: Mapping[str, tuple[float, float]], *, cap: int = CORNER_CAP, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """The vertices of the parameters' box to run: each parameter exactly at its documented low or high.

    Returns:
        A ``point`` column (0, 1, … among the corners) and one column per parameter, as
        :func:`joint_design` gives, so the two can be appended.
    """
    names = list(ranges)
    levels = vertex_levels(len(names), cap=cap, seed=seed)
    columns: dict[str, np.ndarray] = {"point": np.arange(len(levels), dtype=np.int64)}
    for i, name in enumerate(names):
        low, high = ranges[name]
        columns[name] = np.where(levels[:, i] == 1, float(high), float(low))
    return pd.DataFrame(columns)


def variant_experiment(
    variant: Variant, points: pd.DataFrame, *, folder: Path, replicates: int, series: Sequence[str], name: str
) -> Experiment:
    """The sweep of one variant over exactly the design's points (method ``explicit``).

    An extra override of a design parameter replaces that parameter's column for this variant (it
    wins); an extra override of any other parameter is held fixed in every world. The worlds take
    the scenario file's seed, as :class:`RunCache` does, so replicate r shares its random numbers
    across variants and points.
    """
    extra = variant.overrides
    factors = [c for c in points.columns if c != "point"]
    values = {f: [float(extra.get(f, v)) for v in points[f]] for f in factors}
    data = {
        "name": name,
        "scenario": str((folder / f"{variant.scenario}.yaml").resolve()),
        "method": "explicit",
        "replicates": replicates,
        "parameters": {f: {"values": values[f]} for f in factors},
        "set": {k: v for k, v in extra.items() if k not in factors},
        "series": list(series),
    }
    return experiment_from_dict(data)


def mean_paths(experiment: Experiment, *, workers: int | None) -> np.ndarray:
    """Run one variant's sweep and return its per-quarter mean paths, shape (points, series, steps + 1).

    The sweep lives in a temporary folder only while its table is read.
    """
    with temporary_sweep(experiment, workers=workers) as result:
        table = result.quarters()
    series = list(experiment.series)
    n_points = int(table["point"].max()) + 1
    steps = int(table["step"].max()) + 1
    ordered = table.assign(s=table["series"].map(series.index)).sort_values(["point", "s", "step"], kind="stable")
    return ordered["mean"].to_numpy(dtype=float).reshape(n_points, len(series), steps)


# -- step 3: the checks at one point ---------------------------------------------------------


def mean_result(template: RunResult, series: Sequence[str], path: np.ndarray) -> RunResult:
    """A one-world result whose series are a point's mean paths (``path``: series x steps).

    The template (the recording pass's run of the same variant) gives the scenario, for the quarter
    labels; its parameters are the calibrated ones, which no check reads.
    """
    steps = path.shape[1]
    return RunResult(
        scenario=template.scenario,
        columns=list(series),
        values=path.T[:, :, None].copy(),
        drivers=np.zeros((steps, 1, 0, 0)),
        episodes=np.zeros((steps, 1, 0, 0)),
        crises=np.zeros((steps, 1, 0)),
        replicates=np.zeros(1, dtype=np.int64),
    )


class PointCache(RunCache):
    """A :class:`RunCache` at one design point that serves prepared mean-path results and runs nothing."""

    def __init__(self, folder: Path, parameters: Mapping[str, float], results: Mapping[Variant, RunResult]) -> None:
        super().__init__(folder, 1, parameters)
        self._prepared = dict(results)

    def __call__(self, name: str, extra: Mapping[str, float] | None = None) -> RunResult:
        """The prepared result of the variant.

        Raises:
            KeyError: for a run the recording pass did not see (the pattern's reads depend on values).
        """
        variant = variant_of(name, extra)
        if variant not in self._prepared:
            raise KeyError(f"{variant} was not asked for at the calibrated values, so it was not swept")
        return self._prepared[variant]


# -- results ---------------------------------------------------------------------------------


@dataclass
class CheckShare:
    """How often one check holds over the design."""

    claim: str
    direction: float
    clears: float
    threshold: float


@dataclass
class JointResult:
    """One pattern's checks over a Latin hypercube of its mechanism parameters.

    Attributes:
        code: The pattern (P1…P10).
        parameters: The parameters varied, each uniform over its documented range.
        ranges: Each parameter's documented (low, high).
        points: Design points.
        replicates: Replicates per point (a point's checks are measured on their mean path).
        seed: Seed of the design.
        variants: The runs swept at every point.
        table: One row per point: ``point``, the parameters, per check ``value_<i>``,
            ``direction_<i>`` and ``clears_<i>`` (0/1), ``holds`` and ``clears`` (every check) and
            ``fails`` (1 where some check is on the wrong side of zero).
        checks: Per check, the shares of points where it holds in direction and clears its threshold.
        discovery: PRIM's box of where the pattern fails in direction (None when it never fails).
        cart: CART's box as well, when PRIM's restricts nothing or is thin.
        seconds: Wall time of the evaluation.
        notes: Free remarks.
        corners: The same columns as ``table`` for the vertices of the box (``point`` numbers them
            among the corners); kept apart from ``table`` so that the shares and discovery stay those
            of the uniform design. Empty when no corners were run.
        corner_cap: The cap the corners were drawn under (see :func:`vertex_levels`).
    """

    code: str
    parameters: tuple[str, ...]
    ranges: dict[str, tuple[float, float]]
    points: int
    replicates: int
    seed: int
    variants: tuple[Variant, ...]
    table: pd.DataFrame
    checks: list[CheckShare]
    discovery: Discovery | None = None
    cart: Discovery | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    corners: pd.DataFrame = field(default_factory=pd.DataFrame)
    corner_cap: int = CORNER_CAP

    @property
    def corner_count(self) -> int:
        """Corners of the box that were run."""
        return len(self.corners)

    @property
    def corners_holding(self) -> int:
        """Corners where every check is on the claimed side of zero."""
        return int(self.corners["holds"].sum()) if self.corner_count else 0

    @property
    def every_corner(self) -> bool:
        """Whether the corners run are all 2^d of them rather than a subset."""
        return self.corner_count == 2 ** len(self.parameters)

    @property
    def holds_share(self) -> float:
        """Share of points where every check is on the claimed side of zero."""
        return float(self.table["holds"].mean())

    @property
    def clears_share(self) -> float:
        """Share of points where every check clears its smallest effect that matters."""
        return float(self.table["clears"].mean())

    @property
    def best_discovery(self) -> Discovery | None:
        """The box to report: CART's when it is denser than PRIM's, else PRIM's."""
        if self.cart is not None and (self.discovery is None or self.cart.density > self.discovery.density):
            return self.cart
        return self.discovery


def point_table(design_points: pd.DataFrame, checks_per_point: Sequence[Sequence[Check]]) -> pd.DataFrame:
    """The per-point table of :class:`JointResult` from each point's checks."""
    table = design_points.reset_index(drop=True).copy()
    n_checks = len(checks_per_point[0])
    for i in range(n_checks):
        values = np.array([checks[i].estimate.value for checks in checks_per_point])
        signs = np.array([checks[i].direction for checks in checks_per_point], dtype=float)
        thresholds = np.array([checks[i].threshold for checks in checks_per_point])
        table[f"value_{i}"] = values
        table[f"direction_{i}"] = (signs * values > 0.0).astype(int)
        table[f"clears_{i}"] = (signs * values > thresholds).astype(int)
    table["holds"] = table[[f"direction_{i}" for i in range(n_checks)]].min(axis=1).astype(int)
    table["clears"] = table[[f"clears_{i}" for i in range(n_checks)]].min(axis=1).astype(int)
    table[FAILS] = 1 - table["holds"]
    return table


def check_shares(table: pd.DataFrame, checks: Sequence[Check]) -> list[CheckShare]:
    """Per check, the share of points where it holds in direction and where it clears its threshold."""
    return [
        CheckShare(c.claim, float(table[f"direction_{i}"].mean()), float(table[f"clears_{i}"].mean()), c.threshold)
        for i, c in enumerate(checks)
    ]


def where_it_fails(table: pd.DataFrame, parameters: Sequence[str]) -> tuple[Discovery | None, Discovery | None]:
    """PRIM's box of the parameters where the pattern fails in direction, and CART's if PRIM's says little.

    Returns (None, None) when it fails nowhere or everywhere (there is no region to find), or at fewer
    than :data:`MIN_FAILING` points (too few for a box; :func:`failing_corners` describes them).
    """
    failing = int(table[FAILS].sum())
    if failing < MIN_FAILING or failing == len(table):
        return None, None
    condition = f"{FAILS} > 0.5"
    prim = discover(table, condition, method="prim", inputs=list(parameters))
    if prim.restricted and prim.density >= USEFUL_DENSITY:
        return prim, None
    return prim, discover(table, condition, method="cart", inputs=list(parameters))


OUTER_SHARE = 0.2
"""A parameter counts as at an end of its range at a point when it is in the outer fifth there."""


def failing_corners(table: pd.DataFrame, ranges: Mapping[str, tuple[float, float]]) -> list[dict[str, str]]:
    """For each failing point, the parameters near an end of their range there (``low`` or ``high``).

    Where a pattern fails at too few points for scenario discovery, this says which corner each one is in.
    """
    corners = []
    for _, row in table[table[FAILS] == 1].iterrows():
        ends = {}
        for name, (low, high) in ranges.items():
            share = (float(row[name]) - low) / (high - low)
            if share <= OUTER_SHARE:
                ends[name] = "low"
            elif share >= 1.0 - OUTER_SHARE:
                ends[name] = "high"
        corners.append(ends)
    return corners


def vertex_ends(corners: pd.DataFrame, ranges: Mapping[str, tuple[float, float]]) -> list[dict[str, str]]:
    """For each failing corner, every parameter's end there (``low`` or ``high``), in ``ranges``' order.

    Corners sit exactly at the ends, so the midpoint of the range tells which end without a tolerance.
    """
    failing = corners[corners[FAILS] == 1]
    return [
        {name: "high" if float(row[name]) > (low + high) / 2 else "low" for name, (low, high) in ranges.items()}
        for _, row in failing.iterrows()
    ]


@dataclass(frozen=True)
class EndCount:
    """How many of the failing corners put one parameter at one end."""

    parameter: str
    end: str
    count: int


def common_ends(ends: Sequence[Mapping[str, str]]) -> list[EndCount]:
    """Per parameter, the end more of the failing corners share and how many share it, most shared first.

    A parameter's end matters to the failure when far more than half the failing corners share it
    (among all corners each end is taken by half, exactly so when every corner is run).
    """
    if not ends:
        return []
    counts = []
    for name in ends[0]:
        high = sum(1 for e in ends if e[name] == "high")
        low = len(ends) - high
        counts.append(EndCount(name, "high" if high >= low else "low", max(high, low)))
    order = {name: i for i, name in enumerate(ends[0])}
    return sorted(counts, key=lambda c: (-c.count, order[c.parameter]))


# -- entry points ----------------------------------------------------------------------------


def checks_over_design(
    pattern: Pattern,
    design_points: pd.DataFrame,
    *,
    folder: Path,
    replicates: int,
    workers: int | None,
) -> tuple[Needs, list[list[Check]]]:
    """Sweep every variant the pattern reads over the design and return each point's checks."""
    needs = record_needs(pattern, folder)
    paths = {
        variant: mean_paths(
            variant_experiment(
                variant,
                design_points,
                folder=folder,
                replicates=replicates,
                series=needs.series,
                name=f"joint_{pattern.code}_{index}",
            ),
            workers=workers,
        )
        for index, variant in enumerate(needs.variants)
    }
    factors = [c for c in design_points.columns if c != "point"]
    per_point = []
    for p, record in enumerate(design_points[factors].to_dict("records")):
        point = {f: float(v) for f, v in record.items()}
        results = {v: mean_result(needs.templates[v], needs.series, paths[v][p]) for v in needs.variants}
        per_point.append(pattern.checks(PointCache(folder, point, results)))
    return needs, per_point


def evaluate_joint(
    pattern: Pattern,
    *,
    folder: Path = Path("scenarios"),
    points: int = DEFAULT_POINTS,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    parameters: Sequence[str] | None = None,
    corners: int = CORNER_CAP,
) -> JointResult:
    """Measure a pattern's checks over one Latin hypercube of its mechanism parameters, and at its corners.

    Args:
        pattern: The pattern.
        folder: Folder of the scenario files.
        points: Points of the design.
        replicates: Replicates per point; the checks are measured on the points' mean paths.
        seed: Seed of the design (the worlds take the scenario files' seed).
        workers: Worker processes of the sweeps (default all cores).
        parameters: Parameters to vary (default :func:`mechanism_parameters`).
        corners: Most vertices of the box to run as well (:func:`vertex_levels`; 0 for none).

    Returns:
        The per-point table, the shares and, where the pattern fails in direction, where; the
        corners' table apart.
    """
    started = time.perf_counter()
    folder = Path(folder)
    names = tuple(parameters or mechanism_parameters(pattern))
    calibration = default_calibration()
    ranges = {n: (float(calibration[n].low), float(calibration[n].high)) for n in names}
    design_points = joint_design(pattern, folder=folder, points=points, seed=seed, parameters=names)
    vertices = corner_design(ranges, cap=corners, seed=seed)
    swept = pd.concat([design_points, vertices], ignore_index=True)
    swept["point"] = np.arange(len(swept), dtype=np.int64)  # one sweep, the corners after the hypercube
    needs, per_point = checks_over_design(pattern, swept, folder=folder, replicates=replicates, workers=workers)
    n = len(design_points)
    table = point_table(design_points, per_point[:n])
    corner_table = point_table(vertices, per_point[n:]) if len(vertices) else pd.DataFrame()
    prim, cart = where_it_fails(table, names)
    return JointResult(
        code=pattern.code,
        parameters=names,
        ranges=ranges,
        points=len(design_points),
        replicates=replicates,
        seed=seed,
        variants=needs.variants,
        table=table,
        checks=check_shares(table, per_point[0]),
        discovery=prim,
        cart=cart,
        seconds=time.perf_counter() - started,
        corners=corner_table,
        corner_cap=corners,
    )


def evaluate_all_joint(
    patterns: Iterable[Pattern] = PATTERNS,
    *,
    folder: Path = Path("scenarios"),
    points: int = DEFAULT_POINTS,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    corners: int = CORNER_CAP,
) -> list[JointResult]:
    """:func:`evaluate_joint` for every pattern that has mechanism parameters, in order."""
    return [
        evaluate_joint(
            p, folder=folder, points=points, replicates=replicates, seed=seed, workers=workers, corners=corners
        )
        for p in patterns
        if mechanism_parameters(p)
    ]
