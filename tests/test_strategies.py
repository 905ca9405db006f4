"""The engine's strategies against the slow reference, and which strategy runs when.

Every strategy function takes an already padded input (the fixed signature in
``convcli.strategies``), so the strategy grid runs on padded inputs over ranks x kernel
parity x stride x dilation x dtype; padding, pad modes and flipping happen in the engine
(``BandSource`` pads each band) and are checked through ``correlate_normalized`` with
each strategy forced, in bands of a few rows so that every band boundary is crossed.
"""

from __future__ import annotations

import itertools
import threading
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from reference import PAD_MODES, reference_correlate, source_index

import convcli
from convcli import engine
from convcli.engine import (
    STRATEGIES,
    BandSource,
    all_finite,
    choose_strategy,
    correlate_normalized,
    pad_input,
    source_indices,
    strategy_costs,
    strategy_function,
)
from convcli.errors import ParameterError, RangeError
from convcli.params import ConvParams
from convcli.strategies import shift_add
from convcli.strategies.separable import Separable, correlate_separable, rank1_factors
from convcli.strategies.shift_add import (
    ShiftAdd,
    TapGroup,
    Workspace,
    correlate_shift_add,
    plan_passes,
    plan_taps,
    shift_add_plan,
)
from convcli.strategies.threads import run_shares

PADDED_SHAPES = {1: (23,), 2: (11, 13), 3: (7, 8, 9)}
KERNEL_SHAPES = {
    1: {"odd": (3,), "even": (4,)},
    2: {"odd": (3, 3), "even": (2, 4)},
    3: {"odd": (3, 3, 3), "even": (2, 2, 2)},
}
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}


def kernel_for(strategy: str, shape: tuple[int, ...], kind: str, seed: int) -> np.ndarray:
    """A random kernel; rank 1 for ``separable``; ``integers`` mixes 0, +-1 and repeats."""
    rng = np.random.default_rng(seed)

    def draw(size: tuple[int, ...]) -> np.ndarray:
        if kind == "integers":
            return rng.integers(-2, 3, size).astype(np.float64)
        return rng.uniform(-1, 1, size)

    if strategy != "separable":
        return draw(shape)
    factors = [draw((n,)) for n in shape]
    for f in factors:
        f[0] = 1.0 if kind == "integers" else f[0]  # never an all-zero factor
    kernel = factors[0]
    for f in factors[1:]:
        kernel = np.multiply.outer(kernel, f)
    return kernel


def strategy_grid() -> list[Any]:
    cases = []
    for strategy, ndim, parity, stride, dilation, kind, dtype in itertools.product(
        STRATEGIES, (1, 2, 3), ("odd", "even"), (1, 2, 3), (1, 2), ("uniform", "integers"),
        ("float64", "float32"),
    ):  # fmt: skip
        if strategy == "separable" and ndim == 1:
            continue  # a 1-D kernel has nothing to separate
        case_id = f"{strategy}-{ndim}d-{parity}-s{stride}-d{dilation}-{kind}-{dtype}"
        values = (strategy, ndim, parity, stride, dilation, kind, dtype)
        cases.append(pytest.param(*values, id=case_id))
    return cases


def call_strategy(name: str, padded: np.ndarray, weights: np.ndarray, **options: Any) -> None:
    strategy_function(name)(padded, weights, **options)


