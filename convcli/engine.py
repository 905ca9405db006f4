"""N-dimensional cross-correlation in NumPy: pad each band, then pick a strategy.

:func:`correlate` is the engine's public entry (scripts, ``convcli.correlate``);
:func:`correlate_normalized` is the same work on validated settings, which
:func:`convcli.layer.apply_filters` (and so ``convcli apply``) calls per channel.

How a correlation runs:

1. :func:`choose_strategy` picks a strategy from the kernel, the output size, the
   stride and the dilation (:func:`strategy_costs` estimates each one's cost).
2. The output is cut into bands of rows (axis 0). :class:`BandSource` builds each band's
   padded input on its own (inside rows of an unpadded input are views, no copy), so
   the whole padded array never exists: memory stays at input + output + a few bands.
3. A band whose input holds NaN or inf runs shift-and-add without skipping zero taps,
   the only order that gives NaN and inf to exactly the outputs whose window covers
   them, as the slow reference does. A band that overflows is summed again tap by tap
   in the reference's order before the overflow is reported.
4. Shift-and-add and separable bands run on two threads when the work is large; the
   BLAS and FFT strategies use their own threads (never both at once).

The strategies (``convcli.strategies``) and when each runs: the cheapest by
:func:`strategy_costs`, a cost model in passes over the output whose constants were
fitted to the strategies' times measured against each other on this project's 2-core
machine with ``OPENBLAS_NUM_THREADS=1`` (as the CLI sets it). For float32 at 4096x4096
(2-D), 10M samples (1-D) and 256^3 (3-D) it gives:

* ``shift_add`` -- one pass per tap over bands that stay in cache (zero taps skipped,
  +-1 taps without a multiply, equal weights summed first; a stride splits a band into
  its stride phases so that only the kept outputs are computed). Dense 2-D 3x3 (5x5 at
  stride 2), line detectors and Sobel, 1-D kernels up to about 9 taps, small strided
  3-D kernels, every kernel on outputs under 16384 values, and every band holding NaN
  or inf.
* ``separable`` -- a rank-1 kernel (box, Gaussian, Scharr; exact integer factors) as
  one 1-D shift-and-add pass per axis: Gaussians from 3x3 up to about 19x19, 3-D ones.
* ``toeplitz`` -- banded-Toeplitz GEMMs (BLAS): dense 2-D 4x4 to 9x9 (7x7 to 11x11 at
  stride 2), 1-D kernels of 10 to about 450 taps, 3x3x3 and 4x4x4.
* ``fft`` -- overlap-save FFT on tiles, nearly independent of the kernel size: dense
  2-D 10x10 and larger (14x14 at stride 2: a stride multiplies its cost per output,
  since the tiles compute every output), 5x5x5 and larger, 1-D from about 450 taps.

Pad modes (``|`` marks the edge of the input ``a b c d``)::

    zeros       0 0 | a b c d | 0 0
    constant    v v | a b c d | v v       (v = pad_value)
    reflect     c b | a b c d | c b       (no edge repeat; numpy/torch "reflect")
    symmetric   b a | a b c d | d c       (edge repeated)
    edge        a a | a b c d | d d
    wrap        c d | a b c d | a b
"""

from __future__ import annotations

import contextlib
import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from convcli.errors import GeometryError, ParameterError, RangeError
from convcli.params import DTYPES, ConvParams, IntsArg, PaddingArg, choice
from convcli.shapes import axes_count, conv_geometry, dilated_span, pads_text
from convcli.strategies.separable import Separable, rank1_factors
from convcli.strategies.shift_add import ShiftAdd, Workspace, shift_add_plan
from convcli.strategies.threads import run_shares

# convcli's pad-mode names -> numpy.pad's.
_NUMPY_PAD_MODES = {
    "zeros": "constant",
    "constant": "constant",
    "reflect": "reflect",
    "symmetric": "symmetric",
    "edge": "edge",
    "wrap": "wrap",
}


