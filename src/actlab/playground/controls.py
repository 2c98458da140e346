"""The playground's state: every control, its valid values, and its URL encoding.

The URL query string is the one wire format. The page builds it from its controls, the server
parses and checks it here, and answers with the canonical form, which the page puts back into
its address bar, so a copied link reproduces the whole setup (seeds included).

A bad value never aborts a parse: it is reported with the valid range and the previous value
is kept, so the page always has a working setup to show next to the message.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

import actlab
from actlab.catalog import ActivationSpec, Param
from actlab.data.toy import toy_names

DATASETS = tuple(toy_names())  # moons, circles, spiral, xor, gauss
# key -> label; sin features use sin(pi * x) since the playground's plane is [-1, 1]^2
FEATURES = {
    "x1": "x₁",
    "x2": "x₂",
    "x1sq": "x₁²",
    "x2sq": "x₂²",
    "x1x2": "x₁x₂",
    "sinx1": "sin(πx₁)",
    "sinx2": "sin(πx₂)",
}
OPTIMIZERS = ("sgd", "adam")
LOSSES = ("cross_entropy",)
MAX_LAYERS = 6
MAX_WIDTH = 16
MAX_QUERY_CHARS = 4000
SEED_MAX = 2**31 - 1


class StateError(ValueError):
    """A query that cannot give any usable state (raised only where no fallback exists)."""


@dataclass(frozen=True)
class Number:
    """A scalar control: its query key, the state field it sets, and its closed range."""

    key: str
    field: str
    kind: type  # int or float
    low: float
    high: float
    label: str

    def parse(self, text: str) -> int | float:
        if self.kind is int:
            if not re.fullmatch(r"[+-]?\d{1,12}", text.strip()):
                raise ValueError(
                    f"must be an integer in [{self.low:g}, {self.high:g}]; got {text!r}"
                )
            value: int | float = int(text)
        else:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(
                    f"must be a number in [{self.low:g}, {self.high:g}]; got {text!r}"
                ) from None
        if not (math.isfinite(value) and self.low <= value <= self.high):
            kind = "an integer" if self.kind is int else "a number"
            raise ValueError(f"must be {kind} in [{self.low:g}, {self.high:g}]; got {text!r}")
        return value


NUMBERS = (
    Number("noise", "noise", float, 0.0, 1.0, "Noise"),
    Number("points", "points", int, 20, 1000, "Points"),
    Number("train", "train_ratio", float, 0.1, 0.9, "Training share"),
    Number("dseed", "data_seed", int, 0, SEED_MAX, "Data seed"),
    Number("lr", "lr", float, 1e-5, 10.0, "Learning rate"),
    Number("batch", "batch", int, 1, 1000, "Batch size"),
    Number("l2", "l2", float, 0.0, 1.0, "L2"),
    Number("seed", "seed", int, 0, SEED_MAX, "Seed"),
)
CHOICES = {
    "dataset": ("dataset", DATASETS),
    "opt": ("optimizer", OPTIMIZERS),
    "loss": ("loss", LOSSES),
}
KEY_ORDER = (
    "dataset",
    "noise",
    "points",
    "train",
    "dseed",
    "features",
    "layers",
    "act",
    "lr",
    "batch",
    "opt",
    "l2",
    "loss",
    "seed",
)


@dataclass(frozen=True)
class LayerActivation:
    """One hidden layer's activation: a catalogue name and its full, checked parameters."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    def derived(self) -> dict[str, Any]:
        """The vector params' values derived from the others (a spline's zero coefficients for
        its grid, a rational's fit to its `init`): what `bind` gives when they are left out."""
        spec = actlab.get(self.name)
        vectors = {p.name for p in spec.params if p.vector}
        if not vectors:
            return {}
        bound = spec.bind(**{k: v for k, v in self.params if k not in vectors})
        return {k: bound[k] for k in vectors}

    def explicit(self) -> dict[str, Any]:
        """The parameters that differ from their defaults (vectors: from their derived value)."""
        defaults = {**actlab.get(self.name).defaults, **self.derived()}
        return {k: v for k, v in self.params if v != defaults[k]}

    def encode(self) -> str:
        """`name` plus `:key=value` for each parameter that differs from its default. Vectors
        are written `a;b;c`; text is percent-escaped where it holds `,:=;%`, the characters
        that separate layers, parameters and values."""
        extra = [f"{k}={_encode_param(v)}" for k, v in self.explicit().items()]
        return ":".join([self.name, *extra])


