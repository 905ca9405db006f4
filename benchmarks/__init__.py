"""convcli's benchmark suite: throughput against peers, peak memory and start-up time.

Run everything with ``python -m benchmarks.run`` from the repository root (see
``benchmarks/README.md``). Nothing under ``convcli/`` imports this package.
"""

import os

# convcli's command line runs OpenBLAS on one thread and splits work over two Python
# threads itself (see convcli/cli.py); measure the library the same way. This must
# happen before NumPy loads, hence here; a setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
