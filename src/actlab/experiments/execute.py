"""One run, start to finish: data -> model -> training -> a `RunRecord`.

`execute_run(config)` is what every backend calls for each run, in the driver's process or a
worker's. Each process reads a dataset once and keeps it for its later runs; a worker checks
that the data it reads has the fingerprint the driver saw, so a file changed mid-experiment
fails the run instead of mixing data. An exception becomes a 'failed' record, so one bad run
never loses the others.
"""

from __future__ import annotations

import functools
import os
import platform
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from torch import nn

from actlab.data.splits import Splits
from actlab.experiments.config import RunConfig
from actlab.experiments.record import EPOCH_FIELDS, RunRecord
from actlab.experiments.sources import (
    SourceError,
    call_model_factory,
    get_object,
    is_builtin,
    is_object,
    load_factory,
    object_serial,
    swapped_copy,
)


class DataChangedError(RuntimeError):
    """The data read for a run differs from the data the experiment was planned on."""


def versions() -> dict[str, str]:
    import torch

    from actlab._version import __version__

    return {
        "actlab": __version__,
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


def _resolved_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


# -- data ---------------------------------------------------------------------------------------


def resolve_callable(source: str, what: str) -> Callable[..., Any]:
    """The function a source string names (``pkg.mod:fn`` or ``python:NAME``)."""
    target = get_object(source) if is_object(source) else load_factory(source, what)
    if not callable(target):
        raise SourceError(f"{what} {source!r} is a {type(target).__name__}, not a function")
    return target


@functools.lru_cache(maxsize=4)
def _splits(
    dataset: str,
    serial: int | None,
    data_dir: str | None,
    options: tuple[tuple[str, Any], ...],
    task: str,
    val_fraction: float,
    val_seed: int,
) -> Splits:
    from actlab.data import load
    from actlab.data.splits import from_dataset, from_user

    if is_builtin(dataset):
        if task != "classification":
            raise SourceError(
                f"dataset {dataset!r} is a classification dataset; task {task!r} needs your "
                "own data (--data-factory)"
            )
        return from_dataset(
            load(dataset, data_dir=data_dir, **dict(options)), val_fraction, val_seed
        )
    data = get_object(dataset) if is_object(dataset) else load_factory(dataset, "data factory")
    what = f"data factory {dataset!r}"
    if callable(data) and not isinstance(data, tuple | list):
        try:
            data = data()
        except Exception as error:
            raise SourceError(f"{what} raised {type(error).__name__}: {error}") from error
    return from_user(data, dataset, task, val_fraction, val_seed)


def forget_loaded_data() -> None:
    """Drop this process's loaded datasets, so the next experiment reads its data anew."""
    _splits.cache_clear()


def load_splits(config: RunConfig) -> Splits:
    """The run's data (cached per process), checked against the planned fingerprint."""
    t = config.training
    splits = _splits(
        config.dataset,
        object_serial(config.dataset),
        config.data_dir,
        tuple(sorted(config.dataset_options.items())),
        t.task,
        t.val_fraction,
        t.val_seed,
    )
    if config.data_fingerprint and splits.fingerprint != config.data_fingerprint:
        raise DataChangedError(
            f"the data of {config.dataset!r} changed since the experiment was planned "
            f"(fingerprint {splits.fingerprint}, expected {config.data_fingerprint}); "
            "run the command again to plan it on the current data"
        )
    return splits


# -- model --------------------------------------------------------------------------------------


def activation_factory(config: RunConfig) -> Callable[[], nn.Module]:
    """``act()``: a fresh module of the run's activation (and kernel implementation)."""
    from actlab.factory import make

    params = dict(config.activation_params)
    if config.impl == "native" and config.bits is None:
        return lambda: make(config.activation, **params)
    return lambda: make(config.activation, impl=config.impl, bits=config.bits, **params)


def build_run_model(config: RunConfig, splits: Splits) -> nn.Module:
    """The run's model, built after seeding everything with the run's seed."""
    from actlab.train import seed_everything

    seed_everything(config.seed)
    act = activation_factory(config)
    if is_builtin(config.model):
        from actlab.models import build_model

        return build_model(
            config.model,
            splits.input_shape,
            splits.num_outputs,
            config.activation,
            dict(config.activation_params),
            init=config.init,
            impl=config.impl,
            bits=config.bits,
            **config.model_options,
        )
    what = f"model factory {config.model!r}"
    source = get_object(config.model) if is_object(config.model) else None
    if isinstance(source, nn.Module):
        model = swapped_copy(source, act, config.swap_from, f"model {config.model!r}")
    else:
        factory = resolve_callable(config.model, "model factory")
        model = call_model_factory(factory, act, splits.input_shape, splits.num_outputs, what)
    check_outputs(model, splits, f"model {config.model!r}")
    return model


def check_outputs(model: nn.Module, splits: Splits, what: str) -> None:
    """Run two training samples through `model`: its outputs must fit the task."""
    import torch

    x = splits.train.first_inputs(2)
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        was_training = model.training
        model.eval()
        try:
            out = model(x)
        except Exception as error:
            raise SourceError(
                f"{what} cannot take inputs of per-sample shape {splits.input_shape}: "
                f"{type(error).__name__}: {error}"
            ) from error
        finally:
            model.train(was_training)
    if not isinstance(out, torch.Tensor):
        raise SourceError(f"{what} returned {type(out).__name__} from forward, not a tensor")
    n = splits.num_outputs
    expected = [(len(x), n)] + ([(len(x),)] if splits.task == "regression" and n == 1 else [])
    if tuple(out.shape) not in expected:
        noun = "classes" if splits.task == "classification" else "regression targets"
        raise SourceError(
            f"{what} gives outputs of shape {tuple(out.shape)} for a batch of {len(x)}; the data "
            f"has {n} {noun}, so it must give ({len(x)}, {n})"
        )


# -- the run ------------------------------------------------------------------------------------


def _hooks(config: RunConfig) -> tuple[Any, dict[str, Any]]:
    loss_fn = resolve_callable(config.loss_fn, "loss_fn") if config.loss_fn else None
    metrics = {
        name: resolve_callable(src, f"metric {name!r}") for name, src in config.metrics.items()
    }
    return loss_fn, metrics


def execute_run(config: RunConfig) -> RunRecord:
    """Data -> model -> training for one config. An exception becomes a 'failed' record."""
    from actlab.experiments.health import train_with_health
    from actlab.experiments.learned import capture
    from actlab.train import train

    started, clock = _now(), time.perf_counter()
    epochs: list[dict[str, float]] = []
    health: list[dict[str, Any]] = []
    learned: tuple = ()
    error, result, data = None, None, {}
    try:
        splits = load_splits(config)
        data = splits.info
        model = build_run_model(config, splits)
        loss_fn, metrics = _hooks(config)
        options = {
            "seed": config.seed,
            "device": config.device,
            "loss_fn": loss_fn,
            "metrics": metrics,
            "num_workers": config.num_workers,
        }
        if config.health:
            result, health = train_with_health(model, splits, config.training, options)
        else:
            result = train(model, splits, config.training, **options)
        learned = capture(model)  # empty unless the activation has learnable parameters
        for m in result.history:
            row = {
                "epoch": m.epoch,
                "train_loss": m.train_loss,
                "train_acc": m.train_score,
                "val_loss": m.val_loss,
                "val_acc": m.val_score,
                "lr": m.lr,
                "seconds": m.seconds,
            }
            epochs.append({k: row[k] for k in EPOCH_FIELDS})
    except Exception as exc:  # recorded, not raised: one bad run must not lose the others
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    ok = error is None and result is not None
    task_metric = "r2" if config.training.task == "regression" else "accuracy"
    user_metrics = {"val": result.val_metrics, "test": result.test_metrics} if ok else {}
    return RunRecord(
        config=config,
        status="finished" if ok else "failed",
        started=started,
        finished=_now(),
        seconds=time.perf_counter() - clock,
        versions=versions(),
        machine=machine(_resolved_device(config.device)),
        epochs=tuple(epochs),
        error=error,
        health=tuple(health) if ok else (),
        learned=learned if ok else (),
        test_loss=result.test_loss if ok else float("nan"),
        test_acc=result.test_score if ok else float("nan"),
        selected_epoch=result.selected_epoch if ok else None,
        metric=task_metric,
        metrics={k: v for k, v in user_metrics.items() if v},
        data=data,
    )
