"""convcli and its peers on one workload: what is timed and how results are laid out.

Each library gets the workload in its own native layout (a torch tensor in NCHW, the
channel planes as contiguous arrays for loops over channels, ...), prepared outside the
timed call, and gives its result back in whatever layout it has; ``finish`` (untimed)
turns that into convcli's layout for the check. So peers are timed at their best, and
convcli, which takes channels-last NumPy arrays and returns a new array, pays for
everything it does.

Peers that return a same-sized, centred result (``cv2.filter2D`` with
``BORDER_CONSTANT``, ``scipy.ndimage`` with ``mode="constant"``, ``scipy.signal``'s
``mode="same"``) compute each output at a centre; :func:`centred_view` picks the
outputs that Keras' padding and the stride ask for, as a view (free), so stride 2 is
"full result + view" for them. torch pads itself when both sides are equal and is
given an explicitly padded input (padding inside the timed call) when they are not.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.workloads import Pads, Workload, rank1_factors

# Peer columns in table order; "ImageMagick" only appears on the whole-process row.
PEER_COLUMNS = ("scipy.ndimage", "scipy.signal", "cv2", "torch")
_MODULES = {"scipy.ndimage": "scipy", "scipy.signal": "scipy", "cv2": "cv2", "torch": "torch"}

Run = Callable[[], Any]
Finish = Callable[[Any], np.ndarray]


@dataclass(frozen=True)
class Entry:
    """One timed implementation: ``setup()`` (untimed) returns ``(run, finish)``."""

    column: str
    variant: str  # "" for the library's plain call; else e.g. "sep"
    setup: Callable[[], tuple[Run, Finish]]

    @property
    def label(self) -> str:
        return f"{self.column} {self.variant}".strip()


def available(column: str) -> bool:
    """Whether the peer's library is installed."""
    return importlib.util.find_spec(_MODULES[column]) is not None


def centred_view(
    full: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...], pads: Pads
) -> np.ndarray:
    """Keras' outputs out of a same-sized result whose output ``r`` is centred at ``r``.

    Output ``i`` of Keras' layout reads inputs from ``i * s - before``; the centred
    result's output ``r`` reads from ``r - k // 2``; so ``r = i * s - before + k // 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.workloads import keras_pads
    >>> centred_view(np.arange(10), (3,), (2,), keras_pads((10,), (3,), (2,), "same")).tolist()
    [1, 3, 5, 7, 9]
    >>> centred_view(np.arange(10), (3,), (1,), keras_pads((10,), (3,), (1,), "valid")).tolist()
    [1, 2, 3, 4, 5, 6, 7, 8]
    """
    index = []
    for k, s, (before, _after, out) in zip(kernel, stride, pads, strict=True):
        first = k // 2 - before
        index.append(slice(first, first + (out - 1) * s + 1, s))
    return full[tuple(index)]


def _channel_major(maps: list[np.ndarray], wl: Workload) -> np.ndarray:
    """Per-filter results (each with the channels last) -> convcli's last axis."""
    if wl.channels is None:
        return maps[0]
    if wl.channels == "each" and wl.has_channels:
        # maps[f][..., c] -> index c * filters + f
        return np.stack(maps, axis=-1).reshape(*maps[0].shape[:-1], -1)
    if len(maps) == 1 and not wl.has_channels:
        return maps[0]
    return np.stack(maps, axis=-1)


def _planes(wl: Workload) -> list[np.ndarray]:
    return [np.ascontiguousarray(wl.x[..., c]) for c in range(wl.x.shape[-1])]


def _channel_weights(w: np.ndarray, wl: Workload, c: int) -> np.ndarray:
    per_channel = w.ndim == wl.sliding_ndim + 1
    return np.ascontiguousarray(w[..., c] if per_channel else w)


# -- convcli -------------------------------------------------------------------------


def convcli_entry(wl: Workload) -> Entry:
    """convcli's public entries: ``convcli.correlate`` or ``convcli.apply_filters``."""

    def setup() -> tuple[Run, Finish]:
        import convcli

        x, kernels, stride, padding = wl.x, wl.kernels, wl.stride, wl.padding
        if wl.channels is None:
            return (
                lambda: convcli.correlate(x, kernels[0], stride=stride, padding=padding)
            ), np.asarray
        rule = wl.channels
        return (
            lambda: (
                convcli.apply_filters(
                    x, kernels, channels=rule, stride=stride, padding=padding
                ).data
            ),
            np.asarray,
        )

    return Entry("convcli", "", setup)


# -- scipy ---------------------------------------------------------------------------


