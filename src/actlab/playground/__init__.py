"""actlab's playground: watch a small network learn a 2-D toy set with any catalogue activation.

`actlab playground` serves a page (plain HTML/JS/CSS in `static/`) from a local Starlette server;
each tab trains its own PyTorch model server-side and streams frames over a WebSocket.
The library parts run without a server: `controls` (state, ranges, URL form), `datasets`,
`network` (features, model) and `session` (training and frames, health from actlab.diagnose).
"""

from __future__ import annotations

from typing import Any

from actlab.playground.controls import PlaygroundState, parse_query, schema
from actlab.playground.session import Session

__all__ = ["PlaygroundState", "Session", "create_app", "parse_query", "schema"]


def create_app(**options: Any) -> Any:
    """The Starlette app (see `actlab.playground.server.create_app`); imported on use, since
    starlette is only needed to serve the page."""
    from actlab.playground.server import create_app as make

    return make(**options)
