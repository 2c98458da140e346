"""Your model, your data: factories from the current directory, Python objects, named errors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from torch import nn

import actlab
from actlab.cli.compare import compare
from actlab.experiments import ConfigError, ExperimentError
from actlab.experiments.store import FILENAME, ResultStore

USER_MODULE = textwrap.dedent(
    """
    import torch
    from torch import nn


    def build(act):
        return nn.Sequential(nn.Linear(6, 24), act(), nn.Linear(24, 24), act(), nn.Linear(24, 3))


    def data():
        g = torch.Generator().manual_seed(0)
        x = torch.randn(360, 6, generator=g)
        y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
        return (x[:300], y[:300]), (x[300:], y[300:])


    def raises(act):
        raise RuntimeError("no GPU in this factory")


    def wrong_width(act):
        return nn.Sequential(nn.Linear(6, 8), act(), nn.Linear(8, 5))


    def float_labels():
        x = torch.randn(40, 6)
        return (x, torch.rand(40)), (x, torch.rand(40))
    """
)


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    """The user's module `mymodels.py` in the current directory of this process."""
    (tmp_path / "mymodels.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "mymodels", raising=False)
    yield tmp_path
    sys.modules.pop("mymodels", None)


def _tiny_pair(n=240, features=6, classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, features, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    y = y.clamp(max=classes - 1)
    cut = n * 4 // 5
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def _build(act):
    return nn.Sequential(nn.Linear(6, 16), act(), nn.Linear(16, 3))


def _cli(args, cwd: Path):
    """`actlab ARGS` in a fresh process with `cwd` as its working directory."""
    code = "import sys; from actlab.cli import main; sys.argv[0] = 'actlab'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_cli_runs_a_users_model_and_data_from_the_current_directory(tmp_path):
    (tmp_path / "mymodels.py").write_text(USER_MODULE)
    args = ["compare", "--model-factory", "mymodels:build", "--data-factory", "mymodels:data",
            "--activations", "relu,tanh", "--seeds", "2", "--epochs", "3", "--workers", "1",
            "--out", "exp", "--json"]  # fmt: skip
    done = _cli(args, tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["runs"]["ran"] == 4 and {r["activation"] for r in data["summary"]} == {
        "relu",
        "tanh",
    }
    assert all(
        r["dataset"] == "mymodels:data" and r["model"] == "mymodels:build" for r in data["summary"]
    )
    report = (tmp_path / "exp" / "report.html").read_text()
    assert "mymodels:build" in report and "fingerprint" in report
    with ResultStore(tmp_path / "exp") as store:
        records = store.records()
    assert all(r.config.data_fingerprint and r.config.source_fingerprint for r in records)
    assert all(r.data["fingerprint"] == r.config.data_fingerprint for r in records)

    again = _cli(args, tmp_path)
    assert json.loads(again.stdout)["runs"]["skipped"] == 4
    # Editing the factory's code makes new runs (as the same data with other code would).
    edited = USER_MODULE.replace(
        "nn.Linear(24, 24), act(),", "nn.Linear(24, 24), act(), nn.Linear(24, 24), act(),"
    )
    (tmp_path / "mymodels.py").write_text(edited)
    assert json.loads(_cli(args, tmp_path).stdout)["runs"]["ran"] == 4


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--model-factory", "mymodels"], ["MODULE:FUNCTION"]),
        (
            ["--model-factory", "nosuchmodule:build"],
            ["cannot import module 'nosuchmodule'", "current directory"],
        ),
        (["--model-factory", "mymodels:biuld"], ["has no 'biuld'", "'build'"]),
        (["--model-factory", "mymodels:raises"], ["raised RuntimeError: no GPU in this factory"]),
        (
            ["--model-factory", "mymodels:wrong_width"],
            ["outputs of shape (2, 5)", "3 classes", "(2, 3)"],
        ),
        (
            ["--model-factory", "mymodels:build", "--data-factory", "mymodels:float_labels"],
            ["integer class labels", "--task regression"],
        ),
        (
            ["--model-factory", "mymodels:build", "--hidden", "8"],
            ["hidden", "your own and takes none"],
        ),
    ],
)
def test_bad_factories_and_data_are_named_before_training(user_dir, args, needles):
    if "--data-factory" not in args:
        args = [*args, "--data-factory", "mymodels:data"]
    done = CliRunner().invoke(
        compare, [*args, "--activations", "relu", "--seeds", "1", "--epochs", "1", "--out", "exp"]
    )
    assert done.exit_code != 0 and isinstance(done.exception, SystemExit), done.output
    assert "Traceback" not in done.output, done.output
    for needle in needles:
        assert needle in done.output, done.output
    assert not (user_dir / "exp").exists()  # nothing created for an experiment that cannot run


def test_api_with_a_factory_and_tensor_pairs(tmp_path):
    result = actlab.compare(
        model=_build, data=_tiny_pair(), activations=["relu", "gelu"], seeds=2, epochs=2,
        out=str(tmp_path / "api"), workers=1,
    )  # fmt: skip
    assert result.n_ran == 4 and not result.failed
    assert {r.activation for r in result.summary} == {"relu", "gelu"}
    assert (tmp_path / "api" / "report.html").exists() and (tmp_path / "api" / FILENAME).exists()
    # a module-level function of an importable module is named by its import path
    assert result.records[0].config.model == f"{__name__}:_build"


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh())
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.body(x))


