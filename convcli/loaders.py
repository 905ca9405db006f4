"""Read an input -- an image, a CSV/TSV/TXT table or a ``.npy`` array -- into float64.

One function, :func:`load_input`, turns a path (or ``-`` for standard input) into a
:class:`LoadedInput`. The format comes from ``input_format`` when given, else from the
file's suffix, else from sniffing its first bytes (NPY magic, image magic, else text),
as sqlite-utils does it. Every failure is an :class:`~convcli.errors.InputError` (or a
:class:`~convcli.errors.ParameterError` for a bad ``input_format``) whose message
names the file and, for tables, the line and column at fault.

What each format becomes (the contract's "model of data"):

* **images** (Pillow): grey ``(H, W)``, colour ``(H, W, C)``, values 0..255, or
  0..65535 for 16-bit grey (``bit_depth`` 16). Pillow 13 opens 16-bit *colour* PNGs
  (RGB, RGBA and grey+alpha) as 8-bit ``RGB``/``RGBA``, keeping each sample's high byte
  (``v >> 8``): they load as 8-bit, with ``bit_depth`` 8. EXIF orientation is not
  applied (as in Keras' ``load_img`` and ImageMagick without ``-auto-orient``).
* **text**: rows x columns; one row or one column is a 1-D signal.
* **.npy**: as stored, converted to float64.

Examples
--------
>>> import io
>>> table = load_input("-", stdin=io.BytesIO(b"time,volts\\n0,1.5\\n1,-2\\n"))
>>> table.kind, table.array.tolist(), table.suffix
('text', [[0.0, 1.5], [1.0, -2.0]], '.csv')
>>> load_input("-", stdin=io.BytesIO(b"1 2 3\\n")).array.shape
(3,)
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, BinaryIO, Literal

import numpy as np
import numpy.typing as npt

from convcli.errors import InputError, ParameterError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["INPUT_FORMATS", "LoadedInput", "load_input"]

Kind = Literal["image", "text", "npy"]

#: The values ``--input-format`` accepts, and the kind each one loads as.
INPUT_FORMATS: dict[str, Kind] = {"npy": "npy", "image": "image", "csv": "text"}

_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"})
_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})

# Suffix a sniffed stdin image would have had, from Pillow's format name.
_FORMAT_SUFFIX = {
    "PNG": ".png",
    "JPEG": ".jpg",
    "MPO": ".jpg",
    "TIFF": ".tif",
    "BMP": ".bmp",
    "GIF": ".gif",
    "WEBP": ".webp",
}

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"II+\x00", "a BigTIFF image"),
    (b"MM\x00+", "a BigTIFF image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
)
# "BM" alone is too weak (a text file may start "BMI,..."), so a BMP must also carry
# one of the known DIB header sizes at offset 14.
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
_SNIFF_BYTES = 32

_MAX_AXES = 4  # three sliding axes plus channels
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DELIMITER_NAMES = {",": "','", "\t": "tab", ";": "';'", None: "whitespace"}
_SNIFF_LINES = 50


@dataclass(frozen=True)
class LoadedInput:
    """An input file read into memory.

    Parameters
    ----------
    array : numpy.ndarray
        The data as float64: ``(H, W)`` or ``(H, W, C)`` for images, ``(n,)`` or
        ``(rows, columns)`` for text, any 1 to 4 axes for ``.npy``.
    source : str
        The path as given, or ``"-"`` for standard input.
    kind : {"image", "text", "npy"}
        The format it was read as.
    bit_depth : int or None
        8 or 16 for images (the pixel range is 0..255 or 0..65535); None otherwise.
    stem : str
        The file name without its suffix (``"stdin"`` for standard input).
    suffix : str
        The file's suffix as written (``".png"``, ``".CSV"``, ...). For standard input,
        the suffix its sniffed format would have: ``.npy``; ``.png``, ``.jpg``, ...
        from the image format; ``.csv``, ``.tsv`` or ``.txt`` from the text delimiter.
    """

    array: npt.NDArray[np.float64]
    source: str
    kind: Kind
    bit_depth: int | None
    stem: str
    suffix: str


def load_input(
    path: str, *, input_format: str | None = None, stdin: BinaryIO | None = None
) -> LoadedInput:
    """Read an image, a CSV/TSV/TXT table or a ``.npy`` array into float64.

    Parameters
    ----------
    path : str
        A file path, or ``"-"`` to read all of standard input.
    input_format : {"npy", "image", "csv"}, optional
        Read as this format whatever the suffix or content. By default the suffix
        decides (``.npy``; ``.png .jpg .jpeg .tif .tiff .bmp .webp .gif``;
        ``.csv .tsv .txt``), and files with another suffix, and standard input,
        are sniffed: NPY magic, then image magic bytes, else text.
    stdin : binary file, optional
        Where ``"-"`` reads from; ``sys.stdin.buffer`` by default. It is read whole
        into memory first, because ``np.load`` and Pillow both seek.

    Returns
    -------
    LoadedInput
        The array and what it was read from.

    Raises
    ------
    ParameterError
        ``input_format`` is not one of ``npy``, ``image``, ``csv``.
    InputError
        The file is missing, a directory or unreadable; standard input is empty; or
        the content is not valid for its format (see Notes).

    Notes
    -----
    Images (Pillow): ``L`` loads as ``(H, W)``; ``1`` (bilevel) as ``(H, W)`` of 0 and
    255; ``I;16*`` as ``(H, W)`` of 0..65535 with ``bit_depth`` 16; ``I`` (32-bit
    integer) and ``F`` (32-bit float, e.g. float TIFF) keep their stored values with
    ``bit_depth`` 16. ``RGB``, ``RGBA`` and ``LA`` keep their channels; ``P`` becomes
    ``RGBA`` when it has transparency, else ``RGB``; ``PA`` and ``RGBa`` become
    ``RGBA``, ``La`` becomes ``LA``; ``CMYK``, ``YCbCr``, ``LAB``, ``HSV`` and the
    rest become ``RGB``. Animations and multi-page files give their first frame.
    Pillow's warnings (decompression bomb, corrupt EXIF) are silenced: the user named
    the file, and library code never prints. An image over Pillow's hard limit
    (``2 * Image.MAX_IMAGE_PIXELS`` pixels) is refused with an ``InputError``.

    Text: ``.csv`` is comma-separated, ``.tsv`` tab-separated, ``.txt`` comma- or
    whitespace-separated (comma when any line has one); other files and standard
    input try tab, comma and semicolon, then whitespace. UTF-8 (with or without a
    BOM) and UTF-16 with a BOM are read. Blank lines, lines of empty cells and lines
    starting with ``#`` are skipped; a first row with a cell that is not a number is
    a header and is skipped. Cells may be quoted and padded with spaces. Empty,
    non-numeric and non-finite (``nan``, ``inf``) cells and ragged rows are errors.

    ``.npy``: read with ``allow_pickle=False``; bool, integer and float arrays of 1
    to 4 axes load as float64. Object, string, structured and complex arrays, a
    single number (0 axes), empty arrays and arrays holding NaN or infinity are
    refused: one NaN would poison every window that touches it.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> buffer = io.BytesIO()
    >>> np.save(buffer, np.array([[1, 2], [3, 4]], dtype=np.int8))
    >>> loaded = load_input("-", stdin=io.BytesIO(buffer.getvalue()))
    >>> loaded.kind, loaded.array.dtype, loaded.array.tolist(), loaded.stem
    ('npy', dtype('float64'), [[1.0, 2.0], [3.0, 4.0]], 'stdin')
    >>> load_input("-", stdin=io.BytesIO(b"1;2;3\\n"), input_format="csv").array.tolist()
    [1.0, 2.0, 3.0]
    """
    forced = _check_format(input_format)
    if path == "-":
        source = stdin if stdin is not None else sys.stdin.buffer
        data = _read_all(source, "standard input")
        if not data:
            raise InputError(
                "standard input is empty; pipe a file in, e.g. 'convcli ... - < x.csv'"
            )
        return _load_stream(io.BytesIO(data), source="-", forced=forced, stem="stdin", suffix="")
    stream = _open_file(path)
    with stream:
        given = PurePath(path)
        readable: BinaryIO = stream
        if not stream.seekable():
            # A pipe or process substitution (/dev/fd/63): buffer it so readers can seek.
            readable = io.BytesIO(_read_all(stream, f"'{path}'"))
        return _load_stream(
            readable, source=path, forced=forced, stem=given.stem, suffix=given.suffix
        )


def check_input(path: str) -> None:
    """Fail now, with :func:`load_input`'s message, if ``path`` cannot be opened.

    Lets a command refuse a missing third input before it writes the first result.

    Examples
    --------
    >>> check_input("no-such-file.csv")
    Traceback (most recent call last):
    ...
    convcli.errors.InputError: input file not found: 'no-such-file.csv'
    """
    if path != "-":
        _open_file(path).close()


def expected_kind(path: str, input_format: str | None = None) -> Kind | None:
    """The kind :func:`load_input` will give ``path``, if it is known before reading.

    Examples
    --------
    >>> expected_kind("photo.PNG"), expected_kind("-"), expected_kind("x.dat", "csv")
    ('image', None, 'text')
    """
    forced = _check_format(input_format)
    if forced is not None or path == "-":
        return forced
    return _kind_by_suffix(os.path.splitext(path)[1].lower())


def _check_format(input_format: str | None) -> Kind | None:
    """Map ``input_format`` to a kind, refusing unknown names."""
    if input_format is None:
        return None
    if input_format not in INPUT_FORMATS:
        choices = ", ".join(INPUT_FORMATS)
        raise ParameterError(f"--input-format must be one of {choices}; got '{input_format}'")
    return INPUT_FORMATS[input_format]


def _open_file(path: str) -> BinaryIO:
    """Open ``path`` for binary reading, turning OS errors into InputErrors."""
    try:
        return open(path, "rb")  # the caller closes it in a with-block
    except FileNotFoundError:
        raise InputError(f"input file not found: '{path}'") from None
    except IsADirectoryError:
        raise InputError(f"input '{path}' is a directory, not a file") from None
    except PermissionError:
        if os.path.isdir(path):  # Windows reports a directory as a permission error
            raise InputError(f"input '{path}' is a directory, not a file") from None
        raise InputError(f"cannot read input '{path}': permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read input '{path}': {exc.strerror or exc}") from None


def _read_all(stream: BinaryIO, name: str) -> bytes:
    """Read a whole stream, turning OS errors into InputErrors."""
    try:
        return stream.read()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None


def _load_stream(
    stream: BinaryIO, *, source: str, forced: Kind | None, stem: str, suffix: str
) -> LoadedInput:
    """Pick the format (forced, suffix, then sniffed) and read ``stream`` with it."""
    name = "standard input" if source == "-" else f"'{source}'"
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    kind = forced or (None if source == "-" else _kind_by_suffix(suffix))
    sniffed = kind is None
    if kind is None:
        kind = _sniff_kind(head) or "text"
    bit_depth: int | None = None
    if kind == "npy":
        array = _read_npy(stream, name, head)
        found_suffix = ".npy"
    elif kind == "image":
        array, bit_depth, image_format = _read_image(stream, name, head, stdin=source == "-")
        found_suffix = _FORMAT_SUFFIX.get(image_format or "", "")
    else:
        table_suffix = "" if source == "-" else suffix
        array, delimiter = _read_text(stream.read(), name, table_suffix, sniffed=sniffed)
        found_suffix = {"\t": ".tsv", None: ".txt"}.get(delimiter, ".csv")
    return LoadedInput(
        array=array,
        source=source,
        kind=kind,
        bit_depth=bit_depth,
        stem=stem,
        suffix=found_suffix if source == "-" else suffix,
    )


def _kind_by_suffix(suffix: str) -> Kind | None:
    """The kind a file suffix promises, or None when it promises nothing.

    Examples
    --------
    >>> _kind_by_suffix(".JPG"), _kind_by_suffix(".tsv"), _kind_by_suffix(".dat")
    ('image', 'text', None)
    """
    lowered = suffix.lower()
    if lowered == ".npy":
        return "npy"
    if lowered in _IMAGE_SUFFIXES:
        return "image"
    if lowered in _TEXT_SUFFIXES:
        return "text"
    return None


def _sniff_kind(head: bytes) -> Kind | None:
    """``"npy"`` or ``"image"`` when the first bytes carry that magic, else None."""
    if head.startswith(_NPY_MAGIC):
        return "npy"
    return "image" if _image_label(head) else None


def _image_label(head: bytes) -> str | None:
    """What image format the magic bytes announce ("a PNG image"), or None.

    Examples
    --------
    >>> _image_label(b"\\x89PNG\\r\\n\\x1a\\n..."), _image_label(b"BMI,weight\\n21.5,70\\n")
    ('a PNG image', None)
    """
    for magic, label in _IMAGE_MAGIC:
        if head.startswith(magic):
            return label
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return "a BMP image"
    return None


def _hint(head: bytes, tried: Kind) -> str:
    """A '; it looks like ...' suffix for errors when the bytes belong to another format."""
    if tried != "npy" and head.startswith(_NPY_MAGIC):
        return "; it looks like a .npy array, try --input-format npy"
    label = _image_label(head)
    if tried != "image" and label:
        return f"; it looks like {label}, try --input-format image"
    if head.startswith(_ZIP_MAGIC):
        return "; it looks like a zip or .npz archive, save one array with numpy.save instead"
    if tried != "text" and _looks_textual(head):
        return "; it looks like text, try --input-format csv"
    return ""


def _looks_textual(head: bytes) -> bool:
    """Whether the first bytes decode as UTF-8 without NULs (a cut last char is fine)."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return bool(text) and "\x00" not in text


