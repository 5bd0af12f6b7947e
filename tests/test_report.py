"""`eujsim report`: one self-contained HTML page of a run, comparison or sweep folder, checked in Chromium."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.base.calendar import parse_quarter, quarter_label
from simulator.inputs.calibration import default_calibration
from simulator.inputs.shocklib import default_library
from simulator.reports.report import PNG_SIGNATURE, build_report, parameters_html, png_size, touched_parameters
from simulator.runs.run_folder import open_run

from .browser import CHROMIUM_ARGS
from .conftest import SCENARIOS, cli_error, eujsim, make_scenario

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER_TIMEOUT = 120


class Page(HTMLParser):
    """Every tag with its attributes, and the text, of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def images(text: str) -> list[bytes]:
    """The decoded PNG of every ``<img>``, checking that each is an inline PNG with alt text."""
    found = []
    for attrs in Page(text).all("img"):
        src = attrs.get("src") or ""
        assert src.startswith("data:image/png;base64,"), src[:60]
        assert (attrs.get("alt") or "").strip(), "every image needs alt text"
        data = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert data.startswith(PNG_SIGNATURE)
        width, height = png_size(data)
        assert (str(width), str(height)) == (attrs.get("width"), attrs.get("height"))
        found.append(data)
    return found


def assert_self_contained(text: str) -> None:
    page = Page(text)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = (attrs.get(name) or "").strip()
            if not value:
                continue
            if name == "href":
                assert value.startswith("#"), f"<{tag} href={value}> leaves the page"
            else:
                assert value.startswith("data:"), f"<{tag} {name}={value[:40]}> is not inline"
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", text, re.I)
    assert not page.all("script") and not page.all("link") and not page.all("iframe")
    assert "@import" not in text and "url(" not in text
    assert page.all("meta")[1]["http-equiv"] == "Content-Security-Policy"


def run_into(folder: Path, *argv: object) -> str:
    status, out, err = eujsim("run", *argv, "--out", folder)
    assert status == 0, err
    return out


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> tuple[Path, str]:
    """A real run of the default scenario with plots, and what `eujsim run` printed."""
    folder = tmp_path_factory.mktemp("run") / "us_retrenchment"
    printed = run_into(folder, SCENARIOS / "us_retrenchment.yaml", "--replicates", 20)
    return folder, printed


@pytest.fixture(scope="module")
def run_report(run_folder) -> str:
    folder, _ = run_folder
    status, out, err = eujsim("report", folder)
    assert status == 0, err
    assert out.strip() == str(folder / "report.html")
    return (folder / "report.html").read_text(encoding="utf-8")


def test_a_run_report_is_self_contained_with_every_plot_inline(run_folder, run_report):
    folder, _ = run_folder
    assert_self_contained(run_report)
    plots = sorted((folder / "plots").glob("*.png"))
    assert len(plots) == 4
    embedded = images(run_report)
    assert len(embedded) == len(plots) + 1, "the four plots and the explanation's figure"
    for plot in plots:
        assert plot.read_bytes() in embedded, f"{plot.name} is not in the report"
    page = Page(run_report)
    assert [a.get("href") for a in page.all("a")] == [f"#{s['id']}" for s in page.all("section")]
    assert len(page.all("caption")) == len(page.all("table"))
    for figure_caption in ("mean over replicates with the band holding 90%", "nine domains", "threat perception"):
        assert figure_caption in run_report


def test_a_run_report_states_the_headline_numbers_as_eujsim_run_printed_them(run_folder, run_report):
    _, printed = run_folder
    finals = re.search(r"final (\d\.\d\d \(90% interval [\d.]+–[\d.]+\))", printed)
    peak = re.search(r"peak  (\d\.\d\d \(90% interval [\d.]+–[\d.]+\), mean path highest in \d{4}Q\d)", printed)
    start = re.search(r"start (\d\.\d\d)", printed)
    movers = re.search(r"Largest changes since \d{4}Q\d \([^)]*\): (.+)", printed)
    deepest = re.search(r"Deepest domains +(.+)", printed)
    assert finals and peak and start and movers and deepest, printed
    assert finals.group(1) in run_report
    assert peak.group(1) in run_report
    assert f"<dd>{start.group(1)} (90% interval" in run_report
    assert movers.group(1).strip() in run_report
    from simulator.core.structure import DOMAIN_LABELS

    for item in deepest.group(1).split(", "):
        domain, value = item.rsplit(" ", 1)
        assert domain in DOMAIN_LABELS.values()
        assert f'<td>{escape(domain)}</td><td class="num">{value}</td>' in run_report


