"""Bit packing in plain torch: k-bit codes stored as k bit-planes of 8 elements per byte.

A tensor of n codes, each < 2**k, becomes a uint8 tensor of k * ceil(n / 8) bytes: plane j
holds bit j of every code, 8 consecutive elements per byte (element i at bit i % 8). Planes
make k/8 bytes per element exact for every k in 1..8 (3 bits -> 0.375 bytes, not a nibble),
and each plane packs with one int64 multiply and shift per 8 elements.
"""

from __future__ import annotations

import torch

# Gathering 8 bytes that are each 0 or 1 (read as one little-endian int64) into one byte:
# multiplying by this constant adds byte i's bit into bit 56 + i, so the top byte is the packed
# byte with element i at bit i. Spreading a byte back uses the mirror constant: replicate the
# byte 8 times, then keep bit i in byte i. (int64 arithmetic wraps, which the tricks rely on.)
_GATHER = 0x0102040810204080
_REPLICATE = 0x0101010101010101
_SPREAD = 0x8040201008040201 - 2**64  # the same bits as a signed int64


def packed_size(n: int, bits: int) -> int:
    """Bytes that `pack_codes` uses for n codes of `bits` bits."""
    return bits * ((n + 7) // 8)


def _pack_plane(plane: torch.Tensor) -> torch.Tensor:
    """uint8 0/1 values, length a multiple of 8 -> one byte per 8 of them."""
    return ((plane.view(torch.int64) * _GATHER) >> 56).to(torch.uint8)


def _unpack_plane(packed: torch.Tensor) -> torch.Tensor:
    """Inverse of `_pack_plane`: 8 bools per byte."""
    spread = (packed.to(torch.int64) * _REPLICATE) & _SPREAD
    return spread.view(torch.uint8).ne(0)


def pack_codes(codes: torch.Tensor, bits: int) -> torch.Tensor:
    """Pack integer codes in [0, 2**bits) (any shape, read flat) into k*ceil(n/8) uint8 bytes."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 8:
        raise ValueError(f"bits must be an integer in [1, 8]; got {bits!r}")
    flat = codes.reshape(-1).to(torch.uint8)
    pad = (-flat.numel()) % 8
    if pad:
        flat = torch.cat([flat, flat.new_zeros(pad)])
    if bits == 1:
        return _pack_plane(flat & 1)
    return torch.cat([_pack_plane((flat >> bit) & 1) for bit in range(bits)])


def unpack_codes(packed: torch.Tensor, bits: int, n: int) -> torch.Tensor:
    """Inverse of `pack_codes`: the first n codes, flat, as uint8."""
    per_plane = (n + 7) // 8
    if packed.numel() != bits * per_plane:
        raise ValueError(
            f"packed has {packed.numel()} bytes; {n} codes of {bits} bits need {bits * per_plane}"
        )
    codes = _unpack_plane(packed[:per_plane])[:n].to(torch.uint8)
    for bit in range(1, bits):
        plane = _unpack_plane(packed[bit * per_plane : (bit + 1) * per_plane])[:n]
        codes |= plane.to(torch.uint8) << bit
    return codes


def pack_mask(mask: torch.Tensor) -> torch.Tensor:
    """A bool tensor as 1 bit per element (ceil(n/8) bytes)."""
    return pack_codes(mask, 1)


def unpack_mask(packed: torch.Tensor, n: int) -> torch.Tensor:
    """Inverse of `pack_mask`: the first n flags, flat, as bool."""
    if packed.numel() != (n + 7) // 8:
        raise ValueError(f"packed has {packed.numel()} bytes; {n} flags need {(n + 7) // 8}")
    return _unpack_plane(packed)[:n]
