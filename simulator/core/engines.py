"""Which engine runs a model's simulated quarters: the NumPy reference or the compiled kernel.

The NumPy engine (``numpy``, the default) steps the model quarter by quarter and is the
reference every documented number comes from. The fused engine (``fused``) runs the spin-up
and then all the simulated quarters of every world in one compiled kernel
(:mod:`simulator.core.fused`), several times faster, with the same parameters, random numbers
and shock schedule. The two
agree to about 1e-15 but not bit for bit (the kernel adds in a different order), so a result
records which engine made it. Within one engine, results do not depend on how worlds are
grouped: the kernel loops over worlds independently, as the NumPy engine computes them
element by element.

The fused engine is opt-in and never a fallback: a user who asks for it and lacks numba, or
asks for a model it does not cover, gets an error saying so, not the other engine's numbers.
numba is imported only when the fused engine is used, so the default path never loads it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.base.errors import UserError, clip
from simulator.core.fused_coverage import NotCovered, check_supported
from simulator.core.model import StrategicModel
from simulator.core.recorder import Recorder, column_names

if TYPE_CHECKING:
    from simulator.inputs.scenario import Scenario

ENGINES = ("numpy", "fused")
"""The engines a sweep or batch of points can run on; the first is the default and the reference."""
DEFAULT_ENGINE = ENGINES[0]
INSTALL_HINT = "pip install 'eujsim[fast]'"
"""How to get numba, which only the fused engine needs."""


def check_engine_name(engine: str, field: str = "engine") -> str:
    """Refuse an unknown engine name, naming the choices; returns the name.

    Raises:
        UserError: for a name not in :data:`ENGINES`.
    """
    if engine not in ENGINES:
        raise UserError(not_an_engine(engine), field=field)
    return engine


def not_an_engine(engine: str) -> str:
    """What to say of a name that is not an engine: the name as given (clipped) and the choices."""
    return f"'{clip(engine)}' is not an engine: use one of {', '.join(ENGINES)}"


def require_fused(field: str = "engine") -> None:
    """Refuse the fused engine where numba is not installed, with the command that installs it.

    Checked before any work so that a long sweep does not fail in every chunk for a missing package.

    Raises:
        UserError: when numba cannot be imported.
    """
    if importlib.util.find_spec("numba") is None:
        raise UserError(f"fused needs numba, which is not installed: {INSTALL_HINT}", field=field)


def fused_refusal(model: StrategicModel) -> str | None:
    """Why the fused kernel cannot run ``model`` (its own words), or None if it can."""
    try:
        check_supported(model)
    except NotCovered as exc:
        return str(exc)
    return None


def build_model(engine: str, scenario: Scenario, **options: Any) -> StrategicModel:
    """A settled model of ``scenario`` for ``engine``: spun up by the kernel for ``fused``.

    Args:
        engine: ``numpy`` or ``fused``.
        scenario: The scenario to simulate.
        **options: Keyword arguments of :class:`~simulator.core.model.StrategicModel`.

    Raises:
        UserError: for an unknown engine, the fused engine without numba, or a model the
            kernel does not cover.
    """
    check_engine_name(engine)
    if engine == "numpy":
        return StrategicModel(scenario, **options)
    require_fused()
    from simulator.core.fused import settle_fused  # imports numba: only for the fused engine

    try:
        return StrategicModel(scenario, spin_up=settle_fused, **options)
    except NotCovered as refusal:
        raise _refused(refusal) from None


def _refused(refusal: NotCovered) -> UserError:
    """The user's one line for a model the kernel does not cover."""
    return UserError(f"fused cannot run this model: {refusal}; use engine numpy", field="engine")


def simulate_series(model: StrategicModel, engine: str, columns: Sequence[str]) -> np.ndarray:
    """Run ``model``'s horizon on ``engine`` and return the recorded ``columns``.

    Args:
        model: A freshly built (settled, not yet stepped) model, from :func:`build_model`
            with the same engine.
        engine: ``numpy`` or ``fused``.
        columns: Recorded variables to keep (:func:`simulator.core.recorder.column_names`).

    Returns:
        (horizon + 1, len(columns), worlds) values, step 0 being the settled state, as
        :attr:`simulator.core.recorder.Recorder.values`.

    Raises:
        UserError: for the fused engine without numba, or a model the kernel does not cover.
    """
    horizon = model.spec.horizon
    if engine == "fused":
        require_fused()
        from simulator.core.fused import run_fused

        every = column_names()
        index = np.array([every.index(c) for c in columns], dtype=int)
        try:
            return run_fused(model).series[:, index, :]
        except NotCovered as refusal:  # run_fused asks before it packs anything
            raise _refused(refusal) from None
    check_engine_name(engine)
    recorder = Recorder(model.n_worlds, horizon, keep_details=False, columns=list(columns))
    recorder.record(0, model.state)
    for step in range(1, horizon + 1):
        model.step()
        recorder.record(step, model.state)
    return recorder.values
