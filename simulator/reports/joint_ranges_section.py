"""The joint-range section of docs/validation.md: each pattern over a Latin hypercube of its mechanism.

:func:`joint_section` turns :class:`~simulator.evaluation.joint_ranges.JointResult` s into markdown
lines; :func:`write_failure_plots` draws, for each pattern that fails somewhere, the scenario
discovery's box plot (the existing discovery plots) into ``docs/img/joint_ranges/<code>/``. Both are
separate from the page builder so the section can be placed where the page wants it.

``python -m simulator.reports.joint_ranges_section`` runs the default evaluation of every pattern,
draws the plots, prints the section (or writes it to ``--out``) and says how long it took.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from simulator.evaluation.joint_ranges import (
    CORNER_CAP,
    DEFAULT_POINTS,
    DEFAULT_REPLICATES,
    DEFAULT_SEED,
    JointResult,
    common_ends,
    evaluate_all_joint,
    failing_corners,
    vertex_ends,
)
from simulator.evaluation.validation import BY_CODE
from simulator.storage.output import write_text_atomically
from simulator.sweeps.discovery import Discovery
from simulator.sweeps.discovery_plots import draw_discovery_plots

IMAGE_ROOT = Path("docs/img/joint_ranges")
"""Where the plots go, relative to the repository."""
IMAGE_LINK = "img/joint_ranges"
"""The same folder as linked from docs/validation.md."""
BOX_PLOT = "box.png"


def plot_folder(root: Path | str, code: str) -> Path:
    """The folder of one pattern's discovery plots under ``root``."""
    return Path(root) / code.lower()


@dataclass(frozen=True)
class FailureCondition:
    """The condition a failure plot explains, in words a reader of the validation page can follow.

    The discovery itself searches ``fails > 0.5`` on a 0/1 column; the plots say where "it holds",
    so they are told what "it" is: the pattern failing, not the pattern holding.
    """

    code: str
    metric: str = "fails"

    @property
    def text(self) -> str:
        """The condition in words."""
        return f"{self.code} fails (some check of it on the wrong side of zero)"


def write_failure_plots(results: Sequence[JointResult], root: Path = IMAGE_ROOT) -> list[Path]:
    """Draw the discovery plots of every pattern that fails in direction somewhere; return the files."""
    files: list[Path] = []
    for result in results:
        found = result.best_discovery
        if found is not None:
            shown = replace(found, condition=FailureCondition(result.code))
            files.extend(draw_discovery_plots(shown, plot_folder(root, result.code)))
    return files


def _share(value: float) -> str:
    return f"{value:.0%}" if value in (0.0, 1.0) else f"{value:.1%}"


SHOWN_RESTRICTIONS = 3
"""Restrictions named in the table, the most narrowed first; the plot shows them all."""


def box_words(found: Discovery, shown: int = SHOWN_RESTRICTIONS) -> str:
    """The box of a discovery in words: its most narrowed ranges, and how many slighter ones the plot adds.

    With a few failing points PRIM keeps peeling until the box holds little else, which narrows many
    parameters a little; the most narrowed ones (the box table's order) are the finding, the rest detail.
    """
    restricted = found.box[found.box["restricted"]]
    if restricted.empty:
        return "no box of the parameters narrows it"
    words = ", ".join(
        f"`{r.input}` {found.range_text(r.input, r.low, r.high)}" for r in restricted.head(shown).itertuples()
    )
    more = len(restricted) - shown
    return words + (f" (and {more} slighter restriction{'s' if more > 1 else ''})" if more > 0 else "")


def corner_words(result: JointResult) -> str:
    """Where each of a few failing points lies: the parameters in the outer fifth of their range there."""
    texts = []
    for ends in failing_corners(result.table, result.ranges):
        inner = _ends_text(ends) or "no parameter near an end"
        texts.append(inner)
    return "at " + "; ".join(texts)


LISTED_CORNERS = 2
"""Up to this many failing corners are named whole; above it, the ends they share are named instead."""
MOSTLY = 0.75
"""A parameter is named as 'mostly' at an end when at least this share of the failing corners put it there
(among all corners each end is taken by half)."""
SHOWN_ENDS = 4
"""Most parameters named as mostly at one end, the most shared first."""


def _ends_text(ends: dict[str, str]) -> str:
    return ", ".join(f"`{name}` {end}" for name, end in ends.items())


