"""Benchmarks of the engine: long runs, maps, Notion's rate limit, watching a run, daily planning."""
