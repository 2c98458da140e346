"""Cost of learnable activations: training-step time vs the same network with SiLU, and the
activation alone (forward + backward at 1M elements) vs `F.silu`, both measured in this run.

Step: the default compare MLP (mnist1d, hidden 500, depth 1, batch 128, Adam), one network
per activation, all built from the same seed. Each round times every network (fused kernels,
and the pure-torch form under `torch_path()`, the "before") in a rotated order, so drift in
the machine's load falls on all of them; a ratio is taken within each round and the median
over rounds is reported, with the range and a 95% bootstrap interval of that median. Rounds
are short (10 timed steps after 2 warm-up steps, each network in turn) and many (60): on a
VM whose speed drifts by 10-30% over seconds, a ratio is only as good as the time between the
two measurements it divides, and 100-step rounds put seconds between them.

Kernel alone: 1M float32 elements, x and the activation's parameters requiring grad, one
forward and one backward (the parameter gradients included), against `F.silu` on the same
tensor, interleaved the same way, at 1 thread (`--kernel-threads 1 2` adds 2, wall time only).

Both clocks are recorded: wall, and the calling thread's CPU time. On a shared machine a long
call is preempted and a short one mostly not, so wall ratios measure the scheduler; at 1 thread
the CPU time is what an idle machine's wall time would be, and the targets are judged on it
(on wall time above 1 thread). glibc keeps freed memory meanwhile (`keep_freed_memory`).

Issue 19's targets: step ratio rational <= 1.5, spline <= 2, apl <= 1.5, pelu <= 1.3, prelu
and swish_learnable <= 1.15; rational's kernel alone within 2x of F.silu.

    .venv/bin/python benchmarks/bench_learnable_cost.py [--quick] [--steps 100] [--rounds 5]
        [--threads 1] [--kernel-threads 1 [2]]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from ratio_stats import median_interval, round_ratios

import actlab
from actlab.adaptive import activation_parameters
from actlab.catalog.parse import parse_activation
from actlab.data import load
from actlab.kernels.compiled import backend, torch_path
from actlab.models import build_model

BASELINE = "silu"
LEARNABLE = ["prelu", "swish_learnable", "rational:init=leaky_relu", "spline", "pelu", "apl"]
STEP_TARGETS = {
    "prelu": 1.15,
    "swish_learnable": 1.15,
    "rational": 1.5,
    "spline": 2.0,
    "pelu": 1.3,
    "apl": 1.5,
}
KERNEL_TARGETS = {"rational": 2.0}  # fwd+bwd at 1M elements vs F.silu


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks (up to 32 MB) instead of returning them to the system.

    By default a freed 4 MB tensor may go back to the kernel, and the next one is faulted in
    afresh, page by page: on this VM that cost 2-6 ms per call, more than the kernels
    themselves, and came and went with the allocator's state, so the same measurement gave 2x
    or 5x. A training loop in steady state reuses its memory; both sides of every ratio get the
    same allocator. Process-wide and for the rest of the process; False where not glibc.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "mallopt"):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(
        libc.mallopt(m_mmap_threshold, 32 << 20) and libc.mallopt(m_trim_threshold, 1 << 30)
    )


def _model(text: str, dataset) -> torch.nn.Module:
    name, params = parse_activation(text)
    torch.manual_seed(0)
    return build_model("mlp", dataset.input_shape, dataset.num_classes, name, params)


def _median_us(call: Callable[[], None], repeats: int, warmup: int) -> tuple[float, float]:
    """Median wall and median thread-CPU µs of one call. At 1 thread the CPU time is what an
    idle machine's wall time would be: it leaves out the time other processes held the core."""
    wall, cpu = [], []
    for i in range(warmup + repeats):
        w0, c0 = time.perf_counter(), time.thread_time()
        call()
        w1, c1 = time.perf_counter(), time.thread_time()
        if i >= warmup:
            wall.append(w1 - w0)
            cpu.append(c1 - c0)
    return statistics.median(wall) * 1e6, statistics.median(cpu) * 1e6


