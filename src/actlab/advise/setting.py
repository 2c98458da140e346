"""`Setting`: what the advisor is asked about — the model, the data, the task and the priorities.

Every field is checked when a `Setting` is made; a bad value names the field and the valid
choices. The suite's settings (`actlab.advise.suite`) are described with the same type, so
the advisor can say how near a measured cell is to the user's setting.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Any

ARCHS = ("mlp", "cnn", "resnet", "transformer", "rnn")
NORMS = ("none", "batch", "layer")
DATA_KINDS = ("tabular", "image", "sequence", "text")
TASKS = ("classification", "regression", "generation")
PRIORITIES = ("accuracy", "speed", "memory", "stability")
TARGETS = ("cpu", "gpu", "mobile")
# The depth that counts as deep: the vanishing-gradient rules start here (Glorot & Bengio
# 2010 trained 5 hidden layers; the evidence base's deep settings have 10 or more).
DEEP = 10


@dataclass(frozen=True)
class Setting:
    """A model and task to choose an activation for.

    `depth` counts hidden layers (MLP), blocks (ResNet, Transformer) or conv layers (CNN);
    `norm` is the normalisation before the activations; `residual` whether blocks add their
    input back. `data`, `task`, `priority` (what matters most) and `target` (where it runs)
    are the remaining things the selection guide depends on.
    """

    arch: str = "mlp"
    depth: int = 2
    norm: str = "none"
    residual: bool = False
    data: str = "tabular"
    task: str = "classification"
    priority: str = "accuracy"
    target: str = "cpu"

    def __post_init__(self) -> None:
        for name, valid in (
            ("arch", ARCHS),
            ("norm", NORMS),
            ("data", DATA_KINDS),
            ("task", TASKS),
            ("priority", PRIORITIES),
            ("target", TARGETS),
        ):
            _one_of(name, getattr(self, name), valid)
        if isinstance(self.depth, bool) or not isinstance(self.depth, int) or self.depth < 1:
            raise ValueError(f"depth must be an integer >= 1, got {self.depth!r}")
        if self.depth > 10_000:
            raise ValueError(f"depth must be at most 10000, got {self.depth}")
        if not isinstance(self.residual, bool):
            raise ValueError(f"residual must be true or false, got {self.residual!r}")

    @property
    def deep(self) -> bool:
        return self.depth >= DEEP

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> Setting:
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        parts = [f"{self.arch}, depth {self.depth}", f"norm {self.norm}"]
        parts.append("residual" if self.residual else "no residual")
        parts += [f"{self.data} data", self.task]
        if self.priority != "accuracy":
            parts.append(f"priority {self.priority}")
        if self.target != "cpu":
            parts.append(f"target {self.target}")
        return ", ".join(parts)


# What a model of each architecture usually has, for the fields a description leaves out:
# a Transformer is pre-LN with residual blocks over token sequences, a ResNet has BatchNorm
# and shortcuts over images, a CNN reads images, a recurrent net sequences. An MLP takes the
# `Setting` defaults.
ARCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "mlp": {},
    "cnn": {"data": "image"},
    "resnet": {"norm": "batch", "residual": True, "data": "image"},
    "transformer": {"norm": "layer", "residual": True, "data": "sequence"},
    "rnn": {"data": "sequence"},
}


def describe_setting(**given: Any) -> Setting:
    """A `Setting` from the fields given (None = not given); the others take the defaults of
    the architecture (`ARCH_DEFAULTS`), then the `Setting` defaults.

    >>> describe_setting(arch="transformer").describe()
    'transformer, depth 2, norm layer, residual, sequence data, classification'
    >>> describe_setting(arch="transformer", norm="none").norm
    'none'
    """
    given = {k: v for k, v in given.items() if v is not None}
    arch = given.get("arch", Setting.arch)
    _one_of("arch", arch, ARCHS)
    return Setting(**{**ARCH_DEFAULTS[arch], **given})


def _one_of(name: str, value: Any, valid: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in valid:
        close = difflib.get_close_matches(str(value), valid, n=2)
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        raise ValueError(f"{name} must be one of {', '.join(valid)}; got {value!r}{hint}")


def setting_from_dict(data: dict[str, Any]) -> Setting:
    """A `Setting` from plain data; an unknown key is an error naming the valid ones."""
    fields = {f.name for f in dataclasses.fields(Setting)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ValueError(
            f"unknown setting key(s) {', '.join(map(repr, unknown))}; valid: {', '.join(sorted(fields))}"
        )
    return Setting(**data)
