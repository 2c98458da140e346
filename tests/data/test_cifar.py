"""CIFAR-10 loading from a small tar.gz of pickled batches, and every way it can be broken."""

from __future__ import annotations

import os
import pickle
import warnings

import numpy as np
import pytest

from actlab.data import CorruptFileError, MissingDataError, load
from tests.data.formats import cifar_members, write_cifar_tar

ARCHIVE = "cifar-10-python.tar.gz"


def _load(data_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a test archive is not the official file
        return load("cifar10", data_dir=data_dir)


def test_round_trip_and_per_channel_normalisation(tmp_path):
    members, contents = cifar_members(n=3)
    write_cifar_tar(tmp_path / "cifar10" / ARCHIVE, members)
    ds = _load(tmp_path)
    assert (ds.n_train, ds.n_test, ds.input_shape, ds.num_classes) == (15, 3, (3, 32, 32), 10)
    raw_train = np.concatenate([contents[f"data_batch_{i}"][0] for i in range(1, 6)])
    labels = sum((contents[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert ds.y_train.tolist() == labels and ds.y_test.tolist() == contents["test_batch"][1]
    channels = raw_train.reshape(15, 3, 1024).transpose(1, 0, 2).reshape(3, -1) / 255
    stats = ds.info["normalisation"]
    assert np.allclose(stats["mean"], channels.mean(1), rtol=1e-12)
    assert np.allclose(stats["std"], channels.std(1), rtol=1e-12)
    x = ds.x_train.double().numpy().transpose(1, 0, 2, 3).reshape(3, -1)
    assert np.allclose(x.mean(1), 0, atol=1e-6) and np.allclose(x.std(1), 1, atol=1e-6)
    # the red plane of the first test image, restored from the normalised tensor
    red = ds.x_test[0, 0].double().numpy() * stats["std"][0] + stats["mean"][0]
    assert np.allclose(red, contents["test_batch"][0][0, :1024].reshape(32, 32) / 255, atol=1e-6)


def test_extracted_batches_folder(tmp_path):
    members, contents = cifar_members(n=2)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name, raw in members.items():
        (folder / name).write_bytes(raw)
    ds = load("cifar10", data_dir=tmp_path)
    assert ds.n_train == 10 and ds.y_test.tolist() == contents["test_batch"][1]
    assert ds.info["files"]["cifar-10-batches-py"]["path"] == str(folder)


def test_missing_archive_says_what_to_put_where(tmp_path):
    with pytest.raises(MissingDataError) as info:
        load("cifar10", data_dir=tmp_path)
    message = str(info.value)
    assert ARCHIVE in message and str(tmp_path / "cifar10") in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message


def test_truncated_archive(tmp_path):
    path = write_cifar_tar(tmp_path / ARCHIVE, cifar_members(n=50)[0])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptFileError, match=f"{ARCHIVE}: (truncated|not a valid)"):
        _load(tmp_path)


def test_not_a_tar_at_all(tmp_path):
    (tmp_path / ARCHIVE).write_bytes(b"hello")
    with pytest.raises(CorruptFileError, match=f"{ARCHIVE}: not a valid .tar.gz archive"):
        _load(tmp_path)


def test_archive_without_test_batch(tmp_path):
    members, _ = cifar_members(n=2)
    del members["test_batch"]
    write_cifar_tar(tmp_path / ARCHIVE, members)
    with pytest.raises(CorruptFileError, match="archive lacks cifar-10-batches-py/test_batch"):
        _load(tmp_path)


class _RunsCode:
    def __reduce__(self):
        return (os.getcwd, ())


@pytest.mark.parametrize(
    ("batch", "problem"),
    [
        (b"\x80\x02garbage", "data_batch_3: not a valid CIFAR batch pickle"),
        (pickle.dumps({b"data": _RunsCode()}, protocol=2), r"refusing to load \w+\.getcwd"),
        (pickle.dumps([1, 2], protocol=2), "expected a dict with b'data' and b'labels'"),
        (
            pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, protocol=2),
            r"b'data' must be uint8 n x 3072, got \(2, 100\)",
        ),
        (
            pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, protocol=2),
            "2 images but b'labels' has shape",
        ),
        (
            pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 11]}, protocol=2),
            r"labels outside 0\.\.9",
        ),
    ],
)
def test_bad_batches_name_the_member_and_problem(tmp_path, batch, problem):
    members, _ = cifar_members(n=2)
    members["data_batch_3"] = batch
    write_cifar_tar(tmp_path / ARCHIVE, members)
    with pytest.raises(CorruptFileError, match=problem) as info:
        _load(tmp_path)
    assert "data_batch_3" in str(info.value)
