"""``eujsim report``: one self-contained HTML page about a run, a comparison or a sweep.

The page carries everything inside it: plots as ``data:image/png;base64,`` URIs, the
style sheet inline, no scripts, no fonts, no links to fetch. A Content-Security-Policy
in its head forbids the browser to load anything that is not inline, so the page reads
the same offline, from an e-mail attachment or in an archive years later.

What a report shows comes from the folder and from the package's own tables: the
headline numbers are computed from the saved ``timeseries.csv`` exactly as
:meth:`simulator.runs.results.RunResult.text_summary` computes them from a run; parameter
sources come from :func:`simulator.inputs.calibration.default_calibration` and shock sources
from :func:`simulator.inputs.shocklib.default_library`; the explanation of a run comes from
:func:`simulator.evaluation.explain.explain_run`, which simulates the run again.

The page holds no timestamp, so the same folder gives a byte-identical report.
"""

from __future__ import annotations

import base64
import html
import json
import shlex
import struct
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyarrow import ArrowException

from simulator.base.calendar import parse_quarter, quarter_label
from simulator.base.errors import UserError
from simulator.base.paths import not_found
from simulator.core.structure import ACTOR_NAMES, DOMAIN_LABELS, DOMAINS, HEADLINE_PAIR
from simulator.evaluation.compare import constant_everywhere, constant_statement, partly_constant_note
from simulator.evaluation.explain import explain_run, explanation_target
from simulator.inputs.calibration import Calibration, default_calibration
from simulator.inputs.documented_ranges import OutsideRange, caption, from_manifest, outside_fixed
from simulator.inputs.ensemble import POINT_BAND
from simulator.inputs.scenario import Scenario
from simulator.inputs.shocklib import default_library
from simulator.presentation.labels import constant_groups, series_label
from simulator.runs.constants import HeldConstant
from simulator.runs.manifest import package_version
from simulator.runs.metrics import Metric
from simulator.runs.results import (
    EPISODE_LABELS,
    INTERVAL,
    biggest_movers,
    changes_heading,
    format_interval,
    interval,
)
from simulator.runs.run_folder import RunFolder, open_run
from simulator.runs.twin import effect_line
from simulator.storage.output import check_writable, remove_abandoned, write_text_atomically
from simulator.storage.ownership import COMPARE_FILE, RUN_FILES, folder_kind

REPORT_FILE = "report.html"
GENERATOR = "eujsim"
"""The generator a report's head names; how ``--force`` tells an earlier report from any other file."""
GENERATOR_MARK = f'<meta name="generator" content="{GENERATOR} '.encode()
"""Default name of the report inside the folder it describes."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEADLINE = f"coop_{HEADLINE_PAIR}"
KNOWN_FOLDERS = (
    f"a run folder (from `eujsim run`: {', '.join(RUN_FILES)}), "
    f"a comparison folder (from `eujsim compare`: {COMPARE_FILE}) "
    "or a sweep folder (from `eujsim sweep`: experiment.yaml, manifest.json, worlds.parquet)"
)

PLOT_CAPTIONS = {
    # run plots (simulator.presentation.plots.RUN_PLOTS)
    "coop_eu_jpn.png": "EU–Japan security cooperation (0–1) over the run: the mean over replicates with the "
    "band holding 90% of them; vertical lines mark shock onsets, dotted lines the milestones with the level "
    "of the coded history each one begins (docs/history.md).",
    "domains_heatmap.png": "Change in mean EU–Japan cooperation since the first quarter, in each of the nine domains "
    "(rows) per quarter (columns): blue more cooperation, red less, white for none; the scale reaches the largest "
    "change, and has a red side only if some cell is below zero (a blue one only if some is above).",
    "threats.png": "How the EU, Japan and the United States read China, Russia and North Korea (threat "
    "perception 0–1), mean and 90% band over replicates.",
    "pairs.png": "Cooperation of every pair that moves in the run, mean and 90% band: the Western alliances and "
    "the alignment among the challengers first. Pairs held at one number in every world and quarter (their "
    "agreement floor, across the camps) are not results; they are not drawn, and the note under the plot names them.",
    "history.png": "The backcast: EU–Japan cooperation and the EU's and Japan's reading of Russia, with every "
    "dated event of the scenario marked.",
    # compare plots
    "overlay.png": "The compared scenarios' metric over time, each with its 90% band, on one chart.",
    "difference.png": "Each scenario's difference from the baseline per quarter, mean and 90% interval; "
    "a band that straddles zero is within noise.",
    "domains.png": "Difference from the baseline in each EU–Japan cooperation domain, mean and 90% interval.",
    # sweep plots (simulator.sweeps.sweep_plots)
    "metric_vs_parameter.png": "The analysis metric against each varied parameter: the mean over each point's "
    "replicates, with the band holding 5–95% of them.",
    "phase_diagram.png": "The analysis metric over the two parameters of the phase diagram, with the boundary "
    "contour where one is given.",
    "envelopes.png": "Trajectories of the recorded series over the design points, with their envelope.",
}
STATISTIC_TEXT = {
    "final": "value in the last quarter",
    "peak": "highest value in the run",
    "mean": "mean over the run's quarters",
    "first_crossing": "first quarter at or above the threshold",
    "share_crossing": "share of replicates reaching the threshold",
}

CSS = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --rule: #ccc; --band: #f3f5f8; --accent: #0b5394; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.8rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.4rem; border-bottom: 2px solid var(--rule); padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { font-size: 1.15rem; margin-top: 1.8rem; }
h4 { font-size: 1rem; margin-top: 1.4rem; }
a { color: var(--accent); }
.meta, .note, figcaption, caption { color: var(--muted); }
.note { font-size: 0.95rem; }
.effect { font-size: 1.05rem; border-left: 3px solid var(--accent); padding-left: 0.6rem; }
nav ol { columns: 2; margin: 0.5rem 0; }
table { border-collapse: collapse; margin: 0.75rem 0 1.25rem; font-size: 0.9rem; width: auto; max-width: 100%; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
.wide { overflow-x: auto; }
figure { margin: 1.25rem 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: 0.9rem; margin-top: 0.3rem; }
blockquote { margin: 0.2rem 0 0; padding-left: 0.6rem; border-left: 3px solid var(--rule); color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
details { margin: 1rem 0; }
summary { cursor: pointer; font-weight: 600; }
.flag-yes { font-weight: 600; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { break-after: page; }
  h2, h3, h4 { break-after: avoid; }
  figure, tr, blockquote { break-inside: avoid; }
  details > *, details::details-content { display: block; content-visibility: visible; }
  a { color: inherit; text-decoration: none; }
}
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""The page may show inline styles and data: images and nothing else (no fetches at all)."""