def _reason(exc: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# --------------------------------------------------------------------------- npy


def _read_npy(stream: BinaryIO, name: str, head: bytes) -> npt.NDArray[np.float64]:
    """Read a ``.npy`` stream without unpickling and check it is a usable array."""
    if not head.startswith(_NPY_MAGIC):
        raise InputError(
            f"{name} is not a .npy file: it does not start with the NPY magic bytes"
            + _hint(head, "npy")
        )
    try:
        loaded = np.load(stream, allow_pickle=False)
    except ValueError as exc:
        if "Object arrays" in str(exc):
            raise InputError(
                f"{name} holds Python objects (dtype object), which convcli never unpickles; "
                "save a numeric array"
            ) from None
        raise InputError(f"cannot read .npy {name}: {_reason(exc)}") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read .npy {name}: {_reason(exc)}") from None
    return _checked_array(np.asarray(loaded), name)


def _checked_array(array: npt.NDArray[np.generic], name: str) -> npt.NDArray[np.float64]:
    """Refuse arrays convcli cannot convolve; return the rest as float64."""
    dtype = array.dtype
    if dtype.kind == "c":
        raise InputError(
            f"{name} holds complex numbers (dtype {dtype}); convcli convolves real arrays, "
            "save a.real or abs(a) instead"
        )
    if dtype.kind not in "biuf":
        raise InputError(
            f"{name} holds non-numeric values (dtype {dtype}); "
            "convcli reads bool, integer and float arrays"
        )
    if array.ndim == 0:
        raise InputError(
            f"{name} holds a single number (shape ()); convcli needs an array of 1 to "
            f"{_MAX_AXES} axes"
        )
    if array.ndim > _MAX_AXES:
        raise InputError(
            f"{name} has {array.ndim} axes (shape {array.shape}); convcli reads arrays of 1 "
            f"to {_MAX_AXES} axes (up to 3 sliding axes plus channels)"
        )
    if array.size == 0:
        raise InputError(f"{name} is empty (shape {array.shape}); it needs at least one value")
    values = array.astype(np.float64)
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise InputError(
            f"{name} has {bad} non-finite value{'s' if bad > 1 else ''} (NaN or infinity), "
            "which would spread to every window that touches them; replace them first "
            "(e.g. numpy.nan_to_num)"
        )
    return values


# ------------------------------------------------------------------------- images


def _read_image(
    stream: BinaryIO, name: str, head: bytes, *, stdin: bool
) -> tuple[npt.NDArray[np.float64], int, str | None]:
    """Decode an image with Pillow: (pixels as float64, bit depth, Pillow's format name)."""
    # Imported here: Pillow adds tens of milliseconds that text and .npy inputs never need.
    from PIL import Image, UnidentifiedImageError

    what = "the image on standard input" if stdin else f"image {name}"
    try:
        with warnings.catch_warnings():
            # DecompressionBombWarning and "corrupt EXIF" would print from inside the
            # library; the hard limit (DecompressionBombError) still applies below.
            warnings.simplefilter("ignore")
            opened = Image.open(stream)
            opened.load()
            image_format = opened.format
            image, bit_depth = _normalized_mode(opened)
            pixels = np.asarray(image)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\) exceeds limit of (\d+)", str(exc))
        reason = (
            f"{found[1]} pixels is over Pillow's limit of {found[2]} "
            "(a possible decompression bomb)"
            if found
            else _reason(exc)
        )
        raise InputError(f"cannot read {what}: {reason}") from None
    except UnidentifiedImageError:
        if _sniff_kind(head) == "image":  # the right magic bytes, then nothing usable
            raise InputError(f"cannot read {what}: the image is truncated or corrupt") from None
        raise InputError(
            f"cannot read {what}: not an image format Pillow knows "
            "(PNG, JPEG, TIFF, BMP, GIF, WebP, ...)" + _hint(head, "image")
        ) from None
    except Exception as exc:  # Pillow's decoders raise OSError, SyntaxError, ValueError, ...
        raise InputError(f"cannot read {what}: {_reason(exc)}{_hint(head, 'image')}") from None
    if pixels.dtype.kind == "f":
        return _checked_array(pixels, name), bit_depth, image_format
    return pixels.astype(np.float64), bit_depth, image_format


