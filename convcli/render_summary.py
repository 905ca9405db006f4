"""The tables of ``convcli shape`` and ``convcli kernels``: rich on a terminal, plain in a pipe.

A table is first built as text (:class:`Summary`: headers, rows, lines under it), then
printed one of two ways:

* on a terminal (or with ``FORCE_COLOR``), as a rich table: bold headers, a frame,
  colour unless ``NO_COLOR`` is set;
* anywhere else, as plain columns under a dashed rule, without importing rich at all,
  so ``convcli shape 28,28,1 -k 3 | cat`` starts as fast as Typer allows. Lines have
  no trailing spaces; numbers are right-aligned.

The shape summary follows Keras' ``model.summary()``: output shapes with the batch
axis as ``None``, parameter counts with thousands separators, then
``Total params: N``. :func:`stack_json` is the contract's ``--format json``.

Examples
--------
>>> summary = Summary(("name", "size"), (("bump", "3"), ("gaussian", "5x5")), right=(1,))
>>> print(format_plain(summary))
name      size
--------  ----
bump         3
gaussian   5x5
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "Summary",
    "format_count",
    "format_plain",
    "padding_text",
    "preset_summary",
    "presets_csv",
    "presets_json",
    "print_summary",
    "render_rich",
    "shape_text",
    "stack_json",
    "stack_summary",
    "stdout_is_terminal",
]


class LayerLike(Protocol):
    """What a row of the shape summary needs (:class:`convcli.stack.LayerShape`)."""

    @property
    def position(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def output_shape(self) -> tuple[int | None, ...]: ...
    @property
    def padding(self) -> tuple[tuple[int, int], ...]: ...
    @property
    def params(self) -> int: ...
    @property
    def notes(self) -> tuple[str, ...]: ...


class StackLike(Protocol):
    """What the shape summary needs (:class:`convcli.stack.StackShape`)."""

    @property
    def input_shape(self) -> tuple[int, ...]: ...
    @property
    def layers(self) -> Sequence[LayerLike]: ...
    @property
    def output_shape(self) -> tuple[int | None, ...]: ...
    @property
    def total_params(self) -> int: ...


class PresetLike(Protocol):
    """What a row of the preset list needs (:class:`convcli.presets.Preset`)."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def defaults(self) -> Mapping[str, int | float]: ...


