"""Agents, the daily schedule, the daily digest and the day plan's page."""
