"""The strategic model: six actors, many worlds in lockstep, one quarter per step.

Process overview of one quarter (docs/ODD.md §3), read top to bottom in
:meth:`StrategicModel.step`:

1. Shocks active this quarter change the parameters in force.
2. Every agent reads the state at t and writes its own part of t+1, in any order:
   challengers set activity (pushback, noise, episodes); partners and the
   guarantor update threat readings; the guarantor sets theatre commitment;
   partners set defence effort; everyone chooses desired cooperation.
3. Cooperation settles: each pair moves toward the lower of the two desires (or, as a
   structural option, toward a blend with their mean; docs/ODD.md §7.15).
4. Outputs, driver contributions and events are recorded.

Every state array has a leading world axis: a run of R replicates is one model
of R worlds, and a sweep is a model whose worlds also differ in parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import mesa
import numpy as np

from simulator.base.calendar import quarter_year
from simulator.core.ablation import Switch, check_ablation
from simulator.core.agents import ROLE_CLASSES, Actor
from simulator.core.context import Context
from simulator.core.mechanisms.cooperation import attribute, realise
from simulator.core.mechanisms.threat import direct_threat, overall_threat
from simulator.core.parameters import Structure, distinct_worlds, world_parameters
from simulator.core.randomness import predraw
from simulator.core.shocks import ShockSchedule
from simulator.core.state import PairTerms, WorldState
from simulator.core.structure import (
    ACTIVITIES,
    ACTORS,
    CHALLENGERS,
    DOMAINS,
    HEADLINE_INDEX,
    MECHANISMS,
    PAIR_MEMBERS,
    PAIRS,
    PARTNERS,
    THEATRES,
)
from simulator.inputs.calibration import Calibration, default_calibration
from simulator.inputs.scenario import Scenario

type SpinUp = Callable[["StrategicModel", dict[str, np.ndarray], Structure], WorldState]
"""Runs the spin-up of given parameter rows and returns their settled state (``StrategicModel(spin_up=)``)."""

_FIRST = np.array([ACTORS.index(PAIR_MEMBERS[p][0]) for p in PAIRS])
_SECOND = np.array([ACTORS.index(PAIR_MEMBERS[p][1]) for p in PAIRS])


class StrategicModel(mesa.Model):
    """Agent-based model of EU–Japan security cooperation over many worlds.

    Args:
        scenario: The validated scenario to simulate.
        replicates: Replicate number of each world (default ``0 .. scenario.replicates-1``).
            A world's random stream depends only on (scenario.seed, replicate).
        overrides: Per-world parameter values, dotted path -> scalar or (W,) array,
            applied on top of the scenario's own overrides.
        shock_overrides: ``{(shock name, field): (W,) array}`` varying shock timing or
            magnitude by world (fields: at, magnitude, ramp, duration, decay).
        calibration: Parameter table (the packaged one by default).
        activation_seed: Seed of Mesa's activation shuffle; results do not depend on it.
        explained_pair: A pair (e.g. ``EU_JPN``) whose members keep their desire terms each
            quarter, so that :meth:`pair_terms` can read them; None keeps none.
        ablate: Mechanisms switched off (:class:`simulator.core.ablation.Switch` names), to
            measure what each contributes; empty (the default) is the model of docs/ODD.md.
        spin_up: What runs the spin-up quarters instead of the model's own NumPy quarters
            (the reference): a function of (model, parameters of the distinct rows, their
            structure) returning their settled state. The fused engine passes its compiled
            kernel (:func:`simulator.core.fused.settle_fused`, through
            :func:`simulator.core.engines.build_model`).

    Raises:
        ValueError: for an unknown ablation switch (and whatever ``spin_up`` raises).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        replicates: np.ndarray | None = None,
        overrides: Mapping[str, float | np.ndarray] | None = None,
        shock_overrides: Mapping[tuple[str, str], np.ndarray] | None = None,
        calibration: Calibration | None = None,
        activation_seed: int = 0,
        explained_pair: str | None = None,
        ablate: frozenset[str] = frozenset(),
        spin_up: SpinUp | None = None,
    ) -> None:
        super().__init__(rng=activation_seed)
        self.spin_up_function = spin_up
        self.ablate: frozenset[Switch] = check_ablation(ablate)
        self.explained_members: tuple[str, ...] = PAIR_MEMBERS[explained_pair] if explained_pair else ()
        self.spec = scenario  # Mesa 3.5 reserves `Model.scenario` for its own Scenario class
        self.calibration = calibration or default_calibration()
        self.replicates = np.arange(scenario.replicates) if replicates is None else np.asarray(replicates, dtype=int)
        self.n_worlds = len(self.replicates)
        merged = dict(scenario.parameters)
        merged.update(overrides or {})
        self.base_params = world_parameters(self.calibration, self.n_worlds, merged)
        self.schedule = ShockSchedule(scenario, self.calibration, self.n_worlds, shock_overrides)
        self._draws = predraw(
            scenario.seed, self.replicates, scenario.horizon, (len(CHALLENGERS), len(ACTIVITIES)), len(PARTNERS)
        )
        self._base_structure = Structure.from_parameters(self.base_params, self.n_worlds)
        self.params = self.base_params
        self.structure = self._base_structure
        self.stochastic = False
        self.year = quarter_year(scenario.start - 1)  # spin-up settles at the step-0 quarter
        self.actors: dict[str, Actor] = {code: ROLE_CLASSES[code](self, code) for code in ACTORS}
        self.context: Context | None = None
        self.state = self._spin_up()
        self.next = self.state
        self._start_politics()
        self.contributions = np.zeros((self.n_worlds, len(MECHANISMS), len(DOMAINS)))
        """(W, drivers, D) contributions to the last step's change in EU–JPN cooperation."""

    # -- set-up ---------------------------------------------------------------

    def initial_state(self, params: dict[str, np.ndarray], structure: Structure) -> WorldState:
        """A rough starting point that the spin-up then brings to equilibrium (one row per world of ``params``).

        Public so that a ``spin_up`` function can start where the model's own spin-up starts.
        """
        s = structure
        state = WorldState.empty(s.hardness.shape[0])
        state.activity[:] = s.assertiveness
        for o in range(s.salience.shape[1]):
            state.threat[:, o] = direct_threat(s.salience[:, o], s.power, s.assertiveness)
        state.overall_threat[:] = overall_threat(state.threat, params["model.threat_union_share"])
        state.commitment[:] = np.stack([params[f"USA.commitment_{t}"] for t in THEATRES], axis=1)
        for p, code in enumerate(PARTNERS):
            state.spending[:, p] = params[f"{code}.spending_base"]
            state.stability[:, p] = params[f"{code}.stability"]
        state.coop[:] = s.agreement_floor
        return state

    def _spin_up(self) -> WorldState:
        """Settle the state to the parameters: deterministic quarters, no shocks, no attribution.

        The calendar is frozen at the quarter before ``start`` (the step-0 label), so
        Japan's enacted spending path in step 0 is that quarter's value.

        The spin-up reads nothing but a world's base parameters (with the structure built from
        them), the model-wide calendar quarter and ablation switches: no shocks, no random
        draws (docs/ODD.md §3.3). Every replicate of a parameter point therefore settles to the
        same state, so the quarters run once per distinct parameter row
        (:func:`~simulator.core.parameters.distinct_worlds`) and each world takes its row's
        state. Each row is computed by the same element-wise operations as in a batch of all
        worlds, so the result is bit-identical to spinning up every world
        (``tests/test_spin_up.py``); a sweep of R replicates per point does 1/R of the work,
        and an ensemble, whose worlds all differ, does all of it.

        Returns:
            The settled state of every world; ``self.params``, ``self.structure``,
            ``self.context`` and the explained members' desire terms are left as the last
            spin-up quarter set them, for every world.
        """
        first, inverse = distinct_worlds(self.base_params, self.n_worlds)
        if len(first) == self.n_worlds:
            return self._settle(self.base_params, self._base_structure)
        params = {path: values[first] for path, values in self.base_params.items()}
        n_worlds, self.n_worlds = self.n_worlds, len(first)
        try:  # the agents size their arrays by n_worlds
            state = self._settle(params, Structure.from_parameters(params, len(first)))
        finally:
            self.n_worlds = n_worlds
        self.params, self.structure = self.base_params, self._base_structure
        if self.context is not None:
            self.context = self.context.take(inverse)
        for code in self.explained_members:
            actor = self.actors[code]
            if actor.terms is not None:
                actor.terms = np.take(actor.terms, inverse, axis=0)
        return state.take(inverse)

    def _settle(self, params: dict[str, np.ndarray], structure: Structure) -> WorldState:
        """Run the spin-up quarters for the worlds of ``params`` (``self.n_worlds`` of them).

        Worlds may differ in ``model.spinup_quarters``; each stops at its own count.
        """
        if self.spin_up_function is not None:
            self.state = self.spin_up_function(self, params, structure)
            return self.state
        self.state = self.initial_state(params, structure)
        quarters = params["model.spinup_quarters"].round().astype(int)
        for count in range(int(quarters.max(initial=0))):
            previous = self.state
            self._advance(params, structure)
            running = count < quarters
            if not running.all():
                self.state = self.state.where(running, previous)
        return self.state

    def _start_politics(self) -> None:
        """Start each partner's stability at most at ``<i>.stability_start``.

        The spin-up settles stability at its normal level, but the first simulated quarter has a
        domestic situation of its own (in 2025Q1, Tokyo's minority government). Stability then
        recovers toward the normal level as after any crisis (docs/ODD.md §5, §7.7).
        """
        for p, code in enumerate(PARTNERS):
            start = self.base_params[f"{code}.stability_start"]
            self.state.stability[:, p] = np.minimum(self.state.stability[:, p], start)

    # -- one quarter ----------------------------------------------------------

    def step(self) -> None:
        """Simulate one quarter (Mesa increments ``self.steps`` before calling this)."""
        step = self.steps
        self.year = quarter_year(self.spec.start + step - 1)
        self.stochastic = True
        self._step_index = step
        params, shocked = self.schedule.effective(self.base_params, step)
        structure = Structure.from_parameters(params, self.n_worlds) if shocked else self._base_structure
        self._advance(params, structure)

    def _advance(self, params: dict[str, np.ndarray], structure: Structure) -> None:
        """Read state t, let every agent write t+1, settle cooperation, swap buffers."""
        self.params = params
        self.structure = structure
        self.context = Context.read(self.state, structure, params)
        self.next = self.state.copy()
        self.agents.shuffle_do("step")
        self.settle_cooperation()
        self.state = self.next

    def draws(self, challenger: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """This quarter's noise and episode draws for one challenger (None in spin-up)."""
        if not self.stochastic:
            return None, None
        t = self._step_index - 1
        return self._draws.activity_noise[t, :, challenger], self._draws.episodes[t, :, challenger]

    def crisis_draws(self, partner: int) -> np.ndarray | None:
        """This quarter's crisis uniforms for one partner (None in spin-up)."""
        if not self.stochastic:
            return None
        return self._draws.crises[self._step_index - 1, :, partner]

    def settle_cooperation(self) -> None:
        """Move every pair toward the lower of its members' desires; attribute EU–JPN's change.

        Under the settlement option the target blends the lower desire with the mean of the two
        (``model.settlement_mean_share``, docs/ODD.md §7.15).
        """
        params, structure, nxt = self.params, self.structure, self.next
        rise, decay = params["model.coop_rise_rate"], params["model.coop_decay_rate"]
        if Switch.COOP_INERTIA in self.ablate:
            rise = decay = np.ones(self.n_worlds)
        brake = params["model.agreement_brake"]
        if Switch.AGREEMENT_BRAKE in self.ablate:
            brake = np.zeros(self.n_worlds)
        floor = structure.agreement_floor
        if Switch.AGREEMENT_FLOOR in self.ablate:
            floor = np.zeros_like(floor)
        result = realise(
            self.state.coop,
            nxt.desire[:, _FIRST, _SECOND],
            nxt.desire[:, _SECOND, _FIRST],
            rise,
            decay,
            structure.agreement,
            brake,
            floor,
            params["model.settlement_mean_share"],
        )
        nxt.coop[:] = result.coop
        if not self.stochastic:
            return  # spin-up quarters are not recorded, so their changes are not attributed
        self.contributions = attribute(
            self.state.coop[:, HEADLINE_INDEX],
            nxt.headline_terms[:, 0],
            nxt.headline_terms[:, 1],
            params["model.desire_intercept"],
            result,
            HEADLINE_INDEX,
        )

    # -- convenience ----------------------------------------------------------

    def pair_terms(self, pair: str) -> PairTerms:
        """The two members' desire terms toward each other, their desires and the pair's cooperation now.

        Read after a step (or after the spin-up, for step 0): the terms are those that set
        the desires this step's cooperation moved toward.
        """
        first, second = PAIR_MEMBERS[pair]
        if (first, second) != self.explained_members:
            raise ValueError(f"the model keeps desire terms for {self.explained_members or 'no pair'}, not {pair}")
        a, b = ACTORS.index(first), ACTORS.index(second)
        return PairTerms(
            terms=np.stack([self.actors[first].terms[:, :, b], self.actors[second].terms[:, :, a]], axis=1),
            desires=np.stack([self.state.desire[:, a, b], self.state.desire[:, b, a]], axis=1),
            coop=self.state.coop[:, PAIRS.index(pair)],
        )

    def run(self) -> None:
        """Simulate the whole horizon."""
        for _ in range(self.spec.horizon):
            self.step()
