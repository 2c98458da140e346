import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Rational fits go to a per-session temporary cache, never the user's ~/.cache."""
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path_factory.getbasetemp() / "actlab-data"))
