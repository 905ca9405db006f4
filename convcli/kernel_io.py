"""Kernel spec string -> weights: a file, inline numbers, or a preset.

:func:`parse_kernel` reads what a user gives ``-k``. It tries, in order:

1. an existing file: ``.npy`` (or any file starting with the NPY magic) loads as is;
   anything else is read as text, rows of numbers (:func:`load_kernel_file`). A spec
   that looks like a path (it has a path separator or a ``.csv``/``.tsv``/``.txt``/
   ``.npy`` suffix) but names no file is an error, not a preset;
2. inline numbers (:func:`parse_inline`): ``,`` or spaces between numbers, ``;``
   between rows, ``|`` between planes;
3. a preset (:func:`convcli.presets.build_preset`), e.g. ``gaussian:size=5,sigma=1.2``.

Examples
--------
>>> parse_kernel("0,1,0;0,1,0;0,1,0").weights.shape
(3, 3)
>>> parse_kernel("bump")
Kernel(weights=array([0., 1., 0.]), label='bump')
>>> parse_kernel("sobel")
Traceback (most recent call last):
...
convcli.errors.KernelError: unknown kernel 'sobel' (not a file, numbers or preset); closest presets: sobel-x, sobel-y, sobel-z
"""  # noqa: E501

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convcli.errors import KernelError
from convcli.numfmt import format_flat
from convcli.presets import build_preset
from convcli.tables import (
    NON_FINITE,
    NPY_MAGIC,
    NUMBER,
    TEXT_SUFFIXES,
    decode_text,
    excerpt,
    plural,
    read_npy,
    read_table,
)

__all__ = [
    "Kernel",
    "format_inline",
    "format_kernel_file",
    "load_kernel_file",
    "parse_inline",
    "parse_kernel",
]

# Suffixes that make a spec a path, even when no such file exists.
_KNOWN_SUFFIXES = (*TEXT_SUFFIXES, ".npy")
# What a preset spec looks like: a name, optionally ":key=value,...".
_PRESET_SPEC = re.compile(r"[A-Za-z][\w-]*\s*(:.*)?", re.DOTALL)


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous: compare .weights instead
class Kernel:
    """Weights of one filter and the name to show for it.

    Parameters
    ----------
    weights : numpy.ndarray
        float64, 1 to 3 axes, finite.
    label : str
        How the user named it: the preset spec as given, the file's name, or the
        inline text.
    """

    weights: np.ndarray
    label: str


def parse_kernel(spec: str) -> Kernel:
    """Turn a ``-k`` spec into a :class:`Kernel`: file, then inline numbers, then preset.

    Raises
    ------
    KernelError
        For an empty spec, a missing or unreadable file, malformed numbers, or an
        unknown preset (the message lists the closest preset names).

    Examples
    --------
    >>> parse_kernel(" 1 2 3 ").label
    '1 2 3'
    >>> parse_kernel("gaussian:size=3,ndim=1").weights.round(4).tolist()
    [0.2741, 0.4519, 0.2741]
    >>> parse_kernel("missing.csv")
    Traceback (most recent call last):
    ...
    convcli.errors.KernelError: kernel file not found: 'missing.csv'
    """
    text = spec.strip()
    if not text:
        raise KernelError(
            "kernel spec is empty; give a file (k.csv), numbers (0,1,0) or a preset name"
        )
    for candidate in dict.fromkeys((spec, text)):
        if _is_file(candidate):
            return Kernel(load_kernel_file(candidate), Path(candidate).name)
    if _looks_like_path(text):
        return Kernel(load_kernel_file(text), Path(text).name)  # raises: not found
    if _looks_numeric(text):
        return Kernel(parse_inline(text), text)
    return Kernel(build_preset(text), text)


def _is_file(candidate: str) -> bool:
    try:
        return Path(candidate).is_file()
    except (OSError, ValueError):  # name too long, NUL byte: not a file we can open
        return False


def _looks_like_path(text: str) -> bool:
    if "/" in text or "\\" in text or os.sep in text:
        return True
    return Path(text).suffix.lower() in _KNOWN_SUFFIXES


def _looks_numeric(text: str) -> bool:
    """Inline numbers, or an attempt at them that should get a numbers error.

    Every token a number (``nan`` included, to be reported as not finite), or a
    digit somewhere in text that is not shaped like ``NAME:key=value``.
    """
    tokens = [t for t in re.split(r"[,;|\s]+", text) if t]
    if all(NUMBER.fullmatch(t) or NON_FINITE.fullmatch(t) for t in tokens):
        return True
    return any(c.isdigit() for c in text) and not _PRESET_SPEC.fullmatch(text)


