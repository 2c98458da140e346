"""One writer per experiment directory: an exclusive lock held for the whole command.

The lock is `flock` on `<out>/.actlab.lock`, so the kernel releases it when the holder exits
in any way, `kill -9` included: a lock is never stale. The file records the holder's pid,
start time and command, so a second command can say who holds the directory.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

LOCK_NAME = ".actlab.lock"


class DirectoryLockedError(RuntimeError):
    """Another command writes to the same experiment directory."""


@contextmanager
def experiment_lock(directory: Path) -> Iterator[None]:
    import fcntl

    path = directory / LOCK_NAME
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DirectoryLockedError(
                f"{directory} is in use by another actlab command ({_holder(path)}); wait for "
                "it to finish, or choose another --out"
            ) from None
        holder = {
            "pid": os.getpid(),
            "started": datetime.now().isoformat(timespec="seconds"),
            "command": " ".join(
                os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv)
            ),
        }
        os.ftruncate(handle, 0)
        os.pwrite(handle, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(handle, 0)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "holder unknown"
    return f"pid {info.get('pid')}, since {info.get('started')}: {info.get('command', '?')}"
