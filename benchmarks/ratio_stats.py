"""Statistics the benchmarks share: a ratio measured in rounds, summarised with an interval.

A ratio is taken within each round (both sides timed moments apart, so the machine's drift
falls on both) and the rounds' ratios are summarised by their median, with a percentile
bootstrap interval of that median.
"""

from __future__ import annotations

import random
import statistics


def round_ratios(times: list[float], baseline: list[float]) -> list[float]:
    """Each round's time over the baseline's time in the same round."""
    return [a / b for a, b in zip(times, baseline, strict=True)]


def median_interval(values: list[float], level: float = 0.95, draws: int = 2000) -> tuple:
    """Percentile-bootstrap interval of the median of `values` (seeded: the same values give
    the same interval)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(draws))
    tail = (1 - level) / 2
    return medians[int(tail * draws)], medians[min(draws - 1, int((1 - tail) * draws))]
