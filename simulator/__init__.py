"""EU–Japan security cooperation: an agent-based strategic scenario simulator.

Notebook use::

    import simulator
    result = simulator.run("scenarios/us_retrenchment.yaml")
    result.summary          # mean, p5, p50, p95 per quarter and variable, and whether it is held constant
    result.final("coop_EU_JPN").describe()
    simulator.model_function(JPN__deference=0.3)           # one point's metrics, for outside tools
    simulator.evaluate_points(sample)                      # many points at once: a row each

The package is layered (docs/architecture.md): ``base`` → ``inputs`` and ``storage`` →
``core`` (the model) → ``presentation`` → ``runs`` → ``sweeps`` → ``evaluation`` →
``reports`` → ``cli``; a module imports only from its own layer and those below it, which
``make test`` checks (``.importlinter``). The public names below are imported on first use,
so that ``import simulator`` (and with it every ``eujsim`` command) starts without loading
Mesa, pandas or matplotlib. Module paths from before the layers (``simulator.sweep``,
``simulator.results``, …) still import: :mod:`simulator.moved` maps them to their new homes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from simulator.moved import install_aliases

if TYPE_CHECKING:
    from simulator.base.errors import UserError
    from simulator.core.model import StrategicModel
    from simulator.inputs.calibration import Calibration, Parameter, default_calibration, load_calibration
    from simulator.inputs.ensemble import Ensemble, load_ensemble
    from simulator.inputs.scenario import Scenario, load_scenario, scenario_from_dict
    from simulator.inputs.shocklib import ShockLibrary, default_library, load_library
    from simulator.runs.mesa_model import MesaModel
    from simulator.runs.results import RunResult
    from simulator.runs.runner import resolve, run, simulate
    from simulator.sweeps.batch import evaluate_points
    from simulator.sweeps.interop import model_function

PUBLIC = {
    "Calibration": "simulator.inputs.calibration",
    "Parameter": "simulator.inputs.calibration",
    "default_calibration": "simulator.inputs.calibration",
    "load_calibration": "simulator.inputs.calibration",
    "UserError": "simulator.base.errors",
    "Ensemble": "simulator.inputs.ensemble",
    "load_ensemble": "simulator.inputs.ensemble",
    "model_function": "simulator.sweeps.interop",
    "MesaModel": "simulator.runs.mesa_model",
    "evaluate_points": "simulator.sweeps.batch",
    "StrategicModel": "simulator.core.model",
    "RunResult": "simulator.runs.results",
    "resolve": "simulator.runs.runner",
    "run": "simulator.runs.runner",
    "simulate": "simulator.runs.runner",
    "Scenario": "simulator.inputs.scenario",
    "load_scenario": "simulator.inputs.scenario",
    "scenario_from_dict": "simulator.inputs.scenario",
    "ShockLibrary": "simulator.inputs.shocklib",
    "default_library": "simulator.inputs.shocklib",
    "load_library": "simulator.inputs.shocklib",
}
"""Each public name and the module that defines it."""

__all__ = [
    "Calibration",
    "Ensemble",
    "MesaModel",
    "Parameter",
    "RunResult",
    "Scenario",
    "ShockLibrary",
    "StrategicModel",
    "UserError",
    "default_calibration",
    "default_library",
    "evaluate_points",
    "load_calibration",
    "load_ensemble",
    "load_library",
    "load_scenario",
    "model_function",
    "resolve",
    "run",
    "scenario_from_dict",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for (PEP 562)."""
    if name in PUBLIC:
        value = getattr(importlib.import_module(PUBLIC[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'simulator' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted({*globals(), *PUBLIC})


install_aliases()
