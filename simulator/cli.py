"""Command line: ``eujsim run | sweep | analyze | compare | explain | report | validate | params | shocks``.

A thin layer over the Python API. Every user mistake ends in one line on stderr
naming the file, the line or field and the fix, with exit status 2.
"""

from __future__ import annotations

import argparse
import errno
import re
import shlex
import shutil
import sys
import textwrap
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from simulator.calendar import quarter_label
from simulator.calibration import default_calibration
from simulator.designs import design_size
from simulator.errors import UserError, clip, clip_path, near_miss, quote
from simulator.executors import EXECUTORS, default_workers
from simulator.experiment import is_experiment_file, load_experiment
from simulator.output import RESULTS_ROOT, check_destination, free_folder, result_folders
from simulator.results import format_interval
from simulator.run_size import check_run_fits
from simulator.runner import resolve, scenario_files, simulate
from simulator.scenario import Scenario, check_replicates, check_seed, load_scenario, parse_assignment
from simulator.shocklib import load_library
from simulator.sweep import (
    ANALYSIS_ELSEWHERE,
    WORLDS_FILE,
    IncompleteSweepWarning,
    SweepInterruptedError,
    SweepResult,
    check_sweep,
    open_sweep,
    run_sweep,
    summary_line,
)
from simulator.sweep_size import check_analysis_fits, check_fits, estimate_sweep

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


