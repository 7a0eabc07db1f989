"""Connecting Google: an agent's mailbox or a person's calendar, with Google's consent (README.md)."""
