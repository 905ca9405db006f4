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
    Legend,
    PixelScale,
    _fit_label,
    apply_cmap,
    cmap_table,
    draw_legend,
    heat_scale,
    montage,
    pixel_scale,
    shrink,
    titled_maps,
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


# ---------------------------------------------------------------------------
# coolwarm centred on 0


def test_centred_rescales_around_zero() -> None:
    # -10..40: m = 40, so -40..40 -> 0..255 and 0 is 127.5 -> 128 (half to even)
    assert px([-10.0, 0.0, 40.0], centred=True) == (
        [96, 128, 255],
        "note: rescaled -40..40 to 0..255, 0 in the middle (minmax centred on 0; values -10..40)",
    )
    assert px([-765.0, 0.0, 765.0], normalize="minmax", centred=True) == (
        [0, 128, 255],
        "note: rescaled -765..765 to 0..255, 0 in the middle (minmax centred on 0)",
    )
    # a map without negatives uses only the upper (red) half: 0 stays neutral
    assert px([0.0, 3.0], centred=True)[0] == [128, 255]
    assert px([0.0, 0.0], centred=True) == (
        [128, 128],
        "note: a map of zeros is the middle pixel (centred on 0)",
    )
    assert px([-np.inf, 0.0, 2.0], centred=True) == (
        [0, 128, 255],
        "note: rescaled -2..2 to 0..255, 0 in the middle (minmax centred on 0; values "
        "-inf..2; infinite values at the ends)",
    )
    # explicit clip, abs and offset are the user's choice and stay as they are
    assert px([-3.0, 0.0, 3.0], normalize="clip", centred=True)[0] == [0, 0, 3]
    assert px([-3.0, 0.0, 3.0], normalize="offset", centred=True)[0] == [125, 128, 131]


def test_coolwarm_value_zero_is_the_middle_colour() -> None:
    for values in ([-1.0, 0.0, 100.0], [-500.0, 0.0, 3.0], [0.0, 7.0]):
        pixels, _ = to_pixels(np.array([values]), centred=True)
        rgb = apply_cmap(pixels, "coolwarm")[0].tolist()
        assert rgb[values.index(0.0)] == [221, 221, 221], values


@settings(max_examples=60, deadline=None)
@given(values=hnp.arrays(np.float64, st.integers(1, 12), elements=finite))
def test_centred_keeps_zero_in_the_middle_and_signs_apart(values: np.ndarray) -> None:
    pixels, _ = to_pixels(np.append(values, 0.0), centred=True)
    assert pixels[-1] == 128
    assert np.all(pixels[:-1][values < 0] <= 128)
    assert np.all(pixels[:-1][values > 0] >= 128)
    scale = pixel_scale(values, centred=True)
    assert scale.low == -scale.high


def test_pixel_scale_matches_to_pixels() -> None:
    values = np.array([-765.0, 10.0, 300.0])
    for mode in ("auto", "clip", "abs", "minmax", "offset"):
        for centred in (False, True):
            scale = pixel_scale(values, normalize=mode, centred=centred)
            pixels, _ = to_pixels(
                np.array([scale.low, scale.high]), normalize=mode, centred=centred
            )
            if mode == "minmax" or (mode == "auto" and not centred) or centred:
                # the scale's ends are the map's: compare on the map itself
                pixels, _ = to_pixels(values, normalize=mode, centred=centred)
                lo = pixels[np.argmin(values)] if scale.low == values.min() else None
                assert lo in (None, 0)
            else:
                assert pixels.tolist() == [0, 255], (mode, centred)
    assert pixel_scale(values) == PixelScale(-765.0, 300.0, "minmax")
    assert pixel_scale(values, centred=True) == PixelScale(-765.0, 765.0, "minmax centred on 0")
    assert pixel_scale(values, normalize="abs") == PixelScale(0.0, 255.0, "abs: |value|", True)
    assert pixel_scale(np.array([2.0, 2.0]), normalize="minmax").how == "clip"
    assert pixel_scale(np.array([0.0, 9.0]), pixel_max=65535).high == 65535.0


def test_cmap_table_is_a_copy_of_the_lookup_table() -> None:
    table = cmap_table("Magma")
    assert table.shape == (256, 3)
    assert table[0].tolist() == [0, 0, 4]
    table[0] = 0
    assert cmap_table("magma")[0].tolist() == [0, 0, 4]
    with pytest.raises(ParameterError, match=r"^unknown colour map 'jet'; choose one of "):
        cmap_table("jet")


# ---------------------------------------------------------------------------
# heat scales (terminal heat maps and reports)


