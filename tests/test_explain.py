"""Step records of ``convcli explain`` (convcli/explain.py): the engine's numbers, cell by cell.

Every explained cell is recomputed with :func:`convcli.layer.apply_filters`: the value
exactly, and the sum of products against the engine run with bias 0 and a linear
activation (exactly for whole numbers; for fractions within the rounding of the
engine's float32 arithmetic, whose order of additions depends on its strategy). Every
window is read back from the engine's own padded input; every product is window * weight.
Hand-computed cases pin padding modes, dilation gaps, stride, flip, bias and activation,
channels each/sum, 3-D planes and even kernels under 'same'.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcli.engine import pad_input
from convcli.errors import ConvcliError, GeometryError, ParameterError
from convcli.explain import (
    AxisTaps,
    Explanation,
    Step,
    activate,
    explain,
    parse_positions,
    resolve_positions,
    source_index,
)
from convcli.layer import apply_filters

SIGNAL = [1, 2, 3, 4, 5, 6]
DIGITS = [1, 10, 100]
BUMP_INPUT = np.array([0, 0, 0, 1, 1, 0, 0, 0], dtype=float)
LINE_8X8 = np.tile(BUMP_INPUT, (8, 1))
VERTICAL_LINE = np.array([[0, 1, 0]] * 3, dtype=float)
RGB_123 = np.ones((4, 4, 3)) * [1, 2, 3]


def every_position(x: Any, kernels: list[Any], **options: Any) -> list[tuple[int, ...]]:
    """All output positions along the sliding axes."""
    maps = apply_filters(x, kernels, **options)
    return list(np.ndindex(*maps.data.shape[: maps.sliding_ndim]))


def check_against_engine(ex: Explanation, x: Any, kernels: list[Any], **options: Any) -> int:
    """Assert every step agrees with the engine; return how many steps were checked."""
    dtype = options.get("dtype", "float32")
    maps = apply_filters(x, kernels, **options)
    linear = {**options, "bias": 0.0, "activation": "linear"}
    sums = apply_filters(x, kernels, **linear).data
    data = np.asarray(x, dtype=dtype)
    sliding = maps.sliding_ndim
    has_channels = data.ndim == sliding + 1
    planes = np.moveaxis(data, -1, 0) if has_channels else data[np.newaxis]
    checked = 0
    for filt in ex.filters:
        g = filt.geometry
        fill = options.get("pad_value", 0.0) if options.get("pad_mode") == "constant" else 0.0
        padded = [pad_input(p, g.padding, g.pad_mode, fill) for p in planes]
        kernel = np.asarray(kernels[filt.index], dtype=dtype)
        used = kernel[(slice(None, None, -1),) * sliding] if g.flip else kernel
        for step in filt.steps:
            assert step.value == maps.data[step.index]
            # The exact sum against the engine's rounded one: a few ulps of the terms.
            scale = float(np.abs(step.products).sum()) + 1.0
            tolerance = scale * (1e-5 if dtype == "float32" else 1e-12)
            assert abs(step.total - float(sums[step.index])) <= tolerance
            assert step.total == math.fsum(step.products.astype(float).ravel().tolist())
            expected = activate(step.pre_activation, step.activation, dtype)
            assert abs(expected - step.value) <= tolerance
            assert step.products.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(step.products, step.window * step.weights)
            for slot, channel in enumerate(step.channels or (0,)):
                plane_weights = used[..., channel] if g.per_channel else used
                np.testing.assert_array_equal(step.weights[..., slot], plane_weights)
                for tap in np.ndindex(*step.padding.shape):
                    where = tuple(
                        axis.positions[t] + before
                        for axis, t, (before, _) in zip(step.axes, tap, g.padding, strict=True)
                    )
                    assert step.window[(*tap, slot)] == padded[channel][where]
                    inside = step.input_index(tap)
                    assert (inside is None) == bool(step.padding[tap])
                    if inside is not None:
                        assert (
                            data[(*inside, channel) if has_channels else inside]
                            == (step.window[(*tap, slot)])
                        )
            checked += 1
    return checked


# -- the seeds ----------------------------------------------------------------------------


def test_seed_bump_first_three_positions() -> None:
    ex = explain(BUMP_INPUT, [[0, 1, 0]], labels=["bump"])
    steps = ex.filters[0].steps
    assert [s.position for s in steps] == [(0,), (1,), (2,)]
    assert [s.window[..., 0].tolist() for s in steps] == [[0, 0, 0], [0, 0, 1], [0, 1, 1]]
    assert [s.weights[..., 0].tolist() for s in steps] == [[0, 1, 0]] * 3
    assert [s.value for s in steps] == [0, 0, 1]
    assert ex.omitted == 3
    assert ex.filters[0].label == "bump"


def test_seed_vertical_line_at_column_2_sums_to_3() -> None:
    ex = explain(LINE_8X8, [VERTICAL_LINE], at=["0,2"])
    (step,) = ex.filters[0].steps
    assert step.window[..., 0].tolist() == [[0, 1, 1]] * 3
    assert step.products[..., 0].tolist() == [[0, 1, 0]] * 3
    assert (step.total, step.value, step.index) == (3.0, 3.0, (0, 2))
    assert [a.positions for a in step.axes] == [(0, 1, 2), (2, 3, 4)]
    assert ex.filters[0].geometry.output_shape == (6, 6)


def test_default_positions_are_the_first_few_in_order() -> None:
    ex = explain(LINE_8X8, [VERTICAL_LINE])
    assert ex.positions == ((0, 0), (0, 1), (0, 2))
    assert ex.omitted == 33
    assert explain(LINE_8X8, [VERTICAL_LINE], limit=40).omitted == 0


# -- hand-computed cases --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "value", "first", "first_window", "last", "last_window"),
    [
        ("zeros", 0.0, 210, [0, 1, 2], 65, [5, 6, 0]),
        ("constant", 9.0, 219, [9, 1, 2], 965, [5, 6, 9]),
        ("reflect", 0.0, 212, [2, 1, 2], 565, [5, 6, 5]),
        ("symmetric", 0.0, 211, [1, 1, 2], 665, [5, 6, 6]),
        ("edge", 0.0, 211, [1, 1, 2], 665, [5, 6, 6]),
        ("wrap", 0.0, 216, [6, 1, 2], 165, [5, 6, 1]),
    ],
)
def test_pad_modes_fill_the_padding_cells(
    mode: str, value: float, first: int, first_window: list[int], last: int, last_window: list[int]
) -> None:
    ex = explain(SIGNAL, [DIGITS], padding=1, pad_mode=mode, pad_value=value, at=["0", "-1"])
    head, tail = ex.filters[0].steps
    assert (head.value, tail.value) == (first, last)
    assert head.window[..., 0].tolist() == first_window
    assert tail.window[..., 0].tolist() == last_window
    assert head.padding.tolist() == [True, False, False]
    assert tail.padding.tolist() == [False, False, True]
    assert head.axes[0].positions == (-1, 0, 1)
    assert tail.axes[0].positions == (4, 5, 6)
    assert ex.filters[0].geometry.pad_value == (9.0 if mode == "constant" else 0.0)


@pytest.mark.parametrize(
    ("mode", "sources"),
    [
        ("zeros", (None, None, 0, 1, 2)),
        ("reflect", (2, 1, 0, 1, 2)),
        ("symmetric", (1, 0, 0, 1, 2)),
        ("edge", (0, 0, 0, 1, 2)),
        ("wrap", (4, 5, 0, 1, 2)),
    ],
)
def test_padding_cells_name_the_input_cell_they_copy(
    mode: str, sources: tuple[int | None, ...]
) -> None:
    ex = explain(SIGNAL, [[1, 10, 100, 1000, 10000]], padding=2, pad_mode=mode, at=["0"])
    (step,) = ex.filters[0].steps
    assert step.axes[0].sources == sources
    assert step.source_index((0,)) == (None if sources[0] is None else (sources[0],))
    assert step.input_index((0,)) is None
    assert step.input_index((2,)) == (0,)


def test_wide_reflect_padding_matches_the_contract_digits() -> None:
    ex = explain(SIGNAL, [[1, 10, 100, 1000, 10000]], padding=2, pad_mode="reflect", limit=6)
    assert [s.value for s in ex.filters[0].steps] == [32123, 43212, 54321, 65432, 56543, 45654]


def test_dilation_gaps_are_the_skipped_cells() -> None:
    ex = explain(SIGNAL, [DIGITS], dilation=2)
    first, second = ex.filters[0].steps[:2]
    assert first.axes[0].positions == (0, 2, 4)
    assert first.axes[0].skipped == (1, 3)
    assert first.axes[0].dilation == 2
    assert (first.value, second.value) == (531, 642)
    assert first.window[..., 0].tolist() == [1, 3, 5]


def test_dilation_two_axes_has_gaps_on_each() -> None:
    x = np.arange(49.0).reshape(7, 7)
    ex = explain(x, [np.ones((3, 3))], dilation=(2, 3), at=["0,0"])
    (step,) = ex.filters[0].steps
    assert [a.positions for a in step.axes] == [(0, 2, 4), (0, 3, 6)]
    assert [a.skipped for a in step.axes] == [(1, 3), (1, 2, 4, 5)]
    assert step.value == sum(x[r, c] for r in (0, 2, 4) for c in (0, 3, 6))


def test_stride_moves_the_window_by_whole_steps() -> None:
    # 'same' with stride 2 pads 0 before, 1 after: 321 543 65.
    ex = explain(SIGNAL, [DIGITS], padding="same", stride=2)
    steps = ex.filters[0].steps
    assert [s.axes[0].positions for s in steps] == [(0, 1, 2), (2, 3, 4), (4, 5, 6)]
    assert [s.value for s in steps] == [321, 543, 65]
    assert ex.filters[0].geometry.padding == ((0, 1),)


def test_flip_records_the_kernel_as_used() -> None:
    ex = explain(SIGNAL, [DIGITS], flip=True, at=["0"])
    (step,) = ex.filters[0].steps
    assert step.weights[..., 0].tolist() == [100, 10, 1]
    assert step.value == 123
    assert ex.filters[0].geometry.flip


def test_flip_reverses_every_sliding_axis() -> None:
    kernel = np.arange(1.0, 10.0).reshape(3, 3)
    ex = explain(np.eye(3), [kernel], flip=True, at=["0,0"])
    (step,) = ex.filters[0].steps
    assert step.weights[..., 0].tolist() == kernel[::-1, ::-1].tolist()
    assert step.value == 9 + 5 + 1


def test_bias_then_activation() -> None:
    ex = explain(SIGNAL, [DIGITS], bias=-400.0, activation="relu", at=["0", "-1"])
    low, high = ex.filters[0].steps
    assert (low.total, low.pre_activation, low.value) == (321, -79, 0)
    assert (high.total, high.pre_activation, high.value) == (654, 254, 254)
    assert low.bias == -400
    assert low.activation == "relu"


def test_one_bias_per_filter() -> None:
    ex = explain(SIGNAL, [DIGITS, [1, 1]], bias=[1.0, -1.0], padding="same", at=["0"])
    assert [f.steps[0].bias for f in ex.filters] == [1.0, -1.0]
    assert [f.steps[0].index for f in ex.filters] == [(0, 0), (0, 1)]
    assert [f.steps[0].value for f in ex.filters] == [211, 2]


def test_sigmoid_is_the_engine_value() -> None:
    ex = explain([0.0, 1.0, 2.0], [[1.0]], activation="sigmoid", dtype="float64", limit=3)
    assert [s.value for s in ex.filters[0].steps] == pytest.approx(
        [0.5, 1 / (1 + np.exp(-1)), 1 / (1 + np.exp(-2))]
    )


def test_channels_each_explains_every_channel_on_its_own() -> None:
    ex = explain(RGB_123, [np.ones((2, 2))], channels="each", at=["0,0"])
    steps = ex.filters[0].steps
    assert [s.channels for s in steps] == [(0,), (1,), (2,)]
    assert [s.index for s in steps] == [(0, 0, 0), (0, 0, 1), (0, 0, 2)]
    assert [s.value for s in steps] == [4, 8, 12]
    assert ex.filters[0].geometry.channels == 3


def test_channels_each_with_two_filters_indexes_channel_major() -> None:
    ex = explain(RGB_123, [np.ones((2, 2)), 2 * np.ones((2, 2))], at=["1,1"])
    indices = [s.index[-1] for f in ex.filters for s in f.steps]
    values = [s.value for f in ex.filters for s in f.steps]
    assert indices == [0, 2, 4, 1, 3, 5]
    assert values == [4, 8, 12, 8, 16, 24]


def test_channels_sum_with_per_channel_weights_shows_each_plane() -> None:
    kernel = np.ones((2, 2, 3)) * [1, 10, 100]
    ex = explain(RGB_123, [kernel], channels="sum", at=["2,2"])
    (step,) = ex.filters[0].steps
    assert step.channels == (0, 1, 2)
    assert step.window.shape == (2, 2, 3)
    assert [step.weights[0, 0, c] for c in range(3)] == [1, 10, 100]
    assert [step.partial(c) for c in range(3)] == [4, 80, 1200]
    assert (step.total, step.value, step.index) == (1284, 1284, (2, 2, 0))
    assert ex.filters[0].geometry.per_channel


def test_channels_sum_with_shared_weights() -> None:
    ex = explain(RGB_123, [np.ones((2, 2))], channels="sum", at=["0,0"])
    (step,) = ex.filters[0].steps
    assert [step.partial(c) for c in range(3)] == [4, 8, 12]
    assert step.value == 24
    assert not ex.filters[0].geometry.per_channel


def test_3d_kernel_planes_and_padding() -> None:
    volume = np.arange(27.0).reshape(3, 3, 3)
    ex = explain(volume, [np.ones((2, 2, 2))], padding="same", at=["0,0,0", "-1,-1,-1"])
    head, tail = ex.filters[0].steps
    assert head.value == sum(volume[:2, :2, :2].ravel())
    assert [head.partial(0, plane) for plane in (0, 1)] == [0 + 1 + 3 + 4, 9 + 10 + 12 + 13]
    assert tail.index == (2, 2, 2)
    assert tail.padding.sum() == 7  # only the corner cell (2, 2, 2) is inside
    assert tail.value == 26
    assert ex.filters[0].geometry.padding == ((0, 1), (0, 1), (0, 1))


def test_even_kernel_same_pads_one_before_two_after() -> None:
    ex = explain(SIGNAL, [[1, 10, 100, 1000]], padding="same", at=["0", "-1"])
    head, tail = ex.filters[0].steps
    assert ex.filters[0].geometry.padding == ((1, 2),)
    assert head.axes[0].positions == (-1, 0, 1, 2)
    assert (head.value, tail.value) == (3210, 65)
    assert tail.padding.tolist() == [False, False, True, True]


def test_causal_padding_and_dilation() -> None:
    ex = explain(SIGNAL, [DIGITS], padding="causal", dilation=2, limit=6)
    assert [s.value for s in ex.filters[0].steps] == [100, 200, 310, 420, 531, 642]
    assert ex.filters[0].steps[0].axes[0].positions == (-4, -2, 0)


def test_a_101_tap_kernel_sums_exactly() -> None:
    x = np.arange(300.0)
    kernel = np.arange(101.0) % 7
    ex = explain(x, [kernel], padding="same", at=["0", "150", "-1"], dtype="float64")
    assert check_against_engine(ex, x, [kernel], padding="same", dtype="float64") == 3
    assert ex.filters[0].steps[1].value == float(np.dot(kernel, x[100:201]))


# -- every cell is the engine's ----------------------------------------------------------


CASES = [
    # (input, kernel, options): every rank, pad mode, stride, dilation, flip, rule
    (np.arange(1.0, 8.0), np.array([1.0, -2.0, 3.0]), {}),
    (np.arange(1.0, 8.0), np.array([0.5, 1.0]), {"padding": "same", "pad_mode": "wrap"}),
    (np.arange(1.0, 10.0), np.array([1.0, 10.0, 100.0]), {"padding": "full", "stride": 2}),
    (np.arange(1.0, 10.0), np.array([3.0, 0.0, -1.0]), {"padding": 3, "pad_mode": "symmetric"}),
    (np.arange(1.0, 10.0), np.array([1.0, 1.0, 2.0]), {"padding": "causal", "dilation": 3}),
    (
        np.arange(30.0).reshape(5, 6),
        np.arange(1.0, 10.0).reshape(3, 3),
        {"padding": "same", "pad_mode": "reflect", "flip": True},
    ),
    (
        np.arange(30.0).reshape(5, 6) % 7,
        np.array([[1.0, -1.0], [2.0, 0.5]]),
        {"padding": ((1, 0), (2, 1)), "pad_mode": "constant", "pad_value": -3.0, "stride": (2, 1)},
    ),
    (
        np.arange(42.0).reshape(6, 7),
        np.ones((2, 3)),
        {"dilation": (2, 2), "padding": "same", "pad_mode": "edge", "bias": 0.25},
    ),
    (
        np.random.default_rng(1).random((5, 5, 3)),
        np.random.default_rng(2).standard_normal((3, 3)),
        {"padding": "same", "pad_mode": "symmetric", "activation": "tanh"},
    ),
    (
        np.random.default_rng(3).random((5, 4, 2)),
        np.random.default_rng(4).standard_normal((2, 2, 2)),
        {"channels": "sum", "padding": "full", "bias": -0.5, "activation": "relu"},
    ),
    (
        np.random.default_rng(5).random((5, 4, 3)),
        np.random.default_rng(6).standard_normal((3, 2)),
        {"channels": "sum", "padding": "same", "pad_mode": "wrap", "stride": 2},
    ),
    (
        np.arange(60.0).reshape(3, 4, 5),
        np.arange(8.0).reshape(2, 2, 2) - 3,
        {"padding": "same", "pad_mode": "reflect", "flip": True, "stride": (1, 2, 2)},
    ),
    (
        np.random.default_rng(7).random((4, 4, 4, 2)),
        np.random.default_rng(8).standard_normal((2, 2, 2, 2)),
        {"channels": "sum", "padding": 1, "pad_mode": "edge", "dilation": (1, 2, 1)},
    ),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("x", "kernel", "options"), CASES)
def test_every_cell_is_the_engines(
    x: np.ndarray, kernel: np.ndarray, options: dict[str, Any], dtype: str
) -> None:
    options = {**options, "dtype": dtype}
    positions = every_position(x, [kernel], **options)
    at = [tuple(int(i) for i in p) for p in positions]
    ex = explain(x, [kernel], at=at, **options)
    steps = check_against_engine(ex, x, [kernel], **options)
    rule_each = options.get("channels", "each") == "each"
    channels = x.shape[-1] if x.ndim > ex.maps.sliding_ndim and rule_each else 1
    assert steps == len(positions) * channels


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 9),
    k=st.integers(1, 4),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 3),
    before=st.integers(0, 12),
    after=st.integers(0, 12),
    mode=st.sampled_from(["zeros", "constant", "reflect", "symmetric", "edge", "wrap"]),
    flip=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_1d_settings_match_the_engine(
    n: int,
    k: int,
    stride: int,
    dilation: int,
    before: int,
    after: int,
    mode: str,
    flip: bool,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    x, kernel = rng.integers(-9, 10, n).astype(float), rng.integers(-9, 10, k).astype(float)
    options: dict[str, Any] = {
        "stride": stride,
        "dilation": dilation,
        "padding": [(before, after)],
        "pad_mode": mode,
        "pad_value": 2.5,
        "flip": flip,
    }
    try:
        positions = every_position(x, [kernel], **options)
    except GeometryError:
        return  # kernel wider than the padded input: apply refuses, and so does explain
    ex = explain(x, [kernel], at=[tuple(map(int, p)) for p in positions], **options)
    assert check_against_engine(ex, x, [kernel], **options) == len(positions)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 7),
    before=st.integers(0, 20),
    after=st.integers(0, 20),
    mode=st.sampled_from(["reflect", "symmetric", "edge", "wrap"]),
)
def test_source_index_matches_numpy_pad(n: int, before: int, after: int, mode: str) -> None:
    x = np.arange(n, dtype=float)
    padded = np.pad(x, (before, after), mode=mode)  # type: ignore[call-overload]
    mapped = [source_index(p - before, n, mode) for p in range(n + before + after)]
    assert padded.tolist() == [float(i) for i in mapped if i is not None]
    assert None not in mapped


def test_source_index_of_fill_modes_is_none_outside() -> None:
    assert [source_index(p, 3, "constant") for p in (-1, 0, 2, 3)] == [None, 0, 2, None]


def test_axis_taps_padding_flags() -> None:
    axis = AxisTaps((-1, 1, 3), (None, 1, None), 3, 2)
    assert axis.padding == (True, False, True)
    assert axis.skipped == (0, 2)


# -- positions -------------------------------------------------------------------------------


def test_parse_positions_reads_signed_comma_separated_ints() -> None:
    assert parse_positions(["3", " 0 , -2", "-1,-1,-1"]) == ((3,), (0, -2), (-1, -1, -1))


@pytest.mark.parametrize("text", ["", "1.5", "a", "1,,2", "1;2", "0x1"])
def test_parse_positions_refuses_anything_else(text: str) -> None:
    message = (
        r"--at takes whole numbers, one per sliding axis, comma-separated "
        rf"\(--at 2, --at 0,3\); got '{text}'"
    )
    with pytest.raises(ParameterError, match=message):
        parse_positions([text])


@settings(max_examples=100, deadline=None)
@given(
    shape=st.lists(st.integers(1, 9), min_size=1, max_size=3).map(tuple),
    data=st.data(),
)
def test_negative_positions_count_from_the_end(shape: tuple[int, ...], data: Any) -> None:
    position = tuple(data.draw(st.integers(-n, n - 1)) for n in shape)
    (resolved,) = resolve_positions([position], shape)
    assert resolved == tuple(i % n for i, n in zip(position, shape, strict=True))
    assert all(0 <= i < n for i, n in zip(resolved, shape, strict=True))


def test_repeated_positions_are_explained_once() -> None:
    assert resolve_positions([(1, 2), (-5, -4), (0, 0)], (6, 6)) == ((1, 2), (0, 0))


@pytest.mark.parametrize(
    ("position", "shape", "message"),
    [
        (
            (6,),
            (6,),
            r"--at 6 is outside the output's 6 positions: axis 0 runs 0 to 5 "
            r"\(or -6 to -1 from the end\)",
        ),
        (
            (0, -7),
            (6, 6),
            r"--at 0,-7 is outside the output's 6 x 6 positions: axis 1 runs 0 to 5 "
            r"\(or -6 to -1 from the end\)",
        ),
        (
            (1,),
            (6, 6),
            r"--at 1 has 1 index but the kernel slides along 2 axes \(6 x 6 output "
            r"positions\); give 2, e.g. --at 0,0",
        ),
        (
            (1, 2),
            (6,),
            r"--at 1,2 has 2 indices but the kernel slides along 1 axis \(6 output "
            r"positions\); give 1, e.g. --at 0",
        ),
    ],
)
def test_bad_positions_name_the_output(
    position: tuple[int, ...], shape: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ParameterError, match=f"^{message}$"):
        resolve_positions([position], shape)


def test_explain_refuses_what_apply_refuses() -> None:
    with pytest.raises(GeometryError, match="kernel 9 is larger than the input 8 on axis 0"):
        explain(BUMP_INPUT, [np.ones(9)])
    with pytest.raises(ParameterError, match="stride must be a positive integer per axis"):
        explain(BUMP_INPUT, [[0, 1, 0]], stride=0)
    with pytest.raises(ConvcliError, match="--at 9 is outside the output's 6 positions"):
        explain(BUMP_INPUT, [[0, 1, 0]], at=["9"])


def test_steps_keep_everything_a_tutorial_shows() -> None:
    ex = explain(SIGNAL, [DIGITS], padding=1, pad_mode="reflect", at=["0"], labels=["digits"])
    step: Step = ex.filters[0].steps[0]
    assert step.filter == 0
    assert step.label == "digits"
    assert step.position == (0,)
    assert step.index == (0,)
    assert step.window[..., 0].tolist() == [2, 1, 2]
    assert step.products[..., 0].tolist() == [2, 10, 200]
    assert (step.total, step.bias, step.activation, step.value) == (212, 0.0, "linear", 212)
    g = ex.filters[0].geometry
    assert (g.input_shape, g.kernel_shape, g.stride, g.dilation) == ((6,), (3,), (1,), (1,))
    assert (g.padding_rule, g.padding, g.pad_mode, g.sliding_output) == (
        "explicit",
        ((1, 1),),
        "reflect",
        (6,),
    )
    assert g.padded
    assert g.sliding_shape == (6,)
    assert g.sliding_ndim == 1


def test_the_sum_is_exact_and_the_value_is_the_engines() -> None:
    # A float32 sum that depends on the order of additions: 1e8 + 3 - 1e8 + 1.5.
    x = np.array([1e8, 1.0, -1e8, 3.0], dtype=np.float64)
    kernel = np.array([1.0, 3.0, 1.0, 0.5])
    ex = explain(x, [kernel])
    (step,) = ex.filters[0].steps
    assert step.total == 4.5
    assert step.value == apply_filters(x, [kernel]).data[0]


def test_default_positions_on_a_large_map_count_the_rest() -> None:
    ex = explain(np.zeros((300, 300)), [np.ones((3, 3))], limit=2)
    assert ex.positions == ((0, 0), (0, 1))
    assert ex.omitted == 298 * 298 - 2
