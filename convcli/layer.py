"""A bank of filters over a channels-last input: Keras' Conv and DepthwiseConv rules.

:func:`apply_filters` decides which axes slide and which is the channels axis, runs
:func:`convcli.engine.correlate_normalized` for every (filter, channel) pair, adds the
bias, applies the activation and lays the maps out as the contract's "Output shape"
says, returning a :class:`~convcli.featuremaps.FeatureMaps`. A bank of small filters
(:func:`bank_pays`) runs instead as one im2col GEMM for all filters and channels
(:func:`filter_bank`), with the same results within float rounding.

Channel rules:

* ``each`` -- every filter runs over every channel on its own (image-filter semantics,
  Keras ``DepthwiseConv``); the output keeps the channels, ``channels x filters``
  flattened channel-major.
* ``sum`` -- a filter spans all channels and sums over them (Keras ``Conv``). A kernel
  with one axis more than the sliding axes whose last axis equals the channel count
  holds one weight plane per channel; otherwise every channel gets the same weights.

Examples
--------
>>> import numpy as np
>>> rgb = np.ones((4, 4, 3)) * [1, 2, 3]
>>> maps = apply_filters(rgb, [np.ones((2, 2))], channels="each")
>>> maps.data.shape, maps.data[0, 0].tolist()
((3, 3, 3), [4.0, 8.0, 12.0])
>>> apply_filters(rgb, [np.ones((2, 2))], channels="sum").data[0, 0].tolist()
[24.0]
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from convcli.engine import (
    MAX_PADDED_ELEMENTS,
    all_finite,
    as_float_array,
    check_finite_result,
    check_pad_value,
    check_work_size,
    choose_strategy,
    correlate_normalized,
    dtype_name,
    pad_input,
)
from convcli.errors import GeometryError, ParameterError
from convcli.featuremaps import FeatureMaps
from convcli.params import (
    ACTIVATIONS,
    CHANNEL_RULES,
    ConvParams,
    IntsArg,
    PaddingArg,
    choice,
)
from convcli.shapes import conv_geometry, dilated_span, has_channels_axis, sliding_ndim
from convcli.strategies.im2col import correlate_bank
from convcli.strategies.threads import python_threads, run_shares


def _sigmoid(v: np.ndarray) -> np.ndarray:
    # 0.5 * (1 + tanh(v / 2)) equals 1 / (1 + exp(-v)) without overflowing for large |v|.
    return 0.5 * (1.0 + np.tanh(0.5 * v))


ACTIVATION_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda v: v,
    "relu": lambda v: np.maximum(v, 0),
    "abs": np.abs,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
}


def apply_filters(
    x: Any,
    kernels: Sequence[Any],
    *,
    channels: str = "each",
    stride: IntsArg = 1,
    padding: PaddingArg = "valid",
    pad_mode: str = "zeros",
    pad_value: float = 0.0,
    dilation: IntsArg = 1,
    flip: bool = False,
    bias: float | Sequence[float] = 0.0,
    activation: str = "linear",
    dtype: str = "float32",
    labels: Sequence[str] | None = None,
    progress: Callable[[float], None] | None = None,
) -> FeatureMaps:
    """Run every kernel over ``x`` and return the feature maps, laid out Keras' way.

    Parameters
    ----------
    x : array_like
        Input: sliding axes, then optionally a channels axis.
    kernels : sequence of array_like
        One kernel per filter; all slide along the same number of axes.
    channels : {"each", "sum"}
        The channel rule (see the module docstring).
    stride, padding, pad_mode, pad_value, dilation, flip
        As for :func:`convcli.correlate`.
    bias : float or sequence of float
        One value for all filters, or one per filter, added before the activation.
    activation : {"linear", "relu", "abs", "sigmoid", "tanh"}
    dtype : {"float32", "float64"}
    labels : sequence of str, optional
        A name per filter (defaults to ``"0"``, ``"1"``, ...).
    progress : callable, optional
        Called with the fraction of the whole work each finished map stands for.

    Examples
    --------
    >>> import numpy as np
    >>> maps = apply_filters(np.arange(6.0), [[1, 1], [1, -1]], bias=[0, 10])
    >>> maps.data.shape, maps.data[:, 1].tolist()
    ((5, 2), [9.0, 9.0, 9.0, 9.0, 9.0])
    """
    rule = choice(channels, CHANNEL_RULES, name="channels")
    act = ACTIVATION_FUNCTIONS[choice(activation, ACTIVATIONS, name="activation")]
    dt = dtype_name(dtype)
    data = as_float_array(x, name="input", dtype=dt)
    weights = [as_float_array(k, name="kernel", dtype=dt) for k in kernels]
    if not weights:
        raise ParameterError("give at least one kernel")
    if labels is not None and len(labels) != len(weights):
        raise ParameterError(f"give one label per filter ({len(weights)}); got {len(labels)}")

    slides = {sliding_ndim(data.shape, w.shape, rule) for w in weights}
    if len(slides) > 1:
        raise GeometryError(
            "all kernels must slide along the same number of axes; got "
            + ", ".join(str(w.shape) for w in weights)
        )
    sliding = slides.pop()
    if not 1 <= sliding <= 3:
        raise GeometryError(
            f"a kernel must have 1, 2 or 3 axes (4 only for per-channel weights under "
            f"--channels sum); got shape {weights[0].shape}"
        )
    has_channels = has_channels_axis(data.shape, sliding)
    finite: list[bool] = []  # whether data is all finite, computed once when first needed

    def input_finite() -> bool:
        if not finite:
            finite.append(all_finite(data))
        return finite[0]

    planes = np.moveaxis(data, -1, 0) if has_channels else data[np.newaxis]

    biases = bias_values(bias)
    if len(biases) not in (1, len(weights)):
        raise ParameterError(
            f"bias takes one value or one per filter ({len(weights)}); got {len(biases)}: "
            + ",".join(f"{b:g}" for b in biases)
        )
    if len(biases) == 1:
        biases = biases * len(weights)

    params = ConvParams.build(
        sliding,
        stride=stride,
        padding=padding,
        pad_mode=pad_mode,
        pad_value=pad_value,
        dilation=dilation,
        flip=flip,
    )
    names = tuple(labels) if labels is not None else tuple(str(i) for i in range(len(weights)))
    if bank_pays(rule, weights, sliding, len(planes)):
        bank = filter_bank(planes, weights, params, rule=rule, progress=progress)
        # Biases repeat per channel: the last axis is channel-major (c * filters + f).
        per_map_bias = np.tile(np.asarray(biases, dtype=dt), bank.shape[-1] // len(biases))
        with np.errstate(over="ignore"):
            if any(biases):
                bank += per_map_bias  # in place: the maps may be the largest array here
            bank = act(bank)
        check_finite_result(bank, inputs_finite=input_finite())
        return FeatureMaps(
            data=np.ascontiguousarray(bank, dtype=dt),
            sliding_ndim=sliding,
            channels=len(planes) if rule == "each" else 1,
            filters=len(weights),
            labels=names,
        )

    n_maps = len(weights) * (len(planes) if rule == "each" else 1)

    def run(plane: np.ndarray, w: np.ndarray) -> np.ndarray:
        result = correlate_normalized(plane, w, params)
        if progress is not None and rule == "each":
            progress(1 / n_maps)
        return result

    # 'each' over a 2-D image with channels: one channels-last (H, W, C) map per filter.
    channels_last = rule == "each" and has_channels and sliding == 2
    per_filter: list[list[np.ndarray]] = []  # [filter][channel] maps, sliding axes only
    for w, b in zip(weights, biases, strict=True):
        if channels_last:
            maps = [each_channels_last(data, w, params)]
            if progress is not None:
                progress(len(planes) / n_maps)
        elif rule == "each":
            maps = [run(plane, w) for plane in planes]
        else:
            # Per-channel weights, or the same weights for every channel.
            stacked = w if w.ndim == sliding + 1 else w[..., np.newaxis]
            maps = [sum_maps(planes, stacked, params)]
            if progress is not None:
                progress(1 / n_maps)
        with np.errstate(over="ignore"):
            activated = [act(m + b) if b else act(m) for m in maps]
        # The engine refuses a map that overflows from finite inputs, and the activations
        # keep finite values finite: only a bias or a sum over channels can overflow here.
        if b or rule == "sum":
            for m in activated:
                check_finite_result(m, inputs_finite=input_finite())
        per_filter.append(activated)

    # In the order the filters were given; sliding axes only.
    shapes = [maps[0].shape[:sliding] for maps in per_filter]
    if len(set(shapes)) > 1:
        raise GeometryError(
            "the filters give feature maps of different shapes ("
            + ", ".join(str(shape) for shape in shapes)
            + "); use kernels of one size, or padding 'same'"
        )

    n_filters = len(weights)
    if channels_last:
        # (*output, C) per filter -> (*output, C * F), channel-major c * filters + f.
        last = [maps[0] for maps in per_filter]
        joined = last[0] if n_filters == 1 else np.stack(last, axis=-1)
        return FeatureMaps(
            data=np.ascontiguousarray(joined.reshape(*shapes[0], -1), dtype=dt),
            sliding_ndim=sliding,
            channels=len(planes),
            filters=n_filters,
            labels=names,
        )
    kept = len(per_filter[0])
    # Channel-major: index c * filters + f.
    stack = [per_filter[f][c] for c in range(kept) for f in range(n_filters)]
    # One filter over an input without channels gives just the sliding axes.
    drop_last = n_filters == 1 and not has_channels
    out = stack[0] if drop_last else np.stack(stack, axis=-1)
    return FeatureMaps(
        data=np.ascontiguousarray(out, dtype=dt),
        sliding_ndim=sliding,
        channels=kept,
        filters=n_filters,
        labels=names,
    )


def bias_values(bias: object) -> tuple[float, ...]:
    """One or more finite numbers, else a ParameterError naming what was given.

    Examples
    --------
    >>> bias_values(0.5), bias_values([1, -2])
    ((0.5,), (1.0, -2.0))
    """
    items = [bias] if isinstance(bias, numbers.Real) else bias
    if isinstance(items, str | bytes) or not isinstance(items, Sequence | np.ndarray):
        raise ParameterError(f"bias must be a number or one number per filter; got {bias!r}")
    values = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise ParameterError(f"bias must be a number or one number per filter; got {bias!r}")
        if not math.isfinite(float(item)):
            raise ParameterError(f"bias must be finite; got {bias!r}")
        values.append(float(item))
    return tuple(values)


def each_channels_last(data: np.ndarray, kernel: np.ndarray, params: ConvParams) -> np.ndarray:
    """Correlate every channel of a channels-last 2-D image with ``kernel``: ``(*out, C)``.

    The channels act as a batch: the engine runs once on ``(H, W, C)`` with the kernel
    given a third axis of length 1 (no padding, stride or dilation along it), so the
    strategy works on long channels-last runs instead of one strided plane at a time.
    The strategy is the one the engine picks for a single plane; FFT tiles would
    transform the short channel axis too, so that case runs plane by plane.
    Measured at 2048x2048x3 float32, per plane then stacked / batched: random 5x5
    (toeplitz) 145 / 77 ms, random 3x3 (shift-and-add) 68 / 48, Gaussian 5x5
    (separable) 70 / 44; random 15x15 (FFT) 163 / 955.

    Examples
    --------
    >>> rgb = np.ones((3, 3, 2)) * [1, 10]
    >>> params = ConvParams.build(2, padding="same")
    >>> each_channels_last(rgb, np.ones((2, 2)), params)[:, :, 1].tolist()
    [[40.0, 40.0, 20.0], [40.0, 40.0, 20.0], [20.0, 20.0, 10.0]]
    """
    weights = kernel[::-1, ::-1] if params.flip else kernel
    pads, out_shape = conv_geometry(
        data.shape[:-1],
        kernel.shape,
        stride=params.stride,
        dilation=params.dilation,
        padding=params.padding,
    )
    name = choose_strategy(
        np.ascontiguousarray(weights, dtype=data.dtype),
        out_shape,
        stride=params.stride,
        dilation=params.dilation,
    )
    check_work_size(data.shape[:-1], pads)  # the message names the sliding axes only
    padded_size = math.prod(n + a + b for n, (a, b) in zip(data.shape, pads, strict=False))
    if name == "fft" or padded_size * data.shape[-1] > MAX_PADDED_ELEMENTS:
        planes = [correlate_normalized(data[..., c], kernel, params) for c in range(data.shape[-1])]
        return np.stack(planes, axis=-1)
    padding = params.padding if isinstance(params.padding, str) else (*params.padding, (0, 0))
    batched = dataclasses.replace(
        params,
        stride=(*params.stride, 1),
        dilation=(*params.dilation, 1),
        padding=padding,
    )
    return correlate_normalized(data, kernel[..., np.newaxis], batched, strategy=name)


def sum_maps(planes: np.ndarray, kernel: np.ndarray, params: ConvParams) -> np.ndarray:
    """Correlate channel ``c`` with ``kernel[..., c]`` (or the one plane) and sum over c."""

    def plane_weights(c: int) -> np.ndarray:
        return np.ascontiguousarray(kernel[..., c] if kernel.shape[-1] > 1 else kernel[..., 0])

    total = correlate_normalized(planes[0], plane_weights(0), params)
    for c in range(1, len(planes)):
        np.add(total, correlate_normalized(planes[c], plane_weights(c), params), out=total)
    return total


# --- filter banks: im2col and one GEMM for all filters -------------------------------------

# When the bank pays (measured at 512^2-2048^2 x 3 channels, float32, 1 BLAS thread):
# its cost grows with taps x channels x (1 + filters / 8) (every window is copied, then
# multiplied by every filter), while the per-map engine uses FFT tiles for large kernels
# and exploits zero, +-1 and rank-1 weights (a line detector is two additions per map).
# Bank / per-map time: 3x3x3 -> 32 filters 0.13; 3x3x3 -> 1 filter 0.60; 5x5x3 -> 1
# filter 1.71; 7x7x3 -> 4 filters 0.97, -> 8 filters 0.52; 'each' 3x3 x 8 filters 0.27.
BANK_MAX_TAPS = 49  # taps per channel
BANK_TAPS_PER_FILTER = 9  # at most this many taps per channel for each filter
BANK_MIN_FILTERS_ONE_PLANE = 4  # filters needed when each map reads one plane ('each')
# Output elements x window size per band of the bank (progress is reported per band).
BANK_BAND_ELEMENTS = 1 << 20


def bank_pays(rule: str, kernels: Sequence[np.ndarray], sliding: int, channels: int) -> bool:
    """Whether :func:`filter_bank` runs these filters (else one engine call per map).

    It needs kernels of one shape with at most :data:`BANK_MAX_TAPS` taps per channel
    and at most :data:`BANK_TAPS_PER_FILTER` taps per filter; when every map reads a
    single plane (``each``, or one channel), at least
    :data:`BANK_MIN_FILTERS_ONE_PLANE` filters.

    Examples
    --------
    >>> import numpy as np
    >>> bank_pays("sum", [np.ones((3, 3, 3))] * 32, 2, 3)
    True
    >>> bank_pays("sum", [np.ones((5, 5, 3))], 2, 3)     # 25 taps for one filter
    False
    >>> bank_pays("each", [np.ones((3, 3))] * 2, 2, 3)
    False
    """
    if len({k.shape for k in kernels}) != 1:
        return False
    taps = math.prod(kernels[0].shape[:sliding])
    filters = len(kernels)
    if taps > BANK_MAX_TAPS or taps > BANK_TAPS_PER_FILTER * filters:
        return False
    one_plane = rule == "each" or channels == 1
    return filters >= BANK_MIN_FILTERS_ONE_PLANE if one_plane else True


def filter_bank(
    planes: np.ndarray,
    kernels: Sequence[np.ndarray],
    params: ConvParams,
    *,
    rule: str,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """All filters over all channel planes by im2col + GEMM, before bias and activation.

    Parameters
    ----------
    planes : numpy.ndarray
        ``(C, *sliding)``, one plane per channel.
    kernels : sequence of numpy.ndarray
        ``F`` kernels of one shape: sliding axes only (the same weights for every
        channel), or sliding axes then ``C`` per-channel planes (under ``sum``).
    params : ConvParams
        The settings, as for :func:`convcli.engine.correlate_normalized`.
    rule : {"each", "sum"}
    progress : callable, optional
        Called with each band's fraction of the whole work.

    Returns
    -------
    numpy.ndarray
        ``(*output, F)`` under ``sum``; ``(*output, C * F)`` channel-major under ``each``.

    Examples
    --------
    >>> import numpy as np
    >>> planes = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))])
    >>> filter_bank(planes, [np.ones((2, 2)), -np.ones((2, 2))], ConvParams.build(2),
    ...             rule="sum")[0, 0].tolist()
    [12.0, -12.0]
    """
    n_channels = planes.shape[0]
    sliding = planes.ndim - 1
    dtype = planes.dtype
    kernel_shape = kernels[0].shape[:sliding]
    pads, out_shape = conv_geometry(
        planes.shape[1:],
        kernel_shape,
        stride=params.stride,
        dilation=params.dilation,
        padding=params.padding,
    )
    check_work_size(planes.shape[1:], pads)
    check_pad_value(params.pad_value, dtype)
    padded = pad_input(planes, ((0, 0), *pads), params.pad_mode, params.pad_value)

    # (F, C, *kernel): per-channel planes moved first, shared weights repeated per channel.
    flip = (slice(None, None, -1),) * sliding if params.flip else (slice(None),) * sliding
    stacked = np.stack(
        [
            np.moveaxis(k, -1, 0)[(slice(None), *flip)]
            if k.ndim == sliding + 1
            else np.broadcast_to(k[flip], (n_channels, *kernel_shape))
            for k in kernels
        ]
    ).astype(dtype, copy=False)
    n_filters = len(kernels)
    groups = (
        [(slice(0, n_channels), stacked)]
        if rule == "sum"
        else [(slice(c, c + 1), stacked[:, :1]) for c in range(n_channels)]
    )
    out = np.empty((*out_shape, n_filters * (1 if rule == "sum" else n_channels)), dtype=dtype)
    row_size = max(1, math.prod(out_shape[1:]) * stacked[0].size)
    rows = max(1, BANK_BAND_ELEMENTS // row_size)
    k0, s0, d0 = kernel_shape[0], params.stride[0], params.dilation[0]
    jobs = [
        (g, first, min(out_shape[0], first + rows))
        for g in range(len(groups))
        for first in range(0, out_shape[0], rows)
    ]
    weights = [np.ascontiguousarray(w) for _, w in groups]

    def run(g: int, first: int, last: int) -> None:
        source = padded[groups[g][0], first * s0 : (last - 1) * s0 + dilated_span(k0, d0)]
        target = out[first:last, ..., g * n_filters : (g + 1) * n_filters]
        correlate_bank(
            source, weights[g], stride=params.stride, dilation=params.dilation, out=target
        )

    threads = python_threads(len(jobs))
    total = out_shape[0] * len(groups)
    # A few bands per thread at a time; progress is reported from this thread between.
    step = 4 * threads
    for start in range(0, len(jobs), step):
        batch = jobs[start : start + step]

        def share(index: int, shares: int, batch: list[tuple[int, int, int]] = batch) -> None:
            with np.errstate(over="ignore", invalid="ignore"):  # the caller checks overflow
                for job in batch[index::shares]:
                    run(*job)

        run_shares(share, threads)
        if progress is not None:
            progress(sum(last - first for _, first, last in batch) / total)
    return out
