"""The model registry: one `ModelSpec` per architecture, registered once.

Each spec says what the model is (summary, source paper), what it takes (`inputs`), which
options it has with their defaults and meaning, and how to build it. `build_model` reads
the table; so do `actlab models` and the experiment configs. Option names are shared
across models where they mean the same thing: `hidden` (dense width), `depth` (hidden
layers or blocks), `dropout`, `width` (channel multiplier), `norm`, `residual`, `channels`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from actlab.catalog.registry import close_matches

INPUT_KINDS = ("vector", "sequence", "image", "any")

_MODELS: dict[str, ModelSpec] = {}


@dataclass(frozen=True)
class ModelSpec:
    """One architecture of the zoo.

    `build(input_shape, num_classes, slot, **options)` returns the model before its weights
    are initialised (`build_model` applies the scheme matched to the activation); `slot` is
    the `actlab.models.slot.ActivationSlot` giving a fresh activation per layer. `options`
    maps each option to its default and `option_docs` each option to one line saying what
    it does and which values it takes. `usual_activation` is the one the model is usually
    trained with (the CLI's reference parameter count uses it). `notes` say how the model
    initialises its weights and how it takes width-changing activations.
    """

    name: str
    build: Callable[..., nn.Module]
    summary: str
    source: str
    inputs: str
    options: Mapping[str, Any]
    option_docs: Mapping[str, str]
    usual_activation: str = "relu"
    notes: str = ""

    def __post_init__(self) -> None:
        if self.inputs not in INPUT_KINDS:
            raise ValueError(f"{self.name}: inputs must be one of {INPUT_KINDS}")
        if set(self.options) != set(self.option_docs):
            raise ValueError(f"{self.name}: every option needs one line of option_docs")

    def check_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The defaults overridden by `given`; an option this model lacks is an error.

        The error names the valid options, a close match, and the models that do have it.
        (Values are checked by `build`, which knows their ranges.)
        """
        unknown = [k for k in given if k not in self.options]
        if unknown:
            name = unknown[0]
            valid = ", ".join(self.options) or "none"
            hints = close_matches(name, list(self.options))
            hint = f" Did you mean {hints[0]!r}?" if hints else ""
            others = [m for m, spec in _MODELS.items() if name in spec.options]
            where = f" ({name} applies to the {', '.join(others)} only.)" if others else ""
            raise ValueError(
                f"{self.name} has no option {name!r}; its options are {valid}.{hint}{where}"
            )
        return {**self.options, **given}


def register(spec: ModelSpec) -> ModelSpec:
    """Add `spec` to the zoo; names must be unique."""
    if spec.name in _MODELS:
        raise ValueError(f"model {spec.name!r} is registered twice")
    _MODELS[spec.name] = spec
    return spec


def model_names() -> list[str]:
    """Every registered model, in registration order (mlp and cnn first)."""
    return list(_MODELS)


def get_model(name: str) -> ModelSpec:
    """The spec of model `name`; an unknown name raises ValueError with the close matches."""
    if isinstance(name, str) and name in _MODELS:
        return _MODELS[name]
    hints = close_matches(str(name), list(_MODELS))
    hint = f" Did you mean {hints[0]!r}?" if hints else ""
    raise ValueError(
        f"unknown model kind {name!r}; choose one of {', '.join(_MODELS)}.{hint} "
        "`actlab models` describes them."
    )


def model_options(name: str) -> dict[str, Any]:
    """Option name -> default for model `name` (a copy: changing it changes nothing)."""
    return dict(get_model(name).options)
