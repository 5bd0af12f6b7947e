"""The explorer's figures, drawn with Plotly from what :mod:`simulator.explore.state` computes.

They follow the project's plots (:mod:`simulator.presentation.plots`): the same Okabe–Ito
colours, the run in blue with its band of 90% of worlds, the no-shock twin dashed in orange,
the paired difference in reddish purple over the strip of effects too small to matter, and
each shock's window shaded as deep as the shock's strength in each quarter
(:func:`simulator.presentation.shock_windows.windows`, the model's own strength profile). The
x axis is the run's step, as there: step s is the end of the s-th simulated quarter, so a
shock shades from the end of the quarter before its onset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulator.core.structure import DOMAIN_LABELS, DOMAINS, MILESTONES, SMALLEST_INDEX_EFFECT
from simulator.explore.state import (
    HEADLINE,
    Band,
    QuarterExplained,
    Simulations,
    Variant,
    VariantDifference,
    View,
    band,
    shock_difference,
)
from simulator.presentation.labels import series_label
from simulator.presentation.plots import (
    DIFFERENCE_COLOUR,
    OKABE_ITO,
    TOO_SMALL_LABEL,
    TWIN_COLOUR,
    TWIN_LABEL,
    difference_limits,
)
from simulator.presentation.shock_windows import FULL_ALPHA, WINDOW_COLOUR, windows

RUN_COLOUR = OKABE_ITO[0]
STRIP_COLOUR = "rgba(160, 160, 160, 0.25)"
"""The strip of effects too small to matter: a light grey band (Plotly shapes have no hatching)."""
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif", "size": 12}
"""Fonts the machine has: nothing is fetched, so the page stays offline."""
MAIN_PAIRS = ("EU_JPN", "EU_USA", "JPN_USA", "EU_CHN", "JPN_CHN", "EU_RUS", "CHN_RUS", "RUS_PRK")
"""The pairs the pairs view offers; a pair held constant at its floor in every world is left out and named."""


def _rgba(colour: str, alpha: float) -> str:
    """A hex colour with an opacity, as Plotly takes it."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha:.3f})"


