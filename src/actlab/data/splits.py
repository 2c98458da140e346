"""What a run trains on: train, validation and test splits, checked and fingerprinted.

A built-in dataset (`actlab.data.load`) or a user's own data — a pair `(train, test)` of
`torch.utils.data.Dataset`s or of `(X, y)` tensors — becomes one `Splits`. The validation
split is carved from the training set (stratified by class for classification, seeded), so
the test set stays untouched until a run's end. Data that fits in memory is held as tensors
(the fast path of `actlab.train`); a larger torch Dataset is kept as it is and streamed.

`fingerprint` is a SHA-256 over the shapes, dtypes and bytes of every split (before the
validation split): runs are keyed by it, so changed data never reuses an old result.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from actlab.data.dataset import Dataset, DatasetError

TASKS = ("classification", "regression")
# Torch Datasets up to this size are read into tensors once; larger ones are streamed.
IN_MEMORY_LIMIT_BYTES = 2 * 1024**3


class DataCheckError(DatasetError):
    """User data that cannot be trained on: the message names the split and the problem."""


@dataclass(eq=False)
class Split:
    """One split: tensors `x`, `y` (in memory) or a torch `dataset` with the `indices` used."""

    x: torch.Tensor | None = None
    y: torch.Tensor | None = None
    dataset: torch.utils.data.Dataset | None = None
    indices: np.ndarray | None = None

    @property
    def in_memory(self) -> bool:
        return self.x is not None

    def __len__(self) -> int:
        if self.x is not None:
            return int(self.x.shape[0])
        return len(self.indices) if self.indices is not None else len(self.dataset)

    def subset(self, index: np.ndarray) -> Split:
        if self.x is not None:
            picked = torch.from_numpy(index)
            return Split(self.x[picked], self.y[picked])
        base = self.indices if self.indices is not None else np.arange(len(self.dataset))
        return Split(dataset=self.dataset, indices=base[index])

    def labels(self) -> torch.Tensor:
        """All targets of the split (reads every item of a streamed dataset once)."""
        if self.y is not None:
            return self.y
        return torch.stack([_as_target(self.dataset[int(i)][1]) for i in self._order()])

    def first_inputs(self, n: int) -> torch.Tensor:
        """The inputs of the split's first `n` samples (float32)."""
        if self.x is not None:
            return self.x[:n]
        order = itertools.islice(self._order(), n)
        return torch.stack([torch.as_tensor(self.dataset[int(i)][0]) for i in order]).float()

    def _order(self) -> Sequence[int]:
        return self.indices if self.indices is not None else range(len(self.dataset))


@dataclass(eq=False)
class Splits:
    """Train / validation / test, their per-sample shape, output count, task and provenance.

    `num_outputs` is the number of classes (classification) or of regression targets.
    `val` is None when the validation fraction is 0.
    """

    name: str
    train: Split
    val: Split | None
    test: Split
    input_shape: tuple[int, ...]
    num_outputs: int
    task: str
    fingerprint: str
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        val = len(self.val) if self.val is not None else 0
        return (
            f"Splits({self.name!r}, train={len(self.train)}, val={val}, test={len(self.test)}, "
            f"input_shape={self.input_shape}, num_outputs={self.num_outputs}, task={self.task!r})"
        )


# -- validation split -------------------------------------------------------------------------


