"""Record golden outputs of eujsim and compare two recordings (a refactoring safety net).

``python tools/golden.py record OUTDIR`` runs, from the project checkout in the current directory and with
the ``simulator`` package of the current interpreter (``sys.executable -m simulator``):

* ``eujsim run scenarios/X.yaml --replicates 20 --out OUTDIR/runs/X`` for every scenario file;
* ``eujsim sweep experiments/hedging_vs_deference.yaml --out OUTDIR/sweep --workers 2`` (with its analysis);
* ``eujsim compare OUTDIR/runs/baseline OUTDIR/runs/us_retrenchment --out OUTDIR/compare``;
* ``eujsim explain OUTDIR/runs/us_retrenchment`` (writes ``OUTDIR/runs/us_retrenchment/explain/``);
* ``eujsim report`` of that run, of the comparison and of the sweep (``--out OUTDIR/reports/*.html``);
* ``make -s -o VENV/.installed validate VENV=VENV`` (VENV = the current interpreter's prefix), whose
  ``docs/validation.md`` and ``docs/img/backcast.png`` are copied to ``OUTDIR/validate/``; the two files'
  bytes are then put back as they were, so the checkout is left unchanged.

Stdout, stderr and exit status of every command go to ``OUTDIR/commands.json`` (a failure is a result too);
``OUTDIR/recording.json`` notes where and when the recording was made and how long each command took. OUTDIR
is passed to eujsim relative to the checkout, as given on the command line.

``python tools/golden.py compare DIR_A DIR_B`` compares every file of the two recordings except
``recording.json``: the same relative paths; Parquet files as pyarrow tables (schema with its metadata, and
values), noting whether the bytes are identical too; PNG files pixel by pixel; ``commands.json`` command by
command (command line, exit status, stdout, stderr); every other file as UTF-8 text (bytes if it is not),
identical after these normalisations. Each one was seen to differ between recordings of the same code
(6cfd951 recorded twice from one checkout, and once more from another checkout at an empty commit on top of
it); nothing else is normalised:

1. The recording's own folder, absolute and as passed to eujsim (``/work/golden/before``,
   ``../golden/before``), becomes ``<OUTDIR>``: run output, reports and compare.json name the folders
   written and read (compare.json with their absolute paths).
2. Date-times: ``created_utc``, ``started_utc`` and ``finished_utc`` in JSON (manifests, compare.json)
   and every ISO 8601 date-time in the HTML reports (which print them) become ``<TIMESTAMP>``.
3. Durations in JSON: a run manifest's ``timings_seconds`` and a sweep session's ``seconds`` become
   ``<SECONDS>``; a session's ``chunks_per_worker`` (``{"host:pid": chunks}``) keeps only the sorted chunk
   counts, since the worker processes' ids differ every time.
4. ``git_commit`` in JSON and the reports' "git commit" become ``<COMMIT>``: the same code at another
   commit (the restructure is one; a checkout with uncommitted edits is ``-dirty``) gives the same results.
5. The sweep folder's ``.eujsim.lock`` holds ``PID HOST``: the process id becomes ``<PID>``.
6. Output of the sweep command: its progress lines (``... 300/2,420 worlds (12%), 1.8 s, 164 worlds/s,
   about 13 s left``) keep their counts, and elapsed seconds, rate and seconds left become ``<S>``,
   ``<RATE>`` and ``<LEFT>``; its summary line's ``... worlds in 4.4 s`` becomes ``<S>``.
7. A run report's timings (``setup_and_spinup 0.0633, simulate 0.0576``) become ``<SECONDS>``.

``compare --locations-only`` applies only normalisation 1, to show the volatile values themselves.

Exit status of ``compare``: 0 when everything matches, 1 otherwise (one line per difference, then a count).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_REPLICATES = 20
EXPERIMENT = Path("experiments") / "hedging_vs_deference.yaml"
SWEEP_WORKERS = 2
COMPARED_RUNS = ("baseline", "us_retrenchment")
EXPLAINED_RUN = "us_retrenchment"
VALIDATION_FILES = (Path("docs") / "validation.md", Path("docs") / "img" / "backcast.png")
COMMANDS_FILE = "commands.json"
RECORDING_FILE = "recording.json"
TEXT_SUFFIXES = {".csv", ".json", ".md", ".yaml", ".yml", ".html", ".txt", ".lock", ".log", ".svg"}
MAX_SHOWN = 160
"""Characters of a differing line shown."""


# ---------------------------------------------------------------------------------------------------------------
# record
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Runs eujsim commands from the checkout ``root`` and keeps what each printed.

    Attributes:
        root: The project checkout, the working directory of every command.
        out: The recording folder (absolute).
        out_arg: ``out`` as passed to eujsim: relative to ``root``.
        commands: One record per command, in the order run.
        seconds: Wall-clock seconds per command name.
    """

    root: Path
    out: Path
    out_arg: str
    commands: list[dict[str, Any]]
    seconds: dict[str, float]

    def path(self, *parts: str) -> str:
        """A path inside the recording, as eujsim is given it (relative to the checkout)."""
        return str(Path(self.out_arg, *parts))

    def run(self, name: str, argv: Sequence[str], shown: Sequence[str] | None = None) -> int:
        """Run ``argv`` in the checkout, record its output under ``name`` and return its exit status.

        Args:
            name: Unique name of the command in ``commands.json``.
            argv: The command to run.
            shown: How the command is written in ``commands.json`` (default ``argv``); it must not name the
                interpreter, which differs between checkouts.
        """
        print(f"[golden] {name}: {' '.join(shown or argv)}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            list(argv), cwd=self.root, capture_output=True, text=True, env=command_environment(), check=False
        )
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self.commands.append(
            {
                "name": name,
                "argv": list(shown or argv),
                "status": done.returncode,
                "stdout": done.stdout,
                "stderr": done.stderr,
            }
        )
        print(f"[golden]   exit {done.returncode} in {self.seconds[name]:.1f} s", flush=True)
        return done.returncode

    def eujsim(self, name: str, *args: str) -> int:
        """Run ``eujsim ARGS`` with the current interpreter's ``simulator`` package."""
        return self.run(name, [sys.executable, "-m", "simulator", *args], ["eujsim", *args])


