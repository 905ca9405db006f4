"""The banded-Toeplitz GEMM strategy against the slow reference and hand-computed cases.

The grid (ranks x odd/even kernels x stride x dilation x float32/64, each case with one
of the paddings, pad modes and flips in turn) runs with tiny blocks and scratch, so that
every path is crossed on small inputs: several blocks and a shorter last block per
axis, column chunks, 3-D planes, 1-D rows with a tail.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from reference import PAD_MODES, reference_correlate

from convcli.engine import pad_input
from convcli.shapes import conv_geometry
from convcli.strategies import toeplitz
from convcli.strategies.threads import python_threads
from convcli.strategies.toeplitz import band_matrix, correlate_toeplitz

INPUT_SHAPES = {1: (19,), 2: (9, 11), 3: (5, 6, 7)}
KERNEL_SHAPES = {
    1: {"odd": (3,), "even": (4,)},
    2: {"odd": (3, 3), "even": (2, 4)},
    3: {"odd": (3, 3, 3), "even": (2, 2, 4)},
}
PADDINGS: dict[int, list[Any]] = {
    1: ["valid", "same", "full", "causal", 2, [(3, 1)]],
    2: ["valid", "same", "full", 1, [(2, 0), (1, 3)]],
    3: ["valid", "same", "full", [(1, 0), (0, 2), (2, 1)]],
}
# Error bound relative to sum(|weights|) * max(|input|).
TOLERANCE = {"float64": 1e-13, "float32": 2e-6}


def grid() -> list[Any]:
    """Every rank x parity x stride x dilation; padding, pad mode and flip rotate."""
    cases = []
    combos = itertools.product((1, 2, 3), ("odd", "even"), (1, 2, 3), (1, 2))
    for i, (ndim, parity, stride, dilation) in enumerate(combos):
        padding = PADDINGS[ndim][i % len(PADDINGS[ndim])]
        pad_mode = PAD_MODES[(i // 2) % len(PAD_MODES)]
        flip = i % 3 == 1
        case_id = f"{ndim}d-{parity}-s{stride}-d{dilation}-{padding}-{pad_mode}-flip{int(flip)}"
        values = (ndim, parity, stride, dilation, padding, pad_mode, flip)
        cases.append(pytest.param(*values, id=case_id))
    return cases


def run_padded(
    function: Any,
    x: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Any,
    pad_mode: str,
    pad_value: float,
    flip: bool,
    dtype: str,
) -> np.ndarray:
    """Pad and flip as the engine does, then run ``function`` into a NaN-filled ``out``."""
    pads, out_shape = conv_geometry(
        x.shape, kernel.shape, stride=stride, dilation=dilation, padding=padding
    )
    padded = pad_input(x.astype(dtype), pads, pad_mode, pad_value)
    weights = kernel[(slice(None, None, -1),) * kernel.ndim] if flip else kernel
    out = np.full(out_shape, np.nan, dtype=dtype)  # every element must be written
    function(
        np.ascontiguousarray(padded),
        np.ascontiguousarray(weights, dtype=dtype),
        stride=stride,
        dilation=dilation,
        out=out,
    )
    return out


def check_against_reference(
    function: Any,
    ndim: int,
    parity: str,
    stride: int,
    dilation: int,
    padding: Any,
    pad_mode: str,
    flip: bool,
    tolerance: dict[str, float],
) -> None:
    seed = 11 * ndim + 3 * stride + dilation + (parity == "even")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, INPUT_SHAPES[ndim])
    kernel = rng.uniform(-1, 1, KERNEL_SHAPES[ndim][parity])
    # Mixed strides: the first axis takes `stride`, the last keeps 1 when dilating.
    strides = (stride,) + (1,) * (ndim - 1) if dilation == 2 else (stride,) * ndim
    settings: dict[str, Any] = {
        "padding": padding,
        "pad_mode": pad_mode,
        "pad_value": 0.5,
        "flip": flip,
    }
    expected = reference_correlate(
        x, kernel, stride=strides, dilation=(dilation,) * ndim, **settings
    )
    scale = np.abs(kernel).sum() * max(np.abs(x).max(), 0.5)
    for dtype in ("float64", "float32"):
        out = run_padded(
            function,
            x,
            kernel,
            stride=strides,
            dilation=(dilation,) * ndim,
            dtype=dtype,
            **settings,
        )
        assert out.dtype == np.dtype(dtype)
        assert_allclose(out, expected, rtol=0, atol=tolerance[dtype] * scale, err_msg=dtype)


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 2 rows (1-D: 3 outputs) and 40-value scratch: many blocks and chunks."""
    monkeypatch.setattr(toeplitz, "BLOCK_ROWS", 2)
    monkeypatch.setattr(toeplitz, "BLOCK_1D", 3)
    monkeypatch.setattr(toeplitz, "SCRATCH_ELEMENTS", 40)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize(
    ("ndim", "parity", "stride", "dilation", "padding", "pad_mode", "flip"), grid()
)
def test_matches_reference_in_small_blocks(
    ndim: int, parity: str, stride: int, dilation: int, padding: Any, pad_mode: str, flip: bool
) -> None:
    check_against_reference(
        correlate_toeplitz, ndim, parity, stride, dilation, padding, pad_mode, flip, TOLERANCE
    )


