"""Rung-0 budget study for `actlab search`: how well does a cheap first-rung score rank core1
candidates the way a longer, multi-seed training does?

A fixed sample of core1 candidates (`--sample` drawn at random from the distinct candidates,
seeded, plus ReLU, Swish-1 and the eight top functions of Ramachandran et al. 2017, Fig. 3)
is trained on the search's proxy task (MNIST-1D, the search's MLP and optimiser):

- seed 0 for max(`--cheap`) epochs. The schedule is constant, so the validation score after
  epoch k of this run *is* the score of a k-epoch run (the same seed gives the same batches;
  the store of the first core1 search shows rung 0's 1-epoch runs equal to epoch 1 of rung
  1's 3-epoch runs, digit for digit). One run gives every cheap budget;
- seeds 1 .. `--reference-seeds` for `--reference-epochs` epochs: the reference, the mean
  validation accuracy of the last epoch. Its seeds are not the cheap budget's, so a cheap
  score and the reference share no run.

For each cheap budget it reports Spearman's ρ with the reference (95% bootstrap interval over
candidates), the share of the reference's top fifth that the cheap budget keeps in its top
fifth (what η = 5 promotes), and where ReLU ranks. Fitness by validation loss at the cheap
budget is reported too. Every run is in an experiment store under `--out`, so the study
resumes if killed.

    nice -n 10 .venv/bin/python benchmarks/search_rung0_budget.py [--quick] [--sample 120]
        [--cheap 1,2,3,5] [--reference-epochs 15] [--reference-seeds 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from actlab.experiments.experiment import run_experiment
from actlab.experiments.runner import runner_for
from actlab.search.config import SearchConfig
from actlab.search.families import shape_class
from actlab.search.fingerprint import Pool
from actlab.search.stages import Reporter, stage_config
from actlab.search.strategies import exhaustive

# Ramachandran, Zoph & Le 2017, Figure 3: the top novel activation functions of their searches.
PAPER_TOP = (
    "x*sigmoid(beta*x)",
    "max(x, sigmoid(x))",
    "cos(x) - x",
    "min(x, sin(x))",
    "atan(x)^2 - x",
    "max(x, tanh(x))",
    "sinc(x) + x",
    "x*asinh(x)^2",
)
ALWAYS = ("relu(x)", "x*sigmoid(x)", *PAPER_TOP)


def sample_candidates(size: int, seed: int) -> tuple[list, dict[str, str]]:
    """`size` random distinct core1 candidates plus ALWAYS (as the pool represents them), and
    the map from each ALWAYS text to its candidate's label."""
    pool = Pool()
    every = exhaustive(SearchConfig().search_space, pool)
    chosen = random.Random(seed).sample(every, min(size, len(every)))
    named = {}
    for text in ALWAYS:
        found = pool.add(text)
        if found is None:
            raise SystemExit(f"{text} is not a finite, non-constant function")
        named[text] = found.label
        if all(c.key != found.key for c in chosen):
            chosen.append(found)
    return chosen, named


def train(config, labels, epochs, seeds, out, first_seed, runner, reporter, name):
    stage = stage_config(config, labels, epochs, seeds, out, first_seed=first_seed)
    result = run_experiment(stage, progress=reporter.start(name), runner=runner)
    return result.records


def ranks(values: np.ndarray) -> np.ndarray:
    """1 = best (highest), ties by order."""
    order = np.argsort(-values, kind="stable")
    out = np.empty(len(values), dtype=int)
    out[order] = np.arange(1, len(values) + 1)
    return out


def top_share(cheap: np.ndarray, reference: np.ndarray, fraction: float = 0.2) -> float:
    keep = max(1, int(round(len(cheap) * fraction)))
    best = set(np.argsort(-reference, kind="stable")[:keep])
    kept = set(np.argsort(-cheap, kind="stable")[:keep])
    return len(best & kept) / keep


def bootstrap_rho(a: np.ndarray, b: np.ndarray, rounds: int = 2000, seed: int = 0):
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        idx = rng.integers(0, len(a), len(a))
        values.append(spearmanr(a[idx], b[idx]).statistic)
    return float(np.nanpercentile(values, 2.5)), float(np.nanpercentile(values, 97.5))


