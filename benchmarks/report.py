"""The report: where and with what the run happened, and the results as Markdown tables."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import Row, Timing

REPO = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return math.nan


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def _blas() -> str:
    import numpy as np

    try:
        config: Any = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy: no dicts mode
        return "unknown BLAS"


def environment(magick: str | None) -> dict[str, str]:
    """Date, machine and versions, for the report's header."""
    import numpy as np

    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    peers = []
    for name, distribution in (
        ("scipy", "scipy"),
        ("opencv", "opencv-python-headless"),
        ("torch", "torch"),
    ):
        version = _version(distribution)
        peers.append(f"{name} {version}" if version else f"{name} not installed")
    peers.append(magick or "ImageMagick not found")
    threads = {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS") or "OPENBLAS" in k}
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": (
            f"{_cpu_model()}, {cores} cores ({usable} usable), {_memory_gib():.0f} GiB, "
            f"{platform.system()} {platform.release()}"
        ),
        "python": platform.python_version(),
        "numpy": f"{np.__version__} ({_blas()})",
        "convcli": f"{_version('convcli') or '?'} (git {_git()})",
        "peers": ", ".join(peers),
        "thread settings": ", ".join(f"{k}={v}" for k, v in threads.items()) or "defaults",
    }


def format_ms(value: float) -> str:
    """Milliseconds with about three significant digits.

    Examples
    --------
    >>> [format_ms(v) for v in (3.14159, 14.23, 135.4, 3190.2)]
    ['3.14', '14.2', '135', '3190']
    """
    if math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(timings: Sequence[Timing], runs_wanted: int) -> str:
    if not timings:
        return ""
    good = [t for t in timings if t.ok]
    if good:
        best = min(good, key=lambda t: t.median_ms)
        text = format_ms(best.median_ms)
        if best.variant:
            text += f" ({best.variant})"
        if len(best.samples) < min(3, runs_wanted):
            text += "*"
        return text
    if any(t.check is not None and not t.check.ok for t in timings):
        return "FAIL"
    if all(t.skipped for t in timings):
        return "skipped"
    return "ERR"


def _footnotes(row: Row) -> list[str]:
    notes = []
    for timing in [row.convcli, *row.peers]:
        if timing.skipped is not None:
            notes.append(f"{timing.label}: skipped, {timing.skipped}")
        elif timing.error is not None:
            notes.append(f"{timing.label}: error: {timing.error}")
        elif timing.check is not None and not timing.check.ok:
            notes.append(f"{timing.label}: FAIL: {timing.check.message}")
    columns: dict[str, list[Timing]] = {}
    for timing in row.peers:
        columns.setdefault(timing.column, []).append(timing)
    for column, timings in columns.items():
        if len(timings) > 1:
            parts = [f"{t.variant or 'plain'} {format_ms(t.median_ms)}" for t in timings]
            notes.append(f"{column}: " + ", ".join(parts))
    if row.note:
        notes.append(row.note)
    return notes


def results_table(rows: Sequence[Row], runs_wanted: int) -> str:
    """The Markdown table of medians (ms), best peer and ratio, with footnotes below."""
    columns: list[str] = []
    for row in rows:
        for timing in row.peers:
            if timing.column not in columns:
                columns.append(timing.column)
    header = ["workload", "check", "convcli ms", *[f"{c} ms" for c in columns]]
    header += ["best peer", "convcli / best"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    footnotes = []
    for row in rows:
        failed = [
            t.label for t in [row.convcli, *row.peers] if t.check is not None and not t.check.ok
        ]
        check = "FAIL: " + ", ".join(failed) if failed else (row.check_mode or "-")
        cells = [row.title, check, _cell([row.convcli], runs_wanted)]
        for column in columns:
            cells.append(_cell([t for t in row.peers if t.column == column], runs_wanted))
        best = row.best_peer
        cells.append(best.label if best else "-")
        cells.append("-" if math.isnan(row.ratio) else f"{row.ratio:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
        footnotes += [f"- {row.name}: {note}" for note in _footnotes(row)]
    if footnotes:
        lines += ["", *footnotes]
    return "\n".join(lines)


def header(env: dict[str, str], mode: str) -> str:
    lines = [f"convcli benchmark, {mode} run, {env['date']}"]
    lines += [f"- {key}: {value}" for key, value in env.items() if key != "date"]
    return "\n".join(lines)


def timing_json(timing: Timing) -> dict[str, Any]:
    check = timing.check
    return {
        "label": timing.label,
        "median_ms": None if math.isnan(timing.median_ms) else timing.median_ms,
        "samples_ms": [s * 1e3 for s in timing.samples],
        "check": None
        if check is None
        else {
            "ok": check.ok,
            "mode": check.mode,
            "max_error": None if math.isnan(check.max_error) else check.max_error,
            "message": check.message,
        },
        "error": timing.error,
        "skipped": timing.skipped,
    }


def row_json(row: Row) -> dict[str, Any]:
    best = row.best_peer
    return {
        "name": row.name,
        "title": row.title,
        "convcli": timing_json(row.convcli),
        "peers": [timing_json(t) for t in row.peers],
        "best_peer": best.label if best else None,
        "ratio": None if math.isnan(row.ratio) else row.ratio,
        "note": row.note,
    }