@pytest.mark.parametrize(
    ("ndim", "parity", "stride", "dilation", "padding", "pad_mode", "flip"), grid()[::5]
)
def test_matches_reference_with_default_blocks(
    ndim: int, parity: str, stride: int, dilation: int, padding: Any, pad_mode: str, flip: bool
) -> None:
    check_against_reference(
        correlate_toeplitz, ndim, parity, stride, dilation, padding, pad_mode, flip, TOLERANCE
    )


def test_grid_covers_every_setting() -> None:
    values = [p.values for p in grid()]
    assert {v[0] for v in values} == {1, 2, 3}
    assert {v[5] for v in values} == set(PAD_MODES)
    assert {str(v[4]) for v in values} >= {"valid", "same", "full", "causal"}
    assert {v[6] for v in values} == {False, True}


# --- hand-computed ------------------------------------------------------------------------


def test_band_matrix_places_each_kernel_row_on_the_diagonals() -> None:
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = band_matrix(kernel, 2, 1, 1)  # 2 output rows read 3 input rows
    assert t.shape == (2, 3, 2)
    assert t[0].tolist() == [[1, 2], [3, 4], [0, 0]]
    assert t[1].tolist() == [[0, 0], [1, 2], [3, 4]]


def test_band_matrix_with_stride_and_dilation() -> None:
    # Rows b * 2 + r * 3: output 0 reads rows 0 and 3, output 1 reads rows 2 and 5.
    t = band_matrix(np.array([1.0, 2.0]), 2, 2, 3)
    assert t.tolist() == [[1, 0, 0, 2, 0, 0], [0, 0, 1, 0, 0, 2]]


def test_seed_signal() -> None:
    out = np.empty(4)
    correlate_toeplitz(
        np.array([1.0, 2, 3, 4, 5, 6]),
        np.array([1.0, 10, 100]),
        stride=(1,),
        dilation=(1,),
        out=out,
    )
    assert out.tolist() == [321, 432, 543, 654]


def test_diagonal_difference_is_constant_on_a_ramp() -> None:
    # x[i, j] = 5 i + j; the kernel takes x[i, j] - x[i + 1, j + 1] = -6 everywhere.
    x = np.arange(20.0).reshape(4, 5)
    out = np.empty((3, 4))
    correlate_toeplitz(x, np.array([[1.0, 0], [0, -1]]), stride=(1, 1), dilation=(1, 1), out=out)
    assert_array_equal(out, np.full((3, 4), -6.0))


def test_dilated_strided_sum_by_hand() -> None:
    # Taps (0, 0), (0, 2), (2, 0), (2, 2) of a 2x2 kernel dilated by 2; outputs every 2 cells.
    x = np.arange(36.0).reshape(6, 6)
    out = np.empty((2, 2))
    correlate_toeplitz(x, np.ones((2, 2)), stride=(2, 2), dilation=(2, 2), out=out)
    # out[0, 0] = 0 + 2 + 12 + 14; each step of 2 along a row adds 4 * 2, down adds 4 * 12.
    assert out.tolist() == [[28.0, 36.0], [76.0, 84.0]]


def test_3d_planes_by_hand() -> None:
    # A 2x1x1 kernel [1, -1] on a volume that grows by 100 per plane: -100 everywhere.
    volume = 100.0 * np.arange(3)[:, None, None] + np.arange(12.0).reshape(3, 4)
    out = np.empty((2, 3, 4))
    correlate_toeplitz(
        volume, np.array([[[1.0]], [[-1.0]]]), stride=(1, 1, 1), dilation=(1, 1, 1), out=out
    )
    assert_array_equal(out, np.full((2, 3, 4), -100.0))


