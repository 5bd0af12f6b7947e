"""The ``eujsim`` command line's commands, options and help text.

Building the parser imports nothing heavy, so ``eujsim --help`` and a mistyped option are
answered at once; the commands import what they use when they run
(:mod:`simulator.cli.commands`).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import NoReturn

from simulator.base.errors import clip
from simulator.presentation.formats import DEFAULT_FORMATS, PLOT_FORMATS, parse_formats
from simulator.sweeps.choices import ENGINES, EXECUTORS

PROG = "eujsim"
EXPLAINED = "coop_EU_JPN"
"""The series ``eujsim explain`` explains by default."""


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one ``eujsim: error:`` line like every other mistake."""

    def error(self, message: str) -> NoReturn:
        """Print the problem and where to find help on one line, and exit with status 2.

        A value argparse could not take is quoted by its start only, as in every other message;
        an option whose value looks like an option (a negative number) is told to use ``=``.
        """
        message = re.sub(r"'([^']*)'", lambda match: repr(clip(match.group(1))), " ".join(message.split()))
        missing = re.fullmatch(r"argument (--[\w-]+)(?:/\S+)?: expected one argument", message)
        if missing:
            message += f" (a value that starts with '-', such as a negative number, is written {missing[1]}=-0.5)"
        self.exit(2, f"{PROG}: error: {message}; see `{self.prog} --help`\n")


