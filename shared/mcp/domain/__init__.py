"""What MCP servers and their tools are, checked: pure, no I/O."""
