"""A real Ray cluster on this machine for the tests: a head and worker nodes, each started by
its own ``ray start --block`` process, stopped by exactly those processes and their
descendants (never ``ray stop``, which would end every Ray process of the user)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """`pid` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, frontier = {pid}, [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class RayCluster:
    """`nodes` Ray nodes of `cpus` CPUs each (the first is the head, with `head_cpus` if
    given: 0 keeps runs off it), on this machine.

    Ray advertises the machine's address even when asked for 127.0.0.1 (it refuses a
    loopback node address on Linux), so `address` is the head's port on that address.
    """

    def __init__(self, nodes: int = 2, cpus: int = 1, head_cpus: int | None = None) -> None:
        # Ray's socket paths must stay under 108 bytes: a short private directory in /tmp.
        self.temp_dir = Path(tempfile.mkdtemp(prefix="alr-", dir="/tmp"))
        self.cwd = self.temp_dir / "cwd"  # workers start here, away from the repository
        self.cwd.mkdir()
        self.port, client_port = free_port(), free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.client_address = f"ray://127.0.0.1:{client_port}"  # Ray Client's server
        self.starters: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        # Token authentication (Ray's servers listen on every interface), with a token of
        # this cluster only: drivers pass `auth` in their environment.
        self.auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", **self.auth}
        self.env.pop("RAY_ADDRESS", None)
        self.env.pop("RAY_AUTH_TOKEN_PATH", None)
        try:
            for index in range(nodes):
                self._start(index, cpus if index or head_cpus is None else head_cpus)
        except BaseException:
            self.stop()
            raise

    def _start(self, index: int, cpus: int) -> None:
        ray = Path(sys.executable).with_name("ray")
        role = (
            [
                "--head",
                f"--port={self.port}",
                "--include-dashboard=false",
                f"--ray-client-server-port={self.client_address.rsplit(':', 1)[1]}",
            ]
            if index == 0
            else [f"--address={self.address}"]
        )
        log = self.temp_dir / f"node{index}.log"
        command = [str(ray), "start", "--block", *role, "--node-ip-address=127.0.0.1",
                   f"--num-cpus={cpus}", "--num-gpus=0", "--disable-usage-stats",
                   f"--temp-dir={self.temp_dir}", "--object-store-memory=100000000"]  # fmt: skip
        with log.open("w") as handle:
            self.starters.append(
                subprocess.Popen(
                    command,
                    cwd=self.cwd,
                    env=self.env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        self.logs.append(log)
        deadline = time.monotonic() + 90
        while "Ray runtime started" not in log.read_text():
            if self.starters[-1].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray start failed:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)

    def processes(self) -> set[int]:
        """Every process of this cluster (the starters and all they started, workers too)."""
        return set().union(*(descendants(p.pid) for p in self.starters)) if self.starters else set()

    def stop(self) -> list[int]:
        """SIGTERM each `ray start --block` (it ends its node), then SIGKILL what is left;
        returns the processes of the cluster that outlived even that (none, normally)."""
        ours = self.processes()
        for starter in reversed(self.starters):
            if starter.poll() is None:
                starter.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        while any(alive(p) for p in ours) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in ours:
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for starter in self.starters:
            try:
                starter.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 10
        while any(alive(p) for p in ours) and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.temp_dir, ignore_errors=True)
        return sorted(p for p in ours if alive(p))
