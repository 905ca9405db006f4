"""Tests for convcli.loaders: every format, the sniffing, and every error message."""

from __future__ import annotations

import contextlib
import io
import os
import struct
import subprocess
import sys
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from convcli.errors import InputError, ParameterError
from convcli.loaders import LoadedInput, check_input, load_input, stem_and_suffix

# ----------------------------------------------------------------------------- helpers


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    """Write a fixture file and return its path as a string."""
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """An image saved to bytes in ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def png16(samples: np.ndarray) -> bytes:
    """A 16-bit PNG written by hand (Pillow cannot write 16-bit colour PNGs)."""
    height, width, channels = samples.shape
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + samples[y].astype(">u2").tobytes() for y in range(height))

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def from_stdin(data: bytes, input_format: str | None = None) -> LoadedInput:
    return load_input("-", stdin=io.BytesIO(data), input_format=input_format)


GREY = np.array([[0, 128, 255], [7, 64, 200]], dtype=np.uint8)
RGB = np.array(
    [[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [10, 20, 30]], [[1, 2, 3], [250, 251, 252]]],
    dtype=np.uint8,
)


# ------------------------------------------------------------------------------ images


def test_grey_png_loads_as_height_by_width_0_to_255(tmp_path: Path) -> None:
    path = write(tmp_path, "grey.png", encode(Image.fromarray(GREY), "PNG"))
    loaded = load_input(path)
    assert loaded.kind == "image"
    assert loaded.bit_depth == 8
    assert loaded.array.dtype == np.float64
    assert loaded.array.tolist() == [[0.0, 128.0, 255.0], [7.0, 64.0, 200.0]]
    assert (loaded.source, loaded.stem, loaded.suffix) == (path, "grey", ".png")


def test_16_bit_grey_png_keeps_0_to_65535(tmp_path: Path) -> None:
    samples = np.array([[0, 300], [65535, 1]], dtype=np.uint16)
    image = Image.fromarray(samples)
    assert image.mode == "I;16"
    loaded = load_input(write(tmp_path, "deep.png", encode(image, "PNG")))
    assert loaded.bit_depth == 16
    assert loaded.array.tolist() == [[0.0, 300.0], [65535.0, 1.0]]


def test_16_bit_grey_tiff_keeps_0_to_65535(tmp_path: Path) -> None:
    samples = np.array([[1, 40000, 65535]], dtype=np.uint16)
    loaded = load_input(write(tmp_path, "deep.tif", encode(Image.fromarray(samples), "TIFF")))
    assert loaded.bit_depth == 16
    assert loaded.array.tolist() == [[1.0, 40000.0, 65535.0]]


def test_16_bit_rgb_png_loads_as_8_bit_high_bytes(tmp_path: Path) -> None:
    # Pinned Pillow 13 behaviour (documented in the module): 16-bit colour PNGs open
    # as 8-bit RGB, each sample's high byte.
    samples = np.array([[[0, 256, 65535], [1000, 40000, 258]]], dtype=np.uint16)
    loaded = load_input(write(tmp_path, "deep-rgb.png", png16(samples)))
    assert loaded.bit_depth == 8
    assert loaded.array.shape == (1, 2, 3)
    assert loaded.array.tolist() == [[[0.0, 1.0, 255.0], [3.0, 156.0, 1.0]]]


def test_rgb_png_loads_channels_last(tmp_path: Path) -> None:
    loaded = load_input(write(tmp_path, "rgb.png", encode(Image.fromarray(RGB), "PNG")))
    assert loaded.array.shape == (3, 2, 3)
    assert loaded.array[1, 1].tolist() == [10.0, 20.0, 30.0]
    assert np.array_equal(loaded.array, RGB)


def test_rgba_png_keeps_alpha(tmp_path: Path) -> None:
    rgba = np.array([[[1, 2, 3, 0], [4, 5, 6, 255]]], dtype=np.uint8)
    loaded = load_input(write(tmp_path, "a.png", encode(Image.fromarray(rgba), "PNG")))
    assert loaded.array.tolist() == [[[1.0, 2.0, 3.0, 0.0], [4.0, 5.0, 6.0, 255.0]]]


def test_grey_alpha_png_loads_two_channels(tmp_path: Path) -> None:
    la = np.array([[[9, 0], [200, 128]]], dtype=np.uint8)
    loaded = load_input(write(tmp_path, "la.png", encode(Image.fromarray(la, "LA"), "PNG")))
    assert loaded.array.shape == (1, 2, 2)
    assert loaded.array.tolist() == [[[9.0, 0.0], [200.0, 128.0]]]


def palette_image(transparent: bool) -> Image.Image:
    image = Image.new("P", (3, 1))
    image.putpalette([10, 20, 30, 200, 100, 0] + [0, 0, 0] * 254)
    image.putdata([0, 1, 1])
    if transparent:
        image.info["transparency"] = 0
    return image


def test_palette_png_becomes_rgb(tmp_path: Path) -> None:
    path = write(tmp_path, "p.png", encode(palette_image(False), "PNG"))
    loaded = load_input(path)
    assert loaded.array.tolist() == [[[10.0, 20.0, 30.0], [200.0, 100.0, 0.0], [200.0, 100.0, 0.0]]]


def test_palette_png_with_transparency_becomes_rgba(tmp_path: Path) -> None:
    image = palette_image(True)
    path = write(tmp_path, "pt.png", encode(image, "PNG", transparency=0))
    loaded = load_input(path)
    assert loaded.array.shape == (1, 3, 4)
    assert loaded.array[..., 3].tolist() == [[0.0, 255.0, 255.0]]
    assert loaded.array[0, 1].tolist() == [200.0, 100.0, 0.0, 255.0]


def test_bilevel_image_loads_as_0_and_255(tmp_path: Path) -> None:
    image = Image.new("1", (3, 1))
    image.putpixel((1, 0), 1)
    loaded = load_input(write(tmp_path, "bw.png", encode(image, "PNG")))
    assert loaded.bit_depth == 8
    assert loaded.array.tolist() == [[0.0, 255.0, 0.0]]


def test_jpeg_values_are_close(tmp_path: Path) -> None:
    image = Image.new("RGB", (8, 8), (10, 200, 60))
    loaded = load_input(write(tmp_path, "photo.jpeg", encode(image, "JPEG", quality=95)))
    assert loaded.array.shape == (8, 8, 3)
    assert np.abs(loaded.array - [10, 200, 60]).max() <= 3


def test_grey_jpeg_loads_without_channels(tmp_path: Path) -> None:
    image = Image.new("L", (8, 8), 100)
    loaded = load_input(write(tmp_path, "g.jpg", encode(image, "JPEG", quality=95)))
    assert loaded.array.shape == (8, 8)
    assert np.abs(loaded.array - 100).max() <= 2


@pytest.mark.parametrize(
    ("name", "fmt", "options"),
    [
        ("x.tif", "TIFF", {}),
        ("x.tiff", "TIFF", {"compression": "tiff_lzw"}),
        ("x.bmp", "BMP", {}),
        ("x.webp", "WEBP", {"lossless": True}),
    ],
)
def test_lossless_formats_are_exact(
    tmp_path: Path, name: str, fmt: str, options: dict[str, object]
) -> None:
    loaded = load_input(write(tmp_path, name, encode(Image.fromarray(RGB), fmt, **options)))
    assert loaded.bit_depth == 8
    assert np.array_equal(loaded.array, RGB.astype(np.float64))


def test_gif_palette_becomes_rgb(tmp_path: Path) -> None:
    loaded = load_input(write(tmp_path, "x.gif", encode(palette_image(False), "GIF")))
    assert loaded.array.tolist() == [[[10.0, 20.0, 30.0], [200.0, 100.0, 0.0], [200.0, 100.0, 0.0]]]


def test_animated_gif_gives_first_frame(tmp_path: Path) -> None:
    first = Image.new("L", (2, 2), 50)
    second = Image.new("L", (2, 2), 220)
    data = encode(first, "GIF", save_all=True, append_images=[second])
    loaded = load_input(write(tmp_path, "anim.gif", data))
    assert loaded.array.tolist() == [[[50.0] * 3] * 2] * 2


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    image = Image.new("CMYK", (2, 1))
    image.putdata([(255, 0, 0, 0), (0, 0, 0, 255)])
    loaded = load_input(write(tmp_path, "print.tif", encode(image, "TIFF")))
    assert loaded.array.tolist() == [[[0.0, 255.0, 255.0], [0.0, 0.0, 0.0]]]


def test_32_bit_integer_and_float_tiffs_keep_stored_values_without_a_pixel_range(
    tmp_path: Path,
) -> None:
    # Modes I and F have no fixed pixel range: bit_depth None, so that a 0..1 float
    # image is not written back as 16-bit pixels 0..1 (black).
    ints = Image.fromarray(np.array([[-5, 70000]], dtype=np.int32))
    floats = Image.fromarray(np.array([[0.0, 0.25, 1.0]], dtype=np.float32))
    assert (ints.mode, floats.mode) == ("I", "F")
    loaded_ints = load_input(write(tmp_path, "i.tif", encode(ints, "TIFF")))
    loaded_floats = load_input(write(tmp_path, "f.tif", encode(floats, "TIFF")))
    assert (loaded_ints.kind, loaded_ints.bit_depth) == ("image", None)
    assert loaded_ints.array.tolist() == [[-5.0, 70000.0]]
    assert (loaded_floats.kind, loaded_floats.bit_depth) == ("image", None)
    assert loaded_floats.array.tolist() == [[0.0, 0.25, 1.0]]


def test_float_tiff_with_nan_is_refused(tmp_path: Path) -> None:
    floats = Image.fromarray(np.array([[0.5, np.nan]], dtype=np.float32))
    path = write(tmp_path, "nan.tif", encode(floats, "TIFF"))
    with pytest.raises(
        InputError,
        match=r"^'.*nan\.tif' has 1 non-finite value \(NaN or infinity\), the first at index "
        r"\(0, 1\)",
    ):
        load_input(path)


def test_uppercase_suffix_is_an_image_and_kept_as_written(tmp_path: Path) -> None:
    loaded = load_input(write(tmp_path, "SHOUT.PNG", encode(Image.fromarray(GREY), "PNG")))
    assert (loaded.kind, loaded.stem, loaded.suffix) == ("image", "SHOUT", ".PNG")


def test_image_between_pillow_limits_loads_without_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # warn above 10 px, refuse above 20
    path = write(tmp_path, "big.png", encode(Image.new("L", (4, 3), 9), "PNG"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_input(path)
    assert loaded.array.shape == (3, 4)
    assert loaded.array.max() == 9.0


def test_decompression_bomb_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    path = write(tmp_path, "bomb.png", encode(Image.new("L", (5, 5)), "PNG"))
    with pytest.raises(
        InputError,
        match=r"cannot read image '.*bomb\.png': 25 pixels is over Pillow's limit of 20 "
        r"\(a possible decompression bomb\)",
    ):
        load_input(path)


def test_truncated_png_is_an_input_error(tmp_path: Path) -> None:
    data = encode(Image.fromarray(RGB), "PNG")
    path = write(tmp_path, "cut.png", data[: len(data) // 2 + 10])
    with pytest.raises(InputError, match=r"^cannot read image '.*cut\.png': image file is trunc"):
        load_input(path)


def test_garbage_with_image_suffix_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "junk.jpg", b"\x01\x02\x03 not an image at all \xff")
    with pytest.raises(
        InputError,
        match=r"^cannot read image '.*junk\.jpg': not an image format Pillow knows "
        r"\(PNG, JPEG, TIFF, BMP, GIF, WebP, \.\.\.\)$",
    ):
        load_input(path)


def test_text_with_image_suffix_suggests_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "table.png", "1,2\n3,4\n")
    with pytest.raises(
        InputError, match=r"not an image format .*; it looks like text, try --input-format csv$"
    ):
        load_input(path)


# -------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("header.csv", "time,value\n0,1.5\n1,-2\n2,3e2\n", [[0, 1.5], [1, -2], [2, 300]]),
        ("row.csv", "1,2,3,4,5,6\n", [1, 2, 3, 4, 5, 6]),
        ("column.csv", "volts\n1\n2\n3\n", [1, 2, 3]),
        ("cell.csv", "7", [7]),
        ("grid.tsv", "1\t2\n 3 \t4\n", [[1, 2], [3, 4]]),
        ("spaces.txt", "1 2  3\n4\t5 6\n", [[1, 2, 3], [4, 5, 6]]),
        ("commas.txt", "1, 2\n3 ,4\n", [[1, 2], [3, 4]]),
        ("quoted.csv", '"a","b"\n"1","2"\n\'3\', " 4 "\n', [[1, 2], [3, 4]]),
        ("comments.csv", "# made by hand\n\n1,2\n  # indented\n3,4\n\n", [[1, 2], [3, 4]]),
        ("crlf.csv", "x,y\r\n1,2\r\n3,4\r\n", [[1, 2], [3, 4]]),
        ("numbers.csv", "+1.5e-3,-2E2,.5,3.\n", [0.0015, -200, 0.5, 3]),
        ("blank-rows.csv", "1,2\n,,\n3,4\n,\n", [[1, 2], [3, 4]]),
    ],
)
def test_text_tables(tmp_path: Path, name: str, content: str, expected: list[object]) -> None:
    loaded = load_input(write(tmp_path, name, content))
    assert loaded.kind == "text"
    assert loaded.bit_depth is None
    assert loaded.array.dtype == np.float64
    assert loaded.array.tolist() == expected


def test_csv_result_keeps_file_name_parts(tmp_path: Path) -> None:
    path = write(tmp_path, "signal.data.csv", "1,2\n")
    loaded = load_input(path)
    assert (loaded.source, loaded.stem, loaded.suffix) == (path, "signal.data", ".csv")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbfx,y\n1,2\n3,4\n")
    assert load_input(path).array.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_utf16_with_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "excel.txt", "a\tb\r\n1\t2\r\n3\t4\r\n".encode("utf-16"))
    assert load_input(path).array.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_ragged_rows_name_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "ragged.csv", "# c\nh1,h2\n1,2\n\n5\n")
    with pytest.raises(
        InputError,
        match=r"^line 5 of '.*ragged\.csv' has 1 cell but line 3 has 2; "
        r"every row needs the same number of columns$",
    ):
        load_input(path)


def test_longer_row_is_ragged_too(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", "1,2\n3,4,5\n")
    with pytest.raises(InputError, match=r"^line 2 of '.*long\.csv' has 3 cells but line 1 has 2"):
        load_input(path)


def test_non_numeric_cell_names_line_column_and_text(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "a,b\n1,2\n3, x7 \n")
    with pytest.raises(
        InputError,
        match=r"^line 3, column 2 of '.*bad\.csv' is not a number: 'x7'; "
        r"only the first row may be a header$",
    ):
        load_input(path)


def test_semicolons_in_csv_get_a_delimiter_tip(tmp_path: Path) -> None:
    path = write(tmp_path, "euro.csv", "1;2\n3;4\n")
    with pytest.raises(
        InputError,
        match=r"^line 2, column 1 of '.*euro\.csv' is not a number: '3;4'; "
        r"cells here are separated by ',', not ';'$",
    ):
        load_input(path)


def test_empty_cell_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "hole.csv", "1,,3\n")
    with pytest.raises(
        InputError,
        match=r"^line 1, column 2 of '.*hole\.csv' is empty; every cell needs a number "
        r"\(cells are separated by ','\)$",
    ):
        load_input(path)


@pytest.mark.parametrize(("cell", "shown"), [("nan", "nan"), (" -inf", "-inf"), ("1e400", "1e400")])
def test_non_finite_cells_are_refused(tmp_path: Path, cell: str, shown: str) -> None:
    path = write(tmp_path, "nan.csv", f"x,y\n1,2\n3,{cell}\n")
    with pytest.raises(
        InputError,
        match=rf"^line 3, column 2 of '.*nan\.csv' is not a finite number: '{shown}'; "
        r"replace NaN and infinity with numbers$",
    ):
        load_input(path)


@pytest.mark.parametrize("content", ["", "# only a comment\n\n", ",,\n"])
def test_table_without_numbers_is_an_error(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(
        InputError, match=r"^'.*x\.csv' has no numbers; expected rows of numbers separated by ','$"
    ):
        load_input(path)


@pytest.mark.parametrize(
    ("name", "content", "row", "rule"),
    [
        ("semi5.csv", "1;2;3;4;5\n", "1;2;3;4;5", r"cells in \.csv are separated by ','"),
        ("header.csv", "time,value\n", "time,value", r"cells in \.csv are separated by ','"),
        ("names.tsv", "a b c\n", "a b c", r"cells in \.tsv are separated by tab"),
    ],
)
def test_an_only_row_taken_as_a_header_is_quoted(
    tmp_path: Path, name: str, content: str, row: str, rule: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(
        InputError,
        match=rf"^'.*{name}' has no numbers: its only row '{row}' was read as a header \({rule}\)$",
    ):
        load_input(path)


def test_an_only_row_on_stdin_names_the_sniffed_delimiter() -> None:
    with pytest.raises(
        InputError,
        match=r"^standard input has no numbers: its only row 'x;y' was read as a header "
        r"\(cells were read as separated by ';'\)$",
    ):
        from_stdin(b"x;y\n")


@pytest.mark.parametrize(
    ("cell", "tip"),
    [
        ("1_0", "write numbers without '_' separators"),  # float() would read 10
        ("0x10", "write numbers in decimal"),
        ("4 # four", "'#' starts a comment only at the start of a line"),
    ],
)
def test_cells_float_would_misread_are_refused(tmp_path: Path, cell: str, tip: str) -> None:
    path = write(tmp_path, "typo.csv", f"1,2\n3,{cell}\n")
    with pytest.raises(
        InputError, match=rf"^line 2, column 2 of '.*typo\.csv' is not a number: '{cell}'; {tip}$"
    ):
        load_input(path)


def test_semicolons_are_sniffed_on_stdin_but_not_in_a_csv(tmp_path: Path) -> None:
    assert from_stdin(b"1;2\n3;4\n").array.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert load_input(write(tmp_path, "euro.dat", "1;2\n3;4\n")).array.tolist() == [
        [1.0, 2.0],
        [3.0, 4.0],
    ]


def test_binary_bytes_in_a_csv_are_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "pic.csv", encode(Image.fromarray(GREY), "PNG"))
    with pytest.raises(
        InputError,
        match=r"^'.*pic\.csv' is not UTF-8 text: byte 0x89 at offset 0; "
        r"it looks like a PNG image, try --input-format image$",
    ):
        load_input(path)


def test_nul_characters_are_not_text(tmp_path: Path) -> None:
    path = write(tmp_path, "nul.txt", b"1 2\x00\n")
    with pytest.raises(InputError, match=r"^'.*nul\.txt' is not UTF-8 text: it contains NUL"):
        load_input(path)


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    table=st.integers(1, 4).flatmap(
        lambda columns: st.lists(
            st.lists(finite, min_size=columns, max_size=columns), min_size=2, max_size=5
        )
    ),
    delimiter=st.sampled_from([",", "\t", ";", " "]),
    quote=st.sampled_from(["", '"']),
    pad=st.sampled_from(["", " "]),
)
def test_text_round_trip_through_sniffed_stdin(
    table: list[list[float]], delimiter: str, quote: str, pad: str
) -> None:
    separator = delimiter + pad if delimiter != " " else " "
    text = "\n".join(separator.join(f"{quote}{v!r}{quote}" for v in row) for row in table)
    loaded = from_stdin(text.encode())
    expected = np.array(table)
    if expected.shape[1] == 1:
        expected = expected[:, 0]
    assert loaded.kind == "text"
    assert np.array_equal(loaded.array, expected)


# --------------------------------------------------------------------------------- npy


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1.5, -2.0], [0.25, 4.0]], dtype=np.float32),
        np.array([True, False, True]),
        np.arange(6, dtype=np.int64).reshape(2, 3),
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.ones((1, 2, 2, 3), dtype=np.float16),
    ],
)
def test_npy_loads_as_float64_unchanged(tmp_path: Path, array: np.ndarray) -> None:
    loaded = load_input(write(tmp_path, "a.npy", npy_bytes(array)))
    assert loaded.kind == "npy"
    assert loaded.bit_depth is None
    assert loaded.array.dtype == np.float64
    assert loaded.array.shape == array.shape
    assert loaded.array.tolist() == array.astype(np.float64).tolist()


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            np.zeros((1, 1, 1, 1, 2)),
            r"has 5 axes \(shape \(1, 1, 1, 1, 2\)\); an input needs 1 to 4 axes \(up to 3 "
            r"sliding axes plus channels\)$",
        ),
        (np.array(3.0), r"holds a single number \(shape \(\)\); an input needs 1 to 4 axes"),
        (np.zeros((0, 3)), r"is empty \(shape \(0, 3\)\); it needs at least one value"),
        (np.array([1 + 2j]), r"holds complex numbers \(dtype complex128\); .* save a\.real"),
        (np.array(["a"]), r"holds non-numeric values \(dtype <U1\); convcli reads bool, integer"),
        (np.array([1, None], dtype=object), r"holds Python objects \(dtype object\), which conv"),
        (
            np.array([np.nan, 1.0, np.inf]),
            r"has 2 non-finite values \(NaN or infinity\), the first at index \(0,\); "
            r"convolution needs finite numbers, replace them first \(e\.g\. numpy\.nan_to_num\)$",
        ),
    ],
)
def test_npy_arrays_convcli_cannot_use_are_refused(
    tmp_path: Path, array: np.ndarray, message: str
) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    path = write(tmp_path, "bad.npy", buffer.getvalue())
    with pytest.raises(InputError, match=rf"^'.*bad\.npy' {message}"):
        load_input(path)


def test_truncated_npy_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.npy", npy_bytes(np.arange(10.0))[:-20])
    with pytest.raises(InputError, match=r"^cannot read \.npy '.*cut\.npy': Failed to read all"):
        load_input(path)


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"1,2,3\n", "it looks like text, try --input-format csv"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "it looks like a PNG image, try --input-format image"),
        (b"PK\x03\x04\x14\x00", "it looks like a zip or .npz archive, save one array with"),
    ],
)
def test_npy_suffix_on_other_content_says_what_it_looks_like(
    tmp_path: Path, data: bytes, hint: str
) -> None:
    path = write(tmp_path, "wrong.npy", data)
    with pytest.raises(
        InputError,
        match=rf"^'.*wrong\.npy' is not a \.npy file: it does not start with the NPY magic "
        rf"bytes; {hint}",
    ):
        load_input(path)


# ------------------------------------------------------------------------------- stdin


def test_stdin_npy() -> None:
    loaded = from_stdin(npy_bytes(np.array([[1, 2], [3, 4]], dtype=np.int16)))
    fields = (loaded.source, loaded.kind, loaded.bit_depth, loaded.stem, loaded.suffix)
    assert fields == ("-", "npy", None, "stdin", ".npy")
    assert loaded.array.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    ("fmt", "options", "suffix"),
    [
        ("PNG", {}, ".png"),
        ("TIFF", {}, ".tif"),
        ("BMP", {}, ".bmp"),
        ("WEBP", {"lossless": True}, ".webp"),
    ],
)
def test_stdin_lossless_images_are_sniffed(
    fmt: str, options: dict[str, object], suffix: str
) -> None:
    loaded = from_stdin(encode(Image.fromarray(RGB), fmt, **options))
    assert (loaded.kind, loaded.bit_depth, loaded.suffix, loaded.stem) == (
        "image",
        8,
        suffix,
        "stdin",
    )
    assert np.array_equal(loaded.array, RGB)


def test_stdin_jpeg_and_gif_are_sniffed() -> None:
    jpeg = from_stdin(encode(Image.new("L", (8, 8), 100), "JPEG", quality=95))
    gif = from_stdin(encode(palette_image(False), "GIF"))
    assert (jpeg.kind, jpeg.suffix, gif.kind, gif.suffix) == ("image", ".jpg", "image", ".gif")
    assert np.abs(jpeg.array - 100).max() <= 2
    assert gif.array[0, 0].tolist() == [10.0, 20.0, 30.0]


@pytest.mark.parametrize(
    ("data", "suffix"),
    [
        (b"a,b\n1,2\n3,4\n", ".csv"),
        (b"a\tb\n1\t2\n3\t4\n", ".tsv"),
        (b"a;b\n1;2\n3;4\n", ".csv"),
        (b"a b\n1 2\n3   4\n", ".txt"),
    ],
)
def test_stdin_text_delimiter_is_sniffed(data: bytes, suffix: str) -> None:
    loaded = from_stdin(data)
    assert (loaded.kind, loaded.suffix) == ("text", suffix)
    assert loaded.array.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_stdin_text_starting_with_bm_is_not_a_bitmap() -> None:
    assert from_stdin(b"BMI,weight\n21.5,70\n").array.tolist() == [21.5, 70.0]


def test_stdin_defaults_to_sys_stdin_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"4,5,6\n")))
    assert load_input("-").array.tolist() == [4.0, 5.0, 6.0]


def test_empty_stdin_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^standard input is empty"):
        from_stdin(b"")


def test_stdin_that_is_no_known_format_is_an_error() -> None:
    with pytest.raises(
        InputError,
        match=r"^standard input is not a format convcli reads \(\.npy, an image, or UTF-8 "
        r"text\): byte 0xfa at offset 0$",
    ):
        from_stdin(b"\xfa\xfb\xfc")


def test_stdin_zip_gets_an_npz_hint() -> None:
    with pytest.raises(InputError, match=r"byte 0xff at offset 8; it looks like a zip or \.npz"):
        from_stdin(b"PK\x03\x04\x14\x00\x00\x00\xff\xff")


def test_corrupt_image_on_stdin_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^cannot read the image on standard input: "):
        from_stdin(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)


# ------------------------------------------------------------------------ input_format


def test_input_format_csv_overrides_sniffing_on_stdin() -> None:
    data = npy_bytes(np.arange(3.0))
    assert from_stdin(data).kind == "npy"
    with pytest.raises(InputError, match=r"^standard input is not UTF-8 text: byte 0x93 at"):
        from_stdin(data, input_format="csv")
    assert from_stdin(b"1;2;3", input_format="csv").array.tolist() == [1.0, 2.0, 3.0]


def test_input_format_npy_on_an_image_says_what_it_is() -> None:
    png = encode(Image.fromarray(GREY), "PNG")
    with pytest.raises(InputError, match=r"it looks like a PNG image, try --input-format image$"):
        from_stdin(png, input_format="npy")


def test_input_format_overrides_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "really-an-image.csv", encode(Image.fromarray(GREY), "PNG"))
    loaded = load_input(path, input_format="image")
    assert (loaded.kind, loaded.suffix) == ("image", ".csv")
    assert np.array_equal(loaded.array, GREY)


def test_input_format_csv_on_unknown_suffix_sniffs_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, "data.bin", "1\t2\n3\t4\n")
    loaded = load_input(path, input_format="csv")
    assert (loaded.kind, loaded.stem, loaded.suffix) == ("text", "data", ".bin")
    assert loaded.array.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (npy_bytes(np.arange(2.0)), "npy"),
        (encode(Image.fromarray(GREY), "PNG"), "image"),
        (b"1;2\n3;4\n", "text"),
    ],
)
def test_unknown_suffix_is_sniffed(tmp_path: Path, data: bytes, kind: str) -> None:
    loaded = load_input(write(tmp_path, "x.dat", data))
    assert (loaded.kind, loaded.suffix) == (kind, ".dat")


def test_unknown_input_format_is_a_parameter_error() -> None:
    with pytest.raises(
        ParameterError, match=r"^--input-format must be one of npy, image, csv; got 'xls'$"
    ):
        from_stdin(b"1", input_format="xls")


# -------------------------------------------------------------------------- file errors


def test_missing_file() -> None:
    with pytest.raises(InputError, match=r"^input file not found: 'nope/missing\.png'$"):
        load_input("nope/missing.png")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^input '.*' is a directory, not a file$"):
        load_input(str(tmp_path))


def test_path_through_a_file_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "1\n")
    with pytest.raises(InputError, match=r"^cannot read input '.*x\.csv/y\.csv': Not a directory"):
        load_input(path + "/y.csv")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
)
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.csv", "1,2\n")
    os.chmod(path, 0)
    with pytest.raises(InputError, match=r"^cannot read input '.*secret\.csv': permission denied$"):
        load_input(path)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_pipe_path_is_buffered_and_sniffed() -> None:
    # Like `convcli apply <(cat x.png)`: a path that cannot seek.
    read_end, write_end = os.pipe()
    data = encode(Image.fromarray(GREY), "PNG")

    def feed() -> None:
        os.write(write_end, data)
        os.close(write_end)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        loaded = load_input(f"/dev/fd/{read_end}")
    finally:
        writer.join()
        os.close(read_end)
    assert loaded.kind == "image"
    assert np.array_equal(loaded.array, GREY)


# ------------------------------------------------------------------ check_input, FIFOs


def test_check_input_refuses_what_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^input file not found: '.*nope\.csv'$"):
        check_input(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match=r"^input '.*' is a directory, not a file$"):
        check_input(str(tmp_path))
    path = write(tmp_path, "x.csv", "1\n")
    with pytest.raises(InputError, match=r"^cannot read input '.*x\.csv/y\.csv': Not a directory"):
        check_input(path + "/y.csv")
    check_input(path)  # a readable file passes


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
)
def test_check_input_refuses_an_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.csv", "1,2\n")
    os.chmod(path, 0)
    with pytest.raises(InputError, match=r"^cannot read input '.*secret\.csv': permission denied$"):
        check_input(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_checked_without_being_opened_then_read(tmp_path: Path) -> None:
    # `mkfifo p; producer > p & convcli apply p ...`: check_input must not open the
    # FIFO (that would end the writer with SIGPIPE and leave load_input waiting).
    fifo = str(tmp_path / "signal.csv")
    os.mkfifo(fifo)
    written: list[BaseException | None] = []

    def produce() -> None:
        try:
            with open(fifo, "wb") as pipe:  # blocks until a reader opens the FIFO
                pipe.write(b"1,2,3\n4,5,6\n")
            written.append(None)
        except BaseException as exc:  # BrokenPipeError when the reader left early
            written.append(exc)

    def unblock_reader() -> None:
        # A writer that opens and closes: a blocked open() for reading returns.
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    writer = threading.Thread(target=produce, daemon=True)
    writer.start()
    try:
        check_input(fifo)
        results: list[LoadedInput] = []
        reader = threading.Thread(target=lambda: results.append(load_input(fifo)), daemon=True)
        reader.start()
        reader.join(timeout=5)
        if reader.is_alive():
            unblock_reader()
            pytest.fail("load_input blocked on the FIFO after check_input")
        writer.join(timeout=5)
    finally:
        if writer.is_alive():  # a writer still waiting for a reader: let it finish
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert written == [None]
    (loaded,) = results
    assert (loaded.kind, loaded.stem, loaded.suffix) == ("text", "signal", ".csv")
    assert loaded.array.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_closed_standard_input_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # `convcli apply - -k 1 <&-` starts Python with sys.stdin set to None.
    monkeypatch.setattr(sys, "stdin", None)
    message = r"^standard input is closed; pipe a file in, e\.g\. 'convcli \.\.\. - < x\.csv'$"
    with pytest.raises(InputError, match=message):
        check_input("-")
    with pytest.raises(InputError, match=message):
        load_input("-")


def test_closed_standard_input_in_a_real_process() -> None:
    code = "from convcli.loaders import load_input; load_input('-')"
    result = subprocess.run(
        [sys.executable, "-c", code], stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    assert b"standard input is empty" in result.stderr  # /dev/null: open, but empty
    closed = subprocess.run(
        [sys.executable, "-c", code],
        stdin=None,
        capture_output=True,
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    assert b"InputError: standard input is closed;" in closed.stderr
    assert b"AttributeError" not in closed.stderr


# ---------------------------------------------------------------------- stem and suffix


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("-", ("stdin", "")),
        ("photo.PNG", ("photo", ".PNG")),
        ("dir/signal.data.csv", ("signal.data", ".csv")),
        ("/dev/fd/63", ("63", "")),
        ("notes", ("notes", "")),
        (".hidden", (".hidden", "")),
    ],
)
def test_stem_and_suffix(path: str, expected: tuple[str, str]) -> None:
    assert stem_and_suffix(path) == expected


@pytest.mark.parametrize("name", ["Grey.PNG", "signal.data.csv", "table", "x.npy"])
def test_stem_and_suffix_is_what_load_input_gives(tmp_path: Path, name: str) -> None:
    data = {
        "Grey.PNG": encode(Image.fromarray(GREY), "PNG"),
        "x.npy": npy_bytes(np.arange(3.0)),
    }.get(name, b"1,2\n")
    loaded = load_input(write(tmp_path, name, data))
    assert (loaded.stem, loaded.suffix) == stem_and_suffix(str(tmp_path / name))
    assert stem_and_suffix("-") == (from_stdin(b"1,2\n").stem, "")
