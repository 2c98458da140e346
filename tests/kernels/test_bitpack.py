import pytest
import torch

from actlab.kernels.bitpack import pack_codes, pack_mask, packed_size, unpack_codes, unpack_mask


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 63, 1001])
@pytest.mark.parametrize("bits", [1, 2, 3, 5, 8])
def test_codes_round_trip_for_odd_sizes(n, bits):
    gen = torch.Generator().manual_seed(n * 10 + bits)
    codes = torch.randint(0, 2**bits, (n,), generator=gen, dtype=torch.uint8)
    packed = pack_codes(codes, bits)
    assert packed.dtype == torch.uint8
    assert packed.numel() == packed_size(n, bits) == bits * ((n + 7) // 8)
    assert torch.equal(unpack_codes(packed, bits, n), codes)


def test_mask_round_trip_keeps_shape_data():
    mask = torch.rand(3, 5, 7, generator=torch.Generator().manual_seed(0)) > 0.5
    packed = pack_mask(mask)
    assert packed.numel() == (mask.numel() + 7) // 8
    assert torch.equal(unpack_mask(packed, mask.numel()).view(mask.shape), mask)


def test_bit_order_is_element_i_at_bit_i():
    codes = torch.tensor([1, 0, 0, 0, 0, 0, 0, 1, 1], dtype=torch.uint8)
    assert pack_codes(codes, 1).tolist() == [0b1000_0001, 0b1]


def test_wrong_sizes_and_bits_raise():
    with pytest.raises(ValueError, match=r"\[1, 8\]"):
        pack_codes(torch.zeros(3, dtype=torch.uint8), 9)
    with pytest.raises(ValueError, match="need"):
        unpack_codes(torch.zeros(2, dtype=torch.uint8), 3, 8)
