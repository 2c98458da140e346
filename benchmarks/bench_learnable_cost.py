"""Cost of learnable activations: parameters added and train-step time vs the fixed start.

On the default compare MLP (mnist1d, hidden 500, depth 1, batch 128, Adam), each learnable
activation against the fixed activation it starts from, interleaved to even out drift.

    .venv/bin/python benchmarks/bench_learnable_cost.py [--steps 200] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from actlab.adaptive import activation_parameters
from actlab.catalog.parse import parse_activation
from actlab.data import load
from actlab.models import build_model

PAIRS = [
    ("prelu", "leaky_relu:negative_slope=0.25"),
    ("swish_learnable", "silu"),
    ("rational:init=leaky_relu", "leaky_relu"),
    ("spline", "silu"),
    ("pelu", "elu"),
    ("apl", "relu"),
]


def _model(text: str, dataset) -> torch.nn.Module:
    name, params = parse_activation(text)
    torch.manual_seed(0)
    return build_model("mlp", dataset.input_shape, dataset.num_classes, name, params)


def _step_us(model: torch.nn.Module, x, y, steps: int, warmup: int = 20) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def measure_learnable_cost(steps: int = 200, threads: int = 1, rounds: int = 3) -> list[dict]:
    torch.set_num_threads(threads)
    ds = load("mnist1d")
    x, y = ds.x_train[:128], ds.y_train[:128]
    rows = []
    for learn, fixed in PAIRS:
        ml, mf = _model(learn, ds), _model(fixed, ds)
        tl, tf = [], []
        for _ in range(rounds):
            tl.append(_step_us(ml, x, y, steps))
            tf.append(_step_us(mf, x, y, steps))
        a, b = statistics.median(tl), statistics.median(tf)
        rows.append(
            {
                "learnable": learn,
                "starts_from": fixed,
                "params_added": sum(p.numel() for p in activation_parameters(ml)),
                "step_us": a,
                "fixed_step_us": b,
                "step_time_ratio": a / b,
                "threads": threads,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", type=int, default=200, help="timed steps per round")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = ap.parse_args()
    print("| learnable | starts from | params added | step µs | fixed step µs | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for r in measure_learnable_cost(args.steps, args.threads):
        print(
            f"| `{r['learnable']}` | `{r['starts_from']}` | {r['params_added']} | {r['step_us']:.0f} "
            f"| {r['fixed_step_us']:.0f} | {r['step_time_ratio']:.2f} |"
        )


if __name__ == "__main__":
    main()
