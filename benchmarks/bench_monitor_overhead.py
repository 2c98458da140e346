"""What watching a training step with `actlab.diagnose.Monitor` costs.

One Adam step (zero_grad, forward, cross-entropy, backward, step) of an MLP 784-512x4-10 with
ReLU on a batch of 256, timed without and with a Monitor attached (every statistic: moments,
on-rate, f'(z) by autograd, saturation, dead units, gradient norms, NaN/inf). The two are
measured in alternating rounds in the same run, so machine load affects both alike; the
result is the ratio of median step times.

    .venv/bin/python benchmarks/bench_monitor_overhead.py [--threads 2] [--batch 256] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from actlab.diagnose import Monitor


def mlp(width: int = 512, depth: int = 4, inputs: int = 784, classes: int = 10) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(inputs if i == 0 else width, width), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(width, classes))


def measure_monitor_overhead(
    batch: int = 256,
    width: int = 512,
    depth: int = 4,
    threads: int | None = None,
    rounds: int = 7,
    steps_per_round: int = 5,
) -> dict:
    """Median seconds per training step without and with a Monitor, and their ratio."""
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        torch.manual_seed(0)
        model = mlp(width, depth)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.randn(batch, 784), torch.randint(0, 10, (batch,))
        monitor = Monitor(model)

        def step() -> None:
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            optimizer.step()

        def timed(watch: bool) -> list[float]:
            if watch:
                monitor.attach()
            times = []
            for _ in range(steps_per_round):
                t0 = time.perf_counter()
                step()
                times.append(time.perf_counter() - t0)
            monitor.detach()
            return times

        for watch in (False, True):  # warm-up: allocator, autograd, first-call costs
            timed(watch)
        plain: list[float] = []
        watched: list[float] = []
        for _ in range(rounds):
            plain += timed(False)
            watched += timed(True)
        rows = monitor.report()  # the statistics really were gathered
        assert rows and rows[0]["backward_passes"] == rounds * steps_per_round + steps_per_round
        plain_s, watched_s = statistics.median(plain), statistics.median(watched)
        return {
            "model": f"mlp 784-{width}x{depth}-10 relu",
            "batch": batch,
            "threads": torch.get_num_threads(),
            "steps": len(plain),
            "plain_ms": 1e3 * plain_s,
            "monitored_ms": 1e3 * watched_s,
            "overhead_ratio": watched_s / plain_s,
        }
    finally:
        torch.set_num_threads(previous)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = measure_monitor_overhead(batch=args.batch, threads=args.threads)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['model']}, batch {result['batch']}, {result['threads']} threads: "
        f"{result['plain_ms']:.2f} ms/step plain, {result['monitored_ms']:.2f} ms/step "
        f"monitored -> overhead ratio {result['overhead_ratio']:.2f}x"
    )


if __name__ == "__main__":
    main()
