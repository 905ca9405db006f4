"""`convcli apply` pictures end to end: --show heat maps, --report sheets, montages, cmaps.

Every test goes through the real entry point (`convcli.cli.main`); pictures are checked
by decoding them and comparing pixel values.
"""

from __future__ import annotations

import base64
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from clirun import Result, run_cli
from PIL import Image

from convcli.params import FilterSettings
from convcli.pictures import cmap_table
from convcli.report import build_sheet

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_images"
LINE = str(SAMPLES / "vertical-line.png")
SEED = str(SAMPLES / "seed-line-8x8.csv")
BUMP = str(SAMPLES / "seed-bump.csv")
COLOUR = {"FORCE_COLOR": "1", "COLORTERM": "truecolor", "TERM": "xterm-256color"}
VIRIDIS = cmap_table("viridis")
BLUE, GREY, RED = [59, 76, 192], [221, 221, 221], [180, 4, 38]


def refused(result: Result, message: str, code: int = 2) -> None:
    """Exit ``code``, nothing on standard output, exactly ``message`` on standard error."""
    assert result.code == code, result.err
    assert result.out == b""
    first = result.err.splitlines()[0]
    assert first == f"Error: {message}", first


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# ---------------------------------------------------------------------------
# --show


def test_show_prints_heat_maps_instead_of_numbers() -> None:
    result = run_cli("apply", SEED, "-k", "vertical-line", "--show")
    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.text.splitlines()
    # the input (8x8) and the map (6x6) side by side, both enlarged 3x (24 // 8)
    assert lines[0] == "input: seed-line-8x8.csv      filter 0: vertical-line"
    assert lines[1] == "(8, 8)  min 0  max 1  at 3x   (6, 6)  min 0  max 3  at 3x"
    # not a terminal: plain ASCII, the line of ones in columns 3-4 (x3 = 9..14)
    # (the input's panel is 27 wide, then 3 spaces; the map's columns 2-3 are 6..11)
    assert lines[2] == " " * 9 + "@" * 6 + " " * 15 + " " * 6 + "@" * 6
    # the map: 18 pixel rows in 9 lines, then its legend; the input: 12 lines, legend
    assert lines[11] == " " * 9 + "@" * 6 + " " * 15 + "0 [ .:-=+*#%@] 3"
    assert lines[14] == "0 [ .:-=+*#%@] 1"
    assert len(lines) == 15
    assert "\x1b" not in result.text
    assert "shape (6, 6)" not in result.text  # no table


def test_show_in_colour_on_a_terminal_and_plain_with_no_color() -> None:
    coloured = run_cli("apply", BUMP, "-k", "bump", "--show", env=COLOUR)
    assert coloured.code == 0, coloured.err
    assert "▀" in coloured.text
    # the bump's ones are viridis' top colour, its zeros the bottom one
    top, bottom = VIRIDIS[255].tolist(), VIRIDIS[0].tolist()
    assert "\x1b[38;2;{};{};{};48;2;{};{};{}m".format(*top, *top) in coloured.text
    assert "\x1b[38;2;{};{};{};48;2;{};{};{}m".format(*bottom, *bottom) in coloured.text
    plain = run_cli("apply", BUMP, "-k", "bump", "--show", env={**COLOUR, "NO_COLOR": "1"})
    assert plain.code == 0, plain.err
    assert "\x1b[38" not in plain.text
    assert "▀" not in plain.text
    assert "@@@" in plain.text


def test_show_with_a_colour_map_for_the_terminal_only() -> None:
    result = run_cli("apply", BUMP, "-k", "bump", "--show", "--cmap", "magma", env=COLOUR)
    assert result.code == 0, result.err
    top = cmap_table("magma")[255].tolist()
    assert "\x1b[38;2;{};{};{}".format(*top) in result.text


def test_show_signed_map_is_diverging() -> None:
    result = run_cli("apply", LINE, "-k", "sobel-x", "--show")
    assert result.code == 0, result.err
    lines = result.text.splitlines()
    assert lines[0] == "input: vertical-line.png           filter 0: sobel-x"
    assert lines[1] == "(32, 32)  min 0  max 255           (30, 30)  min -1020  max 1020"
    # brighter to the right of column 13 (+1020, '#'), darker at 15 (-1020, '=')
    assert lines[2][35:].rstrip() == " " * 13 + "# ="
    assert lines[-2].endswith("-1020 [=~-,] 0 [.+*#] 1020")