def _interleaved(calls: dict[str, Callable[[], None]], rounds: int, repeats: int, warmup: int):
    """{clock: {key: [median µs of each round]}} for clock "wall" and "cpu", every round timing
    every call, in a rotated order."""
    keys = list(calls)
    times: dict[str, dict[str, list[float]]] = {c: {k: [] for k in keys} for c in ("wall", "cpu")}
    for r in range(rounds):
        shift = r % len(keys)
        for key in keys[shift:] + keys[:shift]:
            wall, cpu = _median_us(calls[key], repeats, warmup)
            times["wall"][key].append(wall)
            times["cpu"][key].append(cpu)
    return times


def _ratios(times: dict[str, list[float]], key: str, base: str) -> list[float]:
    return round_ratios(times[key], times[base])


def _train_step(model: torch.nn.Module, x, y, reference: bool) -> Callable[[], None]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        opt.zero_grad()
        if reference:
            with torch_path():
                loss = F.cross_entropy(model(x), y)
                loss.backward()
        else:
            F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def _compare(times: dict, key: str, base: str, threads: int, target: float | None) -> dict:
    """Medians of both clocks and of the per-round ratios; the verdict is on CPU time at one
    thread (the idle-machine figure under load), on wall time otherwise."""
    row = {}
    for clock in ("cpu", "wall"):
        ratios = _ratios(times[clock], key, base)
        low, high = median_interval(ratios)
        row |= {
            f"{clock}_us": statistics.median(times[clock][key]),
            f"{clock}_silu_us": statistics.median(times[clock][base]),
            f"{clock}_ratio": statistics.median(ratios),
            f"{clock}_ratio_min": min(ratios),
            f"{clock}_ratio_max": max(ratios),
            f"{clock}_ratio_ci_low": low,
            f"{clock}_ratio_ci_high": high,
        }
    if threads > 1:  # thread_time sees the calling thread only: no CPU figure
        row |= {k: None for k in row if k.startswith("cpu_")}
    judged = row["cpu_ratio"] if threads == 1 else row["wall_ratio"]
    return row | {
        "target": target,
        "met": None if target is None else judged <= target,
        "threads": threads,
    }


def measure_step_cost(steps: int = 10, rounds: int = 60, threads: int = 1) -> list[dict]:
    """One row per learnable activation: training-step time vs the SiLU network, with the fused
    kernels and with the pure-torch form (`torch_form_*`), ratios within each round."""
    kept = keep_freed_memory()
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        ds = load("mnist1d")
        x, y = ds.x_train[:128], ds.y_train[:128]
        models = {text: _model(text, ds) for text in [BASELINE, *LEARNABLE]}
        calls = {BASELINE: _train_step(models[BASELINE], x, y, reference=False)}
        for text in LEARNABLE:
            calls[text] = _train_step(models[text], x, y, reference=False)
            calls[text + "@torch"] = _train_step(models[text], x, y, reference=True)
        for call in calls.values():  # each network's first steps (allocations, Adam state)
            for _ in range(10):
                call()
        times = _interleaved(calls, rounds, steps, warmup=2)
    finally:
        torch.set_num_threads(previous)
    rows = []
    for text in LEARNABLE:
        name = text.split(":")[0]
        before = _compare(times, text + "@torch", BASELINE, threads, None)
        rows.append(
            {
                "activation": text,
                "params_added": sum(p.numel() for p in activation_parameters(models[text])),
                **_compare(times, text, BASELINE, threads, STEP_TARGETS[name]),
                "torch_form_cpu_ratio": before["cpu_ratio"],
                "torch_form_wall_ratio": before["wall_ratio"],
                "rounds": rounds,
                "steps_per_round": steps,
                "backend": backend().name,
                "freed_memory_kept": kept,
            }
        )
    return rows


