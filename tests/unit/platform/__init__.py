"""The tests of ``shared/platform``."""
