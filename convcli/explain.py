"""Step records for ``convcli explain``: the arithmetic of chosen output cells, as data.

:func:`explain` runs the engine (:func:`convcli.layer.apply_filters`, so every value,
check and message is ``convcli apply``'s), then, for each output position asked, records
what the tutorials draw by hand: which input cells sit under the kernel (padding cells
marked, with the value the pad mode puts there), the kernel as used (flipped under
``flip``), the element-wise products, their sum, the bias, the activation and the value
written. Nothing here prints; :mod:`convcli.render_explain` draws the records.

Index conventions: a *position* indexes the sliding axes of the output; ``Step.index``
indexes the whole feature-map array (with its last axis of channels x filters when it has
one). Input coordinates are those of the unpadded input, so padding cells have negative
coordinates or coordinates past the end (``-1`` is the cell just before the first).

Examples
--------
>>> import numpy as np
>>> ex = explain(np.array([0, 0, 0, 1, 1, 0, 0, 0]), [np.array([0, 1, 0])], at=["2"])
>>> step = ex.filters[0].steps[0]
>>> step.position, step.axes[0].positions, step.window[..., 0].tolist(), step.value
((2,), (2, 3, 4), [0.0, 1.0, 1.0], 1.0)
>>> ex.filters[0].geometry.output_shape
(6,)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from convcli.engine import as_float_array, dtype_name
from convcli.errors import ParameterError
from convcli.featuremaps import FeatureMaps
from convcli.layer import ACTIVATION_FUNCTIONS, apply_filters, bias_values
from convcli.params import ConvParams, IntsArg, PaddingArg
from convcli.shapes import Pair, conv_geometry

__all__ = [
    "DEFAULT_POSITIONS",
    "AxisTaps",
    "Explanation",
    "FilterExplanation",
    "Geometry",
    "Step",
    "activate",
    "explain",
    "parse_positions",
    "resolve_positions",
    "source_index",
]

# Without --at, the first few positions are explained; the rest are counted.
DEFAULT_POSITIONS = 3


@dataclass(frozen=True)
class Geometry:
    """How one filter slides over the input: the numbers of the header line.

    Parameters
    ----------
    input_shape : tuple of int
        The whole input, channels axis included when it has one.
    channels : int or None
        Size of the input's channels axis; None when it has none.
    channel_rule : {"each", "sum"}
    kernel_shape : tuple of int
        The kernel as given (a per-channel kernel under ``sum`` has a last axis of
        channels).
    per_channel : bool
        Whether the kernel holds one weight plane per input channel.
    stride, dilation : tuple of int
        One value per sliding axis.
    padding_rule : str
        ``valid``, ``same``, ``full``, ``causal``, or ``explicit`` for numbers.
    padding : tuple of (int, int)
        Cells added before and after the input on each sliding axis.
    pad_mode : str
        What the padding holds (``zeros``, ``constant``, ``reflect``, ...).
    pad_value : float
        The fill of ``zeros`` (0) and ``constant`` padding.
    output_shape : tuple of int
        The whole feature-map array (what ``convcli apply`` writes).
    sliding_output : tuple of int
        Output positions along the sliding axes.
    flip : bool
        True convolution: the kernel is reversed on every sliding axis.
    dtype : str
        Arithmetic precision.
    """

    input_shape: tuple[int, ...]
    channels: int | None
    channel_rule: str
    kernel_shape: tuple[int, ...]
    per_channel: bool
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding_rule: str
    padding: tuple[Pair, ...]
    pad_mode: str
    pad_value: float
    output_shape: tuple[int, ...]
    sliding_output: tuple[int, ...]
    flip: bool
    dtype: str

    @property
    def sliding_ndim(self) -> int:
        """Number of axes the kernel slides along."""
        return len(self.sliding_output)

    @property
    def sliding_shape(self) -> tuple[int, ...]:
        """The input's sliding axes (without the channels axis)."""
        return self.input_shape[: self.sliding_ndim]

    @property
    def padded(self) -> bool:
        """Whether any side of any axis is padded."""
        return any(before or after for before, after in self.padding)


