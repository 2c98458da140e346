"""What a new user sees first, in headless Chromium at 1280 px: the starting state, an integer
epoch, a loss chart with axes, a layout without a hole in it, no console errors (favicon),
and links with learnable activations that reload exactly."""

from __future__ import annotations

import json
import re

import pytest

from actlab.playground.controls import LayerActivation, PlaygroundState, playground_activations
from tests.playground.conftest import ARTIFACTS, NEEDS_CHROMIUM, WAIT_MS, pg, ready, train

pytestmark = NEEDS_CHROMIUM
SPIRAL = "?dataset=spiral&layers=8,8&act=relu&points=200&train=0.5&batch=30&seed=3"


def test_right_after_load_the_page_says_it_is_starting(page, server_url):
    page.goto(server_url + SPIRAL, wait_until="domcontentloaded")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "right-after-load.png"))
    # no empty skeleton: the starting state is shown, or else the first frame is drawn already
    drawn, overlay, state = page.evaluate(
        """() => {
          const starting = document.getElementById("starting");
          const shown = !starting.hidden && starting.getBoundingClientRect().height > 200;
          return [window.playground.lastFrame !== null, shown && starting.innerText,
                  document.getElementById("run-state").textContent];
        }"""
    )
    assert drawn or (overlay and "Starting the playground" in overlay), (drawn, overlay)
    assert state == ("ready: press ▶" if drawn else "starting…")
    starting = page.locator("#starting")
    ready(page)
    assert not starting.is_visible()
    assert page.inner_text("#run-state") == "ready: press ▶"
    page.click("#play")
    page.wait_for_function("() => window.playground.frames >= 3", timeout=WAIT_MS)
    assert page.inner_text("#run-state") == "training…"
    page.click("#play")
    page.wait_for_function("() => !window.playground.playing", timeout=WAIT_MS)
    assert page.inner_text("#run-state") == "paused"


def test_the_served_page_holds_the_starting_state_and_an_icon(page, server_url):
    html = page.request.get(server_url).text()
    assert 'id="starting"' in html and "Starting the playground" in html  # in the first paint
    assert 'rel="icon"' in html
    for path in ("favicon.svg", "favicon.ico"):
        icon = page.request.get(server_url + path)
        assert icon.status == 200 and icon.body().startswith(b"<svg")


def test_epoch_is_a_whole_number_of_completed_epochs(page, server_url):
    page.goto(server_url + SPIRAL)  # 100 training points, batch 30: 4 updates an epoch
    ready(page)
    page.click("#step")
    ready(page, "pg.lastFrame.step === 4")
    assert pg(page, "pg.lastFrame.epoch") == pytest.approx(1.2)  # 4 x 30 / 100
    assert page.inner_text("#epoch") == "1"
    train(page, 5)
    shown, epoch = page.inner_text("#epoch"), pg(page, "pg.lastFrame.epoch")
    assert re.fullmatch(r"\d+", shown) and int(shown) == int(epoch + 1e-9)


def test_the_loss_chart_has_labelled_axes(page, server_url):
    page.goto(server_url + SPIRAL)
    ready(page)
    train(page, 6)
    chart = page.locator("#loss-chart")
    for axis, label in (("x", "epoch"), ("y", "loss")):
        texts = chart.locator(f".axis.{axis} text").all_text_contents()
        assert label in texts
        numbers = [t for t in texts if t != label]
        assert len(numbers) >= 2 and all(re.fullmatch(r"-?[\d.]+(e-?\d+)?", t) for t in numbers)
        assert chart.locator(f".axis.{axis} line").count() >= len(numbers) + 1  # ticks + axis
    y_ticks = [float(t) for t in chart.locator(".axis.y text").all_text_contents() if t != "loss"]
    losses = pg(page, "pg.history.flatMap(p => [p.train_loss, p.test_loss])")
    assert min(y_ticks) <= min(losses) and max(y_ticks) >= max(losses)  # the axis covers them
    assert max(y_ticks) - min(y_ticks) < 4 * (max(losses) - min(losses)) + 0.01  # zoomed in
    assert chart.locator("polyline.series.train").count() == 1
    assert chart.locator("polyline.series.test").count() == 1
    box = chart.bounding_box()
    for text in chart.locator("text").all():  # every label inside the chart
        t = text.bounding_box()
        assert box["x"] - 1 <= t["x"] and t["x"] + t["width"] <= box["x"] + box["width"] + 1


EMPTY_SQUARE = 200  # px: a gap this size in the middle of the page reads as a hole