def command_environment() -> dict[str, str]:
    """The environment of the recorded commands: this one, without a terminal-dependent width."""
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env


def package_location(root: Path) -> str:
    """Where the current interpreter imports ``simulator`` from when run in ``root``."""
    done = subprocess.run(
        [sys.executable, "-c", "import simulator; print(simulator.__file__)"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"golden: {sys.executable} cannot import simulator in {root}:\n{done.stderr}")
    return done.stdout.strip()


def git_status(root: Path) -> str:
    """``git status --porcelain`` of the checkout (empty when clean), or a note when it is not a git checkout."""
    done = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else f"(git status failed: {done.stderr.strip()})"


def record(out: Path) -> int:
    """Record the golden outputs of the checkout in the current directory into ``out``.

    Returns:
        0 when the recording was made (whatever the commands' exit statuses), 2 when it was refused.
    """
    root = Path.cwd().resolve()
    if not (root / "scenarios").is_dir() or not (root / "Makefile").is_file():
        print(f"golden: run this from the project checkout (no scenarios/ or Makefile in {root})", file=sys.stderr)
        return 2
    out = out.absolute()
    if out.exists() or out.is_symlink():
        print(f"golden: {out} exists; give a new folder", file=sys.stderr)
        return 2
    location = Path(package_location(root)).resolve()
    if not location.is_relative_to(root):
        print(f"golden: {sys.executable} imports simulator from {location}, not from {root}", file=sys.stderr)
        return 2
    out.mkdir(parents=True)
    recorder = Recorder(root, out, os.path.relpath(out, root), [], {})
    status_before = git_status(root)
    started = time.perf_counter()

    scenarios = sorted(p for p in (root / "scenarios").iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    for scenario in scenarios:
        recorder.eujsim(
            f"run {scenario.stem}",
            "run",
            str(scenario.relative_to(root)),
            "--replicates",
            str(RUN_REPLICATES),
            "--out",
            recorder.path("runs", scenario.stem),
        )
    recorder.eujsim("sweep", "sweep", str(EXPERIMENT), "--out", recorder.path("sweep"), "--workers", str(SWEEP_WORKERS))
    recorder.eujsim(
        "compare",
        "compare",
        *(recorder.path("runs", name) for name in COMPARED_RUNS),
        "--out",
        recorder.path("compare"),
    )
    recorder.eujsim("explain", "explain", recorder.path("runs", EXPLAINED_RUN))
    (out / "reports").mkdir()
    for name, folder in (
        (f"run-{EXPLAINED_RUN}", recorder.path("runs", EXPLAINED_RUN)),
        ("compare", recorder.path("compare")),
        ("sweep", recorder.path("sweep")),
    ):
        recorder.eujsim(f"report {name}", "report", folder, "--out", recorder.path("reports", f"{name}.html"))
    validate(recorder)

    status_after = git_status(root)
    total = round(time.perf_counter() - started, 1)
    (out / COMMANDS_FILE).write_text(json.dumps(recorder.commands, indent=2, ensure_ascii=False) + "\n")
    meta = {
        "root": str(root),
        "outdir": str(out),
        "outdir_as_passed": recorder.out_arg,
        "python": sys.executable,
        "simulator": str(location),
        "git_head": git_head(root),
        "git_status_before": status_before,
        "git_status_after": status_after,
        "seconds": recorder.seconds,
        "total_seconds": total,
    }
    (out / RECORDING_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    failed = [c["name"] for c in recorder.commands if c["status"] != 0]
    print(f"[golden] recorded {len(recorder.commands)} commands into {out} in {total:.0f} s", flush=True)
    if failed:
        print(f"[golden] non-zero exit (recorded as results): {', '.join(failed)}", flush=True)
    if status_after != status_before:
        print(f"[golden] WARNING: git status of {root} changed during the recording:\n{status_after}", flush=True)
    return 0


def git_head(root: Path) -> str:
    """The checkout's HEAD commit, or an empty string."""
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def validate(recorder: Recorder) -> None:
    """Run the Makefile's ``validate`` target with this interpreter's venv and keep the files it rewrites.

    ``-o VENV/.installed`` stops make from re-installing the venv when its stamp is missing or older than
    pyproject.toml. The rewritten files are copied into ``OUTDIR/validate/`` and then restored byte for byte
    (not with ``git checkout``, which would also drop uncommitted edits of someone working in the checkout).
    """
    root = recorder.root
    saved = {path: (root / path).read_bytes() if (root / path).exists() else None for path in VALIDATION_FILES}
    venv = sys.prefix
    stamp = f"{venv}/.installed"
    try:
        recorder.run("validate", ["make", "-s", "-o", stamp, "validate", f"VENV={venv}"], ["make", "validate"])
        target = recorder.out / "validate"
        target.mkdir()
        for path in VALIDATION_FILES:
            if (root / path).exists():
                shutil.copy2(root / path, target / path.name)
    finally:
        for path, content in saved.items():
            if content is None:
                (root / path).unlink(missing_ok=True)
            else:
                (root / path).write_bytes(content)


# ---------------------------------------------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------------------------------------------

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")
"""An ISO 8601 date-time as manifests write it (``now_utc``): normalisation 2."""
JSON_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r'("(?:created|started|finished)_utc": )"[^"]*"'), r'\1"<TIMESTAMP>"'),
    (re.compile(r'("timings_seconds": )\{[^{}]*\}'), r'\1"<SECONDS>"'),
    (re.compile(r'("seconds": )[\d.eE+-]+'), r'\1"<SECONDS>"'),
    (re.compile(r'("git_commit": )(?:"[^"]*"|null)'), r'\1"<COMMIT>"'),
)
"""JSON (as eujsim writes it, one key per line): normalisations 2, 3 (but ``chunks_per_worker``) and 4."""
CHUNKS_PER_WORKER = re.compile(r'"chunks_per_worker": \{([^{}]*)\}')
HTML_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (TIMESTAMP, "<TIMESTAMP>"),
    (re.compile(r"(<dt>git commit</dt><dd>)[^<]*(</dd>)"), r"\1<COMMIT>\2"),
    (re.compile(r"setup_and_spinup [\d.]+, simulate [\d.]+"), "setup_and_spinup <SECONDS>, simulate <SECONDS>"),
)
"""Reports: normalisations 2, 4 and 7."""
PROGRESS = re.compile(r"(worlds \(\d+%\)), [\d.]+ s, [\d,.]+ worlds/s(, about )?(?:[\d,.]+|nan)?( s left)?")
SWEEP_SUMMARY = re.compile(r"( worlds in )[\d.,]+( s)$", re.MULTILINE)
LOCK_PID = re.compile(r"^\d+ ")