def quarter_ticks(view: View) -> dict[str, Any]:
    """Ticks every year at the end of each year's fourth quarter, labelled by the quarter, as the run plots do."""
    labels = view.result.quarter_labels
    steps = [int(s) for s in view.result.steps]
    years = [s for s in steps if labels[s].endswith("Q4")]
    shown = years[:: max(1, -(-len(years) // 12))]  # at most about twelve labels, a long run every few years
    return {"tickvals": shown, "ticktext": [labels[s] for s in shown], "range": [0, steps[-1]]}


def _band_traces(
    x: np.ndarray,
    data: Band,
    colour: str,
    name: str,
    *,
    dash: str = "solid",
    alpha: float = 0.18,
    legendgroup: str | None = None,
    showlegend: bool = True,
    text: Sequence[str] | None = None,
) -> list[go.Scatter]:
    """A mean line over its band of 90% of worlds (the band first, so the line draws on top).

    ``text`` is each step's hover text (its quarter, :func:`_text`), given to all three traces.
    """
    group = legendgroup or name
    return [
        go.Scatter(
            x=x,
            y=data.high,
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
            legendgroup=group,
            text=text,
        ),
        go.Scatter(
            x=x,
            y=data.low,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=_rgba(colour, alpha),
            hoverinfo="skip",
            showlegend=False,
            legendgroup=group,
            text=text,
        ),
        go.Scatter(
            x=x,
            y=data.mean,
            text=text,
            mode="lines",
            name=name,
            line={"color": colour, "width": 2.2, "dash": dash},
            legendgroup=group,
            showlegend=showlegend,
            hovertemplate="%{text}: %{y:.3f}<extra>" + name + "</extra>",
        ),
    ]


def shock_shading(view: View, rows: Sequence[int] = (1,)) -> list[dict[str, Any]]:
    """Each shock's window as rectangles, one per quarter, as deep as the shock's strength there."""
    scenario = view.scenario
    shapes = []
    for window in windows(scenario.shocks, scenario.start - 1, float(scenario.horizon)):
        k = 0
        while k < len(window.strengths):  # quarters of equal strength in a row make one rectangle
            strength, first = window.strengths[k], k
            while k < len(window.strengths) and window.strengths[k] == strength:
                k += 1
            if strength <= 0:
                continue
            for row in rows:
                axis = "" if row == 1 else str(row)
                shapes.append(
                    {
                        "type": "rect",
                        "xref": f"x{axis}",
                        "yref": f"y{axis} domain",
                        "x0": window.start + first,
                        "x1": window.start + k,
                        "y0": 0,
                        "y1": 1,
                        "line": {"width": 0},
                        "layer": "below",
                        "fillcolor": _rgba(WINDOW_COLOUR, FULL_ALPHA * strength * 0.6),
                    }
                )
    return shapes


LEGEND_ROOM = 30
"""Pixels added above a chart for a legend of two rows under its title."""


def _layout(fig: go.Figure, view: View, title: str, height: int) -> go.Figure:
    ticks = quarter_ticks(view)
    fig.update_layout(
        # The title at the very top and the legend (up to two rows) between it and the plot, so neither
        # runs over the other however many rows the legend takes.
        title={"text": title, "x": 0.01, "y": 0.98, "yref": "container", "yanchor": "top", "font": {"size": 15}},
        height=height + LEGEND_ROOM,
        font=FONT,
        hovermode="x unified",
        margin={"l": 60, "r": 20, "t": 90 + LEGEND_ROOM, "b": 40},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"},
    )
    fig.update_xaxes(
        tickvals=ticks["tickvals"],
        ticktext=ticks["ticktext"],
        range=ticks["range"],
        showgrid=True,
        gridcolor="#eeeeee",
        zeroline=False,
    )
    fig.update_yaxes(showgrid=True, gridcolor="#eeeeee", zeroline=False)
    return fig


def _text(view: View) -> list[str]:
    """Hover text of each step: its quarter."""
    return list(view.result.quarter_labels)


def headline_figure(view: View) -> go.Figure:
    """EU–Japan cooperation with its band, the no-shock twin, and (with shocks) the paired difference below."""
    x = view.result.steps
    text = _text(view)
    difference = shock_difference(view)
    rows = 1 if difference is None else 2
    fig = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.66, 0.34] if rows == 2 else [1.0]
    )
    run_name = "with the shocks (mean, 90% of worlds)" if view.twin is not None else "mean, 90% of worlds"
    for trace in _band_traces(x, band(view.result.series(HEADLINE)), RUN_COLOUR, run_name, text=text):
        fig.add_trace(trace, row=1, col=1)
    if view.twin is not None:
        for trace in _band_traces(
            x, band(view.twin.series(HEADLINE)), TWIN_COLOUR, TWIN_LABEL, dash="dash", alpha=0.09, text=text
        ):
            fig.add_trace(trace, row=1, col=1)
    for level, name in MILESTONES:
        fig.add_hline(
            y=level,
            line={"color": "#555555", "width": 0.8, "dash": "dot"},
            row=1,
            col=1,
            annotation_text=name,
            annotation_position="top left",
            annotation_font={"size": 10, "color": "#555"},
        )
    fig.update_yaxes(range=[0, 1], title_text="cooperation (0–1)", row=1, col=1)
    if difference is not None:
        _zero_and_strip(fig)
        for trace in _band_traces(
            x, difference, DIFFERENCE_COLOUR, "with − without (each world)", alpha=0.25, text=text
        ):
            fig.add_trace(trace, row=2, col=1)
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=TOO_SMALL_LABEL,
                marker={"symbol": "square", "size": 12, "color": STRIP_COLOUR},
            ),
            row=2,
            col=1,
        )
        limits = difference_limits(float(difference.low.min()), float(difference.high.max()))
        fig.update_yaxes(range=list(limits), title_text="shocks' effect", row=2, col=1)
    fig.update_layout(shapes=[*fig.layout.shapes, *shock_shading(view, range(1, rows + 1))])
    title = f"EU–Japan security cooperation — {view.scenario.name}, {view.scenario.replicates} worlds"
    return _layout(fig, view, title, 560 if rows == 2 else 420)


