"""Datasets made on this machine: MNIST-1D (generated), digits (bundled), the 2-D toy sets."""

from __future__ import annotations

import hashlib
import json
import os
import random
import warnings
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from actlab.data.dataset import Dataset, DatasetError, make_dataset, standardise
from actlab.data.files import cache_dir
from actlab.data.toy import DEFAULT_NOISE, toy

MNIST1D_SOURCE = (
    "Greydanus & Kobak, 'Scaling Down Deep Learning with MNIST-1D', ICML 2024 "
    "(arXiv:2011.14439); generated with the mnist1d package"
)


def mnist1d_args(**options: Any) -> dict[str, Any]:
    """The mnist1d package's default generation arguments with `options` applied.

    Defaults: 5,000 samples split 80/20 (4,000 train / 1,000 test), length 40, seed 42.
    """
    from mnist1d.data import get_dataset_args

    args = get_dataset_args(as_dict=True)
    args.pop("url")  # where the package downloads a pickle from; we always generate
    unknown = sorted(set(options) - set(args))
    if unknown:
        raise DatasetError(
            f"mnist1d has no option {', '.join(map(repr, unknown))}; options: {', '.join(args)}"
        )
    args.update(options)
    n, split = args["num_samples"], args["train_split"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 20:
        raise ValueError(f"mnist1d: num_samples must be an integer >= 20, got {n!r}")
    if not 0 < split < 1:
        raise ValueError(f"mnist1d: train_split must be in (0, 1), got {split!r}")
    return args


def _generate_mnist1d(args: dict[str, Any]) -> dict[str, np.ndarray]:
    from mnist1d.data import make_dataset as make_mnist1d
    from mnist1d.utils import ObjectView

    # make_dataset seeds the global `random` and `numpy.random` generators; put them back.
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_mnist1d(ObjectView(dict(args)))
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return {k: np.asarray(data[k]) for k in ("x", "y", "x_test", "y_test")}


def _cached_mnist1d(args: dict[str, Any]) -> tuple[dict[str, np.ndarray], Path, bool]:
    """Generated arrays, from `$ACTLAB_DATA/mnist1d/` when an earlier run cached them."""
    key = json.dumps({**args, "mnist1d": version("mnist1d")}, sort_keys=True)
    path = cache_dir() / "mnist1d" / f"mnist1d-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as cached:
                return {k: cached[k] for k in ("x", "y", "x_test", "y_test")}, path, True
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            warnings.warn(f"{path}: unreadable cache ({error}); generating again", stacklevel=3)
    arrays = _generate_mnist1d(args)
    try:  # a temporary file renamed into place: concurrent runs never read half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.part-{os.getpid()}")
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except OSError as error:
        warnings.warn(f"could not cache MNIST-1D in {path.parent}: {error}", stacklevel=3)
    return arrays, path, False


def load_mnist1d(**options: Any) -> Dataset:
    """MNIST-1D: 40-sample 1-D signals of the ten digits; input shape (40,), 10 classes."""
    args = mnist1d_args(**options)
    arrays, path, from_cache = _cached_mnist1d(args)
    info = {
        "source": MNIST1D_SOURCE,
        "generator": {"mnist1d": version("mnist1d"), "args": args},
        "normalisation": {
            "method": "as generated: mnist1d shifts and scales the whole set (train and test "
            "together) to mean 0 and std 1",
        },
        "split": f"first {args['train_split']:.0%} of the generated samples train, rest test",
        "seed": args["seed"],
        "cache": {"path": str(path), "hit": from_cache},
    }
    return make_dataset(
        "mnist1d", (arrays["x"], arrays["y"], arrays["x_test"], arrays["y_test"]), 10, info
    )


def load_digits(test_size: float = 0.25, seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8x8 digits (1,797 images), stratified split; shape (1, 8, 8)."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ValueError(f"digits: test_size must be in (0, 1), got {test_size!r}")
    bunch = sklearn_digits()
    x = bunch.images.astype(np.uint8)[:, None]  # integer pixel values 0..16
    y = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    x_train, x_test, stats = standardise(x_train, x_test, scale=16)
    info = {
        "source": "UCI optical recognition of handwritten digits, as bundled with scikit-learn "
        "(sklearn.datasets.load_digits)",
        "normalisation": {
            "method": "x / 16, then (x - mean) / std with the training set's pixel mean and std",
            **stats,
        },
        "split": f"sklearn train_test_split(test_size={test_size}, stratify=y, "
        f"random_state={seed})",
        "seed": seed,
    }
    return make_dataset("digits", (x_train, y_train, x_test, y_test), 10, info)


def load_toy(
    name: str, n_samples: int = 1000, n_test: int = 1000, noise: float | None = None, seed: int = 0
) -> Dataset:
    """A 2-D toy set (`actlab.data.toy`): one draw of n_samples + n_test points, split in order."""
    for label, value in (("n_samples", n_samples), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: {label} must be an integer >= 1, got {value!r}")
    noise = DEFAULT_NOISE[name] if noise is None else noise
    x, y = toy(name, n=n_samples + n_test, noise=noise, seed=seed)
    x_train, x_test, stats = standardise(x[:n_samples], x[n_samples:], channel_axis=0)
    info = {
        "source": f"actlab.data.toy({name!r}, n={n_samples + n_test}, noise={noise}, seed={seed})",
        "normalisation": {
            "method": "per feature (x - mean) / std with the training set's mean and std",
            **stats,
        },
        "split": f"first {n_samples} points train, last {n_test} test (one i.i.d. draw)",
        "seed": seed,
        "noise": noise,
    }
    return make_dataset(name, (x_train, y[:n_samples], x_test, y[n_samples:]), 2, info)
