"""Checks of an `ExperimentConfig`: every value that could not run is rejected before
anything runs, naming the key, the value and what would be valid."""

from __future__ import annotations

import difflib
import importlib.util
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from actlab.experiments.errors import LIMITS, ConfigError, too_large
from actlab.experiments.grammar import GrammarError, activation_choices, canonical_label
from actlab.experiments.sources import SPEC_PATTERN, is_builtin, is_factory_spec, is_object

# `config` below is an `actlab.experiments.config.ExperimentConfig`; config.py imports this
# module (its __post_init__ runs these checks), so the type is not imported here.
ExperimentConfig = Any

# Options of the built-in models that have a key (and a flag) of their own.
GENERIC_OPTIONS = ("hidden", "dropout", "residual", "norm")


def check_experiment(config: ExperimentConfig) -> None:
    from actlab.models import INIT_SCHEMES
    from actlab.train import DEVICES

    for name in ("datasets", "models", "activations", "seeds"):
        _non_empty_unique(name, getattr(config, name))
    if config.depths is not None:
        _non_empty_unique("depths", config.depths)
    for name in ("tune_lr", "tune_wd"):
        value = getattr(config, name)
        if not isinstance(value, tuple):
            raise ConfigError(f"{name} must be a list of numbers, got {value!r}")
        if len(set(value)) != len(value):
            raise ConfigError(f"{name} lists a value twice: {list(value)}")
    _check_datasets(config.datasets)
    for seed in config.seeds:
        _int_at_least("seeds", seed, 0)
    _int_at_least("tune_seeds", config.tune_seeds, 1)
    if config.workers is not None:
        _int_at_least("workers", config.workers, 1)
    _int_at_least("num_workers", config.num_workers, 0)
    _check_backend(config)
    if config.threads is not None:
        _int_at_least("threads", config.threads, 1)
    if config.tune_seeds > len(config.seeds):
        raise ConfigError(
            f"tune_seeds ({config.tune_seeds}) is more than the {len(config.seeds)} seed(s)"
        )
    for name, candidates in (("tune_lr", config.tune_lr), ("tune_wd", config.tune_wd)):
        low_open = name == "tune_lr"
        for value in candidates:
            _float_in(name, value, 0.0, math.inf, "(0, inf)" if low_open else "[0, inf)", low_open)
    if config.tuning and config.training.val_fraction == 0:
        raise ConfigError("tune_lr / tune_wd choose on validation data: val_fraction must be > 0")
    _one_of("init", config.init, INIT_SCHEMES)
    if not isinstance(config.device, str) or config.device.split(":")[0] not in DEVICES:
        raise ConfigError(
            f"device must be one of {', '.join(DEVICES)} (or cuda:N), got {config.device!r}"
        )
    if config.target_accuracy is not None:
        _float_in("target_accuracy", config.target_accuracy, 0.0, 1.0, "(0, 1] (a fraction)", True)
    for name in ("out", "data_dir"):
        value = getattr(config, name)
        if value is not None and not isinstance(value, str | Path):
            raise ConfigError(f"{name} must be a path, got {value!r}")
    for name in ("health", "allow_large"):
        if not isinstance(getattr(config, name), bool):
            raise ConfigError(f"{name} must be true or false, got {getattr(config, name)!r}")
    _check_dataset_options(config)
    _check_models(config)
    _check_limits(config)
    try:
        choices = activation_choices(config.activations)
        labels = [c.label for c in choices]
        if len(set(labels)) != len(labels):
            raise ConfigError(f"activations name the same activation twice: {labels}")
        if config.baseline is not None:
            baseline = canonical_label(config.baseline, "baseline")
            if baseline not in labels:
                raise ConfigError(
                    f"baseline {config.baseline!r} is not one of the activations "
                    f"({', '.join(labels)}); add it to the activations or choose another baseline"
                )
    except GrammarError as error:
        raise ConfigError(str(error)) from None
    if config.swap_from is not None:
        if not all(is_object(m) for m in config.models):
            raise ConfigError("swap_from applies to a model given as an nn.Module instance only")
        try:
            canonical_label(config.swap_from, "swap_from")
        except GrammarError as error:
            raise ConfigError(str(error)) from None


