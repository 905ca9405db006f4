"""Tests for convcli.pictures: normalisation, colour maps, montage."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import ImageFont

from convcli.errors import OutputError, ParameterError
from convcli.pictures import (
    CMAPS,
    MIN_TILE_WIDTH,
    NORMALIZE_MODES,
    _fit_label,
    apply_cmap,
    montage,
    to_pixels,
)

# ---------------------------------------------------------------------------
# to_pixels


def px(values: list[float], **kwargs: object) -> tuple[list[int], str | None]:
    pixels, note = to_pixels(np.array(values, dtype=np.float64), **kwargs)  # type: ignore[arg-type]
    return pixels.tolist(), note


def test_modes_are_the_contracts() -> None:
    assert NORMALIZE_MODES == ("auto", "clip", "abs", "minmax", "offset")


def test_auto_in_range_only_rounds_half_to_even() -> None:
    assert px([0.4, 1.5, 2.5, 254.6]) == ([0, 2, 2, 255], None)


def test_auto_out_of_range_rescales_like_minmax() -> None:
    # -765..765 is a Sobel's range on an 8-bit image; 0 lands on 127.5 -> 128 (even)
    assert px([-765.0, 0.0, 765.0]) == (
        [0, 128, 255],
        "note: rescaled -765..765 to 0..255 (minmax)",
    )


def test_clip() -> None:
    assert px([-3.0, 7.0, 300.0], normalize="clip") == (
        [0, 7, 255],
        "note: clipped -3..300 to 0..255 (clip)",
    )
    assert px([0.0, 7.2, 255.0], normalize="clip") == ([0, 7, 255], None)


def test_abs_notes() -> None:
    assert px([-3.0, 2.0, 200.0], normalize="abs") == (
        [3, 2, 200],
        "note: took absolute values of -3..200 (abs)",
    )
    assert px([-300.0, 5.0], normalize="abs") == (
        [255, 5],
        "note: took absolute values of -300..5, then clipped to 0..255 (abs)",
    )
    assert px([0.0, 300.0], normalize="abs") == ([0, 255], "note: clipped 0..300 to 0..255 (abs)")
    assert px([1.0, 2.0], normalize="abs") == ([1, 2], None)


def test_minmax() -> None:
    assert px([10.0, 20.0, 30.0], normalize="minmax") == (
        [0, 128, 255],
        "note: rescaled 10..30 to 0..255 (minmax)",
    )
    # already spanning exactly 0..255: nothing changes, so no note
    assert px([0.0, 100.0, 255.0], normalize="minmax") == ([0, 100, 255], None)
    assert px([0.0, 0.123456], normalize="minmax") == (
        [0, 255],
        "note: rescaled 0..0.1235 to 0..255 (minmax)",
    )


def test_minmax_of_a_constant_map_clips() -> None:
    assert px([5.0, 5.0], normalize="minmax") == ([5, 5], None)
    assert px([300.0, 300.0], normalize="minmax") == (
        [255, 255],
        "note: constant map of 300 clipped to 0..255 (minmax: nothing to stretch)",
    )
    # auto sends an out-of-range constant to minmax: a blur of white stays white
    assert px([2295.0] * 3)[0] == [255, 255, 255]


def test_offset() -> None:
    assert px([-2.0, 0.0, 2.0], normalize="offset") == (
        [126, 128, 130],
        "note: added 128 to -2..2, giving 126..130 (offset)",
    )
    assert px([-300.0, 0.0], normalize="offset") == (
        [0, 128],
        "note: added 128 to -300..0, then clipped to 0..255 (offset)",
    )
    assert px([0.0], normalize="offset", pixel_max=65535)[0] == [32768]


def test_sixteen_bit() -> None:
    pixels, note = to_pixels(np.array([0.0, 0.25, 0.5]), normalize="minmax", pixel_max=65535)
    assert pixels.dtype == np.uint16
    assert pixels.tolist() == [0, 32768, 65535]  # 32767.5 rounds to even
    assert note == "note: rescaled 0..0.5 to 0..65535 (minmax)"
    assert px([1000.0, 40000.4], pixel_max=65535) == ([1000, 40000], None)


def test_nan_is_zero_and_infinities_go_to_the_ends() -> None:
    assert px([np.nan, 100.0]) == ([0, 100], None)
    assert px([-np.inf, 0.0, 10.0, np.inf], normalize="minmax") == (
        [0, 0, 255, 255],
        "note: rescaled 0..10 to 0..255 (minmax; infinite values at the ends)",
    )
    assert px([-np.inf, 3.0], normalize="clip") == (
        [0, 3],
        "note: clipped -inf..3 to 0..255 (clip)",
    )


def test_float32_input_and_shape_kept() -> None:
    values = np.array([[0.0, 100.0], [200.0, 250.0]], dtype=np.float32)
    pixels, note = to_pixels(values)
    assert pixels.shape == (2, 2)
    assert pixels.dtype == np.uint8
    assert note is None


def test_empty_map() -> None:
    pixels, note = to_pixels(np.zeros((0, 3)))
    assert pixels.shape == (0, 3)
    assert note is None


def test_bad_mode_and_pixel_max() -> None:
    with pytest.raises(
        ParameterError,
        match=r"^--normalize must be one of auto, clip, abs, minmax, offset; got 'stretch'$",
    ):
        to_pixels(np.zeros(2), normalize="stretch")
    with pytest.raises(
        ParameterError, match=r"^pixel_max must be 255 \(8-bit\) or 65535 \(16-bit\); got 1000$"
    ):
        to_pixels(np.zeros(2), pixel_max=1000)


finite = st.floats(-1e12, 1e12, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(np.float64, st.integers(1, 20), elements=finite),
    mode=st.sampled_from(["auto", "clip", "minmax", "offset"]),
    pixel_max=st.sampled_from([255, 65535]),
)
def test_order_preserving_and_in_range(values: np.ndarray, mode: str, pixel_max: int) -> None:
    pixels, _ = to_pixels(values, normalize=mode, pixel_max=pixel_max)
    assert pixels.dtype == (np.uint8 if pixel_max == 255 else np.uint16)
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(pixels[order].astype(np.int64)) >= 0)
    if mode == "minmax" and values.max() - values.min() > 1e-6 * max(1.0, abs(values).max()):
        assert pixels.min() == 0
        assert pixels.max() == pixel_max


# ---------------------------------------------------------------------------
# apply_cmap

u8 = np.uint8


def colours(name: str, values: list[int], dtype: type = u8) -> list[list[int]]:
    result: list[list[int]] = apply_cmap(np.array([values], dtype=dtype), name)[0].tolist()
    return result


def test_cmap_names() -> None:
    assert {"grey", "gray", "viridis", "magma", "coolwarm"} <= set(CMAPS)


def test_viridis_and_magma_endpoints_are_matplotlibs() -> None:
    assert colours("viridis", [0, 255]) == [[68, 1, 84], [253, 231, 37]]
    assert colours("magma", [0, 255]) == [[0, 0, 4], [252, 253, 191]]
    # entry 128 is an anchor: matplotlib's viridis(0.5) = #21918c
    assert colours("viridis", [128]) == [[33, 145, 140]]


def test_interpolated_entries_stay_close_to_matplotlib() -> None:
    # matplotlib's _viridis_data / _magma_data entries 40, 200 and 250, times 255, rounded
    reference = {
        "viridis": {40: (69, 55, 129), 200: (112, 207, 87), 250: (241, 229, 29)},
        "magma": {40: (41, 17, 90), 200: (253, 152, 105), 250: (252, 244, 182)},
    }
    for name, entries in reference.items():
        for index, expected in entries.items():
            got = colours(name, [index])[0]
            assert max(abs(g - e) for g, e in zip(got, expected, strict=True)) <= 5


def test_coolwarm_is_diverging_around_offset_zero() -> None:
    assert colours("coolwarm", [0, 128, 255]) == [[59, 76, 192], [221, 221, 221], [180, 4, 38]]
    for pixel_max, dtype in ((255, np.uint8), (65535, np.uint16)):
        signed = np.array([[-100.0, 0.0, 100.0]]) * (pixel_max // 255)
        pixels, _ = to_pixels(signed, normalize="offset", pixel_max=pixel_max)
        assert pixels.dtype == dtype
        rgb = apply_cmap(pixels, "coolwarm")[0].tolist()
        assert rgb[1] == [221, 221, 221]
        assert rgb[0][2] > rgb[0][0]  # below zero leans blue
        assert rgb[2][0] > rgb[2][2]  # above zero leans red


def test_grey_alias_case_and_sixteen_bit() -> None:
    assert colours("grey", [0, 7, 255]) == [[0, 0, 0], [7, 7, 7], [255, 255, 255]]
    assert colours("GRAY", [7]) == [[7, 7, 7]]
    assert colours("Viridis", [0]) == [[68, 1, 84]]
    # 16-bit: 65535 -> entry 255, 257*7 -> entry 7
    assert colours("grey", [0, 257 * 7, 65535], np.uint16) == [[0, 0, 0], [7, 7, 7], [255] * 3]
    result = apply_cmap(np.zeros((3, 4), np.uint8), "magma")
    assert result.shape == (3, 4, 3)
    assert result.dtype == np.uint8


def test_cmap_errors() -> None:
    with pytest.raises(
        ParameterError,
        match=r"^unknown colour map 'jet'; choose one of grey, gray, viridis, magma, coolwarm$",
    ):
        apply_cmap(np.zeros((2, 2), np.uint8), "jet")
    with pytest.raises(
        ParameterError,
        match=r"^a colour map needs one-channel 8- or 16-bit pixels; "
        r"got shape \(2, 2, 3\) of uint8$",
    ):
        apply_cmap(np.zeros((2, 2, 3), np.uint8), "viridis")
    with pytest.raises(ParameterError, match=r"got shape \(2, 2\) of float64$"):
        apply_cmap(np.zeros((2, 2)), "viridis")


# ---------------------------------------------------------------------------
# montage

STRIP = 18  # label strip height with Pillow's default font (bbox bottom 12 + 6)


def test_montage_geometry_and_tile_positions() -> None:
    tiles = [np.arange(20, dtype=np.uint8).reshape(4, 5) + 10 * i for i in range(3)]
    sheet = montage(tiles, ["a", "b", "c"])
    factor = 20  # ceil(96 / 5)
    tile_h, tile_w = 4 * factor, 5 * factor
    # 2 columns (ceil(sqrt(3))), 2 rows, 4 px gaps around and between
    assert sheet.shape == (2 * (tile_h + STRIP + 4) + 4, 2 * (tile_w + 4) + 4)
    assert sheet.dtype == np.uint8
    for i, tile in enumerate(tiles):
        top = 4 + (i // 2) * (tile_h + STRIP + 4)
        left = 4 + (i % 2) * (tile_w + 4)
        expected = np.kron(tile, np.ones((factor, factor), dtype=np.uint8))
        np.testing.assert_array_equal(sheet[top : top + tile_h, left : left + tile_w], expected)
        strip = sheet[top + tile_h : top + tile_h + STRIP, left : left + tile_w]
        assert strip.max() > 200  # the label is drawn in white ...
        assert np.median(strip) == 64  # ... on the background
    # the empty fourth cell, the gaps and the border are background grey
    empty_top, empty_left = 4 + tile_h + STRIP + 4, 4 + tile_w + 4
    assert np.all(sheet[empty_top:, empty_left:] == 64)
    assert np.all(sheet[:4] == 64)
    assert np.all(sheet[:, 4 + tile_w : 8 + tile_w] == 64)


def test_wide_tiles_are_not_enlarged_and_single_tile() -> None:
    tile = np.full((3, 100), 200, dtype=np.uint8)
    sheet = montage([tile], ["wide"])
    assert MIN_TILE_WIDTH == 96
    assert sheet.shape == (4 + 3 + STRIP + 4, 4 + 100 + 4)
    assert np.all(sheet[4:7, 4:104] == 200)


def test_colour_and_alpha_tiles() -> None:
    rgb = np.zeros((96, 96, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    sheet = montage([rgb, rgb], ["r", "r"])
    assert sheet.shape == (4 + 96 + STRIP + 4, 2 * 100 + 4, 3)
    assert sheet[4, 4].tolist() == [255, 0, 0]
    assert sheet[0, 0].tolist() == [64, 64, 64]
    rgba = np.zeros((96, 96, 4), dtype=np.uint8)  # fully transparent tiles
    sheet = montage([rgba], ["t"])
    assert sheet[0, 0].tolist() == [64, 64, 64, 255]  # opaque background
    assert sheet[4, 4].tolist() == [0, 0, 0, 0]  # tile kept as is
    label = sheet[100:, 4:100]
    assert label[..., 3].min() == 255  # the label strip is opaque too
    la = np.zeros((96, 96, 2), dtype=np.uint8)
    assert montage([la], ["x"])[0, 0].tolist() == [64, 255]


def test_long_labels_are_shortened_to_fit() -> None:
    font = ImageFont.load_default()
    short = _fit_label("0,1,0;0,1,0;0,1,0;0,1,0;0,1,0;0,1,0", font, 60)
    assert short.endswith("...")
    assert short.startswith("0,1,0")
    assert font.getlength(short) <= 60
    assert _fit_label("edge", font, 60) == "edge"


def test_montage_errors() -> None:
    with pytest.raises(OutputError, match=r"^a montage needs at least one tile; got none$"):
        montage([], [])
    tile = np.zeros((2, 2), np.uint8)
    with pytest.raises(
        OutputError, match=r"^a montage needs one label per tile; got 1 labels for 2 tiles$"
    ):
        montage([tile, tile], ["a"])
    with pytest.raises(
        OutputError,
        match=r"^montage tiles must be uint8 images of one shape; "
        r"got \(3, 2\) uint8 next to \(2, 2\) uint8$",
    ):
        montage([tile, np.zeros((3, 2), np.uint8)], ["a", "b"])
    with pytest.raises(OutputError, match=r"got \(2, 2\) uint16 next to"):
        montage([tile, np.zeros((2, 2), np.uint16)], ["a", "b"])
    with pytest.raises(
        OutputError, match=r"^montage tiles must be \(H, W\) or \(H, W, 1..4\) images; got shape"
    ):
        montage([np.zeros((2, 2, 5), np.uint8)], ["a"])


def test_pictures_import_pillow_only_for_a_montage() -> None:
    # The CLI reads CMAPS and NORMALIZE_MODES before it knows whether an image is written.
    script = (
        "import sys, numpy as np\n"
        "from convcli.pictures import CMAPS, apply_cmap, montage, to_pixels\n"
        "pixels, _ = to_pixels(np.array([[0.0, 255.0]]))\n"
        "apply_cmap(pixels, 'magma')\n"
        "print('PIL' in sys.modules, end=' ')\n"
        "montage([pixels], ['k'])\n"
        "print('PIL' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.stdout, done.stderr) == ("False True\n", "")


def test_auto_rounds_dim_maps_but_says_they_will_look_dark() -> None:
    # The seed's 0..3 line map is inside 0..255, so auto only rounds it (contract), and
    # the note tells the user why the picture is black and how to stretch it.
    assert px([0.0, 3.0]) == (
        [0, 3],
        "note: values 0..3 fill little of 0..255 and will look dark; "
        "--normalize minmax stretches them",
    )
    assert px([0.0, 16.0])[1] is None  # a sixteenth of the range is visible enough
