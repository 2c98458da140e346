"""identity, sigmoid, tanh: the classics."""

from __future__ import annotations

import numpy as np
import torch

from actlab.catalog.entries import _ref as R
from actlab.catalog.registry import register
from actlab.catalog.spec import INF, SMOOTH, ActivationSpec, Interval, Properties

register(
    ActivationSpec(
        name="identity",
        aliases=("linear",),
        family="linear",
        summary="Identity: no nonlinearity; a network of only these collapses to one linear map.",
        fn=lambda x: x.clone(),
        ref=lambda x: x.copy(),
        ref_d1=lambda x: np.ones_like(x),
        formula=r"x",
        formula_d1=r"1",
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        paper="Widrow & Hoff, 'Adaptive Switching Circuits', IRE WESCON Convention Record, 1960",
        checked="Paper text not retrievable via the search tool; nothing to compare beyond the "
        "definition itself: f(x) = x, f' = 1 (the linear output of ADALINE, before its quantizer).",
        notes="Returns a copy, so in-place changes to the output never alias the input. The "
        "linear unit of ADALINE (the paper cited); every network's output layer for regression.",
    )
)

register(
    ActivationSpec(
        name="sigmoid",
        aliases=("logistic",),
        family="saturating",
        summary="Logistic sigmoid: squashes to (0, 1); saturates, so deep stacks lose gradient.",
        fn=torch.sigmoid,
        native="torch.sigmoid",
        ref=lambda x: R.sigmoid(x),
        ref_d1=lambda x: R.sigmoid_d1(x),
        formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        formula_d1=r"\sigma(x)\,(1 - \sigma(x))",
        output_range=Interval(0.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, 1.0),
        paper="Rumelhart, Hinton & Williams, 'Learning representations by back-propagating "
        "errors', Nature 323:533-536, 1986",
        checked="The Nature letter's text not retrievable via the search tool; f = 1/(1 + e^{-x}) "
        "matches the logistic as printed on the pages it returns (rasbt's activation cheatsheet, "
        "gabormelli.com's 'Logistic Sigmoid Activation Function'); f' = sigma(1 - sigma) derived.",
        notes="f'(x) <= 1/4, so each sigmoid layer shrinks the backward signal by at least 4x.",
    )
)

register(
    ActivationSpec(
        name="tanh",
        family="saturating",
        summary="Hyperbolic tangent: zero-centred squashing to (-1, 1); tanh(x) = 2σ(2x) - 1.",
        fn=torch.tanh,
        native="torch.tanh",
        ref=np.tanh,
        ref_d1=R.tanh_d1,
        formula=r"\tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        formula_d1=r"1 - \tanh^2 x",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-1.0, 1.0),
        paper="Kalman & Kwasny, 'Why tanh: choosing a sigmoidal function', IJCNN 1992; LeCun, "
        "Bottou, Orr & Müller, 'Efficient BackProp', Neural Networks: Tricks of the Trade, 1998",
        checked="Neither paper's text retrievable via the search tool (an ICLR 2023 submission "
        "found by it cites 'Tanh (Kalman & Kwasny, 1992)', confirming the attribution); "
        "f = (e^x - e^{-x})/(e^x + e^{-x}) as in rasbt's activation cheatsheet, f' = 1 - tanh^2.",
    )
)
