"""Run the suite (`actlab bench suite`): one resumable experiment per setting, then the
evidence file and the benchmark page.

Each setting's runs go to ``OUT/<setting>/results.sqlite`` through `run_experiment`, which
skips every run already finished there: killing the command loses at most the runs in
flight, and running it again carries on. ``OUT/suite-log.json`` keeps one line per
invocation (start, end, seconds, settings). The wall time reported for the suite (and per
setting) is the union of its runs' intervals, tuning runs included: it spans interruptions
and parallel invocations without counting the idle time between them.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from actlab.advise.evidence import Evidence, SettingEvidence, from_summary
from actlab.advise.suite import (
    BASELINE,
    SEEDS,
    SUITE_VERSION,
    TUNE_LR,
    SuiteSetting,
    experiment_values,
    select,
)


def suite_config(
    s: SuiteSetting,
    out: Path,
    *,
    seeds: int | Sequence[int] = SEEDS,
    tune_lr: Sequence[float] = TUNE_LR,
    activations: Sequence[str] | None = None,
    epochs: int | None = None,
    run_options: dict[str, Any] | None = None,
):
    """The `ExperimentConfig` of setting `s`, writing to ``out/<name>``."""
    from actlab.experiments import from_dict

    values = experiment_values(
        s, seeds=seeds, tune_lr=tune_lr, activations=activations, epochs=epochs
    )
    values.update(run_options or {})
    values["out"] = str(out / s.name)
    return from_dict(values, source=f"suite setting {s.name}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_suite(
    out: str | Path,
    settings: Sequence[str] | None = None,
    *,
    seeds: int | Sequence[int] = SEEDS,
    tune_lr: Sequence[float] = TUNE_LR,
    activations: Sequence[str] | None = None,
    epochs: int | None = None,
    run_options: dict[str, Any] | None = None,
    progress: Callable[[str, Any], None] | None = None,
    train: bool = True,
) -> Evidence:
    """Run (or resume) the chosen settings and return their evidence.

    With ``train=False`` nothing is trained: the evidence is what the stores hold now. A
    setting then keeps only its complete cells (every seed of the activation finished); the
    others are listed as missing, and a setting without one complete cell is left out.

    A setting whose folder another invocation holds is skipped (`meta["last_skipped"]`
    says why), so two invocations may share the work: each trains what the other is not.

    `run_options` are `ExperimentConfig` keys that decide where runs execute and not what
    they compute (``workers``, ``threads``, ``backend``, ``ray_address``, ...).
    """
    from actlab.experiments import run_experiment

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started, clock = _now(), time.perf_counter()
    entries: list[SettingEvidence] = []
    records_seen: list[Any] = []
    ran: dict[str, int] = {}
    skipped: dict[str, str] = {}
    chosen = select(settings)
    for s in chosen:
        held = _in_use(out / s.name)
        if held is None and not train and not (out / s.name / "results.sqlite").is_file():
            held = "nothing run yet"
        if held is not None:  # another invocation is running this setting: do the others
            skipped[s.name] = held
            if progress:
                progress(s.name, held)
            continue
        config = suite_config(
            s, out, seeds=seeds, tune_lr=tune_lr, activations=activations, epochs=epochs,
            run_options=run_options,
        )  # fmt: skip
        if progress:
            progress(s.name, None)
        result = run_experiment(
            config,
            progress=(lambda e, n=s.name: progress(n, e)) if progress else None,
            runner=None if train else _NoTraining(),
        )
        missing = _missing(config, result.records)
        rows, records = result.summary, result.records
        if not train:  # a cell still being trained is pending, not evidence
            pending = {m.rsplit(" seed ", 1)[0] for m in missing}
            rows = [row for row in rows if row.activation not in pending]
            records = [r for r in records if r.config.label not in pending]
            if not rows:
                skipped[s.name] = "no activation has all its runs yet"
                if progress:
                    progress(s.name, skipped[s.name])
                continue
        entries.append(
            from_summary(
                s.name,
                s.summary,
                s.setting.to_dict(),
                rows,
                records,
                epochs=config.training.epochs,
                missing=missing,
                config=_public(
                    experiment_values(
                        s, seeds=seeds, tune_lr=tune_lr, activations=activations, epochs=epochs
                    )
                ),
            )
        )
        records_seen += [r for r in records if r.status == "finished"]
        ran[s.name] = result.n_ran
    seconds = time.perf_counter() - clock
    _log(out, started, seconds, [s.name for s in chosen])
    meta = _meta(out, records_seen, seeds, tune_lr, [e.name for e in entries])
    meta["last_seconds"] = round(seconds, 1)
    meta["last_ran"] = ran
    meta["last_skipped"] = skipped
    return Evidence(tuple(entries), meta)


class _NoTraining:
    """The runner of ``train=False``: it trains nothing, so an experiment only reads its store."""

    def run(self, configs: Any, count: int | None = None) -> Any:
        return iter(())


def _in_use(directory: Path) -> str | None:
    """Why `directory` cannot be used now (another command holds its lock), else None."""
    from actlab.experiments.lock import DirectoryLockedError, experiment_lock

    if not directory.is_dir():
        return None
    try:
        with experiment_lock(directory):
            return None
    except DirectoryLockedError as error:
        return str(error)


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}


def _missing(config: Any, records: Sequence[Any]) -> list[str]:
    """'activation seed N' for every final run of the config that has not finished."""
    done = {(r.config.label, r.config.seed) for r in records if r.status == "finished"}
    from actlab.experiments.grammar import activation_choices

    return [
        f"{c.label} seed {seed}"
        for c in activation_choices(config.activations)
        for seed in config.seeds
        if (c.label, seed) not in done
    ]


def _log(out: Path, started: str, seconds: float, names: list[str]) -> None:
    line = {"started": started, "finished": _now(), "seconds": round(seconds, 1), "settings": names}
    with open(out / "suite-log.json", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def run_spans(out: str | Path, settings: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(started, finished) of every run, tuning runs included, in the stores of `settings`
    under `out` (None: every setting's store there)."""
    from actlab.experiments import ResultStore

    out = Path(out)
    if settings is None:
        folders = sorted(out.iterdir()) if out.is_dir() else []
    else:
        folders = [out / name for name in settings]
    spans = []
    for directory in folders:
        if (directory / "results.sqlite").is_file():
            with ResultStore(directory) as store:
                spans += [(r.started, r.finished) for r in store.records()]
    return spans


