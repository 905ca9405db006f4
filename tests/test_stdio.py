"""Standard output for data: closed streams, full disks and broken pipes."""

from __future__ import annotations

import errno
import io
import sys

import pytest

from convcli.errors import WriteFailedError
from convcli.stdio import stdout_guard, write_stdout


class _FullDisk(io.RawIOBase):
    """A binary stream that refuses every write as /dev/full does."""

    def writable(self) -> bool:
        return True

    def write(self, _: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_stdout_guard_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    with (
        pytest.raises(
            WriteFailedError, match=r"^cannot write to standard output: it is closed$"
        ) as caught,
        stdout_guard(),
    ):
        pass
    assert caught.value.exit_code == 1
    with pytest.raises(WriteFailedError, match=r"^cannot write to standard output: it is closed$"):
        write_stdout(b"x")


def test_stdout_guard_full_disk_is_found_at_the_flush(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(_FullDisk())))
    with (
        pytest.raises(
            WriteFailedError, match=r"^could not write to standard output: no space left on device$"
        ),
        stdout_guard(),
    ):
        print("maps")  # buffered: the error comes with the guard's flush
    with pytest.raises(
        WriteFailedError, match=r"^could not write to standard output: no space left on device$"
    ):
        write_stdout(b"1,2\n")


def test_stdout_guard_lets_a_broken_pipe_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO()))
    with pytest.raises(BrokenPipeError), stdout_guard():
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_write_stdout_writes_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw))
    write_stdout(b"\x93NUMPY")
    assert raw.getvalue() == b"\x93NUMPY"
    explicit = io.BytesIO()
    write_stdout(b"1,2\n", explicit)
    assert explicit.getvalue() == b"1,2\n"


def test_write_stdout_full_explicit_stream() -> None:
    with pytest.raises(
        WriteFailedError, match=r"^could not write to standard output: no space left on device$"
    ):
        write_stdout(b"1\n", io.BufferedWriter(_FullDisk()))
