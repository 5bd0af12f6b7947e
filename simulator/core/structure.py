"""The fixed vocabulary of the model: actors, roles, pairs, domains, activities.

These are structural choices, not calibrated numbers, so they live in code as
immutable tuples. Everything numeric lives in ``data/calibration.yaml``.

Sources for the vocabulary:
    * Actors and their roles follow the conceptual model (docs/ODD.md §2.1): the EU and
      Japan are partners, the USA the guarantor, China, Russia and North Korea the
      challengers named in every source document.
    * The nine cooperation domains are those the 2024 Security and Defence
      Partnership covers as described by Büyükarslan (2025) and Roy (2024).
"""

from __future__ import annotations

from itertools import combinations
from typing import Final

ACTORS: Final = ("EU", "JPN", "USA", "CHN", "RUS", "PRK")
"""Actor codes in canonical order; pair names always follow this order."""

ACTOR_NAMES: Final = {
    "EU": "European Union",
    "JPN": "Japan",
    "USA": "United States",
    "CHN": "China",
    "RUS": "Russia",
    "PRK": "North Korea",
}

PARTNERS: Final = ("EU", "JPN")
GUARANTOR: Final = "USA"
CHALLENGERS: Final = ("CHN", "RUS", "PRK")
OBSERVERS: Final = ("EU", "JPN", "USA")
"""Actors that perceive threats from challengers (partners and guarantor)."""

THEATRES: Final = ("europe", "indo_pacific")
HOME_THEATRE: Final = {"EU": "europe", "JPN": "indo_pacific"}
"""Which US theatre commitment each partner depends on."""

THEATRE_ALLY: Final = {theatre: partner for partner, theatre in HOME_THEATRE.items()}
"""The partner whose spending the USA weighs in each theatre (the inverse of HOME_THEATRE)."""

DOMAINS: Final = (
    "maritime",
    "cyber",
    "space",
    "defence_industry",
    "counter_terrorism",
    "hybrid_fimi",
    "economic_security",
    "non_proliferation",
    "crisis_management",
)

DOMAIN_LABELS: Final = {
    "maritime": "maritime",
    "cyber": "cyber",
    "space": "space",
    "defence_industry": "defence industry",
    "counter_terrorism": "counter-terrorism",
    "hybrid_fimi": "hybrid threats / FIMI",
    "economic_security": "economic security",
    "non_proliferation": "non-proliferation",
    "crisis_management": "crisis management",
}
"""Display names of the domains for plots and reports (FIMI: foreign information
manipulation and interference)."""

ACTIVITIES: Final = ("gray_zone", "military", "wmd", "coercion", "cyber_hybrid")
"""Channels of challenger activity.

gray_zone: coast-guard and militia pressure at sea; military: war or large
exercises; wmd: missile and nuclear tests; coercion: economic coercion (export
curbs, retaliatory tariffs); cyber_hybrid: cyber campaigns and information
manipulation.
"""

RISKS: Final = ("sealane", "terrorism")
"""Non-state environmental risks that are not any actor's activity (e.g. Houthi
attacks on shipping at Bab-el-Mandeb)."""

PAIRS: Final = tuple(f"{a}_{b}" for a, b in combinations(ACTORS, 2))
"""All 15 unordered actor pairs, each written in canonical actor order."""

PAIR_MEMBERS: Final = {f"{a}_{b}": (a, b) for a, b in combinations(ACTORS, 2)}

HEADLINE_PAIR: Final = "EU_JPN"

HEADLINE_INDEX: Final = PAIRS.index(HEADLINE_PAIR)
"""Slot of the headline pair in every per-pair array (the order of ``PAIRS``)."""

WESTERN_PAIRS: Final = ("EU_JPN", "EU_USA", "JPN_USA")
"""Pairs whose cooperation challengers read as containment."""

MECHANISMS: Final = (
    "common_threat",
    "abandonment_fear",
    "values",
    "capability",
    "constraints",
    "exposure",
    "deference",
    "rivalry",
    "reversion",
    "agreements",
)
"""Driver categories of the desire equation and the adjustment (see docs/ODD.md).

The first eight are the additive terms of an actor's desired cooperation;
``reversion`` is the pull of the current level toward the intercept (inertia) and
``agreements`` the lift from agreement-backed floors and slowed decay. Growth
slowed by domestic instability counts under ``constraints``.
"""

MILESTONES: Final = (
    (0.25, "structured dialogue"),
    (0.40, "working cooperation"),
    (0.55, "operational partnership"),
    (0.70, "alliance-like integration"),
)
"""Named levels of EU–JPN aggregate intensity whose first crossing is an event.

An assumption of this model: the sources describe the relationship moving from
declarations (1990s) to operational arrangements (2023 Atalanta arrangement)
to a defence partnership (2024); the labels name those stages on the 0–1 scale.
"""

SMALLEST_INDEX_EFFECT: Final = 0.01
"""Smallest effect that matters on a 0–1 index (cooperation, threat, stability, activity).

Argued in docs/validation.md: 7% of the 0.15 gap between milestones, about two replicate
standard deviations of final EU–Japan cooperation in the baseline, and about 40% of the
February 2022 invasion's effect on cooperation by 2024Q4 in the backcast (0.024), the one
large shock whose aftermath the sources describe. docs/ablation.md uses the same number, and
a run's summary calls a smaller effect of its shocks too small to matter. It lives here, beside
the milestones on the same scale, so that every layer that judges an effect can use it."""


def pair_name(a: str, b: str) -> str:
    """Canonical name of the pair {a, b}, members in ``ACTORS`` order."""
    ia, ib = ACTORS.index(a), ACTORS.index(b)
    if ia == ib:
        raise ValueError(f"a pair needs two different actors, got {a} twice")
    first, second = (a, b) if ia < ib else (b, a)
    return f"{first}_{second}"
