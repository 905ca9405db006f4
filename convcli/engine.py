"""N-dimensional cross-correlation in NumPy: pad once, then shift and add.

:func:`correlate` is the engine's public entry (scripts, ``convcli.correlate``);
:func:`correlate_normalized` is the same work on validated settings, which
:func:`convcli.layer.apply_filters` (and so ``convcli apply``) calls per channel.
It pads the input once (``numpy.pad``), then, for each non-zero kernel tap, adds the
tap's weight times a strided view of the padded input to the output. Only the strided
outputs are ever computed, and memory stays at input + padded copy + output + one
scratch array.

Pad modes (``|`` marks the edge of the input ``a b c d``)::

    zeros       0 0 | a b c d | 0 0
    constant    v v | a b c d | v v       (v = pad_value)
    reflect     c b | a b c d | c b       (no edge repeat; numpy/torch "reflect")
    symmetric   b a | a b c d | d c       (edge repeated)
    edge        a a | a b c d | d d
    wrap        c d | a b c d | a b
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np

from convcli.errors import GeometryError, ParameterError, RangeError
from convcli.params import DTYPES, ConvParams, IntsArg, PaddingArg, choice
from convcli.shapes import axes_count, conv_geometry

# convcli's pad-mode names -> numpy.pad's.
_NUMPY_PAD_MODES = {
    "zeros": "constant",
    "constant": "constant",
    "reflect": "reflect",
    "symmetric": "symmetric",
    "edge": "edge",
    "wrap": "wrap",
}


def pad_input(
    x: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str, value: float = 0.0
) -> np.ndarray:
    """Pad ``x`` by ``(before, after)`` per axis with a convcli pad mode.

    Examples
    --------
    >>> import numpy as np
    >>> pad_input(np.array([1.0, 2, 3]), ((2, 2),), "reflect").tolist()
    [3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]
    >>> pad_input(np.array([1.0, 2, 3]), ((1, 1),), "constant", 9).tolist()
    [9.0, 1.0, 2.0, 3.0, 9.0]
    """
    if not any(before or after for before, after in pads):
        return x
    numpy_mode = _NUMPY_PAD_MODES[mode]
    if numpy_mode == "constant":
        fill = value if mode == "constant" else 0.0
        return np.pad(x, pads, mode="constant", constant_values=fill)
    padded: np.ndarray = np.pad(x, pads, mode=numpy_mode)  # type: ignore[call-overload]
    return padded


def dtype_name(dtype: object) -> str:
    """``"float32"`` or ``"float64"`` from a name or a NumPy type; else a ParameterError.

    Examples
    --------
    >>> import numpy as np
    >>> dtype_name(np.float64)
    'float64'
    """
    if not isinstance(dtype, str):
        with contextlib.suppress(TypeError):
            dtype = np.dtype(dtype).name  # type: ignore[call-overload]
    return choice(str(dtype), DTYPES, name="dtype")


def as_float_array(value: Any, *, name: str, dtype: str) -> np.ndarray:
    """``value`` as a non-empty array of ``dtype``; a clear error for anything else.

    Examples
    --------
    >>> as_float_array([[1, 2], [3]], name="input", dtype="float32")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: input must be a rectangular array of numbers; ...
    """
    try:
        array = np.asarray(value)
    except ValueError as exc:
        raise ParameterError(f"{name} must be a rectangular array of numbers; {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ParameterError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if 0 in array.shape:
        raise GeometryError(f"{name} has an empty axis: shape {array.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        cast = array.astype(dtype, copy=False)
    if cast is not array and array.dtype.kind == "f" and not _same_finiteness(array, cast):
        raise RangeError(
            f"{name} holds values beyond the range of {dtype} (about "
            f"{float(np.finfo(dtype).max):.2g}); use --dtype float64"
        )
    return cast


def _same_finiteness(before: np.ndarray, after: np.ndarray) -> bool:
    return bool(np.array_equal(np.isfinite(before), np.isfinite(after)))


def check_finite_result(result: np.ndarray, *, inputs_finite: bool) -> None:
    """Refuse a result that overflowed to infinity from finite inputs.

    Examples
    --------
    >>> import numpy as np
    >>> check_finite_result(np.array([np.inf], dtype=np.float32), inputs_finite=True)
    Traceback (most recent call last):
    ...
    convcli.errors.RangeError: the result overflows float32 (beyond about 3.4e+38); ...
    """
    if inputs_finite and not np.isfinite(result).all():
        raise RangeError(
            f"the result overflows {result.dtype} (beyond about "
            f"{float(np.finfo(result.dtype).max):.2g}); use --dtype float64 or smaller weights"
        )


def axes_text(shape: tuple[int, ...]) -> str:
    """``"1 axis (5,)"`` / ``"2 axes (6, 7)"``.

    Examples
    --------
    >>> axes_text((5,))
    '1 axis (5,)'
    """
    return f"{axes_count(len(shape))} {shape}"


def correlate(
    x: Any,
    kernel: Any,
    *,
    stride: IntsArg = 1,
    padding: PaddingArg = "valid",
    pad_mode: str = "zeros",
    pad_value: float = 0.0,
    dilation: IntsArg = 1,
    flip: bool = False,
    dtype: str = "float32",
) -> np.ndarray:
    """Cross-correlate ``x`` with ``kernel`` (1-D, 2-D or 3-D, no channels axis).

    Parameters
    ----------
    x : array_like
        The input, with as many axes as the kernel.
    kernel : array_like
        The weights; they slide along every axis of ``x``.
    stride, dilation : int or sequence of int
        One value for every axis, or one per axis.
    padding : str, int or sequence
        ``"valid"``, ``"same"`` (Keras/TensorFlow split), ``"full"``, ``"causal"``
        (1-D only), ``N`` for every side, one int per axis, or ``(before, after)``
        pairs per axis.
    pad_mode : str
        ``zeros``, ``constant`` (with ``pad_value``), ``reflect``, ``symmetric``,
        ``edge`` or ``wrap``.
    pad_value : float
        The fill for ``pad_mode="constant"``.
    flip : bool
        True convolution: reverse the kernel on every axis first.
    dtype : {"float32", "float64"}
        Arithmetic and result type (``convcli apply``'s ``--dtype``).

    Returns
    -------
    numpy.ndarray
        A new array of ``dtype``, shaped as :func:`convcli.shapes.conv_output_shape`.

    Raises
    ------
    ConvcliError
        A ``ValueError`` subclass whose message is the CLI's, for bad settings or
        geometry.

    Examples
    --------
    >>> correlate([1, 2, 3, 4, 5, 6], [1, 10, 100]).tolist()
    [321.0, 432.0, 543.0, 654.0]
    >>> correlate([1, 2, 3, 4, 5, 6], [1, 10, 100], padding="same", stride=2).tolist()
    [321.0, 543.0, 65.0]
    >>> correlate([1, 2, 3, 4, 5, 6], [1, 10, 100], flip=True).tolist()
    [123.0, 234.0, 345.0, 456.0]
    """
    dt = dtype_name(dtype)
    data = as_float_array(x, name="input", dtype=dt)
    weights = as_float_array(kernel, name="kernel", dtype=dt)
    if not 1 <= weights.ndim <= 3:
        raise GeometryError(f"a kernel must have 1, 2 or 3 axes; got shape {weights.shape}")
    if data.ndim != weights.ndim:
        raise GeometryError(
            f"input has {axes_text(data.shape)} but the kernel has {weights.ndim} "
            f"{weights.shape}; correlate() takes arrays without a channels axis"
        )
    params = ConvParams.build(
        weights.ndim,
        stride=stride,
        padding=padding,
        pad_mode=pad_mode,
        pad_value=pad_value,
        dilation=dilation,
        flip=flip,
    )
    return correlate_normalized(data, weights, params)


# The largest padded input convcli will build (8 GiB of float32): past this, padding is
# a typo, and NumPy would fail with an allocation error or an integer overflow.
MAX_PADDED_ELEMENTS = 2**31


def check_work_size(shape: tuple[int, ...], pads: tuple[tuple[int, int], ...]) -> None:
    """Refuse a padding that would make an absurdly large padded input.

    Examples
    --------
    >>> check_work_size((3, 3), ((50000, 50000), (50000, 50000)))
    Traceback (most recent call last):
    ...
    convcli.errors.GeometryError: padding 50000:50000,50000:50000 makes the padded input ...
    """
    padded = tuple(n + b + a for n, (b, a) in zip(shape, pads, strict=True))
    if math.prod(padded) > MAX_PADDED_ELEMENTS:
        text = ",".join(f"{b}:{a}" for b, a in pads)
        raise GeometryError(
            f"padding {text} makes the padded input {padded}, "
            f"{math.prod(padded):.3g} values: more than convcli handles "
            f"({MAX_PADDED_ELEMENTS:.3g}); use a smaller padding or dilation"
        )


def correlate_normalized(x: np.ndarray, kernel: np.ndarray, params: ConvParams) -> np.ndarray:
    """The engine proper, on validated float arrays and normalised settings.

    ``x`` and ``kernel`` share ndim and dtype; the result has that dtype.
    """
    pads, out_shape = conv_geometry(
        x.shape,
        kernel.shape,
        stride=params.stride,
        dilation=params.dilation,
        padding=params.padding,
    )
    check_work_size(x.shape, pads)
    if abs(params.pad_value) > float(np.finfo(x.dtype).max):
        raise RangeError(
            f"pad value {params.pad_value:g} is beyond the range of {x.dtype}; use --dtype float64"
        )
    padded = pad_input(x, pads, params.pad_mode, params.pad_value)
    weights = kernel[(slice(None, None, -1),) * kernel.ndim] if params.flip else kernel

    out = np.zeros(out_shape, dtype=x.dtype)
    scratch = np.empty(out_shape, dtype=x.dtype)
    # Zero taps add nothing (line detectors are mostly zeros), unless the input holds
    # NaN or inf, where 0 * inf must still give NaN.
    skip_zeros = bool(np.isfinite(x).all())
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked once, below
        _accumulate(out, scratch, padded, weights, params, skip_zeros)
    check_finite_result(out, inputs_finite=skip_zeros and bool(np.isfinite(weights).all()))
    return out


def _accumulate(
    out: np.ndarray,
    scratch: np.ndarray,
    padded: np.ndarray,
    weights: np.ndarray,
    params: ConvParams,
    skip_zeros: bool,
) -> None:
    """Add each tap's weight times its strided window of ``padded`` into ``out``."""
    out_shape = out.shape
    for tap in np.ndindex(*weights.shape):
        weight = weights[tap]
        if weight == 0 and skip_zeros:
            continue
        window = padded[
            tuple(
                slice(t * d, t * d + (n - 1) * s + 1, s)
                for t, d, n, s in zip(tap, params.dilation, out_shape, params.stride, strict=True)
            )
        ]
        if weight == 1:
            np.add(out, window, out=out)
        else:
            np.multiply(window, weight, out=scratch)
            np.add(out, scratch, out=out)
