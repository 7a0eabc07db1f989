"""The MCP adapters: the SDK's client over streamable HTTP and the Firestore store."""