def lines_figure(
    view: View,
    series: Sequence[str],
    title: str,
    *,
    bands: bool = False,
    colours: Mapping[str, str] | None = None,
    y_title: str = "",
    y_range: Sequence[float] | None = None,
    dashed: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Mean paths of several series (with their bands when asked), each named in words."""
    fig = go.Figure()
    x = view.result.steps
    text = _text(view)
    for index, name in enumerate(series):
        colour = (colours or {}).get(name, OKABE_ITO[index % len(OKABE_ITO)])
        data = band(view.result.series(name))
        label = (names or {}).get(name) or series_label(name)
        dash = "dash" if name in dashed else "solid"
        traces = (
            _band_traces(x, data, colour, label, dash=dash, alpha=0.12, text=text)
            if bands
            else [
                go.Scatter(
                    x=x,
                    y=data.mean,
                    mode="lines",
                    name=label,
                    text=text,
                    line={"color": colour, "width": 2.4 if name == HEADLINE else 1.6, "dash": dash},
                    hovertemplate="%{text}: %{y:.3f}<extra>" + label + "</extra>",
                )
            ]
        )
        for trace in traces:
            fig.add_trace(trace)
    fig.update_layout(shapes=shock_shading(view))
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    fig.update_yaxes(title_text=y_title)
    return _layout(fig, view, title, 420)


def domains_figure(view: View) -> go.Figure:
    """EU–Japan cooperation in each domain (means), with the mean over domains in black."""
    series = [f"{HEADLINE}_{d}" for d in DOMAINS]
    colours = {
        f"{HEADLINE}_{d}": colour for d, colour in zip(DOMAINS, [*OKABE_ITO[:7], "#999999", "#882255"], strict=True)
    }
    fig = lines_figure(
        view,
        series,
        "EU–Japan cooperation by domain (mean over worlds)",
        colours=colours,
        y_title="cooperation (0–1)",
        y_range=(0, 1),
        names={f"{HEADLINE}_{d}": DOMAIN_LABELS[d] for d in DOMAINS},
    )
    fig.add_trace(
        go.Scatter(
            x=view.result.steps,
            y=view.result.series(HEADLINE).mean(axis=1),
            name="all domains",
            line={"color": "#000000", "width": 3},
            text=_text(view),
            hovertemplate="%{text}: %{y:.3f}<extra>all domains</extra>",
        )
    )
    return fig


def threats_figure(view: View) -> go.Figure:
    """How the EU and Japan read each challenger's threat (means): the EU solid, Japan dashed."""
    series = [f"threat_{a}_{c}" for a in ("EU", "JPN") for c in ("CHN", "RUS", "PRK")]
    colours = {
        f"threat_{a}_{c}": colour
        for a in ("EU", "JPN")
        for c, colour in zip(("CHN", "RUS", "PRK"), (OKABE_ITO[3], OKABE_ITO[0], OKABE_ITO[2]), strict=True)
    }
    return lines_figure(
        view,
        series,
        "Threat readings (mean over worlds): the EU solid, Japan dashed",
        colours=colours,
        y_title="threat (0–1)",
        y_range=(0, 1),
        dashed=[s for s in series if "_JPN_" in s],
    )


def spending_figure(view: View) -> go.Figure:
    """Defence spending of the EU and Japan with their bands, and the US commitment to each theatre."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Defence spending (% of GDP)", "US commitment (0–1)"))
    x = view.result.steps
    for column, series in (
        (1, ("spending_EU", "spending_JPN")),
        (2, ("us_commitment_europe", "us_commitment_indo_pacific")),
    ):
        for index, name in enumerate(series):
            colour = (RUN_COLOUR, OKABE_ITO[3])[index]
            for trace in _band_traces(
                x, band(view.result.series(name)), colour, series_label(name), alpha=0.15, text=_text(view)
            ):
                fig.add_trace(trace, row=1, col=column)
    fig.update_layout(shapes=shock_shading(view, rows=(1, 2)))
    fig = _layout(fig, view, "Spending and the US commitment (mean, 90% of worlds)", 400)
    fig.update_layout(legend={"y": 1.12})  # above the two panels' own titles
    return fig


def pairs_figure(view: View) -> go.Figure:
    """Cooperation of the main pairs (means); pairs held constant at their floor are left out and named."""
    constant = {held.series for held in view.result.held_constant_pairs}
    series = [f"coop_{p}" for p in MAIN_PAIRS if f"coop_{p}" not in constant]
    left_out = [series_label(f"coop_{p}") for p in MAIN_PAIRS if f"coop_{p}" in constant]
    title = "Cooperation of the main pairs (mean over worlds)"
    fig = lines_figure(view, series, title, y_title="cooperation (0–1)", y_range=(0, 1))
    if left_out:
        fig.add_annotation(
            text="Held at their agreement floor in every world (not shown): " + ", ".join(left_out),
            xref="paper",
            yref="paper",
            x=0,
            y=-0.16,
            showarrow=False,
            font={"size": 11},
            xanchor="left",
        )
        fig.update_layout(margin={"b": 70})
    return fig


def _zero_and_strip(fig: go.Figure) -> None:
    """Zero and the ±0.01 strip of effects too small to matter, under the lower (difference) panel's lines."""
    fig.add_hrect(
        y0=-SMALLEST_INDEX_EFFECT,
        y1=SMALLEST_INDEX_EFFECT,
        fillcolor=STRIP_COLOUR,
        line_width=0,
        layer="below",
        row=2,
        col=1,
    )
    fig.add_hline(y=0, line={"color": "#333333", "width": 0.8}, row=2, col=1)


def timeline_figure(state: Mapping[str, Any], view: View, selected: int | None = None) -> go.Figure:
    """The shocks on the run's quarters, one row each: drag a window sideways to move its onset.

    Each shock is one rectangle shape (Plotly moves shapes when ``edits.shapePosition`` is on,
    and the move arrives as ``relayoutData``), from its onset to where it ends (the run's end
    for a persistent shock); inside, a line traces its strength quarter by quarter.
    """
    scenario = view.scenario
    shocks = scenario.shocks
    fig = go.Figure()
    shapes = []
    shown = windows(shocks, scenario.start - 1, float(scenario.horizon))
    for index, window in enumerate(shown):
        end = window.start + max(len(window.strengths), 1)
        colour = OKABE_ITO[(index + 1) % len(OKABE_ITO)]
        chosen = index == selected
        shapes.append(
            {
                "type": "rect",
                "x0": window.start,
                "x1": end,
                "y0": index - 0.4,
                "y1": index + 0.4,
                "fillcolor": _rgba(colour, 0.28 if chosen else 0.16),
                "line": {"color": colour, "width": 3 if chosen else 1.5},
                "name": f"shock {index}",
            }
        )
        steps = window.start + np.arange(len(window.strengths) + 1)
        strengths = [*window.strengths, window.strengths[-1] if window.strengths else 0.0]
        fig.add_trace(
            go.Scatter(
                x=steps,
                # The y axis runs downwards (row 0 at the top), so full strength is the row's top edge.
                y=[index + 0.4 - 0.8 * s for s in strengths],
                mode="lines",
                line={"color": colour, "width": 2, "shape": "hv"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for index, (shock, window) in enumerate(zip(shocks, shown, strict=True)):
        fig.add_annotation(
            text=f"{index + 1}. {shock.name} ({state['shocks'][index]['at']})",
            x=max(window.start, 0),
            y=index,
            xanchor="left",
            showarrow=False,
            font={"size": 12},
            xshift=4,
        )
    fig.update_layout(shapes=shapes)
    ticks = quarter_ticks(view)
    fig.update_xaxes(
        tickvals=ticks["tickvals"],
        ticktext=ticks["ticktext"],
        range=[0, scenario.horizon],
        showgrid=True,
        gridcolor="#eeeeee",
    )
    fig.update_yaxes(
        showticklabels=False, range=[len(shocks) - 0.5, -0.5] if shocks else [0.5, -0.5], showgrid=False, zeroline=False
    )
    fig.update_layout(
        height=max(120, 50 + 44 * len(shocks)),
        font=FONT,
        margin={"l": 60, "r": 20, "t": 10, "b": 30},
        plot_bgcolor="white",
        paper_bgcolor="white",
        dragmode=False,
        showlegend=False,
    )
    if not shocks:
        fig.add_annotation(text="No shocks: add one below", x=scenario.horizon / 2, y=0, showarrow=False)
    return fig


def onset_of_drag(relayout: Mapping[str, Any] | None) -> tuple[int, float] | None:
    """The shock index and new left edge of a dragged timeline rectangle, from Plotly's ``relayoutData``.

    A drag arrives as ``{"shapes[2].x0": 7.3, "shapes[2].x1": 19.3, "shapes[2].y0": …}``.
    """
    for key, value in (relayout or {}).items():
        if key.startswith("shapes[") and key.endswith("].x0"):
            return int(key[len("shapes[") : -len("].x0")]), float(value)
    return None


def explain_figure(explained: QuarterExplained) -> go.Figure:
    """What moved EU–Japan cooperation from the start to one quarter: each category with its 90% band."""
    means = np.array(explained.mean)
    colours = [
        OKABE_ITO[4] if label == "the shocks" else (OKABE_ITO[2] if m >= 0 else OKABE_ITO[3])
        for label, m in zip(explained.labels, means, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            y=explained.labels,
            x=means,
            orientation="h",
            marker_color=colours,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": np.array(explained.high) - means,
                "arrayminus": means - np.array(explained.low),
                "color": "#444444",
            },
            hovertemplate="%{y}: %{x:+.3f}<extra></extra>",
        )
    )
    fig.add_vrect(
        x0=-SMALLEST_INDEX_EFFECT, x1=SMALLEST_INDEX_EFFECT, fillcolor=STRIP_COLOUR, line_width=0, layer="below"
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(
        title_text="contribution to the change since the start (mean, 90% of worlds)",
        zeroline=True,
        zerolinecolor="#333333",
    )
    fig.update_layout(
        title={
            "text": f"Why EU–Japan cooperation moved by {explained.quarter}: change {explained.change:+.3f}",
            "x": 0.01,
            "font": {"size": 14},
        },
        height=300,
        font=FONT,
        margin={"l": 10, "r": 20, "t": 45, "b": 45},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return fig


def compare_figure(
    variants: Sequence[Variant], differences: Sequence[VariantDifference], simulations: Simulations
) -> go.Figure:
    """Pinned variants side by side: each mean and band above, each difference from the first below."""
    views = [simulations.view(v.state) for v in variants]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.6, 0.4])
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(variants))]
    for variant, view, colour in zip(variants, views, colours, strict=True):
        for trace in _band_traces(
            view.result.steps, band(view.result.series(HEADLINE)), colour, variant.label, alpha=0.12, text=_text(view)
        ):
            fig.add_trace(trace, row=1, col=1)
    fig.update_yaxes(range=[0, 1], title_text="cooperation (0–1)", row=1, col=1)
    _zero_and_strip(fig)
    for difference, view, colour in zip(differences, views[1:], colours[1:], strict=True):
        for trace in _band_traces(
            view.result.steps[: len(difference.difference.mean)],
            difference.difference,
            colour,
            f"{difference.label} − {variants[0].label}",
            alpha=0.2,
            showlegend=False,
            text=_text(view),
        ):
            fig.add_trace(trace, row=2, col=1)
    lows = [float(d.difference.low.min()) for d in differences] or [0.0]
    highs = [float(d.difference.high.max()) for d in differences] or [0.0]
    limits = difference_limits(min(lows), max(highs))  # zero and the strip always show, as on the headline
    fig.update_yaxes(range=list(limits), title_text=f"minus {variants[0].label}", row=2, col=1)
    title = "Pinned variants: EU–Japan cooperation, and each minus the first (paired by world)"
    return _layout(fig, views[0], title, 520)