def progress_line(match: re.Match[str]) -> str:
    """A progress line's counts kept, its elapsed seconds, rate and seconds left replaced (normalisation 6)."""
    left = ", about <LEFT> s left" if match.group(2) else ""
    return f"{match.group(1)}, <S> s, <RATE> worlds/s{left}"


def chunks_per_worker(match: re.Match[str]) -> str:
    """A sweep session's ``{"host:pid": chunks}`` as the sorted chunk counts, without the processes."""
    counts = sorted(int(n) for n in re.findall(r'":\s*(\d+)', match.group(1)))
    return f'"chunks_per_worker": "<WORKERS> chunks {counts}"'


@dataclass(frozen=True)
class Tree:
    """One recording and the strings that name its own location.

    Attributes:
        path: The recording folder.
        places: (text, placeholder) pairs, longest text first.
        volatile: Whether to replace the volatile values too (not only the location).
    """

    path: Path
    places: tuple[tuple[str, str], ...]
    volatile: bool = True

    @classmethod
    def load(cls, path: Path, *, volatile: bool = True) -> Tree:
        """Read a recording's ``recording.json`` (if any) for the folder names it was made with."""
        places = {str(path.resolve()), str(path.absolute())}
        meta_file = path / RECORDING_FILE
        if meta_file.is_file():
            meta = json.loads(meta_file.read_text())
            places |= {meta["outdir"], meta["outdir_as_passed"]}
        ordered = sorted(places, key=len, reverse=True)
        return cls(path, tuple((place, "<OUTDIR>") for place in ordered), volatile)

    def normalise(self, text: str, relative: str = "") -> str:
        """``text`` of the file ``relative`` with the recording's folder and the volatile values replaced."""
        for place, placeholder in self.places:
            text = text.replace(place, placeholder)
        if not self.volatile:
            return text
        name = Path(relative).name
        rules: tuple[tuple[re.Pattern[str], str], ...] = ()
        if name.endswith(".json"):
            rules = JSON_RULES
            text = CHUNKS_PER_WORKER.sub(chunks_per_worker, text)
        elif name.endswith(".html"):
            rules = HTML_RULES
        elif name == ".eujsim.lock":
            rules = ((LOCK_PID, "<PID> "),)
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    def normalise_output(self, command: str, text: str) -> str:
        """A command's stdout or stderr with the recording's folder (and the sweep's timings) replaced."""
        text = self.normalise(text)
        if self.volatile and command == "sweep":
            text = PROGRESS.sub(progress_line, text)
            text = SWEEP_SUMMARY.sub(r"\1<S>\2", text)
        return text


