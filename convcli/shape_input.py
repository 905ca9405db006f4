"""What ``convcli shape`` starts from: an input shape, and one kernel's arithmetic.

Everything here answers "what comes out?" without computing anything, and the paths
that only need numbers (``convcli shape 28,28,1 -k 3``) import no NumPy or Pillow:

* :func:`parse_shape` reads an input shape written as numbers (``28,28,1``,
  ``28x28x1``, ``(28, 28, 1)``); :func:`looks_like_shape` tells such text from a path.
* :func:`read_input_shape` gives the shape an input file will have in ``apply``,
  reading as little as it can: the header of a ``.npy``, the size and mode of an
  image; text tables (and standard input) are read whole, by ``apply``'s own loader,
  so the header and 1-D rules cannot differ.
* :func:`parse_kernel_size` tells a kernel size (``3``, ``3x3``, ``(3, 3)``: Keras'
  ``kernel_size``) from a kernel spec such as the weights ``1,2,1``.
* :func:`kernel_shapes` is ``apply``'s arithmetic for one kernel and ``--filters``
  copies of it: the channel rule and output layout of :mod:`convcli.layer`, the
  padding and sizes of :mod:`convcli.shapes`, and Keras' parameter count.

Examples
--------
>>> parse_shape("(28, 28, 1)")
(28, 28, 1)
>>> parse_kernel_size("3x3"), parse_kernel_size("1,2,1")
((3, 3), None)
>>> result = kernel_shapes((28, 28, 1), (3, 3), filters=32)
>>> result.output_shape, result.total_params
((26, 26, 32), 320)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from convcli.errors import GeometryError, InputError, ParameterError
from convcli.params import CHANNEL_RULES, MAX_SETTING, ConvParams, PaddingArg, choice
from convcli.shapes import conv_geometry, has_channels_axis, sliding_ndim

if TYPE_CHECKING:
    from convcli.stack import StackShape

__all__ = [
    "InputShape",
    "bare_size_rank",
    "kernel_shapes",
    "looks_like_shape",
    "parse_kernel_size",
    "parse_shape",
    "read_input_shape",
]

#: Axes an input may have, as ``apply`` loads it: up to 3 sliding axes, then channels.
MAX_INPUT_AXES = 4

# An input shape: optional brackets around sizes split by ",", "x" or spaces (and the
# mistakes parse_shape explains: "None", signs, decimals).
_SHAPE_CHARS = re.compile(r"[\d\s,xX()\[\]+.-]*")
_SEPARATORS = re.compile(r"\s*[,xX]\s*|\s+")
# A kernel size: N, NxM[xL], or a Keras tuple "(3, 3)" / "(3,)".
_SIZE_X = re.compile(r"\d+(\s*[xX]\s*\d+)*")
_SIZE_TUPLE = re.compile(r"\(\s*\d+\s*(,\s*\d+\s*)*,?\s*\)")


class InputShape(NamedTuple):
    """The shape of what ``convcli shape`` was given, and where it came from.

    Parameters
    ----------
    shape : tuple of int
        Without a batch axis, as ``apply`` would load the input.
    kind : {"numbers", "image", "text", "npy"}
        Written as numbers, or the kind of file it was read from.
    """

    shape: tuple[int, ...]
    kind: str


def looks_like_shape(text: str) -> bool:
    """Whether ``text`` is written like an input shape (numbers), not like a path.

    Examples
    --------
    >>> [looks_like_shape(t) for t in ("28,28,1", "(None, 8, 1)", "28x28", "photo.png")]
    [True, True, True, False]
    """
    rest = re.sub("none", "", text, flags=re.IGNORECASE)
    if _SHAPE_CHARS.fullmatch(rest) is None:
        return False
    # Digits, or brackets alone ("()"): an empty shape, for parse_shape to refuse.
    return any(c.isdigit() for c in text) or bool(re.fullmatch(r"\s*(\(\s*\)|\[\s*\])\s*", text))


def parse_shape(text: str) -> tuple[int, ...]:
    """Read an input shape: sizes split by ``,``, ``x`` or spaces, brackets optional.

    The shape has no batch axis (as Keras' ``input_shape``): 1 to 4 positive sizes.

    Raises
    ------
    ParameterError
        For an empty shape or value, something that is not a whole number, a size
        below 1 or above 2**31 - 1, a batch axis (``None``), or more than 4 axes.

    Examples
    --------
    >>> parse_shape("28x28x1"), parse_shape("[8, 1]"), parse_shape("(8,)")
    ((28, 28, 1), (8, 1), (8,))
    >>> parse_shape("28,0,1")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: input shape must be positive on every axis; got 28,0,1 (axis 1 is 0)
    """  # noqa: E501
    inner = text.strip()
    if inner[:1] + inner[-1:] in ("()", "[]"):
        inner = inner[1:-1].strip()
        if inner.endswith(","):  # Keras' one-axis tuple, "(8,)"
            inner = inner[:-1].rstrip()
    if not inner:
        raise ParameterError(f"input shape is empty: '{text}'; give sizes like 28,28,1")
    tokens = _SEPARATORS.split(inner)
    sizes: list[int] = []
    for axis, token in enumerate(tokens):
        if not token:
            raise ParameterError(
                f"input shape has an empty value (axis {axis}): '{text}'; remove the extra ','"
            )
        if token.lower() == "none":
            if axis == 0 and len(tokens) > 1:
                rest = ",".join(tokens[1:])
                raise ParameterError(
                    f"input shape is without the batch axis (as Keras' input_shape); "
                    f"got '{text}': write {rest}"
                )
            raise ParameterError(
                f"input shape needs a size on every axis; got None on axis {axis} in '{text}'"
            )
        if not re.fullmatch(r"[+-]?\d+", token):
            raise ParameterError(
                f"input shape must be whole numbers (like 28,28,1); got '{token}' in '{text}'"
            )
        sizes.append(int(token))
    shown = ",".join(map(str, sizes))
    for axis, size in enumerate(sizes):
        if size < 1:
            raise ParameterError(
                f"input shape must be positive on every axis; got {shown} (axis {axis} is {size})"
            )
        if size > MAX_SETTING:
            raise ParameterError(
                f"input shape must be at most {MAX_SETTING} per axis; got {shown} (axis {axis})"
            )
    if len(sizes) > MAX_INPUT_AXES:
        raise ParameterError(
            f"input shape has {len(sizes)} axes ({shown}); an input has 1 to {MAX_INPUT_AXES}: "
            "up to 3 sliding axes, then channels, without a batch axis"
        )
    return tuple(sizes)


def read_input_shape(path: str, *, input_format: str | None = None) -> InputShape:
    """The shape ``convcli apply`` would load ``path`` as, read as cheaply as possible.

    ``.npy`` files: only the header is read (the values are not checked, so a file
    holding NaN still has a shape here). Images: only the size and mode (Pillow
    decodes no pixels), with ``apply``'s channel rules: grey, 16-bit and 32-bit
    images have no channels axis, grey+alpha 2, RGB (and CMYK, YCbCr, ... which load
    as RGB) 3, RGBA 4, palette images 3 or 4 (with transparency). Text tables and
    standard input are loaded by :func:`convcli.loaders.load_input` itself. Whenever
    the quick reading meets something unusual, the whole loader runs, so errors are
    ``apply``'s own.

    Raises
    ------
    InputError
        As :func:`convcli.loaders.load_input` does (missing file, corrupt data, ...).

    Examples
    --------
    >>> read_input_shape("sample_images/seed-bump.csv")
    InputShape(shape=(8,), kind='text')
    >>> read_input_shape("missing.png")
    Traceback (most recent call last):
    ...
    convcli.errors.InputError: input file not found: 'missing.png'
    """
    from convcli.loaders import check_input, expected_kind, load_input

    check_input(path)
    kind = expected_kind(path, input_format)
    quick: tuple[int, ...] | None = None
    if path != "-" and kind == "npy":
        quick = _npy_shape(path)
    elif path != "-" and kind == "image":
        quick = _image_shape(path)
    if quick is not None:
        return InputShape(quick, kind or "")
    loaded = load_input(path, input_format=input_format)
    return InputShape(tuple(int(n) for n in loaded.array.shape), loaded.kind)


def _npy_shape(path: str) -> tuple[int, ...] | None:
    """Shape from a ``.npy`` header, refused as ``apply`` refuses it; None: load it whole."""
    from numpy.lib import format as npy_format

    try:
        with open(path, "rb") as stream:
            version = npy_format.read_magic(stream)
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(stream)
            elif version == (2, 0):
                shape, _, dtype = npy_format.read_array_header_2_0(stream)
            else:
                return None
    except Exception:  # not NPY, a bad header: the loader says what is wrong
        return None
    name = f"'{path}'"
    if dtype.hasobject:
        return None  # the loader's message about Python objects
    if dtype.kind == "c":
        raise InputError(
            f"{name} holds complex numbers (dtype {dtype}); convcli convolves real arrays, "
            "save a.real or abs(a) instead"
        )
    if dtype.kind not in "biuf":
        raise InputError(
            f"{name} holds non-numeric values (dtype {dtype}); "
            "convcli reads bool, integer and float arrays"
        )
    if not 1 <= len(shape) <= MAX_INPUT_AXES or math.prod(shape) == 0:
        return None  # a single number, too many axes, empty: the loader's messages
    return tuple(int(n) for n in shape)


# Pillow modes -> size of the channels axis apply gives them (0: no channels axis).
_MODE_CHANNELS = {"1": 0, "L": 0, "I": 0, "F": 0, "LA": 2, "La": 2, "RGBA": 4, "PA": 4, "RGBa": 4}


def _image_shape(path: str) -> tuple[int, ...] | None:
    """(height, width[, channels]) from an image's header; None: load it whole."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a large image's bomb warning: apply is silent
            with Image.open(path) as image:
                mode = image.mode
                width, height = image.size
                if mode == "P":
                    palette_alpha = image.palette is not None and image.palette.mode.endswith("A")
                    channels = 4 if "transparency" in image.info or palette_alpha else 3
                elif mode.startswith("I;16"):
                    channels = 0
                else:
                    channels = _MODE_CHANNELS.get(mode, 3)  # CMYK, YCbCr, ... load as RGB
    except Exception:  # unreadable, truncated, too large: the loader says what is wrong
        return None
    return (height, width, channels) if channels else (height, width)


def parse_kernel_size(text: str) -> tuple[int, ...] | None:
    """A kernel size (Keras' ``kernel_size``) from ``-k``, or None for a kernel spec.

    A size is a whole number (``3``), sizes joined by ``x`` (``3x3``, ``5x3x3``) or a
    Keras tuple in parentheses (``(3, 3)``, ``(3,)``). Anything else -- inline
    weights such as ``1,2,1`` or ``3,3``, a file, a preset -- is a kernel spec, read
    as ``apply`` reads it. A bare number gives one value, which
    :func:`bare_size_rank` repeats per sliding axis.

    Raises
    ------
    ParameterError
        For a size of 0 or more than 3 axes.

    Examples
    --------
    >>> parse_kernel_size("3"), parse_kernel_size("5 x 3"), parse_kernel_size("(3,)")
    ((3,), (5, 3), (3,))
    >>> parse_kernel_size("3,3") is None, parse_kernel_size("sobel-x") is None
    (True, True)
    >>> parse_kernel_size("3x0")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: kernel size must be positive on every axis; got 3x0
    """
    spec = text.strip()
    if _SIZE_X.fullmatch(spec):
        sizes = tuple(int(n) for n in re.split(r"\s*[xX]\s*", spec))
    elif _SIZE_TUPLE.fullmatch(spec):
        sizes = tuple(int(n) for n in re.findall(r"\d+", spec))
    else:
        return None
    shown = "x".join(map(str, sizes))
    if any(n < 1 for n in sizes):
        raise ParameterError(f"kernel size must be positive on every axis; got {shown}")
    if any(n > MAX_SETTING for n in sizes):
        raise ParameterError(f"kernel size must be at most {MAX_SETTING} per axis; got {shown}")
    if len(sizes) > 3:
        raise ParameterError(
            f"kernel size {shown} has {len(sizes)} axes; a kernel slides along 1, 2 or 3"
        )
    return sizes


def bare_size_rank(input_shape: Sequence[int], kind: str) -> int:
    """How many axes a bare kernel size (``-k 3``) slides along on this input.

    As in Keras, the input's last axis is its channels (``28,28,1`` is a 28x28 image
    with one channel, so ``3`` means 3x3); a one-axis shape is a signal without
    channels. An image file always slides along its two pixel axes, grey or colour.

    Examples
    --------
    >>> bare_size_rank((28, 28, 1), "numbers"), bare_size_rank((8,), "text")
    (2, 1)
    >>> bare_size_rank((480, 640), "image"), bare_size_rank((16, 16, 16, 1), "npy")
    (2, 3)
    """
    if kind == "image":
        return 2
    return min(max(len(input_shape) - 1, 1), 3)


def kernel_shapes(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    filters: int = 1,
    channels: str = "each",
    stride: Sequence[int] = (1,),
    padding: PaddingArg = "valid",
    dilation: Sequence[int] = (1,),
    label: str | None = None,
) -> StackShape:
    """What ``apply`` gives for one kernel (``filters`` copies of it), as a one-layer stack.

    The output shape is :func:`convcli.layer.apply_filters`'s: the sliding axes, then
    with ``each`` the input's channels times ``filters`` (no last axis for one filter
    on an input without channels), with ``sum`` the filters (the same exception).
    The parameters are Keras' for the equivalent layer with a bias: ``sum`` is a
    ``Conv`` (weights ``k * channels * filters``, ``filters`` biases), ``each`` a
    ``DepthwiseConv`` with ``depth_multiplier=filters`` (weights
    ``k * channels * filters``, as many biases as output maps).

    Parameters
    ----------
    input_shape : sequence of int
        The input's shape, without a batch axis.
    kernel_shape : sequence of int
        The kernel's shape (per-channel weights under ``sum`` included).
    filters : int
        How many filters of this shape.
    channels : {"each", "sum"}
        The channel rule.
    stride, padding, dilation
        As :class:`convcli.params.ConvParams` takes them.
    label : str, optional
        The kernel spec as given, when it was not a bare size; shown in the layer text.

    Raises
    ------
    ParameterError, GeometryError
        With ``apply``'s messages for the same settings.

    Examples
    --------
    >>> one = kernel_shapes((28, 28, 3), (3, 3), filters=2, padding="same", stride=(2,))
    >>> one.output_shape, one.total_params, one.layers[0].padding
    ((14, 14, 6), 60, ((0, 1), (0, 1)))
    >>> one.layers[0].text
    'kernel 3x3, 2 filters, channels each, stride 2, padding same'
    >>> kernel_shapes((8,), (3,), label="bump").layers[0].text
    'kernel 3 (bump), 1 filter, channels each'
    """
    from convcli.stack import LayerShape, StackShape, window_notes

    rule = choice(channels, CHANNEL_RULES, name="channels")
    if isinstance(filters, bool) or filters < 1:
        raise ParameterError(f"filters must be a positive whole number; got {filters}")
    shape = tuple(int(n) for n in input_shape)
    kernel = tuple(int(n) for n in kernel_shape)
    sliding = sliding_ndim(shape, kernel, rule)
    if not 1 <= sliding <= 3:
        raise GeometryError(
            f"a kernel must have 1, 2 or 3 axes (4 only for per-channel weights under "
            f"--channels sum); got shape {kernel}"
        )
    has_channels = has_channels_axis(shape, sliding)
    params = ConvParams.build(sliding, stride=tuple(stride), padding=padding, dilation=dilation)
    pads, out = conv_geometry(
        shape[:sliding],
        kernel[:sliding],
        stride=params.stride,
        dilation=params.dilation,
        padding=params.padding,
    )
    depth = shape[-1] if has_channels else 1
    maps = depth * filters if rule == "each" else filters
    output = out if filters == 1 and not has_channels else (*out, maps)
    weights = math.prod(kernel[:sliding]) * depth * filters
    layer = LayerShape(
        position=1,
        text=_layer_text(kernel, label, filters, rule, params),
        name="kernel",
        output_shape=output,
        padding=pads,
        params=weights + maps,
        notes=window_notes(
            shape[:sliding],
            kernel[:sliding],
            params.stride,
            params.dilation,
            "same" if params.padding == "same" else "explicit",
            pads,
        ),
    )
    return StackShape(
        input_shape=shape, layers=(layer,), output_shape=output, total_params=weights + maps
    )


def _per_axis(values: Sequence[object]) -> str:
    """One value when every axis has it, else all of them: ``2`` or ``1,2``."""
    return str(values[0]) if len(set(values)) == 1 else ",".join(map(str, values))


def _layer_text(
    kernel: tuple[int, ...], label: str | None, filters: int, rule: str, params: ConvParams
) -> str:
    """``kernel 3x3 (sobel-x), 2 filters, channels each, stride 2, padding same``."""
    parts = ["kernel " + "x".join(map(str, kernel)) + (f" ({label})" if label else "")]
    parts.append(f"{filters} filter" + ("s" if filters > 1 else ""))
    parts.append(f"channels {rule}")
    if any(s != 1 for s in params.stride):
        parts.append(f"stride {_per_axis(params.stride)}")
    if any(d != 1 for d in params.dilation):
        parts.append(f"dilation {_per_axis(params.dilation)}")
    if isinstance(params.padding, str):
        if params.padding != "valid":
            parts.append(f"padding {params.padding}")
    else:
        pairs = [str(b) if b == a else f"{b}:{a}" for b, a in params.padding]
        parts.append(f"padding {_per_axis(pairs)}")
    return ", ".join(parts)
