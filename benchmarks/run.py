"""Run the whole benchmark and print one report: ``python -m benchmarks.run [--quick]``.

Sections, in order: the library workloads (convcli against scipy, OpenCV and torch,
each output checked against a float64 reference before its time counts), the whole
process PNG -> PNG against ImageMagick (``png``), peak memory (``memory``) and start-up
(``startup``). ``--only`` picks sections or workloads by name; progress goes to standard
error, the report (Markdown) to standard output.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import peak_memory, process, report, startup
from benchmarks.measure import Row, measure
from benchmarks.peers import PEER_COLUMNS, Entry, convcli_entry, peer_entries
from benchmarks.workloads import SIZES, Check, Workload, build_workloads, verify


@dataclass(frozen=True)
class Mode:
    """How much a run measures."""

    runs: int  # timed runs per entry
    budget: float  # seconds an entry may spend timing before it stops (after 1 sample)
    max_call: float  # a peer whose one call would take longer is skipped (see too_slow)
    side: int  # image side of the whole-process and memory sections
    process_runs: int  # timed runs of each whole-process command
    startup_runs: int


MODES = {
    "full": Mode(runs=7, budget=8.0, max_call=30.0, side=4096, process_runs=3, startup_runs=10),
    "quick": Mode(runs=3, budget=2.0, max_call=5.0, side=1024, process_runs=2, startup_runs=3),
}
PROBE_FRACTION = 1 / 16
PROBE_WORK = 1e8  # multiply-adds below which no peer is probed
SECTIONS = ("png", "memory", "startup")

LEGEND = """\
Columns: median wall time in ms of one call (convcli: `convcli.correlate` or
`convcli.apply_filters`; peers: their own call on data already in their native layout);
a peer's variant in brackets (`sep`: two 1-D passes for a rank-1 kernel; `q15`:
ImageMagick with `-quality 15`); `*`: fewer than 3 timed runs (a slow entry stops after
the time budget); `FAIL`: the output differs from the float64 reference (its time is not
used); `ERR`: it raised; `skipped`: one call would take longer than the mode allows.
check: `full` = every output compared with the float64 reference, `crops` = the corners
and centre of the output; tolerance 1e-5 of sum(|w|)*max|x| (one grey level for the PNG
row). best peer: the fastest peer whose output passed. convcli / best: below 1 means
convcli is faster. Padding is Keras 'same' with zeros (edge-replicated for the PNG row)."""


def run_workloads(
    workloads: Sequence[Workload],
    *,
    runs: int,
    budget: float,
    columns: tuple[str, ...] = PEER_COLUMNS,
    max_call: float | None = None,
    extra: Callable[[Workload], list[Entry]] | None = None,
    log: Callable[[str], None] = lambda _t: None,
) -> list[Row]:
    """Check and time convcli and every available peer (plus ``extra``) on each workload."""
    rows = []
    for wl in workloads:
        log(f"{wl.name}: {wl.title}")
        peers = peer_entries(wl, columns)
        skip = too_slow(wl, columns, max_call, log) if max_call and wl.work > PROBE_WORK else {}
        entries = [convcli_entry(wl), *peers]
        if extra is not None:
            entries += extra(wl)

        def check(out: Any, wl: Workload = wl) -> Check:
            return verify(wl, out)

        timings = measure(
            [(e, check) for e in entries], runs=runs, budget=budget, skip=skip, log=log
        )
        mode, _regions = wl.check_regions()
        rows.append(Row(wl.name, wl.title, timings[0], timings[1:], check_mode=mode))
        wl.release()  # arrays hold no cycles: dropping them frees them
    return rows


def too_slow(
    wl: Workload, columns: tuple[str, ...], max_call: float, log: Callable[[str], None]
) -> dict[str, str]:
    """Peers whose one call would exceed ``max_call`` s, judged from a 1/16-size run."""
    small = wl.shrunk(PROBE_FRACTION)
    factor = wl.work / small.work
    skip = {}
    for entry in peer_entries(small, columns):
        try:
            run, _finish = entry.setup()
            start = time.perf_counter()
            run()
            estimate = (time.perf_counter() - start) * factor
        except Exception:  # the real run reports the error
            continue
        if estimate > max_call:
            skip[entry.label] = (
                f"about {estimate:.0f} s per call (from a run on 1/{factor:.0f} of the work), "
                f"over the {max_call:g} s limit"
            )
    log(f"  probed {len(skip)} too slow" if skip else "  probed: none too slow")
    small.release()
    return skip


def _names(values: Sequence[str]) -> list[str]:
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def main(argv: list[str] | None = None) -> int:
    known = [wl.name for wl in build_workloads("tiny")]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Run convcli's benchmark (see benchmarks/README.md) and print one report.",
        epilog="names: " + ", ".join([*known, *SECTIONS]),
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 runs: a sanity run")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME[,NAME]",
        help="run only these workloads or sections (names below)",
    )
    parser.add_argument("--runs", type=int, help="timed runs per entry")
    parser.add_argument("--budget", type=float, help="seconds an entry may spend timing")
    parser.add_argument(
        "--peers",
        default=",".join(PEER_COLUMNS),
        help="peer columns to run (default: all installed): " + ",".join(PEER_COLUMNS),
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write raw results")
    args = parser.parse_args(argv)

    mode = "quick" if args.quick else "full"
    settings = MODES[mode]
    runs = args.runs or settings.runs
    budget = args.budget or settings.budget
    only = set(_names(args.only))
    unknown = only - set(known) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown names: {', '.join(sorted(unknown))}; known: {parser.epilog}")
    columns = tuple(c for c in _names([args.peers]) if c in PEER_COLUMNS)

    def wanted(name: str) -> bool:
        return not only or name in only

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    magick = process.imagemagick()
    env = report.environment(magick[1] if magick else None)
    workloads = [wl for wl in build_workloads(mode) if wanted(wl.name)]
    rows = run_workloads(
        workloads, runs=runs, budget=budget, columns=columns, max_call=settings.max_call, log=log
    )
    if wanted("png"):
        log("png: whole process")
        process_runs = min(runs, settings.process_runs)
        rows.append(process.run_process_workload(settings.side, runs=process_runs, log=log))
    memory = peak_memory.run_memory(settings.side, log=log) if wanted("memory") else []
    starts = startup.run_startup(settings.startup_runs, log=log) if wanted("startup") else []

    parts = [report.header(env, mode)]
    if rows:
        parts += [report.results_table(rows, runs), LEGEND]
    if memory:
        parts.append(peak_memory.memory_table(memory, settings.side))
    if starts:
        parts.append(startup.startup_table(starts, settings.startup_runs))
    print("\n\n".join(parts))
    if args.json:
        data = {
            "mode": mode,
            "sizes": SIZES[mode],
            "environment": env,
            "rows": [report.row_json(r) for r in rows],
            "memory": [m.__dict__ | {"extra_bytes": m.extra_bytes} for m in memory],
            "startup": [
                {"label": s.label, "samples_ms": [v * 1e3 for v in s.samples], "error": s.error}
                for s in starts
            ],
        }
        args.json.write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
