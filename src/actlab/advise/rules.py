"""The advisor's rules: one table, each rule a finding from a paper (or a measurement of this
project), the settings it applies to, and what it does to the candidates.

A rule is data: `when` holds conditions on the `Setting` (a tuple of allowed values per
field, or ``depth_min`` / ``depth_max``), `effect` maps activations (or ``family:NAME``, any
catalogue entry of that family) to a score change, and `caution` is a warning shown with
those activations instead of (or besides) a score change. A positive effect is a reason to
prefer, a negative one a reason to avoid; `finding` says what the source found and
`source` where. `tests/advise/test_rules.py` has a test for every rule, by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from actlab.advise.setting import Setting

_SATURATING = ("sigmoid", "tanh", "hardtanh", "softsign")
_TRANSCENDENTAL = (
    "gelu", "silu", "mish", "tanhexp", "elu", "selu", "softplus", "swish_learnable", "pelu",
    "sigmoid", "tanh", "swiglu", "geglu", "gelu_tanh", "celu",
)  # fmt: skip
_LEARNABLE = ("prelu", "star_relu", "swish_learnable", "pelu", "rational", "apl")


@dataclass(frozen=True)
class Rule:
    id: str
    finding: str
    source: str
    when: dict[str, Any]
    effect: dict[str, float] = field(default_factory=dict)
    caution: str = ""

    def applies(self, setting: Setting) -> bool:
        for key, allowed in self.when.items():
            if key == "depth_min":
                if setting.depth < allowed:
                    return False
            elif key == "depth_max":
                if setting.depth > allowed:
                    return False
            elif getattr(setting, key) not in allowed:
                return False
        return True

    @property
    def short_source(self) -> str:
        """Authors and year of each work cited: 'Glorot & Bengio 2010; Hochreiter 1991'."""
        import re

        out = []
        for work in self.source.split(";"):
            authors = work.split("'")[0].strip().rstrip(",")
            years = re.findall(r"(?:19|20)\d\d", work)
            out.append(f"{authors} {years[-1]}" if years else authors)
        return "; ".join(out)

    def targets(self) -> list[str]:
        """The activations the rule names (families expanded through the catalogue)."""
        return expand(self.effect)


def expand(selectors: Iterable[str]) -> list[str]:
    names: list[str] = []
    for selector in selectors:
        if selector.startswith("family:"):
            from actlab.catalog import specs

            family = selector.split(":", 1)[1]
            names += [s.name for s in specs() if s.family == family]
        else:
            names.append(selector)
    return list(dict.fromkeys(names))


def effect_on(rule: Rule, activation: str) -> float | None:
    """The score change `rule` gives `activation` (None when it does not name it)."""
    if activation in rule.effect:
        return rule.effect[activation]
    for selector, value in rule.effect.items():
        if selector.startswith("family:") and activation in expand([selector]):
            return value
    return None


_DEEP_PLAIN = {"depth_min": 10, "norm": ("none",), "residual": (False,), "arch": ("mlp", "cnn")}

RULES: tuple[Rule, ...] = (
    Rule(
        "vanishing-saturating-deep",
        "Saturating units have f' <= 1/4 (sigmoid) or <= 1 (tanh), falling to 0 away from 0; "
        "multiplied over many layers the gradient reaching the first layers vanishes, and "
        "deep sigmoid/tanh nets without normalisation or shortcuts saturate and train poorly.",
        "Hochreiter, 'Untersuchungen zu dynamischen neuronalen Netzen', diploma thesis, TU "
        "München, 1991; Glorot & Bengio, 'Understanding the difficulty of training deep "
        "feedforward neural networks', AISTATS 2010",
        dict(_DEEP_PLAIN),
        {"sigmoid": -4.0, "tanh": -3.0, "hardtanh": -3.0, "softsign": -3.0},
    ),
    Rule(
        "sigmoid-not-zero-centred",
        "Logistic sigmoid outputs are all positive (mean about 0.5), which biases the next "
        "layer's gradient steps and slows learning; zero-centred units are recommended for "
        "hidden layers.",
        "LeCun, Bottou, Orr & Müller, 'Efficient BackProp', in Neural Networks: Tricks of the "
        "Trade, 1998",
        {},
        {"sigmoid": -1.0},
    ),
    Rule(
        "relu-trains-deep-cnns",
        "Rectified linear units trained a deep CNN several times faster than saturating tanh "
        "units to the same error, the basis of ReLU as the default for CNNs.",
        "Krizhevsky, Sutskever & Hinton, 'ImageNet Classification with Deep Convolutional "
        "Neural Networks', NeurIPS 2012",
        {"arch": ("cnn", "resnet")},
        {"relu": 1.0, "leaky_relu": 0.5, "prelu": 0.5},
    ),
    Rule(
        "prelu-he-init",
        "A learned negative slope (PReLU) improved ImageNet accuracy over ReLU at negligible "
        "cost, and the init derived for rectifiers (variance 2/fan_in) lets deep rectifier "
        "nets converge where Xavier init stalls.",
        "He, Zhang, Ren & Sun, 'Delving Deep into Rectifiers: Surpassing Human-Level "
        "Performance on ImageNet Classification', ICCV 2015",
        {"arch": ("cnn", "resnet", "mlp"), "depth_min": 3},
        {"prelu": 0.5, "leaky_relu": 0.25},
    ),
    Rule(
        "dying-relu-deep",
        "A ReLU unit whose pre-activation is negative for every input gets no gradient and "
        "never recovers; in deep, narrow nets without normalisation a growing share of units "
        "is dead from initialisation on, which a small negative slope avoids.",
        "Maas, Hannun & Ng, 'Rectifier Nonlinearities Improve Neural Network Acoustic Models', "
        "ICML 2013 workshop; Lu, Shin, Su & Karniadakis, 'Dying ReLU and Initialization: "
        "Theory and Numerical Examples', Commun. Comput. Phys. 2020",
        dict(_DEEP_PLAIN),
        {"relu": -0.5, "relu6": -0.5, "squared_relu": -1.0, "leaky_relu": 0.5, "prelu": 0.5},
    ),
    Rule(
        "dead-relu-high-lr",
        "Dead units: a large learning-rate step can push a ReLU unit negative for every "
        "input, after which it gets no gradient and never recovers.",
        "Maas, Hannun & Ng, 'Rectifier Nonlinearities Improve Neural Network Acoustic Models', "
        "ICML 2013 workshop",
        {},
        {"relu": 0.0, "relu6": 0.0, "squared_relu": 0.0},
        caution="dead units at high learning rates: watch `actlab diagnose` / compare --health "
        "for the dead fraction; leaky_relu or prelu keep a gradient",
    ),
    Rule(
        "selu-self-normalising",
        "SELU with LeCun-normal init drives activations towards mean 0 and variance 1 layer "
        "after layer, so deep feed-forward nets train without BatchNorm; it needs LeCun "
        "init and AlphaDropout instead of dropout.",
        "Klambauer, Unterthiner, Mayr & Hochreiter, 'Self-Normalizing Neural Networks', "
        "NeurIPS 2017",
        {"arch": ("mlp",), "depth_min": 10, "norm": ("none",), "residual": (False,)},
        {"selu": 1.5},
        caution="SELU needs LeCun-normal init and AlphaDropout (actlab's init='auto' and "
        "dropout do this); BatchNorm or residual sums between layers undo self-normalisation",
    ),
    Rule(
        "selu-with-norm",
        "Self-normalisation is a property of the fixed point of SELU layers with LeCun init "
        "and no other normalisation; with BatchNorm/LayerNorm or residual sums it has no "
        "advantage of its own.",
        "Klambauer, Unterthiner, Mayr & Hochreiter, 'Self-Normalizing Neural Networks', "
        "NeurIPS 2017",
        {"norm": ("batch", "layer")},
        {"selu": -0.5},
    ),
    Rule(
        "elu-mean-shift",
        "ELU's negative values push mean activations towards zero, which speeds learning; "
        "deep ELU nets learned faster and generalised better than ReLU/LReLU nets without "
        "BatchNorm.",
        "Clevert, Unterthiner & Hochreiter, 'Fast and Accurate Deep Network Learning by "
        "Exponential Linear Units (ELUs)', ICLR 2016",
        {"depth_min": 5, "norm": ("none",)},
        {"elu": 0.5},
    ),
    Rule(
        "gelu-transformer",
        "GELU matched or beat ReLU and ELU across vision, language and speech tasks and is the "
        "feed-forward activation of BERT and GPT.",
        "Hendrycks & Gimpel, 'Gaussian Error Linear Units (GELUs)', arXiv:1606.08415, 2016",
        {"arch": ("transformer",)},
        {"gelu": 2.0, "gelu_tanh": 2.0, "silu": 1.0},
    ),
    Rule(
        "glu-transformer",
        "Gated linear units in the Transformer feed-forward block (GEGLU, SwiGLU) gave lower "
        "perplexity than ReLU and GELU at equal parameters and compute in T5 pre-training and "
        "fine-tuning.",
        "Shazeer, 'GLU Variants Improve Transformer', arXiv:2002.05202, 2020",
        {"arch": ("transformer",)},
        {"swiglu": 2.5, "geglu": 2.5, "reglu": 1.5},
        caution="gated units need a 2× up-projection (actlab's transformer widens it; in your "
        "own model the Linear before the activation must output twice the width)",
    ),
    Rule(
        "squared-relu-primer",
        "Squaring the ReLU in the Transformer feed-forward block was one of the two changes "
        "that made Primer cheaper to train than the Transformer for auto-regressive language "
        "modelling.",
        "So, Mańke, Liu, Dai, Shazeer & Le, 'Primer: Searching for Efficient Transformers for "
        "Language Modeling', NeurIPS 2021",
        {"arch": ("transformer",), "task": ("generation",)},
        {"squared_relu": 1.5},
    ),
    Rule(
        "swish-deeper-models",
        "Swish (x·σ(βx), SiLU at β = 1) tended to beat ReLU on deeper models, e.g. +0.9% "
        "top-1 on ImageNet for Mobile NASNet-A.",
        "Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, 2017",
        {"arch": ("cnn", "resnet", "mlp"), "depth_min": 10},
        {"silu": 0.5, "swish_learnable": 0.5},
    ),
    Rule(
        "swish-lower-lr",
        "The Swish authors found that a slightly lower learning rate than ReLU's works well "
        "for Swish networks.",
        "Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, 2017",
        {},
        {"silu": 0.0, "swish_learnable": 0.0},
        caution="tune the learning rate (Swish tends to want a slightly lower one than ReLU)",
    ),
    Rule(
        "mish-cnn",
        "Mish, a smooth non-monotonic unit like Swish, matched or beat Swish and ReLU in "
        "image classifiers (CIFAR-10, ImageNet) and object detectors.",
        "Misra, 'Mish: A Self Regularized Non-Monotonic Activation Function', BMVC 2020 "
        "(arXiv:1908.08681, 2019)",
        {"arch": ("cnn", "resnet")},
        {"mish": 0.5},
    ),
    Rule(
        "survey-saturating-cnn",
        "In a benchmark of 18 activations on image classifiers, sigmoid- and tanh-type units "
        "trailed the ReLU family, ELU-type units, Swish and Mish; no single activation was "
        "best across networks and data.",
        "Dubey, Singh & Chaudhuri, 'Activation Functions in Deep Learning: A Comprehensive "
        "Survey and Benchmark', Neurocomputing 503, 2022",
        {"arch": ("cnn", "resnet")},
        {"sigmoid": -1.5, "tanh": -1.0, "softsign": -1.0, "hardtanh": -1.0},
    ),
    Rule(
        "cheap-on-mobile",
        "On mobile CPUs the sigmoid inside Swish is expensive, so MobileNetV3 uses hard-swish "
        "(piecewise linear); MobileNetV2 uses ReLU6 for its robustness in low-precision "
        "computation.",
        "Howard et al., 'Searching for MobileNetV3', ICCV 2019; Sandler et al., 'MobileNetV2: "
        "Inverted Residuals and Linear Bottlenecks', CVPR 2018",
        {"target": ("mobile",)},
        {
            **{name: -1.0 for name in _TRANSCENDENTAL},
            "relu": 1.0,
            "relu6": 1.0,
            "hardswish": 1.5,
            "leaky_relu": 0.5,
        },  # fmt: skip
        caution="transcendental (exp/erf/tanh) on the target: slower than a piecewise-linear "
        "unit; measure with `actlab bench kernels`",
    ),
    Rule(
        "speed-piecewise-linear",
        "Piecewise-linear units (ReLU, ReLU6, hard-swish) cost one comparison per element; "
        "exp/erf-based ones cost more, which is why hard variants replace them where speed "
        "matters.",
        "Howard et al., 'Searching for MobileNetV3', ICCV 2019",
        {"priority": ("speed",)},
        {**{name: -0.5 for name in _TRANSCENDENTAL}, "relu": 0.5, "hardswish": 0.5, "relu6": 0.5},
    ),
    Rule(
        "learnable-cost",
        "Learnable activations add parameters and time per step: measured here, a rational "
        "layer costs about 5.8× and a spline about 40× a SiLU step on CPU.",
        "actlab measurement, docs/learnable.md (MNIST-1D, 2-core CPU)",
        {"priority": ("speed",)},
        {name: -1.0 for name in _LEARNABLE if name != "prelu"},
    ),
    Rule(
        "memory-one-bit",
        "ReLU-like units need only the sign of the input for their backward pass: stored as "
        "a 1-bit mask they keep 32× less than the float32 input; smooth units keep the input, "
        "or an approximate few-bit code of f'.",
        "Novikov et al., 'Few-Bit Backward: Quantized Gradients of Activation Functions for "
        "Memory Footprint Reduction', ICML 2023; actlab's lean kernels (README: Memory-lean "
        "kernels)",
        {"priority": ("memory",)},
        {"relu": 1.0, "leaky_relu": 1.0, "relu6": 0.5, "gelu": -0.5, "silu": -0.5, "mish": -0.5},
        caution="memory: build with actlab.make(name, impl='lean') (1-bit mask for ReLU-like, "
        "recompute for smooth units) or impl='fewbit' for GELU/SiLU",
    ),
    Rule(
        "stability-smooth-bounded-derivative",
        "Squared ReLU's derivative 2·max(0, x) grows without bound, so large pre-activations "
        "give large gradients; Primer uses it only after LayerNorm inside the feed-forward "
        "block. Smooth units with bounded derivatives (GELU, SiLU, ELU) keep steps bounded.",
        "So, Mańke, Liu, Dai, Shazeer & Le, 'Primer: Searching for Efficient Transformers for "
        "Language Modeling', NeurIPS 2021; Clevert, Unterthiner & Hochreiter, ICLR 2016",
        {"priority": ("stability",)},
        {"squared_relu": -1.5, "gelu": 0.5, "silu": 0.5, "elu": 0.5},
    ),
    Rule(
        "piecewise-linear-regression",
        "A ReLU network computes a piecewise-linear function; a smooth target needs many "
        "linear pieces, which smooth activations avoid.",
        "Montúfar, Pascanu, Cho & Bengio, 'On the Number of Linear Regions of Deep Neural "
        "Networks', NeurIPS 2014",
        {"task": ("regression",)},
        {"relu": -0.5, "relu6": -0.5, "hardtanh": -0.5, "gelu": 0.5, "silu": 0.5, "tanh": 0.5},
    ),
    Rule(
        "rnn-tanh",
        "Recurrent nets keep tanh for the cell and sigmoid for the gates (LSTM, GRU): bounded "
        "units keep the recurrent state from exploding, while unbounded ReLU recurrences "
        "explode unless carefully initialised.",
        "Hochreiter & Schmidhuber, 'Long Short-Term Memory', Neural Computation 1997; Pascanu, "
        "Mikolov & Bengio, 'On the difficulty of training recurrent neural networks', ICML 2013",
        {"arch": ("rnn",)},
        {"tanh": 2.0, "relu": -1.0, "squared_relu": -2.0, "relu6": 0.0},
    ),
)


def rules_by_id() -> dict[str, Rule]:
    return {r.id: r for r in RULES}


def applicable(setting: Setting, rules: Iterable[Rule] = RULES) -> list[Rule]:
    return [r for r in rules if r.applies(setting)]
