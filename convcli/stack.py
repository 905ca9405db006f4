"""Output shapes, paddings and parameter counts of a Keras layer stack, without Keras.

:func:`stack_shapes` runs an input shape through layers written in Keras' own words
(``"Conv2D(32, 3, activation='relu')"``, parsed by :mod:`convcli.layerspec`) and
reports, per layer, what Keras 3's ``model.summary()`` reports: the output shape and
the parameter count, plus the padding each sliding axis gets and short notes where
the arithmetic surprises ("same" that does not keep the size, uneven padding, input
cells a stride never reads). Convolution and pooling windows go through
:func:`convcli.shapes.conv_geometry`, the function the engine pads with, so
``convcli shape`` and ``convcli apply`` cannot disagree.

Conventions (Keras', channels last):

* Shapes leave out the batch axis; ``None`` is a length known only at run time.
* Messages number axes as Keras does, with the batch as axis 0: in ``(28, 28, 1)``
  the rows are axis 1 and the columns axis 2.
* ``'valid'``: output ``floor((n - (k-1)*d - 1)/s) + 1``, no padding.
* ``'same'``: output ``ceil(n/s)``; total padding ``max((ceil(n/s)-1)*s + (k-1)*d + 1 - n, 0)``,
  the smaller half before (TensorFlow's split).
* ``'causal'`` (Conv1D only): ``(k-1)*d`` before, nothing after.
* Transposed convolutions: output ``(n-1)*s + max(K, s)`` ('valid') or ``n*s``
  ('same'), or with ``output_padding`` p: ``(n-1)*s + K + p`` / ``(n-1)*s + K%2 + p``,
  where ``K = (k-1)*d + 1``; the padding shown is the one applied to the input after
  it is spread out by the stride, as Keras' JAX backend pads it.
* Dropout, noise and activation layers keep the shape and own no weights;
  BatchNormalization owns 4 per channel (gamma, beta, moving mean and variance: Keras'
  total counts the two non-trainable ones too), LayerNormalization 2 per normalized value.

Pure Python: no NumPy, so ``convcli shape`` starts fast.

Examples
--------
>>> stack = stack_shapes((28, 28, 1), ["Conv2D(32, 3, activation='relu')",
...                                    "MaxPooling2D(2)", "Flatten()", "Dense(10)"])
>>> for layer in stack.layers:
...     print(layer.name, layer.output_shape, layer.params)
Conv2D (26, 26, 32) 320
MaxPooling2D (13, 13, 32) 0
Flatten (5408,) 0
Dense (10,) 54090
>>> stack.total_params
54410
>>> stack_shapes((6, 1), ["Conv1D(1, 3, strides=2, padding='same')"]).layers[0].padding
((0, 1),)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, NoReturn, cast

from convcli.errors import GeometryError, ParameterError
from convcli.layerspec import ALIASES, LAYER_NAMES, SIGNATURES, LayerCall, closest, parse_layer
from convcli.shapes import (
    Pair,
    conv_geometry,
    dilated_span,
    resolve_padding,
    transposed_geometry,
)

__all__ = ["ALIASES", "LAYER_NAMES", "LayerShape", "StackShape", "stack_shapes", "window_notes"]

Dim = int | None
Shape = tuple[Dim, ...]


@dataclass(frozen=True)
class LayerShape:
    """One layer's place in the stack and what comes out of it.

    Attributes
    ----------
    position : int
        1-based position in the stack.
    text : str
        The layer as the user wrote it (stripped).
    name : str
        Keras class name in its canonical spelling (``MaxPool2D`` gives ``MaxPooling2D``).
    output_shape : tuple of int or None
        Without the batch axis; ``None`` where the length is known only at run time.
    padding : tuple of (int, int)
        ``(before, after)`` per sliding axis; ``()`` for layers that do not slide.
    params : int
        As Keras' ``model.summary()`` counts them (trainable or not).
    notes : tuple of str
        Short remarks on surprising arithmetic; may be empty.
    """

    position: int
    text: str
    name: str
    output_shape: tuple[int | None, ...]
    padding: tuple[tuple[int, int], ...]
    params: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class StackShape:
    """A whole stack: its input, every layer, the final output and the parameter total."""

    input_shape: tuple[int, ...]
    layers: tuple[LayerShape, ...]
    output_shape: tuple[int | None, ...]
    total_params: int


# Internal records are NamedTuples: a frozen dataclass costs milliseconds at import.
class _Result(NamedTuple):
    output_shape: Shape
    padding: tuple[Pair, ...] = ()
    params: int = 0
    notes: tuple[str, ...] = ()


def stack_shapes(input_shape: Sequence[int], layers: Sequence[str]) -> StackShape:
    """Shapes, paddings and parameter counts of ``layers`` applied in turn to ``input_shape``.

    Parameters
    ----------
    input_shape : sequence of int
        The input without the batch axis, channels last (``(28, 28, 1)``). Python
        callers may also put ``None`` for a length known only at run time, as in
        ``keras.Input((None, 3))``; it then stays ``None`` where Keras keeps it unknown.
    layers : sequence of str
        Keras layer calls, e.g. ``"Conv2D(64, (3,3), strides=2, padding='same')"``.

    Raises
    ------
    ParameterError
        For a bad input shape, or a layer text that is not a supported Keras layer
        with arguments Keras accepts (named by position and text).
    GeometryError
        When a layer cannot take what comes in: the wrong number of axes, an output
        axis of 0 or less, channels that groups do not divide, an unknown size where
        weights need it.

    Examples
    --------
    >>> stack = stack_shapes((8, 1), ["Conv1D(1, 3, input_shape=(8, 1))"])
    >>> stack.output_shape, stack.total_params
    ((6, 1), 4)
    >>> stack_shapes((2, 2, 32), ["Conv2D(64, 3, strides=2)"])
    Traceback (most recent call last):
    ...
    convcli.errors.GeometryError: layer 1 Conv2D(64, 3, strides=2): axis 1 output size ...
    """
    start = _check_input_shape(input_shape)
    shape = start
    results = []
    for position, text in enumerate(layers, start=1):
        call = parse_layer(text, position)
        result = _KINDS[call.signature.kind](call, shape)
        notes = (*_input_shape_notes(call, shape), *result.notes)
        results.append(
            LayerShape(
                position=position,
                text=call.text,
                name=call.name,
                output_shape=result.output_shape,
                padding=result.padding,
                params=result.params,
                notes=notes,
            )
        )
        shape = result.output_shape
    return StackShape(
        input_shape=cast(tuple[int, ...], start),  # None entries only from Python callers
        layers=tuple(results),
        output_shape=shape,
        total_params=sum(layer.params for layer in results),
    )


def _check_input_shape(input_shape: Sequence[int]) -> Shape:
    dims = tuple(input_shape)
    if not dims or any(
        d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 1) for d in dims
    ):
        raise ParameterError(
            "the input shape must be one or more sizes, each a positive whole number or "
            f"None (unknown), without the batch axis; got {dims!r}"
        )
    return dims


# --- small helpers --------------------------------------------------------------------


def _axes(indices: Sequence[int]) -> str:
    """``axis 1``, ``axes 1 and 2``, ``axes 1, 2 and 3`` (Keras numbering: batch is 0)."""
    names = [str(i + 1) for i in indices]
    if len(names) == 1:
        return f"axis {names[0]}"
    return f"axes {', '.join(names[:-1])} and {names[-1]}"


def _int(call: LayerCall, param: str, default: object, *, minimum: int = 1) -> int:
    value = call.args.get(param, default)
    if isinstance(value, bool) or not isinstance(value, int):
        call.fail(f"{param} must be a whole number; got {value!r}")
    if value < minimum:
        call.fail(f"{param} must be {minimum} or more; got {value}")
    return value


def _per_axis(
    call: LayerCall, param: str, default: object, rank: int, *, minimum: int = 1
) -> tuple[int, ...]:
    """An int or a tuple/list of ``rank`` ints, as Keras' ``standardize_tuple`` takes it."""
    value = call.args.get(param, default)
    items: list[object] = list(value) if isinstance(value, list | tuple) else [value] * rank
    values = tuple(v for v in items if isinstance(v, int) and not isinstance(v, bool))
    if len(values) != len(items) or len(values) != rank:
        form = "an int (or a 1-tuple)" if rank == 1 else f"an int or a tuple of {rank} ints"
        call.fail(f"{param} must be {form}, one per sliding axis; got {value!r}")
    if any(v < minimum for v in values):
        call.fail(f"{param} must be {minimum} or more on every axis; got {value!r}")
    return values


