"""Tests for convcli.report: the sheet's content, its HTML and its PNG."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from convcli.featuremaps import FeatureMaps
from convcli.layer import apply_filters
from convcli.params import FilterSettings
from convcli.pictures import cmap_table
from convcli.report import (
    MAX_SIDE,
    MIN_SIDE,
    build_sheet,
    display_factors,
    geometry_parts,
    render_html,
    render_png,
    render_report,
)

SOBEL_X = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def line_image() -> np.ndarray:
    image = np.zeros((8, 8))
    image[:, 3] = 255.0
    return image


def sheet_of(x: np.ndarray, kernels: list[tuple[str, np.ndarray]], bit_depth: int | None = 8,
             settings: FilterSettings | None = None, **kwargs: object):  # type: ignore[no-untyped-def]  # fmt: skip
    settings = settings or FilterSettings()
    maps = apply_filters(
        x,
        [w for _, w in kernels],
        labels=[label for label, _ in kernels],
        stride=settings.stride,
        padding=settings.padding,
        dilation=settings.dilation,
        flip=settings.flip,
        channels=settings.channels,
    )
    return build_sheet("in.png", x, bit_depth, maps, kernels, settings, **kwargs), maps  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# geometry


def test_geometry_line_of_the_seed() -> None:
    maps = FeatureMaps(np.zeros((6, 6)), 2, 1, 1, ("vertical-line",))
    parts = geometry_parts((8, 8), [np.ones((3, 3))], maps, FilterSettings())
    assert parts == (
        "input (8, 8)",
        "kernel (3, 3)",
        "stride 1,1",
        "dilation 1,1",
        "padding valid: 0:0,0:0",
        "pad mode zeros",
        "output (6, 6)",
        "cross-correlation",
    )


def test_geometry_line_states_uneven_same_padding_and_the_rest() -> None:
    # 'same' with an even kernel pads more after; two kernels of different sizes pad
    # differently, so the padding is given per kernel on their cards
    settings = FilterSettings(
        stride=(1, 2),
        padding="same",
        pad_mode="constant",
        pad_value=7.0,
        channels="sum",
        bias=(0.5,),
        activation="relu",
    )
    maps = FeatureMaps(np.zeros((6, 3, 1)), 2, 1, 1, ("k",))
    parts = geometry_parts((6, 6, 3), [np.ones((2, 2))], maps, settings)
    assert parts == (
        "input (6, 6, 3)",
        "kernel (2, 2)",
        "stride 1,2",
        "dilation 1,1",
        "padding same: 0:1,0:0",
        "pad mode constant 7",
        "channels sum",
        "bias 0.5",
        "activation relu",
        "output (6, 3, 1)",
        "cross-correlation",
    )
    two = geometry_parts((6, 6), [np.ones((3, 3)), np.ones((5, 5))],
                         FeatureMaps(np.zeros((6, 6, 2)), 2, 1, 2, ("a", "b")),
                         FilterSettings(padding="same"))  # fmt: skip
    assert "padding same: per kernel" in two
    assert "kernels (3, 3), (5, 5)" in two
    explicit = geometry_parts((6,), [np.ones(3)], FeatureMaps(np.zeros(6), 1, 1, 1, ("k",)),
                              FilterSettings(padding=((2, 0),), flip=True))  # fmt: skip
    assert explicit[4] == "padding explicit: 2:0"
    assert explicit[-1] == "convolution (kernel flipped)"


# ---------------------------------------------------------------------------
# the sheet


def test_sheet_pictures_share_one_display_factor() -> None:
    sheet, maps = sheet_of(line_image(), [("vertical-line", np.ones((3, 1)) * [[0, 1, 0]]),
                                          ("sobel-x", SOBEL_X)])  # fmt: skip
    assert sheet.title == "convcli report: in.png"
    factor = display_factors([(8, 8)], strip=False)[1]
    assert factor == MIN_SIDE // 8 == 20
    (source,) = sheet.inputs
    assert source.label == "input"
    assert source.pixels.shape == (160, 160, 3)
    assert source.info == ("(8, 8)  min 0  max 255", "shown at 20x")
    assert source.pixels[0, 3 * 20].tolist() == [255, 255, 255]
    assert source.legend is not None
    assert (source.legend.low, source.legend.high) == ("0", "255")
    assert [p.label for p in sheet.maps] == ["filter 0: vertical-line", "filter 1: sobel-x"]
    assert all(p.pixels.shape == (120, 120, 3) for p in sheet.maps)
    edges = sheet.maps[1]
    # sobel-x on the line: +1020 (4 x 255) left of it (column 2 -> 1 after valid), -1020 right
    assert maps.data[0, 1, 1] == 1020.0
    assert edges.pixels[0, 1 * 20].tolist() == [180, 4, 38]
    assert edges.pixels[0, 3 * 20].tolist() == [59, 76, 192]
    assert edges.pixels[0, 0].tolist() == [221, 221, 221]
    assert edges.legend is not None
    assert (edges.legend.low, edges.legend.high, edges.legend.zero) == ("-1020", "1020", 0.5)
    assert edges.legend.title == "coolwarm, 0 in the middle"
    assert sheet.maps[0].legend is not None
    assert sheet.maps[0].legend.title == "viridis, 0 is dark"


def test_kernel_cards() -> None:
    volume_kernel = np.arange(8.0).reshape(2, 2, 2) - 3
    x = np.zeros((4, 4, 4))
    sheet, _ = sheet_of(x, [("k3", volume_kernel)], bit_depth=None,
                        settings=FilterSettings(padding="same"))  # fmt: skip
    (card,) = sheet.kernels
    assert card.label == "kernel 0: k3"
    assert card.shape == (2, 2, 2)
    assert card.padding == "0:1,0:1,0:1"
    assert [title for title, _ in card.planes] == ["[0]", "[1]"]
    assert card.planes[1][1].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert (card.low, card.high) == (-4.0, 4.0)  # signed: centred on 0
    one_d, _ = sheet_of(np.arange(6.0), [("0", np.array([1.0, 10.0, 100.0]))], bit_depth=None)
    (card,) = one_d.kernels
    assert card.label == "kernel 0"
    assert card.planes[0][1].tolist() == [[1.0, 10.0, 100.0]]
    assert (card.low, card.high) == (0.0, 100.0)


def test_inputs_of_every_kind() -> None:
    rgb = np.zeros((4, 4, 3))
    rgb[..., 0] = 255.0
    sheet, _ = sheet_of(rgb, [("box", np.ones((3, 3)) / 9)])
    (source,) = sheet.inputs
    assert source.legend is None
    assert source.info[-1] == "true colour, 0..255"
    assert source.pixels[0, 0].tolist() == [255, 0, 0]
    assert len(sheet.maps) == 3  # one per channel (--channels each)
    assert [p.label for p in sheet.maps][2] == "channel 2, filter 0: box"
    # a grid from a CSV: a heat map, not an image
    grid, _ = sheet_of(np.array([[-1.0, 0.0], [0.0, 1.0]] * 2), [("k", np.ones((1, 1)))],
                       bit_depth=None)  # fmt: skip
    assert grid.inputs[0].legend is not None
    assert grid.inputs[0].legend.title == "coolwarm, 0 in the middle"
    # 16-bit grey: the pixel range is 0..65535
    sixteen, _ = sheet_of(np.full((4, 4), 65535.0), [("k", np.ones((1, 1)))], bit_depth=16)
    assert sixteen.inputs[0].pixels[0, 0].tolist() == [255, 255, 255]
    assert sixteen.inputs[0].legend is not None
    assert sixteen.inputs[0].legend.high == "65535"


def test_volumes_show_first_and_last_planes_with_a_note() -> None:
    x = np.zeros((9, 3, 3))
    sheet, _ = sheet_of(x, [("k", np.ones((1, 1, 1)))], bit_depth=None)
    labels = [p.label for p in sheet.maps]
    assert labels == [f"filter 0: k, plane {p}" for p in (0, 1, 2, 6, 7, 8)]
    assert sheet.notes == ("filter 0: k: planes 3 to 5 not shown",)
    assert len(sheet.inputs) == 6


def test_display_factors() -> None:
    assert display_factors([(8, 8), (6, 6)], strip=False) == (1, 20)
    assert display_factors([(256, 384)], strip=False) == (1, 1)
    assert display_factors([(2048, 4096)], strip=False) == (9, 1)  # 4096 / 480 -> 9
    assert display_factors([(100, 3)], strip=False) == (1, MAX_SIDE // 100)
    assert display_factors([(6,)], strip=True) == (1, 27)
    assert display_factors([(10_000,)], strip=True) == (21, 1)


def test_large_maps_are_shrunk_by_area_means() -> None:
    x = np.zeros((960, 960))
    x[:, :480] = 255.0
    sheet, _ = sheet_of(x, [("k", np.ones((1, 1)))])
    (source,) = sheet.inputs
    assert source.pixels.shape == (480, 480, 3)
    assert source.info == ("(960, 960)  min 0  max 255", "shown at 1/2")
    assert source.pixels[0, 239].tolist() == [255, 255, 255]
    assert source.pixels[0, 240].tolist() == [0, 0, 0]


# ---------------------------------------------------------------------------
# HTML


def images(page: str) -> list[tuple[str, np.ndarray]]:
    found = re.findall(r'<img class="(\w+)" src="data:image/png;base64,([^"]+)"', page)
    return [
        (kind, np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))) for kind, data in found
    ]


def test_html_is_one_self_contained_page() -> None:
    sheet, _ = sheet_of(line_image(), [("sobel-x", SOBEL_X)])
    page = render_html(sheet).decode("utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.endswith("</body></html>\n")
    assert '<meta charset="utf-8">' in page
    assert "<title>convcli report: in.png</title>" in page
    assert not re.search(r"(src|href)=\"(?!data:)", page)  # nothing fetched from anywhere
    assert "<script" not in page
    found = images(page)
    assert [kind for kind, _ in found] == ["picture", "bar", "picture", "bar"]
    assert found[0][1].shape == (160, 160, 3)
    assert np.array_equal(found[2][1], sheet.maps[0].pixels)
    assert found[3][1][0].tolist() == cmap_table("coolwarm").tolist()
    # kernel weights as table cells coloured on their own scale, with readable ink
    assert '<td style="background:#3b4cc0;color:#fff">-2</td>' in page
    assert '<td style="background:#dddddd;color:#000">0</td>' in page
    assert "padding 0:0,0:0" in page


def test_html_escapes_every_text() -> None:
    maps = FeatureMaps(np.zeros((2, 2)), 2, 1, 1, ('<img src="x">',))
    sheet = build_sheet("a&b<script>.csv", np.zeros((4, 4)), None, maps,
                        [('<img src="x">', np.ones((3, 3)))], FilterSettings())  # fmt: skip
    page = render_html(sheet).decode("utf-8")
    assert "<script>" not in page
    assert '<img src="x">' not in page
    assert "a&amp;b&lt;script&gt;.csv" in page
    assert "filter 0: &lt;img src=&quot;x&quot;&gt;" in page


# ---------------------------------------------------------------------------
# PNG


def test_png_sheet_decodes_and_holds_the_pictures() -> None:
    sheet, _ = sheet_of(line_image(), [("vertical-line", np.ones((3, 1)) * [[0, 1, 0]])])
    png = render_png(sheet)
    assert png == render_report("png", sheet)
    page = np.asarray(Image.open(io.BytesIO(png)))
    assert page.dtype == np.uint8
    assert page.shape[2] == 3
    assert page.shape[1] >= 160 + 120
    assert page[0, 0].tolist() == [255, 255, 255]  # a white page
    for picture in (*sheet.inputs, *sheet.maps):
        h, w = picture.pixels.shape[:2]
        hits = [
            (y, x)
            for y, x in np.argwhere(np.all(page == picture.pixels[0, 0], axis=-1))
            if y + h <= page.shape[0]
            and x + w <= page.shape[1]
            and np.array_equal(page[y : y + h, x : x + w], picture.pixels)
        ]
        assert len(hits) == 1, picture.label


@pytest.mark.parametrize("fmt", ["html", "png"])
def test_render_report_is_deterministic(fmt: str) -> None:
    sheet, _ = sheet_of(line_image(), [("sobel-x", SOBEL_X)])
    assert render_report(fmt, sheet) == render_report(fmt, sheet)