# -- small HTML builders ---------------------------------------------------------


def esc(value: object) -> str:
    """Text escaped for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


def _cell(value: object) -> str:
    if isinstance(value, Raw):
        return value.html
    return esc(value)


@dataclass(frozen=True)
class Raw:
    """Markup that is already safe (built from escaped parts) and goes into a table cell as is."""

    html: str


def table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Iterable[int] = ()) -> str:
    """A captioned table; ``numeric`` are the column indices aligned right."""
    right = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in right else ""

    head = "".join(f'<th scope="col"{cls(i)}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "\n".join(
        "<tr>" + "".join(f"<td{cls(i)}>{_cell(v)}</td>" for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return (
        f'<div class="wide"><table>\n<caption>{esc(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table></div>"
    )


def facts(pairs: Iterable[tuple[str, object]]) -> str:
    """A definition list of label and value (values escaped unless :class:`Raw`)."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{_cell(v)}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG image from its header."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def figure(data: bytes, alt: str, caption: str, *, source: Path | None = None) -> str:
    """An inline PNG as a ``<figure>`` with alt text and a caption.

    Raises:
        UserError: if ``data`` is not a PNG image (a damaged plot file).
    """
    try:
        width, height = png_size(data)
    except ValueError:
        raise UserError(
            "is not a PNG image; the folder is damaged: draw its plots again (or delete the file)", file=source
        ) from None
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return (
        f'<figure><img src="{uri}" alt="{esc(alt)}" width="{width}" height="{height}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def plot_figures(folder: Path, intro: str, captions: dict[str, str] | None = None) -> str:
    """Every PNG in ``folder`` as figures (known plots in their usual order, then by name).

    ``captions`` replace the usual caption of some plots, for a folder whose plots show more
    than usual (a run's headline plot with its no-shock twin).
    """
    known = list(PLOT_CAPTIONS)
    files = sorted(
        folder.glob("*.png") if folder.is_dir() else [],
        key=lambda f: (known.index(f.name) if f.name in known else len(known), f.name),
    )
    if not files:
        return f'<p class="note">{esc(intro)} {_no_png_note(folder)}</p>'
    parts = [f'<p class="note">{esc(intro)}</p>']
    for file in files:
        caption = (captions or {}).get(file.name) or PLOT_CAPTIONS.get(file.name) or _generic_caption(file.name)
        parts.append(figure(_read_bytes(file), alt=caption, caption=f"{caption} ({file.name})", source=file))
    return "\n".join(parts)


def _no_png_note(folder: Path) -> str:
    """Why a plots folder gives the report nothing to embed: no plots, or plots in SVG or PDF only.

    The report embeds PNG alone (a browser shows it inline and it stays small); a folder written
    with ``--format svg`` or ``pdf`` alone has plots all the same, and the reader must not be told
    otherwise.
    """
    found = sorted({f.suffix[1:].upper() for f in folder.glob("*") if f.suffix in (".svg", ".pdf")}, reverse=True)
    if not found:
        return "The folder has no plots (it was written without them)."
    return (
        f"The folder's plots are in {' and '.join(found)} only, and this report embeds PNG images: draw them again "
        "with png among the formats (e.g. --format png,svg) to see them here."
    )


def _generic_caption(name: str) -> str:
    stem = name.removesuffix(".png")
    for method in ("sobol", "morris"):
        if stem.startswith(method + "_"):
            return f"{method.title()} sensitivity indices of {stem.removeprefix(method + '_')}, most influential first."
    return f"Plot {stem.replace('_', ' ')}."


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot be read ({exc.strerror or exc}); check its permissions", file=path) from None


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise UserError(f"is missing; {what}", file=path) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise UserError(f"cannot be read as a table ({_first_line(exc)}); {what}", file=path) from None


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"is missing; {what}", file=path) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot be read as JSON ({_first_line(exc)}); {what}", file=path) from None
    if not isinstance(data, dict):
        raise UserError(f"does not hold a JSON object; {what}", file=path)
    return data


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@dataclass
class Page:
    """A report being assembled: title, a lead paragraph and numbered sections."""

    title: str
    lead: str
    sections: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, anchor: str, heading: str, body: str) -> None:
        """Append a section (its ``id``, its heading and its HTML body) to the page and its contents."""
        self.sections.append((anchor, heading, body))

    def render(self) -> str:
        """The whole HTML document."""
        toc = "\n".join(f'<li><a href="#{esc(a)}">{esc(h)}</a></li>' for a, h, _ in self.sections)
        body = "\n".join(f'<section id="{esc(a)}">\n<h2>{esc(h)}</h2>\n{b}\n</section>' for a, h, b in self.sections)
        version = package_version("eujsim") or "unknown version"
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="{GENERATOR} {esc(version)}">\n'
            f"<title>{esc(self.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<header>\n<h1>{esc(self.title)}</h1>\n{self.lead}\n</header>\n"
            f'<nav aria-label="Contents">\n<h2 id="contents">Contents</h2>\n<ol>\n{toc}\n</ol>\n</nav>\n'
            f"<main>\n{body}\n</main>\n"
            f'<footer><p class="meta">Written by <code>eujsim report</code> (eujsim {esc(version)}). '
            "The page is self-contained: plots are embedded and nothing is fetched.</p></footer>\n"
            "</body>\n</html>\n"
        )


# -- runs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The headline numbers of a run, as :meth:`RunResult.text_summary` states them."""

    replicates: int
    period: str
    start: tuple[float, float, float]
    final: tuple[float, float, float]
    peak: tuple[float, float, float]
    peak_quarter: str
    domains: dict[str, tuple[float, float, float]]
    movers: list[tuple[str, float]]
    constants: list[HeldConstant] = field(default_factory=list)
    band: str = POINT_BAND
    changes: str = "Largest changes since the start (all causes)"
    """What :attr:`movers` are (:func:`~simulator.runs.results.changes_heading`): never the shocks' effect."""
    twin: bool = False
    """Whether the run's shocks' effect against its no-shock twin is stated (in the report's lead)."""


