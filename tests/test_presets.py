"""Tests of the preset registry: exact weights, parameters, errors, and kernels/ files."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from numpy.testing import assert_allclose, assert_array_equal

from convcli.errors import KernelError
from convcli.kernel_io import load_kernel_file
from convcli.presets import MAX_WEIGHTS, PRESETS, build_preset, closest_presets, preset_names

KERNELS_DIR = Path(__file__).resolve().parents[1] / "kernels"

SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
SOBEL_Y = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
OUTER_121 = [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
ONES_3X3 = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
ZEROS_3X3 = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
SCHARR_Z_PLANE = [[9, 30, 9], [30, 100, 30], [9, 30, 9]]

# Every preset with its default parameters, written out by hand.
EXPECTED: dict[str, object] = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "bump": [0, 1, 0],
    "derivative": [-1, 0, 1],
    "vertical-line": [[0, 1, 0], [0, 1, 0], [0, 1, 0]],
    "horizontal-line": [[0, 0, 0], [1, 1, 1], [0, 0, 0]],
    "diagonal-line": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    "anti-diagonal-line": [[0, 0, 1], [0, 1, 0], [1, 0, 0]],
    "box": np.full((3, 3), 1 / 9),
    "gaussian": None,  # checked against its formula in test_gaussian_default
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel-x": SOBEL_X,
    "sobel-y": SOBEL_Y,
    "sobel-z": [np.negative(OUTER_121), ZEROS_3X3, OUTER_121],
    "prewitt-x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "prewitt-y": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "prewitt-z": [np.negative(ONES_3X3), ZEROS_3X3, ONES_3X3],
    "scharr-x": [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]],
    "scharr-y": [[-3, -10, -3], [0, 0, 0], [3, 10, 3]],
    "scharr-z": [np.negative(SCHARR_Z_PLANE), ZEROS_3X3, SCHARR_Z_PLANE],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}

SUM_ZERO = [
    "derivative",
    "sobel-x",
    "sobel-y",
    "sobel-z",
    "prewitt-x",
    "prewitt-y",
    "prewitt-z",
    "scharr-x",
    "scharr-y",
    "scharr-z",
    "laplacian",
]
SUM_ONE = ["identity", "bump", "box", "gaussian", "sharpen", "emboss"]


def correlate_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Plain 'valid' cross-correlation, to see what a preset responds to."""
    windows = sliding_window_view(image, kernel.shape)
    axes = tuple(range(kernel.ndim))
    return np.tensordot(windows, kernel, axes=(tuple(a + image.ndim for a in axes), axes))


# -- the registry ----------------------------------------------------------------------


def test_every_preset_has_hand_written_weights() -> None:
    assert set(PRESETS) == set(EXPECTED)


def test_display_order_starts_simple_and_names_match_keys() -> None:
    names = preset_names()
    assert names[:7] == [
        "identity",
        "bump",
        "derivative",
        "vertical-line",
        "horizontal-line",
        "diagonal-line",
        "anti-diagonal-line",
    ]
    assert names == list(PRESETS)
    assert all(PRESETS[name].name == name for name in names)


@pytest.mark.parametrize("name", [n for n, w in EXPECTED.items() if w is not None])
def test_default_weights_are_exact(name: str) -> None:
    weights = build_preset(name)
    assert weights.dtype == np.float64
    assert_array_equal(weights, np.array(EXPECTED[name], dtype=np.float64))


@pytest.mark.parametrize("name", preset_names())
def test_preset_metadata_describes_the_default_kernel(name: str) -> None:
    preset = PRESETS[name]
    weights = build_preset(name)
    assert (preset.ndim, preset.shape) == (weights.ndim, weights.shape)
    assert preset.description.strip() == preset.description
    assert "\n" not in preset.description
    assert 20 <= len(preset.description) <= 100


def test_gaussian_default() -> None:
    profile = np.exp(-(np.arange(-2.0, 3.0) ** 2) / 2)  # size 5, sigma 1
    expected = np.outer(profile, profile) / profile.sum() ** 2
    assert_allclose(build_preset("gaussian"), expected, rtol=1e-14)
    assert PRESETS["gaussian"].defaults == {"size": 5, "sigma": 1.0, "ndim": 2}


@pytest.mark.parametrize("name", SUM_ZERO)
def test_derivative_kernels_sum_to_zero(name: str) -> None:
    assert build_preset(name).sum() == 0.0