def test_api_swaps_the_activations_of_a_module_instance(tmp_path):
    net = _Net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    result = actlab.compare(
        model=net, data=_tiny_pair(), activations=["gelu", "silu"], seeds=1, epochs=1,
        out=str(tmp_path / "all"), workers=1, metrics={"n": lambda out, y: float(len(y))},
    )  # fmt: skip
    assert not result.failed and result.records[0].config.model == "python:_Net"
    assert result.records[0].metrics["test"]["n"] == 48.0
    assert all(torch.equal(net.state_dict()[k], v) for k, v in before.items())  # not changed
    assert isinstance(net.body[1], nn.ReLU)

    from actlab.experiments.execute import build_run_model, load_splits

    record = result.records[0]
    model = build_run_model(record.config, load_splits(record.config))
    kinds = [type(m).__name__ for m in model.body]
    assert kinds[1] == kinds[3] and kinds[1] != "ReLU"  # both activations swapped
    only = actlab.compare(
        model=net, data=_tiny_pair(), activations=["gelu"], seeds=1, epochs=1,
        out=str(tmp_path / "some"), workers=1, swap_from="tanh",
    )  # fmt: skip
    model = build_run_model(only.records[0].config, load_splits(only.records[0].config))
    assert isinstance(model.body[1], nn.ReLU) and not isinstance(model.body[3], nn.Tanh)


def test_api_with_torch_datasets_a_data_factory_and_workers(tmp_path):
    class Items(torch.utils.data.Dataset):
        def __init__(self, pair):
            self.x, self.y = pair

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):
            return self.x[i], self.y[i]

    train, test = _tiny_pair()
    result = actlab.compare(
        model=_build, data=lambda: (Items(train), Items(test)), activations=["relu", "elu"],
        seeds=2, epochs=2, out=str(tmp_path / "ds"), workers=2,
    )  # fmt: skip
    assert result.n_ran == 4 and not result.failed, [r.error for r in result.failed]
    same = actlab.compare(
        model=_build, data=(train, test), activations=["relu", "elu"], seeds=2, epochs=2,
        out=str(tmp_path / "pairs"), workers=1,
    )  # fmt: skip
    by_hash = {r.config.label + str(r.config.seed): r.test_acc for r in same.records}
    assert {
        r.config.label + str(r.config.seed): r.test_acc for r in result.records
    } == pytest.approx(by_hash)


def test_api_regression_with_a_loss_hook(tmp_path):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 4, generator=g)
    y = x @ torch.tensor([1.0, -1.0, 0.5, 2.0]) + 0.05 * torch.randn(300, generator=g)

    def build(act, num_outputs):
        return nn.Sequential(nn.Linear(4, 32), act(), nn.Linear(32, num_outputs))

    def huber(out, target):
        return torch.nn.functional.huber_loss(out, target)

    result = actlab.compare(
        model=build, data=((x[:240], y[:240]), (x[240:], y[240:])), activations=["relu", "tanh"],
        seeds=2, epochs=30, lr=1e-2, task="regression", loss_fn=huber, out=str(tmp_path / "reg"),
        workers=1,
    )  # fmt: skip
    assert not result.failed
    assert {r.metric for r in result.summary} == {"r2"}
    assert all(r.test_acc_mean > 0.8 for r in result.summary)
    assert result.records[0].config.loss_fn.endswith("huber")


def test_api_rejects_unknown_options():
    with pytest.raises(ConfigError, match="unknown key 'learning_rate'"):
        actlab.compare(model=_build, data=_tiny_pair(), learning_rate=0.1)


def test_wrong_labels_in_api_data_are_named(tmp_path):
    (train_x, train_y), test = _tiny_pair()
    with pytest.raises(ExperimentError, match="train split: y must be a vector of class labels"):
        actlab.compare(model=_build, data=((train_x, train_y[:, None]), test), activations=["relu"],
                       seeds=1, epochs=1, out=str(tmp_path / "x"))  # fmt: skip
    assert not (tmp_path / "x").exists()


def test_a_dataset_too_large_for_memory_streams_through_dataloader_workers(tmp_path, monkeypatch):
    """With the in-memory limit at 0 bytes every torch Dataset streams; with num_workers=2 the
    batches come from two DataLoader processes, and the results equal the in-memory ones."""
    from actlab.data import splits as data_splits

    class Items(torch.utils.data.Dataset):
        def __init__(self, pair):
            self.x, self.y = pair

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):
            return self.x[i], self.y[i]

    train, test = _tiny_pair()
    data = (Items(train), Items(test))
    held = actlab.compare(model=_build, data=data, activations=["relu"], seeds=1, epochs=2,
                          out=str(tmp_path / "held"), workers=1)  # fmt: skip
    monkeypatch.setattr(data_splits, "IN_MEMORY_LIMIT_BYTES", 0)  # everything "too large"
    streamed = actlab.compare(model=_build, data=data, activations=["relu"], seeds=1, epochs=2,
                              out=str(tmp_path / "streamed"), workers=1, num_workers=2)  # fmt: skip
    assert streamed.records[0].data["in_memory"] is False and held.records[0].data["in_memory"]
    assert streamed.records[0].config_hash == held.records[0].config_hash
    assert streamed.records[0].test_acc == pytest.approx(held.records[0].test_acc)
