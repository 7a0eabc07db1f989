"""Workspace memory: passages, the index, search, Ask, and the embedders."""