def first_difference(a: str, b: str) -> str:
    """Where two texts first differ: the line number and both lines (shortened)."""
    lines_a, lines_b = a.splitlines(), b.splitlines()
    for number, (line_a, line_b) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
        if line_a != line_b:
            return f"line {number}: {shorten(line_a, line_b)}"
    if len(lines_a) != len(lines_b):
        common = min(len(lines_a), len(lines_b))
        extra = (lines_a if len(lines_a) > common else lines_b)[common][:MAX_SHOWN]
        return f"{len(lines_a)} vs {len(lines_b)} lines, the first extra line {common + 1}: {extra!r}"
    return "line endings or final newline differ"


def shorten(a: str, b: str) -> str:
    """Two differing lines, cut around their first differing character."""
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    begin = max(0, start - 40)
    cut_a, cut_b = a[begin : begin + MAX_SHOWN], b[begin : begin + MAX_SHOWN]
    prefix = "…" if begin else ""
    return f"{prefix}{cut_a!r} vs {prefix}{cut_b!r}"


def compare_text(relative: str, a: Tree, b: Tree) -> list[str]:
    """Differences of a text file after normalisation (bytes compared when it is not UTF-8)."""
    raw_a, raw_b = (a.path / relative).read_bytes(), (b.path / relative).read_bytes()
    try:
        text_a, text_b = raw_a.decode(), raw_b.decode()
    except UnicodeDecodeError:
        return [] if raw_a == raw_b else [f"{relative}: bytes differ (not UTF-8 text)"]
    norm_a, norm_b = a.normalise(text_a, relative), b.normalise(text_b, relative)
    return [] if norm_a == norm_b else [f"{relative}: {first_difference(norm_a, norm_b)}"]


