"""The kernel cache under abuse, with real processes: a truncated library, kill -9 during a
build, a failed build, no compiler on PATH, a read-only cache directory."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from actlab.kernels import compiled

REPORT = (
    "import warnings\n"
    "with warnings.catch_warnings(record=True) as caught:\n"
    "    warnings.simplefilter('always')\n"
    "    from actlab.kernels import compiled\n"
    "    b = compiled.backend()\n"
    "print(b.name)\n"
    "for w in caught:\n"
    "    print('WARNING', w.message)\n"
)


def _run(code: str, cache: Path, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "ACTLAB_KERNEL_CACHE": str(cache), "ACTLAB_KERNELS": "auto", **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory) -> Path:
    """A copy of this machine's cache entry for the current key (built if needed): a cache
    root holding one verified library."""
    info = compiled.backend()
    if info.name != "compiled":
        pytest.skip(f"compiled kernels unavailable: {info.reason}")
    root = tmp_path_factory.mktemp("prebuilt")
    entry = Path(info.path).parent
    shutil.copytree(entry, root / entry.name, ignore=shutil.ignore_patterns(".lock", ".build-*"))
    return root


def _copy(prebuilt: Path, tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "cache"
    shutil.copytree(prebuilt, root)
    (library,) = root.glob("*/actlab_cpu.so")
    return root, library


def test_a_truncated_library_is_not_loaded_and_falls_back_with_one_warning(prebuilt, tmp_path):
    root, library = _copy(prebuilt, tmp_path)
    size = library.stat().st_size
    with open(library, "r+b") as handle:
        handle.truncate(size // 3)
    done = _run(REPORT, root, CXX="/bin/false")  # it cannot be rebuilt here
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "torch"
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1, warnings
    assert "damaged" in warnings[0] and f"{size // 3:,} bytes" in warnings[0]
    assert f"{size:,}" in warnings[0]  # the size it should have


def _table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command name) of every process, from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            out[int(entry.name)] = (int(fields[1]), fields[0], name)
    return out


def _descendants(pid: int) -> dict[int, str]:
    table = _table()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _, name) in table.items():
            if ppid == parent and child not in found:
                found[child] = name
                frontier.append(child)
    return found


def _alive(pids) -> list[int]:
    table = _table()
    return [p for p in pids if p in table and table[p][1] != "Z"]  # zombies are dead


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_during_a_build_leaves_no_compiler_and_no_library(prebuilt, tmp_path):
    if not shutil.which("c++") and not os.environ.get("CXX"):
        pytest.skip("no C++ compiler")
    root = tmp_path / "cache"
    root.mkdir()
    env = {**os.environ, "ACTLAB_KERNEL_CACHE": str(root), "ACTLAB_KERNELS": "compiled"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from actlab.kernels import compiled; compiled.backend()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            family = _descendants(proc.pid)
            if "cc1plus" in family.values() or "clang" in "".join(family.values()):
                break
            assert proc.poll() is None, "the build ended before it could be interrupted"
            time.sleep(0.2)
        else:
            pytest.fail("no compiler process appeared")
        time.sleep(1.0)  # well into the compile
        family = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10  # the watchdog acts at once; a compile takes longer
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = {p: family[p] for p in _alive(family)}
        assert not left, f"compiler processes outlived the killed build: {left}"
        time.sleep(0.5)
        strays = [p for p in root.rglob("*") if p.suffix == ".so" or ".build-" in str(p)]
        assert not strays, f"left behind: {strays}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # A damaged library from some earlier accident, then a complete build with a real compiler:
    # the damage is found, the library rebuilt and verified, the one warning says so.
    damaged = root / next(prebuilt.iterdir()).name
    shutil.copytree(next(prebuilt.iterdir()), damaged, dirs_exist_ok=True)
    with open(damaged / "actlab_cpu.so", "r+b") as handle:
        handle.truncate(4096)
    done = _run(REPORT, root)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "compiled", done.stdout
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1 and "damaged (4,096 bytes" in warnings[0], warnings
    assert warnings[0].endswith("rebuilt it")
    manifest = json.loads((damaged / "actlab_cpu.json").read_text())
    assert manifest["size"] == (damaged / "actlab_cpu.so").stat().st_size
    assert not list(root.rglob(".build-*"))


def test_a_failed_build_is_retried_later_or_with_another_compiler(tmp_path):
    root = tmp_path / "cache"
    first = _run(REPORT, root, CXX="/bin/false")
    assert first.stdout.startswith("torch"), first.stderr[-2000:]
    (record,) = root.glob("*/build-failed.json")
    failed = json.loads(record.read_text())
    assert failed["toolchain"]["compiler"] == "/bin/false"

    again = _run(REPORT, root, CXX="/bin/false")  # same toolchain, moments later: not retried
    assert "an earlier build failed" in again.stdout and "retrying after" in again.stdout
    assert json.loads(record.read_text())["time"] == failed["time"]

    other = shutil.which("true")
    changed = _run(REPORT, root, CXX=other)  # another toolchain: retried at once
    assert "an earlier build failed" not in changed.stdout
    assert "wrote no library" in changed.stdout
    assert json.loads(record.read_text())["toolchain"]["compiler"] == other

    stale = json.loads(record.read_text())
    stale["time"] -= 3600  # an hour ago: long enough for a transient failure to pass
    record.write_text(json.dumps(stale))
    later = _run(REPORT, root, CXX=other)
    assert "an earlier build failed" not in later.stdout
    assert json.loads(record.read_text())["time"] > stale["time"]


def test_a_prebuilt_cache_loads_without_a_compiler(prebuilt, tmp_path):
    root, _ = _copy(prebuilt, tmp_path)
    bare = tmp_path / "bin"  # a PATH with no compiler on it
    bare.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CXX"}
    done = subprocess.run(
        [sys.executable, "-c", REPORT],
        env={**env, "PATH": str(bare), "ACTLAB_KERNEL_CACHE": str(root), "ACTLAB_KERNELS": "auto"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "compiled", done.stdout


READ_ONLY_PROBE = (
    "import os, sys\n"
    "root = os.environ['ACTLAB_KERNEL_CACHE']\n"
    "entry = os.path.join(root, os.listdir(root)[0])\n"
    "try:\n"
    "    open(os.path.join(entry, 'probe'), 'w')\n"
    "    sys.exit('the cache directory is writable: the test would prove nothing')\n"
    "except OSError:\n"
    "    pass\n"
) + REPORT


def test_a_read_only_prebuilt_cache_loads(prebuilt, tmp_path):
    root, _ = _copy(prebuilt, tmp_path)
    env = {**os.environ, "ACTLAB_KERNEL_CACHE": str(root), "ACTLAB_KERNELS": "auto"}
    if os.geteuid() != 0:
        for path in [root, *root.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        command = [sys.executable, "-c", READ_ONLY_PROBE]
    else:  # root writes through permission bits: a read-only bind mount in a mount namespace
        if not shutil.which("unshare"):
            pytest.skip("running as root without unshare: no way to make a read-only directory")
        mount = (
            f'mount --bind "{root}" "{root}" && mount -o remount,bind,ro "{root}" && '
            f'exec "{sys.executable}" -c "$PROBE"'
        )
        command = ["unshare", "--mount", "sh", "-c", mount]
        env["PROBE"] = READ_ONLY_PROBE
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"cannot make a read-only mount here: {done.stderr.strip()}")
    try:
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "compiled", done.stdout
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
