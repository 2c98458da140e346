"""Time every elementwise catalogue entry against PyTorch native and a memory copy.

For each entry: forward and forward+backward time on N float32 elements, as ratios to
(a) a memory copy of the same tensor measured in the same run, and (b) the PyTorch native
function where the entry has one (the ratio shows what actlab's dispatch layer costs).

    .venv/bin/python benchmarks/bench_activations.py [--n 1000000] [--threads 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import torch

import actlab


def best_time(fn: Callable[[], object], repeat: int = 15, warmup: int = 3) -> float:
    """Median seconds of `fn` over `repeat` calls after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fwd_bwd(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, g: torch.Tensor):
    def step():
        xr = x.detach().requires_grad_()
        f(xr).backward(g)

    return step


def measure(n: int = 1_000_000, threads: int = 2) -> list[dict]:
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, generator=gen) * 3
    g = torch.randn(n, generator=gen)
    copy_s = best_time(lambda: x.clone())
    rows = []
    for spec in actlab.specs():
        if not spec.elementwise:
            continue
        f = actlab.make(spec.name).eval()
        with torch.no_grad():
            fwd = best_time(lambda f=f: f(x))
        both = best_time(fwd_bwd(f, x, g))
        row = {
            "name": spec.name,
            "n": n,
            "threads": threads,
            "forward_ms": fwd * 1e3,
            "fwd_bwd_ms": both * 1e3,
            "forward_vs_copy": fwd / copy_s,
            "native_forward_ratio": None,
            "native_fwd_bwd_ratio": None,
        }
        if spec.native:
            with torch.no_grad():
                nat = best_time(lambda s=spec: s.call_native(x))
            nat_both = best_time(fwd_bwd(spec.call_native, x, g))
            row["native_forward_ratio"] = nat / fwd  # >1: actlab faster
            row["native_fwd_bwd_ratio"] = nat_both / both
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=1_000_000, help="elements per tensor (float32)")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    ap.add_argument("--json", action="store_true", help="print rows as JSON")
    args = ap.parse_args()
    rows = measure(args.n, args.threads)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(
        f"{'activation':<16}{'fwd ms':>9}{'fwd+bwd ms':>12}{'fwd/copy':>10}{'native/ours fwd':>17}{'native/ours f+b':>17}"
    )
    for r in rows:
        nat = lambda v: f"{v:17.2f}" if v is not None else f"{'-':>17}"
        print(
            f"{r['name']:<16}{r['forward_ms']:9.3f}{r['fwd_bwd_ms']:12.3f}{r['forward_vs_copy']:10.2f}"
            f"{nat(r['native_forward_ratio'])}{nat(r['native_fwd_bwd_ratio'])}"
        )


if __name__ == "__main__":
    main()
