"""Test helpers of agents: hand-offs and children, daily planning."""
