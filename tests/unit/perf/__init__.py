"""Unit tests of the benchmarks' own helpers (tests/perf): their goals, floors and statistics."""
