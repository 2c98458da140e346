"""Softmax-weighted mixtures of catalogue activations (Manessi & Rozza 2018 style).

f(x) = sum_k softmax(w)_k g_k(x): the weights are convex, so f stays inside the hull of its
bases, and equal logits (the default, all 0) start from the plain average. Bases are named
with '+' (`"relu+tanh+silu"`) so the text survives `name:k=v,k2=v2` parsing; each is an
elementwise, deterministic, non-adaptive catalogue entry used at its default parameters.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from actlab.catalog.edges import limits_at_infinity, slope_limits
from actlab.catalog.maths.extrema import maximum, minimum
from actlab.catalog.registry import UnknownActivationError, get
from actlab.catalog.spec import SMOOTH, Facts, Interval, Properties


def base_names(bases: str) -> list[str]:
    return [b.strip() for b in bases.split("+")]


def check_base(name: str, owner: str) -> str | None:
    """Why `name` can't be a base (or an init target), else None."""
    try:
        spec = get(name)
    except UnknownActivationError as err:
        return str(err)
    if not spec.elementwise or spec.stochastic or spec.family == "adaptive":
        return (
            f"{owner} needs an elementwise, deterministic, non-adaptive activation; "
            f"{spec.name!r} is not"
        )
    return None


def check_bases(bases: str) -> str | None:
    names = base_names(bases)
    if len(names) < 2:
        return f"bases needs at least two activations joined by '+'; got {bases!r}"
    for name in names:
        problem = check_base(name, "bases")
        if problem:
            return problem
    for name in names:
        base_slopes(name)  # computed here, once, rather than inside a traced forward
    return None


BASE_SLOPES: dict[str, tuple[float, float]] = {}  # name -> slopes, filled by base_slopes


def base_slopes(name: str) -> tuple[float, float]:
    """(g'(-inf), g'(+inf)) of base `name`, from its own torch form far out (`slope_limits`),
    computed once per process (a plain dict: under torch.compile the lookup is a constant)."""
    if name not in BASE_SLOPES:
        spec = get(name)
        BASE_SLOPES[name] = slope_limits(lambda t: spec.apply(t, spec.bind()))
    return BASE_SLOPES[name]


def mixture_torch(x: torch.Tensor, bases: str, weights: torch.Tensor) -> torch.Tensor:
    """sum_k weights[..., k] g_k(x), weights already softmaxed and broadcasting (K last).

    At x = ±inf each base gives its catalogue limit and the limit of its derivative (some
    native kernels give NaN there, in the value or the gradient)."""
    out = None
    for k, name in enumerate(base_names(bases)):
        spec = get(name)
        params = spec.bind()
        g = limits_at_infinity(
            x, lambda t, s=spec, p=params: s.apply(t, p), *spec.limits, *base_slopes(name)
        )
        term = weights[..., k] * g
        out = term if out is None else out + term
    return out


def softmax_np(w) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    e = np.exp(w - w.max())
    return e / e.sum()


def mixture_ref(x: np.ndarray, bases: str, weights) -> np.ndarray:
    out = np.zeros_like(x)
    for wk, name in zip(softmax_np(weights), base_names(bases), strict=True):
        out = out + wk * get(name).reference(x)
    return out


def mixture_ref_d1(x: np.ndarray, bases: str, weights) -> np.ndarray:
    out = np.zeros_like(x)
    for wk, name in zip(softmax_np(weights), base_names(bases), strict=True):
        out = out + wk * get(name).reference_d1(x)
    return out


def mixture_facts(bases: str, weights) -> Facts:
    """Facts of sum_k w_k g_k from those of its bases (w = softmax of the logits, all > 0).

    Limits, kinks, f' at the kinks and the smoothness class follow from the bases' own facts
    (their kinks are the mixture's; a jump cannot cancel between bases here since every weight
    is positive and each base's jump is what it is). A mixture of non-decreasing bases is
    non-decreasing; otherwise, and for the extremes, f and f' are searched numerically on
    [-60, 60] (beyond that every catalogue base is within 1e-20 of its asymptote or linear).
    """
    w = softmax_np(weights)
    specs = [get(name) for name in base_names(bases)]
    facts = [spec.facts_for() for spec in specs]

    def f(x: np.ndarray) -> np.ndarray:
        return mixture_ref(x, bases, weights)

    def d1(x: np.ndarray) -> np.ndarray:
        return mixture_ref_d1(x, bases, weights)

    limits = tuple(_weighted_limit([fa.limits[side] for fa in facts], w) for side in (0, 1))
    kinks = sorted({k for fa in facts for k in fa.kinks})
    smoothness = min((fa.properties.smoothness for fa in facts if fa.kinks), default=SMOOTH)
    if all(fa.properties.monotonic for fa in facts):
        monotonic = True
    else:
        monotonic = minimum(d1, -60.0, 60.0)[1] >= -1e-12
    low_attained = minimum(f, -60.0, 60.0)[1]
    high_attained = maximum(f, -60.0, 60.0)[1]
    low = min(low_attained, limits[0], limits[1])
    high = max(high_attained, limits[0], limits[1])
    interval = Interval(
        low,
        high,
        low_open=math.isfinite(low) and low < low_attained,
        high_open=math.isfinite(high) and high > high_attained,
    )
    centred = abs(float(f(np.array([0.0]))[0])) < 1e-15 and low < 0.0 < high
    kink_d1 = {
        k: float(
            sum(wk * _d1_at(spec, fa, k) for wk, spec, fa in zip(w, specs, facts, strict=True))
        )
        for k in kinks
    }
    return Facts(
        interval, Properties(monotonic, smoothness, centred), limits, tuple(kinks), kink_d1
    )


def _weighted_limit(values: list[float], w: np.ndarray) -> float:
    if any(math.isnan(v) for v in values):
        return math.nan
    infinite = {math.copysign(1.0, v) for v in values if math.isinf(v)}
    if len(infinite) > 1:
        return math.nan  # inf - inf: no limit
    if infinite:
        return infinite.pop() * math.inf
    return float(np.dot(w, values))


def _d1_at(spec, facts: Facts, x: float) -> float:
    """A base's f'(x) as autograd gives it: its kink convention at its kinks."""
    if x in facts.kink_derivative:
        return facts.kink_derivative[x]
    return float(spec.reference_d1(np.array([x]))[0])
