"""A slow, obviously-correct oracle for the engine and the layer.

Everything here is written straight from CONTRACT.md with explicit Python loops over
output positions and kernel taps, and with its own padding (an index-mapping function
per pad mode, never ``np.pad``), so that the fast engine can be tested against code that
shares none of its machinery. Results are float64. Nothing here is fast; keep inputs tiny.

Examples
--------
>>> import numpy as np
>>> reference_correlate(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1.0, 10, 100])).tolist()
[321.0, 432.0, 543.0, 654.0]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PAD_MODES = ("zeros", "constant", "reflect", "symmetric", "edge", "wrap")
ACTIVATIONS = ("linear", "relu", "abs", "sigmoid", "tanh")

Pads = tuple[tuple[int, int], ...]
PaddingSpec = str | int | Sequence[int] | Sequence[tuple[int, int]] | Sequence[Sequence[int]]


def source_index(i: int, n: int, mode: str) -> int | None:
    """Map index ``i`` of an axis of length ``n`` (``i`` may lie outside) into it.

    Returns ``None`` where the padded value is the constant (modes ``zeros`` and
    ``constant``). Pads longer than the axis repeat the pattern, as ``numpy.pad`` does.

    Boundary modes, for an axis ``a b c d``::

        reflect     d c b | a b c d | c b a    (no edge repeat; period 2(n-1))
        symmetric   c b a | a b c d | d c b    (edge repeated; period 2n)
        edge        a a a | a b c d | d d d
        wrap        b c d | a b c d | a b c

    Examples
    --------
    >>> [source_index(i, 4, "reflect") for i in (-3, -2, -1, 4, 5, 6)]
    [3, 2, 1, 2, 1, 0]
    >>> [source_index(i, 4, "symmetric") for i in (-2, -1, 4, 5)]
    [1, 0, 3, 2]
    >>> [source_index(i, 4, "wrap") for i in (-1, 4)], source_index(-1, 4, "zeros")
    ([3, 0], None)
    """
    if 0 <= i < n:
        return i
    if mode in ("zeros", "constant"):
        return None
    if mode == "edge":
        return 0 if i < 0 else n - 1
    if mode == "wrap":
        return i % n
    if mode == "symmetric":
        m = i % (2 * n)
        return m if m < n else 2 * n - 1 - m
    if mode == "reflect":
        if n == 1:  # nothing to reflect off; numpy repeats the single value
            return 0
        period = 2 * (n - 1)
        m = i % period
        return m if m < n else period - m
    raise ValueError(f"unknown pad mode {mode!r}")


def _per_axis(value: int | Sequence[int], ndim: int) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * ndim
    values = tuple(value)
    if len(values) != ndim:
        raise ValueError(f"need {ndim} values, got {values}")
    return values


def reference_pads(
    input_size: Sequence[int],
    kernel_size: Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    padding: PaddingSpec = "valid",
) -> Pads:
    """(before, after) padding per axis, straight from the contract's formulas.

    Examples
    --------
    >>> reference_pads([6], [4], padding="same")        # total 3: smaller half before
    ((1, 2),)
    >>> reference_pads([6], [3], stride=2, padding="same")
    ((0, 1),)
    >>> reference_pads([6], [3], dilation=2, padding="causal")
    ((4, 0),)
    >>> reference_pads([5, 5], [3, 2], padding="full")
    ((2, 2), (1, 1))
    >>> reference_pads([5, 5], [3, 3], padding=[(1, 0), (2, 2)])
    ((1, 0), (2, 2))
    """
    ndim = len(input_size)
    strides = _per_axis(stride, ndim)
    dilations = _per_axis(dilation, ndim)
    pads: list[tuple[int, int]] = []
    if isinstance(padding, str):
        for n, k, s, d in zip(input_size, kernel_size, strides, dilations, strict=True):
            span = (k - 1) * d + 1
            if padding == "valid":
                pads.append((0, 0))
            elif padding == "same":
                out = math.ceil(n / s)
                total = max((out - 1) * s + span - n, 0)
                pads.append((total // 2, total - total // 2))
            elif padding == "full":
                pads.append((span - 1, span - 1))
            elif padding == "causal":
                if ndim != 1:
                    raise ValueError("causal padding is 1-D only")
                pads.append((span - 1, 0))
            else:
                raise ValueError(f"unknown padding {padding!r}")
        return tuple(pads)
    if isinstance(padding, int):
        return ((padding, padding),) * ndim
    items: list[int | Sequence[int]] = list(padding)
    if len(items) != ndim:
        raise ValueError(f"need {ndim} padding values, got {items}")
    for item in items:
        if isinstance(item, int):
            pads.append((item, item))
        else:
            before, after = item
            pads.append((before, after))
    return tuple(pads)


def reference_output_shape(
    input_size: Sequence[int],
    kernel_size: Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    padding: PaddingSpec = "valid",
) -> tuple[int, ...]:
    """Output size per axis: how many kernel placements fit, stepping by ``stride``.

    Raises ``ValueError`` when an axis would have no output.

    Examples
    --------
    >>> reference_output_shape([6], [3], stride=2, padding="same")
    (3,)
    >>> reference_output_shape([7, 7], [3, 3], stride=2)
    (3, 3)
    """
    ndim = len(input_size)
    pads = reference_pads(
        input_size, kernel_size, stride=stride, dilation=dilation, padding=padding
    )
    strides = _per_axis(stride, ndim)
    dilations = _per_axis(dilation, ndim)
    shape = []
    for n, k, s, d, (before, after) in zip(
        input_size, kernel_size, strides, dilations, pads, strict=True
    ):
        room = n + before + after - ((k - 1) * d + 1)
        if room < 0:
            raise ValueError(f"kernel does not fit: n={n}, k={k}, d={d}, pads={before, after}")
        shape.append(room // s + 1)
    return tuple(shape)


def reference_correlate(
    x: npt.ArrayLike,
    kernel: npt.ArrayLike,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = "valid",
    pad_mode: str = "zeros",
    pad_value: float = 0.0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
) -> npt.NDArray[np.float64]:
    """Cross-correlate ``x`` with ``kernel`` (same ndim) by explicit loops, in float64.

    ``out[o] = sum over taps t of kernel[t] * x[o * stride + t * dilation - before]``,
    where an index outside ``x`` is resolved by :func:`source_index` (the padded input is
    built first, cell by cell, through that mapping).

    Examples
    --------
    >>> signal = np.array([1.0, 2, 3, 4, 5, 6])
    >>> reference_correlate(signal, np.array([1.0, 10, 100]), padding=1,
    ...                     pad_mode="reflect").tolist()
    [212.0, 321.0, 432.0, 543.0, 654.0, 565.0]
    >>> reference_correlate(signal, np.array([1.0, 10, 100]), flip=True).tolist()
    [123.0, 234.0, 345.0, 456.0]
    >>> reference_correlate(np.ones((3, 3)), np.ones((2, 2)), stride=2, padding="same")
    array([[4., 2.],
           [2., 1.]])
    """
    xs = np.asarray(x, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    if xs.ndim != k.ndim:
        raise ValueError(f"x has {xs.ndim} axes, kernel {k.ndim}")
    if flip:
        k = k[(slice(None, None, -1),) * k.ndim]
    ndim = xs.ndim
    strides = _per_axis(stride, ndim)
    dilations = _per_axis(dilation, ndim)
    pads = reference_pads(xs.shape, k.shape, stride=strides, dilation=dilations, padding=padding)
    out_shape = reference_output_shape(
        xs.shape, k.shape, stride=strides, dilation=dilations, padding=pads
    )
    # The padded input, built cell by cell through source_index (never np.pad).
    fill = 0.0 if pad_mode == "zeros" else pad_value
    padded_shape = tuple(n + b + a for n, (b, a) in zip(xs.shape, pads, strict=True))
    padded = np.full(padded_shape, fill, dtype=np.float64)
    for p in itertools.product(*(range(size) for size in padded_shape)):
        src = [source_index(p[ax] - pads[ax][0], xs.shape[ax], pad_mode) for ax in range(ndim)]
        if None not in src:
            padded[p] = xs[tuple(src)]

    taps = [(t, float(k[t])) for t in itertools.product(*(range(size) for size in k.shape))]
    out = np.zeros(out_shape, dtype=np.float64)
    for o in itertools.product(*(range(size) for size in out_shape)):
        total = 0.0
        for t, weight in taps:
            cell = tuple(o[ax] * strides[ax] + t[ax] * dilations[ax] for ax in range(ndim))
            total += weight * float(padded[cell])
        out[o] = total
    return out


def reference_activation(value: float, activation: str) -> float:
    """One activation, applied to one number.

    Examples
    --------
    >>> [reference_activation(-2.0, a) for a in ("linear", "relu", "abs")]
    [-2.0, 0.0, 2.0]
    >>> reference_activation(0.0, "sigmoid"), reference_activation(0.0, "tanh")
    (0.5, 0.0)
    """
    if activation == "linear":
        return value
    if activation == "relu":
        return max(value, 0.0)
    if activation == "abs":
        return abs(value)
    if activation == "sigmoid":
        return 1.0 / (1.0 + math.exp(-value))
    if activation == "tanh":
        return math.tanh(value)
    raise ValueError(f"unknown activation {activation!r}")


@dataclass(frozen=True)
class ReferenceMaps:
    """What the reference layer computed, with the same fields as ``FeatureMaps``."""

    data: npt.NDArray[np.float64]
    sliding_ndim: int
    channels: int
    filters: int


def reference_layer(
    x: npt.ArrayLike,
    kernels: Sequence[npt.ArrayLike],
    *,
    channels: str = "each",
    bias: float | Sequence[float] = 0.0,
    activation: str = "linear",
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = "valid",
    pad_mode: str = "zeros",
    pad_value: float = 0.0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
) -> ReferenceMaps:
    """A convolution layer written as plainly as possible (contract "Output shape").

    The first kernel decides the sliding axes: its ndim, less one when under
    ``channels="sum"`` it has as many axes as ``x`` and its last axis equals ``x``'s
    channel count (per-channel weights). ``x`` has a channels axis when it has one
    axis more than the sliding axes.

    Examples
    --------
    >>> rgb = np.ones((4, 4, 3)) * [1.0, 2.0, 3.0]
    >>> maps = reference_layer(rgb, [np.ones((2, 2))])
    >>> maps.data.shape, maps.data[0, 0].tolist()
    ((3, 3, 3), [4.0, 8.0, 12.0])
    >>> reference_layer(rgb, [np.ones((2, 2))], channels="sum").data[0, 0].tolist()
    [24.0]
    """
    xs = np.asarray(x, dtype=np.float64)
    ks = [np.asarray(k, dtype=np.float64) for k in kernels]
    first = ks[0]
    per_channel = (
        channels == "sum" and first.ndim == xs.ndim >= 2 and first.shape[-1] == xs.shape[-1]
    )
    sliding = first.ndim - 1 if per_channel else first.ndim
    has_channels = xs.ndim == sliding + 1
    if not has_channels and xs.ndim != sliding:
        raise ValueError(f"x has {xs.ndim} axes for a {sliding}-D kernel")
    n_channels = xs.shape[-1] if has_channels else 1
    planes = [xs[..., c] if has_channels else xs for c in range(n_channels)]
    n_filters = len(ks)
    biases = [float(bias)] * n_filters if isinstance(bias, int | float) else list(bias)
    if len(biases) != n_filters:
        raise ValueError(f"{len(biases)} biases for {n_filters} filters")

    def conv(plane: npt.NDArray[np.float64], k: npt.NDArray[np.float64]) -> np.ndarray:
        return reference_correlate(
            plane,
            k,
            stride=stride,
            padding=padding,
            pad_mode=pad_mode,
            pad_value=pad_value,
            dilation=dilation,
            flip=flip,
        )

    def finish(raw: np.ndarray, f: int) -> np.ndarray:
        flat = [reference_activation(float(v) + biases[f], activation) for v in raw.flat]
        return np.array(flat, dtype=np.float64).reshape(raw.shape)

    maps: list[np.ndarray] = []  # in output order along the last axis
    if channels == "each":
        for c in range(n_channels):
            for f in range(n_filters):
                maps.append(finish(conv(planes[c], ks[f]), f))
        kept = n_channels
        last_axis = has_channels or n_filters > 1
    elif channels == "sum":
        for f in range(n_filters):
            k = ks[f]
            k_is_per_channel = k.ndim == sliding + 1
            total = sum(
                conv(planes[c], k[..., c] if k_is_per_channel else k) for c in range(n_channels)
            )
            maps.append(finish(np.asarray(total), f))
        kept = 1
        last_axis = has_channels or n_filters > 1
    else:
        raise ValueError(f"unknown channels {channels!r}")
    data = np.stack(maps, axis=-1) if last_axis else maps[0]
    return ReferenceMaps(data, sliding, kept, n_filters)
