"""Test helpers of the team: members, roles, sessions, API keys, settings."""
