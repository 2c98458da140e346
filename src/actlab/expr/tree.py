"""Expression trees over x: parse text, bring it to a canonical form, print it.

The language: the variable ``x``; numbers (``2``, ``0.5``, ``1e-3``, ``pi``); parameters
``beta``, ``beta2``, ... (learnable by default); ``+ - * /`` (``/`` is the safe division of
`actlab.expr.functions`); ``^`` with a whole-number exponent 0..12 (``**`` also works);
``max(a, b, ...)``, ``min(a, b, ...)``; and the unary functions of `FUNCTIONS` (abs, sqrt, log,
exp, sin, cos, sinh, cosh, tanh, asinh, atan, sinc, relu, sigmoid, softplus, erf).

The canonical form makes equal expressions equal strings wherever simple algebra shows them
equal: sums and products are flattened and sorted, like terms and powers collected
(``x*x`` → ``x^2``, ``x - x`` → ``0``), constants folded, signs moved out of odd functions
and dropped inside even ones, ``max(u, 0)`` written ``relu(u)``, and parameters renamed
``beta, beta2, ...`` in order of appearance. Functions equal for deeper reasons
(``relu(x)`` and ``(x + abs(x))/2``) get different strings; the search's fingerprint finds them.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

import numpy as np

from actlab.expr.functions import ALIASES, EPS, FUNCTIONS

MAX_EXPONENT = 12
PARAM = re.compile(r"beta\d*")
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op>\*\*|[-+*/^(),]))"
)
_NONNEGATIVE = {"abs", "relu", "exp", "cosh", "sigmoid", "softplus", "sqrt"}


class ExpressionError(ValueError):
    """Text that is not an expression of the language; the message says where and why."""


@dataclass(frozen=True)
class Node:
    """A node: kind in x, const, param, neg, add, mul, div, pow, fn, max, min.

    `value` is the number (const), the name (param, fn) or the exponent (pow)."""

    kind: str
    children: tuple[Node, ...] = ()
    value: float | int | str | None = None

    @property
    def size(self) -> int:
        return 1 + sum(c.size for c in self.children)


X = Node("x")


def const(value: float) -> Node:
    value = float(value)
    if not math.isfinite(value):
        raise ExpressionError(f"a constant folds to {value}, which is not a finite number")
    return Node("const", (), 0.0 if value == 0 else value)


# -- parsing ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                rest = text[position:]
                if rest.strip() == "":
                    break
                at = position + len(rest) - len(rest.lstrip())
                raise ExpressionError(f"unexpected {text[at]!r} at {at} in {text!r}")
            kind = match.lastgroup or "op"
            self.tokens.append((kind, match.group(kind), match.start(kind)))
            position = match.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        if self.i >= len(self.tokens):
            want = f"{expected!r}" if expected else "more"
            raise ExpressionError(f"{self.text!r} ends too early: expected {want}")
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise ExpressionError(
                f"expected {expected!r} at {token[2]} in {self.text!r}, found {token[1]!r}"
            )
        self.i += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("empty expression; write one over x, e.g. x*sigmoid(beta*x)")
        node = self.sum()
        if self.i < len(self.tokens):
            _, text, at = self.tokens[self.i]
            raise ExpressionError(f"unexpected {text!r} at {at} in {self.text!r}")
        return node

    def sum(self) -> Node:
        terms = [self.product()]
        while self.peek() in ("+", "-"):
            sign = self.take()[1]
            term = self.product()
            terms.append(term if sign == "+" else Node("neg", (term,)))
        return terms[0] if len(terms) == 1 else Node("add", tuple(terms))

    def product(self) -> Node:
        node = self.factor()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            right = self.factor()
            node = Node("mul", (node, right)) if op == "*" else Node("div", (node, right))
        return node

    def factor(self) -> Node:
        if self.peek() in ("-", "+"):
            sign = self.take()[1]
            inner = self.factor()
            return Node("neg", (inner,)) if sign == "-" else inner
        base = self.atom()
        if self.peek() in ("^", "**"):
            self.take()
            exponent = simplify(self.factor())
            ok = exponent.kind == "const" and float(exponent.value).is_integer()
            if not ok or not 0 <= float(exponent.value) <= MAX_EXPONENT:
                raise ExpressionError(
                    f"^ takes a whole-number exponent 0..{MAX_EXPONENT} in {self.text!r}"
                )
            return Node("pow", (base,), int(exponent.value))
        return base

    def atom(self) -> Node:
        kind, text, at = self.take()
        if kind == "num":
            return const(float(text))
        if text == "(":
            node = self.sum()
            self.take(")")
            return node
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} at {at} in {self.text!r}")
        if text == "x":
            return X
        if text == "pi":
            return const(math.pi)
        if PARAM.fullmatch(text):
            return Node("param", (), text)
        name = ALIASES.get(text, text)
        if name not in FUNCTIONS and name not in ("max", "min"):
            known = ["x", "beta", "pi", "max", "min", *FUNCTIONS]
            close = difflib.get_close_matches(text, known, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ExpressionError(
                f"unknown name {text!r} at {at} in {self.text!r}{hint}; the language has x, "
                f"beta (parameters beta, beta2, ...), numbers, pi, max, min and "
                f"{', '.join(FUNCTIONS)}"
            )
        self.take("(")
        args = [self.sum()]
        while self.peek() == ",":
            self.take()
            args.append(self.sum())
        self.take(")")
        if name in ("max", "min"):
            if len(args) < 2:
                raise ExpressionError(f"{name}() takes two or more arguments in {self.text!r}")
            return Node(name, tuple(args))
        if len(args) != 1:
            raise ExpressionError(f"{name}() takes one argument, got {len(args)} in {self.text!r}")
        return Node("fn", (args[0],), name)


def parse(text: str) -> Node:
    """The tree of `text` as written (not yet canonical); ExpressionError if malformed."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression is text, got {type(text).__name__}")
    return _Parser(text).parse()


