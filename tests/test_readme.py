"""The README is part of the product: its quick start is what CI runs, and every
`console` example in it produces exactly the output printed under it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def console_examples() -> list[tuple[str, str]]:
    """(command, expected output) pairs from the README's ```console blocks."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for chunk in block.split("$ ")[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command, output))
    return examples


def test_quick_start_is_two_commands_and_ci_runs_both() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "sample_images/" in commands[0]
    assert "-o " in commands[0]  # writes an image the user can open
    assert "pytest" in commands[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    for command in commands:
        assert command in ci_lines


def test_readme_has_examples() -> None:
    assert len(console_examples()) >= 15


@pytest.mark.parametrize(("command", "expected"), console_examples())
def test_console_example_output(command: str, expected: str) -> None:
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    env.pop("NO_COLOR", None)
    env["COLUMNS"] = "100"
    process = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False
    )
    shown = process.stderr.decode() + process.stdout.decode()
    assert shown == expected
    assert "Traceback" not in shown
