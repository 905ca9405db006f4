"""Timing: check first, then medians of interleaved runs.

For each workload, every entry (convcli and each peer) is set up (untimed), called once
and its output checked against the float64 reference (:func:`benchmarks.workloads.verify`);
that first call is a warm-up (page faults, lazy imports, thread pools) and counts as a
sample only when it took longer than :data:`SLOW_FIRST` seconds. Then the entries are run
in turns (convcli, peer, peer, ..., convcli, ...), so that load from other processes on a
shared machine falls on all of them alike, until each has ``runs`` samples or has spent
``budget`` seconds (but at least one sample). Times are wall-clock (``time.perf_counter``)
around the one call, output allocation included.
"""

from __future__ import annotations

import math
import statistics
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.peers import Entry, Finish, Run
from benchmarks.workloads import Check

SLOW_FIRST = 1.0


@dataclass
class Timing:
    """What one entry gave on one workload."""

    column: str
    variant: str
    samples: list[float] = field(default_factory=list)  # seconds
    check: Check | None = None
    error: str | None = None
    skipped: str | None = None  # why it was not run (too slow at this size)

    @property
    def ok(self) -> bool:
        return (
            self.error is None and self.check is not None and self.check.ok and bool(self.samples)
        )

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1e3 if self.samples else math.nan

    @property
    def label(self) -> str:
        return f"{self.column} {self.variant}".strip()


@dataclass
class Row:
    """One workload's results: convcli's timing and each peer's."""

    name: str
    title: str
    convcli: Timing
    peers: list[Timing]
    check_mode: str = ""
    note: str = ""

    @property
    def best_peer(self) -> Timing | None:
        good = [p for p in self.peers if p.ok]
        return min(good, key=lambda p: p.median_ms) if good else None

    @property
    def ratio(self) -> float:
        best = self.best_peer
        if best is None or not self.convcli.ok:
            return math.nan
        return self.convcli.median_ms / best.median_ms


def _short_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:160]


def measure(
    entries: Sequence[tuple[Entry, Callable[[Any], Check]]],
    *,
    runs: int,
    budget: float,
    skip: Mapping[str, str] | None = None,
    log: Callable[[str], None] = lambda _text: None,
) -> list[Timing]:
    """Check, then time every entry; ``entries`` pairs an entry with its output check.

    ``skip`` maps entry labels to the reason they are not run at all.
    """
    timings: list[Timing] = []
    calls: list[Run | None] = []
    spent: list[float] = []
    for entry, check in entries:
        timing = Timing(entry.column, entry.variant)
        timings.append(timing)
        if skip and entry.label in skip:
            timing.skipped = skip[entry.label]
            log(f"  {entry.label}: skipped, {timing.skipped}")
            calls.append(None)
            spent.append(0.0)
            continue
        run: Run | None = None
        finish: Finish
        first = 0.0
        try:
            run, finish = entry.setup()
            start = time.perf_counter()
            result = run()
            first = time.perf_counter() - start
            timing.check = check(finish(result))
            del result
        except Exception as exc:  # a peer or a half-edited engine must not stop the run
            timing.error = _short_error(exc)
            log(f"  {entry.label}: {timing.error}")
            log(traceback.format_exc(limit=-3))
            run = None
        if run is not None and timing.check is not None and not timing.check.ok:
            run = None  # a wrong result's time does not count
        if run is not None and first >= SLOW_FIRST:
            timing.samples.append(first)
        calls.append(run)
        spent.append(first)
        if timing.check is not None:
            state = "ok" if timing.check.ok else f"FAIL ({timing.check.message})"
            log(f"  {entry.label}: first call {first * 1e3:.1f} ms, check {state}")

    for _round in range(runs):
        for i, (timing, run) in enumerate(zip(timings, calls, strict=True)):
            done = len(timing.samples) >= runs or (timing.samples and spent[i] >= budget)
            if run is None or done:
                continue
            start = time.perf_counter()
            try:
                result = run()
            except Exception as exc:
                timing.error = _short_error(exc)
                calls[i] = None
                continue
            elapsed = time.perf_counter() - start
            del result
            timing.samples.append(elapsed)
            spent[i] += elapsed
    return timings
