"""A SolaraViz page of :class:`~simulator.runs.mesa_model.MesaModel`: its keywords as controls, its series as plots.

In a browser (``docs/examples/mesa_solara_app.py`` holds ``page = page(...)``)::

    solara run docs/examples/mesa_solara_app.py

or in a notebook cell: ``from simulator.runs.mesa_viz import page; page("us_retrenchment")``.

Mesa's SolaraViz supplies the controls (Reset, Play, Step) and the model parameters card;
this module chooses which keywords of the model it offers (:func:`model_params`) and draws
three plots from the model's DataCollector: EU–Japan cooperation with its band over worlds,
its nine domains, and the partners' threat readings. Reset builds a new model from the
controls' values (``MesaModel(**values, scenario=<Mesa's Scenario>)``), Step simulates one
quarter per click (more with a render interval above one), Play runs to the horizon.

Needs the ``viz`` extra (``pip install 'eujsim[viz]'``): Solara and what Mesa's visualisation
imports. Nothing else in the simulator imports this module, so the command line never loads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

try:
    import solara
    from mesa.visualization import SolaraViz
except ModuleNotFoundError as missing:  # pragma: no cover - depends on what is installed
    raise ModuleNotFoundError(
        f"the SolaraViz page needs {missing.name}, which the simulator does not install by default; "
        "pip install 'eujsim[viz]'",
        name=missing.name,
    ) from missing
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.base.calendar import quarter_label
from simulator.base.paths import shipped_scenario, shipped_scenario_names
from simulator.core.structure import CHALLENGERS, DOMAIN_LABELS, DOMAINS, PARTNERS
from simulator.inputs.calibration import default_calibration, keyword_path
from simulator.inputs.scenario import Scenario
from simulator.presentation.labels import SHORT_NAMES, series_label
from simulator.presentation.plots import (
    BAND_ALPHA,
    CHALLENGER_COLOURS,
    OKABE_ITO,
    label_quarters,
    shock_lines,
    style,
)
from simulator.runs.mesa_model import BAND, HEADLINE, NAMED_PARAMETERS, MesaModel

TITLE = "EU–Japan security cooperation"
"""The page's name in its app bar."""
DEFAULT_SCENARIO = "us_retrenchment"
"""The scenario the page opens with: the one ``make run`` runs, with a shock to watch."""
DEFAULT_REPLICATES = 50
"""Worlds of the page's first model: a band worth looking at, a step in a few milliseconds."""
MAX_REPLICATES = 500
"""The replicates slider's top: beyond it a Reset keeps the page waiting for little more to see."""
MAX_SEED = 9_999
"""The seed slider's top (or the model's own seed, if higher)."""
PLOT_SIZE = (6.4, 3.6)
"""Inches of each plot (at 100 dpi, so each fits a half-width panel of the page)."""

Drawer = Callable[[MesaModel], Any]
"""A plot component as SolaraViz takes it: a function of the model that makes Solara elements."""


def page(
    scenario_file: str | Path | Scenario = DEFAULT_SCENARIO,
    *,
    model: MesaModel | solara.Reactive[MesaModel] | None = None,
    **keywords: Any,
) -> Any:
    """The SolaraViz page of ``MesaModel(scenario_file, **keywords)`` (50 worlds unless told), or of ``model``.

    Args:
        scenario_file: The scenario of the first model, as :class:`MesaModel` takes it.
        model: A model to show first instead; a ``solara.reactive(model)`` lets the caller see the
            models that Reset makes later (its ``.value``). Its keywords set the controls' first values.
        **keywords: More of :class:`MesaModel`'s keywords (``replicates``, ``seed``, ``jpn_deference``, …).

    Returns:
        The page element: the value of a notebook cell, or ``page`` in a file for ``solara run``.

    Raises:
        TypeError: for a model together with keywords or a scenario, which it would ignore.
    """
    if model is None:
        keywords.setdefault("replicates", DEFAULT_REPLICATES)
        model = MesaModel(scenario_file, **keywords)
    elif keywords or scenario_file != DEFAULT_SCENARIO:
        raise TypeError("give a model, or a scenario and MesaModel's keywords, not both")
    first = model.value if isinstance(model, solara.Reactive) else model
    return SolaraViz(model, components=list(COMPONENTS), model_params=model_params(first), name=TITLE)


