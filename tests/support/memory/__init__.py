"""Test helpers of workspace memory: an in-memory passage store, the Ask's reach."""
