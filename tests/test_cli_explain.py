"""`convcli explain` from the command line: the seeds' walkthroughs, the engine's numbers,
markers for padding and explained cells, large inputs, and apply's errors.

Full renderings are pinned as golden files (tests/golden/explain-*.txt); these tests pin
what a user relies on line by line.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from clirun import run_cli

ROOT = Path(__file__).resolve().parent.parent
BUMP = "sample_images/seed-bump.csv"
LINE = "sample_images/seed-line-8x8.csv"
SIGNAL = "sample_images/signal-1-6.csv"
PHOTO = "sample_images/photo.png"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
VALUE_LINE = re.compile(r"^  out\[([-\d, ]+)\] = .*?(-?[\d.e+-]+)$", re.M)


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def explain(*args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli("explain", *args, env={"NO_COLOR": "1", **(env or {})})
    assert result.code == 0, result.err
    assert result.err == ""
    return result.text


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# -- the seeds, one command each --------------------------------------------------------------


def test_seed_bump_walkthrough() -> None:
    out = explain(BUMP, "-k", "bump")
    assert "  [0, 1, 0] . [0, 0, 0] = 0\n" in out
    assert "  [0, 1, 0] . [0, 0, 1] = 0\n" in out
    assert "  [0, 1, 0] . [0, 1, 1] = 1\n" in out
    assert out.index(". [0, 0, 0] = 0") < out.index(". [0, 0, 1] = 0") < out.index("= 1\n")
    assert "  out[2] = 1\n" in out
    assert "... 3 more positions; explain any with --at, e.g. --at 5" in out


def test_seed_vertical_line_walkthrough_at_column_2() -> None:
    out = explain(LINE, "-k", "vertical-line")
    block = (
        "out[0, 2]\n"
        "    kernel     window x[0..2, 2..4]\n"
        "   0, 1, 0     0, 1, 1\n"
        "   0, 1, 0  .  0, 1, 1  = 3\n"
        "   0, 1, 0     0, 1, 1\n"
        "  products     0, 1, 0\n"
        "               0, 1, 0\n"
        "               0, 1, 0\n"
        "  out[0, 2] = 3\n"
    )
    assert block in out
    assert "   0, 1, 0  .  0, 0, 0  = 0\n" in out  # out[0, 0]
    assert "   0, 1, 0  .  0, 0, 1  = 0\n" in out  # out[0, 1]


def test_header_states_the_geometry() -> None:
    out = explain(SIGNAL, "-k", "1,10,100,1000", "-p", "same", "--at", "0")
    assert out.startswith(
        "input (6,)  kernel (4,)  output (6,)  correlation\n"
        "stride 1  dilation 1  padding same 1:2  pad mode zeros\n"
    )
    out = explain(LINE, "-k", "vertical-line", "-s", "2,1", "-d", "1,2", "-p", "1:0,2:2", "--flip")
    assert out.startswith(
        "input (8, 8)  kernel (3, 3) vertical-line  output (4, 8)  convolution (kernel flipped)\n"
        "stride 2,1  dilation 1,2  padding 1:0,2:2  pad mode zeros\n"
    )


def test_header_names_constant_fill_and_float64() -> None:
    out = explain(SIGNAL, "-k", "bump", "-p", "1", "--pad-value", "7", "--dtype", "float64")
    assert "output (6,)  float64  correlation\n" in out
    assert "padding 1:1  pad mode constant 7\n" in out
    assert "(7) is a padding cell (constant 7)\n" in out
    assert "[0, 1, 0] . [(7), 1, 2] = 1\n" in out


# -- the numbers are the engine's ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [SIGNAL, "-k", "1,10,100,1000,10000", "-p", "2", "--pad-mode", "symmetric"],
        [SIGNAL, "-k", "1,10,100", "-d", "2", "-s", "2", "-p", "same"],
        [SIGNAL, "-k", "derivative", "--bias=-1.5", "--activation", "abs", "-p", "full"],
        [LINE, "-k", "laplacian", "-p", "same", "--pad-mode", "wrap", "-s", "3"],
        [PHOTO, "-k", "sobel-y", "--channels", "sum", "-s", "40,70", "--activation", "tanh"],
        [PHOTO, "-k", "emboss", "-s", "90", "--bias", "0.5", "--dtype", "float64"],
    ],
)
def test_every_value_line_is_what_apply_writes(args: list[str]) -> None:
    applied = run_cli("apply", *args, "--format", "json")
    assert applied.code == 0, applied.err
    data = np.array(json.loads(applied.text)["data"])
    sliding = 1 if args[0] == SIGNAL else 2
    positions = [",".join(map(str, p)) for p in np.ndindex(*data.shape[:sliding])][::3]
    out = explain(*args, *[f"--at={p}" for p in positions])
    found = VALUE_LINE.findall(out)
    cells = len(positions) * (data.shape[-1] if data.ndim > sliding else 1)
    assert len(found) == cells
    for index, shown in found:
        cell = tuple(int(i) for i in index.split(", "))
        value = data[cell]
        assert float(shown) == pytest.approx(value, rel=5e-4, abs=1e-12), (cell, shown, value)


def test_bias_and_activation_are_spelled_out() -> None:
    out = explain(SIGNAL, "-k", "1,10,100", "--bias=-400", "--activation", "relu", "--at", "0")
    assert "  out[0] = relu(321 + bias -400) = relu(-79) = 0\n" in out
    out = explain(SIGNAL, "-k", "1,10,100", "--bias", "0.5", "--at", "1")
    assert "  out[1] = 432 + bias 0.5 = 432.5\n" in out
    out = explain(SIGNAL, "-k", "-1,0,0", "--activation", "relu", "--at", "1")
    assert "  out[1] = relu(-2) = 0\n" in out


def test_channels_sum_adds_the_channels() -> None:
    out = explain(PHOTO, "-k", "sobel-x", "--channels", "sum", "-s", "64", "--at", "1,2")
    assert "out[1, 2, 0]  sum over 3 channels, the same weights for each\n" in out
    for channel in range(3):
        assert f"    kernel     window x[64..66, 128..130, {channel}]\n" in out
    assert "  out[1, 2, 0] = 10 - 8 + 5 = 7\n" in out


def test_per_channel_kernel_shows_its_planes(tmp_path: Path) -> None:
    kernel = tmp_path / "k.npy"
    np.save(kernel, np.ones((2, 2, 3)) * [1, 10, 100])
    rgb = npy_bytes(np.ones((4, 4, 3)) * [1, 2, 3])
    result = run_cli(
        "explain", "-", "-k", str(kernel), "--channels", "sum", "--at", "0,0", stdin=rgb
    )
    assert result.code == 0, result.err
    out = result.text
    for c, partial in enumerate((4, 80, 1200)):
        assert f"kernel[..., {c}]     window x[0..1, 0..1, {c}]" in out
        assert f"  = {partial}\n" in out
    assert "  out[0, 0, 0] = 4 + 80 + 1200 = 1284\n" in out


def test_channels_each_is_one_step_per_channel() -> None:
    out = explain(PHOTO, "-k", "box", "-s", "100", "--at", "0,0")
    assert [line for line in out.splitlines() if line.startswith("out[")] == [
        "out[0, 0, 0]  channel 0",
        "out[0, 0, 1]  channel 1",
        "out[0, 0, 2]  channel 2",
    ]


def test_several_filters_are_labelled_in_turn() -> None:
    out = explain(SIGNAL, "-k", "derivative", "-k", "1,10,100", "-p", "same", "--at", "-1")
    first, second = out.index("filter 0: derivative\n"), out.index("filter 1: 1,10,100\n")
    assert first < out.index("out[5, 0]") < second < out.index("out[5, 1]")
    assert "  out[5, 1] = 65\n" in out


def test_3d_kernel_has_one_block_per_plane() -> None:
    out = explain(PHOTO, "-k", "1,0;0,1|0,1;1,0", "-s", "64,64,1", "-p", "same", "--at", "0,0,0")
    assert "  kernel[0]     window x[0, 0..1, 0..1]\n" in out
    assert "  kernel[1]     window x[1, 0..1, 0..1]\n" in out
    assert "  out[0, 0, 0] = 108 + 106 = 214\n" in out


# -- padding, gaps, flip --------------------------------------------------------------------------


def test_reflect_padding_is_marked_and_its_source_named() -> None:
    out = explain(SIGNAL, "-k", "1,10,100", "-p", "1", "--pad-mode", "reflect", "--at", "0")
    assert (
        "(v) is a padding cell: reflect copies the input mirrored, edge not repeated "
        "(c b | a b c d | c b)\n"
    ) in out
    assert "  padding (reflect): x[-1] = x[1]\n" in out
    assert "  [1, 10, 100] . [(2),  1,   2] = 212\n" in out


def test_2d_padding_copies_are_named_per_axis() -> None:
    out = explain(LINE, "-k", "box", "-p", "same", "--pad-mode", "edge", "--at", "-1,-1")
    assert "  padding (edge): row 8 = 7, column 8 = 7\n" in out
    assert (
        "(v) is a padding cell: edge repeats the input's edge value (a a | a b c d | d d)\n" in out
    )


def test_dilation_gaps_are_listed() -> None:
    out = explain(LINE, "-k", "1,2,3;4,5,6;7,8,9", "-d", "2", "--at", "0,1")
    assert (
        "  dilation 2,2: rows 0, 2, 4 tapped, 1, 3 skipped; columns 1, 3, 5 tapped, 2, 4 skipped\n"
    ) in out
    assert "window x[0..4 by 2, 1..5 by 2]" in out


def test_flip_shows_the_kernel_as_used() -> None:
    out = explain(SIGNAL, "-k", "1,10,100", "--flip", "--at", "0")
    assert "  flipped kernel   window x[0..2]\n" in out
    assert "    [100, 10, 1] . [  1,  2, 3] = 123\n" in out


# -- the feature map at the end ----------------------------------------------------------------


def test_plain_text_marks_explained_cells_with_brackets() -> None:
    out = explain(LINE, "-k", "vertical-line", "--at", "0,2", "--at", "-1,-1")
    assert out.endswith(
        "feature map, explained cells in [brackets]\n"
        "shape (6, 6)  min 0  max 3\n"
        "0 0 [3] 3 0  0\n"
        "0 0  3  3 0  0\n"
        "0 0  3  3 0  0\n"
        "0 0  3  3 0  0\n"
        "0 0  3  3 0  0\n"
        "0 0  3  3 0 [0]\n"
    )


def test_colour_terminal_highlights_instead_of_brackets() -> None:
    out = explain(
        LINE, "-k", "vertical-line", "--at", "0,2", env={"NO_COLOR": "", "FORCE_COLOR": "1"}
    )
    assert "feature map, explained cells highlighted\n" in out
    assert "\x1b[1;7;32m3\x1b[0m" in out  # bold reverse, still green
    assert "[3]" not in ANSI.sub("", out)


def test_no_color_wins_over_a_terminal() -> None:
    out = explain(LINE, "-k", "vertical-line", "--at", "0,2", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in out
    assert "0 0 [3] 3 0 0\n" in out


# -- large inputs ---------------------------------------------------------------------------------


def test_a_large_input_prints_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "big.npy"
    np.save(path, np.arange(1000 * 1000, dtype=np.float32).reshape(1000, 1000) % 255)
    out = explain(str(path), "-k", "box:size=15", "--at", "500,500")
    lines = out.splitlines()
    assert len(lines) < 80
    assert "shape (986, 986)" in out
    assert any("..." in line for line in lines[-8:])
    assert max(len(line) for line in lines) <= 100


def test_a_101_tap_window_is_abbreviated_but_the_sum_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "ramp.npy"
    np.save(path, np.arange(300.0))
    kernel = ",".join(str(i % 7) for i in range(101))
    out = explain(str(path), "-k", kernel, "--at", "150", "-p", "same")
    dot = next(line for line in out.splitlines() if " . [" in line)
    assert "..." in dot
    assert len(dot) <= 100
    exact = int(np.dot(np.arange(101) % 7, np.arange(100, 201)))
    assert f"  out[150] = {exact}\n" in out


def test_a_15x15_kernel_shows_all_its_rows() -> None:
    out = explain(PHOTO, "-k", "box:size=15", "-s", "100", "--channels", "sum", "--at", "1,1")
    assert out.count("0.004444") >= 15 * 3  # every row of the kernel, for each channel
    assert max(len(line) for line in out.splitlines()) <= 100


# -- errors: exit 2, one message, nothing on standard output --------------------------------------


ERRORS = [
    (
        [BUMP, "-k", "bump", "--at", "6"],
        "--at 6 is outside the output's 6 positions: axis 0 runs 0 to 5 (or -6 to -1 from the end)",
    ),
    (
        [LINE, "-k", "vertical-line", "--at", "0,-7"],
        "--at 0,-7 is outside the output's 6 x 6 positions: axis 1 runs 0 to 5 "
        "(or -6 to -1 from the end)",
    ),
    (
        [LINE, "-k", "vertical-line", "--at", "1"],
        "--at 1 has 1 index but the kernel slides along 2 axes (6 x 6 output positions); "
        "give 2, e.g. --at 0,0",
    ),
    (
        [BUMP, "-k", "bump", "--at", "1.5"],
        "--at takes whole numbers, one per sliding axis, comma-separated (--at 2, --at 0,3); "
        "got '1.5'",
    ),
    ([BUMP, "-k", "bump", "-s", "0"], "stride must be a positive integer per axis; got 0"),
    (
        [BUMP, "-k", "sobel"],
        "unknown kernel 'sobel' (not a file, numbers or preset); closest presets: sobel-x, "
        "sobel-y, sobel-z",
    ),
    (
        [BUMP, "-k", "bump", "--pad-mode", "reflect", "--pad-value", "3"],
        "--pad-value 3 is used only by --pad-mode constant; got --pad-mode reflect",
    ),
    (["missing.csv", "-k", "bump"], "input file not found: 'missing.csv'"),
    (
        [LINE, "-k", "vertical-line", "-p", "causal"],
        "padding 'causal' works on one sliding axis only (Conv1D); this kernel slides along 2 "
        "axes: use 'same', 'valid' or explicit before:after padding",
    ),
    (
        [BUMP, "-k", "bump", "-d", "5"],
        "kernel 3 (dilated to 11) is larger than the input 8 on axis 0, so the output would be "
        "empty; use a smaller kernel or padding 'same'/'full'",
    ),
    (
        [BUMP, "-k", "bump", "--bias", "1,2"],
        "bias takes one value or one per filter (1); got 2: 1,2",
    ),
    (
        [BUMP, "-k", "bump", "--activation", "rleu"],
        "activation must be one of linear, relu, abs, sigmoid, tanh; got 'rleu'",
    ),
    ([BUMP, "-k", "bump", "--channels", "all"], "channels must be one of each, sum; got 'all'"),
    (
        [BUMP, "-k", "bump", "--input-format", "png"],
        "--input-format must be one of npy, image, csv; got 'png'",
    ),
    ([BUMP, "-k", "bump", "-o", "x.png"], "No such option: -o"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_errors_exit_2_with_one_message(args: list[str], message: str) -> None:
    result = run_cli("explain", *args)
    assert result.code == 2
    assert result.out == b""
    first = result.err.splitlines()[0]
    assert first == f"Error: {message}"


def test_apply_gives_the_same_messages() -> None:
    for args, message in ERRORS:
        if "--at" in args or "-o" in args:
            continue
        result = run_cli("apply", *args)
        assert (result.code, result.err.splitlines()[0]) == (2, f"Error: {message}")


def test_standard_input_is_read_once() -> None:
    result = run_cli("explain", "-", "-k", "bump", "--at", "2", stdin=b"0,0,0,1,1,0,0,0\n")
    assert result.code == 0, result.err
    assert "  [0, 1, 0] . [0, 1, 1] = 1\n" in result.text


def test_help_shows_the_at_option_and_examples() -> None:
    result = run_cli("explain", "-h")
    assert result.code == 0
    assert "--at" in result.text
    assert "convcli explain sample_images/seed-bump.csv -k bump" in result.text