def test_show_and_write_the_file(tmp_path: Path) -> None:
    target = tmp_path / "map.png"
    result = run_cli("apply", LINE, "-k", "vertical-line", "--show", "-o", str(target))
    assert result.code == 0, result.err
    assert "filter 0: vertical-line" in result.text
    pixels = np.asarray(Image.open(target))
    assert pixels.shape == (30, 30)
    assert pixels[0, 14] == 255  # 765 rescaled (minmax)
    assert result.err == "note: rescaled 0..765 to 0..255 (minmax)\n"


def test_show_titles_each_of_several_inputs(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    result = run_cli(
        "apply", SEED, BUMP.replace("seed-bump", "signal-1-6"), "-k", "0,1,0", "--show",
        "--output-dir", str(tmp_path / "out"),
    )  # fmt: skip
    # a 1-D kernel over the 8x8 grid (a (8, 8) signal of 8 channels) and the 1-6 signal
    assert result.code == 0, result.err
    titles = [line for line in result.text.splitlines() if line.endswith(".csv")]
    assert titles == [SEED, str(SAMPLES / "signal-1-6.csv")]
    assert listing(tmp_path / "out") == ["seed-line-8x8.npy", "signal-1-6.npy"]


def test_show_reads_standard_input() -> None:
    result = run_cli("apply", "-", "-k", "bump", "--show", stdin=b"0,0,0,1,1,0,0,0\n")
    assert result.code == 0, result.err
    assert result.text.splitlines()[0].startswith("input: stdin")


def test_show_a_volume_plane_by_plane(tmp_path: Path) -> None:
    volume = np.zeros((3, 4, 4))
    volume[1, 1:3, 1:3] = 1.0
    np.save(tmp_path / "v.npy", volume)
    result = run_cli("apply", str(tmp_path / "v.npy"), "-k", "identity:ndim=3", "-p", "same",
                     "--show")  # fmt: skip
    assert result.code == 0, result.err
    titles = [t for line in result.text.splitlines() for t in line.split("   ") if "plane" in t]
    # long names are cut, never the plane number
    assert [t.strip() for t in titles] == [
        *(f"input: v.npy, plane {p}" for p in range(3)),
        *(f"filter 0: identity:n..., plane {p}" for p in range(3)),
    ]
    assert "@@@@@@@@@@@@" in result.text  # the ones of plane 1 (2 x 6 columns)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--format", "csv"],
            "--show draws heat maps on standard output, where --format csv would write data "
            "too; write the data to a file with -o FILE",
        ),
        (
            ["-o", "-", "--format", "npy"],
            "--show draws heat maps on standard output, where -o - would write data too; "
            "write the data to a file with -o FILE",
        ),
        (
            ["-o", "/dev/stdout", "--format", "csv"],
            "--show draws heat maps on standard output, where -o /dev/stdout would write "
            "data too; write the data to a file with -o FILE",
        ),
        (
            ["--format", "table"],
            "--show draws heat maps instead of the --format table numbers; drop one of them",
        ),
        (
            ["--normalize", "abs"],
            "--normalize is for image files; --show draws every map on its own scale: "
            "add -o FILE.png or --output-dir DIR",
        ),
        (
            ["--split"],
            "--split is for image files; --show draws every map on its own scale: "
            "add -o FILE.png or --output-dir DIR",
        ),
    ],
)
def test_show_refuses_what_would_share_standard_output(options: list[str], message: str) -> None:
    refused(run_cli("apply", BUMP, "-k", "bump", "--show", *options), message)


def test_cmap_without_show_or_report_is_still_refused_on_the_terminal() -> None:
    refused(
        run_cli("apply", BUMP, "-k", "bump", "--cmap", "magma"),
        "--cmap is for image files; the maps are printed as a table here: "
        "add -o FILE.png or --output-dir DIR",
    )


# ---------------------------------------------------------------------------
# montages and colour maps