def test_a_run_report_lists_the_shocks_events_and_the_sources_of_what_they_touch(run_folder, run_report):
    folder, _ = run_folder
    scenario = open_run(folder).scenario
    calibration = default_calibration()
    kind = default_library()["us_retrenchment"]
    assert "US retrenchment" in run_report and "2025Q2" in run_report
    assert escape(kind.source.cite) in run_report and escape(kind.quote) in run_report
    touched = touched_parameters(scenario)
    assert set(touched) == {e.target for e in scenario.shocks[0].effects}
    prominent = run_report.split("<details>", 1)[0]
    for path in touched:
        param = calibration[path]
        assert f"<td>{path}</td><td>{escape(param.meaning)}</td>" in prominent, "the meaning sits beside the path"
        assert escape(param.quote or param.assumption or "") in prominent
        assert f"{param.low:g}–{param.high:g}" in prominent
    full = run_report.split("<details>", 1)[1]
    assert all(f"<td>{escape(p)}</td>" in full for p in calibration), "the full calibration table is incomplete"
    events = pd.read_csv(folder / "events.csv")
    operational = events[events["name"] == "coop_EU_JPN_maritime>=0.55"]
    share = operational["replicate"].nunique() / 20
    assert f'EU–JPN maritime reaches 0.55 (operational)</td><td class="num">{share:.0%}</td>' in run_report
    assert "Random episodes drawn, by actor and type" in run_report
    assert run_report.count("<tr>") < 400, "episodes must be summarised, not listed"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["git_commit"] in run_report and manifest["created_utc"] in run_report
    assert "--replicates 20" in run_report


def test_the_parameter_tables_say_what_each_parameter_is():
    calibration = default_calibration()
    html = parameters_html(make_scenario(parameters={"JPN.deference": 0.3}))
    prominent, full = html.split("<details>", 1)
    assert '<th scope="col">what it is</th>' in prominent
    deference = calibration["JPN.deference"]
    assert f"<td>JPN.deference</td><td>{escape(deference.meaning)}</td><td>set to 0.3 by the scenario</td>" in prominent
    assert "JPN.constraint" not in prominent
    assert '<th scope="col">what it is</th>' in full
    for p in calibration.values():
        assert f"<td>{escape(p.path)}</td><td>{escape(p.meaning)}</td>" in full, p.path


def test_a_run_report_explains_the_run(run_folder, run_report):
    from simulator.evaluation.explain import explain_run

    folder, _ = run_folder
    explanation = explain_run(open_run(folder))
    section = run_report.split('id="explanation"', 1)[1].split("</section>", 1)[0]
    for sentence in explanation.sentences:
        assert escape(sentence) in section
    assert len(images(section)) == 1
    for label in explanation.totals["label"]:
        assert f"<td>{escape(str(label))}</td>" in section


def test_reports_of_the_same_folder_are_identical(run_folder, run_report, tmp_path):
    folder, _ = run_folder
    status, _, err = eujsim("report", folder, "--out", tmp_path / "again.html")
    assert status == 0, err
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == run_report


def test_hostile_text_is_escaped(tmp_path):
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(
        "name: hostile\n"
        "description: 'Ends </p><script>alert(1)</script> & <b>bold</b> \"quoted\"'\n"
        "horizon: 6\nreplicates: 3\n"
        "shocks:\n  - {kind: us_retrenchment, at: 2025Q2, name: '<img src=x onerror=alert(2)>'}\n",
        encoding="utf-8",
    )
    run_into(tmp_path / "run", scenario, "--no-plots")
    text = build_report(tmp_path / "run")
    assert "<script>" not in text and "<img src=x" not in text and "<b>bold" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot;" in text
    assert "&lt;img src=x onerror=alert(2)&gt;" in text
    assert_self_contained(text)
    assert len(images(text)) == 1, "the explanation's figure only"
    assert "no plots" in text


