from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def mnist1d(tmp_path_factory):
    """The default MNIST-1D, cached under the session's temporary directory (not ~/.cache)."""
    from actlab.data import load

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACTLAB_DATA", str(tmp_path_factory.getbasetemp() / "actlab-data"))
        return load("mnist1d")
