"""The tests of ``shared/tools``."""
