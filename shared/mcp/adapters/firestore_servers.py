"""Connected MCP servers in Firestore: ``tenants/{t}/mcp_servers/{id}``, each an
:class:`~shared.mcp.domain.servers.McpServer` as JSON (no token: that is the secrets port's). A
workspace has a few (at most ``MAX_SERVERS``), listed with one query of its own collection."""

from typing import Any

from google.cloud import firestore

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
