"""convcli.layer.apply_filters against the reference layer, and the contract's Channels rules."""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from reference import ACTIVATIONS, reference_layer

from convcli.errors import GeometryError, ParameterError, RangeError
from convcli.featuremaps import FeatureMaps
from convcli.layer import apply_filters

SLIDING_SHAPES: dict[int, tuple[int, ...]] = {1: (9,), 2: (5, 6), 3: (4, 4, 5)}
KERNEL_SHAPES: dict[int, list[tuple[int, ...]]] = {
    1: [(3,), (4,), (3,)],
    2: [(3, 3), (2, 3), (3, 3)],
    3: [(2, 2, 3)] * 3,
}
# Settings vary with the filter count so that every layer case also moves the engine.
OPTIONS: dict[int, dict[str, Any]] = {
    1: {"padding": "valid"},
    2: {"padding": "same", "stride": 2, "pad_mode": "reflect"},
    3: {"padding": "full", "dilation": 2, "flip": True, "pad_mode": "constant", "pad_value": 0.5},
}
BIASES: dict[str, float | list[float]] = {"scalar": 0.25, "per-filter": [0.5, -1.0, 2.0]}


def layer_cases() -> list[Any]:
    cases = []
    rules = [("each", False), ("sum", False), ("sum", True)]  # True: per-channel kernels
    for ndim, n_channels, (
        rule,
        per_channel,
    ), n_filters, bias_kind, activation in itertools.product(
        (1, 2), (None, 1, 3), rules, (1, 2, 3), BIASES, ACTIVATIONS
    ):
        if per_channel and n_channels is None:
            continue  # per-channel weights need a channels axis
        case_id = (
            f"{ndim}d-c{n_channels or 'none'}-{rule}{'-perchannel' if per_channel else ''}"
            f"-f{n_filters}-{bias_kind}-{activation}"
        )
        values = (ndim, n_channels, rule, per_channel, n_filters, bias_kind, activation)
        cases.append(pytest.param(*values, id=case_id))
    return cases


@pytest.mark.parametrize(
    ("ndim", "n_channels", "rule", "per_channel", "n_filters", "bias_kind", "activation"),
    layer_cases(),
)
def test_apply_filters_matches_reference_layer(
    ndim: int,
    n_channels: int | None,
    rule: str,
    per_channel: bool,
    n_filters: int,
    bias_kind: str,
    activation: str,
) -> None:
    rng = np.random.default_rng(ndim * 10 + n_filters)
    shape = SLIDING_SHAPES[ndim] + ((n_channels,) if n_channels else ())
    x = rng.uniform(-2, 2, shape)
    extra = (n_channels,) if per_channel and n_channels else ()
    # all filters of one layer share a kernel size unless padding 'same' keeps shapes equal
    sizes = KERNEL_SHAPES[ndim] if n_filters == 2 else [KERNEL_SHAPES[ndim][0]] * 3
    kernels = [rng.uniform(-1, 1, sizes[f] + extra) for f in range(n_filters)]
    bias = BIASES[bias_kind]
    if isinstance(bias, list):
        bias = bias[:n_filters]
    options = OPTIONS[n_filters]
    expected = reference_layer(
        x, kernels, channels=rule, bias=bias, activation=activation, **options
    )
    for dtype, rtol, atol in (("float64", 1e-12, 1e-12), ("float32", 1e-5, 1e-5)):
        maps = apply_filters(
            x, kernels, channels=rule, bias=bias, activation=activation, dtype=dtype, **options
        )
        assert isinstance(maps, FeatureMaps)
        assert maps.data.dtype == np.dtype(dtype)
        assert maps.data.shape == expected.data.shape
        assert (maps.sliding_ndim, maps.channels, maps.filters) == (
            expected.sliding_ndim,
            expected.channels,
            expected.filters,
        )
        assert maps.labels == tuple(str(f) for f in range(n_filters))
        assert_allclose(maps.data, expected.data, rtol=rtol, atol=atol, err_msg=dtype)


def test_layer_case_shapes_follow_the_contract() -> None:
    # Spot checks that the reference layer's layout is the contract's, on the grid's data.
    x = np.zeros((5, 6, 3))
    k = np.zeros((3, 3))
    assert reference_layer(x, [k]).data.shape == (3, 4, 3)
    assert reference_layer(x, [k, k]).data.shape == (3, 4, 6)
    assert reference_layer(x, [k], channels="sum").data.shape == (3, 4, 1)
    assert reference_layer(x[..., 0], [k], channels="sum").data.shape == (3, 4)
    assert reference_layer(x[..., 0], [k, k, k], channels="sum").data.shape == (3, 4, 3)


