"""The ablation table: one row per scenario, switch and measure; known answers where they are known."""

from __future__ import annotations

from simulator.core.ablation import Switch
from simulator.evaluation.ablation import HEADLINE, ablation_table, measures
from simulator.evaluation.paired import PairedEffect, paired_effect

from .conftest import make_scenario

SCENARIO = make_scenario(horizon=8, replicates=6)


def test_shape_and_columns() -> None:
    switches = [Switch.VALUES, Switch.SPENDING_FLOOR]
    table = ablation_table([SCENARIO], replicates=6, switches=[s.value for s in switches])
    assert len(table) == sum(len(measures(s)) for s in switches)
    assert set(table.verdict) <= {"material", "negligible", "unclear"}
    assert (table.low <= table.effect).all() and (table.effect <= table.high).all()


def test_a_mechanism_that_cannot_act_has_an_interval_around_zero() -> None:
    """No partner reaches its fiscal cap in the calibrated world, so lifting the cap does nothing."""
    table = ablation_table([SCENARIO], replicates=6, switches=["fiscal_cap"])
    assert (table.low <= 0).all() and (table.high >= 0).all()
    assert set(table.verdict) == {"negligible"}


def test_removing_shared_values_lowers_cooperation_materially() -> None:
    table = ablation_table([SCENARIO], replicates=6, switches=["values"])
    final = table[(table.output == HEADLINE) & (table.statistic == "final")].iloc[0]
    assert final.high < 0 and final.verdict == "material"


def test_spending_floor_lowers_japanese_spending() -> None:
    table = ablation_table([SCENARIO], replicates=6, switches=["spending_floor"])
    row = table[table.output == "spending_JPN"].iloc[0]
    assert row.unit == "pct_gdp" and row.high < 0 and row.verdict == "material"


def test_verdicts() -> None:
    assert PairedEffect(0.02, 0.015, 0.025).verdict(0.01) == "material"
    assert PairedEffect(0.002, 0.001, 0.003).verdict(0.01) == "negligible"  # real but too small to matter
    assert PairedEffect(0.005, -0.02, 0.03).verdict(0.01) == "unclear"
    assert paired_effect([0.0, 0.0, 0.0]) == PairedEffect(0.0, 0.0, 0.0)


def test_the_noise_acts_on_how_irregular_each_world_is_not_on_its_mean() -> None:
    """The activity noise is mean-neutral (ODD §4.9): switching it off calms every world's path."""
    scenario = make_scenario(horizon=12, replicates=20)
    table = ablation_table([scenario], replicates=20, switches=["activity_noise"])
    own = table[table.output != HEADLINE].set_index(["output", "statistic"])
    for challenger in ("activity_CHN", "activity_RUS"):
        assert own.loc[(challenger, "wobble"), "verdict"] == "material"
        assert own.loc[(challenger, "wobble"), "high"] < 0
        assert abs(own.loc[(challenger, "mean"), "effect"]) < 0.01
