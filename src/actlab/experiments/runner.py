"""Runners carry out run configs and yield finished run records, in whatever order they finish.

`Runner` is the interface: `run(configs) -> Iterator[RunRecord]`. `LocalRunner` runs in this
process (1 worker) or in a pool of spawned processes (N workers). A cluster backend (Ray) fits
the same shape: submit `execute_run` for each config as a remote task and yield the records
as `ray.wait` returns them; nothing else in actlab needs to change.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import platform
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from datetime import datetime, timezone
from typing import Any, Protocol

from actlab.experiments.config import RunConfig
from actlab.experiments.store import EPOCH_FIELDS, RunRecord


class Runner(Protocol):
    """Anything that turns run configs into finished run records (in completion order)."""

    def run(self, configs: Sequence[RunConfig]) -> Iterator[RunRecord]: ...


def versions() -> dict[str, str]:
    import torch

    import actlab

    return {
        "actlab": actlab.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def machine(device: str | None = None) -> dict[str, Any]:
    """Where a run happened: host, OS, CPU, thread count and the device it trained on."""
    import torch

    info: dict[str, Any] = {
        "host": platform.node(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }
    if device is not None:
        info["device"] = device
        if device.startswith("cuda") and torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@functools.lru_cache(maxsize=4)
def _dataset(name: str, data_dir: str | None, options: tuple[tuple[str, Any], ...]):
    """Each process loads a dataset once and reuses it for all its runs on that dataset."""
    from actlab.data import load

    return load(name, data_dir=data_dir, **dict(options))


def load_dataset(config: RunConfig):
    return _dataset(config.dataset, config.data_dir, tuple(sorted(config.dataset_options.items())))


def model_kwargs(config: RunConfig, dataset) -> dict[str, Any]:
    """Arguments of `actlab.models.build_model` for this run (besides the dataset shapes)."""
    return {
        "kind": config.model,
        "input_shape": tuple(dataset.input_shape),
        "num_classes": dataset.num_classes,
        "activation": config.activation,
        "activation_params": dict(config.activation_params),
        "hidden": config.hidden,
        "depth": config.depth,
        "init": config.init,
        "dropout": config.dropout,
        "impl": config.impl,
        "bits": config.bits,
    }


def train_config(config: RunConfig):
    from actlab.train import TrainConfig

    return TrainConfig(
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        weight_decay=config.weight_decay,
        seed=config.seed,
        device=config.device,
        optimizer=config.optimizer,
    )


def _resolved_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def execute_run(config: RunConfig) -> RunRecord:
    """Data -> model -> training for one config. An exception becomes a 'failed' record."""
    from actlab.experiments.health import build_and_train_with_health
    from actlab.experiments.learned import capture
    from actlab.train import build_and_train

    started, clock = _now(), time.perf_counter()
    epochs: list[dict[str, float]] = []
    health: list[dict[str, Any]] = []
    learned: tuple = ()
    error = None
    try:
        dataset = load_dataset(config)
        kwargs, setup = model_kwargs(config, dataset), train_config(config)
        if config.health:
            model, metrics, health = build_and_train_with_health(dataset, kwargs, setup)
        else:
            model, metrics = build_and_train(dataset, kwargs, setup)
        learned = capture(model)  # empty unless the activation has learnable parameters
        epochs = [{k: float(getattr(m, k)) for k in EPOCH_FIELDS} for m in metrics]
        for row in epochs:
            row["epoch"] = int(row["epoch"])
    except Exception as exc:  # recorded, not raised: one bad run must not lose the others
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    return RunRecord(
        config=config,
        status="failed" if error else "finished",
        started=started,
        finished=_now(),
        seconds=time.perf_counter() - clock,
        versions=versions(),
        machine=machine(_resolved_device(config.device)),
        epochs=tuple(epochs),
        error=error,
        health=tuple(health) if error is None else (),
        learned=learned if error is None else (),
    )


def _worker_init(threads: int) -> None:
    import torch

    # N workers share the machine's cores; more threads per worker would only oversubscribe.
    torch.set_num_threads(threads)


class LocalRunner:
    """Run configs on this machine: in this process (`workers=1`) or in N spawned processes.

    Spawn (not fork) keeps workers free of the parent's torch threads and state, the same on
    Linux, macOS and Windows. Each worker gets cores // workers torch threads.
    """

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers

    def run(self, configs: Sequence[RunConfig]) -> Iterator[RunRecord]:
        if self.workers == 1 or len(configs) <= 1:
            for config in configs:
                yield execute_run(config)
            return
        workers = min(self.workers, len(configs))
        threads = max(1, (os.cpu_count() or 1) // workers)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, context, _worker_init, (threads,)) as pool:
            pending = {pool.submit(execute_run, c) for c in configs}
            try:
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
            finally:
                for future in pending:  # on an early stop, drop the queued runs
                    future.cancel()


def runner_for(workers: int) -> Runner:
    """The runner an experiment with `workers` uses (the single place to add backends)."""
    return LocalRunner(workers)