# -- canonical form ---------------------------------------------------------------------------


def _key(node: Node) -> str:
    return show(node)


def _order(node: Node) -> tuple:
    """Sort key of commutative arguments: parameters, then x, then simpler before larger;
    parameter names are masked so that renaming them never reorders (then the full text)."""
    rank = {"const": 0, "param": 1, "x": 2}.get(node.kind, 3)
    return (rank, node.size, show(node, mask=True), show(node))


def _flat(kind: str, children: tuple[Node, ...]) -> list[Node]:
    out: list[Node] = []
    for child in children:
        out.extend(_flat(kind, child.children) if child.kind == kind else [child])
    return out


def _factors(children: tuple[Node, ...]) -> tuple[float, list[Node]]:
    """(sign, factors) of a product: nested products flattened, minus signs taken out."""
    sign, out = 1.0, []
    for child in children:
        while child.kind == "neg":
            sign, child = -sign, child.children[0]
        if child.kind == "mul":
            inner_sign, inner = _factors(child.children)
            sign *= inner_sign
            out.extend(inner)
        else:
            out.append(child)
    return sign, out


def _split(node: Node) -> tuple[float, Node | None]:
    """node = coefficient × monomial (None: node is the constant coefficient)."""
    if node.kind == "const":
        return float(node.value), None
    if node.kind == "neg":
        c, m = _split(node.children[0])
        return -c, m
    if node.kind == "mul" and node.children[0].kind == "const":
        rest = node.children[1:]
        return float(node.children[0].value), rest[0] if len(rest) == 1 else Node("mul", rest)
    return 1.0, node


def _add(children: tuple[Node, ...]) -> Node:
    total, terms = 0.0, {}
    for child in _flat("add", children):
        c, m = _split(child)
        if m is None:
            total += c
        else:
            key = _key(m)
            terms[key] = (terms.get(key, (0.0, m))[0] + c, m)
    parts = [_mul((const(c), m)) for c, m in terms.values() if c != 0]
    parts.sort(key=_order)
    if total != 0 or not parts:
        parts.append(const(total))
    return parts[0] if len(parts) == 1 else Node("add", tuple(parts))