def test_3d_layer_with_channels_matches_reference() -> None:
    rng = np.random.default_rng(33)
    x = rng.uniform(-1, 1, (4, 4, 5, 2))
    kernels = [rng.uniform(-1, 1, (2, 2, 3)), rng.uniform(-1, 1, (2, 2, 3))]
    for rule in ("each", "sum"):
        expected = reference_layer(x, kernels, channels=rule, padding="same", bias=[1.0, -1.0])
        maps = apply_filters(
            x, kernels, channels=rule, padding="same", bias=[1.0, -1.0], dtype="float64"
        )
        assert maps.sliding_ndim == 3
        assert (
            maps.data.shape
            == expected.data.shape
            == ((4, 4, 5, 4) if rule == "each" else (4, 4, 5, 2))
        )
        assert_allclose(maps.data, expected.data, rtol=1e-12, atol=1e-12)


def test_kernel_with_as_many_axes_as_an_rgb_image_is_3d_under_each() -> None:
    # Under 'each' a 3x3x3 kernel on an (8, 8, 3) array is a Conv3D over a one-channel volume.
    rng = np.random.default_rng(8)
    x, k = rng.uniform(0, 1, (8, 8, 3)), rng.uniform(-1, 1, (3, 3, 3))
    maps = apply_filters(x, [k], dtype="float64")
    assert (maps.sliding_ndim, maps.channels, maps.data.shape) == (3, 1, (6, 6, 1))
    assert_allclose(maps.data, reference_layer(x, [k]).data, rtol=1e-12)
    # ... and under 'sum' the same kernel holds per-channel weights: a 2-D convolution.
    summed = apply_filters(x, [k], channels="sum", dtype="float64")
    assert (summed.sliding_ndim, summed.channels, summed.data.shape) == (2, 1, (6, 6, 1))
    expected = sum(
        (np.sum(x[i : i + 3, j : j + 3, :] * k) for i in range(6) for j in range(6)), start=0.0
    )
    assert summed.data.sum() == pytest.approx(expected, rel=1e-12)


def test_filter_map_picks_one_filters_channels() -> None:
    rgb = np.ones((4, 4, 3)) * np.array([1.0, 2.0, 3.0])
    maps = apply_filters(rgb, [np.ones((2, 2)), 2 * np.ones((2, 2))])
    assert maps.filter_map(0)[0, 0].tolist() == [4.0, 8.0, 12.0]
    assert maps.filter_map(1)[0, 0].tolist() == [8.0, 16.0, 24.0]


def test_labels_are_kept() -> None:
    maps = apply_filters(np.arange(6.0), [[1, 1], [1, -1]], labels=["sum", "diff"])
    assert maps.labels == ("sum", "diff")


def test_sigmoid_does_not_overflow_on_large_values() -> None:
    with np.errstate(all="raise"):
        maps = apply_filters(np.array([-1000.0, 0.0, 1000.0]), [[1.0]], activation="sigmoid")
    assert maps.data.tolist() == [0.0, 0.5, 1.0]


def test_bias_is_added_before_the_activation() -> None:
    # [1,2,3,4] with [1,-1]: -1 everywhere; + bias 1.5 -> 0.5 (relu keeps it), + -0.5 -> 0
    x = np.array([1.0, 2, 3, 4])
    maps = apply_filters(x, [[1, -1], [1, -1]], bias=[1.5, -0.5], activation="relu")
    assert maps.data.tolist() == [[0.5, 0.0]] * 3
    tanh = apply_filters(x, [[1, -1]], bias=1.0, activation="tanh", dtype="float64")
    assert tanh.data.tolist() == [0.0, 0.0, 0.0]


# --- the contract's Channels worked examples, exactly ------------------------------------

RGB = np.ones((4, 4, 3)) * np.array([1.0, 2.0, 3.0])  # channels hold 1, 2, 3 everywhere
ONES = np.ones((2, 2))  # kernel "1,1;1,1"


