"""Build, cache and load actlab's fused CPU kernels (`csrc/actlab_cpu.cpp`).

The first process that needs them compiles the C++ source against the installed torch with
the system C++ compiler (`$CXX`, else `c++`/`g++`/`clang++`; about 15 s) and caches the
shared library under `$ACTLAB_KERNEL_CACHE` (default `~/.cache/actlab/kernels`), keyed by the
source, torch's version and the compiler; later processes load it in milliseconds. Concurrent
processes build it once (a file lock). The ops are registered as `torch.ops.actlab.*` with fake
implementations, so `torch.compile` traces them without a graph break.

`ACTLAB_KERNELS` chooses: `auto` (default: compiled when it builds, else the pure-torch form
with one warning saying why), `torch` (never compile) or `compiled` (raise if it cannot be
built). Both forms give the same numbers (tests compare them); `backend()` says which is in use.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

SOURCE = Path(__file__).parent / "csrc" / "actlab_cpu.cpp"
MODES = ("auto", "torch", "compiled")


@dataclass(frozen=True)
class Backend:
    """What runs the lean and fewbit kernels on CPU float tensors in this process."""

    name: str  # "compiled" or "torch"
    isa: str | None = None  # "avx2" or "scalar" when compiled
    path: str | None = None  # the shared library
    reason: str | None = None  # why not compiled

    def describe(self) -> str:
        if self.name == "compiled":
            return f"compiled C++ ({self.isa}), {self.path}"
        return f"pure torch ({self.reason})"


class KernelBuildError(RuntimeError):
    """The fused kernels could not be compiled or loaded."""


_lock = threading.Lock()
_state: dict[str, Backend] = {}
_forced_torch = threading.local()


def mode() -> str:
    value = os.environ.get("ACTLAB_KERNELS", "auto").strip().lower() or "auto"
    if value not in MODES:
        raise ValueError(f"ACTLAB_KERNELS={value!r} is not one of {', '.join(MODES)}")
    return value


def cache_root() -> Path:
    return Path(os.environ.get("ACTLAB_KERNEL_CACHE") or "~/.cache/actlab/kernels").expanduser()


def _compiler() -> str:
    for candidate in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise KernelBuildError("no C++ compiler found (install g++ or set CXX)")


def _isa_flags() -> list[str]:
    # AVX-512 machines run the AVX2 path: it is what the kernels are written for.
    if torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512"):
        return ["-mavx2", "-mfma", "-mf16c", "-DCPU_CAPABILITY_AVX2", "-DCPU_CAPABILITY=AVX2"]
    return ["-DCPU_CAPABILITY=DEFAULT"]


def _command(cxx: str, output: Path) -> list[str]:
    torch_dir = Path(torch.__file__).parent
    include = torch_dir / "include"
    return [
        cxx,
        "-O3",
        "-std=c++20",
        "-shared",
        "-fPIC",
        "-fopenmp",  # at::parallel_for is header code: without it, one thread
        f"-D_GLIBCXX_USE_CXX11_ABI={int(torch._C._GLIBCXX_USE_CXX11_ABI)}",
        *_isa_flags(),
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


def _key(cxx: str) -> str:
    version = subprocess.run([cxx, "--version"], capture_output=True, text=True, timeout=30).stdout
    parts = [SOURCE.read_bytes().decode(), torch.__version__, str(Path(torch.__file__).parent)]
    parts += [version, " ".join(_isa_flags())]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def build(force: bool = False) -> Path:
    """Compile the kernels (or find them in the cache); the path of the shared library."""
    cxx = _compiler()
    directory = cache_root() / _key(cxx)
    directory.mkdir(parents=True, exist_ok=True)
    target, failed = directory / "actlab_cpu.so", directory / "build-failed.log"
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same key
        if target.exists() and not force:
            return target
        if failed.exists() and not force:
            raise KernelBuildError(f"an earlier build failed; see {failed}")
        partial = directory / f"actlab_cpu.{os.getpid()}.so"
        command = _command(cxx, partial)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KernelBuildError(f"running {cxx} failed: {exc}") from exc
        if done.returncode != 0:
            failed.write_text(" ".join(command) + "\n\n" + done.stderr)
            tail = done.stderr.strip().splitlines()[-3:]
            raise KernelBuildError(
                f"{cxx} exited {done.returncode}: {' / '.join(tail)}; see {failed}"
            )
        os.replace(partial, target)
        failed.unlink(missing_ok=True)
    return target


def _load() -> Backend:
    if mode() == "torch":
        return Backend("torch", reason="ACTLAB_KERNELS=torch")
    try:
        path = build()
        torch.ops.load_library(str(path))
        _register_fakes()
        _kinds.update(
            {family: list(torch.ops.actlab.kinds(family)) for family in ("mask", "smooth")}
        )
        return Backend("compiled", isa=torch.ops.actlab.isa(), path=str(path))
    except (KernelBuildError, OSError, RuntimeError) as exc:
        if mode() == "compiled":
            raise KernelBuildError(
                f"ACTLAB_KERNELS=compiled but the kernels failed: {exc}"
            ) from exc
        warnings.warn(
            f"actlab: fused CPU kernels unavailable ({exc}); impl='lean'/'fewbit' run their "
            "pure-torch form (same results, slower)",
            RuntimeWarning,
            stacklevel=3,
        )
        return Backend("torch", reason=str(exc))


def backend() -> Backend:
    """The backend of this process, building and loading the kernels on first call."""
    with _lock:
        if "backend" not in _state:
            _state["backend"] = _load()
        return _state["backend"]


@contextlib.contextmanager
def torch_path() -> Iterator[None]:
    """Within this block (this thread), kernels take their pure-torch form: to compare or time
    the two forms."""
    previous = getattr(_forced_torch, "on", False)
    _forced_torch.on = True
    try:
        yield
    finally:
        _forced_torch.on = previous


_DTYPES = {
    "mask": (torch.float32, torch.float64),
    "smooth": (torch.float32,),
    "fewbit": (torch.float32,),
}
_kinds: dict[str, list[str]] = {}


@torch.compiler.assume_constant_result
def route(family: str, name: str, device_type: str, dtype: torch.dtype) -> int:
    """The C++ kernel number that serves entry `name` on (device_type, dtype) tensors, or -1
    for the pure-torch form. family: "mask", "smooth" or "fewbit" (any name). Under
    torch.compile it runs once per trace and its result is a constant of the graph."""
    if device_type != "cpu" or dtype not in _DTYPES[family] or getattr(_forced_torch, "on", False):
        return -1
    if backend().name != "compiled":
        return -1
    if family == "fewbit":
        return 0
    kinds = _kinds[family]  # read from the library itself: the single source of truth
    return kinds.index(name) if name in kinds else -1


def _register_fakes() -> None:
    """Shapes for torch.compile's tracing (FakeTensor); the values come from the CPU kernels."""

    def like(t: torch.Tensor) -> torch.Tensor:
        return torch.empty(t.shape, dtype=t.dtype, device=t.device)

    def packed(t: torch.Tensor, planes: int) -> torch.Tensor:
        return t.new_empty((planes * ((t.numel() + 7) // 8),), dtype=torch.uint8)

    fake = torch.library.register_fake
    fake("actlab::mask_forward")(lambda x, kind, a, b: (like(x), packed(x, 1)))
    fake("actlab::mask_backward")(lambda grad, mask, slope: like(grad))
    fake("actlab::lean_mask")(lambda x, kind, a, b, slope: like(x))
    fake("actlab::smooth_forward")(lambda x, kind, p: like(x))
    fake("actlab::smooth_backward")(lambda grad, x, kind, p: like(grad))
    fake("actlab::fewbit_codes")(lambda x, boundaries, bits: packed(x, bits))
    fake("actlab::fewbit_backward")(lambda grad, codes, levels, bits: like(grad))
