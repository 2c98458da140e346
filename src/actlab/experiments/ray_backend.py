"""The Ray backend: each run of a grid is a Ray task on a cluster (or on a Ray instance
started on this machine for the command); the driver stays the only writer of the store.

`RayRunner` fits the `Runner` interface of `runner.py`: it submits `execute_run` per config as
a task with its resource request (`cpus_per_run`, `gpus_per_run`), keeps as many tasks in
flight as the cluster fits (or `workers`), and yields each record as its task finishes
(`ray.wait`), so the experiment commits it at once: a `kill -9` of the driver loses no finished
run, and Ray ends the driver's tasks with it.

What reaches the workers:
- actlab and torch must be installed on every node (the report lists versions per run);
- the user's `module:function` factories and the classes of objects given to `actlab.compare`
  live in modules of the user's code: each such top-level module or package is shipped with
  Ray's runtime environment (`ray_env.py`), unless `ray_runtime_env` ships it already (its
  `working_dir` or `py_modules`); `ray_runtime_env` adds anything else (helper modules,
  env_vars, pip packages);
- objects given to `actlab.compare` (``python:NAME`` sources) are put into Ray's object store
  once and installed in each worker process once.

A worker or node that dies (killed, out of memory, a lost node) has its run submitted again,
up to `max_retries` times; a run that still fails is stored as failed with Ray's error and the
grid goes on. An exception inside a run is not retried: it would fail again, and
`execute_run` already records it as a failed run.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ray
import ray.exceptions as rex

from actlab.experiments.config import RunConfig
from actlab.experiments.errors import BackendError
from actlab.experiments.execute import execute_run, versions
from actlab.experiments.ray_env import runtime_env, user_modules
from actlab.experiments.record import RunRecord
from actlab.experiments.sources import install_objects, is_object, registered_objects

# A worker or node that died: running the same task again may well succeed.
RETRIED = (
    rex.WorkerCrashedError,
    rex.NodeDiedError,
    rex.LocalRayletDiedError,
    rex.OutOfMemoryError,
    rex.ObjectLostError,
)
# Workers' output is not forwarded: Ray would print it on the driver's stdout, where `--json`
# writes; a run's error and traceback are in its record, the rest in the Ray session's logs.
LOG_TO_DRIVER = False
# The object store of a Ray instance started for one command: it holds the configs, the
# records and the objects given to the Python API, so a small one is plenty.
LOCAL_OBJECT_STORE_BYTES = 200 * 2**20


def _usable_cores() -> int:
    """Cores this process may run on: what a Ray instance of this machine offers."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# -- on the worker ------------------------------------------------------------------------------

_INSTALLED: set[str] = set()  # object-store refs whose Python-API objects this worker holds


def _run_task(config: RunConfig, boxed_objects: list, threads: int) -> RunRecord:
    """One run in a Ray worker: install the API's objects (once per worker), set the torch
    threads to the request, run, and note which node ran it."""
    import torch

    if not ray.get_gpu_ids():
        # Ray leaves a node's GPUs visible to a task that requested none; such a run must not
        # take one (`--device auto` trains on CPU), so hide them before CUDA starts here.
        os.environ["CUDA_VISIBLE_DEVICES"] = ""

    if boxed_objects:  # boxed in a list, so Ray hands over the ref, not a fresh copy per task
        ref = boxed_objects[0]
        if ref.hex() not in _INSTALLED:
            install_objects(ray.get(ref))
            _INSTALLED.add(ref.hex())
    torch.set_num_threads(threads)
    record = execute_run(config)
    node = ray.get_runtime_context().get_node_id()
    return dataclasses.replace(record, machine={**record.machine, "ray_node": node[:12]})


_REMOTE = ray.remote(_run_task)


# -- on the driver ------------------------------------------------------------------------------


@dataclasses.dataclass
class _Task:
    config: RunConfig
    attempt: int
    submitted: str
    clock: float