def vertex_words(corners: pd.DataFrame, ranges: dict[str, tuple[float, float]]) -> str:
    """Where the failing corners lie, in words.

    One or two failing corners are named whole (every parameter's end), since each is a single
    combination a reader can rerun. With more, listing them says little; what the failing corners have
    in common does: the parameters at the same end in all of them, then those at one end in most of them
    (at least :data:`MOSTLY`), the most shared first.
    """
    ends = vertex_ends(corners, ranges)
    if not ends:
        return ""
    if len(ends) <= LISTED_CORNERS:
        return "fails at " + "; and at ".join(_ends_text(e) for e in ends)
    counts = common_ends(ends)
    every = [c for c in counts if c.count == len(ends)]
    most = [c for c in counts if MOSTLY * len(ends) <= c.count < len(ends)][:SHOWN_ENDS]
    parts = []
    if every:
        parts.append("all with " + " and ".join(f"`{c.parameter}` {c.end}" for c in every))
    if most:
        parts.append("mostly with " + " and ".join(f"`{c.parameter}` {c.end} ({c.count} of {len(ends)})" for c in most))
    if not parts:
        parts.append(f"with no parameter at one end in {MOSTLY:.0%} of them")
    return f"fails at {len(ends)}, " + "; ".join(parts)


def corner_cell(result: JointResult) -> str:
    """The corners cell of a pattern's row: k of n corners where it holds in direction, and where it fails."""
    if not result.corner_count:
        return "not run"
    head = f"{result.corners_holding} of {result.corner_count}"
    if not result.every_corner:
        head += f" (drawn from {2 ** len(result.parameters):,})"
    words = vertex_words(result.corners, result.ranges)
    return f"{head}; {words}" if words else head


def corner_check_cell(result: JointResult, index: int) -> str:
    """One check's corners in direction: k of n."""
    if not result.corner_count:
        return "–"
    return f"{int(result.corners[f'direction_{index}'].sum())} of {result.corner_count}"


def failure_cell(result: JointResult, link: str = IMAGE_LINK) -> str:
    """The 'where it fails' cell of a pattern's row."""
    failing = int(result.table["fails"].sum())
    if failing == 0:
        return "nowhere in the box"
    if failing == result.points:
        return "everywhere in the box"
    found = result.best_discovery
    head = f"{failing} of {result.points} points"
    if found is None:
        return f"{head}, too few for a box; {corner_words(result)}"
    method = found.method.upper()
    plot = f"{link}/{result.code.lower()}/{BOX_PLOT}"
    return (
        f"{head}; {method}: {box_words(found)} (density {found.density:.0%}, coverage {found.coverage:.0%}; "
        f"[plot]({plot}))"
    )


def corners_text(cap: int) -> str:
    """The paragraph's sentences on the corners, for the cap they were run under."""
    if cap < 1:
        return "says little about the corners, which were not run here."
    most = int(math.log2(cap))
    return " ".join(
        (
            "says little about the corners. Each pattern is therefore also run, in the same sweeps and with",
            "the same replicates, at the vertices of its box, every parameter exactly at its low or high end:",
            f"all 2^d corners where there are at most {cap} ({most} parameters or fewer), otherwise {cap}",
            "distinct corners drawn at random from the design seed. The last column counts the corners where",
            "every check holds in direction and, where some fail, names them (one or two whole; more by the",
            f"ends that all, or at least {MOSTLY:.0%}, of the failing corners share). Corners are extreme",
            "combinations, not typical ones: they enter neither the shares nor scenario discovery, and a",
            "failing corner shows where the mechanism stops giving the pattern, not how plausible that is.",
        )
    )


