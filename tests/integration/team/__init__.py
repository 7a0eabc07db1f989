"""The tests of ``shared/team``."""
