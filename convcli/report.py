"""``--report``: one sheet with the geometry, the input, the kernels and the feature maps.

:func:`build_sheet` gathers what a sheet shows into a :class:`Sheet` (pure NumPy);
:func:`render_html` and :func:`render_png` encode it:

* **HTML** (``.html``): one self-contained file to open in any browser, with no
  external resource: pictures are embedded as base64 PNG ``data:`` URIs, kernel
  weights are real tables (numbers can be copied), every text is escaped.
* **PNG** (``.png``): the same sheet drawn with Pillow's default font, for chats,
  slides and issue trackers.

What a sheet holds: a title (the input's name); the geometry line (input shape,
kernel shapes, stride, dilation, padding per side per axis as ``before:after``, pad
mode, channel rule, bias and activation when not the defaults, output shape, and
correlation or convolution); then side by side the input picture, each kernel's
weights (cells coloured on the kernel's own diverging scale) and each feature map
with its label, shape, min and max and a colour bar of its scale.

Pictures follow the terminal heat maps (:mod:`convcli.heatmap`): an image input in
grey or true colour over its pixel range, other inputs and every feature map as a
heat map on its own scale (``coolwarm`` centred on 0 for signed maps, ``viridis``
from 0 otherwise, or ``--cmap``). Small maps are enlarged by a whole factor to at
least :data:`MIN_SIDE` pixels, large ones shrunk by area means to at most
:data:`MAX_SIDE`; the caption says so. A 1-D map is a strip; a 3-D map one picture per
plane along its first axis (the first and last three above six planes).

Examples
--------
>>> import numpy as np
>>> from convcli.featuremaps import FeatureMaps
>>> maps = FeatureMaps(np.array([321.0, 432, 543, 654]), 1, 1, 1, ("1,10,100",))
>>> sheet = build_sheet("signal.csv", np.arange(1.0, 7.0), None, maps,
...                     [("1,10,100", np.array([1.0, 10.0, 100.0]))], FilterSettings())
>>> sheet.geometry[:4]
('input (6,)', 'kernel (3,)', 'stride 1', 'dilation 1')
>>> render_html(sheet)[:15]
b'<!DOCTYPE html>'
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from convcli.featuremaps import FeatureMaps
from convcli.numfmt import format_compact
from convcli.params import ConvParams, FilterSettings
from convcli.pictures import (
    HeatScale,
    Legend,
    cmap_table,
    draw_legend,
    heat_scale,
    shrink,
    titled_maps,
)
from convcli.shapes import Padding, pads_text, per_axis_text, resolve_padding

if TYPE_CHECKING:
    from PIL import ImageFont

    Font: TypeAlias = ImageFont.ImageFont | ImageFont.FreeTypeFont

__all__ = [
    "MAX_SIDE",
    "MIN_SIDE",
    "KernelCard",
    "Picture",
    "Sheet",
    "build_sheet",
    "display_factors",
    "render_html",
    "render_png",
    "render_report",
]

MIN_SIDE = 160
"""Pictures narrower than this many pixels are enlarged by a whole factor."""
MAX_SIDE = 480
"""Pictures larger than this on a side are shrunk by a whole factor (area means)."""
STRIP_HEIGHT = 24
"""Height in pixels of a 1-D map's strip."""
MAX_PLANES = 6
"""Volumes with more planes show the first and last three."""


@dataclass(frozen=True)
class Picture:
    """One picture of a sheet: pixels at display size, a label, an info line, a legend."""

    label: str
    info: tuple[str, ...]
    pixels: np.ndarray  # (H, W, 3) uint8
    legend: Legend | None  # None: true colour, no scale to show


@dataclass(frozen=True)
class KernelCard:
    """One kernel: its label, shape, padding per side, and its weights by plane."""

    label: str
    shape: tuple[int, ...]
    padding: str
    planes: tuple[tuple[str, np.ndarray], ...]  # (title, 2-D weights); title "" for 1-D/2-D
    low: float  # the weights' colour scale: -m..m, or 0..max
    high: float


