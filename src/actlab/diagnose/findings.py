"""Plain-language findings from a monitor report (rows of plain dicts, see `Monitor.report`).

Works on rows alone, so health rows stored by a training run can be judged later the same way.
Thresholds (keyword arguments of `findings`, defaults in `THRESHOLDS`):

- ``dead``: warn when at least this fraction of a layer's units is dead (0.1);
- ``saturated``: warn when at least this fraction of a bounded activation's (sigmoid, tanh,
  hard-*) pre-activations lie in its flat tails, |f'(z)| < eps: saturated (0 < |f'| < eps,
  sigmoid and tanh) or, for the piecewise-linear hard-* units, clipped (f' = 0) (0.25).
  An unbounded unit's zero piece (ReLU's negative half) is "inactive", never a saturation
  warning; when it lasts for every sample the unit is dead, which ``dead`` reports;
- ``vanishing`` / ``exploding``: warn when the first activation layer's mean |gradient| is
  below / above this multiple of the last layer's (1e-2 / 1e2, two orders of magnitude);
  mean |gradient| is per element, so layers of different widths compare fairly;
- ``selu_mean`` / ``selu_var``: warn when a self-normalising activation's output mean or
  variance is further than this from 0 / 1 (0.25 / 0.5).
"""

from __future__ import annotations

import math
from typing import Any

from actlab.catalog import UnknownActivationError, get

THRESHOLDS = {
    "dead": 0.1,
    "saturated": 0.25,
    "vanishing": 1e-2,
    "exploding": 1e2,
    "selu_mean": 0.25,
    "selu_var": 0.5,
}

Row = dict[str, Any]


def layer_name(row: Row) -> str:
    """``layer 7 (ReLU at blocks.3.act)``; a repeated call site adds ``, call 2``."""
    where = row["path"] or "<model>"
    call = f", call {row['call']}" if row["call"] > 1 else ""
    return f"layer {row['layer']} ({row['module']} at {where}{call})"


def percent(share: float) -> str:
    value = 100 * share
    return f"{value:.0f}%" if value >= 1 or value == 0 else f"{value:.2g}%"


def _spec(row: Row):
    try:
        return get(row["activation"]) if row["activation"] else None
    except UnknownActivationError:
        return None


def _nonfinite(rows: list[Row]) -> list[str]:
    out = []
    for row in rows:
        for key, where, source in (
            ("nonfinite_pre", "input", "it comes from the layers before it"),
            ("nonfinite_out", "output", "the activation itself produced it"),
        ):
            if row[key]:
                out.append(
                    f"NaN/inf first appears in the {where} of {layer_name(row)}, in "
                    f"{row[key]:,} of {row['batches']:,} batches: {source}."
                )
                break
        if out:
            break
    bad = [row for row in rows if row["nonfinite_grad"]]
    if bad:
        out.append(
            f"NaN/inf gradients reach {len(bad)} of {len(rows)} layers, first (in the "
            f"backward pass) {layer_name(bad[-1])}, in {bad[-1]['nonfinite_grad']:,} "
            f"of {bad[-1]['backward_passes']:,} backward passes."
        )
    return out


def _gradient_flow(rows: list[Row], vanishing: float, exploding: float) -> list[str]:
    out = []
    with_grad = [row for row in rows if row["backward_passes"]]
    for row in with_grad:
        if row["grad_mean_abs"] == 0:
            out.append(
                f"no gradient reaches {layer_name(row)}: its output's gradient was 0 "
                f"in all {row['backward_passes']:,} backward passes."
            )
    flowing = [
        row for row in with_grad if row["grad_mean_abs"] and math.isfinite(row["grad_mean_abs"])
    ]
    if len(flowing) < 2:
        return out
    first, last = flowing[0], flowing[-1]
    ratio = first["grad_mean_abs"] / last["grad_mean_abs"]
    detail = (
        f"mean |gradient| {first['grad_mean_abs']:.2g} at {layer_name(first)} vs "
        f"{last['grad_mean_abs']:.2g} at {layer_name(last)} (gradient norm "
        f"{first['grad_norm']:.2g} vs {last['grad_norm']:.2g})"
    )
    orders = abs(math.log10(ratio))
    if ratio < vanishing:
        out.append(
            f"vanishing gradients: the first layer's gradient is {orders:.1f} orders of "
            f"magnitude below the last layer's: {detail}."
        )
    elif ratio > exploding:
        out.append(
            f"exploding gradients: the first layer's gradient is {orders:.1f} orders of "
            f"magnitude above the last layer's: {detail}."
        )
    return out


