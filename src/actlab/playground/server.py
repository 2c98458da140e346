"""The playground's web server: a static page, its schema, and one WebSocket per tab.

Each WebSocket connection owns its own `Session`, so tabs train independently; the training
task of a connection ends when its socket closes. Every message from the page is checked, and
anything wrong (bad JSON, unknown message, out-of-range setting, a diverging run) is answered
with an `error` message that the page shows; the connection stays usable.

Messages from the page: {"type": "config", "query": "<url query>"}, {"type": "play"},
{"type": "pause"}, {"type": "step"}, {"type": "reset"}, {"type": "regenerate"}.
Messages to the page: "ready" (canonical query, state, points, loss history), "frame",
"status" ({"playing": bool}), "error" ({"messages": [...]}).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from actlab.playground.controls import SEED_MAX, PlaygroundState, parse_query, schema
from actlab.playground.session import Session, TrainingDiverged

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 8000
# A relu-shaped stroke on the playground's blue: the tab icon (no request may 404).
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#0877bd"/>'
    '<path d="M5 21 H16 L27 8" stroke="#fff" stroke-width="3.5" fill="none" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)
FRAME_PAUSE_S = 0.02  # breathing room between frames for the page and other tabs
log = logging.getLogger("actlab.playground")


def _problem(err: Exception) -> str:
    """A one-line message for the page (no traceback ever leaves the server)."""
    if isinstance(err, TrainingDiverged):
        return str(err)
    return f"{type(err).__name__}: {err}"


class Connection:
    """One tab: its session, whether it is playing, and the task that trains while it plays."""

    def __init__(self, ws: WebSocket, frame_pause: float) -> None:
        self.ws = ws
        self.frame_pause = frame_pause
        self.session: Session | None = None
        self.playing = False
        self.run = 0  # bumped on every new session, so the page can drop stale frames
        self.lock = asyncio.Lock()  # one piece of work on the session at a time
        self.task: asyncio.Task[None] | None = None
        self.closed = threading.Event()  # read by the training thread between updates

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_text(json.dumps(message, allow_nan=False))

    async def error(self, *messages: str) -> None:
        await self.send({"type": "error", "messages": list(messages)})

    async def serve(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            try:
                if text is None:
                    await self.error("send JSON text messages, not binary ones")
                    continue
                await self.handle(text)
            except WebSocketDisconnect:
                raise
            except Exception as err:  # a bug must not end the tab's connection
                log.warning("playground: %s", _problem(err))
                await self.error(_problem(err))

    async def handle(self, text: str) -> None:
        if len(text) > MAX_MESSAGE_CHARS:
            return await self.error(f"message too long ({len(text)} characters)")
        try:
            message = json.loads(text)
        except ValueError:
            return await self.error("message is not valid JSON")
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "config":
            return await self.configure(message.get("query", ""))
        if kind not in ("play", "pause", "step", "reset", "regenerate"):
            return await self.error(
                f"unknown message type {kind!r}; expected config, play, "
                "pause, step, reset or regenerate"
            )
        if self.session is None:
            return await self.error("send a config message first")
        if kind == "play":
            return await self.play()
        await self.pause()
        if kind == "pause":
            return
        if kind == "step":
            await self.work(self.session.step_epoch)
        elif kind == "reset":
            await self.start(self.session.state)
        else:  # regenerate: new points, same everything else
            state = self.session.state
            await self.start(replace(state, data_seed=(state.data_seed + 1) % (SEED_MAX + 1)))

    async def configure(self, query: object) -> None:
        base = self.session.state if self.session else None
        state, errors = parse_query(query, base)  # type: ignore[arg-type]
        if errors:
            await self.error(*errors)
        if not errors or self.session is None:  # a first, partly bad URL still gets a setup
            await self.pause()
            await self.start(state)

    async def start(self, state: PlaygroundState) -> None:
        async with self.lock:
            try:
                session = await asyncio.to_thread(Session, state)
            except Exception as err:
                if self.session is None:  # fall back to defaults so the page has a setup
                    session = await asyncio.to_thread(Session, PlaygroundState())
                    await self.error(_problem(err), "using the default setup instead")
                else:
                    return await self.error(_problem(err))
            self.session, self.run = session, self.run + 1
            await self.send(
                {
                    "type": "ready",
                    "run": self.run,
                    "query": session.state.to_query(),
                    "state": session.state.to_json(),
                    "history": session.history,
                    **session.points(),
                }
            )
            await self.send_frame()

    async def send_frame(self) -> None:
        assert self.session is not None
        frame = await asyncio.to_thread(self.session.frame)
        await self.send({"type": "frame", "run": self.run, **frame})

    async def work(self, job: Callable[[Callable[[], bool]], None]) -> bool:
        """Run a training job (given a stop test) off the event loop and send the frame;
        False if it failed."""
        async with self.lock:
            try:
                await asyncio.to_thread(job, self.closed.is_set)
            except Exception as err:
                self.playing = False
                await self.error(_problem(err))
                await self.send({"type": "status", "playing": False})
                return False
            await self.send_frame()
            return True

    async def play(self) -> None:
        self.playing = True
        await self.send({"type": "status", "playing": True})
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._play_loop())

    async def pause(self) -> None:
        was_playing, self.playing = self.playing, False
        if self.task is not None:
            await self.task  # the frame in progress goes out first; none follows the status
            self.task = None
        if was_playing:
            await self.send({"type": "status", "playing": False})

    async def _play_loop(self) -> None:
        try:
            while self.playing and self.session is not None:
                session = self.session
                if not await self.work(session.advance):
                    break
                await asyncio.sleep(self.frame_pause)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # most often the tab went away mid-send
            self.playing = False
            log.info("playground: training stopped: %s", _problem(err))

    async def stop(self) -> None:
        """The tab is gone: stop the training thread at its next update, and the task."""
        self.closed.set()
        self.playing = False
        if self.task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self.task, timeout=10)  # cancels it if it hangs


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def same_origin(host: str | None, origin: str | None, own_hosts: frozenset[str]) -> bool:
    """Whether a WebSocket may connect: the Host it asked for is a loopback name or one of the
    server's own addresses (`own_hosts`), and a browser's Origin is exactly this server,
    http://<host>. A page from another site fails the Origin test; a DNS-rebinding page
    (evil.example resolving to 127.0.0.1, so Origin and Host agree) fails the Host test."""
    if not host:
        return False
    hostname = urlsplit(f"//{host}").hostname or ""
    if not (_is_loopback(hostname) or hostname in own_hosts):
        return False
    return origin is None or origin.lower() == f"http://{host}".lower()


def create_app(frame_pause: float = FRAME_PAUSE_S, hosts: tuple[str, ...] = ()) -> Starlette:
    """The playground as an ASGI app; `app.state.connections` holds the open tabs.

    The WebSocket answers pages served from a loopback address (127.0.0.1, ::1, localhost)
    and from `hosts`, the server's own non-loopback addresses (`actlab playground --host`)."""
    own_hosts = frozenset(h.strip("[]").lower() for h in hosts)

    async def index(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def favicon(request: Request) -> Response:
        return Response(FAVICON, media_type="image/svg+xml")

    async def get_schema(request: Request) -> JSONResponse:
        return JSONResponse(schema())

    async def check_state(request: Request) -> JSONResponse:
        """Validate a query without training: the canonical query and state, or the messages."""
        state, errors = parse_query(request.url.query)
        status = 400 if errors else 200
        body = {"query": state.to_query(), "state": state.to_json(), "errors": errors}
        return JSONResponse(body, status_code=status)

    async def socket(ws: WebSocket) -> None:
        if not same_origin(ws.headers.get("host"), ws.headers.get("origin"), own_hosts):
            await ws.close(code=1008)  # another site's page must not drive this server
            return
        await ws.accept()
        conn = Connection(ws, frame_pause)
        app.state.connections.add(conn)
        try:
            await conn.serve()
        except WebSocketDisconnect:
            pass
        finally:
            await conn.stop()
            app.state.connections.discard(conn)

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/favicon.svg", favicon),
            Route("/favicon.ico", favicon),  # what browsers ask for without a <link rel=icon>
            Route("/api/schema", get_schema),
            Route("/api/state", check_state),
            WebSocketRoute("/ws", socket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
    app.state.connections = set()
    return app
