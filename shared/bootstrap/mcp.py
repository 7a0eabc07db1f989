"""The MCP part of the composition root: connected servers' store, the SDK's client, and what
connecting a server uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.mcp.ports import McpClient, McpServers
    from shared.mcp.services.connect import Connecting


def _client(part: Any) -> McpClient:
    from shared.mcp.adapters.sdk_client import SdkMcpClient

    return SdkMcpClient()


class Mcp:
    """The MCP servers' store and client."""

    mcp_servers: Built[McpServers] = Built.firestore(
        "shared.mcp.adapters.firestore_servers", "FirestoreMcpServers"
    )
    mcp_client: Built[McpClient] = Built("shared.mcp.adapters.sdk_client", ("httpx", "mcp"), _client)

    def __init__(self, instance: Instance, platform: Platform) -> None:
        self.instance, self.platform = instance, platform

    def connecting(self) -> Connecting:
        """What connecting, listing and removing a server use, with the settings as they are now."""
        from shared.mcp.services.connect import Connecting

        allow = self.instance.settings.mcp_allow_loopback
        return Connecting(self.mcp_servers, self.platform.secrets, self.mcp_client, allow_loopback=allow)
