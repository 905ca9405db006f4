"""The progress bar shows on standard error only when it is a terminal, never with -q."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "sample_images"
IMAGES = [str(SAMPLES / name) for name in ("photo.png", "photo-grey.png", "step-edge.png")]


def run_with_terminal_stderr(*args: str) -> tuple[int, bytes, bytes]:
    """Run convcli with standard error on a pseudo-terminal; return code, stdout, stderr."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("CI", None)  # rich treats CI as "no live display"
    process = subprocess.Popen(
        [sys.executable, "-m", "convcli", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    stderr = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: the process is done
            break
        if not chunk:
            break
        stderr += chunk
    stdout, _ = process.communicate(timeout=60)
    os.close(leader)
    return process.returncode, stdout, stderr


@pytest.fixture
def blur_args(tmp_path: Path) -> list[str]:
    """Three images blurred into a folder: long enough work to start the bar."""
    return ["apply", *IMAGES, "-k", "gaussian", "-p", "same", "--output-dir", str(tmp_path)]


def test_several_inputs_show_a_bar_on_a_terminal(blur_args: list[str]) -> None:
    code, stdout, stderr = run_with_terminal_stderr(*blur_args, "--normalize", "clip")
    assert code == 0, stderr
    assert stdout == b""
    assert b"convcli" in stderr
    assert b"100%" in stderr


def test_quiet_shows_no_bar(blur_args: list[str]) -> None:
    code, _, stderr = run_with_terminal_stderr(*blur_args, "-q")
    assert code == 0
    assert stderr == b""


def test_no_bar_when_stderr_is_not_a_terminal(blur_args: list[str]) -> None:
    command = [sys.executable, "-m", "convcli", *blur_args, "--normalize", "clip"]
    done = subprocess.run(command, capture_output=True, check=False)
    assert done.returncode == 0
    assert b"convcli" not in done.stderr
    assert b"\x1b[" not in done.stderr