def test_montage_labels_and_shared_scale(tmp_path: Path) -> None:
    target = tmp_path / "m.png"
    result = run_cli("apply", str(SAMPLES / "step-edge.png"), "-k", "sobel-x", "-k", "sobel-y",
                     "-o", str(target))  # fmt: skip
    assert result.code == 0, result.err
    assert result.err == "note: rescaled 0..1020 to 0..255 (minmax), shared by the 2 tiles\n"
    sheet = np.asarray(Image.open(target))
    # two 30x30 tiles enlarged 4x (120 px), labels, then the legend of the shared scale
    assert sheet.shape == (4 + 120 + 18 + 4 + 40 + 4, 4 + 2 * (120 + 4))
    left, right = sheet[4:124, 4:124], sheet[4:124, 128:248]
    assert left[0, 14 * 4] == 255  # 1020 on the edge: the top of the shared scale
    assert left[0, 0] == 0
    assert np.all(right == 0)  # sobel-y on a vertical edge is 0 everywhere: black
    bar = sheet[146 + 16, 6:246]
    assert (bar[0], bar[-1]) == (0, 255)
    for strip in (sheet[124:142, 4:124], sheet[124:142, 128:248]):
        assert strip.max() > 200  # each tile has its label


def test_coolwarm_is_centred_on_zero_through_the_cli(tmp_path: Path) -> None:
    target = tmp_path / "c.png"
    result = run_cli("apply", LINE, "-k", "sobel-x", "--cmap", "coolwarm", "-o", str(target))
    assert result.code == 0, result.err
    rgb = np.asarray(Image.open(target).convert("RGB"))
    assert rgb[0, 0].tolist() == GREY  # 0
    assert rgb[0, 13].tolist() == RED  # +1020
    assert rgb[0, 15].tolist() == BLUE  # -1020
    # an unsymmetric map: vertical-line is 0..765, so 0 stays neutral, 765 is red
    target = tmp_path / "v.png"
    run_cli("apply", LINE, "-k", "vertical-line", "--cmap", "coolwarm", "-o", str(target))
    rgb = np.asarray(Image.open(target).convert("RGB"))
    assert rgb[0, 0].tolist() == GREY
    assert rgb[0, 14].tolist() == RED


# ---------------------------------------------------------------------------
# --report


