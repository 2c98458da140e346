"""Model builders (`build_model`: mlp, cnn) and weight initialisation matched to the activation."""

from actlab.models.build import DEFAULT_CHANNELS, MODEL_KINDS, activation_modules, build_model
from actlab.models.init import INIT_SCHEMES, apply_init, init_for, resolve_init

__all__ = [
    "DEFAULT_CHANNELS",
    "INIT_SCHEMES",
    "MODEL_KINDS",
    "activation_modules",
    "apply_init",
    "build_model",
    "init_for",
    "resolve_init",
]
