"""Planning, stepping, the engine, follow-ups, approvals, rows, the sweeper. Past the limit: one job,
carrying a run through; each module is one part of it (a step's outcomes and its model's recorder
are split from the step by job, decision 0150)."""
