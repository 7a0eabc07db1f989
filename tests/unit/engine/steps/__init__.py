"""Carrying out a step: its intent and retries, Notion's refusals and pace, the reviewer pass."""
