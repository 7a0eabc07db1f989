"""Undo's use cases: taking recorded effects back in the workspace."""
