"""Scenario discovery: conditions read strictly, PRIM finding a known region, and `eujsim analyze --discover`.

The region tests use a synthetic table where the answer is known (points uniform in the unit
square, the condition true where x > 0.6 and y < 0.3, and an input that does nothing); the
end-to-end tests run a small Latin-hypercube sweep of the US-retrenchment scenario (24 points,
2 replicates) in this process.
"""

from __future__ import annotations

import json
import sys

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.base.errors import UserError
from simulator.reports.report import build_report
from simulator.storage.ownership import foreign_entries
from simulator.sweeps.analysis import analyze
from simulator.sweeps.conditions import Condition, parse_condition
from simulator.sweeps.discovery import DISCOVER_DIR, discover, discovery_folder, empty_point_table, write_discovery
from simulator.sweeps.rule_induction import choose_box
from simulator.sweeps.sensitivity import tabulate_points
from simulator.sweeps.sweep import SweepResult, run_sweep

from .conftest import SCENARIOS, cli_error, eujsim

MAGNITUDE = "shock.US retrenchment.magnitude"
FINAL = "coop_EU_JPN:final"
REACHED = "coop_EU_JPN:first_above@0.55"


# -- the condition parser ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "op", "value"),
    [
        ("coop_EU_JPN:final > 0.55", FINAL, ">", 0.55),
        ("coop_EU_JPN:first_above@0.55 <= 12", REACHED, "<=", 12.0),
        ("  m>=1e-3 ", "m", ">=", 0.001),
        ("m < -.5", "m", "<", -0.5),
        ("m==0.3", "m", "==", 0.3),
        ("coop_EU_JPN:final:p05 > 0.5", "coop_EU_JPN:final:p05", ">", 0.5),
    ],
)
def test_a_condition_is_read_as_metric_comparison_and_number(text, metric, op, value):
    condition = parse_condition(text)
    assert (condition.metric, condition.op, condition.value) == (metric, op, value)
    assert parse_condition(condition.text) == condition


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "the condition is empty; write METRIC OP VALUE"),
        ("   ", "the condition is empty"),
        ("coop_EU_JPN:final", "has no comparison; write METRIC OP VALUE with OP one of > >= < <= =="),
        ("coop_EU_JPN:final = 0.5", "'=' is not a comparison; write 'coop_EU_JPN:final == 0.5'"),
        ("coop_EU_JPN:final => 0.5", "write 'coop_EU_JPN:final >= 0.5'"),
        ("coop_EU_JPN:final =< 0.5", "write 'coop_EU_JPN:final <= 0.5'"),
        ("coop_EU_JPN:final != 0.5", "'not equal' is not offered"),
        ("coop_EU_JPN:final >> 0.5", "'>>' is not a comparison"),
        ("0.4 < coop_EU_JPN:final < 0.6", "has 2 comparisons; a condition compares one metric with one value"),
        ("0.55 < coop_EU_JPN:final", "puts the value first; write the metric first: 'coop_EU_JPN:final > 0.55'"),
        ("coop_EU_JPN:final > high", "the value 'high' is not a number"),
        ("coop_EU_JPN:final > 1_000", "the value '1_000' is not a number"),
        ("coop_EU_JPN:final > inf", "must be a finite number, not 'inf'"),
        ("coop_EU_JPN:final > nan", "must be a finite number, not 'nan'"),
        ("> 0.5", "has no metric before '>'"),
        ("coop_EU_JPN:final >", "has no value after '>'"),
        ("coop_EU_JPN:final\n> 0.5", "spans several lines"),
    ],
)
def test_a_bad_condition_is_one_line_naming_the_fix(text, says):
    with pytest.raises(UserError) as caught:
        parse_condition(text, field="--discover")
    message = str(caught.value)
    assert says in message
    assert message.startswith("--discover: ") and "\n" not in message


