"""Terminal rendering of ``convcli explain``: the records of :mod:`convcli.explain`, drawn.

The layout follows the tutorials' hand-worked notation, kernel ``.`` window ``= sum``:

* 1-D, one line: ``[0, 1, 0] . [0, 1, 1] = 1``;
* 2-D, the kernel's rows beside the window's, the ``.`` and ``= sum`` on the middle row::

      0, 1, 0     0, 1, 1
      0, 1, 0  .  0, 1, 1  = 3
      0, 1, 0     0, 1, 1

* 3-D, one such block per kernel plane; under ``--channels sum``, one per channel.

Above each block a label row names the kernel (``flipped`` under ``--flip``) and the
window's input cells (``x[0..2, 2..4]``, ``0..4 by 2`` under dilation); under it the
element-wise products line up beneath the window; a last line gives the value written,
with the bias and the activation (``out[0, 1] = relu(-2) = 0``). Padding cells show in
parentheses, ``(0)``, in every mode (dim and italic on a colour terminal too). Wide
blocks keep their first and last columns around ``...``; sums stay exact.

The geometry header, the padding legend, the gaps of dilation and the copies made by
``reflect``/``symmetric``/``edge``/``wrap`` padding are plain lines; the feature map at
the end is :func:`convcli.render.render_maps` with the explained cells highlighted.

Examples
--------
>>> import numpy as np
>>> from rich.console import Console
>>> from convcli.explain import explain
>>> ex = explain(np.array([0, 0, 0, 1, 1, 0, 0, 0]), [np.array([0, 1, 0])], at=["2"])
>>> render_explanation(ex, Console(width=100, color_system=None))
input (8,)  kernel (3,)  output (6,)  correlation
stride 1  dilation 1  padding valid 0:0  pad mode zeros
<BLANKLINE>
out[2]
     kernel   window x[2..4]
  [0, 1, 0] . [0, 1, 1] = 1
   products   [0, 1, 0]
  out[2] = 1
<BLANKLINE>
feature map, explained cells in [brackets]
shape (6,)  min 0  max 1
0 0 [1] 1 0 0
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from convcli.explain import AxisTaps, Explanation, Geometry, Step, activate
from convcli.numfmt import format_compact
from convcli.render import render_maps
from convcli.shapes import pads_text, per_axis_text, shape_text

__all__ = ["print_explanation", "render_explanation"]

INDENT = "  "
# Blocks show every tap up to this many per axis; longer axes keep their ends.
MAX_TAPS = 16
EDGE_TAPS = 5
# Lists of indices (gaps, padding copies, partial sums) longer than this are shortened.
MAX_LISTED = 6
ELLIPSIS = "..."

_STYLE_HEADER = "bold"
_STYLE_TITLE = "bold"
_STYLE_LABEL = "dim"
_STYLE_PAD = "dim italic"
_STYLE_RESULT = "bold"
_STYLE_NOTE = "dim"

_AXIS_NAMES = {1: ("x",), 2: ("row", "column"), 3: ("plane", "row", "column")}
_AXIS_PLURALS = {1: ("indices",), 2: ("rows", "columns"), 3: ("planes", "rows", "columns")}

# What a padding cell holds, per pad mode, with the engine's diagrams.
_PAD_LEGENDS = {
    "reflect": "reflect copies the input mirrored, edge not repeated (c b | a b c d | c b)",
    "symmetric": "symmetric copies the input mirrored, edge repeated (b a | a b c d | d c)",
    "edge": "edge repeats the input's edge value (a a | a b c d | d d)",
    "wrap": "wrap copies the input from its other end (c d | a b c d | a b)",
}
_INLINE_NUMBERS = re.compile(r"[\d\s.,;|+\-eE]+")

Segment = tuple[str, str | None]


def render_explanation(explanation: Explanation, console: Console) -> None:
    """Print an explanation, then the feature map with the explained cells marked.

    Parameters
    ----------
    explanation : Explanation
        What :func:`convcli.explain.explain` returned.
    console : rich.console.Console
        Where to print; styles show only on a colour terminal without ``NO_COLOR``.
        Lines are laid out for ``console.width``.
    """
    styled = not console.no_color
    width = console.width
    lines: list[Text] = []

    def style(name: str) -> str:
        return name if styled else ""

    def header(geometry: Geometry, label: str | None) -> None:
        for line in _geometry_lines(geometry, label, width):
            lines.append(Text(line, style=style(_STYLE_HEADER)))
        if geometry.padded:
            lines.append(Text(_pad_legend(geometry), style=style(_STYLE_NOTE)))

    filters = explanation.filters
    # One header when every filter slides the same way, else one per filter.
    shared = all(f.geometry == filters[0].geometry for f in filters)
    if shared:
        header(filters[0].geometry, filters[0].label if len(filters) == 1 else None)

    for filt in filters:
        if len(filters) > 1:
            if lines:
                lines.append(Text(""))
            lines.append(Text(f"filter {filt.index}: {filt.label}", style=style(_STYLE_TITLE)))
            if not shared:
                header(filt.geometry, None)
        for step in filt.steps:
            lines.append(Text(""))
            lines += _step_lines(step, filt.geometry, width, styled)

    if explanation.omitted:
        lines.append(Text(""))
        lines.append(Text(_omitted_line(explanation), style=style(_STYLE_NOTE)))

    console.print(Text("\n").join(lines), soft_wrap=True)
    marks = "highlighted" if console.is_terminal and not console.no_color else "in [brackets]"
    console.print(Text(f"\nfeature map, explained cells {marks}"), soft_wrap=True)
    cells = {step.index for filt in filters for step in filt.steps}
    render_maps(explanation.maps, console, highlight=cells)


def print_explanation(explanation: Explanation) -> None:
    """Print to standard output: colour only on a terminal, never with NO_COLOR."""
    render_explanation(explanation, Console(highlight=False, soft_wrap=False))


# -- header -------------------------------------------------------------------------


def _geometry_lines(geometry: Geometry, label: str | None, width: int) -> list[str]:
    """The header: shapes and the operation on one line, the sliding settings on the next."""
    g = geometry
    shapes = [f"input {shape_text(g.input_shape)}"]
    if g.channels is not None:
        shapes.append(f"channels {g.channel_rule}")
    kernel = f"kernel {shape_text(g.kernel_shape)}"
    if label and not _INLINE_NUMBERS.fullmatch(label):  # inline numbers repeat the shape
        kernel += f" {label}"
    shapes.append(kernel)
    shapes.append(f"output {shape_text(g.output_shape)}")
    if g.dtype != "float32":
        shapes.append(g.dtype)
    shapes.append("convolution (kernel flipped)" if g.flip else "correlation")
    pads = pads_text(g.padding)
    rule = "" if g.padding_rule == "explicit" else f"{g.padding_rule} "
    mode = g.pad_mode + (f" {format_compact(g.pad_value)}" if g.pad_mode == "constant" else "")
    settings = [
        f"stride {per_axis_text(g.stride)}",
        f"dilation {per_axis_text(g.dilation)}",
        f"padding {rule}{pads}",
        f"pad mode {mode}",
    ]
    return _fold(shapes, width) + _fold(settings, width)


def _fold(parts: Sequence[str], width: int) -> list[str]:
    """Join ``parts`` with two spaces into lines no wider than ``width`` where possible."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += "  " + part
        else:
            lines.append(part)
    return lines


