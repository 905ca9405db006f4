"""Regenerate every file in ``sample_images/`` (NumPy + Pillow only, deterministic).

Each sample is a small input whose feature maps are easy to predict: a line that a
line detector lights, an edge for Sobel, an impulse whose response is the kernel
itself, and a procedurally painted "photo" for blurs and edge detectors to show off.
All randomness comes from generators seeded with :data:`SEED`, so running the script
again rewrites the same pixels.

Usage::

    python sample_images/make_samples.py            # writes next to this script
    python sample_images/make_samples.py OUT_DIR    # writes into an existing folder

Examples
--------
>>> vertical_line()[0, 14:17].tolist()
[0, 255, 0]
>>> sorted(CSV_SAMPLES)[0]
'seed-bump.csv'
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image

SEED = 20240607

FloatArray = NDArray[np.float64]
Image8 = NDArray[np.uint8]


# --------------------------------------------------------------------------- tiny images


def vertical_line(size: int = 32, column: int = 15) -> Image8:
    """Black square with one white (255) column, 1 px wide.

    Examples
    --------
    >>> img = vertical_line()
    >>> img.shape, img.dtype.name, int(img.sum()) // 255
    ((32, 32), 'uint8', 32)
    """
    img = np.zeros((size, size), dtype=np.uint8)
    img[:, column] = 255
    return img


def horizontal_line(size: int = 32, row: int = 15) -> Image8:
    """Black square with one white (255) row, 1 px high.

    Examples
    --------
    >>> horizontal_line()[14:17, 0].tolist()
    [0, 255, 0]
    """
    return np.ascontiguousarray(vertical_line(size, row).T)


def step_edge(size: int = 32) -> Image8:
    """Left half black (0), right half white (255): one vertical step edge.

    Examples
    --------
    >>> step_edge()[0, 14:18].tolist()
    [0, 0, 255, 255]
    """
    img = np.zeros((size, size), dtype=np.uint8)
    img[:, size // 2 :] = 255
    return img


def bright_pixel(size: int = 15) -> Image8:
    """Black square with a single white pixel at the centre: a unit impulse.

    Examples
    --------
    >>> img = bright_pixel()
    >>> img.shape, int(img[7, 7]), int(img.sum())
    ((15, 15), 255, 255)
    """
    img = np.zeros((size, size), dtype=np.uint8)
    img[size // 2, size // 2] = 255
    return img


def checkerboard(size: int = 32, square: int = 4) -> Image8:
    """Squares of ``square`` x ``square`` pixels, black (0) in the top-left corner.

    Examples
    --------
    >>> checkerboard()[0, :9].tolist()
    [0, 0, 0, 0, 255, 255, 255, 255, 0]
    """
    idx = np.arange(size) // square
    return (((idx[:, None] + idx[None, :]) % 2) * 255).astype(np.uint8)


def gradient_16bit(size: int = 64) -> NDArray[np.uint16]:
    """16-bit grey ramp, dark to bright from left to right, 0..65535.

    Most steps are not multiples of 257, so the file cannot be stored as 8-bit
    without losing values.

    Examples
    --------
    >>> ramp = gradient_16bit()
    >>> ramp.dtype.name, int(ramp.min()), int(ramp.max()), ramp[0, :3].tolist()
    ('uint16', 0, 65535, [0, 1040, 2080])
    """
    row = np.rint(np.arange(size) * (65535 / (size - 1))).astype(np.uint16)
    return np.repeat(row[None, :], size, axis=0)


# ------------------------------------------------------------------------ the "photo"

PHOTO_WIDTH, PHOTO_HEIGHT = 384, 256
_SS = 2  # supersampling factor: shapes are drawn at 2x, then box-averaged (anti-aliasing)
_HORIZON = 168.0  # y of the lake's far shore, in output pixels
_SUN = (300.0, 56.0)
# mountain summits as (x, y, steepness); the far range is snow-capped
_FAR_PEAKS = [
    (-20.0, 92.0, 0.5),
    (60.0, 84.0, 0.62),
    (150.0, 70.0, 0.7),
    (212.0, 56.0, 0.8),
    (262.0, 80.0, 0.7),
    (335.0, 66.0, 0.75),
    (410.0, 86.0, 0.6),
]
_NEAR_PEAKS = [
    (20.0, 128.0, 0.45),
    (115.0, 122.0, 0.5),
    (190.0, 132.0, 0.4),
    (285.0, 118.0, 0.5),
    (370.0, 130.0, 0.45),
]

# Coordinates are a column vector y (H, 1) and a row vector x (1, W) in output pixels;
# NumPy broadcasting turns every expression of both into a full (H, W) image.


def _smoothstep(edge0: float, edge1: float, x: FloatArray) -> FloatArray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    result: FloatArray = t * t * (3.0 - 2.0 * t)
    return result


def _lerp_axis(table: FloatArray, coord: FloatArray, axis: int) -> FloatArray:
    """Interpolate ``table`` along ``axis`` at fractional lattice positions ``coord`` (1-D)."""
    floor = np.floor(coord)
    frac = coord - floor
    frac = frac * frac * (3.0 - 2.0 * frac)  # smoothstep: no creases at lattice lines
    index = (floor - floor.min()).astype(np.intp)
    shape = [1, 1]
    shape[axis] = -1
    w = frac.reshape(shape)
    lo = np.take(table, index, axis=axis)
    hi = np.take(table, index + 1, axis=axis)
    result: FloatArray = lo * (1.0 - w) + hi * w
    return result


def _value_noise(rng: np.random.Generator, x: FloatArray, y: FloatArray, cell: float) -> FloatArray:
    """One octave of value noise in 0..1 on the grid ``y (H, 1)`` x ``x (1, W)``.

    The grid is separable, so interpolating along x, then along y, costs two
    cheap passes instead of four gathers per pixel.
    """
    gx, gy = x.ravel() / cell, y.ravel() / cell
    span_x = int(np.floor(gx.max()) - np.floor(gx.min())) + 2
    span_y = int(np.floor(gy.max()) - np.floor(gy.min())) + 2
    table = rng.random((span_y, span_x))
    return _lerp_axis(_lerp_axis(table, gx, axis=1), gy, axis=0)


def _fbm(
    seed: int, x: FloatArray, y: FloatArray, cell: float, octaves: int = 4, gain: float = 0.5
) -> FloatArray:
    """Fractal noise: octaves of value noise, each half the cell size; result in 0..1."""
    rng = np.random.default_rng([SEED, seed])
    total: FloatArray = np.zeros((y.size, x.size))
    amp, norm = 1.0, 0.0
    for octave in range(octaves):
        # shift each octave so lattice lines do not coincide across octaves
        total += amp * _value_noise(rng, x + 17.3 * octave, y + 9.1 * octave, cell / 2**octave)
        norm += amp
        amp *= gain
    return total / norm


def _paint(img: FloatArray, color: ArrayLike, alpha: FloatArray) -> None:
    """Alpha-blend ``color`` (one RGB, or an RGB per pixel) over ``img`` in place.

    Only the bounding box of the non-zero alpha is touched: most shapes are small.
    """
    a = np.broadcast_to(np.clip(alpha, 0.0, 1.0), img.shape[:2])
    rows, cols = np.flatnonzero(a.any(axis=1)), np.flatnonzero(a.any(axis=0))
    if rows.size == 0:
        return
    win = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    aw = a[win][..., None]
    c = np.asarray(color, dtype=np.float64)
    if c.ndim > 1:
        c = np.broadcast_to(c, img.shape)[win]
    img[win] = img[win] * (1.0 - aw) + c * aw


def _coverage(signed_distance: FloatArray) -> FloatArray:
    """Alpha from a signed distance in output pixels (positive inside), anti-aliased."""
    result: FloatArray = np.clip(signed_distance * _SS + 0.5, 0.0, 1.0)
    return result


def _box(x: FloatArray, y: FloatArray, x0: float, y0: float, x1: float, y1: float) -> FloatArray:
    """Coverage of the axis-aligned rectangle x0..x1, y0..y1."""
    return _coverage(np.minimum(np.minimum(x - x0, x1 - x), np.minimum(y - y0, y1 - y)))


def _ridge(seed: int, x: FloatArray, base: float, height: float, cell: float) -> FloatArray:
    """A rolling skyline y(x), shape (1, W): ridged noise gives sharp tops."""
    n = _fbm(seed, x, np.zeros((1, 1)), cell, octaves=5, gain=0.45)
    return base - height * (1.0 - np.abs(2.0 * n - 1.0))


def _sky(x: FloatArray, y: FloatArray) -> FloatArray:
    t = np.clip(y / _HORIZON, 0.0, 1.0)[..., None]
    zenith = np.array([0.13, 0.27, 0.55])
    middle = np.array([0.45, 0.63, 0.85])
    horizon = np.array([0.99, 0.82, 0.62])
    upper = zenith + (middle - zenith) * _smoothstep(0.0, 0.6, t)
    sky = upper + (horizon - upper) * _smoothstep(0.5, 1.0, t) ** 1.5
    # the sky is brighter towards the sun
    d = np.hypot(x - _SUN[0], y - _SUN[1])
    sky = sky + np.array([1.0, 0.72, 0.38]) * (0.75 * np.exp(-d / 18.0))[..., None]
    sky = sky + np.array([0.9, 0.55, 0.2]) * (0.30 * np.exp(-d / 80.0))[..., None]
    result: FloatArray = np.broadcast_to(sky, (y.size, x.size, 3)).copy()
    return result


def _clouds(img: FloatArray, x: FloatArray, y: FloatArray) -> None:
    # stretched noise makes long, flat bands of cloud; only in the upper sky
    n = _fbm(11, x * 0.4, y * 1.7, 40.0, octaves=5)
    band = _smoothstep(8.0, 30.0, y) * (1.0 - _smoothstep(65.0, 100.0, y))
    d = np.hypot(x - _SUN[0], y - _SUN[1])
    density = _smoothstep(0.54, 0.74, n) * band * _smoothstep(14.0, 45.0, d)  # sun stays clear
    # lit from above-right: brighter where the density grows towards the sun
    lit = _smoothstep(0.5, 0.8, _fbm(11, x * 0.4 - 1.0, y * 1.7 - 2.5, 40.0, octaves=5))
    color = np.array([0.74, 0.70, 0.76]) + np.array([0.26, 0.25, 0.18]) * (1.0 - lit)[..., None]
    _paint(img, color, 0.92 * density)


def _mountains(
    img: FloatArray,
    x: FloatArray,
    y: FloatArray,
    *,
    seed: int,
    peaks: list[tuple[float, float, float]],
    rock: tuple[float, float, float],
    haze: float,
    foot: float,
    snow_line: float | None,
) -> None:
    """Paint one mountain range from ``(x, top_y, steepness)`` peaks.

    Each peak is a cone; the skyline is the highest cone at each column, roughened
    by noise. The face right of a peak's crest turns to the sun and is lit, the
    left face is in shade; a ridged noise field adds gullies and crests.
    """
    rough = _fbm(seed, x, np.zeros((1, 1)), 20.0, octaves=5, gain=0.55) - 0.5
    cones = np.stack([top + k * np.abs(x[0] - px) for px, top, k in peaks])
    owner = np.argmin(cones, axis=0)[None, :]  # which peak each column belongs to
    skyline = cones.min(axis=0)[None, :] + 9.0 * rough
    depth = y - skyline
    centre = np.array([px for px, _, _ in peaks])[owner]
    # the crest line wanders as it runs down from the summit
    wander = 14.0 * (_fbm(seed + 1, x * 0.5, y, 12.0) - 0.5) * np.clip(depth / 40.0, 0.0, 1.0)
    # -1 shaded face .. +1 sunny face; the fold softens as the faces widen downhill
    side = np.tanh((x - centre + wander) / (1.5 + 0.15 * np.clip(depth, 0.0, None)))
    field = _fbm(seed + 100, x * 0.8, y * 0.45, 22.0, octaves=5, gain=0.55)
    field = 1.0 - np.abs(2.0 * field - 1.0)
    light = np.clip(1.0 + 0.32 * side + 2.0 * np.gradient(field, axis=1) * _SS, 0.4, 1.7)
    grain = 0.85 + 0.3 * _fbm(seed + 101, x, y, 3.0, octaves=3)
    color = np.asarray(rock) * (light * grain)[..., None]
    if snow_line is not None:
        wobble = 12.0 * (_fbm(seed + 200, x, y, 9.0) - 0.5) + 16.0 * (field - 0.5)
        snow = 1.0 - _smoothstep(snow_line - 1.5, snow_line + 1.5, y + wobble)
        shade = np.clip(0.62 + 0.38 * light, 0.55, 1.08)
        color = color + (np.array([0.90, 0.92, 0.99]) * shade[..., None] - color) * snow[..., None]
    # atmospheric perspective, and mist thickening towards the foot of the range
    mist = haze + (1.0 - haze) * 0.8 * _smoothstep(foot - 30.0, foot + 8.0, y)
    color = color + (np.array([0.84, 0.80, 0.80]) - color) * mist[..., None]
    _paint(img, color, _coverage(depth))


def _conifer(
    img: FloatArray, x: FloatArray, y: FloatArray, cx: float, base: float, height: float
) -> None:
    top = base - height
    t = (y - top) / height  # 0 at the tip, 1 at the ground
    # tiers of branches: the half-width grows down the tree and jags at each tier
    tiers = 1.0 - 0.35 * ((t * 6.0) % 1.0)
    half = 0.26 * height * t * tiers
    inside = np.minimum(half - np.abs(x - cx), np.minimum(y - top, base - 0.12 * height - y))
    side = np.clip((x - cx) / (half + 1e-9), -1.0, 1.0)
    green = np.array([0.06, 0.17, 0.10]) * (1.0 + 0.45 * side)[..., None]
    _paint(img, green, _coverage(inside))
    trunk = np.minimum(
        0.035 * height - np.abs(x - cx), np.minimum(y - (base - 0.14 * height), base - y)
    )
    _paint(img, (0.20, 0.13, 0.08), _coverage(trunk))


def _house(img: FloatArray, x: FloatArray, y: FloatArray, left: float, base: float) -> None:
    width, wall_h, roof_h = 58.0, 25.0, 17.0
    right, eave = left + width, base - wall_h
    mid = left + width / 2
    white = (0.95, 0.94, 0.90)
    # wooden planks: faint vertical stripes on falu-red walls
    planks = 0.88 + 0.12 * np.cos(2 * np.pi * (x - left) / 3.0)
    _paint(
        img, np.array([0.62, 0.16, 0.12]) * planks[..., None], _box(x, y, left, eave, right, base)
    )
    for corner in (left + 1.0, right - 1.0):
        _paint(img, white, _box(x, y, corner - 1.0, eave, corner + 1.0, base))
    # chimney first so the roof's edge cuts it
    _paint(img, (0.36, 0.30, 0.28), _box(x, y, right - 17.0, eave - roof_h, right - 11.0, eave - 5))
    overhang = 4.0
    slope = roof_h / (width / 2 + overhang)
    roof_in = np.minimum(y - (eave - roof_h) - slope * np.abs(x - mid), eave + 2.0 - y)
    roof = np.where((x < mid)[..., None], [0.15, 0.15, 0.19], [0.30, 0.29, 0.32])
    _paint(img, roof, _coverage(roof_in))
    # windows: white frames, warm lit panes, a cross of glazing bars
    for wx in (left + 7.0, left + 20.0, right - 29.0):
        _paint(img, white, _box(x, y, wx - 1.0, eave + 5.0, wx + 10.0, eave + 16.0))
        _paint(img, (1.0, 0.80, 0.38), _box(x, y, wx, eave + 6.0, wx + 9.0, eave + 15.0))
        _paint(img, white, _box(x, y, wx + 4.0, eave + 6.0, wx + 5.0, eave + 15.0))
        _paint(img, white, _box(x, y, wx, eave + 10.0, wx + 9.0, eave + 11.0))
    door = right - 8.0
    _paint(img, white, _box(x, y, door - 6.0, base - 17.0, door + 1.0, base))
    _paint(img, (0.26, 0.19, 0.15), _box(x, y, door - 5.0, base - 16.0, door, base))


def _land(x: FloatArray, y: FloatArray) -> FloatArray:
    """Everything above the water line: sky, sun, clouds, mountains, shore, house, trees."""
    img = _sky(x, y)
    d = np.hypot(x - _SUN[0], y - _SUN[1])
    _paint(img, (1.0, 0.96, 0.80), _coverage(10.0 - d))
    _clouds(img, x, y)
    _mountains(
        img,
        x,
        y,
        seed=1,
        peaks=_FAR_PEAKS,
        rock=(0.40, 0.42, 0.52),
        haze=0.22,
        foot=135.0,
        snow_line=96.0,
    )
    _mountains(
        img,
        x,
        y,
        seed=7,
        peaks=_NEAR_PEAKS,
        rock=(0.27, 0.36, 0.36),
        haze=0.08,
        foot=158.0,
        snow_line=None,
    )
    # near wooded hills: dark green, mottled like a forest canopy seen from afar
    skyline = _ridge(3, x, 162.0, 20.0, 60.0)
    canopy = 0.55 + 0.9 * _fbm(30, x, y, 2.2, octaves=3)
    fade = 0.8 + 0.3 * _smoothstep(0.0, 20.0, y - skyline)  # lighter crest, in the haze
    hills = np.array([0.12, 0.24, 0.13]) * (canopy / fade)[..., None]
    _paint(img, hills, _coverage(y - skyline))
    # a meadow strip and a pale shoreline along the water
    meadow = np.array([0.38, 0.52, 0.22]) * (0.8 + 0.4 * _fbm(31, x, y, 1.5, 3))[..., None]
    _paint(img, meadow, _coverage(y - (_HORIZON - 5.0 + 1.5 * np.sin(x / 23.0))))
    _paint(img, (0.72, 0.66, 0.52), _coverage(y - (_HORIZON - 1.2)))
    rng = np.random.default_rng([SEED, 40])
    # a wood behind the house and small groups of trees along the shore
    behind = [45.0, 58.0, 120.0, 132.0, 145.0]
    front = [8.0, 20.0, 31.0, 160.0, 172.0, 186.0, 318.0, 331.0, 345.0, 356.0, 371.0, 380.0]
    for cx in behind:
        _conifer(
            img, x, y, cx + float(rng.uniform(-2, 2)), _HORIZON - 4.0, float(rng.uniform(34, 48))
        )
    _house(img, x, y, 66.0, _HORIZON - 2.0)
    for cx in front:
        _conifer(
            img, x, y, cx + float(rng.uniform(-3, 3)), _HORIZON - 1.0, float(rng.uniform(24, 44))
        )
    return img


def _water(land: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
    """Mirror the land in a rippled lake, darker and bluer with depth."""
    below = y >= _HORIZON
    depth = np.clip((y - _HORIZON) / (PHOTO_HEIGHT - _HORIZON), 0.0, 1.0)
    # ripples: horizontal waves displace the mirrored sample sideways and vertically
    wave = _fbm(50, x * 0.12, y * 1.1, 6.0, octaves=3) - 0.5
    src_x = x + (1.0 + 6.0 * depth) * wave * 2.0
    src_y = 2.0 * _HORIZON - y + (0.5 + 3.0 * depth) * wave
    cols = np.clip(np.floor(src_x * _SS).astype(np.intp), 0, land.shape[1] - 1)
    rows = np.clip(np.floor(src_y * _SS).astype(np.intp), 0, land.shape[0] - 1)
    mirrored = land[rows, cols]
    tint = np.array([0.06, 0.15, 0.23])
    reflect = 0.75 - 0.35 * depth
    water = tint + (mirrored - tint) * reflect[..., None]
    # glints: bright streaks under the sun, and faint wave crests everywhere
    crest = _smoothstep(0.62, 0.82, _fbm(51, x * 0.22, y * 2.2, 5.0, octaves=3))
    sun_path = np.exp(-(((x - _SUN[0]) / (8.0 + 45.0 * depth)) ** 2))
    glint = crest * (0.12 + 0.8 * sun_path)
    water = water + np.array([1.0, 0.9, 0.72]) * glint[..., None]
    out = np.where(below[..., None], water, land)
    # a soft line of foam where the water meets the shore
    _paint(out, (0.85, 0.83, 0.78), 0.45 * np.exp(-(((y - _HORIZON - 0.3) / 0.5) ** 2)))
    return out


def _bank(x: FloatArray) -> FloatArray:
    """Top edge y(x) of the grassy bank: rising to the right, gently wavy."""
    result: FloatArray = 212.0 + 0.003 * (x - 10.0) ** 2 + 2.5 * np.sin(x / 9.0)
    return result


def _foreground(img: FloatArray, x: FloatArray, y: FloatArray) -> None:
    """A grassy bank in the lower-left corner with reeds: fine, high-frequency texture."""

    edge = _bank(x)
    blades = _fbm(60, x * 3.0, y * 0.25, 3.0, octaves=3)
    grass = np.array([0.18, 0.31, 0.09]) + np.array([0.32, 0.34, 0.12]) * blades[..., None]
    grass = grass * (0.65 + 0.35 * _smoothstep(0.0, 30.0, y - edge))[..., None]
    _paint(img, grass, _coverage(y - edge))
    rng = np.random.default_rng([SEED, 61])
    for _ in range(30):
        rx = float(rng.uniform(2.0, 150.0))
        top = _bank(np.array(rx)).item() - float(rng.uniform(16.0, 42.0))
        lean = float(rng.uniform(-0.12, 0.12))
        offset = np.abs(x - rx - lean * (y - PHOTO_HEIGHT))
        tone = float(rng.uniform(0.7, 1.2))
        _paint(
            img,
            (0.44 * tone, 0.47 * tone, 0.18 * tone),
            _coverage(np.minimum(0.6 - offset, y - top)),
        )
        if rng.random() < 0.4:  # a cattail head on some reeds
            head = np.minimum(1.3 - offset, 5.0 - np.abs(y - top - 6.0))
            _paint(img, (0.32, 0.19, 0.10), _coverage(head))


def photo() -> Image8:
    """A procedurally painted lake scene, ``(256, 384, 3)`` uint8 RGB.

    Sky gradient with sun and clouds, snowy mountains with rock texture, wooded
    hills, a red house with lit windows, conifers, a rippled lake reflecting it
    all, and a grassy bank with reeds: edges at every angle and texture at every
    scale, so blurs and edge detectors show something.

    Examples
    --------
    >>> img = photo()
    >>> img.shape, img.dtype.name
    ((256, 384, 3), 'uint8')
    """
    x = ((np.arange(PHOTO_WIDTH * _SS) + 0.5) / _SS)[None, :]
    y = ((np.arange(PHOTO_HEIGHT * _SS) + 0.5) / _SS)[:, None]
    img = _water(_land(x, y), x, y)
    _foreground(img, x, y)
    # box-average the supersamples down to the output grid, then a little film grain
    img = img.reshape(PHOTO_HEIGHT, _SS, PHOTO_WIDTH, _SS, 3).mean(axis=(1, 3))
    grain = np.random.default_rng([SEED, 99]).normal(0.0, 0.008, img.shape)
    pixels: Image8 = np.clip(np.rint((img + grain) * 255.0), 0, 255).astype(np.uint8)
    return pixels


def to_grey(rgb: Image8) -> Image8:
    """Pillow's ``L`` conversion (ITU-R 601-2 luma), as ``photo-grey.png`` stores it.

    Examples
    --------
    >>> to_grey(np.full((1, 1, 3), [255, 0, 0], dtype=np.uint8)).tolist()
    [[76]]
    """
    return np.asarray(Image.fromarray(rgb).convert("L"))


# -------------------------------------------------------------------------- the catalogue


def png_samples() -> dict[str, NDArray[np.uint8] | NDArray[np.uint16]]:
    """Every PNG sample by file name, as the pixel array the file stores.

    Pillow picks the PNG mode from the dtype and shape: uint8 (H, W) is ``L``,
    uint8 (H, W, 3) is ``RGB`` and uint16 (H, W) is ``I;16``.
    """
    rgb = photo()
    return {
        "vertical-line.png": vertical_line(),
        "horizontal-line.png": horizontal_line(),
        "step-edge.png": step_edge(),
        "bright-pixel.png": bright_pixel(),
        "checkerboard.png": checkerboard(),
        "gradient-16bit.png": gradient_16bit(),
        "photo.png": rgb,
        "photo-grey.png": to_grey(rgb),
    }


#: CSV samples: the tutorials' seed inputs and the contract's worked-example signal.
CSV_SAMPLES: dict[str, str] = {
    "seed-bump.csv": "0,0,0,1,1,0,0,0\n",
    "seed-line-8x8.csv": "0,0,0,1,1,0,0,0\n" * 8,
    "signal-1-6.csv": "1,2,3,4,5,6\n",
}


def write_all(out_dir: Path) -> list[Path]:
    """Write every sample into ``out_dir`` (which must exist); return the paths."""
    written: list[Path] = []
    for name, array in png_samples().items():
        path = out_dir / name
        Image.fromarray(array).save(path, optimize=True)
        written.append(path)
    for name, text in CSV_SAMPLES.items():
        path = out_dir / name
        path.write_text(text, encoding="ascii", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``make_samples.py [OUT_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else Path(__file__).resolve().parent
    for path in write_all(out_dir):
        print(f"{path}  {path.stat().st_size:>7,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