def pad_input(
    x: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str, value: float = 0.0
) -> np.ndarray:
    """Pad ``x`` by ``(before, after)`` per axis with a convcli pad mode.

    Examples
    --------
    >>> import numpy as np
    >>> pad_input(np.array([1.0, 2, 3]), ((2, 2),), "reflect").tolist()
    [3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]
    >>> pad_input(np.array([1.0, 2, 3]), ((1, 1),), "constant", 9).tolist()
    [9.0, 1.0, 2.0, 3.0, 9.0]
    """
    if not any(before or after for before, after in pads):
        return x
    numpy_mode = _NUMPY_PAD_MODES[mode]
    if numpy_mode == "constant":
        fill = value if mode == "constant" else 0.0
        return np.pad(x, pads, mode="constant", constant_values=fill)
    padded: np.ndarray = np.pad(x, pads, mode=numpy_mode)  # type: ignore[call-overload]
    return padded


def dtype_name(dtype: object) -> str:
    """``"float32"`` or ``"float64"`` from a name or a NumPy type; else a ParameterError.

    Examples
    --------
    >>> import numpy as np
    >>> dtype_name(np.float64)
    'float64'
    """
    if not isinstance(dtype, str):
        with contextlib.suppress(TypeError):
            dtype = np.dtype(dtype).name  # type: ignore[call-overload]
    return choice(str(dtype), DTYPES, name="dtype")


