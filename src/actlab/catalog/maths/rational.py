"""Rational (Padé) activations: evaluation in torch and NumPy, and the least-squares init.

f(x) = P(x) / Q(x), P(x) = a_0 + a_1 x + ... + a_m x^m, Q(x) = 1 + |b_1 x + ... + b_n x^n|:
the "safe" PAU of Molina, Schramowski & Kersting (ICLR 2020, eq. 2; version "B" of their
reference code). Q >= 1 everywhere, so f has no poles and |f'| stays bounded on bounded sets.

The initial coefficients are fitted to a catalogue activation on [low, high] by actlab itself:
a linearised least-squares solve (P - f S = f, exact when 1 + S > 0) gives a start, then
Levenberg-Marquardt on the true residual P/Q - f, then iteratively reweighted least squares
(Lawson) to shrink the largest error, all in float64. The fit keeps b_1 = 0: then
|S| = x^2 |b_2 + b_3 x + ...| has no kink at x = 0, so the initial shape is smooth wherever
b_2 + b_3 x + ... has no real root (b_1 is learned from there on, as every coefficient).
Results are cached in memory and on disk under `$ACTLAB_DATA/rational/` (default `~/.cache/actlab`).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import torch
from numpy.polynomial import Polynomial

from actlab.catalog.edges import limits_at_infinity
from actlab.catalog.registry import get
from actlab.catalog.spec import SMOOTH, Facts, Interval, Properties

FIT_VERSION = 1  # bump when the fitting procedure changes, so stale disk caches are ignored
FIT_POINTS = 4001
_MEMORY: dict[tuple, tuple[tuple[float, ...], tuple[float, ...]]] = {}


# -- evaluation ---------------------------------------------------------------------------
def _horner(coef: torch.Tensor, x: torch.Tensor, start: int = 0) -> torch.Tensor:
    """sum_{j >= start} coef[..., j] x^(j - start), by Horner's rule (coefficients last)."""
    out = coef[..., -1] * torch.ones_like(x)
    for j in range(coef.shape[-1] - 2, start - 1, -1):
        out = out * x + coef[..., j]
    return out