def bootstrap_gain(a, b, ref, rounds: int = 2000, seed: int = 0):
    """95% paired bootstrap interval of ρ(a, ref) − ρ(b, ref), the same resamples for both."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        idx = rng.integers(0, len(a), len(a))
        values.append(spearmanr(a[idx], ref[idx]).statistic - spearmanr(b[idx], ref[idx]).statistic)
    return float(np.nanpercentile(values, 2.5)), float(np.nanpercentile(values, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=120, help="random core1 candidates")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random sample")
    parser.add_argument("--cheap", default="1,2,3,5", help="cheap budgets in epochs (seed 0)")
    parser.add_argument("--reference-epochs", type=int, default=15)
    parser.add_argument("--reference-seeds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="runs/bench-rung0-budget")
    parser.add_argument("--quick", action="store_true", help="12 candidates, 4-epoch reference")
    args = parser.parse_args()
    if args.quick:
        args.sample, args.reference_epochs, args.cheap = 12, 4, "1,2"
        args.out = args.out + "-quick"
    cheap = sorted({int(p) for p in args.cheap.split(",")})
    out = Path(args.out)
    config = SearchConfig(workers=args.workers)
    candidates, named = sample_candidates(args.sample, args.seed)
    labels = [c.label for c in candidates]
    relu = named["relu(x)"]  # expr:relu(x), the function the search's baseline "relu" is
    shapes = {c.label: shape_class(c.values) for c in candidates}
    runner, reporter = runner_for(stage_config(config, labels, 1, 1, out)), Reporter()
    clock = time.perf_counter()
    try:
        short = train(config, labels, max(cheap), 1, out, 0, runner, reporter, "cheap (seed 0)")
        long = train(config, labels, args.reference_epochs, args.reference_seeds, out, 1,
                     runner, reporter, "reference")  # fmt: skip
    finally:
        if hasattr(runner, "close"):
            runner.close()
    seconds = time.perf_counter() - clock
    by_label = {r.config.label: r for r in short if r.status == "finished"}
    reference: dict[str, list[float]] = {}
    for r in long:
        if r.status == "finished" and r.epochs:
            reference.setdefault(r.config.label, []).append(r.epochs[-1]["val_acc"])
    kept = [label for label in labels if label in by_label and label in reference]
    ref = np.array([np.mean(reference[label]) for label in kept])
    rows, first = [], None
    for epochs in cheap:
        for metric in ("val_acc", "val_loss"):
            sign = 1.0 if metric == "val_acc" else -1.0
            score = np.array([sign * by_label[label].epochs[epochs - 1][metric] for label in kept])
            score = np.nan_to_num(score, nan=-np.inf)
            rho = float(spearmanr(score, ref).statistic)
            low, high = bootstrap_rho(score, ref)
            if first is None:
                first = score  # the smallest budget by val_acc: what the others are against
            gain = bootstrap_gain(score, first, ref)
            rows.append({
                "budget": f"{epochs} epoch{'s' if epochs > 1 else ''} x 1 seed",
                "epochs": epochs, "fitness": metric, "spearman": rho, "ci95": [low, high],
                "gain_vs_first_ci95": gain,
                "top_fifth_kept": top_share(score, ref),
                "relu_rank": int(ranks(score)[kept.index(relu)]),
            })  # fmt: skip
    ref_ranks = ranks(ref)
    top = [kept[i] for i in np.argsort(-ref, kind="stable")[:20]]
    summary = {
        "candidates": len(kept),
        "reference": f"{args.reference_epochs} epochs x {args.reference_seeds} seeds "
        f"(seeds 1-{args.reference_seeds}), mean val accuracy at the last epoch",
        "relu_reference_rank": int(ref_ranks[kept.index(relu)]),
        "named": {t: {"label": lab, "reference_rank": int(ref_ranks[kept.index(lab)])}
                  for t, lab in named.items() if lab in kept},  # fmt: skip
        "rows": rows,
        "reference_top20": [
            {"label": lab, "val_acc": float(ref[kept.index(lab)]), "shape": shapes.get(lab, "")}
            for lab in top
        ],
        "wall_seconds": round(seconds, 1),
        "command": " ".join(["benchmarks/search_rung0_budget.py", *(["--quick"] if args.quick
                             else [f"--sample {args.sample}", f"--cheap {args.cheap}",
                                   f"--reference-epochs {args.reference_epochs}",
                                   f"--reference-seeds {args.reference_seeds}"])]),
    }  # fmt: skip
    (out / "study.json").write_text(json.dumps(summary, indent=2))
    n = len(kept)
    print(f"{n} candidates; reference: {summary['reference']}; ReLU ranks "
          f"{summary['relu_reference_rank']}/{n} there; wall time {seconds:.0f} s")  # fmt: skip
    print("| rung-0 budget | fitness | Spearman ρ (95% CI) | ρ gain vs the first row (95% CI) "
          "| top fifth kept | ReLU rank |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['budget']} | {r['fitness']} | {r['spearman']:.3f} ({r['ci95'][0]:.3f}–"
              f"{r['ci95'][1]:.3f}) | {r['gain_vs_first_ci95'][0]:+.3f} to "
              f"{r['gain_vs_first_ci95'][1]:+.3f} | {r['top_fifth_kept']:.0%} | {r['relu_rank']}/{n} |")  # fmt: skip
    for text, info in summary["named"].items():
        print(f"  {text:22s} {info['label']:28s} reference rank {info['reference_rank']}/{n}")
    print("reference top 20:")
    for item in summary["reference_top20"]:
        print(f"  {item['val_acc']:.4f}  {item['shape']:16s} {item['label']}")


if __name__ == "__main__":
    main()
