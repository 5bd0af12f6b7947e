"""When each shock acts, drawn as shading whose depth follows the shock's strength.

A dashed onset line says when a shock starts but not how long it lasts or how it fades, and
a reader then guesses which quarters of a curve the shock can explain. Every time plot
therefore shades each shock's window, quarter by quarter, as deep as the shock's strength
in that quarter: lighter while it ramps up, darkest at full strength, lighter again as it
decays, and on to the end of the plot for a persistent shock.

The strength is computed by :func:`simulator.core.shocks.shock_strength`, the function the
model itself applies, so the shading cannot drift from what was simulated. And every plot
places a quarter the same way: the x axis of a time plot is the *end* of each quarter, so a
shock acting during quarter Q is shaded from the end of the quarter before Q (its start) to
the end of Q. A shock dated 2027Q1 therefore begins at the 2026Q4 tick, on every plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from simulator.core.shocks import shock_strength

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WINDOW_COLOUR = "#7a7a7a"
"""Shading of a run's shock windows: a neutral grey, apart from every data colour."""
FULL_ALPHA = 0.16
"""Opacity of a quarter at full strength; a ramping or fading quarter is shaded in proportion."""
CROWDED_ALPHA = 0.07
"""Opacity at full strength when many shocks share a plot (a backcast has about thirty): overlapping
windows add up, and at the usual depth they would grey out the data."""
CROWDED = 6
"""Above this many shocks a plot is crowded (the same limit that numbers the labels)."""


class ShockShape(Protocol):
    """What shading needs of a shock (:class:`simulator.inputs.scenario.Shock` provides it)."""

    @property
    def name(self) -> str:
        """The shock's name, for its label."""
        ...

    @property
    def at(self) -> int:
        """Quarter count of the onset quarter."""
        ...

    @property
    def ramp(self) -> int:
        """Quarters to full strength."""
        ...

    @property
    def duration(self) -> int | None:
        """Quarters at full strength (None: persistent)."""
        ...

    @property
    def decay(self) -> int:
        """Quarters of fading."""
        ...


@dataclass(frozen=True)
class ShockWindow:
    """One shock's window on a plot's x axis: where it starts and its strength quarter by quarter.

    Attributes:
        start: x of the onset (the end of the quarter before the onset quarter).
        strengths: Profile strength, 0–1, of each quarter from the onset on; quarter k spans
            ``start + k`` to ``start + k + 1``.
        lasting: Whether the shock never ends (persistent).
    """

    start: float
    strengths: tuple[float, ...]
    lasting: bool = False
    """Whether the shock stays at full strength to the end (no duration)."""


def window(shock: ShockShape, origin: int, last_x: float) -> ShockWindow:
    """The window of ``shock`` on an axis whose x = 0 is the end of quarter count ``origin``.

    Args:
        shock: The shock (onset quarter, ramp, duration, decay).
        origin: Quarter count whose end is x = 0 (a run's step 0: the quarter before its start).
        last_x: The axis' last x; a persistent shock is shaded up to it.
    """
    start = shock.at - 1 - origin
    duration = np.inf if shock.duration is None else float(shock.duration)
    lasts = shock.ramp + duration + shock.decay
    quarters = int(max(0.0, min(lasts, last_x - start)))
    steps = np.arange(quarters)
    one = np.ones(1)
    strengths = [
        float(shock_strength(int(k), np.zeros(1), one * shock.ramp, one * duration, one * shock.decay)[0])
        for k in steps
    ]
    return ShockWindow(start=float(start), strengths=tuple(strengths), lasting=shock.duration is None)


def windows(shocks: Sequence[ShockShape], origin: int, last_x: float) -> list[ShockWindow]:
    """The window of each shock, in the order given (see :func:`window`)."""
    return [window(shock, origin, last_x) for shock in shocks]


def window_note(n_shocks: int, any_lasting: bool) -> str:
    """The caption that explains the shading of a plot with ``n_shocks`` shocks."""
    if n_shocks > CROWDED and any_lasting:
        return (
            WINDOW_NOTE + " With this many shocks, only those that end are shaded; lasting ones have their line only."
        )
    return WINDOW_NOTE


def full_alpha(n_shocks: int) -> float:
    """Opacity at full strength for a plot with ``n_shocks`` shocks (lighter when crowded)."""
    return CROWDED_ALPHA if n_shocks > CROWDED else FULL_ALPHA


def shade_windows(
    ax: Axes,
    every: Sequence[ShockWindow],
    *,
    colours: Sequence[str] | None = None,
    depth: float = 1.0,
) -> None:
    """Shade the windows of a plot's shocks over the full height of ``ax``, each quarter as deep as its strength.

    Drawn under the data (zorder 0), clipped to the axes, so that lines and bands stay on top. A
    crowded plot (more than :data:`CROWDED` shocks) is shaded lighter (:func:`full_alpha`), and only
    its shocks that end are: a long scenario (the backcast has about thirty dated events, most of
    them lasting changes) would otherwise lay one lasting window over another until the late
    quarters turn dark grey and the data fade. There the lasting shocks keep their dashed onset
    line and key entry, and the shading is left to the shocks that come and go.

    Args:
        ax: The axes, with x in the windows' coordinates.
        every: The window of every shock on the plot.
        colours: One colour per window (a comparison shades each scenario in its own); grey by default.
        depth: Opacity relative to a grey window's (a comparison's coloured windows are lighter).
    """
    alpha = full_alpha(len(every)) * depth
    crowded = len(every) > CROWDED
    fill = [WINDOW_COLOUR] * len(every) if colours is None else list(colours)
    across = blended_transform_factory(ax.transData, ax.transAxes)
    rectangles, faces = [], []
    for shock, colour in zip(every, fill, strict=True):
        if crowded and shock.lasting:
            continue
        for k, strength in enumerate(shock.strengths):
            if strength <= 0:
                continue
            rectangles.append(Rectangle((shock.start + k, 0.0), 1.0, 1.0))
            faces.append(to_rgba(colour, alpha * strength))
    if rectangles:
        ax.add_collection(
            PatchCollection(rectangles, facecolors=faces, edgecolors="none", transform=across, zorder=0),
            autolim=False,
        )


def window_handle(colour: str = WINDOW_COLOUR) -> Patch:
    """The legend sample of a shock window at full strength."""
    return Patch(facecolor=to_rgba(colour, FULL_ALPHA), edgecolor="none")


WINDOW_NOTE = (
    "Grey background: when each shock acts, darkest at full strength, lighter while it builds up and as it "
    "fades; a dashed line marks its first quarter."
)
"""The caption under a plot whose shocks are shaded."""