def headline(run: RunFolder) -> Headline:
    """Start, final and peak EU–Japan cooperation, final per domain and the largest changes since the start."""
    series = run.series(HEADLINE)
    labels = run.quarter_labels
    peak_step = int(np.argmax(series[1:].mean(axis=1))) + 1
    domains = {d: interval(run.series(f"{HEADLINE}_{d}")[-1]) for d in DOMAINS}
    return Headline(
        replicates=series.shape[1],
        period=f"{labels[1]}–{labels[-1]}",
        start=interval(series[0]),
        final=interval(Metric(HEADLINE, "final").compute(series)),
        peak=interval(Metric(HEADLINE, "peak").compute(series)),
        peak_quarter=labels[peak_step],
        domains=domains,
        movers=biggest_movers(run),
        constants=run.held_constant_pairs,
        band=run.band,
        changes=changes_heading(labels[0], shocks=bool(run.scenario.shocks), twin=run.twin is not None),
        twin=run.twin is not None,
    )


def headline_html(head: Headline, heading: str = "h3") -> str:
    """Headline numbers as a short list and two tables."""
    lo, hi = INTERVAL
    movers = ", ".join(f"{series_label(name)} {delta:+.2f}" for name, delta in head.movers)
    movers = movers or "none (all within ±0.005)"
    summary = facts(
        [
            ("EU–Japan cooperation at the start", format_interval(head.start)),
            ("final", format_interval(head.final)),
            ("peak", f"{format_interval(head.peak)}, mean path highest in {head.peak_quarter}"),
            (head.changes[0].lower() + head.changes[1:], movers),
            ("intervals and bands hold", head.band),
            *((f"{g.why} {g.not_results}", g.listing) for g in constant_groups(head.constants)),
        ]
    )
    effect = (
        ": they are not what the shocks did, which is only ever stated against the same worlds without the shocks"
        if head.twin
        else ""
    )
    deepest = sorted(head.domains, key=lambda d: head.domains[d][0], reverse=True)
    rows = [
        (DOMAIN_LABELS[d], f"{head.domains[d][0]:.2f}", f"{head.domains[d][1]:.2f}", f"{head.domains[d][2]:.2f}")
        for d in deepest
    ]
    domain_table = table(
        f"Final EU–Japan cooperation per domain, deepest first ({head.replicates} replicates; "
        f"interval: {lo}th–{hi}th percentile)",
        ["domain", "mean", f"p{lo}", f"p{hi}"],
        rows,
        numeric=(1, 2, 3),
    )
    return (
        f'<p class="note">{head.replicates} replicates, {esc(head.period)}. Intervals hold 90% of the replicates '
        f"({lo}th to {hi}th percentile) and show {esc(head.band)}; cooperation is an intensity from 0 to 1. "
        "These are the run's own numbers. The largest changes are those of the series whose mean changed most "
        "from the first to the last quarter, from every cause at once (a change of spending in % of GDP counts "
        f"a tenth){effect}; a pair whose cooperation is one number in every world and quarter is listed apart, "
        f"as it repeats a parameter rather than showing a result.</p>\n{summary}\n{domain_table}"
    )


def scenario_html(scenario: Scenario, replicates: int) -> str:
    """Name, description, period and seed of a scenario, and its shocks with their sources."""
    parts = [
        facts(
            [
                ("name", scenario.name),
                ("description", scenario.description or "(none given)"),
                ("period", f"{scenario.period} ({scenario.horizon} quarters)"),
                ("replicates", replicates),
                ("seed", scenario.seed),
                ("parameter overrides", ", ".join(f"{k} = {v:g}" for k, v in scenario.parameters.items()) or "none"),
            ]
        )
    ]
    if not scenario.shocks:
        parts.append('<p class="note">The scenario has no shocks.</p>')
        return "\n".join(parts)
    library = default_library()
    rows = []
    for shock in scenario.shocks:
        kind = library.get(shock.kind)
        if kind is None:
            source = Raw("<em>a kind defined in the scenario or an extra shock library; no library source</em>")
        else:
            cite = esc(kind.source.cite) if kind.source else "no source given in the library"
            quote = f"<blockquote>{esc(kind.quote)}</blockquote>" if kind.quote else ""
            own = "" if kind.effects == shock.effects else "<br><em>effects as set in the scenario</em>"
            source = Raw(f"{cite}{quote}{own}")
        effects = "; ".join(f"{e.target} {e.op} {e.value:g}" for e in shock.effects)
        rows.append(
            (
                shock.name,
                shock.kind,
                quarter_label(shock.at),
                f"{shock.magnitude:g}",
                shock.ramp,
                "persistent" if shock.duration is None else shock.duration,
                shock.decay,
                effects,
                source,
            )
        )
    parts.append(
        table(
            "Shocks: onset quarter, magnitude (0–1), and ramp, duration and decay in quarters",
            ["name", "kind", "onset", "magnitude", "ramp", "duration", "decay", "effects", "source of the kind"],
            rows,
            numeric=(3, 4, 5, 6),
        )
    )
    return "\n".join(parts)


def events_html(run: RunFolder) -> str:
    """Shock phases, milestones (share of replicates, median quarter) and episodes by type and actor."""
    events = run.events
    n = len(run.replicates)
    labels = run.quarter_labels
    parts = []
    shocks = events[events["type"] == "shock"]
    if len(shocks):
        parts.append(
            table(
                "Shock phases (the same in every replicate)",
                ["quarter", "shock", "what happens"],
                shocks[["quarter", "name", "detail"]].itertuples(index=False),
            )
        )
    else:
        parts.append('<p class="note">No shocks.</p>')
    milestones = events[events["type"] == "milestone"]
    if len(milestones):
        rows = []
        for detail, group in milestones.groupby("detail", sort=False):
            median_step = int(np.ceil(np.median(group["step"].to_numpy())))
            share = group["replicate"].nunique() / n
            rows.append((median_step, detail, f"{share:.0%}", labels[median_step], group["quarter"].min()))
        rows.sort(key=lambda r: (r[0], r[1]))
        parts.append(
            table(
                f"Milestones: first crossing of a level, in how many of the {n} replicates, and when",
                ["milestone", "share of replicates", "median quarter", "earliest"],
                [r[1:] for r in rows],
                numeric=(1,),
            )
        )
    else:
        parts.append('<p class="note">No replicate crossed a milestone level during the run.</p>')
    episodes = events[events["type"] == "episode"]
    if len(episodes):
        rows = []
        for (actor, name), group in episodes.groupby(["actor", "name"], sort=True):
            label = "domestic crisis" if name == "domestic_crisis" else EPISODE_LABELS.get(name, name)
            per = group.groupby("replicate").size()
            rows.append(
                (
                    ACTOR_NAMES.get(actor, actor),
                    label,
                    len(group),
                    f"{len(group) / n:.1f}",
                    f"{len(per) / n:.0%}",
                    group["quarter"].min(),
                )
            )
        parts.append(
            table(
                f"Random episodes drawn, by actor and type, over {n} replicates",
                ["actor", "episode", "total", "per replicate", "replicates with one or more", "first"],
                rows,
                numeric=(2, 3, 4),
            )
        )
    else:
        parts.append('<p class="note">No random episodes were drawn.</p>')
    return "\n".join(parts)


