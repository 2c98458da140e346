"""The Ray backend on a real two-node Ray cluster on this machine (no mocks): the same runs as
the local backend, workers killed mid-run, the driver killed mid-grid, user code shipped
through the runtime environment, objects of the Python API, a Ray instance of its own."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="the Ray backend needs Ray: pip install 'actlab[ray]'")
if not sys.platform.startswith("linux"):
    pytest.skip("the test cluster is watched through /proc", allow_module_level=True)

from actlab.experiments import from_dict, run_experiment  # noqa: E402
from actlab.experiments.store import FILENAME  # noqa: E402
from tests.experiments.ray_cluster import RayCluster, alive, descendants  # noqa: E402

# One cluster for the module, so every test of it runs in the same xdist worker.
pytestmark = pytest.mark.xdist_group("ray")

BASE = ["--dataset", "digits", "--epochs", "1", "--threads", "1"]
GRID = [*BASE, "--hidden", "16"]


@pytest.fixture(scope="module")
def cluster():
    started = RayCluster(nodes=2, cpus=1)
    try:
        yield started
    finally:
        survivors = started.stop()
    assert survivors == [], "processes of the test cluster outlived its stop"


def _runs(out: Path) -> list[dict]:
    db = sqlite3.connect(out / FILENAME)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM runs ORDER BY config_hash")]
    finally:
        db.close()


def _env(cluster: RayCluster | None = None, pythonpath: str = "") -> dict[str, str]:
    """A driver's environment: the cluster's token, and `pythonpath` for the driver only
    (the cluster's workers see what Ray's runtime environment ships)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_") and k != "PYTHONPATH"}
    env.update(cluster.auth if cluster else {})
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def _actlab(args, cluster, cwd, pythonpath: str = "", wait: bool = True):
    command = [sys.executable, "-c", "from actlab.cli import main; main()", *map(str, args)]
    proc = subprocess.Popen(
        command, cwd=cwd, env=_env(cluster, pythonpath), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    if not wait:
        return proc
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


_MODULE_HEAD = """import os, sys, time
from pathlib import Path
from torch import nn

STATE = Path(%r)


def build(act, input_shape, num_outputs):
    a = act()
    name = type(a).__name__.lower()
    worker = os.path.basename(sys.argv[0]) == "default_worker.py"
    with open(STATE / "calls.log", "a") as log:
        log.write(f"{os.getpid()} {name} {worker} {__file__}\\n")
"""
_MODULE_TAIL = """
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), a, nn.Linear(16, num_outputs))
"""


def _factory_module(directory: Path, state: Path, body: str) -> None:
    """`directory/ray_models.py` with build(act, input_shape, num_outputs): logs each call
    (pid, activation, whether in a Ray worker, its own file) to `state/calls.log`; `body`
    runs before the model is made (`name` is the activation, `worker` True in Ray workers)."""
    directory.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    code = _MODULE_HEAD % str(state) + textwrap.indent(textwrap.dedent(body), "    ") + _MODULE_TAIL
    (directory / "ray_models.py").write_text(code)


def _calls(state: Path) -> list[tuple[int, str, bool, str]]:
    lines = (state / "calls.log").read_text().split("\n")
    rows = [line.split(" ", 3) for line in lines if line]
    return [(int(pid), name, worker == "True", file) for pid, name, worker, file in rows]


def _wait_for(condition, proc, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the command ended before {what}: {proc.communicate()}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_killed_worker_is_retried_and_a_run_whose_worker_always_dies_fails_alone(
    cluster, tmp_path
):
    mods, state = tmp_path / "mods", tmp_path / "state"
    _factory_module(
        mods,
        state,
        """
        if worker and name == "tanh":
            os._exit(3)  # this run's worker dies on every attempt
        if worker and name == "relu" and not (STATE / "killed").exists():
            (STATE / "victim").write_text(str(os.getpid()))
            time.sleep(300)  # killed here by the test
        """,
    )
    elsewhere = tmp_path / "elsewhere"  # the driver's directory does not hold the module
    elsewhere.mkdir()
    out = tmp_path / "out"
    args = ["compare", *BASE, "--model-factory", "ray_models:build", "--activations",
            "relu,tanh,sigmoid", "--seeds", "1", "--max-retries", "1", "--json",
            "--backend", "ray", "--ray-address", cluster.address, "--out", out]  # fmt: skip
    proc = _actlab(args, cluster, cwd=elsewhere, pythonpath=str(mods), wait=False)
    try:
        _wait_for((state / "victim").exists, proc, "the relu run started")
        victim = int((state / "victim").read_text())
        assert victim in cluster.processes()  # a worker of the test's cluster, nothing else
        (state / "killed").write_text("")
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1 and "1 run(s) failed" in stderr  # tanh, after its retry
    summary = json.loads(stdout)
    assert summary["backend"]["retried"] == 2  # relu once, tanh once
    rows = {json.loads(r["config_json"])["activation"]: r for r in _runs(out)}
    assert sorted(rows) == ["relu", "sigmoid", "tanh"]  # each run stored once
    assert rows["relu"]["status"] == rows["sigmoid"]["status"] == "finished"
    assert rows["tanh"]["status"] == "failed"
    assert (
        "WorkerCrashedError: its Ray worker died in each of 2 attempt(s)" in rows["tanh"]["error"]
    )
    calls = [c for c in _calls(state) if c[2]]
    assert len({pid for pid, name, _, _ in calls if name == "relu"}) == 2  # killed, then again
    assert len({pid for pid, name, _, _ in calls if name == "tanh"}) == 2  # 1 + max_retries
    # The module reached the workers through Ray's runtime environment (py_modules).
    assert all("/runtime_resources/py_modules_files/" in file for *_, file in calls)


def test_the_driver_killed_mid_grid_loses_no_finished_run_and_the_rerun_skips_them(
    cluster, tmp_path, monkeypatch
):
    mods, state = tmp_path / "mods", tmp_path / "state"
    _factory_module(
        mods,
        state,
        """
        from ray_helpers import hidden_units  # a sibling module: shipped by working_dir
        assert hidden_units() == 16
        if worker and name == "gelu" and not (STATE / "go").exists():
            (STATE / "victim").write_text(str(os.getpid()))
            time.sleep(300)  # the driver is killed meanwhile
        """,
    )
    (mods / "ray_helpers.py").write_text("def hidden_units():\n    return 16\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    grid = ["--model-factory", "ray_models:build", "--activations", "relu,tanh,gelu,sigmoid",
            "--seeds", "1", "--out", out]  # fmt: skip
    ray = ["--backend", "ray", "--ray-address", cluster.address, "--workers", "1",
           "--ray-runtime-env", json.dumps({"working_dir": str(mods)})]  # fmt: skip
    proc = _actlab(
        ["compare", *BASE, *grid, *ray], cluster, cwd=elsewhere, pythonpath=str(mods), wait=False
    )
    try:
        _wait_for((state / "victim").exists, proc, "the gelu run started")
        finished = [r for r in _runs(out) if r["status"] == "finished"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(finished) == 2  # relu and tanh, one at a time before gelu
    victim = int((state / "victim").read_text())
    deadline = time.monotonic() + 30
    while alive(victim) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(victim), "Ray ended the killed driver's run"
    files = {file for *_, worker, file in _calls(state) if worker}
    assert files and all("/runtime_resources/working_dir_files/" in f for f in files)

    (state / "go").write_text("")  # same code, same run ids: nothing sleeps any more
    monkeypatch.syspath_prepend(str(mods))
    rerun = run_experiment(
        from_dict({"dataset": "digits", "epochs": 1, "threads": 1, "workers": 1, "seeds": 1,
                   "model_factory": "ray_models:build", "activations": "relu,tanh,gelu,sigmoid",
                   "out": str(out)})
    )  # fmt: skip
    assert (rerun.n_skipped, rerun.n_ran, rerun.backend) == (2, 2, {"backend": "local"})
    rows = _runs(out)
    assert len(rows) == 4 and {r["status"] for r in rows} == {"finished"}
    before = {r["config_hash"]: r["started"] for r in finished}
    assert {r["config_hash"]: r["started"] for r in rows if r["config_hash"] in before} == before


_API_SCRIPT = """
import json, os, sys, time
from pathlib import Path
import torch
import actlab

X = torch.randn(240, 64, generator=torch.Generator().manual_seed(0))
y = (X[:, 0] + X[:, 1] > 0).long()
data = ((X[:200], y[:200]), (X[200:], y[200:]))
MEET = Path(sys.argv[1]) / "meet"
MEET.mkdir()

def build(act):  # defined in __main__: an object of this process, sent to the workers
    if os.path.basename(sys.argv[0]) == "default_worker.py":
        # Two of these runs wait for each other, so they run at once: on both 1-CPU nodes.
        (MEET / str(os.getpid())).touch()
        deadline = time.monotonic() + 60
        while len(list(MEET.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    return torch.nn.Sequential(torch.nn.Linear(64, 8), act(), torch.nn.Linear(8, 2))

net = torch.nn.Sequential(torch.nn.Linear(64, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
common = dict(model=[build, net, "mlp"], data=data, activations=["relu", "gelu"], seeds=1,
              epochs=1, threads=1, metrics={"n": lambda out, target: float(len(target))})
out, address = sys.argv[1], sys.argv[2]
on_ray = actlab.compare(**common, out=out + "/ray", backend="ray", ray_address=address)
local = actlab.compare(**common, out=out + "/local", workers=1)
print(json.dumps({
    "failed": [r.error for r in on_ray.failed + local.failed],
    "ray": {r.config_hash: [r.test_acc, r.test_loss, r.metrics] for r in on_ray.records},
    "local": {r.config_hash: [r.test_acc, r.test_loss, r.metrics] for r in local.records},
    "backend": on_ray.backend,
}))
"""


def test_a_grid_on_two_nodes_gives_the_local_backends_runs_once_each(cluster, tmp_path):
    """Built-in and user models, objects of the Python API (a function and a module of
    `__main__`, a data pair, a metric), through Ray Client: the same numbers as the local
    backend, exactly."""
    script = tmp_path / "api.py"
    script.write_text(_API_SCRIPT)
    # Through Ray Client (ray://), the way to reach a cluster from outside its network.
    proc = subprocess.run([sys.executable, str(script), str(tmp_path), cluster.client_address],
                          cwd=tmp_path, env=_env(cluster), capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["failed"] == []
    backend = result["backend"]
    assert (backend["backend"], backend["nodes"], backend["cpus"]) == ("ray", 2, 2)
    assert len(result["ray"]) == 6 and result["ray"] == result["local"]
    rows = _runs(tmp_path / "ray")
    assert len(rows) == 6 and len({r["config_hash"] for r in rows}) == 6
    nodes = {json.loads(r["machine_json"])["ray_node"] for r in rows}
    assert len(nodes) == 2, f"both nodes ran runs: {rows}"
    report = (tmp_path / "ray" / "report.html").read_text()
    assert f"Ray {backend['ray']} at {cluster.client_address}: 2 node(s) with 2 CPU(s)" in report
    assert "ran on 2 node(s)" in report and "(Ray node " in report


def test_without_an_address_a_ray_instance_runs_the_grid_and_ends_with_it(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="alt", dir="/tmp"))  # the instance's files go here
    try:
        # No token of the user's: the instance gets one of its own, and writes none to HOME.
        home = tmp_path / "home"
        env = {**_env(), "TMPDIR": str(base), "HOME": str(home),
               "MPLCONFIGDIR": str(Path.home() / ".config" / "matplotlib")}  # fmt: skip
        command = [sys.executable, "-c", "from actlab.cli import main; main()", "compare",
                   *GRID, "--activations", "relu", "--seeds", "2", "--backend", "ray",
                   "--json", "--out", str(tmp_path / "out")]  # fmt: skip
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        seen: set[int] = set()
        made: set[Path] = set()
        while proc.poll() is None:  # every process and Ray directory of the command
            seen |= descendants(proc.pid)
            made |= set(base.glob("actlab-ray-*"))
            time.sleep(0.2)
        stdout, stderr = proc.communicate()
        assert proc.returncode == 0, stderr
        summary = json.loads(stdout)
        assert summary["runs"]["ran"] == 2 and summary["backend"]["nodes"] == 1
        assert summary["backend"]["address"] == "a local instance started for the command"
        assert len(seen) > 3  # Ray's own processes and workers ran below the command
        deadline = time.monotonic() + 20
        while [p for p in seen if alive(p)] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in seen if alive(p)], "the Ray instance outlived the command"
        assert made and not list(base.glob("actlab-ray-*"))  # its session files are gone too
        assert not (home / ".ray").exists()  # no lasting token (~/.ray/auth_token)
    finally:
        for pid in seen if "seen" in locals() else ():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)
