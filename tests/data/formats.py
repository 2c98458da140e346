"""Writers for small files in the real MNIST (IDX .gz) and CIFAR-10 (pickle tar.gz) formats."""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def idx_bytes(array: np.ndarray, magic: bytes | None = None) -> bytes:
    """Uncompressed IDX bytes for a uint8 array: 0, 0, 0x08, ndim, dims (big-endian), data."""
    header = magic if magic is not None else bytes([0, 0, 0x08, array.ndim])
    return header + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def write_gz(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload, mtime=0))
    return path


def fake_mnist(n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=n_train).astype(np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=n_test).astype(np.uint8),
    }


def write_mnist(folder: Path, arrays: dict[str, np.ndarray]) -> dict[str, Path]:
    return {key: write_gz(folder / IDX_NAMES[key], idx_bytes(arr)) for key, arr in arrays.items()}


def cifar_batch(
    n: int, rng: np.random.Generator, label: str
) -> tuple[bytes, np.ndarray, list[int]]:
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    batch = {
        b"batch_label": label.encode(),
        b"labels": labels,
        b"data": data,
        b"filenames": [f"img{i}.png".encode() for i in range(n)],
    }
    return pickle.dumps(batch, protocol=2), data, labels


def cifar_members(n: int = 3, seed: int = 0) -> tuple[dict[str, bytes], dict[str, tuple]]:
    """Pickled batches data_batch_1..5 and test_batch, and their (data, labels)."""
    rng = np.random.default_rng(seed)
    members, contents = {}, {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        raw, data, labels = cifar_batch(n, rng, name)
        members[name], contents[name] = raw, (data, labels)
    return members, contents


def write_cifar_tar(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, raw in members.items():
            entry = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            entry.size = len(raw)
            archive.addfile(entry, io.BytesIO(raw))
    return path
