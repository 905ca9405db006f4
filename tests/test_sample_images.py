"""The files in sample_images/ have the properties their README promises.

Files are read with Pillow and NumPy directly (not with convcli's loaders), so these
tests pin the data itself. The generator script is imported from its path and must
reproduce every file's pixels.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from PIL import Image

SAMPLES = Path(__file__).resolve().parent.parent / "sample_images"
PNG_NAMES = [
    "vertical-line.png",
    "horizontal-line.png",
    "step-edge.png",
    "bright-pixel.png",
    "checkerboard.png",
    "gradient-16bit.png",
    "photo.png",
    "photo-grey.png",
]
CSV_NAMES = ["seed-bump.csv", "seed-line-8x8.csv", "signal-1-6.csv"]
VERTICAL_LINE = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], dtype=float)
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)


def load(name: str) -> NDArray[np.generic]:
    with Image.open(SAMPLES / name) as img:
        return np.asarray(img)


def mode_of(name: str) -> str:
    with Image.open(SAMPLES / name) as img:
        return img.mode


def correlate_valid(x: NDArray[np.generic], kernel: NDArray[np.float64]) -> NDArray[np.float64]:
    """Plain 'valid' cross-correlation, as `convcli apply` does it by default."""
    windows = sliding_window_view(x.astype(float), kernel.shape)
    result: NDArray[np.float64] = np.einsum("ijkl,kl->ij", windows, kernel)
    return result


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regenerated(script: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh run of make_samples.write_all into an empty folder (photo drawn once)."""
    out = tmp_path_factory.mktemp("samples")
    written = script.write_all(out)
    assert sorted(p.name for p in written) == sorted(PNG_NAMES + CSV_NAMES)
    return out


# ---------------------------------------------------------------- defining properties


def test_vertical_line_is_one_white_column_at_15() -> None:
    img = load("vertical-line.png")
    assert mode_of("vertical-line.png") == "L"
    assert img.shape == (32, 32)
    expected = np.zeros((32, 32), dtype=np.uint8)
    expected[:, 15] = 255
    np.testing.assert_array_equal(img, expected)


def test_vertical_line_detector_lights_exactly_that_column_with_765() -> None:
    fmap = correlate_valid(load("vertical-line.png"), VERTICAL_LINE)
    assert fmap.shape == (30, 30)
    assert np.all(fmap[:, 14] == 765.0)  # window column 14..16 centred on column 15
    assert np.count_nonzero(fmap) == 30


def test_horizontal_line_is_one_white_row_at_15() -> None:
    img = load("horizontal-line.png")
    assert mode_of("horizontal-line.png") == "L"
    expected = np.zeros((32, 32), dtype=np.uint8)
    expected[15, :] = 255
    np.testing.assert_array_equal(img, expected)
    # the vertical detector sees only a third of it: 255 in the three rows that touch it
    fmap = correlate_valid(img, VERTICAL_LINE)
    np.testing.assert_array_equal(np.unique(np.nonzero(fmap)[0]), [13, 14, 15])
    assert fmap.max() == 255.0


def test_step_edge_is_black_left_white_right_and_sobel_x_lights_the_boundary() -> None:
    img = load("step-edge.png")
    assert mode_of("step-edge.png") == "L"
    assert img.shape == (32, 32)
    assert np.all(img[:, :16] == 0)
    assert np.all(img[:, 16:] == 255)
    fmap = correlate_valid(img, SOBEL_X)
    # windows over columns 14..16 and 15..17 straddle the edge: (1 + 2 + 1) * 255
    assert np.all(fmap[:, 14:16] == 1020.0)
    assert np.count_nonzero(fmap) == 2 * 30


def test_bright_pixel_is_a_single_255_at_the_centre() -> None:
    img = load("bright-pixel.png")
    assert mode_of("bright-pixel.png") == "L"
    assert img.shape == (15, 15)
    assert img[7, 7] == 255
    assert int(img.sum()) == 255


def test_bright_pixel_impulse_response_is_the_flipped_kernel() -> None:
    kernel = np.arange(1.0, 10.0).reshape(3, 3)
    fmap = correlate_valid(load("bright-pixel.png"), kernel)  # 13x13, impulse at (6, 6)
    np.testing.assert_array_equal(fmap[5:8, 5:8], kernel[::-1, ::-1] * 255)
    assert np.count_nonzero(fmap) == 9


def test_checkerboard_has_4x4_squares_black_top_left() -> None:
    img = load("checkerboard.png")
    assert mode_of("checkerboard.png") == "L"
    assert img.shape == (32, 32)
    blocks = img.reshape(8, 4, 8, 4).transpose(0, 2, 1, 3)  # (block row, block col, 4, 4)
    # every 4x4 square is one colour, and neighbouring squares alternate
    assert np.all(blocks == blocks[:, :, :1, :1])
    colours = blocks[:, :, 0, 0]
    expected = ((np.add.outer(np.arange(8), np.arange(8)) % 2) * 255).astype(np.uint8)
    np.testing.assert_array_equal(colours, expected)
    assert colours[0, 0] == 0


