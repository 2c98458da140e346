"""The server through Starlette's test client: pages, schema, and the WebSocket protocol."""

from __future__ import annotations

import json
import time

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.playground.controls import PlaygroundState
from actlab.playground.server import create_app
from actlab.playground.session import MAX_UPDATES_PER_FRAME

SMALL = "dataset=moons&points=120&layers=4,3&act=tanh,relu&batch=6&seed=5"


@pytest.fixture()
def client():
    # the test client calls itself "testserver": that is this server's own name here
    with TestClient(create_app(frame_pause=0.0, hosts=("testserver",))) as test_client:
        yield test_client


def receive(ws, kind):
    """The next message of type `kind`, failing on an error message."""
    while True:
        message = ws.receive_json()
        assert message["type"] != "error", message
        if message["type"] == kind:
            return message


def configure(ws, query=SMALL):
    ws.send_json({"type": "config", "query": query})
    ready = receive(ws, "ready")
    return ready, receive(ws, "frame")


def play_frames(ws, count):
    """Play until `count` frames came, pause; every frame sent before the pause status."""
    ws.send_json({"type": "play"})
    frames = [receive(ws, "frame") for _ in range(count)]
    ws.send_json({"type": "pause"})
    while (message := ws.receive_json()) != {"type": "status", "playing": False}:
        frames.append(message)
    return frames


def test_page_static_files_and_schema(client):
    page = client.get("/")
    assert page.status_code == 200 and '<script src="/static/app.js">' in page.text
    for name in ("app.js", "draw.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    schema = client.get("/api/schema").json()
    assert "relu" in [a["name"] for a in schema["activations"]]
    assert client.get("/static/missing.js").status_code == 404


def test_state_check_endpoint(client):
    good = client.get("/api/state?dataset=xor&act=relu")
    assert good.status_code == 200 and good.json()["errors"] == []
    assert "dataset=xor" in good.json()["query"]
    bad = client.get("/api/state?noise=9&act=relux")
    assert bad.status_code == 400
    assert bad.json()["errors"][0] == "noise: must be a number in [0, 1]; got '9'"
    assert "unknown activation 'relux'. Did you mean 'relu'" in bad.json()["errors"][1]


def test_start_stream_pause_and_step(client):
    with client.websocket_connect("/ws") as ws:
        ready, first = configure(ws)
        assert ready["state"]["act"][1]["name"] == "relu" and ready["run"] == first["run"]
        assert len(ready["train"]) + len(ready["test"]) == 120
        assert first["step"] == 0
        frames = play_frames(ws, 4)
        steps = [f["step"] for f in frames]
        per_frame = min(MAX_UPDATES_PER_FRAME, 10)  # 60 training points / batch 6
        assert steps == [per_frame * (i + 1) for i in range(len(frames))]
        # nothing streams after the pause status: the next message answers the step (an epoch)
        ws.send_json({"type": "step"})
        after = ws.receive_json()
        assert after["type"] == "frame" and after["step"] == steps[-1] + 10


def test_reset_and_regenerate(client):
    with client.websocket_connect("/ws") as ws:
        ready, first = configure(ws)
        play_frames(ws, 2)
        ws.send_json({"type": "reset"})
        again = receive(ws, "ready")
        frame = receive(ws, "frame")
        assert again["query"] == ready["query"] and again["run"] == ready["run"] + 1
        assert frame["step"] == 0 and frame["train_loss"] == first["train_loss"]
        ws.send_json({"type": "regenerate"})
        new = receive(ws, "ready")
        assert new["state"]["dseed"] == ready["state"]["dseed"] + 1
        assert new["train"] != ready["train"]


def test_bad_messages_get_errors_and_the_connection_survives(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "play"})
        assert ws.receive_json() == {"type": "error", "messages": ["send a config message first"]}
        for bad in ("not json", json.dumps([1, 2]), json.dumps({"type": "fly"}), "x" * 9000):
            ws.send_text(bad)
            message = ws.receive_json()
            assert message["type"] == "error" and message["messages"][0]
        ws.send_bytes(b"\x00\x01")
        assert "binary" in ws.receive_json()["messages"][0]
        configure(ws)
        ws.send_json({"type": "config", "query": "lr=100&layers=2,99&act=softmaxx"})
        error = ws.receive_json()
        assert error["type"] == "error" and len(error["messages"]) == 3
        assert error["messages"][0] == "lr: must be a number in [1e-05, 10]; got '100'"
        ws.send_json({"type": "config", "query": 7})
        assert ws.receive_json()["messages"] == ["the state must be a query string"]
        play_frames(ws, 1)  # the previous setup is still there and trains


