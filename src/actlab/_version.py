"""The package version, importable without importing anything else of actlab."""

__version__ = "0.1.0"
