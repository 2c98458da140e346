"""Validation splits, fingerprints and the checks on a user's own data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actlab.data.splits import DataCheckError, fingerprint, from_user, validation_indices


def _pair(n=100, features=5, classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, features, generator=g), torch.randint(0, classes, (n,), generator=g)


class _Items(torch.utils.data.Dataset):
    """A map-style dataset over (x, y) tensors, as a user would write one."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])


def test_stratified_split_keeps_class_shares_and_is_seeded():
    labels = torch.tensor([0] * 60 + [1] * 30 + [2] * 10)
    train, val = validation_indices(labels, 0.2, seed=3, stratify=True)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(100))
    assert not set(train) & set(val)
    counts = np.bincount(labels[val].numpy(), minlength=3)
    assert counts.tolist() == [12, 6, 2]
    again = validation_indices(labels, 0.2, seed=3, stratify=True)
    other = validation_indices(labels, 0.2, seed=4, stratify=True)
    assert np.array_equal(again[1], val) and not np.array_equal(other[1], val)


def test_zero_fraction_keeps_everything_for_training():
    train, val = validation_indices(torch.arange(10), 0.0, seed=0, stratify=False)
    assert train.tolist() == list(range(10)) and val.size == 0


def test_fingerprint_follows_the_content():
    x, y = _pair()
    data = ((x, y), (x[:20], y[:20]))
    base = from_user(data, "d", "classification", 0.1, 0)
    assert from_user(data, "d", "classification", 0.1, 0).fingerprint == base.fingerprint
    # the validation split is part of the recipe, not of the data
    assert from_user(data, "d", "classification", 0.3, 5).fingerprint == base.fingerprint
    changed = x.clone()
    changed[7, 2] += 1e-6
    moved = from_user(((changed, y), (x[:20], y[:20])), "d", "classification", 0.1, 0)
    assert moved.fingerprint != base.fingerprint


def test_splits_sizes_and_classes():
    x, y = _pair(n=200, classes=4)
    splits = from_user(((x, y), (x[:50], y[:50])), "mine", "classification", 0.25, 0)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (150, 50, 50)
    assert splits.num_outputs == 4 and splits.input_shape == (5,)
    assert splits.info["validation"]["sizes"] == {"train": 150, "val": 50, "test": 50}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((1, 2, 3), "expected a pair \\(train, test\\)"),
        (((torch.randn(10), torch.zeros(10, dtype=torch.long)),) * 2, "needs a sample axis"),
        (((torch.randn(10, 2), torch.zeros(9, dtype=torch.long)),) * 2, "10 samples but y has 9"),
        (((torch.randn(10, 2), torch.rand(10)),) * 2, "integer class labels"),
        (((torch.full((10, 2), float("nan")), torch.arange(10) % 2),) * 2, "20 NaN or infinite"),
        (((torch.randn(10, 2), torch.zeros(10, dtype=torch.long)),) * 2, "at least 2 classes"),
        (((torch.randn(10, 2), -(torch.arange(10) % 2)),) * 2, "labels must be >= 0"),
        (
            ((torch.randn(10, 2), torch.arange(10) % 2), (torch.randn(4, 3), torch.arange(4) % 2)),
            "per-sample shape \\(2,\\), test inputs \\(3,\\)",
        ),
        (("not", "data"), "train split: expected a torch Dataset or an \\(X, y\\) pair"),
    ],
)
def test_bad_user_data_is_named(data, message):
    with pytest.raises(DataCheckError, match=message):
        from_user(data, "mine", "classification", 0.1, 0)


def test_regression_targets_are_checked():
    x = torch.randn(40, 3)
    ok = from_user(((x, x.sum(1)), (x, x.sum(1))), "r", "regression", 0.1, 0)
    assert ok.num_outputs == 1 and ok.task == "regression"
    two = from_user(((x, x[:, :2]), (x, x[:, :2])), "r", "regression", 0.1, 0)
    assert two.num_outputs == 2
    with pytest.raises(DataCheckError, match="test targets"):
        from_user(((x, x[:, :2]), (x, x[:, 0])), "r", "regression", 0.1, 0)


def test_a_torch_dataset_is_read_into_memory_or_streamed():
    x, y = _pair(n=60)
    ds = _Items(x, y)
    held = from_user((ds, ds), "items", "classification", 0.1, 0)
    assert held.train.in_memory and torch.equal(held.test.x, x) and torch.equal(held.test.y, y)
    streamed = from_user((ds, ds), "items", "classification", 0.1, 0, limit=0)
    assert not streamed.train.in_memory
    assert streamed.fingerprint == held.fingerprint
    assert torch.equal(streamed.val.labels(), held.val.y)
    assert torch.equal(fingerprint_of(streamed.test), fingerprint_of(held.test))


def fingerprint_of(split):
    return torch.tensor([int(c, 16) for c in fingerprint([split])])


def test_a_broken_dataset_item_is_named():
    class Broken(_Items):
        def __getitem__(self, i):
            raise OSError("disk on fire")

    x, y = _pair(n=5)
    with pytest.raises(DataCheckError, match="reading item 0 failed: OSError: disk on fire"):
        from_user((Broken(x, y), Broken(x, y)), "b", "classification", 0.1, 0)