class RayRunner:
    """Run configs as Ray tasks; connect at the first `run`, disconnect at `close`.

    `address` None starts a Ray instance on this machine (its CPUs, no dashboard, a small
    object store) and shuts it down at `close`; otherwise joins the cluster there ('auto',
    HOST:PORT, ray://HOST:PORT). In a process where Ray is already initialised, that
    connection and its runtime environment are used (nothing is shipped) and left open.
    `workers` caps the runs in flight (None: as many as the cluster's resources fit);
    `threads` None means torch threads = CPUs requested.
    """

    def __init__(
        self,
        address: str | None = None,
        cpus_per_run: float = 1.0,
        gpus_per_run: float = 0.0,
        max_retries: int = 2,
        workers: int | None = None,
        threads: int | None = None,
        runtime_env: Mapping[str, Any] | None = None,
        sources: Iterable[str] = (),
    ) -> None:
        self.address, self.cpus, self.gpus = address, float(cpus_per_run), float(gpus_per_run)
        self.max_retries, self.workers = max_retries, workers
        self.threads = threads if threads is not None else max(1, int(self.cpus))
        self.given_env, self.sources = runtime_env, tuple(sources)
        self.plan: tuple[int, int] | None = None  # (runs in flight at most, threads per run)
        self.info: dict[str, Any] = {}  # backend, cluster and request, for the report
        self.retried = 0
        self._connected = self._owned = False
        self._temp_dir: str | None = None
        self._token_env: tuple[str, ...] = ()  # set for a local instance, removed at close
        self._stdout: Any = None  # sys.stdout while connected (Ray's notices go to stderr)
        self._env: dict[str, Any] = {}
        self._objects: list = []

    @classmethod
    def for_config(cls, config: Any) -> RayRunner:
        """The runner an `ExperimentConfig` with backend 'ray' asks for (None: Ray defaults)."""
        sources = [*config.models, *config.datasets, *config.metrics.values()]
        return cls(
            address=config.ray_address,
            cpus_per_run=1.0 if config.cpus_per_run is None else config.cpus_per_run,
            gpus_per_run=0.0 if config.gpus_per_run is None else config.gpus_per_run,
            max_retries=2 if config.max_retries is None else config.max_retries,
            workers=config.workers,
            threads=config.threads,
            runtime_env=config.ray_runtime_env,
            sources=[s for s in [*sources, config.loss_fn] if s],
        )

    # -- connection -------------------------------------------------------------------------

    def connect(self) -> None:
        if self._connected:
            return
        # Ray prints its notices ("a worker died ...") on sys.stdout, where `--json` writes
        # the summary: while connected, they go to stderr, beside the progress bar.
        self._stdout, sys.stdout = sys.stdout, sys.stderr
        try:
            # The job's runtime environment: Ray uploads local files only at ray.init.
            self._env = runtime_env(self.given_env, user_modules(self.sources))
            if ray.is_initialized():
                self._env = {}  # the caller's connection and runtime environment are used
            elif self.address is None:
                self._start_local()
            else:
                self._join()
            self._connected = True
            self._describe()
            objects = registered_objects({s for s in self.sources if is_object(s)})
            self._objects = [ray.put(objects)] if objects else []
        except BaseException:
            self.close()
            raise

    def _join(self) -> None:
        try:
            ray.init(
                address=self.address,
                runtime_env=self._env or None,
                logging_level=logging.WARNING,
                log_to_driver=LOG_TO_DRIVER,
            )
        except Exception as error:
            raise BackendError(
                f"cannot join the Ray cluster at {self.address!r}{self._with_env()}: "
                f"{type(error).__name__}: {error}. Start one with `ray start --head`, or "
                "leave out --ray-address to run on a Ray instance started on this machine"
            ) from None
        self._owned = True

    def _start_local(self) -> None:
        # A private temp dir: this instance neither uses nor replaces another's session files.
        # Ray's sockets live in it and a socket path has at most 107 bytes: a short base.
        base = tempfile.gettempdir()
        if len(base) > 40 and Path("/tmp").is_dir():
            base = "/tmp"
        self._temp_dir = tempfile.mkdtemp(prefix="actlab-ray-", dir=base)
        # Ray's servers listen on every interface, so Ray turns on token authentication for
        # a new local instance, writing a lasting ~/.ray/auth_token that later `ray start`
        # commands pick up. Give it a token for this instance only, in the environment its
        # processes inherit (Ray sets RAY_AUTH_MODE itself); a user's own setup is kept.
        if not {"RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"} & set(os.environ):
            self._token_env = ("RAY_AUTH_TOKEN", "RAY_AUTH_MODE")
            os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
        try:
            ray.init(
                address="local",
                num_cpus=_usable_cores(),
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                runtime_env=self._env or None,
                logging_level=logging.WARNING,
                log_to_driver=LOG_TO_DRIVER,
                _temp_dir=self._temp_dir,
            )
        except Exception as error:
            raise BackendError(
                f"cannot start a Ray instance on this machine{self._with_env()}: "
                f"{type(error).__name__}: {error}"
            ) from None
        self._owned = True

    def _with_env(self) -> str:
        return f" with the runtime environment {self._env}" if self._env else ""

    def _describe(self) -> None:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        total = ray.cluster_resources()
        fits = [n for n in nodes if self._fits(n.get("Resources", {}))]
        if not fits and self._temp_dir is not None:  # a local instance never grows
            raise BackendError(
                f"a run requests {self.cpus:g} CPU(s) and {self.gpus:g} GPU(s), more than this "
                f"machine has ({total.get('CPU', 0):g} CPU(s), {total.get('GPU', 0):g} GPU(s)); "
                "lower --cpus-per-run / --gpus-per-run"
            )
        self.info = {
            "backend": "ray",
            "ray": ray.__version__,
            "address": self.address or "a local instance started for the command",
            "nodes": len(nodes),
            "cpus": total.get("CPU", 0.0),
            "gpus": total.get("GPU", 0.0),
            "cpus_per_run": self.cpus,
            "gpus_per_run": self.gpus,
            "max_retries": self.max_retries,
            "retried": self.retried,
        }

    def _fits(self, resources: Mapping[str, float]) -> bool:
        return resources.get("CPU", 0.0) >= self.cpus and resources.get("GPU", 0.0) >= self.gpus

    def close(self) -> None:
        """Disconnect; shut down the Ray instance this runner started (and remove its files)."""
        if self._owned and ray.is_initialized():
            ray.shutdown()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
        for key in self._token_env:
            os.environ.pop(key, None)
        if self._stdout is not None:
            sys.stdout, self._stdout = self._stdout, None
        self._connected = self._owned = False
        self._temp_dir, self._token_env = None, ()

    # -- runs -------------------------------------------------------------------------------

    def _capacity(self) -> int:
        """Runs in flight: `workers`, else what the cluster's resources fit now (at least 1)."""
        if self.workers is not None:
            return self.workers
        total = ray.cluster_resources()
        fit = total.get("CPU", 0.0) // self.cpus
        if self.gpus > 0:
            fit = min(fit, total.get("GPU", 0.0) // self.gpus)
        return max(1, int(fit))

    def _submit(self, task: _Task) -> Any:
        c = task.config
        options: dict[str, Any] = {
            "num_cpus": self.cpus,
            "num_gpus": self.gpus,
            "max_retries": 0,  # retried here, so the attempts are counted and reported
            "name": f"actlab {c.label} seed {c.seed}",
        }
        return _REMOTE.options(**options).remote(c, self._objects, self.threads)

    def run(self, configs: Iterable[RunConfig], count: int | None = None) -> Iterator[RunRecord]:
        queue = iter(configs)
        first = next(queue, None)
        if first is None:
            return
        self.connect()
        queue = itertools.chain([first], queue)
        pending: dict[Any, _Task] = {}
        try:
            while True:
                capacity = self._capacity()
                self.plan = (capacity, self.threads)
                for config in itertools.islice(queue, max(0, capacity - len(pending))):
                    task = _Task(config, 1, _now(), time.perf_counter())
                    pending[self._submit(task)] = task
                if not pending:
                    break
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    record = self._collect(ref, pending.pop(ref), pending)
                    if record is not None:
                        yield record
        finally:
            self.info["retried"] = self.retried
            for ref in pending:  # an early stop: nothing goes on running on the cluster
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # already finished or gone with its node
                    pass

    def _collect(self, ref: Any, task: _Task, pending: dict[Any, _Task]) -> RunRecord | None:
        """The finished task's record; None when its run was submitted again."""
        try:
            return ray.get(ref)
        except RETRIED as error:
            if task.attempt <= self.max_retries:
                self.retried += 1
                again = dataclasses.replace(task, attempt=task.attempt + 1)
                pending[self._submit(again)] = again
                return None
            why = (
                f"its Ray worker died in each of {task.attempt} attempt(s) "
                f"(max_retries {self.max_retries})"
            )
            return self._failed(task, why, error)
        except rex.RuntimeEnvSetupError as error:
            raise BackendError(
                f"Ray could not set up the runs' runtime environment ({self._env or 'none'}): "
                f"{error}"
            ) from None
        except rex.RayError as error:
            return self._failed(task, "Ray could not run it", error)

    def _failed(self, task: _Task, why: str, error: Exception) -> RunRecord:
        c = task.config
        detail = str(error).strip()
        return RunRecord(
            config=c,
            status="failed",
            started=task.submitted,
            finished=_now(),
            seconds=time.perf_counter() - task.clock,
            versions=versions(),
            machine={"host": "unknown (no Ray worker finished the run)"},
            error=f"{type(error).__name__}: {why}\n{detail[:4000]}",
            metric="r2" if c.training.task == "regression" else "accuracy",
        )
