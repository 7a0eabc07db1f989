"""The team: sessions, API keys, the audit log, invitations and the owner's settings."""
