"""Feature maps to pixels: normalisation, colour maps and labelled montages.

Pure array functions, no file I/O: :mod:`convcli.writers` encodes what these return.
Pillow (for the montage labels' font) is imported by :func:`montage` alone, so the
names here (:data:`CMAPS`, :data:`NORMALIZE_MODES`) cost NumPy only.

* :func:`to_pixels` turns float values into 8-bit (or 16-bit) pixels following one of
  :data:`NORMALIZE_MODES` and says, in one ``note: ...`` line, how it changed them;
  :func:`pixel_scale` says which values the darkest and brightest pixels stand for,
  and :func:`scaled_pixels` gives both from one pass.
* :func:`apply_cmap` renders one-channel pixels as an RGB heat map; :func:`cmap_table`
  is its 256-entry lookup table.
* :func:`heat_scale` picks the scale of a heat map for people (terminal heat maps and
  ``--report``): diverging and centred on 0 for signed maps, sequential from 0
  otherwise; :func:`shrink` downsamples by area means so a map fits.
* :func:`montage` lays several same-shape tiles out in a labelled grid, with a
  :class:`Legend` (a colour bar with its values) drawn by :func:`draw_legend`.

Examples
--------
>>> import numpy as np
>>> pixels, note = to_pixels(np.array([[-765.0, 0.0, 765.0]]))
>>> pixels.tolist(), note
([[0, 128, 255]], 'note: rescaled -765..765 to 0..255 (minmax)')
>>> apply_cmap(pixels, "viridis")[0, 0].tolist()
[68, 1, 84]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from convcli.errors import OutputError, ParameterError
from convcli.numfmt import format_compact
from convcli.params import NORMALIZE_MODES, choice

if TYPE_CHECKING:
    from PIL import ImageFont

    from convcli.featuremaps import FeatureMaps

CMAPS: tuple[str, ...] = ("grey", "gray", "viridis", "magma", "coolwarm")
"""The ``--cmap`` names (``gray`` is an alias of ``grey``)."""

# ---------------------------------------------------------------------------
# Normalisation


@dataclass(frozen=True)
class PixelScale:
    """Which values the darkest (``low``) and brightest (``high``) pixels stand for.

    ``how`` names the mapping for people (``"minmax"``, ``"abs: |value|"``, ...);
    with ``absolute`` the pixels show magnitudes, ``low`` and ``high`` included.
    """

    low: float
    high: float
    how: str
    absolute: bool = False


def to_pixels(
    values: np.ndarray, *, normalize: str = "auto", pixel_max: int = 255, centred: bool = False
) -> tuple[np.ndarray, str | None]:
    """Map float values to integer pixels ``0..pixel_max``.

    Parameters
    ----------
    values : numpy.ndarray
        Values of any shape (one map, or all maps of a montage so that they share one
        mapping).
    normalize : {"auto", "clip", "abs", "minmax", "offset"}
        ``auto``: values already inside ``0..pixel_max`` are only rounded, anything
        else is rescaled as ``minmax``. ``clip``: clip to the pixel range. ``abs``:
        absolute value, then clip. ``minmax``: rescale min..max linearly to
        ``0..pixel_max``. ``offset``: add the mid-grey (128, or 32768 for 16-bit),
        then clip, so that 0 is mid-grey (pair it with the ``coolwarm`` colour map).
    pixel_max : {255, 65535}
        255 gives ``uint8`` pixels, 65535 gives ``uint16``.
    centred : bool
        For a diverging colour map (``coolwarm``): ``auto`` and ``minmax`` rescale
        ``-m..m`` (``m`` the largest magnitude) instead of ``min..max``, so that 0 is
        always the middle pixel (128 of 0..255) and equal magnitudes get equally strong
        colours on either side. ``clip``, ``abs`` and ``offset`` are unchanged
        (``offset`` already puts 0 in the middle).

    Returns
    -------
    pixels : numpy.ndarray
        ``uint8`` or ``uint16`` array of the same shape; rounding is half-to-even.
    note : str or None
        One line starting with ``note:`` when the mapping changed values beyond
        rounding (which mapping, from which range to which), else ``None``.

    Raises
    ------
    ParameterError
        Unknown ``normalize`` or ``pixel_max``.

    Notes
    -----
    * NaN becomes 0 before anything else (the engine never makes NaN from finite
      input; a NaN in a loaded ``.npy`` should not poison the whole picture).
    * ``+inf``/``-inf`` end at the top/bottom of the pixel range; ``minmax`` takes its
      range from the finite values only.
    * A constant map has no range to stretch: ``minmax`` then behaves as ``clip``
      (a flat 300 becomes 255, a flat 7 stays 7) rather than turning it black, so a
      blur of a white image still looks white.

    Examples
    --------
    >>> import numpy as np
    >>> to_pixels(np.array([0.4, 254.6]))          # already in range: only rounded
    (array([  0, 255], dtype=uint8), None)
    >>> to_pixels(np.array([-3.0, 7.0, 300.0]), normalize="clip")
    (array([  0,   7, 255], dtype=uint8), 'note: clipped -3..300 to 0..255 (clip)')
    >>> to_pixels(np.array([-2.0, 0.0, 2.0]), normalize="offset")[0]
    array([126, 128, 130], dtype=uint8)
    >>> to_pixels(np.array([0.0, 0.5]), normalize="minmax", pixel_max=65535)
    (array([    0, 65535], dtype=uint16), 'note: rescaled 0..0.5 to 0..65535 (minmax)')
    >>> to_pixels(np.array([-10.0, 0.0, 40.0]), centred=True)
    (array([ 96, 128, 255], dtype=uint8), 'note: rescaled -40..40 to 0..255, 0 in the middle (minmax centred on 0; values -10..40)')
    """  # noqa: E501
    pixels, note, _ = scaled_pixels(
        values, normalize=normalize, pixel_max=pixel_max, centred=centred
    )
    return pixels, note


def pixel_scale(
    values: np.ndarray, *, normalize: str = "auto", pixel_max: int = 255, centred: bool = False
) -> PixelScale:
    """The scale :func:`to_pixels` uses for ``values``, for a legend or a caption.

    Pixel 0 stands for ``low``, ``pixel_max`` for ``high``, linearly in between (values
    beyond either end are clipped to it).

    Examples
    --------
    >>> import numpy as np
    >>> pixel_scale(np.array([-765.0, 10.0]))
    PixelScale(low=-765.0, high=10.0, how='minmax', absolute=False)
    >>> pixel_scale(np.array([-10.0, 40.0]), centred=True).low
    -40.0
    >>> pixel_scale(np.array([3.0, 7.0]))
    PixelScale(low=0.0, high=255.0, how='values as they are', absolute=False)
    >>> pixel_scale(np.array([-3.0, 7.0]), normalize="offset")
    PixelScale(low=-128.0, high=127.0, how='offset: 0 is mid-grey', absolute=False)
    """
    return scaled_pixels(values, normalize=normalize, pixel_max=pixel_max, centred=centred)[2]


def scaled_pixels(
    values: np.ndarray, *, normalize: str = "auto", pixel_max: int = 255, centred: bool = False
) -> tuple[np.ndarray, str | None, PixelScale]:
    """:func:`to_pixels`' pixels and note, with the :class:`PixelScale` they follow.

    One pass over the values decides all three, so a legend always describes its pixels.

    Examples
    --------
    >>> import numpy as np
    >>> pixels, note, scale = scaled_pixels(np.array([-2.0, 0.0, 2.0]), normalize="abs")
    >>> pixels.tolist(), scale.how, scale.absolute
    ([2, 0, 2], 'abs: |value|', True)
    """
    normalize = choice(normalize, NORMALIZE_MODES, name="--normalize")
    if pixel_max not in (255, 65535):
        raise ParameterError(f"pixel_max must be 255 (8-bit) or 65535 (16-bit); got {pixel_max}")

    # A float64 copy, changed in place below (a 4096x4096 map is 128 MiB: temporaries
    # cost more than the convolution); float64 so that rescaling float32 maps adds no
    # error of its own before rounding.
    v = np.array(values, dtype=np.float64)
    top = float(pixel_max)
    if v.size:
        lo, hi = float(v.min()), float(v.max())
        if math.isnan(lo) or math.isnan(hi):
            v[np.isnan(v)] = 0.0
            lo, hi = float(v.min()), float(v.max())
        flo, fhi = _finite_range(v, lo, hi)
    else:
        lo = hi = flo = fhi = 0.0

    mode = normalize
    if centred and mode in ("auto", "minmax"):
        return _centred(v, (lo, hi), (flo, fhi), pixel_max)
    as_they_are = PixelScale(0.0, top, "values as they are")
    if mode == "auto":
        mode = "clip" if lo >= 0.0 and hi <= top else "minmax"
        if mode == "clip" and 0.0 < hi < top / 16:
            # In range, so only rounded, as the contract says; but a user would see black.
            return (
                _rounded(v, pixel_max),
                f"note: values {format_compact(lo)}..{format_compact(hi)} fill little of "
                f"0..{pixel_max} and will look dark; --normalize minmax stretches them",
                as_they_are,
            )
        if mode == "clip":
            return _rounded(v, pixel_max), None, as_they_are
    span = f"{format_compact(lo)}..{format_compact(hi)}"
    target = f"0..{pixel_max}"
    note: str | None = None

    if mode == "clip" or (mode == "minmax" and fhi == flo):
        mapped = v
        scale = PixelScale(0.0, top, "clip")
        if lo < 0.0 or hi > top:
            if mode == "clip":
                note = f"note: clipped {span} to {target} (clip)"
            else:
                what = format_compact(lo) if lo == hi else span
                note = (
                    f"note: constant map of {what} clipped to {target} (minmax: nothing to stretch)"
                )
    elif mode == "minmax":
        # divide before scaling: top / span overflows for a tiny span; halve an overflowing span
        halve = not math.isfinite(fhi - flo)
        if halve:
            mapped = (v / 2 - flo / 2) / (fhi / 2 - flo / 2) * top
        else:  # (v - flo) / (fhi - flo) * top, in place
            mapped = v
            mapped -= flo
            mapped /= fhi - flo
            mapped *= top
        scale = PixelScale(flo, fhi, "minmax")
        if (flo, fhi) != (0.0, top) or lo != flo or hi != fhi:
            inf = "; infinite values at the ends" if (lo != flo or hi != fhi) else ""
            span_f = f"{format_compact(flo)}..{format_compact(fhi)}"
            note = f"note: rescaled {span_f} to {target} (minmax{inf})"
    elif mode == "abs":
        mapped = np.abs(v, out=v)
        scale = PixelScale(0.0, top, "abs: |value|", absolute=True)
        over = float(mapped.max()) > top if v.size else False
        if lo < 0.0 and over:
            note = f"note: took absolute values of {span}, then clipped to {target} (abs)"
        elif lo < 0.0:
            note = f"note: took absolute values of {span} (abs)"
        elif over:
            note = f"note: clipped {span} to {target} (abs)"
    else:  # offset
        mid = (pixel_max + 1) // 2
        mapped = v
        mapped += mid
        scale = PixelScale(float(-mid), top - mid, "offset: 0 is mid-grey")
        if lo + mid < 0.0 or hi + mid > top:
            note = f"note: added {mid} to {span}, then clipped to {target} (offset)"
        else:
            shifted = f"{format_compact(lo + mid)}..{format_compact(hi + mid)}"
            note = f"note: added {mid} to {span}, giving {shifted} (offset)"

    return _rounded(mapped, pixel_max), note, scale


def _centred(
    v: np.ndarray, span: tuple[float, float], finite: tuple[float, float], pixel_max: int
) -> tuple[np.ndarray, str | None, PixelScale]:
    """``-m..m`` to ``0..pixel_max``: 0 lands on the middle (127.5 rounds to 128)."""
    (lo, hi), (flo, fhi) = span, finite
    m = max(abs(flo), abs(fhi))
    scale = PixelScale(-m, m, "minmax centred on 0")
    half = pixel_max / 2
    if m == 0.0:  # all zeros (or only infinities): everything is the middle colour
        mapped = np.where(v > 0, float(pixel_max), np.where(v < 0, 0.0, half))
        note = "note: a map of zeros is the middle pixel (centred on 0)"
        return _rounded(mapped, pixel_max), note, scale
    # divide first: v / m stays finite where m * something would overflow
    mapped = v / m * half + half
    values = "" if (flo, fhi) == (-m, m) else f"; values {format_compact(lo)}..{format_compact(hi)}"
    inf = "; infinite values at the ends" if (lo != flo or hi != fhi) else ""
    note = (
        f"note: rescaled {format_compact(-m)}..{format_compact(m)} to 0..{pixel_max}, "
        f"0 in the middle (minmax centred on 0{values}{inf})"
    )
    return _rounded(mapped, pixel_max), note, scale


def _rounded(values: np.ndarray, pixel_max: int) -> np.ndarray:
    # maximum/minimum rather than np.clip: several times faster on large float64 maps
    clipped = np.maximum(values, 0.0)
    np.minimum(clipped, float(pixel_max), out=clipped)
    np.rint(clipped, out=clipped)
    pixels: np.ndarray = clipped.astype(np.uint8 if pixel_max == 255 else np.uint16)
    return pixels


def _finite_range(v: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """The min and max of the finite values of ``v`` (whose min and max are ``lo``, ``hi``).

    Examples
    --------
    >>> _finite_range(np.array([np.inf, 2.0, -1.0]), -1.0, np.inf)
    (-1.0, 2.0)
    """
    if math.isfinite(lo) and math.isfinite(hi):
        return lo, hi
    finite = v[np.isfinite(v)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


# ---------------------------------------------------------------------------
# Colour maps

# Anchors in 8-bit sRGB, 17 per map. viridis and magma: matplotlib's published
# 256-entry tables (van der Walt & Smith) at entries 0, 16, ..., 240, 255; linear
# interpolation between them stays within 6 levels of the full table. coolwarm:
# Moreland's "Diverging Color Maps for Scientific Visualization" (CoolWarmFloat33), every
# other point, as matplotlib ships it; its neutral grey (221, 221, 221) is the middle.
_SEQUENTIAL_AT = (*range(0, 256, 16), 255)
_VIRIDIS = (
    (68, 1, 84), (72, 24, 106), (71, 45, 123), (66, 64, 134), (59, 82, 139), (51, 99, 141),
    (44, 114, 142), (38, 130, 142), (33, 145, 140), (31, 160, 136), (40, 174, 128),
    (63, 188, 115), (94, 201, 98), (132, 212, 75), (173, 220, 48), (216, 226, 25),
    (253, 231, 37),
)  # fmt: skip
_MAGMA = (
    (0, 0, 4), (10, 8, 34), (29, 17, 71), (54, 16, 107), (81, 18, 124), (106, 28, 129),
    (131, 38, 129), (156, 46, 127), (183, 55, 121), (208, 65, 111), (231, 82, 99),
    (245, 107, 92), (252, 137, 97), (254, 167, 114), (254, 196, 136), (253, 226, 163),
    (252, 253, 191),
)  # fmt: skip
_COOLWARM = (
    (59, 76, 192), (77, 104, 215), (98, 130, 234), (119, 154, 247), (141, 176, 254),
    (163, 194, 255), (184, 208, 249), (204, 217, 238), (221, 221, 221), (236, 211, 197),
    (245, 196, 173), (247, 177, 148), (244, 154, 123), (236, 127, 99), (222, 96, 77),
    (203, 62, 56), (180, 4, 38),
)  # fmt: skip
# Diverging: the centre anchor sits exactly on entry 128, the mid-grey that
# ``to_pixels(..., normalize="offset")`` gives a 0 (an even 256-entry table has no middle).
_CENTRED_AT = (*(16.0 * k for k in range(9)), *(128 + 127 * k / 8 for k in range(1, 9)))


def _table(anchors: tuple[tuple[int, int, int], ...], at: tuple[float, ...]) -> np.ndarray:
    """A (256, 3) uint8 lookup table interpolated linearly between ``anchors``."""
    colours = np.asarray(anchors, dtype=np.float64)
    index = np.arange(256)
    channels = [np.interp(index, at, colours[:, c]) for c in range(3)]
    return np.rint(np.stack(channels, axis=1)).astype(np.uint8)


_GREY = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
_TABLES: dict[str, np.ndarray] = {
    "grey": _GREY,
    "gray": _GREY,
    "viridis": _table(_VIRIDIS, _SEQUENTIAL_AT),
    "magma": _table(_MAGMA, _SEQUENTIAL_AT),
    "coolwarm": _table(_COOLWARM, _CENTRED_AT),
}


def apply_cmap(pixels: np.ndarray, name: str) -> np.ndarray:
    """Render one-channel pixels as an RGB heat map.

    Parameters
    ----------
    pixels : numpy.ndarray
        2-D ``uint8`` or ``uint16`` pixels (16-bit values are scaled to the 256-entry
        table with rounding).
    name : str
        One of :data:`CMAPS` (case-insensitive).

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` ``uint8``.

    Raises
    ------
    ParameterError
        Unknown name, or pixels that are not 2-D 8/16-bit.

    Examples
    --------
    >>> import numpy as np
    >>> apply_cmap(np.array([[0, 255]], dtype=np.uint8), "viridis").tolist()
    [[[68, 1, 84], [253, 231, 37]]]
    >>> apply_cmap(np.array([[128]], dtype=np.uint8), "coolwarm").tolist()
    [[[221, 221, 221]]]
    """
    table = _TABLES.get(name.lower())
    if table is None:
        raise ParameterError(f"unknown colour map {name!r}; choose one of {', '.join(CMAPS)}")
    if pixels.ndim != 2 or pixels.dtype not in (np.uint8, np.uint16):
        raise ParameterError(
            f"a colour map needs one-channel 8- or 16-bit pixels; "
            f"got shape {pixels.shape} of {pixels.dtype}"
        )
    if pixels.dtype == np.uint16:
        pixels = (pixels.astype(np.uint32) * 255 + 32767) // 65535
    result: np.ndarray = table[pixels]
    return result


def cmap_table(name: str) -> np.ndarray:
    """The ``(256, 3)`` ``uint8`` lookup table of a colour map (a copy).

    Examples
    --------
    >>> cmap_table("coolwarm")[[0, 128, 255]].tolist()
    [[59, 76, 192], [221, 221, 221], [180, 4, 38]]
    """
    table = _TABLES.get(name.lower())
    if table is None:
        raise ParameterError(f"unknown colour map {name!r}; choose one of {', '.join(CMAPS)}")
    return table.copy()


# ---------------------------------------------------------------------------
# Heat maps for people: the scale of a terminal heat map or a report picture

DIVERGING = "coolwarm"
"""The colour map of signed maps: blue below 0, neutral grey at 0, red above."""
SEQUENTIAL = "viridis"
"""The colour map of maps without negative values: dark at 0, bright at the maximum."""


@dataclass(frozen=True)
class HeatScale:
    """How one map's values become colours in a heat map.

    ``low`` and ``high`` are the values at the two ends of the colour map ``cmap``;
    ``diverging`` scales are ``-m..m`` so that 0 is the middle colour. ``minimum`` and
    ``maximum`` are the map's own extremes (inside ``low..high``).
    """

    low: float
    high: float
    cmap: str
    diverging: bool
    minimum: float
    maximum: float

    def fractions(self, values: np.ndarray) -> np.ndarray:
        """Where each value sits between ``low`` (0.0) and ``high`` (1.0), clipped.

        A scale without a range (a constant map) puts everything at 0.0, or at the
        middle (0.5) for a diverging one: a map of zeros is neutral.

        Examples
        --------
        >>> import numpy as np
        >>> heat_scale(np.array([-2.0, 1.0])).fractions(np.array([-2.0, 0.0, 1.0])).tolist()
        [0.0, 0.5, 0.75]
        """
        v = np.asarray(values, dtype=np.float64)
        if self.high == self.low:
            return np.full(v.shape, 0.5 if self.diverging else 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            t = (v - self.low) / (self.high - self.low)
        result: np.ndarray = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
        return result

    def indices(self, values: np.ndarray) -> np.ndarray:
        """Lookup-table entries 0..255 of ``values`` (0 is entry 128 when diverging).

        Examples
        --------
        >>> import numpy as np
        >>> heat_scale(np.array([-765.0, 765.0])).indices(np.array([-765.0, 0.0, 765.0]))
        array([  0, 128, 255], dtype=uint8)
        """
        # rint rounds 127.5 to the even 128: the coolwarm table's neutral entry
        result: np.ndarray = np.rint(self.fractions(values) * 255).astype(np.uint8)
        return result

    def colours(self, values: np.ndarray) -> np.ndarray:
        """``values`` as ``(..., 3)`` ``uint8`` RGB colours of ``cmap``."""
        result: np.ndarray = _TABLES[self.cmap][self.indices(values)]
        return result

    @property
    def zero(self) -> float | None:
        """Where 0 sits along the colour bar (0.0 to 1.0), when strictly inside it."""
        if self.low < 0.0 < self.high:
            return -self.low / (self.high - self.low)
        return None


def heat_scale(
    values: np.ndarray, *, cmap: str | None = None, fixed: tuple[float, float] | None = None
) -> HeatScale:
    """The heat-map scale of one map: diverging for signed maps, else sequential from 0.

    Parameters
    ----------
    values : numpy.ndarray
        The map (any shape; non-finite values are left out of its range).
    cmap : str, optional
        A :data:`CMAPS` name. Default: :data:`DIVERGING` (``coolwarm``) when the map
        has a negative value, else :data:`SEQUENTIAL` (``viridis``). ``coolwarm`` is
        always centred on 0.
    fixed : (float, float), optional
        The ends of the scale, used as given (an image's pixel range ``0..255``).

    Notes
    -----
    * Diverging: ``-m..m`` with ``m`` the largest magnitude, so 0 is the middle
      colour and a value and its negative are equally strong.
    * Sequential: ``0..max`` when the map has no negative value, so the darkest colour
      always means 0 (a blur of an image is not stretched to look like an edge map);
      ``min..max`` when a sequential colour map is asked for a signed map.

    Examples
    --------
    >>> import numpy as np
    >>> s = heat_scale(np.array([[-30.0, 0.0], [0.0, 765.0]]))
    >>> s.low, s.high, s.cmap, s.diverging, s.zero
    (-765.0, 765.0, 'coolwarm', True, 0.5)
    >>> s = heat_scale(np.array([50.0, 200.0]))
    >>> s.low, s.high, s.cmap
    (0.0, 200.0, 'viridis')
    >>> heat_scale(np.array([-1.0, 3.0]), cmap="magma").low
    -1.0
    """
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    name = (cmap or (DIVERGING if lo < 0.0 else SEQUENTIAL)).lower()
    if name not in _TABLES:
        raise ParameterError(f"unknown colour map {cmap!r}; choose one of {', '.join(CMAPS)}")
    name = "grey" if name == "gray" else name
    diverging = name == DIVERGING and fixed is None
    if fixed is not None:
        low, high = fixed
    elif diverging:
        m = max(abs(lo), abs(hi))
        low, high = -m, m
    else:
        low, high = (0.0 if lo >= 0.0 else lo), hi
    return HeatScale(low, high, name, diverging, lo, hi)


def shrink(values: np.ndarray, factor: int, *, axes: int | None = None) -> np.ndarray:
    """Downsample the first ``axes`` axes (default: all) by ``factor``, by area means.

    Each output cell is the mean of a ``factor x factor`` block; blocks at the far
    edges may be smaller and are averaged over what they hold, so nothing is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> shrink(np.arange(16.0).reshape(4, 4), 2).tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    >>> shrink(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 2).tolist()
    [1.5, 3.5, 5.0]
    """
    if factor < 1:
        raise ParameterError(f"a shrink factor must be a positive integer; got {factor}")
    v = np.asarray(values, dtype=np.float64)
    if factor == 1:
        return v
    for axis in range(v.ndim if axes is None else axes):
        n = v.shape[axis]
        starts = np.arange(0, n, factor)
        counts = np.diff(np.append(starts, n)).astype(np.float64)
        shape = [1] * v.ndim
        shape[axis] = len(starts)
        v = np.add.reduceat(v, starts, axis=axis) / counts.reshape(shape)
    return v


def titled_maps(maps: FeatureMaps) -> list[tuple[str, np.ndarray]]:
    """Every map of ``maps`` (one per channel and filter) with a title for people.

    Titles name the filter by index and label (``filter 1: sobel-y``; the index alone
    when the label is the index) and the channel when there are several.

    Examples
    --------
    >>> import numpy as np
    >>> from convcli.featuremaps import FeatureMaps
    >>> maps = FeatureMaps(np.zeros((2, 2, 4)), 2, 2, 2, ("a", "1"))
    >>> [title for title, _ in titled_maps(maps)]
    ['channel 0, filter 0: a', 'channel 0, filter 1', 'channel 1, filter 0: a', 'channel 1, filter 1']
    """  # noqa: E501
    data = np.asarray(maps.data)
    if not maps.has_last_axis:
        return [(_filter_title(0, maps.labels[0] if maps.labels else "0"), data)]
    count = data.shape[-1]
    out = []
    for k in range(count):
        if maps.channels * maps.filters != count:  # an unexpected layout: by index
            out.append((f"map {k}", data[..., k]))
            continue
        channel, filt = divmod(k, maps.filters)
        name = maps.labels[filt] if filt < len(maps.labels) else str(filt)
        title = _filter_title(filt, name)
        out.append((f"channel {channel}, {title}" if maps.channels > 1 else title, data[..., k]))
    return out


def _filter_title(index: int, name: str) -> str:
    return f"filter {index}" if name == str(index) else f"filter {index}: {name}"


# ---------------------------------------------------------------------------
# Legends: a colour bar with the values at its ends


@dataclass(frozen=True)
class Legend:
    """A colour bar and what it means, drawn under a montage or a report picture.

    Parameters
    ----------
    title : str
        One line above the bar (``"one scale for all 4 tiles (minmax)"``).
    colours : numpy.ndarray
        ``(256, 3)`` ``uint8``: the colour of each pixel value, left to right.
    low, high : str
        The values at the bar's two ends.
    zero : float, optional
        Where 0 sits along the bar (0.0 to 1.0) when strictly inside; marked ``0``.
    """

    title: str
    colours: np.ndarray
    low: str
    high: str
    zero: float | None = None


LEGEND_BAR_HEIGHT = 8


def draw_legend(legend: Legend, width: int, *, background: int = 64, ink: int = 255) -> np.ndarray:
    """Draw ``legend`` as an ``(H, width, 3)`` ``uint8`` strip with Pillow's default font.

    The title on the first line, the colour bar under it (the full width minus 2
    pixels each side), then ``low`` under the bar's left end, ``high`` under its right
    end and ``0`` where zero sits (when there is room between them).

    Examples
    --------
    >>> import numpy as np
    >>> strip = draw_legend(Legend("scale", cmap_table("grey"), "0", "255"), 100)
    >>> strip.shape, strip[16, 2].tolist(), strip[16, 97].tolist()
    ((40, 100, 3), [0, 0, 0], [255, 255, 255])
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    text_h = int(font.getbbox("Ag")[3])
    pad = 2
    bar_top = pad + text_h + pad
    height = bar_top + LEGEND_BAR_HEIGHT + pad + text_h + pad
    image = Image.new("RGB", (width, height), (background,) * 3)
    draw = ImageDraw.Draw(image)
    draw.text(
        (pad, pad), _fit_label(legend.title, font, width - 2 * pad), fill=(ink,) * 3, font=font
    )
    bar_w = max(width - 2 * pad, 1)
    positions = np.rint(np.linspace(0, 255, bar_w)).astype(np.intp)
    bar = np.repeat(legend.colours[positions][np.newaxis], LEGEND_BAR_HEIGHT, axis=0)
    image.paste(Image.fromarray(np.ascontiguousarray(bar)), (pad, bar_top))
    numbers_y = bar_top + LEGEND_BAR_HEIGHT + pad
    low_w = font.getlength(legend.low)
    high_w = font.getlength(legend.high)
    draw.text((pad, numbers_y), legend.low, fill=(ink,) * 3, font=font)
    draw.text((width - pad - high_w, numbers_y), legend.high, fill=(ink,) * 3, font=font)
    if legend.zero is not None:
        zero_w = font.getlength("0")
        x = pad + legend.zero * (bar_w - 1) - zero_w / 2
        if pad + low_w + 4 <= x and x + zero_w + 4 <= width - pad - high_w:
            draw.text((x, numbers_y), "0", fill=(ink,) * 3, font=font)
    return np.asarray(image)


# ---------------------------------------------------------------------------
# Montage

MIN_TILE_WIDTH = 96
"""Tiles narrower than this are enlarged by a whole factor so their labels fit."""
_GAP = 4
_BACKGROUND = 64
_INK = 255


def montage(
    tiles: list[np.ndarray], labels: list[str], *, legend: Legend | None = None
) -> np.ndarray:
    """Lay same-shape tiles out in a grid, each with its label underneath.

    The grid has ``ceil(sqrt(n))`` columns, filled row by row. Tiles narrower than
    :data:`MIN_TILE_WIDTH` (96) pixels are enlarged by the nearest-neighbour factor
    ``ceil(96 / width)`` (a 28-pixel-wide map becomes 4x, 112 pixels), so every pixel
    stays a crisp square and the label fits. Tiles sit ``4`` pixels apart and from the
    border, on a dark grey (64) background; each label (Pillow's default font, in
    white, shortened with ``...`` when too wide) is centred in a strip under its tile.
    A ``legend`` (the scale every tile shares) is drawn across the bottom.

    Parameters
    ----------
    tiles : list of numpy.ndarray
        ``uint8`` images of one shape: ``(H, W)`` or ``(H, W, C)`` with C in 1..4
        (an alpha channel, C = 2 or 4, is opaque on the background).
    labels : list of str
        One label per tile.
    legend : Legend, optional
        Drawn by :func:`draw_legend` under the grid, as wide as the sheet less the
        4-pixel border; in grey (its first colour channel) for one- and two-channel
        tiles.

    Returns
    -------
    numpy.ndarray
        ``uint8`` image with the tiles' channel layout.

    Raises
    ------
    OutputError
        No tiles, tiles of different shapes or types, or a label count that differs.

    Examples
    --------
    >>> import numpy as np
    >>> tiles = [np.zeros((2, 2), np.uint8), np.full((2, 2), 255, np.uint8)]
    >>> sheet = montage(tiles, ["dark", "light"])
    >>> sheet.shape                        # 2 px tiles enlarged 48x to 96 px
    (122, 204)
    >>> int(sheet[4, 4]), int(sheet[4, 104]), int(sheet[0, 0])
    (0, 255, 64)
    """
    if not tiles:
        raise OutputError("a montage needs at least one tile; got none")
    if len(labels) != len(tiles):
        raise OutputError(
            f"a montage needs one label per tile; got {len(labels)} labels for {len(tiles)} tiles"
        )
    first = tiles[0]
    for tile in tiles:
        if tile.shape != first.shape or tile.dtype != np.uint8:
            raise OutputError(
                f"montage tiles must be uint8 images of one shape; got {tile.shape} "
                f"{tile.dtype} next to {first.shape} {first.dtype}"
            )
    if first.ndim not in (2, 3) or (first.ndim == 3 and not 1 <= first.shape[2] <= 4):
        raise OutputError(
            f"montage tiles must be (H, W) or (H, W, 1..4) images; got shape {first.shape}"
        )

    from PIL import Image, ImageDraw, ImageFont  # only a montage needs a font

    height, width = first.shape[:2]
    factor = math.ceil(MIN_TILE_WIDTH / width) if width < MIN_TILE_WIDTH else 1
    tile_h, tile_w = height * factor, width * factor
    font = ImageFont.load_default()
    strip = int(font.getbbox("Ag")[3]) + 6
    cols = math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / cols)
    cell_h = tile_h + strip + _GAP
    canvas_shape = (rows * cell_h + _GAP, cols * (tile_w + _GAP) + _GAP, *first.shape[2:])

    alpha = first.ndim == 3 and first.shape[2] in (2, 4)
    background = np.full(first.shape[2:] or (1,), _BACKGROUND, dtype=np.float64)
    ink = np.full_like(background, _INK)
    if alpha:  # background and text are opaque
        background[-1] = ink[-1] = 255
    canvas = np.empty(canvas_shape, dtype=np.uint8)
    canvas[...] = background.astype(np.uint8) if first.ndim == 3 else _BACKGROUND

    for i, (tile, label) in enumerate(zip(tiles, labels, strict=True)):
        top = _GAP + (i // cols) * cell_h
        left = _GAP + (i % cols) * (tile_w + _GAP)
        big = tile.repeat(factor, axis=0).repeat(factor, axis=1) if factor > 1 else tile
        canvas[top : top + tile_h, left : left + tile_w] = big
        # Text drawn as a coverage mask, then blended in NumPy: one path for 1..4 channels.
        mask = Image.new("L", (tile_w, strip), 0)
        text = _fit_label(label, font, tile_w - 4)
        text_x = (tile_w - font.getlength(text)) / 2
        ImageDraw.Draw(mask).text((text_x, 2), text, fill=255, font=font)
        cover = np.asarray(mask, dtype=np.float64) / 255.0
        if first.ndim == 3:
            cover = cover[..., None]
            blended = background + (ink - background) * cover
        else:
            blended = _BACKGROUND + (_INK - _BACKGROUND) * cover
        region = canvas[top + tile_h : top + tile_h + strip, left : left + tile_w]
        region[...] = np.rint(blended).astype(np.uint8)
    if legend is not None:
        canvas = _with_legend(canvas, legend)
    return canvas


def _with_legend(canvas: np.ndarray, legend: Legend) -> np.ndarray:
    """``canvas`` with ``legend`` drawn in a strip added at its bottom."""
    width = canvas.shape[1]
    strip = draw_legend(legend, width - 2 * _GAP, background=_BACKGROUND, ink=_INK)
    channels = 1 if canvas.ndim == 2 else canvas.shape[2]
    if channels in (1, 2):
        strip = strip[..., :1]  # grey tiles get a grey legend
    if channels in (2, 4):  # opaque, like the background
        strip = np.concatenate([strip, np.full((*strip.shape[:2], 1), 255, np.uint8)], axis=2)
    if canvas.ndim == 2:
        strip = strip[..., 0]
    band = np.empty((strip.shape[0] + _GAP, *canvas.shape[1:]), dtype=np.uint8)
    band[...] = canvas[0, 0]  # the background of the border
    band[: strip.shape[0], _GAP : width - _GAP] = strip
    return np.concatenate([canvas, band], axis=0)


def _fit_label(label: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, room: int) -> str:
    """``label``, shortened with ``...`` until it is at most ``room`` pixels wide."""
    if font.getlength(label) <= room:
        return label
    while label and font.getlength(label + "...") > room:
        label = label[:-1]
    return label + "..." if label else ""