def compare_parquet(relative: str, a: Tree, b: Tree) -> tuple[list[str], list[str]]:
    """Differences of two Parquet files as tables, and a note when only their bytes differ."""
    import pyarrow.parquet as pq

    same_bytes = (a.path / relative).read_bytes() == (b.path / relative).read_bytes()
    table_a, table_b = pq.read_table(a.path / relative), pq.read_table(b.path / relative)
    problems = []
    if not table_a.schema.equals(table_b.schema, check_metadata=True):
        if table_a.schema.equals(table_b.schema):
            problems.append(f"{relative}: schema metadata differs")
        else:
            problems.append(f"{relative}: schema differs: {table_a.schema} vs {table_b.schema}")
    elif table_a.num_rows != table_b.num_rows:
        problems.append(f"{relative}: {table_a.num_rows} vs {table_b.num_rows} rows")
    elif not table_a.equals(table_b):
        columns = [name for name in table_a.column_names if not table_a[name].equals(table_b[name])]
        problems.append(f"{relative}: values differ in columns {', '.join(columns)}")
    suffix = "bytes identical" if same_bytes else "bytes differ"
    if problems:
        problems = [f"{problems[0]} ({suffix})", *problems[1:]]
        return problems, []
    return [], [] if same_bytes else [f"note: {relative}: tables equal, bytes differ"]


def compare_png(relative: str, a: Tree, b: Tree) -> list[str]:
    """Differences of two PNG images, pixel by pixel."""
    import matplotlib.image
    import numpy as np

    image_a = matplotlib.image.imread(a.path / relative)
    image_b = matplotlib.image.imread(b.path / relative)
    if image_a.shape != image_b.shape or image_a.dtype != image_b.dtype:
        return [f"{relative}: image size differs: {image_a.shape} {image_a.dtype} vs {image_b.shape} {image_b.dtype}"]
    if np.array_equal(image_a, image_b):
        return []
    differing = np.argwhere((image_a != image_b).reshape(image_a.shape[0], image_a.shape[1], -1).any(axis=2))
    row, column = differing[0]
    return [f"{relative}: {len(differing)} pixels differ, the first at row {row}, column {column}"]