class Summary(NamedTuple):
    """A table as text: column headers, rows of cells, and the lines printed under it.

    Parameters
    ----------
    headers : tuple of str
        One per column.
    rows : tuple of tuple of str
        Cells, one per column.
    right : tuple of int
        Indices of the right-aligned (numeric) columns.
    footer : tuple of str
        Lines under the table (totals, notes).
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[int, ...] = ()
    footer: tuple[str, ...] = ()


# -- text of one cell ------------------------------------------------------------------


def format_count(n: int) -> str:
    """A parameter count as Keras prints it, with thousands separators.

    Examples
    --------
    >>> format_count(50186), format_count(0)
    ('50,186', '0')
    """
    return f"{n:,}"


def shape_text(shape: Sequence[int | None], *, batch: bool = True) -> str:
    """A shape as Keras prints it: the batch axis first, as ``None``.

    Examples
    --------
    >>> shape_text((26, 26, 32)), shape_text((10,)), shape_text((8,), batch=False)
    ('(None, 26, 26, 32)', '(None, 10)', '(8,)')
    """
    sizes = ["None" if n is None else str(n) for n in shape]
    if batch:
        sizes.insert(0, "None")
    if len(sizes) == 1:
        return f"({sizes[0]},)"
    return "(" + ", ".join(sizes) + ")"


def padding_text(padding: Sequence[tuple[int, int]]) -> str:
    """``before/after`` per padded axis, or ``-`` when nothing is padded.

    Examples
    --------
    >>> padding_text(((0, 1), (0, 1))), padding_text(((0, 0),)), padding_text(())
    ('0/1, 0/1', '-', '-')
    """
    if not any(before or after for before, after in padding):
        return "-"
    return ", ".join(f"{before}/{after}" for before, after in padding)


# -- the tables ------------------------------------------------------------------------


def stack_summary(stack: StackLike) -> Summary:
    """The shape summary: the input, then one row per layer, totals and notes under it.

    Notes of a layer stack name their layer (``note: layer 3, Conv2D: ...``); the
    notes of a single kernel do not need to.

    Examples
    --------
    >>> from types import SimpleNamespace as Row
    >>> layer = Row(position=1, text="Dense(10)", name="Dense", output_shape=(10,),
    ...             padding=(), params=31370, notes=())
    >>> stack = Row(input_shape=(3136,), layers=(layer,), output_shape=(10,),
    ...             total_params=31370)
    >>> print(format_plain(stack_summary(stack)))
    Layer (type)  Output Shape  Padding  Param #
    ------------  ------------  -------  -------
    Input         (None, 3136)  -              0
    Dense(10)     (None, 10)    -         31,370
    Total params: 31,370
    """
    rows = [("Input", shape_text(stack.input_shape), "-", "0")]
    notes = []
    for layer in stack.layers:
        rows.append(
            (
                layer.text,
                shape_text(layer.output_shape),
                padding_text(layer.padding),
                format_count(layer.params),
            )
        )
        where = "" if layer.name == "kernel" else f"layer {layer.position}, {layer.name}: "
        notes += [f"note: {where}{note}" for note in layer.notes]
    return Summary(
        headers=("Layer (type)", "Output Shape", "Padding", "Param #"),
        rows=tuple(rows),
        right=(3,),
        footer=(f"Total params: {format_count(stack.total_params)}", *notes),
    )


def stack_json(stack: StackLike) -> str:
    """The contract's ``--format json``: shapes without the batch axis, one line.

    Examples
    --------
    >>> from types import SimpleNamespace as Row
    >>> layer = Row(position=1, text="Conv1D(1, 3)", name="Conv1D", output_shape=(6, 1),
    ...             padding=((0, 0),), params=4, notes=())
    >>> print(stack_json(Row(input_shape=(8, 1), layers=(layer,), output_shape=(6, 1),
    ...                      total_params=4)))
    {"input_shape": [8, 1], "layers": [{"layer": "Conv1D(1, 3)", "output_shape": [6, 1], "padding": [[0, 0]], "params": 4}], "output_shape": [6, 1], "total_params": 4}
    """  # noqa: E501
    import json

    document = {
        "input_shape": list(stack.input_shape),
        "layers": [
            {
                "layer": layer.text,
                "output_shape": list(layer.output_shape),
                "padding": [[before, after] for before, after in layer.padding],
                "params": layer.params,
            }
            for layer in stack.layers
        ],
        "output_shape": list(stack.output_shape),
        "total_params": stack.total_params,
    }
    return json.dumps(document)


def _size(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def _parameters(defaults: Mapping[str, int | float]) -> str:
    return ", ".join(f"{key}={value}" for key, value in defaults.items()) or "-"


def preset_summary(presets: Iterable[PresetLike]) -> Summary:
    """The preset list: name, size (with the defaults), parameters, what it does.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> bump = P(name="bump", shape=(3,), defaults={}, description="1-D bump detector")
    >>> box = P(name="box", shape=(3, 3), defaults={"size": 3, "ndim": 2}, description="blur")
    >>> print(format_plain(preset_summary([bump, box])))
    preset  size  parameters      what it does
    ------  ----  --------------  -----------------
    bump    3     -               1-D bump detector
    box     3x3   size=3, ndim=2  blur
    """
    rows = tuple((p.name, _size(p.shape), _parameters(p.defaults), p.description) for p in presets)
    return Summary(headers=("preset", "size", "parameters", "what it does"), rows=rows)


def presets_csv(presets: Iterable[PresetLike], *, delimiter: str = ",") -> str:
    """The preset list as CSV (or TSV): a header row, then one row per preset.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> box = P(name="box", shape=(3, 3), defaults={"size": 3, "ndim": 2}, description="blur")
    >>> print(presets_csv([box]), end="")
    name,size,parameters,description
    box,3x3,"size=3, ndim=2",blur
    """
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["name", "size", "parameters", "description"])
    for p in presets:
        writer.writerow([p.name, _size(p.shape), _parameters(p.defaults), p.description])
    return out.getvalue()


def presets_json(presets: Iterable[PresetLike]) -> str:
    """The preset list as a JSON array, one object per preset.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> print(presets_json([P(name="bump", shape=(3,), defaults={}, description="bump")]))
    [{"name": "bump", "shape": [3], "parameters": {}, "description": "bump"}]
    """
    import json

    return json.dumps(
        [
            {
                "name": p.name,
                "shape": list(p.shape),
                "parameters": dict(p.defaults),
                "description": p.description,
            }
            for p in presets
        ]
    )


# -- printing ---------------------------------------------------------------------------


def format_plain(summary: Summary) -> str:
    """The table as plain text: columns two spaces apart under a dashed rule.

    Every column is as wide as its widest cell; numbers are right-aligned; the last
    column is not padded, so no line ends in spaces.
    """
    table = [summary.headers, *summary.rows]
    widths = [max(len(row[j]) for row in table) for j in range(len(summary.headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if j in summary.right else cell.ljust(width)
            for j, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    lines = [line(summary.headers), line(["-" * width for width in widths])]
    lines += [line(row) for row in summary.rows]
    return "\n".join([*lines, *summary.footer])


def render_rich(summary: Summary, console: Console) -> None:
    """Print the table with rich: a rounded frame, bold headers and totals.

    Examples
    --------
    >>> from rich.console import Console
    >>> summary = Summary(("name", "size"), (("bump", "3"),), right=(1,), footer=("1 preset",))
    >>> render_rich(summary, Console(width=40, color_system=None))
    ╭──────┬──────╮
    │ name │ size │
    ├──────┼──────┤
    │ bump │    3 │
    ╰──────┴──────╯
    1 preset
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    styled = not console.no_color  # NO_COLOR: no styles at all, as in convcli.render
    table = Table(box=box.ROUNDED, header_style="bold" if styled else "")
    for j, header in enumerate(summary.headers):
        table.add_column(header, justify="right" if j in summary.right else "left")
    for row in summary.rows:
        table.add_row(*row)
    console.print(table)
    for line in summary.footer:
        style = "dim" if line.startswith("note:") else "bold"
        console.print(Text(line, style=style if styled else ""))


def stdout_is_terminal() -> bool:
    """Whether rich would treat standard output as a terminal, without importing rich.

    ``TTY_COMPATIBLE=1`` or a non-empty ``FORCE_COLOR`` says yes, ``TTY_COMPATIBLE=0``
    no; otherwise it is ``isatty()``.
    """
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except ValueError:  # closed
        return False


def print_summary(summary: Summary) -> None:
    """Print to standard output: a rich table on a terminal, plain text otherwise."""
    from convcli.stdio import stdout_guard

    with stdout_guard():
        if stdout_is_terminal():
            from rich.console import Console

            render_rich(summary, Console(highlight=False))
        else:
            print(format_plain(summary))