BACKENDS = ("local", "ray")
RAY_KEYS = ("ray_address", "cpus_per_run", "gpus_per_run", "max_retries", "ray_runtime_env")
_RAY_ADDRESS = re.compile(r"^(auto|ray://[^\s/]+(:\d+)?/?|[^\s:/]+:\d+|\[[0-9a-fA-F:]+\]:\d+)$")


def _check_backend(config: ExperimentConfig) -> None:
    """`backend` and the Ray keys: valid values, and none of them given where it would be
    ignored (a Ray key with the local backend)."""
    _one_of("backend", config.backend, BACKENDS)
    if config.backend == "local":
        given = [k for k in RAY_KEYS if getattr(config, k) is not None]
        if given:
            raise ConfigError(
                f"{', '.join(given)}: option(s) of the Ray backend; add --backend ray "
                "(backend: ray) to run on Ray, or leave them out"
            )
        return
    if importlib.util.find_spec("ray") is None:
        raise ConfigError(
            "backend 'ray' needs Ray, which is not installed here: pip install 'actlab[ray]'"
        )
    address = config.ray_address
    if address is not None and (not isinstance(address, str) or not _RAY_ADDRESS.match(address)):
        raise ConfigError(
            f"ray_address must be 'auto', HOST:PORT or ray://HOST:PORT, got {address!r} "
            "(leave it out to start a Ray instance on this machine for the command)"
        )
    if config.cpus_per_run is not None:
        _float_in("cpus_per_run", config.cpus_per_run, 0.0, math.inf, "(0, inf)", True)
    if config.gpus_per_run is not None:
        _float_in("gpus_per_run", config.gpus_per_run, 0.0, math.inf, "[0, inf)")
    if config.max_retries is not None:
        _int_at_least("max_retries", config.max_retries, 0)
    env = config.ray_runtime_env
    if env is not None and (
        not isinstance(env, Mapping) or not all(isinstance(k, str) for k in env)
    ):
        raise ConfigError(
            "ray_runtime_env must map Ray runtime-environment fields (working_dir, "
            f"py_modules, excludes, env_vars, pip, ...) to values, got {env!r}"
        )
    if str(config.device).startswith("cuda") and not config.gpus_per_run:
        raise ConfigError(
            f"device {config.device!r} on Ray needs gpus_per_run > 0 (--gpus-per-run 1): a run "
            "on Ray sees only the GPUs it requests"
        )


def resolve_baseline(config: ExperimentConfig) -> tuple[str, str]:
    """(baseline label, why it was chosen): the given one, else relu, else the first."""
    labels = [c.label for c in activation_choices(config.activations)]
    if config.baseline is not None:
        return canonical_label(config.baseline, "baseline"), "given"
    if "relu" in labels:
        return "relu", "default"
    return labels[0], "the first activation, since relu is not in the grid"


def given_model_options(config: ExperimentConfig) -> dict[str, Any]:
    """The model options the config sets (besides depth, a grid axis)."""
    options = dict(config.model_options)
    for name in GENERIC_OPTIONS:
        value = getattr(config, name)
        if value is not None:
            if name in options:
                raise ConfigError(f"{name} is given both as a key and in model_options")
            options[name] = value
    return options


def _check_models(config: ExperimentConfig) -> None:
    from actlab.models import model_names, model_options

    given = given_model_options(config)
    if not isinstance(config.model_options, Mapping):
        raise ConfigError(
            f"model_options must map option names to values, got {config.model_options!r}"
        )
    if config.hidden is not None:
        _int_at_least("hidden", config.hidden, 1)
    for model in config.models:
        if not isinstance(model, str):
            raise ConfigError(f"models: expected a model name or module:function, got {model!r}")
        if not is_builtin(model):
            if is_factory_spec(model):
                if not SPEC_PATTERN.match(model):
                    raise ConfigError(
                        f"model factory {model!r}: expected MODULE:FUNCTION, e.g. mymodels:build"
                    )
            asked = [*given, *(["depth"] if config.depths is not None else [])]
            if asked:
                raise ConfigError(
                    f"{', '.join(asked)}: options of the built-in models; model {model!r} is "
                    "your own and takes none (set them in your factory)"
                )
            continue
        _one_of("models", model, tuple(model_names()))
        valid = model_options(model)
        asked = [*given, *(["depth"] if config.depths is not None else [])]
        for key in asked:
            if key not in valid:
                raise ConfigError(
                    f"model {model!r} has no option {key!r}; its options: "
                    f"{', '.join(valid) or 'none'}"
                )


