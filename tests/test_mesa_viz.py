"""The SolaraViz page of MesaModel: Reset and Step work, in Solara's test renderer and in headless Chromium.

The first tests render the page as Mesa tests its own SolaraViz (``solara.render`` and clicks on
the ipyvuetify buttons), inside an AppLayout so that the sidebar with the controls is rendered
too. The last one serves ``docs/examples/mesa_solara_app.py`` with ``solara run`` and drives it
in real headless Chromium through Playwright: the controls and three plots show, Step and Reset
work, and no request leaves this machine, not even the server's own for the CDN files that
Solara otherwise fetches on first use (``solara-assets`` ships them; the test points Solara's CDN
at a closed local port so that a missing one fails instead of being fetched).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

solara = pytest.importorskip("solara", reason="the SolaraViz page needs the viz extra: pip install 'eujsim[viz]'")
ipywidgets = pytest.importorskip("ipywidgets")
v = pytest.importorskip("ipyvuetify")

from mesa.visualization.solara_viz import split_model_params  # noqa: E402

from simulator.runs.mesa_model import NAMED_PARAMETERS, MesaModel  # noqa: E402
from simulator.runs.mesa_viz import COMPONENTS, model_params, page  # noqa: E402

from .browser import CHROMIUM_ARGS, chromium, free_port, local_server  # noqa: E402
from .conftest import ROOT, python_blocks, run_script  # noqa: E402

APP = ROOT / "docs" / "examples" / "mesa_solara_app.py"
SERVER_START = 90
"""Seconds the Solara server may take to answer (it imports the simulator, Mesa and Solara first)."""
CONTROLS = ("scenario", "replicates (worlds)", "base seed", "JPN.deference", "with the scenario's shocks")
"""Labels of the page's own controls (model parameters), which the browser must show."""
PAGE_WAIT = 60_000
"""Milliseconds the browser may wait for the page's controls and plots."""


def rendered(reactive):
    """The page of ``reactive``'s model rendered in an AppLayout (whose sidebar holds the controls)."""
    _, rc = solara.render(solara.AppLayout(children=[page(model=reactive)]), handle_error=False)
    return rc


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def images(rc) -> list[bytes]:
    return [bytes(widget.value) for widget in rc.find(ipywidgets.Image).widgets]


def control(rc, kind, label: str):
    return next(widget for widget in rc.find(kind).widgets if widget.label == label)


def test_step_and_reset_work_and_reset_uses_the_controls():
    reactive = solara.reactive(MesaModel("us_retrenchment", replicates=4))
    rc = rendered(reactive)
    first = reactive.value
    before = images(rc)
    assert len(before) == len(COMPONENTS)

    click(rc, "Step")
    assert reactive.value is first
    assert first.steps == 1
    assert all(old != new for old, new in zip(before, images(rc), strict=True))  # every plot was redrawn

    control(rc, v.Slider, "replicates (worlds)").v_model = 7
    control(rc, v.Slider, "base seed").v_model = 12
    control(rc, v.Checkbox, "with the scenario's shocks").v_model = False
    control(rc, v.Select, "scenario").v_model = "baseline"
    click(rc, "Reset")
    fresh = reactive.value
    assert fresh is not first
    assert (fresh.steps, fresh.n_worlds, fresh.spec.seed, fresh.shocks) == (0, 7, 12, False)
    assert fresh.spec.name == "baseline"
    assert fresh.scenario is not None  # Mesa's Scenario object, passed by Reset, was accepted

    click(rc, "Step")
    assert fresh.steps == 1
    assert not rc.find(v.Alert).widgets  # no error shown


def test_stepping_past_the_horizon_in_one_click_stops_at_the_horizon():
    reactive = solara.reactive(MesaModel("us_retrenchment", replicates=2))
    rc = rendered(reactive)
    control(rc, v.Slider, "Render Interval (steps)").v_model = 45  # more quarters per click than the scenario has
    with pytest.warns(RuntimeWarning, match="ends after 40 quarters"):
        click(rc, "Step")
    model = reactive.value
    assert model.steps == model.horizon == 40
    assert not model.running
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
    assert len(model.datacollector.get_model_vars_dataframe()) == 41


def test_controls_start_at_the_models_own_values_and_keep_its_other_choices(tmp_path):
    path = tmp_path / "own.yaml"
    path.write_text('name: own\nhorizon: 4\nreplicates: 2\nseed: 5\nparameters: {"JPN.deference": 0.35}\n')
    model = MesaModel(path, overrides={"USA.commitment_indo_pacific": 0.6, "model__weight_abandonment": 0.5})
    params = model_params(model)
    assert params["scenario_file"]["value"] == str(path)
    assert params["scenario_file"]["values"][0] == str(path)
    assert "baseline" in params["scenario_file"]["values"]
    assert params["replicates"]["value"] == 2
    assert params["seed"]["value"] == 5
    assert params["jpn_deference"]["value"] == 0.35
    assert params["weight_abandonment"]["value"] == 0.5
    assert params["overrides"] == {"USA.commitment_indo_pacific": 0.6}  # the slider carries the other one
    adjustable, fixed = split_model_params(params)  # as Mesa's ModelCreator reads them for Reset
    rebuilt = MesaModel(**fixed, **{key: control["value"] for key, control in adjustable.items()})
    model.run_model()
    rebuilt.run_model()
    assert np.array_equal(rebuilt.recorder.values, model.recorder.values)  # Reset untouched: the same worlds


