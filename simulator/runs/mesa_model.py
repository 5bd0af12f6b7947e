"""The model as Mesa's own tools expect it: :class:`MesaModel`.

:class:`~simulator.core.model.StrategicModel` is the engine: it takes a resolved scenario and
per-world arrays, and leaves recording to its caller (:func:`simulator.runs.runner.simulate`).
Mesa's tools assume more of a model: ``mesa.batch_run`` builds it from plain keywords and reads
a ``datacollector``; it and SolaraViz step it while ``running`` is True; SolaraViz's Reset
builds a new one from the same keywords plus Mesa's own ``scenario`` object; and a Mesa user
expects ``rng`` to choose the random numbers. :class:`MesaModel` is the engine with those
conventions added and nothing about the simulation changed, so that its numbers are the numbers
of ``simulator.run`` for the same scenario, seed and parameters (``tests/test_mesa_model.py``
checks this through ``mesa.batch_run`` in worker processes).

Random numbers. A world's random numbers come from its own streams, derived from the scenario's
base seed and its replicate number (:mod:`simulator.core.randomness`); that is what keeps a
world's trajectory the same in any batch. Mesa's ``rng`` therefore chooses the base seed:

* ``rng=None`` (and no ``seed``): the scenario file's own ``seed``, so that the model reproduces
  ``simulator.run`` and every number in the docs. This differs from a plain Mesa model, where
  None means fresh entropy: repeating a run with ``rng=None`` repeats the same worlds. The
  model's replicates are its independent repetitions; for other sets of worlds pass other seeds.
* an int: that base seed (``simulator.run(..., seed=rng)``); the same int gives identical
  worlds, different ints give different worlds.
* a numpy ``Generator`` (or a ``BitGenerator``, ``SeedSequence`` or sequence of ints, which
  numpy turns into one): one base seed is drawn from it, so the worlds are as reproducible as
  the generator's state; a Generator passed in is advanced by that one draw.

``seed`` (the scenario file's word, and the name ``mesa.batch_run`` passes its ``rng`` values
under when a model declares it) means the same as ``rng``; give at most one. Mesa's own
``self.rng`` and ``self.random`` are seeded with the base seed too; they order the agents'
activation only, which no result depends on.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from mesa.datacollection import DataCollector
from mesa.experimental.scenarios import Scenario as MesaScenario

from simulator.base.calendar import quarter_label
from simulator.base.errors import UserError, choices_hint, near_miss, quote
from simulator.base.paths import shipped_scenario, shipped_scenario_names
from simulator.core.model import StrategicModel
from simulator.core.recorder import Recorder
from simulator.core.structure import HEADLINE_PAIR
from simulator.inputs.calibration import keyword_path
from simulator.inputs.scenario import SEED_RANGE, Scenario, check_seed
from simulator.runs.ensembles import ensemble_overrides
from simulator.runs.results import INTERVAL, RunResult
from simulator.runs.run_size import check_run_fits
from simulator.runs.runner import resolve
from simulator.runs.twin import without_shocks

DEFAULT_SCENARIO = "baseline"
"""The scenario a model without ``scenario_file`` runs: ``scenarios/baseline.yaml``, found from any folder."""
NAMED_PARAMETERS = {
    "jpn_deference": "JPN.deference",
    "eu_entrapment_aversion": "EU.entrapment_aversion",
    "weight_abandonment": "model.weight_abandonment",
}
"""The parameters users vary most, as plain keywords of :class:`MesaModel`, and their dotted paths.

Japan's deference to Washington and the EU's aversion to entrapment are the two sides of the
hedging-versus-deference question the shipped experiment and the EMA Workbench example explore;
the weight of abandonment fear is what the tutorial sweeps. Every other parameter goes through
``overrides``."""
HEADLINE = f"coop_{HEADLINE_PAIR}"
BAND = (f"{HEADLINE}_p{INTERVAL[0]}", f"{HEADLINE}_p{INTERVAL[1]}")
"""DataCollector columns of the headline's 90% band over worlds (as ``summary.csv``'s p5 and p95)."""
QUARTER = "quarter"
"""DataCollector column of the calendar quarter each row describes (step 0 is the quarter before ``start``)."""

SeedLike = int | np.integer | Sequence[int] | np.random.SeedSequence | np.random.BitGenerator | np.random.Generator
"""What ``rng`` and ``seed`` accept: Mesa's own seed-like values."""


