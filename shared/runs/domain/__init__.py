"""A run's values: state, events, digest, limits, rows, intake, task bodies. Past the limit: one job,
a run's values, each module one kind of them; no module here does I/O."""
