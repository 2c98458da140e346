"""`actlab playground`: serve the in-browser playground on a local port."""

from __future__ import annotations

import errno
import socket
import threading
import time
import webbrowser

import click


def _check_port(host: str, port: int) -> None:
    """Fail with a clear message, before uvicorn starts, when the address cannot be bound."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as err:
        why = "is already in use" if err.errno == errno.EADDRINUSE else f"cannot be used ({err})"
        raise click.ClickException(f"{host}:{port} {why}; choose another with --port") from None


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; the default keeps the server private to this machine. Pages must "
    "come from a loopback address or this one (a wildcard such as 0.0.0.0 allows loopback "
    "only): other sites, and DNS rebinding, cannot drive the server.",
)
@click.option(
    "--port",
    default=8050,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
def playground(host: str, port: int, open_browser: bool) -> None:
    """Watch a small network learn a 2-D toy set with any activation, in the browser.

    Pick the data, input features, hidden layers, and each layer's activation from the
    catalogue; training runs here in PyTorch and streams to the page. The page's URL holds the
    whole setup, so a link reproduces it.
    """
    try:
        import uvicorn

        from actlab.playground.server import create_app
    except ImportError as err:
        raise click.ClickException(
            f"the playground needs {err.name}: pip install 'actlab[playground]'"
        ) from None
    _check_port(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    own = () if host in ("0.0.0.0", "::", "") else (host,)  # a wildcard: loopback names only
    app = create_app(hosts=own)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            click.echo(f"actlab playground at {url}  (Ctrl+C stops it)")
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