def test_gradient_16bit_is_a_16bit_ramp_over_the_full_range() -> None:
    img = load("gradient-16bit.png")
    assert mode_of("gradient-16bit.png") == "I;16"
    assert img.dtype == np.uint16
    assert img.shape == (64, 64)
    assert (int(img.min()), int(img.max())) == (0, 65535)
    assert np.all(img == img[0])  # every row the same
    assert np.all(np.diff(img[0].astype(int)) > 0)  # dark to bright, strictly
    assert img[0, 1] == 1040  # 65535 / 63 = 1040.2, rounded
    # only 4 of the 64 values are n * 257 (0, 1/3, 2/3 and all of the range), so 8 bits
    # could not hold the others
    np.testing.assert_array_equal(img[0][img[0] % 257 == 0], [0, 21845, 43690, 65535])


def test_photo_is_a_colourful_detailed_rgb_image_under_400_kb() -> None:
    img = load("photo.png")
    assert mode_of("photo.png") == "RGB"
    assert img.shape == (256, 384, 3)
    assert (SAMPLES / "photo.png").stat().st_size < 400_000
    # a colour picture, not grey stored as RGB: red and blue differ a lot somewhere
    diff = np.abs(img[..., 0].astype(int) - img[..., 2].astype(int))
    assert diff.max() > 100
    # dark and bright areas and most grey levels in between
    assert img.min() < 20
    assert img.max() > 240
    assert len(np.unique(img)) > 200
    # edges for detectors to find: many strong horizontal gradients
    grey = img.astype(float).mean(axis=2)
    strong = np.abs(np.diff(grey, axis=1)) > 40
    assert strong.mean() > 0.005


def test_photo_grey_is_pillows_l_conversion_of_photo() -> None:
    assert mode_of("photo-grey.png") == "L"
    assert (SAMPLES / "photo-grey.png").stat().st_size < 400_000
    with Image.open(SAMPLES / "photo.png") as rgb:
        expected = np.asarray(rgb.convert("L"))
    np.testing.assert_array_equal(load("photo-grey.png"), expected)


@pytest.mark.parametrize(
    ("name", "text", "values"),
    [
        ("seed-bump.csv", "0,0,0,1,1,0,0,0\n", [0, 0, 0, 1, 1, 0, 0, 0]),
        ("seed-line-8x8.csv", "0,0,0,1,1,0,0,0\n" * 8, [[0, 0, 0, 1, 1, 0, 0, 0]] * 8),
        ("signal-1-6.csv", "1,2,3,4,5,6\n", [1, 2, 3, 4, 5, 6]),
    ],
)
def test_seed_csv_holds_exactly_the_tutorial_values(
    name: str, text: str, values: list[int] | list[list[int]]
) -> None:
    path = SAMPLES / name
    assert path.read_bytes() == text.encode("ascii")
    np.testing.assert_array_equal(np.loadtxt(path, delimiter=","), np.array(values, dtype=float))


def test_folder_is_small_and_holds_only_the_known_files() -> None:
    files = [p for p in SAMPLES.iterdir() if p.is_file()]
    names = {p.name for p in files}
    assert names == {*PNG_NAMES, *CSV_NAMES, "make_samples.py", "README.md"}
    assert sum(p.stat().st_size for p in files) < 1_500_000


def test_readme_has_a_line_for_every_sample() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in PNG_NAMES + CSV_NAMES:
        lines = [line for line in readme.splitlines() if line.startswith(f"| `{name}`")]
        assert len(lines) == 1, name
        assert f"convcli apply sample_images/{name}" in lines[0] or name == "photo-grey.png"


# ---------------------------------------------------------------------- regeneration

EXACT = [name for name in PNG_NAMES if not name.startswith("photo")]


@pytest.mark.parametrize("name", EXACT)
def test_script_regenerates_exactly_the_same_pixels(regenerated: Path, name: str) -> None:
    with Image.open(regenerated / name) as fresh:
        assert fresh.mode == mode_of(name)
        np.testing.assert_array_equal(np.asarray(fresh), load(name))


@pytest.mark.parametrize("name", ["photo.png", "photo-grey.png"])
def test_script_regenerates_the_photo(regenerated: Path, name: str) -> None:
    with Image.open(regenerated / name) as fresh:
        assert fresh.mode == mode_of(name)
        new = np.asarray(fresh).astype(int)
    old = load(name).astype(int)
    assert new.shape == old.shape
    # float64 exp/sin may differ in the last bit between CPUs' SIMD code paths, which
    # can flip a rounding; anything more than that is a real change to the picture
    assert np.abs(new - old).max() <= 1
    assert np.count_nonzero(new != old) <= old.size // 1000


@pytest.mark.parametrize("name", CSV_NAMES)
def test_script_regenerates_identical_csv_bytes(regenerated: Path, name: str) -> None:
    assert (regenerated / name).read_bytes() == (SAMPLES / name).read_bytes()


def test_script_uses_only_numpy_pillow_and_the_standard_library() -> None:
    tree = ast.parse((SAMPLES / "make_samples.py").read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    third_party = {root for root in roots if root not in sys.stdlib_module_names}
    assert third_party == {"numpy", "PIL"}
