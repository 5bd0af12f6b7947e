"""Rule induction for scenario discovery: candidate boxes from the EMA Workbench, their statistics and the choice.

:mod:`simulator.sweeps.discovery` marks the points where a condition holds; this module asks
PRIM (``ema_workbench.analysis.prim``) or CART (``ema_workbench.analysis.cart``) for candidate
boxes of the inputs, counts each box's coverage and density on the points themselves, picks the
one to report (:func:`choose_box`) and writes ranges in words. It knows nothing of sweeps or
conditions: inputs are a table, the condition a boolean per point.

The workbench is imported by :func:`load_ema` only, when a discovery runs: it loads matplotlib,
seaborn and scikit-learn, about 3 s, which no other command should pay for.
"""

from __future__ import annotations

import importlib
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.base.errors import UserError, clip

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

INSTALL = "pip install 'eujsim[discover]'"
"""How to get the EMA Workbench, the optional extra discovery needs."""
PADDING = "eujsim:constant"
"""A constant column CART gets beside a single input (see :func:`cart_boxes`); no factor has a ':' in its name."""


@dataclass(frozen=True)
class InputSpace:
    """The inputs searched and how to show their values.

    Attributes:
        inputs: The input columns, in the sweep's order.
        low: Each input's full range, low end: the swept range (or the data's, for a bare table).
        high: The high end.
        describe: For an onset, the function that writes a value as a quarter (``2026Q3``).
    """

    inputs: list[str]
    low: dict[str, float]
    high: dict[str, float]
    describe: dict[str, Callable[[float], str]]


def load_ema(method: str = "prim") -> ModuleType:
    """The EMA Workbench module behind ``method`` (``ema_workbench.analysis.prim`` or ``.cart``).

    Its import warnings (no ipyparallel, no altair) concern features not used here, so they are
    silenced rather than shown to a user of the command line.

    Raises:
        UserError: if the EMA Workbench is not installed, with the command that installs it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module(f"ema_workbench.analysis.{method}")
        except ImportError as exc:
            raise UserError(
                f"scenario discovery needs the EMA Workbench, which cannot be imported ({clip(str(exc), 80)}); "
                f"install the optional extra: {INSTALL}"
            ) from None


def prim_boxes(
    prim: ModuleType, x: pd.DataFrame, y: np.ndarray, *, mass_min: float, peel_alpha: float, paste_alpha: float
) -> tuple[list[pd.DataFrame], list[dict[str, list[float]]]]:
    """PRIM's first box: the limits of every step of its trajectory, and each step's quasi-p values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation notes from inside the workbench
        algorithm = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
        box = algorithm.find_box()
    return [lim.copy() for lim in box.box_lims], [dict(p) for p in box.p_values]


def cart_boxes(
    cart: ModuleType, x: pd.DataFrame, y: np.ndarray, *, mass_min: float
) -> tuple[list[pd.DataFrame], list[dict[str, list[float]]]]:
    """The leaves of a classification tree as boxes (no quasi-p values), the whole space first.

    The workbench reads the tree's leaves by indexing its input names with scikit-learn's leaf
    marker (-2), which fails with a single input; a constant column, on which the tree never
    splits, is added then and dropped from the boxes. A tree that cannot split at all (every
    input constant) has no leaves to offer beyond the whole space.
    """
    mass_min = max(mass_min, 1.0 / len(y) + 1e-12)  # at least one point per leaf
    padded = x.assign(**{PADDING: 0.0}) if x.shape[1] == 1 else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        algorithm = cart.CART(padded, y, mass_min=mass_min)
        algorithm.build_tree()
        try:
            leaves = [lim.drop(columns=PADDING, errors="ignore") for lim in algorithm.boxes]
        except (IndexError, ValueError):  # a tree of one leaf, the root: nothing to walk
            leaves = []
    whole = pd.DataFrame({c: [x[c].min(), x[c].max()] for c in x.columns})
    return [whole, *leaves], [{} for _ in range(len(leaves) + 1)]