def _pad_legend(geometry: Geometry) -> str:
    mode = geometry.pad_mode
    if mode in ("zeros", "constant"):
        fill = format_compact(geometry.pad_value)
        what = "zeros" if mode == "zeros" else f"constant {fill}"
        return f"({fill}) is a padding cell ({what})"
    return f"(v) is a padding cell: {_PAD_LEGENDS[mode]}"


def _omitted_line(explanation: Explanation) -> str:
    shape = explanation.maps.data.shape[: explanation.maps.sliding_ndim]
    last = ",".join(str(n - 1) for n in shape)
    end = ",".join("-1" for _ in shape)
    count = explanation.omitted
    noun = "position" if count == 1 else "positions"
    return (
        f"{ELLIPSIS} {count} more {noun}; explain any with --at, "
        f"e.g. --at {last} (or --at {end}, counting from the end)"
    )


# -- one step -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    """One kernel plane against its window: a 1-D or 2-D block of the drawing."""

    kernel_label: str
    window_label: str
    kernel: list[list[Segment]]
    window: list[list[Segment]]
    products: list[list[Segment]]
    partial: float
    one_d: bool


def _step_lines(step: Step, geometry: Geometry, width: int, styled: bool) -> list[Text]:
    title = f"out[{', '.join(map(str, step.index))}]"
    if geometry.channels is not None:
        if geometry.channel_rule == "each":
            title += f"  channel {step.channels[0]}"
        else:
            title += f"  sum over {len(step.channels)} channels"
            if not geometry.per_channel:
                title += ", the same weights for each"
    lines = [Text(title, style=_STYLE_TITLE if styled else "")]
    for note in (_gap_note(step.axes, geometry), _copy_note(step.axes, geometry)):
        if note:
            lines.append(Text(INDENT + note, style=_STYLE_NOTE if styled else ""))

    sections = _sections(step, geometry)
    picked: list[_Section | None] = list(sections)
    if len(sections) > MAX_TAPS:
        picked = [*sections[:EDGE_TAPS], None, *sections[-EDGE_TAPS:]]
    for section in picked:
        if section is None:
            omitted = len(sections) - 2 * EDGE_TAPS
            lines.append(
                Text(
                    f"{INDENT}{ELLIPSIS} {omitted} more blocks, included in the sum",
                    style=_STYLE_NOTE if styled else "",
                )
            )
            continue
        lines += _section_lines(section, width, styled)
    partials = [s.partial for s in sections] if len(sections) > 1 else None
    lines.append(_value_line(step, partials, geometry.dtype, styled))
    return lines