def test_a_bad_first_url_still_gets_a_working_setup(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "config", "query": "dataset=nope&seed=3"})
        error = ws.receive_json()
        assert error["type"] == "error" and error["messages"][0].startswith(
            "dataset: must be one of"
        )
        ready = receive(ws, "ready")
        assert (
            ready["state"]["dataset"] == PlaygroundState().dataset and ready["state"]["seed"] == 3
        )


def test_divergence_pauses_with_a_message(client):
    with client.websocket_connect("/ws") as ws:
        configure(ws, "layers=16,16,16,16,16,16&act=identity&lr=10")
        ws.send_json({"type": "play"})
        assert ws.receive_json() == {"type": "status", "playing": True}
        error = ws.receive_json()
        assert error["type"] == "error" and "diverged" in error["messages"][0]
        assert ws.receive_json() == {"type": "status", "playing": False}


def test_two_tabs_train_independently_and_the_same_seed_gives_the_same_curves(client):
    with client.websocket_connect("/ws") as one, client.websocket_connect("/ws") as two:
        configure(one)
        configure(two)
        one.send_json({"type": "play"})
        two.send_json({"type": "play"})
        a = [receive(one, "frame")["train_loss"] for _ in range(5)]
        b = [receive(two, "frame")["train_loss"] for _ in range(5)]
        assert a == b and a[-1] < a[0]
        with client.websocket_connect("/ws") as three:
            configure(three, SMALL.replace("seed=5", "seed=6"))
            c = play_frames(three, 5)
        assert [f["train_loss"] for f in c] != a


def test_a_closed_tab_stops_its_training(client):
    app = client.app
    with client.websocket_connect("/ws") as ws:
        configure(ws)
        ws.send_json({"type": "play"})
        receive(ws, "frame")
        (connection,) = app.state.connections
    deadline = time.monotonic() + 10
    while app.state.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not app.state.connections and connection.closed.is_set()
    time.sleep(0.1)  # an update already under way when the tab closed may still finish
    updates = connection.session.updates
    time.sleep(0.5)
    assert connection.session.updates == updates


@pytest.mark.parametrize(
    "host, origin",
    [
        ("127.0.0.1:8050", "http://evil.example"),  # another site's page
        ("evil.example:8050", "http://evil.example:8050"),  # DNS rebinding: both match
        ("evil.example:8050", None),
        ("127.0.0.1:8050", "https://127.0.0.1:8050"),  # not this server's origin (http)
        ("127.0.0.1:8050", "http://127.0.0.1:9999"),
        ("localhost:8050", "http://127.0.0.1:8050"),
    ],
)
def test_other_sites_cannot_open_the_socket(host, origin):
    headers = {"host": host, **({"origin": origin} if origin else {})}
    with TestClient(create_app(frame_pause=0.0)) as client:
        with pytest.raises(WebSocketDisconnect):
            with client.websocket_connect("/ws", headers=headers) as ws:
                ws.send_json({"type": "config", "query": SMALL})
                ws.receive_json()  # accepted: the ready message comes, and the test fails


@pytest.mark.parametrize(
    "host, origin",
    [
        ("127.0.0.1:8050", "http://127.0.0.1:8050"),
        ("localhost:8050", "http://localhost:8050"),
        ("[::1]:8050", "http://[::1]:8050"),
        ("127.0.0.1:8050", None),  # not a browser: no origin to check
    ],
)
def test_loopback_pages_open_the_socket(host, origin):
    headers = {"host": host, **({"origin": origin} if origin else {})}
    with TestClient(create_app(frame_pause=0.0)) as client:
        with client.websocket_connect("/ws", headers=headers) as ws:
            configure(ws)


def test_the_servers_own_address_is_accepted_when_it_is_not_loopback():
    headers = {"host": "192.168.1.20:8050", "origin": "http://192.168.1.20:8050"}
    with TestClient(create_app(frame_pause=0.0)) as client:
        with pytest.raises(WebSocketDisconnect):
            with client.websocket_connect("/ws", headers=headers) as ws:
                ws.send_json({"type": "config", "query": SMALL})
                ws.receive_json()
    with TestClient(create_app(frame_pause=0.0, hosts=("192.168.1.20",))) as client:
        with client.websocket_connect("/ws", headers=headers) as ws:
            configure(ws)