class MesaModel(StrategicModel):
    """The strategic model with Mesa's conventions: plain keywords, a DataCollector, ``running``, ``rng``.

    One model is one scenario over all its replicates (worlds), simulated in lockstep as in
    ``simulator.run``; a step is one quarter. The six actors are the model's Mesa agents
    (``model.agents``); each holds its values for every world at once, so the DataCollector
    reports model-level means over worlds rather than per-agent rows.

    Args:
        scenario_file: A scenario file's path, the name of a shipped scenario (``"baseline"``,
            ``"us_retrenchment"``: the files of the project's ``scenarios/`` folder, found from
            any working directory), or a loaded :class:`simulator.Scenario`. Named this way, not
            ``scenario``, because Mesa reserves ``scenario`` for its own object.
        replicates: Worlds to simulate; None keeps the scenario's count.
        jpn_deference: ``JPN.deference``; None keeps the scenario's (or calibrated) value.
        eu_entrapment_aversion: ``EU.entrapment_aversion``; None keeps it.
        weight_abandonment: ``model.weight_abandonment``; None keeps it.
        overrides: Any calibrated parameter by dotted path (``{"USA.commitment_indo_pacific": 0.6}``)
            or with ``__`` for the dot; they win over the scenario's own values. A parameter may
            not be given both here and as a named keyword.
        shocks: False simulates the scenario without its shocks: the no-shock twin of
            ``eujsim run``, the same worlds with the same random numbers.
        ensemble: ``"calibrated"`` or an ensemble CSV, as ``simulator.run(ensemble=...)``.
        rng: Mesa's random seed: chooses the scenario's base seed (see the module docstring).
        seed: The same as ``rng``, under the scenario file's name for it; give at most one.
        scenario: Mesa's own Scenario object, which Mesa's tools (SolaraViz's Reset) pass. Only
            its ``rng`` is read, as ``rng``; parameters go in as keywords.

    Raises:
        UserError: for a scenario that cannot be found or read, an unknown parameter, a value out
            of range, a seed that is not seed-like, conflicting seeds or a parameter given twice.
    """

    def __init__(
        self,
        scenario_file: str | Path | Scenario = DEFAULT_SCENARIO,
        *,
        replicates: int | None = None,
        jpn_deference: float | None = None,
        eu_entrapment_aversion: float | None = None,
        weight_abandonment: float | None = None,
        overrides: Mapping[str, float] | None = None,
        shocks: bool = True,
        ensemble: str | Path | None = None,
        rng: SeedLike | None = None,
        seed: SeedLike | None = None,
        scenario: MesaScenario | None = None,
    ) -> None:
        named = {
            "jpn_deference": jpn_deference,
            "eu_entrapment_aversion": eu_entrapment_aversion,
            "weight_abandonment": weight_abandonment,
        }
        loaded = resolve(scenario_source(scenario_file), ensemble=ensemble)
        base_seed = choose_seed(rng=rng, seed=seed, scenario=scenario, default=loaded.seed)
        spec = resolve(loaded, replicates=replicates, seed=base_seed, overrides=parameter_values(named, overrides))
        if not shocks:
            spec = without_shocks(spec)
        check_run_fits(spec.replicates, spec.horizon, file=spec.source)
        numbers = np.arange(spec.replicates)
        super().__init__(spec, overrides=ensemble_overrides(spec, numbers), activation_seed=base_seed)
        if scenario is not None:
            self.scenario = scenario  # Mesa's setter; its rng was taken into account above
        self.scenario_file = scenario_file
        """The scenario as given (path, shipped name or scenario), so that a page can build the model again."""
        self.shocks = shocks
        """Whether the scenario's shocks are simulated (False: its no-shock twin)."""
        self.ensemble = ensemble
        """The parameter ensemble as given, or None for the point calibration."""
        self.overrides = dict(overrides or {})
        """The ``overrides`` as given; ``spec.parameters`` holds every override in force."""
        self.recorder = Recorder(self.n_worlds, spec.horizon)
        """Every series of every world and quarter so far, as ``simulator.run`` records them."""
        self.reported: dict[str, float | str] = {}
        """This quarter's DataCollector values: the means over worlds and the headline's band."""
        self._record()
        self.datacollector = DataCollector(model_reporters=model_reporters(self.recorder.columns))
        """Model-level series, one row per quarter from step 0 (see :func:`model_reporters`)."""
        self.datacollector.collect(self)

    @property
    def horizon(self) -> int:
        """Quarters the scenario simulates; ``running`` turns False after that many steps."""
        return self.spec.horizon

    def step(self) -> None:
        """Simulate one quarter and collect it; after the horizon, change nothing and warn.

        Mesa's own runners stop when ``running`` turns False at the horizon, but SolaraViz steps
        several quarters per click when its render interval is above one and may step past the
        end; so a step after the horizon leaves the model as it was (``steps`` included) instead
        of failing, and warns, since a script that steps further than the scenario reaches would
        otherwise believe it had simulated more quarters than it did.
        """
        if self.steps > self.horizon:  # Mesa counts the step before calling this method
            self.steps = self.horizon
            warnings.warn(
                f"the scenario ends after {self.horizon} quarters ({quarter_label(self.spec.last)}); "
                "this step changed nothing (model.running is False)",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        super().step()
        self._record()
        self.datacollector.collect(self)
        self.running = self.steps < self.horizon

    def _record(self) -> None:
        """Record the state after this step and set this quarter's reported values."""
        step = self.steps
        self.recorder.record(step, self.state, self.contributions if step else None)
        values = self.recorder.values[step]  # (variables, worlds)
        means = values.mean(axis=1)
        headline = values[self.recorder.columns.index(HEADLINE)]
        low, high = np.percentile(headline, INTERVAL)
        self.reported = {
            QUARTER: quarter_label(self.spec.start + step - 1),
            **{column: float(mean) for column, mean in zip(self.recorder.columns, means, strict=True)},
            BAND[0]: float(low),
            BAND[1]: float(high),
        }

    def result(self) -> RunResult:
        """The finished run as ``simulator.run`` returns it: every table, the summary, ``save``.

        Raises:
            UserError: before the last quarter, since a result describes the whole scenario.
        """
        if self.steps < self.horizon:
            raise UserError(
                f"the model has simulated {self.steps} of {self.horizon} quarters; step it to the end first "
                "(model.run_model())"
            )
        return RunResult.from_recorder(self.spec, self.recorder, self.replicates)


def report_value(model: MesaModel, name: str) -> float | str:
    """One of this quarter's reported values (a DataCollector reporter, bound to ``name`` with partial)."""
    return model.reported[name]


def model_reporters(columns: Sequence[str]) -> dict[str, partial[float | str]]:
    """The DataCollector's model reporters: the quarter, every series' mean over worlds, the headline's band.

    The series are those of ``timeseries.csv`` under the same names (``coop_EU_JPN``,
    ``coop_EU_JPN_maritime``, ``threat_JPN_CHN``, …; :mod:`simulator.core.recorder` lists them),
    each the mean over worlds as ``summary.csv``'s ``mean`` column, and ``coop_EU_JPN_p5`` and
    ``coop_EU_JPN_p95`` the band of 90% of worlds. Reporters are partials of a module function
    rather than lambdas so that a model and its DataCollector can be pickled.
    """
    names = [QUARTER, *columns, *BAND]
    return {name: partial(report_value, name=name) for name in names}


def scenario_source(scenario_file: str | Path | Scenario) -> str | Path | Scenario:
    """What to load for ``scenario_file``: a loaded scenario, an existing path, or the shipped file a bare name means.

    A path that exists wins over a shipped scenario of the same name. A bare name that is neither
    is refused here, with the nearest shipped name; a path with a folder that does not exist is
    returned as given, so that loading it fails with the project's usual "file not found" error
    and its suggestion.

    Raises:
        UserError: for something that is neither a path nor a scenario, such as Mesa's Scenario object,
            and for a bare name that is neither a file here nor a shipped scenario.
    """
    if isinstance(scenario_file, Scenario):
        return scenario_file
    if isinstance(scenario_file, MesaScenario):
        raise UserError(
            "takes a scenario file or a shipped scenario's name; Mesa's Scenario object goes in as scenario=",
            field="scenario_file",
        )
    if not isinstance(scenario_file, str | Path):
        raise UserError(
            f"must be a scenario file's path or a shipped scenario's name, got {quote(scenario_file)}",
            field="scenario_file",
        )
    if Path(scenario_file).exists():
        return scenario_file
    shipped = shipped_scenario(scenario_file)
    if shipped is not None:
        return shipped
    if len(Path(scenario_file).parts) == 1:
        names = shipped_scenario_names()
        hint = near_miss(Path(scenario_file).stem, names) or (f"; shipped: {choices_hint(names)}" if names else "")
        raise UserError(
            f"no scenario file '{scenario_file}' here and no shipped scenario of that name{hint}",
            field="scenario_file",
        )
    return scenario_file


def parameter_values(named: Mapping[str, float | None], overrides: Mapping[str, float] | None) -> dict[str, float]:
    """The dotted-path overrides of the named keywords that were given and of ``overrides``.

    Raises:
        UserError: for a parameter given both as a named keyword and in ``overrides``, or an
            ``overrides`` that is not a mapping (values are checked against the calibration later).
    """
    if overrides is not None and not isinstance(overrides, Mapping):
        raise UserError(f"must be a mapping of parameter paths to values, got {quote(overrides)}", field="overrides")
    values = {NAMED_PARAMETERS[name]: value for name, value in named.items() if value is not None}
    for key, value in (overrides or {}).items():
        path = keyword_path(str(key))
        if path in values:
            keyword = next((name for name, named_path in NAMED_PARAMETERS.items() if named_path == path), path)
            raise UserError(f"{path} is given twice: as {keyword}= and in overrides", field="overrides")
        values[path] = value
    return values


def choose_seed(*, rng: object, seed: object, scenario: MesaScenario | None, default: int) -> int:
    """The base seed that ``rng``, ``seed`` and Mesa's scenario object choose (see the module docstring).

    Raises:
        UserError: for ``scenario`` that is not Mesa's Scenario, one with parameters other than
            ``rng``, both ``rng`` and ``seed``, an ``rng`` that differs from the scenario's, or a
            value that is not seed-like.
    """
    if rng is not None and seed is not None:
        raise UserError("give rng or seed, not both: they both set the scenario's base seed", field="rng")
    given, field = (rng, "rng") if rng is not None else (seed, "seed")
    if scenario is not None:
        if not isinstance(scenario, MesaScenario):
            raise UserError(
                f"must be Mesa's Scenario object, got {quote(scenario)}; name a scenario file with scenario_file=",
                field="scenario",
            )
        extra = sorted(key for key in dict(scenario) if key != "rng")
        if extra:
            raise UserError(
                f"Mesa's Scenario object may carry only rng here, not {', '.join(extra)}; "
                "pass the model's parameters as keywords",
                field="scenario",
            )
        theirs = scenario.rng
        if theirs is not None:
            if given is not None and given is not theirs and not _same_seed(given, theirs):
                raise UserError(f"differs from scenario.rng ({quote(given)} against {quote(theirs)})", field=field)
            given, field = theirs, "scenario.rng"
    return base_seed(given, default, field=field)


def _same_seed(first: object, second: object) -> bool:
    """Whether two seed-like values are equal (Generators and the like only to themselves)."""
    if not all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in (first, second)):
        return False
    return int(first) == int(second)  # type: ignore[call-overload]


def base_seed(given: object, default: int, *, field: str = "rng") -> int:
    """The scenario base seed a Mesa seed-like value stands for; None keeps ``default``.

    Raises:
        UserError: for a whole number outside the seeds a scenario may take, or a value numpy
            cannot seed a generator with.
    """
    if given is None:
        return default
    if isinstance(given, bool | int | np.integer):
        return check_seed(given, field=field)  # refuses a bool, which numpy would take for 0 or 1
    if isinstance(given, np.random.Generator):
        generator = given
    else:
        try:
            generator = np.random.default_rng(given)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise UserError(
                "must be a whole number, a numpy Generator, BitGenerator or SeedSequence, a sequence of whole "
                f"numbers, or None; got {quote(given)}",
                field=field,
            ) from None
    return int(generator.integers(SEED_RANGE[0], SEED_RANGE[1], endpoint=True))