@dataclass(frozen=True)
class Sheet:
    """Everything a report shows, ready to be drawn."""

    title: str
    geometry: tuple[str, ...]
    inputs: tuple[Picture, ...]
    kernels: tuple[KernelCard, ...]
    maps: tuple[Picture, ...]
    notes: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------------------
# The sheet


def build_sheet(
    source: str,
    array: np.ndarray,
    bit_depth: int | None,
    maps: FeatureMaps,
    kernels: Sequence[tuple[str, np.ndarray]],
    settings: FilterSettings,
    *,
    cmap: str | None = None,
) -> Sheet:
    """Gather a sheet: geometry, the input's pictures, the kernels, the maps' pictures.

    Parameters
    ----------
    source : str
        The input's name as given (``-`` for standard input).
    array : numpy.ndarray
        The input as loaded.
    bit_depth : int or None
        8 or 16 for an image with a pixel range (shown as a picture), else None.
    maps : FeatureMaps
        The result.
    kernels : sequence of (str, numpy.ndarray)
        Each filter's label and weights, in ``-k`` order.
    settings : FilterSettings
        The settings used, for the geometry line.
    cmap : str, optional
        The colour map of the feature maps (default: by sign, see
        :func:`convcli.pictures.heat_scale`).
    """
    sliding = maps.sliding_ndim
    geometry = geometry_parts(array.shape, [w for _, w in kernels], maps, settings)
    planes = [array.shape[:sliding][-2:], maps.data.shape[:sliding][-2:]]
    factors = display_factors(planes, strip=sliding == 1)
    inputs = _input_pictures(array, sliding, bit_depth, cmap, factors)
    params = _params(settings, sliding)
    cards = tuple(
        _kernel_card(
            i, label, weights, _pads_text(array.shape[:sliding], weights.shape[:sliding], params)
        )
        for i, (label, weights) in enumerate(kernels)
    )
    pictures: list[Picture] = []
    notes: list[str] = []
    for title, values in titled_maps(maps):
        pictures += _pictures(values, title, sliding, cmap=cmap, factors=factors, notes=notes)
    name = "standard input" if source == "-" else source
    return Sheet(
        f"convcli report: {name}", geometry, tuple(inputs), cards, tuple(pictures), tuple(notes)
    )


def geometry_parts(
    input_shape: tuple[int, ...],
    weights: Sequence[np.ndarray],
    maps: FeatureMaps,
    settings: FilterSettings,
) -> tuple[str, ...]:
    """The geometry line, part by part.

    Examples
    --------
    >>> import numpy as np
    >>> maps = FeatureMaps(np.zeros((3, 8)), 2, 1, 1, ("k",))
    >>> geometry_parts((6, 16), [np.ones((3, 3))], maps,
    ...                FilterSettings(stride=(2,), padding="same", flip=True))
    ('input (6, 16)', 'kernel (3, 3)', 'stride 2,2', 'dilation 1,1', 'padding same: 0:1,0:1', 'pad mode zeros', 'output (3, 8)', 'convolution (kernel flipped)')
    """  # noqa: E501
    sliding = maps.sliding_ndim
    params = _params(settings, sliding)
    shapes = [tuple(int(n) for n in w.shape) for w in weights]
    pads = {_pads_text(input_shape[:sliding], w.shape[:sliding], params) for w in weights}
    rule = settings.padding if isinstance(settings.padding, str) else "explicit"
    kernel_text = (
        f"kernel {shapes[0]}" if len(shapes) == 1 else "kernels " + ", ".join(map(str, shapes))
    )
    padding = f"padding {rule}: {pads.pop()}" if len(pads) == 1 else f"padding {rule}: per kernel"
    mode = params.pad_mode + (
        f" {format_compact(params.pad_value)}" if params.pad_mode == "constant" else ""
    )
    parts = [
        f"input {tuple(int(n) for n in input_shape)}",
        kernel_text,
        f"stride {per_axis_text(params.stride)}",
        f"dilation {per_axis_text(params.dilation)}",
        padding,
        f"pad mode {mode}",
    ]
    if len(input_shape) > sliding or settings.channels != "each":
        parts.append(f"channels {settings.channels}")
    if any(settings.bias):
        parts.append("bias " + ",".join(format_compact(b) for b in settings.bias))
    if settings.activation != "linear":
        parts.append(f"activation {settings.activation}")
    parts.append(f"output {tuple(int(n) for n in maps.data.shape)}")
    parts.append("convolution (kernel flipped)" if params.flip else "cross-correlation")
    return tuple(parts)