def _mul(children: tuple[Node, ...]) -> Node:
    coefficient, factors = _factors(children)
    powers: dict[str, tuple[Node, int]] = {}
    for child in factors:
        if child.kind == "const":
            coefficient *= float(child.value)
            continue
        base, n = (child.children[0], int(child.value)) if child.kind == "pow" else (child, 1)
        key = _key(base)
        powers[key] = (base, powers.get(key, (base, 0))[1] + n)
    if coefficient == 0:
        return const(0.0)
    factors = sorted((_pow(b, n) for b, n in powers.values() if n != 0), key=_order)
    factors = [f for f in factors if not (f.kind == "const" and f.value == 1.0)]
    if not factors:
        return const(coefficient)
    core = factors[0] if len(factors) == 1 else Node("mul", tuple(factors))
    if coefficient == 1:
        return core
    if coefficient == -1:
        return Node("neg", (core,))
    return Node("mul", (const(coefficient), *factors))


def _neg(node: Node) -> Node:
    if node.kind == "add":
        return _add(tuple(_neg(c) for c in node.children))
    if node.kind in ("const", "neg", "mul"):
        return _mul((const(-1), node))
    return Node("neg", (node,))


def _pow(base: Node, n: int) -> Node:
    if n == 0:
        return const(1.0)
    if n == 1:
        return base
    if base.kind == "const":
        return const(float(base.value) ** n)
    if base.kind == "pow":
        return _pow(base.children[0], int(base.value) * n)
    if base.kind == "neg":
        inner = _pow(base.children[0], n)
        return inner if n % 2 == 0 else _neg(inner)
    if base.kind == "fn" and base.value == "abs" and n % 2 == 0:
        return _pow(base.children[0], n)
    if n > MAX_EXPONENT:
        raise ExpressionError(f"an exponent grows to {n}, above the limit {MAX_EXPONENT}")
    return Node("pow", (base,), n)


def _nonnegative(node: Node) -> bool:
    if node.kind == "pow":
        return int(node.value) % 2 == 0
    return node.kind == "fn" and node.value in _NONNEGATIVE


def _fn(name: str, arg: Node) -> Node:
    f = FUNCTIONS[name]
    if arg.kind == "const":
        return const(float(f.numpy_fn(np.float64(arg.value))))
    if f.parity == "even" and (arg.kind == "neg" or (arg.kind == "fn" and arg.value == "abs")):
        return _fn(name, arg.children[0])  # f(-u) = f(|u|) = f(u)
    if arg.kind == "neg" and f.parity == "odd":
        return _neg(_fn(name, arg.children[0]))
    if name in ("abs", "relu") and _nonnegative(arg):
        return arg
    if name == "relu" and arg.kind == "fn" and arg.value == "abs":
        return arg
    if name == "sqrt" and arg.kind == "pow" and int(arg.value) == 2:
        return _fn("abs", arg.children[0])
    return Node("fn", (arg,), name)


def _extreme(kind: str, children: tuple[Node, ...]) -> Node:
    unique: dict[str, Node] = {}
    for child in _flat(kind, children):
        unique.setdefault(_key(child), child)
    items = sorted((c for c in unique.values() if c.kind != "const"), key=_order)
    constants = [float(c.value) for c in unique.values() if c.kind == "const"]
    if constants:  # the constant goes last: max(x, 1)
        items.append(const(max(constants) if kind == "max" else min(constants)))
    if len(items) == 1:
        return items[0]
    if len(items) == 2 and items[1].kind == "const" and items[1].value == 0.0:
        if kind == "max":
            return _fn("relu", items[0])
        return _neg(_fn("relu", _neg(items[0])))
    return Node(kind, tuple(items))


def _div(a: Node, b: Node) -> Node:
    if b.kind == "const":
        v = float(b.value)
        away = v if abs(v) >= EPS else (-EPS if v < 0 else EPS)
        return _mul((a, const(1.0 / away)))
    if a.kind == "const" and a.value == 0.0:
        return a
    if a.kind == "neg":
        return _neg(_div(a.children[0], b))
    return Node("div", (a, b))


