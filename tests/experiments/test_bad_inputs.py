"""Bad input to the experiment commands: one clear line each (what, where, the fix), never a
traceback, and nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from actlab.cli.compare import compare
from actlab.cli.depth_study import depth_study
from actlab.experiments.store import FILENAME

TINY = ["--dataset", "moons", "--activations", "relu", "--seeds", "1", "--epochs", "1",
        "--hidden", "8", "--workers", "1"]  # fmt: skip


def _store(path: Path, content: bytes | None = None, directory: bool = False) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if directory:
        (path / FILENAME).mkdir()
    elif content is not None:
        (path / FILENAME).write_bytes(content)


CASES = {
    "out under a file": (lambda t: (t / "f").write_text("x"), ["--out", "{t}/f/exp"],
                         ["cannot use", "f/exp", "choose another --out"]),
    "out in /proc": (None, ["--out", "/proc/actlab-out"], ["cannot use /proc/actlab-out", "choose another --out"]),
    "garbage store": (lambda t: _store(t / "exp", b"not sqlite " * 200), ["--out", "{t}/exp"],
                      [FILENAME, "is damaged", "file is not a database", "--fresh"]),
    "truncated store header": (lambda t: _store(t / "exp", b"SQLite format 3\x00" + b"\x00" * 40),
                               ["--out", "{t}/exp"], [FILENAME, "damaged", "--fresh"]),
    "directory as store": (lambda t: _store(t / "exp", directory=True), ["--out", "{t}/exp"],
                           ["is a directory, not a results store"]),
    "non-UTF-8 config": (lambda t: (t / "c.yaml").write_bytes(b"seeds: 2\n# caf\xe9\n"),
                         ["--config", "{t}/c.yaml"], ["c.yaml", "not a text file in UTF-8"]),
    "mapping as activation": (lambda t: (t / "c.yaml").write_text("activations: [{name: elu, alpha: abc}]\n"),
                              ["--config", "{t}/c.yaml"], ["activations", "expected an activation such as 'relu'"]),
    "forbidden out in config": (lambda t: (t / "c.yaml").write_text("out: /proc/actlab-cfg\n"),
                                ["--config", "{t}/c.yaml"], ["cannot use /proc/actlab-cfg"]),
    "a billion seeds": (None, ["--seeds", "1000000000"], ["seeds = 1,000,000,000", "limit of 10,000", "--allow-large"]),
    "huge depth": (None, ["--depth", "100000"], ["depths = 100,000", "limit of 1,000"]),
    "huge width": (None, ["--hidden", "10000000"], ["hidden = 10,000,000", "--allow-large"]),
    "missing config": (None, ["--config", "{t}/none.yaml"], ["cannot read config file", "none.yaml"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_clear_line(tmp_path, case):
    setup, args, needles = CASES[case]
    if setup is not None:
        setup(tmp_path)
    args = [a.replace("{t}", str(tmp_path)) for a in args]
    if "--out" not in args and case != "forbidden out in config":
        args += ["--out", str(tmp_path / "default-out")]
    base = ["--workers", "1"] if "--config" in args else TINY  # flags would override the file
    result = CliRunner().invoke(compare, [*base, *args])
    assert result.exit_code in (1, 2) and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output
    if case.endswith("store"):  # the damaged file is left for the user to look at
        assert (tmp_path / "exp" / FILENAME).exists()


def test_depth_study_refuses_a_runaway_depth(tmp_path):
    result = CliRunner().invoke(depth_study, ["--depths", "100000", "--out", str(tmp_path)])
    assert (
        result.exit_code == 2
        and "limit of 1,000" in result.output
        and "--allow-large" in result.output
    )


def test_an_empty_store_file_is_started_again_and_said(tmp_path):
    _store(tmp_path / "exp", b"")
    result = CliRunner().invoke(compare, [*TINY, "--out", str(tmp_path / "exp")])
    assert result.exit_code == 0, result.output
    assert "was empty (0 bytes): starting a new store there" in result.output
    assert "1 run(s) trained" in result.output
