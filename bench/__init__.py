"""Benchmarks (``python -m bench``) and fault drills (``python -m bench.r1_sigkill`` ...)."""