def test_a_condition_that_is_not_text_is_refused():
    with pytest.raises(UserError, match=r"a condition is text, not 0\.5"):
        parse_condition(0.5)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_condition_that_reads_back_or_one_error_line(text):
    try:
        condition = parse_condition(text)
    except UserError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 400
        return
    assert condition.op in (">", ">=", "<", "<=", "==") and np.isfinite(condition.value)
    assert parse_condition(condition.text) == condition


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="<>=!"), max_size=60))
def test_text_without_a_comparison_is_always_refused(text):
    with pytest.raises(UserError, match=r"write METRIC OP VALUE|is empty|several lines"):
        parse_condition(text)


def test_a_condition_holds_where_the_comparison_does_and_never_on_nan():
    values = np.array([0.1, 0.3, 0.5, np.nan, 0.1 + 0.2])
    assert parse_condition("m > 0.3").holds(values).tolist() == [False, False, True, False, False]
    assert parse_condition("m >= 0.3").holds(values).tolist() == [False, True, True, False, True]
    assert parse_condition("m < 0.3").holds(values).tolist() == [True, False, False, False, False]
    assert parse_condition("m <= 0.3").holds(values).tolist() == [True, True, False, False, True]
    assert parse_condition("m == 0.3").holds(values).tolist() == [False, True, False, False, True]
    assert parse_condition("m <= 12").holds(np.array([11.0, 12.0, 13.0]).mean(keepdims=True) + 1e-15).all()


def test_two_spellings_of_a_condition_share_one_plain_folder_name():
    assert parse_condition("coop_EU_JPN:final>0.550").slug == parse_condition("coop_EU_JPN:final > 0.55").slug
    assert parse_condition("coop_EU_JPN:final > 0.55").slug == "coop_EU_JPN_final_gt_0.55"
    assert parse_condition("coop_EU_JPN:first_above@0.55 <= 12").slug == "coop_EU_JPN_first_above_0.55_le_12"
    assert parse_condition("m > 0.5").slug != parse_condition("m >= 0.5").slug


# -- discovery on a table whose answer is known ------------------------------------------


@pytest.fixture(scope="module")
def square() -> pd.DataFrame:
    """400 points uniform in the unit square (and a useless third input); the condition's region is known."""
    rng = np.random.default_rng(11)
    x, y, z = rng.uniform(size=(3, 400))
    return pd.DataFrame({"x": x, "y": y, "z": z, "hit": ((x > 0.6) & (y < 0.3)).astype(float)})


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_discovery_finds_the_region_where_the_condition_holds(square, method):
    found = discover(square, "hit > 0.5", method=method)
    assert found.outcome == "box"
    assert set(found.restricted) == {"x", "y"}, found.box
    assert found.unrestricted == ["z"]
    x_low, x_high = found.restricted["x"]
    y_low, y_high = found.restricted["y"]
    assert x_low == pytest.approx(0.6, abs=0.04) and x_high == pytest.approx(square["x"].max())
    assert y_low == pytest.approx(square["y"].min()) and y_high == pytest.approx(0.3, abs=0.04)
    assert found.density >= 0.8 and found.coverage >= 0.9
    truth = int(square["hit"].sum())
    assert (found.total, found.holding) == (400, truth)
    assert found.holding_in_box == round(found.coverage * truth)
    inside = found.table["in_box"]
    assert int(inside.sum()) == found.in_box and int(found.table.loc[inside, "holds"].sum()) == found.holding_in_box
    assert found.trajectory["chosen"].sum() == 1 and found.trajectory.loc[found.chosen, "chosen"]
    assert found.summary.startswith(f"hit > 0.5 holds in {found.density:.0%} of the points inside the box ")
    assert "; z is unrestricted." in found.summary


def test_prims_trajectory_runs_from_all_points_inward(square):
    found = discover(square, "hit > 0.5")
    steps = found.trajectory
    assert list(steps.columns) == ["step", "coverage", "density", "mass", "points", "holding", "restricted", "chosen"]
    assert steps.loc[0, "coverage"] == 1 and steps.loc[0, "mass"] == 1 and steps.loc[0, "restricted"] == 0
    assert steps.loc[0, "density"] == pytest.approx(square["hit"].mean())
    assert steps["mass"].min() >= 0.05 - 1e-9
    dense = steps[steps["density"] >= 0.8]
    assert found.density >= 0.8 and found.coverage == dense["coverage"].max()