def _check_rank(call: LayerCall, shape: Shape, rank: int) -> None:
    """Sliding layers take exactly ``rank`` sliding axes plus channels (no batch axis)."""
    if len(shape) == rank + 1:
        return
    got = len(shape)
    family = call.name.replace(f"{rank}D", "{}D", 1)
    options = []
    if 1 <= got - 1 <= 3 and family.format(got - 1) in SIGNATURES:
        options.append(f"use {family.format(got - 1)} for {_LAYOUTS[got - 1]}")
    if got == rank:
        options.append(f"give the input a channels axis: {(*shape, 1)}")
    hint = f"; {' or '.join(options)}" if options else ""
    noun = "axis" if got == 1 else "axes"
    call.fail(
        f"{call.name} needs an input of {rank + 1} axes ({rank} sliding + channels, "
        f"batch left out); got {got} {noun} {shape}{hint}",
        GeometryError,
    )


_LAYOUTS = {
    1: "(steps, channels)",
    2: "(height, width, channels)",
    3: "(depth, height, width, channels)",
}


def _channels(call: LayerCall, shape: Shape) -> int:
    channels = shape[-1]
    if channels is None:
        call.fail(
            f"{call.name} needs a known channels axis (the last) to size its weights; "
            f"got None in {shape}",
            GeometryError,
        )
    return channels


