"""The MCP use cases: connecting a server, listing and removing it."""
