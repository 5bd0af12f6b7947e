"""The six actors as Mesa agents, in the three roles of the conceptual model.

Each agent reads the world at quarter t (``model.state`` and ``model.context``)
and writes only its own slots of quarter t+1 (``model.next``). Its quarter is
two behaviours: :meth:`Actor.act` (perceive, decide effort or activity) and
:meth:`Actor.choose_cooperation` (desired intensity toward every other actor in
every domain, as a sum of named driver terms).

Desire of actor i toward j in domain d (all terms signed, see docs/ODD.md)::

    desire = clip(intercept + common_threat + abandonment_fear + values + capability
                  + constraints + exposure + deference + rivalry, 0, 1)

(or, as a structural option, a blend with a multiplicative form in which the last four
scale the others down; docs/ODD.md §7.15).
"""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar, Protocol

import mesa
import numpy as np

from simulator.core.ablation import Switch
from simulator.core.context import PAIR_OF, Context
from simulator.core.mechanisms import activity as activity_mech
from simulator.core.mechanisms import commitment as commitment_mech
from simulator.core.mechanisms import cooperation as cooperation_mech
from simulator.core.mechanisms import politics
from simulator.core.mechanisms import spending as spending_mech
from simulator.core.mechanisms import threat as threat_mech
from simulator.core.parameters import Structure
from simulator.core.state import N_TERMS, WorldState
from simulator.core.structure import (
    ACTIVITIES,
    ACTORS,
    CHALLENGERS,
    DOMAINS,
    GUARANTOR,
    HOME_THEATRE,
    MECHANISMS,
    OBSERVERS,
    PARTNERS,
    THEATRE_ALLY,
    THEATRES,
)


class World(Protocol):
    """What an actor reads and writes of its model (:class:`simulator.core.model.StrategicModel` provides it).

    Named here, rather than importing the model, so that the model can import its actors and
    the actors know nothing above them.
    """

    n_worlds: int
    year: int
    params: dict[str, np.ndarray]
    structure: Structure
    state: WorldState
    next: WorldState
    context: Context
    explained_members: tuple[str, ...]
    ablate: frozenset[Switch]
    stochastic: bool


TERM = {name: i for i, name in enumerate(MECHANISMS[:N_TERMS])}
TermPart = cooperation_mech.TermPart
CHALLENGER_COLUMNS = [ACTORS.index(code) for code in CHALLENGERS]
"""Actor columns of the challengers (a list: a desire part toward several actors indexes with it)."""


BURDEN_DEMAND = {"europe": "burden_demand", "indo_pacific": "burden_demand_indo_pacific"}
"""The guarantor's spending demand on each theatre's ally (NATO's for Europe)."""
_COERCION = ACTIVITIES.index("coercion")
_MILITARY = ACTIVITIES.index("military")


