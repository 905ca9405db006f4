"""convcli's benchmark suite: throughput against peers, peak memory and start-up time.

Run everything with ``python -m benchmarks.run`` from the repository root (see
``benchmarks/README.md``). Nothing under ``convcli/`` imports this package.
"""
