"""The model zoo: every model with an activation slot, and init matched to the activation.

`build_model(kind, input_shape, num_classes, activation, activation_params, *, init, impl,
bits, act, **options)` builds one; `model_names()`, `get_model(name)` and
`model_options(name)` describe the zoo (`actlab models` prints it).
"""

from actlab.models.build import DEFAULT_CHANNELS, MODEL_KINDS, activation_modules, build_model
from actlab.models.init import INIT_SCHEMES, apply_init, init_for, resolve_init
from actlab.models.slot import ActivationSlot, ChannelsLast, activation_slot
from actlab.models.zoo import ModelSpec, get_model, model_names, model_options, register

__all__ = [
    "DEFAULT_CHANNELS",
    "INIT_SCHEMES",
    "MODEL_KINDS",
    "ActivationSlot",
    "ChannelsLast",
    "ModelSpec",
    "activation_modules",
    "activation_slot",
    "apply_init",
    "build_model",
    "get_model",
    "init_for",
    "model_names",
    "model_options",
    "register",
    "resolve_init",
]
