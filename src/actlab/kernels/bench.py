"""Measuring the kernels: time, bandwidth against a same-run memory copy, and bytes kept.

Timings are medians (and bests) over `repeats` rounds after a warm-up round, the variants of
one activation timed round-robin so that load drift falls on all alike. At 16M elements every
variant's time includes faulting in its fresh 64 MB outputs, which varies run to run; the best
of the rounds shows the kernels with the least of that noise. "fwd" is the inference
forward (no autograd); "fwd_bwd" a training forward and its backward. Bandwidth counts the fewest bytes
an elementwise op must move in float32: forward reads x and writes y (8 bytes/element);
forward+backward also reads the upstream gradient and writes the input gradient (16 in all,
whatever the impl keeps; what it keeps is reported separately). `vs_copy` is the achieved
bandwidth divided by that of `torch.Tensor.copy_` on the same size, measured in the same run.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from actlab.catalog import make
from actlab.catalog.entries.smooth_gated import QUICK_GELU_SCALE
from actlab.kernels import compiled
from actlab.kernels.lean import MASK_KERNELS, RECOMPUTE_KERNELS
from actlab.kernels.modules import make_module
from actlab.kernels.select import kernel

Fn = Callable[[torch.Tensor], torch.Tensor]


def _elish_naive(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, x, torch.expm1(x)) * torch.sigmoid(x)


# Hand-written compositions that a user would write without actlab (autograd keeps their
# intermediates). mish has a PyTorch kernel; its composition is here for comparison.
NAIVE: dict[str, Fn] = {
    "mish": lambda x: x * torch.tanh(F.softplus(x)),
    "serf": lambda x: x * torch.erf(F.softplus(x)),
    "tanhexp": lambda x: x * torch.tanh(torch.exp(x)),
    "smish": lambda x: x * torch.tanh(torch.log1p(torch.sigmoid(x))),
    "logish": lambda x: x * torch.log1p(torch.sigmoid(x)),
    "quick_gelu": lambda x: x * torch.sigmoid(QUICK_GELU_SCALE * x),
    "gcu": lambda x: x * torch.cos(x),
    "elish": _elish_naive,
    "squareplus": lambda x: (x + torch.sqrt(x * x + 4.0)) / 2,  # b = 4, the default
}
# Every entry with a lean impl, and the fewbit headline entries.
OPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((name, ("native", "lean")) for name in MASK_KERNELS),
    ("mish", ("native", "lean", "fewbit")),
    ("serf", ("native", "lean", "fewbit")),
    *((name, ("native", "lean")) for name in RECOMPUTE_KERNELS if name not in ("mish", "serf")),
    ("gelu", ("native", "fewbit")),
    ("silu", ("native", "fewbit")),
)
QUICK_OPS = tuple(op for op in OPS if op[0] in ("relu", "leaky_relu", "mish", "serf", "gelu"))


def _interleaved_times(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list]:
    """Seconds of each run, timed round-robin (one of each per round) after a warm-up round,
    so that drift in the machine's load falls on every variant alike."""
    for run in runs.values():
        run()  # warm-up (and compilation for torch.compile)
    times: dict[str, list[float]] = {key: [] for key in runs}
    for _ in range(repeats):
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - start)
    return times


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    return statistics.median(_interleaved_times({"run": run}, repeats)["run"])