@pytest.mark.parametrize("name", SUM_ONE)
def test_smoothing_and_identity_like_kernels_sum_to_one(name: str) -> None:
    assert math.isclose(build_preset(name).sum(), 1.0, rel_tol=1e-14)


def test_line_detectors_sum_to_three() -> None:
    for name in ("vertical-line", "horizontal-line", "diagonal-line", "anti-diagonal-line"):
        assert build_preset(name).sum() == 3.0


# -- what the kernels respond to (tiny images whose answer is obvious) --------------


def test_sobel_x_is_positive_where_the_image_gets_brighter_to_the_right() -> None:
    step = np.array([[0, 0, 10, 10]] * 3, dtype=float)  # dark left, bright right
    assert_array_equal(correlate_valid(step, build_preset("sobel-x")), [[40, 40]])
    assert_array_equal(correlate_valid(step, build_preset("sobel-y")), [[0, 0]])


def test_sobel_y_is_positive_where_the_image_gets_brighter_downwards() -> None:
    step = np.array([[0] * 3, [0] * 3, [10] * 3, [10] * 3], dtype=float)
    assert_array_equal(correlate_valid(step, build_preset("sobel-y")), [[40], [40]])
    assert_array_equal(correlate_valid(step, build_preset("scharr-y")), [[160], [160]])
    assert_array_equal(correlate_valid(step, build_preset("prewitt-x")), [[0], [0]])


def test_sobel_z_is_positive_where_later_planes_are_brighter() -> None:
    volume = np.zeros((4, 3, 3))
    volume[2:] = 1.0
    assert_array_equal(correlate_valid(volume, build_preset("sobel-z")).ravel(), [16, 16])


def test_line_detectors_light_up_on_their_line() -> None:
    image = np.zeros((3, 5))
    image[:, 2] = 1.0  # a vertical line, one pixel wide
    assert_array_equal(correlate_valid(image, build_preset("vertical-line")), [[0, 3, 0]])
    assert_array_equal(correlate_valid(image, build_preset("horizontal-line")), [[1, 1, 1]])
    diagonal = np.eye(3)
    assert correlate_valid(diagonal, build_preset("diagonal-line")).item() == 3.0
    assert correlate_valid(diagonal, build_preset("anti-diagonal-line")).item() == 1.0


def test_laplacian_is_zero_on_a_ramp_and_sharpen_keeps_flat_areas() -> None:
    ramp = np.add.outer(np.arange(4.0), 2 * np.arange(4.0))
    assert_array_equal(correlate_valid(ramp, build_preset("laplacian")), np.zeros((2, 2)))
    flat = np.full((3, 3), 7.0)
    assert correlate_valid(flat, build_preset("sharpen")).item() == 7.0


def test_bump_finds_the_bump_of_the_seed_example() -> None:
    signal = np.array([0.0, 0, 0, 1, 1, 0, 0, 0])
    assert_array_equal(correlate_valid(signal, build_preset("bump")), [0, 0, 1, 1, 0, 0])


# -- parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("identity:ndim=1", [0, 1, 0]),
        ("identity:size=5,ndim=1", [0, 0, 1, 0, 0]),
        ("identity:size=1", [[1]]),
        ("box:size=2,ndim=1", [0.5, 0.5]),
        ("box:size=4,ndim=1", [0.25] * 4),
        ("box:size=2", [[0.25, 0.25], [0.25, 0.25]]),
        ("box:size=2,ndim=3", np.full((2, 2, 2), 0.125)),
        ("laplacian:ndim=1", [1, -2, 1]),
        ("sharpen:ndim=1", [-1, 3, -1]),
        ("sobel-x:ndim=3", [SOBEL_X, np.multiply(2, SOBEL_X), SOBEL_X]),
        ("sobel-y:ndim=3", [SOBEL_Y, np.multiply(2, SOBEL_Y), SOBEL_Y]),
        ("prewitt-x:ndim=3", [[[-1, 0, 1]] * 3] * 3),
        (" Sobel_X : ndim = 2 ", SOBEL_X),  # case, '_' and spaces are forgiven
    ],
)
def test_parameters_give_exact_weights(spec: str, expected: object) -> None:
    assert_array_equal(build_preset(spec), np.array(expected, dtype=np.float64))