def test_the_box_is_the_widest_covering_one_that_is_dense_enough():
    steps = pd.DataFrame(
        {
            "step": range(5),
            "coverage": [1.0, 0.95, 0.95, 0.7, 0.4],
            "density": [0.3, 0.78, 0.85, 0.95, 1.0],
            "restricted": [0, 1, 2, 2, 3],
        }
    )
    assert choose_box(steps, 0.8) == 2
    assert choose_box(steps, 0.9) == 3
    assert choose_box(steps, 0.2) == 0
    steps.loc[2, "density"] = 0.9  # equal coverage: the denser box
    steps.loc[1, "density"] = 0.85
    assert choose_box(steps, 0.8) == 2
    assert choose_box(steps.assign(density=[0.1, 0.2, 0.3, 0.4, 0.5]), 0.8) == 4  # none dense enough: the densest


def test_a_stricter_density_gives_a_denser_narrower_box(square):
    loose = discover(square.assign(hit=square["x"] + 0.1 * square["z"]), "hit > 0.7", min_density=0.6)
    strict = discover(square.assign(hit=square["x"] + 0.1 * square["z"]), "hit > 0.7", min_density=0.95)
    assert strict.density >= 0.95 > loose.density >= 0.6
    assert strict.coverage <= loose.coverage


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_a_single_input_or_constant_inputs_still_get_an_answer(method):
    line = pd.DataFrame({"a": np.linspace(0, 1, 5), "m": np.linspace(0, 1, 5)})
    found = discover(line, "m > 0.4", method=method)
    assert found.restricted == {"a": (0.375, 1.0)} and found.density == 1 and found.coverage == 1
    flat = pd.DataFrame({"a": [0.5] * 10, "b": [0.1] * 10, "m": np.linspace(0, 1, 10)})
    found = discover(flat, "m > 0.4", method=method)
    assert found.restricted == {} and found.density == pytest.approx(0.6) and not found.notes
    assert found.summary.endswith("found no box of the inputs in which it holds more often.")


@pytest.mark.parametrize(
    ("condition", "outcome", "says"),
    [
        ("hit > 5", "nowhere", "hit > 5 holds at none of the 400 points (highest point mean 1): there is no region"),
        ("hit >= 0", "everywhere", "hit >= 0 holds at all 400 points (lowest point mean 0): there is no region"),
    ],
)
def test_a_condition_that_holds_nowhere_or_everywhere_says_so(square, condition, outcome, says):
    found = discover(square, condition)
    assert found.outcome == outcome and found.chosen is None
    assert found.summary.startswith(says)
    assert found.restricted == {} and found.unrestricted == ["x", "y", "z"]
    assert found.trajectory.empty


def test_writing_a_degenerate_discovery_removes_an_earlier_box_and_keeps_other_files(square, tmp_path):
    folder = tmp_path / "d"
    written = discover(square, "hit > 0.5").save(folder)
    assert sorted(p.name for p in written) == sorted(
        ["box.csv", "trajectory.csv", "tradeoff.png", "box.png", "discovery.json"]
    )
    (folder / "my_notes.txt").write_text("mine", encoding="utf-8")
    again = write_discovery(discover(square.assign(hit=0.0), "hit > 0.5"), folder)
    assert [p.name for p in again] == ["discovery.json"]
    assert sorted(p.name for p in folder.iterdir()) == ["discovery.json", "my_notes.txt"]
    assert json.loads((folder / "discovery.json").read_text(encoding="utf-8"))["outcome"] == "nowhere"


@pytest.mark.parametrize(
    ("condition", "options", "says"),
    [
        ("hot > 0.5", {}, "the table has no metric 'hot'; it has hit, x, y, z; did you mean 'hit'?"),
        ("x > 0.5", {"inputs": ["x", "y"]}, "'x' is a varied input of the table, not a metric"),
        ("hit > 0.5", {"inputs": ["x", "w"]}, "the table has no input column 'w'"),
        ("hit > 0.5", {"method": "prm"}, "unknown discovery method 'prm'; did you mean 'prim'?"),
        ("hit > 0.5", {"min_density": 0}, "min_density: 0 is not a share above 0 and at most 1"),
        ("hit > 0.5", {"mass_min": 1.5}, "mass_min: 1.5 is not a share above 0 and below 1"),
    ],
)
def test_discovery_mistakes_are_one_line(square, condition, options, says):
    with pytest.raises(UserError) as caught:
        discover(square, condition, **options)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_without_the_ema_workbench_discovery_says_to_install_the_extra(square, monkeypatch):
    monkeypatch.setitem(sys.modules, "ema_workbench.analysis.prim", None)
    with pytest.raises(UserError, match=r"install the optional extra: pip install 'eujsim\[discover\]'"):
        discover(square, "hit > 0.5")