def _normalized_mode(image: Image.Image) -> tuple[Image.Image, int]:
    """Convert a Pillow image to L, LA, RGB, RGBA or a 16/32-bit mode, with its bit depth."""
    mode = image.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        return image, 16
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image, 8
    if mode == "1":
        return image.convert("L"), 8  # bilevel pixels become 0 and 255
    if mode == "La":
        return image.convert("LA"), 8
    if mode == "P":
        palette_alpha = image.palette is not None and image.palette.mode.endswith("A")
        has_alpha = "transparency" in image.info or palette_alpha
        return image.convert("RGBA" if has_alpha else "RGB"), 8
    if mode in ("PA", "RGBa"):
        return image.convert("RGBA"), 8
    return image.convert("RGB"), 8  # CMYK, YCbCr, LAB, HSV, RGBX, ...


# --------------------------------------------------------------------------- text


def _read_text(
    data: bytes, name: str, suffix: str, *, sniffed: bool
) -> tuple[npt.NDArray[np.float64], str | None]:
    """Parse a numeric table: (the array, the delimiter used; None for whitespace)."""
    text = _decode(data, name, sniffed=sniffed)
    content = [
        (number, line)
        for number, line in enumerate(_LINE_BREAK.split(text), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    delimiter = _choose_delimiter(suffix, [line for _, line in content[:_SNIFF_LINES]])
    rows: list[list[float]] = []
    row_lines: list[tuple[int, list[str]]] = []
    for index, (number, line) in enumerate(content):
        cells = line.split(delimiter)
        if all(not cell.strip() for cell in cells):
            continue  # a line of bare delimiters, as spreadsheets export
        if index == 0 and _is_header(cells):
            continue
        if row_lines and len(cells) != len(row_lines[0][1]):
            first_number, first_cells = row_lines[0]
            raise InputError(
                f"line {number} of {name} has {len(cells)} cell{'s' * (len(cells) != 1)} but "
                f"line {first_number} has {len(first_cells)}; every row needs the same number "
                "of columns"
            )
        rows.append(_parse_row(cells, number, name, delimiter))
        row_lines.append((number, cells))
    if not rows:
        raise InputError(
            f"{name} has no numbers; expected rows of numbers separated by "
            f"{_DELIMITER_NAMES[delimiter]}"
        )
    table = np.array(rows, dtype=np.float64)
    bad = np.argwhere(~np.isfinite(table))
    if bad.size:
        row, column = (int(i) for i in bad[0])
        number, cells = row_lines[row]
        raise InputError(
            f"line {number}, column {column + 1} of {name} is not a finite number: "
            f"'{cells[column].strip()}'; replace NaN and infinity with numbers"
        )
    if table.shape[0] == 1:
        return table[0], delimiter
    if table.shape[1] == 1:
        return table[:, 0], delimiter
    return table, delimiter


def _decode(data: bytes, name: str, *, sniffed: bool) -> str:
    """Bytes to text: UTF-8 (BOM optional) or UTF-16 with a BOM; binary data is refused."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else None
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    else:
        if "\x00" not in text:
            return text
        problem = "it contains NUL characters"
    hint = _hint(data[:_SNIFF_BYTES], "text")
    if sniffed:
        raise InputError(
            f"{name} is not a format convcli reads (.npy, an image, or UTF-8 text): {problem}{hint}"
        )
    raise InputError(f"{name} is not UTF-8 text: {problem}{hint}")


def _choose_delimiter(suffix: str, sample: list[str]) -> str | None:
    """The cell delimiter: by suffix, else sniffed from sample lines (None = whitespace).

    Examples
    --------
    >>> _choose_delimiter(".txt", ["1 2", "3, 4"]), _choose_delimiter("", ["a;b", "1;2"])
    (',', ';')
    >>> print(_choose_delimiter("", ["1 2 3"]))
    None
    """
    lowered = suffix.lower()
    if lowered == ".csv":
        return ","
    if lowered == ".tsv":
        return "\t"
    if lowered == ".txt":
        return "," if any("," in line for line in sample) else None
    body = sample[1:] or sample  # the first line may be a header with other punctuation
    for candidate in ("\t", ",", ";"):
        if all(candidate in line for line in body):
            return candidate
    for candidate in ("\t", ",", ";"):
        if any(candidate in line for line in sample):
            return candidate
    return None


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


def _is_number(cell: str) -> bool:
    """Whether a cell parses as a float (``nan`` and ``inf`` count: they are caught later)."""
    try:
        float(_unquote(cell))
    except ValueError:
        return False
    return True


def _is_header(cells: list[str]) -> bool:
    """A first row is a header when some non-empty cell is not a number."""
    return any(cell.strip() and not _is_number(cell) for cell in cells)


def _parse_row(cells: list[str], number: int, name: str, delimiter: str | None) -> list[float]:
    """Parse one row's cells, naming the line, column and cell of the first bad one."""
    try:
        # Fast path: float() itself ignores surrounding whitespace.
        return [float(cell) for cell in cells]
    except ValueError:
        pass
    values = []
    for column, raw in enumerate(cells, start=1):
        cell = _unquote(raw)
        if not cell:
            raise InputError(
                f"line {number}, column {column} of {name} is empty; every cell needs a number "
                f"(cells are separated by {_DELIMITER_NAMES[delimiter]})"
            )
        try:
            values.append(float(cell))
        except ValueError:
            others = [d for d in ("\t", ",", ";") if d != delimiter and d in cell]
            tip = (
                f"; cells here are separated by {_DELIMITER_NAMES[delimiter]}, "
                f"not {_DELIMITER_NAMES[others[0]]}"
                if others
                else "; only the first row may be a header"
            )
            raise InputError(
                f"line {number}, column {column} of {name} is not a number: '{raw.strip()}'{tip}"
            ) from None
    return values