# -- inline numbers ------------------------------------------------------------------


def parse_inline(text: str) -> np.ndarray:
    """Parse inline kernel numbers.

    ``,`` (or spaces) separate numbers, ``;`` separates rows and ``|`` separates
    planes (the first axis). Without ``;`` or ``|`` the kernel is 1-D; with ``;`` it
    is 2-D; with ``|`` it is 3-D. Whitespace around numbers is ignored.

    Raises
    ------
    KernelError
        For empty text, an empty value, row or plane, something that is not a
        number, a value that is not finite, or rows/planes of unequal length. The
        message names the part at fault.

    Examples
    --------
    >>> parse_inline("-1 0 1.5e0").tolist()
    [-1.0, 0.0, 1.5]
    >>> parse_inline("1,0;0,1|0,1;1,0").shape
    (2, 2, 2)
    >>> parse_inline("1,2,3;4,5")
    Traceback (most recent call last):
    ...
    convcli.errors.KernelError: kernel row 2 has 2 numbers but row 1 has 3: '1,2,3;4,5'
    """
    spec = text.strip()
    if not spec:
        raise KernelError("kernel numbers are empty; write e.g. 0,1,0 or 1,0;0,1")
    plane_texts = spec.split("|")
    three_d = len(plane_texts) > 1
    one_row = not three_d and ";" not in spec
    planes: list[list[list[float]]] = []
    for p, plane_text in enumerate(plane_texts, 1):
        if not plane_text.strip():
            raise KernelError(f"kernel plane {p} is empty: '{excerpt(spec)}'; remove the extra '|'")
        rows: list[list[float]] = []
        for r, row_text in enumerate(plane_text.split(";"), 1):
            where = f"plane {p} row {r}" if three_d else f"row {r}"
            place = "" if one_row else f"{where}, "
            if not row_text.strip():
                raise KernelError(
                    f"kernel {where} is empty: '{excerpt(spec)}'; remove the extra ';'"
                )
            rows.append(_inline_row(row_text, place, spec))
        planes.append(rows)

    first_row = planes[0][0]
    for p, rows in enumerate(planes, 1):
        if len(rows) != len(planes[0]):
            raise KernelError(
                f"kernel plane {p} has {plural(len(rows), 'row')} but plane 1 has "
                f"{len(planes[0])}: '{excerpt(spec)}'"
            )
        for r, row in enumerate(rows, 1):
            if len(row) != len(first_row):
                where, first = (
                    (f"plane {p} row {r}", "plane 1 row 1") if three_d else (f"row {r}", "row 1")
                )
                raise KernelError(
                    f"kernel {where} has {plural(len(row), 'number')} but {first} has "
                    f"{len(first_row)}: '{excerpt(spec)}'"
                )
    weights = np.array(planes, dtype=np.float64)
    if three_d:
        return weights
    _, rows_count, columns = weights.shape
    return weights.reshape(columns) if rows_count == 1 else weights.reshape(rows_count, columns)


def _inline_row(row_text: str, place: str, spec: str) -> list[float]:
    """Numbers of one inline row; ``place`` ("row 2, " or "") locates it in messages."""
    values: list[float] = []
    for cell in row_text.split(","):
        if not cell.strip():
            raise KernelError(
                f"kernel has an empty value ({place}number {len(values) + 1}): "
                f"'{excerpt(spec)}'; remove the extra ','"
            )
        for token in cell.split():
            what = f"kernel value '{token}' ({place}number {len(values) + 1})"
            values.append(_to_number(token, what, spec))
    return values


def _to_number(token: str, what: str, spec: str) -> float:
    """``token`` as a finite float; ``what`` starts the message, ``spec`` ends it."""
    if NUMBER.fullmatch(token):
        value = float(token)
        if np.isfinite(value):
            return value
    elif not NON_FINITE.fullmatch(token):
        raise KernelError(f"{what} is not a number: '{excerpt(spec)}'")
    raise KernelError(f"{what} is not finite: '{excerpt(spec)}'; kernels need finite numbers")


# -- files ---------------------------------------------------------------------------


