"""Agents: instructions, routines, maps, hand-offs, and the daily schedule, digest and day plan."""
