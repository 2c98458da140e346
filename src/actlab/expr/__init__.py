"""Expressions over x as activations: ``actlab.make("expr:x*sigmoid(beta*x)", beta=1.0)``.

- `tree`: the language (parse, canonical form, printing);
- `functions`: its functions in torch (safe for training), NumPy and SymPy forms;
- `module`: `Expression`, the `nn.Module` (learnable or fixed parameters β);
- `facts`: properties measured numerically (range, limits, monotonic, smoothness, ...);
- `symbolic`: LaTeX of f and f′ and NumPy code (SymPy, imported only when asked).

This layer sits just above the catalogue (it uses its per-channel broadcasting) and below
the factory; the catalogue never imports it.
"""

from actlab.expr.module import PREFIX, Expression, evaluate, is_expression, strip_prefix
from actlab.expr.tree import ExpressionError, Node, canonical, canonical_tree, parse, show

__all__ = [
    "PREFIX",
    "Expression",
    "ExpressionError",
    "Node",
    "canonical",
    "canonical_tree",
    "evaluate",
    "is_expression",
    "parse",
    "show",
    "strip_prefix",
]