def _padding_mode(call: LayerCall, modes: Sequence[str], *, fold_case: bool = True) -> str:
    value = call.args.get("padding", "valid")
    if isinstance(value, str) and (value.lower() if fold_case else value) in modes:
        return value.lower()
    if isinstance(value, str) and value.lower() == "causal":
        call.fail(
            f"padding 'causal' is for Conv1D only (one time axis); {call.name} takes "
            "'valid' or 'same'"
        )
    choices = " or ".join(f"'{m}'" for m in modes)
    if isinstance(value, str) and value.lower() in modes:
        call.fail(
            f"padding must be {choices} in lower case (Keras' pooling layers do not fold "
            f"case); got {value!r}"
        )
    if isinstance(value, list | tuple):
        hint = f"; for explicit padding put ZeroPadding{call.signature.rank}D(...) before it"
    else:
        near = closest(value, modes, n=1) if isinstance(value, str) else []
        hint = f"; closest: '{near[0]}'" if near else ""
    call.fail(f"padding must be {choices}; got {value!r}{hint}")


def _no_strides_with_dilation(
    call: LayerCall, strides: tuple[int, ...], dilation: tuple[int, ...]
) -> None:
    """Keras' Conv and ConvTranspose layers refuse both at once (Depthwise/Separable do not)."""
    if max(strides) > 1 and max(dilation) > 1:
        given_s = call.args.get("strides", 1)
        given_d = call.args.get("dilation_rate", 1)
        call.fail(
            f"{call.name} refuses strides > 1 together with dilation_rate > 1, as Keras "
            f"does; got strides={given_s!r}, dilation_rate={given_d!r}: use one of them"
        )


def _lora(call: LayerCall, rows: int, columns: int) -> int:
    """Weights LoRA adds (``lora_rank`` r: a rows x r and an r x columns matrix)."""
    rank = call.args.get("lora_rank")
    if rank is None or rank == 0:
        return 0
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        call.fail(f"lora_rank must be a positive whole number (or None); got {rank!r}")
    return rows * rank + rank * columns


def _input_shape_notes(call: LayerCall, shape: Shape) -> tuple[str, ...]:
    """Keras only uses input_shape/input_dim to start a Sequential model; here the input wins."""
    for param in ("input_shape", "input_dim"):
        if param not in call.args:
            continue
        value = call.args[param]
        given = tuple(value) if isinstance(value, list | tuple) else (value,)
        if given != shape:
            return (f"{param}={value!r} is ignored: the input here is {shape}",)
    return ()


# --- sliding windows: convolutions and pooling ----------------------------------------


class _Window(NamedTuple):
    """Per-axis window settings of a convolution or pooling layer."""

    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    mode: str
    pooling: bool = False