@dataclass(frozen=True)
class PlaygroundState:
    dataset: str = "circles"
    noise: float = 0.05
    points: int = 400
    train_ratio: float = 0.5
    data_seed: int = 1
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[int, ...] = (4, 2)
    activations: tuple[LayerActivation, ...] = field(
        default_factory=lambda: (LayerActivation("tanh"), LayerActivation("tanh"))
    )
    lr: float = 0.03
    batch: int = 10
    optimizer: str = "sgd"
    l2: float = 0.0
    loss: str = "cross_entropy"
    seed: int = 0

    def to_query(self) -> str:
        """The canonical query string: every control, in a fixed order."""
        values = {
            "features": ",".join(self.features),
            "layers": ",".join(str(w) for w in self.layers),
            "act": ",".join(a.encode() for a in self.activations),
        }
        for number in NUMBERS:
            values[number.key] = _format_value(getattr(self, number.field))
        for key, (attr, _) in CHOICES.items():
            values[key] = getattr(self, attr)
        return urlencode([(k, values[k]) for k in KEY_ORDER], safe=",:=;")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the page: every field, activation parameters in full."""
        out: dict[str, Any] = {n.key: getattr(self, n.field) for n in NUMBERS}
        out.update({key: getattr(self, attr) for key, (attr, _) in CHOICES.items()})
        out["features"] = list(self.features)
        out["layers"] = list(self.layers)
        out["act"] = [
            {"name": a.name, "params": {**a.kwargs, **dict.fromkeys(_unchanged_vectors(a))}}
            for a in self.activations
        ]  # a derived vector is null: the page leaves it out, so it follows the other params
        return out


def _unchanged_vectors(act: LayerActivation) -> list[str]:
    params = act.kwargs
    return [k for k, v in act.derived().items() if params[k] == v]


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)  # repr round-trips floats


def _compact(value: float) -> str:
    """The shortest text that reads back as exactly `value`: 1 for 1.0, else repr."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _encode_param(value: Any) -> str:
    if isinstance(value, tuple):
        return ";".join(_compact(float(v)) for v in value)
    if isinstance(value, str):
        return quote(value, safe="+-._~!*()'")  # ,:=;% become %XX
    return _format_value(value)


def _did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    hints = difflib.get_close_matches(word, list(options), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(map(repr, hints))}?)" if hints else ""


def playground_activations() -> list[ActivationSpec]:
    """Catalogue entries a hidden layer can use: the elementwise ones."""
    return [spec for spec in actlab.specs() if spec.elementwise]


def _parse_param(param: Param, text: str, owner: str) -> Any:
    if param.vector:
        parts = text.split(";")
        try:
            return tuple(float(part) for part in parts)
        except ValueError:
            raise ValueError(
                f"{owner}: parameter {param.name!r} must be numbers separated by ';'; got {text!r}"
            ) from None
    if param.kind is str and param.choices is None:
        return text  # any text: the spec's own checks (bind) say which texts are valid
    if param.choices is not None and param.kind is not bool:
        if text not in [str(c) for c in param.choices]:
            raise ValueError(
                f"{owner}: parameter {param.name!r} must be {param.describe_valid()}; got {text!r}"
            )
        return next(c for c in param.choices if str(c) == text)
    if param.kind is bool:
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(
                f"{owner}: parameter {param.name!r} must be true or false; got {text!r}"
            )
        return text.lower() in ("true", "1")
    if param.kind is int:
        if not re.fullmatch(r"[+-]?\d{1,12}", text.strip()):
            raise ValueError(
                f"{owner}: parameter {param.name!r} must be {param.describe_valid()}; got {text!r}"
            )
        return int(text)
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"{owner}: parameter {param.name!r} must be {param.describe_valid()}; got {text!r}"
        ) from None


def parse_activation(text: str) -> LayerActivation:
    """`leaky_relu:negative_slope=0.1` -> LayerActivation, every parameter checked."""
    name, *pairs = text.strip().split(":")
    try:
        spec = actlab.get(name)
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(str(err)) from None
    if not spec.elementwise:
        raise ValueError(
            f"{spec.name} is not elementwise (it mixes units), so it cannot be a "
            "hidden layer's activation here"
        )
    known = {p.name: p for p in spec.params}
    given: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"{spec.name}: expected parameter=value, got {pair!r}")
        if key not in known:
            valid = ", ".join(known) or "none"
            raise ValueError(
                f"{spec.name}: unknown parameter {key!r}"
                f"{_did_you_mean(key, list(known))}. Valid parameters: {valid}"
            )
        given[key] = _parse_param(known[key], unquote(value), spec.name)
    try:
        bound = spec.bind(**given)
    except (TypeError, ValueError) as err:
        raise ValueError(str(err)) from None
    return LayerActivation(spec.name, tuple(bound.items()))


def _parse_layers(text: str) -> tuple[int, ...]:
    parts = [p for p in text.split(",") if p.strip()]
    if len(parts) > MAX_LAYERS:
        raise ValueError(f"at most {MAX_LAYERS} hidden layers; got {len(parts)}")
    widths = []
    for part in parts:
        if not re.fullmatch(r"\s*\d{1,6}\s*", part) or not 1 <= int(part) <= MAX_WIDTH:
            raise ValueError(f"each width must be an integer in [1, {MAX_WIDTH}]; got {part!r}")
        widths.append(int(part))
    return tuple(widths)


