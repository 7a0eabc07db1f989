"""The sync's benchmark (make bench-sync)."""
