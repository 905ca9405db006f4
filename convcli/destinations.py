"""Where results go: format names, output checks, and each input's target path.

The one home of the output format names (:data:`FILE_FORMATS`, :data:`PRINT_FORMATS`,
:data:`SUFFIXES`, :func:`canonical_format`) and of the checks a destination must pass
(:func:`check_output`). Path logic only: ``os.path``/``os.access`` checks, no writing,
and no NumPy or Pillow, so the CLI can refuse a bad ``-o``, ``--output-dir`` or
``--format`` before it loads or computes anything.

Examples
--------
>>> plan = OutputPlan.build(["a.png", "b.csv"], output=None, output_dir=".", fmt=None)
>>> plan.destination_for("a.png", stem="a", suffix=".png", kind="image")
'./a.png'
>>> plan.destination_for("b.csv", stem="b", suffix=".csv", kind="text")
'./b.npy'
>>> check_output("maps.JPEG", fmt=None, cmap="viridis", split=False)
'jpg'
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field

from convcli.errors import OutputError, ParameterError

DATA_FORMATS: tuple[str, ...] = ("csv", "tsv", "txt", "json", "npy")
"""File formats that hold the values themselves."""

IMAGE_FORMATS: tuple[str, ...] = ("png", "jpg", "tif", "bmp", "webp")
"""File formats that hold pixels (values go through ``--normalize``)."""

FILE_FORMATS: tuple[str, ...] = DATA_FORMATS + IMAGE_FORMATS
"""Every format a result can be written in, to a file or to standard output."""

PRINT_FORMATS: tuple[str, ...] = ("table", *FILE_FORMATS)
"""The ``--format`` choices: ``table`` (the terminal rendering) or a file format."""

BINARY_FORMATS: tuple[str, ...] = ("npy", *IMAGE_FORMATS)
"""Formats that must not be written raw to a terminal."""

FORMAT_ALIASES: dict[str, str] = {"jpeg": "jpg", "tiff": "tif"}
"""Other names of formats, accepted wherever a format name is."""

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

# Paths that name standard output itself: written as `-o -`.
STDOUT_PATHS = ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
FALLBACK_IMAGE_SUFFIX = ".png"
"""What ``--output-dir`` writes for an image input whose own suffix cannot be written."""


def canonical_format(name: str) -> str:
    """The canonical name of a ``--format`` value: lower case, aliases folded.

    Parameters
    ----------
    name : str
        One of :data:`PRINT_FORMATS` or :data:`FORMAT_ALIASES`, in any case.

    Raises
    ------
    ParameterError
        Any other name.

    Examples
    --------
    >>> canonical_format("JPEG"), canonical_format("tiff"), canonical_format("csv")
    ('jpg', 'tif', 'csv')
    >>> canonical_format("gif")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: format must be one of table, csv, tsv, txt, json, npy, png, jpg, tif, bmp, webp; got 'gif'
    """  # noqa: E501
    lowered = name.lower()
    canonical = FORMAT_ALIASES.get(lowered, lowered)
    if canonical not in PRINT_FORMATS:
        raise ParameterError(f"format must be one of {', '.join(PRINT_FORMATS)}; got '{name}'")
    return canonical


def check_output(
    destination: str,
    *,
    fmt: str | None = None,
    cmap: str | None = None,
    split: bool = False,
) -> str:
    """Check that a result can be written to ``destination``; return its file format.

    Everything :func:`convcli.writers.write_maps` can know before it has the result:
    the format (``fmt``, else the suffix), that ``--cmap`` goes to an image and
    ``--split`` to files, and that the path can be written (not a folder, its folder
    exists and is writable, an existing file is not read-only). What depends on the
    result itself (its number of axes, its channels) is checked when it is written.

    Parameters
    ----------
    destination : str
        A file path, or ``"-"`` for standard output (``fmt`` is then required).
    fmt : str, optional
        A ``--format`` value (aliases and any case accepted). With a known suffix it
        must agree with it; with an unknown suffix (``result.dat``) it decides.
    cmap : str, optional
        A ``--cmap`` name; only image formats take one (the name itself is not checked).
    split : bool
        ``--split``: one file per filter, which needs a file path.

    Returns
    -------
    str
        The file format to write: one of :data:`FILE_FORMATS`.

    Raises
    ------
    ParameterError
        An unknown ``fmt``, or ``table`` (which is printed, never written).
    OutputError
        A suffix that names no format (without ``fmt``) or another one than ``fmt``;
        ``"-"`` without ``fmt`` or with ``split``; ``cmap`` with a data format; a
        destination that is a folder, in a missing folder, in a folder that cannot be
        written, or a read-only file.

    Examples
    --------
    >>> check_output("-", fmt="CSV")
    'csv'
    >>> check_output("edges.npy", cmap="magma")
    Traceback (most recent call last):
    ...
    convcli.errors.OutputError: --cmap colours image outputs; 'edges.npy' is NPY data
    """
    name = None if fmt is None else canonical_format(fmt)
    if name == "table":
        raise _table_written_to(destination)
    if destination != "-" and os.path.isdir(destination):
        # Says "it is a folder" rather than "no suffix" for `-o somefolder`.
        suffix = os.path.splitext(destination)[1].lower()
        example = os.path.join(destination, f"result.{name or SUFFIXES.get(suffix, 'npy')}")
        raise OutputError(
            f"cannot write '{destination}': it is a folder; give a file name such as '{example}'"
        )
    resolved = _resolve_format(destination, name)
    if destination == "-":
        if split:
            raise OutputError("--split writes one file per filter; give a file path, not '-'")
        where = "standard output ('-')"
    else:
        _check_path(destination)
        where = f"'{destination}'"
    if cmap is not None and resolved in DATA_FORMATS:
        raise OutputError(f"--cmap colours image outputs; {where} is {resolved.upper()} data")
    return resolved


def _resolve_format(destination: str, fmt: str | None) -> str:
    """The format to write: ``fmt`` (canonical) checked against the suffix, else the suffix."""
    if destination == "-":
        if fmt is None:
            raise OutputError(
                f"writing to standard output ('-') needs --format: one of {', '.join(FILE_FORMATS)}"
            )
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


def _check_path(path: str) -> None:
    """Refuse a file path whose folder is missing or unwritable, or a read-only file."""
    if is_special_file(path):
        # `-o /dev/null`, a named pipe: written in place, so only the file must be writable.
        if not os.access(path, os.W_OK):
            raise OutputError(f"cannot write '{path}': permission denied")
        return
    _check_folder(path)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise OutputError(
            f"cannot write '{path}': permission denied (the file is read-only); "
            "choose another file name"
        )


def _check_folder(path: str) -> None:
    """Refuse a path whose folder is missing, not a folder, or not writable."""
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        if os.path.exists(folder):
            raise OutputError(f"cannot write '{path}': '{folder}' is not a folder")
        raise OutputError(
            f"cannot write '{path}': folder '{folder}' does not exist (convcli creates no folders)"
        )
    # The temporary file is made next to the file a symlink points to, so that folder counts
    # (a link into a missing folder is left to the write, which reports it).
    real_folder = os.path.dirname(os.path.realpath(path)) if os.path.islink(path) else folder
    real_folder = real_folder or "."
    if os.path.isdir(real_folder) and not os.access(real_folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write '{path}': permission denied; choose a folder you can write to"
        )


def is_special_file(path: str) -> bool:
    """Whether ``path`` is a FIFO, device or socket (``/dev/stdout``, a named pipe).

    Such a destination is written into in place: renaming a file over it would
    replace the pipe or device.

    Examples
    --------
    >>> is_special_file("/dev/null") if os.path.exists("/dev/null") else True
    True
    >>> is_special_file("no-such-file.csv")
    False
    """
    try:
        return not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path)
    except OSError:
        return False


REPORT_SUFFIXES: dict[str, str] = {".html": "html", ".htm": "html", ".png": "png"}
"""``--report`` suffixes (matched case-insensitively) and the sheet they get."""


def check_report(path: str, *, inputs: list[str], output: str | None = None) -> str:
    """Check a ``--report`` path before any work; return ``"html"`` or ``"png"``.

    A report is one sheet about one input, written like ``-o``: atomically, into an
    existing folder, never over an input or over the ``-o`` file.

    Raises
    ------
    ParameterError
        Several inputs.
    OutputError
        Standard output, a folder, a suffix other than ``.html``/``.htm``/``.png``, a
        path :func:`check_output` would refuse (missing or unwritable folder,
        read-only file), an input, or the file the maps go to (``output``).

    Examples
    --------
    >>> check_report("sheet.HTML", inputs=["a.png"])
    'html'
    >>> check_report("sheet.pdf", inputs=["a.png"])
    Traceback (most recent call last):
    ...
    convcli.errors.OutputError: --report writes .html (one self-contained file) or .png; got 'sheet.pdf'
    """  # noqa: E501
    if len(inputs) > 1:
        raise ParameterError(
            f"--report makes a sheet about one input; got {len(inputs)} inputs: "
            "run one input at a time"
        )
    if path == "-" or path in STDOUT_PATHS:
        raise OutputError(
            f"--report needs a file path ending .html or .png; got '{path}' (standard output)"
        )
    if os.path.isdir(path):
        example = os.path.join(path, "report.html")
        raise OutputError(
            f"cannot write '{path}': it is a folder; give a file name such as '{example}'"
        )
    fmt = REPORT_SUFFIXES.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise OutputError(f"--report writes .html (one self-contained file) or .png; got '{path}'")
    _check_path(path)
    if output not in (None, "-") and _same_target(path, output):
        raise OutputError(
            f"--report and the feature maps would both be written to '{path}'; "
            "give the report another file name"
        )
    for source in inputs:
        _refuse_own_input(source, path, option="--report")
    return fmt


def _same_target(a: str, b: str) -> bool:
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _table_written_to(destination: str) -> ParameterError:
    return ParameterError(
        f"--format table prints to the terminal; it cannot be written to '{destination}': "
        "drop --format or choose csv, tsv, txt, json, npy or an image format"
    )


@dataclass
class OutputPlan:
    """The checked output options of one ``apply`` call, and the targets handed out.

    Build it with :meth:`OutputPlan.build`. It is not frozen: it remembers the targets
    :meth:`destination_for` has handed out, so that two inputs never write one file.
    """

    output: str | None
    output_dir: str | None
    fmt: str | None
    split: bool = False
    cmap: str | None = None
    # Targets already handed out in this run (target -> source).
    claimed: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        inputs: list[str],
        *,
        output: str | None,
        output_dir: str | None,
        fmt: str | None,
        split: bool = False,
        cmap: str | None = None,
        normalize: str | None = None,
        show: bool = False,
        cmap_elsewhere: bool = False,
    ) -> OutputPlan:
        """Check the combination of output options for these inputs, before any work.

        A single destination (``-o PATH``, or standard output with a file ``--format``)
        is checked whole with :func:`check_output`; ``--output-dir`` targets are checked
        per input by :meth:`check_targets`. ``show``: heat maps go to standard output, so
        nothing else may. ``cmap_elsewhere``: ``cmap`` also colours pictures drawn
        elsewhere (``--show``, ``--report``), so files that cannot be images just do
        without it.

        Examples
        --------
        >>> OutputPlan.build(["a.csv"], output="out.xyz", output_dir=None, fmt=None)
        Traceback (most recent call last):
        ...
        convcli.errors.OutputError: cannot tell the format of 'out.xyz' (suffix '.xyz'); end it with one of .npy .csv .tsv .txt .json .png .jpg .jpeg .tif .tiff .bmp .webp or give --format
        """  # noqa: E501
        name = None if fmt is None else canonical_format(fmt)
        if show:
            _check_show(output, output_dir, name, normalize, split)
        if output in STDOUT_PATHS:  # renaming a temp file over it would hit a `>>` target
            output = "-"
        if cmap_elsewhere and not _may_write_images(output, output_dir, name):
            cmap = None
        to_terminal = output_dir is None and output in (None, "-") and name in (None, "table")
        if to_terminal and (split or cmap is not None or normalize is not None):
            option = "--split" if split else "--cmap" if cmap is not None else "--normalize"
            raise ParameterError(
                f"{option} is for image files; the maps are printed as a table here: "
                "add -o FILE.png or --output-dir DIR"
            )
        if name == "table" and output not in (None, "-"):
            raise _table_written_to(output)
        if output is not None and output_dir is not None:
            raise ParameterError("give -o/--output or --output-dir, not both")
        if inputs.count("-") > 1:
            raise ParameterError("standard input ('-') can be read only once")
        if output is not None and len(inputs) > 1:
            raise ParameterError(
                f"-o names one file but {len(inputs)} inputs were given; "
                "use --output-dir DIR to write one file per input"
            )
        if output_dir is not None:
            if not os.path.isdir(output_dir):
                what = "is not a folder" if os.path.exists(output_dir) else "does not exist"
                raise OutputError(
                    f"output folder '{output_dir}' {what} (convcli creates no folders)"
                )
            if name == "table":
                raise ParameterError(
                    "--format table prints to the terminal; it cannot be written with --output-dir"
                )
        elif output is None and len(inputs) > 1 and name not in (None, "table"):
            raise ParameterError(
                f"{len(inputs)} inputs with --format {name} would mix on standard output; "
                "use --output-dir DIR"
            )
        if output_dir is None and not to_terminal:
            resolved = check_output(output or "-", fmt=name, cmap=cmap, split=split)
            if output in (None, "-") and resolved in BINARY_FORMATS and _stdout_is_terminal():
                raise ParameterError(
                    f"refusing to write binary {resolved} data to a terminal; "
                    "redirect standard output or use -o FILE"
                )
            if normalize is not None and resolved in DATA_FORMATS:
                raise ParameterError(
                    f"--normalize maps values to pixels; {resolved.upper()} data keeps the "
                    "values as they are: drop --normalize or write an image"
                )
        return cls(output=output, output_dir=output_dir, fmt=name, split=split, cmap=cmap)

    def check_targets(self, inputs: list[tuple[str, str, str, str | None]]) -> None:
        """Refuse, before any work, ``--output-dir`` targets that cannot be written.

        ``inputs`` holds ``(source, stem, suffix, kind)`` as far as known before reading
        (``kind`` None: decided by sniffing). Each predicted target passes
        :func:`check_output`; no two inputs may share one, and none may be its own input.
        With ``-o FILE`` it refuses only a file that is one of the inputs (:meth:`build`
        checked the rest).
        """
        if self.output_dir is None:
            if self.output not in (None, "-"):
                for source, *_ in inputs:
                    _refuse_own_input(source, self.output, option="-o")
            return
        seen: dict[str, str] = {}
        for source, stem, suffix, kind in inputs:
            target = _target(self.output_dir, stem, suffix, kind, self.fmt)
            if kind is None and self.fmt is None:
                # The name waits for the sniffed kind (.npy or an image suffix); the folder
                # is known. destination_for checks the rest once the input is read.
                _check_folder(target)
                continue
            check_output(target, fmt=self.fmt, cmap=self.cmap, split=self.split)
            _refuse_own_input(source, target)
            if target in seen:
                raise _clash(seen[target], source, target)
            seen[target] = source

    def destination_for(self, source: str, *, stem: str, suffix: str, kind: str) -> str | None:
        """The path (or ``-``) for one input's result; None means print to the terminal.

        With ``--output-dir``: ``DIR/STEM.EXT``, EXT from ``--format`` when given, else
        the input's own suffix for an image (``.png`` when that suffix cannot be written,
        such as ``.gif`` or an unknown suffix on a sniffed image), else ``.npy``.

        Examples
        --------
        >>> plan = OutputPlan(output=None, output_dir="out", fmt=None)
        >>> plan.destination_for("a.gif", stem="a", suffix=".gif", kind="image")
        'out/a.png'
        """
        if self.output is not None:
            return self.output
        if self.output_dir is None:
            return None
        target = _target(self.output_dir, stem, suffix, kind, self.fmt)
        _refuse_own_input(source, target)
        if target in self.claimed:
            raise _clash(self.claimed[target], source, target)
        self.claimed[target] = source
        return target


def _check_show(
    output: str | None, output_dir: str | None, name: str | None, normalize: str | None, split: bool
) -> None:
    """Refuse what cannot go with ``--show``: data or a table on standard output too."""
    if name == "table":
        raise ParameterError(
            "--show draws heat maps instead of the --format table numbers; drop one of them"
        )
    to_stdout = output in ("-", *STDOUT_PATHS) or (
        output is None and output_dir is None and name is not None
    )
    if to_stdout:
        what = f"--format {name}" if output is None else f"-o {output}"
        raise ParameterError(
            f"--show draws heat maps on standard output, where {what} would write data too; "
            "write the data to a file with -o FILE"
        )
    if output is None and output_dir is None and (split or normalize is not None):
        option = "--split" if split else "--normalize"
        raise ParameterError(
            f"{option} is for image files; --show draws every map on its own scale: "
            "add -o FILE.png or --output-dir DIR"
        )


def _may_write_images(output: str | None, output_dir: str | None, name: str | None) -> bool:
    """Whether the files of this run may be images (``name``: the canonical ``--format``)."""
    if name is not None:
        return name in IMAGE_FORMATS
    if output_dir is not None:
        return True  # image inputs keep their suffix
    if output in (None, "-"):
        return False
    return SUFFIXES.get(os.path.splitext(output)[1].lower()) in IMAGE_FORMATS


def _target(folder: str, stem: str, suffix: str, kind: str | None, fmt: str | None) -> str:
    """``folder/stem.ext`` for one input under ``--output-dir``."""
    if fmt is not None:
        ext = "." + fmt
    elif kind == "image":
        own = suffix.lower()
        writable = SUFFIXES.get(own) in IMAGE_FORMATS
        ext = own if writable else FALLBACK_IMAGE_SUFFIX
    else:
        ext = ".npy"
    return os.path.join(folder, stem + ext)


def _stdout_is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


def _refuse_own_input(source: str, target: str, *, option: str = "--output-dir") -> None:
    try:
        same = source != "-" and os.path.samefile(source, target)
    except OSError:  # either does not exist (yet): nothing to overwrite
        same = False
    if same:
        other = "folder" if option == "--output-dir" else "file name"
        raise OutputError(f"{option} would overwrite the input '{source}'; choose another {other}")


def _clash(first: str, second: str, target: str) -> OutputError:
    return OutputError(
        f"inputs '{first}' and '{second}' would both be written to '{target}'; "
        "give inputs different names or run them separately"
    )
