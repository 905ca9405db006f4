"""``convcli shape``: output shapes, padding and parameter counts, computing nothing."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from convcli import options

if TYPE_CHECKING:
    from convcli.shape_input import InputShape
    from convcli.stack import StackShape

# One line per paragraph: rich re-wraps the help to the terminal's width.
HELP = (
    "Print output shapes, padding and parameter counts without computing anything.\n\n"
    "One kernel with apply's options (-k 3 --filters 32 -s 2 -p same), or a Keras layer "
    'stack (--layer "Conv2D(32, 3)" --layer "Flatten()" ...), as model.summary() '
    "reports it. INPUT_SHAPE has no batch axis: 28,28,1 is one 28x28 image with one channel."
)

EXAMPLES = """\
Examples:

  convcli shape 28,28,1 -k 3 --filters 32

  convcli shape 28,28,3 -k 3x3 --filters 8 --channels sum -s 2 -p same

  convcli shape sample_images/photo.png -k sobel-x

  convcli shape 28,28,1 --layer "Conv2D(32, 3, activation='relu')" --layer "MaxPooling2D(2)" \
--layer "Flatten()" --layer "Dense(10)"

  convcli shape 8,1 --layer "Conv1D(1, 3)" --format json
"""

FORMATS = ("table", "json")

# Options of the single-kernel form, which a layer stack would silently ignore.
_KERNEL_OPTIONS = {
    "filters": "--filters",
    "stride": "--stride",
    "padding": "--padding",
    "dilation": "--dilation",
    "channels": "--channels",
}


def shape(
    ctx: typer.Context,
    input_shape: Annotated[
        str,
        typer.Argument(
            metavar="INPUT_SHAPE",
            help="Sizes without the batch axis (28,28,1 or 28x28x1 or '(28, 28, 1)'), or an "
            "input file whose shape apply would load (image, CSV, .npy; '-' reads standard "
            "input).",
            show_default=False,
        ),
    ],
    kernel: Annotated[
        list[str] | None,
        typer.Option(
            "--kernel",
            "-k",
            metavar="SIZE|SPEC",
            help="One kernel: a size, as Keras' kernel_size (3, 3x3, '(3, 3)'; a bare 3 "
            "spans every sliding axis), or any spec apply takes (a file, weights, a preset). "
            "Numbers with commas are weights, as in apply: 3,3 is two taps, 3x3 a size.",
            rich_help_panel=options.FILTERS,
            show_default=False,
        ),
    ] = None,
    layer: Annotated[
        list[str] | None,
        typer.Option(
            "--layer",
            metavar="TEXT",
            help="A Keras layer, as written in Python (Conv2D(32, 3, padding='same'), "
            "MaxPooling2D(2), Flatten(), Dense(10), ...); repeat for a stack. Arguments are "
            "read as literals, never run.",
            rich_help_panel="Layer stack",
            show_default=False,
        ),
    ] = None,
    filters: Annotated[
        str,
        typer.Option(
            "--filters",
            metavar="N",
            help="How many filters of this kernel (Keras' filters).",
            rich_help_panel=options.FILTERS,
        ),
    ] = "1",
    stride: options.Stride = "1",
    padding: options.Padding = "valid",
    dilation: options.Dilation = "1",
    channels: options.Channels = "each",
    input_format: options.InputFormat = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="table|json",
            help="table: a summary like Keras' model.summary(); json: input_shape, layers "
            "(layer, output_shape, padding, params), output_shape and total_params.",
            rich_help_panel=options.OUTPUT,
        ),
    ] = "table",
) -> None:
    """Print output shapes, padding and parameter counts (see HELP)."""
    from convcli.errors import ParameterError
    from convcli.params import choice

    fmt = choice(fmt, FORMATS, name="format")
    kernels = kernel or []
    layers = layer or []
    if kernels and layers:
        raise ParameterError(
            "give -k (one kernel) or --layer (a Keras layer stack), not both; "
            'a stack writes its kernels inside the layers, e.g. --layer "Conv2D(32, 3)"'
        )
    if not kernels and not layers:
        raise ParameterError(
            "give -k SIZE|SPEC for one kernel (-k 3 --filters 32) or --layer TEXT for a Keras "
            'layer stack (--layer "Conv2D(32, 3)")'
        )
    if len(kernels) > 1:
        raise ParameterError(
            f"shape takes one -k; got {len(kernels)} ({', '.join(kernels)}); "
            "use --filters N for N filters of one size"
        )
    # Every option is checked before the input is read, as apply does.
    if layers:
        given = [flag for name, flag in _KERNEL_OPTIONS.items() if _given(ctx, name)]
        if given:
            raise ParameterError(
                f"{given[0]} is for one kernel (-k); a --layer stack takes its settings inside "
                "each layer, e.g. --layer \"Conv2D(32, 3, strides=2, padding='same')\""
            )
        result = _stack(_input_shape(input_shape, input_format), layers)
    else:
        settings = _KernelSettings.parse(kernels[0], filters, stride, padding, dilation, channels)
        result = settings.shapes(_input_shape(input_shape, input_format))
    _print(result, fmt)


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option was set on the command line (not left at its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _input_shape(text: str, input_format: str | None) -> InputShape:
    """Numbers (``28,28,1``) or the shape of an input file, as apply would load it."""
    from convcli.errors import InputError, ParameterError
    from convcli.shape_input import InputShape, looks_like_shape, parse_shape, read_input_shape

    if text != "-" and looks_like_shape(text) and not os.path.isfile(text):
        if input_format is not None:
            raise ParameterError(
                f"--input-format is for an input file; '{text}' is a shape written as numbers"
            )
        return InputShape(parse_shape(text), "numbers")
    if text != "-" and not os.path.lexists(text) and not _looks_like_path(text):
        raise InputError(
            f"'{text}' is neither an input file nor a shape; write a shape as numbers "
            "(28,28,1 or 28x28x1)"
        )
    return read_input_shape(text, input_format=input_format)


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or os.path.splitext(text)[1] != ""


def _stack(source: InputShape, layers: list[str]) -> StackShape:
    from convcli.stack import stack_shapes

    shape = source.shape
    # Keras always has a channels axis: a grey image or a 1-D signal gets one of size 1.
    if (source.kind == "image" and len(shape) == 2) or (source.kind == "text" and len(shape) == 1):
        shape = (*shape, 1)
    return stack_shapes(shape, layers)


class _KernelSettings(NamedTuple):
    """``-k`` and apply's options, parsed: everything but the input."""

    size: tuple[int, ...]  # the kernel's shape, or a bare size to repeat per sliding axis
    bare: bool
    label: str | None
    filters: int
    channels: str
    stride: tuple[int, ...]
    padding: str | tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]

    @classmethod
    def parse(
        cls, spec: str, filters: str, stride: str, padding: str, dilation: str, channels: str
    ) -> _KernelSettings:
        from convcli.params import CHANNEL_RULES, choice, parse_padding, parse_per_axis
        from convcli.shape_input import parse_kernel_size

        rule = choice(channels, CHANNEL_RULES, name="channels")
        count = _filters(filters)
        strides = parse_per_axis(stride, name="stride")
        paddings = parse_padding(padding)
        dilations = parse_per_axis(dilation, name="dilation")
        size = parse_kernel_size(spec)
        label = None
        if size is None:  # weights, a file, a preset: read as apply reads it
            from convcli.kernel_io import parse_kernel

            loaded = parse_kernel(spec)
            size = tuple(int(n) for n in loaded.weights.shape)
            label = loaded.label
            _note_size_like(spec, size)
        bare = re.fullmatch(r"[0-9]+", spec.strip()) is not None
        return cls(size, bare, label, count, rule, strides, paddings, dilations)

    def shapes(self, source: InputShape) -> StackShape:
        from convcli.shape_input import bare_size_rank, kernel_shapes

        # A bare N spans every sliding axis, as Keras' kernel_size=N does.
        rank = bare_size_rank(source.shape, source.kind) if self.bare else 1
        return kernel_shapes(
            source.shape,
            self.size * rank,
            filters=self.filters,
            channels=self.channels,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            label=self.label,
        )