def _scipy_ndimage(wl: Workload) -> list[Entry]:
    def plain() -> tuple[Run, Finish]:
        from scipy import ndimage  # type: ignore[import-untyped,unused-ignore]

        x, ks = wl.x, wl.kernels

        def centred(full: np.ndarray) -> np.ndarray:
            return centred_view(full, wl.kernel_shape, wl.strides, wl.pads)

        if wl.channels is None:
            w = ks[0]
            if w.ndim == 1:
                return (lambda: ndimage.correlate1d(x, w, mode="constant")), centred
            return (lambda: ndimage.correlate(x, w, mode="constant")), centred
        if wl.channels == "each" and wl.has_channels:
            # A kernel of depth 1 on the channels axis keeps the channels apart.
            deep = [w[..., np.newaxis] for w in ks]

            def run_each() -> list[np.ndarray]:
                return [ndimage.correlate(x, w, mode="constant") for w in deep]

            return run_each, lambda maps: _channel_major([centred(m) for m in maps], wl)
        planes = _planes(wl) if wl.has_channels else [x]
        weights = [[_channel_weights(w, wl, c) for c in range(len(planes))] for w in ks]

        def run_sum() -> list[np.ndarray]:
            out = []
            for per_channel in weights:
                acc = ndimage.correlate(planes[0], per_channel[0], mode="constant")
                for plane, w in zip(planes[1:], per_channel[1:], strict=True):
                    acc += ndimage.correlate(plane, w, mode="constant")
                out.append(acc)
            return out

        return run_sum, lambda maps: _channel_major([centred(m) for m in maps], wl)

    entries = [Entry("scipy.ndimage", "", plain)]
    factors = rank1_factors(wl.kernels[0]) if wl.channels is None else None
    if factors is not None:
        col, row = factors

        def separable() -> tuple[Run, Finish]:
            from scipy import ndimage  # type: ignore[import-untyped,unused-ignore]

            x = wl.x

            def run() -> Any:
                rows = ndimage.correlate1d(x, col, axis=0, mode="constant")
                return ndimage.correlate1d(rows, row, axis=1, mode="constant")

            return run, lambda full: centred_view(full, wl.kernel_shape, wl.strides, wl.pads)

        entries.append(Entry("scipy.ndimage", "sep", separable))
    return entries


def _scipy_signal(wl: Workload) -> list[Entry]:
    if wl.channels is not None:
        return []

    def setup() -> tuple[Run, Finish]:
        from scipy import signal  # type: ignore[import-untyped,unused-ignore]

        x, w = wl.x, wl.kernels[0]
        # method="auto" picks direct or FFT by its own cost estimate.
        return (lambda: signal.correlate(x, w, mode="same", method="auto")), (
            lambda full: centred_view(full, wl.kernel_shape, wl.strides, wl.pads)
        )

    return [Entry("scipy.signal", "", setup)]


# -- OpenCV --------------------------------------------------------------------------


def _cv2(wl: Workload) -> list[Entry]:
    ks = wl.kernels

    def centred(full: np.ndarray) -> np.ndarray:
        return centred_view(full, wl.kernel_shape, wl.strides, wl.pads)

    def plain() -> tuple[Run, Finish]:
        import cv2

        cv2.setNumThreads(2)
        x = wl.x
        border = cv2.BORDER_CONSTANT  # zeros, as convcli's default pad mode

        if wl.sliding_ndim == 1 and wl.channels is None:
            # A signal as one row of an image, the kernel as a 1-row kernel.
            row, w = x.reshape(1, -1), ks[0].reshape(1, -1)
            return (lambda: cv2.filter2D(row, -1, w, borderType=border)), (
                lambda full: centred(full.reshape(-1))
            )
        if wl.sliding_ndim == 3:
            return _cv2_volume(wl)
        if wl.channels is None:
            w = ks[0]
            return (lambda: cv2.filter2D(x, -1, w, borderType=border)), centred
        if wl.channels == "each" and wl.has_channels:
            # filter2D applies one kernel to every channel of an H x W x C image.
            def run_each() -> list[np.ndarray]:
                return [cv2.filter2D(x, -1, w, borderType=border) for w in ks]

            return run_each, lambda maps: _channel_major([centred(m) for m in maps], wl)
        planes = _planes(wl) if wl.has_channels else [x]
        weights = [[_channel_weights(w, wl, c) for c in range(len(planes))] for w in ks]

        def run_sum() -> list[np.ndarray]:
            out = []
            for per_channel in weights:
                acc: np.ndarray = cv2.filter2D(planes[0], -1, per_channel[0], borderType=border)
                for plane, w in zip(planes[1:], per_channel[1:], strict=True):
                    acc += cv2.filter2D(plane, -1, w, borderType=border)
                out.append(acc)
            return out

        return run_sum, lambda maps: _channel_major([centred(m) for m in maps], wl)

    entries = [Entry("cv2", "", plain)]
    factors = rank1_factors(ks[0]) if wl.channels is None else None
    if factors is not None:
        col, row = factors

        def separable() -> tuple[Run, Finish]:
            import cv2

            cv2.setNumThreads(2)
            x = wl.x
            # kernelX runs along the columns (axis 1), kernelY along the rows (axis 0).
            return (
                lambda: cv2.sepFilter2D(x, -1, row, col, borderType=cv2.BORDER_CONSTANT)
            ), centred

        entries.append(Entry("cv2", "sep", separable))
    return entries


