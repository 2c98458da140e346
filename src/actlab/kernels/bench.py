"""Measuring the kernels: time, bandwidth against a same-run memory copy, and bytes kept.

Timings are medians over `repeats` runs after one warm-up. Bandwidth counts the fewest bytes
an elementwise op must move in float32: forward reads x and writes y (8 bytes/element);
forward+backward also reads the upstream gradient and writes the input gradient (16 in all,
whatever the impl keeps; what it keeps is reported separately). `vs_copy` is the achieved
bandwidth divided by that of `torch.Tensor.copy_` on the same size, measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

import actlab
from actlab.kernels.select import kernel

Fn = Callable[[torch.Tensor], torch.Tensor]

# Hand-written compositions that a user would write without actlab (autograd keeps their
# intermediates); None where PyTorch has the op.
NAIVE: dict[str, Fn] = {
    "mish": lambda x: x * torch.tanh(F.softplus(x)),
    "serf": lambda x: x * torch.erf(F.softplus(x)),
    "tanhexp": lambda x: x * torch.tanh(torch.exp(x)),
}
OPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("relu", ("native", "lean")),
    ("gelu", ("native", "fewbit")),
    ("silu", ("native", "fewbit")),
    ("mish", ("native", "lean", "fewbit")),
    ("serf", ("native", "lean", "fewbit")),
    ("tanhexp", ("native", "lean")),
)


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    run()  # warm-up (and compilation for torch.compile)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def _variants(name: str, impls: tuple[str, ...]) -> dict[str, Fn]:
    out = {impl: kernel(name, impl=impl) for impl in impls}
    if name in NAIVE:
        out["naive"] = NAIVE[name]
        out["naive-compiled"] = torch.compile(NAIVE[name], dynamic=False)
    return out


def measure_kernels(
    sizes: tuple[int, ...] = (1_000_000, 16_000_000),
    threads: tuple[int, ...] = (1, 2),
    repeats: int = 5,
    ops: tuple[tuple[str, tuple[str, ...]], ...] = OPS,
) -> list[dict]:
    """One row per (size, threads, activation, variant): times, GB/s, ratios, bytes kept."""
    rows: list[dict] = []
    previous_threads = torch.get_num_threads()
    variants = {name: _variants(name, impls) for name, impls in ops}
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
                    native_fb = None
                    for variant, fn in variants[name].items():
                        fwd_s = _median_seconds(lambda fn=fn, x=x: fn(x), repeats)

                        def fwd_bwd(fn=fn, xg=xg, upstream=upstream):
                            xg.grad = None
                            fn(xg).backward(upstream)

                        fb_s = _median_seconds(fwd_bwd, repeats)
                        native_fb = fb_s if variant == "native" else native_fb
                        kept = saved_bytes_per_call(fn, xg) / n
                        rows.append(
                            {
                                "n": n,
                                "threads": t,
                                "activation": name,
                                "impl": variant,
                                "fwd_ms": 1e3 * fwd_s,
                                "fwd_bwd_ms": 1e3 * fb_s,
                                "fwd_gbps": 8 * n / fwd_s / 1e9,
                                "fwd_bwd_gbps": 16 * n / fb_s / 1e9,
                                "copy_gbps": copy_gbps,
                                "fwd_vs_copy": (8 * n / fwd_s / 1e9) / copy_gbps,
                                "fwd_bwd_vs_copy": (16 * n / fb_s / 1e9) / copy_gbps,
                                "fwd_bwd_speedup_vs_native": native_fb / fb_s,
                                "kept_bytes_per_element": kept,
                            }
                        )
    finally:
        torch.set_num_threads(previous_threads)
    return rows


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
        model = _mlp(actlab.make(name, impl=impl), width, depth)
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