class Actor(mesa.Agent):
    """An actor of the strategic environment.

    Args:
        model: The model the actor belongs to.
        code: Actor code (EU, JPN, USA, CHN, RUS, PRK).
    """

    role: ClassVar[str] = "actor"
    model: World  # type: ignore[assignment]  # a mesa.Model that provides World

    def __init__(self, model: World, code: str) -> None:
        super().__init__(model)  # type: ignore[arg-type]
        self.code = code
        self.index = ACTORS.index(code)
        self.other_partner: int | None = ACTORS.index(PARTNERS[1 - PARTNERS.index(code)]) if code in PARTNERS else None
        """Column of the other partner, whose desire terms are kept for the headline pair (partners only)."""
        self.terms: np.ndarray | None = None
        """(W, terms, actors, D) the desire terms chosen last quarter, kept only when the model
        explains a pair this actor belongs to (sweeps would otherwise hold them for every world)."""

    def param(self, name: str) -> np.ndarray:
        """This actor's parameter ``name`` in force this quarter, per world."""
        return self.model.params[f"{self.code}.{name}"]

    def on(self, switch: Switch) -> bool:
        """True unless the model was built with ``switch`` ablated (docs/ODD.md, ablation switches)."""
        return switch not in self.model.ablate

    def weight(self, name: str) -> np.ndarray:
        """A model-wide desire weight, shaped (W, 1) to broadcast over domains."""
        return self.model.params[f"model.weight_{name}"][:, None]

    def step(self) -> None:
        """One quarter: act on the world, then choose cooperation."""
        self.act()
        self.choose_cooperation()

    def act(self) -> None:
        """Role-specific behaviour (perception, effort, activity)."""
        raise NotImplementedError

    def term_parts(self) -> list[TermPart]:
        """The desire terms this actor has this quarter, as (term, column or columns, values) parts.

        Values, capability and rivalry apply toward every other actor; the role adds the rest.
        Each (term, column) appears in at most one part, and a (term, column) in no part is
        zero: most of the (terms, actors) grid is, and keeping the parts lets the desire be
        summed from the non-zero ones alone (:meth:`choose_cooperation`).
        """
        model = self.model
        parts: list[TermPart] = []
        others = [j for j in range(len(ACTORS)) if j != self.index]
        pairs = [PAIR_OF[(self.code, ACTORS[j])] for j in others]
        if self.on(Switch.VALUES):
            values = model.structure.values[:, pairs]
            parts.append((TERM["values"], others, self.weight("values")[:, :, None] * values[:, :, None]))
        if self.on(Switch.CAPABILITY):
            capability = model.context.capability[:, others]
            parts.append((TERM["capability"], others, self.weight("capability")[:, :, None] * capability[:, :, None]))
        if self.on(Switch.RIVALRY):
            hostility = model.context.hostility[:, self.index, others]
            parts.append((TERM["rivalry"], others, -self.weight("rivalry")[:, :, None] * hostility[:, :, None]))
        self.add_role_terms(parts)
        return parts

    def desire_terms(self) -> np.ndarray:
        """Signed driver terms (W, terms, actors, D) of desire toward each actor.

        The column of the actor itself, and every term a role does not have, stays zero.
        """
        return _dense_terms(self.term_parts(), self.model.n_worlds)

    def add_role_terms(self, parts: list[TermPart]) -> None:
        """Append the role-specific terms (each toward the actors it concerns); default none."""

    def choose_cooperation(self) -> None:
        """Write desired intensity toward every other actor into the next state.

        The terms kept for attribution and explanations are those that add up to the desire
        before clipping, so under the multiplicative desire option they are its effective terms
        (:func:`~simulator.core.mechanisms.cooperation.desire`).

        In the calibrated (additive) form the desire is the intercept plus the sum of the
        non-zero terms, added in the order of ``MECHANISMS`` as the sum over the dense
        (W, terms, actors, D) array adds them, so the numbers are the same bit for bit; only
        the multiplicative option, and an actor whose terms are kept for :meth:`pair_terms`,
        build the dense array.
        """
        params = self.model.params
        model = self.model
        parts = self.term_parts()
        intercept, share = params["model.desire_intercept"], params["model.desire_multiplicative_share"]
        other = self.other_partner
        headline = model.next.headline_terms[:, PARTNERS.index(self.code)] if other is not None else None
        if self.code in model.explained_members or np.any(share > 0):
            desire, terms = cooperation_mech.desire(intercept, _dense_terms(parts, model.n_worlds), share)
            if self.code in model.explained_members:
                self.terms = terms
            if headline is not None:
                headline[...] = terms[:, :, other]
            desire[:, self.index] = 0.0
            model.next.desire[:, self.index] = desire
        else:
            # summed in place: a view of this actor's row of the next state
            cooperation_mech.additive_desire_into(model.next.desire[:, self.index], intercept, parts)
            model.next.desire[:, self.index, self.index] = 0.0
            if headline is not None:
                _column_terms_into(headline, parts, other)


def _dense_terms(parts: list[TermPart], n_worlds: int) -> np.ndarray:
    """The parts written into a zero (W, terms, actors, D) array."""
    terms = np.zeros((n_worlds, N_TERMS, len(ACTORS), len(DOMAINS)))
    for term, columns, values in parts:
        terms[:, term, columns] = values
    return terms


