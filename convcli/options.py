"""Command-line options shared by the commands, declared once as Annotated aliases.

Values stay text here, closed sets included: :mod:`convcli.params` parses and checks
them (its tuples are the one list of choices), so the CLI and the Python API give the
same messages for the same mistakes.
"""

from __future__ import annotations

from typing import Annotated

import typer

from convcli.params import (
    ACTIVATIONS,
    CHANNEL_RULES,
    DTYPES,
    INPUT_FORMATS,
    NORMALIZE_MODES,
    PAD_MODES,
)


def _one_of(choices: tuple[str, ...]) -> str:
    return "|".join(choices)


GEOMETRY = "Geometry"
FILTERS = "Filters"
OUTPUT = "Output"
INPUT = "Input"

Kernels = Annotated[
    list[str],
    typer.Option(
        "--kernel",
        "-k",
        metavar="SPEC",
        help="A kernel file (.csv .tsv .txt .npy), inline numbers (0,1,0 or rows split by ';', "
        "planes by '|'), or a preset (sobel-x, gaussian:size=5). Repeat for several "
        "filters.",
        rich_help_panel=FILTERS,
        show_default=False,
    ),
]
Stride = Annotated[
    str,
    typer.Option(
        "--stride",
        "-s",
        metavar="N[,N,N]",
        help="Step per axis: N or a,b[,c].",
        rich_help_panel=GEOMETRY,
    ),
]
Padding = Annotated[
    str,
    typer.Option(
        "--padding",
        "-p",
        metavar="MODE|N|B:A,...",
        help="valid | same (Keras split) | full | causal (1-D) | N | a,b | before:after per "
        "axis (1:0,2:2).",
        rich_help_panel=GEOMETRY,
    ),
]
PadModeOpt = Annotated[
    str | None,
    typer.Option(
        "--pad-mode",
        metavar=_one_of(PAD_MODES),
        help="What the padding holds: zeros, constant (--pad-value), reflect (d c b|a b c d), "
        "symmetric (b a|a b c d), edge (a a|a b), wrap (c d|a b c d).",
        rich_help_panel=GEOMETRY,
    ),
]
PadValue = Annotated[
    str | None,
    typer.Option(
        "--pad-value",
        metavar="V",
        help="Fill value for --pad-mode constant.",
        rich_help_panel=GEOMETRY,
    ),
]
Dilation = Annotated[
    str,
    typer.Option(
        "--dilation",
        "-d",
        metavar="N[,N,N]",
        help="Gap between kernel taps per axis: N or a,b[,c].",
        rich_help_panel=GEOMETRY,
    ),
]
Flip = Annotated[
    bool,
    typer.Option(
        "--flip",
        metavar="",
        help="True convolution: flip the kernel on every sliding axis.",
        rich_help_panel=FILTERS,
    ),
]
Channels = Annotated[
    str,
    typer.Option(
        "--channels",
        metavar=_one_of(CHANNEL_RULES),
        help="each: every filter on every channel alone (keeps channels); sum: a filter "
        "spans all channels and sums them (Keras Conv).",
        rich_help_panel=FILTERS,
    ),
]
Bias = Annotated[
    str,
    typer.Option(
        "--bias",
        metavar="B[,B...]",
        help="Added to each map: one number, or one per filter (--bias=0.5,-1).",
        rich_help_panel=FILTERS,
    ),
]
Activation = Annotated[
    str,
    typer.Option(
        "--activation",
        metavar=_one_of(ACTIVATIONS),
        help="Applied after the bias.",
        rich_help_panel=FILTERS,
    ),
]
DType = Annotated[
    str,
    typer.Option(
        "--dtype",
        metavar=_one_of(DTYPES),
        help="Arithmetic precision.",
        rich_help_panel=FILTERS,
    ),
]
InputFormat = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        metavar=_one_of(INPUT_FORMATS),
        help="Format of the inputs (default: by suffix; '-' is sniffed).",
        rich_help_panel=INPUT,
        show_default=False,
    ),
]
Output = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="PATH",
        help="Write the result to a file (.npy .csv .tsv .txt .json .png .jpg .tif .bmp "
        ".webp) or '-' for standard output.",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
OutputDir = Annotated[
    str | None,
    typer.Option(
        "--output-dir",
        metavar="DIR",
        help="Write each input's result to DIR/STEM.EXT (the folder must exist).",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="table (terminal), csv, tsv, txt, json, npy, or an image format (png, jpg, tif, "
        "bmp, webp) for '-o -' and --output-dir. Default: table, or the -o suffix.",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
Normalize = Annotated[
    str | None,
    typer.Option(
        "--normalize",
        metavar=_one_of(NORMALIZE_MODES),
        help="How values become pixels in image outputs: auto (round if in range, else "
        "minmax; the default), clip, abs, minmax, offset (mid-grey + value).",
        show_default=False,
        rich_help_panel=OUTPUT,
    ),
]
Cmap = Annotated[
    str | None,
    typer.Option(
        "--cmap",
        metavar="NAME",
        help="Colour map for one-channel pictures (image outputs, --show, --report): grey, "
        "viridis, magma, coolwarm (diverging, 0 in the middle).",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
Split = Annotated[
    bool,
    typer.Option(
        "--split",
        metavar="",
        help="Several filters: one file per filter (STEM-0.png, ...) instead of a montage.",
        rich_help_panel=OUTPUT,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        metavar="",
        help="No notes or progress on standard error.",
        rich_help_panel=OUTPUT,
    ),
]
Show = Annotated[
    bool,
    typer.Option(
        "--show",
        metavar="",
        help="Draw the input and each feature map as a heat map on standard output instead "
        "of numbers (colour on a terminal, ASCII otherwise); with -o, write the file too.",
        rich_help_panel=OUTPUT,
    ),
]
Report = Annotated[
    str | None,
    typer.Option(
        "--report",
        metavar="FILE",
        help="Also write a one-page sheet (.html, or .png) with the geometry, the input, "
        "the kernels' weights and every feature map side by side.",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
At = Annotated[
    list[str] | None,
    typer.Option(
        "--at",
        metavar="POS",
        help="An output position to explain, one index per sliding axis: --at 2, --at 0,3; "
        "negative indices count from the end (--at -1,-1 is the last). Repeat for several. "
        "Default: the first three positions.",
        rich_help_panel="Explain",
        show_default=False,
    ),
]
