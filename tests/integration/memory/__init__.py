"""The tests of ``shared/memory``."""
