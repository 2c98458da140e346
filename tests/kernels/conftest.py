"""Shared helpers for the kernel tests."""

from __future__ import annotations

import torch


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