def test_a_report_is_never_replaced_without_force(run_folder, tmp_path):
    folder, _ = run_folder
    out = tmp_path / "r.html"
    status, _, err = eujsim("report", folder, "--out", out)
    assert status == 0, err
    first = out.read_text(encoding="utf-8")
    message = cli_error("report", folder, "--out", out)
    assert "already exists" in message and "--force" in message
    assert out.read_text(encoding="utf-8") == first
    status, printed, err = eujsim("report", folder, "--out", out, "--force")
    assert status == 0, err
    assert printed.strip() == str(out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [p for p in tmp_path.iterdir() if p.name != "r.html"], "a temporary file was left behind"


def test_force_never_replaces_a_file_that_is_not_an_earlier_report(run_folder, tmp_path):
    folder, _ = run_folder
    mine = tmp_path / "r.html"
    mine.write_text("<!DOCTYPE html><p>my own page</p>", encoding="utf-8")
    message = cli_error("report", folder, "--out", mine, "--force")
    assert "is not a report eujsim wrote" in message and "choose another --out" in message
    assert mine.read_text(encoding="utf-8") == "<!DOCTYPE html><p>my own page</p>"


def test_mistakes_are_one_line(tmp_path, run_folder):
    folder, _ = run_folder
    assert "not found" in cli_error("report", tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    message = cli_error("report", tmp_path / "empty")
    assert "scenario.yaml" in message and "compare.json" in message and "worlds.parquet" in message
    (tmp_path / "file.txt").write_text("x")
    assert "is a file" in cli_error("report", tmp_path / "file.txt")
    assert "is a folder" in cli_error("report", folder, "--out", tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken, ignore=shutil.ignore_patterns("report.html"))
    (broken / "plots" / "threats.png").write_bytes(b"not a png")
    assert "threats.png" in cli_error("report", broken)
    (broken / "plots" / "threats.png").unlink()
    (broken / "events.csv").write_text('replicate,step\n1,"unterminated\n', encoding="utf-8")
    assert "broken" in cli_error("report", broken)
    compare = tmp_path / "cmp"
    compare.mkdir()
    (compare / "compare.json").write_text("{not json", encoding="utf-8")
    assert "compare.json" in cli_error("report", compare)
    assert not (compare / "report.html").exists() and not (broken / "report.html").exists()


# -- comparisons ------------------------------------------------------------------


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory, run_folder) -> Path:
    """A real `eujsim compare` of the baseline scenario file (run for it) against a saved retrenchment run."""
    folder = tmp_path_factory.mktemp("compare") / "cmp"
    status, _, err = eujsim("compare", SCENARIOS / "baseline.yaml", run_folder[0], "--out", folder)
    assert status == 0, err
    return folder


def test_a_comparison_report_shows_the_table_domains_plots_and_each_run(compare_folder):
    status, _, err = eujsim("report", compare_folder)
    assert status == 0, err
    text = (compare_folder / "report.html").read_text(encoding="utf-8")
    assert_self_contained(text)
    embedded = images(text)
    assert len(embedded) == 3 + 2, "three compare plots and each run's explanation figure"
    for name in ("overlay", "difference", "domains"):
        assert (compare_folder / "plots" / f"{name}.png").read_bytes() in embedded
    spec = json.loads((compare_folder / "compare.json").read_text())
    assert spec["paired"] and "paired: replicate r" in text
    for item in spec["inputs"]:
        assert escape(item["description"]) in text
    table = pd.read_csv(compare_folder / "table.csv")
    shown = text.split('id="table"', 1)[1].split("</section>", 1)[0]
    others = table[table["scenario"] != spec["baseline"]]
    final = others[others["statistic"] == "final"].iloc[0]
    assert f"{final.diff_mean:+.3f}" in shown and f"{final.diff_p5:+.3f} to {final.diff_p95:+.3f}" in shown
    flagged = others.dropna(subset=["diff_mean"])
    assert shown.count("within noise</span>") == int(flagged["within_noise"].astype(bool).sum())
    assert shown.count("distinguishable") == int((~flagged["within_noise"].astype(bool)).sum())
    crossing = others[others["statistic"] == "first_crossing"].iloc[0]
    if not np.isnan(crossing["mean"]):  # a first crossing is shown as a calendar quarter
        first = parse_quarter(spec["window"][0])
        assert quarter_label(first + round(crossing["mean"]) - 1) in shown
    domains = text.split('id="domains"', 1)[1].split("</section>", 1)[0]
    assert "hybrid threats / FIMI" in domains
    for item in spec["inputs"]:
        label = item["label"]
        run_path = compare_folder / "runs" / label if item["source"] == "scenario" else Path(item["path"])
        anchor = "run-" + "".join(c if c.isalnum() else "-" for c in label)
        section = text.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
        final_level = open_run(run_path).series("coop_EU_JPN")[-1]
        assert f"{final_level.mean():.2f} (90% interval" in section
        assert "Final EU–Japan cooperation per domain" in section
    assert spec["git_commit"] in text and "eujsim compare" in text


def test_a_comparison_report_finds_run_folders_whose_label_is_no_folder_name(tmp_path):
    folder = tmp_path / "cmp"
    scenario = SCENARIOS / "baseline.yaml"
    status, _, err = eujsim("compare", scenario, scenario, "--replicates", 5, "--no-plots", "--out", folder)
    assert status == 0, err
    spec = json.loads((folder / "compare.json").read_text())
    second = spec["inputs"][1]
    assert second["label"] == "baseline (2)" and second["run_folder"] != f"runs/{second['label']}"
    text = build_report(folder)
    assert "No run folder of this input" not in text
    section = text.split('id="run-baseline--2-"', 1)[1].split("</section>", 1)[0]
    assert "Final EU–Japan cooperation per domain" in section


def test_a_comparison_report_finds_a_run_given_by_a_relative_path_from_anywhere(run_folder, tmp_path, monkeypatch):
    """A saved run named relative to where compare ran is still found when the report runs elsewhere."""
    monkeypatch.chdir(run_folder[0].parent)
    folder = tmp_path / "cmp"
    status, _, err = eujsim("compare", SCENARIOS / "baseline.yaml", run_folder[0].name, "--no-plots", "--out", folder)
    assert status == 0, err
    monkeypatch.chdir(tmp_path)
    assert "No run folder of this input" not in build_report(folder)


def test_a_comparison_without_its_tables_is_refused(compare_folder, tmp_path):
    damaged = tmp_path / "cmp"
    shutil.copytree(compare_folder, damaged, ignore=shutil.ignore_patterns("report.html", "runs"))
    (damaged / "table.csv").unlink()
    assert "table.csv" in cli_error("report", damaged)


# -- sweeps -------------------------------------------------------------------------


def test_a_sweep_report_shows_the_design_point_means_and_plots(tmp_path):
    from simulator.sweeps.analysis import analyze
    from simulator.sweeps.experiment import load_experiment
    from simulator.sweeps.sweep import run_sweep

    from .test_sweep import small_experiment, write_experiment

    experiment = load_experiment(write_experiment(tmp_path, small_experiment(description="A <small> sweep")))
    result = run_sweep(experiment, tmp_path / "sweep", workers=1, progress=False)
    analyze(result)
    text = build_report(tmp_path / "sweep")
    assert_self_contained(text)
    plots = sorted((tmp_path / "sweep" / "plots").glob("*.png"))
    assert plots and len(images(text)) == len(plots)
    assert "A &lt;small&gt; sweep" in text
    assert "6 points × 3 replicates = 18 worlds" in text
    means = pd.read_csv(tmp_path / "sweep" / "indices" / "point_means.csv")
    assert f"{means['coop_EU_JPN:final'].iloc[0]:.4g}" in text
    # no shortfall: the one warning is the quick spin-up's, below its documented range
    assert text.count("Warning") == 1
    assert "Outside documented ranges: model.spinup_quarters=20 (40–120)" in text


def test_a_sweep_report_warns_when_the_tables_miss_worlds(tmp_path):
    import pyarrow.parquet as pq

    from simulator.sweeps.sweep import run_sweep

    from .test_sweep import fail_on_chunk_two, small_experiment, write_experiment

    experiment = write_experiment(tmp_path, small_experiment())
    run_sweep(experiment, tmp_path / "whole", workers=1, progress=False)
    table = pq.read_table(tmp_path / "whole" / "worlds.parquet")
    pq.write_table(table.slice(0, 5), tmp_path / "whole" / "worlds.parquet")
    text = build_report(tmp_path / "whole")
    assert (
        "<strong>Warning:</strong> the manifest says the sweep is complete but worlds.parquet holds 5 worlds where "
        "the design has 18 (6 points x 3 replicates)" in text
    )
    run_sweep(
        experiment, tmp_path / "failed", workers=1, chunk_worlds=3, progress=False, chunk_function=fail_on_chunk_two
    )
    text = build_report(tmp_path / "failed")
    assert "<strong>Warning:</strong> the sweep is incomplete (status &#x27;failed&#x27;): 15 of its 18 worlds" in text


# -- the page in a real browser -------------------------------------------------------

CHECKER = """<script>
var violations = 0;
document.addEventListener('securitypolicyviolation', function () { violations += 1; });
window.addEventListener('load', function () {
  var all = Array.prototype.slice.call(document.images);
  var loaded = all.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', all.length + '/' + loaded + '/' + violations);
});
</script>"""


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "no Chromium on PATH (looked for chromium, chromium-browser, google-chrome); install it to check that "
        "reports render, e.g. `apt-get install chromium` on Debian or `brew install --cask chromium` on macOS"
    )


