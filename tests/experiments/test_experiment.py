"""Whole experiments on a tiny grid: outputs, resume without re-training, survival of kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from actlab.experiments import from_dict, run_experiment
from actlab.experiments.experiment import ExperimentError
from actlab.experiments.store import FILENAME
from tests.experiments.runners import CountingRunner

TINY = {
    "dataset": "digits",
    "activations": "relu,gelu",
    "seeds": 2,
    "epochs": 1,
    "hidden": 16,
    "workers": 1,
}


def _rows(out):
    db = sqlite3.connect(out / FILENAME)
    try:
        runs = db.execute("SELECT config_hash, status, started FROM runs").fetchall()
        epochs = db.execute(
            "SELECT config_hash, COUNT(*) FROM epochs GROUP BY config_hash"
        ).fetchall()
    finally:
        db.close()
    return runs, dict(epochs)


def _finished(out) -> int:
    """Finished runs stored so far (0 while the store is still being created)."""
    try:
        return sum(1 for _, status, _ in _rows(out)[0] if status == "finished")
    except sqlite3.OperationalError:  # no file or no table yet
        return 0


def test_rerun_skips_finished_runs_and_fresh_starts_over(tmp_path):
    config = from_dict({**TINY, "out": str(tmp_path)})
    first = run_experiment(config)
    assert (first.n_total, first.n_ran, first.n_skipped, first.failed) == (4, 4, 0, [])
    assert {r.activation for r in first.summary} == {"relu", "gelu"}
    assert all(0.0 < r.test_acc_mean <= 1.0 and r.n_seeds == 2 for r in first.summary)
    assert all(0.0 < r.val_acc_mean <= 1.0 and r.lr == 1e-3 for r in first.summary)
    before, _ = _rows(tmp_path)

    runner = CountingRunner()
    again = run_experiment(config, runner=runner)
    assert runner.given == [] and (again.n_ran, again.n_skipped) == (0, 4)
    assert _rows(tmp_path)[0] == before  # nothing re-trained or rewritten
    assert [r.to_dict() for r in again.summary] == [r.to_dict() for r in first.summary]

    runner = CountingRunner()
    fresh = run_experiment(config, runner=runner, fresh=True)
    assert len(runner.given) == 4 and fresh.n_ran == 4


def test_growing_the_grid_runs_only_the_new_cells(tmp_path):
    run_experiment(from_dict({**TINY, "out": str(tmp_path)}))
    runner = CountingRunner()
    bigger = run_experiment(from_dict({**TINY, "seeds": 3, "out": str(tmp_path)}), runner=runner)
    assert sorted(c.seed for c in runner.given) == [2, 2]
    assert bigger.n_total == 6 and {r.n_seeds for r in bigger.summary} == {3}


_KILLED_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import actlab.experiments.runner as runner
    from actlab.experiments import from_dict, run_experiment

    real, calls = runner.execute_run, []

    def third_run_never_returns(config):
        calls.append(config)
        record = real(config)
        if len(calls) == 3:
            time.sleep(600)  # killed here: trained but not yet handed back and stored
        return record

    runner.execute_run = third_run_never_returns
    run_experiment(from_dict({**%r, "out": sys.argv[1]}))
    """
)


def test_kill_9_mid_experiment_loses_and_duplicates_nothing(tmp_path):
    script = tmp_path / "killed.py"
    script.write_text(_KILLED_SCRIPT % TINY)
    out = tmp_path / "exp"
    proc = subprocess.Popen([sys.executable, str(script), str(out)])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _finished(out) >= 2:
                break
            assert proc.poll() is None, "the experiment ended before it could be killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    survivors, epochs = _rows(out)
    assert len(survivors) == 2 and {s[1] for s in survivors} == {"finished"}
    assert all(epochs[h] == 1 for h, _, _ in survivors)

    resumed = run_experiment(from_dict({**TINY, "out": str(out)}))
    assert (resumed.n_skipped, resumed.n_ran) == (2, 2)
    runs, epochs = _rows(out)
    assert len(runs) == 4 and len({r[0] for r in runs}) == 4
    assert set(survivors) <= set(runs)  # the runs finished before the kill are untouched
    assert all(epochs[h] == 1 for h, _, _ in runs)


def test_two_worker_processes_give_the_same_runs(tmp_path):
    serial = run_experiment(from_dict({**TINY, "out": str(tmp_path / "one")}))
    pooled = run_experiment(from_dict({**TINY, "workers": 2, "out": str(tmp_path / "two")}))
    assert pooled.n_ran == 4 and pooled.failed == []
    one = {r.config_hash: r.test_acc for r in serial.records}
    two = {r.config_hash: r.test_acc for r in pooled.records}
    assert one.keys() == two.keys()
    for key in one:  # different thread counts may change float sums, not the accuracy
        assert two[key] == pytest.approx(one[key], abs=2 / 360)


def test_missing_dataset_files_stop_before_any_run(tmp_path):
    config = from_dict(
        {
            **TINY,
            "dataset": "mnist",
            "data_dir": str(tmp_path / "empty"),
            "out": str(tmp_path / "exp"),
        }
    )
    with pytest.raises(ExperimentError, match="mnist"):
        run_experiment(config)
    assert not (tmp_path / "exp").exists()  # validated before anything was created


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (from /proc), so a test kills only what it started."""
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            frontier += list(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("threads", ["1", "2"], ids=["fork", "spawn"])
def test_workers_end_when_the_command_is_killed(tmp_path, threads):
    command = [sys.executable, "-c", "from actlab.cli import main; main()", "compare",
               "--dataset", "digits", "--activations", "relu,tanh,gelu,silu", "--seeds", "3",
               "--epochs", "200", "--workers", "2", "--threads", threads, "--out", str(tmp_path)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, "the command ended before it could be killed"
            time.sleep(0.1)
        workers = _children(proc.pid)
        assert len(workers) >= 2
        time.sleep(1.0)  # the workers are training now
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived the killed command"
    finally:
        for pid in [proc.pid, *_children(proc.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
