"""Separable passes: a rank-1 kernel as one 1-D shift-and-add pass per axis.

A kernel that is the outer product of one vector per axis (box, Gaussian, Sobel, Scharr,
a line detector) correlates as successive 1-D correlations: along axis 0 (with its stride
and dilation), then axis 1, then axis 2. A ``k x k`` kernel then costs about ``2k``
passes over a band instead of ``2k^2``.

Rank 1 is detected with a pivot test (:func:`rank1_factors`): take the factors from a
pivot row and column, and keep them only when their outer product gives the kernel back.
Pivots are tried so that integer kernels get integer factors (Sobel ``[1, 2, 1]`` and
``[1, 0, -1]``), whose products are exact: on integer-valued inputs the result equals the
direct sum bit for bit. Kernels that are rank 1 only up to rounding (a Gaussian built in
float64 and stored in float32) are accepted when the outer product is within a few ulp.

Every pass runs band by band (bands of output rows along axis 0), so the intermediate
arrays are one band each, never a whole-image temporary. Supports 2-D and 3-D kernels,
every stride and dilation, float32 and float64.

Examples
--------
>>> import numpy as np
>>> [f.tolist() for f in rank1_factors(np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]]))]
[[1.0, 2.0, 1.0], [1.0, 0.0, -1.0]]
>>> rank1_factors(np.array([[1.0, 2], [3, 4]])) is None
True
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from convcli.shapes import dilated_span
from convcli.strategies import shift_add
from convcli.strategies.shift_add import Workspace, shift_add_plan

# Outer products within this many ulp of the largest weight count as the kernel.
RANK1_ULPS = 16


def _rank1_matrix(m: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(col, row)`` with ``outer(col, row)`` equal to ``m`` within RANK1_ULPS, or None."""
    magnitude = np.abs(m)
    if magnitude.max() == 0:
        return None
    nonzero = np.flatnonzero(magnitude)
    # The smallest non-zero pivot first: dividing by it keeps integer kernels integral
    # ([[1, 3], [3, 9]] -> [1, 3] x [1, 3]); the largest last, the most stable.
    order = nonzero[np.argsort(magnitude.flat[nonzero], kind="stable")]
    pivots = dict.fromkeys([int(order[0]), int(order[-1])])
    # (error, non-integral factors, col, row): an exact product first, and among exact
    # ones integral factors, so that Scharr gives [1, 0, -1] x [3, 10, 3], not
    # [3, 0, -3] x [1, 3.33, 1] (whose product rounds back to the kernel, but whose
    # passes would round on integer images).
    candidates: list[tuple[float, bool, np.ndarray, np.ndarray]] = []
    for flat in pivots:
        p, q = divmod(flat, m.shape[1])
        pivot = m[p, q]
        for col, row in ((m[:, q], m[p, :] / pivot), (m[:, q] / pivot, m[p, :])):
            error = float(np.abs(np.multiply.outer(col, row) - m).max())
            integral = all(np.array_equal(f, np.round(f)) for f in (col, row))
            candidates.append((error, not integral, col.copy(), row.copy()))
    error, _, col, row = min(candidates, key=lambda c: (c[0], c[1]))
    tolerance = RANK1_ULPS * float(np.finfo(m.dtype).eps) * float(magnitude.max())
    return (col, row) if error <= tolerance else None


_FACTORS: OrderedDict[tuple[object, ...], tuple[np.ndarray, ...] | None] = OrderedDict()
_FACTORS_KEPT = 64


