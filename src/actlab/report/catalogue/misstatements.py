"""Corrections of common misstatements about activations, with numbers computed from the table.

Each correction evaluates the catalogue's float64 references, so the docs page shows the
actual values (softplus(-30) > 0, selu(2) = 2·selu(1), ...) rather than asserting them. A
correction whose entries are not registered is left out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from actlab.catalog import ActivationSpec, UnknownActivationError, get
from actlab.report.catalogue.catalogue_text import fmt

Lookup = Callable[[str], ActivationSpec | None]


def registered(name: str) -> ActivationSpec | None:
    """The registered spec called `name`, or None: the default lookup of the corrections."""
    try:
        return get(name)
    except UnknownActivationError:
        return None


def _at(spec: ActivationSpec, x: float, d1: bool = False) -> float:
    fn = spec.reference_d1 if d1 else spec.reference
    return float(fn(np.array([x]))[0])


def selu(lookup: Lookup = registered) -> str | None:
    spec = lookup("selu")
    if spec is None or spec.limits is None:
        return None
    scale = _at(spec, 1.0)  # f(x) = λx for x > 0, so f(1) = λ
    floor = -spec.limits[0]  # f(-∞) = -λα
    normalising = (
        "claims" if spec.properties and spec.properties.self_normalising else "does not claim"
    )
    return (
        "**“SELU(x) = λσ·exp(x) − 1.”** No: SELU is λ·x for x > 0 and λ·α(eˣ − 1) for x ≤ 0. "
        f"It is linear on the positive side: the table gives selu(1) = {fmt(scale)} = λ and "
        f"selu(2) = {fmt(_at(spec, 2.0))} = 2λ, where an exponential form would grow like eˣ. "
        f"It is 0 at 0 (selu(0) = {fmt(_at(spec, 0.0))}; the misstated form gives λσ − 1 there) "
        f"and saturates at f(−∞) = −λα = {fmt(-floor)}, so α = {fmt(floor / scale)}. The table "
        f"{normalising} the self-normalising fixed point (mean 0, variance 1), which the tests check."
    )


def gelu(lookup: Lookup = registered) -> str | None:
    spec = lookup("gelu")
    if spec is None or spec.output_range is None:
        return None
    text = (
        "**“GELU(x) = 0.5·x·√(1 + exp(α·x²)).”** No: GELU is x·Φ(x), with Φ the standard normal "
        f"CDF. The table gives gelu(1) = Φ(1) = {fmt(_at(spec, 1.0))}, gelu(−1) = "
        f"{fmt(_at(spec, -1.0))} and gelu(−3) = {fmt(_at(spec, -3.0))}: it dips to a minimum of "
        f"about {fmt(spec.output_range.low)} and returns to 0 as x → −∞. The misstated form has "
        "magnitude at least 0.5·|x|, so it is unbounded below and never returns to 0."
    )
    approx = lookup("gelu_tanh")
    if approx is not None:
        x = np.linspace(-10.0, 10.0, 20001)
        gap = float(np.max(np.abs(approx.reference(x) - spec.reference(x))))
        text += (
            f" The tanh form 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) is an approximation "
            f"(`gelu_tanh`): it differs from x·Φ(x) by up to {fmt(gap)} on [−10, 10]."
        )
    return text


def softplus(lookup: Lookup = registered) -> str | None:
    spec = lookup("softplus")
    if spec is None or spec.output_range is None:
        return None
    return (
        f"**“Softplus ranges over [0, 1].”** No: softplus(x) = log(1 + eˣ) ranges over "
        f"{spec.output_range}. It is never 0 (softplus(−30) = {fmt(_at(spec, -30.0))} > 0) and "
        f"has no upper bound (softplus(0) = log 2 = {fmt(_at(spec, 0.0))}, softplus(5) = "
        f"{fmt(_at(spec, 5.0))} > 1; it approaches x for large x). Its derivative is the "
        "sigmoid, which is where the range (0, 1) belongs."
    )


def relu(lookup: Lookup = registered) -> str | None:
    spec, sigmoid = lookup("relu"), lookup("sigmoid")
    if spec is None:
        return None
    text = (
        "**“ReLU prevents vanishing gradients.”** Only on its active side: relu′(x) = 1 for "
        f"x > 0 (the table gives relu′(1) = {fmt(_at(spec, 1.0, d1=True))})."
    )
    if sigmoid is not None:
        top = _at(sigmoid, 0.0, d1=True)
        text += (
            f" A sigmoid's derivative is at most σ′(0) = {fmt(top)}, so ten sigmoid layers "
            f"scale a gradient by at most {fmt(top**10)}."
        )
    text += (
        f" For x < 0 the gradient is exactly zero (relu′(−1) = {fmt(_at(spec, -1.0, d1=True))}): "
        "it does not merely vanish, it is gone, and a unit whose input is negative for every "
        "example gets no update at all — it “dies”. That zero gradient is what makes units die."
    )
    leaky = lookup("leaky_relu")
    if leaky is not None:
        text += f" Leaky ReLU keeps a small slope there (leaky_relu′(−1) = {fmt(_at(leaky, -1.0, d1=True))})."
    return text


def leaky_vs_prelu(lookup: Lookup = registered) -> str | None:
    leaky, prelu = lookup("leaky_relu"), lookup("prelu")
    if leaky is None or prelu is None or not leaky.params or not prelu.params:
        return None
    slope_l, slope_p = leaky.params[0], prelu.params[0]
    x = np.linspace(-10.0, 10.0, 2001)
    gap = float(
        np.max(
            np.abs(
                leaky.reference(x, **{slope_l.name: slope_p.default})
                - prelu.reference(x, **{slope_p.name: slope_p.default})
            )
        )
    )
    learned = {True: "learned", False: "fixed"}
    return (
        "**“PReLU is a different function from Leaky ReLU.”** They share one formula, "
        "f(x) = x for x > 0 and a·x otherwise; with the same slope a = "
        f"{fmt(slope_p.default)} the table's two references differ by at most {fmt(gap)} on "
        f"[−10, 10]. The difference is training: Leaky ReLU's `{slope_l.name}` is "
        f"{learned[slope_l.learnable]} (default {fmt(slope_l.default)}), PReLU's `{slope_p.name}` "
        f"is {learned[slope_p.learnable]} (initialised at {fmt(slope_p.default)}, one per "
        "channel if asked)."
    )


CORRECTIONS: tuple[Callable[[Lookup], str | None], ...] = (
    selu,
    gelu,
    softplus,
    relu,
    leaky_vs_prelu,
)


def misstatements(lookup: Lookup = registered) -> list[str]:
    """The corrections whose entries `lookup` finds, as Markdown paragraphs."""
    return [text for text in (c(lookup) for c in CORRECTIONS) if text is not None]