# A finding about one layer: (severity for ordering, row, what was found, advice).
Finding = tuple[float, Row, str, str]


def _dead(row: Row, eps: float, limit: float) -> Finding | None:
    dead = row["dead_fraction"]
    if dead is None or dead < limit or not row["units"]:
        return None
    count = round(dead * row["units"])
    return (
        dead,
        row,
        f"{percent(dead)} of units dead ({count:,} of {row['units']:,}) on "
        f"{row['samples']:,} samples",
        f"no input gave them |f′| ≥ {eps:g}, so they pass no gradient",
    )


def _saturated(row: Row, eps: float, limit: float) -> Finding | None:
    spec = _spec(row)
    bounded = (
        spec is not None
        and spec.output_range is not None
        and (spec.output_range.bounded_below and spec.output_range.bounded_above)
    )
    saturated, inactive = row["saturated"], row["inactive"]
    if not bounded or saturated is None or inactive is None:
        return None
    flat = saturated + inactive  # a bounded unit's tails: smooth (sigmoid) or clipped (hardtanh)
    if flat < limit:
        return None
    parts = [f"{percent(saturated)} saturated (0 < |f′(z)| < {eps:g})"]
    if inactive:
        parts.append(f"{percent(inactive)} clipped (f′(z) = 0)")
    return (
        flat,
        row,
        f"{percent(flat)} of pre-activations in its flat tails: {', '.join(parts)}; "
        f"mean |f′| {row['mean_abs_d1']:.3g}",
        "saturated units learn slowly; scale inputs "
        "or initial weights down, or use a non-saturating activation",
    )


def _drifted(row: Row, mean_limit: float, var_limit: float) -> Finding | None:
    spec = _spec(row)
    mean, var = row["out_mean"], row["out_var"]
    if (
        spec is None
        or spec.properties is None
        or not spec.properties.self_normalising
        or (mean is None or var is None)
    ):
        return None
    severity = max(abs(mean) / mean_limit, abs(var - 1) / var_limit)
    if not severity > 1:
        return None
    return (
        severity,
        row,
        f"output mean {mean:.3g}, variance {var:.3g}, drifted from the "
        "self-normalising fixed point (0, 1)",
        "use LeCun-normal init (std 1/√fan_in), standardised inputs and alpha-dropout",
    )


def _grouped(title: str, found: list[Finding], shown: int = 3) -> list[str]:
    """One message per layer, or, when more than `shown` layers have the same finding, one
    message naming the worst `shown` and listing the rest."""
    if len(found) <= shown:
        return [f"{layer_name(row)}: {what}: {advice}." for _, row, what, advice in found]
    worst = sorted(found, key=lambda f: -f[0])
    listed = "; ".join(f"{layer_name(row)}: {what}" for _, row, what, _ in worst[:shown])
    rest = ", ".join(
        str(row["layer"]) for _, row, _, _ in sorted(worst[shown:], key=lambda f: f[1]["layer"])
    )
    return [
        f"{title} in {len(found)} layers, worst first: {listed}; also layers {rest}: {worst[0][3]}."
    ]


def findings(rows: list[Row], *, eps: float = 1e-2, **thresholds: float) -> list[str]:
    """The warnings for `rows`, most severe first: NaN/inf, gradient flow, then dead units,
    saturated tails and self-normalisation drift (one message per layer, or one per kind when
    more than three layers share it)."""
    unknown = sorted(set(thresholds) - set(THRESHOLDS))
    if unknown:
        raise TypeError(f"unknown threshold {', '.join(unknown)}; valid: {', '.join(THRESHOLDS)}")
    limits = {**THRESHOLDS, **thresholds}
    out = _nonfinite(rows) + _gradient_flow(rows, limits["vanishing"], limits["exploding"])
    checks = (
        ("dead units", lambda row: _dead(row, eps, limits["dead"])),
        ("saturated tails", lambda row: _saturated(row, eps, limits["saturated"])),
        (
            "self-normalisation drift",
            lambda row: _drifted(row, limits["selu_mean"], limits["selu_var"]),
        ),
    )
    for title, check in checks:
        out += _grouped(title, [f for f in map(check, rows) if f is not None])
    return out