def _sections(step: Step, geometry: Geometry) -> list[_Section]:
    """Split a step into drawable blocks: per channel slot, and per plane for 3-D."""
    sliding = geometry.sliding_ndim
    flipped = "flipped " if geometry.flip else ""
    sections = []
    planes: list[int | None] = list(range(step.weights.shape[0])) if sliding == 3 else [None]
    for slot, channel in enumerate(step.channels or (None,)):
        for plane in planes:
            index: list[str] = []
            if plane is not None:
                index.append(str(plane))
            if geometry.per_channel:
                index += [ELLIPSIS, str(channel)]
            kernel_label = f"{flipped}kernel" + (f"[{', '.join(index)}]" if index else "")
            axes = step.axes if plane is None else step.axes[1:]
            where = [_axis_range(a) for a in axes]
            if plane is not None:
                where.insert(0, str(step.axes[0].positions[plane]))
            if channel is not None:
                where.append(str(channel))
            cell = (..., slot) if plane is None else (plane, ..., slot)
            weights, window, products = step.weights[cell], step.window[cell], step.products[cell]
            padding = step.padding if plane is None else step.padding[plane]
            one_d = weights.ndim == 1
            if one_d:
                weights, window, products, padding = (
                    a[None, :] for a in (weights, window, products, padding)
                )
            sections.append(
                _Section(
                    kernel_label=kernel_label,
                    window_label=f"window x[{', '.join(where)}]",
                    kernel=_cells(weights.tolist()),
                    window=_cells(window.tolist(), padding.tolist()),
                    products=_cells(products.tolist()),
                    partial=step.partial(slot, plane),
                    one_d=one_d,
                )
            )
    return sections


def _cells(
    values: list[list[float]], padding: list[list[bool]] | None = None
) -> list[list[Segment]]:
    rows = []
    for i, row in enumerate(values):
        cells: list[Segment] = []
        for j, v in enumerate(row):
            if padding is not None and padding[i][j]:
                cells.append((f"({format_compact(v)})", _STYLE_PAD))
            else:
                cells.append((format_compact(v), None))
        rows.append(cells)
    return rows


def _axis_range(axis: AxisTaps) -> str:
    first, last = axis.positions[0], axis.positions[-1]
    if first == last:
        return str(first)
    return f"{first}..{last}" + (f" by {axis.dilation}" if axis.dilation > 1 else "")


def _listed(values: Sequence[int]) -> str:
    items = [str(v) for v in values]
    if len(items) > MAX_LISTED:
        items = [*items[:3], ELLIPSIS, *items[-2:]]
    return ", ".join(items)


