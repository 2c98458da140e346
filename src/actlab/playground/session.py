"""One playground run: data, model and optimiser for a state, trained a little per frame.

Pure Python and PyTorch, no server: the server calls `advance()`/`epoch()` and sends `frame()`.

Reproducibility: everything random (initial weights, minibatch order, stochastic activations
such as RReLU) draws from this session's own RNG state, swapped in around each piece of work
under one process-wide lock, so several sessions in one server never disturb each other's
streams, and the same state always gives the same curves.
"""

from __future__ import annotations

import base64
import contextlib
import math
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from actlab.diagnose import Monitor
from actlab.playground.controls import PlaygroundState
from actlab.playground.datasets import make_split
from actlab.playground.network import PlaygroundNet, derivative, features

GRID = 40  # decision-boundary heatmap cells per side
NEURON_GRID = 16  # per-neuron map cells per side
CURVE_POINTS = 121
HIST_BINS = 40
MAX_UPDATES_PER_FRAME = 20  # keeps a frame's work to milliseconds on 2 cores
MAX_HISTORY = 5000  # loss-curve points kept per session

# torch's global RNG and thread settings are shared by the whole process
TORCH_LOCK = threading.RLock()


@contextlib.contextmanager
def torch_work() -> Iterator[None]:
    """Hold TORCH_LOCK and run torch single-threaded: for models this small, extra threads only
    spin, and on a busy 2-core machine they made every step ~20x slower (measured)."""
    with TORCH_LOCK:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def _plane(cells: int) -> torch.Tensor:
    """Cell centres of a cells x cells grid over [-1, 1]^2, row 0 at the top (x2 = +1)."""
    centres = (torch.arange(cells, dtype=torch.float32) + 0.5) / cells * 2 - 1
    x2, x1 = torch.meshgrid(centres.flip(0), centres, indexing="ij")
    return torch.stack([x1.flatten(), x2.flatten()], 1)


def _bytes(values: torch.Tensor) -> str:
    """Values in [0, 1] as base64 of one byte each (compact JSON for the canvas)."""
    raw = (values.nan_to_num(0.5).clamp(0, 1) * 255).round().to(torch.uint8).numpy().tobytes()
    return base64.b64encode(raw).decode("ascii")


def _rounded(values: torch.Tensor, digits: int = 5) -> list[float | None]:
    return [float(f"{v:.{digits}g}") if math.isfinite(v) else None for v in values.tolist()]


