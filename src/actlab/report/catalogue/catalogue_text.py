"""The catalogue described from the spec table as data and text, for the CLI and the docs.

`catalogue_records()` is what `actlab list --json` prints; `point_values()` and
`multi_input_example()` are what `actlab show` tabulates; `plain_formula()` renders the
LaTeX formulas as short Unicode text for terminals and tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from actlab.catalog import FAMILIES, ActivationSpec, Interval, Param, Properties, specs
from actlab.catalog.citation import parse_citations
from actlab.kernels import describe_impls
from actlab.report.catalogue.activation_plots import autograd_curves

SHOW_POINTS = (-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0)
EXAMPLE_INPUT = (-2.0, -1.0, -0.5, 0.5, 1.0, 3.0)  # even length, so GLU-style halving works


def num(v: Any) -> Any:
    """A JSON-safe number: finite values stay numbers; ±inf and nan become "inf"/"-inf"/"nan"."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def fmt(v: float) -> str:
    """Six significant digits, ∞ for infinities: stable text for tables and docs."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    return "0" if v == 0 else f"{v:.6g}"  # no "-0"


# -- records ----------------------------------------------------------------------------
def interval_record(iv: Interval | None) -> dict[str, Any] | None:
    if iv is None:
        return None
    return {
        "low": num(iv.low),
        "high": num(iv.high),
        "low_open": iv.low_open,
        "high_open": iv.high_open,
        "text": str(iv),
    }


def param_record(p: Param) -> dict[str, Any]:
    return {
        "name": p.name,
        "default": num(p.default),
        "kind": p.kind.__name__,
        "valid": interval_record(p.valid) if p.choices is None else None,
        "choices": list(p.choices) if p.choices is not None else None,
        "valid_text": p.describe_valid(),
        "learnable": p.learnable,
        "doc": p.doc,
    }


def properties_record(pr: Properties | None, rng: Interval | None) -> dict[str, Any] | None:
    if pr is None or rng is None:
        return None
    return {
        "monotonic": pr.monotonic,
        "smoothness": pr.smoothness,
        "smoothness_text": pr.smoothness_text,
        "bounded_below": rng.bounded_below,
        "bounded_above": rng.bounded_above,
        "zero_centred": pr.zero_centred,
        "self_normalising": pr.self_normalising,
    }


def sources_record(paper: str) -> list[dict[str, Any]] | None:
    """The cited works (authors, title, venue, year, note), first the one that named the
    function; None for a citation outside the house style (an entry registered by a user)."""
    try:
        return [c.record() for c in parse_citations(paper)] if paper else None
    except ValueError:
        return None


def spec_record(spec: ActivationSpec, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the table says about one entry, as JSON-safe data; range, properties,
    limits and kinks are the facts for `params` (default: the entry's defaults)."""
    if spec.elementwise:
        facts = spec.facts_for(params)
        rng, pr, limits = facts.output_range, facts.properties, facts.limits
        kinks, kink_d1 = facts.kinks, facts.kink_derivative
    else:
        rng, pr, limits, kinks, kink_d1 = spec.output_range, None, None, (), {}
    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "family": spec.family,
        "summary": spec.summary,
        "formula": spec.formula,
        "formula_d1": spec.formula_d1,
        "formula_text": plain_formula(spec.formula),
        "range": interval_record(rng),
        "properties": properties_record(pr, rng),
        "params": [param_record(p) for p in spec.params],
        "kinks": [num(k) for k in kinks],
        "kink_derivative": [{"x": num(k), "d1": num(v)} for k, v in kink_d1.items()],
        "limits": [num(v) for v in limits] if limits is not None else None,
        "paper": spec.paper,
        "year": spec.year,
        "sources": sources_record(spec.paper),
        "checked": spec.checked or None,
        "reference": "sympy" if spec.sym else "numpy",
        "sym": spec.sym or None,
        "native": spec.native,
        "onnx": spec.onnx or "exports",
        "impls": describe_impls(spec.name),
        "elementwise": spec.elementwise,
        "stochastic": spec.stochastic,
        "notes": spec.notes,
        "caveat": spec.caveat,
    }


def catalogue_records(family: str | None = None) -> list[dict[str, Any]]:
    """One record per registered entry, in table order (optionally one family)."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; valid families: {', '.join(FAMILIES)}")
    return [spec_record(s) for s in specs(family)]


# -- LaTeX to short plain text ------------------------------------------------------------
_SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "pi": "π",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "omega": "ω",
    "Phi": "Φ",
    "Sigma": "Σ",
    "infty": "∞",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "neq": "≠",
    "cdot": "·",
    "times": "×",
    "approx": "≈",
    "sim": "~",
    "in": "∈",
    "to": "→",
    "pm": "±",
    "sum": "Σ",
    "prod": "Π",
    "odot": "⊙",
    "otimes": "⊗",
    "varphi": "φ",
    "rho": "ρ",
    "nu": "ν",
    "xi": "ξ",
    "zeta": "ζ",
    "chi": "χ",
    "psi": "ψ",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Lambda": "Λ",
    "Theta": "Θ",
    "Omega": "Ω",
    "partial": "∂",
    "nabla": "∇",
    "cdots": "⋯",
    "ldots": "…",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    ",": " ",
    ";": " ",
    ":": " ",
    "quad": " ",
    "qquad": " ",
    "!": "",
    "{": "{",
    "}": "}",
    "%": "%",
    "_": "_",
}
_DROP = {"left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "displaystyle"}
_WRAPPERS = {
    "text",
    "mathrm",
    "operatorname",
    "mathbf",
    "mathit",
    "textrm",
    "mathcal",
    "boldsymbol",
}
_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def _group(s: str, i: int) -> tuple[str, int]:
    """The brace group (or single token) starting at s[i], and the index after it."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            return m.group(0), i + len(m.group(0))  # type: ignore[union-attr]
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1 : j], j + 1
    return s[i + 1 :], len(s)


