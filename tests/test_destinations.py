"""Tests for convcli.destinations: format names, output checks, and --output-dir targets."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli.destinations import (
    BINARY_FORMATS,
    DATA_FORMATS,
    FILE_FORMATS,
    FORMAT_ALIASES,
    IMAGE_FORMATS,
    PRINT_FORMATS,
    REPORT_SUFFIXES,
    SUFFIXES,
    OutputPlan,
    canonical_format,
    check_output,
    check_report,
    is_special_file,
)
from convcli.errors import OutputError, ParameterError

ALL_SUFFIXES = ".npy .csv .tsv .txt .json .png .jpg .jpeg .tif .tiff .bmp .webp"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------
# names


def test_format_names() -> None:
    assert DATA_FORMATS == ("csv", "tsv", "txt", "json", "npy")
    assert IMAGE_FORMATS == ("png", "jpg", "tif", "bmp", "webp")
    assert FILE_FORMATS == DATA_FORMATS + IMAGE_FORMATS
    assert PRINT_FORMATS[0] == "table"
    assert PRINT_FORMATS[1:] == FILE_FORMATS
    assert BINARY_FORMATS == ("npy", "png", "jpg", "tif", "bmp", "webp")
    assert FORMAT_ALIASES == {"jpeg": "jpg", "tiff": "tif"}
    assert " ".join(SUFFIXES) == ALL_SUFFIXES
    assert set(SUFFIXES.values()) == set(FILE_FORMATS)


def test_canonical_format() -> None:
    assert canonical_format("jpeg") == "jpg"
    assert canonical_format("TIFF") == "tif"
    assert canonical_format("Table") == "table"
    with pytest.raises(
        ParameterError,
        match=r"^format must be one of table, csv, tsv, txt, json, npy, png, jpg, tif, bmp, "
        r"webp; got 'GIF'$",
    ):
        canonical_format("GIF")


_NAMES = st.sampled_from([*PRINT_FORMATS, *FORMAT_ALIASES])


@given(name=_NAMES, upper=st.lists(st.booleans(), min_size=6, max_size=6))
def test_canonical_format_ignores_case(name: str, upper: list[bool]) -> None:
    mixed = "".join(c.upper() if up else c for c, up in zip(name, upper, strict=False))
    assert canonical_format(mixed) == FORMAT_ALIASES.get(name, name)
    assert canonical_format(mixed) in PRINT_FORMATS


@given(name=st.text(max_size=8))
def test_canonical_format_refuses_everything_else(name: str) -> None:
    known = {*PRINT_FORMATS, *FORMAT_ALIASES}
    if name.lower() in known:
        return
    with pytest.raises(ParameterError) as caught:
        canonical_format(name)
    assert str(caught.value).endswith(f"; got '{name}'")


def test_destinations_import_neither_numpy_nor_pillow() -> None:
    script = "import sys, convcli.destinations; print('numpy' in sys.modules, 'PIL' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.stdout, done.stderr) == ("False False\n", "")


# ---------------------------------------------------------------------------
# check_output


@pytest.mark.parametrize(
    ("destination", "fmt", "expected"),
    [
        ("r.csv", None, "csv"),
        ("R.JSON", None, "json"),
        ("maps.jpeg", None, "jpg"),
        ("maps.TIFF", "tif", "tif"),
        ("maps.jpg", "JPEG", "jpg"),
        ("result.dat", "tsv", "tsv"),  # an unknown suffix: --format decides
        ("result", "npy", "npy"),
        ("-", "png", "png"),
    ],
)
def test_check_output_resolves_the_format(
    workdir: Path, destination: str, fmt: str | None, expected: str
) -> None:
    assert check_output(destination, fmt=fmt) == expected
    assert os.listdir(workdir) == []  # checks only


def test_check_output_format_errors(workdir: Path) -> None:
    with pytest.raises(
        OutputError,
        match=r"^cannot tell the format of 'out\.xyz' \(suffix '\.xyz'\); end it with one of "
        + re.escape(ALL_SUFFIXES)
        + " or give --format$",
    ):
        check_output("out.xyz")
    with pytest.raises(OutputError, match=r"^cannot tell the format of 'result' \(no suffix\);"):
        check_output("result")
    with pytest.raises(
        OutputError,
        match=r"^--format npy contradicts the suffix of 'x\.png' \(\.png is png\); "
        r"drop --format or change the suffix$",
    ):
        check_output("x.png", fmt="npy")
    with pytest.raises(ParameterError, match=r"^format must be one of .*; got 'gif'$"):
        check_output("x.gif", fmt="gif")
    with pytest.raises(
        ParameterError,
        match=r"^--format table prints to the terminal; it cannot be written to 'x\.csv': "
        r"drop --format or choose csv, tsv, txt, json, npy or an image format$",
    ):
        check_output("x.csv", fmt="table")
    with pytest.raises(
        OutputError,
        match=r"^writing to standard output \('-'\) needs --format: one of csv, tsv, txt, "
        r"json, npy, png, jpg, tif, bmp, webp$",
    ):
        check_output("-")


def test_check_output_option_errors(workdir: Path) -> None:
    with pytest.raises(
        OutputError, match=r"^--split writes one file per filter; give a file path, not '-'$"
    ):
        check_output("-", fmt="png", split=True)
    with pytest.raises(OutputError, match=r"^--cmap colours image outputs; 'x\.npy' is NPY data$"):
        check_output("x.npy", cmap="viridis")
    with pytest.raises(
        OutputError,
        match=r"^--cmap colours image outputs; standard output \('-'\) is CSV data$",
    ):
        check_output("-", fmt="csv", cmap="viridis")
    assert check_output("x.png", cmap="viridis", split=True) == "png"


def test_check_output_path_errors(workdir: Path) -> None:
    (workdir / "adir").mkdir()
    (workdir / "afile").write_text("x")
    with pytest.raises(
        OutputError,
        match=r"^cannot write 'adir': it is a folder; give a file name such as "
        r"'adir/result\.npy'$",
    ):
        check_output("adir")
    with pytest.raises(
        OutputError, match=r"^cannot write 'adir': it is a folder; .* 'adir/result\.csv'$"
    ):
        check_output("adir", fmt="csv")
    with pytest.raises(
        OutputError,
        match=r"^cannot write 'nope/x\.png': folder 'nope' does not exist "
        r"\(convcli creates no folders\)$",
    ):
        check_output("nope/x.png")
    with pytest.raises(
        OutputError, match=r"^cannot write 'afile/x\.csv': 'afile' is not a folder$"
    ):
        check_output("afile/x.csv")
    assert sorted(os.listdir(workdir)) == ["adir", "afile"]


@pytest.mark.usefixtures("owner_access")
def test_check_output_permissions(workdir: Path) -> None:
    (workdir / "locked").mkdir()
    (workdir / "locked").chmod(0o500)
    (workdir / "ro.csv").write_text("old\n")
    (workdir / "ro.csv").chmod(0o444)
    try:
        with pytest.raises(
            OutputError,
            match=r"^cannot write 'locked/x\.png': permission denied; "
            r"choose a folder you can write to$",
        ):
            check_output("locked/x.png")
        with pytest.raises(
            OutputError,
            match=r"^cannot write 'ro\.csv': permission denied \(the file is read-only\); "
            r"choose another file name$",
        ):
            check_output("ro.csv")
    finally:
        (workdir / "locked").chmod(0o700)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_special_files_are_written_in_place() -> None:
    assert is_special_file("/dev/null")
    assert not is_special_file(__file__)
    assert not is_special_file(os.path.dirname(__file__))
    assert check_output("/dev/null", fmt="csv") == "csv"  # /dev itself need not be writable


# ---------------------------------------------------------------------------
# OutputPlan.build: refused before anything is loaded


def test_plan_checks_the_output_file_first(workdir: Path) -> None:
    with pytest.raises(OutputError, match=r"^cannot tell the format of 'out\.xyz'"):
        OutputPlan.build(["nope.csv"], output="out.xyz", output_dir=None, fmt=None)
    with pytest.raises(OutputError, match=r"^cannot write 'nope/x\.png': folder 'nope' does not"):
        OutputPlan.build(["a.png"], output="nope/x.png", output_dir=None, fmt=None)
    with pytest.raises(OutputError, match=r"^--cmap colours image outputs; 'x\.csv' is CSV data$"):
        OutputPlan.build(["a.png"], output="x.csv", output_dir=None, fmt=None, cmap="magma")
    with pytest.raises(
        OutputError, match=r"^--split writes one file per filter; give a file path, not '-'$"
    ):
        OutputPlan.build(["a.csv"], output=None, output_dir=None, fmt="csv", split=True)
    with pytest.raises(OutputError, match=r"^--split writes one file per filter; .*not '-'$"):
        OutputPlan.build(["a.csv"], output="-", output_dir=None, fmt="png", split=True)


def test_plan_build_combinations(workdir: Path) -> None:
    with pytest.raises(
        ParameterError,
        match=r"^--split is for image files; the maps are printed as a table here: "
        r"add -o FILE\.png or --output-dir DIR$",
    ):
        OutputPlan.build(["a.csv"], output="-", output_dir=None, fmt=None, split=True)
    with pytest.raises(ParameterError, match=r"^give -o/--output or --output-dir, not both$"):
        OutputPlan.build(["a.csv"], output="a.npy", output_dir=".", fmt=None)
    with pytest.raises(ParameterError, match=r"^standard input \('-'\) can be read only once$"):
        OutputPlan.build(["-", "-"], output=None, output_dir=".", fmt=None)
    with pytest.raises(
        OutputError, match=r"^output folder 'nope' does not exist \(convcli creates no folders\)$"
    ):
        OutputPlan.build(["a.csv"], output=None, output_dir="nope", fmt=None)
    with pytest.raises(
        ParameterError, match=r"^2 inputs with --format csv would mix on standard output; "
    ):
        OutputPlan.build(["a.csv", "b.csv"], output=None, output_dir=None, fmt="csv")


def test_plan_keeps_canonical_settings(workdir: Path) -> None:
    plan = OutputPlan.build(["a.png"], output="m.tiff", output_dir=None, fmt="TIFF", cmap="magma")
    assert (plan.output, plan.fmt, plan.cmap, plan.split) == ("m.tiff", "tif", "magma", False)
    assert plan.destination_for("a.png", stem="a", suffix=".png", kind="image") == "m.tiff"
    printed = OutputPlan.build(["a.png"], output=None, output_dir=None, fmt=None)
    assert printed.destination_for("a.png", stem="a", suffix=".png", kind="image") is None


def test_plan_is_an_honest_mutable_dataclass() -> None:
    plan = OutputPlan(output=None, output_dir="out", fmt=None)
    assert not plan.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert "claimed" in {f.name for f in dataclasses.fields(plan)}
    plan.destination_for("a.csv", stem="a", suffix=".csv", kind="text")
    assert plan.claimed == {os.path.join("out", "a.npy"): "a.csv"}


# ---------------------------------------------------------------------------
# --output-dir targets


@pytest.mark.parametrize(
    ("stem", "suffix", "kind", "fmt", "name"),
    [
        ("photo", ".png", "image", None, "photo.png"),
        ("photo", ".JPEG", "image", None, "photo.jpeg"),
        ("scan", ".tif", "image", None, "scan.tif"),
        ("anim", ".gif", "image", None, "anim.png"),  # GIF cannot be written: PNG
        ("x", ".dat", "image", None, "x.png"),  # a sniffed image with an unknown suffix
        ("stdin", "", "image", None, "stdin.png"),
        ("sig", ".csv", "text", None, "sig.npy"),
        ("arr", ".npy", "npy", None, "arr.npy"),
        ("photo", ".png", "image", "csv", "photo.csv"),
        ("sig", ".csv", "text", "jpg", "sig.jpg"),
    ],
)
def test_output_dir_names(
    workdir: Path, stem: str, suffix: str, kind: str, fmt: str | None, name: str
) -> None:
    (workdir / "out").mkdir()
    plan = OutputPlan.build([stem + suffix], output=None, output_dir="out", fmt=fmt)
    plan.check_targets([(stem + suffix, stem, suffix, kind)])
    target = plan.destination_for(stem + suffix, stem=stem, suffix=suffix, kind=kind)
    assert target == os.path.join("out", name)


def test_check_targets_refuses_before_any_work(workdir: Path) -> None:
    (workdir / "out").mkdir()
    (workdir / "photo.png").write_bytes(b"png")
    plan = OutputPlan.build(["a/x.csv", "b/x.csv"], output=None, output_dir="out", fmt=None)
    with pytest.raises(
        OutputError,
        match=r"^inputs 'a/x\.csv' and 'b/x\.csv' would both be written to 'out/x\.npy'; "
        r"give inputs different names or run them separately$",
    ):
        plan.check_targets([("a/x.csv", "x", ".csv", "text"), ("b/x.csv", "x", ".csv", "text")])
    own = OutputPlan.build(["photo.png"], output=None, output_dir=".", fmt=None)
    with pytest.raises(
        OutputError,
        match=r"^--output-dir would overwrite the input 'photo\.png'; choose another folder$",
    ):
        own.check_targets([("photo.png", "photo", ".png", "image")])
    coloured = OutputPlan.build(["s.csv"], output=None, output_dir="out", fmt=None, cmap="magma")
    with pytest.raises(
        OutputError, match=r"^--cmap colours image outputs; 'out/s\.npy' is NPY data$"
    ):
        coloured.check_targets([("s.csv", "s", ".csv", "text")])
    (workdir / "out" / "taken.npy").mkdir()
    folder = OutputPlan.build(["taken.csv"], output=None, output_dir="out", fmt=None)
    with pytest.raises(OutputError, match=r"^cannot write 'out/taken\.npy': it is a folder;"):
        folder.check_targets([("taken.csv", "taken", ".csv", "text")])


def test_check_targets_waits_for_sniffed_kinds(workdir: Path) -> None:
    # a.dat and standard input may turn out images (out/a.png): --cmap is not refused for
    # a name that is not known yet, and no clash with a.npy is claimed early.
    (workdir / "out").mkdir()
    coloured = OutputPlan.build(
        ["a.dat", "-"], output=None, output_dir="out", fmt=None, cmap="grey"
    )
    coloured.check_targets([("a.dat", "a", ".dat", None), ("-", "stdin", "", None)])
    plan = OutputPlan.build(["a.dat", "a.npy"], output=None, output_dir="out", fmt=None)
    plan.check_targets([("a.dat", "a", ".dat", None), ("a.npy", "a", ".npy", "npy")])
    # should the sniff say "npy", the clash is caught when the target is handed out
    assert plan.destination_for("a.npy", stem="a", suffix=".npy", kind="npy") == "out/a.npy"
    with pytest.raises(OutputError, match=r"^inputs 'a\.npy' and 'a\.dat' would both be written"):
        plan.destination_for("a.dat", stem="a", suffix=".npy", kind="npy")


@pytest.mark.usefixtures("owner_access")
def test_check_targets_refuses_a_read_only_folder(workdir: Path) -> None:
    (workdir / "out").mkdir()
    (workdir / "out").chmod(0o500)
    try:
        plan = OutputPlan.build(["s.csv", "-"], output=None, output_dir="out", fmt=None)
        with pytest.raises(
            OutputError,
            match=r"^cannot write 'out/s\.npy': permission denied; choose a folder you can",
        ):
            plan.check_targets([("s.csv", "s", ".csv", "text")])
        with pytest.raises(
            OutputError,
            match=r"^cannot write 'out/stdin\.npy': permission denied; choose a folder you can",
        ):
            plan.check_targets([("-", "stdin", "", None)])
    finally:
        (workdir / "out").chmod(0o700)


def test_destination_for_catches_clashes_and_own_input(workdir: Path) -> None:
    (workdir / "photo.png").write_bytes(b"png")
    plan = OutputPlan.build(["photo.png"], output=None, output_dir=".", fmt=None)
    with pytest.raises(OutputError, match=r"^--output-dir would overwrite the input 'photo\.png'"):
        plan.destination_for("photo.png", stem="photo", suffix=".png", kind="image")
    assert plan.claimed == {}


# ---------------------------------------------------------------------------
# --report


def test_check_report_formats(workdir: Path) -> None:
    assert REPORT_SUFFIXES == {".html": "html", ".htm": "html", ".png": "png"}
    assert check_report("sheet.HTML", inputs=["a.png"]) == "html"
    assert check_report("sheet.htm", inputs=["a.png"]) == "html"
    assert check_report("sheet.png", inputs=["a.png"], output="maps.png") == "png"
    assert check_report("s.png", inputs=["-"]) == "png"


def test_check_report_refusals(workdir: Path) -> None:
    (workdir / "a.png").write_bytes(b"png")
    (workdir / "folder").mkdir()
    cases = [
        ("s.pdf", ["a.png"], None, OutputError,
         "--report writes .html (one self-contained file) or .png; got 's.pdf'"),
        ("s", ["a.png"], None, OutputError,
         "--report writes .html (one self-contained file) or .png; got 's'"),
        ("-", ["a.png"], None, OutputError,
         "--report needs a file path ending .html or .png; got '-' (standard output)"),
        ("/dev/stdout", ["a.png"], None, OutputError,
         "--report needs a file path ending .html or .png; got '/dev/stdout' (standard output)"),
        ("folder", ["a.png"], None, OutputError,
         "cannot write 'folder': it is a folder; give a file name such as 'folder/report.html'"),
        ("no/s.html", ["a.png"], None, OutputError,
         "cannot write 'no/s.html': folder 'no' does not exist (convcli creates no folders)"),
        ("a.png", ["a.png"], None, OutputError,
         "--report would overwrite the input 'a.png'; choose another file name"),
        ("m.png", ["a.png"], "./m.png", OutputError,
         "--report and the feature maps would both be written to 'm.png'; "
         "give the report another file name"),
        ("s.html", ["a.png", "b.png"], None, ParameterError,
         "--report makes a sheet about one input; got 2 inputs: run one input at a time"),
    ]  # fmt: skip
    for path, inputs, output, error, message in cases:
        with pytest.raises(error, match="^" + re.escape(message) + "$"):
            check_report(path, inputs=inputs, output=output)
