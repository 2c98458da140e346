"""Finding, downloading and checking the files of downloaded datasets.

Where files come from:
- `data_dir` given: read `DIR/<dataset>/<file>` or `DIR/<file>`; never download. A file whose
  SHA-256 differs from the official one is still read (a re-compressed copy is fine) but a
  warning says so and `info["files"]` records it, unless it is another dataset's official
  file (e.g. MNIST's images given as Fashion-MNIST's), which is an error.
- otherwise the cache `$ACTLAB_DATA/<dataset>/` (default `~/.cache/actlab`). Missing files are
  downloaded from the mirrors in order (urllib, with a timeout) into a temporary file that is
  renamed into place only after its SHA-256 and MD5 match; files already cached must match.
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab.data.dataset import CorruptFileError, MissingDataError

log = logging.getLogger("actlab.data")

DOWNLOAD_TIMEOUT_S = 60.0
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """One published file: its standard name, size, digests and the mirrors that serve it."""

    name: str
    size: int
    sha256: str
    md5: str
    mirrors: tuple[str, ...]  # base URLs; the file's URL is base + name

    @property
    def urls(self) -> list[str]:
        return [base.rstrip("/") + "/" + self.name for base in self.mirrors]


# sha256 -> (dataset, file name) of every official file, to recognise a file given for the
# wrong dataset (the MNIST family shares file names).
_OFFICIAL: dict[str, tuple[str, str]] = {}


def register_files(dataset: str, files: tuple[RemoteFile, ...]) -> tuple[RemoteFile, ...]:
    for f in files:
        _OFFICIAL[f.sha256] = (dataset, f.name)
    return files


def cache_dir() -> Path:
    """The download cache: `$ACTLAB_DATA`, or `~/.cache/actlab` when it is unset or empty."""
    return Path(os.environ.get("ACTLAB_DATA") or "~/.cache/actlab").expanduser()


def digests(path: Path) -> tuple[str, str]:
    """(SHA-256, MD5) hex digests of a file, read in chunks."""
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), md5.hexdigest()


def _where_to_put(dataset: str, files: tuple[RemoteFile, ...], directory: Path) -> str:
    lines = [f"Put these files in {directory}:"]
    for f in files:
        lines.append(f"  {f.name}  ({f.size:,} bytes, sha256 {f.sha256})  from {f.urls[0]}")
    return "\n".join(lines)


def _check_given(dataset: str, path: Path, spec: RemoteFile) -> dict[str, Any]:
    sha, _ = digests(path)
    record = {"path": str(path), "sha256": sha, "official": sha == spec.sha256}
    if sha == spec.sha256:
        return record
    owner = _OFFICIAL.get(sha)
    if owner is not None:
        raise CorruptFileError(
            f"{path}: this is the official {owner[0]} file {owner[1]!r}, not {dataset}'s "
            f"{spec.name!r}. Keep each dataset in its own folder: DIR/{dataset}/{spec.name}."
        )
    warnings.warn(
        f"{path}: SHA-256 {sha} is not the official {spec.sha256}; reading it anyway "
        "(recorded in the run's dataset info)",
        stacklevel=4,
    )
    return record


def _from_data_dir(
    dataset: str, files: tuple[RemoteFile, ...], data_dir: Path
) -> dict[str, dict[str, Any]]:
    found, missing = {}, []
    for spec in files:
        candidates = [data_dir / dataset / spec.name, data_dir / spec.name]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            missing.append(spec.name)
        else:
            found[spec.name] = path
    if missing:
        raise MissingDataError(
            f"dataset {dataset!r}: {', '.join(missing)} not found in {data_dir} "
            f"(nor in {data_dir / dataset}). " + _where_to_put(dataset, files, data_dir / dataset)
        )
    return {spec.name: _check_given(dataset, found[spec.name], spec) for spec in files}


def download(spec: RemoteFile, dest: Path, timeout: float = DOWNLOAD_TIMEOUT_S) -> str:
    """Fetch `spec` into `dest`, trying each mirror; returns the URL that served it.

    The bytes go to a temporary file next to `dest`, renamed into place only after the size,
    SHA-256 and MD5 match, so an interrupted or corrupt download never looks like a file.
    Raises OSError listing every mirror's failure.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in spec.urls:
        tmp = dest.with_name(f"{dest.name}.part-{os.getpid()}")
        try:
            log.info("downloading %s (%s bytes) from %s", spec.name, f"{spec.size:,}", url)
            sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
            request = urllib.request.Request(url, headers={"User-Agent": "actlab"})
            with (
                urllib.request.urlopen(request, timeout=timeout) as response,
                open(tmp, "wb") as out,
            ):
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    sha.update(chunk)
                    md5.update(chunk)
                    size += len(chunk)
            if sha.hexdigest() != spec.sha256 or md5.hexdigest() != spec.md5:
                raise CorruptFileError(
                    f"checksum mismatch: got {size:,} bytes with sha256 {sha.hexdigest()}, "
                    f"expected {spec.size:,} bytes with sha256 {spec.sha256}"
                )
            os.replace(tmp, dest)
            return url
        except (OSError, CorruptFileError) as error:
            failures.append(f"{url}: {error}")
        finally:
            tmp.unlink(missing_ok=True)
    raise OSError(f"could not download {spec.name}:\n  " + "\n  ".join(failures))


def _from_cache(
    dataset: str, files: tuple[RemoteFile, ...], allow_download: bool
) -> dict[str, dict[str, Any]]:
    root = cache_dir() / dataset
    records, problems = {}, []
    for spec in files:
        path = root / spec.name
        source = "cache"
        if not path.is_file():
            if not allow_download:
                problems.append(f"{spec.name}: not in the cache and download=False")
                continue
            try:
                source = download(spec, path)
            except OSError as error:
                problems.append(str(error))
                continue
        sha, _ = digests(path)
        if sha != spec.sha256:
            raise CorruptFileError(
                f"{path}: SHA-256 {sha} is not the official {spec.sha256} (a damaged or "
                "foreign file). Delete it and load again to download it afresh."
            )
        records[spec.name] = {"path": str(path), "sha256": sha, "official": True, "source": source}
    if problems:
        raise MissingDataError(
            f"dataset {dataset!r} is not available offline and could not be downloaded.\n"
            + "\n".join(problems)
            + "\n"
            + _where_to_put(dataset, files, root)
            + f"\nor pass data_dir=DIR (CLI: --data-dir DIR) with them in DIR or DIR/{dataset}/."
        )
    return records


def locate(
    dataset: str,
    files: tuple[RemoteFile, ...],
    data_dir: str | Path | None,
    allow_download: bool = True,
) -> dict[str, dict[str, Any]]:
    """Paths and digests of `files` for `dataset`: {name: {"path", "sha256", "official"}}."""
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        if not data_dir.is_dir():
            raise MissingDataError(
                f"data_dir {data_dir} is not a directory. "
                + _where_to_put(dataset, files, data_dir / dataset)
            )
        return _from_data_dir(dataset, files, data_dir)
    return _from_cache(dataset, files, allow_download)
