"""Connected MCP servers in Firestore: ``tenants/{t}/mcp_servers/{id}``, each an
:class:`~shared.mcp.domain.servers.McpServer` as JSON (no token: that is the secrets port's). A
workspace has a few (at most ``MAX_SERVERS``), listed with one query of its own collection."""

from typing import Any

from google.cloud import firestore

from shared.mcp.domain.policy import Policy
from shared.mcp.domain.servers import McpServer
from shared.platform.adapters.firestore_docs import transient

MAX_SERVERS = 20


class FirestoreMcpServers:
    """:class:`shared.mcp.ports.McpServers` in Firestore."""

    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _servers(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("mcp_servers")

    def put(self, tenant_id: str, server: McpServer) -> None:
        with transient():
            self._servers(tenant_id).document(server.id).set(server.model_dump(mode="json"))

    def get(self, tenant_id: str, server_id: str) -> McpServer | None:
        with transient():
            snap = self._servers(tenant_id).document(server_id).get()
        return McpServer.model_validate(snap.to_dict()) if snap.exists else None

    def list(self, tenant_id: str) -> list[McpServer]:
        with transient():
            snaps = list(self._servers(tenant_id).limit(MAX_SERVERS + 1).stream())
        return sorted((McpServer.model_validate(s.to_dict()) for s in snaps), key=lambda s: s.id)

    def delete(self, tenant_id: str, server_id: str) -> None:
        with transient():
            self._servers(tenant_id).document(server_id).delete()


class FirestoreMcpPolicies:
    """:class:`shared.mcp.ports.McpPolicies` in Firestore: ``tenants/{t}/mcp_policies/{agent}`` holds
    ``{"tools": {"<server>/<tool>": "off" | "ask" | "allowed"}}``; one tool's is set by its field path,
    so two set at once are both kept."""

    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _doc(self, tenant_id: str, agent_id: str) -> Any:
        return (
            self._db.collection("tenants").document(tenant_id).collection("mcp_policies").document(agent_id)
        )

    def of(self, tenant_id: str, agent_id: str) -> dict[str, Policy]:
        with transient():
            snap = self._doc(tenant_id, agent_id).get()
        tools = (snap.to_dict() or {}).get("tools") or {} if snap.exists else {}
        return {key: Policy(value) for key, value in tools.items() if value in set(Policy)}

    def set(self, tenant_id: str, agent_id: str, key: str, policy: Policy) -> None:
        with transient():
            self._doc(tenant_id, agent_id).set({"tools": {key: policy.value}}, merge=True)
