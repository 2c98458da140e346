"""Every data test gets its own empty cache, and any attempt to reach the network fails."""

from __future__ import annotations

import urllib.request

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path / "cache"))
    real_urlopen = urllib.request.urlopen

    def local_only(request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else str(request)
        if not url.startswith("file:"):
            raise AssertionError(f"a test tried to reach the network: {url}")
        return real_urlopen(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", local_only)


@pytest.fixture(scope="session")
def mnist1d_cache(tmp_path_factory):
    """A cache directory holding the default MNIST-1D, generated once per session."""
    from actlab.data import load

    root = tmp_path_factory.getbasetemp() / "actlab-data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACTLAB_DATA", str(root))
        dataset = load("mnist1d")
    return root, dataset