def covered_seconds(spans: Sequence[tuple[str, str]]) -> float:
    """Seconds during which at least one run was training: the union of the run intervals.
    This is the suite's wall time across interruptions and parallel invocations, without
    the idle time between them."""
    parse = datetime.fromisoformat
    intervals = sorted((parse(a).timestamp(), parse(b).timestamp()) for a, b in spans)
    total, end = 0.0, float("-inf")
    for a, b in intervals:
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def invocations(out: str | Path) -> list[dict[str, Any]]:
    """The lines of ``OUT/suite-log.json``: one per `actlab bench suite` invocation."""
    path = Path(out) / "suite-log.json"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _meta(
    out: Path, records: Sequence[Any], seeds: Any, tune_lr: Sequence[float], names: list[str]
) -> dict[str, Any]:
    """Where and how the evidence of the settings `names` was measured; the wall times count
    the runs of those settings only."""
    versions: dict[str, set[str]] = {}
    machines: dict[str, dict[str, Any]] = {}
    for r in records:
        for k, v in r.versions.items():
            versions.setdefault(k, set()).add(str(v))
        m = r.machine
        machines.setdefault(
            str(m.get("host")),
            {k: m.get(k) for k in ("platform", "processor", "cpu_count", "device")},
        )
    log = invocations(out)
    spans = run_spans(out, names)
    return {
        "suite_version": SUITE_VERSION,
        "created": _now(),
        "protocol": {
            "seeds": list(seeds) if not isinstance(seeds, int) else list(range(seeds)),
            "tune_lr": list(tune_lr),
            "tune_seeds": 1,
            "lr_choice": "best mean validation score on the first seed, per activation and setting",
            "select": "the epoch with the best validation score is tested",
            "baseline": BASELINE,
            "statistics": "95% t-interval over seeds; Welch's t-test vs relu, Holm-adjusted within each setting",
        },
        "versions": {k: sorted(v) for k, v in versions.items()},
        "machines": machines,
        "python": platform.python_version(),
        "runs": len(records),
        "run_seconds": round(sum(r.seconds for r in records), 1),
        "wall_seconds": round(covered_seconds(spans), 1),
        "setting_wall_seconds": {
            name: round(covered_seconds(run_spans(out, [name])), 1) for name in names
        },
        "first_run_started": min((a for a, _ in spans), default=None),
        "last_run_finished": max((b for _, b in spans), default=None),
        "all_runs": len(spans),
        "invocations": len(log),
    }