def _source_cell(calibration: Calibration, path: str) -> Raw:
    param = calibration.get(path)
    if param is None:
        return Raw("<em>not in this version's calibration</em>")
    if param.source:
        return Raw(f"{esc(param.source.cite)}<blockquote>{esc(param.quote)}</blockquote>")
    return Raw(f"assumption<blockquote>{esc(param.assumption)}</blockquote>")


def touched_parameters(scenario: Scenario) -> dict[str, list[str]]:
    """Each parameter the scenario overrides or its shocks change, with what happens to it."""
    touched: dict[str, list[str]] = {}
    for path, value in scenario.parameters.items():
        touched.setdefault(path, []).append(f"set to {value:g} by the scenario")
    for shock in scenario.shocks:
        for effect in shock.effects:
            touched.setdefault(effect.target, []).append(
                f"{shock.name}: {effect.op} {effect.value:g} from {quarter_label(shock.at)}"
                + (f" at magnitude {shock.magnitude:g}" if shock.magnitude != 1 else "")
            )
    return touched


def parameters_html(scenario: Scenario) -> str:
    """The parameters this run moves, prominently, then the whole calibration in a ``<details>``."""
    calibration = default_calibration()
    touched = touched_parameters(scenario)
    parts = []
    if touched:
        rows = []
        for path, changes in touched.items():
            param = calibration.get(path)
            value = f"{param.value:g}" if param else "?"
            rng = f"{param.low:g}–{param.high:g}" if param else "?"
            unit = param.unit_meaning if param else "?"
            meaning = param.meaning if param else "?"
            rows.append((path, meaning, "; ".join(changes), value, rng, unit, _source_cell(calibration, path)))
        parts.append(
            table(
                "Parameters this scenario overrides or its shocks change",
                ["parameter", "what it is", "in this run", "calibrated value", "plausible range", "unit", "source"],
                rows,
                numeric=(3,),
            )
        )
    else:
        parts.append('<p class="note">The scenario changes no parameter: every value is the calibrated one.</p>')
    rows = [
        (p.path, p.meaning, f"{p.value:g}", f"{p.low:g}–{p.high:g}", p.unit_meaning, _source_cell(calibration, p.path))
        for p in calibration.values()
    ]
    full = table(
        f"All {len(calibration)} calibrated parameters (as in `eujsim params --sources`)",
        ["parameter", "what it is", "value", "plausible range", "unit", "source or assumption"],
        rows,
        numeric=(2,),
    )
    sources = table(
        "Sources cited",
        ["citation", "reference"],
        [(s.cite, s.reference) for s in calibration.sources.values()],
    )
    parts.append(
        f"<details>\n<summary>The full calibration table ({len(calibration)} parameters) and the sources</summary>\n"
        f"{full}\n{sources}\n</details>"
    )
    return "\n".join(parts)


def _contribution_table(frame: pd.DataFrame, caption: str, name: str) -> str:
    """A table of contributions (``category``, ``label``, ``mean``, ``p5``, ``p95``) with signed numbers."""
    lo, hi = INTERVAL
    rows = [
        (r.category, r.label, f"{r.mean:+.3f}", f"{r.p5:+.3f}", f"{r.p95:+.3f}")
        for r in frame[["category", "label", "mean", "p5", "p95"]].itertuples(index=False)
    ]
    return table(caption, ["category", name, "mean", f"p{lo}", f"p{hi}"], rows, numeric=(2, 3, 4))


def explanation_html(run: RunFolder, *, metric: str = HEADLINE, title: str = "") -> str:
    """The explanation of a run: sentences, contribution totals and the figure.

    :mod:`simulator.evaluation.explain` simulates the run again. When that refuses (the model has
    changed since the run was saved), the section says so instead of explaining another model.
    """
    try:
        explanation = explain_run(run, metric=metric)
    except UserError as exc:
        return f'<p class="note">No explanation: {esc(exc.message)}</p>'
    sentences = "".join(f"<li>{esc(s)}</li>" for s in explanation.sentences)
    totals_table = _contribution_table(
        explanation.totals,
        f"What changed {explanation.title} over the run{title}: each contribution in total, mean and 90% interval "
        "over replicates",
        "contribution",
    )
    if explanation.has_shocks:
        totals_table += "\n" + _contribution_table(
            explanation.channel_totals,
            f"The shocks' contribution split by the mechanism it acted through{title}",
            "channel",
        )
    with tempfile.TemporaryDirectory(prefix="eujsim-report-") as tmp:
        path = Path(tmp) / "contributions.png"
        explanation.plot(path)
        data = path.read_bytes()
    caption = (
        f"What moved {explanation.title}: the contributions of the mechanisms and of the shocks accumulated "
        "since the first quarter, stacked (mean over replicates); they add up to the simulated change."
    )
    if explanation.constant_note:
        caption = (
            f"{explanation.title} did not move: held at one number in every world and quarter, its contributions "
            "(what moved its members' desires under it) cancel exactly. Not a result."
        )
    words = "".join(f"<li>{esc(line.removeprefix('- '))}</li>" for line in explanation.glossary)
    glossary = f'<p class="note">The categories of the figure, each a sum of model mechanisms:</p><ul>{words}</ul>'
    return f"<ul>{sentences}</ul>\n{figure(data, alt=caption, caption=caption)}\n{glossary}\n{totals_table}"


def ensemble_html(manifest: dict[str, Any]) -> str:
    """What a run over a parameter ensemble took from it, and what the scenario kept; nothing for the point."""
    entry = manifest.get("ensemble")
    if not isinstance(entry, dict):
        return (
            '<p class="note">Every world used the point calibration (the values below); the bands hold replicate '
            "noise only. <code>eujsim run --ensemble calibrated</code> would also vary the calibrated parameters "
            "over their accepted samples (docs/calibration.md).</p>"
        )
    parameters = [str(p) for p in entry.get("parameters") or []]
    fixed = [str(p) for p in entry.get("fixed_by_scenario") or []]
    kept = (
        f" Set by the scenario itself (its file or --set), and so the same in every world: {esc(', '.join(fixed))}."
        if fixed
        else " The scenario sets none of them itself."
    )
    return (
        f'<p class="note">Each world took its values of {len(parameters)} calibrated parameters from one sample of '
        f"the <strong>{esc(entry.get('name', '?'))}</strong> parameter ensemble ({esc(entry.get('samples', '?'))} "
        f"samples, {esc(entry.get('method', '?'))}), so the bands hold parameter uncertainty as well as replicate "
        f"noise.{kept} "
        "The table below gives the point calibration; how the ensemble was made is in docs/calibration.md.</p>"
    )


