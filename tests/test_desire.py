"""Each desire driver moves the right side's desire in the right direction.

Two worlds with the same random stream differ in one parameter; after the
spin-up each sits at its own equilibrium, so the difference in desire is that
parameter's effect (with the model's feedbacks).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.core.ablation import Switch
from simulator.core.model import StrategicModel
from simulator.core.structure import ACTORS, DOMAINS

from .conftest import paired_model

EU, JPN, CHN = ACTORS.index("EU"), ACTORS.index("JPN"), ACTORS.index("CHN")
HARD, SOFT = DOMAINS.index("defence_industry"), DOMAINS.index("cyber")


def desire(model, actor: int, other: int) -> np.ndarray:
    """(2 worlds, domains) desire the model last recorded."""
    return model.state.desire[:, actor, other]


@pytest.mark.parametrize(
    ("path", "low", "high", "who", "toward", "sign"),
    [
        # more common threat (Russia's war) -> both partners want more
        ("RUS.assertiveness_military", 0.3, 0.9, EU, JPN, +1),
        ("RUS.assertiveness_military", 0.3, 0.9, JPN, EU, +1),
        # abandonment fear: weaker US commitment in Asia -> Japan wants more with the EU
        ("USA.commitment_indo_pacific", 0.9, 0.5, JPN, EU, +1),
        # shared values
        ("EU_JPN.values", 0.5, 1.0, EU, JPN, +1),
        # the other side's capability
        ("JPN.technology", 0.6, 0.9, EU, JPN, +1),
        # constraints
        ("JPN.constraint", 0.3, 0.8, JPN, EU, -1),
        ("JPN.stability", 1.0, 0.6, JPN, EU, -1),
        # exposure to coercion
        ("EU.trade_dependence_CHN", 0.2, 0.6, EU, JPN, -1),
        # Japan's deference to Washington
        ("JPN.deference", 0.1, 0.8, JPN, EU, -1),
    ],
)
def test_driver_moves_desire_in_its_direction(path, low, high, who, toward, sign):
    model = paired_model(path, low, high)
    before, after = desire(model, who, toward)
    change = (after - before).mean()
    assert sign * change > 0.005, f"{path}: mean change {change:+.4f}"


def test_rivalry_makes_a_more_threatening_challenger_a_less_wanted_partner():
    # at calibrated values cross-camp desire is clipped at zero; a weaker rivalry weight and
    # closer values keep it interior so the direction is visible
    model = paired_model(
        "CHN.assertiveness_gray_zone", 0.2, 0.8, parameters={"model.weight_rivalry": 0.2, "EU_CHN.values": 0.8}
    )
    calm, tense = desire(model, EU, CHN)
    assert calm.mean() > 0.02
    assert (calm - tense).mean() > 0.005


def test_constraints_bite_harder_in_hard_domains():
    model = paired_model("JPN.constraint", 0.3, 0.8)
    loose, tight = desire(model, JPN, EU)
    assert (loose - tight)[HARD] > (loose - tight)[SOFT] > 0


def test_deference_bites_when_eu_us_relations_sour():
    calm = paired_model("JPN.deference", 0.1, 0.8)
    soured = paired_model("JPN.deference", 0.1, 0.8, parameters={"EU_USA.values": 0.1, "USA.commitment_europe": 0.4})
    gap = lambda m: (desire(m, JPN, EU)[0] - desire(m, JPN, EU)[1]).mean()  # noqa: E731
    assert gap(soured) > gap(calm) > 0


def test_entrapment_caps_the_eus_hard_domain_desire_when_japan_faces_war():
    """Entrapment's own part of the EU's response to a Chinese military build-up.

    The whole response also carries the common threat the EU reads, which rises most in hard
    domains; the entrapment switch isolates the mechanism under test.
    """

    def response(model: StrategicModel, who: int, toward: int) -> np.ndarray:
        calm, crisis = desire(model, who, toward)
        return crisis - calm

    build_up = ("CHN.assertiveness_military", 0.2, 0.8)
    averse = {"EU.entrapment_aversion": 0.8}
    with_it = paired_model(*build_up, parameters=averse)
    without = paired_model(*build_up, parameters=averse)
    without.ablate = frozenset({Switch.ENTRAPMENT})
    without.state = with_it.state.copy()
    without._advance(without.params, without.structure)
    with_it._advance(with_it.params, with_it.structure)
    part = response(with_it, EU, JPN) - response(without, EU, JPN)
    # the EU's own fear of being drawn into Japan's war lowers its desire, most in hard domains
    assert part[HARD] < part[SOFT] - 0.01
    assert part[HARD] < -0.02
    # Japan faces the war, not the prospect of being drawn into it: its own entrapment (in
    # Europe's war) moves only through the small linkage of the two threats
    japan_part = response(with_it, JPN, EU) - response(without, JPN, EU)
    assert abs(japan_part[HARD]) < abs(part[HARD]) / 3


def test_realised_cooperation_needs_both_sides():
    model = paired_model("EU_JPN.values", 0.9, 0.9)
    realised = model.state.coop[:, 0]
    eu, jpn = desire(model, EU, JPN), desire(model, JPN, EU)
    assert np.all(realised <= np.maximum(np.minimum(eu, jpn), realised.min()) + 0.05)
