"""`convcli apply` end to end: the contract's worked examples, the seeds, formats, stdin.

Every test goes through the real entry point (`convcli.cli.main`) and asserts the
values that come out on standard output or in the written file.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clirun import run_cli, run_process
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_images"
KERNELS = ROOT / "kernels"
SIGNAL = str(SAMPLES / "signal-1-6.csv")


def values(text: str) -> list[int]:
    """The numbers of a one-line table rendering (the line after the header)."""
    return [int(v) for v in text.splitlines()[1].split()]


# --- the contract's worked examples, through the command line ----------------------------

WORKED = [
    (["-k", "1,10,100"], "321 432 543 654"),
    (["-k", "1,10,100,1000", "-p", "same"], "3210 4321 5432 6543 654 65"),
    (["-k", "1,10,100", "-p", "same", "-s", "2"], "321 543 65"),
    (["-k", "1,10,100", "-p", "causal"], "100 210 321 432 543 654"),
    (["-k", "1,10,100", "-p", "causal", "-d", "2"], "100 200 310 420 531 642"),
    (["-k", "1,10,100", "-p", "full"], "100 210 321 432 543 654 65 6"),
    (
        ["-k", "1,10,100,1000,10000", "-p", "2", "--pad-mode", "reflect"],
        "32123 43212 54321 65432 56543 45654",
    ),
    (
        ["-k", "1,10,100,1000,10000", "-p", "2", "--pad-mode", "symmetric"],
        "32112 43211 54321 65432 66543 56654",
    ),
    (["-k", "1,10,100", "-p", "2:0"], "100 210 321 432 543 654"),
    (["-k", "1,10,100", "--flip"], "123 234 345 456"),
    (["-k", "1,10,100", "-d", "2"], "531 642"),
    (["-k", "1,10,100", "-d", "2", "-s", "2", "-p", "same"], "420 642 64"),
]


@pytest.mark.parametrize(("options", "expected"), WORKED)
def test_worked_examples_print_as_the_contract_shows(options: list[str], expected: str) -> None:
    result = run_cli("apply", SIGNAL, *options)
    assert result.code == 0, result.err
    assert result.text.splitlines()[1] == expected
    assert result.err == ""


def test_same_with_stride_on_seven_samples(tmp_path: Path) -> None:
    seven = tmp_path / "seven.csv"
    seven.write_text("1,2,3,4,5,6,7\n")
    result = run_cli("apply", str(seven), "-k", "1,10,100", "-p", "same", "-s", "2")
    assert values(result.text) == [210, 432, 654, 76]


@pytest.mark.parametrize(
    ("mode", "first", "last"),
    [
        ("zeros", 210, 65),
        ("reflect", 212, 565),
        ("symmetric", 211, 665),
        ("edge", 211, 665),
        ("wrap", 216, 165),
    ],
)
def test_pad_modes_first_and_last_outputs(mode: str, first: int, last: int) -> None:
    result = run_cli("apply", SIGNAL, "-k", "1,10,100", "-p", "1", "--pad-mode", mode)
    got = values(result.text)
    assert (got[0], got[-1]) == (first, last)


def test_constant_pad_mode_uses_pad_value() -> None:
    result = run_cli(
        "apply", SIGNAL, "-k", "1,10,100", "-p", "1", "--pad-mode", "constant", "--pad-value", "9"
    )
    got = values(result.text)
    assert (got[0], got[-1]) == (219, 965)


# --- the seeds: inline, kernel files and presets -----------------------------------------

BUMP_KERNELS = ["0,1,0", str(KERNELS / "bump.csv"), "bump"]
LINE_KERNELS = ["0,1,0;0,1,0;0,1,0", str(KERNELS / "vertical-line.csv"), "vertical-line"]


@pytest.mark.parametrize("kernel", BUMP_KERNELS)
@pytest.mark.parametrize(
    ("padding", "expected"),
    [("valid", "0 0 1 1 0 0"), ("same", "0 0 0 1 1 0 0 0"), ("causal", "0 0 0 0 1 1 0 0")],
)
def test_seed_bump_detector(kernel: str, padding: str, expected: str) -> None:
    result = run_cli("apply", str(SAMPLES / "seed-bump.csv"), "-k", kernel, "-p", padding)
    assert result.code == 0, result.err
    assert result.text.splitlines()[1] == expected


@pytest.mark.parametrize("kernel", LINE_KERNELS)
def test_seed_vertical_line_detector(kernel: str) -> None:
    result = run_cli("apply", str(SAMPLES / "seed-line-8x8.csv"), "-k", kernel)
    assert result.code == 0, result.err
    lines = result.text.splitlines()
    assert lines[0] == "shape (6, 6)  min 0  max 3"
    assert lines[1:] == ["0 0 3 3 0 0"] * 6


def test_seed_vertical_line_as_csv_values() -> None:
    result = run_cli(
        "apply", str(SAMPLES / "seed-line-8x8.csv"), "-k", "vertical-line", "--format", "csv"
    )
    assert result.text == "0,0,3,3,0,0\n" * 6


# --- channels ------------------------------------------------------------------------------


@pytest.fixture
def rgb_npy(tmp_path: Path) -> str:
    path = tmp_path / "rgb.npy"
    np.save(path, np.ones((4, 4, 3)) * [1, 2, 3])
    return str(path)


def npy_out(*args: str) -> np.ndarray:
    result = run_cli(*args, "--format", "npy")
    assert result.code == 0, result.err
    return np.load(io.BytesIO(result.out))


def test_channels_each_and_sum(rgb_npy: str, tmp_path: Path) -> None:
    each = npy_out("apply", rgb_npy, "-k", "1,1;1,1")
    assert each.shape == (3, 3, 3)
    assert each[1, 1].tolist() == [4, 8, 12]
    total = npy_out("apply", rgb_npy, "-k", "1,1;1,1", "--channels", "sum")
    assert total.shape == (3, 3, 1)
    assert np.all(total == 24)
    planes = tmp_path / "k.npy"
    np.save(planes, np.ones((2, 2, 3)) * [1, 10, 100])
    per_channel = npy_out("apply", rgb_npy, "-k", str(planes), "--channels", "sum")
    assert per_channel.shape == (3, 3, 1)
    assert np.all(per_channel == 1284)


def test_two_filters_channel_major(rgb_npy: str) -> None:
    each = npy_out("apply", rgb_npy, "-k", "1,1;1,1", "-k", "2,2;2,2")
    assert each.shape == (3, 3, 6)
    assert each[0, 0].tolist() == [4, 8, 8, 16, 12, 24]
    total = npy_out("apply", rgb_npy, "-k", "1,1;1,1", "-k", "2,2;2,2", "--channels", "sum")
    assert total.shape == (3, 3, 2)
    assert total[2, 2].tolist() == [24, 48]


def test_two_1d_filters_on_a_signal() -> None:
    maps = npy_out("apply", SIGNAL, "-k", "1,1", "-k", "1,-1")
    assert maps.shape == (5, 2)
    assert maps[:, 0].tolist() == [3, 5, 7, 9, 11]
    assert maps[:, 1].tolist() == [-1] * 5


def test_multicolumn_csv_is_steps_by_channels_for_a_1d_kernel(tmp_path: Path) -> None:
    grid = tmp_path / "two.csv"
    grid.write_text("a,b\n1,10\n2,20\n3,30\n")
    one_d = npy_out("apply", str(grid), "-k", "1,1")
    assert one_d.tolist() == [[3, 30], [5, 50]]
    two_d = npy_out("apply", str(grid), "-k", "1,1;1,1")
    assert two_d.tolist() == [[33], [55]]


def test_bias_activation_and_dtype() -> None:
    maps = npy_out(
        "apply",
        SIGNAL,
        "-k",
        "1,-1",
        "-k",
        "1,1",
        "--bias=0.5,-10",
        "--activation",
        "relu",
        "--dtype",
        "float64",
    )
    assert maps.dtype == np.float64
    assert maps[:, 0].tolist() == [0, 0, 0, 0, 0]  # -1 + 0.5 -> relu 0
    assert maps[:, 1].tolist() == [0, 0, 0, 0, 1]  # 3..11 - 10 -> 0,0,0,0,1


def test_sigmoid_and_tanh_values() -> None:
    sig = npy_out("apply", SIGNAL, "-k", "0", "--activation", "sigmoid")
    assert np.allclose(sig, 0.5)
    tanh = npy_out("apply", SIGNAL, "-k", "1", "--activation", "tanh", "--dtype", "float64")
    assert np.allclose(tanh, np.tanh(np.arange(1, 7)))


def test_float32_is_the_default_dtype() -> None:
    assert npy_out("apply", SIGNAL, "-k", "1,1").dtype == np.float32


# --- output formats to standard output ----------------------------------------------------


def test_csv_tsv_txt_json_to_stdout() -> None:
    base = ("apply", str(SAMPLES / "seed-line-8x8.csv"), "-k", "vertical-line", "-s", "3")
    assert run_cli(*base, "--format", "csv").text == "0,3\n0,3\n"
    assert run_cli(*base, "--format", "tsv").text == "0\t3\n0\t3\n"
    document = json.loads(run_cli(*base, "--format", "json").text)
    assert document["shape"] == [2, 2]
    assert document["data"] == [[0, 3], [0, 3]]


def test_dash_output_uses_format() -> None:
    result = run_cli("apply", SIGNAL, "-k", "1,10,100", "-o", "-", "--format", "csv")
    assert result.text == "321,432,543,654\n"


def test_dash_output_without_format_prints_the_table() -> None:
    result = run_cli("apply", SIGNAL, "-k", "1,10,100", "-o", "-")
    assert result.text.splitlines()[1] == "321 432 543 654"


def test_table_has_no_colour_codes_when_piped() -> None:
    result = run_cli("apply", str(SAMPLES / "photo-grey.png"), "-k", "sobel-x")
    assert "\x1b[" not in result.text
    assert result.text.startswith("shape (254, 382)  min ")
    assert "..." in result.text


def test_several_inputs_print_titled_tables() -> None:
    bump = str(SAMPLES / "seed-bump.csv")
    result = run_cli("apply", bump, SIGNAL, "-k", "0,1,0")
    assert result.code == 0, result.err
    assert f"{bump}  shape (6,)" in result.text
    assert "2 3 4 5" in result.text


# --- standard input -------------------------------------------------------------------------


def test_stdin_csv_npy_and_image() -> None:
    csv = run_cli("apply", "-", "-k", "1,10,100", stdin=b"1,2,3,4,5,6\n")
    assert csv.text.splitlines()[1] == "321 432 543 654"
    buffer = io.BytesIO()
    np.save(buffer, np.arange(1.0, 7.0))
    npy = run_cli("apply", "-", "-k", "1,10,100", stdin=buffer.getvalue())
    assert npy.text.splitlines()[1] == "321 432 543 654"
    png = (SAMPLES / "vertical-line.png").read_bytes()
    result = run_cli("apply", "-", "-k", "vertical-line", "--format", "npy", stdin=png)
    image = np.load(io.BytesIO(result.out))
    assert image.shape == (30, 30)
    assert np.flatnonzero(image[0]).tolist() == [14]
    assert image[0, 14] == 765


def test_input_format_overrides_sniffing() -> None:
    result = run_cli("apply", "-", "-k", "1,1", "--input-format", "csv", stdin=b"1 2 3\n")
    assert result.text.splitlines()[1] == "3 5"


def test_pipeline_output_feeds_the_next_convcli() -> None:
    first = run_cli("apply", SIGNAL, "-k", "1,1", "--format", "npy")
    second = run_cli("apply", "-", "-k", "1,-1", "--format", "csv", stdin=first.out)
    assert second.text == "-2,-2,-2,-2\n"


# --- files ----------------------------------------------------------------------------------


def test_output_files_by_suffix(tmp_path: Path) -> None:
    line = str(SAMPLES / "seed-line-8x8.csv")
    for suffix in (".npy", ".csv", ".tsv", ".txt", ".json"):
        target = tmp_path / f"map{suffix}"
        result = run_cli("apply", line, "-k", "vertical-line", "-o", str(target))
        assert result.code == 0, result.err
        assert result.out == b""
    assert np.load(tmp_path / "map.npy").tolist() == [[0, 0, 3, 3, 0, 0]] * 6
    assert (tmp_path / "map.csv").read_text() == "0,0,3,3,0,0\n" * 6
    assert (tmp_path / "map.tsv").read_text() == "0\t0\t3\t3\t0\t0\n" * 6
    assert np.loadtxt(tmp_path / "map.txt").tolist() == [[0, 0, 3, 3, 0, 0]] * 6
    assert json.loads((tmp_path / "map.json").read_text())["data"] == [[0, 0, 3, 3, 0, 0]] * 6


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".webp"])
def test_image_outputs_hold_the_exact_map(tmp_path: Path, suffix: str) -> None:
    # vertical-line on the 0/255 line image gives 765, out of range: auto -> minmax 0..255.
    target = tmp_path / f"lines{suffix}"
    result = run_cli(
        "apply", str(SAMPLES / "vertical-line.png"), "-k", "vertical-line", "-o", str(target)
    )
    assert result.code == 0, result.err
    assert result.err == "note: rescaled 0..765 to 0..255 (minmax)\n"
    pixels = np.asarray(Image.open(target).convert("L"))  # WebP stores grey as RGB
    assert pixels.shape == (30, 30)
    assert np.flatnonzero(pixels[5]).tolist() == [14]
    assert pixels[5, 14] == 255


def test_in_range_values_are_only_rounded(tmp_path: Path) -> None:
    target = tmp_path / "blur.png"
    result = run_cli("apply", str(SAMPLES / "vertical-line.png"), "-k", "box", "-o", str(target))
    assert result.err == ""  # 0..85 is inside 0..255: no mapping, no note
    pixels = np.asarray(Image.open(target))
    assert pixels[0, 13:16].tolist() == [85, 85, 85]
    assert pixels[0, 12] == 0


def test_quiet_silences_notes(tmp_path: Path) -> None:
    result = run_cli(
        "apply",
        str(SAMPLES / "vertical-line.png"),
        "-k",
        "vertical-line",
        "-o",
        str(tmp_path / "q.png"),
        "-q",
    )
    assert result.err == ""


@pytest.mark.parametrize(
    ("mode", "note"),
    [("clip", "note: clipped 0..765 to 0..255 (clip)"), ("abs", None), ("minmax", None)],
)
def test_normalize_modes_write_notes(tmp_path: Path, mode: str, note: str | None) -> None:
    target = tmp_path / "n.png"
    result = run_cli(
        "apply",
        str(SAMPLES / "vertical-line.png"),
        "-k",
        "vertical-line",
        "--normalize",
        mode,
        "-o",
        str(target),
    )
    assert result.code == 0, result.err
    assert result.err.startswith("note: ")
    if note:
        assert result.err.strip() == note
    assert np.asarray(Image.open(target))[3, 14] == 255


def test_offset_normalize_centres_signed_maps(tmp_path: Path) -> None:
    target = tmp_path / "o.png"
    result = run_cli(
        "apply",
        str(SAMPLES / "step-edge.png"),
        "-k",
        "0,0;-1,1",
        "--normalize",
        "offset",
        "-o",
        str(target),
    )
    assert result.code == 0, result.err
    pixels = np.asarray(Image.open(target))
    assert pixels[0, 0] == 128
    assert pixels[0, 15] == 255  # 255 + 128 clipped


def test_several_filters_make_a_montage_or_split(tmp_path: Path) -> None:
    photo = str(SAMPLES / "photo-grey.png")
    montage = tmp_path / "maps.png"
    result = run_cli(
        "apply", photo, "-k", "sobel-x", "-k", "sobel-y", "-p", "same", "-o", str(montage)
    )
    assert result.code == 0, result.err
    width, height = Image.open(montage).size
    assert width > 2 * 384  # two tiles side by side
    assert height > 256  # plus a label strip
    result = run_cli(
        "apply",
        photo,
        "-k",
        "sobel-x",
        "-k",
        "sobel-y",
        "-p",
        "same",
        "-o",
        str(tmp_path / "maps.png"),
        "--split",
    )
    assert result.code == 0, result.err
    assert Image.open(tmp_path / "maps-0.png").size == (384, 256)
    assert Image.open(tmp_path / "maps-1.png").size == (384, 256)


def test_cmap_writes_rgb(tmp_path: Path) -> None:
    target = tmp_path / "c.png"
    result = run_cli(
        "apply",
        str(SAMPLES / "vertical-line.png"),
        "-k",
        "vertical-line",
        "--cmap",
        "viridis",
        "-o",
        str(target),
    )
    assert result.code == 0, result.err
    pixels = np.asarray(Image.open(target).convert("RGB"))
    assert pixels[0, 0].tolist() == [68, 1, 84]
    assert pixels[0, 14].tolist() == [253, 231, 37]


def test_rgb_input_keeps_colour(tmp_path: Path) -> None:
    target = tmp_path / "blur.png"
    result = run_cli(
        "apply", str(SAMPLES / "photo.png"), "-k", "gaussian", "-p", "same", "-o", str(target)
    )
    assert result.code == 0, result.err
    image = Image.open(target)
    assert image.mode == "RGB"
    assert image.size == (384, 256)


def test_16bit_input_writes_16bit_png(tmp_path: Path) -> None:
    target = tmp_path / "g.png"
    result = run_cli(
        "apply", str(SAMPLES / "gradient-16bit.png"), "-k", "identity", "-o", str(target)
    )
    assert result.code == 0, result.err
    pixels = np.asarray(Image.open(target))
    source = np.asarray(Image.open(SAMPLES / "gradient-16bit.png"))
    assert pixels.max() > 255
    assert pixels.tolist() == source[1:-1, 1:-1].tolist()


def test_output_dir_names_files_by_stem(tmp_path: Path) -> None:
    images = [str(SAMPLES / "vertical-line.png"), str(SAMPLES / "step-edge.png")]
    result = run_cli("apply", *images, "-k", "identity", "--output-dir", str(tmp_path), "-q")
    assert result.code == 0, result.err
    result = run_cli("apply", SIGNAL, "-k", "1", "--output-dir", str(tmp_path))
    assert result.code == 0, result.err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["signal-1-6.npy", "step-edge.png", "vertical-line.png"]
    assert np.load(tmp_path / "signal-1-6.npy").tolist() == [1, 2, 3, 4, 5, 6]
    line = np.asarray(Image.open(tmp_path / "vertical-line.png"))
    assert line.shape == (30, 30)
    assert np.flatnonzero(line[0]).tolist() == [14]


def test_output_dir_with_format(tmp_path: Path) -> None:
    result = run_cli(
        "apply",
        SIGNAL,
        str(SAMPLES / "seed-bump.csv"),
        "-k",
        "1",
        "--output-dir",
        str(tmp_path),
        "--format",
        "csv",
    )
    assert result.code == 0, result.err
    assert (tmp_path / "signal-1-6.csv").read_text() == "1,2,3,4,5,6\n"
    assert (tmp_path / "seed-bump.csv").read_text() == "0,0,0,1,1,0,0,0\n"


def test_existing_output_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    target.write_text("old\n")
    assert run_cli("apply", SIGNAL, "-k", "1,1", "-o", str(target)).code == 0
    assert target.read_text() == "3,5,7,9,11\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]


# --- the command itself ---------------------------------------------------------------------


def test_version_and_help() -> None:
    from convcli import __version__

    assert run_cli("--version").text == f"convcli {__version__}\n"
    help_text = run_cli("apply", "-h", env={"COLUMNS": "120"}).text
    assert "Examples" in help_text
    assert "convcli apply sample_images/photo.png -k sobel-x -o edges.png" in help_text
    for option in (
        "--stride",
        "--padding",
        "--pad-mode",
        "--dilation",
        "--flip",
        "--channels",
        "--bias",
        "--activation",
        "--dtype",
        "--output",
        "--output-dir",
        "--format",
        "--normalize",
        "--cmap",
        "--split",
        "--input-format",
        "--quiet",
    ):
        assert option in help_text


def test_python_dash_m_runs_the_same_command() -> None:
    process = run_process("apply", SIGNAL, "-k", "1,10,100", "--format", "csv")
    assert process.returncode == 0
    assert process.stdout == b"321,432,543,654\n"


def test_output_dir_refuses_two_inputs_with_one_target(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "out").mkdir()
    for folder, row in (("a", "1,2,3\n"), ("b", "4,5,6\n")):
        (tmp_path / folder / "x.csv").write_text(row)
    first, second = str(tmp_path / "a" / "x.csv"), str(tmp_path / "b" / "x.csv")
    result = run_cli("apply", first, second, "-k", "1", "--output-dir", str(tmp_path / "out"))
    assert result.code == 2
    target = tmp_path / "out" / "x.npy"
    assert result.err == (
        f"Error: inputs '{first}' and '{second}' would both be written to '{target}'; "
        "give inputs different names or run them separately\n"
    )
    assert list((tmp_path / "out").iterdir()) == []  # refused before any work


def test_3d_volume_with_an_inline_3d_kernel(tmp_path: Path) -> None:
    volume = np.arange(27.0).reshape(3, 3, 3)
    path = tmp_path / "volume.npy"
    np.save(path, volume)
    maps = npy_out("apply", str(path), "-k", "1,0;0,0|0,0;0,1", "--channels", "each")
    # Each output is x[i, j, k] + x[i+1, j+1, k+1] (the kernel's two non-zero taps).
    expected = volume[:2, :2, :2] + volume[1:, 1:, 1:]
    assert maps.shape == (2, 2, 2)
    assert maps.tolist() == expected.tolist()
    table = run_cli("apply", str(path), "-k", "sobel-z", "-p", "same")
    assert table.code == 0, table.err
    assert table.text.splitlines()[1] == "plane 0"


# --- batches, pad values, the command itself -------------------------------------------------


def test_a_failing_input_leaves_no_outputs_of_the_others(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes((SAMPLES / "step-edge.png").read_bytes()[:60])  # truncated
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "apply",
        str(SAMPLES / "vertical-line.png"),
        str(broken),
        "-k",
        "box",
        "--output-dir",
        str(out),
    )
    assert result.code == 2
    assert result.err.startswith(f"Error: cannot read image '{broken}'")
    assert list(out.iterdir()) == []  # vertical-line.png was staged, then discarded


def test_pad_value_alone_means_constant_padding() -> None:
    result = run_cli("apply", SIGNAL, "-k", "1,10,100", "-p", "1", "--pad-value", "9")
    got = values(result.text)
    assert (got[0], got[-1]) == (219, 965)


def test_pad_value_with_another_pad_mode_is_refused() -> None:
    result = run_cli(
        "apply", SIGNAL, "-k", "1,1", "-p", "1", "--pad-mode", "reflect", "--pad-value", "9"
    )
    assert result.code == 2
    assert result.err == (
        "Error: --pad-value 9 is used only by --pad-mode constant; got --pad-mode reflect\n"
    )


def test_gif_inputs_write_png_into_an_output_dir(tmp_path: Path) -> None:
    gif = tmp_path / "line.gif"
    Image.open(SAMPLES / "vertical-line.png").save(gif)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("apply", str(gif), "-k", "vertical-line", "--output-dir", str(out), "-q")
    assert result.code == 0, result.err
    assert [p.name for p in out.iterdir()] == ["line.png"]
    written = np.asarray(Image.open(out / "line.png").convert("L"))  # palette GIF -> RGB
    assert np.flatnonzero(written[0]).tolist() == [14]


def test_bare_command_prints_help_and_succeeds() -> None:
    result = run_cli()
    assert result.code == 0
    assert "apply" in result.text
    assert result.err == ""


def test_unknown_command_hints_at_the_root_help() -> None:
    from convcli.cli import COMMANDS, app

    result = run_cli("nosuch")
    assert result.code == 2
    assert result.err == "Error: No such command 'nosuch'.\nTry 'convcli -h' for help.\n"
    names = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    assert sorted(COMMANDS) == sorted(names)


def test_notes_name_their_input_when_there_are_several(tmp_path: Path) -> None:
    images = [str(SAMPLES / "vertical-line.png"), str(SAMPLES / "step-edge.png")]
    result = run_cli("apply", *images, "-k", "vertical-line", "--output-dir", str(tmp_path))
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        f"note: {images[0]}: rescaled 0..765 to 0..255 (minmax)",
        f"note: {images[1]}: rescaled 0..765 to 0..255 (minmax)",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--normalize", "abs"], "Error: --normalize is for image files; the maps are printed"),
        (["--normalize", "abs", "-o", "x.csv"], "Error: --normalize maps values to pixels;"),
        (["-p", "sam"], "Error: padding must be one of valid, same, full, causal or numbers"),
    ],
)
def test_options_that_would_be_ignored_are_refused(
    tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    result = run_cli("apply", SIGNAL, "-k", "1", *args)
    assert result.code == 2
    assert result.err.startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_padding_typo_suggests_the_mode() -> None:
    result = run_cli("apply", SIGNAL, "-k", "1", "-p", "sam")
    assert result.err.endswith("got 'sam'; did you mean 'same'?\n")


def test_o_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("1,2,3\n")
    result = run_cli("apply", str(data), "-k", "1,1", "-o", str(data))
    assert result.code == 2
    assert result.err == (
        f"Error: -o would overwrite the input '{data}'; choose another file name\n"
    )
    assert data.read_text() == "1,2,3\n"


def test_per_channel_conv3d_kernel_from_a_file(tmp_path: Path) -> None:
    volume, kernel = tmp_path / "vol.npy", tmp_path / "k.npy"
    np.save(volume, np.ones((5, 5, 5, 3)) * [1, 2, 3])
    np.save(kernel, np.ones((2, 2, 2, 3)) * [1, 10, 100])
    maps = npy_out("apply", str(volume), "-k", str(kernel), "--channels", "sum")
    assert maps.shape == (4, 4, 4, 1)
    assert np.all(maps == 8 * (1 + 20 + 300))


def test_replacing_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    private = tmp_path / "private.csv"
    private.write_text("secret\n")
    private.chmod(0o600)
    assert run_cli("apply", SIGNAL, "-k", "1,1", "-o", str(private)).code == 0
    assert private.read_text() == "3,5,7,9,11\n"
    assert private.stat().st_mode & 0o777 == 0o600


def test_dev_stdout_is_standard_output_even_when_appending(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("previous line\n")
    command = f"{sys.executable} -m convcli apply {SIGNAL} -k 1,1 -o /dev/stdout -f csv >> {log}"
    done = subprocess.run(["bash", "-c", command], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert log.read_text() == "previous line\n3,5,7,9,11\n"
