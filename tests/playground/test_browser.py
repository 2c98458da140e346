"""The page end to end: `actlab playground` in a subprocess, driven in headless Chromium.

Uses Debian's chromium through Playwright's Python driver (never `playwright install`).
Screenshots go to test-artifacts/playground/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playground"
WAIT_MS = 60_000  # generous: CI machines are slow, and nothing here waits on a fixed time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    """The real command, started as a user would, on a free local port."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "from actlab.cli import main; main()",
        "playground",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline()  # printed once the server listens
        assert line.startswith("actlab playground at"), line + process.stdout.read()
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    yield page
    page.close()
    assert problems == []  # no JavaScript error on the way


def ready(page, condition="true"):
    page.wait_for_function(
        f"() => {{ const pg = window.playground; return pg.lastFrame !== null && ({condition}); }}",
        timeout=WAIT_MS,
    )


def pg(page, expression):
    return page.evaluate(f"() => {{ const pg = window.playground; return {expression}; }}")


def train(page, frames):
    start = pg(page, "pg.frames")
    page.click("#play")
    page.wait_for_function(f"() => window.playground.frames >= {start + frames}", timeout=WAIT_MS)
    page.click("#play")
    page.wait_for_function("() => !window.playground.playing", timeout=WAIT_MS)


def test_change_activation_and_dataset_train_and_reload(page, server_url):
    page.goto(
        server_url + "?dataset=circles&layers=6,4&act=relu&points=200&opt=adam&lr=0.03&seed=7"
    )
    ready(page)
    assert pg(page, "pg.state.act.map(a => a.name)") == ["relu", "relu"]

    page.select_option("#act-0", "tanh")
    ready(page, "pg.state.act[0].name === 'tanh'")
    page.click("#act-all-0")
    ready(page, "pg.state.act.every(a => a.name === 'tanh')")
    page.click("#dataset-xor")
    ready(page, "pg.state.dataset === 'xor' && pg.history.length === 1")
    assert "dataset=xor" in page.url and "act=tanh,tanh" in page.url

    page.click("#step")  # one epoch, to compare after the reload
    ready(page, "pg.lastFrame.step > 0")
    after_step = pg(page, "pg.lastFrame.train_loss")
    first_heat = pg(page, "pg.lastFrame.heat")
    train(page, 25)
    last = pg(page, "pg.lastFrame")
    assert last["train_loss"] < 0.5 * after_step
    assert last["heat"] != first_heat
    assert float(page.inner_text("#train-loss")) == pytest.approx(last["train_loss"], abs=1e-3)
    assert page.locator("#neurons-0 canvas").count() == 6
    assert "dead" in page.inner_text("#health-0")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "xor-tanh.png"))

    url, state = page.url, pg(page, "pg.state")
    page.goto(url)
    ready(page)
    assert pg(page, "pg.state") == state and page.url == url
    assert page.input_value("#act-1") == "tanh"
    assert page.locator("#dataset-xor").get_attribute("class") == "active"
    page.click("#step")
    ready(page, "pg.lastFrame.step > 0")
    assert pg(page, "pg.lastFrame.train_loss") == after_step  # same seed, same curve


def test_bad_values_show_a_message_and_keep_a_working_page(page, server_url):
    page.goto(server_url + "?noise=7&act=nope&seed=3")
    ready(page)
    message = page.locator("#message")
    assert message.is_visible()
    text = message.inner_text()
    assert "noise: must be a number in [0, 1]; got '7'" in text
    assert "unknown activation 'nope'" in text
    assert pg(page, "pg.state.seed") == 3 and "noise=0.05" in page.url

    page.click("#message-close")
    page.fill("#ctl-lr", "50")
    page.press("#ctl-lr", "Enter")
    page.wait_for_function("() => !document.getElementById('message').hidden", timeout=WAIT_MS)
    assert "lr: must be a number in [1e-05, 10]; got '50'" in message.inner_text()
    assert page.input_value("#ctl-lr") == "0.03"  # the control shows the value still in use

    page.select_option("#act-0", "leaky_relu")
    ready(page, "pg.state.act[0].name === 'leaky_relu'")
    page.fill("#param-0-negative_slope", "-2")
    page.press("#param-0-negative_slope", "Enter")
    page.wait_for_function(
        "() => document.getElementById('message-list').innerText.includes('negative_slope')",
        timeout=WAIT_MS,
    )
    assert "[0, ∞)" in message.inner_text()
    train(page, 2)  # still trains
