"""Tiled shift-and-add: one pass per kernel tap over a band of rows that stays in cache.

Output element ``i`` is ``sum over taps t of weights[t] * padded[i * stride + t * dilation]``.
For every tap this strategy adds the tap's weight times a shifted (and strided) view of
``padded`` to an accumulator, working on bands of output rows (axis 0) small enough that
the band's source rows, the accumulator and one scratch band stay in the CPU cache; a
whole-array pass would stream every tap through main memory instead.

Every tap is a contiguous flat slice:

* **flat** (stride 1 on every axis but the first): a C-contiguous padded band is one flat
  1-D array, and tap ``t`` is the slice starting at ``sum t[k] * dilation[k] * pitch[k]``.
  The accumulator keeps the padded row pitch; the columns past the output width hold
  wrapped-around sums, and the last pass writes only the kept columns into ``out`` (no
  extra copy). With a stride on axis 0, output rows are ``stride`` padded rows apart.
* **phases** (a stride on a later axis, or a 1-D stride): the band is first copied into
  its stride phases (``band[r0::s0, r1::s1]``, only the phases some tap reads); tap
  ``t`` reads phase ``t * dilation % stride`` from ``t * dilation // stride`` on with
  unit strides, so only the strided outputs are computed, each from contiguous memory.
  Measured at 4096x4096 float32, 3x3 stride 2: 15-25% faster than strided views.

Taps are grouped before any arithmetic (:func:`plan_taps`): zero taps are skipped when
the caller knows the input is finite (``0 * inf`` must stay NaN otherwise), taps sharing
one ``|weight|`` are added (or subtracted) first and multiplied once, and a ``|weight|``
of 1 needs no multiply at all. A 3x3 line detector is then two additions per band; a
Sobel kernel six passes instead of eleven.

Supports 1-D, 2-D and 3-D, every stride and dilation, float32 and float64. With
``skip_zeros=False`` a NaN or inf reaches exactly the outputs whose window covers it, as
in the slow reference.

Examples
--------
>>> import numpy as np
>>> out = np.empty(4)
>>> correlate_shift_add(np.arange(1.0, 7.0), np.array([1.0, 10.0, 100.0]),
...                     stride=(1,), dilation=(1,), out=out)
>>> out.tolist()
[321.0, 432.0, 543.0, 654.0]
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from convcli.shapes import dilated_span

# Elements of a band's working arrays (1 MiB of float32: 64 rows at 4096 wide). Measured
# at 4096x4096 float32, random 3x3: bands of 16-32 rows were 10-60% slower (each band
# costs ~20 ufunc calls, and two threads take turns holding the GIL for them); 64-256
# rows were within noise of each other. The 512 KiB L2 of a core here holds a band only
# for narrow inputs; the 32 MiB L3 holds both threads' bands.
BAND_ELEMENTS = 1 << 18

Tap = tuple[int, ...]


@dataclass(frozen=True)
class TapGroup:
    """Taps that share one absolute weight: summed with their signs, multiplied once.

    Examples
    --------
    >>> TapGroup(2.0, plus=((0, 0),), minus=((0, 2),)).taps
    2
    """

    weight: float
    plus: tuple[Tap, ...]
    minus: tuple[Tap, ...]

    @property
    def taps(self) -> int:
        """How many taps the group holds."""
        return len(self.plus) + len(self.minus)


def plan_taps(weights: np.ndarray, *, skip_zeros: bool, group: bool = True) -> list[TapGroup]:
    """Group the taps of ``weights`` by absolute value, in the order they first appear.

    ``skip_zeros`` drops zero taps (only exact for finite inputs); ``group=False`` gives
    one group per tap, the reference's order of operations (used to re-check an
    overflow).

    Examples
    --------
    >>> sobel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    >>> [(g.weight, len(g.plus), len(g.minus)) for g in plan_taps(sobel, skip_zeros=True)]
    [(1.0, 2, 2), (2.0, 1, 1)]
    >>> len(plan_taps(sobel, skip_zeros=False))  # the zeros form a group of their own
    3
    """
    groups: dict[float, tuple[list[Tap], list[Tap]]] = {}
    singles: list[TapGroup] = []
    for tap in np.ndindex(*weights.shape):
        w = float(weights[tap])
        if w == 0 and skip_zeros:
            continue
        negative = math.copysign(1.0, w) < 0 and w != 0
        if not group:
            singles.append(TapGroup(abs(w), () if negative else (tap,), (tap,) if negative else ()))
            continue
        # A NaN key never equals another, so each NaN tap keeps a group of its own.
        plus, minus = groups.setdefault(abs(w), ([], []))
        (minus if negative else plus).append(tap)
    if not group:
        return singles
    return [TapGroup(k, tuple(p), tuple(m)) for k, (p, m) in groups.items()]


def plan_passes(plan: Sequence[TapGroup]) -> int:
    """Passes over a band the whole plan costs (at least one: an all-zero kernel fills 0).

    ``k`` taps sharing a weight take ``k - 1`` passes to sum, one to scale unless the
    weight is +-1, and one to add into the accumulator (the first group starts it).

    Examples
    --------
    >>> plan_passes(plan_taps(np.ones((3, 3)), skip_zeros=True))   # 8 additions
    8
    >>> plan_passes(plan_taps(np.arange(1.0, 10).reshape(3, 3), skip_zeros=True))
    17
    """
    return max(1, len(compile_steps(plan)))


Operand = Tap | str | float  # a tap's source view, the "acc" or "tmp" buffer, a weight


@dataclass(frozen=True)
class Step:
    """One ufunc pass: ``ufunc(*args, out=out)``, with ``out`` "acc" or "tmp"."""

    ufunc: np.ufunc
    args: tuple[Operand, ...]
    out: str


def compile_steps(plan: Sequence[TapGroup]) -> list[Step]:
    """The ufunc passes that sum ``plan`` into "acc" (none at all for an all-zero kernel).

    Examples
    --------
    >>> steps = compile_steps(plan_taps(np.array([1.0, -2, 1]), skip_zeros=True))
    >>> for s in steps:
    ...     print(s.ufunc.__name__, s.args, s.out)
    add ((0,), (2,)) acc
    multiply ((1,), -2.0) tmp
    add ('acc', 'tmp') acc
    """
    steps: list[Step] = []
    for i, g in enumerate(plan):
        plus, minus, sign = list(g.plus), list(g.minus), 1.0
        if not plus:  # all negative: sum them as positives, subtract the total
            plus, minus, sign = minus, [], -1.0
        scale = sign * g.weight
        if i == 0:
            if g.taps == 1:
                steps.append(
                    Step(np.positive, (plus[0],), "acc")
                    if scale == 1
                    else Step(np.multiply, (plus[0], scale), "acc")
                )
            else:
                steps += _signed_sum(plus, minus, "acc")
                if scale != 1:
                    steps.append(Step(np.multiply, ("acc", scale), "acc"))
            continue
        fold = np.add if sign > 0 else np.subtract
        if g.taps == 1 and g.weight == 1:
            steps.append(Step(fold, ("acc", plus[0]), "acc"))
            continue
        if g.taps == 1:
            steps.append(Step(np.multiply, (plus[0], scale), "tmp"))
            steps.append(Step(np.add, ("acc", "tmp"), "acc"))
            continue
        steps += _signed_sum(plus, minus, "tmp")
        if g.weight != 1:
            steps.append(Step(np.multiply, ("tmp", g.weight), "tmp"))
        steps.append(Step(fold, ("acc", "tmp"), "acc"))
    return steps


def _signed_sum(plus: list[Tap], minus: list[Tap], out: str) -> list[Step]:
    """Steps for ``out = sum(plus) - sum(minus)``: at least two taps, ``plus`` non-empty."""
    rest = [(t, np.add) for t in plus[1:]] + [(t, np.subtract) for t in minus]
    tap, op = rest[0]
    steps = [Step(op, (plus[0], tap), out)]
    steps += [Step(op, (out, tap), out) for tap, op in rest[1:]]
    return steps


def run_steps(
    steps: Sequence[Step],
    resolve: Callable[[Operand], object],
    *,
    final: Callable[[Operand], object] | None = None,
    dest: np.ndarray | None = None,
) -> None:
    """Run ``steps``, each operand through ``resolve``.

    With ``dest``, the last step writes there instead of "acc", its operands resolved by
    ``final`` (views shaped like ``dest``): the sum lands in the output without a copy.

    Examples
    --------
    >>> x, acc = np.arange(6.0), np.empty(4)
    >>> def resolve(a):
    ...     return x[a[0] : a[0] + 4] if isinstance(a, tuple) else acc if a == "acc" else a
    >>> run_steps(compile_steps(plan_taps(np.array([1.0, 1, 1]), skip_zeros=True)), resolve)
    >>> acc.tolist()
    [3.0, 6.0, 9.0, 12.0]
    """
    if not steps:  # every tap was zero
        target = dest if dest is not None else resolve("acc")
        assert isinstance(target, np.ndarray)
        target.fill(0)
        return
    for step in steps[:-1]:
        step.ufunc(*map(resolve, step.args), out=resolve(step.out))
    last = steps[-1]
    if dest is None or final is None:
        last.ufunc(*map(resolve, last.args), out=resolve(last.out))
    else:
        last.ufunc(*map(final, last.args), out=dest)


class Workspace:
    """Reusable scratch buffers, one set per thread, grown on demand.

    Fresh large arrays cost page faults on every call; a band loop asks for the same
    sizes again and again, so buffers are kept by name.

    Examples
    --------
    >>> ws = Workspace()
    >>> a = ws.get("acc", (2, 3), np.dtype(np.float32))
    >>> a.shape, ws.get("acc", (6,), np.dtype(np.float32)).base is a.base
    ((2, 3), True)
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A C-contiguous array of ``shape`` (contents undefined)."""
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = np.empty(max(size, 1), dtype=dtype)
            self._buffers[name] = buf
        return buf[:size].reshape(shape)


class ShiftAdd:
    """A tap plan bound to a stride and dilation, run band by band on padded arrays.

    Examples
    --------
    >>> run = ShiftAdd(np.ones((2, 2)), stride=(1, 1), dilation=(1, 1), skip_zeros=True)
    >>> out = np.empty((2, 2))
    >>> run(np.arange(9.0).reshape(3, 3), out)
    >>> out.tolist(), run.passes
    ([[8.0, 12.0], [20.0, 24.0]], 3)
    """

    def __init__(
        self,
        weights: np.ndarray,
        *,
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        skip_zeros: bool,
        group: bool = True,
        band_elements: int | None = None,
        mode: str | None = None,
    ) -> None:
        """``mode`` forces "flat" or "phases" (flat needs unit strides past axis 0)."""
        self.shape = tuple(int(n) for n in weights.shape)
        self._band_elements = band_elements
        self._offsets: dict[tuple[int, ...], dict[Tap, int]] = {}
        self.stride = tuple(stride)
        self.dilation = tuple(dilation)
        self.plan = plan_taps(weights, skip_zeros=skip_zeros, group=group)
        self.steps = compile_steps(self.plan)
        self.passes = max(1, len(self.steps))  # = plan_passes(self.plan)
        # No value met while summing exceeds growth * max|input| (grouped sums included).
        self.growth = float(np.abs(weights).sum()) + weights.size
        # Flat slices need unit strides past axis 0 (axis 0 steps by whole rows); other
        # strides first split the band into its stride phases, each then read flat.
        flat = all(s == 1 for s in self.stride[1:]) and (len(stride) > 1 or stride[0] == 1)
        self.mode = mode or ("flat" if flat else "phases")
        if self.mode == "flat" and not flat:
            raise ValueError(f"flat mode needs unit strides past axis 0; got {stride}")
        # Phases the taps read (tap * dilation modulo stride, per axis), in a fixed order.
        taps = [t for g in self.plan for t in g.plus + g.minus]
        self.phases = sorted(
            {
                tuple(t * d % s for t, d, s in zip(tap, dilation, stride, strict=True))
                for tap in taps
            }
        )

    @property
    def band_elements(self) -> int:
        """Target size of a band's working arrays (the module's BAND_ELEMENTS by default)."""
        return BAND_ELEMENTS if self._band_elements is None else self._band_elements

    def input_rows(self, out_rows: int) -> int:
        """Padded rows (axis 0) that ``out_rows`` output rows read."""
        return (out_rows - 1) * self.stride[0] + dilated_span(self.shape[0], self.dilation[0])

    def band_rows(self, padded_shape: tuple[int, ...]) -> int:
        """Output rows per band so that the band's working arrays hold about ``band_elements``.

        The accumulator of one output row spans the padded row pitch, divided by the
        strides past axis 0 once the band is split into its stride phases.
        """
        pitch = math.prod(padded_shape[1:]) // math.prod(self.stride[1:])
        return max(1, self.band_elements // max(1, pitch))

    def __call__(
        self, padded: np.ndarray, out: np.ndarray, workspace: Workspace | None = None
    ) -> None:
        """Overwrite ``out`` with the correlation of C-contiguous ``padded``, band by band."""
        ws = workspace or Workspace()
        rows = self.band_rows(padded.shape)
        for r0 in range(0, out.shape[0], rows):
            r1 = min(out.shape[0], r0 + rows)
            start = r0 * self.stride[0]
            self.band(padded[start : start + self.input_rows(r1 - r0)], out[r0:r1], ws)

    def band(self, band: np.ndarray, out: np.ndarray, ws: Workspace) -> None:
        """Overwrite ``out`` (a band of output rows) from ``band``, the padded rows it reads."""
        if self.mode == "flat":
            source, stride0 = band, self.stride[0]
            tail = band.shape[1:]
            offsets = self._tap_offsets(band.shape, phased=False)
        else:
            source, offsets = self._split_phases(band, ws)
            stride0, tail = 1, source.shape[2:]
        self._flat(source.reshape(-1), tail, offsets, stride0, out, ws)

    def _split_phases(self, band: np.ndarray, ws: Workspace) -> tuple[np.ndarray, dict[Tap, int]]:
        """Copy each used stride phase of ``band`` into a plane of its own.

        Phase ``r`` holds ``band[r0::s0, r1::s1, ...]``; tap ``t`` then reads phase
        ``t * dilation % stride`` from ``t * dilation // stride`` on with unit strides,
        so every tap is a flat slice again. Returns the planes ``(phases, *plane)`` and
        each tap's flat offset into them.
        """
        plane = tuple(-(-n // s) for n, s in zip(band.shape, self.stride, strict=True))
        planes = ws.get("phases", (len(self.phases), *plane), band.dtype)
        for index, phase in enumerate(self.phases):
            part = band[tuple(slice(r, None, s) for r, s in zip(phase, self.stride, strict=True))]
            filled: tuple[int | slice, ...] = (index, *(slice(0, n) for n in part.shape))
            planes[filled] = part
            # A shorter phase leaves cells that only wrapped-around (dropped) sums read;
            # zero them so that stale memory (NaN, subnormals) never enters the arithmetic.
            for axis, n in enumerate(part.shape, start=1):
                if n < plane[axis - 1]:
                    rest: tuple[int | slice, ...] = (index, *(slice(None),) * (axis - 1))
                    planes[(*rest, slice(n, None))] = 0
        return planes, self._tap_offsets(plane, phased=True)

    def _tap_offsets(self, shape: tuple[int, ...], *, phased: bool) -> dict[Tap, int]:
        """Flat offset of each tap into a C-contiguous array of ``shape``.

        ``phased``: the array holds one plane of ``shape`` per :attr:`phases` entry, and
        tap ``t`` reads phase ``t * dilation % stride`` from ``t * dilation // stride``
        on. Cached per shape: every band of a call but the last shares it.
        """
        key = (phased, *shape)
        offsets = self._offsets.get(key)
        if offsets is None:
            stride = self.stride if phased else (1,) * len(shape)
            pitches = [math.prod(shape[k:]) for k in range(1, len(shape) + 1)]
            where = {phase: index * math.prod(shape) for index, phase in enumerate(self.phases)}
            offsets = {}
            for g in self.plan:
                for tap in g.plus + g.minus:
                    moves = zip(tap, self.dilation, stride, strict=True)
                    parts = [divmod(t * d, s) for t, d, s in moves]
                    offsets[tap] = sum(q * p for (q, _), p in zip(parts, pitches, strict=True))
                    if phased:
                        offsets[tap] += where[tuple(r for _, r in parts)]
            if len(self._offsets) > 8:  # a cached plan meets many shapes over time
                self._offsets.clear()
            self._offsets[key] = offsets
        return offsets

    def _flat(
        self,
        flat: np.ndarray,
        tail: tuple[int, ...],
        offsets: dict[Tap, int],
        s0: int,
        out: np.ndarray,
        ws: Workspace,
    ) -> None:
        """Run the steps on flat slices of ``flat`` (rows of pitch ``prod(tail)``).

        Tap ``t`` reads from ``offsets[t]``; output row ``i`` sits ``i * s0`` rows on.
        """
        pitch = math.prod(tail)
        row_pitches = [math.prod(tail[k:]) for k in range(1, len(tail) + 1)]
        # The flat extent of one output row's window.
        extent = 1 + sum((n - 1) * p for n, p in zip(out.shape[1:], row_pitches, strict=True))
        rows, size, scalar = out.shape[0], flat.itemsize, flat.dtype.type
        # Accumulate in `out` itself when no column is dropped; otherwise in a buffer laid
        # out with the padded pitch, the last step writing the kept columns into `out`.
        direct = out.shape[1:] == tail and out.flags.c_contiguous
        if s0 == 1:
            length = (rows - 1) * pitch + extent
            shape: tuple[int, ...] = (length,)
            acc = out.reshape(-1) if direct else ws.get("acc", shape, flat.dtype)
            tmp = ws.get("tmp", shape, flat.dtype)
            # Strides, in the padded layout, of an array shaped like `out`.
            kept = (pitch * size, *(p * size for p in row_pitches))

            def resolve(a: Operand) -> object:
                if isinstance(a, tuple):
                    return flat[offsets[a] : offsets[a] + length]
                return acc if a == "acc" else tmp if a == "tmp" else scalar(a)
        else:
            shape = (rows, extent)
            acc = out.reshape(rows, -1) if direct else ws.get("acc", shape, flat.dtype)
            tmp = ws.get("tmp", shape, flat.dtype)
            row_step = (s0 * pitch * size, size)
            kept = (extent * size, *(p * size for p in row_pitches))

            def resolve(a: Operand) -> object:
                if isinstance(a, tuple):
                    # One row per output row, s0 padded rows apart (bounds are checked).
                    return np.ndarray(shape, flat.dtype, flat, offsets[a] * size, row_step)
                return acc if a == "acc" else tmp if a == "tmp" else scalar(a)

        if direct:
            run_steps(self.steps, resolve)
            return
        source_kept = (s0 * pitch * size, *(p * size for p in row_pitches))

        def final(a: Operand) -> object:
            if isinstance(a, tuple):
                return np.ndarray(out.shape, flat.dtype, flat, offsets[a] * size, source_kept)
            if isinstance(a, str):
                return np.ndarray(out.shape, flat.dtype, acc if a == "acc" else tmp, 0, kept)
            return scalar(a)

        run_steps(self.steps, resolve, final=final, dest=out)


_PLANS: OrderedDict[tuple[object, ...], ShiftAdd] = OrderedDict()
_PLANS_KEPT = 64


def shift_add_plan(
    weights: np.ndarray,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    skip_zeros: bool,
    group: bool = True,
) -> ShiftAdd:
    """A :class:`ShiftAdd` for these weights and settings, reused across calls.

    Planning a 15x15 kernel takes about a millisecond; ``convcli apply`` runs the same
    kernel over every channel and every file, and small inputs would pay it each time.

    Examples
    --------
    >>> w = np.ones((3, 3))
    >>> one = shift_add_plan(w, stride=(1, 1), dilation=(1, 1), skip_zeros=True)
    >>> one is shift_add_plan(w.copy(), stride=(1, 1), dilation=(1, 1), skip_zeros=True)
    True
    """
    key = (weights.tobytes(), weights.shape, weights.dtype.str, stride, dilation, skip_zeros, group)
    plan = _PLANS.get(key)
    if plan is None:
        plan = ShiftAdd(
            weights, stride=stride, dilation=dilation, skip_zeros=skip_zeros, group=group
        )
        _PLANS[key] = plan
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return plan


def correlate_shift_add(
    padded: np.ndarray,
    weights: np.ndarray,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    out: np.ndarray,
    skip_zeros: bool = False,
) -> None:
    """Correlate by tiled shift-and-add; overwrite ``out``.

    ``out[i] = sum over taps t of weights[t] * padded[i * stride + t * dilation]``.

    Parameters
    ----------
    padded : numpy.ndarray
        The input, already padded; 1-D to 3-D, float32 or float64.
    weights : numpy.ndarray
        Same ndim and dtype as ``padded`` (already flipped for a true convolution).
    stride, dilation : tuple of int
        One per axis.
    out : numpy.ndarray
        Preallocated, C-contiguous, of the output shape and the same dtype.
    skip_zeros : bool
        Skip zero taps; only exact when ``padded`` is finite (``0 * inf`` is NaN).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> out = np.empty((2, 2))
    >>> correlate_shift_add(x, np.array([[0.0, 1], [1, 0]]), stride=(2, 2),
    ...                     dilation=(1, 1), out=out)
    >>> out.tolist()
    [[5.0, 9.0], [21.0, 25.0]]
    """
    run = shift_add_plan(weights, stride=stride, dilation=dilation, skip_zeros=skip_zeros)
    run(np.ascontiguousarray(padded), out)
