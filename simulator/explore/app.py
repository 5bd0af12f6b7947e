"""The explorer page: a Dash app over :mod:`simulator.explore.state` (the ``explore`` extra).

Dash serves its own scripts and styles from the installed package (``serve_locally``, its
default) and the page asks for no font, so nothing leaves the machine. The state is a scenario
in the file format held in the browser (a ``dcc.Store``); one callback turns every edit into a
new validated state through the functions of :mod:`simulator.explore.state`, the others draw
from it. An edit the file format refuses leaves the state as it was and shows the one-line
reason, as ``eujsim validate`` would word it.

Controls created from the state (a card per shock, a slider per parameter) carry
pattern-matching ids, so that the editing callback can listen to however many there are.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from simulator.base.calendar import parse_quarter, quarter_label
from simulator.base.errors import UserError, UserErrors
from simulator.core.structure import SMALLEST_INDEX_EFFECT
from simulator.explore import figures
from simulator.explore import state as st
from simulator.inputs.calibration import default_calibration
from simulator.inputs.shocklib import OPS
from simulator.storage.output import folder_name

ASSETS = Path(__file__).with_name("assets")
"""The page's own stylesheet, served by Dash from the package."""
TABS = {
    "domains": ("Domains", figures.domains_figure),
    "threats": ("Threats", figures.threats_figure),
    "spending": ("Spending", figures.spending_figure),
    "pairs": ("Main pairs", figures.pairs_figure),
}
"""The detail views under the headline, by tab value: label and figure."""
TITLE = "EU–Japan cooperation explorer"


def make_app(scenario: str | Path | None = None, *, seed: int | None = None, replicates: int | None = None) -> Dash:
    """The explorer's Dash app, opened on ``scenario`` (a file or a shipped scenario's name).

    Args:
        scenario: The scenario to start from; the shipped US retrenchment scenario when None.
        seed: Base seed, overriding the file's.
        replicates: Replicates, overriding the file's.

    Raises:
        UserError: for a scenario that does not validate, before any server starts.
    """
    initial = st.load_state(scenario if scenario is not None else st.DEFAULT_SCENARIO)
    if seed is not None or replicates is not None:
        initial = st.with_run_settings(initial, seed=seed, replicates=replicates)
    app = Dash(__name__, title=TITLE, assets_folder=str(ASSETS), serve_locally=True, update_title=None)
    app.layout = _layout(initial, scenario)
    _callbacks(app, st.Simulations())
    return app


