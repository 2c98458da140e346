"""The Ray backend's cost and gain on this machine: the same grid run by whole `actlab compare`
commands on the local backend, on Ray (a local instance the command starts, and a cluster it
joins), and on clusters of 1 and 2 worker nodes.

- gap: one run at a time (1-epoch runs), the median time from a run's end to the next one's
  start: what each run costs besides training (the record handed back, the commit, dispatch);
- overhead: wall time of Ray vs local for the same grid, 2 runs at once and 1 torch thread
  each; split into start-up + report (command start to first run, last run to exit) and the
  span of the runs (first run's start to last run's end, from the store), whose difference
  per run is Ray's per-run cost. Target: at most 10% more for runs of 2 s or more;
- nodes: wall time and runs' span with 1 and 2 worker nodes of 1 CPU each (the head runs
  nothing).

Commands alternate (local, ray, ray joined, local, ...) so machine load hits all alike;
medians are reported. Full form: the default grid (8 activations × 3 seeds × 10 epochs on
MNIST-1D, the 500-unit MLP), 3 repeats; --quick: 4 activations × 2 seeds × 20 epochs (runs
of about 2 s), 1 repeat.

    .venv/bin/python benchmarks/bench_ray_backend.py [--quick] [--repeats N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.experiments.ray_cluster import RayCluster  # noqa: E402

FULL = {"activations": "relu,leaky_relu,gelu,silu,elu,selu,tanh,sigmoid", "seeds": 3, "epochs": 10}
QUICK = {"activations": "relu,tanh,gelu,silu", "seeds": 2, "epochs": 20}
CONCURRENT = 2


def _compare(grid: dict, extra: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds of the command, seconds from its first run's start to its last run's
    end, mean seconds of a run), the last two as the store records them."""
    out = Path(tempfile.mkdtemp(prefix="actlab-bench-ray-"))
    actlab = str(Path(sys.executable).with_name("actlab"))
    command = [actlab, "compare", "--activations", grid["activations"], "--seeds",
               str(grid["seeds"]), "--epochs", str(grid["epochs"]), "--threads", "1",
               "--out", str(out), *extra]  # fmt: skip
    clock = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - clock
    db = sqlite3.connect(out / "results.sqlite")
    first, last, mean_run = db.execute(
        "SELECT MIN(started), MAX(finished), AVG(seconds) FROM runs WHERE status = 'finished'"
    ).fetchone()
    db.close()
    shutil.rmtree(out, ignore_errors=True)
    span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
    return wall, span, mean_run


def _gaps(grid: dict, extra: list[str], env: dict[str, str]) -> float:
    """Median seconds between one run's end and the next one's start, one run at a time: what
    each run costs besides its training (handing the record back, the commit, dispatch)."""
    out = Path(tempfile.mkdtemp(prefix="actlab-bench-ray-"))
    actlab = str(Path(sys.executable).with_name("actlab"))
    command = [actlab, "compare", "--activations", grid["activations"], "--seeds",
               str(grid["seeds"]), "--epochs", "1", "--threads", "1", "--workers", "1",
               "--out", str(out), *extra]  # fmt: skip
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    db = sqlite3.connect(out / "results.sqlite")
    rows = db.execute("SELECT started, finished FROM runs ORDER BY started").fetchall()
    db.close()
    shutil.rmtree(out, ignore_errors=True)
    times = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in rows]
    return statistics.median(
        (times[i + 1][0] - times[i][1]).total_seconds() for i in range(len(times) - 1)
    )


