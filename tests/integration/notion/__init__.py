"""The tests of ``shared/notion``."""