def test_no_large_empty_region_at_1280_px(browser, server_url):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(server_url + SPIRAL)
        ready(page)
        train(page, 3)
        hole = page.evaluate(
            """(size) => {
              const main = document.querySelector("main").getBoundingClientRect();
              const boxes = [...document.querySelectorAll(
                  "main .layer, main canvas, main svg, main h2, main button, main .field, " +
                  "main label, main p, main .losses")]
                .map((e) => e.getBoundingClientRect()).filter((r) => r.width && r.height);
              const bottom = Math.min(window.innerHeight, main.bottom);
              for (let y = main.top; y + size <= bottom; y += 10) {
                for (let x = main.left; x + size <= main.right; x += 10) {
                  const hit = boxes.some((r) => r.left < x + size && r.right > x &&
                                                r.top < y + size && r.bottom > y);
                  if (!hit) return [x, y];
                }
              }
              return null;
            }""",
            EMPTY_SQUARE,
        )
        page.screenshot(path=str(ARTIFACTS / "layout-1280.png"))
        assert hole is None, f"an empty {EMPTY_SQUARE}px square at {hole} (layout-1280.png)"
    finally:
        page.close()


def _queries() -> list[str]:
    """A one-layer query for every activation the page offers, with each parameter set the
    catalogue tests (learnable vectors, text such as mixture's bases, rational's init)."""
    out = []
    for spec in playground_activations():
        for params in [{}, *spec.test_params]:
            act = LayerActivation(spec.name, tuple(spec.bind(**params).items()))
            state = PlaygroundState(layers=(3, 3), activations=(act, act))
            out.append(state.to_query())
    return out


def test_the_pages_own_links_reload_every_activation_exactly(page, server_url):
    """Property over the catalogue, through the page's JavaScript: the state the server sends
    for each query, encoded again by the page, is read back as the same canonical query."""
    page.goto(server_url + "?layers=2")
    ready(page)
    failures = page.evaluate(
        """async (queries) => {
          const bad = [];
          for (const query of queries) {
            const first = await (await fetch(`/api/state?${query}`)).json();
            const again = await (await fetch(`/api/state?${pg_query(first.state)}`)).json();
            if (first.errors.length || again.errors.length || again.query !== first.query) {
              bad.push([query, first.errors, again.errors, again.query]);
            }
          }
          return bad;
          function pg_query(state) { return window.playground.toQuery(state); }
        }""",
        _queries(),
    )
    assert failures == [], json.dumps(failures[:3], indent=1)


@pytest.mark.parametrize(
    "act",
    [
        "rational:init=silu",
        "mixture:bases=relu%2Btanh",
        "apl:slopes=0.2;-0.5:offsets=-1;1.5",
        "spline:grid_size=256",
    ],
)
def test_learnable_activation_links_survive_editing_and_reload(page, server_url, act):
    page.goto(server_url + f"?dataset=moons&layers=4,4,4,4,4,4&act={act}&seed=2")
    ready(page)
    assert page.locator("#message").is_hidden(), page.inner_text("#message")
    state = pg(page, "pg.state")
    page.fill("#ctl-seed", "3")  # an edit made in the page re-sends every layer's parameters
    page.press("#ctl-seed", "Enter")
    ready(page, "pg.state.seed === 3")
    assert page.locator("#message").is_hidden(), page.inner_text("#message")
    assert pg(page, "pg.state.act") == state["act"]
    url = page.url
    page.goto(url)
    ready(page)
    assert pg(page, "pg.state.act") == state["act"] and page.url == url


def test_text_and_vector_parameters_are_edited_as_text(page, server_url):
    page.goto(server_url + "?layers=3&act=mixture&seed=2")
    ready(page)
    assert page.input_value("#param-0-bases") == "relu+tanh+silu"
    page.fill("#param-0-bases", "gelu+sigmoid")
    page.press("#param-0-bases", "Enter")
    ready(page, "pg.state.act[0].params.bases === 'gelu+sigmoid'")
    assert "bases=gelu%2Bsigmoid" in page.url
    assert pg(page, "pg.state.act[0].params.weights") is None  # derived: two bases, two logits
    page.fill("#param-0-weights", "0.5; -0.5")
    page.press("#param-0-weights", "Enter")
    ready(page, "pg.state.act[0].params.weights !== null")
    assert pg(page, "pg.state.act[0].params.weights") == [0.5, -0.5]
    assert "weights=0.5;-0.5" in page.url
    assert page.locator("#message").is_hidden()
