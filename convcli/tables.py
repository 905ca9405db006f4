"""One reader for numeric text tables and ``.npy`` arrays, for inputs and kernels alike.

:mod:`convcli.loaders` (inputs) and :mod:`convcli.kernel_io` (kernel files) both read
tables and arrays through this module, so the two follow the same rules and say the
same things. The caller names what it reads (``name``, e.g. ``"'x.csv'"`` or
``"kernel file 'k.csv'"``, the subject of every message) and whether it is an
``"input"`` or a ``"kernel"``, which picks the error class
(:class:`~convcli.errors.InputError` or :class:`~convcli.errors.KernelError`) and, for
arrays, how many axes are allowed. Messages are otherwise identical.

Text tables (:func:`decode_text`, then :func:`read_table`):

* **encoding**: UTF-8 with or without a byte-order mark, or UTF-16 with a BOM. Other
  bytes and NUL characters are refused.
* **delimiter** by suffix: ``.csv`` comma, ``.tsv`` tab, ``.txt`` comma when any line
  has one, else whitespace. Any other suffix, and standard input, is sniffed: the first
  of tab, comma, semicolon that every line after the first holds, else the first that
  any line holds, else whitespace.
* **comments**: a line whose first non-blank character is ``#``. A ``#`` later in a
  line is not a comment (``1,2 # note`` is an error, not ``1,2``).
* **blank lines** (or lines of empty cells, as spreadsheets export) separate the planes
  of a 3-D table where the caller asks for planes (kernel files); elsewhere they are
  skipped.
* **header**: a first row with a cell that is not a number is skipped. A cell that
  starts like a number (``1_0``, ``0x1F``, ``nan``, ``2 # c``) is a mistyped number,
  not a column name, so that row is data and gets an error. A file whose only row was
  taken as a header says so.
* **cells** may be padded with spaces and wrapped in one pair of quotes (``"1.5"``).
  A number is a plain decimal with an optional exponent (:data:`NUMBER`): underscores
  (``1_000``), hex (``0x10``), ``nan`` and ``inf`` are refused, naming the line, the
  column and the cell. Empty cells and ragged rows are errors naming the line(s) and
  counts.
* **shape**: rows x columns; one row or one column is squeezed to 1-D; several planes
  give (planes, rows, columns).

Arrays (:func:`read_npy`): read with ``allow_pickle=False``; bool (as 0 and 1), integer
and float arrays load as float64. Complex, string, object and structured arrays, a
single number, empty arrays, too many axes (inputs 1 to 4, kernels 1 to 4: three sliding axes plus per-channel weights) and NaN or
infinity are refused.

Examples
--------
>>> read_table("time,volts\\n0,1.5\\n1,-2\\n", name="'v.csv'", what="input", suffix=".csv")
Table(values=array([[ 0. ,  1.5],
       [ 1. , -2. ]]), delimiter=',')
>>> read_table("1 0\\n0 1\\n\\n0 1\\n1 0\\n", name="k", what="kernel", planes=True).values.shape
(2, 2, 2)
>>> read_table("1;2;3;4;5\\n", name="'semi5.csv'", what="input", suffix=".csv")
Traceback (most recent call last):
...
convcli.errors.InputError: 'semi5.csv' has no numbers: its only row '1;2;3;4;5' was read as a header (cells in .csv are separated by ',')
"""  # noqa: E501

from __future__ import annotations

import codecs
import io
import math
import re
from dataclasses import dataclass
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt

from convcli.errors import ConvcliError, InputError, KernelError

__all__ = [
    "NON_FINITE",
    "NPY_MAGIC",
    "NUMBER",
    "TEXT_SUFFIXES",
    "ZIP_MAGIC",
    "Table",
    "What",
    "check_array",
    "decode_text",
    "read_npy",
    "read_table",
]

What = Literal["input", "kernel"]

