"""The model's side of a run: its context, its plans, what it may do alone."""
