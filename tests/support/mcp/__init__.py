"""Test helpers of the MCP capability: its store in memory."""