def _params(settings: FilterSettings, sliding: int) -> ConvParams:
    padding: Padding = settings.padding
    return ConvParams.build(
        sliding,
        stride=settings.stride,
        padding=padding,
        pad_mode=settings.pad_mode,
        pad_value=settings.pad_value,
        dilation=settings.dilation,
        flip=settings.flip,
    )


def _pads_text(input_size: Sequence[int], kernel_size: Sequence[int], params: ConvParams) -> str:
    """Padding ``before:after`` per axis, as ``-p`` takes it (``1:1,0:2``)."""
    pads = resolve_padding(
        input_size,
        kernel_size,
        stride=params.stride,
        dilation=params.dilation,
        padding=params.padding,
    )
    return pads_text(pads)


def _kernel_card(index: int, label: str, weights: np.ndarray, pads: str) -> KernelCard:
    w = np.asarray(weights, dtype=np.float64)
    planes: tuple[tuple[str, np.ndarray], ...]
    if w.ndim == 1:
        planes = (("", w[np.newaxis]),)
    elif w.ndim == 2:
        planes = (("", w),)
    else:  # by index along the first axis: [0], [1], ... (a volume's planes or channels)
        planes = tuple((f"[{p}]", w[p].reshape(w.shape[1], -1)) for p in range(w.shape[0]))
    scale = heat_scale(w, cmap="coolwarm" if w.min() < 0 else None)
    name = f"kernel {index}" if label == str(index) else f"kernel {index}: {label}"
    return KernelCard(name, tuple(int(n) for n in w.shape), pads, planes, scale.low, scale.high)


