"""Tests for the terminal table renderer (``--format table``)."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from convcli.errors import OutputError
from convcli.featuremaps import FeatureMaps
from convcli.numfmt import format_compact as format_value
from convcli.render import ProgressBar, render_maps

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def _no_color_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's NO_COLOR must not change what the plain-text tests see.
    monkeypatch.delenv("NO_COLOR", raising=False)


def plain_console(width: int = 80) -> Console:
    return Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)


def render(maps: FeatureMaps, *, width: int = 80, **kwargs: object) -> str:
    console = plain_console(width)
    render_maps(maps, console, **kwargs)  # type: ignore[arg-type]
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def one(data: np.ndarray, sliding: int, label: str = "k") -> FeatureMaps:
    return FeatureMaps(data, sliding, 1, 1, (label,))


SEED = np.zeros((6, 6))
SEED[:, 2:4] = 3.0  # the tutorial's vertical-line detector on the seed image


# --- format_value ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (321.0, "321"),
        (0.0, "0"),
        (-0.0, "0"),
        (-3.0, "-3"),
        (np.int64(7), "7"),
        (np.float32(0.1), "0.1"),
        (-0.5, "-0.5"),
        (0.1234567, "0.1235"),
        (765.3, "765.3"),
        (1284.5, "1284.5"),
        (12345.678, "12345.7"),
        (1234567.5, "1.235e+06"),
        (2.5e-7, "2.5e-07"),
        (1e20, "1e+20"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
    ],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_value_integral_is_the_integer(n: int) -> None:
    assert format_value(float(n)) == str(n)


@given(st.floats(min_value=-1e300, max_value=1e300))  # rounding 1.7975e308 up overflows
def test_format_value_is_close_and_never_negative_zero(x: float) -> None:
    text = format_value(x)
    assert text != "-0"
    assert not text.endswith(".0")
    assert math.isclose(float(text), x, rel_tol=5e-4)


# --- layouts -----------------------------------------------------------------------


def test_seed_feature_map() -> None:
    out = render(one(SEED, 2, "vertical-line"), title="seed.png")
    assert out == lines(
        "seed.png  shape (6, 6)  min 0  max 3",
        *["0 0 3 3 0 0"] * 6,
    )


def test_single_signal_is_one_line_with_single_spaces() -> None:
    out = render(one(np.array([321.0, 432, 543, 654]), 1), title="signal.csv")
    assert out == lines("signal.csv  shape (4,)  min 321  max 654", "321 432 543 654")


def test_no_title_no_filter_names_for_one_filter() -> None:
    out = render(one(np.array([100.0, 210, 321, 432, 543, 654, 65, 6]), 1, "1,10,100"))
    assert out == lines("shape (8,)  min 6  max 654", "100 210 321 432 543 654 65 6")


def test_two_filters_on_a_signal_print_one_labelled_aligned_line_each() -> None:
    # 1..6 with 1,1 and 1,-1 (valid): the contract's (5, 2) case.
    data = np.stack([[3.0, 5, 7, 9, 11], [-1.0] * 5], axis=-1)
    out = render(FeatureMaps(data, 1, 1, 2, ("1,1", "1,-1")), title="sig.csv")
    assert out == lines(
        "sig.csv  shape (5, 2)  min -1  max 11  filters: 1,1, 1,-1",
        "filter 0 (1,1):   3  5  7  9 11",
        "filter 1 (1,-1): -1 -1 -1 -1 -1",
    )


def test_signal_with_channels_labels_channels() -> None:
    data = np.array([[1.0, 20], [2, 30]])  # (steps, channels)
    out = render(FeatureMaps(data, 1, 2, 1, ("bump",)))
    assert out == lines(
        "shape (2, 2)  min 1  max 30",
        "channel 0:  1  2",
        "channel 1: 20 30",
    )


def test_two_filters_on_a_grid_print_labelled_blocks() -> None:
    data = np.stack([np.eye(2) * 3, np.array([[-4.0, 0], [0, 4]])], axis=-1)
    out = render(FeatureMaps(data, 2, 1, 2, ("vertical-line", "sobel-x")), title="a.png")
    assert out == lines(
        "a.png  shape (2, 2, 2)  min -4  max 4  filters: vertical-line, sobel-x",
        "filter 0: vertical-line",
        " 3 0",
        " 0 3",
        "",
        "filter 1: sobel-x",
        "-4 0",
        " 0 4",
    )


def test_rgb_each_prints_one_block_per_channel() -> None:
    # Contract: 4x4 RGB of 1, 2, 3 with 1,1;1,1 under --channels each.
    data = np.stack([np.full((3, 3), v) for v in (4.0, 8.0, 12.0)], axis=-1)
    out = render(FeatureMaps(data, 2, 3, 1, ("1,1;1,1",)), title="rgb.png")
    assert out == lines(
        "rgb.png  shape (3, 3, 3)  min 4  max 12",
        "channel 0",
        *[" 4  4  4"] * 3,
        "",
        "channel 1",
        *[" 8  8  8"] * 3,
        "",
        "channel 2",
        *["12 12 12"] * 3,
    )


def test_rgb_each_with_two_filters_is_channel_major() -> None:
    # Contract: two filters under each give 4 8 8 16 12 24 along the last axis.
    data = np.stack([np.full((2, 2), v) for v in (4.0, 8, 8, 16, 12, 24)], axis=-1)
    out = render(FeatureMaps(data, 2, 3, 2, ("1,1;1,1", "2,2;2,2")))
    blocks = [
        ("channel 0, filter 0: 1,1;1,1", " 4  4"),
        ("channel 0, filter 1: 2,2;2,2", " 8  8"),
        ("channel 1, filter 0: 1,1;1,1", " 8  8"),
        ("channel 1, filter 1: 2,2;2,2", "16 16"),
        ("channel 2, filter 0: 1,1;1,1", "12 12"),
        ("channel 2, filter 1: 2,2;2,2", "24 24"),
    ]
    expected = ["shape (2, 2, 6)  min 4  max 24  filters: 1,1;1,1, 2,2;2,2"]
    for i, (label, row) in enumerate(blocks):
        expected += ([""] if i else []) + [label, row, row]
    assert out == lines(*expected)


def test_sum_with_one_filter_keeps_a_filter_axis_label() -> None:
    data = np.full((2, 2, 1), 24.0)  # --channels sum on RGB: (H, W, 1)
    out = render(FeatureMaps(data, 2, 1, 1, ("1,1;1,1",)))
    assert out == lines(
        "shape (2, 2, 1)  min 24  max 24",
        "filter 0: 1,1;1,1",
        "24 24",
        "24 24",
    )


def test_last_axis_not_matching_the_layout_falls_back_to_indices() -> None:
    data = np.stack([np.zeros((1, 2)), np.ones((1, 2))], axis=-1)
    out = render(FeatureMaps(data, 2, 1, 1, ("k",)))
    assert out == lines("shape (1, 2, 2)  min 0  max 1", "index 0", "0 0", "", "index 1", "1 1")


def test_volume_prints_one_block_per_plane() -> None:
    data = np.arange(12.0).reshape(2, 2, 3) - 5
    out = render(one(data, 3), title="vol.npy")
    assert out == lines(
        "vol.npy  shape (2, 2, 3)  min -5  max 6",
        "plane 0",
        "-5 -4 -3",
        "-2 -1  0",
        "",
        "plane 1",
        " 1  2  3",
        " 4  5  6",
    )


def test_volume_with_filters_labels_filter_and_plane() -> None:
    data = np.arange(8.0).reshape(2, 1, 2, 2)  # planes, rows, cols, filters
    out = render(FeatureMaps(data, 3, 1, 2, ("a", "b")))
    assert out == lines(
        "shape (2, 1, 2, 2)  min 0  max 7  filters: a, b",
        "filter 0, plane 0: a",
        "0 2",
        "",
        "filter 0, plane 1: a",
        "4 6",
        "",
        "filter 1, plane 0: b",
        "1 3",
        "",
        "filter 1, plane 1: b",
        "5 7",
    )


def test_empty_map_prints_only_the_header() -> None:
    assert render(one(np.zeros((0,)), 1)) == lines("shape (0,)  empty")


# --- summarising and width -----------------------------------------------------------


BIG = np.arange(1600.0).reshape(40, 40)


def test_large_map_is_summarised_like_numpy() -> None:
    out = render(one(BIG, 2), title="big.png")
    assert out == lines(
        "big.png  shape (40, 40)  min 0  max 1599",
        "   0    1    2 ...   37   38   39",
        "  40   41   42 ...   77   78   79",
        "  80   81   82 ...  117  118  119",
        "...",
        "1480 1481 1482 ... 1517 1518 1519",
        "1520 1521 1522 ... 1557 1558 1559",
        "1560 1561 1562 ... 1597 1598 1599",
    )


def test_threshold_is_numpys_1000_elements() -> None:
    at = render(one(np.zeros((10, 100)), 2), width=1000)
    above = render(one(np.zeros((11, 100)), 2), width=1000)
    assert at.count("\n") == 11  # header + 10 full rows
    assert "..." not in at
    assert above == lines(
        "shape (11, 100)  min 0  max 0", *["0 0 0 ... 0 0 0"] * 3, "...", *["0 0 0 ... 0 0 0"] * 3
    )


def test_rows_wider_than_the_console_drop_columns() -> None:
    data = np.arange(60.0).reshape(2, 30)  # small enough to print whole, but 89 wide
    out = render(one(data, 2), width=80)
    left, right = " ".join(f"{v:2d}" for v in range(12)), " ".join(map(str, range(18, 30)))
    assert out == lines(
        "shape (2, 30)  min 0  max 59",
        f"{left} ... {right}",
        " ".join(map(str, range(30, 42))) + " ... " + " ".join(map(str, range(48, 60))),
    )
    assert max(len(line) for line in out.splitlines()) == 75


def test_max_width_overrides_the_console_width() -> None:
    data = np.arange(60.0).reshape(2, 30)
    out = render(one(data, 2), width=80, max_width=40)
    assert out.splitlines()[1:] == [
        " 0  1  2  3  4  5 ... 24 25 26 27 28 29",
        "30 31 32 33 34 35 ... 54 55 56 57 58 59",
    ]


def test_single_signal_keeps_single_spaces_when_width_limited() -> None:
    out = render(one(np.arange(30.0) * 1000, 1), width=40)
    assert out.splitlines()[1] == "0 1000 2000 ... 27000 28000 29000"


def test_summarised_map_in_a_narrow_console_keeps_one_column_each_side() -> None:
    out = render(one(BIG, 2), width=20)
    assert out.splitlines()[1:] == [
        "   0 ...   39",
        "  40 ...   79",
        "  80 ...  119",
        "...",
        "1480 ... 1519",
        "1520 ... 1559",
        "1560 ... 1599",
    ]


def test_many_channel_rows_of_a_signal_are_summarised() -> None:
    steps = np.arange(200.0)[:, np.newaxis]
    data = steps + 1000 * np.arange(10.0)  # (200, 10): channel c holds c*1000 + step
    out = render(FeatureMaps(data, 1, 10, 1, ("bump",)))
    assert out == lines(
        "shape (200, 10)  min 0  max 9199",
        "channel 0:    0    1    2 ...  197  198  199",
        "channel 1: 1000 1001 1002 ... 1197 1198 1199",
        "channel 2: 2000 2001 2002 ... 2197 2198 2199",
        "...",
        "channel 7: 7000 7001 7002 ... 7197 7198 7199",
        "channel 8: 8000 8001 8002 ... 8197 8198 8199",
        "channel 9: 9000 9001 9002 ... 9197 9198 9199",
    )


def test_many_planes_are_summarised() -> None:
    data = np.zeros((20, 20, 20))
    data[-1, -1, -1] = -2.5
    out = render(one(data, 3)).splitlines()
    assert out[0] == "shape (20, 20, 20)  min -2.5  max 0"
    labels = [line for line in out if line.startswith(("plane", "... ("))]
    assert labels == [
        "plane 0",
        "plane 1",
        "plane 2",
        "... (14 planes omitted)",
        "plane 17",
        "plane 18",
        "plane 19",
    ]
    # Blocks share column widths: the -2.5 in the last plane widens that column everywhere.
    assert out[1:9] == [
        "plane 0",
        *["0 0 0 ... 0 0    0"] * 3,
        "...",
        *["0 0 0 ... 0 0    0"] * 3,
    ]
    assert out[-1] == "0 0 0 ... 0 0 -2.5"


def test_many_filters_are_summarised_and_the_header_stays_short() -> None:
    names = tuple(f"gaussian:size={i}" for i in range(100))
    out = render(FeatureMaps(np.ones((4, 4, 100)), 2, 1, 100, names)).splitlines()
    assert out[0] == "shape (4, 4, 100)  min 1  max 1  100 filters"
    labels = [line for line in out if line.startswith(("filter", "... ("))]
    assert labels == [
        "filter 0: gaussian:size=0",
        "filter 1: gaussian:size=1",
        "filter 2: gaussian:size=2",
        "... (94 maps omitted)",
        "filter 97: gaussian:size=97",
        "filter 98: gaussian:size=98",
        "filter 99: gaussian:size=99",
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda rows: st.integers(1, 12).flatmap(
            lambda cols: st.lists(
                st.integers(-999, 999), min_size=rows * cols, max_size=rows * cols
            ).map(lambda v: np.array(v, dtype=float).reshape(rows, cols) / 2)
        )
    ),
    st.integers(20, 120),
)
def test_grid_values_round_trip_and_lines_fit(data: np.ndarray, width: int) -> None:
    wide = render(one(data, 2), width=10_000).splitlines()[1:]
    assert [line.split() for line in wide] == [[format_value(v) for v in row] for row in data]
    narrow = render(one(data, 2), width=width).splitlines()[1:]
    assert all(len(line) <= width for line in narrow)
    for full, cut in zip(wide, narrow, strict=True):
        shown = cut.split()
        if "..." in shown:  # the kept columns are the ends of the full row
            i = shown.index("...")
            assert shown[:i] == full.split()[:i]
            assert shown[i + 1 :] == full.split()[len(full.split()) - (len(shown) - i - 1) :]
        else:
            assert shown == full.split()


# --- terminal styles ---------------------------------------------------------------

SIGNED = np.array([[-1.0, 0.0], [2.0, 3.0]])


def terminal_console(file: io.StringIO, width: int = 80) -> Console:
    return Console(file=file, width=width, force_terminal=True, color_system="truecolor")


def test_terminal_output_is_styled_by_sign() -> None:
    file = io.StringIO()
    render_maps(one(SIGNED, 2), terminal_console(file))
    out = file.getvalue()
    assert "\x1b[1mshape (2, 2)  min -1  max 3\x1b[0m" in out  # bold header
    assert "\x1b[31m-1\x1b[0m" in out  # negative: red
    assert "\x1b[2m0\x1b[0m" in out  # zero: dim
    assert "\x1b[32m 2\x1b[0m" in out  # positive: green
    assert ANSI.sub("", out) == render(one(SIGNED, 2))


def test_no_color_gives_plain_text_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    file = io.StringIO()
    render_maps(one(SIGNED, 2), terminal_console(file))
    assert "\x1b" not in file.getvalue()
    assert file.getvalue() == lines("shape (2, 2)  min -1  max 3", "-1 0", " 2 3")


def test_utf8_terminal_uses_vertical_ellipses() -> None:
    file = io.StringIO()
    render_maps(one(BIG, 2), terminal_console(file))
    rows = ANSI.sub("", file.getvalue()).splitlines()
    assert rows[4] == "   ⋮    ⋮    ⋮   ⋱    ⋮    ⋮    ⋮"
    assert rows[1] == "   0    1    2 ...   37   38   39"


class AsciiIO(io.StringIO):
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "ascii"


def test_non_utf8_terminal_stays_ascii() -> None:
    file = AsciiIO()
    render_maps(one(np.zeros((20, 20, 20)), 3), terminal_console(file))
    out = ANSI.sub("", file.getvalue())
    assert out.isascii()
    assert "\n...\n" in out
    assert "... (14 planes omitted)" in out


# --- errors ------------------------------------------------------------------------


def test_more_than_three_sliding_axes_is_an_error() -> None:
    maps = one(np.zeros((2, 2, 2, 2)), 4)
    with pytest.raises(
        OutputError,
        match=r"^table output shows 1-D, 2-D or 3-D feature maps; got 4 sliding axes; "
        r"write them to \.npy with -o instead$",
    ):
        render_maps(maps, plain_console())


def test_axes_not_matching_sliding_ndim_is_an_error() -> None:
    maps = one(np.zeros((2, 2, 2, 2)), 2)
    with pytest.raises(
        OutputError,
        match=r"^feature maps with 2 sliding axes must have 2 or 3 axes; got shape \(2, 2, 2, 2\)$",
    ):
        render_maps(maps, plain_console())


# --- progress ----------------------------------------------------------------------


def test_progress_is_silent_unless_enabled_on_a_terminal() -> None:
    for enabled, terminal in ((False, True), (True, False)):
        file = io.StringIO()
        console = Console(file=file, force_terminal=terminal, color_system=None)
        bar = ProgressBar(2, enabled=enabled, console=console)
        bar.begin()
        bar.advance()
        bar.advance()
        bar.close()
        assert file.getvalue() == ""


def test_progress_shows_only_after_begin_on_a_terminal() -> None:
    file = io.StringIO()
    console = Console(file=file, width=80, force_terminal=True, color_system=None)
    bar = ProgressBar(2, enabled=True, console=console)
    bar.advance(0.5)
    assert file.getvalue() == ""  # quick work never flashes a bar
    bar.begin()
    bar.advance(0.5)
    bar.close()
    assert "convcli" in file.getvalue()
    assert "50%" in file.getvalue()