def test_heat_scale_rules() -> None:
    signed = heat_scale(np.array([-30.0, 0.0, 765.0]))
    assert (signed.low, signed.high, signed.cmap, signed.diverging) == (
        -765.0,
        765.0,
        "coolwarm",
        True,
    )
    assert (signed.minimum, signed.maximum, signed.zero) == (-30.0, 765.0, 0.5)
    assert signed.indices(np.array([-765.0, 0.0, 765.0])).tolist() == [0, 128, 255]
    assert signed.colours(np.array([0.0])).tolist() == [[221, 221, 221]]
    positive = heat_scale(np.array([50.0, 200.0]))
    assert (positive.low, positive.high, positive.cmap, positive.zero) == (
        0.0,
        200.0,
        "viridis",
        None,
    )
    assert positive.indices(np.array([0.0, 100.0, 200.0])).tolist() == [0, 128, 255]
    # a sequential colour map asked for a signed map: min..max, 0 marked inside
    chosen = heat_scale(np.array([-1.0, 3.0]), cmap="Magma")
    assert (chosen.low, chosen.high, chosen.cmap, chosen.zero) == (-1.0, 3.0, "magma", 0.25)
    # coolwarm is always centred, even when asked for a map without negatives
    assert heat_scale(np.array([0.0, 5.0]), cmap="coolwarm").low == -5.0
    fixed = heat_scale(np.array([3.0]), cmap="gray", fixed=(0.0, 255.0))
    assert (fixed.low, fixed.high, fixed.cmap, fixed.diverging) == (0.0, 255.0, "grey", False)
    # constant maps: a neutral middle when diverging, the low end otherwise
    assert heat_scale(np.zeros(3), cmap="coolwarm").fractions(np.zeros(1)).tolist() == [0.5]
    assert heat_scale(np.zeros(3)).fractions(np.zeros(1)).tolist() == [0.0]
    with pytest.raises(ParameterError, match=r"^unknown colour map 'jet'"):
        heat_scale(np.zeros(2), cmap="jet")


def test_shrink_by_area_means() -> None:
    values = np.arange(25.0).reshape(5, 5)
    shrunk = shrink(values, 2)
    # the far blocks hold what is left: (4 + 9) / 2, (14 + 19) / 2, (20 + 21) / 2, ...
    assert shrunk.tolist() == [[3.0, 5.0, 6.5], [13.0, 15.0, 16.5], [20.5, 22.5, 24.0]]
    rgb = np.stack([values, values * 2, values * 3], axis=-1)
    assert shrink(rgb, 5, axes=2).tolist() == [[[12.0, 24.0, 36.0]]]
    assert np.array_equal(shrink(values, 1), values)
    with pytest.raises(
        ParameterError, match=r"^a shrink factor must be a positive integer; got 0$"
    ):
        shrink(values, 0)


def test_titled_maps_follow_the_layout() -> None:
    from convcli.featuremaps import FeatureMaps

    assert [t for t, _ in titled_maps(FeatureMaps(np.zeros((2, 2)), 2, 1, 1, ("sobel-x",)))] == [
        "filter 0: sobel-x"
    ]
    rgb_one = FeatureMaps(np.zeros((2, 2, 3)), 2, 3, 1, ("k",))
    titled = titled_maps(rgb_one)
    assert [t for t, _ in titled] == [
        "channel 0, filter 0: k",
        "channel 1, filter 0: k",
        "channel 2, filter 0: k",
    ]
    odd = FeatureMaps(np.zeros((2, 2, 5)), 2, 2, 2, ("a", "b"))  # 5 != 2 x 2
    assert titled_maps(odd)[4][0] == "map 4"


# ---------------------------------------------------------------------------
# legends and the montage's shared scale


def test_draw_legend_bar_ends_and_numbers() -> None:
    legend = Legend("one scale", cmap_table("coolwarm"), "-8", "8", zero=0.5)
    strip = draw_legend(legend, 120, background=255, ink=0)
    assert strip.shape == (40, 120, 3)
    bar = strip[16:24, 2:118]
    assert np.all(bar == bar[0])
    assert bar[0, 0].tolist() == [59, 76, 192]
    assert bar[0, -1].tolist() == [180, 4, 38]
    numbers = strip[26:38]
    assert numbers[:, :14].min() < 100  # "-8" at the left
    assert numbers[:, 104:118].min() < 100  # "8" at the right
    assert numbers[:, 55:65].min() < 100  # "0" in the middle
    assert numbers[:, 20:50].min() == 255  # nothing in between
    title = strip[2:14]
    assert title.min() < 100


def test_montage_draws_the_shared_legend_under_the_tiles() -> None:
    tiles = [np.zeros((2, 2), np.uint8), np.full((2, 2), 255, np.uint8)]
    legend = Legend("one scale for all 2 tiles (minmax)", cmap_table("grey"), "-10", "10")
    sheet = montage(tiles, ["0: a", "1: b"], legend=legend)
    assert sheet.shape == (122 + 40 + 4, 204)  # grid, legend strip, border
    assert np.array_equal(sheet[:122], montage(tiles, ["0: a", "1: b"]))
    bar = sheet[122 + 16, 6:198]
    assert bar[0] == 0
    assert bar[-1] == 255
    assert np.all(sheet[-4:] == 64)  # the border under the legend
    rgba = [np.zeros((96, 96, 4), np.uint8)]
    coloured = montage(rgba, ["t"], legend=Legend("s", cmap_table("magma"), "0", "1"))
    assert coloured[-20, 0].tolist() == [64, 64, 64, 255]
    assert coloured[100 + 18 + 16, 6, 3] == 255  # opaque legend
