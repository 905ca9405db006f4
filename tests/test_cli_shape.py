"""`convcli shape`: apply's shapes, Keras' parameter counts, without computing anything.

Hand-computed cases (the contract's worked examples, the seeds, small CNN layers), a
property test that pins the printed shape to what `apply` computes, input shapes read
from files as `apply` loads them, every error message, and the start-up promise: a
shape from numbers imports neither NumPy nor Pillow.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clirun import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from convcli.errors import ConvcliError
from convcli.layer import apply_filters
from convcli.loaders import load_input
from convcli.params import parse_padding, parse_per_axis
from convcli.shape_input import (
    bare_size_rank,
    kernel_shapes,
    looks_like_shape,
    parse_kernel_size,
    parse_shape,
    read_input_shape,
)

ROOT = Path(__file__).resolve().parent.parent


def shape_json(*args: str, stdin: bytes = b"") -> dict:
    result = run_cli("shape", *args, "--format", "json", stdin=stdin)
    assert result.code == 0, result.err
    return json.loads(result.text)


def one_layer(*args: str) -> dict:
    document = shape_json(*args)
    (layer,) = document["layers"]
    assert document["output_shape"] == layer["output_shape"]
    assert document["total_params"] == layer["params"]
    return layer


def fails(*args: str, stdin: bytes = b"") -> str:
    """The one error line of a failing `convcli shape` (exit 2, nothing on stdout)."""
    result = run_cli("shape", *args, stdin=stdin)
    assert (result.code, result.out) == (2, b""), (result.code, result.out, result.err)
    assert result.err.startswith("Error: ")
    return result.err.removeprefix("Error: ").strip()


# --- one kernel: shapes, padding and parameters, by hand -----------------------------------


def test_the_contract_example_28x28x1_with_32_filters() -> None:
    assert shape_json("28,28,1", "-k", "3", "--filters", "32") == {
        "input_shape": [28, 28, 1],
        "layers": [
            {
                "layer": "kernel 3x3, 32 filters, channels each",
                "output_shape": [26, 26, 32],
                "padding": [[0, 0], [0, 0]],
                "params": 320,  # Keras Conv2D(32, 3) on one channel: 3*3*1*32 + 32
            }
        ],
        "output_shape": [26, 26, 32],
        "total_params": 320,
    }


def test_the_table_like_keras_summary() -> None:
    result = run_cli("shape", "28,28,1", "-k", "3", "--filters", "32", "-s", "2", "-p", "same")
    assert result.code == 0
    assert result.text == (
        "Layer (type)                                                   Output Shape        "
        "Padding   Param #\n"
        "-------------------------------------------------------------  ------------------  "
        "--------  -------\n"
        "Input                                                          (None, 28, 28, 1)   "
        "-               0\n"
        "kernel 3x3, 32 filters, channels each, stride 2, padding same  (None, 14, 14, 32)  "
        "0/1, 0/1      320\n"
        "Total params: 320\n"
        "note: 'same' pads axes 1 and 2 by 0 before, 1 after: the extra pad goes after, as "
        "TensorFlow/Keras do\n"
        "note: 'same' keeps the size only with strides 1: axis 1 28 -> ceil(28/2) = 14, "
        "axis 2 28 -> ceil(28/2) = 14\n"
    )


@pytest.mark.parametrize(
    ("args", "output", "params"),
    [
        # Conv2D(16, 3) on RGB: 3*3*3*16 + 16.
        (("32,32,3", "-k", "3x3", "--filters", "16", "--channels", "sum"), [30, 30, 16], 448),
        # DepthwiseConv2D(3, depth_multiplier=2) on RGB: 3*3*3*2 weights + 3*2 biases.
        (("32,32,3", "-k", "3", "--filters", "2"), [30, 30, 6], 60),
        # One filter over RGB under each keeps the channels: DepthwiseConv2D(3).
        (("32,32,3", "-k", "(3, 3)"), [30, 30, 3], 30),
        # Conv1D(4, 5) on (100, 2): 5*2*4 + 4.
        (("100,2", "-k", "5", "--filters", "4", "--channels", "sum"), [96, 4], 44),
        # Conv3D(8, 3) on (16, 16, 16, 1), dilation 2: span 5.
        (("16x16x16x1", "-k", "3", "--filters", "8", "-d", "2"), [12, 12, 12, 8], 224),
        # A signal without channels: no last axis for one filter, a filters axis for two.
        (("6", "-k", "2"), [5], 3),
        (("6", "-k", "2", "--filters", "2"), [5, 2], 6),
        # The bare size follows Keras: a 2-axis shape is (steps, channels).
        (("28,28", "-k", "3"), [26, 28], 3 * 28 + 28),
    ],
)
def test_shapes_and_keras_parameter_counts(
    args: tuple[str, ...], output: list[int], params: int
) -> None:
    layer = one_layer(*args)
    assert (layer["output_shape"], layer["params"]) == (output, params)


@pytest.mark.parametrize(
    ("kernel", "options", "size", "output", "padding"),
    [
        # The contract's worked examples on the signal 1..6 (1..7 where said).
        ("1,10,100", (), 6, [4], [[0, 0]]),
        ("1,10,100,1000", ("-p", "same"), 6, [6], [[1, 2]]),
        ("1,10,100", ("-p", "same", "-s", "2"), 6, [3], [[0, 1]]),
        ("1,10,100", ("-p", "same", "-s", "2"), 7, [4], [[1, 1]]),
        ("1,10,100", ("-p", "causal"), 6, [6], [[2, 0]]),
        ("1,10,100", ("-p", "causal", "-d", "2"), 6, [6], [[4, 0]]),
        ("1,10,100", ("-p", "full"), 6, [8], [[2, 2]]),
        ("1,10,100", ("-p", "1"), 6, [6], [[1, 1]]),
        ("1,10,100,1000,10000", ("-p", "2"), 6, [6], [[2, 2]]),
        ("1,10,100", ("-p", "2:0"), 6, [6], [[2, 0]]),
        ("1,10,100", ("-d", "2"), 6, [2], [[0, 0]]),
        ("1,10,100", ("-d", "2", "-s", "2", "-p", "same"), 6, [3], [[1, 2]]),
        ("bump", ("-p", "causal"), 8, [8], [[2, 0]]),
    ],
)
def test_the_contract_worked_examples(
    kernel: str, options: tuple[str, ...], size: int, output: list[int], padding: list
) -> None:
    layer = one_layer(str(size), "-k", kernel, *options)
    assert (layer["output_shape"], layer["padding"]) == (output, padding)


def test_the_contract_channel_examples(tmp_path: Path) -> None:
    assert one_layer("4,4,3", "-k", "1,1;1,1")["output_shape"] == [3, 3, 3]
    assert one_layer("4,4,3", "-k", "1,1;1,1", "--channels", "sum")["output_shape"] == [3, 3, 1]
    per_channel = tmp_path / "k.npy"
    np.save(per_channel, np.ones((2, 2, 3)))
    layer = one_layer("4,4,3", "-k", str(per_channel), "--channels", "sum")
    assert layer["output_shape"] == [3, 3, 1]
    assert layer["params"] == 2 * 2 * 3 + 1
    assert layer["layer"] == "kernel 2x2x3 (k.npy), 1 filter, channels sum"
    assert one_layer("4,4,3", "-k", "1,1;1,1", "--filters", "2")["output_shape"] == [3, 3, 6]
    two = one_layer("4,4,3", "-k", "1,1;1,1", "--filters", "2", "--channels", "sum")
    assert two["output_shape"] == [3, 3, 2]
    assert one_layer("6", "-k", "1,1", "--filters", "2")["output_shape"] == [5, 2]


def test_the_seed_conv1d_example() -> None:
    # Keras: Conv1D(1, 3, input_shape=(8, 1)) gives (batch, 6, 1) with 3 weights + 1 bias.
    layer = one_layer("8,1", "-k", "3", "--channels", "sum")
    assert (layer["output_shape"], layer["params"]) == ([6, 1], 4)
    from_file = shape_json(str(ROOT / "sample_images/seed-bump.csv"), "-k", "bump")
    assert from_file["input_shape"] == [8]
    assert from_file["layers"][0]["output_shape"] == [6]
    assert from_file["layers"][0]["layer"] == "kernel 3 (bump), 1 filter, channels each"


def test_the_seed_line_detector_on_the_8x8_grid() -> None:
    layer = one_layer(str(ROOT / "sample_images/seed-line-8x8.csv"), "-k", "vertical-line")
    assert layer["output_shape"] == [6, 6]
    assert layer["params"] == 10


def test_layer_text_names_every_setting_that_is_not_the_default() -> None:
    layer = one_layer("9,9,2", "-k", "3x2", "-s", "1,2", "-d", "2", "-p", "1:0,2")
    assert (
        layer["layer"]
        == "kernel 3x2, 1 filter, channels each, stride 1,2, dilation 2, padding 1:0,2"
    )
    assert layer["padding"] == [[1, 0], [2, 2]]


def test_weights_that_look_like_a_size_are_weights_with_a_note() -> None:
    result = run_cli("shape", "8", "-k", "3,3", "--format", "json")
    assert result.code == 0
    assert json.loads(result.text)["output_shape"] == [7]
    assert result.err == (
        "note: -k 3,3 is read as weights (a kernel of 2 taps), as apply reads it; "
        "for a 3x3 kernel size write -k 3x3\n"
    )
    assert run_cli("shape", "8", "-k", "1,2,1", "--format", "json").err == ""


def test_input_shape_spellings() -> None:
    for text in ("28,28,1", "28x28x1", "(28, 28, 1)", "[28, 28, 1]", "28 28 1", " 28 X 28 x 1 "):
        assert shape_json(text, "-k", "3")["input_shape"] == [28, 28, 1], text
    assert shape_json("(8,)", "-k", "3")["input_shape"] == [8]


# --- one kernel: the same shapes as apply, for random settings ------------------------------


@st.composite
def settings_cases(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], list[str]]:
    sliding = draw(st.integers(1, 3))
    top = {1: 9, 2: 6, 3: 4}[sliding]
    sizes = tuple(draw(st.lists(st.integers(1, top), min_size=sliding, max_size=sliding)))
    channels = draw(st.sampled_from([(), (1,), (2,), (3,)]))
    kernel = tuple(draw(st.lists(st.integers(1, 4), min_size=sliding, max_size=sliding)))
    rule = draw(st.sampled_from(["each", "sum"]))
    if channels and rule == "sum" and sliding < 3 and draw(st.booleans()):
        kernel = (*kernel, channels[0])  # per-channel weights
    per_axis = st.lists(st.integers(1, 3), min_size=1, max_size=sliding).map(
        lambda v: ",".join(map(str, v))
    )
    padding = draw(st.sampled_from(["valid", "same", "full", "causal", "1", "0:2", "2:1"]))
    options = [
        "--channels",
        rule,
        "--filters",
        str(draw(st.integers(1, 3))),
        "-s",
        draw(per_axis),
        "-d",
        draw(st.sampled_from(["1", "2"])),
        "-p",
        padding,
    ]
    return (*sizes, *channels), kernel, options


def _size_text(kernel: tuple[int, ...]) -> str:
    return f"({kernel[0]},)" if len(kernel) == 1 else "x".join(map(str, kernel))


def _apply_outcome(
    input_shape: tuple[int, ...], kernel: tuple[int, ...], options: list[str]
) -> object:
    """The shape apply computes with these CLI options, or its error line."""
    given = dict(zip(options[::2], options[1::2], strict=True))
    try:
        maps = apply_filters(
            np.zeros(input_shape),
            [np.ones(kernel)] * int(given["--filters"]),
            channels=given["--channels"],
            stride=parse_per_axis(given["-s"], name="stride"),
            dilation=parse_per_axis(given["-d"], name="dilation"),
            padding=parse_padding(given["-p"]),
        )
    except ConvcliError as exc:
        return f"Error: {exc}\n"
    return list(maps.data.shape)


@settings(max_examples=50, deadline=None)
@given(case=settings_cases())
def test_the_printed_shape_is_the_shape_apply_computes(
    case: tuple[tuple[int, ...], tuple[int, ...], list[str]],
) -> None:
    input_shape, kernel, options = case
    shown = ",".join(map(str, input_shape))
    result = run_cli("shape", shown, "-k", _size_text(kernel), *options, "--format", "json")
    expected = _apply_outcome(input_shape, kernel, options)
    if isinstance(expected, str):
        assert (result.code, result.out, result.err) == (2, b"", expected)
    else:
        assert result.code == 0, result.err
        assert json.loads(result.text)["output_shape"] == expected


def test_kernel_shapes_matches_apply_for_per_channel_weights() -> None:
    x = np.zeros((5, 5, 3))
    maps = apply_filters(x, [np.ones((2, 2, 3))] * 2, channels="sum", padding="same")
    result = kernel_shapes((5, 5, 3), (2, 2, 3), filters=2, channels="sum", padding="same")
    assert result.output_shape == maps.data.shape == (5, 5, 2)
    assert result.total_params == 2 * 2 * 3 * 2 + 2


# --- input shapes from files, as apply loads them -------------------------------------------


def _save_image(path: Path, mode: str, **info: object) -> None:
    size = (7, 5)  # width 7, height 5
    if mode == "P":
        image = Image.new("P", size)
        image.putpalette([i % 256 for i in range(768)])
    else:
        image = Image.new(mode, size)
    image.save(path, **info)


@pytest.mark.parametrize(
    ("name", "mode", "info", "expected"),
    [
        ("grey.png", "L", {}, (5, 7)),
        ("bilevel.png", "1", {}, (5, 7)),
        ("grey-alpha.png", "LA", {}, (5, 7, 2)),
        ("rgb.png", "RGB", {}, (5, 7, 3)),
        ("rgba.png", "RGBA", {}, (5, 7, 4)),
        ("palette.png", "P", {}, (5, 7, 3)),
        ("palette-alpha.png", "P", {"transparency": 0}, (5, 7, 4)),
        ("palette.gif", "P", {}, (5, 7, 3)),
        ("palette-alpha.gif", "P", {"transparency": 0}, (5, 7, 4)),
        ("deep.png", "I;16", {}, (5, 7)),
        ("int.tif", "I", {}, (5, 7)),
        ("float.tif", "F", {}, (5, 7)),
        ("cmyk.jpg", "CMYK", {}, (5, 7, 3)),
        ("rgb.webp", "RGB", {"lossless": True}, (5, 7, 3)),
        ("rgb.bmp", "RGB", {}, (5, 7, 3)),
    ],
)
def test_image_shapes_are_the_shapes_apply_loads(
    tmp_path: Path, name: str, mode: str, info: dict, expected: tuple[int, ...]
) -> None:
    path = tmp_path / name
    _save_image(path, mode, **info)
    assert load_input(str(path)).array.shape == expected
    assert read_input_shape(str(path)).shape == expected


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (ROOT / "sample_images").iterdir() if p.suffix in (".png", ".csv")),
)
def test_sample_input_shapes_are_the_shapes_apply_loads(name: str) -> None:
    path = str(ROOT / "sample_images" / name)
    assert read_input_shape(path).shape == load_input(path).array.shape


def test_npy_shape_comes_from_the_header_alone(tmp_path: Path) -> None:
    path = tmp_path / "big.npy"
    np.save(path, np.zeros((3, 4), dtype=np.int16))
    data = path.read_bytes()
    path.write_bytes(data[: 10 + int.from_bytes(data[8:10], "little")])
    # The header promises (3, 4) int16 but no values follow: apply could not load it.
    assert read_input_shape(str(path)).shape == (3, 4)
    with pytest.raises(ConvcliError):
        load_input(str(path))


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.ones((4, 4, 3), dtype=np.uint8), (4, 4, 3)),
        (np.ones((5,), dtype=bool), (5,)),
        (np.full((2, 3), np.nan), (2, 3)),  # values are not read: apply refuses NaN later
        (np.ones((2, 2, 2, 2), dtype=np.float32), (2, 2, 2, 2)),
    ],
)
def test_npy_shapes(tmp_path: Path, array: np.ndarray, expected: tuple[int, ...]) -> None:
    path = tmp_path / "x.npy"
    np.save(path, array)
    assert read_input_shape(str(path)).shape == expected


def test_stdin_shapes_are_sniffed_as_apply_sniffs_them() -> None:
    assert shape_json("-", "-k", "2", stdin=b"1,2,3\n4,5,6\n")["input_shape"] == [2, 3]
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((6, 6, 2)))
    assert shape_json("-", "-k", "3", stdin=buffer.getvalue())["input_shape"] == [6, 6, 2]


def test_a_csv_with_a_header_and_one_column_is_a_signal(tmp_path: Path) -> None:
    path = tmp_path / "volts.csv"
    path.write_text("volts\n1\n2\n3\n4\n")
    assert shape_json(str(path), "-k", "2")["input_shape"] == [4]


def test_a_grey_image_slides_a_bare_size_along_both_axes() -> None:
    layer = one_layer(str(ROOT / "sample_images/photo-grey.png"), "-k", "3", "-s", "2")
    grey = load_input(str(ROOT / "sample_images/photo-grey.png")).array.shape
    assert len(grey) == 2
    assert layer["output_shape"] == [(grey[0] - 3) // 2 + 1, (grey[1] - 3) // 2 + 1]


# --- the parsers on their own ---------------------------------------------------------------


@given(sizes=st.lists(st.integers(1, 10**6), min_size=1, max_size=4))
def test_any_written_shape_reads_back(sizes: list[int]) -> None:
    for joiner, (left, right) in ((",", ("", "")), ("x", ("", "")), (", ", ("(", ")"))):
        text = left + joiner.join(map(str, sizes)) + right
        assert looks_like_shape(text)
        assert parse_shape(text) == tuple(sizes)


@pytest.mark.parametrize("text", ["photo.png", "data/x.csv", "-", "stdin", "8x8.npy"])
def test_paths_do_not_look_like_shapes(text: str) -> None:
    assert not looks_like_shape(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [("3", (3,)), ("3x3", (3, 3)), ("5 x 3 X 2", (5, 3, 2)), ("(3, 3)", (3, 3)), ("(4,)", (4,))],
)
def test_kernel_sizes(text: str, size: tuple[int, ...]) -> None:
    assert parse_kernel_size(text) == size


@pytest.mark.parametrize("text", ["3,3", "1,2,1", "1;0", "sobel-x", "k.csv", "-1", "3.0", "(1,2,"])
def test_kernel_specs_are_not_sizes(text: str) -> None:
    assert parse_kernel_size(text) is None


def test_bare_size_rank_follows_keras_channels_last() -> None:
    assert [bare_size_rank(s, "numbers") for s in [(8,), (8, 1), (8, 8, 1), (8, 8, 8, 1)]] == [
        1,
        1,
        2,
        3,
    ]
    assert bare_size_rank((8, 8), "image") == 2


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("28,0,1", "-k", "3"),
            "input shape must be positive on every axis; got 28,0,1 (axis 1 is 0)",
        ),
        (
            ("28,,1", "-k", "3"),
            "input shape has an empty value (axis 1): '28,,1'; remove the extra ','",
        ),
        (
            ("-k", "3", "--", "-28,28,1"),
            "input shape must be positive on every axis; got -28,28,1 (axis 0 is -28)",
        ),
        (
            ("28.5,28", "-k", "3"),
            "input shape must be whole numbers (like 28,28,1); got '28.5' in '28.5,28'",
        ),
        (
            ("1,28,28,28,1", "-k", "3"),
            "input shape has 5 axes (1,28,28,28,1); an input has 1 to 4: up to 3 sliding axes, "
            "then channels, without a batch axis",
        ),
        (
            ("None,28,28,1", "-k", "3"),
            "input shape is without the batch axis (as Keras' input_shape); got 'None,28,28,1': "
            "write 28,28,1",
        ),
        (
            ("28,None", "-k", "3"),
            "input shape needs a size on every axis; got None on axis 1 in '28,None'",
        ),
        (("()", "-k", "3"), "input shape is empty: '()'; give sizes like 28,28,1"),
        (
            ("3000000000,2", "-k", "3"),
            "input shape must be at most 2147483647 per axis; got 3000000000,2 (axis 0)",
        ),
        (
            ("2,2", "-k", "3x3"),
            "kernel 3 is larger than the input 2 on axis 0, so the output would be empty; "
            "use a smaller kernel or padding 'same'/'full'",
        ),
        (
            ("8,8", "-k", "3", "-d", "4"),
            "kernel 3 (dilated to 9) is larger than the input 8 on axis 0, so the output would "
            "be empty; use a smaller kernel or padding 'same'/'full'",
        ),
        (
            ("8,8,1", "-k", "3", "-p", "causal"),
            "padding 'causal' works on one sliding axis only (Conv1D); this kernel slides along 2 "
            "axes: use 'same', 'valid' or explicit before:after padding",
        ),
        (("28,28,1", "-k", "3", "-s", "0"), "stride must be a positive integer per axis; got 0"),
        (("28,28,1", "-k", "3", "-d", "0"), "dilation must be a positive integer per axis; got 0"),
        (
            ("28,28,1", "-k", "3", "-s", "1,2,3"),
            "stride has 3 values (1,2,3) but the kernel slides along 2 axes; give 1 or 2 values",
        ),
        (("28,28,1", "-k", "3", "-p", "sme"), None),
        (
            ("28,28,1", "-k", "3", "--channels", "all"),
            "channels must be one of each, sum; got 'all'",
        ),
        (("28,28,1", "-k", "3", "--format", "csv"), "format must be one of table, json; got 'csv'"),
        (
            ("28,28,1", "-k", "3", "--filters", "0"),
            "--filters must be a whole number from 1 to 2147483647; got '0'",
        ),
        (
            ("28,28,1", "-k", "3", "--filters", "two"),
            "--filters must be a whole number from 1 to 2147483647; got 'two'",
        ),
        (("28,28,1", "-k", "3x0"), "kernel size must be positive on every axis; got 3x0"),
        (
            ("28,28,1", "-k", "3x3x3x3"),
            "kernel size 3x3x3x3 has 4 axes; a kernel slides along 1, 2 or 3",
        ),
        (
            ("28,28,1", "-k", "sobel"),
            "unknown kernel 'sobel' (not a file, numbers or preset); closest presets: sobel-x, "
            "sobel-y, sobel-z",
        ),
        (
            ("8", "-k", "3x3"),
            "input has 1 axis (8,) but a 2-D kernel needs 2 (one channel) or 3 (channels last); "
            "use a 1-D kernel (presets with an ndim parameter take one, e.g. gaussian:ndim=1)",
        ),
        (
            ("28,28,1", "-k", "3", "--layer", "Dense(3)"),
            "give -k (one kernel) or --layer (a Keras layer stack), not both; a stack writes its "
            'kernels inside the layers, e.g. --layer "Conv2D(32, 3)"',
        ),
        (
            ("28,28,1",),
            "give -k SIZE|SPEC for one kernel (-k 3 --filters 32) or --layer TEXT for a Keras "
            'layer stack (--layer "Conv2D(32, 3)")',
        ),
        (
            ("28,28,1", "-k", "3", "-k", "5"),
            "shape takes one -k; got 2 (3, 5); use --filters N for N filters of one size",
        ),
        (
            ("28,28,1", "--layer", "Flatten()", "-p", "same"),
            "--padding is for one kernel (-k); a --layer stack takes its settings inside each "
            "layer, e.g. --layer \"Conv2D(32, 3, strides=2, padding='same')\"",
        ),
        (
            ("28,28,1", "--layer", "Flatten()", "--filters", "2"),
            "--filters is for one kernel (-k); a --layer stack takes its settings inside each "
            "layer, e.g. --layer \"Conv2D(32, 3, strides=2, padding='same')\"",
        ),
        (
            ("28,28,1", "-k", "3", "--input-format", "npy"),
            "--input-format is for an input file; '28,28,1' is a shape written as numbers",
        ),
        (("missing.png", "-k", "3"), "input file not found: 'missing.png'"),
        (
            ("nothing-here", "-k", "3"),
            "'nothing-here' is neither an input file nor a shape; write a shape as numbers "
            "(28,28,1 or 28x28x1)",
        ),
        (("data/x", "-k", "3"), "input file not found: 'data/x'"),
    ],
)
def test_errors(args: tuple[str, ...], message: str | None) -> None:
    error = fails(*args)
    if message is None:  # the padding parser's own message, shared with apply
        assert error.startswith("padding must be one of valid, same, full, causal")
        assert error.endswith("got 'sme'; did you mean 'same'?")
    else:
        assert error == message


def test_the_same_mistake_gets_the_same_message_from_apply_and_shape() -> None:
    bump = str(ROOT / "sample_images/seed-bump.csv")
    for options in (
        ("-k", "1,1,1,1,1,1,1,1,1"),
        ("-k", "bump", "-s", "0"),
        ("-k", "bump", "-p", "1,2"),
    ):
        shape = run_cli("shape", bump, *options)
        apply = run_cli("apply", bump, *options)
        assert shape.code == apply.code == 2
        assert shape.err == apply.err


def test_unreadable_inputs_fail_as_apply_fails(tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    (tmp_path / "ragged.csv").write_text("1,2,3\n4,5\n")
    (tmp_path / "words.npy").write_bytes(b"not an array")
    complex_npy = tmp_path / "complex.npy"
    np.save(complex_npy, np.ones(3, dtype=complex))
    five = tmp_path / "five.npy"
    np.save(five, np.ones((1, 2, 2, 2, 1)))
    for name in ("broken.png", "ragged.csv", "words.npy", "complex.npy", "five.npy", "."):
        path = str(tmp_path / name)
        shape_error = fails(path, "-k", "3")
        apply = run_cli("apply", path, "-k", "1")
        assert apply.err == f"Error: {shape_error}\n", name


def test_options_are_checked_before_the_input_is_read() -> None:
    assert fails("missing.png", "-k", "3", "-s", "0") == (
        "stride must be a positive integer per axis; got 0"
    )
    assert fails("missing.png", "-k", "nope.csv") == "kernel file not found: 'nope.csv'"
    assert fails("missing.png", "--layer", "Flatten()", "-d", "2").startswith("--dilation is for")


def test_an_empty_standard_input_fails() -> None:
    assert fails("-", "-k", "3").startswith("standard input is empty")


# --- layer stacks ----------------------------------------------------------------------------


def test_a_layer_stack_goes_to_stack_shapes() -> None:
    document = shape_json("8,1", "--layer", "Conv1D(1, 3)")
    assert document == {
        "input_shape": [8, 1],
        "layers": [
            {"layer": "Conv1D(1, 3)", "output_shape": [6, 1], "padding": [[0, 0]], "params": 4}
        ],
        "output_shape": [6, 1],
        "total_params": 4,
    }


@pytest.mark.parametrize(
    ("input_shape", "options", "layer"),
    [
        (
            "28,28,1",
            ("--filters", "32", "--channels", "sum", "-s", "2", "-p", "same"),
            "Conv2D(32, 3, strides=2, padding='same')",
        ),
        ("8,1", ("--channels", "sum", "-s", "3"), "Conv1D(1, 3, strides=3)"),
        (
            "9,9,9,2",
            ("--filters", "4", "--channels", "sum", "-p", "same", "-d", "2"),
            "Conv3D(4, 3, padding='same', dilation_rate=2)",
        ),
        (
            "20,3",
            ("--channels", "sum", "-p", "causal", "-d", "3"),
            "Conv1D(1, 3, padding='causal', dilation_rate=3)",
        ),
        (
            "28,27,3",
            ("--filters", "2", "-s", "2", "-p", "same"),
            "DepthwiseConv2D(3, strides=2, padding='same', depth_multiplier=2)",
        ),
    ],
)
def test_one_kernel_agrees_with_the_equivalent_keras_layer(
    input_shape: str, options: tuple[str, ...], layer: str
) -> None:
    from convcli.stack import stack_shapes

    sizes = parse_shape(input_shape)
    parsed = dict(zip(options[::2], options[1::2], strict=True))
    (one,) = kernel_shapes(
        sizes,
        (3,) * (len(sizes) - 1),
        filters=int(parsed.get("--filters", "1")),
        channels=parsed.get("--channels", "each"),
        stride=parse_per_axis(parsed.get("-s", "1"), name="stride"),
        dilation=parse_per_axis(parsed.get("-d", "1"), name="dilation"),
        padding=parse_padding(parsed.get("-p", "valid")),
    ).layers
    (keras,) = stack_shapes(sizes, [layer]).layers
    assert one.output_shape == keras.output_shape
    assert one.padding == keras.padding
    assert one.params == keras.params
    assert one.notes == keras.notes
    cli = one_layer(input_shape, "-k", "3", *options)
    assert (cli["output_shape"], cli["params"]) == (list(keras.output_shape), keras.params)


def test_a_grey_image_or_a_signal_gets_a_channels_axis_in_a_stack() -> None:
    signal = shape_json(str(ROOT / "sample_images/seed-bump.csv"), "--layer", "Conv1D(1, 3)")
    assert signal["input_shape"] == [8, 1]
    assert signal["output_shape"] == [6, 1]
    grey = load_input(str(ROOT / "sample_images/photo-grey.png")).array.shape
    image = shape_json(str(ROOT / "sample_images/photo-grey.png"), "--layer", "Flatten()")
    assert image["input_shape"] == [*grey, 1]


def test_the_contract_cnn() -> None:
    result = run_cli(
        "shape",
        "28,28,1",
        "--layer",
        "Conv2D(32, 3, activation='relu')",
        "--layer",
        "MaxPooling2D(2)",
        "--layer",
        "Conv2D(64, (3,3), strides=2, padding='same')",
        "--layer",
        "Flatten()",
        "--layer",
        "Dense(10)",
    )
    assert result.code == 0, result.err
    lines = result.text.splitlines()
    assert lines[0].split() == ["Layer", "(type)", "Output", "Shape", "Padding", "Param", "#"]
    assert lines[2].split() == ["Input", "(None,", "28,", "28,", "1)", "-", "0"]
    assert lines[3].endswith("(None, 26, 26, 32)  -             320")
    assert lines[5].endswith("(None, 7, 7, 64)    1/1, 1/1   18,496")
    assert lines[7].endswith("(None, 10)          -          31,370")
    assert lines[8] == "Total params: 50,186"


def test_a_bad_layer_is_an_error_naming_it_without_output() -> None:
    assert fails("28,28,1", "--layer", "Flatten()", "--layer", "Conv9D(3)").startswith(
        "layer 2 Conv9D(3): "
    )


# --- start-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["shape", "28,28,1", "-k", "3"],
        ["shape", "28,28,1", "-k", "3", "--format", "json"],
        [
            "shape",
            "28,28,1",
            "--layer",
            "Conv2D(32, 3)",
            "--layer",
            "Flatten()",
            "--layer",
            "Dense(10)",
        ],
    ],
)
def test_a_shape_from_numbers_imports_no_numpy_pillow_or_rich(args: list[str]) -> None:
    probe = (
        "import sys\n"
        "from convcli.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "heavy = {'numpy', 'PIL', 'rich', 'pydantic'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