def _check_limits(config: ExperimentConfig) -> None:
    if config.allow_large:
        return
    checks = [("epochs", config.training.epochs)]
    if config.hidden is not None:
        checks.append(("hidden", config.hidden))
    for depth in config.depths or ():
        _int_at_least("depths", depth, 1)
        checks.append(("depths", depth))
    for name, value in checks:
        if value > LIMITS[name]:
            raise ConfigError(too_large(name, value, LIMITS[name]))
    size = grid_size(config)
    if size > LIMITS["runs"]:
        raise ConfigError(too_large("the grid's run count", size, LIMITS["runs"]))


def grid_size(config: ExperimentConfig) -> int:
    """Number of runs the grid trains, tuning included, counted without expanding it."""
    activations = len(activation_choices(config.activations))
    cells = len(config.datasets) * len(config.models) * len(config.depths or (None,))
    candidates = max(len(config.tune_lr), 1) * max(len(config.tune_wd), 1)
    tuning = candidates * config.tune_seeds if config.tuning else 0
    return cells * activations * (len(config.seeds) + tuning)


def _check_datasets(datasets: tuple[str, ...]) -> None:
    from actlab.data import dataset_names

    known = list(dataset_names())
    for name in datasets:
        if is_builtin(name):
            _one_of("datasets", name, known)
        elif is_factory_spec(name):
            if not SPEC_PATTERN.match(name):
                raise ConfigError(
                    f"data factory {name!r}: expected MODULE:FUNCTION, e.g. mydata:load"
                )


def _check_dataset_options(config: ExperimentConfig) -> None:
    from actlab.data import dataset_options

    options = config.dataset_options
    if not isinstance(options, Mapping):
        raise ConfigError(f"dataset_options must map dataset names to options, got {options!r}")
    for name, opts in options.items():
        if name not in config.datasets:
            raise ConfigError(
                f"dataset_options names {name!r}, which is not one of the datasets "
                f"({', '.join(config.datasets)})"
            )
        if not is_builtin(name):
            raise ConfigError(f"dataset_options apply to built-in datasets, not {name!r}")
        if not isinstance(opts, Mapping):
            raise ConfigError(f"dataset_options[{name!r}] must be a mapping, got {opts!r}")
        valid = dataset_options(name)
        for key in opts:
            _one_of(f"dataset_options[{name!r}]", key, valid)


def _non_empty_unique(name: str, value: Any) -> None:
    if not isinstance(value, tuple) or not value:
        raise ConfigError(f"{name} must be a non-empty list, got {value!r}")
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            what = (
                "an activation such as 'relu' or 'elu:alpha=0.5'"
                if name == "activations"
                else "a name or number"
            )
            raise ConfigError(f"{name}: expected {what}, got {item!r}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{name} lists a value twice: {list(value)}")


def _one_of(name: str, value: Any, valid: tuple[str, ...] | list[str]) -> None:
    if not isinstance(value, str) or value not in valid:
        close = difflib.get_close_matches(str(value), list(valid), n=3)
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        raise ConfigError(
            f"{name}: unknown value {value!r}{hint}. Valid: {', '.join(valid) or 'none'}"
        )


def _int_at_least(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")


def _float_in(
    name: str, value: Any, low: float, high: float, shown: str, low_open: bool = False
) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and value <= high
    if not ok:
        raise ConfigError(f"{name} must be a number in {shown}, got {value!r}")
