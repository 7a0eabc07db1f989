"""The tests of ``shared/notify``."""
