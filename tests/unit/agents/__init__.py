"""The tests of ``shared/agents``."""
