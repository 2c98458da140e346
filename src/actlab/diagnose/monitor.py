"""`Monitor`: activation health of any PyTorch model, gathered by hooks while it runs.

>>> import torch, torch.nn as nn
>>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Linear(8, 1))
>>> with Monitor(net) as monitor:
...     net(torch.randn(32, 4)).sum().backward()
>>> [row["path"] for row in monitor.report()]
['1']

How it hooks in, and why:

- a forward *pre*-hook on each activation module reads the pre-activation z before the module
  runs, so an in-place activation (``nn.ReLU(inplace=True)``) cannot overwrite it first;
  f'(z) comes from the catalogue entry's torch form and autograd on a detached copy, a graph
  of its own that the model's autograd never sees;
- a forward hook reads the output and registers ``output.register_hook`` for the gradient of
  the loss with respect to that output (full backward hooks fail on in-place outputs);
- a pre-/post-hook pair on the model itself numbers the calls of each module within one
  forward, so a module called at several places (one ``self.act`` used by every layer,
  torchvision's BasicBlock calling ``self.relu`` twice) gives one row per call site.

Statistics are running sums kept on the model's device (see `actlab.diagnose.stats` for the
definition of a unit, a dead unit, inactive and saturated); they are read back once per
`report()`. `reset()` starts over, e.g. once per epoch.

What it costs, and how to pay less: every statistic on every layer and every step adds about
8% to a training step of an MLP 784-512x4 on an idle CPU (each tensor is read once, by a fused
kernel; `benchmarks/bench_monitor_overhead.py`, docs/performance.md). ``every=N`` watches one
forward (and its backward) in N; on the others no layer hook is even attached; ``layers=`` and
``stats=`` restrict the work to the call sites and statistics asked for: nothing else is hooked
or computed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from actlab.diagnose.findings import findings
from actlab.diagnose.resolve import Resolved, resolve
from actlab.diagnose.stats import STATISTICS, LayerStats
from actlab.diagnose.swap import find_activations


def derivative(
    module: nn.Module, resolved: Resolved | None, z: torch.Tensor
) -> torch.Tensor | None:
    """f'(z) elementwise, by autograd through the catalogue's torch form of the module's entry
    (or through the module itself when the catalogue has no entry for its class); None when the
    activation is not elementwise."""
    if resolved is not None and not resolved.spec.elementwise:
        return None
    with torch.inference_mode(False), torch.enable_grad():
        leaf = z.detach()
        if leaf.is_inference():  # inference tensors cannot enter autograd; a copy can
            leaf = leaf.clone()
        leaf.requires_grad_(True)
        if resolved is not None:
            y = resolved.spec.apply(leaf, resolved.params(module))
        else:
            y = module.forward(leaf * 1)  # a non-leaf copy, so in-place modules work too
        if not y.requires_grad or y.shape != leaf.shape:
            return None
        (d1,) = torch.autograd.grad(y, leaf, torch.ones_like(y))
    return d1


# Entries whose f' is the indicator of z > 0, f'(0) = 0 included (what autograd of their torch
# form gives, NaN included): the statistics read f' off one comparison, not an autograd pass.
INDICATOR_DERIVATIVE = frozenset({"relu"})


def derivative_for_stats(
    module: nn.Module, resolved: Resolved | None, z: torch.Tensor
) -> tuple[torch.Tensor | None, bool]:
    """(f'(z), whether f' is the indicator of z > 0): `derivative`, or for a ReLU-like entry
    (None, True): the statistics read that indicator off z itself, never made as a tensor."""
    if resolved is not None and resolved.spec.name in INDICATOR_DERIVATIVE:
        return None, True
    return derivative(module, resolved, z), False


CHANNEL_FIRST = (
    nn.modules.conv._ConvNd,
    nn.modules.batchnorm._NormBase,
    nn.GroupNorm,
    nn.modules.pooling._MaxPoolNd,
    nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd,
    nn.modules.pooling._AdaptiveMaxPoolNd,
)


def follows_channel_first(model: nn.Module, path: str) -> bool:
    """Whether the module registered just before `path` in its parent (the last leaf of it,
    when it is a container) lays tensors out channels first: a conv, norm or pooling layer."""
    parent_path, _, attr = path.rpartition(".")
    siblings = list(model.get_submodule(parent_path)._modules.items()) if path else []
    names = [name for name, _ in siblings]
    if attr not in names or names.index(attr) == 0:
        return False
    previous = siblings[names.index(attr) - 1][1]
    while previous is not None and previous._modules:
        previous = list(previous._modules.values())[-1]
    return isinstance(previous, CHANNEL_FIRST)


class Monitor:
    """Per-layer activation health of `model`: dead units, on-rate, inactive and saturated
    shares, mean |f'|, pre-activation and output moments, gradient flow, NaN/inf.

    Args:
        model: any `nn.Module`; every activation module in it is watched (catalogue modules
            and PyTorch's own classes; see `actlab.find_activations`). Activations called as
            functions in `forward` are invisible to it.
        eps: 0 < |f'(z)| < eps counts as saturated (f'(z) = 0 as inactive), and a unit whose
            |f'| stayed below eps for every sample is dead. Default 1e-2 (sigmoid: |z| > 4.6;
            tanh: |z| > 3.0).
        unit_dim: the dimension that indexes units; None picks dim 1, except for 3-D
            activations not preceded by a conv/norm/pooling layer, (N, L, D) transformer
            tensors, where it picks the last dim (see `actlab.diagnose.stats`).
        every: watch one forward of the model in `every` (the 1st, the every+1-th, ...) and
            the backward passes through it; the hooks do nothing on the others. Activation
            modules called outside a forward of the whole model follow the last one's choice.
            Default 1.
        layers: paths of the activation modules to watch (as `find_activations` lists them);
            None watches all. The others get no hooks.
        stats: the statistics to gather, any of ``moments``, ``on_rate``, ``derivative``,
            ``gradient`` (see `STATISTICS`); None gathers all. The others are not computed
            and read None in the report.

    Use it as a context manager around the steps to watch, or call `attach()` / `detach()`
    (statistics survive `detach()`; `reset()` clears them). Forward passes inside
    ``with monitor.paused():`` (evaluation, say) are neither recorded nor counted by `every`.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        eps: float = 1e-2,
        unit_dim: int | None = None,
        every: int = 1,
        layers: Iterable[str] | None = None,
        stats: Iterable[str] | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"Monitor watches an nn.Module; got {type(model).__name__}")
        if not eps > 0:
            raise ValueError(f"eps must be a number in (0, ∞); got {eps!r}")
        if unit_dim is not None and (isinstance(unit_dim, bool) or not isinstance(unit_dim, int)):
            raise TypeError(f"unit_dim must be an integer dimension or None; got {unit_dim!r}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1 (1 watches every step); got {every!r}")
        self.model, self.eps, self.unit_dim, self.every = model, float(eps), unit_dim, every
        self.measure = _chosen("statistic", stats, list(STATISTICS))
        self.activations = find_activations(model)
        self.note = self.activations.note
        self.layer_paths = None
        if layers is not None:
            self.layer_paths = _chosen("layer", layers, [info.path for info in self.activations])
        self._handles: list[Any] = []  # the model's own hooks: on while attached
        # per watched layer (module, pre hook, post hook or None), and their handles while
        # they are on: with every=N they are on only for the forwards that are watched
        self._watched: list[tuple[nn.Module, Any, Any]] = []
        self._layer_handles: list[Any] = []
        self._layers: dict[tuple[str, int], LayerStats] = {}
        self._calls: dict[int, int] = {}
        self._pending: dict[int, list[LayerStats]] = {}
        self._channel_first: dict[str, bool] = {}
        self._in_model = False
        self._paused = False
        self._forwards = 0  # forwards of the whole model seen while attached and not paused
        self._sampled = True  # whether the current forward is watched

    # -- lifecycle ----------------------------------------------------------------------
    def attach(self) -> Monitor:
        """Start watching (again). Returns the monitor; a second attach is a no-op.

        The model's activation modules are looked up here, so an attach after `swap`
        watches the new modules."""
        if self._handles:
            return self
        self.activations = find_activations(self.model)
        self.note = self.activations.note
        self._handles.append(self.model.register_forward_pre_hook(self._model_start))
        self._handles.append(self.model.register_forward_hook(self._model_end))
        self._watched = []
        for info in self.activations:
            if self.layer_paths is not None and info.path not in self.layer_paths:
                continue
            resolved = resolve(info.module)
            self._channel_first[info.path] = follows_channel_first(self.model, info.path)
            elementwise = resolved is None or resolved.spec.elementwise
            # the output is needed for its moments, its gradient, or GLU's dead units
            post = bool({"moments", "gradient"} & self.measure) or (
                "derivative" in self.measure and not elementwise
            )
            pre_hook = self._make_pre_hook(info.path, resolved, post)
            post_hook = self._make_post_hook(resolved) if post else None
            self._watched.append((info.module, pre_hook, post_hook))
        self._hook_layers()
        return self

    def _hook_layers(self) -> None:
        """Put the per-layer hooks on (a no-op when they are on)."""
        if self._layer_handles:
            return
        for module, pre_hook, post_hook in self._watched:
            self._layer_handles.append(module.register_forward_pre_hook(pre_hook))
            if post_hook is not None:
                self._layer_handles.append(module.register_forward_hook(post_hook))

    def _unhook_layers(self) -> None:
        for handle in self._layer_handles:
            handle.remove()
        self._layer_handles.clear()

    def detach(self) -> None:
        """Remove every hook; the statistics gathered so far stay until `reset()`."""
        self._unhook_layers()
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._pending.clear()

    @property
    def attached(self) -> bool:
        return bool(self._handles)

    def __enter__(self) -> Monitor:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    def reset(self) -> None:
        """Forget all statistics (e.g. between epochs); hooks stay as they are, and so does
        the count of forwards that `every` samples from."""
        self._layers.clear()
        self._calls.clear()
        self._pending.clear()

    @contextmanager
    def paused(self) -> Iterator[Monitor]:
        """Forward passes inside this block are not recorded."""
        previous, self._paused = self._paused, True
        try:
            yield self
        finally:
            self._paused = previous

    # -- hooks --------------------------------------------------------------------------
    def _model_start(self, module: nn.Module, args: Any) -> None:
        self._calls.clear()
        self._in_model = True
        if not self._paused:
            self._sampled = self._forwards % self.every == 0
            self._forwards += 1
            # an unwatched forward runs with no layer hook at all: nothing to call per layer
            if self._sampled:
                self._hook_layers()
            else:
                self._unhook_layers()

    def _model_end(self, module: nn.Module, args: Any, output: Any) -> None:
        self._in_model = False

    def _layer(self, path: str, module: nn.Module, resolved: Resolved | None) -> LayerStats:
        # Outside a call of the whole model (a submodule called directly) every call of a
        # module is pooled into its first call site.
        call = 1
        if self._in_model:
            call = self._calls.get(id(module), 0) + 1
            self._calls[id(module)] = call
        key = (path, call)
        if key not in self._layers:
            self._layers[key] = LayerStats(
                index=len(self._layers) + 1,
                path=path,
                call=call,
                module_name=type(module).__name__,
                activation=resolved.spec.name if resolved else None,
                activation_params=resolved.describe_params() if resolved else "",
                eps=self.eps,
                unit_dim=self.unit_dim,
                channel_first=self._channel_first.get(path, False),
                measure=self.measure,
                # a smooth entry's f' is 0 only by underflow, in a saturated tail
                zeros_inactive=resolved is None or bool(resolved.spec.kinks),
            )
        return self._layers[key]

    def _make_pre_hook(self, path: str, resolved: Resolved | None, post: bool):
        with_d1 = "derivative" in self.measure

        def pre_hook(module: nn.Module, args: tuple[Any, ...]) -> None:
            if self._paused or not self._sampled:
                return
            if not args or not isinstance(args[0], torch.Tensor):
                return
            z = args[0].detach()
            if not z.is_floating_point():
                return
            layer = self._layer(path, module, resolved)
            if post:
                self._pending.setdefault(id(module), []).append(layer)
            d1, indicator = derivative_for_stats(module, resolved, z) if with_d1 else (None, False)
            layer.observe_input(z, d1, indicator)

        return pre_hook

    def _make_post_hook(self, resolved: Resolved | None):
        def post_hook(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
            stack = self._pending.get(id(module))
            if not stack:
                return
            layer = stack.pop()
            if not isinstance(output, torch.Tensor) or not output.is_floating_point():
                return
            no_derivative = resolved is not None and not resolved.spec.elementwise
            dead_from_output = no_derivative and "derivative" in self.measure
            layer.observe_output(output.detach(), dead_from_output=dead_from_output)
            if output.requires_grad and "gradient" in self.measure:
                output.register_hook(layer.observe_grad)  # returns None: gradient unchanged

        return post_hook

    # -- results ------------------------------------------------------------------------
    @property
    def layers(self) -> list[LayerStats]:
        """The watched call sites in forward order (as first seen)."""
        return sorted(self._layers.values(), key=lambda layer: layer.index)

    def report(self) -> list[dict[str, Any]]:
        """One row per activation call site in forward order: plain Python values, ready for
        a CSV, SQLite or pandas table. Keys: layer, path, call, module, activation,
        activation_params, samples, units, dead_fraction, on_rate, inactive (share with
        f'(z) = 0), saturated (share with 0 < |f'(z)| < eps), mean_abs_d1, pre_mean, pre_var,
        out_mean, out_var, grad_norm (mean L2 norm per backward pass), grad_mean_abs,
        backward_passes, nonfinite_pre, nonfinite_out, nonfinite_grad. Statistics not asked
        for (`stats`) are None. The device is read here, once per layer."""
        return [layer.row() for layer in self.layers]

    def warnings(self, **thresholds: float) -> list[str]:
        """Plain-language findings from `report()`; `thresholds` override
        `actlab.diagnose.findings`' defaults (dead, saturated, vanishing, exploding,
        selu_mean, selu_var)."""
        notes = [self.note] if self.note else []
        return notes + findings(self.report(), eps=self.eps, **thresholds)

    def first_nonfinite(self) -> dict[str, Any] | None:
        """The first row, in forward order, whose input or output held NaN/inf; else None."""
        for row in self.report():
            if row["nonfinite_pre"] or row["nonfinite_out"]:
                return row
        return None


def _chosen(what: str, given: Iterable[str] | None, valid: list[str]) -> frozenset[str]:
    """`given` as a set, every name checked against `valid` (all of `valid` when None)."""
    if given is None:
        return frozenset(valid)
    if isinstance(given, str):
        given = [given]
    chosen = list(given)
    for name in chosen:
        if name not in valid:
            close = difflib.get_close_matches(str(name), valid, n=3)
            hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
            listed = ", ".join(map(repr, valid)) or "none"
            raise ValueError(f"unknown {what} {name!r}{hint}; valid: {listed}")
    return frozenset(chosen)