def _parser() -> argparse.ArgumentParser:
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
            "any is run, so one bad file means nothing is run. Several files with the same name get "
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
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
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
    sweep.add_argument("--no-analysis", action="store_true", help="skip plots and indices (run `eujsim analyze` later)")
    sweep.add_argument(
        "--progress",
        choices=("auto", "bar", "log"),
        default="auto",
        help="a progress bar, log lines, or a bar only on a terminal (default)",
    )

    analyze = sub.add_parser(
        "analyze",
        help="re-draw a sweep's plots and recompute its sensitivity indices without re-running it",
    )
    analyze.add_argument("folder", type=Path, metavar="SWEEP_DIR", help="a folder written by `eujsim sweep`")

    comp = sub.add_parser(
        "compare",
        help="compare scenarios side by side: overlay, difference to a baseline, domains and a table",
        description=(
            "Compare result folders and scenario files (or the points of one sweep folder) on one metric. "
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
        "--out",
        type=Path,
        help="comparison folder (default: results/compare-<label>-vs-<label>…, numbered if taken); "
        "an existing folder is refused unless --force",
    )
    comp.add_argument("--force", action="store_true", help="replace an existing --out folder")
    comp.add_argument("--no-plots", action="store_true", help="skip the PNG plots")

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
    report = sub.add_parser(
        "report",
        help="write one self-contained HTML report of a run, comparison or sweep folder",
        description=(
            "Write a single HTML file about a result folder: scenario and shocks with their sources, headline "
            "numbers with 90%% intervals, every plot (embedded), the explanation of what moved cooperation, "
            "events, the parameters used with their sources, and provenance. The file needs no network and "
            "no other file."
        ),
    )
    report.add_argument(
        "folder", type=Path, metavar="RESULT_DIR", help="a folder written by `eujsim run`, `compare` or `sweep`"
    )
    report.add_argument(
        "--out", type=Path, metavar="FILE", help="the HTML file to write (default: RESULT_DIR/report.html)"
    )
    report.add_argument("--force", action="store_true", help="replace an existing report instead of refusing")

    validate = sub.add_parser("validate", help="check scenario or experiment files without running them")
    validate.add_argument(
        "scenarios", nargs="+", help="scenario or experiment YAML files (an experiment names a scenario) or folders"
    )
    validate.add_argument("--shocks", type=Path, help="extra shock library YAML")

    params = sub.add_parser("params", help="list calibrated parameters with ranges and provenance")
    params.add_argument(
        "--actor", metavar="GROUP", help="only one group: an actor (JPN), pair (EU_JPN), domain, world or model"
    )
    params.add_argument("--sources", action="store_true", help="show the quoted source sentence or assumption of each")

    shocks = sub.add_parser("shocks", help="list the shock kinds a scenario can use")
    shocks.add_argument("kind", nargs="?", help="show one kind in full")
    shocks.add_argument("--shocks", type=Path, help="extra shock library YAML to include")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    calibration = default_calibration()
    overrides = dict(parse_assignment(item, calibration) for item in args.set)
    if args.replicates is not None:
        check_replicates(args.replicates, "--replicates")
    if args.seed is not None:
        check_seed(args.seed, "--seed")
    files = scenario_files(args.scenarios)
    library = load_library(args.shocks, calibration)
    scenarios = [
        resolve(file, replicates=args.replicates, seed=args.seed, overrides=overrides, shocks=library) for file in files
    ]
    for file, scenario in zip(files, scenarios, strict=True):  # every file, before any runs
        check_run_fits(scenario.replicates, scenario.horizon, file=file)
    batch = len(files) > 1 or any(Path(p).is_dir() for p in args.scenarios)
    folders = result_folders([f.stem for f in files], args.out, force=args.force, out_is_parent=batch, inputs=files)
    save = {
        "force": args.force,
        "plots": not args.no_plots,
        "manifest_extra": {"command_line": args.command_line},
        "renumber": args.out is None,  # a default folder another run took meanwhile: take the next number
    }
    if not batch:
        if not args.quiet:
            print(f"Running '{scenarios[0].name}': {_describe(scenarios[0])}", flush=True)
        result = simulate(scenarios[0])
        out = result.save(folders[0], **save)
        print(out if args.quiet else result.text_summary(out))
        return 0

    listing: list[str] = []
    headlines: list[str] = []
    for number, (file, scenario, out) in enumerate(zip(files, scenarios, folders, strict=True), start=1):
        if not args.quiet:
            print(f"[{number}/{len(files)}] {file}: '{scenario.name}', {_describe(scenario)}", flush=True)
        try:
            result = simulate(scenario)
            out = result.save(out, **save)
        except KeyboardInterrupt:
            if not listing:
                raise
            print(
                f"{PROG}: interrupted; {out} was not written; finished: {', '.join(listing)}",
                file=sys.stderr,
            )
            return 130
        listing.append(str(out))
        headlines.append(f"final EU–Japan cooperation {format_interval(result.interval(result.final().to_numpy()))}")
        if args.quiet:
            print(out, flush=True)
    if not args.quiet:
        print(f"Results of {len(files)} scenarios:")
        width = max(len(folder) for folder in listing)
        for folder, file, headline in zip(listing, files, headlines, strict=True):
            print(f"  {folder:<{width}}  {file}: {headline}")
    return 0


def _describe(scenario: Scenario) -> str:
    """Size, quarters and seed of a run, for the line printed before it starts."""
    return f"{scenario.replicates} replicates x {scenario.horizon} quarters ({scenario.period}), seed {scenario.seed}"


def _cmd_validate(args: argparse.Namespace) -> int:
    calibration = default_calibration()
    library = load_library(args.shocks, calibration)
    for file in scenario_files(args.scenarios):
        if is_experiment_file(file):
            experiment = load_experiment(file, calibration=calibration)
            # as `eujsim sweep FILE` would run it: every core, default chunks, into results/
            check_fits(experiment, estimate_sweep(experiment, workers=default_workers()), RESULTS_ROOT)
            check_analysis_fits(experiment, file=file, fix=ANALYSIS_ELSEWHERE)
            print(
                f"OK {file}: experiment '{experiment.name}', {experiment.method}, "
                f"{design_size(experiment):,} points x {experiment.replicates} replicates of "
                f"'{experiment.scenario.name}', {len(experiment.factors)} varied: "
                f"{', '.join(experiment.factor_names[:4])}{', …' if len(experiment.factors) > 4 else ''}"
            )
            continue
        scenario = load_scenario(file, calibration=calibration, library=library)
        check_run_fits(scenario.replicates, scenario.horizon, file=file)
        kinds = ", ".join(f"{s.kind}@{quarter_label(s.at)}" for s in scenario.shocks) or "no shocks"
        print(
            f"OK {file}: '{scenario.name}', {scenario.period}, "
            f"{scenario.replicates} replicates, seed {scenario.seed}, "
            f"{len(scenario.parameters)} parameter override(s); {kinds}"
        )
    return 0


def _say(text: str, indent: str = "    ", hang: str = "") -> None:
    """Print ``text`` wrapped to the terminal (at most 100 columns), indented under a table row."""
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    print(
        textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent + hang, break_on_hyphens=False)
    )


