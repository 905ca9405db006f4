"""Tests of convcli.tables: the one reader of text tables and .npy arrays."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from convcli.errors import ConvcliError, InputError, KernelError
from convcli.tables import Table, What, check_array, decode_text, read_npy, read_table

ERRORS: dict[What, type[ConvcliError]] = {"input": InputError, "kernel": KernelError}


def table(text: str, suffix: str = ".csv", *, planes: bool = False) -> list[object]:
    """The values read from ``text`` as an input named 'x' (a list, for comparisons)."""
    values: list[object] = read_table(
        text, name="'x'", what="input", suffix=suffix, planes=planes
    ).values.tolist()
    return values


def npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


# ------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize(
    ("suffix", "text", "expected", "delimiter"),
    [
        (".csv", "1,2\n3,4\n", [[1, 2], [3, 4]], ","),
        (".CSV", " 1 , 2 \n3,4", [[1, 2], [3, 4]], ","),
        (".tsv", "1\t2\n3\t4\n", [[1, 2], [3, 4]], "\t"),
        (".txt", "1 2\t 3\n4  5 6\n", [[1, 2, 3], [4, 5, 6]], None),
        (".txt", "1, 2\n3 ,4\n", [[1, 2], [3, 4]], ","),  # a comma anywhere: commas
        ("", "1\t2\n3\t4\n", [[1, 2], [3, 4]], "\t"),
        ("", "1,2\n3,4\n", [[1, 2], [3, 4]], ","),
        ("", "a;b\n1;2\n3;4\n", [[1, 2], [3, 4]], ";"),
        ("", "a b\n1 2\n3   4\n", [[1, 2], [3, 4]], None),
        (".dat", "1;2;3\n", [1, 2, 3], ";"),  # an unknown suffix is sniffed too
        ("", "x,y;z\n1;2\n3;4\n", [[1, 2], [3, 4]], ";"),  # the header is not the sample
    ],
)
def test_delimiter_by_suffix_or_sniffed(
    suffix: str, text: str, expected: list[object], delimiter: str | None
) -> None:
    found = read_table(text, name="'x'", what="input", suffix=suffix)
    assert isinstance(found, Table)
    assert found.values.dtype == np.float64
    assert found.values.tolist() == expected
    assert found.delimiter == delimiter


def test_semicolons_are_not_cells_in_a_txt_file() -> None:
    with pytest.raises(
        InputError,
        match=r"^line 2, column 1 of 'x' is not a number: '3;4'; "
        r"cells here are separated by whitespace, not ';'$",
    ):
        table("1 2\n3;4 5\n", ".txt")


# -------------------------------------------------------------- comments, blank lines


def test_whole_comment_lines_and_blank_lines_are_skipped() -> None:
    text = "# made by hand\n\n1,2\n  # indented\n\n3,4\n,,\n\n"
    assert table(text) == [[1, 2], [3, 4]]


def test_a_hash_after_a_number_is_not_a_comment() -> None:
    with pytest.raises(
        InputError,
        match=r"^line 2, column 2 of 'x' is not a number: '4 # note'; "
        r"'#' starts a comment only at the start of a line$",
    ):
        table("1,2\n3,4 # note\n")


def test_a_commented_first_row_is_data_not_a_header() -> None:
    # A trailing comment on the first row must not turn it into a header silently.
    with pytest.raises(InputError, match=r"^line 1, column 3 of 'x' is not a number: '3 # c'"):
        table("1,2,3 # c\n4,5,6\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,0\n0,1\n\n0,1\n1,0\n", [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]),
        ("\n# planes\n1,2\n\n\n\n3,4\n\n", [[[1, 2]], [[3, 4]]]),
        ("1,2\n# not a separator\n3,4\n", [[1, 2], [3, 4]]),
        ("1,2\n,\n3,4\n", [[[1, 2]], [[3, 4]]]),  # a line of empty cells is blank
        ("a,b\n\n1,2\n3,4\n", [[1, 2], [3, 4]]),  # a header, then one plane
        ("1,2\n3,4\n\n", [[1, 2], [3, 4]]),
        ("5\n\n6\n", [[[5]], [[6]]]),  # planes are never squeezed
    ],
)
def test_blank_lines_separate_planes_only_when_asked(text: str, expected: object) -> None:
    assert table(text, planes=True) == expected


def test_without_planes_blank_lines_are_ignored() -> None:
    assert table("1,0\n0,1\n\n0,1\n1,0\n") == [[1, 0], [0, 1], [0, 1], [1, 0]]


def test_planes_must_have_the_same_rows_and_columns() -> None:
    with pytest.raises(
        KernelError,
        match=r"^plane 2 \(line 4\) of kernel file 'k' has 2 rows but plane 1 has 1; "
        r"planes are separated by blank lines$",
    ):
        read_table("# c\n1,2\n\n3,4\n5,6\n", name="kernel file 'k'", what="kernel", planes=True)
    with pytest.raises(
        KernelError,
        match=r"^line 3 of kernel file 'k' has 1 cell but line 1 has 2; every row needs the "
        r"same number of columns$",
    ):
        read_table("1 2\n\n3\n", name="kernel file 'k'", what="kernel", planes=True)


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("time,value\n0,1.5\n1,-2\n", [[0, 1.5], [1, -2]]),
        ("# c\nx,y\n1,2\n3,4\n", [[1, 2], [3, 4]]),  # a header after a comment
        ('"a","b"\n"1","2"\n', [1, 2]),
        ("volts\n1\n2\n3\n", [1, 2, 3]),
        ("1st,2nd\n1,2\n", [1, 2]),
        ("x,\n1,2\n", [1, 2]),  # an empty header cell is fine
    ],
)
def test_a_first_row_that_is_not_numeric_is_a_header(text: str, expected: object) -> None:
    assert table(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1_0,2\n3,4\n", r"^line 1, column 1 of 'x' is not a number: '1_0'"),
        ("0x10,2\n3,4\n", r"^line 1, column 1 of 'x' is not a number: '0x10'"),
        ("nan,2\n3,4\n", r"^line 1, column 1 of 'x' is not a finite number: 'nan'"),
        ("1,-Infinity\n3,4\n", r"^line 1, column 2 of 'x' is not a finite number: '-Infinity'"),
        ("1,,2\n3,4,5\n", r"^line 1, column 2 of 'x' is empty"),
    ],
)
def test_a_mistyped_number_on_the_first_row_is_data_not_a_header(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        table(text)


@pytest.mark.parametrize(
    ("suffix", "text", "message"),
    [
        (
            ".csv",
            "1;2;3;4;5\n",
            r"^'x' has no numbers: its only row '1;2;3;4;5' was read as a header "
            r"\(cells in \.csv are separated by ','\)$",
        ),
        (
            ".tsv",
            "# c\n1,2,3\n\n",
            r"^'x' has no numbers: its only row '1,2,3' was read as a header "
            r"\(cells in \.tsv are separated by tab\)$",
        ),
        (
            ".txt",
            "1;2\n",
            r"^'x' has no numbers: its only row '1;2' was read as a header "
            r"\(cells in \.txt are separated by whitespace or ','\)$",
        ),
        (
            "",
            "time value\n",
            r"^'x' has no numbers: its only row 'time value' was read as a header "
            r"\(cells were read as separated by whitespace\)$",
        ),
        (
            ".csv",
            "a," * 40 + "\n",
            r"^'x' has no numbers: its only row '(a,){28}a\.\.\.' was read as a header",
        ),
    ],
)
def test_an_only_row_read_as_a_header_is_quoted(suffix: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        table(text, suffix)


@pytest.mark.parametrize("text", ["", "# only a comment\n\n", ",,\n", "\n\n"])
def test_a_table_without_rows(text: str) -> None:
    with pytest.raises(
        InputError, match=r"^'x' has no numbers; expected rows of numbers separated by ','$"
    ):
        table(text)


# ------------------------------------------------------------------------------- cells


def test_cells_may_be_quoted_and_padded() -> None:
    assert table('"1", \'2\' ,  " 3 "\n4,5,6\n') == [[1, 2, 3], [4, 5, 6]]


def test_numbers_in_every_plain_form() -> None:
    assert table("+1.5e-3,-2E2,.5,3.,-0,007\n") == [0.0015, -200, 0.5, 3, 0, 7]


def test_line_breaks_of_every_kind_count_as_lines() -> None:
    with pytest.raises(InputError, match=r"^line 3 of 'x' has 1 cell but line 1 has 2"):
        table("1,2\r\n3,4\r5\n")


@pytest.mark.parametrize(
    ("cell", "tip"),
    [
        ("1_000", "; write numbers without '_' separators"),
        ("0x1F", "; write numbers in decimal"),
        ("1..2", "; only the first row may be a header"),
        ("one", "; only the first row may be a header"),
        ("1 2", "; cells here are separated by ',', not whitespace"),
        ("١٢", "; only the first row may be a header"),  # float() reads Arabic-Indic digits
        ('"1_0"', "; write numbers without '_' separators"),
    ],
)
def test_cells_that_are_not_plain_numbers_are_refused(cell: str, tip: str) -> None:
    with pytest.raises(
        InputError,
        match=rf"^line 3, column 2 of 'x' is not a number: '{cell}'{tip}$",
    ):
        table(f"a,b\n1,2\n3,{cell}\n")


@pytest.mark.parametrize("cell", ["nan", "-inf", "+Infinity", "1e400", '"NaN"'])
def test_non_finite_cells_are_refused(cell: str) -> None:
    with pytest.raises(
        InputError,
        match=rf"^line 3, column 2 of 'x' is not a finite number: '{re.escape(cell)}'; "
        r"replace NaN and infinity with numbers$",
    ):
        table(f"x,y\n1,2\n3,{cell}\n")


def test_an_empty_cell_names_line_column_and_delimiter() -> None:
    with pytest.raises(
        InputError,
        match=r"^line 2, column 2 of 'x' is empty; every cell needs a number "
        r"\(cells are separated by tab\)$",
    ):
        table("1\t2\t3\n4\t\t6\n", ".tsv")


def test_ragged_rows_name_both_lines_and_counts() -> None:
    with pytest.raises(
        InputError,
        match=r"^line 5 of 'x' has 3 cells but line 3 has 2; "
        r"every row needs the same number of columns$",
    ):
        table("# c\nh1,h2\n1,2\n\n5,6,7\n")


@pytest.mark.parametrize(
    ("text", "shape"),
    [("1,2,3\n", (3,)), ("1\n2\n3\n", (3,)), ("7\n", (1,)), ("1,2\n3,4\n5,6\n", (3, 2))],
)
def test_one_row_or_one_column_is_one_dimensional(text: str, shape: tuple[int, ...]) -> None:
    assert read_table(text, name="x", what="input", suffix=".csv").values.shape == shape


# -------------------------------------------------- one rule set, the caller's error class


@pytest.mark.parametrize(
    ("text", "planes"),
    [
        ("1,2\n3\n", False),
        ("1,x\n", False),
        ("1,nan\n", False),
        ("1,,2\n", False),
        ("a;b\n", False),
        ("", False),
        ("1,2\n\n3,4\n5,6\n", True),
    ],
)
def test_inputs_and_kernels_get_the_same_message(text: str, planes: bool) -> None:
    messages = []
    for what, error in ERRORS.items():
        with pytest.raises(error) as raised:
            read_table(text, name="'k.csv'", what=what, suffix=".csv", planes=planes)
        assert type(raised.value) is error
        messages.append(str(raised.value))
    assert messages[0] == messages[1]


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
tables = st.integers(1, 4).flatmap(
    lambda columns: st.lists(
        st.lists(finite, min_size=columns, max_size=columns), min_size=2, max_size=5
    )
)


@settings(max_examples=80, deadline=None)
@given(
    rows=tables,
    layout=st.sampled_from(
        [(".csv", ","), (".tsv", "\t"), (".txt", " "), (".txt", ", "), ("", ";"), ("", "\t")]
    ),
    quote=st.sampled_from(["", '"', "'"]),
    what=st.sampled_from(["input", "kernel"]),
)
def test_tables_round_trip_exactly(
    rows: list[list[float]], layout: tuple[str, str], quote: str, what: What
) -> None:
    suffix, separator = layout
    if separator == " ":
        quote = ""  # whitespace-separated cells cannot hold quoted spaces; none needed
    text = "\n".join(separator.join(f"{quote}{v!r}{quote}" for v in row) for row in rows)
    found = read_table(f"# generated\n{text}\n", name="x", what=what, suffix=suffix)
    expected = np.array(rows)
    assert_array_equal(found.values, expected[:, 0] if expected.shape[1] == 1 else expected)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("0123456789.,;\t \n#e-+_x\"'na")), max_size=40),
    suffix=st.sampled_from(["", ".csv", ".tsv", ".txt"]),
    planes=st.booleans(),
)
def test_any_text_gives_finite_values_or_the_callers_error(
    text: str, suffix: str, planes: bool
) -> None:
    message = None
    try:
        found = read_table(text, name="x", what="kernel", suffix=suffix, planes=planes)
    except KernelError as exc:  # any other exception fails the test
        message = str(exc)
    if message is not None:
        assert message.startswith(("line ", "plane ", "x has no numbers"))
        assert "\n" not in message
        return
    assert 1 <= found.values.ndim <= 3
    assert found.values.size >= 1
    assert np.isfinite(found.values).all()


# ----------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    "data",
    [
        b"1,2\n",
        b"\xef\xbb\xbf1,2\n",
        "1,2\n".encode("utf-16"),
        "1,2\n".encode("utf-16-be").join([b"\xfe\xff", b""]),
        "1,2\n".encode("utf-16-le").join([b"\xff\xfe", b""]),
    ],
)
def test_utf8_and_utf16_with_bom_decode(data: bytes) -> None:
    assert decode_text(data, name="x", what="input") == "1,2\n"


def test_bytes_that_are_not_text_are_refused() -> None:
    with pytest.raises(
        KernelError,
        match=r"^kernel file 'k' is not UTF-8 text or a \.npy array: byte 0x89 at offset 2; "
        r"save it$",
    ):
        decode_text(
            b"1,\x89",
            name="kernel file 'k'",
            what="kernel",
            expected="UTF-8 text or a .npy array",
            hint="; save it",
        )
    with pytest.raises(InputError, match=r"^'x' is not UTF-8 text: it contains NUL characters$"):
        decode_text(b"1 2\x00\n", name="'x'", what="input")


# --------------------------------------------------------------------------------- npy


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1.5, -2.0], [0.25, 4.0]], dtype=np.float32),
        np.array([True, False, True]),
        np.arange(6, dtype=np.int64).reshape(2, 3),
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.ones((1, 2, 2, 3), dtype=np.float16),
    ],
)
def test_npy_loads_as_float64(array: np.ndarray) -> None:
    loaded = read_npy(npy(array), name="'a.npy'", what="input")
    assert loaded.dtype == np.float64
    assert loaded.shape == array.shape
    assert loaded.tolist() == array.astype(np.float64).tolist()


def test_bool_is_read_as_0_and_1_for_kernels_too() -> None:
    loaded = read_npy(npy(np.array([[True, False]])), name="k", what="kernel")
    assert loaded.tolist() == [[1.0, 0.0]]


def test_npy_from_a_stream() -> None:
    stream = io.BytesIO(npy(np.array([3, 4], dtype=np.int16)))
    assert read_npy(stream, name="x", what="input").tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            np.zeros((1, 1, 1, 1, 2)),
            r"has 5 axes \(shape \(1, 1, 1, 1, 2\)\); an input needs 1 to 4 axes "
            r"\(up to 3 sliding axes plus channels\)$",
        ),
        (
            np.array(3.0),
            r"holds a single number \(shape \(\)\); an input needs 1 to 4 axes",
        ),
        (np.zeros((0, 3)), r"is empty \(shape \(0, 3\)\); it needs at least one value$"),
        (
            np.array([1 + 2j]),
            r"holds complex numbers \(dtype complex128\); convcli convolves real arrays, "
            r"save a\.real or abs\(a\) instead$",
        ),
        (
            np.array(["a"]),
            r"holds non-numeric values \(dtype <U1\); convcli reads bool, integer and float "
            r"arrays$",
        ),
        (
            np.array([1, None], dtype=object),
            r"holds Python objects \(dtype object\), which convcli never unpickles; "
            r"save a numeric array$",
        ),
        (
            np.array([[1.0, 2.0], [np.inf, np.nan]]),
            r"has 2 non-finite values \(NaN or infinity\), the first at index \(1, 0\); "
            r"convolution needs finite numbers, replace them first \(e\.g\. numpy\.nan_to_num\)$",
        ),
        (np.array([np.nan]), r"has 1 non-finite value \(NaN or infinity\), the first at index"),
    ],
)
def test_npy_arrays_convcli_cannot_use(array: np.ndarray, message: str) -> None:
    data = npy(array, allow_pickle=True)
    with pytest.raises(InputError, match=rf"^'bad\.npy' {message}"):
        read_npy(data, name="'bad.npy'", what="input")


def test_kernels_and_inputs_allow_four_axes_not_five() -> None:
    four = npy(np.ones((2, 2, 2, 2)))
    assert read_npy(four, name="x", what="input").shape == (2, 2, 2, 2)
    # A 3-D kernel with per-channel weights (Keras Conv3D) has four axes.
    assert read_npy(four, name="k", what="kernel").shape == (2, 2, 2, 2)
    with pytest.raises(
        KernelError,
        match=r"^kernel file 'k\.npy' has 5 axes \(shape \(2, 2, 2, 2, 2\)\); "
        r"a kernel needs 1, 2 or 3 axes \(one per sliding axis\), or one more for "
        r"per-channel weights under --channels sum$",
    ):
        read_npy(npy(np.ones((2,) * 5)), name="kernel file 'k.npy'", what="kernel")
    with pytest.raises(KernelError, match=r"holds a single number \(shape \(\)\); a kernel needs"):
        read_npy(npy(np.float64(3)), name="k", what="kernel")


def test_not_npy_bytes_get_the_callers_hint_or_the_zip_hint() -> None:
    with pytest.raises(
        InputError,
        match=r"^'w\.npy' is not a \.npy file: it does not start with the NPY magic bytes; "
        r"try csv$",
    ):
        read_npy(b"1,2,3\n", name="'w.npy'", what="input", hint="; try csv")
    archive = io.BytesIO()
    np.savez(archive, a=np.zeros(3))
    with pytest.raises(
        KernelError,
        match=r"^k is not a \.npy file: it does not start with the NPY magic bytes; "
        r"it looks like a zip or \.npz archive, save one array with numpy\.save instead$",
    ):
        read_npy(archive.getvalue(), name="k", what="kernel", hint="; ignored")


def test_truncated_npy() -> None:
    # NumPy's own words follow (they differ between a file and a buffer).
    with pytest.raises(KernelError, match=r"^cannot read \.npy k: \S"):
        read_npy(npy(np.arange(10.0))[:-20], name="k", what="kernel")


def test_check_array_on_images_and_kernels() -> None:
    assert check_array(np.array([[0.5]], dtype=np.float32), name="x", what="input").tolist() == [
        [0.5]
    ]
    with pytest.raises(KernelError, match=r"^k is empty \(shape \(0,\)\)"):
        check_array(np.zeros(0), name="k", what="kernel")
