"""MNIST-family loading from small IDX .gz files, downloads from file:// URLs, every error."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from actlab.data import CorruptFileError, MissingDataError, files, idx, load
from actlab.data.files import RemoteFile, cache_dir
from tests.data.formats import IDX_NAMES, fake_mnist, idx_bytes, write_gz, write_mnist


def _load_quietly(name, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # our small files are not the official ones
        return load(name, **kwargs)


def test_round_trip_and_normalisation(tmp_path):
    arrays = fake_mnist(n_train=6, n_test=4)
    write_mnist(tmp_path / "mnist", arrays)
    with pytest.warns(UserWarning, match="not the official"):
        ds = load("mnist", data_dir=tmp_path)
    assert (ds.n_train, ds.n_test, ds.input_shape, ds.num_classes) == (6, 4, (1, 28, 28), 10)
    assert np.array_equal(ds.y_train.numpy(), arrays["train_labels"])
    assert np.array_equal(ds.y_test.numpy(), arrays["test_labels"])
    stats = ds.info["normalisation"]
    raw = arrays["train_images"].astype(np.float64) / 255
    assert stats["mean"][0] == pytest.approx(raw.mean(), rel=1e-12)
    assert stats["std"][0] == pytest.approx(raw.std(), rel=1e-12)
    restored = ds.x_test.double().numpy()[:, 0] * stats["std"][0] + stats["mean"][0]
    assert np.allclose(restored, arrays["test_images"] / 255, atol=1e-6)
    x = ds.x_train.double()
    assert abs(x.mean().item()) < 1e-6 and x.std(unbiased=False).item() == pytest.approx(
        1, abs=1e-6
    )
    assert all(not record["official"] for record in ds.info["files"].values())
    assert ds.info["data_dir"] == str(tmp_path)


def test_files_directly_in_data_dir_and_other_family_members(tmp_path):
    write_mnist(tmp_path, fake_mnist())
    assert _load_quietly("fashion_mnist", data_dir=tmp_path).n_train == 6
    assert _load_quietly("kmnist", data_dir=tmp_path).info["name"] == "kmnist"


def test_missing_files_say_what_to_put_where(tmp_path):
    arrays = fake_mnist()
    write_mnist(tmp_path / "mnist", {k: v for k, v in arrays.items() if k != "test_labels"})
    with pytest.raises(MissingDataError) as info:
        load("mnist", data_dir=tmp_path)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz not found" in message
    assert str(tmp_path / "mnist") in message
    for name in IDX_NAMES.values():
        assert name in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz" in message


def test_offline_without_files_names_the_cache(tmp_path):
    with pytest.raises(MissingDataError) as info:
        load("kmnist", download=False)
    message = str(info.value)
    assert str(cache_dir() / "kmnist") in message and "codh.rois.ac.jp" in message
    assert "data_dir" in message


def test_failed_download_reports_each_mirror(monkeypatch):
    def offline(request, *args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(MissingDataError, match="network is unreachable") as info:
        load("fashion_mnist")
    assert "raw.githubusercontent.com/zalandoresearch" in str(info.value)
    assert not any((cache_dir() / "fashion_mnist").glob("*"))  # no partial files left


def _served(tmp_path: Path, arrays) -> tuple[RemoteFile, ...]:
    """Write `arrays` under tmp_path/mirror and describe them as a file:// mirror would."""
    paths = write_mnist(tmp_path / "mirror", arrays)
    table = []
    for path in paths.values():
        data = path.read_bytes()
        table.append(
            RemoteFile(
                path.name,
                len(data),
                hashlib.sha256(data).hexdigest(),
                hashlib.md5(data).hexdigest(),
                (path.parent.as_uri() + "/",),
            )
        )
    return tuple(table)


def test_download_verifies_and_caches(tmp_path, monkeypatch):
    arrays = fake_mnist()
    monkeypatch.setitem(idx.FILES, "mnist", _served(tmp_path, arrays))
    ds = load("mnist")
    assert np.array_equal(ds.y_train.numpy(), arrays["train_labels"])
    assert all(r["official"] and r["source"].startswith("file:") for r in ds.info["files"].values())
    assert sorted(p.name for p in (cache_dir() / "mnist").iterdir()) == sorted(IDX_NAMES.values())
    assert all(r["source"] == "cache" for r in load("mnist").info["files"].values())