def _column_terms_into(out: np.ndarray, parts: list[TermPart], column: int) -> None:
    """Actor ``column``'s terms (W, terms, D) of the parts, written into ``out`` (zero where no part has it)."""
    out[...] = 0.0
    for term, columns, values in parts:
        if columns == column:
            out[:, term] = values
        elif isinstance(columns, list) and column in columns:
            out[:, term] = values[:, columns.index(column)]


class ThreatObserver(Actor):
    """An actor that reads threats from the challengers (partners and guarantor)."""

    @property
    def observer_index(self) -> int:
        """Row of this actor in the threat arrays."""
        return OBSERVERS.index(self.code)

    def perceive_threats(self) -> None:
        """Update channel threat readings: direct + linked, smoothed by memory; then the overall ones.

        Balance of threat (Walt): activity x power x salience; linkage carries threat
        across aligned challengers. The overall reading of each challenger combines the new
        channel readings (the largest, or toward their union under the structural option), so
        the next quarter's agents and the recorded output read the same number.
        """
        model, o = self.model, self.observer_index
        current = model.state.threat[:, o]
        activity = model.state.activity if self.on(Switch.THREAT_ACTIVITY) else model.structure.assertiveness
        direct = threat_mech.direct_threat(model.structure.salience[:, o], model.structure.power, activity)
        linkage = self.param("linkage") if self.on(Switch.THREAT_LINKAGE) else np.zeros(model.n_worlds)
        linked = threat_mech.linked_threat(current, model.context.alignment, linkage)
        target = threat_mech.threat_target(direct, linked)
        memory = model.params["model.threat_memory"] if self.on(Switch.THREAT_SMOOTHING) else np.zeros(model.n_worlds)
        model.next.threat[:, o] = threat_mech.smooth(current, target, memory)
        model.next.overall_threat[:, o] = threat_mech.overall_threat(
            model.next.threat[:, o], model.params["model.threat_union_share"]
        )

    def add_role_terms(self, parts: list[TermPart]) -> None:
        """Common threat with fellow observers (the shared reading of the context)."""
        if not self.on(Switch.COMMON_THREAT):
            return
        weight = self.weight("common_threat")
        common = self.model.context.common_threat[:, self.observer_index]
        for o, other in enumerate(OBSERVERS):
            if other != self.code:
                parts.append((TERM["common_threat"], ACTORS.index(other), weight * common[:, o]))