def rank1_factors(weights: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """One 1-D factor per axis whose outer product is ``weights``, or None.

    None for 1-D kernels, all-zero or non-finite kernels, and kernels of higher rank.
    Answers are kept for the last few kernels (the engine asks on every call); the
    factors are read-only.

    Examples
    --------
    >>> box = np.ones((3, 3, 3))
    >>> [f.tolist() for f in rank1_factors(box)]
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    >>> [f.tolist() for f in rank1_factors(np.array([[1.0, 3], [3, 9]]))]
    [[1.0, 3.0], [1.0, 3.0]]
    """
    key = (weights.tobytes(), weights.shape, weights.dtype.str)
    if key not in _FACTORS:
        factors = _factor(weights)
        for f in factors or ():
            f.flags.writeable = False
        _FACTORS[key] = factors
        while len(_FACTORS) > _FACTORS_KEPT:
            _FACTORS.popitem(last=False)
    return _FACTORS[key]


def _factor(weights: np.ndarray) -> tuple[np.ndarray, ...] | None:
    if weights.ndim < 2 or not np.isfinite(weights).all():
        return None
    factors: list[np.ndarray] = []
    rest = weights
    while rest.ndim > 1:
        split = _rank1_matrix(rest.reshape(rest.shape[0], -1))
        if split is None:
            return None
        col, row = split
        factors.append(col)
        rest = row.reshape(rest.shape[1:])
    factors.append(rest)
    if not np.array_equal(_outer(factors), weights):
        # The float rank-1 test passed on each unfolding; check the whole product too.
        error = float(np.abs(_outer(factors) - weights).max())
        scale = float(np.abs(weights).max())
        if error > RANK1_ULPS * float(np.finfo(weights.dtype).eps) * scale:
            return None
    return tuple(factors)


def _outer(factors: list[np.ndarray]) -> np.ndarray:
    result = factors[0]
    for f in factors[1:]:
        result = np.multiply.outer(result, f)
    return result


class Separable:
    """One :class:`ShiftAdd` pass per axis, run band by band on padded arrays.

    Examples
    --------
    >>> run = Separable((np.ones(2), np.ones(2)), stride=(1, 1), dilation=(1, 1),
    ...                 skip_zeros=True)
    >>> out = np.empty((2, 2))
    >>> run(np.arange(9.0).reshape(3, 3), out)
    >>> out.tolist()
    [[8.0, 12.0], [20.0, 24.0]]
    """

    def __init__(
        self,
        factors: tuple[np.ndarray, ...],
        *,
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        skip_zeros: bool,
        band_elements: int | None = None,
    ) -> None:
        ndim = len(factors)
        self.stride = tuple(stride)
        self.dilation = tuple(dilation)
        self.kernel_shape = tuple(len(f) for f in factors)
        self.band_elements = shift_add.BAND_ELEMENTS if band_elements is None else band_elements

        def along(axis: int, value: int) -> tuple[int, ...]:
            return tuple(value if a == axis else 1 for a in range(ndim))

        self.axis_passes = [
            shift_add_plan(
                np.ascontiguousarray(f).reshape(along(axis, len(f))),
                stride=along(axis, stride[axis]),
                dilation=along(axis, dilation[axis]),
                skip_zeros=skip_zeros,
            )
            for axis, f in enumerate(factors)
        ]
        # Each pass grows the largest magnitude by at most its own factor.
        self.growth = math.prod(run.growth for run in self.axis_passes)

    def input_rows(self, out_rows: int) -> int:
        """Padded rows (axis 0) that ``out_rows`` output rows read."""
        span = dilated_span(self.kernel_shape[0], self.dilation[0])
        return (out_rows - 1) * self.stride[0] + span

    def band_rows(self, padded_shape: tuple[int, ...]) -> int:
        """Output rows per band so that the first pass's result holds about ``band_elements``."""
        pitch = math.prod(padded_shape[1:])
        return max(1, self.band_elements // max(1, pitch))

    def cost(self, padded_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> int:
        """Element passes for the whole array: each axis pass times the size it writes."""
        total = 0
        shape = list(padded_shape)
        for axis, run in enumerate(self.axis_passes):
            shape[axis] = out_shape[axis]
            total += run.passes * math.prod(shape)
        return total

    def __call__(
        self, padded: np.ndarray, out: np.ndarray, workspace: Workspace | None = None
    ) -> None:
        """Overwrite ``out`` with the correlation of C-contiguous ``padded``, band by band."""
        ws = workspace or Workspace()
        rows = self.band_rows(padded.shape)
        last = len(self.axis_passes) - 1
        for r0 in range(0, out.shape[0], rows):
            r1 = min(out.shape[0], r0 + rows)
            start = r0 * self.stride[0]
            current = padded[start : start + self.input_rows(r1 - r0)]
            shape = [r1 - r0, *padded.shape[1:]]
            for axis, run in enumerate(self.axis_passes):
                shape[axis] = out.shape[axis] if axis else r1 - r0
                target = (
                    out[r0:r1] if axis == last else ws.get(f"pass{axis}", tuple(shape), out.dtype)
                )
                run.band(current, target, ws)
                current = target


def correlate_separable(
    padded: np.ndarray,
    weights: np.ndarray,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    out: np.ndarray,
    skip_zeros: bool = False,
) -> None:
    """Correlate a rank-1 kernel by one 1-D pass per axis; overwrite ``out``.

    ``out[i] = sum over taps t of weights[t] * padded[i * stride + t * dilation]``.

    Raises
    ------
    ValueError
        When ``weights`` is not rank 1 (see :func:`rank1_factors`).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> out = np.empty((2, 2))
    >>> correlate_separable(x, np.ones((3, 3)), stride=(1, 1), dilation=(1, 1), out=out)
    >>> out.tolist()
    [[45.0, 54.0], [81.0, 90.0]]
    """
    factors = rank1_factors(weights)
    if factors is None:
        raise ValueError(f"the kernel is not separable (rank 1); shape {weights.shape}")
    run = Separable(factors, stride=stride, dilation=dilation, skip_zeros=skip_zeros)
    run(np.ascontiguousarray(padded), out)
