"""Whole process: ``convcli apply`` PNG -> PNG against ImageMagick on the same image.

The input is a photo-like 8-bit grey PNG (smooth gradients and blobs, sensor-like noise,
a clipped shadow and a clipped highlight), made once in a temporary folder. Both tools
run the 3x3 vertical line detector with edge-replicated borders and write an 8-bit PNG
of the sum divided by 3:

* ``convcli apply in.png -k vertical-line -p same --pad-mode edge --normalize minmax
  -o out.png`` (minmax maps 0..765 to 0..255, which is /3, because the image holds
  black and white patches; convcli rounds);
* ``convert in.png -define convolve:scale=! -morphology Convolve '3x3: 0,1,0 0,1,0
  0,1,0' out.png`` (``scale=!`` divides the kernel by its sum; ImageMagick's default
  virtual pixels replicate the edge; it truncates to 8 bits), once with its default
  PNG settings (zlib level 7, adaptive filters) and once with ``-quality 15``
  (zlib level 1, adaptive filters), convcli's own PNG level.

Each output is read back and checked against the exact float64 result: every pixel
within one grey level (rounding versus truncation). Times are whole processes
(``subprocess.run``, start-up, decoding, filtering, encoding), median of several runs
taken in turns.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.measure import Row, Timing
from benchmarks.workloads import Check

IMAGEMAGICK_KERNEL = "3x3: 0,1,0 0,1,0 0,1,0"


def convcli_command() -> list[str]:
    """The installed ``convcli`` script beside this Python, else ``python -m convcli``."""
    script = Path(sys.executable).with_name("convcli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "convcli"]


def imagemagick() -> tuple[list[str], str] | None:
    """``(command, version)`` of a real ImageMagick (``magick``, else ``convert``), or None.

    A ``convert`` that is not ImageMagick (a stand-in, or Windows' disk tool) is skipped.
    """
    candidates = [["magick"], ["/usr/bin/convert"], ["convert"]]
    for command in candidates:
        if shutil.which(command[0]) is None:
            continue
        try:
            done = subprocess.run(
                [*command, "-version"], capture_output=True, text=True, timeout=30, check=False
            )
        except OSError:
            continue
        first = done.stdout.splitlines()[0] if done.stdout else ""
        if done.returncode == 0 and first.startswith("Version: ImageMagick"):
            version = first.removeprefix("Version: ").split(" https:")[0]
            return command, version
    return None


def photo_like(side: int, seed: int = 6) -> np.ndarray:
    """A ``side x side`` uint8 grey image with a photo's statistics, not a flat one.

    Examples
    --------
    >>> img = photo_like(64)
    >>> img.dtype, img.shape, int(img.min()), int(img.max())
    (dtype('uint8'), (64, 64), 0, 255)
    """
    rng = np.random.default_rng(seed)
    y = np.linspace(0.0, 1.0, side, dtype=np.float32)[:, np.newaxis]
    x = np.linspace(0.0, 1.0, side, dtype=np.float32)[np.newaxis, :]
    img = (
        110.0
        + 50.0 * np.sin(2 * np.pi * (1.3 * x + 0.6 * y))
        + 30.0 * np.cos(2 * np.pi * (2.2 * y - 0.5 * x))
    )
    for _ in range(6):  # soft blobs, like out-of-focus objects
        cy, cx, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.04, 0.15)
        img += rng.uniform(-60, 60) * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r))
    img += rng.standard_normal((side, side), dtype=np.float32) * 5.0  # sensor noise
    out = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    patch = max(side // 16, 3)
    out[side // 8 : side // 8 + patch, side // 8 : side // 8 + patch] = 0  # clipped shadow
    out[-side // 8 - patch : -side // 8, -side // 8 - patch : -side // 8] = 255  # highlight
    return out


def exact_result(img: np.ndarray) -> np.ndarray:
    """The float64 sum of each pixel and its vertical neighbours (edges replicated), / 3."""
    padded = np.pad(img.astype(np.float64), ((1, 1), (0, 0)), mode="edge")
    return (padded[:-2] + padded[1:-1] + padded[2:]) / 3.0


def check_png(path: Path, exact: np.ndarray) -> Check:
    """An 8-bit grey PNG within one grey level of ``exact`` everywhere."""
    from PIL import Image

    with Image.open(path) as im:
        mode = im.mode
        got = np.asarray(im.convert("L") if mode in ("L", "P", "LA") else im).astype(np.float64)
    if got.shape != exact.shape:
        return Check(False, "full", np.nan, f"{mode} image of shape {got.shape}")
    err = float(np.abs(got - exact).max())
    if mode != "L" or err >= 1.0:
        return Check(False, "full", err / 255, f"mode {mode}, max error {err:.2f} grey levels")
    return Check(True, "full", err / 255)


def run_process_workload(
    side: int, *, runs: int, log: Callable[[str], None] = lambda _text: None
) -> Row:
    """Time the whole-process workload; ImageMagick entries appear only when installed."""
    from PIL import Image

    title = f"process: {side}x{side} grey PNG -> 3x3 line -> PNG"
    convcli = Timing("convcli", "")
    peers: list[Timing] = []
    sizes: dict[str, float] = {}  # output MiB per entry, for the table's note
    with tempfile.TemporaryDirectory(prefix="convcli-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "in.png"
        img = photo_like(side)
        Image.fromarray(img).save(source)
        exact = exact_result(img)
        del img
        commands: list[tuple[Timing, list[str], Path]] = []
        out = folder / "convcli.png"
        convcli_args = ["apply", str(source), "-k", "vertical-line", "-p", "same"]
        convcli_args += ["--pad-mode", "edge", "--normalize", "minmax", "-o", str(out)]
        commands.append((convcli, [*convcli_command(), *convcli_args], out))
        magick = imagemagick()
        if magick is not None:
            command, _version = magick
            for variant, quality in (("", []), ("q15", ["-quality", "15"])):
                timing = Timing("ImageMagick", variant)
                peers.append(timing)
                out = folder / f"magick{variant}.png"
                args = [str(source), "-define", "convolve:scale=!", "-morphology", "Convolve"]
                commands.append(
                    (timing, [*command, *args, IMAGEMAGICK_KERNEL, *quality, str(out)], out)
                )
        for round_ in range(runs + 1):  # round 0: warm-up (disk cache) and the check
            for timing, argv, out in commands:
                if timing.error is not None or (timing.check is not None and not timing.check.ok):
                    continue
                start = time.perf_counter()
                done = subprocess.run(argv, capture_output=True, timeout=600, check=False)
                elapsed = time.perf_counter() - start
                if done.returncode != 0:
                    lines = done.stderr.decode(errors="replace").strip().splitlines()
                    timing.error = f"exit {done.returncode}: {lines[-1] if lines else ''}"[:160]
                    log(f"  {timing.label}: {timing.error}")
                    continue
                if round_ == 0:
                    timing.check = check_png(out, exact)
                    size = out.stat().st_size / 2**20
                    log(
                        f"  {timing.label}: {elapsed * 1e3:.0f} ms, {size:.1f} MiB, check "
                        + ("ok" if timing.check.ok else f"FAIL ({timing.check.message})")
                    )
                    sizes[timing.label] = size
                else:
                    timing.samples.append(elapsed)
    note = ", ".join(f"{label} {size:.1f} MiB" for label, size in sizes.items())
    return Row("png", title, convcli, peers, check_mode="full", note=f"PNG sizes: {note}")
