"""shapes.transposed_geometry: Keras' transposed-convolution lengths and the padding behind them.

The expected lengths are Keras 3's documented formulas (``conv_utils.deconv_output_length``),
written out here independently; the padding is checked through the one identity that
ties it to the output: a stride-1 correlation over the spread, padded input.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli.errors import ParameterError
from convcli.shapes import transposed_geometry


def keras_length(n: int, k: int, s: int, d: int, padding: str, p: int | None) -> int:
    span = (k - 1) * d + 1
    if padding == "valid":
        return (n - 1) * s + (max(span, s) if p is None else span + p)
    return n * s if p is None else (n - 1) * s + span % 2 + p


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Stride 1 'valid': a 'full' correlation, k - 1 on both sides.
        ((5, 3, 1, 1, "valid", None), ((2, 2), 7)),
        # 'valid' with stride above the kernel: the output still covers every stride step.
        ((5, 2, 3, 1, "valid", None), ((1, 2), 15)),
        ((5, 3, 2, 1, "valid", 1), ((2, 3), 12)),
        # 'same': n*s, the larger half of the pad before (the JAX backend's split).
        ((7, 3, 2, 1, "same", None), ((2, 1), 14)),
        ((4, 4, 2, 1, "same", 1), ((2, 1), 7)),
        ((6, 3, 1, 2, "same", None), ((2, 2), 6)),
        # An even kernel, output_padding 0, one input cell: Keras gives length 0.
        ((1, 2, 1, 1, "same", 0), ((0, 0), 0)),
    ],
)
def test_hand_computed(args: tuple[int, int, int, int, str, int | None], expected: object) -> None:
    n, k, s, d, padding, p = args
    assert transposed_geometry(n, k, s, d, padding, p) == expected


@given(
    n=st.integers(1, 12),
    k=st.integers(1, 6),
    s=st.integers(1, 4),
    d=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
    data=st.data(),
)
def test_length_is_keras_and_padding_explains_it(
    n: int, k: int, s: int, d: int, padding: str, data: st.DataObject
) -> None:
    p = data.draw(st.none() | st.integers(0, s - 1))
    (before, after), out = transposed_geometry(n, k, s, d, padding, p)
    assert out == keras_length(n, k, s, d, padding, p)
    span = (k - 1) * d + 1
    # Never more padding before than the kernel reaches back: each output sees an input.
    assert 0 <= before <= span - 1
    assert after >= 0
    # (n-1)*s + 1 spread cells, padded, read by the dilated kernel at stride 1.
    assert (n - 1) * s + 1 + before + after - span + 1 == out


def test_other_padding_is_refused() -> None:
    with pytest.raises(
        ParameterError, match=r"^a transposed convolution pads 'valid' or 'same'; got 'causal'$"
    ):
        transposed_geometry(5, 3, 1, 1, "causal")
