"""Workspace memory's benchmark (make bench-rag): collections, quality, freshness, scale."""