@dataclass(frozen=True)
class AxisTaps:
    """Where a window's taps fall along one sliding axis.

    Parameters
    ----------
    positions : tuple of int
        Input coordinate under each tap; below 0 or from ``length`` on it is padding.
    sources : tuple of int or None
        The input coordinate whose value each tap reads: the position itself inside
        the input; for padding, the cell that ``reflect``, ``symmetric``, ``edge`` or
        ``wrap`` copies, or None where ``zeros``/``constant`` fill it.
    length : int
        The input's length on this axis.
    dilation : int
        Distance between taps: ``dilation - 1`` input cells are skipped between two.
    """

    positions: tuple[int, ...]
    sources: tuple[int | None, ...]
    length: int
    dilation: int

    @property
    def padding(self) -> tuple[bool, ...]:
        """Whether each tap falls on padding."""
        return tuple(not 0 <= p < self.length for p in self.positions)

    @property
    def skipped(self) -> tuple[int, ...]:
        """Input coordinates between the first and last tap that no tap reads (the gaps).

        Examples
        --------
        >>> AxisTaps((0, 2, 4), (0, 2, 4), 6, 2).skipped
        (1, 3)
        """
        taken = set(self.positions)
        return tuple(p for p in range(self.positions[0], self.positions[-1]) if p not in taken)


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not records
class Step:
    """One output cell, worked out: the window under the kernel and the arithmetic.

    Arrays are shaped ``kernel's sliding shape + (spanned channels,)``: slot ``j`` of
    the last axis is input channel ``channels[j]`` (one slot for an input without
    channels, and for ``--channels each``, which explains every channel on its own).

    Parameters
    ----------
    filter : int
        Index of the filter (``-k``), from 0.
    label : str
        The filter's name as the user gave it.
    position : tuple of int
        Output position along the sliding axes.
    index : tuple of int
        The cell in the whole feature-map array.
    channels : tuple of int
        Input channels the window reads (empty without a channels axis).
    axes : tuple of AxisTaps
        Tap coordinates per sliding axis; the window is their outer product.
    weights : numpy.ndarray
        The kernel as used (flipped under ``flip``), one plane per slot.
    window : numpy.ndarray
        The input values under the taps; padding cells hold the pad mode's value.
    padding : numpy.ndarray
        bool, the kernel's sliding shape: which taps fall on padding.
    products : numpy.ndarray
        ``window * weights``, element-wise, in the arithmetic's precision.
    total : float
        The sum of the products over taps and channels, exactly (``math.fsum``).
    bias : float
    activation : str
    pre_activation : float
        ``total + bias``.
    value : float
        The engine's value at ``index``: what ``convcli apply`` writes there. It equals
        ``activation(pre_activation)`` up to the rounding of the engine's float32 (or
        float64) arithmetic, exactly for whole numbers of moderate size.
    """

    filter: int
    label: str
    position: tuple[int, ...]
    index: tuple[int, ...]
    channels: tuple[int, ...]
    axes: tuple[AxisTaps, ...]
    weights: np.ndarray
    window: np.ndarray
    padding: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    activation: str
    pre_activation: float
    value: float

    def input_index(self, tap: tuple[int, ...]) -> tuple[int, ...] | None:
        """The input cell (sliding axes) under kernel tap ``tap``, or None on padding.

        Examples
        --------
        >>> import numpy as np
        >>> ex = explain(np.arange(6.0), [[1, 1, 1]], padding="same", at=["0"])
        >>> step = ex.filters[0].steps[0]
        >>> step.input_index((0,)), step.input_index((1,))
        (None, (0,))
        """
        if self.padding[tap]:
            return None
        return tuple(axis.positions[t] for axis, t in zip(self.axes, tap, strict=True))

    def source_index(self, tap: tuple[int, ...]) -> tuple[int, ...] | None:
        """The input cell whose value tap ``tap`` reads (a copy for padding), or None.

        None means a ``zeros``/``constant`` padding cell, which holds the fill value.
        """
        sources = [axis.sources[t] for axis, t in zip(self.axes, tap, strict=True)]
        if any(s is None for s in sources):
            return None
        return tuple(s for s in sources if s is not None)

    def partial(self, slot: int = 0, plane: int | None = None) -> float:
        """Exact sum of the products of one channel slot (and one kernel plane, for 3-D)."""
        products = self.products[..., slot]
        if plane is not None:
            products = products[plane]
        return math.fsum(products.ravel().tolist())


