"""Terminal renderings pinned as golden files (tests/golden/cases.txt).

A failure prints the difference; if the change is deliberate, regenerate with
``python tests/golden/regenerate.py FILE`` and review the diff.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from regenerate import GOLDEN, read_cases, render

CASES = read_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_rendering_matches_its_golden_file(case: object) -> None:
    code, out, err = render(case)  # type: ignore[arg-type]
    assert code == 0, err
    expected = (GOLDEN / case.name).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True), out.splitlines(keepends=True), "golden", "now"
        )
    )
    assert out == expected, diff


def test_every_golden_file_has_a_case() -> None:
    names = {case.name for case in CASES}
    files = {path.name for path in GOLDEN.glob("*.txt") if path.name != "cases.txt"}
    assert files == names
