"""The owner's settings and integrations through the api: what they accept, changes at once."""