def provenance_html(manifest: dict[str, Any], path: Path) -> str:
    """Versions, commit, command line, creation time and dependencies from a manifest."""
    command = manifest.get("command_line")
    shown = [
        ("folder", str(path)),
        ("tool version", manifest.get("version") or "unknown"),
        ("git commit", manifest.get("git_commit") or "unknown (not run from a git checkout)"),
        (
            "command line",
            Raw(f"<code>{esc(shlex.join(map(str, command)))}</code>")
            if isinstance(command, list)
            else "not recorded (saved from the Python API)",
        ),
        ("created (UTC)", manifest.get("created_utc") or "unknown"),
    ]
    for key in ("finished_utc", "seed", "replicates", "horizon_quarters", "python", "platform"):
        if key in manifest and manifest[key] is not None:
            shown.append((key.replace("_", " "), manifest[key]))
    scenario = manifest.get("scenario")
    if isinstance(scenario, dict) and scenario.get("file"):
        shown.append(("scenario file", f"{scenario['file']} (sha256 {scenario.get('sha256') or 'unknown'})"))
    ensemble = manifest.get("ensemble")
    if isinstance(ensemble, dict):
        shown.append(
            (
                "parameter ensemble",
                f"{ensemble.get('name', '?')}: {ensemble.get('file', '?')} (sha256 {ensemble.get('sha256', '?')}), "
                f"{ensemble.get('samples', '?')} samples, {ensemble.get('method', '?')}",
            )
        )
    timings = manifest.get("timings_seconds")
    if isinstance(timings, dict) and timings:
        shown.append(("timings (s)", ", ".join(f"{k} {v}" for k, v in timings.items())))
    parts = [facts(shown)]
    deps = manifest.get("dependencies")
    if isinstance(deps, dict) and deps:
        parts.append(
            table("Dependency versions", ["package", "version"], [(k, v or "not installed") for k, v in deps.items()])
        )
    return "\n".join(parts)


def _lead(kind: str, path: Path, extra: str = "") -> str:
    return (
        f'<p class="meta">Report of the {esc(kind)} folder <code>{esc(path)}</code>.{" " + extra if extra else ""}</p>'
    )


def _warning(text: object) -> str:
    """A warning paragraph under the lead (rows missing from a sweep's tables), or nothing."""
    return f'\n<p class="note"><strong>Warning:</strong> {esc(str(text))}.</p>' if text else ""


def _outside_ranges(found: Sequence[OutsideRange]) -> str:
    """The warning under the lead of a result resting on settings outside their documented ranges, or nothing."""
    if not found:
        return ""
    return _warning(f"{caption(found)}; these results rest on settings the calibration does not argue for")


TWIN_HEATMAP_CAPTION = (
    "What the shocks did to EU–Japan cooperation in each of the nine domains (rows) per quarter (columns): the mean "
    "over the worlds of each world minus the same world without the shocks; blue more cooperation, red less, "
    "white for none; the scale reaches the largest change, and has a red side only if some cell is below zero "
    "(a blue one only if some is above)."
)
TWIN_CAPTION = (
    "EU–Japan security cooperation (0–1) over the run: above, the mean over replicates with the band holding 90% of "
    "them, and dashed with a lighter band the same worlds without the shocks (same seed, so each world draws the same "
    "random numbers); below, what the shocks did, world by world (run minus its twin: mean and 90% of worlds), with "
    "the hatched strip around zero too small to matter. Grey shading marks when each shock acts (darkest at full "
    "strength), dashed lines their first quarters, dotted lines the milestones with "
    "the level of the coded history each one begins (docs/history.md)."
)
"""Caption of a run's headline plot drawn with its no-shock twin."""


NO_TWIN_IN_FOLDER = (
    "The shocks' effect is not in this folder: it was written without the same worlds without its shocks."
)
"""The report's lead for a run folder with shocks but no twin."""


def effect_html(run: RunFolder) -> str:
    """The sentence on what the run's shocks did (:func:`simulator.runs.twin.effect_line`), to lead the page."""
    try:
        line = effect_line(run, run.twin, bool(run.scenario.shocks), not_simulated=NO_TWIN_IN_FOLDER)
    except UserError as exc:
        if exc.file is not None:  # a damaged table, named with its fix
            raise
        raise UserError(f"{exc.message}; the folder is damaged: run the scenario again", file=run.path) from None
    return f'<p class="effect"><strong>What the shocks did.</strong> {esc(line)}</p>'


def run_report(path: Path) -> Page:
    """The report of a run folder, led by what its shocks did against the same worlds without them."""
    run = open_run(path)
    scenario = run.scenario
    n = len(run.replicates)
    outside = from_manifest(run.manifest, lambda: outside_fixed(scenario.parameters))  # an older run: its scenario
    page = Page(
        title=f"Scenario report: {scenario.name}",
        lead=_lead("run", path) + "\n" + effect_html(run) + _outside_ranges(outside),
    )
    page.add("scenario", "Scenario", scenario_html(scenario, n))
    page.add("headline", "Headline numbers", headline_html(headline(run)))
    twin_captions = {"coop_eu_jpn.png": TWIN_CAPTION, "domains_heatmap.png": TWIN_HEATMAP_CAPTION}
    captions = twin_captions if run.twin is not None else None
    page.add("plots", "Plots", plot_figures(path / "plots", "The plots `eujsim run` drew for this folder.", captions))
    explained = explanation_html(run)
    page.add(
        "explanation",
        "Why EU–Japan cooperation moved",
        '<p class="note">The run is simulated again, together with the same worlds without its shocks, to split '
        "the change since the first quarter into the model's mechanisms and the shocks (see docs/explain.md)."
        "</p>\n" + explained,
    )
    page.add("events", "Events", events_html(run))
    page.add(
        "parameters", "Parameters and their sources", ensemble_html(run.manifest) + "\n" + parameters_html(scenario)
    )
    page.add("provenance", "Provenance", provenance_html(run.manifest, path))
    return page


# -- comparisons --------------------------------------------------------------