def _gap_note(axes: Sequence[AxisTaps], geometry: Geometry) -> str | None:
    """Which input cells dilation reads and which it skips, per dilated axis."""
    if all(d == 1 for d in geometry.dilation):
        return None
    plurals = _AXIS_PLURALS[len(axes)]
    phrases = [
        f"{plurals[a]} {_listed(axis.positions)} tapped, {_listed(axis.skipped)} skipped"
        for a, axis in enumerate(axes)
        if axis.dilation > 1 and len(axis.positions) > 1
    ]
    if not phrases:
        return None
    return f"dilation {per_axis_text(geometry.dilation)}: " + "; ".join(phrases)


def _copy_note(axes: Sequence[AxisTaps], geometry: Geometry) -> str | None:
    """Which input cell each padding coordinate copies (reflect, symmetric, edge, wrap)."""
    if geometry.pad_mode in ("zeros", "constant"):
        return None
    names = _AXIS_NAMES[len(axes)]
    phrases = []
    for a, axis in enumerate(axes):
        for p, source, pad in zip(axis.positions, axis.sources, axis.padding, strict=True):
            if pad:
                phrases.append(
                    f"x[{p}] = x[{source}]" if len(axes) == 1 else f"{names[a]} {p} = {source}"
                )
    if not phrases:
        return None
    if len(phrases) > MAX_LISTED:
        phrases = [*phrases[:3], ELLIPSIS, *phrases[-2:]]
    return f"padding ({geometry.pad_mode}): " + ", ".join(phrases)


# -- blocks ---------------------------------------------------------------------------


def _shown(n: int, keep: int | None) -> list[int | None]:
    """Indices shown of ``n``: all, or ``keep`` at each end with None for the ellipsis."""
    if keep is None or n <= 2 * keep:
        return list(range(n))
    return [*range(keep), None, *range(n - keep, n)]


def _widths(blocks: Sequence[list[list[Segment]]], cols: list[int | None]) -> list[int]:
    """Width of each shown column over every row of ``blocks`` (an ellipsis is 3)."""
    return [
        len(ELLIPSIS) if j is None else max(len(row[j][0]) for block in blocks for row in block)
        for j in cols
    ]


def _row(
    row: list[Segment], cols: list[int | None], widths: list[int], brackets: bool
) -> list[Segment]:
    out: list[Segment] = [("[", None)] if brackets else []
    for pos, (j, w) in enumerate(zip(cols, widths, strict=True)):
        if pos:
            out.append((", ", None))
        if j is None:
            out.append((ELLIPSIS.rjust(w), _STYLE_LABEL))
        else:
            text, style = row[j]
            out.append((text.rjust(w), style))
    if brackets:
        out.append(("]", None))
    return out


def _length(segments: Sequence[Segment]) -> int:
    return sum(len(text) for text, _ in segments)


def _section_lines(section: _Section, width: int, styled: bool) -> list[Text]:
    """Side by side (kernel . window = sum, products under the window) when it fits,
    else the kernel, window and products one under another; wide blocks keep the ends
    of their rows (and tall ones the ends of their columns)."""
    n_rows, n_cols = len(section.kernel), len(section.kernel[0])
    rows = _shown(n_rows, None if n_rows <= MAX_TAPS else EDGE_TAPS)
    full = None if n_cols <= MAX_TAPS else EDGE_TAPS
    # Side by side while at least two columns show at each end, then one under another.
    tries: list[tuple[bool, int | None]] = [(False, full)]
    tries += [(False, keep) for keep in range(EDGE_TAPS if full is None else full - 1, 1, -1)]
    tries += [(True, full)]
    tries += [(True, keep) for keep in range(EDGE_TAPS if full is None else full - 1, 0, -1)]
    for stacked, keep in tries:
        lines = _layout(section, rows, _shown(n_cols, keep), stacked)
        if max(_length(line) for line in lines) <= width:
            break
    return [_text(line, styled) for line in lines]


def _text(segments: Sequence[Segment], styled: bool) -> Text:
    text = Text()
    for part, style in segments:
        text.append(part, style=style if styled and style else None)
    text.rstrip()
    return text