@dataclass(frozen=True, eq=False)
class FilterExplanation:
    """One filter's geometry and its explained steps.

    Parameters
    ----------
    index : int
    label : str
    geometry : Geometry
    steps : tuple of Step
        Position by position; under ``--channels each`` every channel of a position
        in turn.
    """

    index: int
    label: str
    geometry: Geometry
    steps: tuple[Step, ...]


@dataclass(frozen=True, eq=False)
class Explanation:
    """Everything ``convcli explain`` shows.

    Parameters
    ----------
    filters : tuple of FilterExplanation
    positions : tuple of tuple of int
        The output positions explained (along the sliding axes).
    omitted : int
        Positions left unexplained when none were asked for (0 with ``at``).
    maps : FeatureMaps
        The whole result, as ``convcli apply`` computes it.
    """

    filters: tuple[FilterExplanation, ...]
    positions: tuple[tuple[int, ...], ...]
    omitted: int
    maps: FeatureMaps


def parse_positions(texts: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    """Parse ``--at`` values: comma-separated whole numbers, one per sliding axis.

    Examples
    --------
    >>> parse_positions(["2", "0, -1"])
    ((2,), (0, -1))
    >>> parse_positions(["1.5"])
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: --at takes whole numbers, one per sliding axis, ...
    """
    positions = []
    for text in texts:
        try:
            position = tuple(int(part.strip()) for part in text.split(","))
        except ValueError:
            raise ParameterError(
                "--at takes whole numbers, one per sliding axis, comma-separated "
                f"(--at 2, --at 0,3); got '{text}'"
            ) from None
        positions.append(position)
    return tuple(positions)


def resolve_positions(
    positions: Sequence[tuple[int, ...]], shape: tuple[int, ...]
) -> tuple[tuple[int, ...], ...]:
    """Check positions against the output's sliding ``shape``; negatives count from the end.

    Repeated positions are kept once, in the order first given.

    Examples
    --------
    >>> resolve_positions([(0, -1), (0, 5)], (6, 6))
    ((0, 5),)
    >>> resolve_positions([(6,)], (6,))
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: --at 6 is outside the output's 6 positions: axis 0 runs ...
    """
    resolved: dict[tuple[int, ...], None] = {}
    grid = " x ".join(map(str, shape))
    for position in positions:
        text = ",".join(map(str, position))
        if len(position) != len(shape):
            count = "index" if len(position) == 1 else "indices"
            axes = "1 axis" if len(shape) == 1 else f"{len(shape)} axes"
            example = ",".join("0" for _ in shape)
            raise ParameterError(
                f"--at {text} has {len(position)} {count} but the kernel slides along {axes} "
                f"({grid} output positions); give {len(shape)}, e.g. --at {example}"
            )
        cell = []
        for axis, (i, n) in enumerate(zip(position, shape, strict=True)):
            if not -n <= i < n:
                raise ParameterError(
                    f"--at {text} is outside the output's {grid} positions: axis {axis} runs "
                    f"0 to {n - 1} (or -{n} to -1 from the end)"
                )
            cell.append(i % n)
        resolved[tuple(cell)] = None
    return tuple(resolved)


def source_index(position: int, length: int, mode: str) -> int | None:
    """The input cell a padded coordinate copies under ``mode``; None for a fill value.

    Matches ``numpy.pad`` (and so the engine), for padding of any width.

    Examples
    --------
    >>> [source_index(p, 4, "reflect") for p in (-2, -1, 4, 5)]
    [2, 1, 2, 1]
    >>> [source_index(p, 4, m) for m in ("symmetric", "edge", "wrap") for p in (-1, 4)]
    [0, 3, 0, 3, 3, 0]
    >>> source_index(-1, 4, "zeros") is None
    True
    """
    if 0 <= position < length:
        return position
    if mode in ("zeros", "constant"):
        return None
    if mode == "edge":
        return min(max(position, 0), length - 1)
    if mode == "wrap":
        return position % length
    if mode == "symmetric":  # d c b a | a b c d | d c b a: period 2n
        q = position % (2 * length)
        return q if q < length else 2 * length - 1 - q
    if length == 1:  # reflect of one cell can only repeat it (numpy does the same)
        return 0
    q = position % (2 * length - 2)  # reflect: d c b | a b c d | c b a: period 2n - 2
    return q if q < length else 2 * length - 2 - q


def explain(
    x: Any,
    kernels: Sequence[Any],
    *,
    labels: Sequence[str] | None = None,
    at: Sequence[str] | Sequence[tuple[int, ...]] | None = None,
    limit: int = DEFAULT_POSITIONS,
    channels: str = "each",
    stride: IntsArg = 1,
    padding: PaddingArg = "valid",
    pad_mode: str = "zeros",
    pad_value: float = 0.0,
    dilation: IntsArg = 1,
    flip: bool = False,
    bias: float | Sequence[float] = 0.0,
    activation: str = "linear",
    dtype: str = "float32",
) -> Explanation:
    """Work out output cells of a convolution step by step.

    Parameters
    ----------
    x : array_like
        Input: sliding axes, then optionally a channels axis.
    kernels : sequence of array_like
        One kernel per filter.
    labels : sequence of str, optional
        A name per filter (default ``"0"``, ``"1"``, ...).
    at : sequence of str or of int tuples, optional
        Output positions along the sliding axes (``"0,3"`` or ``(0, 3)``); negative
        indices count from the end. Default: the first ``limit`` positions.
    limit : int
        How many positions to explain when ``at`` is not given.
    channels, stride, padding, pad_mode, pad_value, dilation, flip, bias, activation, dtype
        As for :func:`convcli.layer.apply_filters`.

    Returns
    -------
    Explanation

    Raises
    ------
    ConvcliError
        Everything :func:`~convcli.layer.apply_filters` refuses, with its message, and
        positions that are malformed or outside the output.

    Examples
    --------
    >>> ex = explain([1, 2, 3, 4, 5, 6], [[1, 10, 100]], padding=1, pad_mode="reflect")
    >>> [step.value for step in ex.filters[0].steps], ex.omitted
    ([212.0, 321.0, 432.0], 3)
    >>> step = ex.filters[0].steps[0]
    >>> step.axes[0].positions, step.axes[0].sources, step.padding.tolist()
    ((-1, 0, 1), (1, 0, 1), [True, False, False])
    """
    maps = apply_filters(
        x,
        kernels,
        labels=labels,
        channels=channels,
        stride=stride,
        padding=padding,
        pad_mode=pad_mode,
        pad_value=pad_value,
        dilation=dilation,
        flip=flip,
        bias=bias,
        activation=activation,
        dtype=dtype,
    )
    # apply_filters accepted everything: the settings below are valid as given.
    dt = dtype_name(dtype)
    rule = channels.lower()
    act = activation.lower()
    data = as_float_array(x, name="input", dtype=dt)
    weights = [as_float_array(k, name="kernel", dtype=dt) for k in kernels]
    sliding = maps.sliding_ndim
    has_channels = data.ndim == sliding + 1
    params = ConvParams.build(
        sliding,
        stride=stride,
        padding=padding,
        pad_mode=pad_mode,
        pad_value=pad_value,
        dilation=dilation,
        flip=flip,
    )
    biases = bias_values(bias)
    if len(biases) == 1:
        biases *= len(weights)
    names = maps.labels

    out_sliding = tuple(maps.data.shape[:sliding])
    if at is None:
        chosen = tuple(itertools.islice(np.ndindex(*out_sliding), limit))
        omitted = math.prod(out_sliding) - len(chosen)
    else:
        asked = [p if isinstance(p, tuple) else parse_positions([p])[0] for p in at]
        chosen, omitted = resolve_positions(asked, out_sliding), 0

    # Input and kernel both carry a last axis of channels for _step.
    planes = data if has_channels else data[..., np.newaxis]
    groups: list[tuple[int, ...]]
    if has_channels and rule == "each":
        groups = [(c,) for c in range(data.shape[-1])]
    else:
        groups = [tuple(range(data.shape[-1])) if has_channels else ()]
    filters = []
    for f, (w, b) in enumerate(zip(weights, biases, strict=True)):
        geometry = _geometry(data.shape, w.shape, has_channels, rule, params, maps, dt)
        used = w[(slice(None, None, -1),) * sliding] if params.flip else w
        if not geometry.per_channel:
            used = used[..., np.newaxis]
        steps: list[Step] = []
        for position in chosen:
            axes = _axis_taps(position, geometry)
            for group in groups:
                slot = group[0] if rule == "each" and group else 0
                index = position + ((slot * maps.filters + f,) if maps.has_last_axis else ())
                steps.append(
                    _step(
                        planes,
                        used,
                        axes,
                        group,
                        geometry,
                        filter_index=f,
                        label=names[f],
                        position=position,
                        index=index,
                        bias=b,
                        activation=act,
                        value=float(maps.data[index]),
                    )
                )
        filters.append(FilterExplanation(f, names[f], geometry, tuple(steps)))
    return Explanation(tuple(filters), chosen, omitted, maps)


def _geometry(
    input_shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    has_channels: bool,
    rule: str,
    params: ConvParams,
    maps: FeatureMaps,
    dtype: str,
) -> Geometry:
    sliding = maps.sliding_ndim
    pads, out = conv_geometry(
        input_shape[:sliding],
        kernel_shape[:sliding],
        stride=params.stride,
        dilation=params.dilation,
        padding=params.padding,
    )
    padding_rule = params.padding if isinstance(params.padding, str) else "explicit"
    return Geometry(
        input_shape=tuple(input_shape),
        channels=input_shape[-1] if has_channels else None,
        channel_rule=rule,
        kernel_shape=tuple(kernel_shape),
        per_channel=len(kernel_shape) == sliding + 1,
        stride=params.stride,
        dilation=params.dilation,
        padding_rule=padding_rule,
        padding=pads,
        pad_mode=params.pad_mode,
        pad_value=params.pad_value if params.pad_mode == "constant" else 0.0,
        output_shape=tuple(maps.data.shape),
        sliding_output=out,
        flip=params.flip,
        dtype=dtype,
    )


def _axis_taps(position: tuple[int, ...], geometry: Geometry) -> tuple[AxisTaps, ...]:
    axes = []
    for axis, i in enumerate(position):
        n = geometry.sliding_shape[axis]
        k = geometry.kernel_shape[axis]
        d = geometry.dilation[axis]
        start = i * geometry.stride[axis] - geometry.padding[axis][0]
        positions = tuple(start + t * d for t in range(k))
        sources = tuple(source_index(p, n, geometry.pad_mode) for p in positions)
        axes.append(AxisTaps(positions, sources, n, d))
    return tuple(axes)


def _step(
    data: np.ndarray,
    weights: np.ndarray,
    axes: tuple[AxisTaps, ...],
    group: tuple[int, ...],
    geometry: Geometry,
    *,
    filter_index: int,
    label: str,
    position: tuple[int, ...],
    index: tuple[int, ...],
    bias: float,
    activation: str,
    value: float,
) -> Step:
    """One output cell: ``data`` and ``weights`` both carry a last axis of channels."""
    dt = data.dtype
    slots = list(group) if group else [0]
    # Padding cells copy their source cell, or hold the fill where there is none.
    picks = [[0 if s is None else s for s in axis.sources] for axis in axes]
    window = data[np.ix_(*picks, slots)]
    padding = np.zeros(window.shape[:-1], dtype=bool)
    for axis, taps in enumerate(axes):
        shape = [1] * len(axes)
        shape[axis] = -1
        padding = padding | np.array(taps.padding).reshape(shape)
    if geometry.pad_mode in ("zeros", "constant"):
        window[padding] = np.asarray(geometry.pad_value, dtype=dt)

    # Shared weights serve every channel; per-channel weights pick the channels' planes.
    plane_weights = weights[..., slots] if weights.shape[-1] > 1 else weights
    used = np.ascontiguousarray(np.broadcast_to(plane_weights, window.shape), dtype=dt)
    with np.errstate(over="ignore", invalid="ignore"):
        products = window * used
    # The exact sum of the products shown. The engine's own additions (in its dtype, in
    # an order its strategy picks) may differ in the last bits: `value` is the engine's.
    total = math.fsum(products.astype(np.float64).ravel().tolist())
    return Step(
        filter=filter_index,
        label=label,
        position=position,
        index=index,
        channels=group,
        axes=axes,
        weights=used,
        window=window,
        padding=padding,
        products=products,
        total=total,
        bias=bias,
        activation=activation,
        pre_activation=total + bias,
        value=value,
    )


def activate(value: float, activation: str, dtype: str = "float64") -> float:
    """Apply an activation as the engine does, in ``dtype`` (used by tests and the renderer).

    Examples
    --------
    >>> activate(-2.0, "relu", "float32"), activate(0.0, "sigmoid", "float64")
    (0.0, 0.5)
    """
    result = ACTIVATION_FUNCTIONS[activation](np.array([value], dtype=dtype))
    return float(result[0])
