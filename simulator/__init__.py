"""EU–Japan security cooperation: an agent-based strategic scenario simulator.

Notebook use::

    import simulator
    result = simulator.run("scenarios/us_retrenchment.yaml")
    result.summary          # mean, p5, p50, p95 per quarter and variable
    result.final("coop_EU_JPN").describe()
"""

from simulator.calibration import Calibration, Parameter, default_calibration, load_calibration
from simulator.errors import UserError
from simulator.interop import model_function
from simulator.model import StrategicModel
from simulator.results import RunResult
from simulator.runner import resolve, run, simulate
from simulator.scenario import Scenario, load_scenario, scenario_from_dict
from simulator.shocklib import ShockLibrary, default_library, load_library

__all__ = [
    "Calibration",
    "Parameter",
    "RunResult",
    "Scenario",
    "ShockLibrary",
    "StrategicModel",
    "UserError",
    "default_calibration",
    "default_library",
    "load_calibration",
    "load_library",
    "load_scenario",
    "model_function",
    "resolve",
    "run",
    "scenario_from_dict",
    "simulate",
]
