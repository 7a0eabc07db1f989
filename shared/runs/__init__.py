"""A run as recorded: its state and log, limits and spend, the intake that starts one from a Notion event, the tasks that move it, and the run store."""