def display_factors(shapes: Sequence[tuple[int, ...]], *, strip: bool) -> tuple[int, int]:
    """``(shrink, enlarge)`` whole factors that fit the largest of ``shapes`` on a sheet.

    Every picture of a sheet uses the same factors, so their pixels have one size: the
    largest is shrunk (area means) to at most :data:`MAX_SIDE` pixels on a side, or
    enlarged to at least :data:`MIN_SIDE` pixels wide. For strips (1-D) only the
    length counts.

    Examples
    --------
    >>> display_factors([(32, 32), (30, 30)], strip=False)
    (1, 5)
    >>> display_factors([(2000, 1000)], strip=False), display_factors([(6,)], strip=True)
    ((5, 1), (1, 27))
    """
    width = max(shape[-1] for shape in shapes)
    height = 1 if strip else max(shape[0] for shape in shapes)
    down = max(math.ceil(width / MAX_SIDE), math.ceil(height / MAX_SIDE), 1)
    if down > 1:
        return down, 1
    up = max(1, math.ceil(MIN_SIDE / width))
    return 1, max(1, min(up, MAX_SIDE // width, MAX_SIDE // height))


def _input_pictures(
    array: np.ndarray,
    sliding: int,
    bit_depth: int | None,
    cmap: str | None,
    factors: tuple[int, int],
) -> list[Picture]:
    data = np.asarray(array, dtype=np.float64)
    channels = data.shape[-1] if data.ndim == sliding + 1 else None
    if bit_depth is not None and sliding == 2:
        top = float(2**bit_depth - 1)
        if channels in (3, 4):
            shown = _resize(data[..., :3], factors, strip=False)
            pixels = np.rint(np.clip(shown / top, 0.0, 1.0) * 255).astype(np.uint8)
            info = (*_info(data, factors), f"true colour, 0..{format_compact(top)}")
            return [Picture("input", info, pixels, None)]
        grey = data if channels is None else data[..., 0]
        scale = heat_scale(grey, cmap="grey", fixed=(0.0, top))
        shown = _resize(grey, factors, strip=False)
        legend = Legend("grey, pixel values", cmap_table("grey"), "0", format_compact(top))
        return [Picture("input", _info(grey, factors), scale.colours(shown), legend)]
    if channels is None:
        return _pictures(data, "input", sliding, cmap=cmap, factors=factors, notes=[])
    out: list[Picture] = []
    for c in range(channels):
        title = f"input, channel {c}"
        out += _pictures(data[..., c], title, sliding, cmap=cmap, factors=factors, notes=[])
    return out


def _pictures(
    values: np.ndarray,
    title: str,
    sliding: int,
    *,
    cmap: str | None,
    factors: tuple[int, int],
    notes: list[str],
) -> list[Picture]:
    """Heat-map pictures of one map: one, or one per plane of a volume (one scale)."""
    if sliding < 3:
        shown = _resize(values, factors, strip=sliding == 1)
        scale = heat_scale(shown, cmap=cmap)  # of what is shown: means of a shrunk map
        return [Picture(title, _info(values, factors), scale.colours(shown), _legend(scale))]
    scale = heat_scale(values, cmap=cmap)
    planes = list(range(values.shape[0]))
    if len(planes) > MAX_PLANES:
        notes.append(f"{title}: planes 3 to {len(planes) - 4} not shown")
        planes = [*planes[:3], *planes[-3:]]
    out = []
    for p in planes:
        shown = _resize(values[p], factors, strip=False)
        info = _info(values[p], factors)
        out.append(Picture(f"{title}, plane {p}", info, scale.colours(shown), _legend(scale)))
    return out


def _legend(scale: HeatScale) -> Legend:
    how = f"{scale.cmap}, 0 in the middle" if scale.diverging else f"{scale.cmap}, 0 is dark"
    if not scale.diverging and scale.low != 0.0:
        how = scale.cmap
    return Legend(
        how,
        cmap_table(scale.cmap),
        format_compact(scale.low),
        format_compact(scale.high),
        scale.zero,
    )


def _resize(values: np.ndarray, factors: tuple[int, int], *, strip: bool) -> np.ndarray:
    """Values at display size: shrunk by area means or enlarged; a strip made tall."""
    down, up = factors
    v = np.asarray(values, dtype=np.float64)
    if strip:
        v = v[np.newaxis]
    if down > 1:
        v = shrink(v, down, axes=2)
    elif up > 1:
        v = v.repeat(up, axis=1) if strip else v.repeat(up, axis=0).repeat(up, axis=1)
    return v.repeat(STRIP_HEIGHT, axis=0) if strip else v


def _info(values: np.ndarray, factors: tuple[int, int]) -> tuple[str, ...]:
    """The caption lines under a picture: shape, min and max; the display factor."""
    first = "  ".join(
        [
            str(tuple(int(n) for n in values.shape)),
            f"min {format_compact(float(np.min(values)))}",
            f"max {format_compact(float(np.max(values)))}",
        ]
    )
    down, up = factors
    return (
        (first, f"shown at 1/{down}")
        if down > 1
        else (first, f"shown at {up}x")
        if up > 1
        else (first,)
    )


# ---------------------------------------------------------------------------
# Encoding


def render_report(fmt: str, sheet: Sheet) -> bytes:
    """The sheet as ``"html"`` or ``"png"`` bytes."""
    return render_html(sheet) if fmt == "html" else render_png(sheet)


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _data_uri(pixels: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(_png(pixels)).decode("ascii")


_CSS = """\
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1d1f;\
background:#fff}
h1{font-size:20px;margin:0 0 8px}
.geometry{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;margin:0 0 16px}
.sheet{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
figure{margin:0}
figcaption{font-size:12px;margin-top:4px;max-width:100%}
figcaption b{font-size:13px}
.picture{display:block;image-rendering:pixelated;outline:1px solid #bbb}
.legend{position:relative;margin-top:4px}
.legend .bar{display:block;width:100%;height:8px;image-rendering:pixelated}
.ends{position:relative;height:14px;font-size:11px}
.ends span{position:absolute;top:0}
table.kernel{border-collapse:collapse;font-family:ui-monospace,Menlo,Consolas,monospace;\
font-size:12px}
table.kernel td{padding:4px 6px;text-align:right;border:1px solid #fff}
.plane{font-size:11px;margin:6px 0 2px}
.notes{font-size:12px;color:#555}
"""


def render_html(sheet: Sheet) -> bytes:
    """One self-contained HTML file: embedded PNG pictures, no external resources.

    Examples
    --------
    >>> import numpy as np
    >>> from convcli.featuremaps import FeatureMaps
    >>> maps = FeatureMaps(np.zeros((2, 2)), 2, 1, 1, ("<b>",))
    >>> sheet = build_sheet("a&b.csv", np.zeros((4, 4)), None, maps,
    ...                     [("<b>", np.ones((3, 3)))], FilterSettings())
    >>> page = render_html(sheet).decode()
    >>> "a&amp;b.csv" in page, "&lt;b&gt;" in page, "<b>" in page.split("<body>")[1][:60]
    (True, True, False)
    """
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(sheet.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(sheet.title)}</h1>",
        '<p class="geometry">' + " · ".join(e(p) for p in sheet.geometry) + "</p>",
        '<div class="sheet">',
    ]
    parts += [_html_picture(p, "input") for p in sheet.inputs]
    parts += [_html_kernel(card) for card in sheet.kernels]
    parts += [_html_picture(p, "map") for p in sheet.maps]
    parts.append("</div>")
    if sheet.notes:
        parts.append('<p class="notes">' + "<br>".join(e(n) for n in sheet.notes) + "</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts).encode("utf-8")


def _html_picture(picture: Picture, role: str) -> str:
    e = html.escape
    height, width = picture.pixels.shape[:2]
    info = "<br>".join(e(line) for line in picture.info)
    return (
        f'<figure class="{role}" style="width:{max(width, 120)}px">'
        f'<img class="picture" src="{_data_uri(picture.pixels)}" width="{width}" '
        f'height="{height}" alt="{e(picture.label)}">'
        f"<figcaption><b>{e(picture.label)}</b><br>{info}"
        f"{_html_legend(picture.legend)}</figcaption></figure>"
    )


def _html_legend(legend: Legend | None) -> str:
    """A colour bar (a 256x1 PNG stretched by CSS) with its values under it."""
    if legend is None:
        return ""
    e = html.escape
    bar = legend.colours[np.newaxis]
    ends = [f'<span style="left:0">{e(legend.low)}</span>']
    if legend.zero is not None:
        ends.append(
            f'<span style="left:{legend.zero * 100:.1f}%;transform:translateX(-50%)">0</span>'
        )
    ends.append(f'<span style="right:0">{e(legend.high)}</span>')
    return (
        f'<div class="legend"><img class="bar" src="{_data_uri(bar)}" alt="colour bar: '
        f'{e(legend.title)}"><div class="ends">{"".join(ends)}</div>'
        f"<div>{e(legend.title)}</div></div>"
    )


def _html_kernel(card: KernelCard) -> str:
    e = html.escape
    scale = _card_scale(card)
    tables = []
    for title, weights in card.planes:
        rows = []
        for row in weights.tolist():
            cells = "".join(_html_cell(v, scale) for v in row)
            rows.append(f"<tr>{cells}</tr>")
        head = f'<div class="plane">{e(title)}</div>' if title else ""
        tables.append(f'{head}<table class="kernel">{"".join(rows)}</table>')
    return (
        f'<figure class="kernel">{"".join(tables)}'
        f"<figcaption><b>{e(card.label)}</b><br>{card.shape}  padding {e(card.padding)}"
        "</figcaption></figure>"
    )


def _card_scale(card: KernelCard) -> HeatScale:
    """The colour scale of a card's weights (from its ends)."""
    diverging = card.low < 0.0
    return heat_scale(np.array([card.low, card.high]), cmap="coolwarm" if diverging else None)


def _cell_colours(value: float, scale: HeatScale) -> tuple[tuple[int, int, int], tuple[int, ...]]:
    """A weight's background (its scale's colour) and a readable ink on it."""
    r, g, b = (int(c) for c in scale.colours(np.array([value]))[0])
    ink = (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)
    return (r, g, b), ink


def _html_cell(value: float, scale: HeatScale) -> str:
    (r, g, b), ink = _cell_colours(value, scale)
    colour = "#000" if ink == (0, 0, 0) else "#fff"
    return (
        f'<td style="background:#{r:02x}{g:02x}{b:02x};color:{colour}">'
        f"{html.escape(format_compact(value))}</td>"
    )


# PNG layout, in pixels.
_MARGIN = 16
_SPACE = 20
_SHEET_WIDTH = 1100
_ONE_ROW_WIDTH = 1400
_WHITE = 255
_INK = 20
_FRAME = 190  # a thin grey frame: a white picture edge stays visible on the page


def render_png(sheet: Sheet) -> bytes:
    """The sheet drawn with Pillow's default font on a white page, as PNG bytes.

    Items (the input, each kernel, each map) flow left to right: in one row when it
    fits in 1400 pixels, else wrapping at 1100 pixels (wider only for a wider picture).

    Examples
    --------
    >>> import io, numpy as np
    >>> from PIL import Image
    >>> from convcli.featuremaps import FeatureMaps
    >>> maps = FeatureMaps(np.zeros((2, 2)), 2, 1, 1, ("k",))
    >>> sheet = build_sheet("a.csv", np.zeros((4, 4)), None, maps, [("k", np.ones((3, 3)))],
    ...                     FilterSettings())
    >>> Image.open(io.BytesIO(render_png(sheet))).mode
    'RGB'
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    items = [_png_picture(p, font) for p in sheet.inputs]
    items += [_png_kernel(card, font) for card in sheet.kernels]
    items += [_png_picture(p, font) for p in sheet.maps]
    # One row when it fits in about 1400 pixels, else rows wrapping at 1100.
    one_row = sum(item.shape[1] for item in items) + _SPACE * (len(items) - 1) + 2 * _MARGIN
    widest = max(item.shape[1] for item in items) + 2 * _MARGIN
    width = max(one_row if one_row <= _ONE_ROW_WIDTH else _SHEET_WIDTH, widest)
    text_h = int(font.getbbox("Ag")[3]) + 4

    title_font = ImageFont.load_default(size=16)
    title_h = int(title_font.getbbox("Ag")[3]) + 6
    header = _wrap("   ".join(sheet.geometry), font, width - 2 * _MARGIN)
    y = _MARGIN + title_h + len(header) * text_h + 8
    places = []
    x, row_h = _MARGIN, 0
    for item in items:
        h, w = item.shape[:2]
        if x > _MARGIN and x + w > width - _MARGIN:
            x, y, row_h = _MARGIN, y + row_h + _SPACE, 0
        places.append((x, y))
        x += w + _SPACE
        row_h = max(row_h, h)
    y += row_h
    notes_y = y + 8
    height = notes_y + len(sheet.notes) * text_h + _MARGIN

    page = Image.new("RGB", (width, height), (_WHITE,) * 3)
    draw = ImageDraw.Draw(page)
    draw.text((_MARGIN, _MARGIN), sheet.title, fill=(_INK,) * 3, font=title_font)
    for i, line in enumerate(header):
        top = _MARGIN + title_h + i * text_h
        draw.text((_MARGIN, top), line, fill=(_INK,) * 3, font=font)
    for item, (ix, iy) in zip(items, places, strict=True):
        page.paste(Image.fromarray(item), (ix, iy))
    for i, line in enumerate(sheet.notes):
        draw.text((_MARGIN, notes_y + i * text_h), line, fill=(90,) * 3, font=font)
    buffer = io.BytesIO()
    page.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _wrap(text: str, font: Font, width: int) -> list[str]:
    """Words of ``text`` in lines at most ``width`` pixels wide."""
    length = font.getlength
    lines: list[str] = []
    for word in text.split(" "):
        if lines and length(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _caption(lines: Sequence[str], width: int, font: Font) -> np.ndarray:
    from PIL import Image, ImageDraw

    text_h = int(font.getbbox("Ag")[3]) + 4
    image = Image.new("RGB", (width, text_h * len(lines) + 2), (_WHITE,) * 3)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((0, 2 + i * text_h), line, fill=(_INK,) * 3, font=font)
    return np.asarray(image)


def _stack(blocks: Sequence[np.ndarray], width: int) -> np.ndarray:
    """Blocks one under the other on white, left-aligned, ``width`` wide."""
    out = []
    for block in blocks:
        padded = np.full((block.shape[0], width, 3), _WHITE, dtype=np.uint8)
        padded[:, : block.shape[1]] = block[:, :width]
        out.append(padded)
    return np.concatenate(out, axis=0)


def _png_picture(picture: Picture, font: Font) -> np.ndarray:
    length = font.getlength
    texts = [picture.label, *picture.info]
    width = max(picture.pixels.shape[1] + 2, 160, *(int(length(t)) + 2 for t in texts))
    framed = np.pad(picture.pixels, ((1, 1), (1, 1), (0, 0)), constant_values=_FRAME)
    blocks = [framed, _caption(texts, width, font)]
    if picture.legend is not None:
        blocks.append(draw_legend(picture.legend, width, background=_WHITE, ink=_INK))
    return _stack(blocks, width)


def _png_kernel(card: KernelCard, font: Font) -> np.ndarray:
    from PIL import Image, ImageDraw

    length = font.getlength
    text_h = int(font.getbbox("Ag")[3])
    scale = _card_scale(card)
    blocks = []
    for title, weights in card.planes:
        texts = [[format_compact(v) for v in row] for row in weights.tolist()]
        cell_w = max(28, *(int(length(t)) + 10 for row in texts for t in row))
        cell_h = text_h + 10
        rows, cols = weights.shape
        grid = Image.new("RGB", (cols * cell_w + 1, rows * cell_h + 1), (_WHITE,) * 3)
        draw = ImageDraw.Draw(grid)
        for r, row in enumerate(texts):
            for c, text in enumerate(row):
                background, ink = _cell_colours(float(weights[r, c]), scale)
                box = (c * cell_w, r * cell_h, (c + 1) * cell_w, (r + 1) * cell_h)
                draw.rectangle(box, fill=background, outline=(_WHITE,) * 3)
                tx = box[2] - 5 - length(text)
                draw.text((tx, box[1] + 5), text, fill=ink, font=font)
        if title:
            blocks.append(_caption([title], max(grid.width, 40), font))
        blocks.append(np.asarray(grid))
    caption = [card.label, f"{card.shape}  padding {card.padding}"]
    width = max(*(b.shape[1] for b in blocks), *(int(length(t)) + 2 for t in caption))
    return _stack([*blocks, _caption(caption, width, font)], width)
