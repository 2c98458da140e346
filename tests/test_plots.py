"""Activation figures: the drawn data is the table's math, panels and clipping behave."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import actlab
from actlab.catalog import REALS, ActivationSpec, Interval, Properties
from actlab.report.catalogue.activation_plots import (
    autograd_curves,
    entry_figure,
    gallery,
    label,
    plot_activations,
    y_limits,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def softmax_spec() -> ActivationSpec:
    """An unregistered multi-input spec, so these tests don't depend on the table's entries."""
    return ActivationSpec(
        name="toy_softmax",
        family="multi-input",
        summary="softmax for tests",
        fn=lambda x: torch.softmax(x, dim=-1),
        ref=lambda x: (
            np.exp(x - x.max(-1, keepdims=True))
            / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)
        ),
        ref_d1=None,
        formula=r"e^{x_i}/\sum_j e^{x_j}",
        formula_d1="J",
        output_range=None,
        properties=None,
        elementwise=False,
    )


@pytest.mark.parametrize(
    ("derivative", "second", "panels"),
    [(False, False, 1), (True, False, 2), (False, True, 2), (True, True, 3)],
)
def test_one_panel_per_requested_order(tmp_path, derivative, second, panels):
    path = tmp_path / "p.png"
    fig = plot_activations(["relu", "tanh"], derivative=derivative, second=second, path=path)
    assert len(fig.axes) == panels
    width, height = png_size(path)
    assert width > height * (panels - 0.5)  # panels side by side


def test_drawn_curves_are_the_reference_math():
    fig = plot_activations(
        ["tanh", "leaky_relu:negative_slope=0.2"], derivative=True, second=True, xlim=(-3, 2)
    )
    f_ax, d1_ax, d2_ax = fig.axes
    tanh, leaky = actlab.get("tanh"), actlab.get("leaky_relu")
    lines = {ln.get_label(): ln for ln in f_ax.get_lines() if not ln.get_label().startswith("_")}
    assert set(lines) == {"tanh", "leaky_relu (negative_slope=0.2)"}
    x = lines["tanh"].get_xdata()
    assert x[0] == -3 and x[-1] == 2
    np.testing.assert_allclose(lines["tanh"].get_ydata(), np.tanh(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        lines["leaky_relu (negative_slope=0.2)"].get_ydata(),
        leaky.reference(x, negative_slope=0.2),
        rtol=1e-12,
    )
    d1 = [ln for ln in d1_ax.get_lines() if ln.get_label() == "tanh"][0].get_ydata()
    np.testing.assert_allclose(d1, tanh.reference_d1(x), rtol=1e-10, atol=1e-15)
    d2 = [ln for ln in d2_ax.get_lines() if ln.get_label() == "tanh"][0].get_ydata()
    # d/dx sech^2 x = -2 tanh x sech^2 x
    np.testing.assert_allclose(d2, -2 * np.tanh(x) / np.cosh(x) ** 2, rtol=1e-9, atol=1e-14)


def test_piecewise_linear_second_derivative_is_zero():
    x = np.linspace(-2, 2, 9)
    f, d1, d2 = autograd_curves(actlab.get("relu"), {}, x, order=2)
    np.testing.assert_array_equal(f, np.maximum(x, 0))
    np.testing.assert_array_equal(d1, (x > 0).astype(float))
    np.testing.assert_array_equal(d2, np.zeros_like(x))


def test_fast_grower_is_clipped_but_bounded_curves_are_shown_whole():
    x = np.linspace(-5, 5, 1001)
    sigmoid, exp = 1 / (1 + np.exp(-x)), np.exp(x)
    low, high = y_limits([sigmoid, exp], x)
    assert high < exp.max() / 2  # e^5 ~ 148 does not set the scale ...
    assert low < 0 < 1 < high  # ... while the sigmoid's whole range stays visible
    low, high = y_limits([x - np.tanh(x)], x)  # growth like x is never clipped
    assert low < x.min() - np.tanh(x.min()) and high > x.max() - np.tanh(x.max())
    low, high = y_limits([np.tanh(x)], x)
    assert low < -0.99 and high > 0.99 and high - low < 2.5


def test_a_growing_derivative_is_clipped_in_its_panel():
    x = np.linspace(-5, 5, 1001)
    relu_d1, tanh_d1, squared_relu_d1 = (x > 0) * 1.0, 1 - np.tanh(x) ** 2, 2 * np.maximum(x, 0)
    low, high = y_limits([relu_d1, tanh_d1, squared_relu_d1], x, derivative=True)
    assert 1.0 < high < squared_relu_d1.max() / 2  # the bounded derivatives fill the panel
    low, high = y_limits([squared_relu_d1], x, derivative=True)  # alone it is shown whole
    assert high > squared_relu_d1.max()


def test_the_gallery_title_overlaps_no_panel_title():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from actlab.report.catalogue.activation_plots import gallery

    fig = gallery(None)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    top = fig._suptitle.get_window_extent(renderer)
    for ax in fig.axes:
        if ax.get_visible():
            assert not top.overlaps(ax.title.get_window_extent(renderer)), ax.get_title()


def test_constant_curve_gets_a_usable_axis():
    x = np.linspace(-1, 1, 11)
    low, high = y_limits([np.zeros_like(x)], x)
    assert low < 0 < high


def test_multi_input_entries_cannot_be_curves():
    with pytest.raises(ValueError, match="not elementwise"):
        plot_activations([(softmax_spec(), {})])


def test_bad_xlim_and_empty_input_are_refused():
    with pytest.raises(ValueError, match="lo < hi"):
        plot_activations(["relu"], xlim=(2, 1))
    with pytest.raises(ValueError, match="at least one"):
        plot_activations([])


def test_unknown_names_and_bad_params_raise_from_the_catalogue():
    with pytest.raises(actlab.catalog.UnknownActivationError, match="relu"):
        plot_activations(["reluu"])
    with pytest.raises(ValueError, match=r"\[0, ∞\)"):
        plot_activations(["leaky_relu:negative_slope=-1"])


def test_label_names_only_changed_parameters():
    spec = actlab.get("leaky_relu")
    assert label(spec, spec.bind()) == "leaky_relu"
    assert label(spec, spec.bind(negative_slope=0.3)) == "leaky_relu (negative_slope=0.3)"


def test_entry_figure_writes_png(tmp_path):
    fig = entry_figure(actlab.get("squared_relu"), tmp_path / "img" / "squared_relu.png")
    assert len(fig.axes) == 1
    assert {ln.get_label() for ln in fig.axes[0].get_lines()} >= {"f(x)", "f′(x)"}
    width, height = png_size(tmp_path / "img" / "squared_relu.png")
    assert 300 < width < 600 and 200 < height < 400


def test_gallery_has_one_panel_per_elementwise_entry(tmp_path):
    # A few entries keep this fast; `actlab demo` (tested in test_cli_catalog) draws them all.
    few = [actlab.get(n) for n in ("relu", "tanh", "sigmoid", "squared_relu", "identity")]
    fig = gallery(tmp_path / "g.png", columns=3, entries=[*few, softmax_spec()])
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == [s.name for s in few]
    assert len(fig.axes) == 6  # 2 rows of 3; the unused panel is hidden
    width, height = png_size(tmp_path / "g.png")
    assert width > height


def test_unregistered_spec_plots_like_a_registered_one():
    spec = ActivationSpec(
        name="toy_cube",
        family="linear",
        summary="x^3",
        fn=lambda x: x**3,
        ref=lambda x: x**3,
        ref_d1=lambda x: 3 * x**2,
        formula="x^3",
        formula_d1="3x^2",
        output_range=REALS,
        properties=Properties(True, 99, True),
        limits=(-np.inf, np.inf),
    )
    x = np.linspace(-1, 1, 5)
    f, d1, d2 = autograd_curves(spec, {}, x, order=2)
    np.testing.assert_allclose(d2, 6 * x)


class _Mask(torch.autograd.Function):
    """1 inside (-1, 1), else 0, with no derivative of its own (like hardsigmoid_backward)."""

    @staticmethod
    def forward(ctx, x):
        return ((x > -1) & (x < 1)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for toy_mask is not implemented")


class _Clip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(-1, 1)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _Mask.apply(x)


def test_missing_double_backward_leaves_only_that_second_derivative_out():
    clip = ActivationSpec(
        name="toy_clip",
        family="saturating",
        summary="clip",
        fn=_Clip.apply,
        ref=lambda x: np.clip(x, -1, 1),
        ref_d1=lambda x: ((x > -1) & (x < 1)) * 1.0,
        formula="c",
        formula_d1="c'",
        output_range=Interval(-1.0, 1.0),
        properties=Properties(True, 0, True),
        limits=(-1.0, 1.0),
    )
    with pytest.raises(ValueError, match="cannot differentiate toy_clip 2 times"):
        autograd_curves(clip, {}, np.linspace(-2, 2, 5), order=2)
    fig = plot_activations([(clip, {}), "tanh"], second=True)
    d2_ax = fig.axes[1]
    clip_line, tanh_line = [ln for ln in d2_ax.get_lines() if not ln.get_label().startswith("_")]
    assert np.isnan(clip_line.get_ydata()).all() and np.isfinite(tanh_line.get_ydata()).all()
    assert any("toy_clip" in t.get_text() for t in d2_ax.texts)
