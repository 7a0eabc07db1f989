"""Notion: the client, reading and writing pages (blocks, Markdown), the agent's home in a workspace, and connecting a workspace."""
