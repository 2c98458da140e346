"""MNIST, Fashion-MNIST and KMNIST: four gzipped IDX files each, read with gzip and numpy.

IDX layout (LeCun's MNIST page): two zero bytes, a type code (0x08 = unsigned byte), the
number of dimensions, each dimension as a big-endian uint32, then the values in C order.
Images are `n x 28 x 28` (magic 0x00000803), labels `n` (magic 0x00000801).

Normalisation: pixels / 255, then minus the training set's mean pixel and divided by its std
(for MNIST these are 0.1307 and 0.3081, the values the classic examples hard-code). Inputs
have shape (1, 28, 28); the split is the official 60,000 train / 10,000 test.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from actlab.data.dataset import CorruptFileError, Dataset, make_dataset, standardise
from actlab.data.files import RemoteFile, locate, register_files

TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
_UBYTE = 0x08


def _files(
    mirrors: tuple[str, ...], table: list[tuple[str, int, str, str]]
) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(name, size, sha, md5, mirrors) for name, size, sha, md5 in table)


# Sizes, SHA-256 and MD5 as published with the datasets and used by torchvision/TFDS.
FILES: dict[str, tuple[RemoteFile, ...]] = {
    "mnist": _files(
        (
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        [
            (
                TRAIN_IMAGES,
                9_912_422,
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            ),
            (
                TRAIN_LABELS,
                28_881,
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "d53e105ee54ea40749a09fcbcd1e9432",
            ),
            (
                TEST_IMAGES,
                1_648_877,
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "9fb629c4189551a2d022fa330f9573f3",
            ),
            (
                TEST_LABELS,
                4_542,
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                "ec29112dd5afa0611ce80d1b7f02629c",
            ),
        ],
    ),
    "fashion_mnist": _files(
        (
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        [
            (
                TRAIN_IMAGES,
                26_421_880,
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            ),
            (
                TRAIN_LABELS,
                29_515,
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "25c81989df183df01b3e8a0aad5dffbe",
            ),
            (
                TEST_IMAGES,
                4_422_102,
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "bef4ecab320f06d8554ea6380940ec79",
            ),
            (
                TEST_LABELS,
                5_148,
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
        ],
    ),
    "kmnist": _files(
        (
            "https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
            "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        ),
        [
            (
                TRAIN_IMAGES,
                18_165_135,
                "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
                "bdb82020997e1d708af4cf47b453dcf7",
            ),
            (
                TRAIN_LABELS,
                29_497,
                "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
                "e144d726b3acfaa3e44228e80efcd344",
            ),
            (
                TEST_IMAGES,
                3_041_136,
                "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
                "5c965bf0a639b31b8f53240b1b52f4d7",
            ),
            (
                TEST_LABELS,
                5_120,
                "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",
                "7320c461ea6c1c855c0b718fb2a4b134",
            ),
        ],
    ),
}
for _name, _table in FILES.items():
    register_files(_name, _table)

CLASSES = {
    "mnist": [str(d) for d in range(10)],
    "fashion_mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    "kmnist": ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
}
SOURCES = {
    "mnist": "LeCun, Cortes & Burges, MNIST handwritten digits (http://yann.lecun.com/exdb/mnist/)",
    "fashion_mnist": "Xiao, Rasul & Vollgraf, Fashion-MNIST, arXiv:1708.07747 (Zalando Research)",
    "kmnist": "Clanuwat et al., Deep Learning for Classical Japanese Literature (KMNIST), "
    "arXiv:1812.01718 (ROIS-DS CODH)",
}


def read_idx(path: str | Path, ndim: int, item_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Read a gzipped unsigned-byte IDX file with `ndim` dimensions into a uint8 array.

    `item_shape` (e.g. (28, 28)) is checked against every dimension after the first. Any
    defect raises CorruptFileError naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except EOFError as error:
        raise CorruptFileError(f"{path}: truncated gzip stream ({error})") from error
    except (gzip.BadGzipFile, zlib.error) as error:
        raise CorruptFileError(f"{path}: not a valid gzip file ({error})") from error
    expected_magic = bytes([0, 0, _UBYTE, ndim])
    if len(raw) < 4:
        raise CorruptFileError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    if raw[:4] != expected_magic:
        raise CorruptFileError(
            f"{path}: bad IDX magic number 0x{raw[:4].hex()}, expected 0x{expected_magic.hex()} "
            f"(unsigned bytes, {ndim} dimension{'s' if ndim > 1 else ''})"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise CorruptFileError(f"{path}: truncated IDX header ({len(raw)} of {header} bytes)")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    if item_shape is not None and tuple(dims[1:]) != tuple(item_shape):
        raise CorruptFileError(
            f"{path}: items are {'x'.join(map(str, dims[1:]))}, "
            f"expected {'x'.join(map(str, item_shape))}"
        )
    expected = int(np.prod(dims, dtype=np.int64))
    body = len(raw) - header
    if body < expected:
        raise CorruptFileError(
            f"{path}: truncated: {body:,} bytes of data, the header {tuple(dims)} promises {expected:,}"
        )
    if body > expected:
        raise CorruptFileError(
            f"{path}: {body - expected:,} unexpected bytes after the {expected:,} the header "
            f"{tuple(dims)} describes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _pair(images: Path, labels: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    x = read_idx(images, 3, (28, 28))
    y = read_idx(labels, 1)
    if len(x) != len(y):
        raise CorruptFileError(
            f"{images} holds {len(x):,} images but {labels} holds {len(y):,} labels"
        )
    if len(y) and int(y.max()) >= num_classes:
        raise CorruptFileError(f"{labels}: label {int(y.max())} outside 0..{num_classes - 1}")
    return x, y


def load_idx_dataset(
    name: str, data_dir: str | Path | None = None, download: bool = True
) -> Dataset:
    """Load `mnist`, `fashion_mnist` or `kmnist` (see the module docstring)."""
    records = locate(name, FILES[name], data_dir, allow_download=download)
    path = {file: Path(record["path"]) for file, record in records.items()}
    classes = CLASSES[name]
    x_train, y_train = _pair(path[TRAIN_IMAGES], path[TRAIN_LABELS], len(classes))
    x_test, y_test = _pair(path[TEST_IMAGES], path[TEST_LABELS], len(classes))
    x_train, x_test, stats = standardise(x_train[:, None], x_test[:, None], scale=255)
    info = {
        "source": SOURCES[name],
        "normalisation": {
            "method": "x / 255, then (x - mean) / std with the training set's pixel mean and std",
            **stats,
        },
        "split": "official train / test files",
        "seed": None,
        "classes": classes,
        "files": records,
    }
    return make_dataset(name, (x_train, y_train, x_test, y_test), len(classes), info)