def _wrap(t: str) -> str:
    t = t.strip()
    simple = re.fullmatch(r"[\w.∞πσαβλγθ]+", t) or (
        t.startswith("(") and t.endswith(")") and t.count("(") == 1
    )
    return t if simple else f"({t})"


def _cases(body: str) -> str:
    rows = [r for r in re.split(r"\\\\", body) if r.strip()]
    parts = []
    for row in rows:
        value, _, cond = row.partition("&")
        cond = plain_formula(cond)
        cond = cond if cond.startswith("otherwise") else f"if {cond}"
        parts.append(f"{plain_formula(value)} {cond}".strip())
    return "{" + "; ".join(parts) + "}"


def plain_formula(latex: str) -> str:
    """A short plain-text (Unicode) rendering of a LaTeX formula, for terminals and tables."""
    out, i, s = [], 0, latex
    while i < len(s):
        c = s[i]
        if s.startswith(r"\begin{cases}", i):
            end = s.find(r"\end{cases}", i)
            end = len(s) if end < 0 else end
            out.append(_cases(s[i + len(r"\begin{cases}") : end]))
            i = end + len(r"\end{cases}")
        elif s.startswith("\\\\", i):
            out.append("; ")
            i += 2
        elif c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            cmd = m.group(1)  # type: ignore[union-attr]
            i += len(m.group(0))  # type: ignore[union-attr]
            if cmd in ("frac", "tfrac", "dfrac"):
                a, i = _group(s, i)
                b, i = _group(s, i)
                ratio = f"{_wrap(plain_formula(a))}/{_wrap(plain_formula(b))}"
                # x/2(1 + y) would read as x/(2(1 + y)): bracket a ratio that a factor follows.
                factor_follows = re.match(
                    r"\s*(\\[,;!]\s*)*(\(|\\left|\\(?!cdot|times|text|quad)[A-Za-z]|\w)", s[i:]
                )
                out.append(f"({ratio})" if factor_follows else ratio)
            elif cmd == "sqrt":
                a, i = _group(s, i)
                out.append("√" + _wrap(plain_formula(a)))
            elif cmd in _WRAPPERS:
                a, i = _group(s, i)
                out.append(plain_formula(a))
            elif cmd in _DROP:
                if s[i : i + 1] == ".":
                    i += 1
            else:
                out.append(_SYMBOLS.get(cmd, cmd))
                if (
                    cmd.isalpha()
                    and cmd not in _SYMBOLS
                    and re.match(r"[\\A-Za-z0-9]", s[i : i + 1])
                ):
                    out.append(" ")  # \arg\max -> "arg max", not "argmax"
        elif c in "^_":
            a, i = _group(s, i + 1)
            a = plain_formula(a)
            if c == "^" and re.fullmatch(r"-?\d+", a):
                out.append(a.translate(_SUPERSCRIPT))
            else:
                out.append(c + _wrap(a) if len(a) > 1 else c + a)
        elif c == "{":
            a, i = _group(s, i)
            out.append(plain_formula(a))
        else:
            out.append({"&": " ", "~": " "}.get(c, c))
            i += 1
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    return (
        text[1:-1]
        if text.startswith("{") and text.endswith("}") and "}" not in text[1:-1]
        else text
    )


# -- values -------------------------------------------------------------------------------
def point_values(
    spec: ActivationSpec, params: Mapping[str, Any], points: Sequence[float] = SHOW_POINTS
) -> list[dict[str, float]]:
    """f and f' at `points`: torch form and autograd in float64, next to the reference's."""
    x = np.asarray(points, dtype=np.float64)
    f, d1 = autograd_curves(spec, params, x, order=1)
    f_ref, d1_ref = spec.ref(x, **params), spec.ref_d1(x, **params)  # type: ignore[misc]
    return [
        {"x": float(a), "f": float(b), "f_ref": float(c), "d1": float(d), "d1_ref": float(e)}
        for a, b, c, d, e in zip(x, f, f_ref, d1, d1_ref, strict=True)
    ]


def multi_input_example(
    spec: ActivationSpec, params: Mapping[str, Any], values: Sequence[float] = EXAMPLE_INPUT
) -> dict[str, list[float]]:
    """A multi-input entry applied to a small vector (as a row if it needs a batch dim)."""
    x = np.asarray(values, dtype=np.float64)
    last_error: Exception | None = None
    for shaped in (x, x[None, :]):
        try:
            out = spec.apply(torch.from_numpy(shaped.copy()), dict(params)).numpy()
        except (RuntimeError, ValueError, IndexError) as err:
            last_error = err
            continue
        ref = np.asarray(spec.ref(shaped, **params))
        return {
            "input": x.tolist(),
            "output": out.ravel().tolist(),
            "reference": ref.ravel().tolist(),
        }
    raise ValueError(f"{spec.name}: could not apply it to a vector of {len(x)}: {last_error}")
