"""Read an input -- an image, a CSV/TSV/TXT table or a ``.npy`` array -- into float64.

One function, :func:`load_input`, turns a path (or ``-`` for standard input) into a
:class:`LoadedInput`. The format comes from ``input_format`` when given, else from the
file's suffix, else from sniffing its first bytes (NPY magic, image magic, else text),
as sqlite-utils does it. Every failure is an :class:`~convcli.errors.InputError` (or a
:class:`~convcli.errors.ParameterError` for a bad ``input_format``) whose message
names the file and, for tables, the line and column at fault.

What each format becomes (the contract's "model of data"):

* **images** (Pillow): grey ``(H, W)``, colour ``(H, W, C)``, values 0..255, or
  0..65535 for 16-bit grey (``bit_depth`` 16); 32-bit integer and float images keep
  their values, with no pixel range (``bit_depth`` None). Pillow 13 opens 16-bit *colour* PNGs
  (RGB, RGBA and grey+alpha) as 8-bit ``RGB``/``RGBA``, keeping each sample's high byte
  (``v >> 8``): they load as 8-bit, with ``bit_depth`` 8. EXIF orientation is not
  applied (as in Keras' ``load_img`` and ImageMagick without ``-auto-orient``).
* **text**: rows x columns; one row or one column is a 1-D signal.
* **.npy**: as stored, converted to float64.

Text and ``.npy`` are read by :mod:`convcli.tables`, under the same rules as kernel files.

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
import stat
import sys
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, BinaryIO, Literal

import numpy as np
import numpy.typing as npt

from convcli.errors import InputError
from convcli.params import INPUT_FORMATS, choice
from convcli.tables import (
    NPY_MAGIC,
    TEXT_SUFFIXES,
    ZIP_MAGIC,
    check_array,
    decode_text,
    first_line,
    read_npy,
    read_table,
)

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "FORMAT_KINDS",
    "LoadedInput",
    "check_input",
    "expected_kind",
    "load_input",
    "stem_and_suffix",
]

Kind = Literal["image", "text", "npy"]

#: The values ``--input-format`` accepts, and the kind each one loads as.
# --input-format names (params.INPUT_FORMATS, the one list) -> the kind they force.
FORMAT_KINDS: dict[str, Kind] = {"npy": "npy", "image": "image", "csv": "text"}

_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"})

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
        8 or 16 for images with a pixel range (0..255 or 0..65535); None for text,
        ``.npy`` and 32-bit integer or float images (Pillow modes ``I`` and ``F``),
        whose values have no fixed range.
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
    signed integer) and ``F`` (32-bit float, e.g. a float TIFF) keep their stored
    values with ``bit_depth`` None: they have no fixed pixel range (a float image
    often holds 0..1, an integer one may hold negatives or values over 65535), so
    they are data, as a ``.npy`` is, and are not written back as 16-bit pixels
    unchanged. ``RGB``, ``RGBA`` and ``LA`` keep their channels; ``P`` becomes
    ``RGBA`` when it has transparency, else ``RGB``; ``PA`` and ``RGBa`` become
    ``RGBA``, ``La`` becomes ``LA``; ``CMYK``, ``YCbCr``, ``LAB``, ``HSV`` and the
    rest become ``RGB``. Animations and multi-page files give their first frame.
    Pillow's warnings (decompression bomb, corrupt EXIF) are silenced: the user named
    the file, and library code never prints. An image over Pillow's hard limit
    (``2 * Image.MAX_IMAGE_PIXELS`` pixels) is refused with an ``InputError``.

    Text and ``.npy`` follow the rules of :mod:`convcli.tables`, which kernel files
    share. Text: ``.csv`` is comma-separated, ``.tsv`` tab-separated, ``.txt`` comma-
    or whitespace-separated; other files and standard input are sniffed (tab, comma,
    semicolon, then whitespace). Lines starting with ``#`` and blank lines are
    skipped; a first row that is not numeric is a header. Cells may be quoted.
    Empty cells, ``1_000``, ``0x10``, ``nan``, ``inf`` and ragged rows are errors.

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
    stem, suffix = stem_and_suffix(path)
    if path == "-":
        source = stdin if stdin is not None else _standard_input()
        data = _read_all(source, "standard input")
        if not data:
            raise InputError(
                "standard input is empty; pipe a file in, e.g. 'convcli ... - < x.csv'"
            )
        return _load_stream(io.BytesIO(data), source="-", forced=forced, stem=stem, suffix=suffix)
    stream = _open_file(path)
    with stream:
        readable: BinaryIO = stream
        if not stream.seekable():
            # A FIFO or process substitution (/dev/fd/63): buffer it so readers can seek.
            readable = io.BytesIO(_read_all(stream, f"'{path}'"))
        return _load_stream(readable, source=path, forced=forced, stem=stem, suffix=suffix)


def stem_and_suffix(path: str) -> tuple[str, str]:
    """The ``stem`` and ``suffix`` a :class:`LoadedInput` read from ``path`` will have.

    The file name without and with only its last suffix, as written. Standard input
    (``"-"``) gives ``("stdin", "")``: its suffix is known only once its content is
    sniffed, and :attr:`LoadedInput.suffix` then holds the sniffed one.

    Examples
    --------
    >>> stem_and_suffix("photos/Cat.PNG"), stem_and_suffix("signal.data.csv")
    (('Cat', '.PNG'), ('signal.data', '.csv'))
    >>> stem_and_suffix("-"), stem_and_suffix("/dev/fd/63")
    (('stdin', ''), ('63', ''))
    """
    if path == "-":
        return "stdin", ""
    given = PurePath(path)
    return given.stem, given.suffix


def check_input(path: str) -> None:
    """Fail now, with :func:`load_input`'s message, if ``path`` surely cannot be read.

    Lets a command refuse a missing third input before it writes the first result.
    Nothing is opened: opening and closing a FIFO or a process substitution would
    end its writer (SIGPIPE) and leave the later read waiting forever. So only
    ``os.stat`` and ``os.access`` are asked: a missing path, a directory, or a regular
    file without read permission fail here; FIFOs, ``/dev/stdin`` and other special
    files are left to :func:`load_input`. For ``"-"``, a closed standard input fails.

    Examples
    --------
    >>> check_input("no-such-file.csv")
    Traceback (most recent call last):
    ...
    convcli.errors.InputError: input file not found: 'no-such-file.csv'
    """
    if path == "-":
        _standard_input()
        return
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise _os_error(path, exc) from None
    if stat.S_ISDIR(mode):
        raise InputError(f"input '{path}' is a directory, not a file")
    if stat.S_ISREG(mode) and not os.access(path, os.R_OK):
        raise InputError(f"cannot read input '{path}': permission denied")


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
    return _kind_by_suffix(stem_and_suffix(path)[1])


def _check_format(input_format: str | None) -> Kind | None:
    """Map ``input_format`` to a kind, refusing unknown names."""
    if input_format is None:
        return None
    return FORMAT_KINDS[choice(input_format, INPUT_FORMATS, name="--input-format")]


def _standard_input() -> BinaryIO:
    """``sys.stdin.buffer``, or an InputError when the process has no standard input."""
    if sys.stdin is None:  # started with standard input closed (`<&-`)
        raise InputError("standard input is closed; pipe a file in, e.g. 'convcli ... - < x.csv'")
    return sys.stdin.buffer


def _open_file(path: str) -> BinaryIO:
    """Open ``path`` for binary reading, turning OS errors into InputErrors."""
    try:
        return open(path, "rb")  # the caller closes it in a with-block
    except OSError as exc:
        raise _os_error(path, exc) from None


def _os_error(path: str, exc: OSError) -> InputError:
    """The InputError for an OS error met while opening or inspecting ``path``."""
    if isinstance(exc, FileNotFoundError):
        return InputError(f"input file not found: '{path}'")
    if isinstance(exc, IsADirectoryError) or (
        # Windows reports opening a directory as a permission error.
        isinstance(exc, PermissionError) and os.path.isdir(path)
    ):
        return InputError(f"input '{path}' is a directory, not a file")
    if isinstance(exc, PermissionError):
        return InputError(f"cannot read input '{path}': permission denied")
    return InputError(f"cannot read input '{path}': {exc.strerror or exc}")


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
        array = read_npy(stream, name=name, what="input", hint=_hint(head, "npy"))
        found_suffix = ".npy"
    elif kind == "image":
        array, bit_depth, image_format = _read_image(stream, name, head, stdin=source == "-")
        found_suffix = _FORMAT_SUFFIX.get(image_format or "", "")
    else:
        data = stream.read()
        expected = (
            "a format convcli reads (.npy, an image, or UTF-8 text)" if sniffed else "UTF-8 text"
        )
        text = decode_text(
            data,
            name=name,
            what="input",
            expected=expected,
            hint=_hint(data[:_SNIFF_BYTES], "text"),
        )
        table = read_table(text, name=name, what="input", suffix="" if source == "-" else suffix)
        array = table.values
        found_suffix = {"\t": ".tsv", None: ".txt"}.get(table.delimiter, ".csv")
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
    if lowered in TEXT_SUFFIXES:
        return "text"
    return None


def _sniff_kind(head: bytes) -> Kind | None:
    """``"npy"`` or ``"image"`` when the first bytes carry that magic, else None."""
    if head.startswith(NPY_MAGIC):
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
    if tried != "npy" and head.startswith(NPY_MAGIC):
        return "; it looks like a .npy array, try --input-format npy"
    label = _image_label(head)
    if tried != "image" and label:
        return f"; it looks like {label}, try --input-format image"
    if head.startswith(ZIP_MAGIC):
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


# ------------------------------------------------------------------------- images


def _read_image(
    stream: BinaryIO, name: str, head: bytes, *, stdin: bool
) -> tuple[npt.NDArray[np.float64], int | None, str | None]:
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
            else first_line(exc)
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
        raise InputError(f"cannot read {what}: {first_line(exc)}{_hint(head, 'image')}") from None
    if pixels.dtype.kind == "f":
        return check_array(pixels, name=name, what="input"), bit_depth, image_format
    return pixels.astype(np.float64), bit_depth, image_format


def _normalized_mode(image: Image.Image) -> tuple[Image.Image, int | None]:
    """Convert a Pillow image to L, LA, RGB, RGBA or a 16/32-bit mode, with its bit depth.

    The bit depth is None for ``I`` and ``F``: their values have no pixel range.
    """
    mode = image.mode
    if mode.startswith("I;16"):
        return image, 16
    if mode in ("I", "F"):
        # 32-bit integers (signed, any range) and floats (often 0..1, or physical
        # units): no fixed pixel range, so they are data like a .npy, not 16-bit pixels.
        return image, None
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