class Session:
    """Training state for one `PlaygroundState`."""

    def __init__(self, state: PlaygroundState) -> None:
        self.state = state
        split = make_split(
            state.dataset, state.points, state.noise, state.train_ratio, state.data_seed
        )
        self.split = split
        self.classes = max(split.classes, 2)
        as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float32)
        self.x_train, self.x_test = as_tensor(split.x_train), as_tensor(split.x_test)
        self.y_train = torch.as_tensor(split.y_train, dtype=torch.long)
        self.y_test = torch.as_tensor(split.y_test, dtype=torch.long)
        self.f_train = features(self.x_train, state.features)
        self.f_test = features(self.x_test, state.features)
        self.f_grid = features(_plane(GRID), state.features)
        self.f_neuron_grid = features(_plane(NEURON_GRID), state.features)
        self.batch = min(state.batch, len(self.y_train))
        with torch_work(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(state.seed)
            self.model = PlaygroundNet(
                len(state.features), state.layers, state.activations, self.classes
            )
            self._rng = torch.get_rng_state()
        self._order = torch.Generator().manual_seed(state.seed)
        self._queue = torch.empty(0, dtype=torch.long)
        self.optimizer = self._optimizer()
        self.updates = 0
        self.history: list[dict[str, float]] = []
        self._record()

    def _optimizer(self) -> torch.optim.Optimizer:
        weights = [lin.weight for lin in (*self.model.linears, self.model.head)]
        others = [p for p in self.model.parameters() if all(p is not w for w in weights)]
        groups = [
            {"params": weights, "weight_decay": self.state.l2},
            {"params": others, "weight_decay": 0.0},
        ]
        if self.state.optimizer == "adam":
            return torch.optim.Adam(groups, lr=self.state.lr)
        return torch.optim.SGD(groups, lr=self.state.lr)

    @contextlib.contextmanager
    def _own_rng(self) -> Iterator[None]:
        with torch_work(), torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self._rng)
            yield
            self._rng = torch.get_rng_state()

    @property
    def epoch(self) -> float:
        return self.updates * self.batch / len(self.y_train)

    @property
    def updates_per_epoch(self) -> int:
        return math.ceil(len(self.y_train) / self.batch)

    def _next_batch(self) -> torch.Tensor:
        if len(self._queue) < self.batch:  # new epoch: a fresh permutation after the rest
            fresh = torch.randperm(len(self.y_train), generator=self._order)
            self._queue = torch.cat([self._queue, fresh])
        batch, self._queue = self._queue[: self.batch], self._queue[self.batch :]
        return batch

    def train(self, updates: int, stop: Callable[[], bool] | None = None) -> None:
        """`updates` minibatch steps (fewer if `stop()` turns true), then one point of the
        loss history."""
        self.model.train()
        with self._own_rng():
            for _ in range(updates):
                if stop is not None and stop():
                    break
                idx = self._next_batch()
                loss = F.cross_entropy(self.model(self.f_train[idx]), self.y_train[idx])
                if not torch.isfinite(loss):
                    raise TrainingDiverged(
                        f"training diverged at step {self.updates}: the loss became "
                        f"{float(loss.detach())}; lower the learning rate or pick another activation"
                    )
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                self.updates += 1
        self._record()

    def advance(self, stop: Callable[[], bool] | None = None) -> None:
        """One frame's worth of training while playing: an epoch, at most 20 updates."""
        self.train(min(self.updates_per_epoch, MAX_UPDATES_PER_FRAME), stop)

    def step_epoch(self, stop: Callable[[], bool] | None = None) -> None:
        self.train(self.updates_per_epoch, stop)

    def _record(self) -> None:
        with torch_work(), torch.no_grad():
            self.model.eval()
            point = {"step": self.updates, "epoch": self.epoch}
            for part, f, y in (
                ("train", self.f_train, self.y_train),
                ("test", self.f_test, self.y_test),
            ):
                logits = self.model(f)
                point[f"{part}_loss"] = float(F.cross_entropy(logits, y))
                point[f"{part}_acc"] = float((logits.argmax(1) == y).float().mean())
        self.history.append(point)
        del self.history[:-MAX_HISTORY]  # a tab left playing for hours stays small
        if not (math.isfinite(point["train_loss"]) and math.isfinite(point["test_loss"])):
            raise TrainingDiverged(
                f"training diverged at step {self.updates}: the loss is no longer finite; "
                "lower the learning rate or pick another activation"
            )

    def points(self) -> dict[str, Any]:
        """The data for the page (plane coordinates, rounded) and its class count."""
        return {
            "classes": self.classes,
            "train": [
                [*map(float, np.round(p, 4)), int(c)]
                for p, c in zip(self.split.x_train, self.split.y_train, strict=True)
            ],
            "test": [
                [*map(float, np.round(p, 4)), int(c)]
                for p, c in zip(self.split.x_test, self.split.y_test, strict=True)
            ],
        }

    def frame(self) -> dict[str, Any]:
        """Everything the page draws for the current weights."""
        with torch_work(), torch.no_grad():
            self.model.eval()
            probs = torch.softmax(self.model(self.f_grid), 1)  # (cells, classes)
            _, neuron_out, _ = self.model.trace(self.f_neuron_grid)
            with Monitor(self.model) as monitor:  # health on the training points
                pre_train, _, _ = self.model.trace(self.f_train)
            layers = [
                {
                    "health": self._health(stats, monitor.eps),
                    "neurons": self._neuron_maps(out),
                    "curve": self._curve(act, z),
                }
                for stats, act, z, out in zip(
                    monitor.layers, self.model.acts, pre_train, neuron_out, strict=True
                )
            ]
        return {
            **self.history[-1],
            "grid": GRID,
            "heat": _bytes(probs.T.flatten()),  # class-major: all cells of class 0, then 1...
            "neuron_grid": NEURON_GRID,
            "layers": layers,
        }

    @staticmethod
    def _health(stats: Any, eps: float) -> dict[str, Any]:
        """actlab.diagnose's numbers for one layer, and which units are dead (|f'| < eps on
        every training point)."""
        row = stats.row()
        dead = stats.dead_units()
        return {
            "dead": row["dead_fraction"],
            "inactive": row["inactive"],
            "saturated": row["saturated"],
            "mean_abs_d1": row["mean_abs_d1"],
            "dead_units": [] if dead is None else dead.tolist(),
            "eps": eps,
        }

    @staticmethod
    def _neuron_maps(out: torch.Tensor) -> dict[str, Any]:
        """Each unit's output over the plane, scaled by its own largest |value| to [0, 1]."""
        scale = out.abs().amax(0).clamp_min(1e-12)  # (units,)
        scaled = (out / scale / 2 + 0.5).nan_to_num(0.5)
        return {"maps": _bytes(scaled.T.flatten()), "scale": _rounded(scale, 4)}

    @staticmethod
    def _curve(act: torch.nn.Module, z: torch.Tensor) -> dict[str, Any]:
        """f and f' over a range that covers the pre-activations, and their histogram."""
        finite = z[torch.isfinite(z)].abs()
        spread = float(torch.quantile(finite, 0.99)) if finite.numel() else 0.0
        reach = min(max(3.0, 1.1 * spread), 50.0)
        xs = torch.linspace(-reach, reach, CURVE_POINTS)
        hist = torch.histc(z.clamp(-reach, reach), bins=HIST_BINS, min=-reach, max=reach)
        return {
            "reach": reach,
            "f": _rounded(act(xs)),
            "d1": _rounded(derivative(act, xs)),
            "hist": _rounded(hist / hist.max().clamp_min(1)),
        }
