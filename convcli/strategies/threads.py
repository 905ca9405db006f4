"""At most two threads for band loops (the machine convcli targets has two cores).

NumPy ufuncs release the GIL while they run, so two threads working on different bands
overlap their arithmetic; each call still holds the GIL for a microsecond or two, which
is why small bands or small arrays gain nothing (measured 0.7-1.7x). The caller's thread
does one share of the work itself and one pool thread the other.

Do not run these threads right after a BLAS call on the same data: OpenBLAS workers spin
for ~0.1 s after a call and slow the Python threads down (the engine never mixes the two
in one correlation).

Examples
--------
>>> seen = []
>>> run_shares(lambda share, shares: seen.append((share, shares)), 2)
>>> sorted(seen)
[(0, 2), (1, 2)]
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

MAX_THREADS = 2

_PREFIX = "convcli-band"
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(MAX_THREADS - 1, thread_name_prefix=_PREFIX)
        return _pool


def run_shares(job: Callable[[int, int], None], threads: int) -> None:
    """Run ``job(share, shares)`` for every share, on ``threads`` threads (1 or 2).

    The caller's thread runs share 0; an exception in either share is raised here, after
    both have finished. Called from a pool thread, it runs ``job(0, 1)`` there.
    """
    shares = max(1, min(threads, MAX_THREADS))
    # Inside a pool thread already (a share that itself splits its work), the one pool
    # thread would wait for itself: run inline.
    if shares == 1 or threading.current_thread().name.startswith(_PREFIX):
        job(0, 1)
        return
    futures = [_executor().submit(job, share, shares) for share in range(1, shares)]
    try:
        job(0, shares)
    finally:
        for future in futures:
            future.exception()  # wait for the other share whatever happened here
    for future in futures:
        future.result()


def python_threads(jobs: int) -> int:
    """Python threads for GEMM jobs: 2 when BLAS runs single-threaded, else 1.

    OpenBLAS threads each call itself, unless ``OPENBLAS_NUM_THREADS`` (or
    ``OMP_NUM_THREADS``) was 1 when NumPy loaded it; then two Python threads share the
    jobs instead. Measured at 4096x4096 float32, 5x5: one BLAS thread 79 ms, two BLAS
    threads 71 ms, two Python threads on one-thread BLAS 43 ms; and while another
    process keeps a core busy, two BLAS threads wait on each other (up to 10x slower)
    where Python threads merely share the free core.

    Examples
    --------
    >>> python_threads(1)
    1
    """
    setting = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return min(MAX_THREADS, jobs) if setting == "1" else 1
