"""The spec table's row type: one `ActivationSpec` per activation.

A spec is data, not behaviour: the torch function, its float64 NumPy reference and analytic
derivative, parameters with valid ranges, and the claims (range, properties, limits, kinks)
that the generated tests check both ways. Everything else in actlab reads these rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from actlab.catalog.matching import close_matches
from actlab.catalog.maths.channels import ChannelError
from actlab.catalog.symbolic import Symbolic

INF = math.inf
SMOOTH = 99  # smoothness class C^inf

FAMILIES = (
    "linear",
    "relu-like",
    "smooth-gated",
    "exponential",
    "saturating",
    "shrink",
    "periodic",
    "gated",
    "multi-input",
    "polynomial",
    "adaptive",
)

# A publication year in a citation: four digits 1900-2099 that are not part of an arXiv
# number (1710.05941), a DOI or a page range.
_YEAR = re.compile(r"(?<![\w.:/-])(?:19|20)\d{2}(?![\w.])")


def year_of(paper: str) -> int | None:
    """The earliest publication year cited in `paper` (the first appearance of the idea)."""
    years = [int(y) for y in _YEAR.findall(paper)]
    return min(years) if years else None


def _fmt(v: float) -> str:
    if v == INF:
        return "∞"
    if v == -INF:
        return "-∞"
    return f"{v:g}"


@dataclass(frozen=True)
class Interval:
    """A real interval; `low_open`/`high_open` exclude the end points."""

    low: float = -INF
    high: float = INF
    low_open: bool = False
    high_open: bool = False

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"empty interval: low {self.low} > high {self.high}")

    def contains(self, v: float) -> bool:
        if math.isnan(v):
            return False
        above = v > self.low if (self.low_open or self.low == -INF) else v >= self.low
        below = v < self.high if (self.high_open or self.high == INF) else v <= self.high
        return above and below

    def __str__(self) -> str:
        left = "(" if self.low_open or self.low == -INF else "["
        right = ")" if self.high_open or self.high == INF else "]"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    @property
    def bounded_below(self) -> bool:
        return self.low > -INF

    @property
    def bounded_above(self) -> bool:
        return self.high < INF


REALS = Interval()
POSITIVE = Interval(0.0, INF, low_open=True)
NONNEGATIVE = Interval(0.0, INF)


@dataclass(frozen=True)
class Param:
    """One parameter of an activation, with its default and valid values.

    `kind` is float, int, bool or str; bool params list their `choices`, and a str param
    without `choices` takes any text (the spec's `constraint` then says which texts are valid).
    A `learnable` param becomes an `nn.Parameter` in the module form. A `vector` param is a
    learnable 1-D set of coefficients (rational coefficients, hinge slopes, spline weights):
    its value is a sequence of numbers, each in `valid`, and its default may be None, meaning
    "derived from the other params" by the spec's `resolve`, which also checks its length.
    """

    name: str
    default: Any
    valid: Interval = REALS
    kind: type = float
    choices: tuple[Any, ...] | None = None
    learnable: bool = False
    doc: str = ""
    vector: bool = False

    def describe_valid(self) -> str:
        if self.vector:
            return f"a sequence of numbers in {self.valid}"
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is int:
            return f"an integer in {self.valid}"
        return f"a number in {self.valid}"

    def check(self, value: Any, owner: str) -> Any:
        """Return `value` converted to this param's kind, or raise a ValueError naming the range."""
        where = f"{owner}: parameter {self.name!r}"
        if isinstance(value, torch.Tensor):
            if not self.learnable:
                raise TypeError(f"{where} takes a Python {self.kind.__name__}, not a tensor")
            finite = value.detach()
            bad = ~torch.tensor([self.valid.contains(float(v)) for v in finite.flatten()])
            if bad.any():
                raise ValueError(f"{where} must lie in {self.valid}; got values outside it")
            return value
        if self.vector:
            return self._check_vector(value, where)
        if self.choices is not None:
            if value not in self.choices:
                raise ValueError(f"{where} must be {self.describe_valid()}; got {value!r}")
            return value
        if self.kind is str:
            if not isinstance(value, str):
                raise TypeError(f"{where} must be a string; got {value!r}")
            return value
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{where} must be an integer; got {value!r}")
            value = int(value)
        else:
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.floating, np.integer)
            ):
                raise TypeError(f"{where} must be a number; got {value!r}")
            value = float(value)
        if not self.valid.contains(value):
            raise ValueError(f"{where} must be {self.describe_valid()}; got {value!r}")
        return value

    def _check_vector(self, value: Any, where: str) -> tuple[float, ...] | None:
        """None (derived default) or a non-empty tuple of floats, each in `valid`."""
        if value is None:
            return None
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise TypeError(f"{where} must be a sequence of numbers; got {value!r}")
        values = tuple(float(v) for v in np.asarray(value, dtype=np.float64).reshape(-1))
        if not values:
            raise ValueError(f"{where} must not be empty")
        outside = [v for v in values if not self.valid.contains(v)]
        if outside:
            raise ValueError(f"{where} must be {self.describe_valid()}; got {outside[0]!r}")
        return values


