"""Notifications' values: records, channels, the notify task."""
