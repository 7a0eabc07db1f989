"""The tests of ``shared/workspace``."""
