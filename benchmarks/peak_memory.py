"""Peak memory of ``convcli.correlate`` on a 4096x4096 float32 image, one process per kernel.

Each kernel runs in a fresh Python process (``python -m benchmarks.peak_memory --child
NAME``). The child imports NumPy and convcli and runs the same kernel once on a tiny
image (so imports, strategy modules and thread pools are in the baseline), allocates the
input (``Generator.random(dtype=float32)``: no float64 temporary), resets the kernel's
high-water mark of its resident set (``/proc/self/clear_refs``), reads the peak (the
baseline: now the current RSS, input included), runs ``convcli.correlate(x, kernel,
padding="same", stride=...)`` once and reads the peak again. The difference is
everything the call needed, the output included; the report gives it in MiB and as a
multiple of input + output.

The peak is read from ``VmHWM`` in ``/proc/self/status``, not from
``resource.getrusage(...).ru_maxrss``: Linux carries ``ru_maxrss`` over ``exec`` from
the process that started the child (here the benchmark, holding gigabytes), and the
reset does not lower it. Where ``/proc`` is missing (not Linux), ``ru_maxrss`` is used
without a reset and the table says "(no reset)".

Run alone: ``python -m benchmarks.peak_memory [--side 4096]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

REPO = Path(__file__).resolve().parents[1]
MiB = 2**20

# name -> (kernel size, kind, stride)
KERNELS: dict[str, tuple[int, str, int]] = {
    "3x3": (3, "random", 1),
    "15x15": (15, "random", 1),
    "31x31": (31, "random", 1),
    "rank-1 15x15 (Gaussian)": (15, "gaussian", 1),
    "3x3 stride 2": (3, "random", 2),
}


@dataclass(frozen=True)
class Memory:
    """One kernel's measurement (bytes)."""

    kernel: str
    input_bytes: int
    output_bytes: int
    baseline_bytes: int
    peak_bytes: int
    reset: bool = True  # whether the high-water mark was reset before the baseline
    error: str | None = None

    @property
    def extra_bytes(self) -> int:
        return self.peak_bytes - self.baseline_bytes

    @property
    def multiple(self) -> float:
        return self.extra_bytes / (self.input_bytes + self.output_bytes)


def _kernel(name: str) -> np.ndarray:
    import numpy as np

    size, kind, _stride = KERNELS[name]
    if kind == "gaussian":
        from benchmarks.workloads import gaussian_kernel

        return gaussian_kernel(size, 2.5)
    return np.random.default_rng(size).uniform(-1, 1, (size, size)).astype(np.float32)


def child(name: str, side: int) -> dict[str, object]:
    """Measure one kernel in this process (call it in a fresh one)."""
    import resource

    import numpy as np

    import convcli

    def peak() -> int:
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024  # kB
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

    kernel = _kernel(name)
    stride = KERNELS[name][2]
    convcli.correlate(np.ones((64, 64), np.float32), kernel, padding="same", stride=stride)
    x = np.random.default_rng(0).random((side, side), dtype=np.float32)
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # Linux: reset the peak RSS to the current RSS
        reset = True
    except OSError:
        reset = False
    baseline = peak()
    y = convcli.correlate(x, kernel, padding="same", stride=stride)
    top = peak()
    return {
        "kernel": name,
        "input_bytes": int(x.nbytes),
        "output_bytes": int(y.nbytes),
        "baseline_bytes": baseline,
        "peak_bytes": top,
        "reset": reset,
    }


def measure_kernel(name: str, side: int) -> Memory:
    """One kernel, measured in a fresh process."""
    argv = [sys.executable, "-m", "benchmarks.peak_memory", "--child", name]
    done = subprocess.run(
        [*argv, "--side", str(side)], capture_output=True, text=True, cwd=REPO, timeout=900
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        error = lines[-1] if lines else f"exit {done.returncode}"
        return Memory(name, 0, 0, 0, 0, error=error[:160])
    return Memory(**json.loads(done.stdout.strip().splitlines()[-1]))


def run_memory(side: int = 4096, log: Callable[[str], None] = lambda _t: None) -> list[Memory]:
    """Every kernel, each in its own process."""
    results = []
    for name in KERNELS:
        result = measure_kernel(name, side)
        results.append(result)
        log(f"  memory {name}: " + (result.error or f"{result.extra_bytes / MiB:.1f} MiB"))
    return results


def _mib(n: int) -> str:
    return f"{n / MiB:.0f}" if n >= 100 * MiB else f"{n / MiB:.1f}"


def memory_table(results: list[Memory], side: int) -> str:
    """Markdown: extra peak RSS per kernel, in MiB and as a multiple of input + output."""
    lines = [
        f"Peak memory, convcli.correlate on {side}x{side} float32, padding same "
        "(peak RSS minus the baseline with the input allocated):",
        "",
        "| kernel | input MiB | output MiB | extra peak MiB | extra / (input + output) |",
        "|---|---|---|---|---|",
    ]
    for m in results:
        if m.error:
            lines.append(f"| {m.kernel} | - | - | ERR: {m.error} | - |")
            continue
        reset = "" if m.reset else " (no reset)"
        lines.append(
            f"| {m.kernel} | {_mib(m.input_bytes)} | {_mib(m.output_bytes)} | "
            f"{_mib(m.extra_bytes)}{reset} | {m.multiple:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=4096, help="image side (default 4096)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.side)))
        return
    print(memory_table(run_memory(args.side, log=lambda t: print(t, file=sys.stderr)), args.side))


if __name__ == "__main__":
    main()
