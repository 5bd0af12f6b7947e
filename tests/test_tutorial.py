"""docs/tutorial.ipynb runs from top to bottom and shows the reader what it says it shows.

The notebook is executed once, with nbclient and this interpreter's ipykernel, in an empty
working folder and with an empty temporary folder of its own; the tests then read its outputs
and the files it wrote: no cell failed or warned, the shocks' effect is stated with its interval
and agrees with the saved run, the plots were written and shown, the scenario and experiment it
wrote pass `eujsim validate`, the sweep stays inside the documented ranges, and nothing was written
outside the notebook's own folder. The committed notebook carries no outputs, every command it
shows parses, and every page it links to exists.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from simulator.cli.parser import build_parser
from simulator.core.structure import DOMAIN_LABELS
from simulator.inputs.documented_ranges import MANIFEST_KEY

from .conftest import eujsim

WHY = "the tutorial test executes docs/tutorial.ipynb with nbclient, nbformat and ipykernel (pip install -e '.[dev]')"
nbclient = pytest.importorskip("nbclient", reason=WHY)
nbformat = pytest.importorskip("nbformat", reason=WHY)
pytest.importorskip("ipykernel", reason=WHY)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
CELL_TIMEOUT = 300
"""Seconds one cell may take; the whole notebook takes about 20 s on two cores."""
WHOLE_RUN = 180
"""Seconds the whole notebook may take: it promises "well under a minute", with room here for a busy machine."""
CHECK_CELL = "import sys, simulator\nprint('kernel:', sys.executable)\nprint('simulator:', simulator.__file__)"
"""Appended to the executed copy only: which interpreter ran the notebook, and which simulator it imported."""
PLOTS = (
    "retrenchment_hormuz/plots/coop_eu_jpn.png",
    "retrenchment_hormuz/explain/contributions.png",
    "compare/plots/difference.png",
    "abandonment_weight/plots/phase_diagram.png",
)
"""The plots the notebook shows, relative to its folder."""
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Executed:
    notebook: nbformat.NotebookNode
    cwd: Path
    temp: Path
    seconds: float

    @property
    def work(self) -> Path:
        """The folder the notebook made for itself (``tempfile.mkdtemp`` in its temporary folder)."""
        (folder,) = self.temp.glob("eujsim-tutorial-*")
        return folder

    def outputs(self, kind: str | None = None) -> list[nbformat.NotebookNode]:
        cells = [cell for cell in self.notebook.cells if cell.cell_type == "code"]
        return [o for cell in cells for o in cell.outputs if kind is None or o.get("name") == kind]

    def text(self, cell_start: str | None = None) -> str:
        """Everything printed or displayed as text, by every cell or by the cell whose source starts so."""
        parts = []
        for cell in self.notebook.cells:
            if cell.cell_type != "code" or (cell_start and not cell.source.startswith(cell_start)):
                continue
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stdout":
                    parts.append(output.text)
                elif output.output_type in {"execute_result", "display_data"}:
                    parts.append(output.data.get("text/plain", ""))
        return "".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Executed:
    base = tmp_path_factory.mktemp("tutorial")
    cwd, temp = base / "cwd", base / "tmp"
    cwd.mkdir()
    temp.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    path = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": os.pathsep.join(path)}
    client = nbclient.NotebookClient(
        notebook, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    start = time.perf_counter()
    client.execute(env=env)  # a failing cell raises CellExecutionError with its traceback
    return Executed(notebook, cwd, temp, time.perf_counter() - start)


# -- the committed file --------------------------------------------------------------------


def test_the_committed_notebook_is_valid_and_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "the tutorial has no code cells"
    stale = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not stale, f"cells {stale} carry outputs: clear them before committing, so that diffs stay small"
    assert notebook.metadata.kernelspec.name == "python3"


def _markdown(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def _shown_commands(markdown: str) -> list[str]:
    """Every ``eujsim …`` command in the markdown: lines of code blocks and inline code."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", markdown, flags=re.DOTALL):
        commands += [line.strip() for line in block.splitlines() if line.strip().startswith("eujsim ")]
    commands += re.findall(r"`(eujsim [^`]+)`", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL))
    return commands


def test_every_command_the_tutorial_shows_parses():
    commands = _shown_commands(_markdown(nbformat.read(NOTEBOOK, as_version=4)))
    assert {"validate", "run", "explain", "compare", "sweep", "shocks", "params"} <= {c.split()[1] for c in commands}
    parser = build_parser()
    names = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for command in commands:
        words = shlex.split(command)[1:]
        if len(words) == 1:  # the command named in a sentence ("`eujsim run` also simulates …")
            assert words[0] in names, f"the tutorial names a command eujsim does not have: {command}"
            continue
        try:
            parser.parse_args(words)
        except SystemExit:
            pytest.fail(f"the tutorial shows a command eujsim does not accept: {command}")


def test_every_page_the_tutorial_links_to_exists():
    markdown = _markdown(nbformat.read(NOTEBOOK, as_version=4))
    links = [t for t in re.findall(r"\]\(([^)\s]+)\)", markdown) if not re.match(r"[a-z]+:", t)]
    assert links, "the tutorial links to no page"
    missing = [t for t in links if not (NOTEBOOK.parent / t.split("#")[0]).exists()]
    assert not missing, f"docs/tutorial.ipynb links to pages that do not exist: {missing}"


# -- the executed notebook -----------------------------------------------------------------


