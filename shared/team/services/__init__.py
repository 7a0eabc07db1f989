"""Sessions, API keys, the audit log, the team, settings and integrations."""
