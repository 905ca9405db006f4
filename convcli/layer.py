"""A bank of filters over a channels-last input: Keras' Conv and DepthwiseConv rules.

:func:`apply_filters` decides which axes slide and which is the channels axis, runs
:func:`convcli.engine.correlate_normalized` for every (filter, channel) pair, adds the
bias, applies the activation and lays the maps out as the contract's "Output shape"
says, returning a :class:`~convcli.featuremaps.FeatureMaps`.

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

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from convcli.engine import (
    as_float_array,
    axes_text,
    check_finite_result,
    correlate_normalized,
    dtype_name,
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


def sliding_ndim(input_shape: tuple[int, ...], kernel_shape: tuple[int, ...], channels: str) -> int:
    """How many axes a kernel slides along on an input, under a channel rule.

    Examples
    --------
    >>> sliding_ndim((8, 8, 3), (3, 3), "each")
    2
    >>> sliding_ndim((8, 8, 3), (3, 3, 3), "sum")   # per-channel weights
    2
    >>> sliding_ndim((8, 8, 3), (3, 3, 3), "each")  # a 3-D kernel over a volume
    3
    """
    ndim = len(kernel_shape)
    per_channel = (
        channels == "sum"
        and ndim >= 2
        and len(input_shape) == ndim
        and kernel_shape[-1] == input_shape[-1]
    )
    return ndim - 1 if per_channel else ndim


def _check_input_rank(shape: tuple[int, ...], sliding: int) -> bool:
    """Return whether the input has a channels axis; raise if its rank fits neither way."""
    if len(shape) == sliding:
        return False
    if len(shape) == sliding + 1:
        return True
    fits = [n for n in (len(shape) - 1, len(shape)) if 1 <= n <= 3]
    hint = (
        f"; use a {' or '.join(map(str, fits))}-D kernel (presets with an ndim parameter "
        f"take one, e.g. gaussian:ndim={fits[-1]})"
        if fits
        else ""
    )
    raise GeometryError(
        f"input has {axes_text(shape)} but a {sliding}-D kernel needs "
        f"{sliding} (one channel) or {sliding + 1} (channels last){hint}"
    )


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
    has_channels = _check_input_rank(data.shape, sliding)
    input_finite = bool(np.isfinite(data).all())  # once: overflow checks need it per map
    planes = np.moveaxis(data, -1, 0) if has_channels else data[np.newaxis]

    biases = _bias_values(bias)
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
    n_maps = len(weights) * (len(planes) if rule == "each" else 1)

    def run(plane: np.ndarray, w: np.ndarray) -> np.ndarray:
        result = correlate_normalized(plane, w, params)
        if progress is not None and rule == "each":
            progress(1 / n_maps)
        return result

    per_filter: list[list[np.ndarray]] = []  # [filter][channel] maps, sliding axes only
    for w, b in zip(weights, biases, strict=True):
        if rule == "each":
            maps = [run(plane, w) for plane in planes]
        else:
            # Per-channel weights, or the same weights for every channel.
            stacked = w if w.ndim == sliding + 1 else w[..., np.newaxis]
            maps = [sum_maps(planes, stacked, params)]
            if progress is not None:
                progress(1 / n_maps)
        with np.errstate(over="ignore"):
            activated = [act(m + b) if b else act(m) for m in maps]
        for m in activated:
            check_finite_result(m, inputs_finite=input_finite)
        per_filter.append(activated)

    shapes = [maps[0].shape for maps in per_filter]  # in the order the filters were given
    if len(set(shapes)) > 1:
        raise GeometryError(
            "the filters give feature maps of different shapes ("
            + ", ".join(str(shape) for shape in shapes)
            + "); use kernels of one size, or padding 'same'"
        )

    n_filters = len(weights)
    kept = len(per_filter[0])
    # Channel-major: index c * filters + f.
    stack = [per_filter[f][c] for c in range(kept) for f in range(n_filters)]
    # One filter over an input without channels gives just the sliding axes.
    drop_last = n_filters == 1 and not has_channels
    out = stack[0] if drop_last else np.stack(stack, axis=-1)
    names = tuple(labels) if labels is not None else tuple(str(i) for i in range(n_filters))
    return FeatureMaps(
        data=np.ascontiguousarray(out, dtype=dt),
        sliding_ndim=sliding,
        channels=kept,
        filters=n_filters,
        labels=names,
    )


def _bias_values(bias: object) -> tuple[float, ...]:
    """One or more finite numbers, else a ParameterError naming what was given."""
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


def sum_maps(planes: np.ndarray, kernel: np.ndarray, params: ConvParams) -> np.ndarray:
    """Correlate channel ``c`` with ``kernel[..., c]`` (or the one plane) and sum over c."""

    def plane_weights(c: int) -> np.ndarray:
        return np.ascontiguousarray(kernel[..., c] if kernel.shape[-1] > 1 else kernel[..., 0])

    total = correlate_normalized(planes[0], plane_weights(0), params)
    for c in range(1, len(planes)):
        np.add(total, correlate_normalized(planes[c], plane_weights(c), params), out=total)
    return total
