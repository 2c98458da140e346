"""The `Dataset` record every loader returns, the data errors, and input normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch


class DatasetError(ValueError):
    """Base class of every error `actlab.data` raises on purpose."""


class UnknownDatasetError(DatasetError, KeyError):
    """A dataset name that is not registered; the message lists the close matches."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class MissingDataError(DatasetError, FileNotFoundError):
    """The files of a downloaded dataset are absent and could not be fetched."""

    def __str__(self) -> str:  # FileNotFoundError would format (errno, strerror)
        return str(self.args[0])


class CorruptFileError(DatasetError):
    """A data file exists but is truncated, malformed or fails its checksum."""


@dataclass(eq=False)
class Dataset:
    """A classification dataset held in memory as tensors, split into train and test.

    `x_*` are float32 tensors of shape `(n, *input_shape)`, already normalised (see
    `info["normalisation"]`); `y_*` are int64 class indices in `[0, num_classes)`.
    `info` is JSON-serialisable and is recorded with every run: source, normalisation,
    split, sizes, seed and the files read with their SHA-256.
    """

    name: str
    x_train: torch.Tensor = field(repr=False)
    y_train: torch.Tensor = field(repr=False)
    x_test: torch.Tensor = field(repr=False)
    y_test: torch.Tensor = field(repr=False)
    num_classes: int
    input_shape: tuple[int, ...]
    info: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dtype != torch.float32 or y.dtype != torch.int64:
                raise TypeError(f"{self.name}: x_{split} must be float32 and y_{split} int64")
            if tuple(x.shape[1:]) != tuple(self.input_shape) or x.shape[0] != y.shape[0]:
                raise ValueError(
                    f"{self.name}: x_{split} {tuple(x.shape)} and y_{split} {tuple(y.shape)} "
                    f"do not match input_shape {self.input_shape}"
                )

    @property
    def n_train(self) -> int:
        return int(self.y_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.y_test.shape[0])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={self.n_train}, test={self.n_test}, "
            f"input_shape={self.input_shape}, num_classes={self.num_classes})"
        )


def _exact_moments(x: np.ndarray, channel_axis: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) std per channel of integer data, from exact integer sums.

    Sums run in int64 over chunks of samples (no float64 copy of the data), and the variance
    n*S2 - S1^2 is formed with Python integers, so the statistics are correctly rounded.
    """
    moved = x if channel_axis is None else np.moveaxis(x, channel_axis + 1, 1)
    flat = moved.reshape(len(x), 1 if channel_axis is None else moved.shape[1], -1)
    s1 = np.zeros(flat.shape[1], dtype=np.int64)
    s2 = np.zeros(flat.shape[1], dtype=np.int64)
    for start in range(0, len(flat), 2048):
        chunk = flat[start : start + 2048].astype(np.int64)
        s1 += chunk.sum(axis=(0, 2))
        s2 += (chunk * chunk).sum(axis=(0, 2))
    count = len(flat) * flat.shape[2]
    mean = [int(a) / count for a in s1]
    var = [(count * int(b) - int(a) ** 2) / count**2 for a, b in zip(s1, s2, strict=True)]
    return np.array(mean), np.sqrt(np.array(var))


def standardise(
    x_train: np.ndarray,
    x_test: np.ndarray,
    channel_axis: int | None = None,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Divide by `scale`, then subtract the training set's mean and divide by its std.

    One scalar pair over all training values, or one pair per channel when `channel_axis`
    (an axis of the per-sample shape) is given. The test set uses the training statistics,
    so nothing about it leaks into the inputs. Statistics are float64 (exact for integer
    pixels); the result is float32, with the statistics of `x / scale` in the description.
    """
    if x_train.size == 0:
        raise ValueError("cannot standardise an empty training set")
    if np.issubdtype(x_train.dtype, np.integer):
        mean, std = _exact_moments(x_train, channel_axis)
    else:
        axes = (
            None
            if channel_axis is None
            else tuple(a for a in range(x_train.ndim) if a != channel_axis + 1)
        )
        x64 = x_train.astype(np.float64)
        mean, std = np.atleast_1d(x64.mean(axis=axes)), np.atleast_1d(x64.std(axis=axes))
    mean, std = mean / scale, std / scale
    std = np.where(std > 0, std, 1.0)  # a constant input stays 0 instead of becoming NaN
    shape = [1] * x_train.ndim
    if channel_axis is not None:
        shape[channel_axis + 1] = -1
    # Applied in float32: a float64 copy of CIFAR-10 would need 1.2 GB for no visible gain.
    mean32 = mean.astype(np.float32).reshape(shape)
    std32 = std.astype(np.float32).reshape(shape)
    scaled = [
        (np.asarray(x, dtype=np.float32) / np.float32(scale) - mean32) / std32
        for x in (x_train, x_test)
    ]
    stats = {"mean": mean.tolist(), "std": std.tolist()}
    return scaled[0], scaled[1], stats


def make_dataset(
    name: str,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    num_classes: int,
    info: dict[str, Any],
) -> Dataset:
    """Wrap numpy arrays (already normalised) as a `Dataset`, adding the sizes to `info`."""
    x_train, y_train, x_test, y_test = arrays
    info = {
        **info,
        "sizes": {"train": int(len(y_train)), "test": int(len(y_test))},
        "num_classes": int(num_classes),
        "input_shape": list(x_train.shape[1:]),
    }
    return Dataset(
        name=name,
        x_train=torch.from_numpy(np.ascontiguousarray(x_train, dtype=np.float32)),
        y_train=torch.from_numpy(np.ascontiguousarray(y_train, dtype=np.int64)),
        x_test=torch.from_numpy(np.ascontiguousarray(x_test, dtype=np.float32)),
        y_test=torch.from_numpy(np.ascontiguousarray(y_test, dtype=np.int64)),
        num_classes=int(num_classes),
        input_shape=tuple(int(s) for s in x_train.shape[1:]),
        info=info,
    )