def rational_torch(x: torch.Tensor, num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """Safe rational f(x) for coefficient tensors broadcasting against x (coefficients last).

    At x = ±inf f and f' take the limits of the leading terms, f ~ c sign(x)^m |x|^(m-n)
    with c = a_m/|b_n| (`leading_limits`), instead of inf/inf = NaN (assumes a_m, b_n != 0).
    """
    m, n = num.shape[-1] - 1, den.shape[-1]
    lead = (num[..., -1] / den[..., -1].abs()).detach()

    def formula(t: torch.Tensor) -> torch.Tensor:
        p = _horner(num, t)
        s = _horner(den, t) * t  # den holds b_1..b_n, so S = x (b_1 + b_2 x + ...)
        return p / (1 + s.abs())

    return limits_at_infinity(x, formula, *leading_limits(lead, m, n))


def leading_limits(lead, m: int, n: int) -> tuple:
    """(f(-inf), f(+inf), f'(-inf), f'(+inf)) of f ~ lead sign(x)^m |x|^(m-n) (|Q| ~ |b_n| |x|^n
    takes the sign of x^n away): for m > n, ±inf; m = n, ±lead; m < n, 0; and f' ~
    lead (m-n) sign(x)^(m+1) |x|^(m-n-1): ±lead when m - n = 1, ±inf beyond, 0 below.
    `lead` is a number, an array or a tensor."""
    grow = m - n
    size = math.inf if grow > 0 else (1.0 if grow == 0 else 0.0)
    slope = math.inf if grow > 1 else (1.0 if grow == 1 else 0.0)
    odd_f, odd_d1 = (-1.0) ** m, (-1.0) ** (m + 1)

    def times(scale: float, sign: float):  # lead * scale without 0 * inf = NaN
        return lead * 0.0 if scale == 0.0 else lead * (scale * sign)

    return times(size, odd_f), times(size, 1.0), times(slope, odd_d1), times(slope, 1.0)


def _horner_np(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, coef[-1])
    for c in coef[-2::-1]:
        out = out * x + c
    return out


def rational_ref(x: np.ndarray, num, den) -> np.ndarray:
    """float64 NumPy f(x), with the same leading-term limits at ±inf."""
    a, b = np.asarray(num, np.float64), np.asarray(den, np.float64)
    with np.errstate(all="ignore"):
        s = _horner_np(b, x) * x
        out = _horner_np(a, x) / (1.0 + np.abs(s))
    low, high, _, _ = leading_limits(a[-1] / abs(b[-1]), len(a) - 1, len(b))
    return np.where(x == -np.inf, low, np.where(x == np.inf, high, out))


def rational_ref_d1(x: np.ndarray, num, den) -> np.ndarray:
    """Analytic f' = P'/Q - P sign(S) S' / Q^2 (sign(0) = 0: autograd's |.|' at 0)."""
    a, b = np.asarray(num, np.float64), np.asarray(den, np.float64)
    da = a[1:] * np.arange(1, len(a))
    db = b * np.arange(1, len(b) + 1)  # S' = b_1 + 2 b_2 x + ... + n b_n x^(n-1)
    s = _horner_np(b, x) * x
    q = 1.0 + np.abs(s)
    p_d1 = _horner_np(da, x) if len(da) else np.zeros_like(x)
    return p_d1 / q - _horner_np(a, x) * (np.sign(s) * _horner_np(db, x)) / q**2


# -- fitting ------------------------------------------------------------------------------
def _cache_file(key: tuple) -> Path:
    init, m, n, low, high = key
    root = Path(os.environ.get("ACTLAB_DATA") or "~/.cache/actlab").expanduser()
    return root / "rational" / f"{init}-m{m}-n{n}-{low:g}_{high:g}-v{FIT_VERSION}.json"


def _full(theta: np.ndarray, m: int) -> np.ndarray:
    """Free parameters (a_0..a_m, b_2..b_n) -> all coefficients, with b_1 = 0."""
    return np.concatenate([theta[: m + 1], [0.0], theta[m + 1 :]])


def _residual_and_jacobian(theta: np.ndarray, x: np.ndarray, y: np.ndarray, m: int):
    theta = _full(theta, m)
    a, b = theta[: m + 1], theta[m + 1 :]
    powers = x[:, None] ** np.arange(max(m + 1, len(b) + 1))
    p = powers[:, : m + 1] @ a
    s = powers[:, 1 : len(b) + 1] @ b
    q = 1.0 + np.abs(s)
    jac_a = powers[:, : m + 1] / q[:, None]
    jac_b = -(p * np.sign(s) / q**2)[:, None] * powers[:, 1 : len(b) + 1]
    return p / q - y, np.hstack([jac_a, jac_b[:, 1:]])  # no column for the fixed b_1


def _levenberg_marquardt(theta, x, y, m, weights, steps=200):
    """Weighted LM on the true residual; stops when the step no longer helps."""
    lam = 1e-3
    r, jac = _residual_and_jacobian(theta, x, y, m)
    cost = np.sum(weights * r**2)
    for _ in range(steps):
        jw = jac * weights[:, None]
        h = jw.T @ jac
        g = jw.T @ r
        step = np.linalg.solve(h + lam * np.diag(np.diag(h) + 1e-12), -g)
        r_new, jac_new = _residual_and_jacobian(theta + step, x, y, m)
        new_cost = np.sum(weights * r_new**2)
        if new_cost < cost:
            theta, r, jac, lam = theta + step, r_new, jac_new, lam / 3
            if cost - new_cost < 1e-15 * cost:
                break
            cost = new_cost
        else:
            lam *= 4
            if lam > 1e12:
                break
    return theta


def fit_rational_coefficients(target, m: int, n: int, low: float, high: float):
    """Coefficients (a_0..a_m), (b_1..b_n) of the safe rational closest to `target` on
    [low, high]: least squares, then reweighted towards the smallest maximum error."""
    x = np.linspace(low, high, FIT_POINTS)
    y = np.asarray(target(x), dtype=np.float64)
    # Linearised start: P(x) - y S(x) = y is linear in (a, b).
    powers = x[:, None] ** np.arange(max(m, n) + 1)
    lin = np.hstack([powers[:, : m + 1], -y[:, None] * powers[:, 2 : n + 1]])
    theta = np.linalg.lstsq(lin, y, rcond=None)[0]
    weights = np.ones_like(x)
    theta = _levenberg_marquardt(theta, x, y, m, weights)
    best, best_err = theta, np.abs(_residual_and_jacobian(theta, x, y, m)[0]).max()
    for _ in range(30):  # Lawson: raise the weight where the error is largest
        r = _residual_and_jacobian(theta, x, y, m)[0]
        weights = weights * (np.abs(r) + 1e-3 * np.abs(r).max())
        weights /= weights.mean()
        theta = _levenberg_marquardt(theta, x, y, m, weights, steps=50)
        err = np.abs(_residual_and_jacobian(theta, x, y, m)[0]).max()
        if err < best_err:
            best, best_err = theta, err
    best = _full(best, m)
    return tuple(float(v) for v in best[: m + 1]), tuple(float(v) for v in best[m + 1 :])


def rational_init(init: str, m: int, n: int, low: float = -3.0, high: float = 3.0):
    """Cached coefficients fitting catalogue activation `init` (at its default params)."""
    key = (init, m, n, float(low), float(high))
    if key in _MEMORY:
        return _MEMORY[key]
    path = _cache_file(key)
    try:
        data = json.loads(path.read_text())
        result = (tuple(data["numerator"]), tuple(data["denominator"]))
        if len(result[0]) != m + 1 or len(result[1]) != n:
            raise ValueError("wrong lengths")
    except (OSError, ValueError, KeyError, TypeError):
        result = fit_rational_coefficients(get(init).reference, m, n, low, high)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"numerator": result[0], "denominator": result[1]}))
            os.replace(tmp, path)  # atomic: concurrent fits never leave a half-written file
        except OSError:
            pass  # a read-only cache only costs a refit next time
    _MEMORY[key] = result
    return result