def trajectory_of(
    x: pd.DataFrame, y: np.ndarray, limits: list[pd.DataFrame], space: InputSpace
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Coverage, density and size of every candidate box, counted on the points themselves."""
    values = x[space.inputs].to_numpy(dtype=float)
    lows = np.array([[float(lim.loc[0, n]) for n in space.inputs] for lim in limits])
    highs = np.array([[float(lim.loc[1, n]) for n in space.inputs] for lim in limits])
    data_low, data_high = values.min(axis=0), values.max(axis=0)
    rows, inside = [], []
    for step, (low, high) in enumerate(zip(lows, highs, strict=True)):
        mask = ((values >= low) & (values <= high)).all(axis=1)
        points, holding = int(mask.sum()), int(y[mask].sum())
        restricted = int(((low > data_low) | (high < data_high)).sum())
        rows.append(
            {
                "step": step,
                "coverage": holding / max(int(y.sum()), 1),
                "density": holding / points if points else 0.0,
                "mass": points / len(y),
                "points": points,
                "holding": holding,
                "restricted": restricted,
            }
        )
        inside.append(mask)
    return pd.DataFrame(rows), inside


def choose_box(trajectory: pd.DataFrame, min_density: float) -> int:
    """The row of ``trajectory`` to report.

    The box with the highest coverage among those with density of at least ``min_density`` (a
    hair of rounding allowed): it explains as much as possible of where the condition holds while
    staying as reliable as asked. Ties go to the denser box, then to fewer restricted inputs, then
    to the earlier step. When no box is that dense, the densest, ties going to the higher coverage
    and then to the earlier step.
    """
    frame = trajectory.reset_index(drop=True)
    dense = frame[frame["density"] >= min_density - 1e-12]
    if not dense.empty:
        order = dense.sort_values(
            ["coverage", "density", "restricted", "step"], ascending=[False, False, True, True], kind="stable"
        )
    else:
        order = frame.sort_values(["density", "coverage", "step"], ascending=[False, False, True], kind="stable")
    return int(order.index[0])


def box_table(
    limits: pd.DataFrame, quasi_p: dict[str, list[float]], space: InputSpace, x: pd.DataFrame
) -> pd.DataFrame:
    """The chosen box per input, restricted inputs first (the most narrowed first).

    A side the box does not restrict extends to the swept range's end, not just to the most
    extreme point sampled, so an unrestricted input reads as its full range.
    """
    rows = []
    for name in space.inputs:
        low, high = float(limits.loc[0, name]), float(limits.loc[1, name])
        cut_low, cut_high = low > float(x[name].min()), high < float(x[name].max())
        full_low, full_high = space.low[name], space.high[name]
        shown_low = low if cut_low else full_low
        shown_high = high if cut_high else full_high
        p = [v for v in quasi_p.get(name, []) if v is not None and v >= 0]
        rows.append(
            {
                "input": name,
                "low": shown_low,
                "high": shown_high,
                "restricted": bool(cut_low or cut_high),
                "full_low": full_low,
                "full_high": full_high,
                "quasi_p": max(p) if p else math.nan,
            }
        )
    frame = pd.DataFrame(rows)
    span = (frame["full_high"] - frame["full_low"]).replace(0, 1.0)
    frame["_kept"] = np.where(frame["restricted"], (frame["high"] - frame["low"]) / span, 2.0)
    frame = frame.sort_values("_kept", kind="stable").drop(columns="_kept").reset_index(drop=True)
    return frame


def range_text(space: InputSpace, name: str, low: float, high: float) -> str:
    """``0.20–0.41`` (digits enough for the swept range), or ``2026Q1–2028Q4`` for an onset."""
    describe = space.describe.get(name)
    if describe is not None:
        return f"{describe(low)}–{describe(high)}"
    span = space.high[name] - space.low[name]
    decimals = 2 if span <= 0 else max(0, 2 - math.ceil(math.log10(span)))
    return f"{low:.{decimals}f}–{high:.{decimals}f}"
