"""The plain-PyTorch baseline of bench_compare_e2e.py: what a user would write by hand.

It does the work of `actlab compare --activations A,B --epochs E --seeds S` on MNIST-1D with
the default 40-500-10 MLP: read the cached MNIST-1D arrays, standardise with the training
set's statistics, hold out 10% of the training set for validation, then per activation and
seed build the MLP, train it with Adam (lr 1e-3, batch 128), score the validation split
after every epoch and the test split once at the end, and print the mean test accuracy per
activation. No statistics, figures, store or report: only the training.

    python benchmarks/plain_compare.py NPZ --activations relu,tanh --epochs 10 --seeds 2
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU, "elu": nn.ELU}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("npz")
    ap.add_argument("--activations", default="relu,tanh")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()

    with np.load(args.npz) as data:
        x, y, x_test, y_test = (data[k] for k in ("x", "y", "x_test", "y_test"))
    mean, std = x.mean(), x.std()
    x, x_test = (x - mean) / std, (x_test - mean) / std
    order = np.random.default_rng(0).permutation(len(y))
    val, train = order[: len(y) // 10], order[len(y) // 10 :]
    tensors = [torch.tensor(a, dtype=torch.float32) for a in (x[train], x[val], x_test)]
    labels = [torch.tensor(a, dtype=torch.long) for a in (y[train], y[val], y_test)]
    (x_tr, x_va, x_te), (y_tr, y_va, y_te) = tensors, labels

    for name in args.activations.split(","):
        scores = []
        for seed in range(args.seeds):
            torch.manual_seed(seed)
            model = nn.Sequential(nn.Linear(40, 500), ACTIVATIONS[name](), nn.Linear(500, 10))
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            for _ in range(args.epochs):
                model.train()
                for index in torch.randperm(len(y_tr)).split(128):
                    loss = F.cross_entropy(model(x_tr[index]), y_tr[index])
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    (model(x_va).argmax(1) == y_va).float().mean().item()
            with torch.no_grad():
                scores.append((model(x_te).argmax(1) == y_te).float().mean().item())
        print(f"{name}: mean test accuracy {100 * np.mean(scores):.2f}% over {args.seeds} seeds")


if __name__ == "__main__":
    main()