def simplify(node: Node) -> Node:
    """Bottom-up canonical rewriting (parameter names untouched; see `canonical`)."""
    kids = tuple(simplify(c) for c in node.children)
    kind = node.kind
    if kind in ("x", "const", "param"):
        return node
    if kind == "neg":
        return _neg(kids[0])
    if kind == "add":
        return _add(kids)
    if kind == "mul":
        return _mul(kids)
    if kind == "div":
        return _div(*kids)
    if kind == "pow":
        return _pow(kids[0], int(node.value))
    if kind == "fn":
        return _fn(str(node.value), kids[0])
    return _extreme(kind, kids)


def params(node: Node) -> list[str]:
    """Parameter names in order of first appearance in the printed form."""
    names: list[str] = []
    for name in re.findall(r"\bbeta\d*\b", show(node)):
        if name not in names:
            names.append(name)
    return names


def rename(node: Node, names: dict[str, str]) -> Node:
    if node.kind == "param":
        return Node("param", (), names.get(str(node.value), node.value))
    if not node.children:
        return node
    return Node(node.kind, tuple(rename(c, names) for c in node.children), node.value)


def canonical_tree(text: str) -> tuple[Node, dict[str, str]]:
    """(canonical tree, original parameter name -> canonical name) of `text`."""
    node = simplify(parse(text))
    mapping = {name: name for name in params(node)}
    for _ in range(4):  # renaming can change a tie in the order once; stop at the fixed point
        order = params(node)
        names = {old: ("beta" if i == 0 else f"beta{i + 1}") for i, old in enumerate(order)}
        renamed = simplify(rename(node, names))
        mapping = {orig: names[cur] for orig, cur in mapping.items()}
        if show(renamed) == show(node):
            break
        node = renamed
    return node, mapping


def canonical(text: str) -> str:
    """The canonical text of an expression: equal for expressions equal by simple algebra.

    >>> canonical("sigmoid(beta1 * x) * x")
    'x*sigmoid(beta*x)'
    >>> canonical("x - x + max(0, x*x)")
    'x^2'
    """
    return show(canonical_tree(text)[0])


# -- printing ---------------------------------------------------------------------------------


def number(value: float) -> str:
    """Shortest text of a number: `2`, `0.5`, `1e-06`."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def show(node: Node, mask: bool = False) -> str:
    """The text of a tree (canonical when the tree is); `mask` prints every parameter as beta."""
    return _show(node, mask)[0]


def _wrap(part: tuple[str, int], below: int) -> str:
    return f"({part[0]})" if part[1] < below else part[0]


def _show(node: Node, mask: bool) -> tuple[str, int]:
    """(text, precedence): 1 sum, 2 product/quotient, 3 negation, 4 power, 5 atom."""
    kind = node.kind
    if kind == "x":
        return "x", 5
    if kind == "param":
        return ("beta" if mask else str(node.value)), 5
    if kind == "const":
        v = float(node.value)
        return (number(v), 5) if v >= 0 else ("-" + number(-v), 3)
    parts = [_show(c, mask) for c in node.children]
    if kind == "fn":
        return f"{node.value}({parts[0][0]})", 5
    if kind in ("max", "min"):
        return f"{kind}({', '.join(p[0] for p in parts)})", 5
    if kind == "pow":
        return f"{_wrap(parts[0], 5)}^{node.value}", 4
    if kind == "neg":
        return "-" + _wrap(parts[0], 2), min(3, parts[0][1])
    if kind == "div":
        return f"{_wrap(parts[0], 2)}/{_wrap(parts[1], 4)}", 2
    if kind == "mul":
        first = node.children[0]
        lead = parts[0][0] if first.kind == "const" else _wrap(parts[0], 3)
        return "*".join([lead] + [_wrap(p, 3) for p in parts[1:]]), 2
    text = parts[0][0]
    for child, part in zip(node.children[1:], parts[1:], strict=True):
        c, m = _split(child)
        if c < 0 and m is not None:
            text += " - " + show(_mul((const(-c), m)), mask)
        elif c < 0:
            text += " - " + number(-c)
        else:
            text += " + " + part[0]
    return text, 1
