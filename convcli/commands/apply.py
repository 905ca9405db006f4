"""``convcli apply``: run kernels over inputs, then print or write the feature maps."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from convcli import options

if TYPE_CHECKING:
    from convcli.destinations import OutputPlan
    from convcli.featuremaps import FeatureMaps
    from convcli.kernel_io import Kernel
    from convcli.loaders import LoadedInput
    from convcli.params import FilterSettings
    from convcli.writers import OutputBatch

# One line per paragraph: rich re-wraps the help to the terminal's width.
HELP = (
    "Run kernels over inputs and print or write the feature maps.\n\n"
    "Cross-correlation as deep-learning libraries do it: each -k adds a filter, "
    "and each filter gives one feature map."
)

EXAMPLES = """\
Examples:

  convcli apply sample_images/photo.png -k sobel-x -o edges.png

  convcli apply sample_images/seed-line-8x8.csv -k vertical-line

  convcli apply sample_images/vertical-line.png -k vertical-line -k sobel-x --show

  convcli apply sample_images/step-edge.png -k sobel-x -k sobel-y --report sheet.html

  convcli apply sample_images/signal-1-6.csv -k 1,10,100 -p same -s 2

  convcli apply sample_images/photo.png -k gaussian:size=5,sigma=1.2 -k sobel-x -p same -o maps.png

  mkdir -p out && convcli apply sample_images/*.png -k laplacian --output-dir out

  cat sample_images/seed-bump.csv | convcli apply - -k bump --format csv
"""

# The part of an input's progress bar that computing takes; writing takes the rest.
COMPUTE_SHARE = 0.8

# Above this many input elements x filters, a single input shows a progress bar.
LONG_WORK_ELEMENTS = 8_000_000


class _Notes:
    """Notes go to standard error, never to the data on standard output.

    With several inputs each note names its input (``note: photo.png: rescaled ...``).
    """

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.source: str | None = None

    def __call__(self, text: str) -> None:
        if self.quiet:
            return
        if self.source is not None and text.startswith("note: "):
            text = f"note: {self.source}: {text[len('note: ') :]}"
        print(text, file=sys.stderr, flush=True)


def apply(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT",
            help="Images (png jpg tif bmp webp gif), CSV/TSV/TXT signals or grids, .npy arrays; "
            "'-' reads standard input.",
            show_default=False,
        ),
    ],
    kernel: options.Kernels,
    stride: options.Stride = "1",
    padding: options.Padding = "valid",
    pad_mode: options.PadModeOpt = None,
    pad_value: options.PadValue = None,
    dilation: options.Dilation = "1",
    flip: options.Flip = False,
    channels: options.Channels = "each",
    bias: options.Bias = "0",
    activation: options.Activation = "linear",
    dtype: options.DType = "float32",
    input_format: options.InputFormat = None,
    output: options.Output = None,
    output_dir: options.OutputDir = None,
    fmt: options.Format = None,
    normalize: options.Normalize = None,
    cmap: options.Cmap = None,
    split: options.Split = False,
    show: options.Show = False,
    report: options.Report = None,
    quiet: options.Quiet = False,
) -> None:
    """Run kernels over inputs and print or write the feature maps (see HELP)."""
    from convcli.destinations import OutputPlan, check_report
    from convcli.kernel_io import parse_kernel
    from convcli.layer import apply_filters
    from convcli.loaders import check_input, expected_kind, load_input, stem_and_suffix
    from convcli.params import NORMALIZE_MODES, FilterSettings, choice
    from convcli.pictures import CMAPS
    from convcli.render import ProgressBar
    from convcli.writers import OutputBatch

    # Everything that can be checked without data is checked before any input is read.
    settings = FilterSettings.parse(
        stride=stride,
        padding=padding,
        pad_mode=pad_mode,
        pad_value=pad_value,
        dilation=dilation,
        flip=flip,
        channels=channels,
        bias=bias,
        activation=activation,
        dtype=dtype,
    )
    if normalize is not None:
        normalize = choice(normalize, NORMALIZE_MODES, name="normalize")
    if cmap is not None:
        cmap = choice(cmap, CMAPS, name="cmap")
    # --cmap also colours --show's heat maps and the --report sheet; the files written
    # get it only when they can be images.
    plan = OutputPlan.build(
        inputs,
        output=output,
        output_dir=output_dir,
        fmt=fmt,
        split=split,
        cmap=cmap,
        normalize=normalize,
        show=show,
        cmap_elsewhere=show or report is not None,
    )
    for path in inputs:  # a missing last input must not cost the work on the first ones
        check_input(path)
    targets: list[tuple[str, str, str, str | None]] = [
        (path, *stem_and_suffix(path), expected_kind(path, input_format)) for path in inputs
    ]
    plan.check_targets(targets)
    report_format = None
    if report is not None:
        written = output  # the maps' file, which the report must not replace
        source, stem, suffix, kind = targets[0]
        if output_dir is not None and kind is not None:  # kind None: stdin, no stem to clash
            written = plan.destination_for(source, stem=stem, suffix=suffix, kind=kind)
        report_format = check_report(report, inputs=inputs, output=written)
    kernels = [parse_kernel(spec) for spec in kernel]
    sheet = None if report is None or report_format is None else (report, report_format)

    notes = _Notes(quiet)
    bar = ProgressBar(len(inputs), enabled=not quiet)
    # Files are renamed into place only when every input has succeeded: all or nothing.
    with OutputBatch() as batch:
        try:
            for path in inputs:
                loaded = load_input(path, input_format=input_format)
                notes.source = path if len(inputs) > 1 else None
                if len(inputs) > 1 or loaded.array.size * len(kernels) >= LONG_WORK_ELEMENTS:
                    bar.begin()
                maps = apply_filters(
                    loaded.array,
                    [k.weights for k in kernels],
                    labels=[k.label for k in kernels],
                    **settings.filter_kwargs(),
                    progress=lambda done: bar.advance(COMPUTE_SHARE * done),
                )
                if show:
                    _show(maps, loaded, cmap=cmap, title=loaded.source if len(inputs) > 1 else None)
                if sheet is not None:
                    target, sheet_format = sheet
                    batch.stage(target, _sheet(sheet_format, maps, loaded, kernels, settings, cmap))
                _emit(
                    maps,
                    loaded,
                    plan,
                    batch,
                    normalize=normalize or "auto",
                    notes=notes,
                    many=len(inputs) > 1,
                    table=not show,
                )
                bar.advance(1 - COMPUTE_SHARE)  # writing (image encoding) is the rest
        finally:
            bar.close()


def _emit(
    maps: FeatureMaps,
    loaded: LoadedInput,
    plan: OutputPlan,
    batch: OutputBatch,
    *,
    normalize: str,
    notes: Callable[[str], None],
    many: bool,
    table: bool = True,
) -> None:
    """Write one input's maps where the plan says (staged in ``batch``), or print them.

    ``table`` False: nothing is printed (``--show`` drew the maps instead).
    """
    from convcli.writers import write_maps

    target = plan.destination_for(
        loaded.source, stem=loaded.stem, suffix=loaded.suffix, kind=loaded.kind
    )
    if target in (None, "-") and plan.fmt in (None, "table"):
        if table:
            _print_table(maps, title=loaded.source if many else None)
        return
    if target is None:  # --format csv/json/npy/... without -o: standard output
        target = "-"
    write_maps(
        maps,
        target,
        fmt=plan.fmt,
        normalize=normalize,
        cmap=plan.cmap,
        split=plan.split,
        bit_depth=loaded.bit_depth or 8,
        note=notes,
        batch=batch,
    )


def _print_table(maps: FeatureMaps, *, title: str | None) -> None:
    from convcli.render import print_maps
    from convcli.stdio import stdout_guard

    with stdout_guard():
        print_maps(maps, title=title)


def _show(maps: FeatureMaps, loaded: LoadedInput, *, cmap: str | None, title: str | None) -> None:
    from convcli.heatmap import print_heatmaps
    from convcli.stdio import stdout_guard

    with stdout_guard():
        print_heatmaps(
            maps,
            title=title,
            cmap=cmap,
            source=loaded.array,
            bit_depth=loaded.bit_depth if loaded.kind == "image" else None,
            source_name=f"input: {_basename(loaded.source)}",
        )


def _basename(source: str) -> str:
    return "stdin" if source == "-" else os.path.basename(source)


def _sheet(
    fmt: str,
    maps: FeatureMaps,
    loaded: LoadedInput,
    kernels: list[Kernel],
    settings: FilterSettings,
    cmap: str | None,
) -> bytes:
    """The ``--report`` sheet of one input, encoded."""
    from convcli.report import build_sheet, render_report

    sheet = build_sheet(
        loaded.source,
        loaded.array,
        loaded.bit_depth if loaded.kind == "image" else None,
        maps,
        [(k.label, k.weights) for k in kernels],
        settings,
        cmap=cmap,
    )
    return render_report(fmt, sheet)
