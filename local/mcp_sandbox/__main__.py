"""``python -m local.mcp_sandbox [port] [token]``: the MCP sandbox in the foreground on 127.0.0.1."""

from local.mcp_sandbox.server import main

main()