def _formats(text: str) -> tuple[str, ...]:
    """``--format``'s comma list as formats; argparse reports a bad one as the usage error."""
    try:
        return parse_formats(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


FORMAT_HELP = (
    f"comma-separated formats to write each plot in, from {', '.join(PLOT_FORMATS)} (default: png; "
    "svg and pdf are vector, for print)"
)


def _add_format_option(command: argparse.ArgumentParser, also: str = "") -> None:
    """``--format``, the same for every command that writes plot files, so each can give print-ready SVG or PDF.

    Args:
        command: The command's parser.
        also: Words appended to the help, for what the formats apply to in this command.
    """
    command.add_argument("--format", type=_formats, default=DEFAULT_FORMATS, metavar="LIST", help=FORMAT_HELP + also)


def _add_plot_options(command: argparse.ArgumentParser) -> None:
    """``--no-plots`` and ``--format``, for the commands whose plots are optional (run, compare)."""
    command.add_argument("--no-plots", action="store_true", help="skip the plots")
    _add_format_option(command)


def build_parser() -> argparse.ArgumentParser:
    """The ``eujsim`` argument parser: every command and option, with its help."""
    parser = _Parser(
        prog=PROG,
        description="Agent-based scenario simulator of EU–Japan security cooperation.",
        epilog="Run `eujsim COMMAND --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run",
        help="run scenario files (or folders of them) and write results and plots",
        description=(
            "Run one or more scenarios, each into its own result folder. Every file is checked before "
            "any is run, so one bad file means nothing is run, and the problems of all bad files are reported "
            "together. Several files with the same name get "
            "<name>, <name>-2, <name>-3 … in the order given."
        ),
    )
    run.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario YAML file, or a folder whose *.yaml and *.yml files are run (sorted, subfolders not searched)",
    )
    run.add_argument(
        "--out",
        type=Path,
        help="for one scenario file: its result folder (default: results/<file name>, numbered if taken); "
        "for several scenarios or a folder: the parent folder that gets one <file name> folder per scenario "
        "(default: results/, numbered if taken); an existing result folder under --out is refused unless --force",
    )
    run.add_argument(
        "--force", action="store_true", help="replace existing result folders at (or under) --out instead of refusing"
    )
    run.add_argument("--replicates", type=int, help="number of replicates (overrides every file)")
    run.add_argument("--seed", type=int, help="base random seed (overrides every file)")
    run.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", help="override a parameter, e.g. JPN.deference=0.3"
    )
    run.add_argument("--shocks", type=Path, help="extra shock library YAML whose kinds the scenarios may use")
    run.add_argument(
        "--ensemble",
        metavar="NAME|CSV",
        help="give each world one sample of a parameter ensemble, so the bands hold parameter uncertainty too: "
        "'calibrated' (shipped; docs/calibration.md) or your own CSV; parameters the scenario or --set give "
        "keep their values (default: the point calibration)",
    )
    run.add_argument(
        "--no-twin",
        action="store_true",
        help="skip the no-shock twin: by default a scenario with shocks is also simulated without them, on the "
        "same seed and worlds, so that the summary and plot show what the shocks did (it takes about twice as long)",
    )
    _add_plot_options(run)
    run.add_argument("--quiet", action="store_true", help="print only the result folders, one per line")

    sweep = sub.add_parser(
        "sweep",
        help="run an experiment: many worlds over a design of parameters, with sensitivity analysis and plots",
        description=(
            "Run the points of an experiment file (grid, explicit, random, lhs, sobol or morris), each with its "
            "replicates, in lockstep chunks; results stream to Parquet in the sweep folder, which is then analysed "
            "(plots/, indices/). Same experiment and seed give the same numbers on any executor, any number of "
            "workers and any chunk size."
        ),
    )
    sweep.add_argument("experiment", metavar="EXPERIMENT", help="experiment YAML file (see experiments/)")
    sweep.add_argument(
        "--out",
        type=Path,
        help="sweep folder (default: results/<experiment name>, numbered if taken); never overwritten",
    )
    sweep.add_argument("--workers", type=int, help="worker processes (default: all cores; 1 runs in this process)")
    sweep.add_argument(
        "--executor", choices=EXECUTORS, default="local", help="local processes (default) or a Dask cluster"
    )
    sweep.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786 (default with --executor dask: a cluster on this machine)",
    )
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted or partly failed sweep (in --out, or the newest unfinished one of this "
        "experiment under results/); only missing or failed chunks run",
    )
    sweep.add_argument(
        "--chunk-worlds",
        type=int,
        metavar="N",
        help="worlds per chunk, rounded to whole points (default: balanced over workers, at most 2000)",
    )
    sweep.add_argument(
        "--engine",
        choices=ENGINES,
        help="what runs the quarters: numpy (the reference) or fused, the compiled kernel, several times faster "
        "and equal to about 1e-15 (needs `pip install 'eujsim[fast]'`; default: the experiment's engine key, "
        "else numpy); recorded in the manifest",
    )
    sweep.add_argument("--no-analysis", action="store_true", help="skip plots and indices (run `eujsim analyze` later)")
    _add_format_option(sweep, "; the plots of the analysis that follows the sweep")
    sweep.add_argument(
        "--progress",
        choices=("auto", "bar", "log"),
        default="auto",
        help="a progress bar, log lines, or a bar only on a terminal (default)",
    )

    analyze = sub.add_parser(
        "analyze",
        help="re-draw a sweep's plots and recompute its sensitivity indices without re-running it",
        description=(
            "Rewrite a sweep's plots/ and indices/ from its tables. With --discover, also find where in the "
            "swept inputs a condition on a metric holds (PRIM scenario discovery, from the EMA Workbench: "
            "pip install 'eujsim[discover]') and write it to SWEEP_DIR/analysis/discover/<condition>/. "
            "The metric shown first, the colouring and the phase diagram come from the analysis: section "
            "(metric, colour_by, phase) of SWEEP_DIR/experiment.yaml; "
            "edit it there to change them without re-running the sweep."
        ),
    )
    analyze.add_argument("folder", type=Path, metavar="SWEEP_DIR", help="a folder written by `eujsim sweep`")
    analyze.add_argument(
        "--discover",
        action="append",
        default=[],
        metavar="CONDITION",
        help="a condition 'METRIC OP VALUE' (OP one of > >= < <= ==) on the point means, e.g. "
        "'coop_EU_JPN:final > 0.55' or 'coop_EU_JPN:first_above@0.55 <= 12'; repeat for more",
    )
    analyze.add_argument(
        "--min-density",
        type=float,
        metavar="SHARE",
        help="share of the points inside the reported box where the condition must hold (default 0.8); "
        "the box is the widest-covering one that reaches it",
    )
    analyze.add_argument(
        "--discover-method",
        choices=("prim", "cart"),
        default="prim",
        help="PRIM's peeling trajectory (default) or the leaves of a CART classification tree",
    )
    _add_format_option(
        analyze, "; plots/ and each discovery's plots; a plot left by an earlier analysis in another format is removed"
    )

    comp = sub.add_parser(
        "compare",
        help="compare scenarios side by side: overlay, difference to a baseline, domains and a table",
        description=(
            "Compare result folders and scenario files (or the points of one sweep folder) on one metric. "
            "Every input is checked before any is run, the problems of all of them reported together. "
            "Scenario files are run first, all with the same seed and replicate numbers (common random numbers), "
            "so differences are paired replicate by replicate. Everything is aligned by calendar quarter; the "
            "statistics are over the quarters all inputs share. Writes plots and tables to a new folder."
        ),
        epilog=(
            "Examples: eujsim compare scenarios/baseline.yaml scenarios/us_retrenchment.yaml | "
            "eujsim compare results/baseline results/us_retrenchment --metric coop_EU_JPN_maritime | "
            "eujsim compare results/hedging_vs_deference --by JPN.deference. See docs/compare.md."
        ),
    )
    comp.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="result folder (`eujsim run`), scenario file (run for the comparison), or one sweep folder",
    )
    comp.add_argument(
        "--baseline",
        metavar="LABEL",
        help="what the others are compared with: a label (the scenario's name), a position (1 = first input) "
        "or a path as given (default: the first input)",
    )
    comp.add_argument(
        "--metric",
        default="coop_EU_JPN",
        help="recorded series to compare, e.g. coop_EU_JPN (default), coop_EU_JPN_maritime, threat_JPN_CHN, "
        "spending_JPN",
    )
    comp.add_argument(
        "--threshold",
        type=float,
        metavar="LEVEL",
        help="level whose first crossing is reported (default 0.55, the 'operational partnership' milestone; "
        "for a sweep, the level of its first_above metric if it has one)",
    )
    comp.add_argument(
        "--seed",
        type=int,
        help="seed for the scenario files (default: the baseline's, or a saved run's among the inputs "
        "when the baseline is a file)",
    )
    comp.add_argument("--replicates", type=int, help="replicates for the scenario files (default: as for --seed)")
    comp.add_argument(
        "--points", metavar="ID,ID,…", help="sweep folder: compare these points (ids from points.parquet)"
    )
    comp.add_argument(
        "--by",
        metavar="FACTOR",
        help="sweep folder: one compared scenario per value of this factor, averaged over the other factors",
    )
    comp.add_argument("--shocks", type=Path, help="extra shock library YAML whose kinds the scenario files may use")
    comp.add_argument(
        "--ensemble",
        metavar="NAME|CSV",
        help="run the scenario files over a parameter ensemble ('calibrated' or a CSV), replicate r of each file "
        "on the same sample (default: a saved run's ensemble among the inputs, else the point calibration; "
        "refused if it is not the ensemble of the saved run the files are paired with)",
    )
    comp.add_argument(
        "--out",
        type=Path,
        help="comparison folder (default: results/compare-<label>-vs-<label>…, numbered if taken); "
        "an existing folder is refused unless --force",
    )
    comp.add_argument("--force", action="store_true", help="replace an existing --out folder")
    _add_plot_options(comp)

    explain = sub.add_parser(
        "explain",
        help="why cooperation moved in a run: each mechanism's contribution and the shocks'",
        description=(
            "Split a run's change in a pair's cooperation (EU–Japan by default) into the contributions of the "
            "mechanisms and of the "
            "shocks (the paired difference from the same worlds without them), draw them stacked over time, and "
            "say in a few sentences what moved it most, when, and after which shock. The run is simulated again "
            "(checked against the saved numbers) together with its no-shock twin."
        ),
    )
    explain.add_argument("result", type=Path, metavar="RESULT", help="a result folder written by `eujsim run`")
    explain.add_argument(
        "--metric",
        default=EXPLAINED,
        help=f"a pair's cooperation to explain: {EXPLAINED} (default), coop_<A>_<B> such as coop_EU_USA, "
        "or coop_<A>_<B>_<domain>",
    )
    explain.add_argument("--domain", help="explain one domain, e.g. maritime (default: the mean over domains)")
    explain.add_argument(
        "--out",
        type=Path,
        help="folder for the explanation (default: RESULT/explain, or RESULT/explain-<domain>; numbered if taken)",
    )
    explain.add_argument("--force", action="store_true", help="replace an existing --out folder instead of refusing")
    _add_format_option(explain, "; the contributions plot")
    report = sub.add_parser(
        "report",
        help="write one self-contained HTML report of a run, comparison or sweep folder",
        description=(
            "Write a single HTML file about a result folder: scenario and shocks with their sources, headline "
            "numbers with 90% intervals, every plot (embedded), the explanation of what moved cooperation, "
            "events, the parameters used with their sources, and provenance. The file needs no network and "
            "no other file. It has no --format: it embeds the folder's PNG plots, whatever other formats the "
            "folder also holds (a folder written with --format svg or pdf alone gets a note to draw them "
            "again with png among the formats)."
        ),
    )
    report.add_argument(
        "folder", type=Path, metavar="RESULT_DIR", help="a folder written by `eujsim run`, `compare` or `sweep`"
    )
    report.add_argument(
        "--out", type=Path, metavar="FILE", help="the HTML file to write (default: RESULT_DIR/report.html)"
    )
    report.add_argument("--force", action="store_true", help="replace an existing report instead of refusing")

    new = sub.add_parser(
        "new",
        help="write a commented scenario file to start from",
        description=(
            "Write NAME.yaml: a scenario with every key the format accepts, each with a comment saying what it "
            "does and its default, a library shock, a shock defined inline and a parameter override. It "
            "validates and runs as written; edit it, citing what each number rests on."
        ),
    )
    new.add_argument("name", metavar="NAME", help="the scenario's name; the file is NAME.yaml unless --out is given")
    new.add_argument("--out", type=Path, metavar="FILE", help="the file to write (default: NAME.yaml)")
    new.add_argument("--force", action="store_true", help="replace an existing file instead of refusing")

    validate = sub.add_parser(
        "validate",
        help="check scenario or experiment files without running them",
        description=(
            "Check every file as `eujsim run` or `eujsim sweep` would, without running anything: each problem of "
            "every file is reported, one line each with its file, line and fix. Exit status 2 if any file has one."
        ),
    )
    validate.add_argument(
        "scenarios", nargs="+", help="scenario or experiment YAML files (an experiment names a scenario) or folders"
    )
    validate.add_argument("--shocks", type=Path, help="extra shock library YAML")
    validate.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="check a parameter override as `eujsim run --set` takes it, e.g. JPN.deference=0.3 "
        "(applied to the scenario files; experiments fix parameters in their own `set:`)",
    )

    params = sub.add_parser(
        "params", help="list calibrated parameters with what each means, ranges and provenance; search them by word"
    )
    params.add_argument(
        "words",
        nargs="*",
        metavar="WORD",
        help="only parameters whose name or meaning contains every WORD (case-insensitive), e.g. deference",
    )
    params.add_argument(
        "--actor", metavar="GROUP", help="only one group: an actor (JPN), pair (EU_JPN), domain, world or model"
    )
    params.add_argument("--sources", action="store_true", help="show the quoted source sentence or assumption of each")

    explore = sub.add_parser(
        "explore",
        help="open an interactive explorer of a scenario in the browser (a local web page)",
        description=(
            "Serve a local web page on this machine that simulates a scenario and its no-shock twin as you edit "
            "it: shocks on a timeline, parameter sliders (the most influential first), pinned variants side by "
            "side, why a quarter moved, and the edited scenario to download as YAML. The page fetches nothing "
            "from the internet. It needs the explore extra: pip install 'eujsim[explore]'. Ctrl+C stops it."
        ),
    )
    explore.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="a scenario file, or a shipped scenario by name (default: us_retrenchment)",
    )
    explore.add_argument("--port", type=int, default=8050, help="the local port to serve on (default: 8050)")
    explore.add_argument(
        "--host", default="127.0.0.1", help="the address to serve on (default: 127.0.0.1, this machine only)"
    )
    explore.add_argument("--seed", type=int, help="base seed, overriding the file's")
    explore.add_argument(
        "--replicates", type=int, help="replicates, overriding the file's (100 redraws in about 0.5 s)"
    )

    shocks = sub.add_parser("shocks", help="list the shock kinds a scenario can use")
    shocks.add_argument("kind", nargs="?", help="show one kind in full")
    shocks.add_argument("--shocks", type=Path, help="extra shock library YAML to include")
    return parser
