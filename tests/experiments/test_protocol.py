"""The fair protocol: lr chosen on validation data only, changed data never reused, one writer
per directory, nothing created for an experiment that cannot start."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

import actlab
from actlab.comparison import run_and_report
from actlab.experiments import ExperimentError, from_dict, run_experiment
from actlab.experiments.lock import LOCK_NAME
from tests.data.formats import fake_mnist, write_mnist


def _pair(seed=0, n=300):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long() + (x[:, 2] > 0.8).long()
    cut = 4 * n // 5
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def _build(act):
    return nn.Sequential(nn.Linear(6, 32), act(), nn.Linear(32, 3))


TUNE = dict(activations=["relu", "tanh"], seeds=2, epochs=3, tune_lr="1e-4,3e-3,0.3", workers=1)


def test_tune_lr_chooses_on_validation_data_and_never_on_the_test_set(tmp_path):
    train, test = _pair()
    first = actlab.compare(model=_build, data=(train, test), out=str(tmp_path / "a"), **TUNE)
    chosen = {c.activation: c for c in first.tuning if c.chosen}
    assert set(chosen) == {"relu", "tanh"}
    for label, pick in chosen.items():
        candidates = [c for c in first.tuning if c.activation == label]
        assert len(candidates) == 3 and all(c.n_runs == 1 for c in candidates)
        assert pick.val_score == max(c.val_score for c in candidates)
        row = next(r for r in first.summary if r.activation == label)
        assert row.lr == pick.lr and row.n_seeds == 2
    # Scramble the test labels: the test scores change, the choices cannot.
    scrambled = (
        test[0],
        test[1][torch.randperm(len(test[1]), generator=torch.Generator().manual_seed(1))],
    )
    second = actlab.compare(model=_build, data=(train, scrambled), out=str(tmp_path / "b"), **TUNE)
    assert [(c.activation, c.lr, c.chosen, c.val_score) for c in second.tuning] == [
        (c.activation, c.lr, c.chosen, c.val_score) for c in first.tuning
    ]
    assert [r.test_acc for r in second.records] != [r.test_acc for r in first.records]
    # The tuning seeds at the chosen lr are the final runs of those seeds: trained once.
    assert first.n_total == 2 * 3 + 2 * 1 and first.n_ran == first.n_total
    with (tmp_path / "a" / "tuning.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 6
    assert len([p for p in (tmp_path / "a").iterdir() if p.name.startswith("lr_")]) == 1
    assert "Learning-rate choice" in (tmp_path / "a" / "report.html").read_text()


def test_resumed_tuning_trains_nothing_again(tmp_path):
    config = from_dict({"dataset": "moons", "activations": "relu", "seeds": 2, "epochs": 1,
                        "hidden": 8, "tune_lr": "1e-3,1e-2", "workers": 1, "out": str(tmp_path)})  # fmt: skip
    first = run_experiment(config)
    again = run_experiment(config)
    assert (again.n_ran, again.n_skipped, again.n_total) == (0, first.n_total, first.n_total)
    assert [c.to_dict() for c in again.tuning] == [c.to_dict() for c in first.tuning]


def test_changed_files_in_data_dir_are_new_runs(tmp_path):
    data = tmp_path / "data"
    write_mnist(data, fake_mnist(n_train=60, n_test=20, seed=0))
    config = from_dict({"dataset": "mnist", "data_dir": str(data), "activations": "relu",
                        "seeds": 1, "epochs": 1, "hidden": 8, "workers": 1,
                        "out": str(tmp_path / "exp")})  # fmt: skip
    with pytest.warns(UserWarning, match="not the official"):
        first = run_and_report(config, progress=False)
    files = first.records[0].data["files"]
    assert all(len(f["sha256"]) == 64 and f["official"] is False for f in files.values())
    report = (tmp_path / "exp" / "report.html").read_text()
    assert next(iter(files.values()))["sha256"] in report
    with pytest.warns(UserWarning):
        again = run_experiment(config)
    assert again.n_ran == 0
    write_mnist(data, fake_mnist(n_train=60, n_test=20, seed=1))  # other content, same names
    with pytest.warns(UserWarning):
        changed = run_experiment(config)
    assert changed.n_ran == 1 and changed.records[0].config_hash != first.records[0].config_hash


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from actlab.experiments.lock import experiment_lock
    with experiment_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(60)
    """
)