def serve(app: Dash, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Serve the page until interrupted, with Flask's request log kept off the terminal."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.run(host=host, port=port, debug=False)


# -- layout ---------------------------------------------------------------------------------------


def _layout(initial: st.State, scenario: str | Path | None) -> html.Div:
    library = st.library_scenarios()
    given = None if scenario is None else str(scenario)
    picked = given if given in library else (st.DEFAULT_SCENARIO if scenario is None else None)
    calibration = default_calibration()
    return html.Div(
        className="page",
        children=[
            html.Header(
                className="top",
                children=[
                    html.H1(TITLE),
                    html.Div(
                        className="pickers",
                        children=[
                            html.Label(["Scenario ", _dropdown("scenario-pick", library, picked, clearable=False)]),
                            html.Label(
                                [
                                    "or file ",
                                    dcc.Input(
                                        id="scenario-file",
                                        type="text",
                                        placeholder="path/to/scenario.yaml",
                                        value=None if picked else given,
                                        debounce=True,
                                        style={"width": "240px"},
                                    ),
                                ]
                            ),
                            html.Button("Load file", id="load-file"),
                            html.Label(
                                [
                                    "Seed ",
                                    dcc.Input(
                                        id="seed",
                                        type="number",
                                        value=initial["seed"],
                                        debounce=True,
                                        style={"width": "170px"},
                                    ),
                                ]
                            ),
                            html.Label(
                                [
                                    "Replicates ",
                                    dcc.Input(
                                        id="replicates",
                                        type="number",
                                        min=1,
                                        value=initial["replicates"],
                                        debounce=True,
                                    ),
                                ]
                            ),
                        ],
                    ),
                    html.Div(id="status", className="status"),
                ],
            ),
            html.Div(id="error", className="error", role="alert"),
            html.Div(id="warnings", className="warnings"),
            html.Div(
                className="columns",
                children=[
                    html.Aside(className="controls", children=_controls(calibration)),
                    html.Main(className="views", children=_views()),
                ],
            ),
            dcc.Store(id="state", data=initial),
            dcc.Store(id="pins", data=[]),
            dcc.Store(id="shown-params", data=[]),
            dcc.Download(id="download-yaml"),
            dcc.Download(id="download-report"),
        ],
    )


def _dropdown(ident: str, options: list[str], value: str | None, **kwargs: Any) -> dcc.Dropdown:
    return dcc.Dropdown(id=ident, options=[{"label": o, "value": o} for o in options], value=value, **kwargs)


def _controls(calibration: Any) -> list[Any]:
    kinds = [{"label": kind, "value": kind, "title": text} for kind, text in st.shock_kinds()]
    params = [{"label": path, "value": path, "title": calibration[path].meaning} for path in calibration]
    return [
        html.H2("Shocks"),
        html.P(
            "Each shock's window is drawn on the timeline above the charts, with its strength; drag it sideways "
            "to move its onset, or edit it here.",
            className="hint",
        ),
        html.Div(id="shock-cards"),
        html.Div(
            className="add",
            children=[
                html.Label(["Library shock ", dcc.Dropdown(id="add-kind", options=kinds, value=kinds[0]["value"])]),
                html.Button("Add shock", id="add-shock"),
            ],
        ),
        html.Details(
            className="add",
            children=[
                html.Summary("Add an inline effect (a change the library has no kind for)"),
                html.Label(["Name ", dcc.Input(id="inline-name", type="text", value="my change")]),
                html.Label(["Parameter ", dcc.Dropdown(id="inline-target", options=params, value="JPN.constraint")]),
                html.Label(["Operation ", _dropdown("inline-op", list(OPS), "multiply", clearable=False)]),
                html.Label(["Value ", dcc.Input(id="inline-value", type="number", value=0.5)]),
                html.Button("Add inline effect", id="add-inline"),
            ],
        ),
        html.H2("Parameters"),
        html.P(
            "The most influential first (docs/sensitivity.md); find any other by name or meaning. The two marks "
            "under a slider are its documented range; beyond them the page warns.",
            className="hint",
        ),
        dcc.Dropdown(id="param-search", options=params, placeholder="Search a parameter…", searchable=True),
        html.Div(id="sliders"),
    ]


def _views() -> list[Any]:
    return [
        html.Div(
            className="timeline",
            children=[
                html.Span("Shocks — drag a window to move its onset", className="hint"),
                dcc.Graph(
                    id="timeline",
                    config={"edits": {"shapePosition": True}, "displayModeBar": False, "scrollZoom": False},
                ),
            ],
        ),
        dcc.Graph(id="headline", config={"displaylogo": False}),
        html.P(id="effect", className="effect"),
        html.P(
            "Click a quarter on a chart to see why cooperation moved by then.",
            className="hint",
        ),
        html.Div(className="explain", children=[dcc.Graph(id="explain"), html.P(id="explain-text")]),
        dcc.Tabs(
            id="detail-tab",
            value="domains",
            children=[dcc.Tab(label=label, value=value) for value, (label, _) in TABS.items()],
        ),
        dcc.Graph(id="detail", config={"displaylogo": False}),
        html.H2("Pinned variants"),
        html.Div(
            className="pinbar",
            children=[
                dcc.Input(id="pin-label", type="text", placeholder="a name for this variant"),
                html.Button("Pin this variant", id="pin"),
                html.Button("Clear pins", id="clear-pins"),
            ],
        ),
        html.Ul(id="pins-list"),
        html.Div(id="compare-box", children=[dcc.Graph(id="compare"), html.Ul(id="compare-text")]),
        html.H2("Export"),
        html.Div(
            className="pinbar",
            children=[
                html.Button("Download scenario YAML", id="export-yaml"),
                html.Button("Download report (HTML)", id="export-report"),
            ],
        ),
        html.P(
            "The YAML holds everything the page shows (with its seed and replicates): "
            "`eujsim run FILE` reproduces it. The report runs it as `eujsim run` does and writes `eujsim report`.",
            className="hint",
        ),
    ]


def _shock_card(index: int, shock: Mapping[str, Any], quarters: list[str]) -> html.Div:
    ident = {"index": index}
    persistent = shock.get("duration") is None
    effects = shock.get("effects")
    kind = f"inline: {', '.join(f'{e["target"]} {e["op"]} {e["value"]:g}' for e in effects)}" if effects else "library"
    return html.Div(
        className="card",
        children=[
            html.Div(
                className="card-head", children=[html.B(f"{index + 1}. {shock['name']}"), html.Span(f" ({kind})")]
            ),
            html.Label(["Onset ", _dropdown_q({"type": "shock-at", **ident}, quarters, shock["at"])]),
            html.Label(
                [
                    "Magnitude ",
                    dcc.Slider(
                        id={"type": "shock-magnitude", **ident},
                        min=0,
                        max=1,
                        step=0.05,
                        value=shock["magnitude"],
                        marks={0: "0", 0.5: "0.5", 1: "1"},
                        tooltip={"placement": "bottom"},
                    ),
                ]
            ),
            html.Div(
                className="timing",
                children=[
                    html.Label(["Ramp ", _quarters_input("shock-ramp", ident, shock["ramp"])]),
                    html.Label(
                        [
                            "Duration ",
                            _quarters_input("shock-duration", ident, None if persistent else shock["duration"]),
                        ],
                        title="quarters at full strength; empty for a persistent shock",
                    ),
                    html.Label(["Decay ", _quarters_input("shock-decay", ident, shock["decay"])]),
                    html.Button("Remove", id={"type": "shock-remove", **ident}, className="remove"),
                ],
            ),
            html.Small("persistent: lasts to the end of the run" if persistent else "ends, then decays"),
        ],
    )


def _dropdown_q(ident: dict[str, Any], quarters: list[str], value: str) -> dcc.Dropdown:
    return dcc.Dropdown(id=ident, options=quarters, value=value, clearable=False, className="quarter")


def _quarters_input(kind: str, ident: dict[str, Any], value: int | None) -> dcc.Input:
    return dcc.Input(id={"type": kind, **ident}, type="number", min=0, step=1, value=value, debounce=True)


def _slider(path: str, value: float, changed: bool) -> html.Div:
    info = st.parameter_info(path)
    low, high = info.bounds
    outside = not info.low <= value <= info.high
    marks = {info.low: f"{info.low:g}", info.high: f"{info.high:g}"}  # the documented range
    return html.Div(
        className="param" + (" outside" if outside else ""),
        children=[
            html.Div(
                className="param-head",
                children=[
                    html.B(path),
                    html.Span(f" = {value:g}", className="param-value"),
                    html.Span(" (changed)" if changed else "", className="changed"),
                    html.Button("Reset", id={"type": "param-reset", "path": path}, className="reset")
                    if changed
                    else None,
                ],
            ),
            dcc.Slider(
                id={"type": "param", "path": path},
                min=low,
                max=high,
                step=info.step,
                value=value,
                marks={k: {"label": v} for k, v in marks.items()},
                included=False,
                tooltip={"placement": "bottom"},
                className="documented",
            ),
            html.Div(
                className="param-text",
                children=[
                    html.Span(info.meaning),
                    html.Br(),
                    html.Span(
                        f"Documented range {info.low:g}–{info.high:g} ({info.unit}); the model takes "
                        f"{low:g}–{high:g}. Calibrated {info.value:g}."
                    ),
                    html.Br(),
                    html.Span(info.source, className="source"),
                ],
            ),
        ],
    )


# -- callbacks ----------------------------------------------------------------------------------------


def _callbacks(app: Dash, simulations: st.Simulations) -> None:
    @app.callback(
        Output("state", "data"),
        Output("error", "children"),
        Output("seed", "value"),
        Output("replicates", "value"),
        Input("scenario-pick", "value"),
        Input("load-file", "n_clicks"),
        Input("scenario-file", "n_submit"),
        Input("seed", "value"),
        Input("replicates", "value"),
        Input("timeline", "relayoutData"),
        Input("add-shock", "n_clicks"),
        Input("add-inline", "n_clicks"),
        Input({"type": "shock-at", "index": ALL}, "value"),
        Input({"type": "shock-magnitude", "index": ALL}, "value"),
        Input({"type": "shock-ramp", "index": ALL}, "value"),
        Input({"type": "shock-duration", "index": ALL}, "value"),
        Input({"type": "shock-decay", "index": ALL}, "value"),
        Input({"type": "shock-remove", "index": ALL}, "n_clicks"),
        Input({"type": "param", "path": ALL}, "value"),
        Input({"type": "param-reset", "path": ALL}, "n_clicks"),
        State("state", "data"),
        State("scenario-file", "value"),
        State("add-kind", "value"),
        State("inline-name", "value"),
        State("inline-target", "value"),
        State("inline-op", "value"),
        State("inline-value", "value"),
        prevent_initial_call=True,
    )
    def edit(*args: Any) -> tuple[Any, ...]:
        state, file, kind, inline_name, inline_target, inline_op, inline_value = args[-7:]
        trigger = ctx.triggered_id
        value = ctx.triggered[0]["value"] if ctx.triggered else None
        try:
            new = _edited(
                state,
                trigger,
                value,
                file=file,
                kind=kind,
                inline=(inline_name, inline_target, inline_op, inline_value),
            )
        except (UserError, UserErrors) as exc:
            return no_update, str(exc), no_update, no_update
        if new is None:
            return no_update, "", no_update, no_update
        return new, "", new["seed"], new["replicates"]

    @app.callback(
        Output("headline", "figure"),
        Output("effect", "children"),
        Output("status", "children"),
        Output("timeline", "figure"),
        Output("warnings", "children"),
        Input("state", "data"),
    )
    def draw(state: st.State) -> tuple[Any, ...]:
        view = simulations.view(state)
        scenario = view.scenario
        status = (
            f"{scenario.name}: {scenario.replicates} worlds × {scenario.horizon} quarters "
            f"({scenario.period}), seed {scenario.seed}"
            + (", with the no-shock twin" if view.twin is not None else "")
            + f" — simulated in {view.seconds:.2f} s"
        )
        warnings = st.warnings_of(state)
        shown = [html.Div(f"⚠ Outside the documented range: {line}", className="warning") for line in warnings]
        return figures.headline_figure(view), view.effect_line(), status, figures.timeline_figure(state, view), shown

    @app.callback(Output("detail", "figure"), Input("state", "data"), Input("detail-tab", "value"))
    def detail(state: st.State, tab: str) -> Any:
        return TABS.get(tab, TABS["domains"])[1](simulations.view(state))

    @app.callback(
        Output("shock-cards", "children"),
        Output("sliders", "children"),
        Input("state", "data"),
        Input("shown-params", "data"),
    )
    def controls(state: st.State, shown: list[str]) -> tuple[Any, ...]:
        start = parse_quarter(state["start"])
        quarters = [quarter_label(start + k) for k in range(int(state["horizon"]))]
        cards = [_shock_card(i, shock, quarters) for i, shock in enumerate(state["shocks"])]
        calibration = default_calibration()
        parameters = state.get("parameters") or {}
        sliders = [
            _slider(path, float(parameters.get(path, calibration[path].value)), path in parameters)
            for path in st.slider_parameters(state, shown or [])
        ]
        return cards, sliders

    @app.callback(
        Output("shown-params", "data"),
        Output("param-search", "value"),
        Input("param-search", "value"),
        State("shown-params", "data"),
        prevent_initial_call=True,
    )
    def search(path: str | None, shown: list[str]) -> tuple[Any, ...]:
        if not path or path in shown or path in st.INFLUENTIAL:
            return no_update, None
        return [path, *shown], None  # the newest first below the influential ones

    @app.callback(
        Output("explain", "figure"),
        Output("explain-text", "children"),
        Input("headline", "clickData"),
        Input("detail", "clickData"),
        Input("state", "data"),
    )
    def why(head_click: Any, detail_click: Any, state: st.State) -> tuple[Any, ...]:
        view = simulations.view(state)
        click = detail_click if ctx.triggered_id == "detail" else head_click
        step = view.scenario.horizon
        if click and click.get("points"):
            step = round(float(click["points"][0]["x"]))
        explained = st.explain_at(view, step)
        return figures.explain_figure(explained), explained.sentence()

    @app.callback(
        Output("pins", "data"),
        Output("pin-label", "value"),
        Input("pin", "n_clicks"),
        Input("clear-pins", "n_clicks"),
        State("pin-label", "value"),
        State("state", "data"),
        State("pins", "data"),
        prevent_initial_call=True,
    )
    def pin(_pin: int | None, _clear: int | None, label: str | None, state: st.State, pins: list) -> tuple[Any, ...]:
        if ctx.triggered_id == "clear-pins":
            return [], ""
        name = (label or "").strip() or f"variant {len(pins) + 1}"
        return [*pins, {"label": name, "state": copy.deepcopy(state)}], ""

    @app.callback(
        Output("pins-list", "children"),
        Output("compare", "figure"),
        Output("compare-text", "children"),
        Output("compare-box", "style"),
        Input("pins", "data"),
    )
    def compare(pins: list[dict[str, Any]]) -> tuple[Any, ...]:
        listed = [html.Li(_pin_line(p)) for p in pins]
        if not pins:
            empty = [html.Li("Nothing pinned yet: pin the page as it is, change something, and pin again.")]
            return empty, dash.no_update, [], {"display": "none"}
        variants = [st.Variant(p["label"], p["state"]) for p in pins]
        differences = st.compare_variants(variants, simulations)
        lines = [html.Li(d.sentence(variants[0].label)) for d in differences] or [
            html.Li("Pin a second variant to see the difference from the first.")
        ]
        lines.append(
            html.Li(
                f"The grey strip is ±{SMALLEST_INDEX_EFFECT:g} on the 0–1 scale, the smallest effect that matters.",
                className="hint",
            )
        )
        return listed, figures.compare_figure(variants, differences, simulations), lines, {"display": "block"}

    @app.callback(
        Output("download-yaml", "data"),
        Input("export-yaml", "n_clicks"),
        State("state", "data"),
        prevent_initial_call=True,
    )
    def export(_clicks: int | None, state: st.State) -> Any:
        return {
            "content": st.export_yaml(state),
            "filename": f"{folder_name(str(state['name']), 'scenario')}.yaml",
            "type": "text/yaml",
        }

    @app.callback(
        Output("download-report", "data"),
        Output("error", "children", allow_duplicate=True),
        Input("export-report", "n_clicks"),
        State("state", "data"),
        prevent_initial_call=True,
    )
    def report(_clicks: int | None, state: st.State) -> tuple[Any, ...]:
        try:
            path = st.write_run_report(state)
        except (UserError, UserErrors) as exc:
            return no_update, str(exc)
        return dcc.send_file(str(path), filename=f"{folder_name(str(state['name']), 'scenario')}-report.html"), ""


def _pin_line(pin: Mapping[str, Any]) -> str:
    state = pin["state"]
    shocks = ", ".join(f"{s['name']} {s['at']}" for s in state["shocks"]) or "no shocks"
    params = ", ".join(f"{k}={v:g}" for k, v in (state.get("parameters") or {}).items()) or "calibrated parameters"
    return f"{pin['label']}: {state['name']}, seed {state['seed']}, {state['replicates']} worlds; {shocks}; {params}"


def _edited(
    state: st.State,
    trigger: Any,
    value: Any,
    *,
    file: str | None,
    kind: str | None,
    inline: tuple[Any, Any, Any, Any],
) -> st.State | None:
    """The state after the edit that ``trigger`` (a control's id) made with ``value``; None when nothing changed.

    Raises:
        UserError: for an edit the scenario format refuses.
    """
    if trigger == "scenario-pick":
        return st.load_state(value) if value else None
    if trigger in ("load-file", "scenario-file"):
        if not file:
            raise UserError("type the path of a scenario file first", field="file")
        return st.load_state(file)
    if trigger in ("seed", "replicates"):
        if value is None or value == state[trigger]:
            return None
        return st.with_run_settings(state, **{trigger: int(value)})
    if trigger == "timeline":
        moved = figures.onset_of_drag(value)
        return None if moved is None else st.with_shock_moved(state, *moved)
    if trigger == "add-shock":
        return st.with_shock(state, kind or "")
    if trigger == "add-inline":
        name, target, op, number = inline
        if target is None or number is None:
            raise UserError("an inline effect needs a parameter and a value", field="inline effect")
        return st.with_inline_shock(state, name or "inline", target, op, float(number))
    if isinstance(trigger, Mapping):
        return _edited_by_pattern(state, dict(trigger), value)
    return None


def _edited_by_pattern(state: st.State, trigger: dict[str, Any], value: Any) -> st.State | None:
    kind = trigger["type"]
    if kind == "param":
        path = trigger["path"]
        current = (state.get("parameters") or {}).get(path, default_calibration()[path].value)
        return None if value is None or value == current else st.with_parameter(state, path, float(value))
    if kind == "param-reset":
        return st.with_parameter(state, trigger["path"], None) if value else None
    index = int(trigger["index"])
    if index >= len(state["shocks"]):
        return None
    if kind == "shock-remove":
        return st.without_shock(state, index) if value else None
    field = kind.removeprefix("shock-")
    if field != "duration" and value is None:
        return None
    if field in ("ramp", "duration", "decay") and value is not None:
        value = int(value)
    if state["shocks"][index].get(field) == value:
        return None
    return st.with_shock_fields(state, index, **{field: value})
