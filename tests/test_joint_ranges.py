"""Joint variation of each pattern's mechanism parameters (simulator/evaluation/joint_ranges.py).

The sweeps here are tiny (a few points, three replicates, one worker) so that the file runs in well
under a minute; what they check does not depend on the size: the design, the variants' points, the
equality with :class:`RunCache` for checks linear in the paths, the shares and the section.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.evaluation.joint_ranges import (
    FAILS,
    CheckShare,
    JointResult,
    Variant,
    common_ends,
    corner_design,
    evaluate_joint,
    failing_corners,
    joint_design,
    mechanism_parameters,
    point_table,
    variant_experiment,
    vertex_ends,
    vertex_levels,
    where_it_fails,
)
from simulator.evaluation.validation import BY_CODE, PATTERNS, Check, Estimate, RunCache, bootstrap
from simulator.inputs.calibration import default_calibration
from simulator.reports.joint_ranges_section import (
    corner_cell,
    joint_section,
    point_tables,
    vertex_words,
    write_failure_plots,
)
from simulator.sweeps.designs import design

from .conftest import SCENARIOS

P4 = BY_CODE["P4"]
P8 = BY_CODE["P8"]
REPLICATES = 3
P8_CORNERS = 4


@pytest.fixture(scope="module")
def p4_small():
    """P4 over 3 points x 3 replicates: six variants, two of them with JPN.deference fixed (no corners)."""
    return evaluate_joint(P4, folder=SCENARIOS, points=3, replicates=REPLICATES, seed=5, workers=1, corners=0)


@pytest.fixture(scope="module")
def p8_small():
    """P8 over 8 points x 3 replicates, and 4 of its 32 corners appended to the same sweeps."""
    return evaluate_joint(P8, folder=SCENARIOS, points=8, replicates=REPLICATES, seed=11, workers=1, corners=P8_CORNERS)


def test_every_pattern_varies_calibrated_parameters_within_their_documented_ranges():
    calibration = default_calibration()
    for pattern in PATTERNS:
        names = mechanism_parameters(pattern)
        assert names, pattern.code
        assert len(set(names)) == len(names), pattern.code
        for name in names:
            assert calibration[name].low < calibration[name].high, (pattern.code, name)


def test_the_design_is_one_latin_hypercube_and_reproducible():
    points = 10
    first = joint_design(P4, folder=SCENARIOS, points=points, seed=3)
    again = joint_design(P4, folder=SCENARIOS, points=points, seed=3)
    other = joint_design(P4, folder=SCENARIOS, points=points, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    calibration = default_calibration()
    for name in P4.own_parameters:
        low, high = calibration[name].low, calibration[name].high
        strata = np.floor((first[name].to_numpy() - low) / (high - low) * points).astype(int)
        assert sorted(strata) == list(range(points)), name  # one point in each of the N slices


def test_every_variant_sweeps_the_same_points_and_an_extra_wins_over_its_factor():
    points = joint_design(P4, folder=SCENARIOS, points=6, seed=3)
    plain = variant_experiment(
        Variant("baseline"), points, folder=SCENARIOS, replicates=2, series=["coop_EU_JPN"], name="a"
    )
    fixed = variant_experiment(
        Variant("us_retrenchment", (("JPN.deference", 0.2),)),
        points,
        folder=SCENARIOS,
        replicates=2,
        series=["coop_EU_JPN"],
        name="b",
    )
    a, b = design(plain), design(fixed)
    pd.testing.assert_frame_equal(a, points)
    assert (b["JPN.deference"] == 0.2).all()
    others = [c for c in points.columns if c != "JPN.deference"]
    pd.testing.assert_frame_equal(b[others], points[others])


def test_an_extra_of_a_parameter_outside_the_design_is_held_fixed_in_every_world():
    points = joint_design(BY_CODE["P7"], folder=SCENARIOS, points=4, seed=3)
    experiment = variant_experiment(
        Variant("baseline", (("EU_JPN.values", 1.0),)), points, folder=SCENARIOS, replicates=2, series=[], name="c"
    )
    assert experiment.scenario.parameters["EU_JPN.values"] == 1.0
    assert "EU_JPN.values" not in experiment.factor_names


def test_p4_records_its_six_variants_with_deference_fixed_in_two_pairs(p4_small):
    assert set(p4_small.variants) == {
        Variant("baseline"),
        Variant("us_retrenchment"),
        *(Variant(s, (("JPN.deference", d),)) for s in ("baseline", "us_retrenchment") for d in (0.2, 0.8)),
    }


@pytest.mark.parametrize("fixture", ["p4_small", "p8_small"])
def test_a_linear_check_equals_the_run_cache_at_the_same_point(fixture, request):
    """Window-mean differences: the mean path's effect is the mean of the per-replicate effects."""
    result = request.getfixturevalue(fixture)
    pattern = BY_CODE[result.code]
    for index in (0, result.points - 1):
        point = {name: float(result.table.loc[index, name]) for name in result.parameters}
        checks = pattern.checks(RunCache(SCENARIOS, REPLICATES, point))
        for i, check in enumerate(checks):
            assert result.table.loc[index, f"value_{i}"] == pytest.approx(check.estimate.value, abs=1e-12)