def test_a_second_command_on_the_same_directory_is_refused(tmp_path):
    out = tmp_path / "exp"
    config = from_dict({"dataset": "moons", "activations": "relu", "seeds": 1, "epochs": 1,
                        "hidden": 8, "workers": 1, "out": str(out)})  # fmt: skip
    run_experiment(config)
    out.mkdir(exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ExperimentError) as info:
            run_experiment(config, fresh=True)
        message = str(info.value)
        assert "in use by another actlab command" in message and f"pid {holder.pid}" in message
        assert (out / "results.sqlite").stat().st_size > 0  # --fresh deleted nothing
    finally:
        holder.kill()
        holder.wait()
    # the holder died without unlocking: the kernel released its lock, nothing is stale
    again = run_experiment(config, fresh=True)
    assert again.n_ran == 1 and (out / LOCK_NAME).exists()


def test_the_lock_is_released_on_every_exit(tmp_path):
    config = from_dict({"dataset": "moons", "activations": "relu", "seeds": 1, "epochs": 1,
                        "hidden": 8, "workers": 1, "out": str(tmp_path)})  # fmt: skip

    def boom(event):
        if event.record is not None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(config, progress=boom)
    assert run_experiment(config).n_skipped == 1  # not locked out, and the run was kept


@pytest.mark.parametrize("where", ["file-in-path", "proc"])
def test_an_unusable_out_is_one_clear_error(tmp_path, where):
    if where == "file-in-path":
        (tmp_path / "plain").write_text("x")
        out = tmp_path / "plain" / "exp"
    else:
        out = "/proc/actlab-exp"
    config = from_dict({"dataset": "moons", "activations": "relu", "seeds": 1, "epochs": 1,
                        "hidden": 8, "workers": 1, "out": str(out)})  # fmt: skip
    with pytest.raises(
        ExperimentError, match="cannot use .* as the output directory .*choose another --out"
    ):
        run_experiment(config)


def test_a_missing_gpu_creates_nothing(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    config = from_dict({"dataset": "moons", "activations": "relu", "seeds": 1, "epochs": 1,
                        "device": "cuda", "out": str(tmp_path / "exp")})  # fmt: skip
    with pytest.raises(ExperimentError, match="CUDA is not available"):
        run_experiment(config)
    assert not (tmp_path / "exp").exists()


def test_select_best_val_is_recorded(tmp_path):
    result = run_experiment(
        from_dict(
            {
                "dataset": "moons",
                "activations": "relu",
                "seeds": 1,
                "epochs": 6,
                "lr": 0.3,
                "hidden": 8,
                "select": "best-val",
                "workers": 1,
                "out": str(tmp_path),
            }
        )  # fmt: skip
    )
    record = result.records[0]
    best = max(record.epochs, key=lambda e: (e["val_acc"], -e["val_loss"]))
    assert record.selected_epoch == best["epoch"]
    assert result.summary[0].selected_epoch == best["epoch"]
    assert result.summary[0].val_acc_mean == best["val_acc"]


def test_two_workers_with_one_thread_each(tmp_path):
    result = run_experiment(
        from_dict(
            {
                "dataset": "moons",
                "activations": "relu,tanh",
                "seeds": 2,
                "epochs": 1,
                "hidden": 8,
                "workers": 2,
                "threads": 1,
                "out": str(tmp_path),
            }
        )  # fmt: skip
    )
    assert result.plan == (2, 1) and not result.failed
    assert {r.machine["torch_threads"] for r in result.records} == {1}
