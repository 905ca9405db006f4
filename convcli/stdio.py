"""Standard output for data: closed, full or broken streams become clear outcomes.

No NumPy here: every command, ``shape`` included, ends through :func:`stdout_guard`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import BinaryIO

from convcli.errors import WriteFailedError


@contextlib.contextmanager
def stdout_guard() -> Iterator[None]:
    """Write to ``sys.stdout`` inside this block; failures become one clear error.

    On entry a closed standard output (``sys.stdout`` is None: started with ``>&-``)
    raises; on a normal exit ``sys.stdout`` is flushed, so a full disk is reported
    here rather than at exit. A :class:`BrokenPipeError` (the reader went away, as
    with ``| head``) propagates untouched: the CLI ends quietly.

    Raises
    ------
    WriteFailedError
        ``"cannot write to standard output: it is closed"``, or ``"could not write to
        standard output: REASON"`` for any other :class:`OSError`.

    Examples
    --------
    >>> with stdout_guard():
    ...     print("maps")
    maps
    """
    if sys.stdout is None:
        raise WriteFailedError("cannot write to standard output: it is closed")
    with _stdout_errors():
        yield
        sys.stdout.flush()


@contextlib.contextmanager
def _stdout_errors() -> Iterator[None]:
    """OSError (but BrokenPipeError) -> WriteFailedError about standard output."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise WriteFailedError(f"could not write to standard output: {reason}") from None


def write_stdout(payload: bytes, stdout: BinaryIO | None = None) -> None:
    """Write bytes to standard output (``sys.stdout.buffer``) or to ``stdout``, flushed.

    Errors are :func:`stdout_guard`'s: a closed or failing standard output is a
    :class:`~convcli.errors.WriteFailedError`; a :class:`BrokenPipeError` propagates.

    Examples
    --------
    >>> import io
    >>> out = io.BytesIO()
    >>> write_stdout(b"1,2\\n", out)
    >>> out.getvalue()
    b'1,2\\n'
    """
    if stdout is not None:
        with _stdout_errors():
            stdout.write(payload)
            stdout.flush()
        return
    with stdout_guard():
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
