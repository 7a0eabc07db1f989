"""The MCP part of the composition root: connected servers' store, the SDK's client and OAuth, and
what connecting a server uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.bootstrap.team import Team
    from shared.bootstrap.workspace import Workspace
    from shared.mcp.ports import McpAuthorizer, McpClient, McpPolicies, McpServers
    from shared.mcp.services.calls import McpCalls
    from shared.mcp.services.connect import Connecting


def _client(part: Any) -> McpClient:
    from shared.mcp.adapters.sdk_client import SdkMcpClient

    return SdkMcpClient()


def _authorizer(part: Any) -> McpAuthorizer:
    from shared.mcp.adapters.sdk_oauth import SdkMcpAuthorizer

    return SdkMcpAuthorizer()


class Mcp:
    """The MCP servers' store and client."""

    mcp_servers: Built[McpServers] = Built.firestore(
        "shared.mcp.adapters.firestore_servers", "FirestoreMcpServers"
    )
    mcp_policies: Built[McpPolicies] = Built.firestore(
        "shared.mcp.adapters.firestore_servers", "FirestoreMcpPolicies"
    )
    mcp_client: Built[McpClient] = Built("shared.mcp.adapters.sdk_client", ("httpx", "mcp"), _client)
    mcp_authorizer: Built[McpAuthorizer] = Built(
        "shared.mcp.adapters.sdk_oauth", ("httpx", "mcp"), _authorizer
    )

    def __init__(self, instance: Instance, platform: Platform, workspace: Workspace, team: Team) -> None:
        self.instance, self.platform = instance, platform
        self.workspace, self.team = workspace, team

    def connecting(self) -> Connecting:
        """What connecting, listing and removing a server use, with the settings as they are now."""
        from shared.mcp.services.connect import Connecting

        s = self.instance.settings
        return Connecting(
            self.mcp_servers,
            self.platform.secrets,
            self.mcp_client,
            allow_loopback=s.mcp_allow_loopback,
            authorizer=self.mcp_authorizer,
            states=self.workspace.oauth_states,
            callback_url=f"{s.api_url.rstrip('/')}/mcp/oauth/callback",
            frontend_url=s.frontend_url,
        )

    def calls(self, tenant_id: str, agent_id: str) -> McpCalls:
        """One agent's MCP tools in one tenant, for a step or a plan (the default agent: ``default``)."""
        from shared.mcp.services.calls import McpCalls
        from shared.mcp.services.watch import Watch

        s = self.instance.settings
        watch = Watch(
            lambda: self.team.audit,
            self.workspace.cached_tenants(),
            self.platform.queue,
            s.mcp_pause_after_failures,
        )
        return McpCalls(
            tenant_id,
            agent_id or "default",
            self.mcp_servers,
            self.mcp_policies,
            self.platform.secrets,
            self.mcp_client,
            s.mcp_timeout_s,
            s.mcp_allow_loopback,
            watch,
        )
