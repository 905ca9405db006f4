"""The benchmark's workloads, their float64 reference and the output check.

A :class:`Workload` is one correlation problem (input, kernels, channel rule, stride,
padding) in convcli's layout: sliding axes, then a channels axis when the input has
one. Every output, convcli's and each peer's, must match :func:`reference_block` on
the workload's check regions before its time counts.

The reference is written here from the definition, independently of convcli's engine
(its own Keras padding arithmetic, a plain float64 shift-and-add over an explicit
zero-padded block), so a bug shared by convcli and this file is unlikely. Where the whole
output is cheap to recompute (at most :data:`FULL_CHECK_WORK` multiply-adds) it is
checked whole; otherwise on crops: every corner of the output (where padding matters)
and its centre, :data:`CROP` outputs wide per axis.

Examples
--------
>>> import numpy as np
>>> x = np.array([1, 2, 3, 4, 5, 6], dtype=np.float32)
>>> w = np.array([1, 10, 100], dtype=np.float32)
>>> pads = keras_pads((6,), (3,), (1,), "valid")
>>> reference_block(x, w, (1,), pads, (slice(0, 4),)).tolist()
[321.0, 432.0, 543.0, 654.0]
>>> pads = keras_pads((6,), (3,), (2,), "same")
>>> pads, reference_block(x, w, (2,), pads, (slice(0, 3),)).tolist()
(((0, 1, 3),), [321.0, 543.0, 65.0])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Outputs per axis of one check crop.
CROP = {1: 4096, 2: 64, 3: 24}
# Up to this many multiply-adds the whole output is checked against the reference.
FULL_CHECK_WORK = 3e8
# A float32 result may differ from the float64 reference by this much, relative to
# sum(|w|) * max|x| (the largest value a window could sum to).
TOLERANCE = 1e-5

Pads = tuple[tuple[int, int, int], ...]  # (before, after, outputs) per sliding axis


def keras_pads(
    shape: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...], padding: str
) -> Pads:
    """``(before, after, outputs)`` per axis, as Keras computes them (dilation 1).

    Examples
    --------
    >>> keras_pads((4096,), (3,), (2,), "same")
    ((0, 1, 2048),)
    >>> keras_pads((10, 10), (3, 4), (1, 1), "same")
    ((1, 1, 10), (1, 2, 10))
    >>> keras_pads((10,), (3,), (3,), "valid")
    ((0, 0, 3),)
    """
    pads = []
    for n, k, s in zip(shape, kernel, stride, strict=True):
        if padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2, out))
        elif padding == "valid":
            pads.append((0, 0, (n - k) // s + 1))
        else:
            raise ValueError(f"benchmark padding must be 'same' or 'valid'; got {padding!r}")
    return tuple(pads)


def reference_block(
    x: np.ndarray,
    w: np.ndarray,
    stride: tuple[int, ...],
    pads: Pads,
    region: tuple[slice, ...],
) -> np.ndarray:
    """Float64 correlation of ``x`` (no channels axis) for the outputs in ``region``.

    ``region`` holds one ``slice(start, stop)`` per axis, in output coordinates.
    Output ``i`` is ``sum over taps t of w[t] * xpad[i * stride + t]``, where ``xpad``
    is ``x`` with ``before`` zeros in front of every axis.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> w = np.array([[0.0, 1], [1, 0]])
    >>> pads = keras_pads((4, 4), (2, 2), (1, 1), "valid")
    >>> reference_block(x, w, (1, 1), pads, (slice(0, 2), slice(1, 3))).tolist()
    [[7.0, 9.0], [15.0, 17.0]]
    """
    block_shape, out_shape, source, target = [], [], [], []
    for n, k, s, (before, _after, outputs), r in zip(
        x.shape, w.shape, stride, pads, region, strict=True
    ):
        a, b, _ = r.indices(outputs)
        lo = a * s - before  # first input index the region reads (< 0 is padding)
        hi = (b - 1) * s + k - before  # one past the last (> n is padding)
        block_shape.append(hi - lo)
        out_shape.append(b - a)
        source.append(slice(max(lo, 0), min(hi, n)))
        target.append(slice(max(lo, 0) - lo, min(hi, n) - lo))
    block = np.zeros(block_shape, dtype=np.float64)
    block[tuple(target)] = x[tuple(source)]
    acc = np.zeros(out_shape, dtype=np.float64)
    for tap in np.ndindex(*w.shape):
        weight = float(w[tap])
        if weight == 0.0:
            continue
        view = block[
            tuple(
                slice(t, t + (m - 1) * s + 1, s)
                for t, m, s in zip(tap, out_shape, stride, strict=True)
            )
        ]
        acc += weight * view
    return acc


@dataclass
class Workload:
    """One correlation problem, in convcli's layout.

    Parameters
    ----------
    name : str
        Short id for ``--only``.
    title : str
        The table's text.
    make_input : callable
        Builds the float32 input (lazily: full-size inputs are large).
    kernels : list of numpy.ndarray
        float32 kernels, one per filter.
    channels : {None, "each", "sum"}
        ``None`` runs :func:`convcli.correlate`; a rule runs :func:`convcli.apply_filters`.
    stride : int
    padding : {"same", "valid"}
    """

    name: str
    title: str
    make_input: Callable[[], np.ndarray]
    kernels: list[np.ndarray]
    channels: str | None = None
    stride: int = 1
    padding: str = "same"
    _x: np.ndarray | None = field(default=None, repr=False)
    _refs: dict[tuple[tuple[int, int], ...], np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def x(self) -> np.ndarray:
        if self._x is None:
            self._x = np.ascontiguousarray(self.make_input(), dtype=np.float32)
        return self._x

    def shrunk(self, fraction: float) -> Workload:
        """The same problem on a corner of the input holding about ``fraction`` of it."""
        d = self.sliding_ndim
        keep = tuple(
            min(n, max(k, round(n * fraction ** (1 / d))))
            for n, k in zip(self.sliding_shape, self.kernel_shape, strict=True)
        )
        corner = np.ascontiguousarray(self.x[tuple(slice(0, m) for m in keep)])
        return Workload(
            self.name,
            self.title,
            lambda: corner,
            self.kernels,
            channels=self.channels,
            stride=self.stride,
            padding=self.padding,
        )

    def release(self) -> None:
        """Drop the input and cached references (they can be hundreds of MiB)."""
        self._x = None
        self._refs.clear()

    @property
    def has_channels(self) -> bool:
        return self.channels is not None and self.x.ndim == self.sliding_ndim + 1

    @property
    def sliding_ndim(self) -> int:
        k = self.kernels[0]
        return k.ndim - 1 if self.channels == "sum" and k.ndim == self.x.ndim else k.ndim

    @property
    def sliding_shape(self) -> tuple[int, ...]:
        return self.x.shape[: self.sliding_ndim]

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        return self.kernels[0].shape[: self.sliding_ndim]

    @property
    def strides(self) -> tuple[int, ...]:
        return (self.stride,) * self.sliding_ndim

    @property
    def pads(self) -> Pads:
        return keras_pads(self.sliding_shape, self.kernel_shape, self.strides, self.padding)

    @property
    def out_sliding_shape(self) -> tuple[int, ...]:
        return tuple(out for _b, _a, out in self.pads)

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The shape convcli gives (the contract's "Output shape")."""
        n_filters = len(self.kernels)
        if self.channels is None:
            return self.out_sliding_shape
        if self.channels == "each":
            if not self.has_channels:
                return self.out_sliding_shape + ((n_filters,) if n_filters > 1 else ())
            return (*self.out_sliding_shape, self.x.shape[-1] * n_filters)
        last = n_filters if (self.has_channels or n_filters > 1) else None
        return self.out_sliding_shape + ((last,) if last else ())

    @property
    def work(self) -> float:
        """Multiply-adds of a direct computation (decides full check or crops)."""
        taps = math.prod(self.kernel_shape)
        planes = self.x.shape[-1] if self.has_channels else 1
        return math.prod(self.out_sliding_shape) * taps * planes * len(self.kernels)

    @property
    def scale(self) -> float:
        """sum(|w|) * max|x|: the largest magnitude an output can reach."""
        return float(max(np.abs(k).sum() for k in self.kernels) * np.abs(self.x).max())

    def check_regions(self) -> tuple[str, list[tuple[slice, ...]]]:
        """``("full", [everything])`` or ``("crops", corner and centre regions)``."""
        shape = self.out_sliding_shape
        if self.work <= FULL_CHECK_WORK:
            return "full", [tuple(slice(0, n) for n in shape)]
        size = CROP[len(shape)]
        per_axis = []
        for n in shape:
            m = min(size, n)
            centre = (n - m) // 2
            per_axis.append(sorted({0, centre, n - m}))
        regions = []
        for starts in itertools.product(*per_axis):
            # Corners (every axis at an end) and the centre (every axis centred).
            ends = [s in (0, n - min(size, n)) for s, n in zip(starts, shape, strict=True)]
            centred = [s == (n - min(size, n)) // 2 for s, n in zip(starts, shape, strict=True)]
            if all(ends) or all(centred):
                regions.append(
                    tuple(slice(s, s + min(size, n)) for s, n in zip(starts, shape, strict=True))
                )
        return "crops", regions

    def reference(self, region: tuple[slice, ...]) -> np.ndarray:
        """Float64 outputs in ``region`` (sliding axes), with convcli's last axis if any."""
        key = tuple((r.start, r.stop) for r in region)  # slices are unhashable before 3.12
        cached = self._refs.get(key)
        if cached is not None:
            return cached
        x, pads, strides = self.x, self.pads, self.strides

        def one(plane: np.ndarray, w: np.ndarray) -> np.ndarray:
            return reference_block(plane, w, strides, pads, region)

        if self.channels is None:
            ref = one(x, self.kernels[0])
        elif not self.has_channels:
            maps = [one(x, w) for w in self.kernels]
            ref = maps[0] if len(maps) == 1 else np.stack(maps, axis=-1)
        elif self.channels == "each":
            # Channel-major: last index c * filters + f.
            maps = [one(x[..., c], w) for c in range(x.shape[-1]) for w in self.kernels]
            ref = np.stack(maps, axis=-1)
        else:
            maps = []
            for w in self.kernels:
                per_channel = w.ndim == self.sliding_ndim + 1
                total = sum(
                    one(x[..., c], w[..., c] if per_channel else w) for c in range(x.shape[-1])
                )
                maps.append(np.asarray(total))
            ref = np.stack(maps, axis=-1)
        self._refs[key] = ref
        return ref


@dataclass(frozen=True)
class Check:
    """The outcome of comparing one output with the float64 reference."""

    ok: bool
    mode: str  # "full" or "crops"
    max_error: float  # largest |out - ref| / scale seen (nan when not compared)
    message: str = ""


def verify(workload: Workload, out: np.ndarray) -> Check:
    """Compare ``out`` (convcli's layout) with the reference on the check regions.

    Examples
    --------
    >>> import numpy as np
    >>> wl = Workload("t", "t", lambda: np.arange(12.0).reshape(3, 4),
    ...               [np.ones((2, 2), np.float32)], padding="valid")
    >>> verify(wl, np.array([[10, 14, 18], [26, 30, 34]], np.float32)).ok
    True
    >>> verify(wl, np.zeros((2, 3), np.float32)).message
    'max error 7.7e-01 of sum|w|*max|x| (tolerance 1e-05)'
    """
    mode, regions = workload.check_regions()
    out = np.asarray(out)
    if out.shape != workload.out_shape:
        return Check(False, mode, math.nan, f"shape {out.shape}, expected {workload.out_shape}")
    scale = workload.scale or 1.0
    worst = 0.0
    for region in regions:
        got = out[region].astype(np.float64)
        if not np.isfinite(got).all():
            return Check(False, mode, math.nan, "non-finite values")
        err = float(np.abs(got - workload.reference(region)).max()) / scale
        worst = max(worst, err)
    if worst > TOLERANCE:
        return Check(
            False, mode, worst, f"max error {worst:.1e} of sum|w|*max|x| (tolerance {TOLERANCE:g})"
        )
    return Check(True, mode, worst)


# -- the workloads -------------------------------------------------------------------

SIZES = {
    # image side, RGB side, filter-bank side, signal length, volume side
    "full": (4096, 2048, 512, 10_000_000, 256),
    "quick": (1024, 512, 256, 1_000_000, 64),
    "tiny": (48, 24, 16, 3000, 12),
}


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """A normalised 2-D Gaussian, as ``-k gaussian:size=SIZE,sigma=SIGMA`` builds it."""
    from convcli.presets import build_preset

    return build_preset(f"gaussian:size={size},sigma={sigma:g}").astype(np.float32)


def build_workloads(scale: str = "full", seed: int = 6) -> list[Workload]:
    """The issue's library workloads at ``scale`` (``full``, ``quick`` or ``tiny``)."""
    image, rgb, bank, signal, volume = SIZES[scale]
    rng = np.random.default_rng(seed)

    def rand(*shape: int) -> np.ndarray:
        # Centred weights, as trained filters are: sums near 0, mixed signs.
        return rng.uniform(-1, 1, shape).astype(np.float32)

    def uniform(*shape: int) -> Callable[[], np.ndarray]:
        sub = int(rng.integers(2**31))
        return lambda: np.random.default_rng(sub).random(shape, dtype=np.float32)

    line = np.array([[0, 1, 0]] * 3, dtype=np.float32)
    sq = f"{image}x{image}"
    samples = f"{signal // 10**6}M" if signal % 10**6 == 0 else str(signal)
    return [
        Workload("line3", f"{sq} 3x3 line detector", uniform(image, image), [line]),
        Workload("rand3", f"{sq} random 3x3", uniform(image, image), [rand(3, 3)]),
        Workload(
            "gauss15",
            f"{sq} Gaussian 15x15 (sigma 2.5)",
            uniform(image, image),
            [gaussian_kernel(15, 2.5)],
        ),
        Workload("rand15", f"{sq} random 15x15", uniform(image, image), [rand(15, 15)]),
        Workload("rand31", f"{sq} random 31x31", uniform(image, image), [rand(31, 31)]),
        Workload(
            "rgb5",
            f"{rgb}x{rgb}x3 5x5 per channel (each)",
            uniform(rgb, rgb, 3),
            [rand(5, 5)],
            channels="each",
        ),
        Workload(
            "bank32",
            f"{bank}x{bank}x3 -> 32 filters 3x3x3 (sum)",
            uniform(bank, bank, 3),
            [rand(3, 3, 3) for _ in range(32)],
            channels="sum",
        ),
        Workload("sig3", f"{samples}-sample signal, 3 taps", uniform(signal), [rand(3)]),
        Workload("sig101", f"{samples}-sample signal, 101 taps", uniform(signal), [rand(101)]),
        Workload(
            "vol3", f"{volume}^3 volume 3x3x3", uniform(volume, volume, volume), [rand(3, 3, 3)]
        ),
        Workload(
            "stride2", f"{sq} random 3x3, stride 2", uniform(image, image), [rand(3, 3)], stride=2
        ),
    ]


def rank1_factors(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(column, row)`` float32 factors of a rank-1 2-D kernel, else None.

    Examples
    --------
    >>> import numpy as np
    >>> col, row = rank1_factors(np.array([[0, 1, 0]] * 3, dtype=np.float32))
    >>> np.allclose(np.outer(col, row), [[0, 1, 0]] * 3)
    True
    >>> rank1_factors(np.eye(3)) is None
    True
    """
    if kernel.ndim != 2:
        return None
    u, s, vt = np.linalg.svd(kernel.astype(np.float64))
    if len(s) > 1 and s[1] > 1e-6 * s[0]:
        return None
    root = math.sqrt(s[0])
    return (u[:, 0] * root).astype(np.float32), (vt[0] * root).astype(np.float32)