@pytest.mark.usefixtures("small_blocks")
def test_1d_tail_after_full_rows() -> None:
    # 3-output rows; 8 outputs leave a tail of 2.
    x = np.arange(10.0) ** 2
    out = np.empty(8)
    correlate_toeplitz(x, np.array([1.0, -2.0, 1.0]), stride=(1,), dilation=(1,), out=out)
    assert_array_equal(out, np.full(8, 2.0))  # second difference of i^2


def test_long_1d_kernel_against_numpy_correlate() -> None:
    rng = np.random.default_rng(5)
    signal, taps = rng.standard_normal(5000), rng.standard_normal(101)
    out = np.empty(5000 - 100)
    correlate_toeplitz(signal, taps, stride=(1,), dilation=(1,), out=out)
    assert_allclose(out, np.correlate(signal, taps, mode="valid"), rtol=0, atol=1e-11)


def test_large_2d_and_3d_match_the_reference_on_a_corner() -> None:
    # Default blocks over several blocks and a shorter last one; float32 within tolerance.
    rng = np.random.default_rng(9)
    image, kernel = rng.uniform(-1, 1, (45, 70)), rng.uniform(-1, 1, (5, 5))
    out = np.empty((41, 66), dtype=np.float32)
    correlate_toeplitz(
        image.astype(np.float32),
        kernel.astype(np.float32),
        stride=(1, 1),
        dilation=(1, 1),
        out=out,
    )
    expected = reference_correlate(image, kernel)
    assert_allclose(out, expected, rtol=0, atol=TOLERANCE["float32"] * np.abs(kernel).sum())
    volume, cube = rng.uniform(-1, 1, (6, 30, 9)), rng.uniform(-1, 1, (3, 3, 3))
    out3 = np.empty((4, 28, 7))
    correlate_toeplitz(volume, cube, stride=(1, 1, 1), dilation=(1, 1, 1), out=out3)
    assert_allclose(out3, reference_correlate(volume, cube), rtol=0, atol=1e-12)


def test_reads_a_non_contiguous_padded_view() -> None:
    rng = np.random.default_rng(2)
    big = rng.uniform(-1, 1, (20, 30))
    view = big[::2, 1::2]  # (10, 15), strided on both axes
    kernel = rng.uniform(-1, 1, (3, 4))
    out = np.empty((8, 12))
    correlate_toeplitz(view, kernel, stride=(1, 1), dilation=(1, 1), out=out)
    assert_allclose(out, reference_correlate(view, kernel), rtol=0, atol=1e-12)


def test_writes_into_a_view_of_a_larger_output() -> None:
    rng = np.random.default_rng(4)
    x, kernel = rng.uniform(-1, 1, (8, 9)), rng.uniform(-1, 1, (2, 2))
    whole = np.full((7, 10), 99.0)
    correlate_toeplitz(x, kernel, stride=(1, 1), dilation=(1, 1), out=whole[:, :8])
    assert_allclose(whole[:, :8], reference_correlate(x, kernel), rtol=0, atol=1e-12)
    assert_array_equal(whole[:, 8:], 99.0)  # nothing written past the view


# --- threads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("openblas", "omp", "jobs", "threads"),
    [
        ("1", None, 10, 2),  # one-thread BLAS: two Python threads share the jobs
        ("1", None, 1, 1),
        (None, "1", 10, 2),  # OMP_NUM_THREADS when OPENBLAS_NUM_THREADS is unset
        ("2", "1", 10, 1),  # BLAS threads each call itself
        (None, None, 10, 1),
    ],
)
def test_python_threads_only_when_blas_is_single_threaded(
    monkeypatch: pytest.MonkeyPatch, openblas: str | None, omp: str | None, jobs: int, threads: int
) -> None:
    for name, value in (("OPENBLAS_NUM_THREADS", openblas), ("OMP_NUM_THREADS", omp)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert python_threads(jobs) == threads


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize(
    ("ndim", "parity", "stride", "dilation", "padding", "pad_mode", "flip"), grid()[::3]
)
def test_two_python_threads_give_the_reference(
    monkeypatch: pytest.MonkeyPatch,
    ndim: int,
    parity: str,
    stride: int,
    dilation: int,
    padding: Any,
    pad_mode: str,
    flip: bool,
) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert python_threads(2) == 2
    check_against_reference(
        correlate_toeplitz, ndim, parity, stride, dilation, padding, pad_mode, flip, TOLERANCE
    )
