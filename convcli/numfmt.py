"""Numbers as text, in the two ways convcli writes them.

* :func:`format_number` / :func:`format_flat`: exact, for data (CSV, JSON, kernel
  files): integral values without ``.0``, everything else the shortest text that
  reads back to the same value of its dtype.
* :func:`format_compact`: short, for people (terminal tables, notes): integers
  exact, other values to four significant digits.
"""

from __future__ import annotations

import math

import numpy as np

from convcli.errors import OutputError


def format_number(value: float, dtype: np.dtype | type | str) -> str:
    """Write one number as the text formats do.

    Integral values that ``dtype`` holds exactly (up to 2**24 for float32, 2**53 for
    float64) are written as integers (``"321"``, never ``"321.0"``; ``-0`` as ``"0"``);
    any other value is the shortest text that reads back to the same ``dtype`` value
    (NumPy's, so large or tiny ones use an exponent: ``"1e-05"``); NaN and infinities
    are ``"nan"``, ``"inf"``, ``"-inf"``.

    Examples
    --------
    >>> import numpy as np
    >>> [format_number(v, np.float32) for v in (0.1, 321.0, -0.0, 1e-5, 2.0**25)]
    ['0.1', '321', '0', '1e-05', '3.3554432e+07']
    >>> format_number(0.1, np.float64), format_number(7, "int16")
    ('0.1', '7')
    """
    return format_flat(np.array([value], dtype=np.dtype(dtype)))[0]


def format_flat(array: np.ndarray) -> list[str]:
    """Every element of ``array`` (C order) as :func:`format_number` writes it.

    Examples
    --------
    >>> import numpy as np
    >>> format_flat(np.array([[1.0, 0.5], [-0.0, 3e9]], dtype=np.float32))
    ['1', '0.5', '0', '3e+09']
    """
    flat = np.ravel(array)
    kind = flat.dtype.kind
    if kind in "iub":
        return [str(int(v)) for v in flat.tolist()]
    if kind != "f":
        raise OutputError(f"cannot write values of type {flat.dtype} as text; use .npy")
    # Up to 2**(mantissa bits + 1) every integer is exact, so its digits are the value.
    limit = min(2.0 ** (np.finfo(flat.dtype).nmant + 1), 2.0**62)
    with np.errstate(invalid="ignore"):
        integral = np.isfinite(flat) & (np.abs(flat) <= limit) & (flat == np.trunc(flat))
    texts = np.empty(flat.size, dtype=object)
    texts[integral] = [str(v) for v in flat[integral].astype(np.int64).tolist()]
    texts[~integral] = [_shortest(v) for v in flat[~integral]]
    result: list[str] = texts.tolist()
    return result


def _shortest(value: np.floating) -> str:
    """NumPy's shortest round-trip text for one float scalar, without ``.0`` or ``-0``."""
    text = str(value)
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def format_compact(v: float) -> str:
    """One value for people to read (tables, notes): short, exact for integers.

    Integral values print without a decimal point (``-0`` prints as ``0``); others
    keep four significant digits, or one decimal more than their integer part has
    when that is longer (so ``1284.5`` stays ``1284.5``).

    Parameters
    ----------
    v : float
        The value (any real number, NumPy scalars included).

    Returns
    -------
    str
        The value as printed in a table.

    Examples
    --------
    >>> [format_compact(v) for v in (321.0, -0.0, -3.0, 0.1234567, 1284.5, 2.5e-7)]
    ['321', '0', '-3', '0.1235', '1284.5', '2.5e-07']
    >>> [format_compact(v) for v in (float("nan"), float("-inf"), 1e20)]
    ['nan', '-inf', '1e+20']
    """
    x = float(v)
    if x == 0:
        return "0"  # also turns -0.0 into 0
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    if 1 <= abs(x) < 1e6:
        # Never round away the integer part: 1284.5 must not look like 1284.
        digits = len(str(int(abs(x))))
        return f"{x:.{max(4, digits + 1)}g}"
    return f"{x:.4g}"
