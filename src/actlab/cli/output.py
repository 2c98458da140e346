"""What every command prints with: a console sized for terminals and pipes, and JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console


def console() -> Console:
    # Piped output (files, `less`, tests) gets a wide table rather than rich's 80 columns.
    # emoji=False: "expr:x: ..." must not become an emoji (rich reads :x: as one).
    return Console(width=None if sys.stdout.isatty() else 160, highlight=False, emoji=False)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