# -- facts ----------------------------------------------------------------------------------
def rational_facts(num, den) -> Facts:
    """Range, limits, kinks and properties of the safe rational with these coefficients, from
    the polynomials themselves (assumes a_m, b_n != 0).

    |S| has a kink where S changes sign; between those points f = P / (1 + s S) with a fixed
    sign s is smooth, its extrema are roots of P'(1 + s S) - s P S', and f' >= 0 there iff that
    polynomial is >= 0. The class C^k at a kink comes from the Taylor coefficients of the two
    one-sided forms P / (1 ± S) there. The limits are those of the leading terms.
    """
    a, b = np.asarray(num, np.float64), np.asarray(den, np.float64)
    p, s = Polynomial(a), Polynomial(np.concatenate([[0.0], b]))
    kinks = _sign_changes(s)
    cuts = [-math.inf, *kinks, math.inf]
    values, monotonic = [], True
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        side = _sign_between(s, lo, hi)
        slope = p.deriv() * (1 + side * s) - side * p * s.deriv()  # numerator of f'
        stationary = [r for r in _real_roots(slope) if lo < r < hi]
        values += [float(rational_ref(np.array([r]), a, b)[0]) for r in stationary]
        monotonic &= _never_negative(slope, lo, hi, stationary)
    values += [float(rational_ref(np.array([k]), a, b)[0]) for k in kinks]
    high, low = (float(v) for v in rational_ref(np.array([math.inf, -math.inf]), a, b))
    interval = _hull(values, (low, high))
    smoothness = min((_smoothness_at(p, s, k) for k in kinks), default=SMOOTH)
    centred = bool(a[0] == 0.0 and interval.low < 0.0 < interval.high)
    return Facts(
        interval,
        Properties(bool(monotonic), smoothness, centred),
        (low, high),
        tuple(kinks),
        {k: float(rational_ref_d1(np.array([k]), a, b)[0]) for k in kinks},
    )


