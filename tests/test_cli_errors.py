"""`convcli apply` under attack: every bad input fails cleanly, and leaves nothing behind.

The contract's "Errors" section, case by case: exit status 2 (bad usage or input) or 1
(anything else), one or two lines on standard error whose first starts with ``Error:``
and names the problem and the value at fault, nothing on standard output, no traceback,
and the working folder exactly as it was (no new output, no temporary file, an existing
output file untouched). Writing into a closed pipe ends quietly.

Most cases run in-process (fast); only what needs a real process (closed pipes, a closed
or full standard output, the absence of a traceback) uses one.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clirun import Result, run_cli, run_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

# --- the working folder every case runs in ------------------------------------------------


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def _npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


NOISE_PNG = _png(np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8))

FILES: dict[str, bytes] = {
    # inputs
    "sig.csv": b"1,2,3,4,5,6\n",
    "grid.csv": b"1,2,3\n4,5,6\n7,8,9\n",
    "photo.png": _png(np.arange(8 * 8 * 3, dtype=np.uint8).reshape(8, 8, 3)),
    "rgb.npy": _npy(np.ones((4, 4, 3))),
    "vol.npy": _npy(np.ones((4, 4, 4, 4))),
    "empty.csv": b"",
    "trunc.png": NOISE_PNG[: len(NOISE_PNG) // 2],
    "magic.png": NOISE_PNG[:8],  # the PNG signature and nothing else
    "text.png": b"hello world\n",
    "ragged.csv": b"1,2,3\n4,5\n",
    "textcell.csv": b"1,2,3\n4,x,6\n",
    "nan.csv": b"1,2,3\n4,nan,6\n",
    "obj.npy": _npy(np.array([1, "a", None], dtype=object), allow_pickle=True),
    # kernels
    "ktext.csv": b"one,two\nthree,four\n",
    "kempty.csv": b"",
    "kgarb.npy": b"\x00\x01 these are not npy bytes \xff",
    "k4d.npy": _npy(np.ones((2, 2, 2, 2))),
    "kstr.npy": _npy(np.array(["a", "b"])),
    "k224.npy": _npy(np.ones((2, 2, 4))),
    # an output that a failing run must leave alone
    "existing.csv": b"keep me\n",
}


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    # CONVCLI_DEBUG turns internal errors into tracebacks, which would hide them here.
    monkeypatch.delenv("CONVCLI_DEBUG", raising=False)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding :data:`FILES` and an empty ``adir/``, made the working folder."""
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder (None) below ``folder``, hidden ones included."""
    found: dict[str, bytes | None] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            found[os.path.relpath(os.path.join(root, name), folder)] = None
        for name in files:
            path = os.path.join(root, name)
            found[os.path.relpath(path, folder)] = Path(path).read_bytes()
    return found


def assert_clean_failure(result: Result, code: int, pattern: str) -> None:
    """Exit ``code``, nothing on stdout, 1-2 lines on stderr, the first matching ``pattern``."""
    lines = result.err.splitlines()
    assert result.code == code, result.err
    assert result.out == b""
    assert 1 <= len(lines) <= 2, result.err
    assert re.fullmatch(pattern, lines[0]), f"{lines[0]!r} does not match {pattern!r}"
    assert "Traceback" not in result.err
    assert "internal error" not in result.err


def exact(line: str) -> str:
    """A pattern matching exactly this ``Error:`` line."""
    return re.escape("Error: " + line)


def choice_error(option: str, value: str, choices: list[str]) -> str:
    """A bad value of a closed set: names the option, the value and every choice, in order.

    Written loosely on purpose (Click's or convcli's own wording both pass), but never
    with pydantic's ``Value error,`` noise in the middle of the sentence.
    """
    listed = ".*".join(re.escape(c) for c in choices)
    named = f"'{re.escape(value)}'"
    either_order = rf"(.*{named}.*{listed}|.*{listed}.*{named})"
    return rf"Error: (?!.*Value error).*{option}{either_order}.*"


# --- the cases ------------------------------------------------------------------------------
# (command line after "convcli apply", exit status, pattern of the first stderr line)

KERNEL_CASES = [
    (
        "sig.csv -k 1,,2",
        2,
        exact("kernel has an empty value (number 2): '1,,2'; remove the extra ','"),
    ),
    ("sig.csv -k '1,2;3'", 2, exact("kernel row 2 has 1 number but row 1 has 2: '1,2;3'")),
    ("sig.csv -k '1;2|3'", 2, exact("kernel plane 2 has 1 row but plane 1 has 2: '1;2|3'")),
    (
        "sig.csv -k abc",
        2,
        exact(
            "unknown kernel 'abc' (not a file, numbers or preset); "
            "run 'convcli kernels' to list the presets"
        ),
    ),
    (
        "sig.csv -k ''",
        2,
        exact("kernel spec is empty; give a file (k.csv), numbers (0,1,0) or a preset name"),
    ),
    (
        "sig.csv -k nan,1",
        2,
        exact("kernel value 'nan' (number 1) is not finite: 'nan,1'; kernels need finite numbers"),
    ),
    (
        "sig.csv -k 1e999",
        2,
        exact(
            "kernel value '1e999' (number 1) is not finite: '1e999'; kernels need finite numbers"
        ),
    ),
    (
        "sig.csv -k 0x10",
        2,
        exact("kernel value '0x10' (number 1) is not a number: '0x10'"),
    ),
    (
        "sig.csv -k gausian",
        2,
        exact(
            "unknown kernel 'gausian' (not a file, numbers or preset); closest presets: gaussian"
        ),
    ),
    (
        "sig.csv -k gaussian:size=0",
        2,
        exact("gaussian size must be a positive odd integer (the kernel needs a centre); got 0"),
    ),
    (
        "sig.csv -k gaussian:sigma=-1",
        2,
        r"Error: gaussian sigma must be a finite number > 0; got -1(\.0)?",
    ),
    ("sig.csv -k box:size=x", 2, exact("box size must be an integer; got 'x'")),
    (
        "sig.csv -k gaussian:foo=1",
        2,
        exact("gaussian has no parameter 'foo'; its parameters are size, sigma, ndim"),
    ),
    (
        "sig.csv -k gaussian:size",
        2,
        exact(
            "kernel parameter 'size' in 'gaussian:size' is not key=value; "
            "write e.g. gaussian:size=5,sigma=1.0,ndim=2"
        ),
    ),
    (
        "sig.csv -k gaussian:size=3,size=5",
        2,
        exact("gaussian parameter 'size' is given twice in 'gaussian:size=3,size=5'"),
    ),
    (
        "sig.csv -k gaussian:size=100001,ndim=3",
        2,
        exact(
            "gaussian with size=100001 and ndim=3 has 1,000,030,000,300,001 weights, "
            "more than the 10,000,000 a kernel may have; use a smaller size"
        ),
    ),
    ("sig.csv -k missing.csv", 2, exact("kernel file not found: 'missing.csv'")),
    (
        "sig.csv -k ktext.csv",
        2,
        exact(
            "line 2, column 1 of kernel file 'ktext.csv' is not a number: 'three'; "
            "only the first row may be a header"
        ),
    ),
    (
        "sig.csv -k kempty.csv",
        2,
        exact("kernel file 'kempty.csv' has no numbers; expected rows of numbers separated by ','"),
    ),
    # Garbage bytes are not "pickled data": say what is wrong, and never suggest unpickling.
    (
        "sig.csv -k kgarb.npy",
        2,
        r"Error: kernel file 'kgarb\.npy' is not a (valid )?\.npy file(?!.*pickle).*",
    ),
    (
        "sig.csv -k k4d.npy",
        2,
        exact(
            "a kernel must have 1, 2 or 3 axes (4 only for per-channel weights under "
            "--channels sum); got shape (2, 2, 2, 2)"
        ),
    ),
    (
        "sig.csv -k kstr.npy",
        2,
        exact(
            "kernel file 'kstr.npy' holds non-numeric values (dtype <U1); "
            "convcli reads bool, integer and float arrays"
        ),
    ),
]

INPUT_CASES = [
    ("nope.csv -k 1", 2, exact("input file not found: 'nope.csv'")),
    ("adir -k 1", 2, exact("input 'adir' is a directory, not a file")),
    (
        "empty.csv -k 1",
        2,
        exact("'empty.csv' has no numbers; expected rows of numbers separated by ','"),
    ),
    ("trunc.png -k 1,1;1,1", 2, exact("cannot read image 'trunc.png': image file is truncated")),
    # It starts with the PNG signature: "not an image format Pillow knows" is wrong.
    (
        "magic.png -k 1,1;1,1",
        2,
        r"(?i)Error: cannot read image 'magic\.png': .*(truncated|corrupt|incomplete|damaged).*",
    ),
    (
        "text.png -k 1",
        2,
        exact(
            "cannot read image 'text.png': not an image format Pillow knows "
            "(PNG, JPEG, TIFF, BMP, GIF, WebP, ...); it looks like text, try --input-format csv"
        ),
    ),
    (
        "ragged.csv -k 1",
        2,
        exact(
            "line 2 of 'ragged.csv' has 2 cells but line 1 has 3; "
            "every row needs the same number of columns"
        ),
    ),
    (
        "textcell.csv -k 1",
        2,
        exact(
            "line 2, column 2 of 'textcell.csv' is not a number: 'x'; "
            "only the first row may be a header"
        ),
    ),
    (
        "nan.csv -k 1",
        2,
        exact(
            "line 2, column 2 of 'nan.csv' is not a finite number: 'nan'; "
            "replace NaN and infinity with numbers"
        ),
    ),
    (
        "obj.npy -k 1",
        2,
        exact(
            "'obj.npy' holds Python objects (dtype object), which convcli never unpickles; "
            "save a numeric array"
        ),
    ),
    (
        "sig.csv -k 1 --input-format npy",
        2,
        exact(
            "'sig.csv' is not a .npy file: it does not start with the NPY magic bytes; "
            "it looks like text, try --input-format csv"
        ),
    ),
    (
        "sig.csv -k 1 --input-format xml",
        2,
        choice_error("--input-format", "xml", ["npy", "image", "csv"]),
    ),
    ("- - -k 1", 2, exact("standard input ('-') can be read only once")),
]

STDIN_CASES = [
    (
        b"",
        2,
        exact("standard input is empty; pipe a file in, e.g. 'convcli ... - < x.csv'"),
    ),
    (
        b"\x00\x01\x02\xff\xfe\x80garbage",
        2,
        exact(
            "standard input is not a format convcli reads (.npy, an image, or UTF-8 text): "
            "byte 0xff at offset 3"
        ),
    ),
    (
        b"1,2\n3\n",
        2,
        exact(
            "line 2 of standard input has 1 cell but line 1 has 2; "
            "every row needs the same number of columns"
        ),
    ),
    # Sniffed as a PNG by its signature, so "not an image format Pillow knows" is wrong.
    (
        b"\x89PNG\r\n\x1a\n\x00\x00junk",
        2,
        r"(?i)Error: cannot read the image on standard input: "
        r".*(truncated|corrupt|incomplete|damaged).*",
    ),
]

BIG = "99999999999999999999"  # more than int64 holds

SETTING_CASES = [
    ("sig.csv -k 1 -s 0", 2, exact("stride must be a positive integer per axis; got 0")),
    ("sig.csv -k 1 -s -1", 2, exact("stride must be a positive integer per axis; got -1")),
    ("sig.csv -k 1 -s a", 2, exact("stride must be whole numbers; got 'a'")),
    ("sig.csv -k 1 -s 1.5", 2, exact("stride must be whole numbers; got '1.5'")),
    (
        "sig.csv -k 1 -s 1,2,3,4",
        2,
        exact("stride takes 1 to 3 comma-separated values; got '1,2,3,4'"),
    ),
    ("sig.csv -k 1 -d 0", 2, exact("dilation must be a positive integer per axis; got 0")),
    (
        "sig.csv -k 1 -p foo",
        2,
        exact(
            "padding must be one of valid, same, full, causal or numbers "
            "(N, a,b or before:after per axis like 1:0,2:2); got 'foo'"
        ),
    ),
    ("sig.csv -k 1 -p -1", 2, exact("padding must not be negative; got '-1'")),
    (
        "sig.csv -k 1 -p 1:2:3",
        2,
        exact("padding per axis is N or before:after; got '1:2:3' in '1:2:3'"),
    ),
    (
        "grid.csv -k '1,1;1,1' -p causal",
        2,
        exact(
            "padding 'causal' works on one sliding axis only (Conv1D); this kernel slides "
            "along 2 axes: use 'same', 'valid' or explicit before:after padding"
        ),
    ),
    # One sliding axis: "1 axis" and "give 1 value", never "1 axes; give 1 or 1 values".
    (
        "sig.csv -k 1 -s 1,2",
        2,
        r"Error: stride has 2 values \(1,2\) but the kernel slides along 1 axis\b(?!.*1 or 1).*",
    ),
    (
        "sig.csv -k 1 -d 1,2",
        2,
        r"Error: dilation has 2 values \(1,2\) but the kernel slides along 1 axis\b"
        r"(?!.*1 or 1).*",
    ),
    # ... and the padding message also names the value received.
    (
        "sig.csv -k 1 -p 1,2",
        2,
        r"Error: padding (?!.*1 or 1).*'?1,2'?.*slides along 1 axis\b.*",
    ),
    # Absurd paddings are bad input (exit 2 naming the value), not an internal error.
    ("sig.csv -k 1 -p " + BIG, 2, rf"Error: .*padding.*{BIG}.*"),
    ("sig.csv -k 1 -p 1:" + BIG, 2, rf"Error: .*padding.*{BIG}.*"),
    ("sig.csv -k 1 -p 9223372036854775807", 2, r"Error: .*padding.*9223372036854775807.*"),
    ("sig.csv -k 1,1,1 -d " + BIG + " -p same", 2, rf"Error: .*(dilation|padding).*{BIG}.*"),
    ("sig.csv -k 1,1,1 -d " + BIG + " -p causal", 2, rf"Error: .*(dilation|padding).*{BIG}.*"),
    (
        "sig.csv -k 1 --pad-mode bad",
        2,
        choice_error(
            "pad.mode", "bad", ["zeros", "constant", "reflect", "symmetric", "edge", "wrap"]
        ),
    ),
    (
        "sig.csv -k 1 --activation bad",
        2,
        choice_error("activation", "bad", ["linear", "relu", "abs", "sigmoid", "tanh"]),
    ),
    (
        "sig.csv -k 1 --dtype float16",
        2,
        choice_error("dtype", "float16", ["float32", "float64"]),
    ),
    ("sig.csv -k 1 --channels bad", 2, choice_error("channels", "bad", ["each", "sum"])),
    (
        "sig.csv -k 1 --normalize bad",
        2,
        choice_error("normalize", "bad", ["auto", "clip", "abs", "minmax", "offset"]),
    ),
    (
        "sig.csv -k 1 --format bad",
        2,
        exact(
            "format must be one of table, csv, tsv, txt, json, npy, png, jpg, tif, bmp, webp; "
            "got 'bad'"
        ),
    ),
    ("sig.csv -k 1 --bias x", 2, exact("bias must be numbers (one, or one per filter); got 'x'")),
    ("sig.csv -k 1 --bias nan", 2, exact("bias must be finite; got 'nan'")),
    (
        "sig.csv -k 1 -k 2 --bias 1,2,3",
        2,
        exact("bias takes one value or one per filter (2); got 3: 1,2,3"),
    ),
    (
        "sig.csv -k 1 --bias 1,2",
        2,
        exact("bias takes one value or one per filter (1); got 2: 1,2"),
    ),
    ("sig.csv -k 1 --pad-value nan", 2, exact("pad value must be a finite number; got nan")),
    ("sig.csv -k 1 --pad-value inf", 2, exact("pad value must be a finite number; got inf")),
    # Typer's "Input should be a valid number" does not say which value was wrong.
    ("sig.csv -k 1 --pad-value x", 2, r"Error: .*pad.value.*'x'.*"),
    ("sig.csv", 2, exact("Missing option '--kernel' / '-k'.")),
    ("sig.csv -k 1 --bogus", 2, exact("No such option: --bogus (Possible options: --bias)")),
]

GEOMETRY_CASES = [
    (
        "sig.csv -k 1,1,1,1,1,1,1",
        2,
        exact(
            "kernel 7 is larger than the input 6 on axis 0, so the output would be empty; "
            "use a smaller kernel or padding 'same'/'full'"
        ),
    ),
    (
        "sig.csv -k 1,1,1 -d 3",
        2,
        exact(
            "kernel 3 (dilated to 7) is larger than the input 6 on axis 0, so the output "
            "would be empty; use a smaller kernel or padding 'same'/'full'"
        ),
    ),
    (
        "sig.csv -k '1,1;1,1'",
        2,
        exact(
            "input has 1 axis (6,) but a 2-D kernel needs 2 (one channel) or 3 (channels "
            "last); use a 1-D kernel (presets with an ndim parameter take one, e.g. "
            "gaussian:ndim=1)"
        ),
    ),
    (
        "vol.npy -k '1,1;1,1'",
        2,
        exact(
            "input has 4 axes (4, 4, 4, 4) but a 2-D kernel needs 2 (one channel) "
            "or 3 (channels last); use a 3-D kernel (presets with an ndim parameter take "
            "one, e.g. gaussian:ndim=3)"
        ),
    ),
    (
        "grid.csv -k '1,1;1,1' -k '1,1,1;1,1,1;1,1,1'",
        2,
        exact(
            "the filters give feature maps of different shapes ((2, 2), (1, 1)); "
            "use kernels of one size, or padding 'same'"
        ),
    ),
    # A 2x2x4 per-channel kernel on 3 channels.
    (
        "rgb.npy -k k224.npy --channels sum",
        2,
        exact(
            "kernel 4 is larger than the input 3 on axis 2, so the output would be empty; "
            "use a smaller kernel or padding 'same'/'full'"
        ),
    ),
]

OUTPUT_CASES = [
    (
        "grid.csv -k 1,1 -o x.xyz",
        2,
        exact(
            "cannot tell the format of 'x.xyz' (suffix '.xyz'); end it with one of "
            ".npy .csv .tsv .txt .json .png .jpg .jpeg .tif .tiff .bmp .webp or give --format"
        ),
    ),
    (
        "photo.png -k '1,1;1,1' -o nope/x.png",
        2,
        exact(
            "cannot write 'nope/x.png': folder 'nope' does not exist (convcli creates no folders)"
        ),
    ),
    (
        "grid.csv -k 1,1 -o existing.csv/x.csv",
        2,
        exact("cannot write 'existing.csv/x.csv': 'existing.csv' is not a folder"),
    ),
    (
        "grid.csv -k 1,1 -o adir --format csv",
        2,
        exact("cannot write 'adir': it is a folder; give a file name such as 'adir/result.csv'"),
    ),
    # A folder is a folder, whether or not --format is given: not "cannot tell the format".
    ("grid.csv -k 1,1 -o adir", 2, r"Error: cannot write 'adir': it is a folder\b.*"),
    ("grid.csv -k 1,1 -o adir/", 2, r"Error: cannot write 'adir/': it is a folder\b.*"),
    (
        "rgb.npy -k '1,1;1,1' -o out.csv",
        2,
        exact(
            "a 3-D result (3x3x3) cannot be written as CSV, which holds rows x columns only; "
            "use .npy or .json"
        ),
    ),
    (
        "sig.csv -k 1,1 -o out.png",
        2,
        exact("a 1-D result cannot be written as an image; use .csv, .npy or .json"),
    ),
    (
        "grid.csv -k 1,1 -o x.csv --format png",
        2,
        exact(
            "--format png contradicts the suffix of 'x.csv' (.csv is csv); "
            "drop --format or change the suffix"
        ),
    ),
    (
        "sig.csv -k 1,1 --output-dir nope",
        2,
        exact("output folder 'nope' does not exist (convcli creates no folders)"),
    ),
    (
        "sig.csv -k 1,1 --output-dir existing.csv",
        2,
        exact("output folder 'existing.csv' is not a folder (convcli creates no folders)"),
    ),
    (
        "sig.csv grid.csv -k 1 -o a.npy",
        2,
        exact(
            "-o names one file but 2 inputs were given; "
            "use --output-dir DIR to write one file per input"
        ),
    ),
    (
        "sig.csv -k 1 -o a.npy --output-dir adir",
        2,
        exact("give -o/--output or --output-dir, not both"),
    ),
    (
        "sig.csv grid.csv -k 1 --format csv",
        2,
        exact("2 inputs with --format csv would mix on standard output; use --output-dir DIR"),
    ),
    (
        "grid.csv -k 1,1 --format table --output-dir adir",
        2,
        exact("--format table prints to the terminal; it cannot be written with --output-dir"),
    ),
    (
        "photo.png -k '1,1;1,1' -o c.png --cmap nope",
        2,
        exact("cmap must be one of grey, gray, viridis, magma, coolwarm; got 'nope'"),
    ),
    (
        "photo.png -k '1,1;1,1' -o c.png --cmap viridis",
        2,
        exact(
            "--cmap needs one-channel maps; got 3 channels (use --channels sum, or a grey input)"
        ),
    ),
    (
        "grid.csv -k 1,1 --split --format csv",
        2,
        exact("--split writes one file per filter; give a file path, not '-'"),
    ),
    # Options that cannot do anything where the result goes are refused, as --cmap is for
    # CSV files and --split for '-' above, rather than silently ignored.
    ("grid.csv -k 1,1 --split", 2, r"Error: --split .*"),
    ("photo.png -k '1,1;1,1' --channels sum --cmap viridis", 2, r"Error: --cmap .*"),
    ("grid.csv -k 1,1 --format table -o t.csv", 2, r"Error: --format table .*"),
    # A failing run leaves an existing output as it was (the snapshot checks its bytes).
    (
        "rgb.npy -k '1,1;1,1' -o existing.csv",
        2,
        exact(
            "a 3-D result (3x3x3) cannot be written as CSV, which holds rows x columns only; "
            "use .npy or .json"
        ),
    ),
    (
        "sig.csv -k 1,1,1,1,1,1,1 -o existing.csv",
        2,
        exact(
            "kernel 7 is larger than the input 6 on axis 0, so the output would be empty; "
            "use a smaller kernel or padding 'same'/'full'"
        ),
    ),
    ("nope.csv -k 1 -o existing.csv", 2, exact("input file not found: 'nope.csv'")),
    ("sig.csv -k abc -o existing.csv", 2, r"Error: unknown kernel 'abc' .*"),
]

ALL_CASES = KERNEL_CASES + INPUT_CASES + SETTING_CASES + GEOMETRY_CASES + OUTPUT_CASES


@pytest.mark.parametrize(("command", "code", "pattern"), ALL_CASES, ids=[c[0] for c in ALL_CASES])
def test_bad_input_fails_cleanly(workdir: Path, command: str, code: int, pattern: str) -> None:
    before = snapshot(workdir)
    result = run_cli("apply", *shlex.split(command))
    assert_clean_failure(result, code, pattern)
    assert snapshot(workdir) == before


@pytest.mark.parametrize(
    ("stdin", "code", "pattern"), STDIN_CASES, ids=[repr(c[0][:12]) for c in STDIN_CASES]
)
def test_bad_standard_input_fails_cleanly(
    workdir: Path, stdin: bytes, code: int, pattern: str
) -> None:
    before = snapshot(workdir)
    result = run_cli("apply", "-", "-k", "1", stdin=stdin)
    assert_clean_failure(result, code, pattern)
    assert snapshot(workdir) == before


def test_output_dir_refuses_to_overwrite_an_image_input(workdir: Path) -> None:
    before = snapshot(workdir)
    result = run_cli("apply", "photo.png", "-k", "1,1;1,1", "--output-dir", ".")
    assert_clean_failure(
        result,
        2,
        exact("--output-dir would overwrite the input 'photo.png'; choose another folder"),
    )
    assert snapshot(workdir) == before


def test_output_dir_refuses_two_inputs_with_one_target(workdir: Path) -> None:
    # sub/grid.csv and grid.csv both become out/grid.npy: the second would silently
    # replace the first result.
    (workdir / "sub").mkdir()
    (workdir / "sub" / "grid.csv").write_bytes(b"10,20\n30,40\n")
    (workdir / "out").mkdir()
    before = snapshot(workdir)
    result = run_cli("apply", "grid.csv", "sub/grid.csv", "-k", "1", "--output-dir", "out")
    assert_clean_failure(
        result, 2, r"Error: .*" + re.escape(os.path.join("out", "grid.npy")) + ".*"
    )
    assert snapshot(workdir) == before


def test_several_inputs_with_a_missing_one_write_nothing(workdir: Path) -> None:
    (workdir / "out").mkdir()
    before = snapshot(workdir)
    result = run_cli("apply", "sig.csv", "nope.csv", "-k", "1", "--output-dir", "out")
    assert_clean_failure(result, 2, exact("input file not found: 'nope.csv'"))
    assert snapshot(workdir) == before  # no out/sig.npy from the first input either


# --- fuzzed option values: exit 0 or one clean Error line, never an internal error ------------

_TOKENS = [*"0123456789,;|:. -+eE=x", "nan", "inf", "gaussian", "box", "size", "sigma", "bump"]
_specs = st.lists(st.sampled_from(_TOKENS), max_size=10).map("".join)
# Paddings stay below 100: huge ones are separate cases above (here they would allocate
# gigabytes, or end in a legitimate "out of memory").
_paddings = (
    st.lists(
        st.sampled_from([*"0123", ",", ":", " ", "-", "x", "same", "valid", "full", "causal"]),
        max_size=8,
    )
    .map("".join)
    .filter(lambda text: all(len(digits) <= 2 for digits in re.findall(r"\d+", text)))
)


def _ok_or_clean_error(result: Result) -> None:
    if result.code != 0:
        assert result.code == 2, result.err
        assert result.out == b""
        lines = result.err.splitlines()
        assert 1 <= len(lines) <= 2, result.err
        assert lines[0].startswith("Error: "), result.err
        assert "internal error" not in result.err


_FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FUZZ
@given(spec=_specs)
def test_fuzzed_kernel_specs(workdir: Path, spec: str) -> None:
    _ok_or_clean_error(run_cli("apply", "grid.csv", "-k", spec))


@pytest.mark.parametrize("option", ["-s", "-d", "--bias"])
@_FUZZ
@given(value=_specs)
def test_fuzzed_numeric_options(workdir: Path, option: str, value: str) -> None:
    _ok_or_clean_error(run_cli("apply", "grid.csv", "-k", "1,1;1,1", option, value))


@_FUZZ
@given(value=_paddings)
def test_fuzzed_paddings(workdir: Path, value: str) -> None:
    _ok_or_clean_error(run_cli("apply", "grid.csv", "-k", "1,1;1,1", "-p", value))


# --- special destinations ---------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_output_into_a_named_pipe_writes_into_it(workdir: Path) -> None:
    # `-o FIFO` (like `-o /dev/null`) must write into the special file, not replace it
    # with a regular file by renaming a temporary file over it.
    os.mkfifo("maps.csv")
    reader = os.open("maps.csv", os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = run_cli("apply", "sig.csv", "-k", "1,1", "-o", "maps.csv")
        try:
            received = os.read(reader, 1000)
        except BlockingIOError:
            received = b""
    finally:
        os.close(reader)
    assert result.code == 0, result.err
    assert stat.S_ISFIFO(os.stat("maps.csv").st_mode)
    assert received == b"3,5,7,9,11\n"


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
def test_output_to_dev_stdout_in_a_pipe(workdir: Path) -> None:
    done = run_process("apply", "sig.csv", "-k", "1,1", "-o", "/dev/stdout", "-f", "csv")
    assert done.stderr == b""
    assert (done.returncode, done.stdout) == (0, b"3,5,7,9,11\n")


# --- real processes: pipes closed by the reader, closed or full stdout, no tracebacks ----------


@pytest.fixture
def big_npy(workdir: Path) -> Path:
    """20000 x 8 values 0..159999: about 1 MB of CSV, far more than a pipe buffers."""
    path = workdir / "big.npy"
    np.save(path, np.arange(160_000, dtype=np.float64).reshape(20_000, 8))
    return path


def test_reader_closing_the_pipe_early_is_quiet(big_npy: Path) -> None:
    command = [sys.executable, "-m", "convcli", "apply", str(big_npy), "-k", "1", "--format", "csv"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.read(16)
        process.stdout.close()
        errors = process.stderr.read()
        code = process.wait(timeout=60)
    assert first == b"0,1,2,3,4,5,6,7\n"
    assert errors == b""
    assert code == 0


@pytest.mark.parametrize(
    ("options", "first_line"),
    [("--format csv", b"0,1,2,3,4,5,6,7\n"), ("", b"shape (20000, 8)  min 0  max 159999\n")],
    ids=["csv", "table"],
)
def test_pipe_into_head_is_quiet(big_npy: Path, options: str, first_line: bytes) -> None:
    python = shlex.quote(sys.executable)
    done = subprocess.run(
        ["bash", "-c", f"{python} -m convcli apply big.npy -k 1 {options} | head -1"],
        cwd=big_npy.parent,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.stderr == b""
    assert done.stdout == first_line


@pytest.mark.parametrize("options", ["", "--format csv"], ids=["table", "csv"])
def test_closed_standard_output_is_one_error_line(workdir: Path, options: str) -> None:
    python = shlex.quote(sys.executable)
    done = subprocess.run(
        ["bash", "-c", f"{python} -m convcli apply sig.csv -k 1 {options} >&-"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert re.fullmatch(r"Error: [^\n]*standard output[^\n]*\n", err), err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("options", [["--format", "csv"], []], ids=["csv", "table"])
def test_full_standard_output_is_one_error_line(workdir: Path, options: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "convcli", "apply", "sig.csv", "-k", "1", *options],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "internal error" not in err, err
    assert "Traceback" not in err, err
    assert re.fullmatch(r"(?i)Error: .*standard output.*no space left on device.*\n", err), err


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ("nope.csv -k 1", 2),
        ("trunc.png -k 1,1;1,1", 2),
        ("sig.csv -k 1 -s 0", 2),
        ("sig.csv -k 1 -p " + BIG, 2),
        ("photo.png -k '1,1;1,1' -o nope/x.png", 2),
    ],
)
def test_no_traceback_from_a_real_process(workdir: Path, command: str, code: int) -> None:
    done = run_process("apply", *shlex.split(command), cwd=str(workdir))
    err = done.stderr.decode()
    assert "Traceback" not in err
    assert err.startswith("Error: "), err
    assert 1 <= len(err.splitlines()) <= 2, err
    assert done.stdout == b""
    assert done.returncode == code, err
