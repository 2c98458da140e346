"""Time actlab's training harness against a plain hand-written PyTorch loop on the same work.

Both train the default MLP (40-500-10, ReLU, Adam lr 1e-3, batch 128, cross-entropy) on
MNIST-1D's training split (90%, the rest held out) for `epochs` epochs, tracking train
loss/accuracy per epoch, scoring the validation split after each epoch and the test split
once at the end. The plain loop is the usual pattern: `DataLoader(TensorDataset(...),
shuffle=True)`, `nn.ReLU`, `loss.item()` per batch. The harness is one `build_and_train`
call. Runs alternate (plain, harness, plain, ...) so machine load hits both alike; the ratio
is harness / plain of the fastest repeat of each (below 1: the harness is faster).

    .venv/bin/python benchmarks/bench_train_harness.py [--epochs 3] [--repeats 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from actlab.data import load
from actlab.data.splits import Splits, from_dataset
from actlab.train import Training, build_and_train, train


def user_model(hidden: int = 500) -> nn.Module:
    """A user's own network, as the README's `mymodels.build(nn.ReLU)`: two Conv1d + ReLU
    layers and a linear head, on (40,) inputs seen as one channel."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)),
        nn.Conv1d(1, 16, 5, padding=2), nn.ReLU(),
        nn.Conv1d(16, 16, 5, padding=2, stride=2), nn.ReLU(),
        nn.Flatten(), nn.Linear(16 * 20, 10),
    )  # fmt: skip


def _model(kind: str, data: Splits, hidden: int) -> nn.Module:
    if kind == "user":
        return user_model()
    return nn.Sequential(
        nn.Linear(data.input_shape[0], hidden), nn.ReLU(), nn.Linear(hidden, data.num_outputs)
    )


def plain_loop(
    data: Splits, epochs: int, seed: int = 0, hidden: int = 500, kind: str = "mlp"
) -> float:
    """The textbook loop; returns the test accuracy at the end."""
    torch.manual_seed(seed)
    model = _model(kind, data, hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(data.train.x, data.train.y), batch_size=128, shuffle=True)
    for _ in range(epochs):
        model.train()
        total_loss, correct = 0.0, 0
        for xb, yb in loader:
            optimizer.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
        model.eval()
        with torch.no_grad():
            logits = model(data.val.x)
            F.cross_entropy(logits, data.val.y).item()
            (logits.argmax(1) == data.val.y).float().mean().item()
    with torch.no_grad():
        return (model(data.test.x).argmax(1) == data.test.y).float().mean().item()


def harness(
    data: Splits, epochs: int, seed: int = 0, hidden: int = 500, kind: str = "mlp"
) -> float:
    """actlab's loop: the built-in mlp through `build_and_train`, or the user's network
    through `actlab.train.train` (the path `actlab.compare(model=...)` takes)."""
    training = Training(epochs=epochs)
    if kind == "user":
        torch.manual_seed(seed)
        return train(_model(kind, data, hidden), data, training, seed=seed, device="cpu").test_score
    _, result = build_and_train(
        data, {"kind": "mlp", "hidden": hidden}, training, seed=seed, device="cpu"
    )
    return result.test_score


def measure_harness_vs_plain(
    epochs: int = 3,
    repeats: int = 5,
    threads: int | None = None,
    hidden: int = 500,
    kind: str = "mlp",
) -> dict:
    """Seconds of the harness and the plain loop (fastest and median of `repeats`), and
    their ratio harness / plain, on MNIST-1D with the default MLP (`kind="mlp"`) or a user's
    Conv1d network (`kind="user"`), same thread count."""
    if threads is not None:
        torch.set_num_threads(threads)
    data = from_dataset(load("mnist1d"), val_fraction=0.1, val_seed=0)
    plain_loop(data, 1, hidden=hidden, kind=kind)  # warm up allocator and kernels for both
    harness(data, 1, hidden=hidden, kind=kind)
    times: dict[str, list[float]] = {"plain": [], "harness": []}
    accuracy: dict[str, float] = {}
    for _ in range(repeats):
        for name, run in (("plain", plain_loop), ("harness", harness)):
            clock = time.perf_counter()
            accuracy[name] = run(data, epochs, hidden=hidden, kind=kind)
            times[name].append(time.perf_counter() - clock)
    return {
        "dataset": "mnist1d",
        "model": "user conv1d (README mymodels)" if kind == "user" else f"mlp 40-{hidden}-10 relu",
        "epochs": epochs,
        "repeats": repeats,
        "torch_threads": torch.get_num_threads(),
        "plain_s_min": min(times["plain"]),
        "harness_s_min": min(times["harness"]),
        "plain_s_median": statistics.median(times["plain"]),
        "harness_s_median": statistics.median(times["harness"]),
        "ratio_min": min(times["harness"]) / min(times["plain"]),
        "ratio_median": statistics.median(times["harness"]) / statistics.median(times["plain"]),
        "final_test_acc": accuracy,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--model", choices=("mlp", "user"), default="mlp", help="which network")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = measure_harness_vs_plain(args.epochs, args.repeats, args.threads, kind=args.model)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['model']} on {result['dataset']}, {result['epochs']} epochs, "
        f"{result['torch_threads']} torch threads, best of {result['repeats']}"
    )
    print(
        f"  plain PyTorch loop  {result['plain_s_min']:.3f} s  (median {result['plain_s_median']:.3f})"
    )
    print(
        f"  actlab harness      {result['harness_s_min']:.3f} s  (median {result['harness_s_median']:.3f})"
    )
    print(f"  ratio harness/plain {result['ratio_min']:.2f}  (median {result['ratio_median']:.2f})")


if __name__ == "__main__":
    main()
