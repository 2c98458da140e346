"""Shared helpers for the kernel tests."""

from __future__ import annotations

import pytest
import torch

from actlab.kernels import compiled


def saved_bytes(fn, x: torch.Tensor) -> int:
    """Bytes of the distinct tensors autograd keeps for the backward of fn(x), excluding x's
    own storage only when fn keeps x itself (that is counted: it is what lean keeps)."""
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor):
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(x)
    return sum(seen.values())


@pytest.fixture(params=["compiled", "torch"])
def backend(request):
    """Run the test once through the fused C++ kernels and once through the pure-torch form.

    The compiled run fails, not skips, when the kernels do not build: on a machine with a C++
    compiler a broken build must not pass silently (ACTLAB_KERNELS=torch opts out)."""
    if request.param == "torch":
        with compiled.torch_path():
            yield "torch"
        return
    if compiled.mode() == "torch":
        pytest.skip("ACTLAB_KERNELS=torch: compiled kernels switched off")
    info = compiled.backend()
    assert info.name == "compiled", f"fused kernels did not build: {info.reason}"
    yield "compiled"