def joint_section(results: Sequence[JointResult], *, link: str = IMAGE_LINK, level: int = 2) -> list[str]:
    """The markdown lines of the section: what was done, a row per pattern, then every check's shares.

    Args:
        results: One result per pattern, in the order to show.
        link: The plots' folder as linked from the page.
        level: Heading level of the section.
    """
    hashes = "#" * level
    if not results:
        return [f"{hashes} Joint variation of each mechanism's parameters", "", "No pattern was evaluated.", ""]
    first = results[0]
    cap = first.corner_cap
    lines = [
        f"{hashes} Joint variation of each mechanism's parameters",
        "",
        " ".join(
            (
                "The one-at-a-time table above moves one parameter at a time. Here all the parameters of a",
                "pattern's mechanism move together: one Latin hypercube per pattern, uniform over each parameter's",
                "documented range, run through the sweep engine for every scenario the pattern compares, at the",
                "same points and with common random numbers across scenarios and points. A point's checks are",
                f"measured on the mean path over its {first.replicates} replicates. For a difference of window",
                "means that is the mean of the per-replicate effect; the checks that take a largest value per",
                "replicate (the runner-up domain of P6 and P9, P10's largest deviation from the enacted path) are",
                "taken on the mean path instead; P1's slopes and annual means are statistics of the mean path",
                "already. A check *holds in direction* at a point when its estimate lies on the claimed side of",
                "zero, and *clears* when it lies beyond its smallest effect that matters. The shares are shares of",
                "the documented box under a uniform design, not probabilities: nothing says every corner of the",
                "box is as plausible as the calibrated values. With a few hundred points in four to ten dimensions",
                "the design rarely lands where several parameters sit at their ends together, so a share of 100%",
                corners_text(cap),
                "P1 and P2, the calibration targets, vary the parameters",
                "of their mechanism named in `simulator/evaluation/joint_ranges.py`. Where a pattern fails in",
                "direction at some points, scenario discovery (PRIM, and CART where PRIM restricts nothing or",
                "finds a box less than half of whose points fail) names the box of parameters where it fails:",
                "*density* is the share of the box's points that fail, *coverage* the share of all failing points",
                "inside it; the table names the most narrowed ranges, the plot all of them.",
            )
        ),
        "",
        "| Pattern | parameters varied | points × replicates | holds in direction | clears smallest effect "
        "| where it fails | corners where it holds in direction |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        names = ", ".join(f"`{p}`" for p in r.parameters)
        lines.append(
            f"| {r.code} | {names} | {r.points} × {r.replicates} | {_share(r.holds_share)} | "
            f"{_share(r.clears_share)} | {failure_cell(r, link)} | {corner_cell(r)} |"
        )
    lines += [
        "",
        "Per check:",
        "",
        "| Pattern | check | holds in direction | clears smallest effect | corners in direction |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        for i, c in enumerate(r.checks):
            lines.append(
                f"| {r.code} | {c.claim} | {_share(c.direction)} | {_share(c.clears)} | {corner_check_cell(r, i)} |"
            )
    seconds = sum(r.seconds for r in results)
    lines += ["", f"Design seed {first.seed}; {seconds:.0f} s of wall time in all.", ""]
    return lines


def point_tables(results: Sequence[JointResult]) -> pd.DataFrame:
    """Every pattern's per-point tables in one: ``pattern`` and ``design`` (``lhs`` or ``corner``) first.

    Parameters differ by pattern, so a row has values only in its own pattern's parameter columns.
    """
    tables = [
        frame.assign(pattern=r.code, design=kind)
        for r in results
        for kind, frame in (("lhs", r.table), ("corner", r.corners))
        if len(frame)
    ]
    return pd.concat(tables, ignore_index=True).pipe(
        lambda t: t[["pattern", "design", *[c for c in t.columns if c not in ("pattern", "design")]]]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the default joint evaluation, draw its plots and print (or write) the section."""
    parser = argparse.ArgumentParser(prog="python -m simulator.reports.joint_ranges_section", description=__doc__)
    parser.add_argument("--points", type=int, default=DEFAULT_POINTS)
    parser.add_argument("--replicates", type=int, default=DEFAULT_REPLICATES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--corners", type=int, default=CORNER_CAP, help="most vertices of each box (0 for none)")
    parser.add_argument("--patterns", nargs="*", default=None, help="codes such as P4 P10 (default: all)")
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"))
    parser.add_argument("--images", type=Path, default=IMAGE_ROOT)
    parser.add_argument("--out", type=Path, default=None, help="write the section here instead of printing it")
    parser.add_argument("--table", type=Path, default=None, help="also write every pattern's per-point table (CSV)")
    args = parser.parse_args(argv)
    patterns = [BY_CODE[c] for c in args.patterns] if args.patterns else list(BY_CODE.values())
    started = time.perf_counter()
    results = evaluate_all_joint(
        patterns,
        folder=args.scenarios,
        points=args.points,
        replicates=args.replicates,
        seed=args.seed,
        workers=args.workers,
        corners=args.corners,
    )
    write_failure_plots(results, args.images)
    if args.table:
        write_text_atomically(args.table, point_tables(results).to_csv(index=False))
    text = "\n".join(joint_section(results)) + "\n"
    if args.out:
        write_text_atomically(args.out, text)
    else:
        sys.stdout.write(text)
    machine = f"{os.cpu_count()} cores, {platform.platform()}"
    print(f"{time.perf_counter() - started:.0f} s on {machine}", file=sys.stderr)
    for r in results:
        print(
            f"{r.code}: {r.seconds:.0f} s, holds {r.holds_share:.3f}, clears {r.clears_share:.3f}, "
            f"corners {r.corners_holding} of {r.corner_count}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
