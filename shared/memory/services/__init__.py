"""Indexing a workspace, searching it, asking it."""
