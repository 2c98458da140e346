"""Runners carry out run configs and yield finished run records, in whatever order they finish.

`Runner` is the interface: `run(configs) -> Iterator[RunRecord]`. `LocalRunner` runs in this
process (one concurrent run) or in a pool of N worker processes. The Ray backend
(`ray_backend.RayRunner`) fits the same shape: it submits `execute_run` per config as a Ray
task and yields records as they finish.

Threads: a run trains with `threads` torch threads — by default the cores that are free now
divided by the number of concurrent runs (one busy machine made a single run 17× slower
with every core's thread than with one). Workers start by `fork` on Linux when each uses one
thread (they inherit the imported torch and the loaded data, so starting costs milliseconds,
not a 3-second import each); otherwise by `spawn`. Either way a worker exits when the driver
dies (parent-death signal), so a `kill -9` of the command leaves no orphan behind.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Protocol

from actlab.experiments.config import RunConfig
from actlab.experiments.execute import execute_run
from actlab.experiments.record import RunRecord


class Runner(Protocol):
    """Anything that turns run configs into finished run records (in completion order)."""

    def run(self, configs: Iterable[RunConfig], count: int | None = None) -> Iterator[RunRecord]:
        """Records of `configs` (`count` of them, when the caller knows) as they finish."""
        ...


def _cpu_times() -> tuple[float, float] | None:
    try:
        with open("/proc/stat") as handle:
            fields = [float(v) for v in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return idle, sum(fields)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def free_cores(sample_seconds: float = 0.1) -> int:
    """Cores not busy with other processes right now: the machine's idle share over a short
    sample, plus what this process itself used meanwhile; at least 1."""
    cores = usable_cores()
    before, own = _cpu_times(), time.process_time()
    if before is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        return max(1, min(cores, round(cores - load)))
    time.sleep(sample_seconds)
    after, own = _cpu_times(), time.process_time() - own
    idle, total = after[0] - before[0], after[1] - before[1]
    if total <= 0:
        return cores
    machine_cores = os.cpu_count() or cores
    free = machine_cores * idle / total + own / sample_seconds
    return max(1, min(cores, int(free + 0.5)))


def plan_threads(workers: int, runs: int, threads: int | None) -> tuple[int, int]:
    """(concurrent runs, torch threads per run) for `runs` runs on this machine."""
    concurrent = max(1, min(workers, runs))
    if threads is not None:
        return concurrent, threads
    return concurrent, max(1, free_cores() // concurrent)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_init(threads: int, parent: int, objects: dict[str, Any]) -> None:
    import torch

    _die_with_parent()
    if os.getppid() != parent:  # the driver died before the signal was armed
        os._exit(1)
    torch.set_num_threads(threads)
    if objects:
        from actlab.experiments.sources import install_objects

        install_objects(objects)


def _context(threads: int) -> multiprocessing.context.BaseContext:
    """fork where it is safe and fast (Linux, one thread per worker, no CUDA yet); else spawn.

    A forked child may not use more than one OpenMP thread: GNU libgomp's pool does not
    survive fork (measured here: a 2-thread matmul in a forked child hangs)."""
    import torch

    cuda_started = torch.cuda.is_available() and torch.cuda.is_initialized()
    if sys.platform.startswith("linux") and threads == 1 and not cuda_started:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class LocalRunner:
    """Run configs on this machine: in this process (`workers=1`) or in N worker processes.

    `threads` fixes torch threads per run (None: free cores // concurrent runs).
    """

    def __init__(self, workers: int = 1, threads: int | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers, self.threads = workers, threads
        self.plan: tuple[int, int] | None = None  # (concurrent runs, threads), once known

    def run(self, configs: Iterable[RunConfig], count: int | None = None) -> Iterator[RunRecord]:
        import torch

        if count is None:
            configs = list(configs)
            count = len(configs)
        if count == 0:
            return
        concurrent, threads = plan_threads(self.workers, count, self.threads)
        self.plan = (concurrent, threads)
        if concurrent == 1:
            previous = torch.get_num_threads()
            torch.set_num_threads(threads)
            try:
                for config in configs:
                    yield execute_run(config)
            finally:
                torch.set_num_threads(previous)
            return
        yield from self._pool(configs, concurrent, threads)

    def _pool(
        self, configs: Iterable[RunConfig], workers: int, threads: int
    ) -> Iterator[RunRecord]:
        from actlab.experiments.sources import registered_objects

        context = _context(threads)
        # Forked workers inherit the API's objects; spawned ones get them pickled, once.
        objects = registered_objects() if context.get_start_method() != "fork" else {}
        pool = ProcessPoolExecutor(workers, context, _worker_init, (threads, os.getpid(), objects))
        queue = iter(configs)  # submitted a few at a time: the grid is never all in memory
        pending = {pool.submit(execute_run, c) for c in itertools.islice(queue, 2 * workers)}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                pending |= {pool.submit(execute_run, c) for c in itertools.islice(queue, len(done))}
                for future in done:
                    yield future.result()
        finally:
            if pending:
                # An early stop (Ctrl-C, an error, a closed generator) drops the queued runs
                # and ends the workers now: no run goes on in the background.
                for future in pending:
                    future.cancel()
                for process in list((pool._processes or {}).values()):
                    if process.is_alive():
                        process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)


DEFAULT_WORKERS = 2  # runs at once on the local backend when the config leaves it to us


def runner_for(config: Any) -> Runner:
    """The runner an `ExperimentConfig` asks for (the single place to add backends).

    The Ray backend is imported only here, so actlab without the `ray` extra never needs Ray.
    """
    if config.backend == "ray":
        from actlab.experiments.ray_backend import RayRunner

        return RayRunner.for_config(config)
    workers = DEFAULT_WORKERS if config.workers is None else config.workers
    return LocalRunner(workers, config.threads)
