"""Browser fixtures: `actlab playground` in a subprocess, driven in headless Chromium.

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
NEEDS_CHROMIUM = pytest.mark.skipif(
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
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    yield page
    page.close()
    assert problems == []  # no JavaScript error, no failed request (favicon) on the way


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
