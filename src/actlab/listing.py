"""The catalogue's table as plain data for commands that should not wait for torch.

`actlab list` prints one record per entry (`report.catalogue.catalogue_text.spec_record`).
Building the records imports torch and every entry (seconds); reading them back from JSON
takes milliseconds. The records are cached under a key made from the source files they come
from (the catalogue, the kernels, the record format), so an edit to any entry makes a new key
and the records are built again: the list can never be stale. The package ships the records
of its own sources (`listing.json`, written by `make docs`), so even the first `actlab list`
after installing is fast.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PACKAGED = HERE / "listing.json"
FORMAT = 2
# The files the records are made from: every catalogue and kernel module, and the formatter.
SOURCES = ("catalog/**/*.py", "kernels/*.py", "report/catalogue/catalogue_text.py")


def source_key() -> str:
    """16 hex digits of SHA-256 over the record format and the source files' contents."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for pattern in SOURCES:
        for path in sorted(HERE.glob(pattern)):
            digest.update(path.relative_to(HERE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_path(key: str) -> Path:
    root = Path(os.environ.get("ACTLAB_CACHE", Path.home() / ".cache" / "actlab"))
    return root / "listing" / f"listing-{key}.json"


def _read(path: Path, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def build() -> dict[str, Any]:
    """The records made from the spec table now (imports torch and every entry)."""
    from actlab.catalog import FAMILIES
    from actlab.report.catalogue.catalogue_text import catalogue_records

    return {"key": source_key(), "families": list(FAMILIES), "records": catalogue_records()}


def load() -> dict[str, Any]:
    """The records for the current sources: packaged, else cached, else built (and cached)."""
    key = source_key()
    for path in (PACKAGED, _cache_path(key)):
        data = _read(path, key)
        if data is not None:
            return data
    data = build()
    try:  # a cache that cannot be written only costs the next command the build again
        path = _cache_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return data


def records(family: str | None = None) -> list[dict[str, Any]]:
    """One record per entry, in table order (optionally one family; ValueError if unknown)."""
    data = load()
    if family is not None and family not in data["families"]:
        raise ValueError(
            f"unknown family {family!r}; valid families: {', '.join(data['families'])}"
        )
    return [r for r in data["records"] if family is None or r["family"] == family]


def families() -> list[str]:
    return list(load()["families"])


def write_packaged() -> Path:
    """Write `listing.json` beside this module (what `make docs` runs)."""
    PACKAGED.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return PACKAGED
