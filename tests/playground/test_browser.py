"""The page end to end: `actlab playground` in a subprocess, driven in headless Chromium
(fixtures in conftest.py)."""

from __future__ import annotations

import pytest

from tests.playground.conftest import ARTIFACTS, NEEDS_CHROMIUM, WAIT_MS, pg, ready, train

pytestmark = NEEDS_CHROMIUM


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
