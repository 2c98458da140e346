"""`actlab playground`: options, defaults, and a clear error for a port in use."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from actlab.cli import main


def test_help_shows_the_private_default_address():
    result = CliRunner().invoke(main, ["playground", "--help"])
    assert result.exit_code == 0
    assert "[default: 127.0.0.1]" in result.output and "8050" in result.output
    assert "--open" in result.output


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["playground", "--port", str(port)])
    assert result.exit_code == 1
    assert f"127.0.0.1:{port} is already in use; choose another with --port" in result.output


def test_a_bad_port_is_refused():
    result = CliRunner().invoke(main, ["playground", "--port", "70000"])
    assert result.exit_code == 2 and "70000" in result.output
