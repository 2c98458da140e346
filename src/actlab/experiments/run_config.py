"""`RunConfig`: one cell of an experiment grid — everything one training run needs — and the
hash that names the run in the results store."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from actlab.train.config import Training

# Bumped when the meaning of a RunConfig changes, so that old results are never reused.
# 1: the first release (per-epoch test metrics, no validation split).
# 2: validation split carved from the training set, test metrics once at the end, the
#    training recipe as one `Training`, data and factory fingerprints in the key.
RUN_SCHEMA = 2


@dataclass(frozen=True)
class RunConfig:
    """One training run: a dataset, a model with one activation, one seed, the recipe.

    `activation` is the canonical catalogue name; `activation_params` holds every parameter of
    that activation (defaults filled in) so that `leaky_relu` and `leaky_relu:negative_slope=0.01`
    are the same run. `label` is how the activation is shown (name plus the overrides given).
    `model_options` holds every option of a built-in model (defaults filled in); factories and
    module instances take none. `data_fingerprint` (content hash of the data) and
    `source_fingerprint` (code of a factory, or a given module's structure and weights) are
    part of the identity, so changed data or code never reuses a result.
    """

    dataset: str
    model: str
    activation: str
    activation_params: dict[str, Any]
    label: str
    seed: int
    training: Training = field(default_factory=Training)
    model_options: dict[str, Any] = field(default_factory=dict)
    init: str = "auto"
    swap_from: str | None = None
    impl: str = "native"
    bits: int | None = None
    dataset_options: dict[str, Any] = field(default_factory=dict)
    data_fingerprint: str = ""
    source_fingerprint: str = ""
    loss_fn: str | None = None
    metrics: dict[str, str] = field(default_factory=dict)
    health: bool = False
    device: str = "auto"
    # Where dataset files are read from (their content is in data_fingerprint) and how many
    # DataLoader workers stream data too large for memory: neither changes the result.
    data_dir: str | None = None
    num_workers: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        data = dict(data)
        if "training" not in data:  # a schema-1 record (flat fields), read for reports
            data = _from_schema_1(data)
        data["training"] = Training(**data["training"])
        return cls(**data)

    @property
    def config_hash(self) -> str:
        """16 hex digits of SHA-256 over the canonical JSON of everything that shapes the result."""
        unhashed = ("data_dir", "label", "num_workers")
        content = {k: v for k, v in self.to_dict().items() if k not in unhashed}
        content["schema"] = RUN_SCHEMA
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def depth(self) -> int | None:
        return self.model_options.get("depth")

    @property
    def setting(self) -> tuple[str, str, int | None]:
        """The part of the grid that runs are compared within: (dataset, model, depth)."""
        return (self.dataset, self.model, self.depth)


def _from_schema_1(data: dict[str, Any]) -> dict[str, Any]:
    flat = {k: data.pop(k) for k in ("epochs", "batch_size", "lr", "weight_decay", "optimizer")}
    options = {k: data.pop(k) for k in ("hidden", "depth", "dropout")}
    return {**data, "training": {**flat, "val_fraction": 0.0}, "model_options": options}


def setting_key(setting: tuple[str, str, int | None]) -> tuple:
    """Sort key for settings whose depth may be None (models without a depth option)."""
    dataset, model, depth = setting
    return (dataset, model, depth is not None, depth or 0)
