"""Named kernels: the registry behind ``-k NAME`` and the files in ``kernels/``.

Every preset is written in cross-correlation orientation, i.e. as it is applied
without flipping: the weight at ``[0, 2]`` multiplies the input pixel above and to
the right of the centre. Axis names follow NumPy's channels-last images: ``x`` is the
last axis (columns), ``y`` the one before (rows) and ``z`` the first axis of a 3-D
kernel (planes). Gradient kernels are positive where the input grows along their axis.

The edge detectors are built, as in scikit-image's ``filters/edges.py``, from
separable 1-D factors: a difference along one axis times a smoothing factor along
each other axis, so the 2-D and 3-D variants come from the same constants.

A preset spec is ``NAME`` or ``NAME:key=value,...``; see :func:`build_preset`.

Examples
--------
>>> build_preset("vertical-line").tolist()
[[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
>>> build_preset("box:size=2,ndim=1").tolist()
[0.5, 0.5]
>>> preset_names()[:3]
['identity', 'bump', 'derivative']
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce

import numpy as np

from convcli.errors import KernelError

__all__ = [
    "MAX_WEIGHTS",
    "PRESETS",
    "Preset",
    "build_preset",
    "closest_presets",
    "preset_names",
    "unknown_kernel_message",
]

# Separable factors: a central difference, and the smoothing each edge detector
# applies across the difference (as skimage's SOBEL_EDGE / SOBEL_SMOOTH, but
# oriented so that the response is positive where the input increases).
DIFFERENCE = np.array([-1.0, 0.0, 1.0])
SOBEL_SMOOTH = np.array([1.0, 2.0, 1.0])
PREWITT_SMOOTH = np.array([1.0, 1.0, 1.0])
SCHARR_SMOOTH = np.array([3.0, 10.0, 3.0])

# The seed's vertical line detector; its transpose finds horizontal lines.
LINE_WEIGHTS = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
EMBOSS_WEIGHTS = np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])

#: Largest number of weights a parametrised preset may have (80 MB of float64);
#: beyond it a typo such as ``size=5000`` would exhaust memory instead of failing.
MAX_WEIGHTS = 10_000_000

# A spec value must be written as a plain decimal number (no "1_0", no "0x10").
_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

Param = int | float


@dataclass(frozen=True)
class Preset:
    """One named kernel.

    Parameters
    ----------
    name : str
        The name users type after ``-k``.
    description : str
        One line saying what the kernel detects or does.
    defaults : dict of str to int or float
        Every parameter the preset takes, with its default value. The default's
        type is the parameter's type.
    build : callable
        Takes every parameter as a keyword argument and returns the weights as a
        float64 array; raises :class:`~convcli.errors.KernelError` on bad values.

    Attributes
    ----------
    ndim : int
        Number of axes of the kernel built with the defaults.
    shape : tuple of int
        Shape of the kernel built with the defaults.

    Examples
    --------
    >>> PRESETS["gaussian"].ndim, PRESETS["gaussian"].shape
    (2, (5, 5))
    >>> PRESETS["laplacian"].kernel(ndim=1).tolist()
    [1.0, -2.0, 1.0]
    """

    name: str
    description: str
    defaults: dict[str, Param]
    build: Callable[..., np.ndarray]
    ndim: int = field(init=False)
    shape: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        # Derived from the default kernel so the two can never disagree.
        default = self.kernel()
        object.__setattr__(self, "ndim", default.ndim)
        object.__setattr__(self, "shape", default.shape)

    def kernel(self, **params: Param) -> np.ndarray:
        """Build the weights with ``params`` overriding the defaults.

        Raises
        ------
        KernelError
            For a parameter the preset does not take, or a value out of range.

        Examples
        --------
        >>> PRESETS["box"].kernel(size=2).tolist()
        [[0.25, 0.25], [0.25, 0.25]]
        >>> PRESETS["box"].kernel(radius=2)
        Traceback (most recent call last):
        ...
        convcli.errors.KernelError: box has no parameter 'radius'; its parameters are size, ndim
        """
        for key in params:
            if key not in self.defaults:
                raise KernelError(self._unknown_parameter(key))
        return self.build(**{**self.defaults, **params})

    def example_spec(self) -> str:
        """The spec that spells out every default, e.g. ``box:size=3,ndim=2``.

        Examples
        --------
        >>> PRESETS["gaussian"].example_spec()
        'gaussian:size=5,sigma=1.0,ndim=2'
        >>> PRESETS["bump"].example_spec()
        'bump'
        """
        if not self.defaults:
            return self.name
        return self.name + ":" + ",".join(f"{k}={v}" for k, v in self.defaults.items())

    def _unknown_parameter(self, key: str) -> str:
        if not self.defaults:
            return f"{self.name} takes no parameters; got '{key}'"
        known = ", ".join(self.defaults)
        return f"{self.name} has no parameter '{key}'; its parameters are {known}"

    def __repr__(self) -> str:
        return f"Preset({self.example_spec()!r}, shape={self.shape})"


# -- validation of builder arguments -------------------------------------------------


def _check_int(preset: str, key: str, value: object, rule: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise KernelError(f"{preset} {key} must be {rule}; got {value!r}")
    return int(value)


def _check_size(preset: str, size: object, *, odd: bool) -> int:
    rule = "a positive odd integer (the kernel needs a centre)" if odd else "a positive integer"
    value = _check_int(preset, "size", size, rule)
    if value < 1 or (odd and value % 2 == 0):
        hint = f"; try size={value + 1}" if odd and value > 0 else ""
        raise KernelError(f"{preset} size must be {rule}; got {value}{hint}")
    return value


def _check_ndim(preset: str, ndim: object, allowed: Sequence[int]) -> int:
    rule = " or ".join(str(n) for n in allowed)
    value = _check_int(preset, "ndim", ndim, rule)
    if value not in allowed:
        raise KernelError(f"{preset} ndim must be {rule}; got {value}")
    return value


def _check_weights(preset: str, size: int, ndim: int) -> None:
    count = size**ndim
    if count > MAX_WEIGHTS:
        raise KernelError(
            f"{preset} with size={size} and ndim={ndim} has {count:,} weights, more than "
            f"the {MAX_WEIGHTS:,} a kernel may have; use a smaller size"
        )


def _outer(factors: Sequence[np.ndarray]) -> np.ndarray:
    """Outer product of 1-D factors, one per axis (first factor = first axis)."""
    return np.asarray(reduce(np.multiply.outer, factors), dtype=np.float64)


# -- builders ------------------------------------------------------------------------


def _fixed(weights: np.ndarray) -> Callable[[], np.ndarray]:
    frozen = np.array(weights, dtype=np.float64)

    def build() -> np.ndarray:
        return frozen.copy()

    return build


def _identity(*, size: int, ndim: int) -> np.ndarray:
    size = _check_size("identity", size, odd=True)
    ndim = _check_ndim("identity", ndim, (1, 2, 3))
    _check_weights("identity", size, ndim)
    weights = np.zeros((size,) * ndim)
    weights[(size // 2,) * ndim] = 1.0
    return weights


def _box(*, size: int, ndim: int) -> np.ndarray:
    size = _check_size("box", size, odd=False)
    ndim = _check_ndim("box", ndim, (1, 2, 3))
    _check_weights("box", size, ndim)
    return np.full((size,) * ndim, 1.0 / size**ndim)


def _gaussian(*, size: int, sigma: float, ndim: int) -> np.ndarray:
    size = _check_size("gaussian", size, odd=True)
    ndim = _check_ndim("gaussian", ndim, (1, 2, 3))
    if (
        isinstance(sigma, bool)
        or not isinstance(sigma, int | float | np.integer | np.floating)
        or not math.isfinite(sigma)
        or sigma <= 0
    ):
        raise KernelError(f"gaussian sigma must be a finite number > 0; got {sigma!r}")
    _check_weights("gaussian", size, ndim)
    offsets = np.arange(size) - size // 2
    with np.errstate(all="ignore"):  # extreme sigmas are refused below, not warned about
        profile = np.exp(-0.5 * (offsets / float(sigma)) ** 2)
    if not (np.isfinite(profile).all() and profile.sum() > 0):
        raise KernelError(
            f"gaussian sigma {sigma!r} is too extreme to build a kernel; use a sigma "
            "around size/6 (e.g. 1.0 for size 5)"
        )
    weights = _outer([profile / profile.sum()] * ndim)
    # Renormalise the product so the sum is 1 to the last bit we can get.
    weights /= weights.sum()
    return weights


def _gradient(preset: str, smooth: np.ndarray, axis: int) -> Callable[..., np.ndarray]:
    """Builder of a first-derivative kernel along ``axis`` (negative: from the end)."""

    def build(*, ndim: int) -> np.ndarray:
        ndim = _check_ndim(preset, ndim, (2, 3))
        factors = [smooth] * ndim
        factors[axis] = DIFFERENCE
        return _outer(factors)

    return build


def _gradient_z(smooth: np.ndarray) -> Callable[[], np.ndarray]:
    return _fixed(_outer([DIFFERENCE, smooth, smooth]))


def _laplacian(*, ndim: int) -> np.ndarray:
    ndim = _check_ndim("laplacian", ndim, (1, 2, 3))
    return _neighbours(ndim, centre=-2.0 * ndim, neighbour=1.0)


def _sharpen(*, ndim: int) -> np.ndarray:
    ndim = _check_ndim("sharpen", ndim, (1, 2, 3))
    # identity - laplacian: the centre gains what its neighbours lose.
    return _neighbours(ndim, centre=1.0 + 2.0 * ndim, neighbour=-1.0)


def _neighbours(ndim: int, *, centre: float, neighbour: float) -> np.ndarray:
    """3**ndim kernel: ``centre`` in the middle, ``neighbour`` on the 2*ndim face neighbours."""
    weights = np.zeros((3,) * ndim)
    for axis in range(ndim):
        for side in (0, 2):
            index = [1] * ndim
            index[axis] = side
            weights[tuple(index)] = neighbour
    weights[(1,) * ndim] = centre
    return weights


def _gradient_presets(family: str, smooth: np.ndarray) -> list[Preset]:
    label = f"{family.capitalize()} edges (smoothing {','.join(f'{w:g}' for w in smooth)})"
    return [
        Preset(
            f"{family}-x",
            f"{label}: positive where brighter to the right (last axis); ndim 2-3",
            {"ndim": 2},
            _gradient(f"{family}-x", smooth, -1),
        ),
        Preset(
            f"{family}-y",
            f"{label}: positive where brighter downwards (rows axis); ndim 2-3",
            {"ndim": 2},
            _gradient(f"{family}-y", smooth, -2),
        ),
        Preset(
            f"{family}-z",
            f"3-D {label}: positive where later planes (first axis) are brighter",
            {},
            _gradient_z(smooth),
        ),
    ]


_ALL: list[Preset] = [
    Preset(
        "identity",
        "passes the input through unchanged: 1 at the centre, 0 elsewhere; odd size, ndim 1-3",
        {"size": 3, "ndim": 2},
        _identity,
    ),
    Preset(
        "bump",
        "1-D bump detector [0, 1, 0]: each output is the sample under the centre tap",
        {},
        _fixed(np.array([0.0, 1.0, 0.0])),
    ),
    Preset(
        "derivative",
        "1-D central difference [-1, 0, 1]: positive where the signal rises, 0 where flat",
        {},
        _fixed(DIFFERENCE),
    ),
    Preset(
        "vertical-line",
        "responds to vertical lines one pixel wide; 3 where a line runs under the centre column",
        {},
        _fixed(LINE_WEIGHTS),
    ),
    Preset(
        "horizontal-line",
        "responds to horizontal lines one pixel wide; 3 where a line runs under the centre row",
        {},
        _fixed(LINE_WEIGHTS.T),
    ),
    Preset(
        "diagonal-line",
        "responds to '\\' lines (top-left to bottom-right) one pixel wide; 3 on such a line",
        {},
        _fixed(np.eye(3)),
    ),
    Preset(
        "anti-diagonal-line",
        "responds to '/' lines (bottom-left to top-right) one pixel wide; 3 on such a line",
        {},
        _fixed(np.fliplr(np.eye(3))),
    ),
    Preset(
        "box",
        "blur: the mean of a size**ndim neighbourhood, weights sum to 1; any size, ndim 1-3",
        {"size": 3, "ndim": 2},
        _box,
    ),
    Preset(
        "gaussian",
        "blur weighted by a Gaussian of width sigma, weights sum to 1; odd size, ndim 1-3",
        {"size": 5, "sigma": 1.0, "ndim": 2},
        _gaussian,
    ),
    Preset(
        "sharpen",
        "identity minus laplacian: boosts edges and fine detail, flat areas unchanged; ndim 1-3",
        {"ndim": 2},
        _sharpen,
    ),
    *_gradient_presets("sobel", SOBEL_SMOOTH),
    *_gradient_presets("prewitt", PREWITT_SMOOTH),
    *_gradient_presets("scharr", SCHARR_SMOOTH),
    Preset(
        "laplacian",
        "second derivative (sum 0): responds to spots and thin lines, 0 on flat areas and "
        "ramps; ndim 1-3",
        {"ndim": 2},
        _laplacian,
    ),
    Preset(
        "emboss",
        "relief effect: bright where the image gets brighter towards the bottom-right",
        {},
        _fixed(EMBOSS_WEIGHTS),
    ),
]

#: Every preset by name, in display order.
PRESETS: dict[str, Preset] = {preset.name: preset for preset in _ALL}


def preset_names() -> list[str]:
    """Names of every preset, in display order.

    Examples
    --------
    >>> "vertical-line" in preset_names()
    True
    """
    return list(PRESETS)


def closest_presets(name: str) -> list[str]:
    """Up to five preset names a mistyped ``name`` probably meant.

    Names that contain ``name`` come first (``sobel`` -> ``sobel-x`` ...), then
    those :func:`difflib.get_close_matches` finds.

    Examples
    --------
    >>> closest_presets("sobel")
    ['sobel-x', 'sobel-y', 'sobel-z']
    >>> closest_presets("gausian")
    ['gaussian']
    """
    key = name.strip().lower()
    containing = [n for n in PRESETS if len(key) >= 3 and key in n]
    similar = difflib.get_close_matches(key, list(PRESETS), n=3)
    return list(dict.fromkeys(containing + similar))[:5]


def unknown_kernel_message(spec: str) -> str:
    """The message for a kernel spec that is neither file, numbers nor preset.

    Examples
    --------
    >>> unknown_kernel_message("gausian:size=3")
    "unknown kernel 'gausian:size=3' (not a file, numbers or preset); closest presets: gaussian"
    >>> unknown_kernel_message("zzz")
    "unknown kernel 'zzz' (not a file, numbers or preset); run 'convcli kernels' to list ..."
    """
    name = spec.partition(":")[0].strip()
    close = closest_presets(name)
    hint = (
        "closest presets: " + ", ".join(close)
        if close
        else "run 'convcli kernels' to list the presets"
    )
    return f"unknown kernel '{spec}' (not a file, numbers or preset); {hint}"


def find_preset(spec: str) -> Preset | None:
    """The preset a spec's name part names (case-insensitive, ``_`` for ``-``), if any.

    Examples
    --------
    >>> find_preset("Sobel_X:ndim=3").name
    'sobel-x'
    >>> find_preset("nope") is None
    True
    """
    return PRESETS.get(spec.partition(":")[0].strip().lower().replace("_", "-"))


def build_preset(spec: str) -> np.ndarray:
    """Build the kernel a preset spec names.

    Parameters
    ----------
    spec : str
        ``NAME`` or ``NAME:key=value,...``, e.g. ``gaussian:size=5,sigma=1.2``.
        Names are case-insensitive and ``_`` may stand for ``-``; whitespace around
        names, keys and values is ignored. A parameter's type is that of its default:
        ``size`` and ``ndim`` take integers, ``sigma`` any number.

    Returns
    -------
    numpy.ndarray
        The weights, float64, in cross-correlation orientation.

    Raises
    ------
    KernelError
        For an unknown name (listing the closest presets), an unknown parameter, a
        part that is not ``key=value``, or a value of the wrong type or range.

    Notes
    -----
    The fixed 2-D presets::

        vertical-line   horizontal-line  diagonal-line  anti-diagonal-line
        0  1  0         0  0  0          1  0  0        0  0  1
        0  1  0         1  1  1          0  1  0        0  1  0
        0  1  0         0  0  0          0  0  1        1  0  0

        sobel-x         sobel-y          scharr-x        laplacian  sharpen   emboss
        -1  0  1        -1 -2 -1         -3  0  3        0  1  0    0 -1  0   -2 -1  0
        -2  0  2         0  0  0        -10  0 10        1 -4  1   -1  5 -1   -1  1  1
        -1  0  1         1  2  1         -3  0  3        0  1  0    0 -1  0    0  1  2

    ``prewitt-x``/``-y`` are ``sobel-x``/``-y`` with smoothing ``1 1 1`` instead of
    ``1 2 1``; ``scharr-y`` is ``scharr-x`` transposed. With ``ndim=3`` a gradient
    preset is the outer product of the difference ``-1 0 1`` along its axis with the
    smoothing factor along the two others; ``*-z`` differentiates along the first
    axis. 1-D: ``bump`` is ``0 1 0``, ``derivative`` is ``-1 0 1``, ``laplacian:ndim=1``
    is ``1 -2 1``, ``sharpen:ndim=1`` is ``-1 3 -1``. In 3-D, ``laplacian`` has -6 at
    the centre and 1 on its six face neighbours.

    Examples
    --------
    >>> build_preset("sobel-x").tolist()
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
    >>> build_preset("identity:ndim=1,size=5").tolist()
    [0.0, 0.0, 1.0, 0.0, 0.0]
    >>> round(float(build_preset("gaussian:size=5,sigma=1.2").sum()), 12)
    1.0
    >>> build_preset("gaussian:size=4")
    Traceback (most recent call last):
    ...
    convcli.errors.KernelError: gaussian size must be a positive odd integer (the kernel needs a centre); got 4; try size=5
    """  # noqa: E501
    _, colon, params_text = spec.partition(":")
    preset = find_preset(spec)
    if preset is None:
        raise KernelError(unknown_kernel_message(spec.strip()))
    if not colon:
        return preset.kernel()
    return preset.kernel(**_parse_params(preset, spec.strip(), params_text))


def _parse_params(preset: Preset, spec: str, text: str) -> dict[str, Param]:
    """``key=value,...`` -> typed values, each of its default's type."""
    if not preset.defaults:
        raise KernelError(f"{preset.name} takes no parameters; got '{spec}'")
    example = preset.example_spec()
    if not text.strip():
        raise KernelError(f"no parameters after ':' in '{spec}'; write e.g. {example}")
    params: dict[str, Param] = {}
    for part in text.split(","):
        if not part.strip():
            raise KernelError(
                f"kernel spec '{spec}' has an empty parameter (an extra ','?); write e.g. {example}"
            )
        key, equals, value = (s.strip() for s in part.partition("="))
        if not (key and equals and value):
            raise KernelError(
                f"kernel parameter '{part.strip()}' in '{spec}' is not key=value; "
                f"write e.g. {example}"
            )
        if key not in preset.defaults:
            raise KernelError(preset._unknown_parameter(key))
        if key in params:
            raise KernelError(f"{preset.name} parameter '{key}' is given twice in '{spec}'")
        params[key] = _convert(preset.name, key, value, preset.defaults[key])
    return params


def _convert(preset: str, key: str, value: str, default: Param) -> Param:
    if isinstance(default, int):
        if not _INT_RE.fullmatch(value):
            raise KernelError(f"{preset} {key} must be an integer; got '{value}'")
        return int(value)
    if not _FLOAT_RE.fullmatch(value):
        raise KernelError(f"{preset} {key} must be a number; got '{value}'")
    return float(value)
