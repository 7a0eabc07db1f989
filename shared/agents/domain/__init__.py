"""Agents' values: an agent, the daily digest, the day plan, their tasks."""