def _real_roots(poly: Polynomial) -> list[float]:
    poly = poly.trim()
    if poly.degree() < 1:
        return []
    roots = poly.roots()
    scale = 1.0 + np.abs(roots)
    return sorted(
        float(r.real) for r, m in zip(roots, scale, strict=True) if abs(r.imag) < 1e-9 * m
    )


def _sign_changes(s: Polynomial) -> list[float]:
    """The real roots where S changes sign (odd multiplicity), merged where they coincide."""
    out = []
    for r in _real_roots(s):
        d = 1e-6 * max(1.0, abs(r))
        if np.sign(s(r - d)) != np.sign(s(r + d)) and not (out and abs(out[-1] - r) <= d):
            out.append(r)
    return out


def _probe(lo: float, hi: float) -> float:
    """A point strictly inside (lo, hi), which may be infinite at either end."""
    if math.isinf(lo) and math.isinf(hi):
        return 0.0
    if math.isinf(lo):
        return hi - 1.0 - abs(hi)
    if math.isinf(hi):
        return lo + 1.0 + abs(lo)
    return (lo + hi) / 2


def _sign_between(s: Polynomial, lo: float, hi: float) -> float:
    return float(np.sign(s(_probe(lo, hi)))) or 1.0


def _never_negative(poly: Polynomial, lo: float, hi: float, roots: list[float]) -> bool:
    cuts = [lo, *roots, hi]
    scale = 1e-12 * (1.0 + float(np.abs(poly.coef).max()))
    return all(poly(_probe(u, v)) >= -scale for u, v in zip(cuts[:-1], cuts[1:], strict=True))


def _hull(values: list[float], limits: tuple[float, float]) -> Interval:
    """The smallest interval holding the attained `values` and approaching the `limits`; an end
    that only a limit reaches is open."""
    finite_limits = [v for v in limits if math.isfinite(v)]
    low = min([*values, *limits])
    high = max([*values, *limits])
    low_open = math.isfinite(low) and (not values or low < min(values)) and low in finite_limits
    high_open = math.isfinite(high) and (not values or high > max(values)) and high in finite_limits
    return Interval(low, high, low_open=low_open, high_open=high_open)


def _taylor(p: Polynomial, q: Polynomial, at: float, order: int = 4) -> np.ndarray:
    """Taylor coefficients of p/q around `at` (q(at) != 0), up to `order`."""
    shift = Polynomial([at, 1.0])
    pc = np.pad(p(shift).coef, (0, order + 1))[: order + 1]
    qc = np.pad(q(shift).coef, (0, order + 1))[: order + 1]
    out = np.zeros(order + 1)
    for k in range(order + 1):
        out[k] = (pc[k] - np.dot(qc[1 : k + 1], out[k - 1 :: -1][:k])) / qc[0]
    return out


def _smoothness_at(p: Polynomial, s: Polynomial, kink: float) -> int:
    """C^k at a sign change of S: the first Taylor coefficient where P/(1+S) and P/(1-S) differ
    is the order of the derivative that jumps."""
    plus, minus = _taylor(p, 1 + s, kink), _taylor(p, 1 - s, kink)
    for k, (u, v) in enumerate(zip(plus, minus, strict=True)):
        if abs(u - v) > 1e-9 * (1.0 + abs(u) + abs(v)):
            return k - 1
    return SMOOTH