def test_contract_each() -> None:
    maps = apply_filters(RGB, [ONES], channels="each")
    assert maps.data.shape == (3, 3, 3)
    assert_array_equal(maps.data, np.broadcast_to([4.0, 8.0, 12.0], (3, 3, 3)))
    assert (maps.sliding_ndim, maps.channels, maps.filters) == (2, 3, 1)


def test_contract_sum() -> None:
    maps = apply_filters(RGB, [ONES], channels="sum")
    assert maps.data.shape == (3, 3, 1)
    assert_array_equal(maps.data, np.full((3, 3, 1), 24.0))
    assert (maps.sliding_ndim, maps.channels, maps.filters) == (2, 1, 1)


def test_contract_per_channel_kernel_under_sum() -> None:
    kernel = np.stack([ONES, 10 * ONES, 100 * ONES], axis=-1)  # (2, 2, 3), planes 1, 10, 100
    assert kernel.shape == (2, 2, 3)
    maps = apply_filters(RGB, [kernel], channels="sum")
    assert maps.data.shape == (3, 3, 1)
    assert_array_equal(maps.data, np.full((3, 3, 1), 1284.0))  # 4*1 + 8*10 + 12*100
    assert maps.sliding_ndim == 2


def test_contract_two_filters_each_is_channel_major() -> None:
    maps = apply_filters(RGB, [ONES, 2 * ONES], channels="each")
    assert maps.data.shape == (3, 3, 6)
    assert_array_equal(maps.data, np.broadcast_to([4.0, 8.0, 8.0, 16.0, 12.0, 24.0], (3, 3, 6)))
    assert (maps.channels, maps.filters) == (3, 2)


def test_contract_two_filters_sum() -> None:
    maps = apply_filters(RGB, [ONES, 2 * ONES], channels="sum")
    assert maps.data.shape == (3, 3, 2)
    assert_array_equal(maps.data, np.broadcast_to([24.0, 48.0], (3, 3, 2)))
    assert (maps.channels, maps.filters) == (1, 2)


def test_contract_two_1d_filters_on_a_signal_without_channels() -> None:
    signal = np.array([1.0, 2, 3, 4, 5, 6])
    maps = apply_filters(signal, [[1, 1], [1, 10]])
    assert maps.data.shape == (5, 2)
    assert maps.data.tolist() == [[3, 21], [5, 32], [7, 43], [9, 54], [11, 65]]
    assert (maps.sliding_ndim, maps.channels, maps.filters) == (1, 1, 2)


