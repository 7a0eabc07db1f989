"""The team's values: API keys and audit entries."""