def measure_kernel_cost(
    n: int = 1_000_000, rounds: int = 7, repeats: int = 20, threads: tuple[int, ...] = (1,)
) -> list[dict]:
    """Forward + backward of each learnable activation alone (parameter gradients included) vs
    F.silu on the same float32 tensor of n elements."""
    kept = keep_freed_memory()
    x = torch.randn(n, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    grad = torch.randn(n, generator=torch.Generator().manual_seed(1))
    modules = {}
    for text in LEARNABLE:
        name, params = parse_activation(text)
        modules[text] = actlab.make(name, **params)

    def fwd_bwd(fn: Callable[[torch.Tensor], torch.Tensor], params) -> Callable[[], None]:
        inputs = [x, *params]
        return lambda: torch.autograd.grad(fn(x), inputs, grad)

    calls = {BASELINE: fwd_bwd(F.silu, [])}
    for text, module in modules.items():
        calls[text] = fwd_bwd(module, list(module.parameters()))
    previous = torch.get_num_threads()
    rows = []
    try:
        for t in threads:
            torch.set_num_threads(t)
            times = _interleaved(calls, rounds, repeats, warmup=3)
            for text in LEARNABLE:
                target = KERNEL_TARGETS.get(text.split(":")[0])
                rows.append(
                    {
                        "activation": text,
                        "elements": n,
                        **_compare(times, text, BASELINE, t, target),
                        "backend": backend().name,
                        "freed_memory_kept": kept,
                    }
                )
    finally:
        torch.set_num_threads(previous)
    return rows


def _verdict(row: dict) -> str:
    if row["target"] is None:
        return ""
    return f"≤ {row['target']}: " + ("met" if row["met"] else "missed")


def _ratio(row: dict, clock: str) -> str:
    if row[f"{clock}_ratio"] is None:
        return "–"
    return (
        f"{row[f'{clock}_ratio']:.3f} "
        f"[{row[f'{clock}_ratio_ci_low']:.3f}, {row[f'{clock}_ratio_ci_high']:.3f}]"
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="fewer rounds (~1 min)")
    ap.add_argument("--steps", type=int, default=None, help="timed steps per round (10)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds (60)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the training step")
    ap.add_argument(
        "--kernel-threads",
        type=int,
        nargs="+",
        default=[1],
        help="thread counts for the activation-alone timing (CPU time is reported at 1 only)",
    )
    args = ap.parse_args()
    steps = args.steps or 10
    rounds = args.rounds or (15 if args.quick else 60)
    print(f"fused kernels: {backend().name}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"\ntraining step, {args.threads} thread(s), vs the SiLU network: median of {rounds} "
        f"per-round ratios [95% bootstrap interval] (CPU time; wall)"
    )
    print(
        "| activation | params | µs CPU | SiLU µs | ratio CPU | ratio wall | torch form | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in measure_step_cost(steps, rounds, args.threads):
        print(
            f"| `{r['activation']}` | {r['params_added']} | {r['cpu_us'] or r['wall_us']:.0f} "
            f"| {r['cpu_silu_us'] or r['wall_silu_us']:.0f} | {_ratio(r, 'cpu')} "
            f"| {_ratio(r, 'wall')} | {r['torch_form_cpu_ratio'] or r['torch_form_wall_ratio']:.2f} "
            f"| {_verdict(r)} |"
        )
    print("\nactivation alone, forward + backward, 1M float32, vs F.silu (CPU time; wall)")
    print("| activation | threads | µs CPU | F.silu µs | ratio CPU | ratio wall | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in measure_kernel_cost(rounds=rounds, threads=tuple(args.kernel_threads)):
        print(
            f"| `{r['activation']}` | {r['threads']} | {r['cpu_us'] or r['wall_us']:.0f} "
            f"| {r['cpu_silu_us'] or r['wall_silu_us']:.0f} | {_ratio(r, 'cpu')} "
            f"| {_ratio(r, 'wall')} | {_verdict(r)} |"
        )


if __name__ == "__main__":
    main()
