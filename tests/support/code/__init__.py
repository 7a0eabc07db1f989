"""Test helpers of code runs: their checks and their release."""
