"""Feature maps to files or standard output: data formats and images, written atomically.

Formats come from ``fmt`` when given, else from the destination's suffix (the names
live in :mod:`convcli.destinations`, which also checks destinations):

* ``.npy``: exact values (``np.save``, no pickles).
* ``.csv``, ``.tsv``, ``.txt``: a 1-D result as one row, a 2-D result as rows, each
  number as :func:`convcli.numfmt.format_number` writes it (more axes: use ``.npy``
  or ``.json``).
* ``.json``: ``{"shape": [...], "dtype": "float32", "data": [...]}``, NaN and
  infinities as ``null``.
* ``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff``, ``.bmp``, ``.webp``: 2-D results
  through :func:`convcli.pictures.to_pixels`, with a colour map or a labelled montage
  of several filters when asked.

Every file is first encoded in memory, then written to a temporary file in the
destination's folder and renamed over the destination with :func:`os.replace`, so a
reader sees either the old file or the complete new one, never a partial file; on any
error the temporary files are removed and the destination is left as it was. An
:class:`OutputBatch` stretches this over several results (all inputs of one run): the
temporary files are renamed only when the whole batch succeeded.

Pillow is imported only when an image is encoded.

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
import tempfile
from collections.abc import Callable
from types import TracebackType
from typing import BinaryIO

import numpy as np

from convcli.destinations import DATA_FORMATS, canonical_format, check_output, is_special_file
from convcli.errors import OutputError, ParameterError, WriteFailedError
from convcli.featuremaps import FeatureMaps
from convcli.numfmt import format_compact, format_flat
from convcli.pictures import (
    Legend,
    PixelScale,
    apply_cmap,
    cmap_table,
    montage,
    scaled_pixels,
    to_pixels,
)
from convcli.stdio import write_stdout

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
    batch: OutputBatch | None = None,
) -> list[str]:
    """Write feature maps to a file (atomically) or to standard output.

    Parameters
    ----------
    maps : FeatureMaps
        The result to write.
    destination : str
        A file path, or ``"-"`` for standard output (``fmt`` is then required).
    fmt : str, optional
        One of :data:`convcli.destinations.FILE_FORMATS` (or an alias); by default the
        destination's suffix decides. A ``fmt`` that names another format than a known
        suffix is an error; with an unknown suffix (``result.dat``) ``fmt`` decides.
    normalize : str
        How values become pixels (:data:`convcli.params.NORMALIZE_MODES`); images only.
    cmap : str, optional
        Colour map for one-channel maps (:data:`convcli.pictures.CMAPS`); images only.
        ``coolwarm`` is diverging: under ``auto`` and ``minmax`` it is centred on 0
        (see :func:`convcli.pictures.to_pixels`), so 0 is its neutral middle colour.
    split : bool
        One file per filter, ``STEM-0.EXT``, ``STEM-1.EXT``, ... (each from
        ``maps.filter_map(i)``, images normalised each on its own, exactly as when the
        filter is applied alone), even with a single filter. Without it, several
        filters in an image make one labelled montage with one shared normalisation:
        each tile is labelled with its filter's index and name (``0: sobel-x``, the
        index of its ``--split`` file) and a legend under the tiles shows the shared
        scale (a colour bar from the value of the darkest pixel to the brightest).
    bit_depth : {8, 16}
        16 writes 16-bit grey (``I;16``, 0..65535) for a one-channel map without
        ``cmap`` to ``.png`` or ``.tif`` (one file per filter; a montage is 8-bit);
        anything else is silently 8-bit, so the CLI can pass the input's own depth.
    note : callable
        Receives each ``note: ...`` line (normalisation applied, alpha dropped, ...).
    stdout : binary file, optional
        Where ``"-"`` writes; ``sys.stdout.buffer`` by default. It is flushed; a
        :class:`BrokenPipeError` propagates.
    batch : OutputBatch, optional
        Stage the files in this batch: written to temporary files now, renamed into
        place when the batch ends without error. Without it the files are in place when
        this returns. Standard output is written at once either way.

    Returns
    -------
    list of str
        The paths written (or staged), ``["-"]`` for standard output.

    Raises
    ------
    ParameterError
        An unknown ``fmt`` or ``bit_depth``.
    OutputError
        Anything :func:`convcli.destinations.check_output` refuses; a format that cannot
        hold the result; a path the system calls unwritable (missing folder, permission
        denied, read-only file system, ...).
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
    fmt = check_output(destination, fmt=fmt, cmap=cmap, split=split)
    count = _filter_count(maps) if split else 1
    paths = [_split_name(destination, i) for i in range(count)] if split else [destination]
    if split:
        for path in paths:  # an existing STEM-1.png may be read-only, or a folder
            check_output(path, fmt=fmt)

    if fmt in DATA_FORMATS:
        arrays = [maps.filter_map(i) for i in range(count)] if split else [maps.data]
        payloads = [encode_data(array, fmt) for array in arrays]
    else:
        payloads = _encode_images(maps, fmt, paths, normalize, cmap, split, bit_depth, note)

    if destination == "-":
        write_stdout(payloads[0], stdout)
        return ["-"]
    if batch is not None:
        for path, payload in zip(paths, payloads, strict=True):
            batch.stage(path, payload)
    else:
        with OutputBatch() as own:
            for path, payload in zip(paths, payloads, strict=True):
                own.stage(path, payload)
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
    ParameterError
        An unknown format name.
    OutputError
        An image format, more than two axes for a text format, or values that are not
        numbers.

    Examples
    --------
    >>> import numpy as np
    >>> encode_data(np.array([[1.0, -2.0], [0.5, 3.0]]), "tsv")
    b'1\\t-2\\n0.5\\t3\\n'
    >>> encode_data(np.array([np.nan, 1.0], dtype=np.float32), "json")
    b'{"shape": [2], "dtype": "float32", "data": [null, 1]}\\n'
    """
    fmt = canonical_format(fmt)
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
    raise OutputError(f"{fmt} is not a data format; use one of {', '.join(DATA_FORMATS)}")


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
        raise OutputError(
            f"--cmap needs one-channel maps; got {channels} channels "
            "(use --channels sum, or a grey input)"
        )

    montaged = count > 1 and not split
    # 16-bit only where it is lossless and wanted: one grey channel in a format that holds
    # it. The CLI passes the input's depth, so falling back to 8-bit is silent, not a note.
    sixteen = (
        bit_depth == 16 and fmt in ("png", "tif") and channels == 1 and cmap is None
    ) and not montaged
    pixel_max = 65535 if sixteen else 255
    centred = cmap is not None and cmap.lower() == "coolwarm"  # diverging: 0 in the middle

    pictures: list[np.ndarray] = []
    if montaged:
        pixels, message, scale = scaled_pixels(
            maps.data, normalize=normalize, pixel_max=pixel_max, centred=centred
        )
        if message:
            note(f"{message}, shared by the {count} tiles")
        tile_maps = dataclasses.replace(maps, data=pixels)
        tiles = [tile_maps.filter_map(i) for i in range(count)]
        if cmap is not None:
            tiles = [apply_cmap(tile, cmap) for tile in tiles]
        names = list(maps.labels) if len(maps.labels) == count else [str(i) for i in range(count)]
        labels = [tile_label(i, name) for i, name in enumerate(names)]
        legend = _shared_legend(scale, cmap, count)
        pictures.append(montage(tiles, labels, legend=legend))
    else:
        sources = [maps.filter_map(i) for i in range(count)] if split else [maps.filter_map(0)]
        for path, source in zip(paths, sources, strict=True):
            pixels, message = to_pixels(
                source, normalize=normalize, pixel_max=pixel_max, centred=centred
            )
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


def tile_label(index: int, name: str) -> str:
    """A montage tile's label: the filter's index (as in ``--split`` names) and name.

    Examples
    --------
    >>> tile_label(0, "sobel-x"), tile_label(1, "1")
    ('0: sobel-x', 'filter 1')
    """
    return f"filter {index}" if name == str(index) else f"{index}: {name}"


def _shared_legend(scale: PixelScale, cmap: str | None, count: int) -> Legend:
    """The legend of a montage: the one scale all ``count`` tiles share."""
    span = scale.high - scale.low
    zero = -scale.low / span if scale.low < 0.0 < scale.high else None
    high = format_compact(scale.high)
    return Legend(
        title=f"one scale for all {count} tiles ({scale.how})",
        colours=cmap_table(cmap or "grey"),
        low=format_compact(scale.low),
        high=f"±{high}" if scale.absolute else high,
        zero=zero,
    )


def _encode_picture(pixels: np.ndarray, fmt: str, path: str) -> bytes:
    """PNG/JPEG/TIFF/BMP/WebP bytes of a uint8 (or 2-D uint16) pixel array."""
    from PIL import Image  # the one place convcli writes with Pillow

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
# Atomic writes, one file or a batch of them


def _split_name(destination: str, index: int) -> str:
    """``out/edges.png`` -> ``out/edges-0.png``."""
    stem, suffix = os.path.splitext(destination)
    return f"{stem}-{index}{suffix}"


@dataclasses.dataclass
class _Staged:
    path: str  # as given, for messages
    target: str  # what is replaced: the file a symlink points to
    temp: str | None  # the complete temporary file; None for a special file
    payload: bytes | None  # kept for a special file, written at commit


class OutputBatch:
    """All-or-nothing files: staged as complete temporary files, renamed in together.

    Use it as a context manager around a run that writes several results: each
    :meth:`stage` writes its file to a temporary sibling right away (so memory holds one
    result at a time) and nothing replaces a destination until the ``with`` block ends
    without an exception; then every file is renamed into place, in order. On an
    exception every temporary file is removed and no destination changes.

    A special file (``/dev/null``, a named pipe) cannot be renamed over; its bytes are
    kept and written into it at commit. Should a rename itself fail after others
    succeeded, those stay written: POSIX has no multi-file transaction.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "a.csv")
    >>> with OutputBatch() as batch:
    ...     batch.stage(path, b"1,2\\n")
    ...     os.path.exists(path)
    False
    >>> open(path).read()
    '1,2\\n'
    >>> try:
    ...     with OutputBatch() as batch:
    ...         batch.stage(os.path.join(folder, "b.csv"), b"3\\n")
    ...         raise ValueError("input 2 is corrupt")
    ... except ValueError:
    ...     pass
    >>> sorted(os.listdir(folder))
    ['a.csv']
    >>> import shutil; shutil.rmtree(folder)
    """

    def __init__(self) -> None:
        self._staged: list[_Staged] = []
        self._closed = False
        self._mode = 0o666 & ~_umask()  # what open() would give; mkstemp makes 0600

    def __enter__(self) -> OutputBatch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    @property
    def paths(self) -> list[str]:
        """The destinations staged and not yet in place, in order."""
        return [staged.path for staged in self._staged]

    def stage(self, path: str, payload: bytes) -> None:
        """Write ``payload`` to a complete temporary file that will replace ``path``.

        Raises
        ------
        OutputError
            The system calls the path unwritable (see :func:`write_maps`).
        WriteFailedError
            The write failed otherwise (disk full, I/O error); the temporary file of
            ``path`` is gone, those of earlier files are removed by :meth:`discard`.
        """
        if self._closed:
            raise RuntimeError("this OutputBatch has already been committed or discarded")
        if is_special_file(path):
            # Renaming over a pipe or device would replace it; it is written into at commit.
            self._staged.append(_Staged(path, path, None, payload))
            return
        target = os.path.realpath(path) if os.path.islink(path) else path
        temp: str | None = None
        try:
            handle, temp = tempfile.mkstemp(
                dir=os.path.dirname(target) or ".",
                prefix=f".{os.path.basename(target)}.",
                suffix=".tmp",
            )
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, _existing_mode(target, self._mode))
        except BaseException as exc:  # Ctrl-C included: no temporary file left behind
            if temp is not None:
                _remove(temp)
            if isinstance(exc, OSError):
                raise _os_error(exc, path) from exc
            raise
        self._staged.append(_Staged(path, target, temp, None))

    def commit(self) -> None:
        """Rename every staged file into place (write special files), in order."""
        self._closed = True
        try:
            while self._staged:
                staged = self._staged[0]
                try:
                    if staged.temp is None:
                        with open(staged.target, "wb") as stream:
                            stream.write(staged.payload or b"")
                    else:
                        os.replace(staged.temp, staged.target)
                except OSError as exc:
                    raise _os_error(exc, staged.path) from exc
                self._staged.pop(0)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove every staged temporary file; no destination changes."""
        self._closed = True
        for staged in self._staged:
            if staged.temp is not None:
                _remove(staged.temp)
        self._staged.clear()


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# A path the system will not write (a bad destination: exit 2), as opposed to a write
# that failed on the way (disk full, I/O error: exit 1).
_PERMISSION_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
_PATH_ERRNOS = frozenset(
    {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EINVAL, errno.ENAMETOOLONG, errno.ELOOP}
)


def _os_error(exc: OSError, path: str) -> OutputError | WriteFailedError:
    """The user-facing error for an ``OSError`` while writing ``path``."""
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno in _PERMISSION_ERRNOS:
        return OutputError(f"cannot write '{path}': {reason}; choose a folder you can write to")
    if exc.errno in _PATH_ERRNOS:
        return OutputError(
            f"cannot write '{path}': {reason}; choose a file path in a folder you can write to"
        )
    return WriteFailedError(f"could not write '{path}': {reason}")


def _existing_mode(path: str, default: int) -> int:
    """A replaced file keeps its permissions (a private 0600 file stays private)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return default


def _umask() -> int:
    """The process umask (read by setting and restoring it; convcli is single-threaded)."""
    current = os.umask(0o022)
    os.umask(current)
    return current
