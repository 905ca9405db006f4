"""A bank of filters over channels in one GEMM: im2col on bands of output rows.

Keras' ``Conv`` layer: ``F`` filters, each with weights for every one of ``C`` input
channels, summed over the channels::

    out[i, f] = sum over c, taps t of weights[f, c, t] * padded[c, i * stride + t * dilation]

For a band of output rows, the ``K = C * taps`` input values under every output's window
are copied into a scratch matrix ``A`` (one row per channel and tap, one column per
output position: long contiguous runs, read from planes), and one GEMM
``A.T @ W`` with ``W`` of shape ``(K, F)`` computes all ``F`` filters at once, written
straight into the channels-last output. The scratch holds one band only (about
``SCRATCH_ELEMENTS`` values), never the whole image's windows.

Every output is a sum over exactly its own window, so a NaN or inf in ``padded`` reaches
only the outputs whose window covers it (``0 * inf`` gives NaN, as in the reference).
Supports 1-D, 2-D and 3-D, any stride and dilation.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

# Elements of the A scratch per band (1 Mi = 4 MiB of float32).
SCRATCH_ELEMENTS = 1 << 20


def correlate_bank(
    padded: np.ndarray,
    weights: np.ndarray,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    out: np.ndarray,
) -> None:
    """Run ``F`` filters over ``C`` channel planes, summing over channels; overwrite ``out``.

    Parameters
    ----------
    padded : numpy.ndarray
        ``(C, *sliding)``: one padded plane per channel, C-contiguous.
    weights : numpy.ndarray
        ``(F, C, *kernel)``, same dtype (already flipped for a true convolution).
    stride, dilation : tuple of int
        One per sliding axis.
    out : numpy.ndarray
        ``(*output, F)``, channels last, C-contiguous; every element is overwritten.

    Examples
    --------
    >>> planes = np.stack([np.arange(5.0), 10 * np.arange(5.0)])   # 2 channels
    >>> weights = np.array([[[1.0, 1.0], [0.0, 0.0]],              # filter 0: channel 0
    ...                     [[0.0, 0.0], [1.0, -1.0]]])            # filter 1: channel 1
    >>> out = np.empty((4, 2))
    >>> correlate_bank(planes, weights, stride=(1,), dilation=(1,), out=out)
    >>> out.tolist()
    [[1.0, -10.0], [3.0, -10.0], [5.0, -10.0], [7.0, -10.0]]
    """
    n_filters, n_channels = weights.shape[:2]
    kernel = weights.shape[2:]
    k = n_channels * math.prod(kernel)
    w = weights.reshape(n_filters, k).T  # (K, F): row order channel, then taps
    out_shape = out.shape[:-1]
    plane_strides = padded.strides[1:]
    per_row = math.prod(out_shape[1:])
    band = max(1, min(out_shape[0], SCRATCH_ELEMENTS // max(1, k * per_row)))
    scratch = np.empty(k * band * per_row, dtype=out.dtype)
    # A view of out (ValueError if out is not contiguous, rather than a lost copy).
    flat_out = np.reshape(out, (-1, n_filters), copy=False)
    for first in range(0, out_shape[0], band):
        count = min(band, out_shape[0] - first)
        view = as_strided(
            padded[:, first * stride[0] :],
            shape=(n_channels, *kernel, count, *out_shape[1:]),
            strides=(
                padded.strides[0],
                *(d * st for d, st in zip(dilation, plane_strides, strict=True)),
                *(s * st for s, st in zip(stride, plane_strides, strict=True)),
            ),
            writeable=False,
        )
        a = scratch[: k * count * per_row].reshape(view.shape)
        np.copyto(a, view)
        np.matmul(
            a.reshape(k, count * per_row).T,
            w,
            out=flat_out[first * per_row : (first + count) * per_row],
        )


__all__ = ["correlate_bank"]