def load_kernel_file(path: str | os.PathLike[str]) -> np.ndarray:
    """Load a kernel file as float64 weights with 1 to 4 axes (4: per-channel weights).

    ``.npy`` files (and any file that starts with the NPY magic) load as they are
    and must hold 1 to 3 axes of finite numbers (bool counts as 0 and 1). Other
    files are text tables, read by the same rules as inputs (:mod:`convcli.tables`):

    * rows of numbers separated by ``,`` in ``.csv``, tabs in ``.tsv``, whitespace or
      ``,`` in ``.txt``; other suffixes are sniffed (tab, ``,``, ``;``, whitespace);
    * lines starting with ``#`` are comments (a later ``#`` is not);
    * a first row that is not numeric is a header and is skipped; cells may be quoted;
    * a blank line between rows starts a new plane: a file with several planes is a
      3-D kernel (planes, rows, columns);
    * a single row or a single column is a 1-D kernel.

    Raises
    ------
    KernelError
        For a missing file, a folder, an unreadable or malformed file, or weights
        that are not 1 to 3 axes of finite numbers.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "edge.csv").write_text("# a vertical edge\\n-1,0,1\\n-1,0,1\\n")
    >>> load_kernel_file(folder / "edge.csv").tolist()
    [[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]
    >>> _ = (folder / "column.txt").write_text("1\\n2\\n3\\n")
    >>> load_kernel_file(folder / "column.txt").tolist()
    [1.0, 2.0, 3.0]
    """
    file = Path(path)
    name = str(path)
    if not file.exists():
        raise KernelError(f"kernel file not found: '{name}'")
    if file.is_dir():
        raise KernelError(f"kernel path is a folder, not a file: '{name}'")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise KernelError(f"cannot read kernel file '{name}': {exc.strerror}") from None
    subject = f"kernel file '{name}'"
    if file.suffix.lower() == ".npy" or data.startswith(NPY_MAGIC):
        return read_npy(data, name=subject, what="kernel", hint="; save it with numpy.save")
    text = decode_text(
        data,
        name=subject,
        what="kernel",
        expected="UTF-8 text or a .npy array",
        hint="; write rows of numbers (.csv/.tsv/.txt) or save the array with numpy.save",
    )
    return read_table(text, name=subject, what="kernel", suffix=file.suffix, planes=True).values


# -- writing -------------------------------------------------------------------------


def _shape(array: np.ndarray) -> str:
    return "x".join(str(n) for n in array.shape) or "()"


def _rows(weights: np.ndarray, delimiter: str = ",") -> list[str]:
    rows = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    return [delimiter.join(format_flat(row)) for row in rows]


def _check_formattable(weights: np.ndarray) -> None:
    if not 1 <= weights.ndim <= 3:
        raise KernelError(f"a kernel has 1, 2 or 3 axes; got shape {_shape(weights)}")


def format_inline(weights: np.ndarray) -> str:
    """Inline text that :func:`parse_inline` reads back as exactly ``weights``.

    Only the shapes that inline text can express round-trip: a 2-D kernel with one
    row reads back as 1-D, a 3-D kernel with one plane as 2-D.

    Examples
    --------
    >>> format_inline(np.array([[1.0, 0.5], [-2.0, 0.1]]))
    '1,0.5;-2,0.1'
    >>> format_inline(np.zeros((2, 1, 2)))
    '0,0|0,0'
    """
    _check_formattable(weights)
    if weights.ndim == 3:
        return "|".join(";".join(_rows(plane)) for plane in weights)
    return ";".join(_rows(weights))


def format_kernel_file(
    weights: np.ndarray, comments: Iterable[str] = (), *, delimiter: str = ","
) -> str:
    """Text-file contents that :func:`load_kernel_file` reads back as ``weights``.

    Each comment becomes a ``#`` line at the top; rows are ``delimiter``-separated
    (a comma, or a tab for ``.tsv``), and the
    planes of a 3-D kernel are separated by a blank line. A 2-D kernel with a single
    row or column reads back as 1-D.

    Examples
    --------
    >>> print(format_kernel_file(np.eye(2), ["a diagonal"]), end="")
    # a diagonal
    1,0
    0,1
    >>> print(format_kernel_file(np.ones((2, 1, 2))), end="")
    1,1
    <BLANKLINE>
    1,1
    """
    _check_formattable(weights)
    lines = [f"# {comment}" for comment in comments]
    if weights.ndim == 3:
        blocks = ["\n".join(_rows(plane, delimiter)) for plane in weights]
        body = "\n\n".join(blocks)
    else:
        body = "\n".join(_rows(weights, delimiter))
    return "\n".join([*lines, body]) + "\n"
