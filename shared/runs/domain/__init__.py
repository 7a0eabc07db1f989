"""A run's values: state, events, digest, limits, rows, intake, task bodies."""
