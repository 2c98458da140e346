"""Python source of an expression: torch code (the safe forms, self-contained, for a catalogue
entry's `fn`) and NumPy code (the same safe forms in float64, for its `ref`).

Both print calls only (`torch.*`, `np.*`, `scipy.special.erf`): no helper of this package, so
the text can go into a catalogue entry, which must not import `actlab.expr`.
"""

from __future__ import annotations

from actlab.expr.functions import CLAMP, EPS
from actlab.expr.tree import Node, number

_TORCH = {
    "abs": "torch.abs({u})",
    "sqrt": "torch.where({u} > 0, torch.sqrt(torch.where({u} > 0, {u}, torch.ones_like({u}))), torch.zeros_like({u}))",
    "log": f"torch.log(torch.abs({{u}}) + {EPS!r})",
    "exp": f"torch.exp(torch.clamp({{u}}, max={CLAMP!r}))",
    "sin": "torch.sin({u})",
    "cos": "torch.cos({u})",
    "sinh": f"torch.sinh(torch.clamp({{u}}, {-CLAMP!r}, {CLAMP!r}))",
    "cosh": f"torch.cosh(torch.clamp({{u}}, {-CLAMP!r}, {CLAMP!r}))",
    "tanh": "torch.tanh({u})",
    "asinh": "torch.asinh({u})",
    "atan": "torch.atan({u})",
    "sinc": "torch.sinc({u} / math.pi)",
    "relu": "torch.relu({u})",
    "sigmoid": "torch.sigmoid({u})",
    "softplus": "torch.nn.functional.softplus({u})",
    "erf": "torch.erf({u})",
}
_NUMPY = {
    "abs": "np.abs({u})",
    "sqrt": "np.sqrt(np.maximum({u}, 0.0))",
    "log": f"np.log(np.abs({{u}}) + {EPS!r})",
    "exp": f"np.exp(np.minimum({{u}}, {CLAMP!r}))",
    "sin": "np.sin({u})",
    "cos": "np.cos({u})",
    "sinh": f"np.sinh(np.clip({{u}}, {-CLAMP!r}, {CLAMP!r}))",
    "cosh": f"np.cosh(np.clip({{u}}, {-CLAMP!r}, {CLAMP!r}))",
    "tanh": "np.tanh({u})",
    "asinh": "np.arcsinh({u})",
    "atan": "np.arctan({u})",
    "sinc": "np.sinc({u} / np.pi)",
    "relu": "np.maximum({u}, 0.0)",
    "sigmoid": "np.exp(-np.logaddexp(0.0, -({u})))",
    "softplus": "np.logaddexp(0.0, {u})",
    "erf": "scipy.special.erf({u})",
}
_DIV = {
    "torch": f"({{a}}) / torch.where(torch.abs({{b}}) < {EPS!r}, torch.where({{b}} < 0, {-EPS!r}, {EPS!r}), {{b}})",
    "numpy": f"({{a}}) / np.where(np.abs({{b}}) < {EPS!r}, np.where({{b}} < 0, {-EPS!r}, {EPS!r}), {{b}})",
}  # fmt: skip


def source(node: Node, lib: str = "torch") -> str:
    """Code computing `node` from a tensor/array `x` and parameters named as in the tree."""
    kind = node.kind
    if kind == "x":
        return "x"
    if kind == "param":
        return str(node.value)
    if kind == "const":
        v = float(node.value)
        text = number(v) if not v.is_integer() else f"{v!r}"
        ones = "torch.ones_like(x)" if lib == "torch" else "np.ones_like(x)"
        return f"({text} * {ones})"
    args = [source(c, lib) for c in node.children]
    if kind == "neg":
        return f"(-{args[0]})"
    if kind == "add":
        return "(" + " + ".join(args) + ")"
    if kind == "mul":
        return "(" + " * ".join(args) + ")"
    if kind == "div":
        return _DIV[lib].format(a=args[0], b=args[1])
    if kind == "pow":
        return f"({args[0]} ** {int(node.value)})"
    if kind == "fn":
        return (_TORCH if lib == "torch" else _NUMPY)[str(node.value)].format(u=args[0])
    pick = {"torch": {"max": "torch.maximum", "min": "torch.minimum"},
            "numpy": {"max": "np.maximum", "min": "np.minimum"}}[lib][kind]  # fmt: skip
    out = args[0]
    for a in args[1:]:
        out = f"{pick}({out}, {a})"
    return out
