"""Tests of the oracle itself: hand-computed cases, numpy.pad, np.correlate/np.convolve.

The engine's tests trust ``reference.py``; these tests are why they may.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from reference import (
    ACTIVATIONS,
    PAD_MODES,
    reference_activation,
    reference_correlate,
    reference_layer,
    reference_output_shape,
    reference_pads,
    source_index,
)

SIGNAL = np.array([1.0, 2, 3, 4, 5, 6])
DIGITS = np.array([1.0, 10, 100])

# convcli pad-mode name -> numpy.pad mode (zeros/constant are both numpy's "constant").
NUMPY_MODE = {
    "zeros": "constant",
    "constant": "constant",
    "reflect": "reflect",
    "symmetric": "symmetric",
    "edge": "edge",
    "wrap": "wrap",
}


def pad_by_mapping(x: np.ndarray, before: int, after: int, mode: str) -> list[float | None]:
    return [
        None if (j := source_index(i, len(x), mode)) is None else float(x[j])
        for i in range(-before, len(x) + after)
    ]


# --- source_index ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["reflect", "symmetric", "edge", "wrap"])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_source_index_matches_numpy_pad_even_for_pads_longer_than_the_axis(
    mode: str, n: int
) -> None:
    x = np.arange(n, dtype=np.float64)
    for before in range(0, 3 * n + 2):
        for after in (0, 1, n, 3 * n + 1):
            expected = np.pad(x, (before, after), mode=mode).tolist()  # type: ignore[call-overload]
            assert pad_by_mapping(x, before, after, mode) == expected, (before, after)


@pytest.mark.parametrize("mode", ["zeros", "constant"])
def test_source_index_constant_modes_give_none_outside_and_identity_inside(mode: str) -> None:
    assert [source_index(i, 3, mode) for i in range(-2, 5)] == [None, None, 0, 1, 2, None, None]


def test_source_index_hand_cases() -> None:
    # reflect: -1 -> 1, n -> n-2; symmetric: -1 -> 0, n -> n-1
    assert source_index(-1, 5, "reflect") == 1
    assert source_index(5, 5, "reflect") == 3
    assert source_index(-1, 5, "symmetric") == 0
    assert source_index(5, 5, "symmetric") == 4
    assert source_index(-7, 5, "edge") == 0
    assert source_index(9, 5, "edge") == 4
    assert source_index(-6, 5, "wrap") == 4
    assert source_index(12, 5, "wrap") == 2


def test_source_index_unknown_mode_raises() -> None:
    with pytest.raises(ValueError, match="unknown pad mode 'mirror'"):
        source_index(-1, 3, "mirror")


# --- padding arithmetic -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "k", "s", "d", "padding", "expected"),
    [
        (6, 3, 1, 1, "valid", (0, 0)),
        (6, 4, 1, 1, "same", (1, 2)),  # contract: even kernel pads 1 before, 2 after
        (6, 3, 2, 1, "same", (0, 1)),  # contract: -s 2 pads 0, 1
        (7, 3, 2, 1, "same", (1, 1)),  # contract: input 1..7 pads 1, 1
        (6, 3, 2, 2, "same", (1, 2)),  # contract: -d 2 -s 2 pads 1, 2
        (6, 3, 1, 1, "same", (1, 1)),
        (5, 2, 3, 1, "same", (0, 0)),  # out 2: (2-1)*3 + 2 - 5 = 0
        (6, 3, 1, 1, "causal", (2, 0)),
        (6, 3, 1, 2, "causal", (4, 0)),
        (6, 3, 1, 1, "full", (2, 2)),
        (6, 3, 1, 2, "full", (4, 4)),
        (6, 3, 1, 1, 2, (2, 2)),
        (6, 3, 1, 1, [(2, 0)], (2, 0)),
    ],
)
def test_reference_pads_1d(
    n: int,
    k: int,
    s: int,
    d: int,
    padding: str | int | list[tuple[int, int]],
    expected: tuple[int, int],
) -> None:
    assert reference_pads([n], [k], stride=s, dilation=d, padding=padding) == (expected,)


def test_reference_pads_per_axis_forms() -> None:
    assert reference_pads([5, 6], [3, 2], padding=[1, 2]) == ((1, 1), (2, 2))
    assert reference_pads([5, 6], [3, 2], padding=[(1, 0), (0, 3)]) == ((1, 0), (0, 3))
    # axis 1: out ceil(5/2) = 3, total (3-1)*2 + 2 - 5 = 1; axis 2 of length 6: total 0
    assert reference_pads([5, 5], [3, 2], stride=(1, 2), padding="same") == ((1, 1), (0, 1))
    assert reference_pads([5, 6], [3, 2], stride=(1, 2), padding="same") == ((1, 1), (0, 0))


def test_reference_pads_rejects_causal_on_2d() -> None:
    with pytest.raises(ValueError, match="causal padding is 1-D only"):
        reference_pads([5, 5], [3, 3], padding="causal")


def test_reference_output_shape() -> None:
    assert reference_output_shape([8], [3]) == (6,)
    assert reference_output_shape([7], [3], stride=2, padding="same") == (4,)
    assert reference_output_shape([6, 7], [3, 2], stride=(2, 3), dilation=(2, 1)) == (1, 2)
    with pytest.raises(ValueError, match="kernel does not fit"):
        reference_output_shape([2], [3])


# --- reference_correlate: hand-computed cases -------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [  # the contract's "Worked examples", worked out from the digit strings
        ({}, [321, 432, 543, 654]),
        ({"padding": "causal"}, [100, 210, 321, 432, 543, 654]),
        ({"padding": "causal", "dilation": 2}, [100, 200, 310, 420, 531, 642]),
        ({"padding": "full"}, [100, 210, 321, 432, 543, 654, 65, 6]),
        ({"padding": "same", "stride": 2}, [321, 543, 65]),
        ({"padding": [(2, 0)]}, [100, 210, 321, 432, 543, 654]),
        ({"flip": True}, [123, 234, 345, 456]),
        ({"dilation": 2}, [531, 642]),
        ({"dilation": 2, "stride": 2, "padding": "same"}, [420, 642, 64]),
        ({"padding": 1, "pad_mode": "reflect"}, [212, 321, 432, 543, 654, 565]),
        ({"padding": 1, "pad_mode": "symmetric"}, [211, 321, 432, 543, 654, 665]),
        ({"padding": 1, "pad_mode": "edge"}, [211, 321, 432, 543, 654, 665]),
        ({"padding": 1, "pad_mode": "wrap"}, [216, 321, 432, 543, 654, 165]),
        ({"padding": 1, "pad_mode": "constant", "pad_value": 7}, [217, 321, 432, 543, 654, 765]),
    ],
)
def test_reference_correlate_digit_strings(kwargs: dict[str, Any], expected: list[int]) -> None:
    assert reference_correlate(SIGNAL, DIGITS, **kwargs).tolist() == expected


def test_reference_correlate_even_kernel_same() -> None:
    got = reference_correlate(SIGNAL, np.array([1.0, 10, 100, 1000]), padding="same")
    assert got.tolist() == [3210, 4321, 5432, 6543, 654, 65]


def test_reference_correlate_2d_hand_computed() -> None:
    x = np.arange(9.0).reshape(3, 3)  # [[0,1,2],[3,4,5],[6,7,8]]
    k = np.array([[1.0, 2], [3, 4]])
    # top-left: 0*1 + 1*2 + 3*3 + 4*4 = 27; then 1+4+12+20 = 37; 3+8+18+28 = 57; 4+10+21+32 = 67
    assert reference_correlate(x, k).tolist() == [[27, 37], [57, 67]]
    # flipped kernel [[4,3],[2,1]]: 0*4 + 1*3 + 3*2 + 4*1 = 13
    assert reference_correlate(x, k, flip=True)[0, 0] == 13
    # zero padding 1, stride 2: windows start at (-1,-1), (-1,1), (1,-1), (1,1); the first
    # sees only x[0,0] = 0 (under 4); the second 3*x[0,1] + 4*x[0,2] = 3 + 8; the third
    # 2*x[1,0] + 4*x[2,0] = 6 + 24; the last is the valid window at (1,1): 67
    assert reference_correlate(x, k, padding=1, stride=2).tolist() == [[0, 11], [30, 67]]


def test_reference_correlate_3d_hand_computed() -> None:
    x = np.arange(8.0).reshape(2, 2, 2)
    k = np.zeros((2, 2, 2))
    k[1, 1, 1] = 1.0  # picks x[1, 1, 1] = 7 at the only valid position
    assert reference_correlate(x, k).tolist() == [[[7.0]]]
    k[0, 0, 0] = 10.0
    # full padding: the corner output sees only x[0,0,0] under tap (1,1,1)
    full = reference_correlate(x, k, padding="full")
    assert full.shape == (3, 3, 3)
    assert full[0, 0, 0] == 0.0
    assert full[1, 1, 1] == 7.0 + 10 * 0.0
    assert full[2, 2, 2] == 10 * 7.0


def test_reference_correlate_per_axis_stride_and_dilation() -> None:
    x = np.arange(20.0).reshape(4, 5)
    k = np.array([[1.0, 1.0]])
    # axis 1: dilation 3 pairs columns c and c+3; stride 2 on axis 0 keeps rows 0 and 2
    got = reference_correlate(x, k, stride=(2, 1), dilation=(1, 3))
    assert got.tolist() == [[3, 5], [23, 25]]


# --- reference_correlate vs NumPy -------------------------------------------------------

floats = st.floats(-10, 10, allow_nan=False, width=64)


def dilate(kernel: np.ndarray, d: int) -> np.ndarray:
    out = np.zeros((len(kernel) - 1) * d + 1)
    out[::d] = kernel
    return out


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(floats, min_size=1, max_size=12),
    k=st.lists(floats, min_size=1, max_size=5),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 3),
)
def test_reference_correlate_matches_np_correlate_valid_and_full(
    x: list[float], k: list[float], stride: int, dilation: int
) -> None:
    xa, ka = np.array(x), np.array(k)
    dk = dilate(ka, dilation)
    full = np.correlate(xa, dk, mode="full")[::stride]
    got = reference_correlate(xa, ka, padding="full", stride=stride, dilation=dilation)
    assert_allclose(got, full, rtol=1e-12, atol=1e-9)
    assert_allclose(
        reference_correlate(xa, ka, padding="full", dilation=dilation, flip=True),
        np.convolve(xa, dk, mode="full"),
        rtol=1e-12,
        atol=1e-9,
    )
    if len(dk) <= len(xa):
        valid = np.correlate(xa, dk, mode="valid")[::stride]
        got = reference_correlate(xa, ka, stride=stride, dilation=dilation)
        assert_allclose(got, valid, rtol=1e-12, atol=1e-9)
        assert_allclose(
            reference_correlate(xa, ka, dilation=dilation, flip=True),
            np.convolve(xa, dk, mode="valid"),
            rtol=1e-12,
            atol=1e-9,
        )


@settings(max_examples=40, deadline=None)
@given(
    x=st.lists(floats, min_size=5, max_size=12),
    half=st.integers(0, 2),
)
def test_reference_same_matches_np_correlate_same_for_odd_kernels(
    x: list[float], half: int
) -> None:
    # np.correlate's 'same' centres an odd kernel no longer than x as Keras does
    k = np.linspace(-1, 2, 2 * half + 1)
    assert_allclose(
        reference_correlate(np.array(x), k, padding="same"),
        np.correlate(np.array(x), k, mode="same"),
        rtol=1e-12,
        atol=1e-9,
    )


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
    mode=st.sampled_from(PAD_MODES),
    pad_value=st.sampled_from([0.0, -2.5]),
)
def test_reference_padding_equals_valid_on_np_padded_input(
    shape: list[int], data: st.DataObject, mode: str, pad_value: float
) -> None:
    # Any pad mode and width (even wider than the axis) must equal 'valid' on np.pad's result.
    ndim = len(shape)
    rng = np.random.default_rng(len(shape) * 100 + sum(shape))
    x = rng.uniform(-1, 1, shape)
    kshape = [data.draw(st.integers(1, 3)) for _ in range(ndim)]
    pads = [(data.draw(st.integers(0, 5)), data.draw(st.integers(0, 5))) for _ in range(ndim)]
    k = rng.uniform(-1, 1, kshape)
    padded = (
        np.pad(x, pads, mode="constant", constant_values=pad_value if mode == "constant" else 0)
        if NUMPY_MODE[mode] == "constant"
        else np.pad(x, pads, mode=NUMPY_MODE[mode])  # type: ignore[call-overload]
    )
    if any(ks > ps for ks, ps in zip(kshape, padded.shape, strict=True)):
        return
    expected = reference_correlate(padded, k)
    got = reference_correlate(x, k, padding=pads, pad_mode=mode, pad_value=pad_value)
    assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_reference_stride_is_subsampling_of_stride_one() -> None:
    rng = np.random.default_rng(7)
    x, k = rng.normal(size=(7, 8)), rng.normal(size=(3, 2))
    dense = reference_correlate(x, k, padding="full")
    assert_allclose(reference_correlate(x, k, padding="full", stride=(2, 3)), dense[::2, ::3])


def test_reference_correlate_rejects_rank_mismatch() -> None:
    with pytest.raises(ValueError, match="x has 2 axes, kernel 1"):
        reference_correlate(np.ones((3, 3)), np.ones(2))


# --- activations and the reference layer -----------------------------------------------


def test_reference_activation_values() -> None:
    assert reference_activation(-1.5, "linear") == -1.5
    assert reference_activation(-1.5, "relu") == 0.0
    assert reference_activation(1.5, "relu") == 1.5
    assert reference_activation(-1.5, "abs") == 1.5
    assert reference_activation(2.0, "sigmoid") == pytest.approx(1 / (1 + math.exp(-2)))
    assert reference_activation(1.0, "tanh") == pytest.approx(0.7615941559557649)
    assert set(ACTIVATIONS) == {"linear", "relu", "abs", "sigmoid", "tanh"}
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        reference_activation(0.0, "gelu")


RGB = np.ones((4, 4, 3)) * np.array([1.0, 2.0, 3.0])
ONES = np.ones((2, 2))


def test_reference_layer_contract_channels_examples() -> None:
    each = reference_layer(RGB, [ONES])
    assert each.data.shape == (3, 3, 3)
    assert_array_equal(each.data, np.broadcast_to([4.0, 8.0, 12.0], (3, 3, 3)))
    assert (each.sliding_ndim, each.channels, each.filters) == (2, 3, 1)

    summed = reference_layer(RGB, [ONES], channels="sum")
    assert summed.data.shape == (3, 3, 1)
    assert_array_equal(summed.data, np.full((3, 3, 1), 24.0))
    assert (summed.sliding_ndim, summed.channels, summed.filters) == (2, 1, 1)

    per_channel = np.stack([ONES, 10 * ONES, 100 * ONES], axis=-1)  # (2, 2, 3)
    weighted = reference_layer(RGB, [per_channel], channels="sum")
    assert_array_equal(weighted.data, np.full((3, 3, 1), 1284.0))
    assert weighted.sliding_ndim == 2

    two = reference_layer(RGB, [ONES, 2 * ONES])
    assert two.data.shape == (3, 3, 6)
    assert two.data[1, 1].tolist() == [4, 8, 8, 16, 12, 24]

    two_sum = reference_layer(RGB, [ONES, 2 * ONES], channels="sum")
    assert two_sum.data.shape == (3, 3, 2)
    assert two_sum.data[0, 2].tolist() == [24, 48]

    signal = reference_layer(SIGNAL, [np.ones(2), np.array([1.0, -1])])
    assert signal.data.shape == (5, 2)
    assert signal.data[:, 1].tolist() == [-1, -1, -1, -1, -1]


def test_reference_layer_bias_and_activation() -> None:
    maps = reference_layer(SIGNAL, [np.array([1.0, -1]), np.ones(2)], bias=[2.0, -10.0])
    assert maps.data[:, 0].tolist() == [1, 1, 1, 1, 1]  # -1 + 2
    assert maps.data[:, 1].tolist() == [-7, -5, -3, -1, 1]  # 3, 5, ... - 10
    relu = reference_layer(SIGNAL, [np.ones(2)], bias=-6.0, activation="relu")
    assert relu.data.tolist() == [0, 0, 1, 3, 5]
    one_channel = reference_layer(SIGNAL[:, None], [np.ones(2)], channels="sum")
    assert one_channel.data.shape == (5, 1)


def test_reference_layer_rejects_wrong_rank_and_bias_count() -> None:
    with pytest.raises(ValueError, match="x has 4 axes for a 2-D kernel"):
        reference_layer(np.ones((3, 3, 3, 3)), [ONES])
    with pytest.raises(ValueError, match="3 biases for 2 filters"):
        reference_layer(RGB, [ONES, ONES], bias=[1.0, 2.0, 3.0])
