"""A person's Google Calendar as a trigger and as context (README.md)."""
