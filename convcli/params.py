"""Convolution settings: parse them from text, validate them, expand them per axis.

After this module every setting is a tuple with one value per sliding axis (the
scipy.ndimage ``_normalize_sequence`` idea), so the engine never asks "is this a
scalar or a tuple?" again.

Examples
--------
>>> parse_per_axis("2", name="stride")
(2,)
>>> expand_per_axis((2,), ndim=2, name="stride")
(2, 2)
>>> parse_padding("1:0,2:2")
((1, 0), (2, 2))
>>> ConvParams.build(2, stride=(1, 2), padding="same").stride
(1, 2)
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from convcli.errors import ParameterError
from convcli.shapes import (
    PADDING_MODES,
    Padding,
    Pair,
    axes_count,
    explicit_padding,
    int_items,
    value_choices,
)

MAX_SETTING = 2**31 - 1
PAD_MODES = ("zeros", "constant", "reflect", "symmetric", "edge", "wrap")
ACTIVATIONS = ("linear", "relu", "abs", "sigmoid", "tanh")
CHANNEL_RULES = ("each", "sum")
DTYPES = ("float32", "float64")
NORMALIZE_MODES = ("auto", "clip", "abs", "minmax", "offset")
INPUT_FORMATS = ("npy", "image", "csv")

PadMode = Literal["zeros", "constant", "reflect", "symmetric", "edge", "wrap"]
# What the API accepts for padding before it is expanded per axis.
PaddingArg = str | int | Sequence[int] | Sequence[Sequence[int]]
IntsArg = int | Sequence[int]


def choice(value: str, choices: Sequence[str], *, name: str) -> str:
    """The one of ``choices`` that ``value`` names (case-insensitive), else a ParameterError.

    Examples
    --------
    >>> choice("ReLU", ACTIVATIONS, name="activation")
    'relu'
    >>> choice("rleu", ACTIVATIONS, name="activation")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: activation must be one of linear, relu, ...; got 'rleu'
    """
    folded = value.lower() if isinstance(value, str) else value
    if folded not in choices:
        raise ParameterError(f"{name} must be one of {', '.join(choices)}; got '{value}'")
    return str(folded)


def _int(text: str, *, name: str, whole: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ParameterError(f"{name} must be whole numbers; got '{whole}'") from None


def parse_per_axis(text: str, *, name: str) -> tuple[int, ...]:
    """Parse ``"a,b[,c]"`` (or one number) into positive integers.

    Examples
    --------
    >>> parse_per_axis("1, 2", name="dilation")
    (1, 2)
    >>> parse_per_axis("0", name="stride")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: stride must be a positive integer per axis; got 0
    """
    parts = text.split(",")
    if not 1 <= len(parts) <= 3:
        raise ParameterError(f"{name} takes 1 to 3 comma-separated values; got '{text}'")
    values = tuple(_int(p, name=name, whole=text) for p in parts)
    if any(v < 1 for v in values):
        raise ParameterError(f"{name} must be a positive integer per axis; got {text}")
    _check_size(values, name=name, text=text)
    return values


def _check_size(values: Sequence[int], *, name: str, text: str) -> None:
    # Far beyond any array that fits in memory, and beyond what NumPy's index type holds.
    if any(v > MAX_SETTING for v in values):
        raise ParameterError(f"{name} must be at most {MAX_SETTING} per axis; got '{text}'")


def expand_per_axis(values: IntsArg, *, ndim: int, name: str) -> tuple[int, ...]:
    """Give one value per sliding axis: a single value applies to every axis.

    Examples
    --------
    >>> expand_per_axis(3, ndim=2, name="stride")
    (3, 3)
    >>> expand_per_axis((1, 2, 3), ndim=2, name="stride")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: stride has 3 values (1,2,3) but the kernel slides along 2 ...
    """
    seq = int_items(values, name=name)
    if len(seq) == 1:
        seq = seq * ndim
    if len(seq) != ndim:
        text = ",".join(map(str, seq))
        raise ParameterError(
            f"{name} has {len(seq)} values ({text}) but the kernel slides along "
            f"{axes_count(ndim)}; give {value_choices(ndim)}"
        )
    if any(v < 1 for v in seq):
        text = ",".join(map(str, seq))
        raise ParameterError(f"{name} must be a positive integer per axis; got {text}")
    return seq


def parse_padding(text: str) -> str | tuple[Pair, ...]:
    """Parse ``--padding``: a mode name, ``N``, ``a,b`` or ``1:0,2:2``.

    A single pair or number is expanded to every axis later, by
    :func:`expand_padding`.

    Examples
    --------
    >>> parse_padding("same")
    'same'
    >>> parse_padding("2")
    ((2, 2),)
    >>> parse_padding("1,2")
    ((1, 1), (2, 2))
    >>> parse_padding("-1")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: padding must not be negative; got '-1'
    """
    word = text.strip().lower()
    if word in PADDING_MODES:
        return word
    if not word or not (word[0].isdigit() or word[0] in "+-"):
        close = difflib.get_close_matches(word, PADDING_MODES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ParameterError(
            f"padding must be one of {', '.join(PADDING_MODES)} or numbers "
            f"(N, a,b or before:after per axis like 1:0,2:2); got '{text}'{hint}"
        )
    pairs: list[Pair] = []
    for part in word.split(","):
        halves = part.split(":")
        if len(halves) > 2:
            raise ParameterError(f"padding per axis is N or before:after; got '{part}' in '{text}'")
        numbers = [_int(h, name="padding", whole=text) for h in halves]
        if any(n < 0 for n in numbers):
            raise ParameterError(f"padding must not be negative; got '{text}'")
        _check_size(numbers, name="padding", text=text)
        pairs.append((numbers[0], numbers[-1]))
    if len(pairs) > 3:
        raise ParameterError(f"padding takes at most 3 axes; got '{text}'")
    return tuple(pairs)


def expand_padding(padding: PaddingArg, *, ndim: int) -> Padding:
    """Normalise an API or CLI padding value to a mode name or one pair per axis.

    Examples
    --------
    >>> expand_padding(1, ndim=2)
    ((1, 1), (1, 1))
    >>> expand_padding([(1, 0)], ndim=1)
    ((1, 0),)
    >>> expand_padding("SAME", ndim=1)
    'same'
    """
    if isinstance(padding, str):
        parsed = parse_padding(padding)
        if isinstance(parsed, str):
            return parsed
        return explicit_padding(parsed, ndim=ndim)
    return explicit_padding(padding, ndim=ndim)


def parse_number(text: str, *, name: str) -> float:
    """Parse one number (finite or not: the settings check finiteness with context).

    Examples
    --------
    >>> parse_number("2.5", name="pad value")
    2.5
    >>> parse_number("x", name="pad value")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: pad value must be a number; got 'x'
    """
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"{name} must be a number; got '{text}'") from None


def resolve_pad_mode(pad_mode: str | None, pad_value: str | None) -> tuple[str, float]:
    """The CLI's pad mode and value: ``--pad-value`` alone implies ``constant``.

    ``--pad-value`` with another explicit mode would be silently ignored, so it is an
    error. (The Python API, like scipy's ``cval``, just ignores ``pad_value`` there.)

    Examples
    --------
    >>> resolve_pad_mode(None, None), resolve_pad_mode(None, "9")
    (('zeros', 0.0), ('constant', 9.0))
    >>> resolve_pad_mode("reflect", "9")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: --pad-value 9 is used only by --pad-mode constant; got ...reflect
    """
    if pad_value is None:
        return pad_mode or "zeros", 0.0
    value = parse_number(pad_value, name="pad value")
    if pad_mode not in (None, "constant"):
        raise ParameterError(
            f"--pad-value {pad_value} is used only by --pad-mode constant; "
            f"got --pad-mode {pad_mode}"
        )
    return "constant", value


def parse_bias(text: str) -> tuple[float, ...]:
    """Parse ``--bias``: one number, or one per filter, comma-separated.

    Examples
    --------
    >>> parse_bias("0.5,-1")
    (0.5, -1.0)
    """
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise ParameterError(
                f"bias must be numbers (one, or one per filter); got '{text}'"
            ) from None
        if not math.isfinite(value):
            raise ParameterError(f"bias must be finite; got '{text}'")
        values.append(value)
    return tuple(values)


def _np_bool_types() -> tuple[type, ...]:
    """NumPy's bool scalar type when NumPy is loaded (params itself does not import it)."""
    numpy = sys.modules.get("numpy")
    return (numpy.bool_,) if numpy is not None else ()


@dataclass(frozen=True)
class ConvParams:
    """Normalised settings for one convolution: one value per sliding axis.

    Build it with :meth:`build`, which validates everything a user can get wrong
    before any array is touched.
    """

    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: Padding
    pad_mode: PadMode
    pad_value: float
    flip: bool

    @classmethod
    def build(
        cls,
        ndim: int,
        *,
        stride: IntsArg = 1,
        padding: PaddingArg = "valid",
        pad_mode: str = "zeros",
        pad_value: float = 0.0,
        dilation: IntsArg = 1,
        flip: bool = False,
    ) -> ConvParams:
        """Validate and expand settings for a kernel sliding along ``ndim`` axes.

        Examples
        --------
        >>> ConvParams.build(1, padding=2, pad_mode="reflect").padding
        ((2, 2),)
        """
        given: object = pad_value  # callers of the API may pass anything
        if isinstance(given, bool) or not isinstance(given, numbers.Real):
            raise ParameterError(f"pad value must be a number; got {given!r}")
        if not math.isfinite(pad_value):
            raise ParameterError(f"pad value must be a finite number; got {pad_value}")
        mode = cast(PadMode, choice(pad_mode, PAD_MODES, name="pad mode"))
        flag: object = flip
        if not isinstance(flag, (bool, *_np_bool_types())):
            raise ParameterError(f"flip must be True or False; got {flag!r}")
        return cls(
            stride=expand_per_axis(stride, ndim=ndim, name="stride"),
            dilation=expand_per_axis(dilation, ndim=ndim, name="dilation"),
            padding=expand_padding(padding, ndim=ndim),
            pad_mode=mode,
            pad_value=float(pad_value),
            flip=bool(flip),
        )


@dataclass(frozen=True)
class FilterSettings:
    """Every option of ``apply`` and ``explain`` that changes values, parsed once.

    Per-axis values are kept as given (one value, or one per axis): the number of
    sliding axes is known only with the data. :meth:`filter_kwargs` gives the keyword
    arguments of :func:`convcli.layer.apply_filters` and :func:`convcli.explain.explain`.

    Examples
    --------
    >>> s = FilterSettings.parse(stride="2", padding="SAME", pad_value="255", bias="1,2")
    >>> s.stride, s.padding, s.pad_mode, s.pad_value, s.bias
    ((2,), 'same', 'constant', 255.0, (1.0, 2.0))
    >>> FilterSettings().filter_kwargs()["channels"]
    'each'
    """

    stride: tuple[int, ...] = (1,)
    padding: str | tuple[Pair, ...] = "valid"
    pad_mode: str = "zeros"
    pad_value: float = 0.0
    dilation: tuple[int, ...] = (1,)
    flip: bool = False
    channels: str = "each"
    bias: tuple[float, ...] = (0.0,)
    activation: str = "linear"
    dtype: str = "float32"

    @classmethod
    def parse(
        cls,
        *,
        stride: str = "1",
        padding: str = "valid",
        pad_mode: str | None = None,
        pad_value: str | None = None,
        dilation: str = "1",
        flip: bool = False,
        channels: str = "each",
        bias: str = "0",
        activation: str = "linear",
        dtype: str = "float32",
    ) -> FilterSettings:
        """Check and parse the command-line texts; the first bad one raises."""
        channels = choice(channels, CHANNEL_RULES, name="channels")
        activation = choice(activation, ACTIVATIONS, name="activation")
        dtype = choice(dtype, DTYPES, name="dtype")
        if pad_mode is not None:
            pad_mode = choice(pad_mode, PAD_MODES, name="pad mode")
        mode, fill = resolve_pad_mode(pad_mode, pad_value)
        return cls(
            stride=parse_per_axis(stride, name="stride"),
            padding=parse_padding(padding),
            pad_mode=mode,
            pad_value=fill,
            dilation=parse_per_axis(dilation, name="dilation"),
            flip=flip,
            channels=channels,
            bias=parse_bias(bias),
            activation=activation,
            dtype=dtype,
        )

    def filter_kwargs(self) -> dict[str, Any]:
        """The settings as keyword arguments of ``apply_filters``."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