def _num(value: object, fmt: str = "{:.3f}") -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return "–" if np.isnan(number) else fmt.format(number)


def _flag(value: object) -> Raw:
    text = str(value).strip().lower()
    yes = text in {"true", "1", "yes"}
    return Raw('<span class="flag-yes">within noise</span>' if yes else "distinguishable")


def compare_report(path: Path) -> Page:
    """The report of a comparison folder written by ``eujsim compare``."""
    what = "the comparison folder is damaged: run `eujsim compare` again"
    spec = _read_json(path / COMPARE_FILE, what)
    if spec.get("kind") != "compare":
        raise UserError(
            f"is not a comparison file (its kind is {spec.get('kind')!r}); {what}", file=path / COMPARE_FILE
        )
    metric = str(spec.get("metric", HEADLINE))
    baseline = str(spec.get("baseline", ""))
    inputs = [i for i in spec.get("inputs", []) if isinstance(i, dict)]
    table_csv = _read_csv(path / "table.csv", what)
    domains_csv = _read_csv(path / "domains.csv", what) if (path / "domains.csv").exists() else None
    window = spec.get("window") or []
    labels = ", ".join(str(i.get("label")) for i in inputs)
    page = Page(
        title=f"Comparison report: {labels or path.name}",
        lead=_lead("comparison", path, f"Metric <code>{esc(metric)}</code>, baseline <strong>{esc(baseline)}</strong>.")
        + _warning(spec.get("warning")),
    )
    design = [
        ("metric", metric),
        ("baseline", baseline),
        (
            "pairing",
            "paired: replicate r of every scenario shares its random draws with replicate r of the baseline"
            if spec.get("paired")
            else "unpaired: scenarios differ in their random draws as well",
        ),
        ("threshold", spec.get("threshold", "–")),
        ("window", "–".join(map(str, window)) if window else "whole run"),
    ]
    rows = [
        (
            i.get("label", ""),
            Raw("<strong>baseline</strong>") if i.get("label") == baseline else "",
            i.get("source", ""),
            i.get("scenario", ""),
            i.get("period", ""),
            i.get("seed", ""),
            i.get("replicates", ""),
            i.get("path", ""),
        )
        for i in inputs
    ]
    descriptions = "\n".join(
        f"<dt>{esc(i.get('label', ''))}</dt><dd>{esc(i.get('description') or '(no description)')}</dd>" for i in inputs
    )
    page.add(
        "compared",
        "Scenarios compared",
        facts(design)
        + "\n"
        + table(
            "Inputs of the comparison",
            ["label", "", "source", "scenario", "period", "seed", "replicates", "path"],
            rows,
            numeric=(5, 6),
        )
        + f"\n<dl>\n{descriptions}\n</dl>",
    )
    first = parse_quarter(window[0]) if window else None
    constants = _held_constant(spec, path / COMPARE_FILE, metric, what)
    if constant_everywhere(constants, [str(i.get("label", "")) for i in inputs]):
        differences = f'<p class="note">{esc(constant_statement(metric, constants))}</p>'
    else:
        differences = _compare_table(table_csv, metric, baseline, what, path, first)
        if constants:
            differences = f'<p class="note">{esc(partly_constant_note(metric, constants))}.</p>\n' + differences
    page.add("table", "Differences from the baseline", differences)
    if domains_csv is not None:
        page.add("domains", "Differences per domain", _domains_table(domains_csv, metric, baseline, what, path))
    page.add("plots", "Plots", plot_figures(path / "plots", "The plots `eujsim compare` drew."))
    for item in inputs:
        label = str(item.get("label", ""))
        run_path = _input_run(path, item)
        anchor = "run-" + "".join(c if c.isalnum() else "-" for c in label)
        if run_path is None:
            page.add(
                anchor,
                f"Scenario {label}",
                f'<p class="note">No run folder of this input is available ({esc(item.get("source", ""))} '
                f"<code>{esc(item.get('path', ''))}</code>), so it has no headline numbers or explanation here.</p>",
            )
            continue
        run = open_run(run_path)
        body = [f'<p class="note">Run folder <code>{esc(run_path)}</code>. {esc(run.scenario.description)}</p>']
        body.append("<h3>Headline numbers</h3>\n" + headline_html(headline(run)))
        series = metric.split(":", 1)[0]
        explained = explanation_html(run, metric=_explained_metric(series), title=f" ({label})")
        body.append("<h3>Why it moved</h3>\n" + explained)
        page.add(anchor, f"Scenario {label}", "\n".join(body))
    environment = {k: v for k, v in spec.items() if k not in {"inputs", "kind", "metric", "baseline"}}
    page.add("provenance", "Provenance", provenance_html(environment, path))
    return page


def _held_constant(spec: dict[str, Any], file: Path, metric: str, what: str) -> dict[str, HeldConstant]:
    """The inputs that hold the metric at one number, as compare.json records them (none in older files).

    Raises:
        UserError: if the entry is there but not a mapping of labels to ``{value, at_floor}``.
    """
    recorded = spec.get("held_constant", {})
    found: dict[str, HeldConstant] = {}
    entries = recorded.items() if isinstance(recorded, dict) else [(None, None)]
    for label, entry in entries:
        value = entry.get("value") if isinstance(entry, dict) else None
        at_floor = entry.get("at_floor") if isinstance(entry, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not isinstance(at_floor, bool):
            raise UserError(f"has a held_constant entry that is not a value and a floor flag; {what}", file=file)
        found[str(label)] = HeldConstant(metric, float(value), at_floor)
    return found


def _explained_metric(series: str) -> str:
    """The compared series if explain can split it (a pair's cooperation), else EU–Japan cooperation."""
    try:
        return explanation_target(series).series
    except UserError:
        return HEADLINE


def _input_run(compare: Path, item: dict[str, Any]) -> Path | None:
    """The run folder of a comparison input: the ``run_folder`` compare.json names, or the run folder it was given.

    ``run_folder`` is ``runs/<label>`` with the label made a folder name ("baseline (2)" is
    ``runs/baseline__2_``) for a scenario file, and the absolute path of a saved run, so it is
    read from the file, not rebuilt; ``path`` as given is the fallback for older comparisons.
    """
    own = item.get("run_folder")
    if own and folder_kind(compare / str(own)) == "run":
        return compare / str(own)
    given = item.get("path")
    if item.get("source") == "run" and given and folder_kind(given) == "run":
        return Path(given)
    return None


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], file: Path, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UserError(f"lacks the column(s) {', '.join(missing)}; {what}", file=file)


