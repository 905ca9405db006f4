"""``convcli explain``: the arithmetic of a convolution, step by step, as tutorials draw it."""

from __future__ import annotations

from typing import Annotated

import typer

from convcli import options

# One line per paragraph: rich re-wraps the help to the terminal's width.
HELP = (
    "Show the arithmetic of a convolution step by step, then the whole feature map.\n\n"
    "For each output position asked (--at; default: the first three), the input window "
    "under the kernel (padding cells in parentheses, dilation gaps listed), the kernel "
    "(flipped with --flip), the element-wise products, their sum, the bias, the "
    "activation and the value written. Takes every option of 'convcli apply' that "
    "changes values, and computes the same numbers."
)

EXAMPLES = """\
Examples:

  convcli explain sample_images/seed-bump.csv -k bump

  convcli explain sample_images/seed-line-8x8.csv -k vertical-line --at 0,2

  convcli explain sample_images/signal-1-6.csv -k 1,10,100 -p 1 --pad-mode reflect --at 0 --at -1

  convcli explain sample_images/photo.png -k sobel-x --channels sum --at 10,20
"""


def explain(
    input_path: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="An image, a CSV/TSV/TXT signal or grid, or a .npy array; '-' reads "
            "standard input.",
            show_default=False,
        ),
    ],
    kernel: options.Kernels,
    at: options.At = None,
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
) -> None:
    """Show the arithmetic of a convolution step by step (see HELP)."""
    from convcli.explain import explain as explain_steps
    from convcli.explain import parse_positions
    from convcli.kernel_io import parse_kernel
    from convcli.loaders import check_input, load_input
    from convcli.params import FilterSettings
    from convcli.render_explain import print_explanation
    from convcli.stdio import stdout_guard

    # The same checks, in the same order, as `convcli apply`: settings before data.
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
    positions = parse_positions(at) if at else None
    check_input(input_path)
    kernels = [parse_kernel(spec) for spec in kernel]

    loaded = load_input(input_path, input_format=input_format)
    explanation = explain_steps(
        loaded.array,
        [k.weights for k in kernels],
        labels=[k.label for k in kernels],
        at=positions,
        **settings.filter_kwargs(),
    )
    with stdout_guard():
        print_explanation(explanation)