def test_3d_laplacian_and_sharpen_use_the_six_face_neighbours() -> None:
    neighbours = np.zeros((3, 3, 3))
    for index in [(0, 1, 1), (2, 1, 1), (1, 0, 1), (1, 2, 1), (1, 1, 0), (1, 1, 2)]:
        neighbours[index] = 1.0
    centre = np.zeros((3, 3, 3))
    centre[1, 1, 1] = 1.0
    assert_array_equal(build_preset("laplacian:ndim=3"), neighbours - 6 * centre)
    assert_array_equal(build_preset("sharpen:ndim=3"), 7 * centre - neighbours)
    assert_array_equal(build_preset("identity:ndim=3"), centre)


def test_gaussian_1d_by_hand() -> None:
    a = math.exp(-0.5)  # exp(-x**2 / (2 sigma**2)) at x = 1, sigma = 1
    expected = np.array([a, 1.0, a]) / (1 + 2 * a)
    assert_allclose(build_preset("gaussian:size=3,sigma=1,ndim=1"), expected, rtol=1e-15)


def test_gaussian_3d_is_the_outer_product_of_its_1d_profile() -> None:
    g = build_preset("gaussian:size=3,sigma=0.8,ndim=1")
    assert_allclose(
        build_preset("gaussian:size=3,sigma=0.8,ndim=3"),
        np.multiply.outer(np.multiply.outer(g, g), g),
        rtol=1e-14,
    )


def test_wider_sigma_spreads_the_gaussian() -> None:
    narrow = build_preset("gaussian:sigma=0.5")
    wide = build_preset("gaussian:sigma=2.5e0")
    assert narrow[2, 2] > wide[2, 2]
    assert narrow[0, 0] < wide[0, 0]


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 9), ndim=st.integers(1, 3))
def test_box_any_size_is_a_normalised_mean(size: int, ndim: int) -> None:
    weights = build_preset(f"box:size={size},ndim={ndim}")
    assert weights.shape == (size,) * ndim
    assert np.all(weights == weights.flat[0])
    assert math.isclose(weights.sum(), 1.0, rel_tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    half=st.integers(0, 5),
    sigma=st.floats(0.1, 20, allow_nan=False),
    ndim=st.integers(1, 3),
)
def test_gaussian_is_normalised_symmetric_and_peaks_at_the_centre(
    half: int, sigma: float, ndim: int
) -> None:
    size = 2 * half + 1
    weights = build_preset(f"gaussian:size={size},sigma={sigma!r},ndim={ndim}")
    assert weights.shape == (size,) * ndim
    assert math.isclose(weights.sum(), 1.0, rel_tol=1e-12)
    assert_allclose(weights, np.flip(weights), rtol=1e-12)
    assert weights[(half,) * ndim] == weights.max()


def test_python_callers_can_override_defaults() -> None:
    assert_array_equal(PRESETS["derivative"].kernel(), [-1.0, 0.0, 1.0])
    assert PRESETS["gaussian"].kernel(size=3, sigma=2).shape == (3, 3)
    assert PRESETS["gaussian"].example_spec() == "gaussian:size=5,sigma=1.0,ndim=2"