def saved_bytes_per_call(fn: Fn, x: torch.Tensor, exclude: tuple[torch.Tensor, ...] = ()) -> int:
    """Bytes of distinct storages autograd keeps for fn(x)'s backward (saved_tensors_hooks),
    leaving out the storages of `exclude` (e.g. model parameters, kept anyway)."""
    skip = {t.untyped_storage().data_ptr() for t in exclude}
    kept: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in skip:
            kept[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn(x)
    del out
    return sum(kept.values())


def _on_torch_path(fn: Fn) -> Fn:
    def run(x: torch.Tensor) -> torch.Tensor:
        with compiled.torch_path():
            return fn(x)

    return run


def _variants(
    name: str, impls: tuple[str, ...], with_torch_path: bool, with_compiled_naive: bool
) -> dict[str, Fn]:
    out = {impl: kernel(name, impl=impl) for impl in impls}
    if with_torch_path and compiled.backend().name == "compiled":
        for impl in impls[1:]:  # what the same impl costs without the fused kernels
            out[f"{impl}-torch"] = _on_torch_path(out[impl])
    if name in NAIVE:
        out["naive"] = NAIVE[name]
        if with_compiled_naive:
            out["naive-compiled"] = torch.compile(NAIVE[name], dynamic=False)
    return out


def measure_kernels(
    sizes: tuple[int, ...] = (1_000_000, 16_000_000),
    threads: tuple[int, ...] = (1, 2),
    repeats: int = 7,
    ops: tuple[tuple[str, tuple[str, ...]], ...] = OPS,
    with_torch_path: bool = True,
    with_compiled_naive: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """One row per (size, threads, activation, variant): times, GB/s, ratios, bytes kept.

    Variants: each impl; `<impl>-torch`, the same impl on its pure-torch path (what the fused
    kernels buy); `naive`, a hand-written composition; `naive-compiled`, torch.compile of it."""
    rows: list[dict] = []
    previous_threads = torch.get_num_threads()
    variants = {
        name: _variants(name, impls, with_torch_path, with_compiled_naive) for name, impls in ops
    }
    backend = compiled.backend().describe()
    try:
        for n in sizes:
            x = torch.randn(n, generator=torch.Generator().manual_seed(0))
            upstream = torch.randn(n, generator=torch.Generator().manual_seed(1))
            xg = x.clone().requires_grad_(True)
            for t in threads:
                torch.set_num_threads(t)
                dst = torch.empty_like(x)
                copy_s = _median_seconds(lambda dst=dst, x=x: dst.copy_(x), repeats)
                copy_gbps = 8 * n / copy_s / 1e9
                for name, _ in ops:
                    if progress is not None:
                        progress(f"{name} n={n} threads={t}")
                    fns = variants[name]

                    def fwd_bwd(fn, xg=xg, upstream=upstream):
                        xg.grad = None
                        fn(xg).backward(upstream)

                    fwd_times = _interleaved_times(
                        {v: (lambda fn=fn, x=x: fn(x)) for v, fn in fns.items()}, repeats
                    )
                    both_times = _interleaved_times(
                        {v: (lambda fn=fn: fwd_bwd(fn)) for v, fn in fns.items()}, repeats
                    )
                    fwd = {v: statistics.median(ts) for v, ts in fwd_times.items()}
                    both = {v: statistics.median(ts) for v, ts in both_times.items()}
                    best = {v: min(ts) for v, ts in both_times.items()}
                    for variant, fn in fns.items():
                        rows.append(
                            {
                                "n": n,
                                "threads": t,
                                "activation": name,
                                "impl": variant,
                                "fwd_ms": 1e3 * fwd[variant],
                                "fwd_bwd_ms": 1e3 * both[variant],
                                "fwd_bwd_best_ms": 1e3 * best[variant],
                                "fwd_gbps": 8 * n / fwd[variant] / 1e9,
                                "fwd_bwd_gbps": 16 * n / both[variant] / 1e9,
                                "copy_gbps": copy_gbps,
                                "fwd_vs_copy": (8 * n / fwd[variant] / 1e9) / copy_gbps,
                                "fwd_bwd_vs_copy": (16 * n / both[variant] / 1e9) / copy_gbps,
                                "fwd_bwd_speedup_vs_native": both["native"] / both[variant],
                                "fwd_bwd_best_speedup_vs_native": best["native"] / best[variant],
                                "fwd_bwd_speedup_vs_naive": (
                                    both["naive"] / both[variant] if "naive" in both else None
                                ),
                                "kept_bytes_per_element": saved_bytes_per_call(fn, xg) / n,
                                "backend": backend,
                            }
                        )
    finally:
        torch.set_num_threads(previous_threads)
    return rows


def lean_targets(rows: list[dict]) -> list[dict]:
    """Per activation with a lean impl: the worst and best lean fwd+bwd speed-up over native
    (target >= 1.0) and, where PyTorch lacks the op, over the naive composition (target >= 2)
    across the measured sizes and thread counts."""
    out = []
    for name in dict.fromkeys(r["activation"] for r in rows):
        lean = [r for r in rows if r["activation"] == name and r["impl"] == "lean"]
        if not lean:
            continue
        vs_native = [r["fwd_bwd_speedup_vs_native"] for r in lean]
        vs_native_best = [r["fwd_bwd_best_speedup_vs_native"] for r in lean]
        vs_naive = [r["fwd_bwd_speedup_vs_naive"] for r in lean if r["fwd_bwd_speedup_vs_naive"]]
        has_native_op = name in MASK_KERNELS or name == "mish"
        out.append(
            {
                "activation": name,
                "vs_native_min": min(vs_native),
                "vs_native_max": max(vs_native),
                "vs_native_best_min": min(vs_native_best),
                "vs_naive_min": min(vs_naive) if vs_naive and not has_native_op else None,
                "vs_naive_max": max(vs_naive) if vs_naive and not has_native_op else None,
                "native_target_met": min(vs_native) >= 1.0,
                "naive_target_met": None if has_native_op or not vs_naive else min(vs_naive) >= 2.0,
            }
        )
    return out


def _mlp(activation: torch.nn.Module, width: int, depth: int) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    for _ in range(depth):
        layers += [torch.nn.Linear(width, width), activation]
    return torch.nn.Sequential(*layers)


def measure_mlp(
    width: int = 4096,
    depth: int = 8,
    batch: int = 256,
    repeats: int = 2,
    runs: tuple[tuple[str, str], ...] = (
        ("gelu", "native"),
        ("gelu", "fewbit"),
        ("relu", "native"),
        ("relu", "lean"),
    ),
) -> list[dict]:
    """One SGD training step of a depth x (Linear(width, width) + activation) MLP per impl:
    median step time and the bytes autograd keeps for the whole model's backward (distinct
    storages, parameters excluded: they are kept whatever the activation)."""
    rows = []
    x = torch.randn(batch, width, generator=torch.Generator().manual_seed(0))
    for name, impl in runs:
        torch.manual_seed(0)
        activation = make(name) if impl == "native" else make_module(name, impl)
        model = _mlp(activation, width, depth)
        params = tuple(model.parameters())

        def step(model=model, params=params):
            loss = model(x).square().mean()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads, strict=True):
                    p.sub_(1e-3 * g)

        seconds = _median_seconds(step, repeats)
        kept = saved_bytes_per_call(model, x, exclude=params)
        rows.append(
            {
                "activation": name,
                "impl": impl,
                "width": width,
                "depth": depth,
                "batch": batch,
                "threads": torch.get_num_threads(),
                "step_s": seconds,
                "kept_mib": kept / 2**20,
                "kept_bytes_per_activation_element": kept / (depth * batch * width),
            }
        )
    base = {r["activation"]: r["kept_mib"] for r in rows if r["impl"] == "native"}
    for r in rows:
        r["kept_reduction_vs_native"] = 1 - r["kept_mib"] / base[r["activation"]]
    return rows


def run_benchmark(
    quick: bool = False, progress: Callable[[str], None] | None = None, large_only: bool = False
):
    """(per-op rows, MLP rows). quick: 1M elements, 1 thread, five activations, a width-1024
    MLP (about a minute); full: 1M and 16M elements, 1 and 2 threads, every lean entry;
    large_only: the full set at 16M only."""
    if large_only:
        return measure_kernels(sizes=(16_000_000,), progress=progress), measure_mlp()
    if quick:
        ops = measure_kernels(
            sizes=(1_000_000,), threads=(1,), repeats=5, ops=QUICK_OPS, progress=progress
        )
        return ops, measure_mlp(width=1024)
    return measure_kernels(progress=progress), measure_mlp()


def write_csv(rows: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