@dataclass(frozen=True)
class Properties:
    """Claims about f for one set of parameters (the spec's fields: its defaults; `facts`:
    any); each is tested numerically both ways.

    - monotonic: f is non-decreasing on the reals.
    - smoothness: the class C^k of f: -1 discontinuous, 0 continuous with kinks in f', k >= 1
      means f is k times continuously differentiable and (if k < SMOOTH) the (k+1)-th
      derivative jumps at one of `ActivationSpec.kinks`; SMOOTH (=99) means C^inf.
    - zero_centred: f(0) = 0 and f takes both signs, so outputs can average to zero.
    - self_normalising: for z ~ N(0, 1), f(z) has mean 0 and variance 1 (a fixed point).
    """

    monotonic: bool
    smoothness: int
    zero_centred: bool
    self_normalising: bool = False

    @property
    def smoothness_text(self) -> str:
        if self.smoothness < 0:
            return "discontinuous"
        return "C^∞" if self.smoothness >= SMOOTH else f"C^{self.smoothness}"


@dataclass(frozen=True)
class Facts:
    """What an elementwise entry claims about f for one set of parameters.

    The spec's own fields (`output_range`, `properties`, `limits`, `kinks`, `kink_derivative`)
    are the facts at its defaults; a spec whose facts depend on its parameters also gives
    `facts(params) -> Facts`, and `spec.facts_for(params)` returns them for any parameters.
    `kink_derivative` gives f' at a kink as autograd computes it (the convention there); it
    may also name a point that is no kink of f where autograd's value is a convention (the
    identity-like softshrink with lambd = 0 has f'(0) = 0).
    """

    output_range: Interval
    properties: Properties
    limits: tuple[float, float]
    kinks: tuple[float, ...] = ()
    kink_derivative: Mapping[float, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ActivationSpec:
    """One activation function: its math, its torch form, and the claims made about it.

    `fn(x, **params)` is the torch implementation (calling PyTorch's native kernel where one
    exists, given in `native`). `ref(x, **params)` and `ref_d1(x, **params)` are independent
    float64 NumPy/SciPy versions of f and its analytic derivative. For elementwise entries
    `ref_d1` is df/dx; for multi-input entries (`elementwise=False`) it is None and the
    Jacobian is checked against finite differences of `ref`.
    """

    name: str
    family: str
    summary: str
    fn: Callable[..., torch.Tensor]
    # Either both hand-written (NumPy/SciPy) or derived from `sym` (then leave them None).
    ref: Callable[..., np.ndarray] | None = None
    ref_d1: Callable[..., np.ndarray] | None = None
    formula: str = ""  # LaTeX of f
    formula_d1: str = ""  # LaTeX of f'
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    output_range: Interval | None = REALS  # None for multi-input entries
    properties: Properties | None = None  # None for multi-input entries
    kinks: tuple[float, ...] = ()
    kink_derivative: Mapping[float, float] = field(default_factory=dict)
    limits: tuple[float, float] | None = None  # (f(-inf), f(+inf)); nan where no limit
    paper: str = ""
    # Where in the cited source the formula was checked and against what text, e.g.
    # "Eq. (4), arXiv:1808.00783 (text read via the search tool): matches" - or, where the
    # paper itself could not be read, which secondary source was used instead.
    checked: str = ""
    native: str | None = None  # dotted path of PyTorch's function, when fn calls it
    native_kwargs: Mapping[str, Any] = field(default_factory=dict)  # fixed extra args for it
    elementwise: bool = True
    stochastic: bool = False  # module passes training=self.training
    gradcheck: bool = True
    gradgradcheck: bool = True
    notes: str = ""
    # One line shown beside the claims wherever they are listed (actlab list, show, docs),
    # for a claim a reader would take for a mistake (softplus: "not monotonic").
    caveat: str = ""
    xfail: Mapping[str, str] = field(default_factory=dict)  # test name -> reason
    test_params: tuple[Mapping[str, Any], ...] = ()  # extra parameter sets for forward tests
    constraint: Callable[[Mapping[str, Any]], str | None] | None = None  # joint check, says why
    # Fills `vector` params left at None from the others (e.g. fitted coefficients) and checks
    # their lengths (raising ValueError); bind() calls it last, so fn always gets numbers.
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # The module class's name when neither PyTorch's spelling nor the CamelCase of `name` fits
    # (acronyms: "GELUTanh", "SwiGLU"); see actlab.catalog.module.class_name.
    class_name: str = ""
    # The claims as a function of the bound parameters, for an entry whose range, limits,
    # kinks or properties change with them; the fields above stay the claims at the defaults
    # (a test checks that both agree there).
    facts: Callable[[Mapping[str, Any]], Facts] | None = None
    # What limits its ONNX export ("" when it exports in every mode); the torch form raises
    # a clear error where it cannot export, and the docs page shows this text.
    onnx: str = ""
    # The SymPy expression of f in x and the parameters (see actlab.catalog.symbolic): ref and
    # ref_d1 are then derived from it (f' by SymPy's exact differentiation), an independent
    # path from the hand-written torch form that the generated tests compare it with.
    sym: str = ""
    # The year the activation was first published; None derives it from `paper` (the earliest
    # year cited there). Every entry has one.
    year: int | None = None
    symbolic: Symbolic | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"{self.name}: family {self.family!r} is not one of {FAMILIES}")
        if not (self.formula and self.formula_d1):
            raise ValueError(f"{self.name}: formula and formula_d1 (LaTeX) are required")
        self._derive_references()
        year = self.year if self.year is not None else year_of(self.paper)
        if year is None:
            raise ValueError(f"{self.name}: give year= or a paper that names its year")
        if not 1900 <= year <= 2100:
            raise ValueError(f"{self.name}: year {year} is not a publication year")
        object.__setattr__(self, "year", year)
        if self.elementwise:
            missing = [
                f
                for f in ("ref_d1", "properties", "limits", "output_range")
                if getattr(self, f) is None
            ]
            if missing:
                raise ValueError(f"{self.name}: elementwise specs need {', '.join(missing)}")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate parameter names {names}")
        for p in self.params:
            p.check(p.default, self.name)

    def _derive_references(self) -> None:
        """ref and ref_d1 from `sym`, or check that hand-written ones are complete."""
        if self.sym:
            if self.ref is not None or self.ref_d1 is not None:
                raise ValueError(f"{self.name}: give either sym or ref/ref_d1, not both")
            if not self.elementwise:
                raise ValueError(f"{self.name}: sym describes an elementwise f(x)")
            names = [p.name for p in self.params if not p.vector and p.kind in (float, int)]
            symbolic = Symbolic(self.sym, names)
            object.__setattr__(self, "symbolic", symbolic)
            object.__setattr__(self, "ref", symbolic.ref)
            object.__setattr__(self, "ref_d1", symbolic.ref_d1)
        elif self.ref is None:
            raise ValueError(f"{self.name}: needs ref (and ref_d1) or a sym expression")

    # -- parameters ---------------------------------------------------------------------
    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    @property
    def learnable(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.learnable)

    def bind(self, **params: Any) -> dict[str, Any]:
        """Defaults overridden by `params`, each checked; unknown names raise TypeError."""
        known = {p.name: p for p in self.params}
        unknown = [k for k in params if k not in known]
        if unknown:
            valid = ", ".join(known) or "none"
            hints = {k: close_matches(k, list(known)) for k in unknown}
            hint = "; ".join(
                f"{k!r} (did you mean {', '.join(map(repr, h))}?)" if h else repr(k)
                for k, h in hints.items()
            )
            raise TypeError(f"{self.name}: unknown parameter {hint}. Valid parameters: {valid}")
        bound = {name: p.check(params.get(name, p.default), self.name) for name, p in known.items()}
        problem = self.constraint(bound) if self.constraint else None
        if problem:
            raise ValueError(f"{self.name}: {problem}")
        return self.resolve(bound) if self.resolve else bound

    # -- evaluation ---------------------------------------------------------------------
    def apply(self, x: torch.Tensor, params: Mapping[str, Any]) -> torch.Tensor:
        """Evaluate with already-bound params. Composite (non-native) forms run half
        precision in float32 and round once, as PyTorch's own CPU kernels do. Vector params
        left at None (e.g. from `defaults`) are resolved here, as `bind` would."""
        if self.resolve and any(params.get(p.name) is None for p in self.params if p.vector):
            params = self.resolve(dict(params))
        try:
            if self.native is None and x.dtype in (torch.float16, torch.bfloat16):
                return self.fn(x.float(), **params).to(x.dtype)
            return self.fn(x, **params)
        except ChannelError as err:  # say which entry's parameters do not fit the input
            raise ChannelError(f"{self.name}: {err}") from None

    def __call__(self, x: torch.Tensor, **params: Any) -> torch.Tensor:
        return self.apply(x, self.bind(**params))

    def call_native(self, x: torch.Tensor, **params: Any) -> torch.Tensor:
        """Call PyTorch's own function named by `native` directly, bypassing actlab.

        Only the params that function accepts are passed (e.g. silu's beta=1 is dropped);
        learnable params become 1-element tensors, as PyTorch's functions expect."""
        import importlib
        import inspect

        if self.native is None:
            raise TypeError(f"{self.name} has no PyTorch-native function")
        module_path, _, attr = self.native.rpartition(".")
        fn = getattr(importlib.import_module(module_path), attr)
        kwargs = {**self.defaults, **params, **self.native_kwargs}
        try:
            accepted = set(inspect.signature(fn).parameters)
            kwargs = {k: v for k, v in kwargs.items() if k in accepted}
        except (TypeError, ValueError):  # builtins without a signature take the input only
            kwargs = dict(self.native_kwargs)
        for p in self.learnable:
            kwargs[p.name] = torch.tensor([kwargs.get(p.name, p.default)], dtype=x.dtype)
        return fn(x, **kwargs)

    def facts_for(self, params: Mapping[str, Any] | None = None) -> Facts:
        """The claims for `params` (defaults filled in; learnable values may be numbers or
        one-element tensors). Raises TypeError for a multi-input entry, which makes none."""
        if not self.elementwise:
            raise TypeError(f"{self.name} is not elementwise; it makes no claims about f(x)")
        if self.facts is None or params is None:
            return Facts(
                self.output_range,  # type: ignore[arg-type]
                self.properties,  # type: ignore[arg-type]
                self.limits,  # type: ignore[arg-type]
                self.kinks,
                self.kink_derivative,
            )
        vectors = {p.name for p in self.params if p.vector}
        values = {}
        for key, value in {**self.defaults, **params}.items():
            if isinstance(value, torch.Tensor):
                shared = (
                    value.dim() <= 1 or value.shape[0] == 1
                    if key in vectors
                    else value.numel() == 1
                )
                if not shared:
                    raise ValueError(
                        f"{self.name}: facts are stated for one shared set of {key!r}, "
                        f"not per-channel values of shape {tuple(value.shape)}"
                    )
                flat = value.detach().double().reshape(-1).tolist()
                value = tuple(flat) if key in vectors else flat[0]
            values[key] = value
        if self.resolve and any(values.get(p.name) is None for p in self.params if p.vector):
            values = self.resolve(values)
        return self.facts(values)

    def reference(self, x: np.ndarray, **params: Any) -> np.ndarray:
        return self.ref(np.asarray(x, dtype=np.float64), **{**self.defaults, **params})

    def reference_d1(self, x: np.ndarray, **params: Any) -> np.ndarray:
        if self.ref_d1 is None:
            raise TypeError(f"{self.name} is not elementwise; it has no scalar derivative")
        return self.ref_d1(np.asarray(x, dtype=np.float64), **{**self.defaults, **params})
