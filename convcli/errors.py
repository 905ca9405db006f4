"""The one exception family convcli raises; its messages are user interface.

Every error a user can cause is a :class:`ConvcliError`. The CLI prints it as one
``Error: ...`` line on standard error and exits with :attr:`ConvcliError.exit_code`
(2 for bad usage or input, 1 for anything else). Library callers catch it as the
``ValueError`` it also is.

Examples
--------
>>> try:
...     raise ParameterError("stride must be a positive integer per axis; got 0")
... except ValueError as exc:
...     print(exc, exc.exit_code)
stride must be a positive integer per axis; got 0 2
"""

from __future__ import annotations


class ConvcliError(ValueError):
    """Base of every error convcli reports to a user.

    Messages name the problem, the rule and the value at fault, and fit on one or
    two lines.
    """

    exit_code: int = 2


class ParameterError(ConvcliError):
    """An option value is malformed or out of range (stride 0, unknown mode, ...)."""


class KernelError(ConvcliError):
    """A kernel spec cannot be read: bad file, bad inline numbers, unknown preset."""


class InputError(ConvcliError):
    """An input cannot be read: missing file, corrupt image, malformed CSV, ..."""


class GeometryError(ConvcliError):
    """Input, kernel and settings do not fit together (kernel larger than input, ...)."""


class RangeError(ConvcliError):
    """Values do not fit the arithmetic type (float32 overflows past about 3.4e38)."""


class OutputError(ConvcliError):
    """A result cannot be written where or how it was asked (bad suffix, missing folder)."""


class WriteFailedError(ConvcliError):
    """The operating system refused a write that should have worked (disk full, ...)."""

    exit_code = 1
