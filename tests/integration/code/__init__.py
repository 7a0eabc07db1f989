"""The tests of ``shared/code``."""