#: Suffixes read as text tables (compared in lower case).
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
#: The first bytes of every ``.npy`` file.
NPY_MAGIC = b"\x93NUMPY"
#: The first bytes of a zip archive, such as an ``.npz`` file.
ZIP_MAGIC = b"PK\x03\x04"
#: A number as a user writes it: a plain decimal with an optional exponent. Python's
#: float() also takes ``1_0``, ``infinity`` and non-ASCII digits, which are typos here.
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
#: Words float() reads as NaN or infinity; reported as "not finite", not "not a number".
NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)

_ERRORS: dict[What, type[ConvcliError]] = {"input": InputError, "kernel": KernelError}
_AXES: dict[What, tuple[int, str]] = {
    "input": (4, "an input needs 1 to 4 axes (up to 3 sliding axes plus channels)"),
    "kernel": (
        4,
        "a kernel needs 1, 2 or 3 axes (one per sliding axis), or one more for "
        "per-channel weights under --channels sum",
    ),
}
_HEX = re.compile(r"[+-]?0[xX][0-9a-fA-F_]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DELIMITER_NAMES = {",": "','", "\t": "tab", ";": "';'", None: "whitespace"}
_SNIFFED = ("\t", ",", ";")
_SNIFF_LINES = 50


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous: compare .values instead
class Table:
    """A parsed text table.

    Parameters
    ----------
    values : numpy.ndarray
        float64, finite: ``(n,)`` for one row or one column, ``(rows, columns)``, or
        ``(planes, rows, columns)`` when planes were asked for and found.
    delimiter : str or None
        The cell delimiter used (``","``, ``"\\t"`` or ``";"``); None for whitespace.
    """

    values: npt.NDArray[np.float64]
    delimiter: str | None


# --------------------------------------------------------------------------- text


def decode_text(
    data: bytes, *, name: str, what: What, expected: str = "UTF-8 text", hint: str = ""
) -> str:
    """Bytes to text: UTF-8 (BOM optional) or UTF-16 with a BOM; anything else is refused.

    Parameters
    ----------
    data : bytes
        The whole file.
    name, what
        The subject of messages and the kind of thing read (see the module docstring).
    expected : str
        What the data should have been, for the message ("UTF-8 text" by default).
    hint : str
        Appended to the message (e.g. "; it looks like a PNG image, ...").

    Examples
    --------
    >>> decode_text("1,2\\n".encode("utf-16"), name="x", what="input")
    '1,2\\n'
    >>> decode_text(b"\\x891,2", name="'x.csv'", what="input", hint="; try --input-format image")
    Traceback (most recent call last):
    ...
    convcli.errors.InputError: 'x.csv' is not UTF-8 text: byte 0x89 at offset 0; try --input-format image
    """  # noqa: E501
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    else:
        if "\x00" not in text:
            return text
        problem = "it contains NUL characters"
    raise _ERRORS[what](f"{name} is not {expected}: {problem}{hint}")


def read_table(
    text: str, *, name: str, what: What, suffix: str = "", planes: bool = False
) -> Table:
    """Parse a numeric text table by the rules in the module docstring.

    Parameters
    ----------
    text : str
        The decoded file (see :func:`decode_text`).
    name : str
        The subject of messages, quoted as it should appear: ``"'x.csv'"``,
        ``"standard input"``, ``"kernel file 'k.csv'"``.
    what : {"input", "kernel"}
        Raise :class:`~convcli.errors.InputError` or :class:`~convcli.errors.KernelError`.
    suffix : str
        The file's suffix, which fixes the delimiter for ``.csv``, ``.tsv`` and ``.txt``
        (any case); anything else (``""`` for standard input) is sniffed.
    planes : bool
        Blank lines separate planes: several planes give a 3-D table.

    Returns
    -------
    Table
        The values and the delimiter used.

    Examples
    --------
    >>> read_table('"a","b"\\n"1", "2"\\n', name="x", what="input", suffix=".csv").values
    array([1., 2.])
    >>> read_table("1\\t2\\n\\n3\\t4\\n", name="x", what="input").values
    array([[1., 2.],
           [3., 4.]])
    >>> read_table("1,2\\n3,1_000\\n", name="kernel file 'k.csv'", what="kernel", suffix=".csv")
    Traceback (most recent call last):
    ...
    convcli.errors.KernelError: line 2, column 2 of kernel file 'k.csv' is not a number: '1_000'; write numbers without '_' separators
    """  # noqa: E501
    error = _ERRORS[what]
    lines = [
        (number, line)
        for number, line in enumerate(_LINE_BREAK.split(text), start=1)
        if not line.lstrip().startswith("#")
    ]
    sample = [line for _, line in lines if line.strip()][:_SNIFF_LINES]
    delimiter = _choose_delimiter(suffix, sample)
    found: list[list[tuple[int, list[float]]]] = [[]]  # planes of (line number, values)
    first: tuple[int, int] | None = None  # (line number, cell count) of the first data row
    header: str | None = None
    seen_row = False
    for number, line in lines:
        cells = line.split(delimiter)
        if all(not cell.strip() for cell in cells):
            if planes and found[-1]:
                found.append([])  # a blank line ends the current plane
            continue
        if not seen_row:
            seen_row = True
            if _is_header(cells):
                header = line.strip()
                continue
        if first is None:
            first = (number, len(cells))
        elif len(cells) != first[1]:
            raise error(
                f"line {number} of {name} has {plural(len(cells), 'cell')} but line {first[0]} "
                f"has {first[1]}; every row needs the same number of columns"
            )
        fast = line.isascii() and "_" not in line
        found[-1].append((number, _parse_row(cells, number, name, delimiter, error, fast=fast)))
    if not found[-1]:
        found.pop()
    if not found:
        rule = _delimiter_rule(suffix, delimiter)
        if header is not None:
            raise error(
                f"{name} has no numbers: its only row '{excerpt(header)}' was read as a "
                f"header ({rule})"
            )
        raise error(
            f"{name} has no numbers; expected rows of numbers separated by "
            f"{_DELIMITER_NAMES[delimiter]}"
        )
    for index, plane in enumerate(found[1:], start=2):
        if len(plane) != len(found[0]):
            raise error(
                f"plane {index} (line {plane[0][0]}) of {name} has {plural(len(plane), 'row')} "
                f"but plane 1 has {len(found[0])}; planes are separated by blank lines"
            )
    values = np.array([[row for _, row in plane] for plane in found], dtype=np.float64)
    if len(found) > 1:
        return Table(values, delimiter)
    table = values[0]
    if table.shape[0] == 1 or table.shape[1] == 1:
        return Table(table.reshape(-1), delimiter)
    return Table(table, delimiter)


def _choose_delimiter(suffix: str, sample: list[str]) -> str | None:
    """The cell delimiter: by suffix, else sniffed from sample lines (None = whitespace).

    Examples
    --------
    >>> _choose_delimiter(".TXT", ["1 2", "3, 4"]), _choose_delimiter("", ["a;b", "1;2"])
    (',', ';')
    >>> print(_choose_delimiter(".txt", ["1;2"]), _choose_delimiter("", ["1 2 3"]))
    None None
    """
    lowered = suffix.lower()
    if lowered == ".csv":
        return ","
    if lowered == ".tsv":
        return "\t"
    if lowered == ".txt":
        return "," if any("," in line for line in sample) else None
    body = sample[1:] or sample  # the first line may be a header with other punctuation
    for candidate in _SNIFFED:
        if all(candidate in line for line in body):
            return candidate
    for candidate in _SNIFFED:
        if any(candidate in line for line in sample):
            return candidate
    return None


def _delimiter_rule(suffix: str, delimiter: str | None) -> str:
    """How cells were split, for messages: by the suffix's rule or by sniffing."""
    lowered = suffix.lower()
    if lowered == ".txt":
        return "cells in .txt are separated by whitespace or ','"
    if lowered in TEXT_SUFFIXES:
        return f"cells in {lowered} are separated by {_DELIMITER_NAMES[delimiter]}"
    return f"cells were read as separated by {_DELIMITER_NAMES[delimiter]}"


def _unquote(cell: str) -> str:
    """A cell without surrounding spaces and one pair of matching quotes.

    Examples
    --------
    >>> _unquote(' "1.5" '), _unquote("'2'"), _unquote('"3')
    ('1.5', '2', '"3')
    """
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "\"'":
        return cell[1:-1].strip()
    return cell


def _starts_like_a_number(cell: str) -> bool:
    """Whether a cell is a number, or a mistyped one, rather than a column name.

    Examples
    --------
    >>> [_starts_like_a_number(c) for c in ("1e3", "1_0", "-inf", "0x1F", "2 # c", "x", "1;2")]
    [True, True, True, True, True, False, False]
    """
    text = _unquote(cell)
    first = text.split(maxsplit=1)[0] if text.split() else text
    for candidate in (text, first):
        try:
            float(candidate)
        except ValueError:
            continue
        return True
    return bool(_HEX.fullmatch(first))


def _is_header(cells: list[str]) -> bool:
    """A first row is a header when some non-empty cell is not (like) a number."""
    return any(cell.strip() and not _starts_like_a_number(cell) for cell in cells)


def _parse_row(
    cells: list[str],
    number: int,
    name: str,
    delimiter: str | None,
    error: type[ConvcliError],
    *,
    fast: bool,
) -> list[float]:
    """Parse one row's cells, naming the line, column and cell of the first bad one."""
    values: list[float] | None = None
    if fast:
        # On an ASCII line without '_', float() reads exactly NUMBER plus the
        # NaN/infinity words, which the finite check below reports.
        try:
            values = [float(cell) for cell in cells]
        except ValueError:
            values = None
    if values is None:
        values = [
            _parse_cell(raw, number, column, name, delimiter, error)
            for column, raw in enumerate(cells, start=1)
        ]
    if not all(map(math.isfinite, values)):
        column = next(i for i, value in enumerate(values) if not math.isfinite(value))
        raise error(
            f"line {number}, column {column + 1} of {name} is not a finite number: "
            f"'{cells[column].strip()}'; replace NaN and infinity with numbers"
        )
    return values


def _parse_cell(
    raw: str,
    number: int,
    column: int,
    name: str,
    delimiter: str | None,
    error: type[ConvcliError],
) -> float:
    """One cell as a float (maybe not finite); an error naming line, column and cell."""
    cell = _unquote(raw)
    if not cell:
        raise error(
            f"line {number}, column {column} of {name} is empty; every cell needs a number "
            f"(cells are separated by {_DELIMITER_NAMES[delimiter]})"
        )
    if NUMBER.fullmatch(cell) or NON_FINITE.fullmatch(cell):
        return float(cell)
    raise error(
        f"line {number}, column {column} of {name} is not a number: "
        f"'{raw.strip()}'{_tip(cell, delimiter)}"
    )


def _tip(cell: str, delimiter: str | None) -> str:
    """Why a cell that is not a number may have been written that way.

    Examples
    --------
    >>> _tip("1;2", ","), _tip("1 2", ","), _tip("1_0", ",")
    ("; cells here are separated by ',', not ';'", "; cells here are separated by ',', not whitespace", "; write numbers without '_' separators")
    >>> _tip("0x1F", None), _tip("2 # note", ","), _tip("x", ",")
    ('; write numbers in decimal', "; '#' starts a comment only at the start of a line", '; only the first row may be a header')
    """  # noqa: E501
    others = [d for d in _SNIFFED if d != delimiter and d in cell]
    if others:
        return (
            f"; cells here are separated by {_DELIMITER_NAMES[delimiter]}, "
            f"not {_DELIMITER_NAMES[others[0]]}"
        )
    if "#" in cell:
        return "; '#' starts a comment only at the start of a line"
    if delimiter is not None and len(cell.split()) > 1:
        return f"; cells here are separated by {_DELIMITER_NAMES[delimiter]}, not whitespace"
    if "_" in cell and NUMBER.fullmatch(cell.replace("_", "")):
        return "; write numbers without '_' separators"
    if _HEX.fullmatch(cell):
        return "; write numbers in decimal"
    return "; only the first row may be a header"


def plural(n: int, noun: str) -> str:
    """``"1 cell"``, ``"3 cells"``: counts in messages.

    Examples
    --------
    >>> plural(1, "row"), plural(2, "row")
    ('1 row', '2 rows')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with ``...``, for quoting user input in messages."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------- npy


def read_npy(
    data: bytes | BinaryIO, *, name: str, what: What, hint: str = ""
) -> npt.NDArray[np.float64]:
    """Read a ``.npy`` file without unpickling, and check it with :func:`check_array`.

    Parameters
    ----------
    data : bytes or binary file
        The file's bytes, or a seekable stream at its start.
    name, what
        The subject of messages and the kind of thing read (see the module docstring).
    hint : str
        Appended when the data does not start with the NPY magic (a zip archive gets
        its own hint first).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> np.save(buffer, np.array([[True, False]]))
    >>> read_npy(buffer.getvalue(), name="'m.npy'", what="input")
    array([[1., 0.]])
    >>> read_npy(b"1,2,3", name="kernel file 'k.npy'", what="kernel")
    Traceback (most recent call last):
    ...
    convcli.errors.KernelError: kernel file 'k.npy' is not a .npy file: it does not start with the NPY magic bytes
    """  # noqa: E501
    error = _ERRORS[what]
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    head = stream.read(len(NPY_MAGIC))
    stream.seek(0)
    if not head.startswith(NPY_MAGIC):
        if head.startswith(ZIP_MAGIC):
            hint = "; it looks like a zip or .npz archive, save one array with numpy.save instead"
        raise error(f"{name} is not a .npy file: it does not start with the NPY magic bytes{hint}")
    try:
        loaded = np.load(stream, allow_pickle=False)
    except ValueError as exc:
        if "Object arrays" in str(exc):
            raise error(
                f"{name} holds Python objects (dtype object), which convcli never unpickles; "
                "save a numeric array"
            ) from None
        raise error(f"cannot read .npy {name}: {first_line(exc)}") from None
    except (OSError, EOFError) as exc:
        raise error(f"cannot read .npy {name}: {first_line(exc)}") from None
    return check_array(np.asarray(loaded), name=name, what=what)


def check_array(
    array: npt.NDArray[np.generic], *, name: str, what: What
) -> npt.NDArray[np.float64]:
    """Refuse arrays convcli cannot convolve; return the rest as float64.

    Bool, integer and float arrays of 1 to 4 axes (kernels: 4 only for per-channel weights), not
    empty and finite, pass.

    Examples
    --------
    >>> check_array(np.array([1, 2], dtype=np.uint8), name="x", what="kernel")
    array([1., 2.])
    >>> check_array(np.zeros((2, 2, 2, 2, 2)), name="kernel file 'k.npy'", what="kernel")
    Traceback (most recent call last):
    ...
    convcli.errors.KernelError: kernel file 'k.npy' has 5 axes (shape (2, 2, 2, 2, 2)); a kernel needs 1, 2 or 3 axes (one per sliding axis), or one more for per-channel weights under --channels sum
    """  # noqa: E501
    error = _ERRORS[what]
    max_axes, rule = _AXES[what]
    dtype = array.dtype
    if dtype.kind == "c":
        raise error(
            f"{name} holds complex numbers (dtype {dtype}); convcli convolves real arrays, "
            "save a.real or abs(a) instead"
        )
    if dtype.kind not in "biuf":
        raise error(
            f"{name} holds non-numeric values (dtype {dtype}); "
            "convcli reads bool, integer and float arrays"
        )
    if array.ndim == 0:
        raise error(f"{name} holds a single number (shape ()); {rule}")
    if array.ndim > max_axes:
        raise error(f"{name} has {array.ndim} axes (shape {array.shape}); {rule}")
    if array.size == 0:
        raise error(f"{name} is empty (shape {array.shape}); it needs at least one value")
    values = array.astype(np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        raise error(
            f"{name} has {plural(len(bad), 'non-finite value')} (NaN or infinity), the first "
            f"at index {where}; convolution needs finite numbers, replace them first "
            "(e.g. numpy.nan_to_num)"
        )
    return values


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