def headless(executable: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    profile.mkdir()
    command = [
        executable,
        *CHROMIUM_ARGS,
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Chromium did not finish within {BROWSER_TIMEOUT} s: {' '.join(command)}")
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def rendered_images(executable: str, report: Path, work: Path) -> tuple[int, int, int]:
    """(images, images loaded, blocked fetches) as Chromium reports them for a copy of ``report`` with the checker."""
    text = report.read_text(encoding="utf-8")
    policy = "img-src data:; style-src 'unsafe-inline'"
    assert policy in text
    probe = text.replace(policy, policy + "; script-src 'unsafe-inline'", 1).replace("</head>", CHECKER + "</head>", 1)
    copy = work / f"probe-{report.stem}.html"
    copy.write_text(probe, encoding="utf-8")
    done = headless(
        executable, work / f"profile-{report.stem}", "--virtual-time-budget=10000", "--dump-dom", copy.as_uri()
    )
    found = re.search(r'data-images="(\d+)/(\d+)/(\d+)"', done.stdout)
    assert found, f"the checker did not run; Chromium printed: {done.stdout[:500]} {done.stderr[-1000:]}"
    return tuple(int(g) for g in found.groups())  # type: ignore[return-value]


def test_chromium_renders_the_report_with_every_image(run_folder, run_report, tmp_path):
    executable = browser()
    folder, _ = run_folder
    report = folder / "report.html"
    expected = len(images(run_report))
    assert rendered_images(executable, report, tmp_path) == (expected, expected, 0)
    shot = tmp_path / "report.png"
    headless(
        executable,
        tmp_path / "profile-shot",
        "--hide-scrollbars",
        "--window-size=1280,3000",
        f"--screenshot={shot}",
        report.as_uri(),
    )
    assert png_size(shot.read_bytes()) == (1280, 3000)
    # the check is not vacuous: an image from outside the page is blocked and counted as not loaded
    outside = tmp_path / "outside.html"
    outside.write_text(
        run_report.replace("</main>", '<img src="https://example.invalid/x.png" alt="outside"></main>', 1),
        encoding="utf-8",
    )
    total, loaded, blocked = rendered_images(executable, outside, tmp_path)
    assert (total, loaded) == (expected + 1, expected) and blocked >= 1


def test_a_run_folder_with_shocks_but_no_twin_says_the_effect_is_not_in_it():
    """The report words the missing twin as a folder's own (not as a call to simulate it), and shows no effect."""
    from types import SimpleNamespace

    from simulator.reports.report import NO_TWIN_IN_FOLDER, effect_html

    folder = SimpleNamespace(twin=None, scenario=SimpleNamespace(shocks=("a shock",)), path=Path("run"))
    assert escape(NO_TWIN_IN_FOLDER) in effect_html(folder)
