"""What the user waits for: the whole `actlab compare` command against a plain script.

Times, as whole processes (start-up, data, training, and for actlab the statistics, figures
and report), `actlab compare --activations relu,tanh --epochs 10 --seeds 2` (4 runs) and a
single-run grid (`--activations relu --seeds 1`) against `benchmarks/plain_compare.py`
doing the same training by hand. Commands alternate (plain, actlab, plain, ...) so machine
load hits both alike; the ratio is actlab / plain of the medians (below 1: actlab faster).
Both read MNIST-1D from actlab's cache, which is filled first.

    .venv/bin/python benchmarks/bench_compare_e2e.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GRIDS = {
    "4 runs (relu,tanh × 2 seeds)": ("relu,tanh", 2),
    "1 run (relu × 1 seed)": ("relu", 1),
}


def _mnist1d_cache() -> Path:
    from actlab.data import cache_dir, load

    load("mnist1d")
    (npz,) = sorted((cache_dir() / "mnist1d").glob("*.npz"))[-1:]
    return npz


def _time(command: list[str]) -> float:
    clock = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - clock


def measure(repeats: int = 3, epochs: int = 10) -> list[dict]:
    npz = _mnist1d_cache()
    actlab = str(Path(sys.executable).with_name("actlab"))
    rows = []
    for grid, (activations, seeds) in GRIDS.items():
        out = Path(tempfile.mkdtemp(prefix="actlab-e2e-"))
        plain_cmd = [sys.executable, str(HERE / "plain_compare.py"), str(npz),
                     "--activations", activations, "--epochs", str(epochs), "--seeds", str(seeds)]  # fmt: skip
        actlab_cmd = [actlab, "compare", "--activations", activations, "--epochs", str(epochs),
                      "--seeds", str(seeds), "--out", str(out), "--fresh"]  # fmt: skip
        times: dict[str, list[float]] = {"plain": [], "actlab": []}
        for _ in range(repeats):
            times["plain"].append(_time(plain_cmd))
            times["actlab"].append(_time(actlab_cmd))
        shutil.rmtree(out, ignore_errors=True)
        rows.append(
            {
                "grid": grid,
                "epochs": epochs,
                "repeats": repeats,
                "cpus": os.cpu_count(),
                "plain_s_median": statistics.median(times["plain"]),
                "actlab_s_median": statistics.median(times["actlab"]),
                "plain_s_min": min(times["plain"]),
                "actlab_s_min": min(times["actlab"]),
                "ratio_median": statistics.median(times["actlab"])
                / statistics.median(times["plain"]),
            }
        )
    return rows


def measure_startup(repeats: int = 5) -> list[dict]:
    """Whole-process seconds of `actlab --help`, `actlab list` and `import actlab`, as ratios
    to `python -c "import torch"` measured alternately in the same run."""
    actlab = str(Path(sys.executable).with_name("actlab"))
    commands = {
        "import torch": [sys.executable, "-c", "import torch"],
        "actlab --help": [actlab, "--help"],
        "actlab list": [actlab, "list"],
        "import actlab": [sys.executable, "-c", "import actlab"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            times[name].append(_time(command))
    torch_s = statistics.median(times["import torch"])
    return [
        {
            "command": name,
            "seconds_median": statistics.median(t),
            "ratio_to_torch_import": statistics.median(t) / torch_s,
        }
        for name, t in times.items()
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = measure(args.repeats)
    startup = measure_startup(max(args.repeats, 3))
    if args.json:
        print(json.dumps({"compare": rows, "startup": startup}, indent=2))
        return
    for r in rows:
        print(f"{r['grid']}: actlab {r['actlab_s_median']:.1f} s, plain {r['plain_s_median']:.1f} s, "
              f"ratio {r['ratio_median']:.2f} (medians of {r['repeats']})")  # fmt: skip
    for r in startup:
        print(
            f"{r['command']}: {r['seconds_median']:.2f} s = {r['ratio_to_torch_import']:.2f}× import torch"
        )


if __name__ == "__main__":
    main()