def _slide(
    call: LayerCall, shape: Shape, window: _Window
) -> tuple[Shape, tuple[Pair, ...], list[str]]:
    """Output lengths and padding of the sliding axes (all but the last), and notes."""
    spatial = shape[:-1]
    outs: list[Dim] = []
    pads: list[Pair] = []
    unknown_same: list[int] = []
    for axis, (n, k, s, d) in enumerate(
        zip(spatial, window.kernel, window.strides, window.dilation, strict=True)
    ):
        span = dilated_span(k, d)
        if n is None:
            outs.append(None)
            if window.mode == "same" and s > 1:
                unknown_same.append(axis)
                pads.append((0, 0))
            else:
                # 'valid', 'causal' and stride-1 'same' pad alike whatever the length.
                (pair,) = resolve_padding(
                    (span,), (k,), stride=(1,), dilation=(d,), padding=window.mode
                )
                pads.append(pair)
            continue
        if window.mode == "valid" and n < span:
            _empty_axis(call, shape, axis, window)
        (pair,), (out,) = conv_geometry((n,), (k,), stride=(s,), dilation=(d,), padding=window.mode)
        outs.append(out)
        pads.append(pair)
    notes = list(
        window_notes(spatial, window.kernel, window.strides, window.dilation, window.mode, pads)
    )
    if unknown_same:
        notes.append(
            f"{_axes(unknown_same)} of unknown length: 'same' padding is set at run time "
            "(shown as 0, 0)"
        )
    return tuple(outs), tuple(pads), notes


def _empty_axis(call: LayerCall, shape: Shape, axis: int, window: _Window) -> NoReturn:
    n = shape[axis]
    assert n is not None
    k, s, d = window.kernel[axis], window.strides[axis], window.dilation[axis]
    if window.pooling:
        out = (n - k) // s + 1
        formula = f"floor(({n} - {k})/{s}) + 1 = {out}"
    else:
        out = (n - (k - 1) * d - 1) // s + 1
        formula = f"floor(({n} - ({k}-1)*{d} - 1)/{s}) + 1 = {out}"
    call.fail(
        f"{_axes([axis])} output size would be {out}: valid: {formula}; the input is "
        f"{shape} there; padding='same' would give {-(-n // s)}",
        GeometryError,
    )