def test_one_filter_without_channels_has_no_last_axis_under_either_rule() -> None:
    signal = np.array([1.0, 2, 3, 4, 5, 6])
    for rule in ("each", "sum"):
        maps = apply_filters(signal, [[1, 10]], channels=rule)
        assert maps.data.tolist() == [21, 32, 43, 54, 65]
        assert not maps.has_last_axis


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "kernels", "options", "error", "message"),
    [
        (
            np.ones((3, 3, 3, 3)),
            [ONES],
            {},
            GeometryError,
            r"input has 4 axes \(3, 3, 3, 3\) but a 2-D kernel needs 2 \(one channel\) "
            r"or 3 \(channels last\)",
        ),
        (
            np.ones(5),
            [ONES],
            {},
            GeometryError,
            r"input has 1 axis \(5,\) but a 2-D kernel needs 2",
        ),
        (
            np.ones((4, 4, 2)),
            [[1.0, 1.0]],
            {},
            GeometryError,
            "input has 3 axes .* but a 1-D kernel needs 1",
        ),
        (
            RGB,
            [ONES, ONES],
            {"bias": [1.0, 2.0, 3.0]},
            ParameterError,
            r"bias takes one value or one per filter \(2\); got 3: 1,2,3",
        ),
        (
            RGB,
            [ONES, np.ones((3, 3))],
            {},
            GeometryError,
            r"the filters give feature maps of different shapes \(\(3, 3\), \(2, 2\)\); "
            "use kernels of one size, or padding 'same'",
        ),
        (
            RGB,
            [ONES, np.ones(2)],
            {},
            GeometryError,
            r"all kernels must slide along the same number of axes; got \(2, 2\), \(2,\)",
        ),
        (
            RGB,
            [ONES],
            {"activation": "gelu"},
            ParameterError,
            "activation must be one of linear, relu, abs, sigmoid, tanh; got 'gelu'",
        ),
        (
            RGB,
            [ONES],
            {"channels": "mean"},
            ParameterError,
            "channels must be one of each, sum; got 'mean'",
        ),
        (
            RGB,
            [ONES],
            {"dtype": "int8"},
            ParameterError,
            "dtype must be one of float32, float64; got 'int8'",
        ),
        (
            RGB,
            [],
            {},
            ParameterError,
            "give at least one kernel",
        ),
        (
            RGB,
            [ONES],
            {"stride": 0},
            ParameterError,
            "stride must be a positive integer per axis; got 0,0",
        ),
        (
            np.ones((2, 2, 3)),
            [np.ones((3, 3))],
            {},
            GeometryError,
            "kernel 3 is larger than the input 2 on axis 0",
        ),
        (
            np.array([["a"]]),
            [[[1.0]]],
            {},
            ParameterError,
            "input must hold real numbers; got dtype <U1",
        ),
    ],
)
def test_layer_errors(
    x: np.ndarray,
    kernels: list[Any],
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        apply_filters(x, kernels, **options)


def test_label_count_must_match_the_filters() -> None:
    with pytest.raises(ParameterError, match=r"give one label per filter \(2\); got 1"):
        apply_filters(np.arange(6.0), [[1, 1], [1, -1]], labels=["a"])


def test_numpy_scalar_bias() -> None:
    maps = apply_filters(np.arange(3.0), [[1]], bias=np.float32(1))
    assert maps.data.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("bias", "message"),
    [
        ("0.5", "bias must be a number or one number per filter; got '0.5'"),
        ([float("nan")], "bias must be finite; got [nan]"),
        ([True], "bias must be a number or one number per filter; got [True]"),
    ],
)
def test_bias_must_be_finite_numbers(bias: object, message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        apply_filters(np.arange(3.0), [[1]], bias=bias)  # type: ignore[arg-type]


def test_bias_overflow_is_a_range_error() -> None:
    with pytest.raises(RangeError, match="the result overflows float32"):
        apply_filters(np.array([3e38]), [[1]], bias=3e38)


def test_every_activation_has_a_function() -> None:
    from convcli.layer import ACTIVATION_FUNCTIONS
    from convcli.params import ACTIVATIONS as NAMES

    assert tuple(ACTIVATION_FUNCTIONS) == NAMES


# --- 'each' over a channels-last 2-D image: the channels run as one batch -----------------

BATCH_KERNELS = {
    "random 3x3": np.array([[0.5, -1.25, 2.0], [1.5, 0.75, -0.5], [0.25, 3.0, -2.0]]),
    "rank-1 3x3": np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]),
    "random 2x4": np.array([[1.0, -2.0, 0.5, 3.0], [-1.5, 0.25, 2.0, 1.0]]),
    "random 5x5": np.random.default_rng(5).uniform(-1, 1, size=(5, 5)).round(3),
}


