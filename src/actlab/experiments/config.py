"""Typed experiment configuration, read from a preset, a YAML file and CLI flags, checked
before anything runs.

`ExperimentConfig` describes a whole grid (datasets × models × depths × activations × seeds)
and the protocol (learning-rate tuning, workers); `RunConfig` is one cell of it — everything
one training run needs — with a stable hash that names the run in the results store. Both
embed one `actlab.train.Training` (the recipe), so no field list is written twice. Unknown
keys and bad values raise `ConfigError` naming the key (and close matches) or the value and
what would be valid.

Training keys may be written flat (``lr: 0.01``, as the CLI flags are) or nested under
``training:``; ``depth``, ``dataset``, ``model``, ``activation`` are accepted for the plural
keys; ``model_factory`` / ``data_factory`` set the model / dataset to a ``module:function``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from actlab.experiments.checks import check_experiment
from actlab.experiments.errors import LIMITS, ConfigError, too_large
from actlab.experiments.grammar import split_list
from actlab.experiments.run_config import RunConfig
from actlab.train.config import FIELDS as TRAINING_FIELDS
from actlab.train.config import Training

__all__ = [
    "LIMITS",
    "ConfigError",
    "ExperimentConfig",
    "RunConfig",
    "from_dict",
    "load_yaml",
    "merge",
]

DEFAULT_ACTIVATIONS = ("relu", "leaky_relu", "gelu", "silu", "elu", "selu", "tanh", "sigmoid")


@dataclass(frozen=True)
class ExperimentConfig:
    """A grid of runs and how to carry them out. Defaults are `actlab compare`'s defaults.

    `activations` entries follow `actlab.experiments.grammar` (``"elu:alpha=0.5|1.0"`` sweeps).
    `seeds` is a count (seeds 0..n-1) or an explicit list. `hidden`, `dropout`, `residual`,
    `norm`, `depths` and `model_options` are options of the built-in models (None: the
    model's default). `tune_lr` / `tune_wd` list candidates: each activation trains at each on
    the first `tune_seeds` seeds, and the best mean validation score picks its value.
    `baseline` None means ``relu`` when it is in the grid, else the first activation.
    `target_accuracy` is a fraction; None means 95% of the baseline's mean final validation
    score in each setting. `workers` runs at once (None: 2 locally, what the cluster fits on
    Ray); `threads` per run: None chooses from the free cores and workers (on Ray: the CPUs
    each run requests). `backend` "ray" runs each run as a Ray task: `ray_address` (None
    starts a local instance), `cpus_per_run` / `gpus_per_run` (1 / 0), `max_retries` (2)
    after a worker or node dies, `ray_runtime_env` (working_dir, py_modules, ...).
    `loss_fn` and `metrics` (name -> source) name functions ``fn(outputs, targets)`` as
    ``module:function`` or objects given to `actlab.compare`.
    """

    datasets: tuple[str, ...] = ("mnist1d",)
    models: tuple[str, ...] = ("mlp",)
    activations: tuple[str, ...] = DEFAULT_ACTIVATIONS
    seeds: tuple[int, ...] = (0, 1, 2)
    depths: tuple[int, ...] | None = None
    hidden: int | None = None
    dropout: float | None = None
    residual: bool | None = None
    norm: str | None = None
    model_options: dict[str, Any] = field(default_factory=dict)
    swap_from: str | None = None
    init: str = "auto"
    training: Training = field(default_factory=Training)
    loss_fn: str | None = None
    metrics: dict[str, str] = field(default_factory=dict)
    tune_lr: tuple[float, ...] = ()
    tune_wd: tuple[float, ...] = ()
    tune_seeds: int = 1
    baseline: str | None = None
    device: str = "auto"
    # Runs at once. None: 2 on the local backend (two single-threaded processes beat one
    # two-threaded process on small models: 60 s vs 13 min for the default compare on a busy
    # 2-core machine; see runner.py); on Ray, as many as the cluster's resources fit.
    workers: int | None = None
    threads: int | None = None
    # Where runs execute: "local" (this machine's processes) or "ray" (a Ray cluster; see
    # ray_backend.py). The other keys apply to Ray only; None means the Ray default
    # (a local instance, 1 CPU and no GPU per run, 2 retries of a run whose worker died).
    backend: str = "local"
    ray_address: str | None = None
    cpus_per_run: float | None = None
    gpus_per_run: float | None = None
    max_retries: int | None = None
    ray_runtime_env: dict[str, Any] | None = None
    num_workers: int = 0
    out: str | None = None
    target_accuracy: float | None = None
    data_dir: str | None = None
    dataset_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Record dead fraction, inactive/saturated shares and gradient norm per layer and epoch.
    health: bool = False
    preset: str | None = None
    allow_large: bool = False

    def __post_init__(self) -> None:
        check_experiment(self)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["training"] = self.training.to_dict()
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def replace(self, **changes: Any) -> ExperimentConfig:
        return from_dict({**self.to_dict(), **changes})

    @property
    def tuning(self) -> bool:
        return bool(self.tune_lr or self.tune_wd)


# -- reading --------------------------------------------------------------------------------

FIELDS = {f.name for f in dataclasses.fields(ExperimentConfig)}
_SINGULAR = {
    "dataset": "datasets",
    "model": "models",
    "depth": "depths",
    "activation": "activations",
    "model_factory": "models",
    "data_factory": "datasets",
}
_LISTS = ("datasets", "models", "activations", "depths", "tune_lr", "tune_wd")
_FLOATS = ("dropout", "target_accuracy", "cpus_per_run", "gpus_per_run")
_TRAINING_FLOATS = (
    "lr",
    "weight_decay",
    "momentum",
    "label_smoothing",
    "grad_clip",
    "val_fraction",
)


def _key_name(key: str) -> str:
    return _SINGULAR.get(key, key)


def from_dict(data: Mapping[str, Any], source: str = "config") -> ExperimentConfig:
    """Build an `ExperimentConfig` from plain data (parsed YAML, CLI flags); check every key.

    A ``preset`` key fills every key of that preset first (`actlab.experiments.presets`);
    the other keys override it.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{source}: expected a mapping of keys to values, got {type(data).__name__}"
        )
    data = dict(data)
    if data.get("preset") is not None:
        from actlab.experiments.presets import preset_values

        try:
            base = preset_values(data["preset"])
        except ValueError as error:
            raise ConfigError(f"{source}: {error}") from None
        data = merge(base, data)
    allow_large = data.get("allow_large", False) is True
    values: dict[str, Any] = {}
    training: dict[str, Any] = {}
    nested = data.get("training", {})
    if not isinstance(nested, Mapping):
        raise ConfigError(f"{source}: training must be a mapping of training keys, got {nested!r}")
    for key, value in nested.items():
        if key not in TRAINING_FIELDS:
            raise ConfigError(f"{source}: training: {_unknown(key, TRAINING_FIELDS)}")
        training[key] = value
    for key, value in data.items():
        if key == "training":
            continue
        if key in TRAINING_FIELDS:
            if key in nested:
                raise ConfigError(f"{source}: {key!r} is given twice (flat and under training)")
            training[key] = value
            continue
        if key in ("model_factory", "data_factory") and (
            not isinstance(value, str) or ":" not in value
        ):
            raise ConfigError(
                f"{source}: {key} {value!r}: expected MODULE:FUNCTION, e.g. "
                + ("mymodels:build" if key == "model_factory" else "mydata:load")
            )
        name = _key_name(key)
        if name not in FIELDS:
            raise ConfigError(
                f"{source}: {_unknown(key, FIELDS | set(_SINGULAR) | set(TRAINING_FIELDS))}"
            )
        if name in values:
            raise ConfigError(
                f"{source}: {name!r} is given twice (as {key!r} and another spelling)"
            )
        try:
            values[name] = _normalise(name, value, allow_large)
        except ConfigError as error:
            raise ConfigError(f"{source}: {error}") from None
    try:
        training = {k: _training_value(k, v) for k, v in training.items()}
        values["training"] = Training(**training)
        return ExperimentConfig(**values)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    except ValueError as error:  # Training's own checks
        raise ConfigError(f"{source}: {error}") from None


