"""Feature maps to files or standard output: data formats and images, written atomically.

Formats come from ``fmt`` when given, else from the destination's suffix:

* ``.npy``: exact values (``np.save``, no pickles).
* ``.csv``, ``.tsv``, ``.txt``: a 1-D result as one row, a 2-D result as rows, each
  number as :func:`format_number` writes it (more axes: use ``.npy`` or ``.json``).
* ``.json``: ``{"shape": [...], "dtype": "float32", "data": [...]}``, NaN and
  infinities as ``null``.
* ``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff``, ``.bmp``, ``.webp``: 2-D results
  through :func:`convcli.pictures.to_pixels`, with a colour map or a labelled montage
  of several filters when asked.

Every file is first encoded in memory, then written to a temporary file in the
destination's folder and renamed over the destination with :func:`os.replace`, so a
reader sees either the old file or the complete new one, never a partial file; on any
error the temporary files are removed and the destination is left as it was.

Examples
--------
>>> import numpy as np
>>> encode_data(np.array([321.0, 0.1, -0.0], dtype=np.float32), "csv")
b'321,0.1,0\\n'
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from typing import BinaryIO

import numpy as np
from PIL import Image

from convcli.errors import OutputError, ParameterError, WriteFailedError
from convcli.featuremaps import FeatureMaps
from convcli.numfmt import format_flat
from convcli.pictures import apply_cmap, montage, to_pixels

DATA_FORMATS: tuple[str, ...] = ("csv", "tsv", "txt", "json", "npy")
IMAGE_FORMATS: tuple[str, ...] = ("png", "jpg", "tif", "bmp", "webp")
FORMATS: tuple[str, ...] = DATA_FORMATS + IMAGE_FORMATS
"""The file formats ``fmt`` accepts (``jpeg`` and ``tiff`` are aliases)."""

SUFFIXES: dict[str, str] = {
    ".npy": "npy",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "txt",
    ".json": "json",
    ".png": "png",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".tif": "tif",
    ".tiff": "tif",
    ".bmp": "bmp",
    ".webp": "webp",
}
"""Known destination suffixes (matched case-insensitively) and their formats."""

FORMAT_ALIASES = {"jpeg": "jpg", "tiff": "tif"}
_DELIMITERS = {"csv": ",", "tsv": "\t", "txt": " "}
_NO_ALPHA = {"jpg": "JPEG", "bmp": "BMP"}

# Encoder settings, measured with Pillow 13 on 2048x2048 feature-map-like pictures:
# * PNG compress_level=1: 165 ms and 2.5-2.7 MB for a grey map, against 335-500 ms and
#   2.2-2.4 MB at the default level 6 (level 9 is no smaller): 2-3x faster, ~12% bigger.
# * WebP lossless, quality (= effort) 25: 1.1 s and 4.99 MB for an RGB map, against 4.3 s
#   and 4.98 MB at the default 80; quality 0 is 0.9 s but 5.9 MB.
# * JPEG quality 95 without chroma subsampling: 30 ms and 2.1 MB against 15 ms and 1.0 MB
#   with 4:2:0, which smears the one-pixel coloured edges a heat map is made of.
# * TIFF uncompressed (4 ms, 12.6 MB RGB; deflate takes 640 ms for 6.8 MB): the
#   interchange format, read by everything; BMP has no options.
_SAVE_OPTIONS: dict[str, tuple[str, dict[str, object]]] = {
    "png": ("PNG", {"compress_level": 1}),
    "jpg": ("JPEG", {"quality": 95, "subsampling": 0}),
    "tif": ("TIFF", {}),
    "bmp": ("BMP", {}),
    "webp": ("WEBP", {"lossless": True, "quality": 25}),
}


def write_maps(
    maps: FeatureMaps,
    destination: str,
    *,
    fmt: str | None = None,
    normalize: str = "auto",
    cmap: str | None = None,
    split: bool = False,
    bit_depth: int = 8,
    note: Callable[[str], None] = lambda _: None,
    stdout: BinaryIO | None = None,
) -> list[str]:
    """Write feature maps to a file (atomically) or to standard output.

    Parameters
    ----------
    maps : FeatureMaps
        The result to write.
    destination : str
        A file path, or ``"-"`` for standard output (``fmt`` is then required).
    fmt : str, optional
        One of :data:`FORMATS`; by default the destination's suffix decides. A ``fmt``
        that names another format than a known suffix is an error; with an unknown
        suffix (``result.dat``) ``fmt`` decides.
    normalize : str
        How values become pixels (:data:`convcli.pictures.NORMALIZE_MODES`); images only.
    cmap : str, optional
        Colour map for one-channel maps (:data:`convcli.pictures.CMAPS`); images only.
    split : bool
        One file per filter, ``STEM-0.EXT``, ``STEM-1.EXT``, ... (each from
        ``maps.filter_map(i)``, images normalised each on its own, exactly as when the
        filter is applied alone), even with a single filter. Without it, several
        filters in an image make one labelled montage with one shared normalisation.
    bit_depth : {8, 16}
        16 writes 16-bit grey (``I;16``, 0..65535) for a one-channel map without
        ``cmap`` to ``.png`` or ``.tif`` (one file per filter; a montage is 8-bit);
        anything else is silently 8-bit, so the CLI can pass the input's own depth.
    note : callable
        Receives each ``note: ...`` line (normalisation applied, alpha dropped, ...).
    stdout : binary file, optional
        Where ``"-"`` writes; ``sys.stdout.buffer`` by default. It is flushed; a
        :class:`BrokenPipeError` propagates.

    Returns
    -------
    list of str
        The paths written, ``["-"]`` for standard output.

    Raises
    ------
    OutputError
        A format that cannot hold the result, a suffix or ``fmt`` that is unknown or
        contradictory, a missing folder, a destination that is a folder, permission
        denied.
    WriteFailedError
        The system refused the write otherwise (disk full, I/O error, ...).

    Examples
    --------
    >>> import io, numpy as np
    >>> maps = FeatureMaps(np.array([[1.0, 2.5]]), 2, 1, 1, ("k",))
    >>> out = io.BytesIO()
    >>> write_maps(maps, "-", fmt="json", stdout=out)
    ['-']
    >>> out.getvalue()
    b'{"shape": [1, 2], "dtype": "float64", "data": [[1, 2.5]]}\\n'
    """
    if bit_depth not in (8, 16):
        raise ParameterError(f"bit depth must be 8 or 16; got {bit_depth}")
    to_stdout = destination == "-"
    if not to_stdout and os.path.isdir(destination):
        # Says "it is a folder" rather than "no suffix" for `-o somefolder`.
        suffix = os.path.splitext(destination)[1].lower()
        _check_destination(destination, fmt or SUFFIXES.get(suffix, "npy"))
    fmt = _resolve_format(destination, fmt)
    if to_stdout and split:
        raise OutputError("--split writes one file per filter; give a file path, not '-'")

    count = _filter_count(maps) if split else 1
    paths = [_split_name(destination, i) for i in range(count)] if split else [destination]
    if not to_stdout:
        for path in paths:
            _check_destination(path, fmt)

    if fmt in DATA_FORMATS:
        if cmap is not None:
            raise OutputError(
                f"--cmap colours image outputs; '{destination}' is {fmt.upper()} data"
            )
        arrays = [maps.filter_map(i) for i in range(count)] if split else [maps.data]
        payloads = [encode_data(array, fmt) for array in arrays]
    else:
        payloads = _encode_images(maps, fmt, paths, normalize, cmap, split, bit_depth, note)

    if to_stdout:
        write_stdout(payloads[0], stdout)
        return ["-"]
    _commit(list(zip(paths, payloads, strict=True)))
    return paths


# ---------------------------------------------------------------------------
# Data formats


def encode_data(array: np.ndarray, fmt: str) -> bytes:
    """Encode an array as ``csv``, ``tsv``, ``txt``, ``json`` or ``npy`` bytes.

    Text formats write each number with :func:`format_number`, end every line with
    ``\\n``, and take at most two axes (rows x columns; a 1-D array is one row, a
    0-D array one number). JSON keeps every axis and writes NaN and infinities as
    ``null``. NPY is :func:`numpy.save` without pickling.

    Raises
    ------
    OutputError
        Unknown format, more than two axes for a text format, or values that are not
        numbers.

    Examples
    --------
    >>> import numpy as np
    >>> encode_data(np.array([[1.0, -2.0], [0.5, 3.0]]), "tsv")
    b'1\\t-2\\n0.5\\t3\\n'
    >>> encode_data(np.array([np.nan, 1.0], dtype=np.float32), "json")
    b'{"shape": [2], "dtype": "float32", "data": [null, 1]}\\n'
    """
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt == "npy":
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    if fmt == "json":
        texts = format_flat(array)
        finite = np.isfinite(array).ravel() if array.dtype.kind == "f" else None
        if finite is not None:
            texts = [t if ok else "null" for t, ok in zip(texts, finite.tolist(), strict=True)]
        shape = ", ".join(str(n) for n in array.shape)
        data = _nest(texts, array.shape)
        return f'{{"shape": [{shape}], "dtype": "{array.dtype}", "data": {data}}}\n'.encode()
    if fmt in _DELIMITERS:
        if array.ndim > 2:
            shape = "x".join(str(n) for n in array.shape)
            raise OutputError(
                f"a {array.ndim}-D result ({shape}) cannot be written as {fmt.upper()}, "
                "which holds rows x columns only; use .npy or .json"
            )
        texts = format_flat(array)
        columns = array.shape[-1] if array.ndim == 2 else max(len(texts), 1)
        delimiter = _DELIMITERS[fmt]
        lines = [delimiter.join(texts[i : i + columns]) for i in range(0, len(texts), columns)]
        return ("\n".join(lines) + "\n").encode()
    raise OutputError(f"unknown data format {fmt!r}; use one of {', '.join(DATA_FORMATS)}")


def _nest(texts: list[str], shape: tuple[int, ...]) -> str:
    """Nested JSON lists of the already formatted ``texts`` in ``shape``."""
    if not shape:
        return texts[0]
    if len(shape) == 1:
        return "[" + ", ".join(texts) + "]"
    step = len(texts) // shape[0] if shape[0] else 0
    parts = [_nest(texts[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]
    return "[" + ", ".join(parts) + "]"


# ---------------------------------------------------------------------------
# Images


def _encode_images(
    maps: FeatureMaps,
    fmt: str,
    paths: list[str],
    normalize: str,
    cmap: str | None,
    split: bool,
    bit_depth: int,
    note: Callable[[str], None],
) -> list[bytes]:
    """Encoded image files for ``maps``: one per path (one per filter with ``split``)."""
    if maps.sliding_ndim != 2:
        others = ".csv, .npy or .json" if maps.sliding_ndim == 1 else ".npy or .json"
        raise OutputError(
            f"a {maps.sliding_ndim}-D result cannot be written as an image; use {others}"
        )
    count = _filter_count(maps)
    channels = _channels(maps.filter_map(0))
    if channels not in (1, 2, 3, 4):
        raise OutputError(
            f"an image holds 1 (grey), 2, 3 (RGB) or 4 (RGBA) channels; this result has "
            f"{channels} per filter; use .npy"
        )
    if cmap is not None and channels != 1:
        raise OutputError(f"--cmap needs one-channel maps; got {channels} channels")

    montaged = count > 1 and not split
    # 16-bit only where it is lossless and wanted: one grey channel in a format that holds
    # it. The CLI passes the input's depth, so falling back to 8-bit is silent, not a note.
    sixteen = (
        bit_depth == 16 and fmt in ("png", "tif") and channels == 1 and cmap is None
    ) and not montaged
    pixel_max = 65535 if sixteen else 255

    pictures: list[np.ndarray] = []
    if montaged:
        pixels, message = to_pixels(maps.data, normalize=normalize, pixel_max=pixel_max)
        if message:
            note(f"{message}, shared by all {count} tiles")
        tile_maps = dataclasses.replace(maps, data=pixels)
        tiles = [tile_maps.filter_map(i) for i in range(count)]
        if cmap is not None:
            tiles = [apply_cmap(tile, cmap) for tile in tiles]
        labels = list(maps.labels)
        if len(labels) != count:
            labels = [f"filter {i}" for i in range(count)]
        pictures.append(montage(tiles, labels))
    else:
        sources = [maps.filter_map(i) for i in range(count)] if split else [maps.filter_map(0)]
        for path, source in zip(paths, sources, strict=True):
            pixels, message = to_pixels(source, normalize=normalize, pixel_max=pixel_max)
            if message:
                name = os.path.basename(path)
                note(message.replace("note: ", f"note: {name}: ", 1) if split else message)
            pictures.append(apply_cmap(pixels, cmap) if cmap is not None else pixels)

    if fmt in _NO_ALPHA and _channels(pictures[0]) in (2, 4):
        note(f"note: {_NO_ALPHA[fmt]} has no alpha channel; dropped it (use .png to keep it)")
        pictures = [picture[..., :-1] for picture in pictures]
    return [
        _encode_picture(picture, fmt, path) for picture, path in zip(pictures, paths, strict=True)
    ]


def _encode_picture(pixels: np.ndarray, fmt: str, path: str) -> bytes:
    """PNG/JPEG/TIFF/BMP/WebP bytes of a uint8 (or 2-D uint16) pixel array."""
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    pil_format, options = _SAVE_OPTIONS[fmt]
    buffer = io.BytesIO()
    try:
        Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, pil_format, **options)
    except (OSError, ValueError) as exc:  # format limits: WebP <= 16383 px, JPEG <= 65535 px
        height, width = pixels.shape[:2]
        raise OutputError(
            f"cannot write '{path}': the {pil_format} encoder refused a {height}x{width} "
            f"image ({exc}); try .png or .npy"
        ) from exc
    return buffer.getvalue()


def _channels(array: np.ndarray) -> int:
    return 1 if array.ndim == 2 else int(array.shape[-1])


def _filter_count(maps: FeatureMaps) -> int:
    return maps.filters if maps.has_last_axis else 1


# ---------------------------------------------------------------------------
# Destinations and atomic writes


def _resolve_format(destination: str, fmt: str | None) -> str:
    """The format to write: ``fmt`` checked against the suffix, else the suffix."""
    known = ", ".join(FORMATS)
    if fmt is not None:
        fmt = FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
        if fmt not in FORMATS:
            raise OutputError(f"unknown output format {fmt!r}; use one of {known}")
    if destination == "-":
        if fmt is None:
            raise OutputError(f"writing to standard output ('-') needs --format: one of {known}")
        return fmt
    suffix = os.path.splitext(destination)[1].lower()
    implied = SUFFIXES.get(suffix)
    if fmt is None:
        if implied is None:
            what = f"suffix {suffix!r}" if suffix else "no suffix"
            raise OutputError(
                f"cannot tell the format of '{destination}' ({what}); end it with one of "
                f"{' '.join(SUFFIXES)} or give --format"
            )
        return implied
    if implied is not None and implied != fmt:
        raise OutputError(
            f"--format {fmt} contradicts the suffix of '{destination}' ({suffix} is "
            f"{implied}); drop --format or change the suffix"
        )
    return fmt


def _split_name(destination: str, index: int) -> str:
    """``out/edges.png`` -> ``out/edges-0.png``."""
    stem, suffix = os.path.splitext(destination)
    return f"{stem}-{index}{suffix}"


def _check_destination(path: str, fmt: str) -> None:
    """Fail early, with a useful message, for a path that cannot be written."""
    if os.path.isdir(path):
        example = os.path.join(path, f"result.{fmt}")
        raise OutputError(
            f"cannot write '{path}': it is a folder; give a file name such as '{example}'"
        )
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        if os.path.exists(folder):
            raise OutputError(f"cannot write '{path}': '{folder}' is not a folder")
        raise OutputError(
            f"cannot write '{path}': folder '{folder}' does not exist (convcli creates no folders)"
        )
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise OutputError(f"cannot write '{path}': permission denied (the file is read-only)")


def write_stdout(payload: bytes, stdout: BinaryIO | None = None) -> None:
    """Write bytes to standard output; a closed or full stdout is a WriteFailedError.

    A :class:`BrokenPipeError` (the reader went away) propagates: the CLI ends quietly.
    """
    if stdout is None:
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            raise WriteFailedError("cannot write to standard output: it is closed")
        stdout = sys.stdout.buffer
    try:
        stdout.write(payload)
        stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise WriteFailedError(f"could not write to standard output: {reason}") from None


def _is_special_file(path: str) -> bool:
    """A FIFO, device or socket (`-o /dev/stdout`, a named pipe): written in place."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _commit(files: list[tuple[str, bytes]]) -> None:
    """Write every file to a temporary sibling, then rename them all into place.

    Nothing is renamed until every temporary file is complete and flushed to disk, so
    a failure leaves every destination as it was. (Should a rename itself fail after
    others succeeded, those stay written: POSIX has no multi-file transaction.)
    """
    mode = 0o666 & ~_umask()  # what open() would give; mkstemp makes 0600
    pending: list[tuple[str, str, str]] = []  # (path as given, real target, temp file)
    current = files[0][0]
    try:
        for path, payload in files:
            current = path
            if _is_special_file(path):
                # Renaming over a pipe or device would replace it; write into it.
                with open(path, "wb") as stream:
                    stream.write(payload)
                continue
            target = os.path.realpath(path) if os.path.islink(path) else path
            handle, temp = tempfile.mkstemp(
                dir=os.path.dirname(target) or ".",
                prefix=f".{os.path.basename(target)}.",
                suffix=".tmp",
            )
            pending.append((path, target, temp))
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, mode)
        while pending:
            current, target, temp = pending[0]
            os.replace(temp, target)
            pending.pop(0)
    except OSError as exc:
        raise _os_error(exc, current) from exc
    finally:
        for _, _, temp in pending:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _os_error(exc: OSError, path: str) -> OutputError | WriteFailedError:
    """The user-facing error for an ``OSError`` while writing ``path``."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            f"cannot write '{path}': {reason.lower()}; choose a folder you can write to"
        )
    return WriteFailedError(f"could not write '{path}': {reason.lower()}")


def _umask() -> int:
    """The process umask (read by setting and restoring it; convcli is single-threaded)."""
    current = os.umask(0o022)
    os.umask(current)
    return current
