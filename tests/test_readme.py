"""The README is executable truth: every example in it runs, and shows what it prints.

- ```python blocks with `>>>` prompts run as one doctest, in reading order (ELLIPSIS and
  NORMALIZE_WHITESPACE), so every printed value must be what the code prints;
- other ```python blocks run in a scratch directory (a block that starts with `# NAME.py` is
  written to that file instead, for the blocks after it to import);
- every `actlab ...` line of a ```bash block runs; commands that would train (compare,
  depth-study, bench suite) run with `--dry-run`, which checks every option, the data and each model, and trains nothing. MNIST
  and CIFAR-10 cannot be downloaded here: commands that use them get `--data-dir` with small
  files in the real formats;
- in ```text blocks, each `$ actlab ...` command runs and every line shown after it (but `...`)
  must appear in its output.
Lines that install packages, start a cluster or call `make` are not run; `SKIP` lists them.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from actlab.cli import main
from tests.data.formats import cifar_members, fake_mnist, write_cifar_tar, write_mnist

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
# Shell lines that are set-up, not actlab: what they do is tested elsewhere or needs a network.
SKIP = ("make ", "pip ", "export ", "ray ", ".venv/bin/python benchmarks/")
TRAINING = ("compare", "depth-study", "search")


def _lines(body: str) -> list[str]:
    """Shell commands of a bash block: continuation lines joined, comments dropped."""
    out = []
    for line in body.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(re.split(r"\s+#\s", line)[0].strip())
    return out


def _commands() -> list[str]:
    return [line for lang, body in BLOCKS if lang == "bash" for line in _lines(body)]


def test_the_readme_has_examples_of_each_kind():
    kinds = {lang for lang, _ in BLOCKS}
    assert {"python", "bash", "text"} <= kinds
    assert len([c for c in _commands() if c.startswith("actlab ")]) >= 15


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A working directory with the data the examples name, in the real formats."""
    data = tmp_path / "files"
    write_mnist(data / "mnist", fake_mnist(n_train=200, n_test=50))
    write_mnist(tmp_path / "home" / "mnist", fake_mnist(n_train=200, n_test=50))
    members, _ = cifar_members(n=20)
    write_cifar_tar(data / "cifar10" / "cifar-10-python.tar.gz", members)
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    for block in (body for lang, body in BLOCKS if lang == "python"):
        first = block.splitlines()[0].strip()
        if re.fullmatch(r"# \w+\.py", first):
            (tmp_path / first[2:]).write_text(block, encoding="utf-8")
    if (tmp_path / "experiment.yaml").exists() is False:
        for lang, body in BLOCKS:
            if lang == "yaml" and body.startswith("# experiment.yaml"):
                (tmp_path / "experiment.yaml").write_text(body, encoding="utf-8")
    yield tmp_path
    sys.modules.pop("mymodels", None)


def test_python_prompts_print_what_they_show(scratch):
    text = "\n".join(body for lang, body in BLOCKS if lang == "python" and ">>>" in body)
    test = doctest.DocTestParser().get_doctest(text, {}, "README.md", str(README), 0)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 10 and result.failed == 0


def test_python_blocks_run(scratch):
    ran = 0
    for lang, body in BLOCKS:
        if lang != "python" or ">>>" in body or re.match(r"# \w+\.py", body):
            continue
        if "register(ActivationSpec(" in body:
            continue  # test_the_spec_shown_is_the_registered_one
        exec(compile(body, "README.md", "exec"), {})  # noqa: S102  (each block stands alone)
        ran += 1
    assert ran >= 3


def test_the_spec_shown_is_the_registered_one():
    """'Adding an activation' shows an entry as its file writes it: the same spec, field by
    field, and the same reference values."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    import actlab
    from actlab.catalog import INF, NONNEGATIVE, ActivationSpec, Properties

    (body,) = [b for lang, b in BLOCKS if lang == "python" and "register(ActivationSpec(" in b]
    shown: list = []
    namespace = {"torch": torch, "F": F, "np": np, "ActivationSpec": ActivationSpec,
                 "Properties": Properties, "NONNEGATIVE": NONNEGATIVE, "INF": INF,
                 "register": shown.append}  # fmt: skip
    exec(compile(body, "README.md", "exec"), namespace)  # noqa: S102
    (spec,) = shown
    real = actlab.get(spec.name)
    for field in ("aliases", "family", "summary", "formula", "formula_d1", "output_range",
                  "properties", "kinks", "kink_derivative", "limits", "paper"):  # fmt: skip
        assert getattr(spec, field) == getattr(real, field), field
    x = np.linspace(-5, 5, 101)
    np.testing.assert_array_equal(spec.ref(x), real.ref(x))
    np.testing.assert_array_equal(spec.ref_d1(x), real.ref_d1(x))
    t = torch.linspace(-5, 5, 101)
    torch.testing.assert_close(spec.fn(t), real.fn(t))


@pytest.mark.parametrize(
    "command", [c for c in _commands() if c.startswith("actlab ")], ids=lambda c: c[:60]
)
def test_shell_commands_run(scratch, command):
    args = shlex.split(os.path.expanduser(command.replace("~/", str(scratch / "home") + "/")))[1:]
    if args[0] in TRAINING or args[:2] == ["bench", "suite"]:
        args.append("--dry-run")
        downloaded = any(a in ("mnist", "cifar10") or a.endswith("-cifar10") for a in args)
        if downloaded and "--data-dir" not in args:
            args += ["--data-dir", str(scratch / "files")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    assert "Traceback" not in result.output


def test_no_other_shell_line_is_left_unchecked():
    others = [c for c in _commands() if not c.startswith("actlab ")]
    assert all(c.startswith(SKIP) for c in others), [c for c in others if not c.startswith(SKIP)]


def _text_examples() -> list[tuple[str, list[str]]]:
    examples = []
    for lang, body in BLOCKS:
        if lang != "text":
            continue
        command, shown = None, []
        for line in body.splitlines() + ["$ "]:
            if line.startswith("$ "):
                if command:
                    examples.append((command, shown))
                command, shown = line[2:].strip(), []
            elif command and line.strip() and line.strip() != "...":
                shown.append(line)
    return examples


@pytest.mark.parametrize(("command", "shown"), _text_examples(), ids=lambda v: str(v)[:50])
def test_shown_output_is_the_real_output(scratch, command, shown):
    result = CliRunner().invoke(main, shlex.split(command)[1:], terminal_width=160)
    assert result.exit_code == 0, result.output
    produced = [" ".join(line.split()) for line in result.output.splitlines()]
    for line in shown:
        assert " ".join(line.split()) in produced, f"{command}: {line!r} is not in its output"
