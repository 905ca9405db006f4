"""``convcli kernels``: list the presets, or show (and save) one kernel's weights."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from convcli import options

if TYPE_CHECKING:
    from convcli.kernel_io import Kernel
    from convcli.presets import Preset

# One line per paragraph: rich re-wraps the help to the terminal's width.
HELP = (
    "List the preset kernels, or print one kernel's weights.\n\n"
    "Without NAME: every preset with its size, parameters and what it does. With NAME "
    "(and parameters, gaussian:size=3,sigma=0.8), or any spec -k takes (a file, weights): "
    "its weights, as a table or, with --format or -o, as a kernel file apply reads back."
)

EXAMPLES = """\
Examples:

  convcli kernels

  convcli kernels sobel-x

  convcli kernels gaussian:size=3,sigma=0.8 --format csv

  convcli kernels box:size=5 -o box5.csv

  convcli kernels --format json
"""

# What each form can be written as (the rest of destinations.FILE_FORMATS are images).
LIST_FORMATS = ("table", "csv", "tsv", "json")
WEIGHT_FORMATS = ("table", "csv", "tsv", "txt", "json", "npy")


def kernels(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME[:key=value,...]",
            help="A preset (sobel-x, gaussian:size=5,sigma=1.2) or any kernel spec -k takes; "
            "without it, the list of presets.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="The list: table, csv, tsv or json. Weights: table, csv, tsv, txt (kernel "
            "files apply reads back), json or npy. Default: table, or the -o suffix.",
            rich_help_panel=options.OUTPUT,
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="Write the list or the weights to a file (.csv .tsv .txt .json .npy, by "
            "suffix), replaced whole or not at all; '-' is standard output.",
            rich_help_panel=options.OUTPUT,
            show_default=False,
        ),
    ] = None,
) -> None:
    """List the presets, or print one kernel's weights (see HELP)."""
    from convcli.destinations import OutputPlan, check_output

    # -o and --format are checked (table to a file, binary to a terminal, ...) first.
    plan = OutputPlan.build(["kernel"], output=output, output_dir=None, fmt=fmt)
    target = plan.output if plan.output not in (None, "-") else None
    fmt = plan.fmt or (None if target is None else check_output(target))
    if name is None:
        _list(fmt or "table", target)
    else:
        _weights(name, fmt or "table", target)


def _allowed(fmt: str, choices: tuple[str, ...], what: str) -> None:
    from convcli.errors import ParameterError

    if fmt not in choices:
        files = ", ".join(choices[1:-1]) + f" or {choices[-1]}"
        raise ParameterError(f"{what} can be printed as a table or written as {files}; got {fmt}")


def _list(fmt: str, target: str | None) -> None:
    from convcli.presets import PRESETS
    from convcli.render_summary import preset_summary, presets_csv, presets_json, print_summary

    _allowed(fmt, LIST_FORMATS, "the preset list")
    presets = list(PRESETS.values())
    if fmt == "table":
        print_summary(preset_summary(presets))
        return
    if fmt == "json":
        text = presets_json(presets) + "\n"
    else:
        text = presets_csv(presets, delimiter="," if fmt == "csv" else "\t")
    _emit(text.encode(), target)


def _preset_of(spec: str) -> Preset | None:
    """The preset a spec names (``gaussian:size=3``), unless it names a file."""
    from convcli.presets import find_preset

    if os.path.isfile(spec) or os.path.isfile(spec.strip()):
        return None
    return find_preset(spec)


def _weights(spec: str, fmt: str, target: str | None) -> None:
    from convcli.kernel_io import parse_kernel

    _allowed(fmt, WEIGHT_FORMATS, "kernel weights")
    kernel = parse_kernel(spec)
    preset = _preset_of(spec)
    title = f"{kernel.label}: {preset.description}" if preset is not None else kernel.label
    if fmt == "table":
        _print_weights(kernel, title)
        return
    _emit(_encode(kernel, fmt, title), target)


def _encode(kernel: Kernel, fmt: str, title: str) -> bytes:
    """A kernel file apply reads back (csv, tsv, txt), or json / npy as apply writes them."""
    from convcli.kernel_io import format_kernel_file
    from convcli.writers import encode_data

    if fmt in ("json", "npy"):
        return encode_data(kernel.weights, fmt)
    delimiter = "\t" if fmt == "tsv" else ","
    return format_kernel_file(kernel.weights, [title], delimiter=delimiter).encode()


def _emit(payload: bytes, target: str | None) -> None:
    """Write to standard output, or atomically to ``target``."""
    from convcli.stdio import write_stdout
    from convcli.writers import OutputBatch

    if target is None:
        write_stdout(payload)
        return
    with OutputBatch() as batch:
        batch.stage(target, payload)


def _print_weights(kernel: Kernel, title: str) -> None:
    """The weights as apply prints feature maps, under the kernel's name and description."""
    from rich.console import Console
    from rich.text import Text

    from convcli.featuremaps import FeatureMaps
    from convcli.numfmt import format_compact
    from convcli.render import render_maps
    from convcli.stdio import stdout_guard

    weights = kernel.weights
    if weights.ndim == 4:  # per-channel weights (--channels sum): one block per channel
        maps = FeatureMaps(weights, 3, weights.shape[-1], 1, (kernel.label,))
    else:
        maps = FeatureMaps(weights, weights.ndim, 1, 1, (kernel.label,))
    console = Console(highlight=False, soft_wrap=False)
    with stdout_guard():
        console.print(Text(title, style="bold" if not console.no_color else ""), soft_wrap=True)
        render_maps(maps, console)
        console.print(f"sum {format_compact(float(weights.sum()))}", soft_wrap=True)
