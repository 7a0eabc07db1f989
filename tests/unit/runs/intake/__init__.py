"""Notion's events in: what starts a run, the trigger gates, admission, late and re-sent events."""
