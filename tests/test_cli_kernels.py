"""`convcli kernels`: the preset list, one kernel's weights, and kernel files that read back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from clirun import run_cli

from convcli.kernel_io import load_kernel_file, parse_kernel
from convcli.presets import PRESETS, build_preset

ROOT = Path(__file__).resolve().parent.parent


def ok(*args: str) -> str:
    result = run_cli("kernels", *args)
    assert result.code == 0, result.err
    assert result.err == ""
    return result.text


def fails(*args: str) -> str:
    result = run_cli("kernels", *args)
    assert (result.code, result.out) == (2, b""), (result.code, result.out, result.err)
    assert result.err.startswith("Error: ")
    return result.err.removeprefix("Error: ").strip()


# --- the list ---------------------------------------------------------------------------------


def test_the_list_names_every_preset_in_order_with_size_and_description() -> None:
    lines = ok().splitlines()
    assert lines[0].split()[:3] == ["preset", "size", "parameters"]
    assert set(lines[1]) == {"-", " "}
    assert [line.split()[0] for line in lines[2:]] == list(PRESETS)
    bump = next(line for line in lines if line.startswith("bump "))
    assert bump.split(None, 3) == ["bump", "3", "-", PRESETS["bump"].description]
    gaussian = next(line for line in lines if line.startswith("gaussian "))
    assert "5x5" in gaussian
    assert "size=5, sigma=1.0, ndim=2" in gaussian


def test_the_list_as_csv_and_tsv() -> None:
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.reader(io.StringIO(ok("--format", fmt)), delimiter=delimiter))
        assert rows[0] == ["name", "size", "parameters", "description"]
        assert len(rows) == len(PRESETS) + 1
        assert rows[1 + list(PRESETS).index("sobel-z")] == [
            "sobel-z",
            "3x3x3",
            "-",
            PRESETS["sobel-z"].description,
        ]


def test_the_list_as_json() -> None:
    presets = json.loads(ok("--format", "json"))
    assert [p["name"] for p in presets] == list(PRESETS)
    assert presets[list(PRESETS).index("box")] == {
        "name": "box",
        "shape": [3, 3],
        "parameters": {"size": 3, "ndim": 2},
        "description": PRESETS["box"].description,
    }


def test_the_list_written_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "presets.json"
    assert ok("-o", str(target)) == ""
    assert len(json.loads(target.read_text())) == len(PRESETS)


# --- one kernel's weights ---------------------------------------------------------------------


def test_sobel_x_weights_as_a_table() -> None:
    assert ok("sobel-x") == (
        f"sobel-x: {PRESETS['sobel-x'].description}\n"
        "shape (3, 3)  min -2  max 2\n"
        "-1 0 1\n"
        "-2 0 2\n"
        "-1 0 1\n"
        "sum 0\n"
    )


def test_a_3d_kernel_prints_one_block_per_plane() -> None:
    text = ok("laplacian:ndim=3")
    assert text.splitlines()[1:6] == [
        "shape (3, 3, 3)  min -6  max 1",
        "plane 0",
        "0  0 0",
        "0  1 0",
        "0  0 0",
    ]
    assert "1 -6 1" in text
    assert text.endswith("sum 0\n")


def test_parameters_and_small_numbers() -> None:
    text = ok("gaussian:size=3,ndim=1")
    assert text.splitlines()[1:] == [
        "shape (3,)  min 0.2741  max 0.4519",
        "0.2741 0.4519 0.2741",
        "sum 1",
    ]


def test_any_kernel_spec_shows_its_weights() -> None:
    assert ok("1,2,1").splitlines() == ["1,2,1", "shape (3,)  min 1  max 2", "1 2 1", "sum 4"]
    from_file = ok(str(ROOT / "kernels/vertical-line.csv"))
    assert from_file.splitlines()[0] == "vertical-line.csv"
    assert from_file.splitlines()[2:5] == ["0 1 0"] * 3


@pytest.mark.parametrize("fmt", ["csv", "tsv", "txt", "npy"])
@pytest.mark.parametrize(
    "spec", [*PRESETS, "gaussian:size=7,sigma=1.3", "box:size=4,ndim=1", "sobel-x:ndim=3"]
)
def test_kernel_files_read_back_exactly(tmp_path: Path, spec: str, fmt: str) -> None:
    target = tmp_path / f"kernel.{fmt}"
    assert ok(spec, "-o", str(target)) == ""
    expected = build_preset(spec)
    loaded = load_kernel_file(target)
    assert loaded.shape == expected.shape
    assert np.array_equal(loaded, expected)


def test_csv_to_standard_output_has_a_comment_naming_the_kernel() -> None:
    assert ok("vertical-line", "--format", "csv") == (
        f"# vertical-line: {PRESETS['vertical-line'].description}\n0,1,0\n0,1,0\n0,1,0\n"
    )


def test_json_and_npy_are_apply_formats() -> None:
    assert json.loads(ok("box:size=2,ndim=1", "--format", "json")) == {
        "shape": [2],
        "dtype": "float64",
        "data": [0.5, 0.5],
    }
    result = run_cli("kernels", "emboss", "--format", "npy")
    assert result.code == 0
    assert np.array_equal(np.load(io.BytesIO(result.out)), build_preset("emboss"))


def test_a_written_kernel_gives_the_same_maps_as_the_preset(tmp_path: Path) -> None:
    target = tmp_path / "mine.csv"
    ok("sobel-x", "-o", str(target))
    grid = str(ROOT / "sample_images/seed-line-8x8.csv")
    from_file = run_cli("apply", grid, "-k", str(target), "--format", "csv")
    from_preset = run_cli("apply", grid, "-k", "sobel-x", "--format", "csv")
    assert from_file.code == from_preset.code == 0
    assert from_file.out == from_preset.out
    assert np.array_equal(parse_kernel(str(target)).weights, build_preset("sobel-x"))


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("sobel",),
            "unknown kernel 'sobel' (not a file, numbers or preset); closest presets: sobel-x, "
            "sobel-y, sobel-z",
        ),
        (
            ("gaussian:size=4",),
            "gaussian size must be a positive odd integer (the kernel needs a centre); got 4; "
            "try size=5",
        ),
        (("box:radius=2",), "box has no parameter 'radius'; its parameters are size, ndim"),
        (
            ("--format", "npy"),
            "the preset list can be printed as a table or written as csv, tsv or json; got npy",
        ),
        (
            ("bump", "--format", "png"),
            "kernel weights can be printed as a table or written as csv, tsv, txt, json or npy; "
            "got png",
        ),
        (
            ("bump", "-o", "bump.png"),
            "kernel weights can be printed as a table or written as csv, tsv, txt, json or npy; "
            "got png",
        ),
        (
            ("bump", "--format", "gif"),
            "format must be one of table, csv, tsv, txt, json, npy, png, jpg, tif, bmp, webp; "
            "got 'gif'",
        ),
        (
            ("bump", "--format", "table", "-o", "bump.csv"),
            "--format table prints to the terminal; it cannot be written to 'bump.csv': drop "
            "--format or choose csv, tsv, txt, json, npy or an image format",
        ),
        (
            ("bump", "-o", "no-such-folder/bump.csv"),
            "cannot write 'no-such-folder/bump.csv': folder 'no-such-folder' does not exist "
            "(convcli creates no folders)",
        ),
    ],
)
def test_errors(args: tuple[str, ...], message: str) -> None:
    assert fails(*args) == message


def test_a_kernel_with_more_than_three_axes_cannot_be_a_text_file(tmp_path: Path) -> None:
    four = tmp_path / "k4.npy"
    np.save(four, np.ones((2, 2, 2, 3)))
    assert fails(str(four), "--format", "csv") == "a kernel has 1, 2 or 3 axes; got shape 2x2x2x3"
    assert not (tmp_path / "k4.csv").exists()
    table = ok(str(four)).splitlines()
    assert table[:3] == ["k4.npy", "shape (2, 2, 2, 3)  min 1  max 1", "channel 0, plane 0"]
    assert table[-1] == "sum 24"