def as_float_array(value: Any, *, name: str, dtype: str) -> np.ndarray:
    """``value`` as a non-empty array of ``dtype``; a clear error for anything else.

    Examples
    --------
    >>> as_float_array([[1, 2], [3]], name="input", dtype="float32")
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: input must be a rectangular array of numbers; ...
    """
    try:
        array = np.asarray(value)
    except ValueError as exc:
        raise ParameterError(f"{name} must be a rectangular array of numbers; {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ParameterError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if 0 in array.shape:
        raise GeometryError(f"{name} has an empty axis: shape {array.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        cast = array.astype(dtype, copy=False)
    # Narrowing a float only turns values past the range into inf: an all-finite cast
    # needs no comparison with the original.
    if (
        cast is not array
        and array.dtype.kind == "f"
        and not all_finite(cast)
        and not np.array_equal(np.isfinite(array), np.isfinite(cast))
    ):
        raise RangeError(
            f"{name} holds values beyond the range of {dtype} (about "
            f"{float(np.finfo(dtype).max):.2g}); use --dtype float64"
        )
    return cast


def all_finite(a: np.ndarray) -> bool:
    """Whether ``a`` holds no NaN and no inf.

    Examples
    --------
    >>> import numpy as np
    >>> all_finite(np.array([1.0, 2.0])), all_finite(np.array([1.0, np.nan]))
    (True, False)
    """
    return bool(np.isfinite(a).all())


def check_finite_result(result: np.ndarray, *, inputs_finite: bool) -> None:
    """Refuse a result that overflowed to infinity from finite inputs.

    Examples
    --------
    >>> import numpy as np
    >>> check_finite_result(np.array([np.inf], dtype=np.float32), inputs_finite=True)
    Traceback (most recent call last):
    ...
    convcli.errors.RangeError: the result overflows float32 (beyond about 3.4e+38); ...
    """
    if inputs_finite and not all_finite(result):
        raise RangeError(
            f"the result overflows {result.dtype} (beyond about "
            f"{float(np.finfo(result.dtype).max):.2g}); use --dtype float64 or smaller weights"
        )


def axes_text(shape: tuple[int, ...]) -> str:
    """``"1 axis (5,)"`` / ``"2 axes (6, 7)"``.

    Examples
    --------
    >>> axes_text((5,))
    '1 axis (5,)'
    """
    return f"{axes_count(len(shape))} {shape}"


def correlate(
    x: Any,
    kernel: Any,
    *,
    stride: IntsArg = 1,
    padding: PaddingArg = "valid",
    pad_mode: str = "zeros",
    pad_value: float = 0.0,
    dilation: IntsArg = 1,
    flip: bool = False,
    dtype: str = "float32",
) -> np.ndarray:
    """Cross-correlate ``x`` with ``kernel`` (1-D, 2-D or 3-D, no channels axis).

    Parameters
    ----------
    x : array_like
        The input, with as many axes as the kernel.
    kernel : array_like
        The weights; they slide along every axis of ``x``.
    stride, dilation : int or sequence of int
        One value for every axis, or one per axis.
    padding : str, int or sequence
        ``"valid"``, ``"same"`` (Keras/TensorFlow split), ``"full"``, ``"causal"``
        (1-D only), ``N`` for every side, one int per axis, or ``(before, after)``
        pairs per axis.
    pad_mode : str
        ``zeros``, ``constant`` (with ``pad_value``), ``reflect``, ``symmetric``,
        ``edge`` or ``wrap``.
    pad_value : float
        The fill for ``pad_mode="constant"``.
    flip : bool
        True convolution: reverse the kernel on every axis first.
    dtype : {"float32", "float64"}
        Arithmetic and result type (``convcli apply``'s ``--dtype``).

    Returns
    -------
    numpy.ndarray
        A new array of ``dtype``, shaped as :func:`convcli.shapes.conv_output_shape`.

    Raises
    ------
    ConvcliError
        A ``ValueError`` subclass whose message is the CLI's, for bad settings or
        geometry.

    Examples
    --------
    >>> correlate([1, 2, 3, 4, 5, 6], [1, 10, 100]).tolist()
    [321.0, 432.0, 543.0, 654.0]
    >>> correlate([1, 2, 3, 4, 5, 6], [1, 10, 100], padding="same", stride=2).tolist()
    [321.0, 543.0, 65.0]
    >>> correlate([1, 2, 3, 4, 5, 6], [1, 10, 100], flip=True).tolist()
    [123.0, 234.0, 345.0, 456.0]
    """
    dt = dtype_name(dtype)
    data = as_float_array(x, name="input", dtype=dt)
    weights = as_float_array(kernel, name="kernel", dtype=dt)
    if not 1 <= weights.ndim <= 3:
        raise GeometryError(f"a kernel must have 1, 2 or 3 axes; got shape {weights.shape}")
    if data.ndim != weights.ndim:
        raise GeometryError(
            f"input has {axes_text(data.shape)} but the kernel has {weights.ndim} "
            f"{weights.shape}; correlate() takes arrays without a channels axis"
        )
    params = ConvParams.build(
        weights.ndim,
        stride=stride,
        padding=padding,
        pad_mode=pad_mode,
        pad_value=pad_value,
        dilation=dilation,
        flip=flip,
    )
    return correlate_normalized(data, weights, params)


# The largest padded input convcli will build (8 GiB of float32): past this, padding is
# a typo, and NumPy would fail with an allocation error or an integer overflow.
MAX_PADDED_ELEMENTS = 2**31


def check_work_size(shape: tuple[int, ...], pads: tuple[tuple[int, int], ...]) -> None:
    """Refuse a padding that would make an absurdly large padded input.

    Examples
    --------
    >>> check_work_size((3, 3), ((50000, 50000), (50000, 50000)))
    Traceback (most recent call last):
    ...
    convcli.errors.GeometryError: padding 50000:50000,50000:50000 makes the padded input ...
    """
    padded = tuple(n + b + a for n, (b, a) in zip(shape, pads, strict=True))
    if math.prod(padded) > MAX_PADDED_ELEMENTS:
        text = pads_text(pads)
        raise GeometryError(
            f"padding {text} makes the padded input {padded}, "
            f"{math.prod(padded):.3g} values: more than convcli handles "
            f"({MAX_PADDED_ELEMENTS:.3g}); use a smaller padding or dilation"
        )


# Every strategy's name, as :func:`choose_strategy` answers and ``strategy=`` forces.
STRATEGIES = ("shift_add", "separable", "toeplitz", "fft")


def check_pad_value(value: float, dtype: np.dtype[Any]) -> None:
    """Refuse a constant pad value that ``dtype`` cannot hold.

    Examples
    --------
    >>> check_pad_value(1e300, np.dtype("float32"))
    Traceback (most recent call last):
    ...
    convcli.errors.RangeError: pad value 1e+300 is beyond the range of float32; use --dtype float64
    """
    if abs(value) > float(np.finfo(dtype).max):
        raise RangeError(f"pad value {value:g} is beyond the range of {dtype}; use --dtype float64")


def correlate_normalized(
    x: np.ndarray, kernel: np.ndarray, params: ConvParams, *, strategy: str | None = None
) -> np.ndarray:
    """The engine proper, on validated float arrays and normalised settings.

    ``x`` and ``kernel`` share ndim and dtype; the result has that dtype.
    ``strategy`` forces one of :data:`STRATEGIES` (for tests and benchmarks); by default
    :func:`choose_strategy` picks one. The work runs in bands of output rows, each band
    padded on its own (:class:`BandSource`); a band whose input holds NaN or inf runs
    shift-and-add without skipping zero taps instead, so that NaN and inf reach exactly
    the outputs whose window covers them.

    Examples
    --------
    >>> import numpy as np
    >>> params = ConvParams.build(1, padding="same", pad_mode="edge")
    >>> correlate_normalized(np.array([1.0, 2, 4]), np.array([1.0, 1, 1]), params).tolist()
    [4.0, 7.0, 10.0]
    """
    pads, out_shape = conv_geometry(
        x.shape,
        kernel.shape,
        stride=params.stride,
        dilation=params.dilation,
        padding=params.padding,
    )
    check_work_size(x.shape, pads)
    check_pad_value(params.pad_value, x.dtype)
    weights = kernel[(slice(None, None, -1),) * kernel.ndim] if params.flip else kernel
    weights = np.ascontiguousarray(weights, dtype=x.dtype)
    if strategy is None:
        name = choose_strategy(weights, out_shape, stride=params.stride, dilation=params.dilation)
    else:
        name = choice(strategy, STRATEGIES, name="strategy")
    out = np.empty(out_shape, dtype=x.dtype)
    source = BandSource(x, pads, params.pad_mode, params.pad_value)
    _run_banded(name, source, weights, params, out)
    return out


def strategy_function(name: str) -> Callable[..., None]:
    """The strategy function ``convcli.strategies.<name>.correlate_<name>``.

    Looked up on every call, so that tests can watch which strategy runs.

    Examples
    --------
    >>> strategy_function("shift_add").__name__
    'correlate_shift_add'
    """
    module = importlib.import_module(f"convcli.strategies.{name}")
    function: Callable[..., None] = getattr(module, f"correlate_{name}")
    return function


# --- choosing a strategy ------------------------------------------------------------------

# Costs are in "passes": one NumPy ufunc pass over an output-sized band in cache (about
# 1.7 ms per 4096x4096 float32 output on this project's 2-core machine). The constants
# are fitted to strategy times measured against each other in one run, per rank (BLAS
# and FFT scale differently from the passes), with OPENBLAS_NUM_THREADS=1 (as the CLI
# sets it: toeplitz and fft then share their blocks between two Python threads);
# re-fit them when a strategy changes.
SMALL_OUTPUT = 1 << 14  # below this many outputs set-up dominates: no BLAS, no FFT
BAND_OVERHEAD = 12.0  # per input value: padding and looking at a band, a fresh output
PHASE_SPLIT = 2.0  # per input value: copying a band into its stride phases
SEPARABLE_SCALE = 0.85  # 1-D passes gain more from two threads than 2-D ones
SEPARABLE_AXIS = 2.0  # each axis pass writes (and the next reads) an intermediate band
# toeplitz: base + per_mac * (GEMM multiply-adds per output, see strategy_costs)
TOEPLITZ = {1: (24.0, 0.16), 2: (26.0, 0.2), 3: (14.0, 0.235)}
TOEPLITZ_ROW_STRIDE = 0.1  # per extra step of axis 0's stride, beyond the wider band matrix
FFT_PASSES = {1: 100.0, 2: 62.0, 3: 78.0}  # one output of a stride-1 tiled FFT


def strategy_costs(
    weights: np.ndarray,
    out_shape: tuple[int, ...],
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> dict[str, float]:
    """Estimated cost, in passes per output, of each strategy that suits this case.

    * shift_add: the tap plan's passes (zeros skipped, +-1 without multiply, equal
      weights summed first) plus the band overhead; more when the last axis is strided.
    * separable (rank-1 kernels only): each axis pass's plan, weighted by the size of
      what it writes, plus the band overhead.
    * toeplitz: the GEMM's multiply-adds per output (a block of ``B`` outputs reads
      ``(B - 1) * stride + span`` cells per kernel row), plus copying them.
    * fft: a constant per output at stride 1, times the stride (the tiles compute every
      output and keep the strided ones), growing as the span eats into the tile.

    Examples
    --------
    >>> import numpy as np
    >>> costs = strategy_costs(np.ones((3, 3)), (4096, 4096), stride=(1, 1), dilation=(1, 1))
    >>> sorted(costs), costs["shift_add"]
    (['fft', 'separable', 'shift_add', 'toeplitz'], 20.0)
    """
    ndim, size = weights.ndim, math.prod(out_shape)
    direct = shift_add_plan(weights, stride=stride, dilation=dilation, skip_zeros=True)
    # Padding and looking at a band (and splitting it into stride phases for strides
    # past axis 0) cost per input value, and each output reads prod(stride) of them.
    reads = math.prod(stride) * (BAND_OVERHEAD + (direct.mode == "phases") * PHASE_SPLIT)
    costs = {"shift_add": direct.passes + reads}
    factors = rank1_factors(weights)
    if factors is not None:
        separable = Separable(factors, stride=stride, dilation=dilation, skip_zeros=True)
        used = tuple(
            (n - 1) * s + dilated_span(k, d)
            for n, k, s, d in zip(out_shape, weights.shape, stride, dilation, strict=True)
        )
        passes = SEPARABLE_SCALE * separable.cost(used, out_shape) / size
        passes += SEPARABLE_AXIS * ndim
        costs["separable"] = passes + BAND_OVERHEAD * math.prod(stride)
    if size < SMALL_OUTPUT:
        return costs
    from convcli.strategies import fft, toeplitz  # their block and tile sizes

    spans = [dilated_span(k, d) for k, d in zip(weights.shape, dilation, strict=True)]
    # A block of B outputs along axis 0 reads (B - 1) * stride + span cells there, for
    # every tap of the other axes: the GEMM's multiply-adds per output.
    block = toeplitz.BLOCK_1D if ndim == 1 else toeplitz.BLOCK_ROWS
    macs = ((block - 1) * stride[0] + spans[0]) * math.prod(weights.shape[1:])
    base, per_mac = TOEPLITZ[ndim]
    # A stride on the later axes makes the copy into the GEMM's operand a gather that
    # reads a cache line per value: measured, the cost per output grows with it.
    strided = math.prod(stride[1:]) * (1 + (stride[0] - 1) * TOEPLITZ_ROW_STRIDE)
    costs["toeplitz"] = (base + per_mac * macs) * strided
    tile = fft.TILE[ndim]
    if all(span < tile // 2 for span in spans):
        waste = math.prod(tile / (tile - span + 1) for span in spans)
        costs["fft"] = FFT_PASSES[ndim] * math.prod(stride) * waste
    return costs


def choose_strategy(
    weights: np.ndarray,
    out_shape: tuple[int, ...],
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    finite: bool = True,
) -> str:
    """The name of the strategy the engine runs for this kernel and output.

    The cheapest by :func:`strategy_costs`; ``finite=False`` (an input holding NaN or
    inf) always gives ``"shift_add"``, the only strategy that propagates them exactly
    (the engine also makes that switch band by band).

    Parameters
    ----------
    weights : numpy.ndarray
        The kernel (already flipped), in the working dtype.
    out_shape : tuple of int
        The output's shape.
    stride, dilation : tuple of int
        One per axis.
    finite : bool
        Whether the input (and kernel) hold only finite values.

    Returns
    -------
    str
        One of :data:`STRATEGIES`.

    Examples
    --------
    >>> import numpy as np
    >>> line = np.array([[0.0, 1, 0]] * 3)
    >>> choose_strategy(line, (4096, 4096), stride=(1, 1), dilation=(1, 1))
    'shift_add'
    >>> choose_strategy(np.ones((15, 15)), (4096, 4096), stride=(1, 1), dilation=(1, 1))
    'separable'
    """
    if not finite:
        return "shift_add"
    costs = strategy_costs(weights, out_shape, stride=stride, dilation=dilation)
    return min(costs, key=costs.__getitem__)  # ties keep the first: shift_add


# --- running band by band -----------------------------------------------------------------


def source_indices(index: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Where each (possibly outside) index of an axis of length ``n`` reads from; -1 = fill.

    Pads longer than the axis repeat the pattern, as ``numpy.pad`` does.

    Examples
    --------
    >>> import numpy as np
    >>> source_indices(np.array([-2, -1, 4, 5]), 4, "reflect").tolist()
    [2, 1, 2, 1]
    >>> source_indices(np.array([-1, 4]), 4, "symmetric").tolist()
    [0, 3]
    >>> source_indices(np.array([-1, 0, 4]), 4, "zeros").tolist()
    [-1, 0, -1]
    """
    index = np.asarray(index)
    inside = (index >= 0) & (index < n)
    if mode in ("zeros", "constant"):
        mapped = np.full_like(index, -1)
    elif mode == "edge":
        mapped = np.clip(index, 0, n - 1)
    elif mode == "wrap":
        mapped = index % n
    elif mode == "symmetric":
        m = index % (2 * n)
        mapped = np.where(m < n, m, 2 * n - 1 - m)
    elif mode == "reflect":
        if n == 1:  # nothing to reflect off: numpy repeats the single value
            mapped = np.zeros_like(index)
        else:
            m = index % (2 * (n - 1))
            mapped = np.where(m < n, m, 2 * (n - 1) - m)
    else:
        raise ValueError(f"unknown pad mode {mode!r}")
    result: np.ndarray = np.where(inside, index, mapped)
    return result


class BandSource:
    """Bands of rows (axis 0) of the padded input, built one band at a time.

    ``rows(start, stop)`` equals ``pad_input(x, pads, mode, value)[start:stop]`` but
    never pads the whole array: inside rows of a C-contiguous input without padding on
    the other axes are a view of ``x``; any other band is copied into a reusable buffer
    and padded there.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(6.0).reshape(2, 3)
    >>> source = BandSource(x, ((1, 1), (1, 0)), "edge", 0.0)
    >>> source.rows(0, 2, Workspace()).tolist()
    [[0.0, 0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0]]
    """

    def __init__(
        self, x: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str, value: float
    ) -> None:
        self.x = x
        self.pads = pads
        self.mode = mode
        self.fill = value if mode == "constant" else 0.0
        self.shape = tuple(n + b + a for n, (b, a) in zip(x.shape, pads, strict=True))
        self.tail_padded = any(b or a for b, a in pads[1:])
        self.inner = tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[1:], pads[1:], strict=True))
        # Per later axis: (pad slice, interior positions it copies) for each side.
        self.tail_maps: list[tuple[int, slice, np.ndarray | None]] = []
        constant = mode in ("zeros", "constant")
        for axis, (n, (before, after)) in enumerate(zip(x.shape[1:], pads[1:], strict=True), 1):
            for side, positions in (
                (slice(0, before), np.arange(-before, 0)),
                (slice(before + n, before + n + after), np.arange(n, n + after)),
            ):
                if positions.size:
                    mapped = None if constant else before + source_indices(positions, n, mode)
                    self.tail_maps.append((axis, side, mapped))

    def rows(self, start: int, stop: int, ws: Workspace) -> np.ndarray:
        """Padded rows ``[start, stop)``, C-contiguous."""
        x, n0 = self.x, self.x.shape[0]
        lo, hi = start - self.pads[0][0], stop - self.pads[0][0]
        if lo >= 0 and hi <= n0 and not self.tail_padded and x.flags.c_contiguous:
            return x[lo:hi]
        band = ws.get("padded", (stop - start, *self.shape[1:]), x.dtype)
        first, last = max(lo, 0), min(hi, n0)
        if first < last:
            band[(slice(first - lo, last - lo), *self.inner)] = x[first:last]
        outside = np.concatenate([np.arange(lo, min(hi, 0)), np.arange(max(lo, n0), hi)])
        for i, src in zip(outside, source_indices(outside, n0, self.mode), strict=True):
            if src < 0:
                band[i - lo] = self.fill
            else:
                band[(i - lo, *self.inner)] = x[src]
        for axis, side, mapped in self.tail_maps:
            where = (slice(None),) * axis + (side,)
            if mapped is None:
                band[where] = self.fill
            else:
                band[where] = np.take(band, mapped, axis=axis)
        return band


# Output elements x passes below which a second thread costs more than it saves.
THREAD_MIN_WORK = 1 << 22
# Padded elements per band for the BLAS and FFT strategies (64 MiB of float32, a whole
# 4096x4096 image): they tile a band their own way, and a band cut across their tiles
# wastes a partial tile (up to 30% for FFT at 1024 rows); the bound keeps the padded
# copy of a huge input to one band.
LARGE_BAND_ELEMENTS = 1 << 24


class _Function:
    """A strategy function with the fixed signature, run on bands like the runners."""

    def __init__(self, name: str, weights: np.ndarray, params: ConvParams) -> None:
        self.function = strategy_function(name)
        self.weights = weights
        self.stride, self.dilation = params.stride, params.dilation
        self.passes = weights.size
        # Tiles and transforms reach sums no simple bound covers: always check the output.
        self.growth = math.inf

    def input_rows(self, out_rows: int) -> int:
        k0 = int(self.weights.shape[0])
        return (out_rows - 1) * self.stride[0] + dilated_span(k0, self.dilation[0])

    def band_rows(self, padded_shape: tuple[int, ...]) -> int:
        pitch = math.prod(padded_shape[1:])
        return max(1, LARGE_BAND_ELEMENTS // max(1, pitch * self.stride[0]))

    def __call__(self, padded: np.ndarray, out: np.ndarray, ws: Workspace) -> None:
        self.function(padded, self.weights, stride=self.stride, dilation=self.dilation, out=out)


def _run_banded(
    name: str, source: BandSource, weights: np.ndarray, params: ConvParams, out: np.ndarray
) -> None:
    """Run strategy ``name`` band by band into ``out``; shift-and-add and separable on two
    threads when the work is large enough.

    Each band is padded on its own and its min and max are taken: a band holding NaN or
    inf runs shift-and-add without skipping zeros (exact propagation); a finite band runs
    the strategy, and its output is checked for overflow only when ``max|band|`` times
    the strategy's growth bound could reach the dtype's range. An overflow is confirmed
    by summing the taps again in the reference's order before it is reported.
    """
    stride, dilation = params.stride, params.dilation
    weights_finite = all_finite(weights)

    def plan(*, skip_zeros: bool, group: bool) -> ShiftAdd:
        return shift_add_plan(
            weights, stride=stride, dilation=dilation, skip_zeros=skip_zeros, group=group
        )

    fast: ShiftAdd | Separable | _Function
    if name == "separable":
        factors = rank1_factors(weights)
        if factors is None:
            raise ParameterError(
                f"strategy 'separable' needs a rank-1 kernel; got shape {weights.shape}"
            )
        fast = Separable(factors, stride=stride, dilation=dilation, skip_zeros=True)
    elif name == "shift_add":
        fast = plan(skip_zeros=True, group=True)
    else:
        fast = _Function(name, weights, params)

    limit = float(np.finfo(out.dtype).max) / 2
    rows = fast.band_rows(source.shape)
    bands = [(r0, min(out.shape[0], r0 + rows)) for r0 in range(0, out.shape[0], rows)]
    # BLAS and FFT strategies use their own threads; never mix them with ours.
    work = out.size * (fast.passes if isinstance(fast, ShiftAdd) else 2 * weights.ndim)
    ours = not isinstance(fast, _Function)
    threads = 2 if ours and work >= THREAD_MIN_WORK and len(bands) > 1 else 1

    # Both threads take the next band from one iterator (next() on a list iterator is
    # atomic under the GIL): a thread that the OS delays takes fewer bands instead of
    # holding up the other one at the end.
    queue = iter(bands)

    def bands_share() -> None:
        ws = Workspace()
        for r0, r1 in queue:
            start = r0 * stride[0]
            stop = start + fast.input_rows(r1 - r0)
            target = out[r0:r1]
            # A padded copy of the band even for inside rows: reading those in place,
            # with padded strips only at the edges, measured 15-25% slower at 4096x4096.
            band = source.rows(start, stop, ws)
            if isinstance(fast, _Function):
                # BLAS and FFT spread a NaN or inf over its whole block or tile, so a
                # finite output proves a finite band; a non-finite one is redone below.
                fast(band, target, ws)
                if weights_finite and all_finite(target):
                    continue
                largest = max(abs(float(band.min())), abs(float(band.max())))
            else:
                # Zero taps are skipped, so look at the band itself (in cache now): min
                # and max carry NaN and inf, and bound the output against overflow.
                largest = max(abs(float(band.min())), abs(float(band.max())))
                if weights_finite and math.isfinite(largest):
                    fast(band, target, ws)
                    if largest * fast.growth < limit or all_finite(target):
                        continue
            if not (weights_finite and math.isfinite(largest)):
                plan(skip_zeros=False, group=False)(band, target, ws)  # exact NaN and inf
                continue
            # A grouped or transformed sum may overflow where the plain one does not.
            plan(skip_zeros=True, group=False)(band, target, ws)
            check_finite_result(target, inputs_finite=True)

    def share(index: int, shares: int) -> None:
        with np.errstate(over="ignore", invalid="ignore"):  # per thread; checked above
            bands_share()

    run_shares(share, threads)