def _cmd_params(args: argparse.Namespace) -> int:
    calibration = default_calibration()
    groups = calibration.groups()
    if args.actor and args.actor not in groups:
        raise UserError(
            f"no parameter group '{clip(args.actor)}'{near_miss(args.actor, groups)}; groups: {', '.join(groups)}",
            field="--actor",
        )
    rows = [p for p in calibration.values() if not args.actor or p.group == args.actor]
    width = shutil.get_terminal_size((100, 20)).columns
    header = f"{'parameter':<38} {'value':>8}  {'range':<15} {'unit':<17} provenance"
    print(header)
    print("-" * min(len(header) + 10, width))
    for p in rows:
        rng = f"{p.low:g}–{p.high:g}"
        print(f"{p.path:<38} {p.value:>8g}  {rng:<15} {p.unit:<17} {p.provenance}")
        if args.sources:
            if p.quote:
                _say(f'"{p.quote}"', hang=" ")
            if p.assumption:
                _say(f"assumption: {p.assumption}")
    if args.sources:
        print("\nSources:")
        for source in calibration.sources.values():
            _say(f"{source.cite}: {source.reference}", indent="", hang="    ")
    print(f"\n{len(rows)} parameter(s). Override in a scenario under 'parameters:' or with --set PATH=VALUE.")
    return 0


def _cmd_shocks(args: argparse.Namespace) -> int:
    library = load_library(args.shocks)
    if args.kind:
        if args.kind not in library:
            raise UserError(
                f"no shock kind '{clip(args.kind)}'{near_miss(args.kind, library)}; run `eujsim shocks` for the list"
            )
        kinds = [library[args.kind]]
    else:
        kinds = list(library.values())
    for kind in kinds:
        print(f"{kind.kind}")
        _say(kind.description)
        if kind.source:
            _say(f'source: {kind.source.cite}: "{kind.quote}"', hang="  ")
        print(f"    default ramp {kind.ramp} quarter(s), decay {kind.decay} quarter(s) after its duration")
        if args.kind:
            for e in kind.effects:
                print(f"    effect: {e.target} {e.op} {e.value:g}")
        print()
    if not args.kind:
        print(
            'Use one in a scenario as   - {kind: NAME, at: "2026Q1", duration: 8}\n'
            "(omit duration for a persistent shock)."
        )
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    experiment = load_experiment(args.experiment)
    progress = {"auto": None, "bar": True, "log": False}[args.progress]
    check_sweep(  # refuses before the line below; run_sweep chooses the folder again, as it may renumber it
        experiment,
        args.out,
        workers=args.workers,
        chunk_worlds=args.chunk_worlds,
        executor=args.executor,
        scheduler=args.scheduler,
        resume=args.resume,
        analysis=not args.no_analysis,
    )
    print(
        f"Sweep '{experiment.name}': {experiment.method}, {design_size(experiment):,} points x "
        f"{experiment.replicates} replicates of '{experiment.scenario.name}' "
        f"({experiment.scenario.period}), seed {experiment.seed}",
        flush=True,
    )
    try:
        result = run_sweep(
            experiment,
            args.out,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            chunk_worlds=args.chunk_worlds,
            resume=args.resume,
            progress=progress,
            command_line=args.command_line,
        )
    except SweepInterruptedError as exc:
        print(
            f"{PROG}: interrupted after {exc.done} of {exc.total} chunks; finished chunks are kept: continue with "
            f"`eujsim sweep {shlex.quote(args.experiment)} --resume --out {shlex.quote(str(exc.folder))}`",
            file=sys.stderr,
        )
        return 130
    print(summary_line(result))
    if not args.no_analysis and (result.folder / WORLDS_FILE).exists():  # nothing to draw if every chunk failed
        _print_analysis(result)
    return 0 if result.complete else 1


def _cmd_report(args: argparse.Namespace) -> int:
    from simulator.report import write_report

    print(write_report(args.folder, args.out, force=args.force))
    return 0


def _print_analysis(result: SweepResult | Path) -> None:
    from simulator.analysis import analyze

    analysis = analyze(result)
    print(analysis.summary)


def _cmd_analyze(args: argparse.Namespace) -> int:
    result = open_sweep(args.folder)
    _print_analysis(result)
    return 0


def _point_ids(text: str | None) -> list[int] | None:
    """``--points 0,12,24`` as a list of ids."""
    if text is None:
        return None
    parts = text.replace(" ", "").split(",")
    try:
        if "" in parts:
            raise ValueError("an empty id")
        return [int(part) for part in parts]
    except ValueError:
        raise UserError(
            f"{quote(text)} is not a list of point ids; write them as --points 0,12,24", field="--points"
        ) from None


