"""A remote MCP server stand-in built with the official ``mcp`` SDK (decision 0166): streamable HTTP on
127.0.0.1, with ordinary tools, a slow one, a failing one and a hostile one (injections in its
description and results), for the MCP capability's tests and the local stack."""