@pytest.fixture
def record_strategies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Let BLAS and FFT run on small outputs; record the BLAS and FFT strategies that run."""
    import convcli.engine as engine

    monkeypatch.setattr(engine, "SMALL_OUTPUT", 0)
    seen: list[str] = []
    real = engine.strategy_function

    def watched(name: str) -> Any:
        seen.append(name)
        return real(name)

    monkeypatch.setattr(engine, "strategy_function", watched)
    return seen


@pytest.mark.parametrize("kernel_name", sorted(BATCH_KERNELS))
@pytest.mark.parametrize(
    "options",
    [
        {"padding": "same"},
        {"padding": "valid", "stride": (1, 2)},
        {"padding": "same", "stride": 2, "dilation": (2, 1), "pad_mode": "reflect"},
        {"padding": "full", "flip": True, "pad_mode": "constant", "pad_value": -1.5},
        {"padding": ((2, 0), (1, 3)), "pad_mode": "wrap", "dilation": 2},
        {"padding": "same", "pad_mode": "symmetric", "stride": (2, 1)},
        {"padding": "same", "pad_mode": "edge"},
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_over_channels_last_matches_reference(
    kernel_name: str, options: dict[str, Any], dtype: str, record_strategies: list[str]
) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 2, size=(11, 13, 3))
    kernels = [BATCH_KERNELS[kernel_name], -0.5 * BATCH_KERNELS[kernel_name].T.copy()]
    kernels = kernels[:1] if kernels[1].shape != kernels[0].shape else kernels
    maps = apply_filters(x, kernels, channels="each", dtype=dtype, bias=0.5, **options)
    expected = reference_layer(x, kernels, channels="each", bias=0.5, **options)
    assert maps.data.dtype == np.dtype(dtype)
    assert (maps.channels, maps.filters) == (3, len(kernels))
    tol = 1e-4 if dtype == "float32" else 1e-10
    assert_allclose(maps.data, expected.data, rtol=tol, atol=tol * 60)


def test_each_over_channels_last_runs_once_per_filter(record_strategies: list[str]) -> None:
    # One engine call per filter for all three channels (toeplitz for a random 5x5).
    x = np.arange(12 * 10 * 3, dtype=float).reshape(12, 10, 3) % 11
    maps = apply_filters(x, [BATCH_KERNELS["random 5x5"]] * 2, channels="each", padding="same")
    assert record_strategies == ["toeplitz", "toeplitz"]
    expected = reference_layer(x, [BATCH_KERNELS["random 5x5"]] * 2, padding="same")
    assert_allclose(maps.data, expected.data, rtol=1e-5, atol=1e-3)


def test_each_over_channels_last_fft_runs_per_plane(record_strategies: list[str]) -> None:
    kernel = (np.arange(121.0).reshape(11, 11) % 5) - 2  # large: FFT tiles
    x = np.sin(np.arange(40 * 36 * 2, dtype=float)).reshape(40, 36, 2)
    maps = apply_filters(x, [kernel], channels="each", padding="same", dtype="float64")
    assert record_strategies == ["fft", "fft"]  # one call per channel plane
    expected = reference_layer(x, [kernel], padding="same")
    assert_allclose(maps.data, expected.data, rtol=1e-9, atol=1e-8)


@pytest.mark.parametrize("kernel_name", ["random 3x3", "random 5x5", "rank-1 3x3"])
def test_each_over_channels_last_propagates_nan_per_channel(
    kernel_name: str, record_strategies: list[str]
) -> None:
    x = np.ones((14, 15, 3))
    x[6, 7, 1] = np.nan
    x[0, 14, 2] = np.inf
    kernel = BATCH_KERNELS[kernel_name]
    maps = apply_filters(x, [kernel], channels="each", padding="same")
    expected = reference_layer(x, [kernel], padding="same")
    assert_allclose(maps.data, expected.data, rtol=1e-5, atol=1e-4, equal_nan=True)
    assert np.isfinite(maps.data[..., 0]).all()  # channel 0 holds no NaN or inf
    assert np.isnan(maps.data[6, 7, 1])
    assert np.isfinite(maps.data[0, 0, 1])  # far from the NaN
    assert record_strategies == (["toeplitz"] if kernel_name == "random 5x5" else [])


def test_each_over_channels_last_hand_computed() -> None:
    # Two channels, a 2x2 box, 'valid': channel 1 is 10x channel 0.
    x = np.stack([np.arange(9.0).reshape(3, 3), 10 * np.arange(9.0).reshape(3, 3)], axis=-1)
    maps = apply_filters(x, [np.ones((2, 2)), np.eye(2)], channels="each")
    assert maps.data.shape == (2, 2, 4)  # channel-major: c * filters + f
    assert maps.data[0, 0].tolist() == [8.0, 4.0, 80.0, 40.0]
    assert maps.data[1, 1].tolist() == [24.0, 12.0, 240.0, 120.0]


def test_each_over_channels_last_keeps_the_sliding_shape_message() -> None:
    with pytest.raises(GeometryError, match=r"different shapes \(\(3, 3\), \(2, 2\)\)"):
        apply_filters(np.ones((4, 4, 2)), [np.ones((2, 2)), np.ones((3, 3))], channels="each")


@pytest.mark.parametrize("shape", [(4, 4, 2), (6, 2), (4, 4)])
def test_each_overflow_without_bias_is_a_range_error(shape: tuple[int, ...]) -> None:
    # Under 'each' the engine itself refuses the overflow (no bias to add afterwards).
    kernel = np.ones((2, 2) if len(shape) != 2 or shape == (4, 4) else (2,))
    with pytest.raises(RangeError, match="the result overflows float32"):
        apply_filters(np.full(shape, 3e38), [kernel], channels="each")