class Page(HTMLParser):
    """The parts of a report page the tests read."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        self._in_cell = tag == "td"

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_cell:
            self.cells.append(data)


def decode(src: str | None) -> np.ndarray:
    assert src is not None
    assert src.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def html_report(tmp_path: Path, *args: str) -> Page:
    target = tmp_path / "sheet.html"
    result = run_cli("apply", *args, "--report", str(target), "-q")
    assert result.code == 0, result.err
    page = Page()
    page.feed(target.read_text(encoding="utf-8"))
    page.close()
    return page


def test_html_report_content(tmp_path: Path) -> None:
    page = html_report(tmp_path, LINE, "-k", "vertical-line", "-k", "sobel-x", "-o",
                       str(tmp_path / "m.npy"))  # fmt: skip
    text = " ".join(page.text)
    assert f"convcli report: {LINE}" in text
    assert (
        "input (32, 32) · kernels (3, 3), (3, 3) · stride 1,1 · dilation 1,1 · "
        "padding valid: 0:0,0:0 · pad mode zeros · output (30, 30, 2) · cross-correlation"
    ) in text
    # no external resources: every image is an embedded PNG; no scripts, links or frames
    assert not {"script", "link", "iframe", "object"} & set(page.tags)
    assert "http" not in text
    pictures = [img for img in page.images if img.get("class") == "picture"]
    bars = [img for img in page.images if img.get("class") == "bar"]
    assert [img["alt"] for img in pictures] == [
        "input",
        "filter 0: vertical-line",
        "filter 1: sobel-x",
    ]
    assert len(bars) == 3
    # one display factor for all: 32 px -> 5x = 160 (MIN_SIDE), the maps 30 px -> 150
    source, line_map, edge_map = (decode(img["src"]) for img in pictures)
    assert source.shape == (160, 160, 3)
    assert line_map.shape == edge_map.shape == (150, 150, 3)
    assert (pictures[1]["width"], pictures[1]["height"]) == ("150", "150")
    # the input in grey: the white line at column 15 (75..79), black elsewhere
    assert source[0, 75].tolist() == [255, 255, 255]
    assert source[0, 74].tolist() == [0, 0, 0]
    # vertical-line: 765 in column 14 (viridis' top), 0 elsewhere (its bottom)
    assert line_map[0, 14 * 5].tolist() == VIRIDIS[255].tolist()
    assert line_map[0, 0].tolist() == VIRIDIS[0].tolist()
    # sobel-x: signed, coolwarm centred on 0
    assert edge_map[0, 0].tolist() == GREY
    assert edge_map[0, 13 * 5].tolist() == RED
    assert edge_map[0, 15 * 5].tolist() == BLUE
    assert decode(bars[2]["src"]).shape == (1, 256, 3)
    # the kernels' weights, as text in tables
    assert page.cells == ["0", "1", "0"] * 3 + ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"]
    assert "min -1020  max 1020" in text
    assert "coolwarm, 0 in the middle" in text


def test_html_report_escapes_names(tmp_path: Path) -> None:
    weird = tmp_path / "a&b <c>.csv"
    weird.write_text("0,0,0,1,1,0,0,0\n")
    target = tmp_path / "s.html"
    result = run_cli("apply", str(weird), "-k", "bump", "--report", str(target), "-q")
    assert result.code == 0, result.err
    page_text = target.read_text(encoding="utf-8")
    assert "a&amp;b &lt;c&gt;.csv" in page_text
    assert "<c>" not in page_text


def test_html_report_of_a_signal_and_stdin(tmp_path: Path) -> None:
    target = tmp_path / "s.html"
    result = run_cli("apply", "-", "-k", "1,10,100", "-p", "same", "--report", str(target),
                     stdin=b"1,2,3,4,5,6\n")  # fmt: skip
    assert result.code == 0, result.err
    assert result.text.splitlines()[1] == "210 321 432 543 654 65"  # the table, as without
    page = Page()
    page.feed(target.read_text(encoding="utf-8"))
    text = " ".join(page.text)
    assert "convcli report: standard input" in text
    assert "padding same: 1:1" in text
    pictures = [decode(img["src"]) for img in page.images if img.get("class") == "picture"]
    # strips: 6 samples enlarged ceil(160 / 6) = 27x, 24 px high
    assert [p.shape for p in pictures] == [(24, 162, 3), (24, 162, 3)]
    # the map 210 321 432 543 654 65: 654 is viridis' top, 65 is 65/654 of the way
    strip = pictures[1][0]
    assert strip[4 * 27].tolist() == VIRIDIS[255].tolist()
    assert strip[5 * 27].tolist() == VIRIDIS[round(65 / 654 * 255)].tolist()


def find(page: np.ndarray, picture: np.ndarray) -> list[tuple[int, int]]:
    """Where ``picture`` sits in ``page`` (top-left corners of exact matches)."""
    h, w = picture.shape[:2]
    rows, cols = page.shape[0] - h + 1, page.shape[1] - w + 1
    corner = np.all(page[:rows, :cols] == picture[0, 0], axis=-1)
    found = []
    for y, x in np.argwhere(corner):
        if np.array_equal(page[y, x : x + w], picture[0]) and np.array_equal(
            page[y : y + h, x : x + w], picture
        ):
            found.append((int(y), int(x)))
    return found


def test_png_report_holds_every_picture(tmp_path: Path) -> None:
    target = tmp_path / "sheet.png"
    result = run_cli("apply", LINE, "-k", "vertical-line", "-k", "sobel-x", "--report",
                     str(target), "-o", str(tmp_path / "m.png"), "-q")  # fmt: skip
    assert result.code == 0, result.err
    page = np.asarray(Image.open(target))
    assert page.ndim == 3
    # the same sheet through the API: each of its pictures appears once on the page
    from convcli.kernel_io import parse_kernel
    from convcli.layer import apply_filters
    from convcli.loaders import load_input

    loaded = load_input(LINE)
    kernels = [parse_kernel("vertical-line"), parse_kernel("sobel-x")]
    maps = apply_filters(loaded.array, [k.weights for k in kernels],
                         labels=[k.label for k in kernels])  # fmt: skip
    sheet = build_sheet(LINE, loaded.array, 8, maps, [(k.label, k.weights) for k in kernels],
                        FilterSettings())  # fmt: skip
    spots = [find(page, picture.pixels) for picture in (*sheet.inputs, *sheet.maps)]
    assert [len(s) for s in spots] == [1, 1, 1]
    (input_at,), (first_at,), (second_at,) = spots
    assert input_at[0] == first_at[0] == second_at[0]  # one row, side by side
    assert input_at[1] < first_at[1] < second_at[1]
    # a grey frame around each picture
    y, x = input_at
    assert page[y - 1, x].tolist() == [190, 190, 190]
    # the report and the montage are both written
    assert listing(tmp_path) == ["m.png", "sheet.png"]


def test_report_with_a_colour_map_and_no_file(tmp_path: Path) -> None:
    page = html_report(tmp_path, LINE, "-k", "vertical-line", "--cmap", "magma")
    pictures = [decode(img["src"]) for img in page.images if img.get("class") == "picture"]
    assert pictures[1][0, 14 * 5].tolist() == cmap_table("magma")[255].tolist()


@pytest.mark.parametrize(
    ("report", "extra", "message"),
    [
        ("sheet.pdf", [],
         "--report writes .html (one self-contained file) or .png; got '{d}/sheet.pdf'"),
        ("-", [], "--report needs a file path ending .html or .png; got '-' (standard output)"),
        ("missing/sheet.html", [],
         "cannot write '{d}/missing/sheet.html': folder '{d}/missing' does not exist "
         "(convcli creates no folders)"),
        ("same.png", ["-o", "{d}/same.png"],
         "--report and the feature maps would both be written to '{d}/same.png'; give the "
         "report another file name"),
        ("", [], "cannot write '{d}/': it is a folder; give a file name such as '{d}/report.html'"),
        ("in.png", [], "--report would overwrite the input '{d}/in.png'; choose another file name"),
    ],
)  # fmt: skip
def test_report_refusals(tmp_path: Path, report: str, extra: list[str], message: str) -> None:
    d = str(tmp_path)
    source = tmp_path / "in.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(source)
    target = report if report == "-" else f"{d}/{report}"
    args = [a.format(d=d) for a in extra]
    result = run_cli("apply", str(source), "-k", "box", "--report", target, *args)
    refused(result, message.format(d=d))
    assert listing(tmp_path) == ["in.png"]


def test_report_over_the_output_dir_target_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(source)
    (tmp_path / "out").mkdir()
    target = f"{tmp_path}/out/in.png"  # where --output-dir puts the maps of in.png
    result = run_cli("apply", str(source), "-k", "box", "--output-dir", f"{tmp_path}/out",
                     "--report", target)  # fmt: skip
    refused(result, f"--report and the feature maps would both be written to '{target}'; "
            "give the report another file name")  # fmt: skip
    assert listing(tmp_path / "out") == []


def test_report_of_several_inputs_is_refused(tmp_path: Path) -> None:
    result = run_cli("apply", BUMP, BUMP.replace("seed-bump", "signal-1-6"), "-k", "bump",
                     "--report", str(tmp_path / "s.html"))  # fmt: skip
    refused(result, "--report makes a sheet about one input; got 2 inputs: run one input at a time")
    assert listing(tmp_path) == []


def test_no_report_when_the_work_fails(tmp_path: Path) -> None:
    existing = tmp_path / "s.html"
    existing.write_text("old")
    result = run_cli("apply", BUMP, "-k", "1,1,1,1,1,1,1,1,1", "--report", str(existing))
    assert result.code == 2
    assert existing.read_text() == "old"
    assert listing(tmp_path) == ["s.html"]


def test_report_geometry_states_padding_per_side_and_convolution(tmp_path: Path) -> None:
    page = html_report(tmp_path, str(SAMPLES / "signal-1-6.csv"), "-k", "1,10,100,1000",
                       "-p", "same", "--flip", "--pad-mode", "reflect", "--bias=1",
                       "--activation", "relu")  # fmt: skip
    (geometry,) = [text for text in page.text if text.startswith("input (")]
    assert geometry == (
        "input (6,) · kernel (4,) · stride 1 · dilation 1 · padding same: 1:2 · "
        "pad mode reflect · bias 1 · activation relu · output (6,) · "
        "convolution (kernel flipped)"
    )
    assert re.search(r"kernel 0: 1,10,100,1000", " ".join(page.text))


# ---------------------------------------------------------------------------
# the README's pictures


def test_readme_pictures_are_reproducible(tmp_path: Path) -> None:
    import importlib.util

    script = SAMPLES / "rendered" / "make_rendered.py"
    spec = importlib.util.spec_from_file_location("make_rendered", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in module.RENDERINGS:
        assert f"](sample_images/rendered/{name})" in readme
        fresh = np.asarray(Image.open(module.render(name, tmp_path)))
        committed = np.asarray(Image.open(SAMPLES / "rendered" / name))
        assert fresh.shape == committed.shape, name
        assert np.array_equal(fresh, committed), name
