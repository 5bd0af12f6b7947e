"""Ablation switches: one named mechanism of docs/ODD.md §7 switched off at a time.

A reviewer can only judge whether a mechanism earns its place by running the model without
it and comparing, replicate by replicate, with the full model. Each :class:`Switch` names one
mechanism after its ODD section and bypasses exactly that piece of arithmetic in the agent
behaviour or the schedule step that owns it; nothing else changes. A model built without
switches (the default, ``frozenset()``) takes the very same code path as before the switches
existed, so its results are byte-identical.

Most switches zero a term (in the spin-up too, so the world settles without the mechanism).
One, ``commitment_adjustment``, *freezes* a variable instead, from step 1 on, so that US
commitment keeps its spun-up step-0 value. Where setting a parameter to zero would be exactly equivalent, the
switch's :attr:`SwitchInfo.equivalent` says which parameter and under which condition (a
shock that adds to that parameter breaks the equivalence; the switch is unaffected).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Switch(StrEnum):
    """Names of the mechanisms that can be switched off (values are the names used in files and tables)."""

    PUSHBACK = "pushback"
    ACTIVITY_NOISE = "activity_noise"
    EPISODES = "episodes"
    THREAT_ACTIVITY = "threat_activity"
    THREAT_LINKAGE = "threat_linkage"
    THREAT_SMOOTHING = "threat_smoothing"
    COMMITMENT_THREAT = "commitment_threat"
    COMMITMENT_BURDEN = "commitment_burden"
    COMMITMENT_ADJUSTMENT = "commitment_adjustment"
    SPENDING_THREAT = "spending_threat"
    SPENDING_HEDGING = "spending_hedging"
    SPENDING_FLOOR = "spending_floor"
    FISCAL_CAP = "fiscal_cap"
    DOMESTIC_CRISES = "domestic_crises"
    COMMON_THREAT = "common_threat"
    ABANDONMENT_FEAR = "abandonment_fear"
    ALLIANCE_PULL = "alliance_pull"
    VALUES = "values"
    CAPABILITY = "capability"
    CONSTRAINTS = "constraints"
    ENTRAPMENT = "entrapment"
    INSTABILITY_IN_DESIRE = "instability_in_desire"
    EXPOSURE = "exposure"
    DEFERENCE = "deference"
    RIVALRY = "rivalry"
    CHALLENGER_ALIGNMENT = "challenger_alignment"
    AGREEMENT_FLOOR = "agreement_floor"
    AGREEMENT_BRAKE = "agreement_brake"
    COOP_INERTIA = "coop_inertia"


@dataclass(frozen=True)
class SwitchInfo:
    """What a switch bypasses, for the ODD, the report and error messages.

    Attributes:
        section: The ODD section of the mechanism (e.g. ``§7.3``).
        bypasses: The arithmetic the switch removes, in the ODD's notation.
        equivalent: A parameter setting with exactly the same effect, and when it holds;
            empty if there is none.
    """

    section: str
    bypasses: str
    equivalent: str = ""


SWITCHES: dict[Switch, SwitchInfo] = {
    Switch.PUSHBACK: SwitchInfo(
        "§7.3", "containment no longer raises the activity target: X* = <k>.assertiveness", "every <k>.pushback = 0"
    ),
    Switch.ACTIVITY_NOISE: SwitchInfo("§7.3, §4.9", "activity noise ε = 0", "model.activity_noise = 0"),
    Switch.EPISODES: SwitchInfo(
        "§7.3, §4.9",
        "no challenger episodes (episode chance π = 0, also the expected jump of the spin-up)",
        "every <k>.episode_rate_<a> = 0, if no shock adds to an episode rate",
    ),
    Switch.THREAT_ACTIVITY: SwitchInfo(
        "§7.4",
        "direct threat reads the challengers' assertiveness in force instead of their realised activity X "
        "(cuts pushback, noise and episodes out of threat; shocks to assertiveness still count)",
    ),
    Switch.THREAT_LINKAGE: SwitchInfo(
        "§7.4", "linked threat Lk = 0", "<o>.linkage = 0 for EU, JPN, USA, if no shock changes a linkage"
    ),
    Switch.THREAT_SMOOTHING: SwitchInfo("§7.4", "no threat memory: T' = T*", "model.threat_memory = 0"),
    Switch.COMMITMENT_THREAT: SwitchInfo(
        "§7.5", "US commitment target ignores theatre threat τ", "USA.threat_response = 0"
    ),
    Switch.COMMITMENT_BURDEN: SwitchInfo(
        "§7.5",
        "US commitment target ignores the allies' burden shortfall sf (the friction term of §7.8 stays)",
    ),
    Switch.COMMITMENT_ADJUSTMENT: SwitchInfo(
        "§7.5", "US commitment frozen at its step-0 value from step 1 on: c' = c (shocks to the baselines do nothing)"
    ),
    Switch.SPENDING_THREAT: SwitchInfo(
        "§7.6", "spending wanted w ignores threat: no <i>.threat_response term", "<i>.threat_response = 0"
    ),
    Switch.SPENDING_HEDGING: SwitchInfo(
        "§7.6", "spending wanted w ignores abandonment fear: no <i>.hedge_response term", "<i>.hedge_response = 0"
    ),
    Switch.SPENDING_FLOOR: SwitchInfo("§7.6", "Japan's enacted path is no floor: f = 0 in the target and the update"),
    Switch.FISCAL_CAP: SwitchInfo("§7.6", "no fiscal cap: g* = max(w, f)"),
    Switch.DOMESTIC_CRISES: SwitchInfo(
        "§7.7, §4.9",
        "no domestic crises (chance 0, also the expected loss of the spin-up)",
        "<i>.crisis_rate = 0, if no shock adds to a crisis rate",
    ),
    Switch.COMMON_THREAT: SwitchInfo(
        "§7.8", "common-threat term between observers = 0", "model.weight_common_threat = 0"
    ),
    Switch.ABANDONMENT_FEAR: SwitchInfo(
        "§7.8", "abandonment-fear term of a partner toward the other partner = 0", "model.weight_abandonment = 0"
    ),
    Switch.ALLIANCE_PULL: SwitchInfo(
        "§7.8", "alliance pull between the partners and the USA (both directions) = 0", "model.weight_alliance = 0"
    ),
    Switch.VALUES: SwitchInfo("§7.8", "values term = 0 for every actor", "model.weight_values = 0"),
    Switch.CAPABILITY: SwitchInfo("§7.8", "capability term = 0 for every actor", "model.weight_capability = 0"),
    Switch.CONSTRAINTS: SwitchInfo(
        "§7.8",
        "the whole constraints term = 0 (standing constraint, instability, entrapment, US friction with free riders)",
        "model.weight_constraint = 0",
    ),
    Switch.ENTRAPMENT: SwitchInfo(
        "§7.8",
        "entrapment part of κ = 0",
        "<i>.entrapment_aversion = 0 for EU and JPN, if no shock changes an entrapment aversion",
    ),
    Switch.INSTABILITY_IN_DESIRE: SwitchInfo("§7.8", "domestic-instability part (1 − S)·hardness of κ = 0"),
    Switch.EXPOSURE: SwitchInfo("§7.8", "exposure term = 0", "model.weight_exposure = 0"),
    Switch.DEFERENCE: SwitchInfo("§7.8", "deference term = 0", "model.weight_deference = 0"),
    Switch.RIVALRY: SwitchInfo("§7.8", "rivalry term = 0 for every actor", "model.weight_rivalry = 0"),
    Switch.CHALLENGER_ALIGNMENT: SwitchInfo(
        "§7.8",
        "challengers' alignment term toward each other = 0",
        "model.weight_challenger_alignment = 0",
    ),
    Switch.AGREEMENT_FLOOR: SwitchInfo(
        "§7.9",
        "no agreement floor in the realisation: Φ = 0 (the rough initial state, §5, is unchanged)",
    ),
    Switch.AGREEMENT_BRAKE: SwitchInfo("§7.9", "agreements do not slow decay", "model.agreement_brake = 0"),
    Switch.COOP_INERTIA: SwitchInfo(
        "§7.9",
        "no inertia: base rates r0 = 1, so cooperation reaches its target (or floor) in one quarter, "
        "still braked by agreements when falling",
        "model.coop_rise_rate = model.coop_decay_rate = 1",
    ),
}


def check_ablation(names: Iterable[str]) -> frozenset[Switch]:
    """The switches named, validated.

    Args:
        names: Switch names (strings or :class:`Switch` members).

    Raises:
        ValueError: for a name that is not a switch, listing the known ones.
    """
    chosen = set()
    for name in names:
        try:
            chosen.add(Switch(name))
        except ValueError:
            known = ", ".join(s.value for s in Switch)
            raise ValueError(f"unknown ablation switch {name!r}; known switches: {known}") from None
    return frozenset(chosen)