def _layout(
    section: _Section, rows: list[int | None], cols: list[int | None], stacked: bool
) -> list[list[Segment]]:
    brackets = section.one_d
    k_widths = _widths([section.kernel], cols)
    w_widths = _widths([section.window, section.products], cols)

    def block(cells: list[list[Segment]], widths: list[int]) -> list[list[Segment]]:
        out: list[list[Segment]] = []
        for i in rows:
            if i is None:
                out.append([(ELLIPSIS, _STYLE_LABEL)])
            else:
                out.append(_row(cells[i], cols, widths, brackets))
        return out

    kernel = block(section.kernel, k_widths)
    window = block(section.window, w_widths)
    products = block(section.products, w_widths)
    total = ("= " + format_compact(section.partial), _STYLE_RESULT)
    window_label = (section.window_label, _STYLE_LABEL)

    if stacked:
        lines: list[list[Segment]] = [[(INDENT, None), (section.kernel_label, _STYLE_LABEL)]]
        lines += [[(INDENT, None), *r] for r in kernel]
        lines.append([(INDENT, None), window_label])
        lines += [[(INDENT, None), *r] for r in window]
        lines.append([(INDENT, None), ("products", _STYLE_LABEL)])
        lines += [[(INDENT, None), *r] for r in products]
        lines.append([(INDENT, None), ("kernel . window ", _STYLE_LABEL), total])
        return lines

    gap = " . " if brackets else "  .  "
    blank = " " * len(gap)
    tail = " " if brackets else "  "
    kw = max(max(_length(r) for r in kernel), len("products"), len(section.kernel_label))
    # The tutorials' "." and "= sum" sit on the middle row (never on an ellipsis row).
    middle = len(rows) // 2 - (rows[len(rows) // 2] is None)
    lines = [[(INDENT + section.kernel_label.rjust(kw), _STYLE_LABEL), (blank, None), window_label]]
    for i, (k_row, w_row) in enumerate(zip(kernel, window, strict=True)):
        pad = " " * (kw - _length(k_row))
        line: list[Segment] = [(INDENT + pad, None), *k_row]
        line.append((gap if i == middle else blank, None))
        line += w_row
        if i == middle:
            line += [(" " * (max(_length(r) for r in window) - _length(w_row)) + tail, None), total]
        lines.append(line)
    for i, p_row in enumerate(products):
        lead = "products".rjust(kw) if i == 0 else " " * kw
        lines.append(
            [(INDENT, None), (lead, _STYLE_LABEL if i == 0 else None), (blank, None), *p_row]
        )
    return lines


# -- the value written -----------------------------------------------------------------


def _value_line(step: Step, partials: list[float] | None, dtype: str, styled: bool) -> Text:
    """``out[i] = act(sum + bias) = act(pre) = value``, skipping what adds nothing.

    The sums are exact; the value is the engine's. Where its float32 (or float64)
    arithmetic rounds to a different shown value, the line says so.
    """
    where = f"out[{', '.join(map(str, step.index))}]"
    if partials is None:
        expr = format_compact(step.total)
    else:
        shown = [format_compact(p) for p in partials]
        if len(shown) > MAX_LISTED:
            shown = [*shown[:3], ELLIPSIS, *shown[-2:]]
        expr = shown[0]
        for term in shown[1:]:
            expr += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    if step.bias:
        expr += f" + bias {format_compact(step.bias)}"
    pre = format_compact(step.pre_activation)
    exact = format_compact(activate(step.pre_activation, step.activation))
    if step.activation == "linear":
        chain = [expr] if expr == exact else [expr, exact]
    else:
        chain = [f"{step.activation}({expr})"]
        if expr != pre:
            chain.append(f"{step.activation}({pre})")
        chain.append(exact)
    value = format_compact(step.value)
    text = Text(f"{INDENT}{where} = ")
    if value == exact:
        text.append(" = ".join(chain[:-1]) + (" = " if len(chain) > 1 else ""))
        text.append(value, style=_STYLE_RESULT if styled else None)
    else:
        text.append(" = ".join(chain) + f", which {dtype} arithmetic rounds to ")
        text.append(value, style=_STYLE_RESULT if styled else None)
    return text