@pytest.mark.parametrize(
    ("strategy", "ndim", "parity", "stride", "dilation", "kind", "dtype"), strategy_grid()
)
def test_strategy_matches_reference(
    strategy: str, ndim: int, parity: str, stride: int, dilation: int, kind: str, dtype: str
) -> None:
    seed = 7 * ndim + stride + 10 * dilation + (parity == "even")
    padded = np.random.default_rng(seed).uniform(-1, 1, PADDED_SHAPES[ndim])
    weights = kernel_for(strategy, KERNEL_SHAPES[ndim][parity], kind, seed)
    # Mixed strides too: the last axis keeps 1 when the first takes `stride`.
    strides = (stride,) + (1,) * (ndim - 1) if ndim > 1 and dilation == 2 else (stride,) * ndim
    expected = reference_correlate(padded, weights, stride=strides, dilation=dilation)
    out = np.full(expected.shape, np.nan, dtype=dtype)  # every element must be written
    call_strategy(
        strategy,
        padded.astype(dtype),
        weights.astype(dtype),
        stride=strides,
        dilation=(dilation,) * ndim,
        out=out,
    )
    assert_allclose(out, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_strategy_grid_covers_every_strategy_and_rank() -> None:
    seen = {(p.values[0], p.values[1]) for p in strategy_grid()}
    assert seen == {(s, n) for s in STRATEGIES for n in (1, 2, 3)} - {("separable", 1)}


# --- the engine with each strategy forced: padding, pad modes, flip, bands, threads -------

INPUT_SHAPES = {1: (9,), 2: (6, 7), 3: (4, 5, 5)}
ENGINE_PADDINGS: dict[int, dict[str, Any]] = {
    1: {"same": "same", "full": "full", "causal": "causal", "larger": [(9, 10)]},
    2: {"same": "same", "full": "full", "asym": [(1, 0), (0, 2)], "larger": [(7, 8), (8, 1)]},
    3: {"same": "same", "asym": ((1, 0), (0, 2), (2, 1)), "larger": [(5, 0), (0, 6), (6, 1)]},
}


def engine_grid() -> list[Any]:
    cases = []
    for ndim, paddings in ENGINE_PADDINGS.items():
        for strategy, name, mode, strided in itertools.product(
            STRATEGIES, paddings, PAD_MODES, (False, True)
        ):
            if strategy == "separable" and ndim == 1:
                continue
            stride = (1, 2, 1)[:ndim] if strided else (1,) * ndim
            values = (strategy, ndim, paddings[name], mode, stride)
            case_id = f"{strategy}-{ndim}d-{name}-{mode}" + ("-strided" if strided else "")
            cases.append(pytest.param(*values, id=case_id))
    return cases


@pytest.fixture
def tiny_bands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bands of one or two rows and two threads, so that tiny inputs cross every seam."""
    monkeypatch.setattr(shift_add, "BAND_ELEMENTS", 16)
    monkeypatch.setattr(engine, "THREAD_MIN_WORK", 0)


@pytest.mark.usefixtures("tiny_bands")
@pytest.mark.parametrize(("strategy", "ndim", "padding", "pad_mode", "stride"), engine_grid())
def test_engine_with_forced_strategy_matches_reference(
    strategy: str, ndim: int, padding: Any, pad_mode: str, stride: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(ndim)
    x = rng.uniform(-1, 1, INPUT_SHAPES[ndim])
    weights = kernel_for(strategy, KERNEL_SHAPES[ndim]["odd"], "integers", ndim)
    options = {"padding": padding, "pad_mode": pad_mode, "pad_value": 0.75, "flip": True}
    expected = reference_correlate(x, weights, stride=stride, **options)
    params = ConvParams.build(ndim, stride=stride, **options)
    got = correlate_normalized(x, weights, params, strategy=strategy)
    assert got.dtype == np.float64
    assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_unknown_strategy_is_a_parameter_error() -> None:
    params = ConvParams.build(1)
    with pytest.raises(ParameterError, match=r"strategy must be one of .*; got 'gpu'"):
        correlate_normalized(np.ones(4), np.ones(2), params, strategy="gpu")


def test_separable_refuses_a_kernel_of_rank_two() -> None:
    params = ConvParams.build(2)
    with pytest.raises(ParameterError, match=r"strategy 'separable' needs a rank-1 kernel"):
        correlate_normalized(np.ones((4, 4)), np.eye(2), params, strategy="separable")
    with pytest.raises(ValueError, match=r"the kernel is not separable \(rank 1\); shape"):
        correlate_separable(
            np.ones((4, 4)), np.eye(2), stride=(1, 1), dilation=(1, 1), out=np.empty((3, 3))
        )


# --- band padding -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize(
    "pads",
    [((0, 0), (0, 0)), ((2, 1), (0, 0)), ((0, 0), (3, 2)), ((7, 9), (1, 8)), ((1, 1), (12, 0))],
)
def test_band_source_equals_numpy_pad_for_every_band(
    mode: str, pads: tuple[tuple[int, int], ...]
) -> None:
    x = np.arange(20.0).reshape(4, 5)
    whole = pad_input(x, pads, mode, 0.5)
    source = BandSource(x, pads, mode, 0.5)
    ws = Workspace()
    for start in range(whole.shape[0]):
        for stop in range(start + 1, whole.shape[0] + 1):
            band = source.rows(start, stop, ws)
            assert band.flags.c_contiguous
            assert_array_equal(band, whole[start:stop])


def test_band_source_pads_three_axes_and_copies_strided_inputs() -> None:
    x = np.arange(2.0 * 3 * 4).reshape(2, 3, 4)[:, ::-1]  # not C-contiguous
    pads = ((1, 2), (2, 1), (3, 3))
    source = BandSource(x, pads, "symmetric", 0.0)
    assert_array_equal(source.rows(0, 5, Workspace()), pad_input(x, pads, "symmetric"))


def test_band_source_gives_a_view_of_inside_rows_without_copying() -> None:
    x = np.arange(12.0).reshape(4, 3)
    band = BandSource(x, ((1, 1), (0, 0)), "reflect", 0.0).rows(1, 4, Workspace())
    assert np.shares_memory(band, x)
    assert band.tolist() == x[:3].tolist()


def test_source_indices_match_the_reference_mapping() -> None:
    index = np.arange(-13, 17)
    for mode, n in itertools.product(PAD_MODES, (1, 2, 3, 5)):
        expected = [-1 if (j := source_index(int(i), n, mode)) is None else j for i in index]
        assert source_indices(index, n, mode).tolist() == expected, (mode, n)


# --- NaN, inf and overflow ----------------------------------------------------------------


@pytest.mark.usefixtures("tiny_bands")
@pytest.mark.parametrize("kernel_name", ["line", "sobel", "random"])
def test_nan_and_inf_reach_exactly_the_windows_that_cover_them(kernel_name: str) -> None:
    kernels = {
        "line": np.array([[0.0, 1, 0]] * 3),  # zero taps: skipping them would hide a NaN
        "sobel": np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]]),
        "random": np.random.default_rng(2).uniform(-1, 1, (3, 3)),
    }
    x = np.random.default_rng(3).uniform(-1, 1, (12, 10))
    x[2, 0], x[9, 6], x[9, 7] = np.nan, np.inf, -np.inf
    expected = reference_correlate(x, kernels[kernel_name], padding="same")
    got = convcli.correlate(x, kernels[kernel_name], padding="same", dtype="float64")
    assert_array_equal(np.isnan(got), np.isnan(expected))
    assert_allclose(got, expected, rtol=1e-12, atol=1e-12)  # equal_nan; infs must match
    assert np.isnan(got[2, 0])
    assert np.isnan(got[1, 1])  # the NaN under a zero weight
    assert np.isfinite(got[5]).all()  # rows far from the bad values stay finite


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_sum_that_overflows_only_when_grouped_is_not_an_overflow(strategy: str) -> None:
    # Equal weights are summed before the multiply: 2e38 + 2e38 overflows float32 while
    # 0.5 * 2e38 + 0.5 * 2e38 does not. The engine must redo such a band in order.
    x = np.full((6, 6), 2e38, dtype=np.float32)
    params = ConvParams.build(2)
    half = np.full((2, 1), 0.5, dtype=np.float32)
    got = correlate_normalized(x, half, params, strategy=strategy)
    assert_array_equal(got, np.full((5, 6), 2e38, dtype=np.float32))
    with pytest.raises(RangeError, match="the result overflows float32"):
        correlate_normalized(x, half * 2, params, strategy=strategy)


def test_all_finite() -> None:
    assert all_finite(np.array([1.0, -2.0]))
    assert all_finite(np.array([3e38, 3e38, 3e38], dtype=np.float32))
    assert not all_finite(np.array([1.0, np.inf]))
    assert not all_finite(np.array([np.inf, -np.inf]))
    assert not all_finite(np.array([[1.0], [np.nan]]))


# --- tap plans and rank-1 factors ---------------------------------------------------------


def test_tap_groups_of_a_sobel_kernel() -> None:
    sobel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    assert plan_taps(sobel, skip_zeros=True) == [
        TapGroup(1.0, plus=((0, 0), (2, 0)), minus=((0, 2), (2, 2))),
        TapGroup(2.0, plus=((1, 0),), minus=((1, 2),)),
    ]
    # first group: 3 sums; second: 1 sum, 1 multiply, 1 add
    assert plan_passes(plan_taps(sobel, skip_zeros=True)) == 6
    # one group per tap: a copy, then one pass per +-1 and two per +-2
    assert plan_passes(plan_taps(sobel, skip_zeros=True, group=False)) == 1 + 3 + 2 * 2
    assert len(plan_taps(sobel, skip_zeros=False)) == 3  # zeros kept as their own group


@pytest.mark.parametrize(
    ("weights", "passes"),
    [
        ([[0.0, 1, 0]] * 3, 2),  # line detector: two additions
        ([[1.0] * 3] * 3, 8),  # box: eight additions, no multiply
        ([[1.0 / 9] * 3] * 3, 9),  # box / 9: eight additions and one multiply
        ([[0.0, 0], [0, 0]], 1),  # all zeros: one fill
        ([[-1.0, 0], [0, 0]], 1),  # a lone -1: one negating multiply
        ([[0.5, -0.5]], 2),  # a difference and one multiply
    ],
)
def test_plan_passes(weights: list[list[float]], passes: int) -> None:
    assert plan_passes(plan_taps(np.array(weights), skip_zeros=True)) == passes


def test_all_zero_kernel_gives_zeros() -> None:
    out = np.full((3, 3), np.nan)
    correlate_shift_add(
        np.ones((4, 4)), np.zeros((2, 2)), stride=(1, 1), dilation=(1, 1), out=out,
        skip_zeros=True,
    )  # fmt: skip
    assert out.tolist() == [[0.0] * 3] * 3


@pytest.mark.parametrize(
    ("weights", "factors"),
    [
        ([[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[1, 2, 1], [1, 0, -1]]),  # Sobel x
        ([[3, 10, 3], [0, 0, 0], [-3, -10, -3]], [[1, 0, -1], [3, 10, 3]]),  # Scharr y
        ([[0, 1, 0]] * 3, [[1, 1, 1], [0, 1, 0]]),  # line detector
        ([[1, 3], [3, 9]], [[1, 3], [1, 3]]),  # integer factors need the small pivot
        ([[2, 4, 6]], [[2], [1, 2, 3]]),
    ],
)
def test_rank1_factors_of_integer_kernels_are_exact(
    weights: list[list[float]], factors: list[list[float]]
) -> None:
    for dtype in (np.float32, np.float64):
        got = rank1_factors(np.array(weights, dtype=dtype))
        assert got is not None
        assert [f.tolist() for f in got] == factors
        assert all(f.dtype == dtype for f in got)


def test_rank1_factors_of_presets() -> None:
    from convcli.presets import build_preset

    for spec in ("sobel-x", "scharr-y", "box:size=5", "gaussian:size=7,sigma=1.5"):
        kernel = build_preset(spec).astype(np.float32)
        got = rank1_factors(kernel)
        assert got is not None, spec
        assert_allclose(np.multiply.outer(*got), kernel, rtol=0, atol=1e-7 * abs(kernel).max())
    gauss3d = build_preset("gaussian:size=5,ndim=3")
    assert [len(f) for f in rank1_factors(gauss3d) or ()] == [5, 5, 5]
    for spec in ("laplacian", "sharpen", "laplacian:ndim=3"):
        assert rank1_factors(build_preset(spec)) is None, spec


def test_rank1_factors_refuse_what_is_not_rank_one() -> None:
    assert rank1_factors(np.array([1.0, 2.0])) is None  # 1-D
    assert rank1_factors(np.zeros((3, 3))) is None
    assert rank1_factors(np.array([[1.0, np.nan], [1, 1]])) is None
    almost = np.ones((3, 3))
    almost[1, 1] += 1e-6
    assert rank1_factors(almost) is None
    ones3 = np.ones((2, 2, 2))
    ones3[1, 1, 1] = 2
    assert rank1_factors(ones3) is None


def test_separable_is_bit_exact_with_integer_weights_on_pixels() -> None:
    pixels = np.random.default_rng(4).integers(0, 256, (40, 37)).astype(np.float32)
    sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float32)
    expected = reference_correlate(pixels, sobel, stride=(2, 1), dilation=(1, 2))
    for strategy in ("separable", "shift_add"):
        out = np.empty(expected.shape, dtype=np.float32)
        call_strategy(strategy, pixels, sobel, stride=(2, 1), dilation=(1, 2), out=out)
        assert_array_equal(out, expected)


# --- choosing a strategy -------------------------------------------------------------------

STEP = {"stride": (1, 1), "dilation": (1, 1)}


def test_non_finite_inputs_always_get_shift_and_add() -> None:
    big = (4096, 4096)
    for weights in (np.ones((15, 15)), np.random.default_rng(0).normal(size=(9, 9))):
        assert choose_strategy(weights, big, **STEP, finite=False) == "shift_add"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The strategies that actually ran: every entry point wrapped, still called through."""
    seen: list[str] = []

    def watch(owner: Any, attribute: str, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, attribute)

        def spy(*args: Any, **kwargs: Any) -> Any:
            seen.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, attribute, spy)

    watch(ShiftAdd, "__call__", "shift_add")
    watch(Separable, "__call__", "separable")
    for name in ("toeplitz", "fft"):
        module = __import__(f"convcli.strategies.{name}", fromlist=["_"])
        watch(module, f"correlate_{name}", name)
    return seen