def window_notes(
    sizes: Sequence[int | None],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
    padding: object,
    pads: Sequence[Pair],
) -> tuple[str, ...]:
    """Notes on a sliding window's arithmetic, per the axes it slides along.

    'same' that pads unevenly (which side got the extra cell) or does not keep the size
    (a stride above 1), and input cells past the last window, which a stride steps
    over. ``padding`` is the rule (only ``"same"`` gets the first two kinds); ``pads``
    the ``(before, after)`` pairs applied. Axes are numbered as Keras numbers them, the
    batch being axis 0; unknown sizes (None) get no notes.

    Examples
    --------
    >>> for note in window_notes((28, 27), (3, 3), (2, 2), (1, 1), "same", ((0, 1), (1, 1))):
    ...     print(note)
    'same' pads axis 1 by 0 before, 1 after: the extra pad goes after, as TensorFlow/Keras do
    'same' keeps the size only with strides 1: axis 1 28 -> ceil(28/2) = 14, axis 2 27 -> ...
    >>> window_notes((8,), (3,), (3,), (1,), "valid", ((0, 0),))
    ('axis 1: the last 2 of 8 cells are never read (strides 3)',)
    """
    notes = []
    if padding == "same":
        uneven: dict[Pair, list[int]] = {}
        for axis, (n, pair) in enumerate(zip(sizes, pads, strict=True)):
            if n is not None and pair[0] != pair[1]:
                uneven.setdefault(pair, []).append(axis)
        for (before, after), axes in uneven.items():
            notes.append(
                f"'same' pads {_axes(axes)} by {before} before, {after} after: the extra pad "
                "goes after, as TensorFlow/Keras do"
            )
        shrunk = [
            f"{_axes([axis])} {n} -> ceil({n}/{s}) = {-(-n // s)}"
            for axis, (n, s) in enumerate(zip(sizes, strides, strict=True))
            if n is not None and -(-n // s) != n
        ]
        if shrunk:
            notes.append(f"'same' keeps the size only with strides 1: {', '.join(shrunk)}")
    for axis, (n, k, s, d, (before, after)) in enumerate(
        zip(sizes, kernel, strides, dilation, pads, strict=True)
    ):
        if n is None:
            continue
        unread = (n + before + after - dilated_span(k, d)) % s - after
        if unread > 0:
            verb = "is" if unread == 1 else "are"
            notes.append(
                f"{_axes([axis])}: the last {unread} of {n} cells {verb} never read (strides {s})"
            )
    return tuple(notes)


def _conv_window(call: LayerCall, rank: int, modes: Sequence[str]) -> _Window:
    kernel = _per_axis(call, "kernel_size", None, rank)
    strides = _per_axis(call, "strides", 1, rank)
    dilation = _per_axis(call, "dilation_rate", 1, rank)
    mode = _padding_mode(call, modes)
    return _Window(kernel, strides, dilation, mode)


def _conv(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    filters = _int(call, "filters", None)
    groups = _int(call, "groups", 1)
    if filters % groups:
        call.fail(
            f"filters {filters} must be divisible by groups {groups} (each group makes "
            f"filters/groups maps); use filters that {groups} divides",
            GeometryError,
        )
    window = _conv_window(
        call, rank, ("valid", "same", "causal") if rank == 1 else ("valid", "same")
    )
    _no_strides_with_dilation(call, window.strides, window.dilation)
    use_bias = call.args.get("use_bias", True)
    _check_rank(call, shape, rank)
    channels = _channels(call, shape)
    if channels % groups:
        call.fail(
            f"the input's {channels} channels must be divisible by groups {groups} (each "
            f"group reads channels/groups of them); the input is {shape} there",
            GeometryError,
        )
    outs, pads, notes = _slide(call, shape, window)
    weights = math.prod(window.kernel) * (channels // groups)
    params = weights * filters + (filters if use_bias else 0) + _lora(call, weights, filters)
    return _Result((*outs, filters), pads, params, tuple(notes))


def _depthwise(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    multiplier = _int(call, "depth_multiplier", 1)
    window = _conv_window(call, rank, ("valid", "same"))
    _check_rank(call, shape, rank)
    channels = _channels(call, shape)
    outs, pads, notes = _slide(call, shape, window)
    maps = channels * multiplier
    use_bias = call.args.get("use_bias", True)
    params = math.prod(window.kernel) * maps + (maps if use_bias else 0)
    return _Result((*outs, maps), pads, params, tuple(notes))


def _separable(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    filters = _int(call, "filters", None)
    multiplier = _int(call, "depth_multiplier", 1)
    window = _conv_window(call, rank, ("valid", "same"))
    _check_rank(call, shape, rank)
    channels = _channels(call, shape)
    outs, pads, notes = _slide(call, shape, window)
    maps = channels * multiplier
    use_bias = call.args.get("use_bias", True)
    params = math.prod(window.kernel) * maps + maps * filters + (filters if use_bias else 0)
    return _Result((*outs, filters), pads, params, tuple(notes))


def _pooling(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    pool = _per_axis(call, "pool_size", 2, rank)
    given = call.args.get("strides")
    strides = pool if given is None else _per_axis(call, "strides", None, rank)
    mode = _padding_mode(call, ("valid", "same"), fold_case=False)
    _check_rank(call, shape, rank)
    window = _Window(pool, strides, (1,) * rank, mode, pooling=True)
    outs, pads, notes = _slide(call, shape, window)
    return _Result((*outs, shape[-1]), pads, 0, tuple(notes))


# --- transposed convolutions ----------------------------------------------------------


def _transpose(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    filters = _int(call, "filters", None)
    window = _conv_window(call, rank, ("valid", "same"))
    given = call.args.get("output_padding")
    output_padding = (
        None if given is None else _per_axis(call, "output_padding", None, rank, minimum=0)
    )
    if output_padding is not None and any(
        p >= s for p, s in zip(output_padding, window.strides, strict=True)
    ):
        call.fail(
            f"output_padding must be smaller than strides on every axis; got "
            f"output_padding={given!r}, strides={call.args.get('strides', 1)!r}"
        )
    _no_strides_with_dilation(call, window.strides, window.dilation)
    _check_rank(call, shape, rank)
    channels = _channels(call, shape)
    outs: list[Dim] = []
    pads: list[Pair] = []
    for axis, (n, k, s, d) in enumerate(
        zip(shape[:-1], window.kernel, window.strides, window.dilation, strict=True)
    ):
        p = None if output_padding is None else output_padding[axis]
        # The padding does not depend on the length, so an unknown one still has it.
        pair, out = transposed_geometry(1 if n is None else n, k, s, d, window.mode, p)
        if n is not None and out <= 0:
            # Only 'same' with output_padding can get here: (n-1)*s + K%2 + p with n = 1.
            span = str(k) if d == 1 else f"(({k}-1)*{d}+1)"
            call.fail(
                f"{_axes([axis])} output size would be {out}: {window.mode} with "
                f"output_padding: ({n}-1)*{s} + {span}%2 + {p} = {out}; the input is "
                f"{shape} there; leave output_padding out (the output is then n*strides)",
                GeometryError,
            )
        outs.append(None if n is None else out)
        pads.append(pair)
    notes = []
    if max(window.strides) > 1:
        notes.append(
            f"transposed: the padding is on the input spread out by strides "
            f"{call.args.get('strides')!r} (zeros between cells)"
        )
    use_bias = call.args.get("use_bias", True)
    params = math.prod(window.kernel) * channels * filters + (filters if use_bias else 0)
    return _Result((*outs, filters), tuple(pads), params, tuple(notes))


# --- layers that do not slide ---------------------------------------------------------


def _global_pooling(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    keepdims = call.args.get("keepdims", False)
    _check_rank(call, shape, rank)
    out: Shape = (*((1,) * rank), shape[-1]) if keepdims else (shape[-1],)
    return _Result(out)


def _pairs(call: LayerCall, param: str, default: object, rank: int) -> tuple[Pair, ...]:
    """ZeroPadding/Cropping amounts: N, one N per axis, or (before, after) per axis."""
    value = call.args.get(param, default)
    form = (
        "an int or a (before, after) pair"
        if rank == 1
        else f"an int, {rank} ints, or {rank} (before, after) pairs"
    )

    def bad() -> NoReturn:
        call.fail(f"{param} must be {form}; got {value!r}")

    def whole(v: object) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            bad()
        if v < 0:
            call.fail(f"{param} must not be negative; got {value!r}")
        return v

    if rank == 1:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                bad()
            return ((whole(value[0]), whole(value[1])),)
        n = whole(value)
        return ((n, n),)
    if not isinstance(value, list | tuple):
        n = whole(value)
        return ((n, n),) * rank
    if len(value) != rank:
        bad()
    pairs = []
    for item in value:
        if isinstance(item, list | tuple):
            if len(item) != 2:
                bad()
            pairs.append((whole(item[0]), whole(item[1])))
        else:
            n = whole(item)
            pairs.append((n, n))
    return tuple(pairs)


_ZERO_PADDING_DEFAULT = 1
_CROPPING_DEFAULTS = {1: (1, 1), 2: 0, 3: 1}


def _zero_padding(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    pairs = _pairs(call, "padding", _ZERO_PADDING_DEFAULT, rank)
    _check_rank(call, shape, rank)
    outs = tuple(
        None if n is None else n + before + after
        for n, (before, after) in zip(shape[:-1], pairs, strict=True)
    )
    return _Result((*outs, shape[-1]), pairs)


def _cropping(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    pairs = _pairs(call, "cropping", _CROPPING_DEFAULTS[rank], rank)
    _check_rank(call, shape, rank)
    outs: list[Dim] = []
    for axis, (n, (before, after)) in enumerate(zip(shape[:-1], pairs, strict=True)):
        if n is None:
            outs.append(None)
            continue
        out = n - before - after
        if out <= 0:
            call.fail(
                f"{_axes([axis])} output size would be {out}: {n} - {before} - {after} = "
                f"{out}; the input is {shape} there; crop fewer than {n} cells in all",
                GeometryError,
            )
        outs.append(out)
    return _Result((*outs, shape[-1]))


def _flatten(call: LayerCall, shape: Shape) -> _Result:
    if any(n is None for n in shape):
        return _Result((None,), notes=(f"the flattened length is unknown: {shape} has None",))
    return _Result((math.prod(n for n in shape if n is not None),))


def _dense(call: LayerCall, shape: Shape) -> _Result:
    units = _int(call, "units", None)
    features = shape[-1]
    if features is None:
        call.fail(
            f"Dense needs a known last axis to size its weights (inputs x units); got None "
            f"in {shape}: pool first (e.g. GlobalAveragePooling1D()) or give the length",
            GeometryError,
        )
    use_bias = call.args.get("use_bias", True)
    params = features * units + (units if use_bias else 0) + _lora(call, features, units)
    notes: tuple[str, ...] = ()
    if len(shape) > 1:
        notes = (
            f"Dense works on the last axis only, as Keras does: {shape} -> "
            f"{(*shape[:-1], units)}; put Flatten() first for one vector",
        )
    return _Result((*shape[:-1], units), (), params, notes)


# --- layers that keep the shape or rearrange it ---------------------------------------


def _same(call: LayerCall, shape: Shape) -> _Result:
    """Dropout, noise and activation layers: the shape passes through, no weights."""
    noise_shape = call.args.get("noise_shape")
    if noise_shape is not None and (
        not isinstance(noise_shape, list | tuple)
        or any(
            d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 1)
            for d in noise_shape
        )
    ):
        call.fail(
            f"noise_shape must be a tuple of positive whole numbers or None (batch "
            f"included); got {noise_shape!r}"
        )
    axis = call.args.get("axis", -1)
    if call.name == "Softmax" and not _is_axes(axis):
        call.fail(f"axis must be a whole number or a tuple of them; got {axis!r}")
    return _Result(shape)


def _is_axes(value: object) -> bool:
    items = value if isinstance(value, list | tuple) else [value]
    return all(isinstance(v, int) and not isinstance(v, bool) for v in items)


def _spatial_dropout(call: LayerCall, shape: Shape) -> _Result:
    _check_rank(call, shape, call.signature.rank)
    return _Result(shape)


def _norm_axes(call: LayerCall, shape: Shape) -> tuple[int, ...]:
    """``axis`` as 0-based indices into ``shape`` (Keras counts the batch as axis 0)."""
    value = call.args.get("axis", -1)
    if not _is_axes(value) or (isinstance(value, list | tuple) and not value):
        call.fail(f"axis must be a whole number or a tuple of them; got {value!r}")
    items = cast(list[int], list(value) if isinstance(value, list | tuple) else [value])
    rank = len(shape) + 1
    indices = []
    for a in items:
        if not -rank < a < rank or a == 0:
            call.fail(
                f"axis {a} is not a feature axis of the input {shape} (batch left out): use "
                f"1 to {rank - 1} or -1 to {-(rank - 1)}",
                GeometryError,
            )
        indices.append(a - 1 if a > 0 else len(shape) + a)
    return tuple(sorted(set(indices)))


def _weights_size(call: LayerCall, shape: Shape, indices: Sequence[int]) -> int:
    sizes = [shape[i] for i in indices]
    if any(n is None for n in sizes):
        call.fail(
            f"{call.name} needs a known size on {_axes(indices)} to size its weights; "
            f"got None in {shape}",
            GeometryError,
        )
    return math.prod(n for n in sizes if n is not None)


def _batch_norm(call: LayerCall, shape: Shape) -> _Result:
    indices = _norm_axes(call, shape)
    if call.args.get("axis", -1) not in (-1, len(shape)) or indices != (len(shape) - 1,):
        call.fail(
            f"BatchNormalization normalizes the channels axis only (the last, axis=-1): "
            f"convcli works channels last; got axis={call.args.get('axis')!r}; drop axis",
        )
    channels = _weights_size(call, shape, indices)
    # gamma, beta, moving mean and moving variance (and renorm's three): Keras counts all.
    vectors = (
        2
        + bool(call.args.get("center", True))
        + bool(call.args.get("scale", True))
        + 3 * bool(call.args.get("renorm", False))
    )
    return _Result(shape, params=vectors * channels)


def _layer_norm(call: LayerCall, shape: Shape) -> _Result:
    size = _weights_size(call, shape, _norm_axes(call, shape))
    vectors = bool(call.args.get("center", True)) + bool(call.args.get("scale", True))
    return _Result(shape, params=vectors * size)


def _reshape(call: LayerCall, shape: Shape) -> _Result:
    target = call.args.get("target_shape")
    items = list(target) if isinstance(target, list | tuple) else None
    if (
        items is None
        or not items
        or any(isinstance(d, bool) or not isinstance(d, int) or d == 0 or d < -1 for d in items)
        or items.count(-1) > 1
    ):
        call.fail(
            f"target_shape must be a tuple of positive whole numbers, one of which may be "
            f"-1 (batch left out); got {target!r}"
        )
    dims = cast(list[int], items)
    known = math.prod(d for d in dims if d != -1)
    if any(n is None for n in shape):
        out: Shape = tuple(None if d == -1 else d for d in dims)
        return _Result(out)
    size = math.prod(n for n in shape if n is not None)
    if -1 in dims:
        if size % known:
            call.fail(
                f"cannot reshape {shape} ({size} values) to {tuple(dims)}: -1 would be "
                f"{size}/{known}, not a whole number; use sizes whose product divides {size}",
                GeometryError,
            )
        return _Result(tuple(size // known if d == -1 else d for d in dims))
    if known != size:
        call.fail(
            f"cannot reshape {shape} ({size} values) to {tuple(dims)} ({known} values); "
            f"the sizes must hold the same number of values, or put -1 on one axis",
            GeometryError,
        )
    return _Result(tuple(dims))


def _permute(call: LayerCall, shape: Shape) -> _Result:
    dims = call.args.get("dims")
    items = list(dims) if isinstance(dims, list | tuple) else None
    if items is None or sorted(
        d if isinstance(d, int) and not isinstance(d, bool) else 0 for d in items
    ) != list(range(1, len(items) + 1)):
        call.fail(
            f"dims must order the axes 1 to N, each once (1-based: batch is axis 0 and "
            f"stays first), e.g. (2, 1); got {dims!r}"
        )
    order = cast(list[int], items)
    if len(order) != len(shape):
        call.fail(
            f"dims {tuple(order)} orders {len(order)} axes but the input {shape} has "
            f"{len(shape)} (batch left out); give each of 1 to {len(shape)} once",
            GeometryError,
        )
    return _Result(tuple(shape[d - 1] for d in order))


def _repeat_vector(call: LayerCall, shape: Shape) -> _Result:
    n = _int(call, "n", None)
    if len(shape) != 1:
        flat = "features" if None in shape else math.prod(n for n in shape if n is not None)
        hint = f"; put Flatten() before it ({shape} -> ({flat},))" if len(shape) > 1 else ""
        call.fail(
            f"RepeatVector needs a 2-D input (batch, features), i.e. (features,) here; got "
            f"{len(shape)} axes {shape}{hint}",
            GeometryError,
        )
    return _Result((n, shape[0]))


_INTERPOLATIONS = ("bicubic", "bilinear", "lanczos3", "lanczos5", "nearest")


def _up_sampling(call: LayerCall, shape: Shape) -> _Result:
    rank = call.signature.rank
    if rank == 1:
        size: tuple[int, ...] = (_int(call, "size", 2),)
    else:
        size = _per_axis(call, "size", (2,) * rank, rank)
    interpolation = call.args.get("interpolation", "nearest")
    if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
        call.fail(
            f"interpolation must be one of {', '.join(repr(i) for i in _INTERPOLATIONS)}; "
            f"got {interpolation!r}"
        )
    _check_rank(call, shape, rank)
    outs = tuple(None if n is None else n * k for n, k in zip(shape[:-1], size, strict=True))
    return _Result((*outs, shape[-1]))


_KINDS: dict[str, Callable[[LayerCall, Shape], _Result]] = {
    "conv": _conv,
    "transpose": _transpose,
    "depthwise": _depthwise,
    "separable": _separable,
    "max_pooling": _pooling,
    "average_pooling": _pooling,
    "global_pooling": _global_pooling,
    "zero_padding": _zero_padding,
    "cropping": _cropping,
    "flatten": _flatten,
    "dense": _dense,
    "same": _same,
    "spatial_dropout": _spatial_dropout,
    "batch_norm": _batch_norm,
    "layer_norm": _layer_norm,
    "reshape": _reshape,
    "permute": _permute,
    "repeat_vector": _repeat_vector,
    "up_sampling": _up_sampling,
}