def _cv2_volume(wl: Workload) -> tuple[Run, Finish]:
    """A 3-D correlation as 2-D filter2D calls per output slice, summed over depth."""
    import cv2

    x, w = wl.x, wl.kernels[0]
    depth, (before, _after, out_depth) = x.shape[0], wl.pads[0]
    s = wl.stride
    planes = [np.ascontiguousarray(w[dz]) for dz in range(w.shape[0])]

    def run() -> np.ndarray:
        out = np.zeros((out_depth, *x.shape[1:]), dtype=x.dtype)
        for zo in range(out_depth):
            for dz, plane in enumerate(planes):
                zi = zo * s - before + dz
                if 0 <= zi < depth:
                    out[zo] += cv2.filter2D(x[zi], -1, plane, borderType=cv2.BORDER_CONSTANT)
        return out

    def finish(full: np.ndarray) -> np.ndarray:
        # Depth is already Keras'; the slices are centred filter2D results.
        rows = centred_view(
            np.moveaxis(full, 0, -1), wl.kernel_shape[1:], wl.strides[1:], wl.pads[1:]
        )
        return np.moveaxis(rows, -1, 0)

    return run, finish


# -- torch ---------------------------------------------------------------------------


def _torch(wl: Workload) -> list[Entry]:
    def setup() -> tuple[Run, Finish]:
        import torch
        import torch.nn.functional as functional

        torch.set_num_threads(2)
        conv = {1: functional.conv1d, 2: functional.conv2d, 3: functional.conv3d}[wl.sliding_ndim]
        x, ks = wl.x, wl.kernels
        if wl.has_channels:
            channels = x.shape[-1]
            data = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 0)))[None]
        else:
            channels = 1
            data = torch.from_numpy(x)[None, None]
        if wl.channels == "each" and wl.has_channels:
            # Depthwise: group c holds filters c*F .. c*F+F-1, which is channel-major.
            weight = np.stack([w for _c in range(channels) for w in ks])[:, None]
            groups = channels
        else:
            weight = np.stack(
                [np.stack([_channel_weights(w, wl, c) for c in range(channels)]) for w in ks]
            )
            groups = 1
        weight_t = torch.from_numpy(np.ascontiguousarray(weight))
        befores = [b for b, _a, _o in wl.pads]
        symmetric = all(b == a for b, a, _o in wl.pads)
        # F.pad takes (before, after) pairs from the last axis backwards.
        pad_pairs = [v for b, a, _o in reversed(wl.pads) for v in (b, a)]

        def run() -> Any:
            with torch.inference_mode():
                if symmetric:
                    return conv(data, weight_t, stride=wl.stride, padding=befores, groups=groups)
                padded = functional.pad(data, pad_pairs)
                return conv(padded, weight_t, stride=wl.stride, groups=groups)

        def finish(result: Any) -> np.ndarray:
            out = result.numpy()[0]
            if wl.channels is None or (not wl.has_channels and len(ks) == 1):
                return np.asarray(out[0])
            return np.moveaxis(out, 0, -1)

        return run, finish

    return [Entry("torch", "", setup)]


_PEERS: dict[str, Callable[[Workload], list[Entry]]] = {
    "scipy.ndimage": _scipy_ndimage,
    "scipy.signal": _scipy_signal,
    "cv2": _cv2,
    "torch": _torch,
}


def peer_entries(wl: Workload, columns: tuple[str, ...] = PEER_COLUMNS) -> list[Entry]:
    """Every installed peer's entries for ``wl``, in column order."""
    entries: list[Entry] = []
    for column in columns:
        if available(column):
            entries.extend(_PEERS[column](wl))
    return entries
