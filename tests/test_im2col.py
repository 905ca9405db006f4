"""The filter bank: correlate_bank against the reference, and apply_filters through it.

``correlate_bank`` sums ``F`` filters over ``C`` channel planes in one GEMM per band;
the layer sends banks of small filters there (``bank_pays``). Both are checked against
the slow reference (``reference_correlate``, ``reference_layer``) and by hand.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from reference import PAD_MODES, reference_correlate, reference_layer

from convcli import layer
from convcli.errors import RangeError
from convcli.layer import apply_filters, bank_pays, filter_bank
from convcli.params import ConvParams
from convcli.strategies import im2col
from convcli.strategies.im2col import correlate_bank

PLANE_SHAPES = {1: (17,), 2: (8, 9), 3: (5, 6, 7)}
KERNEL_SHAPES = {
    1: {"odd": (3,), "even": (4,)},
    2: {"odd": (3, 3), "even": (2, 4)},
    3: {"odd": (3, 3, 3), "even": (2, 2, 4)},
}
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}
# At most 9 taps per channel: the bank runs even a single filter (bank_pays).
LAYER_KERNELS = {1: (3,), 2: (3, 3), 3: (2, 2, 2)}


def bank_reference(
    planes: np.ndarray, weights: np.ndarray, stride: tuple[int, ...], dilation: tuple[int, ...]
) -> np.ndarray:
    """out[..., f] = sum over c of reference_correlate(planes[c], weights[f, c])."""
    maps = [
        sum(
            reference_correlate(plane, w, stride=stride, dilation=dilation)
            for plane, w in zip(planes, per_filter, strict=True)
        )
        for per_filter in weights
    ]
    return np.stack(maps, axis=-1)


def bank_grid() -> list[Any]:
    cases = []
    combos = itertools.product((1, 2, 3), ("odd", "even"), (1, 2, 3), (1, 2), ((1, 1), (3, 4)))
    for ndim, parity, stride, dilation, (channels, filters) in combos:
        case_id = f"{ndim}d-{parity}-s{stride}-d{dilation}-c{channels}-f{filters}"
        cases.append(pytest.param(ndim, parity, stride, dilation, channels, filters, id=case_id))
    return cases


@pytest.fixture(params=[1 << 20, 30], ids=["one-band", "many-bands"])
def scratch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(im2col, "SCRATCH_ELEMENTS", request.param)


@pytest.mark.usefixtures("scratch")
@pytest.mark.parametrize(
    ("ndim", "parity", "stride", "dilation", "channels", "filters"), bank_grid()
)
def test_bank_matches_reference(
    ndim: int, parity: str, stride: int, dilation: int, channels: int, filters: int
) -> None:
    rng = np.random.default_rng(ndim * 100 + stride * 10 + dilation + channels)
    planes = rng.uniform(-1, 1, (channels, *PLANE_SHAPES[ndim]))
    weights = rng.uniform(-1, 1, (filters, channels, *KERNEL_SHAPES[ndim][parity]))
    strides = (stride,) + (1,) * (ndim - 1) if dilation == 2 else (stride,) * ndim
    dilations = (dilation,) * ndim
    expected = bank_reference(planes, weights, strides, dilations)
    for dtype in ("float64", "float32"):
        out = np.full(expected.shape, np.nan, dtype=dtype)
        correlate_bank(
            planes.astype(dtype), weights.astype(dtype), stride=strides, dilation=dilations, out=out
        )
        assert_allclose(out, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_bank_by_hand() -> None:
    # Channel 0 holds 0..4, channel 1 ten times that. Filter 0 sums pairs of channel 0;
    # filter 1 takes channel 1's backward difference (-10) plus channel 0 itself.
    planes = np.stack([np.arange(5.0), 10 * np.arange(5.0)])
    weights = np.array([[[1.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [1.0, -1.0]]])
    out = np.empty((4, 2))
    correlate_bank(planes, weights, stride=(1,), dilation=(1,), out=out)
    assert out.tolist() == [[1, -10], [3, -9], [5, -8], [7, -7]]


def test_bank_writes_into_a_channel_slice_of_a_wider_output() -> None:
    # The layer's 'each' layout: filters of channel c go to columns c*F .. c*F + F - 1.
    planes = np.arange(12.0).reshape(1, 3, 4)
    weights = np.ones((2, 1, 2, 2)) * np.array([1.0, -1.0])[:, None, None, None]
    wide = np.full((2, 3, 6), 7.0)
    correlate_bank(planes, weights, stride=(1, 1), dilation=(1, 1), out=wide[..., 2:4])
    # 2x2 sums of 0..11 laid out 3x4: 10, 14, 18 / 26, 30, 34.
    assert wide[..., 2].tolist() == [[10, 14, 18], [26, 30, 34]]
    assert_array_equal(wide[..., 3], -wide[..., 2])
    assert_array_equal(wide[..., [0, 1, 4, 5]], 7.0)


def test_bank_refuses_an_output_it_could_not_write_in_place() -> None:
    out = np.empty((3, 2, 2)).transpose(1, 0, 2)  # (2, 3, 2): positions cannot be flattened
    with pytest.raises(ValueError, match="copy"):
        correlate_bank(
            np.ones((1, 3, 4)), np.ones((2, 1, 2, 2)), stride=(1, 1), dilation=(1, 1), out=out
        )


def test_nan_and_inf_reach_exactly_the_windows_that_cover_them() -> None:
    # Channel 0: 0..9 with NaN at 2; channel 1: 10..19 with inf at 7. Zero weights too:
    # 0 * NaN and 0 * inf are NaN, as in the reference.
    planes = np.arange(20.0).reshape(2, 10)
    planes[0, 2] = np.nan
    planes[1, 7] = np.inf
    weights = np.array([[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [1.0, 0.0, -1.0]]])
    out = np.empty((8, 2))
    with np.errstate(invalid="ignore"):
        correlate_bank(planes, weights, stride=(1,), dilation=(1,), out=out)
    nan = np.nan
    # Filter 0 is channel 0 shifted by one: 4 and 5 at outputs 3 and 4.
    assert_array_equal(out[:, 0], [nan, nan, nan, 4.0, 5.0, nan, nan, nan])
    # Filter 1: x1[i] - x1[i + 2] = -2, except -inf (5), 0 * inf (6) and inf (7).
    assert_array_equal(out[:, 1], [nan, nan, nan, -2.0, -2.0, -np.inf, nan, np.inf])
    expected = bank_reference(planes, weights, (1,), (1,))
    assert_array_equal(out, expected)


# --- the layer's filter bank ----------------------------------------------------------------


def test_bank_pays_for_banks_of_small_filters() -> None:
    three = [np.ones((3, 3))]
    assert bank_pays("sum", three * 32, 2, 3)
    assert bank_pays("sum", three, 2, 3)  # 3 channels summed in one GEMM
    assert not bank_pays("sum", three, 2, 1)  # one map: the engine's strategies
    assert not bank_pays("sum", [np.ones((5, 5, 3))], 2, 3)  # 25 taps, one filter
    assert bank_pays("sum", [np.ones((5, 5, 3))] * 3, 2, 3)
    assert not bank_pays("sum", [np.ones((9, 9, 3))] * 32, 2, 3)  # 81 taps: FFT per map
    assert not bank_pays("each", three * 3, 2, 3)
    assert bank_pays("each", three * 4, 2, 3)
    assert not bank_pays("sum", [np.ones((3, 3)), np.ones((5, 5))], 2, 3)  # two shapes


def layer_cases() -> list[Any]:
    cases = []
    settings: list[dict[str, Any]] = [
        {"padding": "same", "pad_mode": mode, "pad_value": 0.5, "flip": i % 2 == 0}
        for i, mode in enumerate(PAD_MODES)
    ]
    settings += [{"padding": "valid", "stride": 2}, {"padding": "full", "dilation": 2}]
    for ndim, (rule, per_channel, filters), options in itertools.product(
        (1, 2, 3),
        (("sum", True, 2), ("sum", False, 1), ("each", False, 4)),
        settings,
    ):
        name = "-".join(f"{k}{v}" for k, v in options.items())
        case_id = f"{ndim}d-{rule}{'-perchannel' if per_channel else ''}-f{filters}-{name}"
        cases.append(pytest.param(ndim, rule, per_channel, filters, options, id=case_id))
    return cases


@pytest.mark.parametrize(("ndim", "rule", "per_channel", "filters", "options"), layer_cases())
def test_layer_through_the_bank_matches_the_reference_layer(
    ndim: int, rule: str, per_channel: bool, filters: int, options: dict[str, Any]
) -> None:
    rng = np.random.default_rng(ndim + filters)
    channels = 3
    x = rng.uniform(-2, 2, (*PLANE_SHAPES[ndim], channels))
    shape = LAYER_KERNELS[ndim] + ((channels,) if per_channel else ())
    kernels = [rng.uniform(-1, 1, shape) for _ in range(filters)]
    assert bank_pays(rule, kernels, ndim, channels)
    bias = [0.5, -1.0, 2.0, 0.0][:filters]
    expected = reference_layer(x, kernels, channels=rule, bias=bias, activation="tanh", **options)
    for dtype in ("float64", "float32"):
        maps = apply_filters(
            x, kernels, channels=rule, bias=bias, activation="tanh", dtype=dtype, **options
        )
        assert maps.data.shape == expected.data.shape
        assert (maps.sliding_ndim, maps.channels, maps.filters) == (
            expected.sliding_ndim,
            expected.channels,
            expected.filters,
        )
        assert maps.data.dtype == np.dtype(dtype)
        assert_allclose(maps.data, expected.data, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def per_map(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layer, "BANK_MAX_TAPS", 0)  # no kernel qualifies: one call per map


def test_bank_and_per_map_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(21)
    x = rng.uniform(0, 1, (20, 24, 3)).astype(np.float32)
    kernels = [rng.standard_normal((3, 3, 3)) for _ in range(8)]
    options: dict[str, Any] = {"channels": "sum", "padding": "same", "pad_mode": "reflect"}
    banked = apply_filters(x, kernels, bias=0.25, activation="relu", **options)
    per_map(monkeypatch)
    mapped = apply_filters(x, kernels, bias=0.25, activation="relu", **options)
    assert_allclose(banked.data, mapped.data, rtol=1e-5, atol=1e-5)
    assert banked.labels == mapped.labels == tuple("01234567")


def test_each_layout_is_channel_major(monkeypatch: pytest.MonkeyPatch) -> None:
    rgb = np.ones((4, 4, 3)) * np.array([1.0, 2.0, 3.0])
    ones = np.ones((2, 2))
    maps = apply_filters(rgb, [ones, 2 * ones, 3 * ones, 4 * ones], channels="each")
    assert maps.data.shape == (3, 3, 12)
    # index c * 4 + f: channel value (1, 2, 3) x 4 cells x filter weight (1..4)
    expected = [4.0 * c * f for c in (1, 2, 3) for f in (1, 2, 3, 4)]
    assert_array_equal(maps.data, np.broadcast_to(expected, (3, 3, 12)))
    assert (maps.channels, maps.filters) == (3, 4)


def test_progress_adds_up_to_the_whole_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layer, "BANK_BAND_ELEMENTS", 200)  # several bands per channel
    seen: list[float] = []
    x = np.ones((30, 10, 3))
    apply_filters(x, [np.ones((3, 3))] * 4, channels="each", progress=seen.append)
    assert len(seen) > 3
    assert sum(seen) == pytest.approx(1.0)


def test_bank_keeps_nan_where_the_per_map_path_does(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.arange(60.0).reshape(5, 4, 3)
    x[2, 1, 0] = np.nan
    x[0, 3, 2] = np.inf
    kernels = [np.array([[0.0, 1.0], [0.0, 0.0]]), np.eye(2), -np.ones((2, 2)), np.zeros((2, 2))]
    banked = apply_filters(x, kernels, channels="each", dtype="float64")
    per_map(monkeypatch)
    mapped = apply_filters(x, kernels, channels="each", dtype="float64")
    assert_array_equal(np.isnan(banked.data), np.isnan(mapped.data))
    assert_array_equal(np.isinf(banked.data), np.isinf(mapped.data))
    finite = np.isfinite(mapped.data)
    assert_allclose(banked.data[finite], mapped.data[finite], rtol=1e-12)


def test_bank_overflow_is_a_range_error() -> None:
    x = np.full((4, 4, 3), 3e38)
    with pytest.raises(RangeError, match="the result overflows float32"):
        apply_filters(x, [np.ones((2, 2, 3))] * 2, channels="sum")


def test_bank_pad_value_beyond_float32_is_a_range_error() -> None:
    message = "pad value 1e+39 is beyond the range of float32; use --dtype float64"
    with pytest.raises(RangeError, match=re.escape(message)):
        apply_filters(
            np.ones((4, 4, 3)),
            [np.ones((3, 3, 3))] * 2,
            channels="sum",
            padding="same",
            pad_mode="constant",
            pad_value=1e39,
        )


def test_filter_bank_returns_the_raw_sums() -> None:
    planes = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))])
    bank = filter_bank(planes, [np.ones((2, 2)), -np.ones((2, 2))], ConvParams.build(2), rule="sum")
    assert bank.shape == (2, 2, 2)
    assert_array_equal(bank, np.broadcast_to([12.0, -12.0], (2, 2, 2)))
    each = filter_bank(planes, [np.ones((2, 2))] * 4, ConvParams.build(2), rule="each")
    assert each.shape == (2, 2, 8)
    assert_array_equal(each[0, 0], [4.0] * 4 + [8.0] * 4)


def test_bank_on_two_threads_matches_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layer, "BANK_BAND_ELEMENTS", 500)  # many bands to share
    rng = np.random.default_rng(17)
    x = rng.uniform(-1, 1, (40, 30, 3))
    kernels = [rng.uniform(-1, 1, (3, 3, 3)) for _ in range(5)]
    seen: list[float] = []
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # the bank's bands on two threads
    two = apply_filters(x, kernels, channels="sum", dtype="float64", progress=seen.append)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    one = apply_filters(x, kernels, channels="sum", dtype="float64")
    assert_array_equal(two.data, one.data)
    assert len(seen) > 1
    assert sum(seen) == pytest.approx(1.0)
    expected = reference_layer(x, kernels, channels="sum")
    assert_allclose(two.data, expected.data, rtol=1e-12, atol=1e-12)