SELECTION = {
    # name: (input shape, kernel, strategy that must run)
    "line detector": ((4096, 4096), np.array([[0.0, 1, 0]] * 3), "shift_add"),
    "random 3x3": ((4096, 4096), "random 3x3", "shift_add"),
    # grouped taps: six passes; separable: four, plus an intermediate band per axis
    "sobel": ((4096, 4096), np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]]), "shift_add"),
    "gaussian 7x7": ((4096, 4096), "gaussian:size=7,sigma=1.5", "separable"),
    "gaussian 15x15": ((4096, 4096), "gaussian:size=15,sigma=3", "separable"),
    "random 4x4": ((4096, 4096), "random 4x4", "toeplitz"),
    "random 5x5": ((4096, 4096), "random 5x5", "toeplitz"),
    "random 9x9": ((4096, 4096), "random 9x9", "toeplitz"),
    "random 11x11": ((4096, 4096), "random 11x11", "fft"),
    "random 15x15": ((4096, 4096), "random 15x15", "fft"),
    "random 31x31": ((4096, 4096), "random 31x31", "fft"),
    "signal, 3 taps": ((10_000_000,), "random 3", "shift_add"),
    "signal, 9 taps": ((10_000_000,), "random 9", "shift_add"),
    "signal, 31 taps": ((10_000_000,), "random 31", "toeplitz"),
    "signal, 101 taps": ((10_000_000,), "random 101", "toeplitz"),
    "signal, 301 taps": ((10_000_000,), "random 301", "toeplitz"),
    "signal, 601 taps": ((10_000_000,), "random 601", "fft"),
    "volume 3x3x3": ((256, 256, 256), "random 3x3x3", "toeplitz"),
    "volume 5x5x5": ((256, 256, 256), "random 5x5x5", "fft"),
    "box 3x3x3": ((256, 256, 256), np.ones((3, 3, 3)), "separable"),
    "small output, 15x15": ((64, 64), "random 15x15", "shift_add"),
}