def test_every_cell_ran_without_an_error_or_a_warning(executed):
    cells = [cell for cell in executed.notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in cells)
    assert not [o for o in executed.outputs() if o.output_type == "error"]
    stderr = "".join(o.text for o in executed.outputs("stderr"))
    assert "warning" not in stderr.lower(), f"the reader would see a warning:\n{stderr}"
    assert "Traceback" not in stderr
    assert executed.seconds < WHOLE_RUN, f"the notebook took {executed.seconds:.0f} s"


def test_the_kernel_is_this_interpreter_and_imports_this_checkout(executed):
    lines = dict(line.split(": ", 1) for line in executed.text(CHECK_CELL).splitlines())
    assert lines["kernel"] == sys.executable
    assert Path(lines["simulator"]).resolve().is_relative_to(ROOT)


def test_the_shocks_effect_is_stated_with_its_interval_and_matches_the_saved_run(executed):
    summary = " ".join(executed.text("result = simulator.run(").split())
    stated = re.search(
        r"The shocks (raised|lowered) final EU–Japan cooperation by (\d\.\d{3}) "
        r"\(90% of worlds ([+-]\d\.\d{3}) to ([+-]\d\.\d{3})\) against the same worlds without them",
        summary,
    )
    assert stated, summary
    printed = re.search(
        r"Effect of the shocks on final EU–Japan cooperation: ([+-]\d\.\d{3}) "
        r"\(90% of worlds ([+-]\d\.\d{3}) to ([+-]\d\.\d{3})\), over \d+ paired worlds\.",
        executed.text("effect = result.shock_effect()"),
    )
    assert printed
    effect, low, high = (float(x) for x in printed.groups())
    sign = 1 if stated.group(1) == "raised" else -1
    assert (sign * float(stated.group(2)), float(stated.group(3)), float(stated.group(4))) == (effect, low, high)

    run = executed.work / "retrenchment_hormuz"
    final = {}
    for name in ("timeseries.csv", "twin_timeseries.csv"):
        table = pd.read_csv(run / name)
        final[name] = table[table["step"] == table["step"].max()].set_index("replicate")["coop_EU_JPN"]
    difference = final["timeseries.csv"] - final["twin_timeseries.csv"]
    rounding = 0.0005 + 1e-6  # printed with three decimals, from tables written with six significant digits
    assert difference.mean() == pytest.approx(effect, abs=rounding)
    assert difference.quantile(0.05) == pytest.approx(low, abs=rounding)
    assert difference.quantile(0.95) == pytest.approx(high, abs=rounding)
    assert "the smallest effect that matters" in executed.text("effect = result.shock_effect()")
    table = executed.text("effect = result.shock_effect()")
    assert all(label in table for label in DOMAIN_LABELS.values()), "the effect per domain is not shown"


def test_the_explanation_says_what_the_tutorial_says_it_says(executed):
    explained = " ".join(executed.text("from simulator.evaluation.explain import").split())
    assert "Against the same worlds without the shocks (US retrenchment, Hormuz closure)" in explained
    # step 5 starts from this: the shocks raised cooperation mostly through fear the US leaves
    assert re.search(r"of that effect, fear the US leaves pushed up \(by \d\.\d{3}\)", explained), explained
    assert "Categories:" in explained


def test_the_comparison_and_the_sweep_are_read_against_the_smallest_effect_that_matters(executed):
    assert "difference to baseline (90% interval)" in executed.text("from simulator.evaluation.compare import")
    assert re.search(
        r"The Hormuz closure's largest effect on EU–Japan cooperation: [+-]\d\.\d{3} in \d{4}Q\d", executed.text()
    )
    assert "the smallest effect that matters" in executed.text("difference = comparison.difference")
    swept = executed.text("final = analysis.point_means")
    assert "full retrenchment changes final cooperation by" in swept
    assert "the smallest effect that matters" in swept


def test_the_plots_are_written_and_shown(executed):
    shown = [
        base64.b64decode(o.data["image/png"])
        for o in executed.outputs()
        if o.output_type == "display_data" and "image/png" in o.data
    ]
    written = [(executed.work / plot).read_bytes() for plot in PLOTS]
    assert all(data.startswith(PNG) and len(data) > 10_000 for data in written)
    assert shown == written, "the notebook does not show the plots it wrote, in this order"


def test_the_files_the_notebook_wrote_pass_eujsim_validate(executed):
    scenario, experiment = executed.work / "retrenchment_hormuz.yaml", executed.work / "abandonment_weight.yaml"
    status, out, err = eujsim("validate", scenario, experiment)
    assert status == 0, err
    assert err == "", f"validate warned: {err}"
    assert out.count("OK ") == 2
    assert "us_retrenchment@2025Q2, hormuz_closure@2027Q1" in out

    status, out, err = eujsim("validate", executed.work / "typo.yaml")
    assert status == 2
    shown = executed.text("typo_file = ").strip()
    assert shown == err.strip(), "the notebook shows another message than eujsim validate for the same mistake"


def test_the_sweep_stays_within_the_documented_ranges(executed):
    assert "Every value the sweep sets lies within its parameter's documented range." in executed.text()
    manifest = json.loads((executed.work / "abandonment_weight" / "manifest.json").read_text(encoding="utf-8"))
    assert not manifest.get(MANIFEST_KEY)
    assert "documented range" not in "".join(o.text for o in executed.outputs("stderr"))


def test_nothing_is_written_outside_the_notebooks_own_folder(executed):
    assert not any(executed.cwd.iterdir()), "the notebook wrote into its working folder"
    assert [p.name for p in executed.temp.iterdir()] == [executed.work.name]
    assert f"This notebook writes into {executed.work}" in executed.text()
