"""Typed experiment configuration, read from YAML or CLI flags, checked before anything runs.

`ExperimentConfig` describes a whole grid (activations × datasets × models × seeds × depths);
`RunConfig` is one cell of it — everything one training run needs — with a stable hash that
names the run in the results store. Unknown keys and bad values raise `ConfigError` with a
message that names the key (and close matches) or the value and what would be valid.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ACTIVATIONS = ("relu", "leaky_relu", "gelu", "silu", "elu", "selu", "tanh", "sigmoid")
# Bumped when the meaning of a RunConfig field changes, so old results are not reused.
RUN_SCHEMA = 1


class ConfigError(ValueError):
    """A configuration key or value that cannot be used; the message names it."""


@dataclass(frozen=True)
class RunConfig:
    """One training run: a dataset, a model with one activation, one seed, the training setup.

    `activation` is the canonical catalogue name; `activation_params` holds every parameter of
    that activation (defaults filled in) so that `leaky_relu` and `leaky_relu:negative_slope=0.01`
    are the same run. `label` is how the activation is shown (name plus the overrides given).
    """

    dataset: str
    model: str
    activation: str
    activation_params: dict[str, Any]
    label: str
    seed: int
    depth: int = 1
    hidden: int = 500
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    init: str = "auto"
    dropout: float = 0.0
    device: str = "auto"
    dataset_options: dict[str, Any] = field(default_factory=dict)
    # Where to read dataset files from; it does not change the result, so it is not hashed.
    data_dir: str | None = None
    # Record per-epoch activation health (see actlab.experiments.health).
    health: bool = False
    # The activation's autograd implementation (`actlab.make(..., impl=, bits=)`); a grid entry
    # selects it with a suffix: `gelu@lean`, `gelu@fewbit3`.
    impl: str = "native"
    bits: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        return cls(**dict(data))

    @property
    def config_hash(self) -> str:
        """16 hex digits of SHA-256 over the canonical JSON of everything that shapes the result."""
        content = {k: v for k, v in self.to_dict().items() if k not in ("data_dir", "label")}
        # A health run stores more than a plain one, so it is another run; without health the
        # key is left out so that hashes (and stores) from before the field existed stay valid.
        if not self.health:
            del content["health"]
        # Likewise the kernel keys: a native run keeps the hash it had before they existed.
        if self.impl == "native" and self.bits is None:
            del content["impl"], content["bits"]
        content["schema"] = RUN_SCHEMA
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def setting(self) -> tuple[str, str, int]:
        """The part of the grid that runs are compared within: (dataset, model, depth)."""
        return (self.dataset, self.model, self.depth)


@dataclass(frozen=True)
class ExperimentConfig:
    """A grid of runs and how to carry them out. Defaults are `actlab compare`'s defaults.

    `activations` entries are catalogue specs such as ``"leaky_relu:negative_slope=0.1"``; a
    parameter may list several values with ``|`` (``"elu:alpha=0.5|1.0"``) to sweep it.
    `seeds` is a count (seeds 0..n-1) or an explicit list. `target_accuracy` is a fraction;
    `None` means 95% of the baseline's mean final test accuracy in each setting.
    """

    datasets: tuple[str, ...] = ("mnist1d",)
    models: tuple[str, ...] = ("mlp",)
    activations: tuple[str, ...] = DEFAULT_ACTIVATIONS
    seeds: tuple[int, ...] = (0, 1, 2)
    depths: tuple[int, ...] = (1,)
    hidden: int = 500
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    init: str = "auto"
    dropout: float = 0.0
    device: str = "auto"
    baseline: str = "relu"
    # Two single-threaded processes beat one two-threaded process on small models (measured:
    # 60 s vs 13 min for the default compare on a busy 2-core machine; see runner.py).
    workers: int = 2
    out: str | None = None
    target_accuracy: float | None = None
    data_dir: str | None = None
    dataset_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Record dead fraction, saturation and gradient norm per layer and epoch in the store.
    health: bool = False

    def __post_init__(self) -> None:
        _check(self)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def replace(self, **changes: Any) -> ExperimentConfig:
        return from_dict({**self.to_dict(), **changes})


# -- reading --------------------------------------------------------------------------------

_FIELDS = {f.name for f in dataclasses.fields(ExperimentConfig)}
# Singular spellings, as the CLI flags read (--dataset, --model, --depth).
_FLOATS = ("lr", "weight_decay", "dropout", "target_accuracy")
_SINGULAR = {
    "dataset": "datasets",
    "model": "models",
    "depth": "depths",
    "activation": "activations",
}


def from_dict(data: Mapping[str, Any], source: str = "config") -> ExperimentConfig:
    """Build an `ExperimentConfig` from plain data (parsed YAML, CLI flags); check every key."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{source}: expected a mapping of keys to values, got {type(data).__name__}"
        )
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = _SINGULAR.get(key, key)
        if name not in _FIELDS:
            close = difflib.get_close_matches(str(key), sorted(_FIELDS | set(_SINGULAR)), n=3)
            hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
            raise ConfigError(
                f"{source}: unknown key {key!r}{hint}. Valid keys: {', '.join(sorted(_FIELDS))}"
            )
        if name in values:
            raise ConfigError(
                f"{source}: {name!r} is given twice (as {key!r} and another spelling)"
            )
        try:
            values[name] = _normalise(name, value)
        except ConfigError as error:
            raise ConfigError(f"{source}: {error}") from None
    try:
        return ExperimentConfig(**values)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` (a YAML file's values) with `overrides` (CLI flags) on top; a flag replaces the
    file's key whether the file spells it singular (`dataset`) or plural (`datasets`)."""
    merged = dict(base)
    for key, value in overrides.items():
        name = _SINGULAR.get(key, key)
        for alias in [k for k, v in _SINGULAR.items() if v == name] + [name]:
            merged.pop(alias, None)
        merged[name] = value
    return merged


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a dict (not yet checked; pass it to `from_dict`)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
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


def split_list(text: str) -> list[str]:
    """Split ``"relu,elu:alpha=0.5,beta=2,gelu"`` at commas that start a new activation.

    A piece holding ``=`` but no ``:`` continues the previous activation's parameter list.
    """
    items: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if items and "=" in piece and ":" not in piece:
            items[-1] += "," + piece
        elif piece:
            items.append(piece)
    return items


def _normalise(name: str, value: Any) -> Any:
    """Turn the forms a user may write (a comma string, a single value) into the field's type."""
    if name in ("datasets", "models", "activations", "depths"):
        if isinstance(value, str):
            value = split_list(value) if name == "activations" else value.split(",")
            value = [v.strip() for v in value if v.strip()]
        elif not isinstance(value, list | tuple):
            value = [value]
        if name == "depths":
            value = [_as_int(name, v) for v in value]
        return tuple(value)
    if name == "seeds":
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            value = [_as_int(name, p) for p in parts] if len(parts) > 1 else _as_int(name, value)
        if isinstance(value, bool):
            raise ConfigError(f"seeds must be a count or a list of integers, got {value!r}")
        if isinstance(value, int):
            if value < 1:
                raise ConfigError(f"seeds must be a count >= 1 or a list of seeds, got {value}")
            return tuple(range(value))
        if isinstance(value, list | tuple):
            return tuple(_as_int(name, v) for v in value)
        raise ConfigError(f"seeds must be a count or a list of integers, got {value!r}")
    if name in _FLOATS and isinstance(value, str):
        # YAML 1.1 reads `1e-3` (no dot) as a string; accept it as the number it means.
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {value!r}") from None
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


# -- checking -------------------------------------------------------------------------------


def _check(config: ExperimentConfig) -> None:
    """Reject every value that could not run, naming the key, the value and what is valid."""
    from actlab.experiments.grid import activation_choices  # grid imports this module

    for name in ("datasets", "models", "activations", "seeds", "depths"):
        value = getattr(config, name)
        if not isinstance(value, tuple) or not value:
            raise ConfigError(f"{name} must be a non-empty list, got {value!r}")
        if len(set(value)) != len(value):
            raise ConfigError(f"{name} lists a value twice: {list(value)}")
    from actlab.models import INIT_SCHEMES, MODEL_KINDS
    from actlab.train import DEVICES, OPTIMIZERS

    _check_datasets(config.datasets)
    for model in config.models:
        _one_of("models", model, MODEL_KINDS)
    for seed in config.seeds:
        _int_at_least("seeds", seed, 0)
    for depth in config.depths:
        _int_at_least("depths", depth, 1)
    for name in ("hidden", "epochs", "batch_size", "workers"):
        _int_at_least(name, getattr(config, name), 1)
    _positive_float("lr", config.lr)
    _float_in("weight_decay", config.weight_decay, 0.0, math.inf, "[0, inf)")
    _float_in("dropout", config.dropout, 0.0, 1.0, "[0, 1)", high_open=True)
    _one_of("optimizer", config.optimizer, OPTIMIZERS)
    _one_of("init", config.init, INIT_SCHEMES)
    if not isinstance(config.device, str) or config.device.split(":")[0] not in DEVICES:
        raise ConfigError(
            f"device must be one of {', '.join(DEVICES)} (or cuda:N), got {config.device!r}"
        )
    if config.target_accuracy is not None:
        _float_in(
            "target_accuracy",
            config.target_accuracy,
            0.0,
            1.0,
            "(0, 1] (a fraction)",
            low_open=True,
        )
    for name in ("out", "data_dir"):
        value = getattr(config, name)
        if value is not None and not isinstance(value, str | Path):
            raise ConfigError(f"{name} must be a path, got {value!r}")
    _check_dataset_options(config)
    if not isinstance(config.health, bool):
        raise ConfigError(f"health must be true or false, got {config.health!r}")
    choices = activation_choices(config.activations)
    labels = [c.label for c in choices]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"activations name the same activation twice: {labels}")
    baseline = canonical_label(config.baseline, "baseline")
    if baseline not in labels:
        raise ConfigError(
            f"baseline {config.baseline!r} is not one of the activations ({', '.join(labels)}); "
            "add it to the activations or choose another baseline"
        )


def canonical_label(text: str, what: str) -> str:
    """`"lrelu:negative_slope=0.1"` -> `"leaky_relu:negative_slope=0.1"`; errors name `what`."""
    from actlab.experiments.grid import activation_choices

    if not isinstance(text, str):
        raise ConfigError(f"{what} must be an activation name, got {text!r}")
    choices = activation_choices([text], what=what)
    if len(choices) != 1:
        raise ConfigError(f"{what} must name one activation, got the sweep {text!r}")
    return choices[0].label


def _check_datasets(datasets: tuple[str, ...]) -> None:
    from actlab.data import dataset_names

    known = list(dataset_names())
    for name in datasets:
        _one_of("datasets", name, known)


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
        if not isinstance(opts, Mapping):
            raise ConfigError(f"dataset_options[{name!r}] must be a mapping, got {opts!r}")
        valid = dataset_options(name)
        for key in opts:
            _one_of(f"dataset_options[{name!r}]", key, valid)


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


def _positive_float(name: str, value: Any) -> None:
    _float_in(name, value, 0.0, math.inf, "(0, inf)", low_open=True)


def _float_in(
    name: str,
    value: Any,
    low: float,
    high: float,
    shown: str,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        raise ConfigError(f"{name} must be a number in {shown}, got {value!r}")