def selection_kernel(spec: Any) -> np.ndarray:
    if isinstance(spec, np.ndarray):
        return spec
    if spec.startswith("random"):
        shape = tuple(int(n) for n in spec.split()[1].split("x"))
        return np.random.default_rng(sum(shape)).uniform(-1, 1, shape)
    from convcli.presets import build_preset

    return build_preset(spec)


@pytest.mark.parametrize("case", SELECTION)
def test_choose_strategy_by_kernel_and_size(case: str) -> None:
    shape, spec, expected = SELECTION[case]
    weights = selection_kernel(spec).astype(np.float32)
    ones = (1,) * weights.ndim
    assert choose_strategy(weights, shape, stride=ones, dilation=ones) == expected


@pytest.mark.parametrize(
    ("kernel", "stride", "expected"),
    [
        ("random 15x15", (2, 2), "fft"),  # 4x dearer per output, still the cheapest
        ("random 3x3", (2, 2), "shift_add"),  # stride phases: only the kept outputs
        ("random 3x3", (1, 3), "shift_add"),
    ],
)
def test_choose_strategy_with_a_stride(kernel: str, stride: tuple[int, int], expected: str) -> None:
    weights = selection_kernel(kernel)
    assert choose_strategy(weights, (2048, 2048), stride=stride, dilation=(1, 1)) == expected


