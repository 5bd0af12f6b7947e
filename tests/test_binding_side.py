"""Which partner holds cooperation back: each side binds where the ODD says it does (§7.8, §7.9).

Realised EU–Japan cooperation follows the lower of the two desires, so a partner's own
reservations reach the outcome only in the cells (quarter × world × domain) where that partner
is the lower side. These checks verify that both sides can be that side.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.core.agents import TERM
from simulator.core.model import StrategicModel
from simulator.core.structure import ACTORS, DOMAINS, PAIRS
from simulator.evaluation import binding
from simulator.runs.runner import resolve

from .conftest import SCENARIOS, make_scenario

EU, JPN = ACTORS.index("EU"), ACTORS.index("JPN")
HARD = DOMAINS.index("defence_industry")


def eu_lower(scenario: str, replicates: int = 40, **overrides: float) -> np.ndarray:
    """(quarters, worlds, domains) True where the EU's desire toward Japan is the lower one."""
    return binding.eu_lower(resolve(SCENARIOS / f"{scenario}.yaml", replicates=replicates, overrides=overrides))


def test_japan_holds_back_hard_cooperation_in_the_baseline():
    """Article 9 and Tokyo's regard for Washington: Japan is the lower side in most hard-domain cells."""
    assert eu_lower("baseline")[:, :, HARD].mean() < 0.2


def test_an_eu_cohesion_crisis_makes_the_eu_the_side_that_holds_back():
    """CSDP reflects what the member states will: at their crisis' depth the EU binds in every domain."""
    lower = eu_lower("eu_cohesion_crisis")
    assert lower.mean() > 0.25
    assert (lower.mean(axis=1) > 0.9).any(), "at the crisis' depth the EU is the lower side almost everywhere"


def test_entrapment_can_make_the_eu_hold_back_hard_cooperation_in_a_taiwan_crisis():
    """At the top of its documented range, the EU's fear of being drawn into Japan's war binds."""
    calm = eu_lower("taiwan_strait_crisis", **{"EU.entrapment_aversion": 0.2})[:, :, HARD]
    averse = eu_lower("taiwan_strait_crisis", **{"EU.entrapment_aversion": 0.8})[:, :, HARD]
    assert averse.mean(axis=1).max() > 0.5
    assert averse.mean() > calm.mean() + 0.05


@pytest.mark.parametrize(("eu_usa", "binds"), [("equal", False), ("soured", True)])
def test_deference_costs_only_a_partner_further_from_washington_than_japan(eu_usa: str, binds: bool):
    """Japan's deference term is JPN.deference times how far EU–US relations fall below its own."""
    model = StrategicModel(make_scenario(parameters={"JPN.deference": 0.8}))
    level = model.context.coop_level
    own = level[:, PAIRS.index("JPN_USA")]
    level[:, PAIRS.index("EU_USA")] = own if eu_usa == "equal" else own - 0.3
    term = model.actors["JPN"].desire_terms()[:, TERM["deference"], EU]
    if binds:
        weight = model.params["model.weight_deference"][:, None]
        np.testing.assert_allclose(term, -weight * 0.8 * 0.3 * np.ones_like(term))
    else:
        assert np.all(term == 0.0)


def test_binding_shares_count_cells_and_the_report_shows_them():
    """The generated table (docs/ablation.md) reads the same cells these checks count."""
    from simulator.reports.ablation_report import SHOWN_DOMAINS, binding_section

    crisis = resolve(SCENARIOS / "eu_cohesion_crisis.yaml", replicates=10)
    shares = binding.binding_shares(crisis)
    lower = eu_lower("eu_cohesion_crisis", replicates=10)
    assert shares.overall == pytest.approx(lower.mean())
    assert shares.by_domain["defence_industry"] == pytest.approx(lower[:, :, HARD].mean())
    assert shares.peak_by_domain["defence_industry"] == pytest.approx(lower[:, :, HARD].mean(axis=1).max())
    text = "\n".join(binding_section([shares]))
    assert f"| `eu_cohesion_crisis` | {shares.overall:.0%} |" in text
    assert all(d.replace("_", " ") in text for d in SHOWN_DOMAINS)