# -- on a real sweep, from the command line ----------------------------------------------


@pytest.fixture(scope="module")
def lhs(tmp_path_factory) -> SweepResult:
    """24 Latin-hypercube points × 2 replicates of the retrenchment scenario: its magnitude and Japan's deference."""
    folder = tmp_path_factory.mktemp("discover")
    path = folder / "lhs.yaml"
    path.write_text(
        f"name: lhs\nscenario: {SCENARIOS / 'us_retrenchment.yaml'}\nreplicates: 2\nmethod: lhs\nsamples: 24\n"
        f"parameters:\n  {MAGNITUDE}: {{}}\n  JPN.deference: {{}}\nmetrics: [{FINAL}, '{REACHED}']\n",
        encoding="utf-8",
    )
    return run_sweep(path, folder / "out", workers=1, progress=False)


def middle(result: SweepResult) -> str:
    """A level of final cooperation that some points of the sweep pass and others do not."""
    return f"{result.point_means()[FINAL].median():.3f}"


def assert_png(path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    image = matplotlib.image.imread(path)
    assert image.shape[0] >= 300 and image.shape[1] >= 600, (path.name, image.shape)
    assert image[..., :3].std() > 0.05, f"{path.name} is nearly blank"


def test_analyze_discover_writes_the_box_trajectory_and_plots_and_prints_the_sentence(lhs):
    level = middle(lhs)
    condition = f"{FINAL} > {level}"
    status, out, err = eujsim("analyze", lhs.folder, "--discover", condition, "--discover", f"{FINAL}>{level}")
    assert status == 0, err
    folder = lhs.folder / DISCOVER_DIR / f"coop_EU_JPN_final_gt_{float(level):g}"
    record = json.loads((folder / "discovery.json").read_text(encoding="utf-8"))
    assert f"Discovery (PRIM): {record['summary']}" in out.splitlines()
    assert out.count("Discovery (PRIM):") == 1, "one condition written two ways is discovered once"
    assert record["summary"].startswith(f"{condition} holds in ")
    assert "of the points inside the box shock.US retrenchment.magnitude" in record["summary"]
    assert record["outcome"] == "box" and record["points"] == 24 and 0 < record["holding"] < 24
    box = pd.read_csv(folder / "box.csv")
    assert list(box.columns) == ["input", "low", "high", "restricted", "full_low", "full_high", "quasi_p"]
    assert set(box["input"]) == {MAGNITUDE, "JPN.deference"}
    assert box.set_index("input").loc[MAGNITUDE, "restricted"], "final cooperation rises with the retrenchment"
    trajectory = pd.read_csv(folder / "trajectory.csv")
    assert trajectory["chosen"].sum() == 1
    chosen = trajectory[trajectory["chosen"]].iloc[0]
    assert (chosen["coverage"], chosen["density"]) == pytest.approx((record["coverage"], record["density"]))
    for name in ("tradeoff.png", "box.png"):
        assert_png(folder / name)
    assert foreign_entries(lhs.folder, "sweep") == [], "the discovery files belong to the sweep folder's layout"
    assert not list(lhs.folder.rglob("*.tmp"))


def test_a_condition_is_checked_against_the_columns_the_per_point_table_will_have(lhs):
    """empty_point_table repeats tabulate_points's naming of the columns; the two must not drift apart."""
    raw = lhs.worlds().sort_values(["point", "replicate"], kind="stable", ignore_index=True)
    table = tabulate_points(lhs, raw).table
    assert list(empty_point_table(lhs).columns) == [c for c in table.columns if c != "point"]


def test_a_first_above_condition_counts_a_level_never_reached_as_after_the_run(lhs):
    found = discover(lhs.folder, "coop_EU_JPN:first_above@0.550 <= 12")
    assert found.condition.metric == REACHED
    assert any("counts as quarter 41 (horizon + 1)" in note for note in found.notes)
    table = lhs.point_means()
    never = table[REACHED].isna()
    assert not found.table.loc[never.to_numpy(), "holds"].any()


def test_analyze_says_in_one_line_when_a_condition_holds_nowhere(lhs):
    status, out, err = eujsim("analyze", lhs.folder, "--discover", f"{FINAL} > 5")
    assert status == 0, err
    assert f"Discovery: {FINAL} > 5 holds at none of the 24 points (highest point mean 0." in out
    folder = discovery_folder(lhs.folder, Condition(FINAL, ">", 5.0))
    assert [p.name for p in folder.iterdir()] == ["discovery.json"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--discover", "coop_EU_JPN:fnal > 0.5"], "--discover: the sweep has no metric 'coop_EU_JPN:fnal'; it has"),
        (["--discover", "coop_EU_JPN:peak > 0.5"], "a metric it lacks needs adding to the experiment's metrics"),
        (["--discover", "JPN.deference > 0.5"], "'JPN.deference' is a varied input of the sweep, not a metric"),
        (["--discover", "coop_EU_JPN:final = 0.5"], "write 'coop_EU_JPN:final == 0.5'"),
        (["--min-density", "0.9"], "--min-density: is an option of a discovery; give the condition with --discover"),
        (["--discover", "coop_EU_JPN:final > 0.5", "--min-density", "1.5"], "1.5 is not a share above 0 and at most 1"),
    ],
)
def test_analyze_discover_mistakes_are_one_line_and_write_nothing(lhs, argv, says):
    before = {p: p.stat().st_mtime_ns for p in lhs.folder.rglob("*") if p.is_file()}
    assert says in cli_error("analyze", lhs.folder, *argv)
    assert {p: p.stat().st_mtime_ns for p in lhs.folder.rglob("*") if p.is_file()} == before