def compare_commands(a: Tree, b: Tree) -> list[str]:
    """Differences of ``commands.json``: the commands run, and each one's exit status, stdout and stderr."""
    commands_a = json.loads((a.path / COMMANDS_FILE).read_text())
    commands_b = json.loads((b.path / COMMANDS_FILE).read_text())
    by_name_a = {c["name"]: c for c in commands_a}
    by_name_b = {c["name"]: c for c in commands_b}
    problems = [f"{COMMANDS_FILE}: command only in {a.path}: {name}" for name in by_name_a if name not in by_name_b]
    problems += [f"{COMMANDS_FILE}: command only in {b.path}: {name}" for name in by_name_b if name not in by_name_a]
    for name, command_a in by_name_a.items():
        command_b = by_name_b.get(name)
        if command_b is None:
            continue
        where = f"{COMMANDS_FILE}: {name}"
        argv_a = [a.normalise(arg) for arg in command_a["argv"]]
        argv_b = [b.normalise(arg) for arg in command_b["argv"]]
        if argv_a != argv_b:
            problems.append(f"{where}: command line {argv_a} vs {argv_b}")
        if command_a["status"] != command_b["status"]:
            problems.append(f"{where}: exit status {command_a['status']} vs {command_b['status']}")
        for stream in ("stdout", "stderr"):
            text_a = a.normalise_output(name, command_a[stream])
            text_b = b.normalise_output(name, command_b[stream])
            if text_a != text_b:
                problems.append(f"{where}: {stream} {first_difference(text_a, text_b)}")
    return problems


def files(root: Path) -> set[str]:
    """Relative paths (POSIX) of every file under ``root`` except ``recording.json``."""
    found = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    return found - {RECORDING_FILE}


def compare(dir_a: Path, dir_b: Path, *, volatile: bool = True) -> int:
    """Compare two recordings; print one line per difference and a count.

    Returns:
        0 when they match, 1 when they differ, 2 when a folder is missing.
    """
    for folder in (dir_a, dir_b):
        if not folder.is_dir():
            print(f"golden: {folder} is not a folder", file=sys.stderr)
            return 2
    a, b = Tree.load(dir_a, volatile=volatile), Tree.load(dir_b, volatile=volatile)
    files_a, files_b = files(dir_a), files(dir_b)
    problems = [f"{p}: only in {dir_a}" for p in sorted(files_a - files_b)]
    problems += [f"{p}: only in {dir_b}" for p in sorted(files_b - files_a)]
    notes: list[str] = []
    checkers: dict[str, Callable[[str, Tree, Tree], list[str]]] = {".png": compare_png}
    for relative in sorted(files_a & files_b):
        suffix = Path(relative).suffix.lower()
        try:
            if relative == COMMANDS_FILE:
                problems += compare_commands(a, b)
            elif suffix == ".parquet":
                found, noted = compare_parquet(relative, a, b)
                problems += found
                notes += noted
            elif suffix in checkers:
                problems += checkers[suffix](relative, a, b)
            elif suffix in TEXT_SUFFIXES or Path(relative).name.startswith("."):
                problems += compare_text(relative, a, b)
            elif (dir_a / relative).read_bytes() != (dir_b / relative).read_bytes():
                problems.append(f"{relative}: bytes differ")
        except Exception as error:  # a file that cannot be read is a difference, not a crash
            problems.append(f"{relative}: could not be compared: {type(error).__name__}: {error}")
    for line in notes + problems:
        print(line)
    compared = len(files_a & files_b)
    print(f"{len(problems)} differences ({compared} files compared, {len(notes)} notes)")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``record OUTDIR`` or ``compare DIR_A DIR_B``."""
    parser = argparse.ArgumentParser(prog="python tools/golden.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    record_parser = commands.add_parser("record", help="record golden outputs of the checkout in the current folder")
    record_parser.add_argument("outdir", type=Path, help="new folder for the recording")
    compare_parser = commands.add_parser("compare", help="compare two recordings")
    compare_parser.add_argument("dir_a", type=Path)
    compare_parser.add_argument("dir_b", type=Path)
    compare_parser.add_argument(
        "--locations-only",
        action="store_true",
        help="normalise only the recordings' and checkouts' paths, not the volatile values (to see them)",
    )
    args = parser.parse_args(argv)
    if args.command == "record":
        return record(args.outdir)
    return compare(args.dir_a, args.dir_b, volatile=not args.locations_only)


if __name__ == "__main__":
    sys.exit(main())
