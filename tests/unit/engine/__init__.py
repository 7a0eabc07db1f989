"""The tests of ``shared/engine``."""
