"""Datasets for activation experiments: `load(name)` returns a normalised in-memory `Dataset`.

| name          | input shape | classes | train / test     | where it comes from                  |
|---------------|-------------|---------|------------------|--------------------------------------|
| mnist1d       | (40,)       | 10      | 4,000 / 1,000    | generated (mnist1d package), cached  |
| digits        | (1, 8, 8)   | 10      | 1,347 / 450      | bundled with scikit-learn            |
| moons, circles, spiral, xor, gauss | (2,) | 2 | 1,000 / 1,000 | generated (`toy`)              |
| mnist, fashion_mnist, kmnist | (1, 28, 28) | 10 | 60,000 / 10,000 | IDX .gz files, downloaded   |
| cifar10       | (3, 32, 32) | 10      | 50,000 / 10,000  | python pickle batches, downloaded    |

Downloads go to `$ACTLAB_DATA/<name>/` (default `~/.cache/actlab`) and are checked against
their published SHA-256 and MD5; `data_dir=DIR` reads the standard file names from
`DIR/<name>/` or `DIR/` instead and never downloads (the generated and bundled sets read no
files, so it does not affect them). Every dataset's `info` records its source,
normalisation, split, sizes and seed.

>>> from actlab.data import load
>>> ds = load("moons", n_samples=200, n_test=100)
>>> ds
Dataset('moons', train=200, test=100, input_shape=(2,), num_classes=2)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from actlab.catalog.registry import close_matches
from actlab.data.cifar import load_cifar10
from actlab.data.dataset import (
    CorruptFileError,
    Dataset,
    DatasetError,
    MissingDataError,
    UnknownDatasetError,
)
from actlab.data.files import cache_dir
from actlab.data.generated import load_digits, load_mnist1d, load_toy, mnist1d_args
from actlab.data.idx import load_idx_dataset
from actlab.data.toy import toy, toy_names

__all__ = [
    "CorruptFileError",
    "Dataset",
    "DatasetError",
    "MissingDataError",
    "UnknownDatasetError",
    "cache_dir",
    "dataset_names",
    "dataset_options",
    "load",
    "toy",
]

# name -> (loader, option names or None when the loader checks them itself, reads files?)
_DOWNLOAD = ("download",)
_LOADERS: dict[str, tuple[Callable[..., Dataset], tuple[str, ...] | None, bool]] = {
    # mnist1d's options are its generator's arguments; listing them imports the package
    # (and matplotlib), so they are checked when it is actually used.
    "mnist1d": (load_mnist1d, None, False),
    "digits": (load_digits, ("test_size", "seed"), False),
    **{
        name: (partial(load_toy, name), ("n_samples", "n_test", "noise", "seed"), False)
        for name in toy_names()
    },
    **{
        name: (partial(load_idx_dataset, name), _DOWNLOAD, True)
        for name in ("mnist", "fashion_mnist", "kmnist")
    },
    "cifar10": (load_cifar10, _DOWNLOAD, True),
}
_ALIASES = {"mnist_1d": "mnist1d", "fmnist": "fashion_mnist", "cifar_10": "cifar10"}


def dataset_names() -> list[str]:
    """The names `load` accepts (aliases aside), in table order."""
    return list(_LOADERS)


def dataset_options(name: str) -> tuple[str, ...]:
    """The keyword options `load(name, ...)` accepts."""
    key = _canonical(name)
    allowed = _LOADERS[key][1]
    return tuple(mnist1d_args()) if allowed is None else allowed


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _LOADERS:
        return key
    hints = close_matches(key, [*_LOADERS, *_ALIASES])
    hint = f" Did you mean {', '.join(map(repr, hints))}?" if hints else ""
    raise UnknownDatasetError(
        f"unknown dataset {name!r}.{hint} Known datasets: {', '.join(_LOADERS)}."
    )


def load(name: str, data_dir: str | Path | None = None, **options: Any) -> Dataset:
    """Load dataset `name` (see the table above) with its `options`.

    Raises UnknownDatasetError (with close matches) for a bad name, DatasetError for an
    option the dataset does not have, MissingDataError when files are absent and cannot be
    downloaded (the message says which files to put where), and CorruptFileError naming
    the file and its defect.
    """
    key = _canonical(name)
    loader, allowed, reads_files = _LOADERS[key]
    unknown = [] if allowed is None else sorted(set(options) - set(allowed))
    if unknown:
        raise DatasetError(
            f"dataset {key!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options: {', '.join(allowed) or 'none'}"
        )
    dataset = loader(data_dir, **options) if reads_files else loader(**options)
    dataset.info["name"] = key
    dataset.info["options"] = dict(options)
    if reads_files:
        dataset.info["data_dir"] = None if data_dir is None else str(data_dir)
    return dataset