def _parse_features(text: str) -> tuple[str, ...]:
    chosen = [p.strip() for p in text.split(",") if p.strip()]
    for key in chosen:
        if key not in FEATURES:
            raise ValueError(
                f"unknown feature {key!r}{_did_you_mean(key, list(FEATURES))}; "
                f"valid: {', '.join(FEATURES)}"
            )
    if not chosen:
        raise ValueError("choose at least one input feature")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"feature listed twice in {text!r}")
    return tuple(k for k in FEATURES if k in chosen)  # canonical order


def _fit_activations(acts: tuple[LayerActivation, ...], depth: int) -> tuple[LayerActivation, ...]:
    """Pad (repeating the last, or tanh) or cut so there is one activation per hidden layer."""
    filler = acts[-1] if acts else LayerActivation("tanh")
    return (acts + (filler,) * depth)[:depth]


def parse_query(
    query: str, base: PlaygroundState | None = None
) -> tuple[PlaygroundState, list[str]]:
    """Apply the settings in `query` on top of `base` (default: the defaults).

    Returns the new state and a list of messages, one per rejected setting; a rejected
    setting keeps its value from `base`. `act` with one entry applies to every layer.
    """
    base = base if base is not None else PlaygroundState()
    if not isinstance(query, str):
        return base, ["the state must be a query string"]
    if len(query) > MAX_QUERY_CHARS:
        return base, [f"the state is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})"]
    errors: list[str] = []
    changes: dict[str, Any] = {}
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    numbers = {n.key: n for n in NUMBERS}
    for key, text in pairs:
        try:
            if key in numbers:
                changes[numbers[key].field] = numbers[key].parse(text)
            elif key in CHOICES:
                attr, options = CHOICES[key]
                if text not in options:
                    raise ValueError(
                        f"must be one of {', '.join(options)}; got {text!r}"
                        f"{_did_you_mean(text, options)}"
                    )
                changes[attr] = text
            elif key == "features":
                changes["features"] = _parse_features(text)
            elif key == "layers":
                changes["layers"] = _parse_layers(text)
            elif key == "act":
                entries = [e for e in text.split(",") if e.strip()]  # none: no hidden layer
                if len(entries) > MAX_LAYERS:
                    raise ValueError(f"at most {MAX_LAYERS} activations; got {len(entries)}")
                changes["activations"] = tuple(parse_activation(e) for e in entries)
            else:
                hint = _did_you_mean(key, list(KEY_ORDER))
                raise ValueError(f"unknown setting{hint}; valid: {', '.join(KEY_ORDER)}")
        except ValueError as err:
            errors.append(f"{key}: {err}")
    state = replace(base, **changes)
    depth = len(state.layers)
    acts = state.activations
    if "activations" in changes and len(acts) not in (1, depth) and depth:
        errors.append(
            f"act: {len(acts)} activations for {depth} hidden layers; "
            "give one per layer, or one for all"
        )
    return replace(state, activations=_fit_activations(acts, depth)), errors


def schema() -> dict[str, Any]:
    """Everything the page needs to build its controls: choices, ranges, activations."""

    def bound(v: float) -> float | None:
        return v if math.isfinite(v) else None  # JSON has no infinity

    def param_json(p: Param) -> dict[str, Any]:
        return {
            "name": p.name,
            "kind": p.kind.__name__,
            "default": p.default,
            "min": bound(p.valid.low),
            "max": bound(p.valid.high),
            "low_open": p.valid.low_open,
            "high_open": p.valid.high_open,
            "choices": list(p.choices) if p.choices is not None else None,
            "learnable": p.learnable,
            "vector": p.vector,  # numbers separated by ';' in the URL; null: derived
            "doc": p.doc,
            "valid": p.describe_valid(),
        }

    from actlab.playground.datasets import default_noise

    return {
        "datasets": list(DATASETS),
        "default_noise": {name: default_noise(name) for name in DATASETS},
        "features": [{"key": k, "label": v} for k, v in FEATURES.items()],
        "numbers": {
            n.key: {"kind": n.kind.__name__, "min": n.low, "max": n.high, "label": n.label}
            for n in NUMBERS
        },
        "choices": {key: list(options) for key, (_, options) in CHOICES.items()},
        "max_layers": MAX_LAYERS,
        "max_width": MAX_WIDTH,
        "activations": [
            {
                "name": s.name,
                "family": s.family,
                "summary": s.summary,
                "params": [param_json(p) for p in s.params],
            }
            for s in playground_activations()
        ],
        "defaults": PlaygroundState().to_json(),
    }