def _filters(text: str) -> int:
    from convcli.errors import ParameterError
    from convcli.params import MAX_SETTING

    digits = text.strip().removeprefix("+")
    if not re.fullmatch(r"[0-9]+", digits) or not 1 <= int(digits) <= MAX_SETTING:
        raise ParameterError(
            f"--filters must be a whole number from 1 to {MAX_SETTING}; got '{text}'"
        )
    return int(digits)


def _note_size_like(spec: str, kernel_shape: tuple[int, ...]) -> None:
    """Weights that look like a size (``3,3``) are weights; say how to write the size."""
    parts = [p.strip() for p in spec.split(",")]
    size_like = re.fullmatch(r"[0-9]+", parts[0]) is not None and int(parts[0]) > 1
    if len(parts) in (2, 3) and len(set(parts)) == 1 and size_like:
        size = "x".join(parts)
        print(
            f"note: -k {spec} is read as weights (a kernel of {kernel_shape[0]} taps), as apply "
            f"reads it; for a {size} kernel size write -k {size}",
            file=sys.stderr,
        )


def _print(result: StackShape, fmt: str) -> None:
    from convcli.render_summary import print_summary, stack_json, stack_summary
    from convcli.stdio import stdout_guard

    if fmt == "json":
        with stdout_guard():
            print(stack_json(result))
        return
    print_summary(stack_summary(result))
