"""report.html in a real browser at 1280 px: nothing sticks out of the page, no column of the
summary is cut off, figures fit, and the page loads with no console error."""

from __future__ import annotations

import pytest

from actlab.comparison import run_and_report
from actlab.experiments import from_dict
from tests.playground.conftest import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    config = from_dict(
        {
            "dataset": "digits",
            "activations": "relu,leaky_relu:negative_slope=0.2,gelu,tanh",
            "seeds": 2,
            "epochs": 2,
            "hidden": 16,
            "tune_lr": "1e-3,1e-2",
            "health": True,
            "depth": "1,2",
            "workers": 1,
            "out": str(out),
        }  # fmt: skip
    )
    return run_and_report(config, progress=False).files["report"]


@NEEDS_CHROMIUM
def test_the_report_fits_a_1280_px_page(report):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report.as_uri())
        page_width = page.evaluate("document.documentElement.scrollWidth")
        cut = page.evaluate(
            "[...document.querySelectorAll('.scroll')]"
            ".filter(d => d.scrollWidth > d.clientWidth + 1).map(d => d.innerText.slice(0, 60))"
        )
        images = page.evaluate(
            "[...document.images].map(i => [i.getBoundingClientRect().right, i.naturalWidth])"
        )
        notes = page.evaluate("[...document.querySelectorAll('td.w')].length")
        browser.close()
    assert page_width <= 1280, page_width
    assert cut == [], f"tables wider than the page: {cut}"
    assert images and all(right <= 1280 and width > 0 for right, width in images)
    assert notes > 0  # the long cells (notes, setup values) wrap instead of widening the table
    assert errors == []
