"""The command line starts fast: `actlab --help` imports no command, torch or catalogue."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from actlab.cli import COMMANDS, main


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(out.stdout.split())


def test_help_and_version_import_no_command_nor_torch():
    loaded = _modules_after(
        "from actlab.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert "torch" not in loaded and "actlab.catalog" not in loaded
    assert not any(m.startswith("actlab.cli.") for m in loaded)


def test_import_actlab_is_lazy():
    loaded = _modules_after("import actlab")
    assert "torch" not in loaded and "actlab.catalog" not in loaded
    names = _modules_after("import actlab; actlab.names()")
    assert "actlab.catalog" in names and "actlab.experiments" not in names


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_loads_and_its_line_in_help_is_its_own(name):
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name == name
    assert command.help, name
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts} has no help"


def test_an_unknown_command_lists_the_commands():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["compar"])
    assert result.exit_code == 2 and "No such command 'compar'" in result.output
