"""The evidence base: a fixed benchmark suite of activations × settings × seeds.

Each `SuiteSetting` is one experiment of `actlab.experiments` (its own store under
``OUT/<setting>/results.sqlite``, so `actlab bench suite` resumes where it stopped, setting
by setting and run by run). The settings differ in what the selection guide says matters:
depth, normalisation, residual connections, architecture (MLP, the MNIST-1D paper's CNN, a
Transformer), data (MNIST-1D as a vector and as a sequence, 8×8 digit images, 2-D points, a
smooth regression) and task. Every activation's learning rate is chosen on validation data
(`TUNE_LR` on the first seed); every setting runs `SEEDS` seeds at the chosen rate. The
budgets are sized for a 2-core CPU: small networks, trained with a cosine schedule to the
end of their budget (`docs/benchmark.md` shows how far from converged each setting was).

`SUITE_VERSION` names this definition in the shipped evidence file; change it whenever a
setting, the activations or the protocol change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actlab.advise.setting import Setting

SUITE_VERSION = 1
SEEDS = 5
TUNE_LR = (1e-3, 3e-3)

# 24 activations on every setting: the seed's eight (relu, leaky_relu, gelu, silu, elu, selu,
# tanh, sigmoid), the modern ones (mish, squared_relu, star_relu, ...), cheap piecewise-linear
# forms (relu6, hardswish, hardtanh) and the learnable ones (prelu, star_relu,
# swish_learnable, pelu, rational, apl).
ACTIVATIONS = (
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "rrelu",
    "gelu",
    "silu",
    "mish",
    "squared_relu",
    "star_relu",
    "softplus",
    "tanh",
    "sigmoid",
    "softsign",
    "hardtanh",
    "relu6",
    "hardswish",
    "tanhexp",
    "squareplus",
    "swish_learnable",
    "pelu",
    "rational",
    "apl",
)
# Gated (GLU-family) forms where the model has an MLP block that can widen its up-projection
# for them (the Transformer; Shazeer 2020).
GATED = ("swiglu", "geglu", "reglu")
BASELINE = "relu"


@dataclass(frozen=True)
class SuiteSetting:
    """One setting of the suite: an experiment (`values`, keys of `ExperimentConfig`) and the
    `Setting` it stands for (what the advisor compares a user's setting with)."""

    name: str
    summary: str
    setting: Setting
    values: dict[str, Any]
    extra_activations: tuple[str, ...] = ()
    notes: str = ""
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def activations(self) -> tuple[str, ...]:
        return ACTIVATIONS + self.extra_activations


_COMMON_TRAINING = {
    "optimizer": "adam",
    "schedule": "cosine",
    "val_fraction": 0.1,
    "select": "best-val",
    "batch_size": 128,
}

SETTINGS: tuple[SuiteSetting, ...] = (
    SuiteSetting(
        "mnist1d-mlp",
        "MNIST-1D, MLP 40-128-10 (1 hidden layer)",
        Setting("mlp", 1, "none", False, "sequence", "classification"),
        {"dataset": "mnist1d", "model": "mlp", "hidden": 128, "depths": [1]},
        training={"epochs": 30},
    ),
    SuiteSetting(
        "spiral-mlp",
        "2-D two-arm spiral, MLP 3 hidden layers of 32",
        Setting("mlp", 3, "none", False, "tabular", "classification"),
        {"dataset": "spiral", "model": "mlp", "hidden": 32, "depths": [3]},
        training={"epochs": 60, "batch_size": 64},
    ),
    SuiteSetting(
        "regression-mlp",
        "smooth 2-D function regression (R²), MLP 3 hidden layers of 64",
        Setting("mlp", 3, "none", False, "tabular", "regression"),
        {
            "data_factory": "actlab.advise.regression:smooth_2d",
            "model": "mlp",
            "hidden": 64,
            "depths": [3],
        },
        training={"epochs": 40, "task": "regression"},
    ),
    SuiteSetting(
        "digits-mlp",
        "8×8 digits, MLP 64-64-64-10 (2 hidden layers)",
        Setting("mlp", 2, "none", False, "image", "classification"),
        {"dataset": "digits", "model": "mlp", "hidden": 64, "depths": [2]},
        training={"epochs": 30, "batch_size": 64},
    ),
    SuiteSetting(
        "mnist1d-mlp-deep",
        "MNIST-1D, MLP 12 hidden layers of 64, no norm, no residual",
        Setting("mlp", 12, "none", False, "sequence", "classification"),
        {"dataset": "mnist1d", "model": "mlp", "hidden": 64, "depths": [12]},
        training={"epochs": 15},
    ),
    SuiteSetting(
        "mnist1d-transformer",
        "MNIST-1D as 10 tokens of 4 samples, pre-LN Transformer (d_model 32, 2 blocks)",
        Setting("transformer", 2, "layer", True, "sequence", "classification"),
        {
            "data_factory": "actlab.advise.sequences:mnist1d_tokens",
            "model": "transformer",
            "depths": [2],
            "model_options": {"d_model": 32, "heads": 4, "mlp_ratio": 2.0},
        },
        extra_activations=GATED,
        training={"epochs": 10},
    ),
    SuiteSetting(
        "digits-mlp-deep",
        "8×8 digits, MLP 10 hidden layers of 64, no norm, no residual",
        Setting("mlp", 10, "none", False, "image", "classification"),
        {"dataset": "digits", "model": "mlp", "hidden": 64, "depths": [10]},
        training={"epochs": 20, "batch_size": 64},
    ),
    SuiteSetting(
        "digits-mlp-deep-bn",
        "8×8 digits, MLP 10 hidden layers of 64 with BatchNorm",
        Setting("mlp", 10, "batch", False, "image", "classification"),
        {"dataset": "digits", "model": "mlp", "hidden": 64, "depths": [10], "norm": "batch"},
        training={"epochs": 20, "batch_size": 64},
    ),
    SuiteSetting(
        "mnist1d-mlp-deep-res",
        "MNIST-1D, residual MLP: 12 pre-activation blocks of 64, no norm",
        Setting("mlp", 12, "none", True, "sequence", "classification"),
        {"dataset": "mnist1d", "model": "mlp", "hidden": 64, "depths": [12], "residual": True},
        training={"epochs": 15},
    ),
    SuiteSetting(
        "mnist1d-cnn",
        "MNIST-1D, the paper's CNN (three stride-2 Conv1d of 25 channels)",
        Setting("cnn", 3, "none", False, "sequence", "classification"),
        {"dataset": "mnist1d", "model": "mnist1d_cnn"},
        training={"epochs": 15},
    ),
)


def setting_names() -> list[str]:
    return [s.name for s in SETTINGS]


def get_setting(name: str) -> SuiteSetting:
    for s in SETTINGS:
        if s.name == name:
            return s
    import difflib

    close = difflib.get_close_matches(name, setting_names(), n=2)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    raise ValueError(
        f"unknown suite setting {name!r}{hint}; the settings: {', '.join(setting_names())}"
    )


def select(names: Sequence[str] | None) -> list[SuiteSetting]:
    """The settings named (all of them for None or an empty list), in suite order."""
    if not names:
        return list(SETTINGS)
    wanted = {get_setting(n).name for n in names}
    return [s for s in SETTINGS if s.name in wanted]


def experiment_values(
    suite_setting: SuiteSetting,
    *,
    seeds: int | Sequence[int] = SEEDS,
    tune_lr: Sequence[float] = TUNE_LR,
    activations: Sequence[str] | None = None,
    epochs: int | None = None,
) -> dict[str, Any]:
    """The `ExperimentConfig` keys of one setting (without `out` and the backend keys).

    `seeds`, `tune_lr`, `activations` and `epochs` may be narrowed (a test runs a slice);
    the shipped evidence uses the defaults.
    """
    training = {**_COMMON_TRAINING, **suite_setting.training}
    if epochs is not None:
        training["epochs"] = epochs
    return {
        **suite_setting.values,
        "activations": list(activations or suite_setting.activations),
        "baseline": BASELINE,
        "seeds": seeds,
        "tune_lr": list(tune_lr),
        "tune_seeds": 1,
        "init": "auto",
        **training,
    }


def run_count(
    suite_setting: SuiteSetting, seeds: int = SEEDS, candidates: int = len(TUNE_LR)
) -> int:
    """Runs one setting trains: every candidate lr on the first seed, then the other seeds."""
    return len(suite_setting.activations) * (candidates + seeds - 1)