def _cmd_compare(args: argparse.Namespace) -> int:
    from simulator.compare import prepare

    plan = prepare(
        args.inputs,
        baseline=args.baseline,
        metric=args.metric,
        threshold=args.threshold,
        seed=args.seed,
        replicates=args.replicates,
        points=_point_ids(args.points),
        by=args.by,
        shocks=args.shocks,
    )
    out = plan.default_folder() if args.out is None else args.out
    check_destination(out, args.force, "compare", inputs=args.inputs)
    for line in plan.describe_runs():
        print(line, flush=True)
    comparison = plan.run()
    out = comparison.save(
        out, force=args.force, plots=not args.no_plots, command_line=args.command_line, renumber=args.out is None
    )
    print(comparison.text())
    runs = ", runs/" if any(item.source == "scenario" for item in comparison.inputs) else ""
    plots = "" if args.no_plots else ", plots/"
    print(f"\nResults in {out}/ (summary.txt, table.csv, domains.csv, difference.csv, compare.json{plots}{runs})")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from simulator.explain import explain_run, explanation_target
    from simulator.run_folder import open_run

    if args.result.is_file():
        raise UserError(
            f"explain needs a result folder, not a file; run it first with `eujsim run {args.result}` "
            "and explain the folder it writes",
            file=args.result,
        )
    target = explanation_target(args.metric, args.domain)
    saved = open_run(args.result)
    if args.out is not None:
        check_destination(args.out, args.force, "explain", inputs=[args.result])
        out = args.out
    else:
        name = "explain" if target.pair == EXPLAINED.removeprefix("coop_") else f"explain-{target.pair}"
        out = free_folder(args.result / (name if target.domain is None else f"{name}-{target.domain}"))
    explanation = explain_run(saved, metric=target.series)
    out = explanation.save(out, force=args.force, renumber=args.out is None)
    print(explanation.text())
    print(
        f"Explanation in {out}/ (explanation.md, contributions.png, totals.csv, shock_channels.csv, contributions.csv)"
    )
    return 0


COMMANDS = {
    "run": _cmd_run,
    "compare": _cmd_compare,
    "sweep": _cmd_sweep,
    "analyze": _cmd_analyze,
    "explain": _cmd_explain,
    "report": _cmd_report,
    "validate": _cmd_validate,
    "params": _cmd_params,
    "shocks": _cmd_shocks,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``eujsim`` and ``python -m simulator``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.command_line = [PROG, *argv]
    try:
        with warnings.catch_warnings():  # each command says in its own output when a sweep misses rows
            warnings.simplefilter("ignore", IncompleteSweepWarning)
            warnings.showwarning = _warning_printer()
            return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"{PROG}: error: {os_error_line(exc)}", file=sys.stderr)
        return 2


def _warning_printer() -> Callable[..., None]:
    """A ``warnings.showwarning`` for one command: a note eujsim raises for the user is one line, printed once."""
    from simulator.plots import MissingGlyphWarning

    shown: set[str] = set()

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        stream = sys.stderr if file is None else file
        if not issubclass(category, MissingGlyphWarning):
            stream.write(warnings.formatwarning(message, category, filename, lineno, line))
        elif str(message) not in shown:
            shown.add(str(message))
            stream.write(f"{PROG}: note: {message}\n")

    return show


OS_ERROR_FIXES = {
    errno.ENOSPC: "free some space on that disk, or write the results to another one",
    errno.EDQUOT: "free some space within your disk quota, or write the results to another disk",
    errno.EROFS: "that file system is read-only: write the results to another place",
    errno.EACCES: "check the path and its permissions",
    errno.EPERM: "check the path and its permissions",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.EMFILE: "too many files are open: close some programs or raise the limit (ulimit -n)",
}
"""What to do about the operating-system errors a user can meet, by errno."""


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: the file, what went wrong and what to do."""
    where = f"{clip_path(exc.filename)}: " if exc.filename else ""
    fix = OS_ERROR_FIXES.get(exc.errno or 0, "check the path and its permissions")
    return f"{where}{exc.strerror or exc}; {fix}"


def entry_point() -> None:
    """Console-script wrapper."""
    sys.exit(main())
