"""convcli.correlate against the slow reference, over the whole grid of settings.

Every combination of ndim x kernel parity x stride x dilation x padding x pad mode x flip
is checked in float64 (rtol 1e-12) and float32 (rtol 1e-5). Combinations whose geometry
is impossible (a dilated kernel larger than the padded input) must make the engine raise
the same GeometryError as ``shapes.conv_output_shape``.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from reference import PAD_MODES, reference_correlate, reference_output_shape

import convcli
from convcli.errors import ConvcliError, GeometryError, ParameterError, RangeError
from convcli.shapes import conv_output_shape

INPUT_SHAPES: dict[int, tuple[int, ...]] = {1: (8,), 2: (6, 7), 3: (4, 5, 5)}
KERNEL_SHAPES: dict[int, dict[str, tuple[int, ...]]] = {
    1: {"odd": (3,), "even": (4,)},
    2: {"odd": (3, 3), "even": (2, 4)},
    3: {"odd": (3, 3, 3), "even": (2, 2, 2)},
}
# Every padding form correlate() takes, per ndim; "larger" pads more than the axis is long.
PADDINGS: dict[int, dict[str, Any]] = {
    1: {
        "valid": "valid",
        "same": "same",
        "full": "full",
        "causal": "causal",
        "sym": 2,
        "asym": [(2, 0)],
        "larger": [(9, 10)],
    },
    2: {
        "valid": "valid",
        "same": "same",
        "full": "full",
        "sym": [1, 2],
        "asym": [(1, 0), (0, 2)],
        "larger": [(7, 8), (8, 1)],
    },
    3: {
        "valid": "valid",
        "same": "same",
        "full": "full",
        "sym": (1, 2, 1),
        "asym": ((1, 0), (0, 2), (2, 1)),
        "larger": [(5, 0), (0, 6), (6, 1)],
    },
}
PAD_VALUE = 0.75


def random_case(ndim: int, parity: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(100 * ndim + (parity == "even"))
    x = rng.uniform(-1, 1, INPUT_SHAPES[ndim])
    k = rng.uniform(-1, 1, KERNEL_SHAPES[ndim][parity])
    return x, k


def grid() -> list[Any]:
    cases = []
    for ndim, paddings in PADDINGS.items():
        for parity, stride, dilation, pad_name, mode, flip in itertools.product(
            ("odd", "even"), (1, 2, 3), (1, 2), paddings, PAD_MODES, (False, True)
        ):
            case_id = f"{ndim}d-{parity}-s{stride}-d{dilation}-{pad_name}-{mode}"
            values = (ndim, parity, stride, dilation, paddings[pad_name], mode, flip)
            cases.append(pytest.param(*values, id=case_id + ("-flip" if flip else "")))
    return cases


@pytest.mark.parametrize(
    ("ndim", "parity", "stride", "dilation", "padding", "pad_mode", "flip"), grid()
)
def test_correlate_matches_reference(
    ndim: int, parity: str, stride: int, dilation: int, padding: Any, pad_mode: str, flip: bool
) -> None:
    x, k = random_case(ndim, parity)
    options = {
        "stride": stride,
        "dilation": dilation,
        "padding": padding,
        "pad_mode": pad_mode,
        "pad_value": PAD_VALUE,
        "flip": flip,
    }
    try:
        expected = reference_correlate(x, k, **options)
    except ValueError:
        # Impossible geometry: the engine must refuse it with the shapes module's message.
        with pytest.raises(GeometryError, match="is larger than"):
            convcli.correlate(x, k, dtype="float64", **options)
        return
    got64 = convcli.correlate(x, k, dtype="float64", **options)
    assert got64.dtype == np.float64
    assert got64.shape == expected.shape
    assert_allclose(got64, expected, rtol=1e-12, atol=1e-12)

    # float32: inputs rounded to float32 and float32 sums stay within ~30 ulp of the
    # float64 answer for these |values| <= 1 and <= 27 taps.
    got32 = convcli.correlate(x, k, **options)
    assert got32.dtype == np.float32
    assert_allclose(got32, expected, rtol=1e-5, atol=1e-5)


def test_grid_exercises_real_outputs_not_only_errors() -> None:
    # Guard against a grid that silently turned into error checks.
    possible = 0
    for param in grid():
        ndim, parity, stride, dilation, padding, _mode, _flip = param.values
        try:
            reference_output_shape(
                INPUT_SHAPES[ndim],
                KERNEL_SHAPES[ndim][parity],
                stride=stride,
                dilation=dilation,
                padding=padding,
            )
            possible += 1
        except ValueError:
            pass
    assert possible > 0.9 * len(grid())


# --- dtype, copies, memory layout -------------------------------------------------------


def test_output_dtype_follows_the_dtype_argument_not_the_input() -> None:
    x64, x32, xint = np.ones(5), np.ones(5, dtype=np.float32), np.ones(5, dtype=np.int64)
    assert convcli.correlate(x64, [1.0, 1.0]).dtype == np.float32  # default float32
    assert convcli.correlate(x32, [1.0, 1.0], dtype="float64").dtype == np.float64
    assert convcli.correlate(xint, [1, 1]).dtype == np.float32
    assert convcli.correlate(xint, [1, 1], dtype="float64").dtype == np.float64


def test_input_and_kernel_are_not_modified_and_output_is_new() -> None:
    rng = np.random.default_rng(5)
    x, k = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    x_before, k_before = x.copy(), k.copy()
    out = convcli.correlate(x, k, padding="same", pad_mode="reflect", flip=True, dtype="float64")
    assert_array_equal(x, x_before)
    assert_array_equal(k, k_before)
    assert not np.shares_memory(out, x)
    # a 1x1 identity kernel must still give a new array, not a view of the input
    same = convcli.correlate(x, np.ones((1, 1)), dtype="float64")
    assert_array_equal(same, x)
    assert not np.shares_memory(same, x)
    same[0, 0] = 99.0
    assert x[0, 0] == x_before[0, 0]


@pytest.mark.parametrize(
    "layout", ["strided", "transposed", "fortran", "reversed", "kernel-strided"]
)
def test_non_contiguous_inputs(layout: str) -> None:
    rng = np.random.default_rng(11)
    big = rng.normal(size=(12, 14))
    k = rng.normal(size=(3, 2))
    x = big[:6, :7].copy()
    if layout == "strided":
        x = big[::2, ::2]
    elif layout == "transposed":
        x = big[:7, :6].T
    elif layout == "fortran":
        x = np.asfortranarray(x)
    elif layout == "reversed":
        x = big[::-2, ::-2][:6, :7]
    else:
        k = rng.normal(size=(6, 4))[::2, ::-2]
    assert not (x.flags.c_contiguous and k.flags.c_contiguous)
    options: dict[str, Any] = {"stride": (2, 1), "padding": "same", "pad_mode": "symmetric"}
    expected = reference_correlate(x, k, **options)
    assert_allclose(convcli.correlate(x, k, dtype="float64", **options), expected, rtol=1e-12)


def test_integer_inputs_give_exact_values() -> None:
    x = np.arange(8)  # int64
    # out[i] = x[i] + 2 x[i+1] + 3 x[i+2] = 6 i + 8
    assert convcli.correlate(x, np.array([1, 2, 3])).tolist() == [8, 14, 20, 26, 32, 38]
    # uint8 pixels must not wrap around at 255
    pixels = np.array([[200, 100], [250, 255]], dtype=np.uint8)
    assert convcli.correlate(pixels, np.ones((2, 2), dtype=np.uint8)).tolist() == [[805.0]]
    signed = np.array([-3, 5, -7], dtype=np.int16)
    assert convcli.correlate(signed, [1, -1], dtype="float64").tolist() == [-8.0, 12.0]
    assert convcli.correlate(np.array([True, False, True]), [1, 1]).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_one_pixel_input_with_a_one_tap_kernel(ndim: int) -> None:
    x = np.full((1,) * ndim, 4.0)
    out = convcli.correlate(x, np.full((1,) * ndim, 2.5))
    assert out.shape == (1,) * ndim
    assert out.ravel().tolist() == [10.0]


@pytest.mark.parametrize(
    ("pad_mode", "expected"),
    # kernel of ones 3x3 over the single pixel 7 with 'same' padding: the centre tap
    # sees 7, the eight others see the padding (every non-constant mode repeats the 7).
    [
        ("zeros", 7.0),
        ("constant", 7.0 + 8 * PAD_VALUE),
        ("reflect", 63.0),
        ("symmetric", 63.0),
        ("edge", 63.0),
        ("wrap", 63.0),
    ],
)
def test_one_pixel_input_with_same_padding(pad_mode: str, expected: float) -> None:
    out = convcli.correlate(
        np.array([[7.0]]), np.ones((3, 3)), padding="same", pad_mode=pad_mode, pad_value=PAD_VALUE
    )
    assert out.tolist() == [[expected]]


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_kernel_as_large_as_the_input(ndim: int) -> None:
    rng = np.random.default_rng(ndim)
    shape = INPUT_SHAPES[ndim]
    x, k = rng.normal(size=shape), rng.normal(size=shape)
    valid = convcli.correlate(x, k, dtype="float64")
    assert valid.shape == (1,) * ndim
    assert_allclose(valid.ravel(), [np.sum(x * k)], rtol=1e-12)
    same = convcli.correlate(x, k, padding="same", dtype="float64")
    assert same.shape == shape
    assert_allclose(same, reference_correlate(x, k, padding="same"), rtol=1e-12, atol=1e-12)


def test_padding_forms_are_equivalent() -> None:
    rng = np.random.default_rng(3)
    x, k = rng.normal(size=(6, 7)), rng.normal(size=(3, 3))
    expected = convcli.correlate(x, k, padding=[(2, 2), (2, 2)], dtype="float64")
    for form in (2, [2, 2], (2, 2), [(2, 2)], "2", "2,2", "2:2,2:2"):
        got = convcli.correlate(x, k, padding=form, dtype="float64")
        assert_array_equal(got, expected, err_msg=repr(form))
    full = convcli.correlate(x, k, padding="full", dtype="float64")
    assert_array_equal(full, expected)


# --- shapes agree with the engine -------------------------------------------------------


@st.composite
def geometries(draw: st.DrawFn) -> dict[str, Any]:
    ndim = draw(st.integers(1, 3))
    axes = st.lists(st.integers(1, 7), min_size=ndim, max_size=ndim)
    small = st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)
    pairs = st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=ndim, max_size=ndim
    ).map(tuple)
    return {
        "input_size": tuple(draw(axes)),
        "kernel_size": tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))),
        "stride": tuple(draw(small)),
        "dilation": tuple(draw(small)),
        "padding": draw(st.sampled_from(["valid", "same", "full", "causal"]) | pairs),
    }


@settings(max_examples=300, deadline=None)
@given(geometries())
def test_engine_shape_equals_shapes_module(geo: dict[str, Any]) -> None:
    x, k = np.zeros(geo["input_size"]), np.ones(geo["kernel_size"])
    options = {key: geo[key] for key in ("stride", "dilation", "padding")}
    try:
        expected = conv_output_shape(geo["input_size"], geo["kernel_size"], **options)
    except ConvcliError as exc:
        # impossible geometry: the engine fails with the very same error
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            convcli.correlate(x, k, **options)
        # and the reference agrees it is impossible
        with pytest.raises(ValueError, match=r"kernel does not fit|causal padding is 1-D only"):
            reference_output_shape(geo["input_size"], geo["kernel_size"], **options)
        return
    assert convcli.correlate(x, k, **options).shape == expected
    assert reference_output_shape(geo["input_size"], geo["kernel_size"], **options) == expected


def test_conv_output_shape_takes_correlate_padding_forms() -> None:
    # The brief: conv_output_shape takes "the same padding values as correlate".
    one = {"stride": (1,), "dilation": (1,)}
    assert conv_output_shape((6,), (3,), padding=2, **one) == (8,)
    assert conv_output_shape((6,), (3,), padding=[(2, 0)], **one) == (6,)
    two = {"stride": (1, 1), "dilation": (1, 1)}
    assert conv_output_shape((6, 7), (3, 3), padding=[1, 2], **two) == (6, 9)


# --- errors -----------------------------------------------------------------------------

X2 = np.ones((6, 7))
K2 = np.ones((3, 3))


@pytest.mark.parametrize(
    ("x", "k", "options", "error", "message"),
    [
        (
            X2,
            K2,
            {"stride": 0},
            ParameterError,
            "stride must be a positive integer per axis; got 0,0",
        ),
        (
            X2,
            K2,
            {"stride": (1, 0)},
            ParameterError,
            "stride must be a positive integer per axis; got 1,0",
        ),
        (
            X2,
            K2,
            {"dilation": 0},
            ParameterError,
            "dilation must be a positive integer per axis; got 0,0",
        ),
        (
            X2,
            K2,
            {"stride": -2},
            ParameterError,
            "stride must be a positive integer per axis; got -2,-2",
        ),
        (
            X2,
            np.ones(3),
            {},
            GeometryError,
            r"input has 2 axes \(6, 7\) but the kernel has 1 \(3,\); "
            r"correlate\(\) takes arrays without a channels axis",
        ),
        (
            np.ones(5),
            K2,
            {},
            GeometryError,
            r"input has 1 ax\w+ \(5,\) but the kernel has 2",
        ),
        (
            np.ones(2),
            np.ones(3),
            {},
            GeometryError,
            "kernel 3 is larger than the input 2 on axis 0, so the output would be empty; "
            "use a smaller kernel or padding 'same'/'full'",
        ),
        (
            np.ones(4),
            np.ones(3),
            {"dilation": 2},
            GeometryError,
            r"kernel 3 \(dilated to 5\) is larger than the input 4 on axis 0",
        ),
        (
            X2,
            np.ones((7, 1)),
            {},
            GeometryError,
            "kernel 7 is larger than the input 6 on axis 0",
        ),
        (
            np.ones(1),
            np.ones(4),
            {"padding": 1},
            GeometryError,
            "kernel 4 is larger than the padded input 3 on axis 0",
        ),
        (
            X2,
            K2,
            {"padding": "causal"},
            ParameterError,
            r"padding 'causal' works on one sliding axis only \(Conv1D\); "
            "this kernel slides along 2 axes",
        ),
        (
            X2,
            K2,
            {"padding": "middle"},
            ParameterError,
            "padding must be one of valid, same, full, causal or numbers",
        ),
        (
            X2,
            K2,
            {"padding": 1, "pad_mode": "mirror"},
            ParameterError,
            "pad mode must be one of zeros, constant, reflect, symmetric, edge, wrap; got 'mirror'",
        ),
        (
            X2,
            K2,
            {"padding": -1},
            ParameterError,
            "padding must not be negative; got -1:-1 on axis 0",
        ),
        (
            X2,
            K2,
            {"padding": [(1, 1), (0, -2)]},
            ParameterError,
            "padding must not be negative; got 0:-2 on axis 1",
        ),
        (
            X2,
            K2,
            {"padding": "1,-1"},
            ParameterError,
            "padding must not be negative; got '1,-1'",
        ),
        (
            X2,
            K2,
            {"stride": (1, 2, 3)},
            ParameterError,
            r"stride has 3 values \(1,2,3\) but the kernel slides along 2 axes; give 1 or 2 values",
        ),
        (
            X2,
            K2,
            {"dilation": (1, 1, 1)},
            ParameterError,
            r"dilation has 3 values \(1,1,1\) but the kernel slides along 2 axes",
        ),
        (
            X2,
            K2,
            {"padding": [1, 2, 3]},
            ParameterError,
            "padding '1,2,3' has 3 axes but the kernel slides along 2 axes; give 1 or 2 values",
        ),
        (
            X2,
            K2,
            {"padding": [(1, 2, 3)]},
            ParameterError,
            r"explicit padding pairs are \(before, after\); got \(1, 2, 3\)",
        ),
        (
            X2,
            K2,
            {"dtype": "float16"},
            ParameterError,
            "dtype must be one of float32, float64; got 'float16'",
        ),
        (
            X2,
            K2,
            {"pad_mode": "constant", "pad_value": float("nan")},
            ParameterError,
            "pad value must be a finite number; got nan",
        ),
        (
            np.ones((2, 2, 2, 2)),
            np.ones((1, 1, 1, 1)),
            {},
            GeometryError,
            r"a kernel must have 1, 2 or 3 axes; got shape \(1, 1, 1, 1\)",
        ),
        (
            np.array(["a", "b"]),
            np.ones(1),
            {},
            ParameterError,
            "input must hold real numbers; got dtype <U1",
        ),
        (
            np.ones(3),
            np.array([1j]),
            {},
            ParameterError,
            "kernel must hold real numbers; got dtype complex128",
        ),
        (
            np.ones(3),
            np.ones(0),
            {},
            GeometryError,
            r"kernel has an empty axis: shape \(0,\)",
        ),
    ],
)
def test_errors(
    x: np.ndarray, k: np.ndarray, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        convcli.correlate(x, k, **options)
    assert isinstance(info.value, ValueError)  # the API promises ValueError subclasses
    assert info.value.exit_code == 2  # type: ignore[attr-defined]
    assert not str(info.value).startswith("Error")
    assert str(info.value).count("\n") <= 1


# --- API edge cases: NaN, empty inputs, NumPy scalars as settings -------------------------


def test_nan_under_a_zero_weight_still_propagates() -> None:
    expected = np.correlate([np.nan, 1.0, 2.0], [0.0, 1.0], mode="valid")
    got = convcli.correlate([np.nan, 1, 2], [0, 1], dtype="float64")
    np.testing.assert_array_equal(got, expected)  # [nan, 2]: 0 * nan is nan


def test_empty_input_is_a_geometry_error() -> None:
    with pytest.raises(GeometryError, match=r"input has an empty axis: shape \(0,\)"):
        convcli.correlate(np.zeros(0), [1], padding=1, pad_mode="reflect")


def test_numpy_scalars_are_accepted_as_settings() -> None:
    got = convcli.correlate([1, 2, 3, 4, 5], [1, 1], stride=np.int64(2), padding=np.int32(1))
    assert got.tolist() == [1, 5, 9]
    assert convcli.correlate([1, 2], [1], dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"padding": 1.5}, "padding must be whole numbers; got 1.5"),
        ({"padding": True}, "padding must be whole numbers; got True"),
        ({"stride": 1.5}, "stride must be whole numbers; got 1.5"),
        ({"dtype": "int8"}, "dtype must be one of float32, float64; got 'int8'"),
    ],
)
def test_non_integer_settings_are_parameter_errors(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        convcli.correlate([1, 2, 3], [1], **options)  # type: ignore[arg-type]


def test_ragged_input_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="input must be a rectangular array of numbers"):
        convcli.correlate([[1, 2], [3]], [[1]])


# --- values out of range, and settings of the wrong type -----------------------------------


def test_float32_overflow_is_a_range_error_not_inf() -> None:
    with pytest.raises(RangeError, match=r"the result overflows float32 .*use --dtype float64"):
        convcli.correlate([1e38, 1e38], [10.0])
    assert convcli.correlate([1e38, 1e38], [10.0], dtype="float64").tolist() == [1e39, 1e39]


def test_input_beyond_float32_is_a_range_error() -> None:
    with pytest.raises(RangeError, match=r"input holds values beyond the range of float32"):
        convcli.correlate([1e39, 1.0], [1.0])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pad_value": "x"}, "pad value must be a number; got 'x'"),
        ({"pad_value": None}, "pad value must be a number; got None"),
        ({"flip": "no"}, "flip must be True or False; got 'no'"),
    ],
)
def test_settings_of_the_wrong_type(options: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        convcli.correlate([1, 2, 3], [1], **options)  # type: ignore[arg-type]
