"""Compare activations end to end: run the experiment, then write its report.

`actlab.compare` (Python) and `actlab compare` (CLI) both come here. The experiment layer
(`actlab.experiments`) trains and summarises; the report layer (`actlab.report.experiment`)
writes CSVs, figures and report.html; this module, above both, does one after the other.

>>> import torch, actlab
>>> def build(act):                                   # act() returns a fresh activation module
...     return torch.nn.Sequential(torch.nn.Linear(8, 16), act(), torch.nn.Linear(16, 3))
>>> X, y = torch.randn(300, 8), torch.randint(0, 3, (300,))
>>> result = actlab.compare(model=build, data=((X[:240], y[:240]), (X[240:], y[240:])),
...                         activations=["relu", "gelu"], seeds=2, epochs=2)  # doctest: +SKIP
>>> [(row.activation, row.n_seeds) for row in result.summary]                  # doctest: +SKIP
[('gelu', 2), ('relu', 2)]
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from torch import nn

from actlab.experiments.config import DEFAULT_ACTIVATIONS, ExperimentConfig, from_dict
from actlab.experiments.experiment import Progress, run_experiment
from actlab.experiments.result import ExperimentResult
from actlab.experiments.sources import register_object

ModelSource = str | Callable[..., nn.Module] | nn.Module
DataSource = str | tuple | list | Callable[[], Any]


def run_and_report(
    config: ExperimentConfig, fresh: bool = False, progress: bool = True, label: str = "compare"
) -> ExperimentResult:
    """`run_experiment` (with a progress bar on stderr when it is a terminal and `progress`),
    then the CSVs, figures and report.html; `result.files` lists them."""
    from actlab.report.experiment.outputs import write_outputs

    clock = time.perf_counter()
    result = (
        _with_progress_bar(config, fresh, label)
        if progress
        else run_experiment(config, fresh=fresh)
    )
    titles = {"depth-study": "actlab: depth study"}
    result.files = write_outputs(result, titles.get(label, "actlab: activation comparison"))
    result.seconds = time.perf_counter() - clock
    return result


def _with_progress_bar(config: ExperimentConfig, fresh: bool, label: str) -> ExperimentResult:
    """`run_experiment` with a rich progress bar: runs done of total, elapsed, eta (shown
    only when stderr is a terminal)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Bar(*columns, console=err, transient=False, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(event: Progress) -> None:
            text = label
            if event.record is not None:
                c = event.record.config
                status = "" if event.record.status == "finished" else f" [red]{event.record.status}"
                stage = "tuning: " if event.stage == "tuning" else ""
                lr = f" lr {c.training.lr:g}" if event.stage == "tuning" else ""
                text = f"{stage}{c.label}{lr} seed {c.seed}{status}"
            elif event.skipped:
                text = f"resuming: {event.skipped} finished run(s) skipped"
            bar.update(task, total=event.total, completed=event.done, description=text)

        return run_experiment(config, progress=update, fresh=fresh)


def _importable(fn: Any) -> str | None:
    """``module:qualname`` for a function a fresh process can import, else None."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or not inspect.isfunction(fn):
        return None
    return f"{module}:{qualname}"


def _source(value: Any, kind: str, default_name: str) -> str:
    """A source string for `value`: names and importable functions as they are, other objects
    registered for this process under ``python:NAME``."""
    if isinstance(value, str):
        return value
    spec = _importable(value) if callable(value) and not isinstance(value, nn.Module) else None
    if spec is not None:
        return spec
    name = getattr(value, "__qualname__", None) or type(value).__name__
    if kind == "data" and not callable(value):
        name = default_name
    return register_object(f"{name}".replace("<", "").replace(">", ""), value)


def compare(
    model: ModelSource | Sequence[ModelSource] = "mlp",
    data: DataSource = "mnist1d",
    activations: Sequence[str] | str = DEFAULT_ACTIVATIONS,
    *,
    seeds: int | Sequence[int] = 3,
    out: str | None = None,
    loss_fn: Callable | str | None = None,
    metrics: Mapping[str, Callable | str] | None = None,
    swap_from: str | None = None,
    fresh: bool = False,
    progress: bool = False,
    **options: Any,
) -> ExperimentResult:
    """Train `model` with each of `activations` on `data` over `seeds`, and compare them.

    Args:
        model: a built-in model name (`actlab models`), ``"pkg.mod:fn"``, a factory
            ``fn(act) -> nn.Module`` (``act()`` returns a fresh activation module; add
            ``input_shape`` / ``num_outputs`` parameters to receive the data's), or an
            ``nn.Module`` whose activation modules are swapped (all of them, or those computing
            `swap_from`) in a deep copy per run. A list compares several.
        data: a built-in dataset name, ``"pkg.mod:fn"``, a pair ``(train, test)`` of
            ``torch.utils.data.Dataset``s or of ``(X, y)`` tensors, or a function returning one.
        activations: catalogue entries (``"elu:alpha=0.5"``, ``"gelu@fewbit3"``, sweeps).
        seeds: a count (seeds 0..n-1) or a list.
        out: the output directory (default ``runs/compare-<timestamp>``); reusing it resumes.
        loss_fn: ``fn(outputs, targets) -> scalar`` replacing the task's loss.
        metrics: ``{name: fn(outputs, targets) -> float}`` measured on validation and test.
        progress: show a progress bar on stderr.
        **options: any key of `ExperimentConfig` or `actlab.train.Training` — ``epochs``,
            ``lr``, ``optimizer``, ``schedule``, ``tune_lr``, ``val_fraction``, ``select``,
            ``task``, ``augment``, ``workers``, ``preset``, ``hidden``, ... (unknown keys are
            rejected with the valid ones listed); ``backend="ray"`` with ``ray_address``,
            ``cpus_per_run``, ``gpus_per_run``, ``max_retries``, ``ray_runtime_env`` runs
            on a Ray cluster (README: "Scale out with Ray").

    Returns:
        The `ExperimentResult` `actlab compare` makes: summary rows, run records, files.
    """
    models = list(model) if isinstance(model, list | tuple) else [model]
    values: dict[str, Any] = {
        "models": [_source(m, "model", "model") for m in models],
        "datasets": [_source(data, "data", "data")],
        "activations": list(activations) if not isinstance(activations, str) else activations,
        "seeds": seeds,
        **options,
    }
    if out is not None:
        values["out"] = out
    if loss_fn is not None:
        values["loss_fn"] = _source(loss_fn, "loss", "loss_fn")
    if metrics:
        values["metrics"] = {k: _source(fn, "metric", k) for k, fn in metrics.items()}
    if swap_from is not None:
        values["swap_from"] = swap_from
    config = from_dict(values, source="compare()")
    return run_and_report(config, fresh=fresh, progress=progress)