def test_no_slider_pins_a_parameter_the_ensemble_varies():
    model = MesaModel("baseline", replicates=3, ensemble="calibrated", eu_entrapment_aversion=0.4)
    varied = set(model.spec.ensemble.parameters)
    params = model_params(model)
    assert params["ensemble"] == "calibrated"
    assert "eu_entrapment_aversion" in params  # the model sets it, so the slider only keeps that
    for keyword, path in NAMED_PARAMETERS.items():
        if keyword != "eu_entrapment_aversion":
            assert (keyword in params) == (path not in varied), keyword


def test_a_model_and_keywords_together_are_refused():
    with pytest.raises(TypeError, match="not both"):
        page(model=MesaModel(replicates=2), replicates=3)


# -- in a real browser ---------------------------------------------------------------------------


@contextlib.contextmanager
def solara_server(folder: Path):
    """``solara run`` on the example app, answering on localhost; yields its address and log, stops it after."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/",  # a closed port: a file not in solara-assets fails
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    log = folder / "server.log"
    command = [sys.executable, "-m", "solara", "run", str(APP), "--host", "127.0.0.1", "--port", str(port)]
    with local_server(
        [*command, "--production", "--no-open"],
        port=port,
        log=log,
        env=env,
        cwd=folder,
        name="the Solara server",
        start=SERVER_START,
    ) as address:
        yield address, log


def test_chromium_shows_the_controls_and_plots_and_step_and_reset_work(tmp_path):
    executable = chromium("check the SolaraViz page in a real browser; the Solara renderer tests above ran without one")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser check needs playwright (dev extra)")
    with solara_server(tmp_path) as (address, log), sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            urls: list[str] = []
            failures: list[str] = []
            errors: list[str] = []
            tab.on("request", lambda request: urls.append(request.url))
            tab.on("websocket", lambda socket: urls.append(socket.url))
            tab.on("requestfailed", lambda request: failures.append(f"{request.url}: {request.failure}"))
            tab.on("response", lambda r: failures.append(f"{r.url}: {r.status}") if r.status >= 400 else None)
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(address)

            step, reset = tab.get_by_role("button", name="Step"), tab.get_by_role("button", name="Reset")
            step.wait_for(timeout=PAGE_WAIT)
            for label in CONTROLS:
                assert tab.get_by_text(label, exact=True).first.is_visible(), label
            assert tab.get_by_text("EU–Japan security cooperation").first.is_visible()
            plots = tab.locator("img")
            tab.wait_for_function(f"document.images.length >= {len(COMPONENTS)}", timeout=PAGE_WAIT)
            tab.get_by_text("Time: 0.0").wait_for(timeout=PAGE_WAIT)
            drawn = "Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length"
            tab.wait_for_function(f"{drawn} >= {len(COMPONENTS)}", timeout=PAGE_WAIT)
            shown = plots.evaluate_all("images => images.map(i => i.src)")

            step.click()
            tab.get_by_text("Time: 1.0").wait_for(timeout=PAGE_WAIT)
            tab.wait_for_function(
                f"Array.from(document.images).some(i => !{shown!r}.includes(i.src))", timeout=PAGE_WAIT
            )  # the plots were redrawn with the new quarter
            reset.click()
            tab.get_by_text("Time: 0.0").wait_for(timeout=PAGE_WAIT)
            step.click()
            tab.get_by_text("Time: 1.0").wait_for(timeout=PAGE_WAIT)
            tab.wait_for_function(f"{drawn} >= {len(COMPONENTS)}", timeout=PAGE_WAIT)
            assert tab.get_by_text("error in").count() == 0
            tab.screenshot(path=str(tmp_path / "page.png"))
        finally:
            browser.close()
        assert not errors, errors
        assert not failures, f"{failures}\nserver log:\n{log.read_text()[-3000:]}"
        local = (address, address.replace("http", "ws", 1), f"blob:{address}/", "data:")
        outside = sorted({url for url in urls if not url.startswith(local)})
        assert not outside, f"the page made requests outside this machine: {outside}"
        assert "Could not load URL" not in log.read_text()  # nor did the server, for the page


@pytest.mark.parametrize(
    "code",
    [code for code in python_blocks(ROOT / "docs" / "mesa.md") if "SolaraViz" in code or "mesa_viz" in code],
    ids=lambda code: code.splitlines()[0],
)
def test_every_solaraviz_example_of_the_mesa_doc_runs_from_another_folder(code, tmp_path):
    run_script(code, tmp_path)