def test_the_shares_count_the_points_where_each_check_holds(p8_small):
    table = p8_small.table
    values = table[["value_0", "value_1"]].to_numpy()
    direction = values < 0.0  # both P8 checks claim a fall
    clears = values < -0.01
    assert p8_small.holds_share == pytest.approx(direction.all(axis=1).mean())
    assert p8_small.clears_share == pytest.approx(clears.all(axis=1).mean())
    assert [c.direction for c in p8_small.checks] == pytest.approx(list(direction.mean(axis=0)))
    assert [c.clears for c in p8_small.checks] == pytest.approx(list(clears.mean(axis=0)))
    assert p8_small.points == 8 and p8_small.replicates == REPLICATES
    assert (table[FAILS] == 1 - direction.all(axis=1)).all()


def test_point_table_marks_direction_and_threshold_per_check():
    design_points = pd.DataFrame({"point": [0, 1, 2], "a": [0.1, 0.5, 0.9]})

    def checks(up: float, down: float) -> list[Check]:
        return [
            Check("up", "m", Estimate(up, up, up)),
            Check("down", "m", Estimate(down, down, down), direction=-1, threshold=0.0),
        ]

    table = point_table(design_points, [checks(0.02, -0.1), checks(0.005, -0.1), checks(0.02, 0.1)])
    assert table["direction_0"].tolist() == [1, 1, 1]
    assert table["clears_0"].tolist() == [1, 0, 1]
    assert table["direction_1"].tolist() == [1, 1, 0]
    assert table["holds"].tolist() == [1, 1, 0]
    assert table["clears"].tolist() == [1, 0, 0]
    assert table[FAILS].tolist() == [0, 0, 1]


