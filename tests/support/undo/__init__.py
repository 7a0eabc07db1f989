"""Helpers of the undo tests."""