def _medians(samples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    wall, span, run = (statistics.median(s[i] for s in samples) for i in range(3))
    return wall, span, run


def measure(quick: bool, repeats: int) -> dict:
    grid = QUICK if quick else FULL
    runs = len(grid["activations"].split(",")) * grid["seeds"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    from actlab.data import load

    load("mnist1d")  # cached before anything is timed
    names = ("local", "ray, own instance", "ray, joined cluster")
    times: dict[str, list] = {name: [] for name in names}
    cluster = RayCluster(nodes=1, cpus=CONCURRENT)
    gaps: dict[str, list[float]] = {"local": [], "ray, joined cluster": []}
    try:
        joined = {**env, **cluster.auth}
        ray_joined = ["--backend", "ray", "--ray-address", cluster.address]
        for _ in range(repeats):
            gaps["local"].append(_gaps(grid, [], env))
            gaps["ray, joined cluster"].append(_gaps(grid, ray_joined, joined))
        for _ in range(repeats):
            times["local"].append(_compare(grid, ["--workers", str(CONCURRENT)], env))
            times["ray, own instance"].append(_compare(grid, ["--backend", "ray"], env))
            times["ray, joined cluster"].append(_compare(grid, ray_joined, joined))
    finally:
        cluster.stop()
    local_wall, local_span, _ = _medians(times["local"])
    overhead = []
    for name in names:
        wall, span, run = _medians(times[name])
        overhead.append(
            {
                "backend": name,
                "runs": runs,
                "wall_s": round(wall, 2),
                "wall_vs_local": round(wall / local_wall, 3),
                "start_and_report_s": round(wall - span, 2),
                "runs_span_s": round(span, 2),
                "span_vs_local": round(span / local_span, 3),
                "extra_s_per_run": round((span - local_span) * CONCURRENT / runs, 3),
                "mean_run_s": round(run, 2),
            }
        )
    nodes = []
    for count in (1, 2):
        cluster = RayCluster(nodes=count + 1, cpus=1, head_cpus=0)
        try:
            extra = ["--backend", "ray", "--ray-address", cluster.address]
            samples = [_compare(grid, extra, {**env, **cluster.auth}) for _ in range(repeats)]
        finally:
            cluster.stop()
        wall, span, _ = _medians(samples)
        nodes.append(
            {
                "worker_nodes": count,
                "runs": runs,
                "wall_s": round(wall, 2),
                "runs_span_s": round(span, 2),
            }
        )
    nodes[1]["speedup_vs_1"] = round(nodes[0]["wall_s"] / nodes[1]["wall_s"], 2)
    nodes[1]["span_speedup_vs_1"] = round(nodes[0]["runs_span_s"] / nodes[1]["runs_span_s"], 2)
    return {
        "grid": grid,
        "repeats": repeats,
        "cpus": os.cpu_count(),
        "gap_between_runs_s": {k: round(statistics.median(v), 4) for k, v in gaps.items()},
        "overhead": overhead,
        "nodes": nodes,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smaller grid, 1 repeat")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    result = measure(args.quick, repeats)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    g = result["grid"]
    print(f"grid: {g['activations']} × {g['seeds']} seeds × {g['epochs']} epochs on MNIST-1D, "
          f"{CONCURRENT} runs at once × 1 thread, medians of {result['repeats']}")  # fmt: skip
    for name, gap in result["gap_between_runs_s"].items():
        print(f"  {name}: {1000 * gap:.0f} ms from one run's end to the next one's start")
    for r in result["overhead"]:
        print(f"  {r['backend']}: {r['wall_s']:.1f} s = {r['wall_vs_local']:.2f}× local; "
              f"start-up and report {r['start_and_report_s']:.1f} s; runs' span "
              f"{r['runs_span_s']:.1f} s = {r['span_vs_local']:.2f}× local "
              f"({r['extra_s_per_run']:+.2f} s per run of {r['mean_run_s']:.2f} s)")  # fmt: skip
    for r in result["nodes"]:
        speed = ""
        if "speedup_vs_1" in r:
            speed = f" ({r['speedup_vs_1']:.2f}× and {r['span_speedup_vs_1']:.2f}× as fast)"
        print(f"  {r['worker_nodes']} worker node(s) of 1 CPU: {r['wall_s']:.1f} s, runs' "
              f"span {r['runs_span_s']:.1f} s{speed}")  # fmt: skip


if __name__ == "__main__":
    main()
