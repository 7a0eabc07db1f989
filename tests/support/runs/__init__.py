"""Test helpers of runs: the runs api, run rows, trigger gates and rules."""