def _compare_formats(statistic: str, first: int | None) -> tuple[Callable[[object], str], str]:
    """How to write a statistic's values and its differences: a calendar quarter and quarters, a share, a level."""
    if statistic == "first_crossing" and first is not None:

        def quarter(value: object) -> str:
            number = float(value)  # type: ignore[arg-type]
            return "never" if np.isnan(number) else quarter_label(first + round(number) - 1)

        return quarter, "{:+.1f} q"
    if statistic == "share_crossing":
        return (lambda value: _num(value, "{:.0%}")), "{:+.0%} pts"
    return _num, "{:+.3f}"


def _compare_table(
    frame: pd.DataFrame, metric: str, baseline: str, what: str, path: Path, first: int | None = None
) -> str:
    """The comparison table; a first crossing reads as a calendar quarter counted from the window's ``first``."""
    columns = ["scenario", "statistic", "mean", "p5", "p95", "diff_mean", "diff_p5", "diff_p95", "within_noise"]
    _require_columns(frame, columns, path / "table.csv", what)
    rows = []
    for r in frame[columns].itertuples(index=False):
        is_base = str(r.scenario) == baseline
        value, difference = _compare_formats(str(r.statistic), first)
        no_difference = is_base or np.isnan(float(r.diff_mean))
        rows.append(
            (
                r.scenario,
                f"{r.statistic} ({STATISTIC_TEXT.get(str(r.statistic), '')})",
                value(r.mean),
                "" if np.isnan(float(r.mean)) else f"{value(r.p5)}–{value(r.p95)}",
                "baseline" if is_base else _num(r.diff_mean, difference),
                "" if no_difference else f"{_num(r.diff_p5, difference)} to {_num(r.diff_p95, difference)}",
                "" if no_difference else _flag(r.within_noise),
            )
        )
    return (
        '<p class="note">Intervals hold 90% of the replicates. A difference is <em>within noise</em> when its '
        "interval includes zero.</p>\n"
        + table(
            f"{metric}: each scenario and its difference from the baseline '{baseline}' (a first crossing is the "
            "mean over the replicates that reach the threshold; a difference in it is in quarters)",
            ["scenario", "statistic", "mean", "90% interval", "difference", "90% interval of the difference", ""],
            rows,
            numeric=(2, 3, 4, 5),
        )
    )


def _domains_table(frame: pd.DataFrame, metric: str, baseline: str, what: str, path: Path) -> str:
    columns = ["scenario", "domain", "mean", "p5", "p95", "diff_mean", "diff_p5", "diff_p95", "within_noise"]
    _require_columns(frame, columns, path / "domains.csv", what)
    rows = [
        (
            r.scenario,
            DOMAIN_LABELS.get(str(r.domain), r.domain),
            _num(r.mean),
            f"{_num(r.p5)}–{_num(r.p95)}",
            "baseline" if str(r.scenario) == baseline else _num(r.diff_mean, "{:+.3f}"),
            "" if str(r.scenario) == baseline else f"{_num(r.diff_p5, '{:+.3f}')} to {_num(r.diff_p95, '{:+.3f}')}",
            "" if str(r.scenario) == baseline else _flag(r.within_noise),
        )
        for r in frame[columns].itertuples(index=False)
    ]
    return table(
        f"{metric} in each EU–Japan cooperation domain and its difference from the baseline",
        ["scenario", "domain", "mean", "90% interval", "difference", "90% interval of the difference", ""],
        rows,
        numeric=(2, 3, 4, 5),
    )


# -- sweeps -------------------------------------------------------------------

POINT_ROWS = 60
"""Design points shown in the open; a larger design's table goes into a ``<details>``."""


def sweep_report(path: Path) -> Page:
    """The report of a sweep folder: experiment, design, point means and indices, plots."""
    from simulator.sweeps.sweep import open_sweep

    sweep = open_sweep(path)
    experiment = sweep.experiment
    manifest = sweep.manifest
    page = Page(
        title=f"Sweep report: {experiment.name}",
        lead=_lead("sweep", path)
        + _warning(sweep.shortfall)
        + _outside_ranges(from_manifest(manifest, experiment.outside_documented_ranges)),
    )
    factors = manifest.get("factors") or []
    page.add(
        "experiment",
        "Experiment",
        facts(
            [
                ("name", experiment.name),
                ("description", experiment.description or "(none given)"),
                ("base scenario", f"{experiment.scenario.name} ({experiment.scenario.period})"),
                ("method", manifest.get("method", "")),
                (
                    "design",
                    f"{manifest.get('points', '?')} points × {manifest.get('replicates', '?')} replicates = "
                    f"{manifest.get('worlds', '?')} worlds",
                ),
                ("status", manifest.get("status", "unknown")),
                ("seed", manifest.get("seed", "")),
                ("metrics", ", ".join(map(str, manifest.get("metrics", [])))),
            ]
        )
        + "\n"
        + table(
            "Parameters varied",
            ["factor", "label", "low", "high"],
            [(f.get("name"), f.get("label"), _num(f.get("low"), "{:g}"), _num(f.get("high"), "{:g}")) for f in factors],
            numeric=(2, 3),
        ),
    )
    page.add("results", "Results per design point", _sweep_tables(path))
    page.add("plots", "Plots", plot_figures(path / "plots", "The plots `eujsim sweep` (or `eujsim analyze`) drew."))
    discoveries = _discoveries_html(path, int(manifest.get("points", 0) or 0))
    if discoveries:
        page.add("discovery", "Where conditions hold (scenario discovery)", discoveries)
    page.add("provenance", "Provenance", provenance_html(manifest, path))
    return page


DISCOVERY_CAPTIONS = {
    "tradeoff.png": "Coverage against density of every candidate box (PRIM's peeling trajectory, or CART's leaves), "
    "coloured by the number of inputs restricted; the dashed line is the density asked for, the ring the box "
    "reported.",
    "box.png": "The reported box over each input's swept range (grey), with the points where the condition holds "
    "(blue) and where it does not (grey crosses).",
}


