"""Tests of kernel specs: inline numbers, kernel files, and which one a spec means."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal

from convcli.errors import InputError, KernelError
from convcli.kernel_io import (
    Kernel,
    format_inline,
    format_kernel_file,
    load_kernel_file,
    parse_inline,
    parse_kernel,
)
from convcli.loaders import load_input

# -- inline numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,1,0", [0, 1, 0]),
        ("1 2 3", [1, 2, 3]),
        ("  -1 , 0,\t1  ", [-1, 0, 1]),
        ("1, 2 3", [1, 2, 3]),  # spaces inside a comma cell separate too
        ("-1.5,+2,.5,-.25e1,3E2,1e-3,7.", [-1.5, 2, 0.5, -2.5, 300, 0.001, 7]),
        ("0,1,0;0,1,0;0,1,0", [[0, 1, 0]] * 3),
        ("1 2; 3 4", [[1, 2], [3, 4]]),
        ("-1;0;1", [[-1], [0], [1]]),  # a column stays 2-D: a vertical difference
        ("1,0;0,1|0,1;1,0", [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]),
        ("1|2|3", [[[1]], [[2]], [[3]]]),
        ("0,0;0,0", [[0, 0], [0, 0]]),  # all zeros is allowed
        ("5", [5]),
    ],
)
def test_parse_inline_values_and_shapes(text: str, expected: object) -> None:
    weights = parse_inline(text)
    assert weights.dtype == np.float64
    want = np.array(expected, dtype=np.float64)
    assert weights.shape == want.shape
    assert_array_equal(weights, want)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"^kernel numbers are empty; write e\.g\. 0,1,0 or 1,0;0,1$"),
        (" \t", r"^kernel numbers are empty"),
        ("1,,2", r"^kernel has an empty value \(number 2\): '1,,2'; remove the extra ','$"),
        ("1,2,", r"^kernel has an empty value \(number 3\): '1,2,'"),
        ("1,2;3,", r"^kernel has an empty value \(row 2, number 2\): '1,2;3,'"),
        ("1,x,2", r"^kernel value 'x' \(number 2\) is not a number: '1,x,2'$"),
        ("1;2,0x3", r"^kernel value '0x3' \(row 2, number 2\) is not a number: '1;2,0x3'$"),
        ("1_000", r"^kernel value '1_000' \(number 1\) is not a number"),
        (
            "1,nan,2",
            r"^kernel value 'nan' \(number 2\) is not finite: '1,nan,2'; "
            r"kernels need finite numbers$",
        ),
        ("1;-inf", r"^kernel value '-inf' \(row 2, number 1\) is not finite"),
        ("1e999", r"^kernel value '1e999' \(number 1\) is not finite"),
        ("1,2,3;4,5", r"^kernel row 2 has 2 numbers but row 1 has 3: '1,2,3;4,5'$"),
        ("1;2,3", r"^kernel row 2 has 2 numbers but row 1 has 1: '1;2,3'$"),
        ("1,2;;3,4", r"^kernel row 2 is empty: '1,2;;3,4'; remove the extra ';'$"),
        ("1,2;", r"^kernel row 2 is empty"),
        ("1,2|", r"^kernel plane 2 is empty: '1,2\|'; remove the extra '\|'$"),
        ("1,0;0,1|0,1", r"^kernel plane 2 has 1 row but plane 1 has 2: '1,0;0,1\|0,1'$"),
        ("1,0|0,1;|1,1", r"^kernel plane 2 row 2 is empty"),
        ("1,0;0,1|0,1;1", r"^kernel plane 2 row 2 has 1 number but plane 1 row 1 has 2"),
        ("1,x|1,1", r"^kernel value 'x' \(plane 1 row 1, number 2\) is not a number"),
        ("9," * 40, r"^kernel has an empty value \(number 41\): '(9,){28}9\.\.\.'; remove"),
    ],
)
def test_parse_inline_errors_name_the_part_at_fault(text: str, message: str) -> None:
    with pytest.raises(KernelError, match=message):
        parse_inline(text)


# Shapes inline text can express: a 2-D kernel needs 2+ rows, a 3-D one 2+ planes.
inline_shapes = st.one_of(
    st.tuples(st.integers(1, 6)),
    st.tuples(st.integers(2, 5), st.integers(1, 5)),
    st.tuples(st.integers(2, 4), st.integers(1, 4), st.integers(1, 4)),
)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, inline_shapes, elements=finite))
def test_inline_text_round_trips_exactly(weights: np.ndarray) -> None:
    parsed = parse_inline(format_inline(weights))
    assert parsed.shape == weights.shape
    assert_array_equal(parsed, weights)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, inline_shapes, elements=st.integers(-1000, 1000).map(float)))
def test_inline_text_with_spaces_instead_of_commas(weights: np.ndarray) -> None:
    text = format_inline(weights).replace(",", "  ").replace(";", " ; ")
    assert_array_equal(parse_inline(text), weights)


def test_format_inline_writes_short_exact_numbers() -> None:
    assert format_inline(np.array([1.0, -0.5, 0.1, 1e300])) == "1,-0.5,0.1,1e+300"
    with pytest.raises(KernelError, match=r"^a kernel has 1, 2 or 3 axes; got shape 1x1x1x1$"):
        format_inline(np.zeros((1, 1, 1, 1)))


# -- kernel files --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("k.csv", "0,1,0\n0,1,0\n0,1,0\n", [[0, 1, 0]] * 3),
        ("k.csv", "1, 2, 3\r\n4, 5, 6\r\n", [[1, 2, 3], [4, 5, 6]]),
        ("k.csv", "\ufeff1,2\n3,4\n", [[1, 2], [3, 4]]),  # byte-order mark
        ("k.tsv", "1\t2\n3\t4\n", [[1, 2], [3, 4]]),
        ("k.txt", "1  2\t 3\n4 5 6\n", [[1, 2, 3], [4, 5, 6]]),
        ("k.txt", "1,2\n3,4\n", [[1, 2], [3, 4]]),
        ("k", "1;2\n3;4\n", [[1, 2], [3, 4]]),  # no suffix: ';' is sniffed
        ("k.dat", "1\t2\n3\t4\n", [[1, 2], [3, 4]]),
        ("k.csv", "# an edge\n\n  # indented comment\n-1,1\n-1,1\n\n", [[-1, 1]] * 2),
        ("k.csv", '"1","1"\n', [1, 1]),  # quoted cells are numbers, not a header
        ("k.csv", "1,2\n,\n3,4\n", [[[1, 2]], [[3, 4]]]),  # a line of empty cells is blank
        ("k.csv", "a,b,c\n1,2,3\n4,5,6\n", [[1, 2, 3], [4, 5, 6]]),  # header row
        ("k.csv", "# c\nx,y\n1,2\n3,4\n", [[1, 2], [3, 4]]),  # header after a comment
        ("k.csv", "1,-2.5,3e-1\n", [1, -2.5, 0.3]),  # one row is 1-D
        ("k.txt", "1\n2\n3\n", [1, 2, 3]),  # one column is 1-D
        ("k.csv", "7\n", [7]),
        ("k.txt", "1,0\n0,1\n\n0,1\n1,0\n", [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]),
        ("k.txt", "\n# planes\n1,2\n\n\n\n3,4\n\n", [[[1, 2]], [[3, 4]]]),
        ("k.txt", "1,2\n# not a separator\n3,4\n", [[1, 2], [3, 4]]),
        ("k.csv", "0,0\n0,0\n", [[0, 0], [0, 0]]),
        ("kernel", "1 2 3\n", [1, 2, 3]),  # no suffix: read as text
    ],
)
def test_text_files_load(tmp_path: Path, name: str, text: str, expected: object) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    weights = load_kernel_file(path)
    want = np.array(expected, dtype=np.float64)
    assert weights.dtype == np.float64
    assert weights.shape == want.shape
    assert_array_equal(weights, want)


@pytest.mark.parametrize(
    "array",
    [
        np.array([1, -2, 3], dtype=np.int64),
        np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
        np.arange(12.0).reshape(3, 2, 2),
        np.zeros((1, 1)),
        np.array([1, 2], dtype=np.uint8),
        np.array([[True, False], [False, True]]),  # bool is 0 and 1, as for inputs
    ],
)
def test_npy_files_load_as_they_are(tmp_path: Path, array: np.ndarray) -> None:
    np.save(tmp_path / "k.npy", array)
    weights = load_kernel_file(tmp_path / "k.npy")
    assert weights.dtype == np.float64
    assert weights.shape == array.shape
    assert_array_equal(weights, array.astype(np.float64))


def test_npy_content_is_recognised_without_the_suffix(tmp_path: Path) -> None:
    with (tmp_path / "weights.bin").open("wb") as handle:
        np.save(handle, np.array([[1.0, 2.0]]))
    assert_array_equal(load_kernel_file(tmp_path / "weights.bin"), [[1.0, 2.0]])


def save_npy(path: Path, array: np.ndarray) -> Path:
    with path.open("wb") as handle:
        np.save(handle, array)
    return path


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            np.zeros((1, 2, 3, 4, 5)),
            r"has 5 axes \(shape \(1, 2, 3, 4, 5\)\); a kernel needs 1, 2 or 3 axes "
            r"\(one per sliding axis\), or one more for per-channel weights under "
            r"--channels sum$",
        ),
        (
            np.float64(3.0),
            r"holds a single number \(shape \(\)\); a kernel needs 1, 2 or 3 axes",
        ),
        (np.zeros((0, 3)), r"is empty \(shape \(0, 3\)\); it needs at least one value$"),
        (np.array([1j, 2]), r"holds complex numbers \(dtype complex128\); convcli convolves"),
        (np.array(["a"]), r"holds non-numeric values \(dtype <U1\); convcli reads bool"),
        (
            np.array([[1.0, 2.0], [np.inf, np.nan]]),
            r"has 2 non-finite values \(NaN or infinity\), the first at index \(1, 0\); "
            r"convolution needs finite numbers, replace them first \(e\.g\. numpy\.nan_to_num\)$",
        ),
    ],
)
def test_bad_npy_files_are_explained(tmp_path: Path, array: np.ndarray, message: str) -> None:
    path = save_npy(tmp_path / "k.npy", array)
    with pytest.raises(KernelError, match=rf"^kernel file '.*k\.npy' {message}"):
        load_kernel_file(path)


def test_corrupt_and_pickled_npy_files(tmp_path: Path) -> None:
    (tmp_path / "text.npy").write_text("1,2,3\n")
    with pytest.raises(
        KernelError,
        match=r"^kernel file '.*text\.npy' is not a \.npy file: it does not start with the NPY "
        r"magic bytes; save it with numpy\.save$",
    ):
        load_kernel_file(tmp_path / "text.npy")
    pickled = np.array([{"a": 1}], dtype=object)
    with (tmp_path / "obj.npy").open("wb") as handle:
        np.save(handle, pickled, allow_pickle=True)
    with pytest.raises(
        KernelError,
        match=r"^kernel file '.*obj\.npy' holds Python objects \(dtype object\), which convcli "
        r"never unpickles; save a numeric array$",
    ):
        load_kernel_file(tmp_path / "obj.npy")
    with (tmp_path / "archive.npy").open("wb") as handle:
        np.savez(handle, a=np.zeros(3))
    with pytest.raises(
        KernelError, match=r"'.*archive\.npy' is not a \.npy file: .*it looks like a zip or \.npz"
    ):
        load_kernel_file(tmp_path / "archive.npy")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "k.csv",
            "1,2,3\n4,5\n",
            r"^line 2 of {file} has 2 cells but line 1 has 3; "
            r"every row needs the same number of columns$",
        ),
        (
            "k.csv",
            "# c\n1,2\n\n3,4\n5,6\n",
            r"^plane 2 \(line 4\) of {file} has 2 rows but plane 1 has 1; "
            r"planes are separated by blank lines$",
        ),
        ("k.txt", "1 2\n\n3\n", r"^line 3 of {file} has 1 cell but line 1 has 2"),
        (
            "k.csv",
            "1,,2\n",
            r"^line 1, column 2 of {file} is empty; every cell needs a number "
            r"\(cells are separated by ','\)$",
        ),
        ("k.csv", "1,2,\n", r"^line 1, column 3 of {file} is empty"),
        ("k.tsv", "1\t\t2\n", r"^line 1, column 2 of {file} is empty; .* separated by tab\)$"),
        (
            "k.csv",
            "1,2\n3,x\n",
            r"^line 2, column 2 of {file} is not a number: 'x'; only the first row may be a "
            r"header$",
        ),
        (
            "k.csv",
            "1,2\n3,nan\n",
            r"^line 2, column 2 of {file} is not a finite number: 'nan'; replace NaN and "
            r"infinity with numbers$",
        ),
        ("k.csv", "1,inf\n", r"^line 1, column 2 of {file} is not a finite number: 'inf'"),
        ("k.csv", "1_0,2\n", r"^line 1, column 1 of {file} is not a number: '1_0'; write numbers"),
        ("k.txt", "0x1 2\n", r"^line 1, column 1 of {file} is not a number: '0x1'; write numbers"),
        (
            "k.csv",
            "-1,1 # edge\n-1,1\n",
            r"^line 1, column 2 of {file} is not a number: '1 # edge'; '#' starts a comment "
            r"only at the start of a line$",
        ),
        (
            "k.csv",
            "# only a comment\n\n",
            r"^{file} has no numbers; expected rows of numbers separated by ','$",
        ),
        ("k.csv", "", r"^{file} has no numbers; expected rows"),
        (
            "k.csv",
            "a,b\n",
            r"^{file} has no numbers: its only row 'a,b' was read as a header "
            r"\(cells in \.csv are separated by ','\)$",
        ),
        (
            "k.csv",
            "1;0;-1\n",
            r"^{file} has no numbers: its only row '1;0;-1' was read as a header "
            r"\(cells in \.csv are separated by ','\)$",
        ),
    ],
)
def test_bad_text_files_are_explained(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    file = rf"kernel file '.*{name}'"
    with pytest.raises(KernelError, match=message.replace("{file}", file)):
        load_kernel_file(path)


def test_kernel_files_and_inputs_share_the_table_rules(tmp_path: Path) -> None:
    # The same bytes as an input and as a kernel: the same message, apart from the name.
    path = tmp_path / "k.csv"
    path.write_text("1,2\n3,x\n")
    with pytest.raises(KernelError) as as_kernel:
        load_kernel_file(path)
    with pytest.raises(InputError) as as_input:
        load_input(str(path))
    assert str(as_kernel.value) == str(as_input.value).replace(f"'{path}'", f"kernel file '{path}'")


def test_binary_files_that_are_not_npy(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(
        KernelError,
        match=r"^kernel file '.*image\.csv' is not UTF-8 text or a \.npy array: byte 0x89 at "
        r"offset 0; write rows of numbers \(\.csv/\.tsv/\.txt\) or save the array with "
        r"numpy\.save$",
    ):
        load_kernel_file(path)


def test_utf16_kernel_files_are_read_as_inputs_are(tmp_path: Path) -> None:
    path = tmp_path / "k.txt"
    path.write_bytes("1\t2\r\n3\t4\r\n".encode("utf-16"))
    assert_array_equal(load_kernel_file(path), [[1, 2], [3, 4]])


def test_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(KernelError, match=r"^kernel file not found: '.*nope\.csv'$"):
        load_kernel_file(tmp_path / "nope.csv")
    with pytest.raises(KernelError, match=r"^kernel path is a folder, not a file: '.*'$"):
        load_kernel_file(tmp_path)


shapes_for_files = st.one_of(
    st.tuples(st.integers(1, 6)),
    st.tuples(st.integers(2, 5), st.integers(2, 5)),
    st.tuples(st.integers(2, 4), st.integers(1, 4), st.integers(1, 4)),
)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, shapes_for_files, elements=finite))
def test_kernel_files_round_trip_exactly(weights: np.ndarray) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "k.txt"
        path.write_text(format_kernel_file(weights, ["round trip"]), encoding="utf-8")
        loaded = load_kernel_file(path)
    assert loaded.shape == weights.shape
    assert_array_equal(loaded, weights)


# -- which kind a spec is --------------------------------------------------------------


def test_parse_kernel_inline_preset_and_labels() -> None:
    inline = parse_kernel("  1,10,100 ")
    assert inline.label == "1,10,100"
    assert_array_equal(inline.weights, [1, 10, 100])
    preset = parse_kernel("gaussian:size=3, sigma=0.5")
    assert preset.label == "gaussian:size=3, sigma=0.5"
    assert preset.weights.shape == (3, 3)
    assert_array_equal(parse_kernel("vertical-line").weights, [[0, 1, 0]] * 3)
    assert parse_kernel("bump").weights.dtype == np.float64


def test_parse_kernel_reads_files_and_labels_them_by_name(tmp_path: Path) -> None:
    path = tmp_path / "edge.csv"
    path.write_text("-1,1\n")
    kernel = parse_kernel(str(path))
    assert isinstance(kernel, Kernel)
    assert kernel.label == "edge.csv"
    assert_array_equal(kernel.weights, [-1, 1])
    np.save(tmp_path / "cube.npy", np.ones((2, 2, 2)))
    assert parse_kernel(f" {tmp_path / 'cube.npy'} ").weights.shape == (2, 2, 2)


def test_a_file_named_like_a_preset_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("vertical-line").write_text("1,2,3\n")
    kernel = parse_kernel("vertical-line")
    assert_array_equal(kernel.weights, [1, 2, 3])
    assert kernel.label == "vertical-line"
    assert_array_equal(parse_kernel("horizontal-line").weights, [[0, 0, 0], [1, 1, 1], [0, 0, 0]])


def test_a_file_named_like_inline_numbers_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("0,1,0").write_text("5 5\n")
    assert_array_equal(parse_kernel("0,1,0").weights, [5, 5])
    assert_array_equal(parse_kernel("0,2,0").weights, [0, 2, 0])


def test_numbers_are_tried_before_presets() -> None:
    # 'inf' and 'nan' are numbers (not finite), never looked up as preset names.
    with pytest.raises(KernelError, match=r"^kernel value 'inf' \(number 1\) is not finite"):
        parse_kernel("inf")
    with pytest.raises(KernelError, match=r"^kernel value 'nan' \(number 2\) is not finite"):
        parse_kernel("1 nan")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", r"^kernel spec is empty; give a file \(k\.csv\), numbers \(0,1,0\) or a preset"),
        ("   ", r"^kernel spec is empty"),
        ("sobel.csv", r"^kernel file not found: 'sobel\.csv'$"),
        ("K.NPY", r"^kernel file not found: 'K\.NPY'$"),
        ("no/such/kernel", r"^kernel file not found: 'no/such/kernel'$"),
        (
            "sobel",
            r"^unknown kernel 'sobel' \(not a file, numbers or preset\); "
            r"closest presets: sobel-x, sobel-y, sobel-z$",
        ),
        ("sobel x", r"^unknown kernel 'sobel x' .*closest presets: sobel-x"),
        ("box3", r"^unknown kernel 'box3' .*closest presets: box$"),
        ("gaussian:size=4", r"^gaussian size must be a positive odd integer"),
        ("1,2;3", r"^kernel row 2 has 1 number but row 1 has 2: '1,2;3'$"),
        ("3x3", r"^kernel value '3x3' \(number 1\) is not a number: '3x3'$"),
        ("a,1", r"^kernel value 'a' \(number 1\) is not a number: 'a,1'$"),
        ("1,a", r"^kernel value 'a' \(number 2\) is not a number: '1,a'$"),
    ],
)
def test_parse_kernel_errors(spec: str, message: str) -> None:
    with pytest.raises(KernelError, match=message):
        parse_kernel(spec)


def test_a_path_to_a_folder_is_not_a_kernel(tmp_path: Path) -> None:
    with pytest.raises(KernelError, match=r"^kernel path is a folder, not a file: '.*'$"):
        parse_kernel(str(tmp_path) + "/")


def test_the_shipped_kernel_files_load_through_a_spec() -> None:
    kernels = Path(__file__).resolve().parents[1] / "kernels"
    kernel = parse_kernel(str(kernels / "sobel-z.txt"))
    assert kernel.label == "sobel-z.txt"
    assert_array_equal(kernel.weights, parse_kernel("sobel-z").weights)
