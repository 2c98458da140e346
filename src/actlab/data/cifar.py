"""CIFAR-10, python version: `cifar-10-python.tar.gz` holding pickled batches.

The archive's `cifar-10-batches-py/` folder has `data_batch_1` .. `data_batch_5` (50,000
training images) and `test_batch` (10,000); each is a pickled dict with `b"data"` (uint8,
n x 3072: the red, green and blue 32x32 planes in turn) and `b"labels"` (n ints in 0..9).
With `data_dir`, the extracted `cifar-10-batches-py/` folder is read too.

The pickles are read by an unpickler that only accepts plain containers and numpy arrays,
so a tampered file cannot run code. Normalisation: pixels / 255, then per channel minus the
training set's mean and divided by its std (about (0.4914, 0.4822, 0.4465) and
(0.2470, 0.2435, 0.2616)). Inputs have shape (3, 32, 32).
"""

from __future__ import annotations

import io
import pickle
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from actlab.data.dataset import CorruptFileError, Dataset, make_dataset, standardise
from actlab.data.files import RemoteFile, locate, register_files

ARCHIVE = "cifar-10-python.tar.gz"
BATCH_DIR = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
FILES = register_files(
    "cifar10",
    (
        RemoteFile(
            ARCHIVE,
            170_498_071,
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            "c58f30108f718f92721af3b95e74349a",
            ("https://www.cs.toronto.edu/~kriz/",),
        ),
    ),
)
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

# What a CIFAR batch pickle may reference: numpy's array reconstructors, and the codec
# function Python 3 uses to rebuild bytes in protocol-2 pickles; nothing that runs code.
_ALLOWED = {
    ("_codecs", "encode"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _parse_batch(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except Exception as error:  # any unpickling failure is the file's fault
        raise CorruptFileError(f"{where}: not a valid CIFAR batch pickle ({error})") from error
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = sorted(map(repr, batch)) if isinstance(batch, dict) else type(batch).__name__
        raise CorruptFileError(f"{where}: expected a dict with b'data' and b'labels', got {keys}")
    data, labels = batch[b"data"], np.asarray(batch[b"labels"])
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != 3072
    ):
        shape = getattr(data, "shape", type(data).__name__)
        raise CorruptFileError(f"{where}: b'data' must be uint8 n x 3072, got {shape}")
    if labels.shape != (len(data),) or not np.issubdtype(labels.dtype, np.integer):
        raise CorruptFileError(
            f"{where}: {len(data)} images but b'labels' has shape {labels.shape} ({labels.dtype})"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= len(CLASSES)):
        raise CorruptFileError(f"{where}: labels outside 0..{len(CLASSES) - 1}")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def _archive_reader(path: Path) -> dict[str, bytes]:
    wanted = {f"{BATCH_DIR}/{b}": b for b in (*TRAIN_BATCHES, TEST_BATCH)}
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.name in wanted and member.isfile():
                    found[wanted[member.name]] = archive.extractfile(member).read()
    except EOFError as error:
        raise CorruptFileError(f"{path}: truncated archive ({error})") from error
    except (tarfile.TarError, zlib.error, OSError) as error:
        raise CorruptFileError(f"{path}: not a valid .tar.gz archive ({error})") from error
    missing = [f"{BATCH_DIR}/{b}" for b in (*TRAIN_BATCHES, TEST_BATCH) if b not in found]
    if missing:
        raise CorruptFileError(f"{path}: archive lacks {', '.join(missing)}")
    return found


def _extracted_dir(data_dir: Path) -> Path | None:
    for folder in (data_dir / "cifar10" / BATCH_DIR, data_dir / BATCH_DIR):
        if all((folder / b).is_file() for b in (*TRAIN_BATCHES, TEST_BATCH)):
            return folder
    return None


def load_cifar10(data_dir: str | Path | None = None, download: bool = True) -> Dataset:
    """Load CIFAR-10 (see the module docstring)."""
    folder = None
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        has_archive = any(p.is_file() for p in (data_dir / "cifar10" / ARCHIVE, data_dir / ARCHIVE))
        folder = None if has_archive else _extracted_dir(data_dir)
    read: Callable[[str], bytes]
    if folder is not None:
        records = {BATCH_DIR: {"path": str(folder), "sha256": None, "official": None}}
        read = lambda batch: (folder / batch).read_bytes()  # noqa: E731
        where = {b: str(folder / b) for b in (*TRAIN_BATCHES, TEST_BATCH)}
    else:
        records = locate("cifar10", FILES, data_dir, allow_download=download)
        archive = Path(records[ARCHIVE]["path"])
        members = _archive_reader(archive)
        read = members.__getitem__
        where = {b: f"{archive}:{BATCH_DIR}/{b}" for b in members}
    train = [_parse_batch(read(b), where[b]) for b in TRAIN_BATCHES]
    x_test, y_test = _parse_batch(read(TEST_BATCH), where[TEST_BATCH])
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    x_train, x_test, stats = standardise(x_train, x_test, channel_axis=0, scale=255)
    info = {
        "source": "Krizhevsky, Learning Multiple Layers of Features from Tiny Images, 2009 "
        "(https://www.cs.toronto.edu/~kriz/cifar.html)",
        "normalisation": {
            "method": "x / 255, then per channel (x - mean) / std with the training set's "
            "mean and std (R, G, B)",
            **stats,
        },
        "split": "official data_batch_1..5 train / test_batch test",
        "seed": None,
        "classes": CLASSES,
        "files": records,
    }
    return make_dataset("cifar10", (x_train, y_train, x_test, y_test), len(CLASSES), info)