# -- errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "sobel",
            r"^unknown kernel 'sobel' \(not a file, numbers or preset\); "
            r"closest presets: sobel-x, sobel-y, sobel-z$",
        ),
        ("gausian:size=3", r"unknown kernel 'gausian:size=3' .*closest presets: gaussian$"),
        ("vertical", r"closest presets: vertical-line$"),
        ("zzz", r"^unknown kernel 'zzz' .*; run 'convcli kernels' to list the presets$"),
        ("gaussian:sigm=2", r"^gaussian has no parameter 'sigm'; its parameters are size, sigma"),
        ("bump:size=3", r"^bump takes no parameters; got 'bump:size=3'$"),
        (
            "gaussian:size5",
            r"^kernel parameter 'size5' in 'gaussian:size5' is not key=value; "
            r"write e\.g\. gaussian:size=5,sigma=1\.0,ndim=2$",
        ),
        ("box:=3", r"kernel parameter '=3' in 'box:=3' is not key=value"),
        ("box:size=", r"kernel parameter 'size=' in 'box:size=' is not key=value"),
        ("gaussian:", r"^no parameters after ':' in 'gaussian:'; write e\.g\. gaussian:size=5"),
        ("box:size=3,", r"^kernel spec 'box:size=3,' has an empty parameter \(an extra ','\?\)"),
        ("box:size=3,size=5", r"^box parameter 'size' is given twice in 'box:size=3,size=5'$"),
        ("box:size=2.5", r"^box size must be an integer; got '2\.5'$"),
        ("box:ndim=two", r"^box ndim must be an integer; got 'two'$"),
        ("gaussian:sigma=wide", r"^gaussian sigma must be a number; got 'wide'$"),
        ("gaussian:sigma=nan", r"^gaussian sigma must be a number; got 'nan'$"),
        ("gaussian:sigma=0", r"^gaussian sigma must be a finite number > 0; got 0\.0$"),
        ("gaussian:sigma=-1", r"^gaussian sigma must be a finite number > 0; got -1\.0$"),
        ("gaussian:sigma=1e999", r"^gaussian sigma must be a finite number > 0; got inf$"),
        (
            "gaussian:size=4",
            r"^gaussian size must be a positive odd integer \(the kernel needs a centre\); "
            r"got 4; try size=5$",
        ),
        ("identity:size=2", r"^identity size must be a positive odd integer .*got 2; try size=3$"),
        ("identity:size=-3", r"^identity size must be a positive odd integer .*; got -3$"),
        ("box:size=0", r"^box size must be a positive integer; got 0$"),
        ("box:ndim=4", r"^box ndim must be 1 or 2 or 3; got 4$"),
        ("laplacian:ndim=0", r"^laplacian ndim must be 1 or 2 or 3; got 0$"),
        ("sobel-x:ndim=1", r"^sobel-x ndim must be 2 or 3; got 1$"),
        (
            "box:size=1000,ndim=3",
            r"^box with size=1000 and ndim=3 has 1,000,000,000 weights, more than the "
            r"10,000,000 a kernel may have; use a smaller size$",
        ),
    ],
)
def test_bad_specs_are_explained(spec: str, message: str) -> None:
    with pytest.raises(KernelError, match=message):
        build_preset(spec)


def test_weight_limit_matches_the_message() -> None:
    assert MAX_WEIGHTS == 10_000_000


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": 5.0}, r"^gaussian size must be a positive odd integer .*; got 5\.0$"),
        ({"size": True}, r"^gaussian size must be a positive odd integer .*; got True$"),
        ({"sigma": float("nan")}, r"^gaussian sigma must be a finite number > 0; got nan$"),
        ({"sigma": "1"}, r"^gaussian sigma must be a finite number > 0; got '1'$"),
        ({"ndim": 2.0}, r"^gaussian ndim must be 1 or 2 or 3; got 2\.0$"),
        ({"radius": 2}, r"^gaussian has no parameter 'radius'; its parameters are size, sigma"),
    ],
)
def test_python_callers_get_the_same_checks(params: dict[str, object], message: str) -> None:
    with pytest.raises(KernelError, match=message):
        PRESETS["gaussian"].kernel(**params)  # type: ignore[arg-type]


def test_errors_are_value_errors_with_exit_code_2() -> None:
    with pytest.raises(ValueError, match="unknown kernel") as info:
        build_preset("nope")
    assert info.value.exit_code == 2  # type: ignore[attr-defined]


def test_closest_presets() -> None:
    assert closest_presets("line")[:2] == ["vertical-line", "horizontal-line"]
    assert closest_presets("sobelx")[0] == "sobel-x"
    assert closest_presets("xy") == []


# -- the kernels/ folder ---------------------------------------------------------------


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_kernels", KERNELS_DIR / "make_kernels.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kernel_files() -> list[Path]:
    return sorted(p for p in KERNELS_DIR.iterdir() if p.suffix in {".csv", ".txt"})


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_has_a_file_with_the_same_weights(name: str) -> None:
    suffix = ".txt" if PRESETS[name].ndim == 3 else ".csv"
    weights = load_kernel_file(KERNELS_DIR / f"{name}{suffix}")
    expected = build_preset(name)
    assert weights.shape == expected.shape
    assert_allclose(weights, expected, rtol=1e-12, atol=0)


def test_every_kernel_file_is_a_preset() -> None:
    stems = [p.stem for p in kernel_files()]
    assert sorted(stems) == sorted(preset_names())


@pytest.mark.parametrize("path", kernel_files(), ids=lambda p: p.name)
def test_kernel_files_say_what_they_detect_and_are_up_to_date(path: Path) -> None:
    preset = PRESETS[path.stem]
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {preset.name}: {preset.description}\n")
    assert text == load_generator().render(preset), "run python kernels/make_kernels.py"


def test_generator_writes_every_file(tmp_path: Path) -> None:
    assert load_generator().main([str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [p.name for p in kernel_files()]
    assert (tmp_path / "sobel-z.txt").read_text() == (KERNELS_DIR / "sobel-z.txt").read_text()