def model_params(model: MesaModel) -> dict[str, Any]:
    """SolaraViz's ``model_params`` for ``model``: a control per keyword users vary, the rest fixed.

    The controls start at the model's own values: its scenario (a choice among the shipped ones
    and the model's own file), replicates, base seed, the three named parameters (within their
    documented plausible ranges) and whether the shocks are on. Its ensemble and other overrides
    stay as they are, fixed. Reset passes every control's value, moved or not, so a named
    parameter that the model's ensemble varies between worlds gets no slider: its value would
    hold in every world.
    """
    calibration = default_calibration()
    params: dict[str, Any] = {"scenario_file": _scenario_control(model.scenario_file)}
    params["replicates"] = {
        "type": "SliderInt",
        "label": "replicates (worlds)",
        "value": model.n_worlds,
        "min": 1,
        "max": max(MAX_REPLICATES, model.n_worlds),
        "step": 1,
    }
    params["seed"] = {
        "type": "SliderInt",
        "label": "base seed",
        "value": model.spec.seed,
        "min": 0,
        "max": max(MAX_SEED, model.spec.seed),
        "step": 1,
    }
    varied = set(model.spec.ensemble.parameters) if model.spec.ensemble is not None else set()
    for keyword, path in NAMED_PARAMETERS.items():
        if path in varied and path not in model.spec.parameters:
            continue  # a slider's value would hold in every world what the ensemble varies between them
        parameter = calibration[path]
        value = float(model.spec.parameters.get(path, parameter.value))
        params[keyword] = {
            "type": "SliderFloat",
            "label": path,
            "value": value,
            "min": min(parameter.low, value),
            "max": max(parameter.high, value),
            "step": 0.01,
        }
    params["shocks"] = {"type": "Checkbox", "label": "with the scenario's shocks", "value": model.shocks}
    if model.ensemble is not None:
        params["ensemble"] = model.ensemble
    named = set(NAMED_PARAMETERS.values())  # the sliders set these; given twice, the model would refuse them
    others = {key: value for key, value in model.overrides.items() if keyword_path(key) not in named}
    if others:
        params["overrides"] = others
    return params


def _scenario_control(scenario_file: str | Path | Scenario) -> Any:
    """A choice among the shipped scenarios and the model's own file, or the loaded scenario as fixed."""
    if isinstance(scenario_file, Scenario):
        return scenario_file
    names = shipped_scenario_names()
    given = str(scenario_file)
    shipped = shipped_scenario(given)
    value = shipped.stem if shipped is not None and not Path(given).exists() else given
    values = names if value in names else [value, *names]
    return {"type": "Select", "label": "scenario", "value": value, "values": values}


def cooperation_plot(model: MesaModel) -> Any:
    """EU–Japan cooperation: the mean over worlds with the band of 90% of worlds, and the shocks' onsets."""
    frame = model.datacollector.get_model_vars_dataframe()
    with style():
        fig, ax = _figure(model, f"{series_label(HEADLINE)}, {model.spec.name}")
        steps = range(len(frame))
        ax.fill_between(
            steps, frame[BAND[0]], frame[BAND[1]], color=OKABE_ITO[0], alpha=BAND_ALPHA, lw=0, label="90% of worlds"
        )
        ax.plot(
            steps,
            frame[HEADLINE],
            color=OKABE_ITO[0],
            lw=2,
            marker="o" if len(frame) == 1 else None,  # step 0 alone is a point, which a line would not show
            label=f"mean of {model.n_worlds} worlds",
        )
        onsets = [shock.at - model.spec.start + 1 for shock in model.spec.shocks]
        shock_lines(ax, [x for x in onsets if 0 <= x <= model.horizon])
        ax.set_ylabel("intensity (0–1)")
        ax.legend(loc="upper left")
        return _show(fig)


def domain_plot(model: MesaModel) -> Any:
    """EU–Japan cooperation in each of the nine domains (means over worlds)."""
    frame = model.datacollector.get_model_vars_dataframe()
    with style():
        fig, ax = _figure(model, "EU–Japan cooperation by domain")
        colours = [*OKABE_ITO, "#999999"]
        for colour, domain in zip(colours, DOMAINS, strict=False):
            ax.plot(frame[f"{HEADLINE}_{domain}"], color=colour, lw=1.5, label=DOMAIN_LABELS[domain])
        ax.set_ylabel("intensity (0–1)")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
        return _show(fig)


def threat_plot(model: MesaModel) -> Any:
    """How the EU (dashed) and Japan (solid) read each challenger (means over worlds)."""
    frame = model.datacollector.get_model_vars_dataframe()
    with style():
        fig, ax = _figure(model, "threat readings of the partners")
        for partner, line in zip(PARTNERS, ("--", "-"), strict=True):
            for challenger in CHALLENGERS:
                ax.plot(
                    frame[f"threat_{partner}_{challenger}"],
                    color=CHALLENGER_COLOURS[challenger],
                    ls=line,
                    lw=1.5,
                    label=f"{SHORT_NAMES[partner]} on {SHORT_NAMES[challenger]}",
                )
        ax.set_ylabel("intensity (0–1)")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
        return _show(fig)


COMPONENTS: Sequence[Drawer] = (cooperation_plot, domain_plot, threat_plot)
"""The page's plots, in order; SolaraViz redraws each after every step."""


def _figure(model: MesaModel, title: str) -> tuple[Figure, Axes]:
    """A figure whose x axis spans the whole scenario in quarters, so lines grow across a fixed axis."""
    fig = Figure(figsize=PLOT_SIZE, layout="constrained")
    ax = fig.subplots()
    labels = [quarter_label(model.spec.start + step - 1) for step in range(model.horizon + 1)]
    label_quarters(ax, labels, max_labels=9)
    ax.set_title(title)
    return fig, ax


def _show(fig: Figure) -> Any:
    """The figure as a Solara element (a PNG, which every browser shows without further assets)."""
    return solara.FigureMatplotlib(fig, format="png")