class Partner(ThreatObserver):
    """The EU or Japan: perceives threats, sets defence effort, chooses cooperation.

    Sources: Büyükarslan (2025) and Niquet (2024) describe both as partners whose
    cooperation is driven by converging threat perceptions and US uncertainty and
    limited by Article 9 (Japan) and member-state control of CSDP (EU).
    """

    role = "partner"

    @cached_property
    def observer_columns(self) -> list[int]:
        """Actor columns of the other observers (the other partner and the guarantor), found once per actor."""
        return [j for j, other in enumerate(ACTORS) if other in OBSERVERS and other != self.code]

    @property
    def partner_index(self) -> int:
        """Row of this actor in the spending array."""
        return PARTNERS.index(self.code)

    @property
    def home_theatre(self) -> int:
        """Index of the US theatre this partner depends on."""
        return THEATRES.index(HOME_THEATRE[self.code])

    def act(self) -> None:
        """Perceive threats, set defence effort, live through domestic politics."""
        self.perceive_threats()
        self.set_defence_effort()
        self.update_stability()

    def update_stability(self) -> None:
        """Recover toward normal stability; a random domestic crisis may knock it down."""
        model, p = self.model, self.partner_index
        crisis_rate = self.param("crisis_rate") if self.on(Switch.DOMESTIC_CRISES) else np.zeros(model.n_worlds)
        new, crises = politics.next_stability(
            model.state.stability[:, p],
            self.param("stability"),
            model.params["model.stability_recovery"],
            crisis_rate,
            model.params["model.crisis_depth"],
            model.crisis_draws(p),
        )
        model.next.stability[:, p] = new
        model.next.crises[:, p] = crises

    def abandonment_fear(self) -> np.ndarray:
        """(W,) reliance on the USA times the commitment it withholds (Snyder)."""
        commitment = self.model.state.commitment[:, self.home_theatre]
        return spending_mech.abandonment_fear(self.param("reliance_on_us"), commitment)

    def enacted_floor(self) -> np.ndarray:
        """(W,) enacted spending path, or zero for a partner without one (or with the floor ablated)."""
        if not self.has_enacted_path():
            return np.zeros(self.model.n_worlds)
        p = self.param
        return spending_mech.policy_path(
            self.model.year,
            p("spending_base"),
            p("spending_decision_year"),
            p("spending_path_start"),
            p("spending_path_start_year"),
            p("spending_path_end"),
            p("spending_path_end_year"),
        )

    def has_enacted_path(self) -> bool:
        """Whether this partner has an enacted spending path (Japan) acting as its floor."""
        return f"{self.code}.spending_path_end" in self.model.params and self.on(Switch.SPENDING_FLOOR)

    def set_defence_effort(self) -> None:
        """Move spending toward a threat- and hedge-driven target within fiscal limits.

        A partner with an enacted path wants the path plus a response to whatever threat and
        abandonment fear exceed the readings the path answers; one without wants its base plus
        a response to all of them (:func:`~simulator.core.mechanisms.spending.spending_target`).
        """
        model, p = self.model, self.param
        floor = self.enacted_floor()
        threat = model.context.overall_threat[:, self.observer_index].max(axis=1)
        none = np.zeros(model.n_worlds)
        path = self.has_enacted_path()
        target = spending_mech.spending_target(
            floor,
            floor if path else p("spending_base"),
            p("threat_response") if self.on(Switch.SPENDING_THREAT) else none,
            threat,
            p("hedge_response") if self.on(Switch.SPENDING_HEDGING) else none,
            self.abandonment_fear(),
            p("fiscal_cap") if self.on(Switch.FISCAL_CAP) else np.full(model.n_worlds, np.inf),
            reference_threat=p("spending_reference_threat") if path else 0.0,
            reference_fear=p("spending_reference_fear") if path else 0.0,
        )
        current = model.state.spending[:, self.partner_index]
        model.next.spending[:, self.partner_index] = spending_mech.next_spending(
            current, target, model.params["model.spending_adjust"], floor
        )

    def add_role_terms(self, parts: list[TermPart]) -> None:
        """Common threat, abandonment/alliance, constraints, exposure and deference."""
        super().add_role_terms(parts)
        model = self.model
        hardness = model.structure.hardness
        for other in PARTNERS:
            if other != self.code:
                j = ACTORS.index(other)
                if self.on(Switch.ABANDONMENT_FEAR):
                    fear = self.abandonment_fear()[:, None]
                    parts.append((TERM["abandonment_fear"], j, self.weight("abandonment") * fear))
                if self.on(Switch.DEFERENCE):
                    deference = self.param("deference") * self.washington_gap(other)
                    parts.append((TERM["deference"], j, -self.weight("deference") * deference[:, None]))
        if self.on(Switch.ALLIANCE_PULL):
            commitment = model.state.commitment[:, self.home_theatre]
            parts.append(
                (TERM["abandonment_fear"], ACTORS.index(GUARANTOR), self.weight("alliance") * commitment[:, None])
            )
        constraint = self.param("constraint")[:, None] * hardness
        if self.on(Switch.INSTABILITY_IN_DESIRE):
            instability = 1.0 - model.state.stability[:, self.partner_index]
            constraint = constraint + instability[:, None] * hardness
        weight = self.weight("constraint")
        observers = self.observer_columns
        if self.on(Switch.CONSTRAINTS):
            for j in observers:
                parts.append((TERM["constraints"], j, -weight * self.with_entrapment(constraint, ACTORS[j])))
            parts.append((TERM["constraints"], CHALLENGER_COLUMNS, (-weight * constraint)[:, None, :]))
        if self.on(Switch.EXPOSURE):
            exposure = -self.weight("exposure") * self.exposure()
            parts.append((TERM["exposure"], observers, exposure[:, None, :]))

    def washington_gap(self, other: str) -> np.ndarray:
        """(W,) how far ``other``'s cooperation with the USA falls below this partner's own.

        Deference is comparative: Tokyo favours partners that "appear closest to Washington"
        (Niquet 2024), so a partner as close to Washington as Japan costs nothing.
        """
        level = self.model.context.coop_level
        own, theirs = level[:, PAIR_OF[(self.code, GUARANTOR)]], level[:, PAIR_OF[(other, GUARANTOR)]]
        return np.clip(own - theirs, 0.0, 1.0)

    def with_entrapment(self, constraint: np.ndarray, other: str) -> np.ndarray:
        """(W, D) the constraint index toward observer ``other``, plus entrapment unless it is ablated."""
        if not self.on(Switch.ENTRAPMENT):
            return constraint
        hardness = self.model.structure.hardness
        return constraint + self.param("entrapment_aversion")[:, None] * hardness * self.entrapment(other)[:, None]

    def entrapment(self, other: str) -> np.ndarray:
        """(W,) how much more military threat ``other`` faces than this partner does.

        The EU's fear of being drawn into a Taiwan or Senkaku contingency, or Japan's
        of being drawn into Europe's war, grows with that excess.
        """
        threat = self.model.state.threat
        excess = threat[:, OBSERVERS.index(other), :, _MILITARY] - threat[:, self.observer_index, :, _MILITARY]
        return np.clip(excess, 0.0, 1.0).max(axis=1)

    def exposure(self) -> np.ndarray:
        """(W, D) exposure to coercion by the challengers each domain is aimed at."""
        model = self.model
        dependence = model.structure.trade_dependence[:, self.partner_index]
        leverage = 0.5 + 0.5 * model.state.activity[:, :, _COERCION]
        return np.einsum("wdk,wk->wd", model.context.aim_share, dependence * leverage)


