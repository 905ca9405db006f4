"""Tests for convcli.heatmap: terminal heat maps, colour and plain."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console

from convcli.featuremaps import FeatureMaps
from convcli.heatmap import (
    MAX_HEIGHT,
    NEGATIVE_RAMP,
    POSITIVE_RAMP,
    RAMP,
    ZOOM_TO,
    Panel,
    arrange,
    fit_factors,
    heat_panel,
    map_panels,
    render_heatmaps,
    source_panels,
)
from convcli.pictures import cmap_table

BLUE, GREY, RED = (59, 76, 192), (221, 221, 221), (180, 4, 38)  # coolwarm 0, 128, 255


def fg_bg(top: tuple[int, ...], bottom: tuple[int, ...] | None = None) -> str:
    """The SGR code rich writes for a truecolor foreground (and background)."""
    code = "38;2;{};{};{}".format(*top)
    if bottom is not None:
        code += ";48;2;{};{};{}".format(*bottom)
    return f"\x1b[{code}m"


def colour_console(width: int = 40) -> Console:
    return Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=width)


def plain_console(width: int = 40, **kwargs: object) -> Console:
    return Console(file=io.StringIO(), width=width, **kwargs)  # type: ignore[arg-type]


def output(console: Console) -> str:
    value: str = console.file.getvalue()  # type: ignore[attr-defined]
    return value


def one(data: np.ndarray, sliding: int = 2, label: str = "k") -> FeatureMaps:
    return FeatureMaps(np.asarray(data, dtype=np.float64), sliding, 1, 1, (label,))


# ---------------------------------------------------------------------------
# Exact renderings of tiny maps


def test_two_by_two_signed_map_in_colour_is_exact() -> None:
    # -1 0 / 0 1: diverging, -1 is coolwarm's blue end, 0 its neutral grey, 1 its red end.
    # One line of two half blocks: upper pixel = foreground, lower pixel = background.
    console = colour_console()
    render_heatmaps(one([[-1.0, 0.0], [0.0, 1.0]]), console, zoom=1)
    lines = output(console).split("\n")
    assert lines[0] == "\x1b[1mfilter 0: k\x1b[0m"
    assert lines[1] == "(2, 2)  min -1  max 1"
    assert lines[2] == f"{fg_bg(BLUE, GREY)}▀\x1b[0m{fg_bg(GREY, RED)}▀\x1b[0m"
    # the colour bar: 21 lower half blocks (the panel width) from blue to red
    bar = lines[3]
    assert bar.count("▄") == 21
    assert bar.startswith(f"{fg_bg(BLUE)}▄")
    assert bar.endswith(f"{fg_bg(RED)}▄\x1b[0m")
    assert f"{fg_bg(GREY)}▄" in bar  # the middle cell is 0's colour
    assert lines[4] == "-1        0         1"  # the scale's ends, 0 under the middle
    assert lines[5:] == [""]


def test_two_by_two_map_without_negatives_is_sequential_from_zero() -> None:
    console = colour_console()
    render_heatmaps(one([[0.0, 1.0], [2.0, 4.0]]), console, zoom=1)
    viridis = cmap_table("viridis")
    lines = output(console).split("\n")
    # 0 -> entry 0, 1 -> 64 (63.75), 2 -> 128 (127.5 rounds to even), 4 -> 255
    c = [tuple(viridis[i].tolist()) for i in (0, 64, 128, 255)]
    assert lines[2] == f"{fg_bg(c[0], c[2])}▀\x1b[0m{fg_bg(c[1], c[3])}▀\x1b[0m"
    assert lines[4].split() == ["0", "4"]  # no 0 mark inside: the scale starts at 0


def test_odd_rows_end_with_a_half_block_on_the_default_background() -> None:
    panel = heat_panel(np.array([[1.0], [2.0], [3.0]]), title="t", colour=True, max_width=40,
                       factors=(1, 1))  # fmt: skip
    picture = panel.lines[2:4]
    assert [line.plain[0] for line in picture] == ["▀", "▀"]
    last = picture[1].spans[0].style
    assert last.bgcolor is None  # type: ignore[union-attr]


def test_four_by_four_plain_with_known_min_zero_max() -> None:
    # m = 8: rows are averaged in pairs (a character is two pixels tall):
    # rows 0-1 -> -6 -2 0 1, rows 2-3 -> 0 1 6 8; |v|/8 in quarters, rounded up.
    values = np.array([[-8.0, -4, 0, 0], [-4, 0, 0, 2], [0, 0, 4, 8], [0, 2, 8, 8]])
    panel = heat_panel(values, title="t", colour=False, max_width=80, factors=(1, 1))
    assert [line.plain.rstrip() for line in panel.lines] == [
        "t",
        "(4, 4)  min -8  max 8",
        "~, .",
        " .*#",
        "-8 [=~-,] 0 [.+*#] 8",
    ]
    assert NEGATIVE_RAMP == ",-~="
    assert POSITIVE_RAMP == ".+*#"


def test_four_by_four_colour_legend_numbers() -> None:
    values = np.array([[-8.0, 0, 0, 8]] * 4)
    panel = heat_panel(values, title="t", colour=True, max_width=80, factors=(1, 1))
    width = panel.width
    assert width == len("(4, 4)  min -8  max 8")
    numbers = panel.lines[-1].plain
    assert numbers.startswith("-8 ")
    assert numbers.endswith(" 8")
    assert numbers.index("0") == round(0.5 * (width - 1))


def test_plain_sequential_ramp_blank_is_exactly_the_minimum() -> None:
    values = np.array([[0.0, 0.0, 1.0, 9.0], [0.0, 0.0, 1.0, 9.0]])  # one line per pair
    panel = heat_panel(values, title="t", colour=False, max_width=80, factors=(1, 1))
    assert panel.lines[2].plain.rstrip() == "  .@"  # 1/9 -> '.', 9/9 -> '@'
    assert panel.lines[3].plain.rstrip() == f"0 [{RAMP}] 9"
    assert RAMP == " .:-=+*#%@"


def test_constant_maps() -> None:
    zeros = heat_panel(np.zeros((2, 2)), title="t", colour=False, max_width=80, factors=(1, 1))
    assert zeros.lines[2].plain.rstrip() == ""
    assert zeros.lines[3].plain.rstrip() == f"0 [{RAMP}] 0"
    fives = heat_panel(np.full((2, 2), 5.0), title="t", colour=False, max_width=80,
                       factors=(1, 1))  # fmt: skip
    assert fives.lines[2].plain.rstrip() == "@@"  # from 0 to 5: all at the top


# ---------------------------------------------------------------------------
# Sizes


def test_fit_factors() -> None:
    assert fit_factors(256, 384, 100, strip=False) == (4, 1)  # 96 columns, 64 rows
    assert fit_factors(300, 40, 100, strip=False) == (4, 1)  # too tall: MAX_HEIGHT rows
    assert MAX_HEIGHT == 96
    assert fit_factors(30, 30, 100, strip=False) == (1, 1)
    assert fit_factors(6, 6, 100, strip=False) == (1, ZOOM_TO // 6)
    assert fit_factors(2, 2, 100, strip=False) == (1, 12)
    assert fit_factors(2, 2, 10, strip=False) == (1, 5)  # the console is narrower
    assert fit_factors(1, 1000, 100, strip=True) == (10, 1)
    assert fit_factors(1, 6, 100, strip=True) == (1, 4)


def test_downsampling_by_area_means_at_a_pinned_width() -> None:
    # 8 x 200 map at width 50: shrunk 4x to 2 x 50 (one line), each cell a 4x4 mean
    values = np.zeros((8, 200))
    values[:4, :4] = 16.0  # mean 16 in the first block
    values[4:, 196:] = 4.0  # mean 4 in the last block of the second block row
    console = plain_console(width=50)
    render_heatmaps(one(values), console)
    lines = output(console).split("\n")
    assert lines[1] == "(8, 200)  min 0  max 16  at 1/4"
    picture = lines[2]
    assert len(picture) == 50
    # one line = two shrunk rows averaged: 16/2 = 8 and 4/2 = 2 of the shown max 16;
    # the legend is the scale of what is shown (the block means 0..16)
    assert picture[0] == RAMP[int(np.ceil(8 / 16 * 9))]
    assert picture[-1] == RAMP[int(np.ceil(2 / 16 * 9))]
    assert lines[3] == f"0 [{RAMP}] 16"


def test_small_maps_are_enlarged_together_with_the_input() -> None:
    # the 8x8 seed and its 6x6 map: one factor for both (24 // 8 = 3), pixels of one size
    seed = np.zeros((8, 8))
    seed[:, 3:5] = 1.0
    maps = one(np.full((6, 6), 3.0))
    console = plain_console(width=80)
    render_heatmaps(maps, console, source=seed)
    lines = output(console).split("\n")
    assert lines[0].split("   ")[0].startswith("input")
    assert "(8, 8)  min 0  max 1  at 3x" in lines[1]
    assert "(6, 6)  min 3  max 3  at 3x" in lines[1]
    assert lines[2][:24] == " " * 9 + "@" * 6 + " " * 9  # columns 3-4 tripled


def test_strip_for_a_signal() -> None:
    panel = heat_panel(np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.0]), title="bump", colour=False,
                       max_width=80)  # fmt: skip
    lines = [line.plain.rstrip() for line in panel.lines]
    assert lines[1] == "(6,)  min 0  max 1  at 4x"
    assert lines[2] == lines[3] == " " * 8 + "@" * 8  # a strip two lines high
    assert lines[4] == f"0 [{RAMP}] 1"


def test_long_signals_are_shrunk_along_their_length() -> None:
    # 1000 samples at width 100: blocks of 10; a signed ramp -499.5..499.5 whose block
    # means go from -495 to 495 (the legend's scale is that of the means shown)
    signal = np.arange(1000.0) - 499.5
    panel = heat_panel(signal, title="s", colour=False, max_width=100)
    lines = [line.plain for line in panel.lines]
    assert lines[1].rstrip() == "(1000,)  min -499.5  max 499.5  at 1/10"
    strip = lines[2]
    assert len(strip) == 100
    assert strip == lines[3]
    assert strip[0] == "="  # the first block's mean, -495, is the strongest negative
    assert strip[-1] == "#"
    assert strip[49] == ","  # -5 of 495: weak
    assert strip[50] == "."  # +5
    assert lines[4].rstrip() == "-495 [=~-,] 0 [.+*#] 495"


def test_volume_shows_planes_on_one_scale() -> None:
    volume = np.zeros((2, 2, 2))
    volume[1] = [[0.0, 4.0], [0.0, 4.0]]
    volume[0] = [[2.0, 0.0], [2.0, 0.0]]
    panels = map_panels(one(volume, sliding=3), colour=False, max_width=80, factors=(1, 1))
    assert [p.lines[0].plain.rstrip() for p in panels] == [
        "filter 0: k, plane 0",
        "filter 0: k, plane 1",
    ]
    # plane 0's 2 is half of the volume's 4: ceil(0.5 * 9) = 5 -> '+'
    assert panels[0].lines[2].plain.rstrip() == "+"
    assert panels[1].lines[2].plain.rstrip() == " @"
    assert panels[0].lines[-1].plain.rstrip() == f"0 [{RAMP}] 4"


def test_long_volumes_show_first_and_last_planes() -> None:
    panels = map_panels(one(np.zeros((9, 2, 2)), sliding=3), colour=False, max_width=80)
    titles = [p.lines[0].plain.rstrip() for p in panels]
    assert titles[3] == "... 3 planes ..."
    assert titles[-1].endswith("plane 8")
    assert len(panels) == 7


def test_channels_and_filters_have_one_panel_each() -> None:
    data = np.zeros((2, 2, 4))  # 2 channels x 2 filters, channel-major
    data[..., 3] = 1.0
    maps = FeatureMaps(data, 2, 2, 2, ("a", "b"))
    panels = map_panels(maps, colour=False, max_width=80, factors=(1, 1))
    assert [p.lines[0].plain.rstrip() for p in panels] == [
        "channel 0, filter 0: a",
        "channel 0, filter 1: b",
        "channel 1, filter 0: a",
        "channel 1, filter 1: b",
    ]
    assert panels[3].lines[2].plain.rstrip() == "@@"


def test_image_inputs_are_grey_or_true_colour() -> None:
    rgb = np.zeros((2, 2, 3))
    rgb[0, 0] = [255, 0, 0]
    rgb[1, 0] = [0, 0, 255]
    (panel,) = source_panels(rgb, sliding_ndim=2, colour=True, max_width=40, bit_depth=8,
                             factors=(1, 1))  # fmt: skip
    first = panel.lines[2].spans[0].style
    assert first.color.triplet == (255, 0, 0)  # type: ignore[union-attr]
    assert first.bgcolor.triplet == (0, 0, 255)  # type: ignore[union-attr]
    assert panel.lines[-1].plain.rstrip() == "true colour 0..255"
    grey = np.array([[0.0, 255.0]])
    (panel,) = source_panels(grey, sliding_ndim=2, colour=False, max_width=40, bit_depth=8,
                             factors=(1, 1))  # fmt: skip
    assert panel.lines[2].plain.rstrip() == " @"
    assert panel.lines[-1].plain.rstrip() == f"0 [{RAMP}] 255"
    # a 16-bit grey image is scaled by its own range, not by its values
    sixteen = np.array([[0.0, 32768.0]])
    (panel,) = source_panels(sixteen, sliding_ndim=2, colour=False, max_width=40,
                             bit_depth=16, factors=(1, 1))  # fmt: skip
    assert panel.lines[2].plain.rstrip() == " +"  # half of 65535: ceil(4.5) = 5
    # a CSV grid with channels: one heat map per channel
    panels = source_panels(np.zeros((2, 2, 2)), sliding_ndim=2, colour=False, max_width=40)
    assert [p.lines[0].plain.rstrip() for p in panels] == [
        "input, channel 0",
        "input, channel 1",
    ]


def test_arrange_side_by_side_and_wrapping() -> None:
    from rich.text import Text

    a = Panel((Text("aa"), Text("aa")), 2)
    b = Panel((Text("b"),), 1)
    assert [line.plain for line in arrange([a, b], 6)] == ["aa   b", "aa"]
    assert [line.plain for line in arrange([a, b], 5)] == ["aa", "aa", "", "b"]


def test_titles_are_cut_to_the_panel() -> None:
    panel = heat_panel(np.zeros((2, 2)), title="filter 0: " + "x" * 40, colour=False,
                       max_width=80, factors=(1, 1))  # fmt: skip
    assert panel.lines[0].plain.endswith("...")
    assert len(panel.lines[0].plain) == panel.width


# ---------------------------------------------------------------------------
# Colour or plain


@pytest.mark.parametrize(
    "console",
    [
        plain_console(),  # not a terminal
        Console(file=io.StringIO(), width=40, force_terminal=True, no_color=True),
        Console(file=io.StringIO(), width=40, force_terminal=True, color_system=None),
    ],
    ids=["pipe", "NO_COLOR", "no colour system"],
)
def test_plain_text_without_colour(console: Console) -> None:
    render_heatmaps(one([[-1.0, 0.0], [0.0, 1.0]]), console, zoom=1)
    text = output(console)
    assert "\x1b" not in text.replace("\x1b[1m", "").replace("\x1b[0m", "")
    assert "▀" not in text
    assert "▄" not in text
    assert "-1 [=~-,] 0 [.+*#] 1" in text


def test_no_color_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    console = Console(file=io.StringIO(), width=40, force_terminal=True)
    render_heatmaps(one([[1.0]]), console, zoom=1)
    assert "▀" not in output(console)
    assert "@" in output(console)


def test_title_line_for_several_inputs() -> None:
    console = plain_console()
    render_heatmaps(one([[1.0]]), console, zoom=1, title="a.csv")
    assert output(console).split("\n")[:2] == ["a.csv", "filter 0: k"]