def test_checksum_mismatch_on_download_keeps_nothing(tmp_path, monkeypatch):
    table = list(_served(tmp_path, fake_mnist()))
    table[0] = RemoteFile(table[0].name, table[0].size, "0" * 64, table[0].md5, table[0].mirrors)
    monkeypatch.setitem(idx.FILES, "mnist", tuple(table))
    with pytest.raises(MissingDataError, match="checksum mismatch.*expected .* sha256 0{64}"):
        load("mnist")
    assert not (cache_dir() / "mnist" / table[0].name).exists()
    assert not list((cache_dir() / "mnist").glob("*.part-*"))


def test_damaged_cached_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setitem(idx.FILES, "mnist", _served(tmp_path, fake_mnist()))
    load("mnist")
    victim = cache_dir() / "mnist" / IDX_NAMES["train_labels"]
    victim.write_bytes(victim.read_bytes()[:-3])
    with pytest.raises(CorruptFileError, match=f"{victim}.*not the official.*Delete it"):
        load("mnist")


def test_another_datasets_official_file_is_refused(tmp_path, monkeypatch):
    paths = write_mnist(tmp_path / "fashion_mnist", fake_mnist())
    sha = hashlib.sha256(paths["train_images"].read_bytes()).hexdigest()
    monkeypatch.setitem(files._OFFICIAL, sha, ("mnist", IDX_NAMES["train_images"]))
    with pytest.raises(CorruptFileError, match="official mnist file .* not fashion_mnist's"):
        load("fashion_mnist", data_dir=tmp_path)


def _corrupt(tmp_path, key: str, payload: bytes, raw: bool = False) -> Path:
    write_mnist(tmp_path / "mnist", fake_mnist())
    path = tmp_path / "mnist" / IDX_NAMES[key]
    if raw:
        path.write_bytes(payload)
    else:
        write_gz(path, payload)
    return path


def _images(n=6, rows=28, cols=28):
    return np.zeros((n, rows, cols), dtype=np.uint8)


@pytest.mark.parametrize(
    ("key", "payload", "raw", "problem"),
    [
        ("train_images", b"plain bytes, not gzip", True, "not a valid gzip file"),
        (
            "train_images",
            idx_bytes(_images(), magic=b"\x00\x00\x08\x01"),
            False,
            "bad IDX magic number 0x00000801, expected 0x00000803",
        ),
        (
            "train_labels",
            idx_bytes(np.zeros(6, np.uint8), magic=b"\x00\x00\x0d\x01"),
            False,
            "bad IDX magic",
        ),
        ("train_images", idx_bytes(_images(rows=27)), False, "items are 27x28, expected 28x28"),
        ("test_images", idx_bytes(_images(n=4))[:-100], False, "truncated: 3,036 bytes of data"),
        ("test_images", idx_bytes(_images(n=4)) + b"\x00" * 5, False, "5 unexpected bytes"),
        ("test_labels", b"\x00\x00", False, "too short for an IDX header"),
        ("test_labels", b"\x00\x00\x08\x01\x00", False, "truncated IDX header"),
        (
            "train_labels",
            idx_bytes(np.zeros(5, np.uint8)),
            False,
            "holds 6 images but .* holds 5 labels",
        ),
        ("train_labels", idx_bytes(np.full(6, 10, np.uint8)), False, "label 10 outside 0..9"),
    ],
)
def test_corrupt_files_name_the_file_and_problem(tmp_path, key, payload, raw, problem):
    path = _corrupt(tmp_path, key, payload, raw)
    with pytest.raises(CorruptFileError, match=problem) as info:
        _load_quietly("mnist", data_dir=tmp_path)
    assert path.name in str(info.value)


def test_truncated_gzip_stream(tmp_path):
    write_mnist(tmp_path / "mnist", fake_mnist())
    path = tmp_path / "mnist" / IDX_NAMES["train_images"]
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptFileError, match=f"{path.name}: truncated gzip stream"):
        _load_quietly("mnist", data_dir=tmp_path)


def test_bad_gzip_checksum(tmp_path):
    write_mnist(tmp_path / "mnist", fake_mnist())
    path = tmp_path / "mnist" / IDX_NAMES["train_labels"]
    data = bytearray(path.read_bytes())
    data[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match="not a valid gzip file .*CRC"):
        _load_quietly("mnist", data_dir=tmp_path)


def test_data_dir_that_is_not_a_directory(tmp_path):
    with pytest.raises(MissingDataError, match="is not a directory"):
        load("mnist", data_dir=tmp_path / "nowhere")