def validation_indices(
    targets: torch.Tensor, fraction: float, seed: int, stratify: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) index arrays: `fraction` of the samples go to validation.

    Stratified: each class gives round(fraction × its count) samples (at least one when it has
    two or more), chosen by a NumPy generator seeded with `seed`, so every activation, seed and
    process sees the same split. Both arrays are sorted.
    """
    n = int(targets.shape[0])
    if not 0 <= fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {fraction!r}")
    if fraction == 0:
        return np.arange(n), np.arange(0)
    rng = np.random.default_rng(seed)
    if stratify:
        labels = targets.numpy()
        val = []
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            take = int(round(fraction * len(members)))
            if len(members) >= 2:
                take = min(max(take, 1), len(members) - 1)
            else:
                take = 0
            val.append(rng.permutation(members)[:take])
        val_index = np.sort(np.concatenate(val))
    else:
        take = min(max(int(round(fraction * n)), 1), n - 1)
        val_index = np.sort(rng.permutation(n)[:take])
    train_index = np.setdiff1d(np.arange(n), val_index, assume_unique=True)
    if len(train_index) == 0 or len(val_index) == 0:
        raise DataCheckError(
            f"the training set has {n} samples: too few to carve a validation split of "
            f"{fraction:g} (set val_fraction to 0, or give more data)"
        )
    return train_index, val_index


def with_validation(
    name: str,
    train: Split,
    test: Split,
    task: str,
    input_shape: tuple[int, ...],
    num_outputs: int,
    fingerprint: str,
    info: dict[str, Any],
    val_fraction: float,
    val_seed: int,
) -> Splits:
    """`Splits` with `val_fraction` of `train` held out for validation (recorded in info)."""
    train_index, val_index = validation_indices(
        train.labels(), val_fraction, val_seed, stratify=task == "classification"
    )
    val = train.subset(val_index) if len(val_index) else None
    kept = train.subset(train_index) if len(val_index) else train
    info = {
        **info,
        "fingerprint": fingerprint,
        "validation": {
            "fraction": val_fraction,
            "seed": val_seed,
            "stratified": task == "classification",
            "sizes": {"train": len(kept), "val": len(val_index), "test": len(test)},
        },
    }
    return Splits(name, kept, val, test, input_shape, num_outputs, task, fingerprint, info)


def from_dataset(dataset: Dataset, val_fraction: float, val_seed: int) -> Splits:
    """The splits of a built-in `Dataset` (classification, in memory)."""
    train = Split(dataset.x_train, dataset.y_train)
    test = Split(dataset.x_test, dataset.y_test)
    digest = fingerprint([train, test])
    return with_validation(
        dataset.name,
        train,
        test,
        "classification",
        tuple(dataset.input_shape),
        dataset.num_classes,
        digest,
        dict(dataset.info),
        val_fraction,
        val_seed,
    )


# -- fingerprints -----------------------------------------------------------------------------


def fingerprint(splits: Sequence[Split]) -> str:
    """16 hex digits of SHA-256 over each split's size, shapes and bytes, in order.

    Inputs are hashed as float32 and targets as int64 (labels) or float32 (regression), the
    dtypes training uses, one sample after another: data held in memory and the same data
    streamed from a torch Dataset have the same fingerprint.
    """
    digest = hashlib.sha256()
    for split in splits:
        inputs, targets = hashlib.sha256(), hashlib.sha256()
        shapes: set[tuple] = set()
        if split.in_memory:
            _update(inputs, targets, shapes, split.x, split.y)
        else:
            for i in split._order():
                x, y = split.dataset[int(i)]
                _update(inputs, targets, shapes, torch.as_tensor(x)[None], torch.as_tensor(y)[None])
        digest.update(f"split:{len(split)};{sorted(shapes)};".encode())
        digest.update(inputs.digest() + targets.digest())
    return digest.hexdigest()[:16]


def _update(inputs: Any, targets: Any, shapes: set, x: torch.Tensor, y: torch.Tensor) -> None:
    y = y.long() if not y.is_floating_point() else y.float()
    shapes.add((tuple(x.shape[1:]), tuple(y.shape[1:]), str(y.dtype)))
    for tensor, digest in ((x.float(), inputs), (y, targets)):
        digest.update(
            tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes()
        )


# -- user data --------------------------------------------------------------------------------


def _as_target(value: Any) -> torch.Tensor:
    return torch.as_tensor(value)


def _check_pair(value: Any, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not (isinstance(value, tuple | list) and len(value) == 2):
        raise DataCheckError(
            f"{what}: expected a torch Dataset or an (X, y) pair of tensors, got "
            f"{type(value).__name__}"
            + (f" of length {len(value)}" if hasattr(value, "__len__") else "")
        )
    x, y = (torch.as_tensor(v) if not isinstance(v, torch.Tensor) else v for v in value)
    return x, y


def _check_arrays(x: torch.Tensor, y: torch.Tensor, task: str, what: str) -> Split:
    if x.ndim < 2:
        raise DataCheckError(
            f"{what}: X has shape {tuple(x.shape)}; it needs a sample axis and a per-sample "
            f"shape, e.g. ({x.shape[0] if x.ndim else 1}, 1) for one feature"
        )
    if x.shape[0] == 0:
        raise DataCheckError(f"{what}: X holds no samples")
    if x.shape[0] != y.shape[0]:
        raise DataCheckError(
            f"{what}: X has {x.shape[0]} samples but y has {y.shape[0] if y.ndim else 0}"
        )
    if not (
        x.is_floating_point()
        or x.dtype in (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
    ):
        raise DataCheckError(f"{what}: X must hold real numbers, got dtype {x.dtype}")
    x = x.float()
    bad = int((~torch.isfinite(x)).sum())
    if bad:
        raise DataCheckError(f"{what}: X holds {bad} NaN or infinite value(s)")
    if task == "classification":
        if y.is_floating_point() or y.dtype == torch.bool or y.is_complex():
            raise DataCheckError(
                f"{what}: classification needs integer class labels in y, got dtype {y.dtype} "
                "(for real-valued targets use task='regression' / --task regression)"
            )
        if y.ndim != 1:
            raise DataCheckError(
                f"{what}: y must be a vector of class labels, shape (n,), got {tuple(y.shape)}"
            )
        y = y.long()
        if int(y.min()) < 0:
            raise DataCheckError(f"{what}: class labels must be >= 0, found {int(y.min())}")
    else:
        if y.ndim not in (1, 2):
            raise DataCheckError(
                f"{what}: regression targets must have shape (n,) or (n, k), got {tuple(y.shape)}"
            )
        y = y.float()
        bad = int((~torch.isfinite(y)).sum())
        if bad:
            raise DataCheckError(f"{what}: y holds {bad} NaN or infinite value(s)")
    return Split(x.contiguous(), y.contiguous())


def _from_torch_dataset(dataset: Any, task: str, what: str, limit: int) -> Split:
    try:
        n = len(dataset)
    except TypeError:
        raise DataCheckError(f"{what}: a torch Dataset must have a length (__len__)") from None
    if n == 0:
        raise DataCheckError(f"{what}: the dataset holds no samples")
    try:
        item = dataset[0]
    except Exception as error:
        raise DataCheckError(
            f"{what}: reading item 0 failed: {type(error).__name__}: {error}"
        ) from None
    if not (isinstance(item, tuple | list) and len(item) == 2):
        raise DataCheckError(
            f"{what}: each item must be an (x, y) pair, item 0 is {type(item).__name__}"
        )
    x0 = torch.as_tensor(item[0])
    size = n * max(x0.numel(), 1) * 4
    if size > limit:  # streamed: check the first item's form here, every item as it is read
        _check_arrays(x0[None], _as_target(item[1])[None], task, f"{what}, item 0")
        return Split(dataset=dataset)
    xs, ys = [], []
    for i in range(n):
        x, y = dataset[i]
        x = torch.as_tensor(x)
        if tuple(x.shape) != tuple(x0.shape):
            raise DataCheckError(
                f"{what}: item {i} has input shape {tuple(x.shape)}, item 0 has {tuple(x0.shape)}"
            )
        xs.append(x)
        ys.append(torch.as_tensor(y))
    return _check_arrays(torch.stack(xs), torch.stack(ys), task, what)


def _as_split(value: Any, task: str, what: str, limit: int) -> Split:
    if isinstance(value, torch.utils.data.Dataset) and not isinstance(value, tuple | list):
        return _from_torch_dataset(value, task, what, limit)
    x, y = _check_pair(value, what)
    return _check_arrays(x, y, task, what)


def _per_sample_shape(split: Split) -> tuple[int, ...]:
    if split.in_memory:
        return tuple(split.x.shape[1:])
    return tuple(torch.as_tensor(split.dataset[0][0]).shape)


def from_user(
    data: Any,
    name: str,
    task: str,
    val_fraction: float,
    val_seed: int,
    limit: int | None = None,
) -> Splits:
    """Check a user's `(train, test)` pair and make its splits; errors name what is wrong."""
    limit = IN_MEMORY_LIMIT_BYTES if limit is None else limit
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if not (isinstance(data, tuple | list) and len(data) == 2):
        got = type(data).__name__ + (
            f" of length {len(data)}" if isinstance(data, tuple | list) else ""
        )
        raise DataCheckError(f"data {name!r}: expected a pair (train, test), got {got}")
    train = _as_split(data[0], task, f"data {name!r}, train split", limit)
    test = _as_split(data[1], task, f"data {name!r}, test split", limit)
    shape = _per_sample_shape(train)
    if _per_sample_shape(test) != shape:
        raise DataCheckError(
            f"data {name!r}: train inputs have per-sample shape {shape}, test inputs "
            f"{_per_sample_shape(test)}"
        )
    if task == "classification":
        labels = torch.cat([train.labels().long(), test.labels().long()])
        num_outputs = int(labels.max()) + 1
        if num_outputs < 2:
            raise DataCheckError(
                f"data {name!r}: classification needs at least 2 classes; the labels are all 0"
            )
        seen = set(torch.unique(train.labels()).tolist())
        if len(seen) < 2:
            raise DataCheckError(f"data {name!r}: the training labels hold a single class")
    else:
        target = train.labels()
        num_outputs = 1 if target.ndim == 1 else int(target.shape[1])
        test_target = test.labels()
        if (1 if test_target.ndim == 1 else int(test_target.shape[1])) != num_outputs:
            raise DataCheckError(
                f"data {name!r}: train targets have {num_outputs} column(s), test targets "
                f"shape {tuple(test_target.shape)}"
            )
    digest = fingerprint([train, test])
    info = {
        "name": name,
        "source": "user data",
        "task": task,
        "sizes": {"train": len(train), "test": len(test)},
        "input_shape": list(shape),
        "num_outputs": num_outputs,
        "in_memory": train.in_memory and test.in_memory,
    }
    return with_validation(
        name, train, test, task, shape, num_outputs, digest, info, val_fraction, val_seed
    )