def _unknown(key: Any, valid: set[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(key), sorted(valid), n=3)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    return (
        f"unknown key {key!r}{hint}. Valid keys: {', '.join(sorted(set(valid) - set(_SINGULAR)))}"
    )


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` (a preset's or a YAML file's values) with `overrides` (CLI flags) on top; a key
    replaces the base's whether either spells it singular or plural, flat or under training."""
    merged = dict(base)
    for key, value in overrides.items():
        if key in TRAINING_FIELDS and isinstance(merged.get("training"), Mapping):
            merged["training"] = {k: v for k, v in merged["training"].items() if k != key}
        if key == "training" and isinstance(value, Mapping):
            for inner in value:
                merged.pop(inner, None)
            value = {**merged.get("training", {}), **value}
        name = _key_name(key)
        for alias in [k for k, v in _SINGULAR.items() if v == name] + [name]:
            merged.pop(alias, None)
        merged[key] = value
    return merged


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a dict (not yet checked; pass it to `from_dict`)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not a text file in UTF-8 (byte {error.start}: {error.reason}); "
            "a config file is YAML text"
        ) from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of keys to values, got {type(data).__name__}"
        )
    return data


def _normalise(name: str, value: Any, allow_large: bool) -> Any:
    """Turn the forms a user may write (a comma string, a single value) into the field's type."""
    if name in _LISTS:
        if value is None and name == "depths":
            return None
        if isinstance(value, str):
            value = split_list(value) if name == "activations" else value.split(",")
            value = [v.strip() for v in value if v.strip()]
        elif not isinstance(value, list | tuple):
            value = [value]
        if name == "depths":
            value = [_as_int(name, v) for v in value]
        if name in ("tune_lr", "tune_wd"):
            value = [_as_float(name, v) for v in value]
        return tuple(value)
    if name == "seeds":
        return _seeds(value, allow_large)
    if name in _FLOATS and isinstance(value, str):
        return _as_float(name, value)
    if name == "model_options" and isinstance(value, str):
        return parse_options(value, "model_options")
    if name == "ray_runtime_env" and isinstance(value, str):
        return _mapping_text(name, value)
    return value


def _seeds(value: Any, allow_large: bool) -> tuple[int, ...]:
    limit = None if allow_large else LIMITS["seeds"]
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        value = [_as_int("seeds", p) for p in parts] if len(parts) > 1 else _as_int("seeds", value)
    if isinstance(value, bool):
        raise ConfigError(f"seeds must be a count or a list of integers, got {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise ConfigError(f"seeds must be a count >= 1 or a list of seeds, got {value}")
        if limit is not None and value > limit:
            raise ConfigError(too_large("seeds", value, limit))
        return tuple(range(value))  # bounded by the limit above, so never a huge list
    if isinstance(value, list | tuple):
        if limit is not None and len(value) > limit:
            raise ConfigError(too_large("seeds", len(value), limit))
        return tuple(_as_int("seeds", v) for v in value)
    raise ConfigError(f"seeds must be a count or a list of integers, got {value!r}")


def _training_value(name: str, value: Any) -> Any:
    # YAML 1.1 reads `1e-3` (no dot) as a string; accept it as the number it means.
    if name in _TRAINING_FLOATS and isinstance(value, str):
        return _as_float(name, value)
    return value


def parse_options(text: str, what: str) -> dict[str, Any]:
    """``"width=2,norm=batch,residual=true"`` -> ``{"width": 2, "norm": "batch", ...}``."""
    options: dict[str, Any] = {}
    for item in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{what}: expected KEY=VALUE pairs, got {item!r}")
        options[key.strip()] = yaml.safe_load(raw.strip()) if raw.strip() else ""
    return options


def _mapping_text(name: str, text: str) -> Any:
    """A mapping written inline as YAML or JSON (``'{working_dir: ., excludes: [runs]}'``)."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{name}: not a YAML/JSON mapping: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(
            f"{name}: expected a mapping such as '{{working_dir: ., excludes: [runs]}}', "
            f"got {text!r}"
        )
    return value


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must hold integers, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must hold integers, got {value!r}") from None


def _as_float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must hold numbers, got {value!r}")
    try:
        number = float(str(value).strip()) if isinstance(value, str) else value
    except ValueError:
        raise ConfigError(f"{name} must hold numbers, got {value!r}") from None
    if not isinstance(number, int | float) or not math.isfinite(number):
        raise ConfigError(f"{name} must hold finite numbers, got {value!r}")
    return float(number)
