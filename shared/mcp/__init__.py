"""MCP: remote Model Context Protocol servers a workspace connects, their tools and the policy that
lets an agent call them (README.md)."""
