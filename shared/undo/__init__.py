"""Undo: taking a run's effects back, each once, never over a person's later change."""
