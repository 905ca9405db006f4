"""The tables of `convcli shape` and `convcli kernels`: plain text, rich, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from rich.console import Console

from convcli.render_summary import (
    Summary,
    format_count,
    format_plain,
    padding_text,
    preset_summary,
    presets_csv,
    presets_json,
    print_summary,
    render_rich,
    shape_text,
    stack_json,
    stack_summary,
    stdout_is_terminal,
)


def _layer(
    position: int, text: str, name: str, output: tuple, padding: tuple, params: int, notes=()
):
    return SimpleNamespace(
        position=position,
        text=text,
        name=name,
        output_shape=output,
        padding=padding,
        params=params,
        notes=tuple(notes),
    )


# The contract's small CNN, with the numbers Keras' model.summary() gives for it.
CNN = SimpleNamespace(
    input_shape=(28, 28, 1),
    layers=(
        _layer(1, "Conv2D(32, 3, activation='relu')", "Conv2D", (26, 26, 32), ((0, 0),) * 2, 320),
        _layer(2, "MaxPooling2D(2)", "MaxPooling2D", (13, 13, 32), ((0, 0),) * 2, 0),
        _layer(
            3,
            "Conv2D(64, (3,3), strides=2, padding='same')",
            "Conv2D",
            (7, 7, 64),
            ((1, 1), (1, 1)),
            18496,
            ["'same' with strides 2 gives 7, not 13"],
        ),
        _layer(4, "Flatten()", "Flatten", (3136,), (), 0),
        _layer(5, "Dense(10)", "Dense", (10,), (), 31370),
    ),
    output_shape=(10,),
    total_params=50186,
)

CNN_PLAIN = """\
Layer (type)                                  Output Shape        Padding   Param #
--------------------------------------------  ------------------  --------  -------
Input                                         (None, 28, 28, 1)   -               0
Conv2D(32, 3, activation='relu')              (None, 26, 26, 32)  -             320
MaxPooling2D(2)                               (None, 13, 13, 32)  -               0
Conv2D(64, (3,3), strides=2, padding='same')  (None, 7, 7, 64)    1/1, 1/1   18,496
Flatten()                                     (None, 3136)        -               0
Dense(10)                                     (None, 10)          -          31,370
Total params: 50,186
note: layer 3, Conv2D: 'same' with strides 2 gives 7, not 13"""


def test_the_cnn_summary_as_plain_text() -> None:
    assert format_plain(stack_summary(CNN)) == CNN_PLAIN


def test_plain_lines_never_end_in_spaces() -> None:
    for line in format_plain(stack_summary(CNN)).splitlines():
        assert line == line.rstrip()


def test_a_single_kernel_has_notes_without_a_layer_number() -> None:
    layer = _layer(1, "kernel 4", "kernel", (6,), ((1, 2),), 5, ["'same' pads unevenly"])
    stack = SimpleNamespace(input_shape=(6,), layers=(layer,), output_shape=(6,), total_params=5)
    assert format_plain(stack_summary(stack)).splitlines()[-2:] == [
        "Total params: 5",
        "note: 'same' pads unevenly",
    ]


def test_the_cnn_as_json_is_the_contract_schema() -> None:
    document = json.loads(stack_json(CNN))
    assert list(document) == ["input_shape", "layers", "output_shape", "total_params"]
    assert document["input_shape"] == [28, 28, 1]
    assert document["layers"][2] == {
        "layer": "Conv2D(64, (3,3), strides=2, padding='same')",
        "output_shape": [7, 7, 64],
        "padding": [[1, 1], [1, 1]],
        "params": 18496,
    }
    assert document["layers"][3]["padding"] == []
    assert document["output_shape"] == [10]
    assert document["total_params"] == 50186


def test_unknown_sizes_are_json_null_and_none_in_tables() -> None:
    layer = _layer(1, "Layer()", "Layer", (None, 4), (), 0)
    stack = SimpleNamespace(
        input_shape=(3, 4), layers=(layer,), output_shape=(None, 4), total_params=0
    )
    assert json.loads(stack_json(stack))["output_shape"] == [None, 4]
    assert "(None, None, 4)" in format_plain(stack_summary(stack))


@pytest.mark.parametrize(
    ("shape", "batch", "text"),
    [
        ((26, 26, 32), True, "(None, 26, 26, 32)"),
        ((10,), True, "(None, 10)"),
        ((8,), False, "(8,)"),
    ],
)
def test_shape_text(shape: tuple[int, ...], batch: bool, text: str) -> None:
    assert shape_text(shape, batch=batch) == text


@pytest.mark.parametrize(
    ("padding", "text"),
    [
        ((), "-"),
        (((0, 0), (0, 0)), "-"),
        (((0, 1), (0, 1)), "0/1, 0/1"),
        (((4, 0),), "4/0"),
        (((1, 1), (0, 0), (2, 3)), "1/1, 0/0, 2/3"),
    ],
)
def test_padding_text(padding: tuple[tuple[int, int], ...], text: str) -> None:
    assert padding_text(padding) == text


def test_counts_have_thousands_separators() -> None:
    assert [format_count(n) for n in (0, 999, 1000, 1234567)] == ["0", "999", "1,000", "1,234,567"]


PRESETS = [
    SimpleNamespace(name="bump", shape=(3,), defaults={}, description="1-D bump [0, 1, 0]"),
    SimpleNamespace(
        name="gaussian",
        shape=(5, 5),
        defaults={"size": 5, "sigma": 1.0, "ndim": 2},
        description="blur, weights sum to 1",
    ),
]


def test_preset_list_as_plain_text() -> None:
    assert format_plain(preset_summary(PRESETS)) == (
        "preset    size  parameters                 what it does\n"
        "--------  ----  -------------------------  ----------------------\n"
        "bump      3     -                          1-D bump [0, 1, 0]\n"
        "gaussian  5x5   size=5, sigma=1.0, ndim=2  blur, weights sum to 1"
    )


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_preset_list_as_csv_reads_back(delimiter: str) -> None:
    rows = list(
        csv.reader(io.StringIO(presets_csv(PRESETS, delimiter=delimiter)), delimiter=delimiter)
    )
    assert rows == [
        ["name", "size", "parameters", "description"],
        ["bump", "3", "-", "1-D bump [0, 1, 0]"],
        ["gaussian", "5x5", "size=5, sigma=1.0, ndim=2", "blur, weights sum to 1"],
    ]


def test_preset_list_as_json() -> None:
    assert json.loads(presets_json(PRESETS)) == [
        {"name": "bump", "shape": [3], "parameters": {}, "description": "1-D bump [0, 1, 0]"},
        {
            "name": "gaussian",
            "shape": [5, 5],
            "parameters": {"size": 5, "sigma": 1.0, "ndim": 2},
            "description": "blur, weights sum to 1",
        },
    ]


SMALL = Summary(("name", "count"), (("a", "1"), ("bb", "1,000")), right=(1,), footer=("Total: 2",))


def test_rich_table_in_colour_has_bold_headers_and_totals() -> None:
    console = Console(file=io.StringIO(), width=60, force_terminal=True, color_system="standard")
    render_rich(SMALL, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[1mname" in out
    assert "\x1b[1mTotal: 2\x1b[0m" in out
    assert "╭" in out


def test_rich_table_under_no_color_has_no_escape_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    console = Console(file=io.StringIO(), width=60, force_terminal=True, color_system="standard")
    render_rich(SMALL, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in out
    assert out.splitlines() == [
        "╭──────┬───────╮",
        "│ name │ count │",
        "├──────┼───────┤",
        "│ a    │     1 │",
        "│ bb   │ 1,000 │",
        "╰──────┴───────╯",
        "Total: 2",
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": ""}, False),
        ({"TTY_COMPATIBLE": "1"}, True),
        ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, False),
        ({}, False),
    ],
)
def test_terminal_detection_follows_rich(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: bool
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # not a terminal
    assert stdout_is_terminal() is expected
    assert Console(file=sys.stdout).is_terminal is expected


def test_print_summary_plain_in_a_pipe(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    print_summary(SMALL)
    assert (
        capsys.readouterr().out == "name  count\n----  -----\na         1\nbb    1,000\nTotal: 2\n"
    )


def test_print_summary_as_a_rich_table_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    print_summary(SMALL)
    assert capsys.readouterr().out.splitlines()[0] == "╭──────┬───────╮"


def test_plain_tables_do_not_import_rich() -> None:
    probe = (
        "import sys\n"
        "from convcli.render_summary import Summary, print_summary\n"
        "print_summary(Summary(('a',), (('1',),)))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'numpy', 'PIL')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True, text=True)
    assert done.stdout == "a\n-\n1\n[]\n"
