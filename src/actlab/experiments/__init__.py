"""Experiments: typed configs, grid expansion, runners, the SQLite results store, statistics.

>>> from actlab.experiments import from_dict, run_experiment
>>> config = from_dict({"dataset": "digits", "activations": "relu,gelu", "seeds": 2, "epochs": 1})
>>> result = run_experiment(config)            # doctest: +SKIP
>>> result.summary[0].activation, result.out   # doctest: +SKIP

`actlab.compare` runs an experiment and writes its report (`actlab.comparison`).
"""

from actlab.experiments.config import (
    ConfigError,
    ExperimentConfig,
    RunConfig,
    from_dict,
    load_yaml,
    merge,
)
from actlab.experiments.execute import execute_run
from actlab.experiments.experiment import ExperimentError, Progress, run_experiment
from actlab.experiments.grid import expand
from actlab.experiments.presets import PRESETS, preset_values
from actlab.experiments.record import RunRecord
from actlab.experiments.result import ExperimentResult
from actlab.experiments.runner import LocalRunner, Runner
from actlab.experiments.stats import SummaryRow, summarise, welch
from actlab.experiments.store import ResultStore, StoreError

__all__ = [
    "PRESETS",
    "ConfigError",
    "ExperimentConfig",
    "ExperimentError",
    "ExperimentResult",
    "LocalRunner",
    "Progress",
    "ResultStore",
    "RunConfig",
    "RunRecord",
    "Runner",
    "StoreError",
    "SummaryRow",
    "execute_run",
    "expand",
    "from_dict",
    "load_yaml",
    "merge",
    "preset_values",
    "run_experiment",
    "summarise",
    "welch",
]