def test_a_stride_multiplies_the_fft_cost_but_not_the_passes() -> None:
    weights = selection_kernel("random 15x15")
    one = strategy_costs(weights, (2048, 2048), stride=(1, 1), dilation=(1, 1))
    two = strategy_costs(weights, (2048, 2048), stride=(2, 2), dilation=(1, 1))
    assert two["fft"] == pytest.approx(4 * one["fft"])
    passes = 2 * 225 - 1  # one multiply, then a multiply and an add per further tap
    assert one["shift_add"] == passes + engine.BAND_OVERHEAD
    # every kept output reads 4 input values, to pad, look at and split into phases
    assert two["shift_add"] == passes + 4 * (engine.BAND_OVERHEAD + engine.PHASE_SPLIT)


@pytest.mark.parametrize(
    ("shape", "kernel", "expected"),
    [
        ((256, 256), "random 15x15", "fft"),
        ((256, 256), "random 7x7", "toeplitz"),
        ((256, 256), "gaussian:size=7,sigma=1.5", "separable"),
        ((256, 256), np.array([[0.0, 1, 0]] * 3), "shift_add"),
        ((40, 40, 40), "random 5x5x5", "fft"),
        ((40, 40, 40), "random 3x3x3", "toeplitz"),
        ((20_000,), "random 101", "toeplitz"),
    ],
)
def test_the_chosen_strategy_is_the_one_that_runs(
    calls: list[str], shape: tuple[int, ...], kernel: Any, expected: str
) -> None:
    weights = selection_kernel(kernel)
    x = np.random.default_rng(7).uniform(-1, 1, shape)
    ones = (1,) * weights.ndim
    assert choose_strategy(weights, shape, stride=ones, dilation=ones) == expected
    got = convcli.correlate(x, weights, padding="same", dtype="float64")
    assert set(calls) == {expected}
    # The reference is slow: check the corner where padding matters, on a crop that
    # reaches far enough for outputs [0, side - after) to read only real cells.
    side = {1: 200, 2: 24, 3: 6}[len(shape)]
    small = reference_correlate(x[(slice(0, side),) * len(shape)], weights, padding="same")
    kept = tuple(slice(0, side - (k - 1 - (k - 1) // 2)) for k in weights.shape)
    tolerance = 1e-9 * np.abs(weights).sum()  # FFT: within its own bound, far below this
    assert_allclose(got[kept], small[kept], rtol=0, atol=tolerance)


def test_a_band_with_nan_falls_back_to_shift_and_add(calls: list[str]) -> None:
    weights = selection_kernel("random 15x15")
    x = np.random.default_rng(8).uniform(-1, 1, (256, 256))
    x[100, 100] = np.nan
    got = convcli.correlate(x, weights, padding="same", dtype="float64")
    assert calls == ["fft", "shift_add"]  # the FFT's NaN tile is redone exactly
    assert np.isnan(got).sum() == 15 * 15
    assert np.isnan(got[93:108, 93:108]).all()


def test_run_shares_runs_every_share_on_two_threads_and_raises_errors() -> None:
    seen: list[tuple[int, int, str]] = []
    run_shares(lambda i, n: seen.append((i, n, threading.current_thread().name)), 2)
    assert sorted(seen)[0] == (0, 2, threading.current_thread().name)  # the caller's thread
    assert sorted(seen)[1][:2] == (1, 2)
    assert sorted(seen)[1][2].startswith("convcli-band")

    def fail(share: int, shares: int) -> None:
        if share == 1:
            raise RangeError("share 1 failed")

    with pytest.raises(RangeError, match="share 1 failed"):
        run_shares(fail, 2)

    # a share that splits its own work again runs it inline instead of deadlocking
    nested: list[tuple[int, int]] = []
    run_shares(lambda i, n: run_shares(lambda j, m: nested.append((j, m)), 2), 2)
    assert sorted(nested) == [(0, 1), (0, 2), (1, 2)]


def test_plans_and_factors_are_reused_across_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    weights = np.random.default_rng(11).uniform(-1, 1, (5, 5))
    one = shift_add_plan(weights, stride=(1, 1), dilation=(1, 1), skip_zeros=True)
    assert one is shift_add_plan(weights.copy(), stride=(1, 1), dilation=(1, 1), skip_zeros=True)
    assert one is not shift_add_plan(weights, stride=(2, 1), dilation=(1, 1), skip_zeros=True)
    assert one is not shift_add_plan(
        weights.astype(np.float32), stride=(1, 1), dilation=(1, 1), skip_zeros=True
    )
    # a reused plan still follows the band size of the moment
    monkeypatch.setattr(shift_add, "BAND_ELEMENTS", 100)
    assert one.band_rows((50, 10)) == 10
    factors = rank1_factors(np.outer([1.0, 2], [3.0, 4]))
    assert factors is rank1_factors(np.outer([1.0, 2], [3.0, 4]))
    assert factors is not None
    with pytest.raises(ValueError, match="read-only"):
        factors[0][0] = 5.0


@pytest.mark.parametrize("strategy", ["shift_add", "separable"])
def test_tracked_memory_stays_within_the_output_plus_bands(
    monkeypatch: pytest.MonkeyPatch, strategy: str
) -> None:
    # 'same' padding with reflect: the old engine padded the whole image (one more copy)
    # and kept a whole-output scratch array (another).
    monkeypatch.setattr(shift_add, "BAND_ELEMENTS", 1 << 14)
    x = np.random.default_rng(5).uniform(0, 1, (1024, 1024)).astype(np.float32)
    weights = np.outer([1, 2, 1], [1, 0, -1]).astype(np.float32)
    params = ConvParams.build(2, padding="same", pad_mode="reflect")
    correlate_normalized(x, weights, params, strategy=strategy)  # warm caches
    tracemalloc.start()
    try:
        out = correlate_normalized(x, weights, params, strategy=strategy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the output (4 MiB) and, per thread, a few bands of 64 KiB
    assert out.nbytes < peak < out.nbytes + 2 * 6 * (1 << 14) * 4


def test_workspace_reuses_buffers() -> None:
    ws = Workspace()
    a = ws.get("acc", (4, 5), np.dtype(np.float64))
    b = ws.get("acc", (3, 2), np.dtype(np.float64))
    assert np.shares_memory(a, b)
    assert ws.get("acc", (30,), np.dtype(np.float64)).size == 30


@pytest.mark.parametrize(
    ("stride", "mode"), [((1, 1), "flat"), ((2, 1), "flat"), ((2, 3), "phases"), ((1, 2), "phases")]
)
def test_stale_scratch_never_enters_the_sums(stride: tuple[int, int], mode: str) -> None:
    # Scratch buffers are reused without clearing; the dropped wrap-around cells and the
    # tails of short phases must not read stale values: inf there would raise here.
    ws = Workspace()
    for name in ("acc", "tmp", "phases"):
        ws.get(name, (1 << 12,), np.dtype(np.float64)).fill(np.inf)
    x = np.random.default_rng(9).uniform(-1, 1, (13, 17))
    weights = np.random.default_rng(10).uniform(-1, 1, (3, 4))
    expected = reference_correlate(x, weights, stride=stride, dilation=(1, 2))
    out = np.empty(expected.shape)
    run = ShiftAdd(weights, stride=stride, dilation=(1, 2), skip_zeros=True, band_elements=40)
    assert run.mode == mode
    with np.errstate(all="raise"):
        run(x, out, ws)
    assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_flat_mode_needs_unit_strides_past_the_first_axis() -> None:
    with pytest.raises(ValueError, match=r"flat mode needs unit strides past axis 0; got \(1, 2\)"):
        ShiftAdd(np.ones((2, 2)), stride=(1, 2), dilation=(1, 1), skip_zeros=True, mode="flat")


def test_shift_add_band_sizes() -> None:
    run = ShiftAdd(np.ones((3, 3)), stride=(2, 1), dilation=(1, 1), skip_zeros=True)
    assert run.input_rows(10) == 9 * 2 + 3
    assert run.band_rows((100, 4098)) == shift_add.BAND_ELEMENTS // 4098
    assert run.band_rows((100, 10**7)) == 1
