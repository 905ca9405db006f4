"""Start-up: whole-process times of small convcli commands beside bare imports.

Each command runs as a fresh process (``subprocess.run``, output captured), in turns
with the others, ``runs`` times after one warm-up round; the report gives the median.
``python -c pass`` is the interpreter's own floor; ``import typer`` and ``import numpy``
are what a command pays at least when it needs them. A command that fails is reported
with its exit status and last line of standard error, not hidden.

Run alone: ``python -m benchmarks.startup [--runs 10]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.process import convcli_command

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Startup:
    """One command's samples (seconds), or why it failed."""

    label: str
    argv: list[str]
    samples: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1e3 if self.samples else float("nan")


def commands() -> list[Startup]:
    convcli = convcli_command()
    python = sys.executable
    return [
        Startup("convcli --help", [*convcli, "--help"]),
        Startup("convcli shape 28,28,1 -k 3", [*convcli, "shape", "28,28,1", "-k", "3"]),
        Startup(
            "convcli apply sample_images/seed-bump.csv -k bump",
            [*convcli, "apply", "sample_images/seed-bump.csv", "-k", "bump"],
        ),
        Startup('python -c "pass"', [python, "-c", "pass"]),
        Startup('python -c "import typer"', [python, "-c", "import typer"]),
        Startup('python -c "import numpy"', [python, "-c", "import numpy"]),
    ]


# A user's shell caches compiled modules; some sandboxes turn that off
# (PYTHONDONTWRITEBYTECODE) or move the cache, which would time compilation instead.
USER_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
}


def run_startup(runs: int = 10, log: Callable[[str], None] = lambda _t: None) -> list[Startup]:
    """Median whole-process times; round 0 is a warm-up (file cache, .pyc)."""
    items = commands()
    for round_ in range(runs + 1):
        for item in items:
            if item.error is not None:
                continue
            start = time.perf_counter()
            done = subprocess.run(
                item.argv, capture_output=True, cwd=REPO, env=USER_ENV, timeout=120, check=False
            )
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                lines = done.stderr.decode(errors="replace").strip().splitlines()
                item.error = f"exit {done.returncode}: {lines[-1] if lines else ''}"[:200]
                log(f"  {item.label}: {item.error}")
            elif round_ > 0:
                item.samples.append(elapsed)
    return items


def startup_table(items: list[Startup], runs: int) -> str:
    lines = [
        f"Start-up (whole process, median of {runs} runs):",
        "",
        "| command | median ms |",
        "|---|---|",
    ]
    for item in items:
        value = f"fails: {item.error}" if item.error else f"{item.median_ms:.0f}"
        lines.append(f"| `{item.label}` | {value} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command")
    args = parser.parse_args(argv)
    items = run_startup(args.runs, log=lambda t: print(t, file=sys.stderr))
    print(startup_table(items, args.runs))


if __name__ == "__main__":
    main()
