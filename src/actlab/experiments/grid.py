"""Expand an `ExperimentConfig` into its runs: activations × datasets × models × depths × seeds.

An activation entry may sweep a parameter with ``|``: ``"elu:alpha=0.5|1.0"`` is two
activations, ``elu:alpha=0.5`` and ``elu:alpha=1.0``; several swept parameters multiply.
A suffix ``@impl`` picks the autograd implementation (`actlab.kernels`): ``gelu@lean``,
``gelu@fewbit3`` (``@fewbit`` alone means 3 bits); without one the run is native.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from actlab.catalog.parse import parse_activation
from actlab.catalog.registry import get
from actlab.experiments.config import ConfigError, ExperimentConfig, RunConfig


@dataclass(frozen=True)
class ActivationChoice:
    """One activation of the grid: its label, canonical name, overrides and all bound params."""

    label: str
    name: str
    overrides: dict[str, Any]
    params: dict[str, Any]
    impl: str = "native"
    bits: int | None = None


def format_activation(name: str, overrides: dict[str, Any]) -> str:
    """`("elu", {"alpha": 0.5})` -> `"elu:alpha=0.5"`; the inverse of `parse_activation`."""
    if not overrides:
        return name
    return name + ":" + ",".join(f"{k}={_format_value(v)}" for k, v in overrides.items())


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _kernel_suffix(suffix: str, name: str) -> tuple[str, int | None, str]:
    """``"fewbit3"`` -> ``("fewbit", 3, "@fewbit3")``; checked against what `name` offers."""
    from actlab.kernels import DEFAULT_BITS, available

    impl, bits = suffix.strip(), None
    if impl.startswith("fewbit"):
        digits = impl[len("fewbit") :]
        if digits and not digits.isdigit():
            raise ValueError(f"@{suffix}: write fewbit then a bit count 1-8, e.g. @fewbit3")
        impl, bits = "fewbit", int(digits) if digits else DEFAULT_BITS
        if not 1 <= bits <= 8:
            raise ValueError(f"@{suffix}: bits must be in [1, 8], got {bits}")
    offered = available(name)
    if impl not in offered:
        raise ValueError(
            f"impl {impl!r} is not available for {name}; choose @{', @'.join(offered)}"
        )
    if impl == "native":
        return impl, None, ""
    return impl, bits, "@" + impl + (str(bits) if bits is not None else "")


def _sweep(text: str) -> list[str]:
    """``"elu:alpha=0.5|1.0"`` -> ``["elu:alpha=0.5", "elu:alpha=1.0"]`` (no ``|``: unchanged)."""
    name, sep, rest = text.partition(":")
    if "|" not in rest:
        return [text]
    keys: list[str] = []
    options: list[list[str]] = []
    for item in rest.split(","):
        key, _, values = item.partition("=")
        keys.append(key.strip())
        options.append([v for v in values.split("|")])
    return [
        name + sep + ",".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True))
        for combo in itertools.product(*options)
    ]


def activation_choices(entries: Iterable[str], what: str = "activations") -> list[ActivationChoice]:
    """Parse and check activation entries, expanding ``|`` sweeps; errors name the entry."""
    choices = []
    for entry in entries:
        if not isinstance(entry, str):
            raise ConfigError(f"{what}: expected an activation such as 'relu', got {entry!r}")
        body, _, suffix = entry.partition("@")
        for text in _sweep(body):
            try:
                name, overrides = parse_activation(text)
                params = get(name).bind(**overrides)
                impl, bits, shown = _kernel_suffix(suffix or "native", name)
            except (ValueError, TypeError, KeyError) as error:
                raise ConfigError(
                    f"{what}: {text + (suffix and '@' + suffix)!r}: {error}"
                ) from None
            label = format_activation(name, overrides) + shown
            choices.append(ActivationChoice(label, name, overrides, params, impl, bits))
    return choices


def expand(config: ExperimentConfig) -> list[RunConfig]:
    """Every run of the grid, in a stable order (setting, then activation, then seed)."""
    choices = activation_choices(config.activations)
    runs = []
    for dataset, model, depth in itertools.product(config.datasets, config.models, config.depths):
        for choice in choices:
            for seed in config.seeds:
                runs.append(
                    RunConfig(
                        dataset=dataset,
                        model=model,
                        activation=choice.name,
                        activation_params=dict(choice.params),
                        label=choice.label,
                        seed=seed,
                        depth=depth,
                        hidden=config.hidden,
                        epochs=config.epochs,
                        batch_size=config.batch_size,
                        lr=float(config.lr),
                        weight_decay=float(config.weight_decay),
                        optimizer=config.optimizer,
                        init=config.init,
                        dropout=float(config.dropout),
                        device=config.device,
                        dataset_options=dict(config.dataset_options.get(dataset, {})),
                        data_dir=str(config.data_dir) if config.data_dir is not None else None,
                        health=config.health,
                        impl=choice.impl,
                        bits=choice.bits,
                    )
                )
    return runs
