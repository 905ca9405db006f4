"""Banded-Toeplitz GEMM: let BLAS do the multiplies of a mid-size correlation.

2-D and 3-D: the output is cut into blocks of ``B`` rows along the first axis. The
``B`` output rows of a block read ``h = (B - 1) * stride + (k0 - 1) * dilation + 1``
input rows; for each tap ``u`` of the later kernel axes, the weights act on those rows
as a banded Toeplitz matrix of shape ``(B, h)``::

    T[b, b * stride + r * dilation, u] = weights[r, u]

and one GEMM per block (and chunk of the later axes) writes the block straight into
``out``::

    out[block, positions] = T @ A,  A[(row, u), j] = padded[row, j * stride + u * dilation]

``A`` is copied from a strided view of ``padded`` (each of its rows is one shifted run
of input cells, so the copy moves long runs), one block and chunk at a time, so the
scratch stays at about ``SCRATCH_ELEMENTS`` values whatever the input size.

1-D: the signal is read as rows of ``BLOCK_1D`` outputs, each row with its halo of
``(k - 1) * dilation`` cells, and multiplied by one ``(width, BLOCK_1D)`` band matrix.

The GEMM does ``h / B`` times the multiplies the kernel needs (``(B + k - 1) / k`` at
stride 1); BLAS is fast enough that this beats shift-and-add on random weights from
4x4 in 2-D, 3x3x3 in 3-D and about 10 taps in 1-D (one BLAS thread; 4096^2, 256^3, 10M
samples). Supports 1-D to 3-D, every stride and dilation, float32 and float64.

The band matrix multiplies zeros by input cells a given output does not see, so a NaN
or inf in ``padded`` spreads over its block: give this strategy finite inputs only.

OpenBLAS runs each GEMM on its own threads (2 here); when another process keeps a core
busy, its threads wait for each other and a call can take 10x longer. With
``OPENBLAS_NUM_THREADS=1`` the blocks are shared by two Python threads instead, which is
both faster and robust to a busy core
(:func:`convcli.strategies.threads.python_threads`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from convcli.shapes import dilated_span
from convcli.strategies.threads import python_threads, run_shares

# Output rows per block (the M of each GEMM) for 2-D and 3-D. Measured at 4096^2 3x3 to
# 11x11 and 256^3 3x3x3 (OpenBLAS, AVX2): 8-12 balance the band's wasted multiplies
# against GEMM speed; 24-32 were 20-60% slower.
BLOCK_ROWS = 12
# Outputs per row for 1-D signals (the N of its GEMM). Measured at 10M samples, 15-201
# taps: 32 was best (101 taps: 47 ms; 128: 58 ms; 16: 64 ms, one thread).
BLOCK_1D = 32
# Elements of the A scratch (1 Mi = 4 MiB of float32): wide rows are cut in column
# chunks so that A stays about this size for any kernel.
SCRATCH_ELEMENTS = 1 << 20


def band_matrix(weights: np.ndarray, block: int, stride: int, dilation: int) -> np.ndarray:
    """The band matrices of ``weights`` along its first axis.

    Returns shape ``(block, h, *weights.shape[1:])`` with ``h = (block - 1) * stride +
    (k0 - 1) * dilation + 1``: entry ``[b, b * stride + r * dilation, *rest]`` is
    ``weights[r, *rest]``, every other entry is zero.

    Examples
    --------
    >>> band_matrix(np.array([1.0, 2.0]), 3, 1, 1)
    array([[1., 2., 0., 0.],
           [0., 1., 2., 0.],
           [0., 0., 1., 2.]])
    """
    k0 = weights.shape[0]
    h = (block - 1) * stride + dilated_span(k0, dilation)
    t = np.zeros((block, h, *weights.shape[1:]), dtype=weights.dtype)
    for b in range(block):
        t[b, b * stride : b * stride + (k0 - 1) * dilation + 1 : dilation] = weights
    return t


def correlate_toeplitz(
    padded: np.ndarray,
    weights: np.ndarray,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    out: np.ndarray,
) -> None:
    """Correlate by banded-Toeplitz GEMMs; overwrite ``out``.

    ``out[i] = sum over taps t of weights[t] * padded[i * stride + t * dilation]``, for
    1-D, 2-D and 3-D arrays of one float dtype, any stride and dilation. ``padded``
    must hold finite values (see the module docstring). ``out`` is C-contiguous (a 2-D
    ``out`` may be any view with unit stride along its last axis). The GEMMs run on two
    Python threads when BLAS is single-threaded (:func:`python_threads`).

    Examples
    --------
    >>> out = np.empty(4)
    >>> correlate_toeplitz(np.arange(1.0, 7.0), np.array([1.0, 10, 100]),
    ...                    stride=(1,), dilation=(1,), out=out)
    >>> out.tolist()
    [321.0, 432.0, 543.0, 654.0]
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> out = np.empty((2, 2))
    >>> correlate_toeplitz(image, np.ones((2, 2)), stride=(2, 2), dilation=(1, 1), out=out)
    >>> out.tolist()
    [[10.0, 18.0], [42.0, 50.0]]
    """
    if padded.ndim == 1:
        _correlate_1d(padded, weights, stride[0], dilation[0], out)
        return
    n0, n1 = out.shape[:2]
    inner = out.shape[2:]  # () for 2-D, (columns,) for 3-D
    block = min(BLOCK_ROWS, n0)
    t_full = band_matrix(weights, block, stride[0], dilation[0])
    k = t_full[0].size
    # Output positions per GEMM: whole rows of the later axes, about SCRATCH_ELEMENTS / k.
    per_line = math.prod(inner)
    chunk = max(1, min(n1, SCRATCH_ELEMENTS // (k * per_line)))
    later = padded.strides[1:]
    tap_strides = tuple(d * st for d, st in zip(dilation[1:], later, strict=True))
    position_strides = tuple(s * st for s, st in zip(stride[1:], later, strict=True))
    jobs = [(first, left) for first in range(0, n0, block) for left in range(0, n1, chunk)]

    def share(index: int, shares: int) -> None:
        scratch = np.empty(k * chunk * per_line, dtype=out.dtype)
        for first, left in jobs[index::shares]:
            count = min(block, n0 - first)
            if count == block:
                t, rows = t_full.reshape(block, k), t_full.shape[1]
            else:  # the last, shorter block: its rows of T, over the input rows it reads
                rows = (count - 1) * stride[0] + dilated_span(weights.shape[0], dilation[0])
                t = np.ascontiguousarray(t_full[:count, :rows]).reshape(count, -1)
            width = min(chunk, n1 - left)
            view = as_strided(
                padded[first * stride[0] :, left * stride[1] :],
                shape=(rows, *weights.shape[1:], width, *inner),
                strides=(padded.strides[0], *tap_strides, *position_strides),
                writeable=False,
            )
            a = scratch[: view.size].reshape(view.shape)
            np.copyto(a, view)
            target = out[first : first + count, left : left + width]
            np.matmul(
                t,
                a.reshape(t.shape[1], width * per_line),
                out=np.reshape(target, (count, width * per_line), copy=False),
            )

    run_shares(share, python_threads(len(jobs)))


def _correlate_1d(
    padded: np.ndarray, weights: np.ndarray, stride: int, dilation: int, out: np.ndarray
) -> None:
    """1-D: rows of ``BLOCK_1D`` outputs, each with its halo, times one band matrix."""
    n = out.shape[0]
    block = min(BLOCK_1D, n)
    t = band_matrix(weights, block, stride, dilation).T  # (width, block)
    width = t.shape[0]
    item = padded.strides[0]
    n_full = n // block
    band = max(1, SCRATCH_ELEMENTS // width)
    full_out = np.reshape(out[: n_full * block], (n_full, block), copy=False)
    firsts = list(range(0, n_full, band))

    def share(index: int, shares: int) -> None:
        scratch = np.empty(band * width, dtype=out.dtype)
        for first in firsts[index::shares]:
            count = min(band, n_full - first)
            view = as_strided(
                padded[first * block * stride :],
                shape=(count, width),
                strides=(block * stride * item, item),
                writeable=False,
            )
            a = scratch[: count * width].reshape(count, width)
            np.copyto(a, view)
            np.matmul(a, t, out=full_out[first : first + count])

    run_shares(share, python_threads(len(firsts)))
    rest = n - n_full * block
    if rest:
        span = (rest - 1) * stride + dilated_span(weights.shape[0], dilation)
        start = n_full * block * stride
        np.matmul(padded[start : start + span], t[:span, :rest], out=out[n_full * block :])


__all__ = ["band_matrix", "correlate_toeplitz"]
