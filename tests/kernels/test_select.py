"""Choosing an implementation: actlab.make(name, impl=..., bits=...) and available()."""

import pytest
import torch

import actlab
from actlab.kernels import RECOMPUTE_KERNELS, available, describe_impls, kernel


def test_available_lists_what_each_entry_supports():
    assert available("relu") == ["native", "lean"]
    assert available("gelu") == ["native", "fewbit"]
    assert available("mish") == ["native", "lean", "fewbit"]
    assert available("prelu") == ["native"]  # its weight gradient needs the full input
    assert set(describe_impls("mish")) == {"native", "lean", "fewbit"}


def test_make_selects_the_impl_and_shows_it():
    module = actlab.make("gelu", impl="fewbit", bits=2)
    assert isinstance(module, actlab.make("gelu").__class__)
    assert "impl='fewbit', bits=2" in repr(module)
    assert "impl='lean'" in repr(actlab.make("leaky_relu", impl="lean", negative_slope=0.2))
    x = torch.randn(64, requires_grad=True)
    torch.testing.assert_close(
        actlab.make("leaky_relu", impl="lean", negative_slope=0.2)(x),
        torch.nn.functional.leaky_relu(x, 0.2),
    )


def test_unknown_or_unavailable_impl_lists_the_available_ones():
    with pytest.raises(ValueError, match="available impls: native, fewbit"):
        actlab.make("gelu", impl="lean")
    with pytest.raises(ValueError, match="unknown impl 'fast'.*native, lean"):
        actlab.make("relu", impl="fast")


def test_bits_only_with_fewbit():
    with pytest.raises(ValueError, match="bits applies only"):
        actlab.make("relu", impl="lean", bits=3)
    with pytest.raises(ValueError, match="bits applies only"):
        actlab.make("gelu", bits=3)
    with pytest.raises(ValueError, match=r"\[1, 8\]"):
        actlab.make("gelu", impl="fewbit", bits=9)


def test_params_are_still_checked():
    with pytest.raises(ValueError, match="lambd"):
        actlab.make("softshrink", impl="lean", lambd=-1.0)


def test_compile_traces_every_impl_without_graph_break():
    relu, serf, gelu = (
        kernel("relu", impl="lean"),
        kernel("serf", impl="lean"),
        kernel("gelu", impl="fewbit"),
    )

    def chain(x):
        return gelu(serf(relu(x) - 0.5))

    compiled = torch.compile(chain, fullgraph=True)  # fullgraph: a graph break would raise
    x = torch.randn(257, generator=torch.Generator().manual_seed(0))
    xs = [x.clone().requires_grad_(True) for _ in range(2)]
    ys = [chain(xs[0]), compiled(xs[1])]
    for y in ys:
        y.sum().backward()
    torch.testing.assert_close(ys[1], ys[0])
    torch.testing.assert_close(xs[1].grad, xs[0].grad)


def test_kernel_tables_are_one_row_per_entry_checked_against_the_registry():
    from actlab.catalog import UnknownActivationError
    from actlab.kernels.derivatives import SmoothRow, mish_d1, squareplus_d1
    from actlab.kernels.fewbit import FEWBIT_KERNELS
    from actlab.kernels.lean import MASK_KERNELS, MaskRow
    from actlab.kernels.select import KERNEL_ROWS, KernelTableError, build_rows

    assert set(KERNEL_ROWS) == {*MASK_KERNELS, *RECOMPUTE_KERNELS, *FEWBIT_KERNELS}
    assert KERNEL_ROWS["mish"].impls == available("mish") == ["native", "lean", "fewbit"]
    inside = lambda p: lambda x: x > 0
    with pytest.raises(UnknownActivationError, match="'relu'"):
        build_rows(mask_rows=(MaskRow("reluu", inside),), smooth_rows=(), fewbit=())
    with pytest.raises(KernelTableError, match="alias"):
        build_rows(mask_rows=(MaskRow("lrelu", inside),), smooth_rows=(), fewbit=())
    with pytest.raises(KernelTableError, match="learnable"):
        build_rows(mask_rows=(), smooth_rows=(), fewbit=("prelu",))
    with pytest.raises(KernelTableError, match="reads \\['lambd'\\]"):
        build_rows(mask_rows=(MaskRow("relu", inside, "lambd"),), smooth_rows=(), fewbit=())
    with pytest.raises(KernelTableError, match="derivative takes"):
        build_rows(mask_rows=(), smooth_rows=(SmoothRow("mish", squareplus_d1),), fewbit=())
    with pytest.raises(KernelTableError, match="both a mask and a smooth row"):
        build_rows(
            mask_rows=(MaskRow("mish", inside),),
            smooth_rows=(SmoothRow("mish", mish_d1),),
            fewbit=(),
        )
