"""The FFT overlap-save strategy: the reference grid in small tiles, its tiling, its bound.

The error bound is the module's own statement: every output within
``tolerance(dtype) * sum(|weights|) * max(|padded|)`` of the exact sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_toeplitz import check_against_reference, grid

from convcli.strategies import fft
from convcli.strategies.fft import axis_tiles, correlate_fft, fast_length, tolerance

TOLERANCE = {"float64": fft.TOLERANCE["float64"], "float32": fft.TOLERANCE["float32"]}


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def small_tiles(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """FFT lengths near 16 (3-D: 8): several tiles and a shorter last one per axis."""
    monkeypatch.setattr(fft, "TILE", {1: 16, 2: 16, 3: 8})
    monkeypatch.setattr(fft, "THREADS", request.param)


@pytest.mark.usefixtures("small_tiles")
@pytest.mark.parametrize(
    ("ndim", "parity", "stride", "dilation", "padding", "pad_mode", "flip"), grid()
)
def test_matches_reference_in_small_tiles(
    ndim: int, parity: str, stride: int, dilation: int, padding: Any, pad_mode: str, flip: bool
) -> None:
    check_against_reference(
        correlate_fft, ndim, parity, stride, dilation, padding, pad_mode, flip, TOLERANCE
    )


@pytest.mark.parametrize(
    ("ndim", "parity", "stride", "dilation", "padding", "pad_mode", "flip"), grid()[::5]
)
def test_matches_reference_in_one_whole_tile(
    ndim: int, parity: str, stride: int, dilation: int, padding: Any, pad_mode: str, flip: bool
) -> None:
    check_against_reference(
        correlate_fft, ndim, parity, stride, dilation, padding, pad_mode, flip, TOLERANCE
    )


def test_seed_signal() -> None:
    out = np.empty(4)
    correlate_fft(
        np.array([1.0, 2, 3, 4, 5, 6]),
        np.array([1.0, 10, 100]),
        stride=(1,),
        dilation=(1,),
        out=out,
    )
    assert_allclose(out, [321, 432, 543, 654], rtol=0, atol=1e-12)


def test_box_sum_of_ones_counts_the_window() -> None:
    out = np.empty((6, 4), dtype=np.float32)
    correlate_fft(
        np.ones((8, 8), dtype=np.float32),
        np.ones((3, 5), dtype=np.float32),
        stride=(1, 1),
        dilation=(1, 1),
        out=out,
    )
    assert_allclose(out, np.full((6, 4), 15.0), rtol=0, atol=15 * tolerance(np.float32))


# --- tiling --------------------------------------------------------------------------------


def test_fast_lengths() -> None:
    assert [fast_length(n) for n in (1, 2, 7, 11, 17, 97, 500, 513, 1025)] == [
        1, 2, 8, 12, 18, 100, 500, 540, 1080,
    ]  # fmt: skip


def smooth(n: int) -> bool:
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


@given(st.integers(1, 5000))
def test_fast_length_is_the_next_5_smooth_number(n: int) -> None:
    m = fast_length(n)
    assert m >= n
    assert smooth(m)
    assert not any(smooth(k) for k in range(n, m))


@given(
    n=st.integers(1, 3000),
    span=st.integers(1, 300),
    stride=st.integers(1, 4),
    target=st.sampled_from([8, 16, 64, 512]),
)
def test_axis_tiles_cover_every_output_once_without_wrapping(
    n: int, span: int, stride: int, target: int
) -> None:
    tiles = axis_tiles(n, span, stride, target)
    firsts = [first for first, _, _ in tiles]
    counts = [count for _, count, _ in tiles]
    assert firsts == [sum(counts[:i]) for i in range(len(tiles))]
    assert sum(counts) == n
    for _, count, size in tiles:
        assert count >= 1
        assert size >= (count - 1) * stride + span  # the kept outputs never wrap around
        assert smooth(size)


def test_axis_tiles_examples() -> None:
    assert axis_tiles(1000, 15, 1, 512) == [(0, 498, 512), (498, 498, 512), (996, 4, 18)]
    # Stride 2: (512 - 15) // 2 + 1 = 249 outputs per 512-long tile.
    assert axis_tiles(500, 15, 2, 512)[0] == (0, 249, 512)
    assert axis_tiles(30, 7, 1, 512) == [(0, 30, 36)]  # the whole axis fits one tile


# --- the stated error bound ----------------------------------------------------------------


def direct(x: np.ndarray, w: np.ndarray, stride: tuple[int, ...], dilation: tuple[int, ...]) -> Any:
    """Tap-by-tap float64 sums over strided views: plain, and independent of the FFT."""
    shape = tuple(
        (n - (k - 1) * d - 1) // s + 1
        for n, k, s, d in zip(x.shape, w.shape, stride, dilation, strict=True)
    )
    total = np.zeros(shape)
    for tap in np.ndindex(*w.shape):
        view = tuple(
            slice(t * d, t * d + (n - 1) * s + 1, s)
            for t, d, n, s in zip(tap, dilation, shape, stride, strict=True)
        )
        total += w[tap] * x[view]
    return total


BOUND_CASES = {
    # name: (input, kernel, stride, dilation); offsets under positive kernels come closest.
    "2d-offset-positive": (
        lambda rng: 1000 + rng.random((700, 700)),
        lambda rng: rng.random((15, 15)),
        (1, 1),
        (1, 1),
    ),
    "2d-strided-dilated": (
        lambda rng: rng.standard_normal((600, 560)),
        lambda rng: rng.standard_normal((7, 9)),
        (2, 3),
        (3, 2),
    ),
    "1d-long-kernel": (
        lambda rng: 100 + rng.random(80_000),
        lambda rng: rng.random(401),
        (1,),
        (1,),
    ),
    "3d-offset": (
        lambda rng: 100 + rng.random((70, 40, 80)),
        lambda rng: rng.random((5, 5, 5)),
        (1, 1, 1),
        (1, 1, 1),
    ),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(BOUND_CASES))
def test_error_stays_within_the_stated_bound(case: str, dtype: str) -> None:
    make_x, make_w, stride, dilation = BOUND_CASES[case]
    rng = np.random.default_rng(len(case))
    x, w = make_x(rng).astype(dtype), make_w(rng).astype(dtype)
    expected = direct(x.astype(np.float64), w.astype(np.float64), stride, dilation)
    out = np.empty(expected.shape, dtype=dtype)
    correlate_fft(x, w, stride=stride, dilation=dilation, out=out)
    bound = tolerance(np.dtype(dtype)) * np.abs(w).astype(np.float64).sum() * np.abs(x).max()
    assert np.abs(out - expected).max() <= bound


def test_tolerance_per_dtype() -> None:
    assert tolerance(np.float32) == 4e-6
    assert tolerance(np.dtype("float64")) == 4e-14
