"""Build, verify and cache the fused kernels' shared library (`csrc/actlab_cpu.cpp`).

One directory per key under `$ACTLAB_KERNEL_CACHE` (default `~/.cache/actlab/kernels`):

- `actlab_cpu.so`: the library. It only ever appears there by an atomic rename of a finished
  build, so a reader never sees half a file.
- `actlab_cpu.json`: its manifest, written at build time: size and SHA-256 (checked before
  every load: a truncated library would crash the process with a bus error inside dlopen),
  the compiler, and what the key was made of.
- `build-failed.json` and `build-failed.log`: the last failed build, when and with which
  toolchain. It is retried once `RETRY_AFTER_S` have passed or at once with another toolchain.
- `.lock`: taken to build only; loading a verified library needs no write access, so a
  prebuilt, read-only cache works.
- `.build-<pid>/`: a build in progress (the compiler's output and temporary files).

The key is what the binary depends on: the source, torch's version, install path and C++ ABI,
and the ISA flags. The compiler is not part of it, so a prebuilt cache loads on a machine
without one.

The compiler runs under a small shell watchdog in its own process group: if this process dies,
even by `kill -9`, the watchdog sees its pipe close and ends the whole group (driver, cc1plus,
assembler, linker) and removes the build directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import time
import warnings
from pathlib import Path

import torch

SOURCE = Path(__file__).parent / "csrc" / "actlab_cpu.cpp"
LIBRARY = "actlab_cpu.so"
MANIFEST = "actlab_cpu.json"
FAILED = "build-failed.json"
FAILED_LOG = "build-failed.log"
RETRY_AFTER_S = 600.0  # a failed build is retried after this long, with the same toolchain
BUILD_TIMEOUT_S = 900.0


class KernelBuildError(RuntimeError):
    """The fused kernels could not be compiled or loaded."""


def cache_root() -> Path:
    return Path(os.environ.get("ACTLAB_KERNEL_CACHE") or "~/.cache/actlab/kernels").expanduser()


def compiler() -> str:
    for candidate in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise KernelBuildError("no C++ compiler found (install g++ or set CXX)")


def isa_flags() -> list[str]:
    # AVX-512 machines run the AVX2 path: it is what the kernels are written for. There the
    # compiler may also use AVX-512VL's encodings of the same 256-bit operations, whose 32
    # registers hold the kernels' constants (16 did not: they were reloaded from the stack in
    # every iteration); the operations, and so the numbers, are the AVX2 ones.
    capability = torch.backends.cpu.get_cpu_capability()
    if capability in ("AVX2", "AVX512"):
        avx2 = ["-mavx2", "-mfma", "-mf16c", "-DCPU_CAPABILITY_AVX2", "-DCPU_CAPABILITY=AVX2"]
        if capability == "AVX512":
            avx2 += ["-mavx512f", "-mavx512vl", "-mprefer-vector-width=256"]
        return avx2
    return ["-DCPU_CAPABILITY=DEFAULT"]


# Flags that change the numbers: a*b + c is rounded twice unless the source asks for an FMA
# (fmadd), so the kernels round as the torch forms they mirror do.
CODEGEN_FLAGS = ["-O3", "-ffp-contract=off"]


def _key_parts() -> dict[str, str]:
    return {
        "source_sha256": hashlib.sha256(SOURCE.read_bytes()).hexdigest(),
        "codegen": " ".join(CODEGEN_FLAGS),
        "torch": torch.__version__,
        "torch_dir": str(Path(torch.__file__).parent),
        "cxx11_abi": str(int(torch._C._GLIBCXX_USE_CXX11_ABI)),
        "isa": " ".join(isa_flags()),
        "machine": platform.machine(),
    }


def key() -> str:
    """The cache key: a hash of what the library depends on (never of the compiler)."""
    text = "\0".join(f"{k}={v}" for k, v in sorted(_key_parts().items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def command(cxx: str, output: Path) -> list[str]:
    torch_dir = Path(torch.__file__).parent
    include = torch_dir / "include"
    return [
        cxx,
        *CODEGEN_FLAGS,
        "-std=c++20",
        "-shared",
        "-fPIC",
        "-pipe",  # no temporary files between the stages
        "-fopenmp",  # at::parallel_for is header code: without it, one thread
        f"-D_GLIBCXX_USE_CXX11_ABI={int(torch._C._GLIBCXX_USE_CXX11_ABI)}",
        *isa_flags(),
        f"-I{include}",
        f"-I{include / 'torch' / 'csrc' / 'api' / 'include'}",
        str(SOURCE),
        "-o",
        str(output),
        f"-L{torch_dir / 'lib'}",
        "-ltorch_cpu",
        "-lc10",
        f"-Wl,-rpath,{torch_dir / 'lib'}",
    ]


# -- verification -------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def problem(directory: Path) -> str | None:
    """None when `directory` holds a library that matches its manifest; else what is wrong."""
    library = directory / LIBRARY
    if not library.exists():
        return "missing"
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        size, sha = int(manifest["size"]), str(manifest["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"the cached kernel library {library} has no readable manifest ({MANIFEST})"
    actual_size, actual_sha = library.stat().st_size, _sha256(library)
    if actual_size != size or actual_sha != sha:
        return (
            f"the cached kernel library {library} is damaged ({actual_size:,} bytes, "
            f"SHA-256 {actual_sha[:12]}; its build recorded {size:,} bytes, {sha[:12]})"
        )
    return None


# -- failures -----------------------------------------------------------------------------
def _toolchain(cxx: str) -> dict[str, str]:
    """What identifies the compiler: its path and its --version line."""
    try:
        done = subprocess.run([cxx, "--version"], capture_output=True, text=True, timeout=30)
        version = (done.stdout.strip().splitlines() or [""])[0]
    except (OSError, subprocess.TimeoutExpired) as exc:
        version = f"unknown ({exc})"
    return {"compiler": cxx, "version": version}


def _refuse_if_failed_recently(directory: Path, toolchain: dict[str, str]) -> None:
    try:
        record = json.loads((directory / FAILED).read_text())
        age = time.time() - float(record["time"])
        same = record["toolchain"] == toolchain
    except (OSError, ValueError, KeyError, TypeError):
        return
    if same and 0 <= age < RETRY_AFTER_S:
        raise KernelBuildError(
            f"an earlier build failed {age:.0f} s ago with {toolchain['compiler']}; retrying "
            f"after {RETRY_AFTER_S:.0f} s or with another compiler (CXX); "
            f"see {directory / FAILED_LOG}"
        )


def _record_failure(directory: Path, toolchain: dict[str, str], text: str) -> None:
    (directory / FAILED_LOG).write_text(text)
    _write_json(directory / FAILED, {"time": time.time(), "toolchain": toolchain})


def _write_json(path: Path, content: dict) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(content, indent=1))
    os.replace(partial, path)


# -- building -----------------------------------------------------------------------------
# $1: the build directory; the rest: the compiler command. stdin: a pipe whose other end only
# the Python process holds, so EOF on it means that process is gone, however it died.
_WATCHED = r"""
dir=$1; shift
exec 3<&0
"$@" </dev/null &
child=$!
{ trap '' TERM; read _ <&3; kill -TERM 0; rm -rf "$dir"; } &
watch=$!
wait $child
status=$?
kill -KILL $watch 2>/dev/null
exit $status
"""


def _compile(argv: list[str], build_dir: Path) -> tuple[int, str]:
    """Run the compiler in its own process group under the watchdog; (exit status, stderr)."""
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", _WATCHED, "sh", str(build_dir), *argv],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(build_dir)},
        )
    finally:
        os.close(read_end)
    try:
        _, stderr = proc.communicate(timeout=BUILD_TIMEOUT_S)
    except BaseException:  # a timeout, Ctrl-C: the whole group goes, now
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        os.close(write_end)
    return proc.returncode, stderr


def _remove_stale_builds(directory: Path) -> None:
    """Builds in progress hold the lock, so under it any build directory is a dead one's."""
    for stale in directory.glob(".build-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _build_locked(directory: Path, cxx: str, force: bool) -> None:
    toolchain = _toolchain(cxx)
    if not force:
        _refuse_if_failed_recently(directory, toolchain)
    build_dir = directory / f".build-{os.getpid()}"
    build_dir.mkdir()
    try:
        argv = command(cxx, build_dir / LIBRARY)
        try:
            status, stderr = _compile(argv, build_dir)
        except (OSError, subprocess.TimeoutExpired) as exc:
            _record_failure(directory, toolchain, f"{' '.join(argv)}\n\n{exc}\n")
            raise KernelBuildError(f"running {cxx} failed: {exc}") from exc
        output = build_dir / LIBRARY
        if status != 0 or not output.exists():
            _record_failure(directory, toolchain, " ".join(argv) + "\n\n" + stderr)
            tail = " / ".join(stderr.strip().splitlines()[-3:])
            what = f"exited {status}: {tail}" if status != 0 else "exited 0 but wrote no library"
            raise KernelBuildError(f"{cxx} {what}; see {directory / FAILED_LOG}")
        manifest = {
            "size": output.stat().st_size,
            "sha256": _sha256(output),
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "toolchain": toolchain,
            "key": _key_parts(),
        }
        os.replace(output, directory / LIBRARY)
        _write_json(directory / MANIFEST, manifest)
        (directory / FAILED).unlink(missing_ok=True)
        (directory / FAILED_LOG).unlink(missing_ok=True)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)


def build(force: bool = False) -> Path:
    """The path of a verified library for this key: the cached one, or a new build.

    A verified cached library is used without a compiler and without writing anything. A
    missing or damaged one is (re)built, which needs a compiler and a writable cache;
    otherwise KernelBuildError says why, including the damage found."""
    directory = cache_root() / key()
    target = directory / LIBRARY
    found = None if force else problem(directory)
    if not force and found is None:
        return target
    try:
        cxx = compiler()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            lock = open(directory / ".lock", "a")  # noqa: SIM115 (held across the build)
        except OSError as exc:
            raise KernelBuildError(
                f"cannot build in {directory} ({exc.strerror}); set ACTLAB_KERNEL_CACHE to a "
                "writable directory"
            ) from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same key
            _remove_stale_builds(directory)
            if force or problem(directory) is not None:  # not built meanwhile by another
                _build_locked(directory, cxx, force)
    except KernelBuildError as exc:
        if found not in (None, "missing"):
            raise KernelBuildError(f"{found}; rebuilding it failed: {exc}") from exc
        raise
    if found not in (None, "missing"):
        warnings.warn(f"actlab: {found}; rebuilt it", RuntimeWarning, stacklevel=3)
    return target
