"""The MNIST-1D paper's baselines: their layers, their size, and the published accuracy
reached by the preset that trains them as the paper does."""

from __future__ import annotations

from torch import nn

from actlab.experiments import from_dict, run_experiment
from actlab.models import build_model


def test_the_paper_mlp_layout_and_size():
    model = build_model("mnist1d_mlp", (40,), 10, "relu")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(40, 256), (256, 256), (256, 10)]
    assert (
        sum(p.numel() for p in model.parameters())
        == (40 + 1) * 256 + (256 + 1) * 256 + (256 + 1) * 10
    )


def test_the_paper_cnn_layout_and_size():
    model = build_model("mnist1d_cnn", (40,), 10, "relu")
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    layout = [
        (m.in_channels, m.out_channels, m.kernel_size[0], m.stride[0], m.padding[0]) for m in convs
    ]
    assert layout == [(1, 25, 5, 2, 1), (25, 25, 3, 2, 1), (25, 25, 3, 2, 1)]
    (head,) = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert (head.in_features, head.out_features) == (25 * 5, 10)  # length 40 -> 19 -> 10 -> 5
    expected = (1 * 5 + 1) * 25 + 2 * (25 * 3 + 1) * 25 + (125 + 1) * 10
    assert sum(p.numel() for p in model.parameters()) == expected == 5210


def test_the_paper_presets_reach_the_published_accuracy(tmp_path):
    """Adam 1e-2, batch 100, 8,000 steps, PyTorch's init, one seed: published 68% / 94%."""
    config = from_dict(
        {
            "preset": "mnist1d-paper-cnn",
            "models": "mnist1d_mlp,mnist1d_cnn",
            "activations": "relu",
            "seeds": 1,
            "workers": 2,
            "out": str(tmp_path),
        }  # fmt: skip
    )
    result = run_experiment(config)
    assert not result.failed
    scores = {r.model: r.test_acc_mean for r in result.summary}
    assert scores["mnist1d_cnn"] >= 0.92, scores
    assert scores["mnist1d_mlp"] >= 0.65, scores
