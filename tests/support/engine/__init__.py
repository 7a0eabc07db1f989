"""Test helpers of the engine: engine runs, steps, run log, spend, webhook intake."""
