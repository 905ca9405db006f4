"""Feature maps as heat maps in the terminal (``convcli apply --show``), with rich.

Each map becomes a *panel*: a bold title, a line with its shape, min and max (and the
zoom when it was enlarged or shrunk), the picture, and a legend. Panels sit side by
side as far as the console is wide, the input first.

* **Colour** (a terminal with colour, ``NO_COLOR`` unset): every character cell is
  the upper-half block ``▀`` with its foreground the upper pixel and its background
  the lower one, so a cell holds two square pixels. Signed maps use the diverging
  ``coolwarm`` (blue below 0, neutral grey at exactly 0, red above, on ``-m..m``);
  maps without negative values ``viridis`` from 0 (dark) to the maximum; ``--cmap``
  picks another colour map. The legend is a colour bar (lower half blocks ``▄``,
  so a half line separates it from the picture) with the values at its ends and
  ``0`` where zero sits. Image inputs show as they are: grey or true colour.
* **Plain** (a pipe, a file, ``NO_COLOR``, or a terminal without colour): ASCII, one
  character per pixel column and two pixel rows (area means). Maps without negative
  values use the ramp :data:`RAMP` ``" .:-=+*#%@"`` from 0 to the maximum, a blank
  being exactly 0; signed maps use :data:`NEGATIVE_RAMP` below 0 and
  :data:`POSITIVE_RAMP` above, a blank being exactly 0. The legend spells the
  ramp out: ``-765 [=~-,] 0 [.+*#] 765``.

Sizes: a map wider than the console (or taller than :data:`MAX_HEIGHT` pixel rows)
is shrunk by a whole factor with area means (``at 1/4``: each cell the mean of 4x4
values), keeping its aspect; a map narrower than :data:`ZOOM_TO` columns is enlarged
by a whole factor (``at 4x``). A 1-D signal is a strip two lines high; a 3-D map
shows one panel per plane along its first axis, all on the volume's one scale (above
:data:`MAX_PLANES` planes, the first and last three).

Examples
--------
>>> import numpy as np
>>> from rich.console import Console
>>> from convcli.featuremaps import FeatureMaps
>>> maps = FeatureMaps(np.array([[0.0, 3.0], [3.0, 0.0]]), 2, 1, 1, ("k",))
>>> render_heatmaps(maps, Console(width=40, color_system=None), zoom=2)
filter 0: k
(2, 2)  min 0  max 3  at 2x
  @@
@@
0 [ .:-=+*#%@] 3
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.console import Console
from rich.style import Style
from rich.text import Text

from convcli.featuremaps import FeatureMaps
from convcli.numfmt import format_compact
from convcli.pictures import HeatScale, cmap_table, heat_scale, shrink, titled_maps

__all__ = [
    "MAX_HEIGHT",
    "NEGATIVE_RAMP",
    "POSITIVE_RAMP",
    "RAMP",
    "ZOOM_TO",
    "Panel",
    "arrange",
    "heat_panel",
    "map_panels",
    "print_heatmaps",
    "render_heatmaps",
    "source_panels",
]

RAMP = " .:-=+*#%@"
"""Plain shades from 0 (blank) to the maximum, for maps without negative values."""
NEGATIVE_RAMP = ",-~="
"""Plain shades below 0, weak to strong (signed maps; blank is exactly 0)."""
POSITIVE_RAMP = ".+*#"
"""Plain shades above 0, weak to strong (signed maps)."""

ZOOM_TO = 24
"""Maps narrower than this many columns are enlarged by a whole factor."""
MAX_HEIGHT = 96
"""Pixel rows a picture may take (48 lines); taller maps are shrunk."""
MAX_PLANES = 6
"""Volumes with more planes show the first and last three."""
MAX_PANELS = 16
"""Feature-map panels shown per input; the rest are counted in a line."""
MIN_WIDTH = 16
"""Narrowest panel: room for a legend."""
TITLE_WIDTH = 32
"""A panel widens for its title up to this many characters; longer titles are cut."""
GAP = 3
"""Spaces between panels side by side."""
STRIP_ROWS = 4
"""Pixel rows of a 1-D strip (two lines)."""

_UPPER = "▀"
_LOWER = "▄"  # the colour bar: its empty upper half sets it apart from the picture
_STYLE_TITLE = "bold"


@dataclass(frozen=True)
class Panel:
    """One picture with its title and legend: lines of exactly ``width`` cells."""

    lines: tuple[Text, ...]
    width: int


# ---------------------------------------------------------------------------
# One picture


def heat_panel(
    values: np.ndarray,
    *,
    title: str,
    colour: bool,
    max_width: int,
    cmap: str | None = None,
    scale: HeatScale | None = None,
    rgb_max: float | None = None,
    factors: tuple[int, int] | None = None,
    stats: bool = True,
) -> Panel:
    """A panel showing one 1-D or 2-D map (or an RGB image) as a heat map.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n,)`` (a strip), ``(H, W)``, or ``(H, W, 3)`` true colour when ``rgb_max``.
    title : str
        The first line (cut with ``...`` to the panel's width).
    colour : bool
        Half-block colour cells (True) or the plain ASCII ramps.
    max_width : int
        The widest the panel may be (the console's width).
    cmap : str, optional
        Colour map; see :func:`convcli.pictures.heat_scale`.
    scale : HeatScale, optional
        Use this scale (a volume's planes share one) instead of the map's own.
    rgb_max : float, optional
        ``values`` is an RGB image with this pixel maximum (255, or 65535 for 16 bits).
    factors : (int, int), optional
        ``(shrink, enlarge)``: use these instead of :func:`fit_factors` of this map
        (so that pictures shown together have pixels of one size).
    stats : bool
        Show min and max on the second line.

    Examples
    --------
    >>> import numpy as np
    >>> panel = heat_panel(np.array([[-2.0, 0.0, 2.0]]), title="t", colour=False,
    ...                    max_width=40, factors=(1, 1))
    >>> [line.plain for line in panel.lines]
    ['t                    ', '(1, 3)  min -2  max 2', '= #                  ', '-2 [=~-,] 0 [.+*#] 2 ']
    """  # noqa: E501
    data = np.asarray(values, dtype=np.float64)
    strip = data.ndim == 1
    height = 1 if strip else data.shape[0]
    width = data.shape[-1] if strip else data.shape[1]
    down, up = factors or fit_factors(height, width, max_width, strip=strip)

    grid = data
    if down > 1:  # a strip along its length, an image along its two pixel axes
        grid = shrink(grid, down, axes=1 if strip else 2)
    if strip:
        grid = grid[np.newaxis]
    if scale is None and rgb_max is None:
        # The scale of what is shown: area means of a signed map are milder than its
        # extremes, and the legend describes the colours on screen.
        scale = heat_scale(grid, cmap=cmap)
    if up > 1:
        grid = grid.repeat(up, axis=1)
        if not strip:
            grid = grid.repeat(up, axis=0)
    if strip:
        grid = grid.repeat(STRIP_ROWS, axis=0)

    if rgb_max is not None:
        if colour:
            cells = np.rint(np.clip(grid / rgb_max, 0.0, 1.0) * 255).astype(np.uint8)
            picture = _half_blocks(cells)
        else:
            grey = grid @ np.array([0.299, 0.587, 0.114])
            picture = _ascii(grey, heat_scale(grey, cmap="grey", fixed=(0.0, rgb_max)))
        legend = _rgb_legend(rgb_max, colour)
    elif scale is not None:
        picture = _half_blocks(scale.colours(grid)) if colour else _ascii(grid, scale)
        legend = [] if colour else [Text(_plain_legend(scale))]  # the bar needs the width

    shape = str(tuple(int(n) for n in values.shape))
    size = f"at 1/{down}" if down > 1 else f"at {up}x" if up > 1 else ""
    info = [shape]
    if stats and data.size:
        info += [f"min {format_compact(data.min())}", f"max {format_compact(data.max())}"]
    if size:
        info.append(size)

    # As wide as the picture, its legend, its info line and its title (up to TITLE_WIDTH
    # characters: longer ones are cut), as far as the console allows.
    wanted = [grid.shape[1], MIN_WIDTH, len("  ".join(info)), min(len(title), TITLE_WIDTH)]
    panel_width = min(max(*wanted, *(line.cell_len for line in legend)), max_width)
    if colour and rgb_max is None and scale is not None:
        legend = _colour_legend(scale, panel_width)

    # A span, not the Text's own style: the padding added later stays plain.
    header = [Text().append(_cut(title, panel_width), style=_STYLE_TITLE if colour else None)]
    joined = "  ".join(info)
    if len(joined) <= panel_width:
        header.append(Text(joined))
    else:  # two lines: shape (and zoom), then min and max
        first = "  ".join([shape, size] if size else [shape])
        header.append(Text(_cut(first, panel_width)))
        if stats and data.size:
            header.append(Text(_cut("  ".join(info[1:3]), panel_width)))
    lines = [*header, *picture, *legend]
    return Panel(tuple(_pad(line, panel_width) for line in lines), panel_width)


def fit_factors(height: int, width: int, max_width: int, *, strip: bool) -> tuple[int, int]:
    """``(shrink, enlarge)``: whole factors that fit a map in ``max_width`` columns.

    Shrink when wider than ``max_width`` or taller than :data:`MAX_HEIGHT` pixel rows
    (a strip's height does not count); else enlarge maps narrower than
    :data:`ZOOM_TO` columns, as far as width and height allow.

    Examples
    --------
    >>> fit_factors(256, 384, 100, strip=False), fit_factors(6, 6, 100, strip=False)
    ((4, 1), (1, 4))
    >>> fit_factors(1, 8, 100, strip=True)
    (1, 3)
    """
    down = max(math.ceil(width / max_width), 1 if strip else math.ceil(height / MAX_HEIGHT), 1)
    if down > 1:
        return down, 1
    limit = [ZOOM_TO // width, max_width // width]
    if not strip:
        limit.append(MAX_HEIGHT // height)
    return 1, max(1, min(limit))


def _half_blocks(cells: np.ndarray) -> list[Text]:
    """Lines of ``▀``: foreground the upper pixel, background the lower one.

    Runs of equal cells share one span, so a flat area costs one escape sequence.
    """
    styles: dict[tuple[int, ...], Style] = {}
    lines = []
    for top in range(0, cells.shape[0], 2):
        upper = [tuple(c) for c in cells[top].tolist()]
        if top + 1 < cells.shape[0]:
            keys = [u + tuple(d) for u, d in zip(upper, cells[top + 1].tolist(), strict=True)]
        else:  # an odd last row: the lower half keeps the terminal's background
            keys = upper
        line = Text()
        for key, run in itertools.groupby(keys):
            if key not in styles:
                styles[key] = Style(
                    color=Color.from_rgb(*key[:3]),
                    bgcolor=Color.from_rgb(*key[3:]) if len(key) == 6 else None,
                )
            line.append(_UPPER * len(list(run)), style=styles[key])
        lines.append(line)
    return lines


def _ascii(grid: np.ndarray, scale: HeatScale) -> list[Text]:
    """Plain lines: one character per column and pixel-row pair (their mean)."""
    if grid.shape[0] % 2:
        grid = np.concatenate([grid, grid[-1:]], axis=0)  # a last single row stands alone
    pairs = (grid[0::2] + grid[1::2]) / 2
    t = scale.fractions(pairs)
    if scale.diverging:
        signed = t * 2 - 1
        level = np.minimum(np.ceil(np.abs(signed) * len(POSITIVE_RAMP)), len(POSITIVE_RAMP))
        level = level.astype(int)
        neg = np.array([" ", *NEGATIVE_RAMP])
        pos = np.array([" ", *POSITIVE_RAMP])
        chars = np.where(signed < 0, neg[level], pos[level])
    else:
        level = np.minimum(np.ceil(t * (len(RAMP) - 1)), len(RAMP) - 1).astype(int)
        chars = np.array(list(RAMP))[level]
    return [Text("".join(row)) for row in chars.tolist()]


def _plain_legend(scale: HeatScale) -> str:
    low, high = format_compact(scale.low), format_compact(scale.high)
    if scale.diverging:
        return f"{low} [{NEGATIVE_RAMP[::-1]}] 0 [{POSITIVE_RAMP}] {high}"
    return f"{low} [{RAMP}] {high}"


def _colour_legend(scale: HeatScale, width: int) -> list[Text]:
    """A colour bar ``width`` cells wide, and the values at its ends (and 0) under it."""
    table = cmap_table(scale.cmap)
    at = np.rint(np.linspace(0, 255, width)).astype(np.intp) if width > 1 else np.array([255])
    bar = Text()
    for entry in at.tolist():
        bar.append(_LOWER, style=Style(color=Color.from_rgb(*table[entry].tolist())))
    low, high = format_compact(scale.low), format_compact(scale.high)
    numbers = [" "] * width
    numbers[: len(low)] = low
    numbers[width - len(high) :] = high
    if scale.zero is not None:
        x = round(scale.zero * (width - 1))
        if len(low) < x < width - len(high) - 1:
            numbers[x] = "0"
    return [bar, Text("".join(numbers)[:width])]


def _rgb_legend(rgb_max: float, colour: bool) -> list[Text]:
    top = format_compact(rgb_max)
    if colour:
        return [Text(f"true colour 0..{top}")]
    return [Text(f"0 [{RAMP}] {top} (grey)")]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def _pad(line: Text, width: int) -> Text:
    if line.cell_len < width:
        line = line.copy()
        line.append(" " * (width - line.cell_len))
    elif line.cell_len > width:
        line = line.copy()
        line.truncate(width)
    return line


# ---------------------------------------------------------------------------
# Feature maps and inputs as panels


def _panels_of(
    values: np.ndarray,
    title: str,
    sliding_ndim: int,
    *,
    colour: bool,
    max_width: int,
    cmap: str | None,
    factors: tuple[int, int] | None,
) -> list[Panel]:
    """One panel for a 1-D or 2-D map; one per plane for a 3-D map."""
    if sliding_ndim == 3:
        return _volume_panels(
            values, title, colour=colour, max_width=max_width, cmap=cmap, factors=factors
        )
    panel = heat_panel(
        values, title=title, colour=colour, max_width=max_width, cmap=cmap, factors=factors
    )
    return [panel]


def _volume_panels(
    volume: np.ndarray,
    title: str,
    *,
    colour: bool,
    max_width: int,
    cmap: str | None,
    factors: tuple[int, int] | None = None,
) -> list[Panel]:
    """One panel per plane of a 3-D map, all on the volume's scale."""
    scale = heat_scale(volume, cmap=cmap)
    planes = list(range(volume.shape[0]))
    shown: list[int | None] = list(planes)
    if len(planes) > MAX_PLANES:
        shown = [*planes[:3], None, *planes[-3:]]
    panels = []
    for p in shown:
        if p is None:
            omitted = len(planes) - 6
            panels.append(_note_panel(f"... {omitted} planes ...", max_width))
            continue
        suffix = f", plane {p}"  # cut the name, never the plane
        panels.append(
            heat_panel(
                volume[p],
                title=_cut(title, TITLE_WIDTH - len(suffix)) + suffix,
                colour=colour,
                max_width=max_width,
                scale=scale,
                factors=factors,
            )
        )
    return panels


def _note_panel(text: str, max_width: int) -> Panel:
    width = min(len(text), max_width)
    return Panel((Text(_cut(text, width)),), width)


def map_panels(
    maps: FeatureMaps,
    *,
    colour: bool,
    max_width: int,
    cmap: str | None = None,
    factors: tuple[int, int] | None = None,
) -> list[Panel]:
    """Panels for every map of ``maps``: one per channel and filter, per plane for 3-D.

    Each map has its own scale (a volume one for all its planes); ``factors`` are
    ``(shrink, enlarge)`` for every panel (default: each map's :func:`fit_factors`).

    Examples
    --------
    >>> import numpy as np
    >>> maps = FeatureMaps(np.zeros((3, 3, 2)), 2, 1, 2, ("a", "b"))
    >>> [p.lines[0].plain.strip() for p in map_panels(maps, colour=False, max_width=80)]
    ['filter 0: a', 'filter 1: b']
    """
    panels: list[Panel] = []
    slices = titled_maps(maps)
    for title, values in slices[:MAX_PANELS]:
        panels += _panels_of(
            values,
            title,
            maps.sliding_ndim,
            colour=colour,
            max_width=max_width,
            cmap=cmap,
            factors=factors,
        )
    if len(slices) > MAX_PANELS:
        more = len(slices) - MAX_PANELS
        panels.append(_note_panel(f"... {more} more maps (write them with -o)", max_width))
    return panels


def source_panels(
    array: np.ndarray,
    *,
    sliding_ndim: int,
    colour: bool,
    max_width: int,
    bit_depth: int | None = None,
    name: str = "input",
    cmap: str | None = None,
    factors: tuple[int, int] | None = None,
) -> list[Panel]:
    """Panels for an input: as a picture when it is an image, else as heat maps.

    An image (``bit_depth`` 8 or 16) shows in grey over its pixel range, or in true
    colour when it has 3 or 4 channels (alpha left out); other inputs are heat maps
    like the feature maps, one per channel.

    Examples
    --------
    >>> import numpy as np
    >>> panels = source_panels(np.zeros((4, 4, 3)), sliding_ndim=2, colour=False,
    ...                        max_width=80, bit_depth=8)
    >>> panels[0].lines[-1].plain.strip()
    '0 [ .:-=+*#%@] 255 (grey)'
    """
    data = np.asarray(array, dtype=np.float64)
    channels = data.shape[-1] if data.ndim == sliding_ndim + 1 else None
    if bit_depth is not None and sliding_ndim == 2:
        top = float(2**bit_depth - 1)
        if channels in (3, 4):
            return [
                heat_panel(
                    data[..., :3],
                    title=name,
                    colour=colour,
                    max_width=max_width,
                    rgb_max=top,
                    factors=factors,
                )
            ]
        grey = data if channels is None else data[..., 0]
        return [
            heat_panel(
                grey,
                title=name,
                colour=colour,
                max_width=max_width,
                scale=heat_scale(grey, cmap="grey", fixed=(0.0, top)),
                factors=factors,
            )
        ]
    planes = [(name, data)]
    if channels is not None:
        planes = [(f"{name}, channel {c}", data[..., c]) for c in range(channels)]
    panels: list[Panel] = []
    for title, values in planes:
        panels += _panels_of(
            values,
            title,
            sliding_ndim,
            colour=colour,
            max_width=max_width,
            cmap=cmap,
            factors=factors,
        )
    return panels


def arrange(panels: Sequence[Panel], width: int) -> list[Text]:
    """Lines of the panels side by side, as many per row as fit ``width``.

    Rows of panels are separated by a blank line; trailing spaces are dropped.

    Examples
    --------
    >>> a = Panel((Text("ab"), Text("cd")), 2)
    >>> b = Panel((Text("x"),), 1)
    >>> [line.plain for line in arrange([a, b], 6)]
    ['ab   x', 'cd']
    >>> [line.plain for line in arrange([a, b], 5)]
    ['ab', 'cd', '', 'x']
    """
    rows: list[list[Panel]] = []
    used = 0
    for panel in panels:
        if rows and used + GAP + panel.width <= width:
            rows[-1].append(panel)
            used += GAP + panel.width
        else:
            rows.append([panel])
            used = panel.width
    lines: list[Text] = []
    for r, row in enumerate(rows):
        if r:
            lines.append(Text(""))
        for i in range(max(len(panel.lines) for panel in row)):
            parts = [
                panel.lines[i] if i < len(panel.lines) else Text(" " * panel.width) for panel in row
            ]
            line = Text(" " * GAP).join(parts)
            line.rstrip()
            lines.append(line)
    return lines


# ---------------------------------------------------------------------------
# Printing


def render_heatmaps(
    maps: FeatureMaps,
    console: Console,
    *,
    title: str | None = None,
    cmap: str | None = None,
    source: np.ndarray | None = None,
    bit_depth: int | None = None,
    source_name: str = "input",
    zoom: int | None = None,
) -> None:
    """Print ``maps`` (after ``source``, the input, when given) as heat maps to ``console``.

    Colour only when the console has colour and ``NO_COLOR`` is unset and it writes
    UTF-8; otherwise the plain ASCII rendering. All pictures share one shrink or
    enlargement factor, fitted to the largest of them, so their pixels have one size
    (``zoom`` fixes the enlargement instead). ``title`` is printed first (the input's
    name when several inputs are shown).
    """
    encoding = console.encoding.lower().replace("_", "-")
    colour = (
        console.color_system is not None and not console.no_color and encoding.startswith("utf")
    )
    width = max(console.width, MIN_WIDTH)
    factors = (1, zoom) if zoom is not None else _common_factors(maps, source, width)
    panels: list[Panel] = []
    if source is not None:
        panels += source_panels(
            source,
            sliding_ndim=maps.sliding_ndim,
            colour=colour,
            max_width=width,
            bit_depth=bit_depth,
            name=source_name,
            cmap=cmap,
            factors=factors,
        )
    panels += map_panels(maps, colour=colour, max_width=width, cmap=cmap, factors=factors)
    lines = arrange(panels, width)
    if title is not None:
        lines.insert(0, Text(title, style=_STYLE_TITLE if colour else ""))
    console.print(Text("\n").join(lines), soft_wrap=True)


def _common_factors(maps: FeatureMaps, source: np.ndarray | None, width: int) -> tuple[int, int]:
    """The shrink and enlargement factors that fit the largest picture shown."""
    sliding = maps.sliding_ndim
    shapes = [maps.data.shape[:sliding]]
    if source is not None:
        shapes.append(source.shape[:sliding])
    if sliding == 1:
        return fit_factors(1, max(s[0] for s in shapes), width, strip=True)
    planes = [s[-2:] for s in shapes]  # a volume's planes
    height = max(h for h, _ in planes)
    return fit_factors(height, max(w for _, w in planes), width, strip=False)


def print_heatmaps(
    maps: FeatureMaps,
    *,
    title: str | None = None,
    cmap: str | None = None,
    source: np.ndarray | None = None,
    bit_depth: int | None = None,
    source_name: str = "input",
) -> None:
    """Print heat maps to standard output: colour on a terminal, plain text otherwise."""
    render_heatmaps(
        maps,
        Console(highlight=False),
        title=title,
        cmap=cmap,
        source=source,
        bit_depth=bit_depth,
        source_name=source_name,
    )