def test_analyze_discover_without_the_ema_workbench_says_to_install_it_before_writing(lhs, monkeypatch):
    monkeypatch.setitem(sys.modules, "ema_workbench.analysis.prim", None)
    before = (lhs.folder / "indices" / "point_means.csv").stat().st_mtime_ns
    message = cli_error("analyze", lhs.folder, "--discover", f"{FINAL} > 0.5")
    assert message.endswith("install the optional extra: pip install 'eujsim[discover]'")
    assert (lhs.folder / "indices" / "point_means.csv").stat().st_mtime_ns == before


def test_the_python_api_returns_the_discoveries_of_an_analysis(lhs):
    analysis = analyze(lhs, discover=[f"{FINAL} > {middle(lhs)}"], discover_method="cart", min_density=0.9)
    (found,) = analysis.discoveries
    assert found.method == "cart" and found.min_density == 0.9
    assert found.summary in analysis.summary


def test_the_sweep_report_shows_each_discovery(lhs):
    eujsim("analyze", lhs.folder, "--discover", f"{FINAL} > {middle(lhs)}", "--discover", f"{FINAL} > 5")
    text = build_report(lhs.folder)
    assert '<section id="discovery">' in text
    for folder in sorted((lhs.folder / DISCOVER_DIR).iterdir()):
        record = json.loads((folder / "discovery.json").read_text(encoding="utf-8"))
        summary = record["summary"].replace(">", "&gt;")
        assert f"<p>{summary}</p>" in text
    section = text[text.index('<section id="discovery">') :]
    assert section.count("(tradeoff.png)</figcaption>") >= 1 and "<caption>The box: coverage" in section


def test_a_sweep_report_without_discoveries_has_no_such_section(tmp_path):
    from .test_sweep import small_experiment, write_experiment

    folder = tmp_path / "sweep"
    run_sweep(write_experiment(tmp_path, small_experiment()), folder, workers=1, progress=False)
    assert 'id="discovery"' not in build_report(folder)
