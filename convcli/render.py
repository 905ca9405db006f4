"""Terminal rendering of feature maps (``--format table``): the only module that uses rich.

A map prints as a header line (name, shape, min and max), then its values: a 1-D map as
one line, a 2-D map as rows of right-aligned numbers, a 3-D map as one 2-D block per
plane. Maps with a last axis (channels and/or filters) print one labelled block per
slice, in the channel-major order of :class:`~convcli.featuremaps.FeatureMaps`.

Large maps are summarised like NumPy's printing: above 1000 elements only the first and
last three entries of every axis show, the rest stand behind an ellipsis. Lines never
wrap: a row wider than the console drops more columns behind the ellipsis instead.

Styles (negative red, positive green, zero dim, header bold) go through rich ``Text``, so
a console that is not a terminal gets plain text; under ``NO_COLOR`` no style is applied
at all. Unicode ellipses (``⋮``) are used only on a UTF-8 terminal; everything else gets
ASCII ``...``.

Examples
--------
>>> import numpy as np
>>> from rich.console import Console
>>> from convcli.featuremaps import FeatureMaps
>>> maps = FeatureMaps(np.array([321.0, 432, 543, 654]), 1, 1, 1, ("1,10,100",))
>>> render_maps(maps, Console(width=80, color_system=None), title="signal.csv")
signal.csv  shape (4,)  min 321  max 654
321 432 543 654
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.text import Text

from convcli.errors import OutputError
from convcli.featuremaps import FeatureMaps
from convcli.numfmt import format_compact
from convcli.shapes import shape_text

__all__ = ["ProgressBar", "print_maps", "render_maps"]

# NumPy's own print options: summarise above this many elements, keeping this many
# entries at each end of every axis.
_THRESHOLD = 1000
_EDGEITEMS = 3

_COL_ELLIPSIS = "..."

_STYLE_HEADER = "bold"
_STYLE_LABEL = "bold"
_STYLE_NEGATIVE = "red"
_STYLE_POSITIVE = "green"
_STYLE_ZERO = "dim"
_STYLE_NAN = "yellow"
_STYLE_ELLIPSIS = "dim"
_STYLE_HIGHLIGHT = "reverse bold"

_Array = npt.NDArray[Any]
_T = TypeVar("_T")


def render_maps(
    maps: FeatureMaps,
    console: Console,
    *,
    title: str | None = None,
    max_width: int | None = None,
    highlight: Collection[tuple[int, ...]] | None = None,
) -> None:
    """Print feature maps as a table of values to ``console``.

    Parameters
    ----------
    maps : FeatureMaps
        The maps to print (1-D, 2-D or 3-D sliding axes, optionally a last axis of
        ``channels * filters`` slices, channel-major).
    console : rich.console.Console
        Where to print. Styles show only if it is a terminal with colour and
        ``NO_COLOR`` is not set.
    title : str, optional
        Name shown at the start of the header line (usually the input's name).
    max_width : int, optional
        Width the value lines must fit in; defaults to ``console.width``. Rows that
        would be wider summarise more columns instead of wrapping.
    highlight : collection of tuple of int, optional
        Cells of ``maps.data`` (full indices) to mark: reverse video on a colour
        terminal, else in brackets (``[3]``), the column's other values padded so the
        digits still line up. Cells hidden by summarising are not shown.

    Raises
    ------
    OutputError
        If the maps have more than three sliding axes or an unexpected number of axes.

    Examples
    --------
    >>> import numpy as np
    >>> from rich.console import Console
    >>> from convcli.featuremaps import FeatureMaps
    >>> data = np.stack([np.eye(2) * 3, -np.eye(2)], axis=-1)
    >>> maps = FeatureMaps(data, 2, 1, 2, ("a", "b"))
    >>> render_maps(maps, Console(width=80, color_system=None))
    shape (2, 2, 2)  min -1  max 3  filters: a, b
    filter 0: a
     3  0
     0  3
    <BLANKLINE>
    filter 1: b
    -1  0
     0 -1
    """
    data: _Array = np.asarray(maps.data)
    sliding = maps.sliding_ndim
    if not 1 <= sliding <= 3:
        raise OutputError(
            f"table output shows 1-D, 2-D or 3-D feature maps; got {sliding} sliding axes; "
            "write them to .npy with -o instead"
        )
    if data.ndim not in (sliding, sliding + 1):
        raise OutputError(
            f"feature maps with {sliding} sliding axes must have {sliding} or {sliding + 1} "
            f"axes; got shape {shape_text(data.shape)}"
        )
    fancy = console.is_terminal and console.encoding.lower().replace("_", "-").startswith("utf")
    layout = _Layout(
        width=console.width if max_width is None else max_width,
        summarise=data.size > _THRESHOLD,
        styled=not console.no_color,
        row_ellipsis="⋮" if fancy else None,
        corner_ellipsis="⋱" if fancy else None,
        block_ellipsis="⋮" if fancy else "...",
        highlight=frozenset(tuple(int(i) for i in cell) for cell in highlight or ()),
        brackets=not (console.is_terminal and not console.no_color),
    )
    lines = [_header(maps, data, title, layout)]
    if data.size:
        lines += _body(maps, data, layout)
    console.print(Text("\n").join(lines), soft_wrap=True)


def print_maps(maps: FeatureMaps, *, title: str | None = None) -> None:
    """Print feature maps to standard output: colour only on a terminal, never with NO_COLOR."""
    render_maps(maps, Console(highlight=False, soft_wrap=False), title=title)


class ProgressBar:
    """A transient progress bar on standard error, started only when work turns out long.

    Nothing shows unless ``enabled`` and the console (standard error by default) is a
    terminal, so pipes and logs stay clean. The live display starts at :meth:`begin`,
    which the caller invokes once it knows the work is long (several inputs, a large
    array), so quick runs never flash a bar.

    Examples
    --------
    >>> bar = ProgressBar(2, enabled=False)
    >>> bar.begin(); bar.advance(0.5); bar.close()
    """

    def __init__(self, total: int, *, enabled: bool, console: Console | None = None) -> None:
        self.total = total
        self.console = Console(stderr=True) if console is None else console
        self.enabled = enabled and self.console.is_terminal
        self._progress: Any = None
        self._task: Any = None
        self._done = 0.0

    def begin(self) -> None:
        """Show the bar (once); later calls do nothing."""
        if not self.enabled or self._progress is not None:
            return
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        self._progress = Progress(
            TextColumn("convcli"),
            BarColumn(),
            TaskProgressColumn(),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("inputs", total=self.total, completed=self._done)

    def advance(self, amount: float = 1.0) -> None:
        """Record ``amount`` more units of work done (fractions of an input are fine)."""
        self._done += amount
        if self._progress is not None:
            self._progress.update(self._task, completed=self._done)

    def close(self) -> None:
        """Remove the bar from the terminal."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@dataclass(frozen=True)
class _Layout:
    """How to lay out one rendering: width, summarising, styles and ellipsis glyphs."""

    width: int
    summarise: bool
    styled: bool
    row_ellipsis: str | None  # one per column; None prints a single "..." line
    corner_ellipsis: str | None
    block_ellipsis: str
    highlight: frozenset[tuple[int, ...]] = frozenset()  # full indices into the maps' data
    brackets: bool = True  # mark highlighted cells as [v] (else reverse video)

    def style(self, style: str) -> str | None:
        return style if self.styled else None


def _header(maps: FeatureMaps, data: _Array, title: str | None, layout: _Layout) -> Text:
    parts = [] if title is None else [title]
    parts.append(f"shape {shape_text(data.shape)}")
    if data.size:
        parts += [f"min {format_compact(data.min())}", f"max {format_compact(data.max())}"]
    else:
        parts.append("empty")
    line = "  ".join(parts)
    if maps.filters > 1:
        names = "  filters: " + ", ".join(maps.labels)
        # Many long names would wrap the header; the block labels name them anyway.
        line += names if len(line) + len(names) <= layout.width else f"  {maps.filters} filters"
    return Text(line, style=layout.style(_STYLE_HEADER) or "")


def _body(maps: FeatureMaps, data: _Array, layout: _Layout) -> list[Text]:
    """The value lines under the header."""
    sliding = maps.sliding_ndim
    cells = layout.highlight
    if sliding == 1:
        if not maps.has_last_axis:
            marks = [{(0, cell[0]) for cell in cells}]
            return _grids([data[np.newaxis, :]], None, layout, marks)[0]
        labels = []
        for k in range(data.shape[-1]):
            parts, name = _slice_parts(maps, data.shape[-1], k)
            labels.append(", ".join(parts) + ("" if name is None else f" ({name})") + ":")
        return _grids([data.T], labels, layout, [{(c[1], c[0]) for c in cells}])[0]

    # 2-D and 3-D: one block per slice of the last axis (and per plane for 3-D), each
    # a (label, 2-D values) pair, or a marker line standing for omitted blocks.
    # Each block's cells: (the last axis's index or None, the plane or None) -> cells.
    slices: list[tuple[list[str], str | None, _Array, int | None]]
    if maps.has_last_axis:
        count = data.shape[-1]
        slices = [(*_slice_parts(maps, count, k), data[..., k], k) for k in range(count)]
    else:
        slices = [([], None, data, None)]
    entries: list[tuple[str | None, _Array, set[tuple[int, int]]] | Text] = []
    for item in _pick(slices, layout.summarise, "maps", layout):
        if isinstance(item, Text):
            entries.append(item)
            continue
        parts, name, volume, last = item
        # The highlighted cells of this slice, as (plane, row, column) or (row, column).
        inside = [c[:sliding] for c in layout.highlight if last is None or c[sliding:] == (last,)]
        planes: list[tuple[list[str], _Array, set[tuple[int, int]]]] = (
            [(parts, volume, {(c[0], c[1]) for c in inside})]
            if sliding == 2
            else [
                ([*parts, f"plane {p}"], volume[p], {(c[1], c[2]) for c in inside if c[0] == p})
                for p in range(volume.shape[0])
            ]
        )
        for plane in _pick(planes, layout.summarise, "planes", layout):
            if isinstance(plane, Text):
                entries.append(plane)
                continue
            plane_parts, values, marked = plane
            label = ", ".join(plane_parts) + ("" if name is None else f": {name}")
            entries.append((label or None, values, marked))

    tables = [entry[1] for entry in entries if not isinstance(entry, Text)]
    marks = [entry[2] for entry in entries if not isinstance(entry, Text)]
    grids = iter(_grids(tables, None, layout, marks))
    lines: list[Text] = []
    for i, entry in enumerate(entries):
        if i:
            lines.append(Text(""))
        if isinstance(entry, Text):
            lines.append(entry)
            continue
        if entry[0] is not None:
            lines.append(Text(entry[0], style=layout.style(_STYLE_LABEL) or ""))
        lines += next(grids)
    return lines


def _slice_parts(maps: FeatureMaps, count: int, k: int) -> tuple[list[str], str | None]:
    """Label parts for slice ``k`` of the last axis, and its filter's name if shown."""
    if maps.channels < 1 or maps.filters < 1 or maps.channels * maps.filters != count:
        return [f"index {k}"], None  # layout does not match the axis: fall back to the index
    channel, filt = divmod(k, maps.filters)
    parts = [f"channel {channel}"] if maps.channels > 1 else []
    if maps.filters == 1 and maps.channels > 1:
        return parts, None
    name = maps.labels[filt] if filt < len(maps.labels) else None
    return [*parts, f"filter {filt}"], name


def _pick(items: list[_T], summarise: bool, noun: str, layout: _Layout) -> list[_T | Text]:
    """Keep the first and last few ``items`` when summarising, with a marker between."""
    if not summarise or len(items) <= 2 * _EDGEITEMS:
        return list(items)
    omitted = len(items) - 2 * _EDGEITEMS
    marker = Text(
        f"{layout.block_ellipsis} ({omitted} {noun} omitted)",
        style=layout.style(_STYLE_ELLIPSIS) or "",
    )
    return [*items[:_EDGEITEMS], marker, *items[-_EDGEITEMS:]]


def _edge_indices(n: int, summarise: bool) -> list[int]:
    """Indices shown along an axis of length ``n`` before any width limit."""
    if summarise and n > 2 * _EDGEITEMS:
        return [*range(_EDGEITEMS), *range(n - _EDGEITEMS, n)]
    return list(range(n))


def _cell_style(v: float, layout: _Layout) -> str | None:
    if math.isnan(v):
        return layout.style(_STYLE_NAN)
    if v < 0:
        return layout.style(_STYLE_NEGATIVE)
    if v > 0:
        return layout.style(_STYLE_POSITIVE)
    return layout.style(_STYLE_ZERO)


def _mark(
    text: list[list[list[str]]],
    styles: list[list[list[str | None]]],
    hits: list[list[list[bool]]],
    layout: _Layout,
) -> None:
    """Highlight cells in place: reverse video, or ``[v]`` with the column's digits aligned."""
    if not layout.brackets:
        for t, table in enumerate(hits):
            for i, row in enumerate(table):
                for j, hit in enumerate(row):
                    if hit:  # keep the sign's colour; dim zeros would fade the highlight
                        base = styles[t][i][j]
                        keep = base not in (None, layout.style(_STYLE_ZERO))
                        styles[t][i][j] = f"{base} {_STYLE_HIGHLIGHT}" if keep else _STYLE_HIGHLIGHT
        return
    columns = {j for table in hits for row in table for j, hit in enumerate(row) if hit}
    for t, table in enumerate(hits):
        for i, row in enumerate(table):
            for j in columns:
                cell = text[t][i][j]
                text[t][i][j] = f"[{cell}]" if row[j] else f"{cell} "


def _grids(
    tables: Sequence[_Array],
    row_labels: Sequence[str] | None,
    layout: _Layout,
    marks: Sequence[set[tuple[int, int]]] | None = None,
) -> list[list[Text]]:
    """Lines for each of several same-shaped rows x columns tables of one map.

    Each column is as wide as its widest shown value, in every table, so the blocks of
    a map line up while sparse maps stay narrow (a 30-column map of 0 with one column
    of 765 fits 80 characters whole). Summarising keeps the edge rows and columns; a
    row wider than ``layout.width`` keeps fewer columns. ``marks`` holds each table's
    highlighted (row, column) cells.
    """
    n_rows, n_cols = tables[0].shape
    rows = _edge_indices(n_rows, layout.summarise)
    cols = _edge_indices(n_cols, layout.summarise)
    shown = [np.asarray(t)[np.ix_(rows, cols)].astype(float).tolist() for t in tables]
    text = [[[format_compact(v) for v in row] for row in table] for table in shown]
    styles = [[[_cell_style(v, layout) for v in row] for row in table] for table in shown]
    marked = marks is not None and any(marks)
    if marks is not None and marked:
        hits = [[[(r, c) in cells for c in cols] for r in rows] for cells in marks]
        _mark(text, styles, hits, layout)

    labels = None if row_labels is None else [row_labels[r] for r in rows]
    label_width = 0 if labels is None else max(len(lab) for lab in labels)
    prefix = 0 if labels is None else label_width + 1

    # Width of each candidate column over every shown row of every table.
    m = len(cols)
    col_w = [max(len(row[j]) for table in text for row in table) for j in range(m)]

    def kept(keep: int | None) -> list[int]:
        """Positions shown: all (None), or ``keep`` at each end around an ellipsis."""
        return list(range(m)) if keep is None else [*range(keep), *range(m - keep, m)]

    def line_length(keep: int | None) -> int:
        widths = [col_w[j] for j in kept(keep)]
        cells = sum(widths)
        if keep is None:
            return prefix + cells + len(widths) - 1
        return prefix + cells + len(_COL_ELLIPSIS) + len(widths)

    # Threshold-summarised columns only ever shrink from the edge items; a map small
    # enough to print whole keeps as many columns as the width allows.
    candidates: list[int | None] = [] if len(cols) < n_cols else [None]
    candidates += list(range(_EDGEITEMS if len(cols) < n_cols else (m - 1) // 2, 0, -1))
    keep = next((c for c in candidates if line_length(c) <= layout.width), candidates[-1])
    chosen = kept(keep)
    dim = layout.style(_STYLE_ELLIPSIS)

    def row_line(t: int, i: int) -> Text:
        line = Text()
        if labels is not None:
            line.append(labels[i].ljust(label_width), style=layout.style(_STYLE_LABEL))
            line.append(" ")
        for pos, j in enumerate(chosen):
            if pos:
                line.append(" ")
            if pos == keep:
                line.append(_COL_ELLIPSIS, style=dim)
                line.append(" ")
            line.append(text[t][i][j].rjust(col_w[j]), style=styles[t][i][j])
        if marked:
            line.rstrip()  # a marked column pads its values on the right
        return line

    def ellipsis_line() -> Text:
        if layout.row_ellipsis is None or layout.corner_ellipsis is None:
            return Text(_COL_ELLIPSIS, style=dim or "")
        cells = [layout.row_ellipsis.rjust(col_w[j]) for j in chosen]
        if keep is not None:
            cells.insert(keep, layout.corner_ellipsis.rjust(len(_COL_ELLIPSIS)))
        return Text(" " * prefix + " ".join(cells), style=dim or "")

    out = []
    for t in range(len(tables)):
        lines = [row_line(t, i) for i in range(len(rows))]
        if len(rows) < n_rows:
            lines.insert(_EDGEITEMS, ellipsis_line())
        out.append(lines)
    return out
