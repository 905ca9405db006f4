"""Size and padding arithmetic, the one place for it (Keras/TensorFlow conventions).

The engine, ``convcli shape`` and ``convcli explain`` all ask this module how large an
output is and how much padding goes on each side, so they cannot disagree. It is pure
Python: ``convcli shape`` must not need NumPy.

Conventions, per sliding axis with input length ``n``, kernel length ``k``, stride ``s``
and dilation ``d`` (the dilated kernel spans ``(k - 1) * d + 1`` cells):

* ``valid``: no padding.
* ``same``: output ``ceil(n / s)``; total padding
  ``max((out - 1) * s + (k - 1) * d + 1 - n, 0)``, the smaller half before.
* ``full``: ``(k - 1) * d`` on both sides.
* ``causal`` (one axis only): ``(k - 1) * d`` before, nothing after.
* explicit ``(before, after)`` pairs, one per axis.

The output length is then ``(n + before + after - span) // s + 1``.

Examples
--------
>>> resolve_padding((6,), (4,), stride=(1,), dilation=(1,), padding="same")
((1, 2),)
>>> conv_output_shape((6,), (3,), stride=(2,), dilation=(1,), padding="same")
(3,)
>>> conv_output_shape((28, 28), (3, 3), stride=(1, 1), dilation=(1, 1), padding="valid")
(26, 26)
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

from convcli.errors import GeometryError, ParameterError

PADDING_MODES = ("valid", "same", "full", "causal")

Pair = tuple[int, int]
# A padding rule: a mode name, or one explicit (before, after) pair per axis.
Padding = str | tuple[Pair, ...]
# Explicit padding as the API accepts it: N for every side, one N per axis, or pairs.
ExplicitPadding = int | Sequence[int] | Sequence[Sequence[int]]


def dilated_span(kernel_length: int, dilation: int) -> int:
    """Number of input cells a dilated kernel covers.

    Examples
    --------
    >>> dilated_span(3, 2)
    5
    """
    return (kernel_length - 1) * dilation + 1


def same_padding(length: int, kernel_length: int, stride: int, dilation: int) -> Pair:
    """Keras/TensorFlow 'same' padding for one axis: the smaller half goes before.

    Examples
    --------
    >>> same_padding(6, 3, 2, 1)   # output 3; total pad 1: none before, 1 after
    (0, 1)
    >>> same_padding(7, 3, 2, 1)
    (1, 1)
    """
    out = -(-length // stride)
    total = max((out - 1) * stride + dilated_span(kernel_length, dilation) - length, 0)
    return total // 2, total - total // 2


def axes_count(ndim: int) -> str:
    """``"1 axis"``, ``"2 axes"``.

    Examples
    --------
    >>> axes_count(1), axes_count(3)
    ('1 axis', '3 axes')
    """
    return f"{ndim} axis" if ndim == 1 else f"{ndim} axes"


def value_choices(ndim: int) -> str:
    """How many per-axis values are allowed: ``"1 value"`` or ``"1 or 2 values"``.

    Examples
    --------
    >>> value_choices(1), value_choices(2)
    ('1 value', '1 or 2 values')
    """
    return "1 value" if ndim == 1 else f"1 or {ndim} values"


def int_items(values: object, *, name: str) -> tuple[int, ...]:
    """A whole number or an iterable of them as a tuple of ints; anything else is an error.

    NumPy integers count; booleans and floats do not.

    Examples
    --------
    >>> int_items(2, name="stride")
    (2,)
    >>> int_items([1.5], name="stride")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: stride must be whole numbers; got [1.5]
    """
    items = (
        list(values) if isinstance(values, Iterable) and not isinstance(values, str) else [values]
    )
    if not items or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in items):
        raise ParameterError(f"{name} must be whole numbers; got {values!r}")
    return tuple(int(v) for v in items)  # type: ignore[arg-type]


def explicit_padding(padding: ExplicitPadding, *, ndim: int) -> tuple[Pair, ...]:
    """One ``(before, after)`` pair per axis from ``N``, one ``N`` per axis, or pairs.

    A single value or pair applies to every axis.

    Examples
    --------
    >>> explicit_padding(1, ndim=2)
    ((1, 1), (1, 1))
    >>> explicit_padding([1, (2, 0)], ndim=2)
    ((1, 1), (2, 0))
    """
    if isinstance(padding, Iterable):
        items: list[object] = list(padding)
    else:
        items = [padding]
    pairs: list[Pair] = []
    for item in items:
        values = int_items(item, name="padding")
        if len(values) == 1:
            values = values * 2
        if len(values) != 2:
            raise ParameterError(f"explicit padding pairs are (before, after); got {item!r}")
        pairs.append((values[0], values[1]))
    if len(pairs) == 1:
        pairs = pairs * ndim
    if len(pairs) != ndim:
        text = ",".join(str(b) if b == a else f"{b}:{a}" for b, a in pairs)
        raise ParameterError(
            f"padding '{text}' has {len(pairs)} axes but the kernel slides along "
            f"{axes_count(ndim)}; give {value_choices(ndim)}"
        )
    for axis, (before, after) in enumerate(pairs):
        if before < 0 or after < 0:
            raise ParameterError(
                f"padding must not be negative; got {before}:{after} on axis {axis}"
            )
    return tuple(pairs)


def _check_axes(name: str, values: Sequence[int], ndim: int) -> None:
    if len(values) != ndim:
        raise ParameterError(
            f"{name} needs one value per sliding axis ({ndim}); "
            f"got {len(values)}: {','.join(map(str, values))}"
        )


def resolve_padding(
    input_size: Sequence[int],
    kernel_size: Sequence[int],
    *,
    stride: Sequence[int],
    dilation: Sequence[int],
    padding: Padding | ExplicitPadding,
) -> tuple[Pair, ...]:
    """Padding ``(before, after)`` on each sliding axis for a padding rule.

    Parameters
    ----------
    input_size, kernel_size, stride, dilation : sequence of int
        One value per sliding axis.
    padding : str, int or sequence
        ``"valid"``, ``"same"``, ``"full"``, ``"causal"``, or explicit padding as
        :func:`explicit_padding` takes it.

    Raises
    ------
    ParameterError
        For an unknown mode, causal on more than one axis, negative or mismatched pairs.

    Examples
    --------
    >>> resolve_padding((8, 8), (3, 3), stride=(1, 1), dilation=(1, 1), padding="full")
    ((2, 2), (2, 2))
    >>> resolve_padding((6,), (3,), stride=(1,), dilation=(2,), padding="causal")
    ((4, 0),)
    """
    ndim = len(input_size)
    for name, values in (("kernel size", kernel_size), ("stride", stride), ("dilation", dilation)):
        _check_axes(name, values, ndim)
    if isinstance(padding, str):
        if padding == "valid":
            return tuple((0, 0) for _ in range(ndim))
        if padding == "same":
            return tuple(
                same_padding(n, k, s, d)
                for n, k, s, d in zip(input_size, kernel_size, stride, dilation, strict=True)
            )
        if padding == "full":
            return tuple(
                (dilated_span(k, d) - 1, dilated_span(k, d) - 1)
                for k, d in zip(kernel_size, dilation, strict=True)
            )
        if padding == "causal":
            if ndim != 1:
                raise ParameterError(
                    f"padding 'causal' works on one sliding axis only (Conv1D); "
                    f"this kernel slides along {ndim} axes: use 'same', 'valid' or "
                    "explicit before:after padding"
                )
            return ((dilated_span(kernel_size[0], dilation[0]) - 1, 0),)
        raise ParameterError(
            f"padding must be one of {', '.join(PADDING_MODES)} or explicit numbers; "
            f"got '{padding}'"
        )
    return explicit_padding(padding, ndim=ndim)


def conv_geometry(
    input_size: Sequence[int],
    kernel_size: Sequence[int],
    *,
    stride: Sequence[int],
    dilation: Sequence[int],
    padding: Padding | ExplicitPadding,
) -> tuple[tuple[Pair, ...], tuple[int, ...]]:
    """Padding per axis and output size per axis; raises when an axis would be empty.

    Raises
    ------
    ParameterError
        For a stride or dilation below 1, or a bad padding rule.
    GeometryError
        When the (dilated) kernel is larger than the padded input on some axis.

    Examples
    --------
    >>> conv_geometry((8,), (4,), stride=(1,), dilation=(1,), padding="same")
    (((1, 2),), (8,))
    >>> conv_geometry((2,), (3,), stride=(1,), dilation=(1,), padding="valid")
    Traceback (most recent call last):
    ...
    convcli.errors.GeometryError: kernel 3 is larger than the input 2 on axis 0, so ...
    """
    for name, values in (("stride", stride), ("dilation", dilation)):
        bad = [v for v in values if v < 1]
        if bad:
            raise ParameterError(
                f"{name} must be a positive integer per axis; got {','.join(map(str, values))}"
            )
    if any(k < 1 for k in kernel_size):
        raise GeometryError(f"kernel has an empty axis: shape {tuple(kernel_size)}")
    pads = resolve_padding(
        input_size, kernel_size, stride=stride, dilation=dilation, padding=padding
    )
    shape = []
    for axis, (n, k, s, d, (before, after)) in enumerate(
        zip(input_size, kernel_size, stride, dilation, pads, strict=True)
    ):
        span = dilated_span(k, d)
        padded = n + before + after
        if span > padded:
            spread = f" (dilated to {span})" if d > 1 else ""
            padded_text = f"the padded input {padded}" if before or after else f"the input {n}"
            raise GeometryError(
                f"kernel {k}{spread} is larger than {padded_text} on axis {axis}, so the "
                f"output would be empty; use a smaller kernel or padding 'same'/'full'"
            )
        shape.append((padded - span) // s + 1)
    return pads, tuple(shape)


def conv_output_shape(
    input_size: Sequence[int],
    kernel_size: Sequence[int],
    *,
    stride: Sequence[int],
    dilation: Sequence[int],
    padding: Padding | ExplicitPadding,
) -> tuple[int, ...]:
    """Output size along each sliding axis (see :func:`conv_geometry`).

    Examples
    --------
    >>> conv_output_shape((8,), (3,), stride=(1,), dilation=(1,), padding="valid")
    (6,)
    """
    return conv_geometry(
        input_size, kernel_size, stride=stride, dilation=dilation, padding=padding
    )[1]


def transposed_geometry(
    length: int,
    kernel_length: int,
    stride: int,
    dilation: int,
    padding: str,
    output_padding: int | None = None,
) -> tuple[Pair, int]:
    """Padding and output length of one axis of a Keras transposed convolution.

    A transposed convolution spreads the input out by the stride (``stride - 1`` zeros
    between cells, ``(length - 1) * stride + 1`` cells), pads that, and correlates it
    with the kernel at stride 1. The padding is the one Keras' JAX backend applies
    (``_convert_conv_transpose_padding_args_from_keras_to_jax``); the output length
    is Keras' ``compute_conv_transpose_output_shape``. With ``K = (k - 1) * d + 1``:

    * ``valid``: ``(n - 1) * s + max(K, s)``, or ``(n - 1) * s + K + p`` with
      ``output_padding`` p;
    * ``same``: ``n * s``, or ``(n - 1) * s + K % 2 + p``.

    The output may be 0 (``same`` with an even K, p = 0 and n = 1); callers refuse it.

    Examples
    --------
    >>> transposed_geometry(7, 3, 2, 1, "same")      # output n*s; the larger half before
    ((2, 1), 14)
    >>> transposed_geometry(5, 3, 1, 1, "valid")     # stride 1 'valid' is a 'full' correlation
    ((2, 2), 7)
    >>> transposed_geometry(4, 2, 3, 1, "valid", output_padding=2)
    ((1, 3), 13)
    """
    span = dilated_span(kernel_length, dilation)
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        before, after = span - 1, span - 1 + extra
    elif padding == "same":
        # Without output_padding Keras aims for n*s; with it, for (n-1)*s + K%2 + p.
        if output_padding is None:
            total = stride + span - 2
        else:
            total = span + span % 2 - 2 + output_padding
        before = min(total // 2 + total % 2, span - 1)
        after = total - before
    else:
        raise ParameterError(f"a transposed convolution pads 'valid' or 'same'; got '{padding}'")
    spread = (length - 1) * stride + 1
    return (before, after), spread + before + after - span + 1


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


def has_channels_axis(shape: tuple[int, ...], sliding: int) -> bool:
    """Whether an input has a channels axis; a GeometryError if its rank fits neither way.

    Examples
    --------
    >>> has_channels_axis((8, 8, 3), 2), has_channels_axis((8, 8), 2)
    (True, False)
    """
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
        f"input has {axes_count(len(shape))} {shape} but a {sliding}-D kernel needs "
        f"{sliding} (one channel) or {sliding + 1} (channels last){hint}"
    )


def shape_text(shape: Sequence[int]) -> str:
    """A shape as Python prints a tuple of ints: ``(6, 6)``, ``(8,)``.

    Examples
    --------
    >>> shape_text([6, 6]), shape_text((8,))
    ('(6, 6)', '(8,)')
    """
    return str(tuple(int(n) for n in shape))


def per_axis_text(values: Sequence[int]) -> str:
    """One value per axis as the options take them: ``1,2``.

    Examples
    --------
    >>> per_axis_text((1, 2))
    '1,2'
    """
    return ",".join(str(v) for v in values)


def pads_text(pads: Sequence[Pair]) -> str:
    """Padding ``before:after`` per axis, as ``-p`` takes it: ``1:1,0:2``.

    Examples
    --------
    >>> pads_text(((1, 1), (0, 2)))
    '1:1,0:2'
    """
    return ",".join(f"{before}:{after}" for before, after in pads)
