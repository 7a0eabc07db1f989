"""Planning, stepping, the engine, follow-ups, approvals, rows, the sweeper."""
