"""Published training protocols as presets: `--preset NAME` fills the whole recipe.

A preset sets the dataset, model, optimizer, lr, batch size, schedule, augmentation and
budget as the source trains them; flags and config keys given with it override any of them.
Activations are not part of a recipe: they stay the command's. The published protocols train
on the whole training set and test the final model, so the presets set `val_fraction: 0`;
add `--val-fraction 0.1` for a validation split (which `--tune-lr` and `--select best-val`
need) — the runs then train on 10% fewer samples than the paper's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    source: str
    values: dict[str, Any] = field(default_factory=dict)
    note: str = ""


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "classic-mnist",
            "The canonical experiment: a 784-500-10 MLP on MNIST, Adam 1e-3, batch 128, "
            "10 epochs (ReLU against Leaky ReLU in the textbooks).",
            "LeCun et al. 1998 (MNIST); the common 784-500-10 MLP baseline",
            {
                "datasets": ["mnist"],
                "models": ["mlp"],
                "hidden": 500,
                "depths": [1],
                "optimizer": "adam",
                "lr": 1e-3,
                "batch_size": 128,
                "epochs": 10,
            },
            note="MNIST is downloaded once (or read from --data-dir).",
        ),
        Preset(
            "mnist1d-paper-mlp",
            "The MNIST-1D paper's MLP (40-256-256-10, residual second layer) trained as the "
            "paper trains it: Adam 1e-2, batch 100, 8,000 steps. Published test accuracy: 68%.",
            "Greydanus & Kobak, 'Scaling Down Deep Learning with MNIST-1D', ICML 2024 "
            "(arXiv:2011.14439); model and training from the mnist1d repository",
            {
                "datasets": ["mnist1d"],
                "models": ["mnist1d_mlp"],
                "init": "default",
                "optimizer": "adam",
                "lr": 1e-2,
                "batch_size": 100,
                "epochs": 200,
            },
            note="200 epochs = 8,000 steps of 100 on the paper's 4,000 training samples. "
            "PyTorch's default init, as the paper's code.",
        ),
        Preset(
            "mnist1d-paper-cnn",
            "The MNIST-1D paper's CNN (three stride-2 Conv1d layers of 25 channels, a linear "
            "head) trained as the paper trains it: Adam 1e-2, batch 100, 8,000 steps. "
            "Published test accuracy: 94%.",
            "Greydanus & Kobak, 'Scaling Down Deep Learning with MNIST-1D', ICML 2024 "
            "(arXiv:2011.14439); model and training from the mnist1d repository",
            {
                "datasets": ["mnist1d"],
                "models": ["mnist1d_cnn"],
                "init": "default",
                "optimizer": "adam",
                "lr": 1e-2,
                "batch_size": 100,
                "epochs": 200,
            },
            note="200 epochs = 8,000 steps of 100 on the paper's 4,000 training samples. "
            "PyTorch's default init, as the paper's code.",
        ),
        Preset(
            "dubey-cifar10",
            "Dubey et al.'s CIFAR-10 protocol: Adam 1e-3, batch 128, 100 epochs, lr × 0.1 at "
            "epoch 80, random crop (padding 4) and horizontal flip; on the zoo's VGG-11 (BN), "
            "ResNet-20 and MobileNet-small.",
            "Dubey, Singh & Chaudhuri, 'Activation Functions in Deep Learning: A Comprehensive "
            "Survey and Benchmark', Neurocomputing 2022",
            {
                "datasets": ["cifar10"],
                "models": ["vgg11", "resnet20", "mobilenet_small"],
                "optimizer": "adam",
                "lr": 1e-3,
                "batch_size": 128,
                "epochs": 100,
                "schedule": "step:80:0.1",
                "augment": "crop+flip",
            },
            note="The paper trains VGG16, ResNet50, MobileNet, GoogLeNet, SENet18 and "
            "DenseNet121; the zoo's CPU-sized relatives stand in for them. CIFAR-10 is "
            "downloaded once (or read from --data-dir).",
        ),
        Preset(
            "swish-child",
            "The child network of the Swish search: ResNet-20 on CIFAR-10 for 10K steps "
            "(batch 128), with He et al.'s CIFAR recipe (SGD 0.1, momentum 0.9, weight decay "
            "1e-4, crop+flip).",
            "Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, "
            "2017 (child network); He et al., 'Deep Residual Learning for Image Recognition', "
            "CVPR 2016 (ResNet-20 and its training recipe)",
            {
                "datasets": ["cifar10"],
                "models": ["resnet20"],
                "optimizer": "sgd",
                "lr": 0.1,
                "momentum": 0.9,
                "weight_decay": 1e-4,
                "batch_size": 128,
                "epochs": 26,
                "augment": "crop+flip",
            },
            note="26 epochs of the 50,000 training samples are 10,166 steps of 128. The optimizer settings are He et al.'s; the search paper "
            "names only the network, the data and the 10K steps. He et al. decay the lr at 32K "
            "steps, after this budget, so it stays constant here.",
        ),
    )
}


def preset_values(name: str) -> dict[str, Any]:
    """The config keys of preset `name` (a copy); ValueError with close matches if unknown."""
    if name not in PRESETS:
        starts = [p for p in PRESETS if isinstance(name, str) and name and p.startswith(name)]
        close = starts or difflib.get_close_matches(str(name), list(PRESETS), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"unknown preset {name!r}.{hint} Presets: {', '.join(PRESETS)} (`actlab presets`)"
        )
    return {"val_fraction": 0.0, **PRESETS[name].values, "preset": name}