def planted(points: int = 300, seed: int = 2) -> pd.DataFrame:
    """Uniform points in three inputs that fail exactly where a > 0.75 and b > 0.7."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(rng.random((points, 3)), columns=["a", "b", "c"])
    table[FAILS] = ((table.a > 0.75) & (table.b > 0.7)).astype(int)
    table["holds"] = 1 - table[FAILS]
    table["clears"] = table["holds"]
    return table


def test_discovery_names_the_corner_where_failure_was_planted():
    prim, _ = where_it_fails(planted(), ["a", "b", "c"])
    assert prim is not None
    assert set(prim.restricted) == {"a", "b"}
    assert prim.restricted["a"][0] == pytest.approx(0.75, abs=0.05)
    assert prim.restricted["b"][0] == pytest.approx(0.7, abs=0.05)
    assert prim.density >= 0.8 and prim.coverage >= 0.8


def test_too_few_failing_points_get_their_corners_instead_of_a_box():
    table = planted()
    table[FAILS] = 0
    table.loc[[0, 1], FAILS] = 1
    assert where_it_fails(table, ["a", "b", "c"]) == (None, None)
    table.loc[0, ["a", "b", "c"]] = [0.95, 0.5, 0.05]
    corners = failing_corners(table, {"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)})
    assert corners[0] == {"a": "high", "c": "low"}


def test_every_vertex_of_a_small_box_exactly_at_the_ranges_ends():
    levels = vertex_levels(3, cap=128)
    assert levels.shape == (8, 3)
    assert {tuple(row) for row in levels} == {(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)}
    assert len(vertex_levels(7, cap=128)) == 128  # 2^7 is within the cap: every corner
    ranges = {"a": (0.1, 0.9), "b": (-2.0, 3.5), "c": (0.0, 0.25)}
    corners = corner_design(ranges)
    assert corners["point"].tolist() == list(range(8))
    for name, (low, high) in ranges.items():
        assert set(corners[name]) == {low, high}  # the ends themselves, not near them
        assert (corners[name] == high).sum() == 4
    assert not corners[list(ranges)].duplicated().any()


def test_a_large_box_gets_a_fixed_seeded_subset_of_distinct_vertices():
    first = vertex_levels(10, cap=128, seed=7)
    again = vertex_levels(10, cap=128, seed=7)
    other = vertex_levels(10, cap=128, seed=8)
    assert first.shape == (128, 10)
    assert set(np.unique(first)) == {0, 1}
    assert len({tuple(row) for row in first}) == 128  # no corner twice
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert len(vertex_levels(10, cap=16, seed=7)) == 16
    assert vertex_levels(4, cap=0).shape == (0, 4)
    with pytest.raises(ValueError):
        vertex_levels(0)


def test_corners_are_run_at_the_ends_and_measured_like_any_point(p8_small):
    corners = p8_small.corners
    assert len(corners) == P8_CORNERS == p8_small.corner_count
    assert not p8_small.every_corner
    for name, (low, high) in p8_small.ranges.items():
        assert corners[name].isin([low, high]).all(), name
    # the corner's checks come from rows appended to the same sweeps: they equal a direct run there
    point = {name: float(corners.loc[0, name]) for name in p8_small.parameters}
    checks = P8.checks(RunCache(SCENARIOS, REPLICATES, point))
    for i, check in enumerate(checks):
        assert corners.loc[0, f"value_{i}"] == pytest.approx(check.estimate.value, abs=1e-12)


def test_corner_points_stay_out_of_the_hypercube_shares(p8_small):
    assert len(p8_small.table) == p8_small.points == 8  # the hypercube alone
    assert p8_small.table["point"].tolist() == list(range(8))
    lhs = p8_small.table[list(p8_small.parameters)].to_numpy()
    for i, (low, high) in enumerate(p8_small.ranges.values()):
        assert ((lhs[:, i] > low) & (lhs[:, i] < high)).all()  # no corner value among them
    # a result whose corners all fail keeps the hypercube's shares
    table = pd.DataFrame({"point": [0, 1], "a": [0.3, 0.6], "holds": [1, 1], "clears": [1, 0], FAILS: [0, 0]})
    corners = pd.DataFrame({"point": [0, 1], "a": [0.0, 1.0], "holds": [0, 0], "clears": [0, 0], FAILS: [1, 1]})
    result = JointResult("P8", ("a",), {"a": (0.0, 1.0)}, 2, 1, 1, (), table, [], corners=corners)
    assert result.holds_share == 1.0 and result.clears_share == 0.5
    assert result.corners_holding == 0 and result.corner_count == 2 and result.every_corner
    assert point_tables([result])["design"].tolist() == ["lhs", "lhs", "corner", "corner"]


def corner_table(rows: list[tuple[int, ...]], failing: list[bool]) -> pd.DataFrame:
    """Corners of the unit box in a, b, c (0 low, 1 high), failing where told."""
    table = pd.DataFrame(rows, columns=["a", "b", "c"], dtype=float)
    table[FAILS] = np.array(failing, dtype=int)
    table["holds"] = 1 - table[FAILS]
    return table


UNIT = dict.fromkeys("abc", (0.0, 1.0))
CUBE = [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]


def test_one_or_two_failing_corners_are_named_whole():
    table = corner_table(CUBE, [row == (1, 0, 1) for row in CUBE])
    assert vertex_ends(table, UNIT) == [{"a": "high", "b": "low", "c": "high"}]
    assert vertex_words(table, UNIT) == "fails at `a` high, `b` low, `c` high"
    two = corner_table(CUBE, [row in {(1, 0, 1), (0, 0, 0)} for row in CUBE])
    assert vertex_words(two, UNIT) == "fails at `a` low, `b` low, `c` low; and at `a` high, `b` low, `c` high"
    assert vertex_words(corner_table(CUBE, [False] * 8), UNIT) == ""


def test_many_failing_corners_are_named_by_the_ends_they_share():
    # eight failing corners: a high in all, b high in six, c high in four (no more than chance)
    failing_rows = [(1, 1, 0)] * 3 + [(1, 1, 1)] * 3 + [(1, 0, 1), (1, 0, 0)]
    table = corner_table([*failing_rows, (0, 0, 0), (0, 1, 1)], [True] * 8 + [False] * 2)
    counts = common_ends(vertex_ends(table, UNIT))
    assert [(c.parameter, c.end, c.count) for c in counts] == [("a", "high", 8), ("b", "high", 6), ("c", "high", 4)]
    assert vertex_words(table, UNIT) == "fails at 8, all with `a` high; mostly with `b` high (6 of 8)"
    scattered = corner_table([(1, 1, 0), (0, 1, 1), (1, 0, 1), (0, 0, 0)], [True] * 4)
    assert vertex_words(scattered, UNIT) == "fails at 4, with no parameter at one end in 75% of them"


def test_the_section_renders_a_row_per_pattern_with_the_box_and_its_plot(p8_small, tmp_path):
    table = planted()
    prim, cart = where_it_fails(table, ["a", "b", "c"])
    corners = corner_table(CUBE, [row[0] == 1 and row[1] == 1 for row in CUBE])
    made_up = JointResult(
        code="P4",
        parameters=("a", "b", "c"),
        ranges=dict.fromkeys("abc", (0.0, 1.0)),
        points=len(table),
        replicates=10,
        seed=1,
        variants=(Variant("baseline"),),
        table=table,
        checks=[CheckShare("retrenchment draws closer", 0.9, 0.5, 0.01)],
        discovery=prim,
        cart=cart,
        corners=corners.assign(direction_0=corners["holds"]),
    )
    lines = joint_section([p8_small, made_up])
    text = "\n".join(lines)
    assert lines[0].startswith("## Joint variation")
    assert "not probabilities" in text
    assert "| Pattern | parameters varied | points × replicates | holds in direction |" in text
    assert f"| P8 | {', '.join(f'`{p}`' for p in P8.own_parameters)} | 8 × 3 |" in text
    p4_row = next(line for line in lines if line.startswith("| P4 |"))
    assert "PRIM: `a` " in p4_row and "`b` " in p4_row and "[plot](img/joint_ranges/p4/box.png)" in p4_row
    assert "| where it fails | corners where it holds in direction |" in text
    assert "are extreme" in text and "enter neither the shares nor scenario discovery" in text
    assert p4_row.endswith("| 6 of 8; fails at `a` high, `b` high, `c` low; and at `a` high, `b` high, `c` high |")
    assert corner_cell(made_up) in p4_row
    p8_row = next(line for line in lines if line.startswith("| P8 |"))
    assert p8_row.endswith(f"| {p8_small.corners_holding} of {P8_CORNERS} (drawn from 32) |")
    assert "| P4 | retrenchment draws closer | 90.0% | 50.0% | 6 of 8 |" in text
    files = write_failure_plots([made_up], tmp_path)
    assert (tmp_path / "p4" / "box.png") in files and (tmp_path / "p4" / "box.png").stat().st_size > 0


def test_bootstrap_of_one_replicate_is_its_value():
    values = np.array([0.25])
    assert bootstrap(lambda idx: float(values[idx].mean()), 1) == Estimate(0.25, 0.25, 0.25)