class Guarantor(ThreatObserver):
    """The USA: reads threats, sets commitment per theatre, presses allies to spend.

    Source: Büyükarslan (2025) on the second Trump administration's demand of 5% of
    GDP and the risks of an isolationist US foreign policy.
    """

    role = "guarantor"

    def act(self) -> None:
        """Perceive threats, then set commitment per theatre."""
        self.perceive_threats()
        self.set_commitment()

    def theatre_threat(self) -> np.ndarray:
        """(W, theatres) threat read in Europe (Russia) and the Indo-Pacific (China, North Korea)."""
        overall = self.model.context.overall_threat[:, self.observer_index]
        europe = overall[:, CHALLENGERS.index("RUS")]
        indo = 1.0 - (1.0 - overall[:, CHALLENGERS.index("CHN")]) * (1.0 - overall[:, CHALLENGERS.index("PRK")])
        return np.stack([europe, indo], axis=1)

    def burden_shortfall(self) -> np.ndarray:
        """(W, theatres) each theatre ally's spending shortfall against the US demand."""
        spending = self.model.state.spending
        ally_spending = np.stack([spending[:, PARTNERS.index(THEATRE_ALLY[t])] for t in THEATRES], axis=1)
        demand = np.stack([self.param(BURDEN_DEMAND[t]) for t in THEATRES], axis=1)
        return commitment_mech.burden_shortfall(demand, ally_spending)

    def set_commitment(self) -> None:
        """Move commitment per theatre toward baseline + threat response - burden pressure."""
        model = self.model
        if model.stochastic and not self.on(Switch.COMMITMENT_ADJUSTMENT):
            return  # frozen at step 0: next.commitment is already a copy of the current value
        baseline = np.stack([self.param(f"commitment_{t}") for t in THEATRES], axis=1)
        none = np.zeros(model.n_worlds)
        target = commitment_mech.commitment_target(
            baseline,
            self.param("threat_response") if self.on(Switch.COMMITMENT_THREAT) else none,
            self.theatre_threat(),
            self.param("burden_sensitivity") if self.on(Switch.COMMITMENT_BURDEN) else none,
            self.burden_shortfall(),
        )
        model.next.commitment[:] = commitment_mech.adjust_toward(
            model.state.commitment, target, model.params["model.commitment_adjust"]
        )

    def add_role_terms(self, parts: list[TermPart]) -> None:
        """Common threat, alliance pull toward committed theatres, friction with free riders."""
        super().add_role_terms(parts)
        shortfall = self.burden_shortfall() * self.param("burden_sensitivity")[:, None]
        for other in PARTNERS:
            j, theatre = ACTORS.index(other), THEATRES.index(HOME_THEATRE[other])
            if self.on(Switch.ALLIANCE_PULL):
                commitment = self.model.state.commitment[:, theatre]
                parts.append((TERM["abandonment_fear"], j, self.weight("alliance") * commitment[:, None]))
            if self.on(Switch.CONSTRAINTS):
                parts.append((TERM["constraints"], j, -self.weight("constraint") * shortfall[:, theatre, None]))


