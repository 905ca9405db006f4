"""FFT overlap-save on tiles: a cost nearly independent of the kernel's size.

The output is cut into tiles of ``c`` outputs per axis (:func:`axis_tiles`). A tile
reads ``F >= (c - 1) * stride + span`` input cells per axis (``span = (k - 1) *
dilation + 1``), ``F`` being a fast FFT length (factors 2, 3 and 5 only). Per tile::

    full = irfftn(rfftn(padded[tile], F) * conj(rfftn(dilated_kernel, F)))
    out[tile] = full[0 : c * stride : stride]

``full`` is a circular correlation whose first ``F - span + 1`` values per axis never
wrap around, so they are exactly the correlation (the "overlap-save" of signal
processing); a stride keeps every ``stride``-th of them. The dilated kernel is the
kernel with ``dilation - 1`` zeros between taps; its spectrum is computed once per tile
length, in float64.

Tiles are about 512 cells per axis in 2-D (64 in 3-D, 32768 in 1-D), so that a tile's
spectrum stays in cache; a whole-array transform is several times slower and needs
memory for the whole padded spectrum. The last tile on an axis gets a shorter length
when it needs less. Two threads share the tiles (NumPy's FFT releases the GIL; no BLAS
is involved).

Accuracy: each output is within ``tolerance(dtype) * sum(|weights|) * max(|padded|)``
of the exact sum: 4e-6 for float32 and 4e-14 for float64, about 5x the worst error
measured (large constant offsets under positive kernels come closest); the tests check
this bound. A NaN or inf in ``padded`` spreads over its whole tile: give this
strategy finite inputs only.
"""

from __future__ import annotations

import itertools

import numpy as np

from convcli.shapes import dilated_span
from convcli.strategies.threads import run_shares

# Target FFT length per axis, by rank (measured at 4096^2, 256^3 and 10M samples).
TILE = {1: 32768, 2: 512, 3: 64}
# Worker threads over the tiles (the machine has 2 cores).
THREADS = 2

# Error bound of this strategy, relative to sum(|weights|) * max(|padded|).
TOLERANCE = {"float32": 4e-6, "float64": 4e-14}


def tolerance(dtype: np.dtype[np.floating] | type[np.floating]) -> float:
    """The relative error bound of :func:`correlate_fft` for ``dtype``.

    Examples
    --------
    >>> tolerance(np.float32)
    4e-06
    """
    return TOLERANCE[np.dtype(dtype).name]


def fast_length(n: int) -> int:
    """The smallest ``m >= n`` whose only prime factors are 2, 3 and 5.

    Examples
    --------
    >>> [fast_length(n) for n in (1, 7, 17, 97, 500, 513)]
    [1, 8, 18, 100, 500, 540]
    """
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def correlate_fft(
    padded: np.ndarray,
    weights: np.ndarray,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    out: np.ndarray,
) -> None:
    """Correlate by overlap-save FFTs on tiles; overwrite ``out``.

    ``out[i] = sum over taps t of weights[t] * padded[i * stride + t * dilation]``
    within the module's tolerance, for 1-D, 2-D and 3-D arrays of one float dtype,
    any stride and dilation. ``padded`` must hold finite values.

    Examples
    --------
    >>> out = np.empty(4)
    >>> correlate_fft(np.arange(1.0, 7.0), np.array([1.0, 10, 100]),
    ...               stride=(1,), dilation=(1,), out=out)
    >>> out.round(9).tolist()
    [321.0, 432.0, 543.0, 654.0]
    """
    ndim = padded.ndim
    axes = tuple(range(ndim))
    spans = tuple(dilated_span(k, d) for k, d in zip(weights.shape, dilation, strict=True))
    dilated = np.zeros(spans, dtype=np.float64)
    dilated[tuple(slice(None, None, d) for d in dilation)] = weights
    plans = [
        axis_tiles(n, span, s, TILE[ndim])
        for n, span, s in zip(out.shape, spans, stride, strict=True)
    ]
    complex_type = np.result_type(padded.dtype, np.complex64)
    # One spectrum per tile size (the last tile on an axis may be shorter), computed in
    # float64 once, then cast.
    spectra = {
        sizes: np.conj(np.fft.rfftn(dilated, s=sizes, axes=axes)).astype(complex_type)
        for sizes in itertools.product(*({f for _, _, f in plan} for plan in plans))
    }

    def run(tile: tuple[tuple[int, int, int], ...]) -> None:
        sizes = tuple(f for _, _, f in tile)
        window = padded[
            tuple(slice(i * s, i * s + f) for (i, _, f), s in zip(tile, stride, strict=True))
        ]
        # "ortho" on both transforms composes to the plain pair; NumPy 2.4's unscaled
        # float32 forward transform (norm=None) is 5-8x slower than its scaled one.
        product = np.fft.rfftn(window, s=sizes, axes=axes, norm="ortho")
        product *= spectra[sizes]
        full = np.fft.irfftn(product, s=sizes, axes=axes, norm="ortho")
        out[tuple(slice(i, i + c) for i, c, _ in tile)] = full[
            tuple(slice(0, c * s, s) for (_, c, _), s in zip(tile, stride, strict=True))
        ]

    tiles = list(itertools.product(*plans))

    def share(index: int, shares: int) -> None:
        for tile in tiles[index::shares]:
            run(tile)

    run_shares(share, min(THREADS, len(tiles)))


def axis_tiles(n: int, span: int, stride: int, target: int) -> list[tuple[int, int, int]]:
    """The tiles along one axis: ``(first output, output count, FFT length)`` each.

    ``n`` strided outputs, a dilated kernel of ``span`` cells, FFT lengths near
    ``target``. A tile of FFT length ``f`` yields ``(f - span) // stride + 1`` outputs
    that never wrap around; the last tile gets a shorter length if it needs less.

    Examples
    --------
    >>> axis_tiles(1000, 15, 1, 512)
    [(0, 498, 512), (498, 498, 512), (996, 4, 18)]
    >>> axis_tiles(10, 3, 2, 512)      # the whole axis in one tile: 9 * 2 + 3 cells
    [(0, 10, 24)]
    """
    whole = fast_length((n - 1) * stride + span)
    if whole <= max(target, 2 * span):
        return [(0, n, whole)]
    # At least a few outputs per tile, however large the kernel.
    size = fast_length(max(target, span + 4 * stride))
    per_tile = (size - span) // stride + 1
    tiles = []
    for first in range(0, n, per_tile):
        count = min(per_tile, n - first)
        tiles.append((first, count, fast_length((count - 1) * stride + span)))
    return tiles


__all__ = ["axis_tiles", "correlate_fft", "fast_length", "tolerance"]
