"""Tests for convcli.writers: formats, numbers, images, atomic writes, batches, stdout."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from convcli.errors import OutputError, ParameterError, WriteFailedError
from convcli.featuremaps import FeatureMaps
from convcli.numfmt import format_number
from convcli.pictures import apply_cmap, to_pixels
from convcli.writers import (
    OutputBatch,
    _os_error,
    encode_data,
    write_maps,
)

SIGNAL = np.array([321.0, 432.0, 543.0, 654.0], dtype=np.float32)


def one(data: np.ndarray, sliding: int = 2, channels: int = 1) -> FeatureMaps:
    """A single-filter result."""
    return FeatureMaps(data, sliding, channels, 1, ("k",))


def read_image(path: Path) -> tuple[str, np.ndarray]:
    with Image.open(path) as image:
        image.load()
        return image.mode, np.asarray(image)


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# ---------------------------------------------------------------------------
# format_number


@pytest.mark.parametrize(
    ("value", "dtype", "text"),
    [
        (321.0, np.float32, "321"),
        (0.1, np.float32, "0.1"),
        (0.1, np.float64, "0.1"),
        (-0.0, np.float32, "0"),
        (-2.5, np.float64, "-2.5"),
        (1e-5, np.float32, "1e-05"),
        (2.0**24, np.float32, "16777216"),
        (2.0**25, np.float32, "3.3554432e+07"),  # past 2**24 float32 integers are not exact
        (2.0**53, np.float64, "9007199254740992"),
        (1e300, np.float64, "1e+300"),
        (float("nan"), np.float32, "nan"),
        (float("-inf"), np.float64, "-inf"),
        (7, "int16", "7"),
        (1 / 3, np.float32, "0.33333334"),
        (1 / 3, np.float64, "0.3333333333333333"),
    ],
)
def test_format_number(value: float, dtype: object, text: str) -> None:
    assert format_number(value, dtype) == text  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_float32_numbers_round_trip(value: float) -> None:
    text = format_number(value, np.float32)
    assert np.float32(float(text)) == np.float32(value)
    if value == int(value) and abs(value) <= 2**24:
        assert text == str(int(value))


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float64_numbers_round_trip(value: float) -> None:
    text = format_number(value, np.float64)
    assert float(text) == value
    assert not text.endswith(".0")
    assert text != "-0"


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float32, st.integers(1, 30), elements=st.floats(width=32)))
def test_csv_row_matches_format_number(values: np.ndarray) -> None:
    row = encode_data(values, "csv").decode().rstrip("\n").split(",")
    assert row == [format_number(v, np.float32) for v in values.tolist()]


# ---------------------------------------------------------------------------
# encode_data


def test_text_formats() -> None:
    assert encode_data(SIGNAL, "csv") == b"321,432,543,654\n"
    grid = np.array([[1.0, 0.5], [-3.0, 0.1]], dtype=np.float32)
    assert encode_data(grid, "csv") == b"1,0.5\n-3,0.1\n"
    assert encode_data(grid, "tsv") == b"1\t0.5\n-3\t0.1\n"
    assert encode_data(grid, "txt") == b"1 0.5\n-3 0.1\n"
    assert encode_data(np.array(2.5), "csv") == b"2.5\n"
    assert encode_data(np.array([[np.nan, np.inf]]), "csv") == b"nan,inf\n"
    assert encode_data(np.array([3, -4], dtype=np.int32), "csv") == b"3,-4\n"


def test_csv_reads_back() -> None:
    data = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    rows = list(csv.reader(io.StringIO(encode_data(data, "csv").decode())))
    np.testing.assert_array_equal(np.array(rows, dtype=np.float64).astype(np.float32), data)


def test_json() -> None:
    data = np.array([[1.0, np.nan], [np.inf, 0.1]], dtype=np.float32)
    text = encode_data(data, "json")
    assert text == (b'{"shape": [2, 2], "dtype": "float32", "data": [[1, null], [null, 0.1]]}\n')
    cube = np.arange(12, dtype=np.float64).reshape(2, 3, 2) / 2
    parsed = json.loads(encode_data(cube, "json"))
    assert parsed["shape"] == [2, 3, 2]
    assert parsed["dtype"] == "float64"
    assert parsed["data"] == cube.tolist()
    assert json.loads(encode_data(np.array(4.0), "json"))["data"] == 4


def test_npy_is_exact() -> None:
    data = np.array([[0.1, 1 / 3]], dtype=np.float32)
    back = np.load(io.BytesIO(encode_data(data, "npy")))
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, data)


def test_encode_data_errors() -> None:
    with pytest.raises(
        OutputError,
        match=r"^a 3-D result \(3x3x6\) cannot be written as CSV, which holds rows x columns "
        r"only; use \.npy or \.json$",
    ):
        encode_data(np.zeros((3, 3, 6)), "csv")
    with pytest.raises(
        OutputError, match=r"^cannot write values of type complex128 as text; use \.npy$"
    ):
        encode_data(np.zeros(2, dtype=complex), "json")
    with pytest.raises(
        OutputError, match=r"^png is not a data format; use one of csv, tsv, txt, json, npy$"
    ):
        encode_data(np.zeros(2), "png")
    with pytest.raises(ParameterError, match=r"^format must be one of table, csv, .*; got 'xls'$"):
        encode_data(np.zeros(2), "xls")
    assert encode_data(np.array([1.0]), "CSV") == b"1\n"  # names are case-insensitive


# ---------------------------------------------------------------------------
# write_maps: data files


def test_write_npy_csv_json_files(tmp_path: Path) -> None:
    maps = one(SIGNAL, sliding=1)
    assert write_maps(maps, str(tmp_path / "r.npy")) == [str(tmp_path / "r.npy")]
    np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), SIGNAL)
    write_maps(maps, str(tmp_path / "r.csv"))
    assert (tmp_path / "r.csv").read_text() == "321,432,543,654\n"
    write_maps(maps, str(tmp_path / "r.JSON"))  # suffixes match case-insensitively
    assert json.loads((tmp_path / "r.JSON").read_text())["data"] == [321, 432, 543, 654]
    # an unknown suffix is fine when --format says what to write
    write_maps(maps, str(tmp_path / "r.dat"), fmt="tsv")
    assert (tmp_path / "r.dat").read_text() == "321\t432\t543\t654\n"
    assert listing(tmp_path) == ["r.JSON", "r.csv", "r.dat", "r.npy"]


def test_split_data_files(tmp_path: Path) -> None:
    data = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])  # (steps, filters)
    maps = FeatureMaps(data, 1, 1, 2, ("a", "b"))
    paths = write_maps(maps, str(tmp_path / "sig.csv"), split=True)
    assert paths == [str(tmp_path / "sig-0.csv"), str(tmp_path / "sig-1.csv")]
    assert (tmp_path / "sig-0.csv").read_text() == "1,2,3\n"
    assert (tmp_path / "sig-1.csv").read_text() == "10,20,30\n"


def test_stdout(tmp_path: Path) -> None:
    out = io.BytesIO()
    assert write_maps(one(SIGNAL, sliding=1), "-", fmt="npy", stdout=out) == ["-"]
    np.testing.assert_array_equal(np.load(io.BytesIO(out.getvalue())), SIGNAL)
    out = io.BytesIO()
    write_maps(one(np.array([[0.0, 255.0]])), "-", fmt="png", stdout=out)
    assert np.asarray(Image.open(io.BytesIO(out.getvalue()))).tolist() == [[0, 255]]
    assert listing(tmp_path) == []


def test_stdout_broken_pipe_propagates() -> None:
    class Closed(io.BytesIO):
        def write(self, _: object) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        write_maps(one(SIGNAL, sliding=1), "-", fmt="csv", stdout=Closed())


# ---------------------------------------------------------------------------
# write_maps: images


def test_grey_png_in_range_is_written_as_is(tmp_path: Path) -> None:
    data = np.array([[0.0, 1.0, 2.0], [100.0, 200.0, 255.0]], dtype=np.float32)
    notes: list[str] = []
    write_maps(one(data), str(tmp_path / "g.png"), note=notes.append)
    mode, pixels = read_image(tmp_path / "g.png")
    assert mode == "L"
    assert pixels.tolist() == [[0, 1, 2], [100, 200, 255]]
    assert notes == []


def test_rescale_note_reaches_the_callback(tmp_path: Path) -> None:
    notes: list[str] = []
    write_maps(one(np.array([[-765.0, 765.0]])), str(tmp_path / "s.png"), note=notes.append)
    assert notes == ["note: rescaled -765..765 to 0..255 (minmax)"]
    assert read_image(tmp_path / "s.png")[1].tolist() == [[0, 255]]


@pytest.mark.parametrize(("channels", "mode"), [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")])
@pytest.mark.parametrize("suffix", [".png", ".tif", ".tiff"])
def test_lossless_channel_layouts(tmp_path: Path, channels: int, mode: str, suffix: str) -> None:
    data = (np.arange(4 * 5 * channels) * 3 % 256).astype(np.float64).reshape(4, 5, channels)
    write_maps(one(data, channels=channels), str(tmp_path / f"c{suffix}"))
    got_mode, pixels = read_image(tmp_path / f"c{suffix}")
    assert got_mode == mode
    assert pixels.reshape(4, 5, channels).tolist() == data.astype(np.uint8).tolist()


def test_webp_and_bmp_are_exact(tmp_path: Path) -> None:
    data = (np.arange(4 * 5 * 3) * 5 % 256).astype(np.float64).reshape(4, 5, 3)
    for name in ("w.webp", "b.bmp"):
        write_maps(one(data, channels=3), str(tmp_path / name))
        mode, pixels = read_image(tmp_path / name)
        assert mode == "RGB"
        assert pixels.tolist() == data.astype(np.uint8).tolist()


@pytest.mark.parametrize(
    ("name", "codec"), [("a.jpg", "JPEG"), ("a.jpeg", "JPEG"), ("a.bmp", "BMP")]
)
def test_alpha_is_dropped_where_the_format_has_none(tmp_path: Path, name: str, codec: str) -> None:
    data = np.zeros((16, 16, 4))
    data[..., 0] = 200.0
    data[..., 3] = 255.0
    notes: list[str] = []
    write_maps(one(data, channels=4), str(tmp_path / name), note=notes.append)
    assert notes == [f"note: {codec} has no alpha channel; dropped it (use .png to keep it)"]
    mode, pixels = read_image(tmp_path / name)
    assert mode == "RGB"
    assert np.abs(pixels.astype(int) - [200, 0, 0]).max() <= 2  # JPEG q95 on a flat colour


def test_cmap_png(tmp_path: Path) -> None:
    write_maps(one(np.array([[0.0, 255.0]])), str(tmp_path / "h.png"), cmap="viridis")
    mode, pixels = read_image(tmp_path / "h.png")
    assert mode == "RGB"
    assert pixels.tolist() == [[[68, 1, 84], [253, 231, 37]]]


def test_sixteen_bit_png_and_tiff_round_trip(tmp_path: Path) -> None:
    data = np.array([[0.0, 0.25], [0.5, 1.0]], dtype=np.float32)
    expected, _ = to_pixels(data, normalize="minmax", pixel_max=65535)
    assert expected.tolist() == [[0, 16384], [32768, 65535]]
    for name in ("d.png", "d.tif"):
        notes: list[str] = []
        write_maps(
            one(data), str(tmp_path / name), normalize="minmax", bit_depth=16, note=notes.append
        )
        mode, pixels = read_image(tmp_path / name)
        assert mode == "I;16"
        assert pixels.dtype == np.uint16
        assert pixels.tolist() == expected.tolist()
        assert notes == ["note: rescaled 0..1 to 0..65535 (minmax)"]
    # values already inside 0..65535 are kept, not stretched
    write_maps(one(np.array([[1000.0, 40000.0]])), str(tmp_path / "k.png"), bit_depth=16)
    assert read_image(tmp_path / "k.png")[1].tolist() == [[1000, 40000]]


def test_sixteen_bit_falls_back_to_eight_silently(tmp_path: Path) -> None:
    data = np.array([[0.0, 100.0]])
    cases = [
        ("j.jpg", one(data), None),  # format holds 8 bits
        ("c.png", one(data), "viridis"),  # colour map
        ("r.png", one(np.zeros((2, 2, 3)), channels=3), None),  # colour channels
        ("m.png", FeatureMaps(np.zeros((2, 2, 2)), 2, 1, 2, ("a", "b")), None),  # montage
    ]
    for name, maps, cmap in cases:
        notes: list[str] = []
        write_maps(maps, str(tmp_path / name), bit_depth=16, cmap=cmap, note=notes.append)
        assert read_image(tmp_path / name)[1].dtype == np.uint8, name
        assert notes == [], name


def test_montage_of_several_filters(tmp_path: Path) -> None:
    # two 2x2 filters (channel-major last axis, one channel): shared range -10..10
    data = np.zeros((2, 2, 2))
    data[..., 0] = [[-10.0, 0.0], [0.0, 10.0]]
    data[..., 1] = 10.0
    maps = FeatureMaps(data, 2, 1, 2, ("edge", "flat"))
    notes: list[str] = []
    write_maps(maps, str(tmp_path / "m.png"), note=notes.append)
    assert notes == ["note: rescaled -10..10 to 0..255 (minmax), shared by the 2 tiles"]
    mode, sheet = read_image(tmp_path / "m.png")
    assert mode == "L"
    # two 96x96 tiles (2 px x48) side by side with their labels (122 rows), then the
    # legend of the shared scale (40 rows) and the border (4)
    assert sheet.shape == (122 + 40 + 4, 204)
    first = sheet[4:100, 4:100]
    assert first[0, 0] == 0  # -10
    assert first[0, 95] == 128  # 0
    assert first[95, 95] == 255  # 10
    assert np.all(sheet[4:100, 104:200] == 255)  # the flat 10 shares the range: white
    # the legend's bar runs from the darkest pixel (-10) to the brightest (10) in grey
    bar = sheet[122 + 16 : 122 + 24, 6:198]
    assert np.all(bar == bar[0])  # 8 identical rows
    assert bar[0, 0] == 0
    assert bar[0, -1] == 255
    assert np.all(np.diff(bar[0].astype(int)) >= 0)
    # its title states the shared scale: white text drawn in the title line
    assert sheet[122 + 2 : 122 + 14, 6:198].max() > 200


def test_montage_labels_name_index_and_filter(tmp_path: Path) -> None:
    from convcli.writers import tile_label

    assert tile_label(0, "sobel-x") == "0: sobel-x"
    assert tile_label(1, "1") == "filter 1"  # the API's default labels are the indices
    # the same labels in the picture: "0: a" is wider than "a" (more ink in its strip)
    data = np.zeros((2, 2, 2))
    wide = FeatureMaps(data, 2, 1, 2, ("a", "a"))
    write_maps(wide, str(tmp_path / "w.png"))
    strip = read_image(tmp_path / "w.png")[1][100:118, 4:100]
    columns_inked = np.nonzero(strip.max(axis=0) > 128)[0]
    # "0: a" spans more than the ~6 px of a lone "a"
    assert columns_inked[-1] - columns_inked[0] > 12


def test_coolwarm_montage_is_centred_on_zero(tmp_path: Path) -> None:
    # -10..40: a plain minmax would put 0 at 51 (blue); centred, 0 is the neutral middle
    data = np.zeros((2, 2, 2))
    data[..., 0] = [[-10.0, 0.0], [0.0, 40.0]]
    data[..., 1] = [[0.0, 0.0], [0.0, -20.0]]
    maps = FeatureMaps(data, 2, 1, 2, ("a", "b"))
    notes: list[str] = []
    write_maps(maps, str(tmp_path / "c.png"), cmap="coolwarm", note=notes.append)
    assert notes == [
        "note: rescaled -40..40 to 0..255, 0 in the middle (minmax centred on 0; values "
        "-20..40), shared by the 2 tiles"
    ]
    sheet = read_image(tmp_path / "c.png")[1]
    first, second = sheet[4:100, 4:100], sheet[4:100, 104:200]
    assert first[0, 95].tolist() == [221, 221, 221]  # 0: coolwarm's neutral grey
    assert first[95, 95].tolist() == [180, 4, 38]  # 40: the red end
    # -10 and -20 are a quarter and half of the way to the blue end: entries 96 and 64
    # (127.5 - 31.875 = 95.625, 127.5 - 63.75 = 63.75)
    expected = apply_cmap(np.array([[96, 64]], np.uint8), "coolwarm")[0].tolist()
    assert [first[0, 0].tolist(), second[95, 95].tolist()] == expected
    # the legend's bar is the coolwarm table, neutral in its middle
    bar = sheet[122 + 16, 6:198]
    assert bar[0].tolist() == [59, 76, 192]
    assert bar[-1].tolist() == [180, 4, 38]
    assert bar[len(bar) // 2].tolist() in ([221, 221, 221], [222, 220, 219])


def test_coolwarm_single_and_split_files_are_centred(tmp_path: Path) -> None:
    one_map = one(np.array([[-10.0, 0.0, 40.0]]))
    write_maps(one_map, str(tmp_path / "s.png"), cmap="coolwarm")
    assert read_image(tmp_path / "s.png")[1][0, 1].tolist() == [221, 221, 221]
    # clip is the user's explicit choice: 0 stays the blue end
    write_maps(one_map, str(tmp_path / "k.png"), cmap="coolwarm", normalize="clip")
    assert read_image(tmp_path / "k.png")[1][0, 1].tolist() == [59, 76, 192]
    # offset already centres 0 on entry 128
    write_maps(one_map, str(tmp_path / "o.png"), cmap="coolwarm", normalize="offset")
    assert read_image(tmp_path / "o.png")[1][0, 1].tolist() == [221, 221, 221]
    data = np.zeros((1, 2, 2))
    data[0, :, 0] = [0.0, 5.0]
    data[0, :, 1] = [0.0, -5.0]
    write_maps(
        FeatureMaps(data, 2, 1, 2, ("a", "b")), str(tmp_path / "p.png"), cmap="coolwarm", split=True
    )
    assert read_image(tmp_path / "p-0.png")[1].tolist() == [[[221, 221, 221], [180, 4, 38]]]
    assert read_image(tmp_path / "p-1.png")[1].tolist() == [[[221, 221, 221], [59, 76, 192]]]


def test_split_images(tmp_path: Path) -> None:
    data = np.zeros((2, 2, 2))
    data[..., 0] = [[0.0, 100.0], [200.0, 250.0]]
    data[..., 1] = [[-1.0, 0.0], [0.0, 1.0]]
    maps = FeatureMaps(data, 2, 1, 2, ("a", "b"))
    notes: list[str] = []
    paths = write_maps(maps, str(tmp_path / "f.png"), split=True, note=notes.append)
    assert paths == [str(tmp_path / "f-0.png"), str(tmp_path / "f-1.png")]
    # each file normalised on its own: exactly what that filter alone would give
    assert read_image(tmp_path / "f-0.png")[1].tolist() == [[0, 100], [200, 250]]
    assert read_image(tmp_path / "f-1.png")[1].tolist() == [[0, 128], [128, 255]]
    assert notes == ["note: f-1.png: rescaled -1..1 to 0..255 (minmax)"]
    assert listing(tmp_path) == ["f-0.png", "f-1.png"]


def test_split_each_channels_keeps_rgb(tmp_path: Path) -> None:
    # --channels each on RGB with 2 filters: last axis c*2+f
    data = np.zeros((1, 1, 6))
    data[0, 0] = [10, 20, 30, 40, 50, 60]
    maps = FeatureMaps(data, 2, 3, 2, ("a", "b"))
    write_maps(maps, str(tmp_path / "e.png"), split=True)
    assert read_image(tmp_path / "e-0.png")[1].tolist() == [[[10, 30, 50]]]
    assert read_image(tmp_path / "e-1.png")[1].tolist() == [[[20, 40, 60]]]


def test_image_errors(tmp_path: Path) -> None:
    with pytest.raises(
        OutputError,
        match=r"^a 1-D result cannot be written as an image; use \.csv, \.npy or \.json$",
    ):
        write_maps(one(SIGNAL, sliding=1), str(tmp_path / "x.png"))
    with pytest.raises(
        OutputError, match=r"^a 3-D result cannot be written as an image; use \.npy or \.json$"
    ):
        write_maps(one(np.zeros((2, 2, 2)), sliding=3), str(tmp_path / "x.png"))
    with pytest.raises(
        OutputError,
        match=r"^an image holds 1 \(grey\), 2, 3 \(RGB\) or 4 \(RGBA\) channels; this result "
        r"has 5 per filter; use \.npy$",
    ):
        write_maps(one(np.zeros((2, 2, 5)), channels=5), str(tmp_path / "x.png"))
    with pytest.raises(
        OutputError, match=r"^--cmap needs one-channel maps; got 3 channels \(use --channels sum"
    ):
        write_maps(one(np.zeros((2, 2, 3)), channels=3), str(tmp_path / "x.png"), cmap="magma")
    with pytest.raises(
        OutputError, match=r"^--cmap colours image outputs; '.*x\.npy' is NPY data$"
    ):
        write_maps(one(np.zeros((2, 2))), str(tmp_path / "x.npy"), cmap="magma")
    with pytest.raises(ParameterError, match=r"^bit depth must be 8 or 16; got 12$"):
        write_maps(one(np.zeros((2, 2))), str(tmp_path / "x.png"), bit_depth=12)
    assert listing(tmp_path) == []


# ---------------------------------------------------------------------------
# destinations and formats


def test_format_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    maps = one(np.zeros((2, 2)))
    with pytest.raises(
        OutputError,
        match=r"^writing to standard output \('-'\) needs --format: one of csv, tsv, txt, json, "
        r"npy, png, jpg, tif, bmp, webp$",
    ):
        write_maps(maps, "-")
    with pytest.raises(
        OutputError,
        match=r"^cannot tell the format of 'x\.dat' \(suffix '\.dat'\); end it with one of "
        r"\.npy \.csv \.tsv \.txt \.json \.png \.jpg \.jpeg \.tif \.tiff \.bmp \.webp "
        r"or give --format$",
    ):
        write_maps(maps, "x.dat")
    with pytest.raises(OutputError, match=r"^cannot tell the format of 'result' \(no suffix\)"):
        write_maps(maps, "result")
    with pytest.raises(
        OutputError,
        match=r"^--format npy contradicts the suffix of 'x\.png' \(\.png is png\); "
        r"drop --format or change the suffix$",
    ):
        write_maps(maps, "x.png", fmt="npy")
    with pytest.raises(
        ParameterError,
        match=r"^format must be one of table, csv, tsv, txt, json, npy, png, jpg, tif, bmp, "
        r"webp; got 'gif'$",
    ):
        write_maps(maps, "x.gif", fmt="gif")
    with pytest.raises(
        ParameterError,
        match=r"^--format table prints to the terminal; it cannot be written to 'x\.csv': ",
    ):
        write_maps(maps, "x.csv", fmt="table")
    with pytest.raises(
        OutputError, match=r"^--split writes one file per filter; give a file path, not '-'$"
    ):
        write_maps(maps, "-", fmt="png", split=True)
    # aliases: --format jpeg / tiff agree with .jpg / .tif
    write_maps(one(np.zeros((2, 2))), "ok.jpg", fmt="jpeg")
    write_maps(one(np.zeros((2, 2))), "ok.tif", fmt="TIFF")
    assert listing(tmp_path) == ["ok.jpg", "ok.tif"]


def test_missing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        OutputError,
        match=r"^cannot write 'out/x\.png': folder 'out' does not exist "
        r"\(convcli creates no folders\)$",
    ):
        write_maps(one(np.zeros((2, 2))), "out/x.png")
    assert listing(tmp_path) == []


def test_destination_is_a_folder_or_under_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pics.png").mkdir()
    with pytest.raises(
        OutputError,
        match=r"^cannot write 'pics\.png': it is a folder; give a file name such as "
        r"'pics\.png/result\.png'$",
    ):
        write_maps(one(np.zeros((2, 2))), "pics.png")
    (tmp_path / "notes").write_text("x")
    with pytest.raises(
        OutputError, match=r"^cannot write 'notes/x\.csv': 'notes' is not a folder$"
    ):
        write_maps(one(np.zeros((2, 2))), "notes/x.csv")


def test_os_errors_become_user_errors() -> None:
    denied = _os_error(PermissionError(errno.EACCES, "Permission denied"), "x.png")
    assert isinstance(denied, OutputError)
    assert denied.exit_code == 2
    assert (
        str(denied) == "cannot write 'x.png': permission denied; choose a folder you can write to"
    )
    full = _os_error(OSError(errno.ENOSPC, "No space left on device"), "x.png")
    assert isinstance(full, WriteFailedError)
    assert full.exit_code == 1
    assert str(full) == "could not write 'x.png': no space left on device"
    broken = _os_error(OSError(errno.EIO, "Input/output error"), "x.png")
    assert isinstance(broken, WriteFailedError)
    assert str(broken) == "could not write 'x.png': input/output error"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOENT, "No such file or directory"),
        (errno.ENOTDIR, "Not a directory"),
        (errno.EISDIR, "Is a directory"),
        (errno.EINVAL, "Invalid argument"),
    ],
)
def test_unwritable_paths_are_bad_usage(code: int, reason: str) -> None:
    error = _os_error(OSError(code, reason), "/proc/x.csv")
    assert type(error) is OutputError
    assert error.exit_code == 2
    assert str(error) == (
        f"cannot write '/proc/x.csv': {reason.lower()}; "
        "choose a file path in a folder you can write to"
    )


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_writing_into_proc_is_an_output_error() -> None:
    # root passes the early access check and fails in mkstemp (ENOENT); others fail early
    with pytest.raises(OutputError, match=r"^cannot write '/proc/x\.csv': ") as caught:
        write_maps(one(SIGNAL, sliding=1), "/proc/x.csv")
    assert caught.value.exit_code == 2
    assert not os.path.exists("/proc/x.csv")


def test_symlink_into_a_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "link.csv").symlink_to(tmp_path / "gone" / "real.csv")
    with pytest.raises(
        OutputError,
        match=r"^cannot write '.*link\.csv': no such file or directory; choose a file path",
    ):
        write_maps(one(SIGNAL, sliding=1), str(tmp_path / "link.csv"))
    assert listing(tmp_path) == ["link.csv"]


@pytest.mark.usefixtures("owner_access")
def test_read_only_file(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old\n")
    target.chmod(0o444)
    with pytest.raises(
        OutputError,
        match=r"^cannot write '.*r\.csv': permission denied \(the file is read-only\); "
        r"choose another file name$",
    ):
        write_maps(one(SIGNAL, sliding=1), str(target))
    assert target.read_text() == "old\n"


@pytest.mark.usefixtures("owner_access")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match=r"permission denied; choose a folder you can"):
            write_maps(one(np.zeros((2, 2))), str(folder / "x.png"))
    finally:
        folder.chmod(0o700)


def test_final_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_maps(one(np.zeros((2, 2))), str(tmp_path / "p.png"))
    finally:
        os.umask(old)
    assert (tmp_path / "p.png").stat().st_mode & 0o777 == 0o640
    assert os.umask(old) == old  # restored by the writer too


def test_symlinked_destination_updates_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    (tmp_path / "link.csv").symlink_to(target)
    write_maps(one(SIGNAL, sliding=1), str(tmp_path / "link.csv"))
    assert (tmp_path / "link.csv").is_symlink()
    assert target.read_text() == "321,432,543,654\n"
    assert listing(tmp_path) == ["link.csv", "real.csv"]


# ---------------------------------------------------------------------------
# atomicity


def test_unwritable_result_leaves_the_old_file(tmp_path: Path) -> None:
    old = tmp_path / "r.csv"
    old.write_text("old\n")
    with pytest.raises(OutputError, match=r"cannot be written as CSV"):
        write_maps(one(np.zeros((2, 2, 2)), sliding=3), str(old))
    assert old.read_text() == "old\n"
    assert listing(tmp_path) == ["r.csv"]


def test_failing_encoder_leaves_the_old_file(tmp_path: Path) -> None:
    old = tmp_path / "wide.webp"
    old.write_bytes(b"old")
    with pytest.raises(
        OutputError,
        match=r"^cannot write '.*wide\.webp': the WEBP encoder refused a 1x20000 image "
        r"\(.*\); try \.png or \.npy$",
    ):
        write_maps(one(np.zeros((1, 20000))), str(old))  # WebP stops at 16383 px
    assert old.read_bytes() == b"old"
    assert listing(tmp_path) == ["wide.webp"]


def test_failing_disk_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "r.npy"
    old.write_bytes(b"old")

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(
        WriteFailedError, match=r"^could not write '.*r\.npy': no space left on device$"
    ):
        write_maps(one(SIGNAL, sliding=1), str(old))
    assert old.read_bytes() == b"old"
    assert listing(tmp_path) == ["r.npy"]


def test_split_renames_nothing_until_every_file_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f-0.png").write_bytes(b"old0")
    calls: list[int] = []
    real_fsync = os.fsync

    def fail_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fail_second)
    maps = FeatureMaps(np.zeros((2, 2, 2)), 2, 1, 2, ("a", "b"))
    with pytest.raises(
        WriteFailedError, match=r"^could not write '.*f-1\.png': input/output error$"
    ):
        write_maps(maps, str(tmp_path / "f.png"), split=True)
    assert (tmp_path / "f-0.png").read_bytes() == b"old0"
    assert listing(tmp_path) == ["f-0.png"]


def test_successful_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    old = tmp_path / "r.csv"
    old.write_text("old\n")
    write_maps(one(SIGNAL, sliding=1), str(old))
    assert old.read_text() == "321,432,543,654\n"
    assert listing(tmp_path) == ["r.csv"]


# ---------------------------------------------------------------------------
# OutputBatch: several results, all or nothing


def temp_files(folder: Path) -> list[str]:
    return [name for name in listing(folder) if name.endswith(".tmp")]


def test_batch_renames_only_when_it_ends(tmp_path: Path) -> None:
    old = tmp_path / "b.csv"
    old.write_text("old\n")
    with OutputBatch() as batch:
        first = write_maps(one(SIGNAL, sliding=1), str(tmp_path / "a.npy"), batch=batch)
        second = write_maps(one(SIGNAL[:2], sliding=1), str(old), batch=batch)
        assert first == [str(tmp_path / "a.npy")]
        assert second == [str(old)]
        assert batch.paths == [str(tmp_path / "a.npy"), str(old)]
        # each result is on disk already, but only as a complete temporary file
        assert not (tmp_path / "a.npy").exists()
        assert old.read_text() == "old\n"
        assert len(temp_files(tmp_path)) == 2
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), SIGNAL)
    assert old.read_text() == "321,432\n"
    assert listing(tmp_path) == ["a.npy", "b.csv"]


def test_batch_error_leaves_every_destination_as_it_was(tmp_path: Path) -> None:
    old = tmp_path / "r1.csv"
    old.write_text("old\n")

    def run() -> None:
        with OutputBatch() as batch:
            write_maps(one(np.array([[0.0, 255.0]])), str(tmp_path / "r0.png"), batch=batch)
            write_maps(one(SIGNAL, sliding=1), str(old), batch=batch)
            write_maps(one(np.zeros((2, 2, 2)), sliding=3), str(tmp_path / "r2.csv"), batch=batch)

    with pytest.raises(OutputError, match=r"cannot be written as CSV"):
        run()
    assert old.read_text() == "old\n"
    assert listing(tmp_path) == ["r1.csv"]


def test_batch_error_outside_writing_discards_too(tmp_path: Path) -> None:
    # what the CLI does: input 3 is a corrupt image, inputs 1-2 are already written
    def run() -> None:
        with OutputBatch() as batch:
            write_maps(one(SIGNAL, sliding=1), str(tmp_path / "1.csv"), batch=batch)
            write_maps(one(np.array([[0.0, 255.0]])), str(tmp_path / "2.png"), batch=batch)
            raise ValueError("corrupt input")

    with pytest.raises(ValueError, match=r"^corrupt input$"):
        run()
    assert listing(tmp_path) == []


def test_batch_failing_disk_midway_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_fsync = os.fsync

    def fail_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fail_second)

    def run() -> None:
        with OutputBatch() as batch:
            write_maps(one(SIGNAL, sliding=1), str(tmp_path / "a.csv"), batch=batch)
            write_maps(one(SIGNAL, sliding=1), str(tmp_path / "b.csv"), batch=batch)

    with pytest.raises(WriteFailedError, match=r"^could not write '.*b\.csv': no space left"):
        run()
    assert listing(tmp_path) == []


def test_batch_interrupted_while_staging_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(_: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt), OutputBatch() as batch:
        batch.stage(str(tmp_path / "a.csv"), b"1\n")
    assert listing(tmp_path) == []


def test_batch_failing_rename_removes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def fail_second(source: str, target: str) -> None:
        if target.endswith("b.csv"):
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", fail_second)
    batch = OutputBatch()
    for name in ("a.csv", "b.csv", "c.csv"):
        batch.stage(str(tmp_path / name), name.encode())
    with pytest.raises(WriteFailedError, match=r"^could not write '.*b\.csv': input/output"):
        batch.commit()
    # POSIX has no multi-file rename: a.csv is in place, b and c are not, no temp is left
    assert listing(tmp_path) == ["a.csv"]
    assert (tmp_path / "a.csv").read_bytes() == b"a.csv"


def test_batch_cannot_be_reused(tmp_path: Path) -> None:
    with OutputBatch() as batch:
        batch.stage(str(tmp_path / "a.csv"), b"1\n")
    with pytest.raises(RuntimeError, match=r"already been committed or discarded"):
        batch.stage(str(tmp_path / "b.csv"), b"2\n")
    assert listing(tmp_path) == ["a.csv"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_batch_writes_a_named_pipe_only_at_commit(tmp_path: Path) -> None:
    fifo = tmp_path / "maps.csv"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with OutputBatch() as batch:
            write_maps(one(SIGNAL, sliding=1), str(fifo), batch=batch)
            # nothing yet (no writer has opened it): a pipe cannot take bytes back
            assert os.read(reader, 100) == b""
        assert os.read(reader, 100) == b"321,432,543,654\n"
    finally:
        os.close(reader)
    assert listing(tmp_path) == ["maps.csv"]


def test_batch_does_not_hold_standard_output(tmp_path: Path) -> None:
    out = io.BytesIO()
    with OutputBatch() as batch:
        write_maps(one(SIGNAL, sliding=1), "-", fmt="csv", stdout=out, batch=batch)
        assert out.getvalue() == b"321,432,543,654\n"  # a stream has nothing to rename
        assert batch.paths == []


# ---------------------------------------------------------------------------
# imports


def test_writers_import_pillow_only_for_images(tmp_path: Path) -> None:
    script = f"""
import sys
import numpy as np
from convcli.featuremaps import FeatureMaps
from convcli.writers import write_maps
maps = FeatureMaps(np.zeros((2, 2)), 2, 1, 1, ("k",))
write_maps(maps, {str(tmp_path / "a.csv")!r})
print("PIL" in sys.modules, end=" ")
write_maps(maps, {str(tmp_path / "a.png")!r})
print("PIL" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stderr == ""
    assert done.stdout == "False True\n"