class Challenger(Actor):
    """China, Russia or North Korea: activity, episodes, pushback, mutual alignment.

    Source: Büyükarslan (2025): closer EU-Japan ties "may provoke pushback from China
    and Russia, both of whom view such alignments as part of a broader containment
    strategy"; the news report (2024) on Russia–North Korea troop and arms flows.
    """

    role = "challenger"

    @property
    def challenger_index(self) -> int:
        """Row of this actor in the activity arrays."""
        return CHALLENGERS.index(self.code)

    def act(self) -> None:
        """Read containment, then set activity (with noise and episodes)."""
        model, k = self.model, self.challenger_index
        contained = model.context.containment[:, k]
        model.next.containment[:, k] = contained
        pushback = self.param("pushback") if self.on(Switch.PUSHBACK) else np.zeros(model.n_worlds)
        target = activity_mech.activity_target(model.structure.assertiveness[:, k], pushback, contained)
        normal, uniform = model.draws(k)
        if not self.on(Switch.ACTIVITY_NOISE):
            normal = None
        episode_rate = model.structure.episode_rate[:, k]
        if not self.on(Switch.EPISODES):
            episode_rate = np.zeros_like(episode_rate)
        new, episodes = activity_mech.next_activity(
            model.state.activity[:, k],
            target,
            model.params["model.activity_adjust"],
            model.params["model.activity_noise"],
            episode_rate,
            model.params["model.episode_size"],
            normal,
            uniform,
        )
        model.next.activity[:, k] = new
        model.next.episodes[:, k] = episodes

    def add_role_terms(self, parts: list[TermPart]) -> None:
        """Alignment with fellow challengers against the containment both read.

        The shared threat is the lower of the two readings, as for the observers' common threat:
        a pair draws together when the West's cooperation is aimed at both of them, and the less
        contained side holds it back. Each reading is the cooperation aimed at that challenger
        (docs/ODD.md §7.2), so a crisis that turns the West toward one challenger moves its pairs.
        """
        if not self.on(Switch.CHALLENGER_ALIGNMENT):
            return
        contained = self.model.context.containment
        weight = self.model.params["model.weight_challenger_alignment"][:, None]
        for m, other in enumerate(CHALLENGERS):
            if other != self.code:
                shared = np.minimum(contained[:, self.challenger_index], contained[:, m])
                parts.append(
                    (
                        TERM["common_threat"],
                        ACTORS.index(other),
                        weight * shared[:, None] * self.model.structure.hardness,
                    )
                )


ROLE_CLASSES: dict[str, type[Actor]] = {
    **dict.fromkeys(PARTNERS, Partner),
    GUARANTOR: Guarantor,
    **dict.fromkeys(CHALLENGERS, Challenger),
}
"""Which agent class plays each actor."""