def _discoveries_html(path: Path, design_points: int) -> str:
    """Each discovery of the sweep (``eujsim analyze --discover``): its sentence, box table and plots; '' if none.

    A discovery is computed when asked for, not with every analysis, so one made before the sweep
    finished says on how many of the design's points it rests.
    """
    from simulator.sweeps.discovery import DISCOVERY_FILE, discoveries_in

    what = "find it again with `eujsim analyze --discover`"
    parts = []
    for folder in discoveries_in(path):
        record = _read_json(folder / DISCOVERY_FILE, what)
        condition = str(record.get("condition", folder.name))
        parts.append(f"<h3>{esc(condition)}</h3>")
        parts.append(f"<p>{esc(record.get('summary', ''))}</p>")
        details = [
            ("method", str(record.get("method", "")).upper()),
            ("density asked for", _num(record.get("min_density"), "{:g}")),
            ("points", f"{record.get('points', '?')} ({record.get('holding', '?')} where it holds)"),
            ("folder", Raw(f"<code>{esc(folder.relative_to(path))}</code>")),
        ]
        parts.append(facts(details))
        notes = [str(n) for n in record.get("notes", [])]
        if isinstance(record.get("points"), int) and record["points"] < design_points:
            notes.append(f"Found on {record['points']} of the design's {design_points} points; {what} to use them all.")
        parts += [f'<p class="note">{esc(note)}</p>' for note in notes]
        if record.get("outcome") != "box":
            continue
        rows = [
            (
                item.get("input"),
                item.get("range") if item.get("restricted") else "unrestricted",
                item.get("full_range") or f"{_num(item.get('full_low'), '{:g}')}–{_num(item.get('full_high'), '{:g}')}",
                _num(item.get("quasi_p"), "{:.2g}") if item.get("quasi_p") is not None else "–",
            )
            for item in record.get("box", [])
        ]
        caption = (
            f"The box: coverage {_num(record.get('coverage'), '{:.0%}')}, density "
            f"{_num(record.get('density'), '{:.0%}')}, {record.get('in_box', '?')} points inside"
        )
        parts.append(table(caption, ["input", "box", "swept range", "quasi-p"], rows, numeric=(3,)))
        shown = [(name, caption) for name, caption in DISCOVERY_CAPTIONS.items() if (folder / name).is_file()]
        for name, caption in shown:
            file = folder / name
            parts.append(figure(_read_bytes(file), alt=caption, caption=f"{caption} ({name})", source=file))
        if not shown:
            parts.append(f'<p class="note">{_no_png_note(folder)}</p>')
    if not parts:
        return ""
    intro = (
        '<p class="note">Where in the swept inputs a condition on a metric holds, found on the point means by PRIM '
        "(or CART) from the EMA Workbench: density is the share of the points inside the box where the condition "
        "holds, coverage the share of all points where it holds that lie inside the box (docs/sweeps.md).</p>"
    )
    return intro + "\n" + "\n".join(parts)


def _sweep_tables(path: Path) -> str:
    indices = path / "indices"
    what = "analyse the sweep again with `eujsim analyze`"
    parts = []
    means_file = indices / "point_means.csv"
    if means_file.is_file():
        frame = _read_csv(means_file, what)
        shown = [c for c in frame.columns if not c.endswith((":p05", ":p95"))]
        rows = [[_num(v, "{:.4g}") for v in row] for row in frame[shown].itertuples(index=False)]
        caption = "Mean of each metric over each point's replicates (indices/point_means.csv)"
        numeric = range(len(shown))
        if len(rows) <= POINT_ROWS:
            parts.append(table(caption, shown, rows, numeric=numeric))
        else:
            parts.append(
                f"<details>\n<summary>All {len(rows)} design points</summary>\n"
                f"{table(caption, shown, rows, numeric=numeric)}\n</details>"
            )
    else:
        parts.append(f'<p class="note">The sweep has no indices/point_means.csv; {esc(what)}.</p>')
    for file in sorted(indices.glob("*.csv")) if indices.is_dir() else []:
        if file.name == "point_means.csv":
            continue
        frame = _read_csv(file, what)
        rows = [[_num(v, "{:.4g}") for v in row] for row in frame.itertuples(index=False)]
        parts.append(table(f"Sensitivity indices ({file.name})", list(frame.columns), rows, numeric=range(1, 99)))
    return "\n".join(parts)


# -- entry points -------------------------------------------------------------

BUILDERS: dict[str, Callable[[Path], Page]] = {"run": run_report, "compare": compare_report, "sweep": sweep_report}


def build_report(folder: str | Path) -> str:
    """The HTML text of the report of a run, comparison or sweep folder.

    Raises:
        UserError: if the folder is missing, of no known kind, or damaged.
    """
    path = Path(folder)
    if not path.exists():
        raise not_found(path, "not found", f"give {KNOWN_FOLDERS}", expect="folder")
    if not path.is_dir():
        raise UserError(f"is a file, not a result folder; give {KNOWN_FOLDERS}", file=path)
    kind = folder_kind(path)
    if kind is None:
        raise UserError(f"is not a folder eujsim wrote; give {KNOWN_FOLDERS}", file=path)
    if kind == "explain":
        raise UserError(
            "is an explanation folder; report the run folder that holds it (its report includes the explanation)",
            file=path,
        )
    try:
        page = BUILDERS[kind](path)
    except (KeyError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ArrowException) as exc:
        raise UserError(
            f"cannot be reported: a file in it is damaged ({_first_line(exc)}); write the folder again", file=path
        ) from None
    return page.render()


def write_report(folder: str | Path, out: str | Path | None = None, *, force: bool = False) -> Path:
    """Write the report of ``folder`` to ``out`` (default ``folder/report.html``) atomically.

    An existing file is refused unless ``force``: like result folders, a report is never
    replaced by accident.

    Raises:
        UserError: as :func:`build_report`, or if ``out`` exists (without ``force``) or is a folder.
    """
    folder = Path(folder)
    target = Path(out) if out is not None else folder / REPORT_FILE
    if folder.is_dir():  # else build_report says what is wrong with the folder
        _check_report_target(target, force)
    text = build_report(folder)
    _check_report_target(target, force)  # again: building took a while, and the file may have appeared
    remove_abandoned(target.parent)
    write_text_atomically(target, text)
    return target


def is_report(path: Path) -> bool:
    """Whether ``path`` is an HTML report eujsim wrote (its head names eujsim as the generator)."""
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return GENERATOR_MARK in head


def _check_report_target(target: Path, force: bool) -> None:
    """Refuse a report file that would replace anything but an earlier report, or cannot be written."""
    if target.is_dir():
        raise UserError("is a folder; --out names the HTML file to write, e.g. report.html", file=target)
    if target.exists() and not force:
        raise UserError(
            "already exists; reports are never overwritten: choose another --out, or add --force to replace it",
            file=target,
        )
    if target.exists() and not is_report(target):
        raise UserError(
            "is not a report eujsim wrote; --force only replaces an earlier report, never a result's data or "
            "another file: choose another --out",
            file=target,
        )
    check_writable(target)
