"""Synthetic run records for testing the store, statistics and report without training."""

from __future__ import annotations

from actlab.experiments.config import RunConfig
from actlab.experiments.record import RunRecord
from actlab.train import Training


def run_config(
    label: str = "relu", seed: int = 0, dataset: str = "digits", epochs: int = 3, **changes
) -> RunConfig:
    name, _, rest = label.partition(":")
    params = {k: float(v) for k, v in (p.split("=") for p in rest.split(",") if p)}
    fields = dict(
        dataset=dataset,
        model="mlp",
        activation=name,
        activation_params=params,
        label=label,
        seed=seed,
        training=Training(epochs=epochs),
        model_options={"hidden": 16, "depth": 1, "dropout": 0.0},
    )
    return RunConfig(**{**fields, **changes})


def record(
    label: str, seed: int, accs: list[float], status: str = "finished", **changes
) -> RunRecord:
    """A finished run whose validation accuracy follows `accs` epoch by epoch (loss = 1 - acc)
    and whose test accuracy is the last of them."""
    epochs = tuple(
        {
            "epoch": i + 1,
            "train_loss": 1.1 - a,
            "train_acc": min(1.0, a + 0.05),
            "val_loss": 1.0 - a,
            "val_acc": a,
            "lr": 1e-3,
            "seconds": 0.01,
        }
        for i, a in enumerate(accs)
    )
    finished = status == "finished"
    return RunRecord(
        config=run_config(label, seed, epochs=max(len(accs), 1), **changes),
        status=status,
        started=f"2025-01-01T00:00:{seed:02d}.000+00:00",
        finished=f"2025-01-01T00:01:{seed:02d}.000+00:00",
        seconds=1.5,
        versions={"actlab": "0.1.0", "torch": "2.x", "python": "3.x"},
        machine={"host": "test", "cpu_count": 2, "device": "cpu"},
        epochs=epochs if finished else (),
        error=None if finished else "RuntimeError: boom",
        test_acc=accs[-1] if finished else float("nan"),
        test_loss=1.0 - accs[-1] if finished else float("nan"),
        selected_epoch=len(accs) if finished else None,
    )


def two_activation_records() -> list[RunRecord]:
    """relu clearly better than sigmoid over 3 seeds; gelu equal to relu within noise."""
    finals = {
        "relu": [0.90, 0.91, 0.92],
        "gelu": [0.905, 0.92, 0.91],
        "sigmoid": [0.80, 0.81, 0.79],
    }
    return [
        record(label, seed, [acc - 0.2, acc - 0.05, acc])
        for label, values in finals.items()
        for seed, acc in enumerate(values)
    ]
