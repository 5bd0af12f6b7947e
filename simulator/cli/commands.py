"""What each ``eujsim`` command does: a thin layer over the Python API.

Each command imports the modules it needs when it runs, so that one command never pays for
the libraries of another (Mesa, pandas, SciPy, matplotlib, pyarrow) and ``eujsim --help``
starts at once. A monkeypatch of a function in its own module is therefore seen here too.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from simulator.base.errors import ErrorCollector, UserError, UserErrors, clip, near_miss, quote
from simulator.cli.parser import EXPLAINED, PROG

if TYPE_CHECKING:
    from collections.abc import Iterable

    from simulator.inputs.calibration import Calibration, Parameter
    from simulator.inputs.documented_ranges import OutsideRange
    from simulator.inputs.scenario import Scenario
    from simulator.inputs.shocklib import ShockLibrary
    from simulator.sweeps.sweep import SweepResult


def _cmd_run(args: argparse.Namespace) -> int:
    from simulator.inputs.calibration import default_calibration
    from simulator.inputs.documented_ranges import outside_fixed
    from simulator.inputs.ensemble import load_ensemble
    from simulator.inputs.files import scenario_files
    from simulator.inputs.scenario import check_replicates, check_seed, parse_assignments
    from simulator.inputs.shocklib import load_library
    from simulator.runs.results import format_interval
    from simulator.runs.run_size import check_run_fits
    from simulator.runs.runner import resolve, simulate, with_twin
    from simulator.storage.output import result_folders

    calibration = default_calibration()
    overrides = parse_assignments(args.set, calibration)
    if args.replicates is not None:
        check_replicates(args.replicates, "--replicates")
    if args.seed is not None:
        check_seed(args.seed, "--seed")
    library = load_library(args.shocks, calibration)
    ensemble = None if args.ensemble is None else load_ensemble(args.ensemble, calibration)
    problems = ErrorCollector()  # every file is checked before any runs, and all their problems reported at once
    files = scenario_files(args.scenarios, problems)
    inputs = len(files) + len(problems.errors)  # each bad path is one problem
    scenarios: list[Scenario] = []
    for file in files:
        with problems.check():
            scenario = resolve(
                file, replicates=args.replicates, seed=args.seed, overrides=overrides, shocks=library, ensemble=ensemble
            )
            check_run_fits(scenario.replicates, scenario.horizon, file=file)
            scenarios.append(scenario)
    problems.raise_any(files=inputs)
    _warn_outside_ranges(
        (item, None if len(files) == 1 or item.path in overrides else file)
        for file, scenario in zip(files, scenarios, strict=True)
        for item in outside_fixed(scenario.parameters, calibration)
    )
    batch = len(files) > 1 or any(Path(p).is_dir() for p in args.scenarios)
    folders = result_folders([f.stem for f in files], args.out, force=args.force, out_is_parent=batch, inputs=files)
    save = {
        "force": args.force,
        "plots": not args.no_plots,
        "plot_formats": args.format,
        "manifest_extra": {"command_line": args.command_line},
        "renumber": args.out is None,  # a default folder another run took meanwhile: take the next number
    }
    if not batch:
        if not args.quiet:
            print(f"Running '{scenarios[0].name}': {_describe(scenarios[0], not args.no_twin)}", flush=True)
        result = simulate(scenarios[0])
        if not args.no_twin:
            result = with_twin(result)
        out = result.save(folders[0], **save)
        print(out if args.quiet else result.text_summary(out))
        return 0

    listing: list[str] = []
    headlines: list[str] = []
    for number, (file, scenario, out) in enumerate(zip(files, scenarios, folders, strict=True), start=1):
        if not args.quiet:
            print(
                f"[{number}/{len(files)}] {file}: '{scenario.name}', {_describe(scenario, not args.no_twin)}",
                flush=True,
            )
        try:
            result = simulate(scenario)
            if not args.no_twin:
                result = with_twin(result)
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
        headline = f"final EU–Japan cooperation {format_interval(result.interval(result.final().to_numpy()))}"
        if result.twin is not None:
            headline += f", {result.shock_effect().final:+.3f} from the shocks"
        headlines.append(headline)
        if args.quiet:
            print(out, flush=True)
    if not args.quiet:
        print(f"Results of {len(files)} scenarios:")
        width = max(len(folder) for folder in listing)
        for folder, file, headline in zip(listing, files, headlines, strict=True):
            print(f"  {folder:<{width}}  {file}: {headline}")
    return 0


def _warn_outside_ranges(found: Iterable[tuple[OutsideRange, Path | None]]) -> None:
    """One warning line on stderr per setting outside its documented range, each said once; many from one file in one.

    The run goes ahead (the value is inside the hard bounds), but whoever reads its numbers must
    know that they rest on a setting the calibration does not argue for; the manifest and the plots say
    so too. ``found`` pairs each setting with the file it comes from when several files are run.
    """
    from simulator.inputs.documented_ranges import warning_lines

    by_file: dict[Path | None, list[OutsideRange]] = {}
    for item, file in found:
        if item not in by_file.setdefault(file, []):
            by_file[file].append(item)
    for file, items in by_file.items():
        for line in warning_lines(items, str(file) if file is not None else None):
            print(line, file=sys.stderr, flush=True)


def _describe(scenario: Scenario, twin: bool = False) -> str:
    """Size, quarters, seed, (if any) parameter ensemble and twin of a run, for the line printed before it starts."""
    over = "" if scenario.ensemble is None else f", over the {scenario.ensemble.name} parameter ensemble"
    also = ", and the same worlds without its shocks" if twin and scenario.shocks else ""
    return (
        f"{scenario.replicates} replicates x {scenario.horizon} quarters ({scenario.period}), seed {scenario.seed}"
        f"{over}{also}"
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from simulator.inputs.calibration import default_calibration
    from simulator.inputs.files import is_experiment_file, scenario_files
    from simulator.inputs.scenario import parse_assignments
    from simulator.inputs.shocklib import load_library

    calibration = default_calibration()
    overrides = parse_assignments(args.set, calibration)
    library = load_library(args.shocks, calibration)
    missing = ErrorCollector()
    files = scenario_files(args.scenarios, missing)  # a bad path is one problem; the other files are still checked
    for problem in missing.errors:
        print_user_error(problem)
    failed = len(missing.errors)
    for file in files:  # every file is checked, so one try lists the problems of all of them
        try:
            if is_experiment_file(file):
                _validate_experiment(file, calibration)
            else:
                _validate_scenario(file, calibration, library, overrides)
        except UserError as exc:
            print_user_error(exc)
            failed += 1
    if failed > 1:  # one bad file's lines say it all
        print(f"{PROG}: {failed} of {len(files) + len(missing.errors)} files have problems", file=sys.stderr)
    return 2 if failed else 0


def print_user_error(exc: UserError, stream: TextIO | None = None) -> None:
    """Print a user error as ``eujsim: error:`` lines: one per problem, then their count when there are several.

    One problem per line keeps each one greppable and clickable (file:line) in an editor's terminal;
    the count says how many to fix before the next try.
    """
    stream = sys.stderr if stream is None else stream
    for problem in exc.problems():
        print(f"{PROG}: error: {problem}", file=stream)
    if isinstance(exc, UserErrors):
        print(f"{PROG}: {exc.summary}", file=stream)


def _validate_scenario(
    file: Path, calibration: Calibration, library: ShockLibrary, overrides: dict[str, float]
) -> None:
    """Check a scenario file as `eujsim run FILE` would run it, with the --set overrides, and say so."""
    from simulator.base.calendar import quarter_label
    from simulator.inputs.documented_ranges import outside_fixed
    from simulator.inputs.scenario import load_scenario
    from simulator.runs.run_size import check_run_fits

    scenario = load_scenario(file, calibration=calibration, library=library).with_overrides(parameters=overrides)
    check_run_fits(scenario.replicates, scenario.horizon, file=file)
    _warn_outside_ranges((item, file) for item in outside_fixed(scenario.parameters, calibration))
    kinds = ", ".join(f"{s.kind}@{quarter_label(s.at)}" for s in scenario.shocks) or "no shocks"
    print(
        f"OK {file}: '{scenario.name}', {scenario.period}, "
        f"{scenario.replicates} replicates, seed {scenario.seed}, "
        f"{len(scenario.parameters)} parameter override(s); {kinds}"
    )


def _validate_experiment(file: Path, calibration: Calibration) -> None:
    """Check an experiment file as `eujsim sweep FILE` would run it: every core, default chunks, into results/."""
    from simulator.storage.output import RESULTS_ROOT
    from simulator.sweeps.designs import design_size
    from simulator.sweeps.executors import default_workers
    from simulator.sweeps.experiment import load_experiment
    from simulator.sweeps.sweep import ANALYSIS_ELSEWHERE
    from simulator.sweeps.sweep_size import check_analysis_fits, check_fits, estimate_sweep

    experiment = load_experiment(file, calibration=calibration)
    check_fits(experiment, estimate_sweep(experiment, workers=default_workers()), RESULTS_ROOT)
    check_analysis_fits(experiment, file=file, fix=ANALYSIS_ELSEWHERE)
    _warn_outside_ranges((item, file) for item in experiment.outside_documented_ranges(calibration))
    print(
        f"OK {file}: experiment '{experiment.name}', {experiment.method}, "
        f"{design_size(experiment):,} points x {experiment.replicates} replicates of "
        f"'{experiment.scenario.name}', {len(experiment.factors)} varied: "
        f"{', '.join(experiment.factor_names[:4])}{', …' if len(experiment.factors) > 4 else ''}"
    )


def _say(text: str, indent: str = "    ", hang: str = "") -> None:
    """Print ``text`` wrapped to the terminal (at most 100 columns), indented under a table row."""
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    print(
        textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent + hang, break_on_hyphens=False)
    )


def _no_match(params: Sequence[Parameter], words: Sequence[str]) -> UserError:
    """The one-line refusal for a search that finds nothing, with the nearest word when one is close.

    A word that matches nothing alone is probably misspelt, so the hint names the closest word
    of the names and meanings; when each word matches on its own the fix is fewer words.
    """
    asked = " ".join(words)
    vocabulary = {w for p in params for w in re.findall(r"[\w-]+", f"{p.path} {p.meaning}".casefold())}
    lonely = [w for w in words if not any(p.matches([w]) for p in params)]
    if lonely:
        hint = near_miss(lonely[0].casefold(), vocabulary) or f"; nothing contains '{clip(lonely[0])}'"
    else:
        hint = "; each word matches alone, so try fewer words"
    return UserError(f"no parameter matches '{clip(asked)}'{hint} (run `eujsim params` for the full list)")


def _cmd_new(args: argparse.Namespace) -> int:
    from simulator.base.names import name_problem
    from simulator.inputs.scenario_template import scenario_template
    from simulator.storage.output import write_text_atomically

    name = args.name.removesuffix(".yaml").removesuffix(".yml")
    out = Path(f"{name}.yaml") if args.out is None else args.out
    name = Path(name).name if args.out is None else name  # `eujsim new scenarios/x` names the scenario x
    problem = name_problem(name)
    if problem:
        raise UserError(f"{quote(name)} is not a scenario name: {problem}", field="NAME")
    if out.is_dir():
        raise UserError("is a folder; give the scenario file to write, e.g. --out my_crisis.yaml", file=out)
    if out.exists() and not args.force:
        raise UserError("already exists; choose another name or --out, or replace it with --force", file=out)
    write_text_atomically(out, scenario_template(name))
    print(f"Wrote {out}: edit it, then check it with `eujsim validate {shlex.quote(str(out))}`")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from simulator.inputs.calibration import default_calibration

    calibration = default_calibration()
    groups = calibration.groups()
    if args.actor and args.actor not in groups:
        raise UserError(
            f"no parameter group '{clip(args.actor)}'{near_miss(args.actor, groups)}; groups: {', '.join(groups)}",
            field="--actor",
        )
    scope = [p for p in calibration.values() if not args.actor or p.group == args.actor]
    rows = [p for p in scope if p.matches(args.words)]
    if not rows:
        raise _no_match(scope, args.words)
    width = shutil.get_terminal_size((100, 20)).columns
    header = f"{'parameter':<38} {'value':>8}  {'range':<15} {'unit':<17} provenance"
    print(header)
    print("-" * min(len(header) + 10, width))
    for p in rows:
        rng = f"{p.low:g}–{p.high:g}"
        print(f"{p.path:<38} {p.value:>8g}  {rng:<15} {p.unit:<17} {p.provenance}")
        _say(p.meaning)
        if args.sources:
            if p.quote:
                _say(f'"{p.quote}"', hang=" ")
                _say(f"supports: {p.support}" + (f" ({p.arithmetic})" if p.arithmetic else ""), hang="  ")
            if p.assumption:
                _say(f"assumption: {p.assumption}")
    if args.sources:
        print("\nSources:")
        for source in calibration.sources.values():
            _say(f"{source.cite}: {source.reference}", indent="", hang="    ")
    found = f" matching '{clip(' '.join(args.words))}'" if args.words else ""
    print(f"\n{len(rows)} parameter(s){found}.")
    print("Override in a scenario under 'parameters:' or with --set PATH=VALUE.")
    return 0


def _cmd_shocks(args: argparse.Namespace) -> int:
    from simulator.inputs.shocklib import load_library

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
            _say(f'source: {kind.source.cite}: "{kind.quote}" (supports: {kind.support})', hang="  ")
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
    from simulator.core.engines import DEFAULT_ENGINE
    from simulator.sweeps.designs import design_size
    from simulator.sweeps.experiment import load_experiment
    from simulator.sweeps.sweep import (
        WORLDS_FILE,
        SweepInterruptedError,
        check_sweep,
        run_sweep,
        summary_line,
        with_engine,
    )

    experiment = with_engine(load_experiment(args.experiment), args.engine)
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
    _warn_outside_ranges((item, None) for item in experiment.outside_documented_ranges())
    print(
        f"Sweep '{experiment.name}': {experiment.method}, {design_size(experiment):,} points x "
        f"{experiment.replicates} replicates of '{experiment.scenario.name}' "
        f"({experiment.scenario.period}), seed {experiment.seed}"
        + (f", engine {experiment.engine}" if experiment.engine != DEFAULT_ENGINE else ""),
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
        _print_analysis(result, plot_formats=args.format)
    return 0 if result.complete else 1


def _cmd_report(args: argparse.Namespace) -> int:
    from simulator.reports.report import write_report

    print(write_report(args.folder, args.out, force=args.force))
    return 0


def _print_analysis(result: SweepResult | Path, **discovery: Any) -> None:
    from simulator.sweeps.analysis import analyze

    analysis = analyze(result, **discovery)
    print(analysis.summary)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from simulator.sweeps.conditions import parse_condition
    from simulator.sweeps.discovery import MIN_DENSITY, empty_point_table, resolve_condition
    from simulator.sweeps.sweep import open_sweep

    if not args.discover and (args.min_density is not None or args.discover_method != "prim"):
        raise UserError("is an option of a discovery; give the condition with --discover too", field=_given(args))
    density = MIN_DENSITY if args.min_density is None else args.min_density
    if not 0 < density <= 1:  # also refuses NaN
        raise UserError(
            f"{density:g} is not a share above 0 and at most 1; give e.g. --min-density 0.8", field="--min-density"
        )
    conditions = [parse_condition(text, field="--discover") for text in args.discover]
    result = open_sweep(args.folder)
    columns, factors = empty_point_table(result), result.experiment.factor_names
    conditions = [resolve_condition(c, columns, factors, field="--discover") for c in conditions]
    _print_analysis(
        result,
        discover=conditions,
        min_density=density,
        discover_method=args.discover_method,
        plot_formats=args.format,
    )
    return 0


def _given(args: argparse.Namespace) -> str:
    """The discovery option given without --discover, for its message."""
    return "--min-density" if args.min_density is not None else "--discover-method"


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
    from simulator.evaluation.compare import prepare
    from simulator.storage.output import check_destination

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
        ensemble=args.ensemble,
    )
    out = plan.default_folder() if args.out is None else args.out
    check_destination(out, args.force, "compare", inputs=args.inputs)
    for line in plan.describe_runs():
        print(line, flush=True)
    comparison = plan.run()
    out = comparison.save(
        out,
        force=args.force,
        plots=not args.no_plots,
        plot_formats=args.format,
        command_line=args.command_line,
        renumber=args.out is None,
    )
    print(comparison.text())
    runs = ", runs/" if any(item.source == "scenario" for item in comparison.inputs) else ""
    plots = "" if args.no_plots else ", plots/"
    print(f"\nResults in {out}/ (summary.txt, table.csv, domains.csv, difference.csv, compare.json{plots}{runs})")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from simulator.evaluation.explain import explain_run, explanation_target
    from simulator.runs.run_folder import open_run
    from simulator.storage.output import check_destination, free_folder

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
    out = explanation.save(out, force=args.force, renumber=args.out is None, plot_formats=args.format)
    print(explanation.text())
    plots = ", ".join(f"contributions.{fmt}" for fmt in args.format)
    print(f"Explanation in {out}/ (explanation.md, {plots}, totals.csv, shock_channels.csv, contributions.csv)")
    return 0


EXPLORE_INSTALL = "pip install 'eujsim[explore]'"
"""How to install what ``eujsim explore`` needs (Dash and Plotly)."""


def _cmd_explore(args: argparse.Namespace) -> int:
    import importlib.util

    missing = [name for name in ("dash", "plotly") if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(f"the explorer needs {' and '.join(missing)}, which are not installed; run {EXPLORE_INSTALL}")
    from simulator.explore.app import make_app, serve

    app = make_app(args.scenario, seed=args.seed, replicates=args.replicates)
    print(
        f"{PROG} explore: serving http://{args.host}:{args.port}/ (open it in a browser; Ctrl+C stops it)", flush=True
    )
    serve(app, host=args.host, port=args.port)
    return 0


COMMANDS = {
    "run": _cmd_run,
    "compare": _cmd_compare,
    "sweep": _cmd_sweep,
    "analyze": _cmd_analyze,
    "explain": _cmd_explain,
    "report": _cmd_report,
    "validate": _cmd_validate,
    "new": _cmd_new,
    "params": _cmd_params,
    "shocks": _cmd_shocks,
    "explore": _cmd_explore,
}
