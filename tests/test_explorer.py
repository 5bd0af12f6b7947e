"""The explorer page in real headless Chromium: load, slider, search, add and drag a shock, pin, explain, export.

``eujsim explore`` is started as a user starts it (a subprocess on a free local port) and driven
through Playwright with the system's Chromium, launched as tests/test_mesa_viz.py launches it.
After each action the test asserts what the page shows, and at the end that no request left
this machine (Dash serves its scripts itself; the page asks for no font or CDN file).

With ``EUJSIM_EXPLORER_SCREENSHOTS=1`` the test also writes the screenshots of
docs/explorer.md into docs/img/explorer/.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("dash", reason="the explorer needs the explore extra: pip install 'eujsim[explore]'")

from .browser import CHROMIUM_ARGS, chromium, free_port, local_server
from .conftest import ROOT

SERVER_START = 60
"""Seconds the explorer may take to answer (it imports the simulator, Dash and Plotly first)."""
WAIT = 30_000
"""Milliseconds the page may take for one redraw (a simulation of 50 worlds and its twin, on shared cores)."""
REPLICATES = 50
SHOTS = ROOT / "docs" / "img" / "explorer"


@contextlib.contextmanager
def explorer(folder: Path):
    port = free_port()
    log = folder / "explore.log"
    command = [sys.executable, "-m", "simulator", "explore", "us_retrenchment", "--port", str(port)]
    with local_server(
        [*command, "--replicates", str(REPLICATES)],
        port=port,
        log=log,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=folder,
        name="eujsim explore",
        start=SERVER_START,
    ) as address:
        yield address, log


def _shot(tab, name: str, selector: str | None = None) -> None:
    """A screenshot for docs/explorer.md, when asked for with EUJSIM_EXPLORER_SCREENSHOTS=1."""
    if not os.environ.get("EUJSIM_EXPLORER_SCREENSHOTS"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(0.8)  # let Plotly finish its transitions
    if selector is None:
        tab.screenshot(path=str(SHOTS / f"{name}.png"))
    else:
        tab.locator(selector).screenshot(path=str(SHOTS / f"{name}.png"))


SHOWN = "() => ['#status', '#effect'].map(s => document.querySelector(s)?.innerText ?? '').join(' | ')"
"""What a new simulation changes: the status line (its timing) and the sentence on what the shocks did."""


def _redrawn(tab, before: str) -> str:
    """Wait until the page shows another simulation than ``before`` and return what it shows."""
    tab.wait_for_function(f"before => ({SHOWN})() !== before", arg=before, timeout=WAIT)
    return tab.evaluate(SHOWN)


def _pick(tab, dropdown: str, text: str) -> None:
    """Choose ``text`` in a Dash dropdown by typing it and pressing Enter."""
    tab.locator(dropdown).click()
    tab.locator("input[placeholder='Search']").fill(text)  # the open list's own search box
    tab.get_by_role("option", name=text, exact=True).click()


def _param(tab, path: str):
    return tab.locator("#sliders .param").filter(has=tab.locator("b", has_text=path)).first


def _set_param(tab, path: str, value: str) -> None:
    box = _param(tab, path).locator("input[type=number]")
    box.fill(value)
    box.blur()  # the slider's number box takes its value when it loses focus


def test_the_explorer_in_chromium(tmp_path):
    executable = chromium(
        "drive the explorer in a real browser; tests/test_explore_state.py checks its logic without one"
    )
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser check needs playwright (dev extra)")
    with explorer(tmp_path) as (address, log), sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
            urls: list[str] = []
            failures: list[str] = []
            errors: list[str] = []
            tab.on("request", lambda request: urls.append(request.url))
            tab.on("requestfailed", lambda request: failures.append(f"{request.url}: {request.failure}"))
            tab.on("response", lambda r: failures.append(f"{r.url}: {r.status}") if r.status >= 400 else None)
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(address)

            # 1. load: the headline with the twin, what the shocks did, the explanation of the last quarter
            tab.locator("#status").get_by_text("simulated in").wait_for(timeout=WAIT)
            status = tab.locator("#status").inner_text()
            assert f"{REPLICATES} worlds × 40 quarters" in status and "no-shock twin" in status
            assert tab.locator("#headline").get_by_text("EU–Japan security cooperation").is_visible()
            assert tab.locator("#headline").get_by_text("without the shocks").is_visible()
            assert tab.locator("#headline").get_by_text("too small to matter").is_visible()
            assert tab.locator("#effect").inner_text().startswith("The shocks raised final EU–Japan cooperation")
            tab.locator("#explain").get_by_text("Why EU–Japan cooperation moved by 2034Q4").wait_for(timeout=WAIT)
            assert not tab.locator(".warning").count()
            status = tab.evaluate(SHOWN)
            _shot(tab, "overview")

            # pin the page as loaded
            tab.locator("#pin-label").fill("as loaded")
            tab.get_by_role("button", name="Pin this variant").click()
            tab.locator("#pins-list").get_by_text("as loaded: us_retrenchment").wait_for(timeout=WAIT)

            # 2. a slider of the most influential parameters, by its number box
            assert tab.locator("#sliders .param b").first.inner_text() == "model.desire_intercept"
            _set_param(tab, "model.weight_abandonment", "0.6")
            status = _redrawn(tab, status)
            _param(tab, "model.weight_abandonment").get_by_text("(changed)").wait_for(timeout=WAIT)
            assert "= 0.6" in _param(tab, "model.weight_abandonment").inner_text()

            # a parameter found by search, set beyond its documented range: the page warns
            _pick(tab, "#param-search", "JPN.deference")
            _param(tab, "JPN.deference").wait_for(timeout=WAIT)
            assert "Niquet" in _param(tab, "JPN.deference").inner_text()  # its source
            _set_param(tab, "JPN.deference", "0.95")
            status = _redrawn(tab, status)
            warning = tab.locator(".warning").first
            warning.wait_for(timeout=WAIT)
            assert "JPN.deference=0.95 is outside its documented range 0.2–0.8" in warning.inner_text()

            # 3. add a library shock; it shows on the timeline and as a card
            _pick(tab, "#add-kind", "taiwan_strait_crisis")
            tab.get_by_role("button", name="Add shock").click()
            status = _redrawn(tab, status)
            tab.locator("#timeline").get_by_text("2. taiwan_strait_crisis (2026Q1)").wait_for(timeout=WAIT)
            assert tab.locator("#shock-cards .card").count() == 2

            # drag its window four quarters later on the timeline
            plot = tab.locator("#timeline .nsewdrag").first.bounding_box()
            per_quarter = plot["width"] / 40
            x0 = plot["x"] + per_quarter * 10  # inside the window, which starts at step 4 (2026Q1)
            y = plot["y"] + plot["height"] * 0.75  # the second of two rows
            tab.mouse.move(x0, y)
            tab.mouse.down()
            for k in range(1, 9):
                tab.mouse.move(x0 + per_quarter * 4 * k / 8, y)
            tab.mouse.up()
            status = _redrawn(tab, status)
            tab.locator("#timeline").get_by_text("2. taiwan_strait_crisis (2027Q1)").wait_for(timeout=WAIT)
            card = tab.locator("#shock-cards .card").nth(1)
            assert "2027Q1" in card.inner_text()
            _shot(tab, "edited")

            # and change its magnitude by its card's number box
            box = card.locator("input[type=number]").first
            box.fill("0.5")
            box.blur()
            status = _redrawn(tab, status)

            # 4. click a quarter: why cooperation moved by then
            head = tab.locator("#headline .nsewdrag").first.bounding_box()
            tab.mouse.click(head["x"] + head["width"] * 12 / 40, head["y"] + head["height"] * 0.5)
            tab.locator("#explain").get_by_text("Why EU–Japan cooperation moved by 2027Q4").wait_for(timeout=WAIT)
            assert tab.locator("#explain-text").inner_text().startswith("By 2027Q4 EU–Japan cooperation")
            _shot(tab, "explain", ".explain")

            # 5. pin the edited variant: side by side, paired by world
            tab.locator("#pin-label").fill("edited")
            tab.get_by_role("button", name="Pin this variant").click()
            line = tab.locator("#compare-text li").first
            line.get_by_text("edited − as loaded").wait_for(timeout=WAIT)
            assert "paired by world" in line.inner_text()
            assert tab.locator("#compare").get_by_text("Pinned variants").is_visible()
            _shot(tab, "pinned", "#compare-box")

            # 6. export the YAML; the command line accepts it
            with tab.expect_download() as download:
                tab.get_by_role("button", name="Download scenario YAML").click()
            saved = tmp_path / "exported.yaml"
            download.value.save_as(saved)
            text = saved.read_text()
            assert "taiwan_strait_crisis" in text and "JPN.deference: 0.95" in text and "at: 2027Q1" in text
            checked = subprocess.run(
                [sys.executable, "-m", "simulator", "validate", str(saved)],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                cwd=tmp_path,
                check=False,
            )
            assert checked.returncode == 0, checked.stderr
            assert not tab.locator("#error").inner_text()
        finally:
            browser.close()
    assert not errors, errors
    assert not failures, f"{failures}\nserver log:\n{log.read_text()[-3000:]}"
    outside = sorted({url for url in urls if not url.startswith((address, "data:", "blob:"))})
    assert not outside, f"the page made requests outside this machine: {outside}"
