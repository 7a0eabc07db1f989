"""schemathesis against the live local api."""
