"""CONTRACT.md's "Worked examples", row by row, at the API level.

The signal ``1..6`` with kernel ``1,10,100`` makes each output a digit string that shows
which input sat under which tap (``321`` = 1*1 + 10*2 + 100*3; a 0 digit is padding), so
the expected values are exact integers. Each row runs through ``convcli.correlate`` and
through ``apply_filters`` (what ``convcli apply`` uses), in float32 and float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import convcli
from convcli.layer import apply_filters

ONE_TO_SIX = [1, 2, 3, 4, 5, 6]
ONE_TO_SEVEN = [1, 2, 3, 4, 5, 6, 7]
DIGITS3 = [1, 10, 100]
DIGITS4 = [1, 10, 100, 1000]
DIGITS5 = [1, 10, 100, 1000, 10000]
BUMP_SIGNAL = [0, 0, 0, 1, 1, 0, 0, 0]
BUMP = [0, 1, 0]  # the 'bump' preset

# (row id, input, kernel, options, expected output)
ROWS: list[tuple[str, list[int], list[int], dict[str, Any], list[int]]] = [
    ("valid", ONE_TO_SIX, DIGITS3, {}, [321, 432, 543, 654]),
    ("same-even-kernel", ONE_TO_SIX, DIGITS4, {"padding": "same"},
     [3210, 4321, 5432, 6543, 654, 65]),
    ("same-stride2", ONE_TO_SIX, DIGITS3, {"padding": "same", "stride": 2}, [321, 543, 65]),
    ("same-stride2-seven", ONE_TO_SEVEN, DIGITS3, {"padding": "same", "stride": 2},
     [210, 432, 654, 76]),
    ("causal", ONE_TO_SIX, DIGITS3, {"padding": "causal"}, [100, 210, 321, 432, 543, 654]),
    ("causal-dilation2", ONE_TO_SIX, DIGITS3, {"padding": "causal", "dilation": 2},
     [100, 200, 310, 420, 531, 642]),
    ("full", ONE_TO_SIX, DIGITS3, {"padding": "full"}, [100, 210, 321, 432, 543, 654, 65, 6]),
    ("pad1-zeros", ONE_TO_SIX, DIGITS3, {"padding": 1, "pad_mode": "zeros"},
     [210, 321, 432, 543, 654, 65]),
    ("pad1-reflect", ONE_TO_SIX, DIGITS3, {"padding": 1, "pad_mode": "reflect"},
     [212, 321, 432, 543, 654, 565]),
    ("pad1-symmetric", ONE_TO_SIX, DIGITS3, {"padding": 1, "pad_mode": "symmetric"},
     [211, 321, 432, 543, 654, 665]),
    ("pad1-edge", ONE_TO_SIX, DIGITS3, {"padding": 1, "pad_mode": "edge"},
     [211, 321, 432, 543, 654, 665]),
    ("pad1-wrap", ONE_TO_SIX, DIGITS3, {"padding": 1, "pad_mode": "wrap"},
     [216, 321, 432, 543, 654, 165]),
    ("pad2-reflect-5tap", ONE_TO_SIX, DIGITS5, {"padding": 2, "pad_mode": "reflect"},
     [32123, 43212, 54321, 65432, 56543, 45654]),
    ("pad2-symmetric-5tap", ONE_TO_SIX, DIGITS5, {"padding": 2, "pad_mode": "symmetric"},
     [32112, 43211, 54321, 65432, 66543, 56654]),
    ("pad-2:0", ONE_TO_SIX, DIGITS3, {"padding": [(2, 0)]}, [100, 210, 321, 432, 543, 654]),
    ("flip", ONE_TO_SIX, DIGITS3, {"flip": True}, [123, 234, 345, 456]),
    ("dilation2", ONE_TO_SIX, DIGITS3, {"dilation": 2}, [531, 642]),
    ("dilation2-stride2-same", ONE_TO_SIX, DIGITS3,
     {"dilation": 2, "stride": 2, "padding": "same"}, [420, 642, 64]),
    ("bump-valid", BUMP_SIGNAL, BUMP, {}, [0, 0, 1, 1, 0, 0]),
    ("bump-same", BUMP_SIGNAL, BUMP, {"padding": "same"}, [0, 0, 0, 1, 1, 0, 0, 0]),
    ("bump-causal", BUMP_SIGNAL, BUMP, {"padding": "causal"}, [0, 0, 0, 0, 1, 1, 0, 0]),
]  # fmt: skip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("signal", "kernel", "options", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in ROWS],
)
def test_worked_example_correlate(
    signal: list[int], kernel: list[int], options: dict[str, Any], expected: list[int], dtype: str
) -> None:
    x, k = np.array(signal, dtype=float), np.array(kernel, dtype=float)
    out = convcli.correlate(x, k, dtype=dtype, **options)
    assert out.dtype == np.dtype(dtype)
    assert out.shape == (len(expected),)
    assert out.tolist() == expected  # exact: every digit string is an integer


@pytest.mark.parametrize(
    ("signal", "kernel", "options", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in ROWS],
)
def test_worked_example_apply_filters(
    signal: list[int], kernel: list[int], options: dict[str, Any], expected: list[int]
) -> None:
    # a CSV row is a 1-D signal without channels: one filter gives just the sliding axis
    maps = apply_filters(np.array(signal, dtype=float), [np.array(kernel, dtype=float)], **options)
    assert maps.data.shape == (len(expected),)
    assert maps.data.tolist() == expected


def test_seed_vertical_line_on_an_8x8_image() -> None:
    image = np.tile(np.array(BUMP_SIGNAL, dtype=float), (8, 1))  # rows [0,0,0,1,1,0,0,0]
    vertical_line = np.array([[0, 1, 0]] * 3, dtype=float)
    expected = [[0, 0, 3, 3, 0, 0]] * 6
    assert convcli.correlate(image, vertical_line).tolist() == expected
    maps = apply_filters(image, [vertical_line])
    assert maps.data.shape == (6, 6)
    assert maps.data.tolist() == expected


def test_seed_vertical_line_on_an_rgb_image_keeps_channels() -> None:
    # The same picture as a colour image: 'each' gives the map once per channel.
    grey = np.tile(np.array(BUMP_SIGNAL, dtype=float), (8, 1)) * 255
    rgb = np.stack([grey, grey, grey], axis=-1)
    vertical_line = np.array([[0, 1, 0]] * 3, dtype=float)
    maps = apply_filters(rgb, [vertical_line])
    assert maps.data.shape == (6, 6, 3)
    assert maps.data[..., 1].tolist() == [[0, 0, 765, 765, 0, 0]] * 6
    summed = apply_filters(rgb, [vertical_line], channels="sum")
    assert summed.data[..., 0].tolist() == [[0, 0, 2295, 2295, 0, 0]] * 6
