"""The functions' entry points: targets, cold-start imports, the callers' checks, dead letters."""
