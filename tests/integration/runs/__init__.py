"""The tests of ``shared/runs``."""
