"""Benchmarks: each figure measured against a baseline in the same run (``python -m bench``).

Importing this package has no side effects; ``bench.runner.main`` does the work.
"""
