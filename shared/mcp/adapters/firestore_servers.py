"""Connected MCP servers in Firestore: ``tenants/{t}/mcp_servers/{id}``, each an
:class:`~shared.mcp.domain.servers.McpServer` as JSON (no token: that is the secrets port's). A
workspace has a few (at most ``MAX_SERVERS``), listed with one query of its own collection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from google.cloud import firestore

from shared.mcp.domain.policy import Policy
from shared.mcp.domain.servers import McpServer, McpTool, outcome_fields
from shared.platform.adapters.firestore_docs import in_transaction, transient

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

    def _changed(
        self, tenant_id: str, server_id: str, change: Callable[[McpServer], dict[str, Any]], what: str
    ) -> tuple[McpServer | None, dict[str, Any]]:
        """``change`` of the record as read now, written in one transaction: the record before (None:
        not there) and the fields written."""
        ref = self._servers(tenant_id).document(server_id)

        def apply(transaction: Any) -> tuple[McpServer | None, dict[str, Any]]:
            snap = ref.get(transaction=transaction)
            if not snap.exists:
                return None, {}
            current = McpServer.model_validate(snap.to_dict())
            fields = change(current)
            if fields:
                transaction.update(ref, {k: _plain(v) for k, v in fields.items()})
            return current, fields

        return in_transaction(self._db, apply, what=what)

    def outcome(self, tenant_id: str, server_id: str, ok: bool, pause_after: int, now: datetime) -> bool:
        _, fields = self._changed(
            tenant_id,
            server_id,
            lambda s: outcome_fields(s, ok, pause_after, now),
            "an MCP server's failures",
        )
        return "paused_at" in fields

    def resume(self, tenant_id: str, server_id: str) -> bool:
        unpaused = {"failures": 0, "paused_at": None, "paused_why": ""}
        before, _ = self._changed(tenant_id, server_id, lambda _: unpaused, "resuming an MCP server")
        return before is not None

    def tools_changed(self, tenant_id: str, server_id: str, now: datetime) -> None:
        self._changed(tenant_id, server_id, lambda _: {"tools_changed_at": now}, "an MCP server's change")

    def relisted(
        self, tenant_id: str, server_id: str, tools: Sequence[McpTool], now: datetime, seen: datetime | None
    ) -> None:
        def keep(current: McpServer) -> dict[str, Any]:
            listed: dict[str, Any] = {"tools": [t.model_dump(mode="json") for t in tools], "listed_at": now}
            return listed | ({"tools_changed_at": None} if current.tools_changed_at == seen else {})

        self._changed(tenant_id, server_id, keep, "an MCP server's tools listed again")

    def _pending(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("mcp_pending")

    def put_pending(self, tenant_id: str, server_id: str, expires_at: datetime) -> None:
        with transient():
            self._pending(tenant_id).document(server_id).set({"expires_at": expires_at})

    def pending(self, tenant_id: str) -> dict[str, datetime]:
        with transient():
            snaps = list(self._pending(tenant_id).limit(MAX_SERVERS * 5).stream())
        return {
            s.id: (s.to_dict() or {})["expires_at"] for s in snaps if (s.to_dict() or {}).get("expires_at")
        }

    def drop_pending(self, tenant_id: str, server_id: str) -> None:
        with transient():
            self._pending(tenant_id).document(server_id).delete()


def _plain(value: Any) -> Any:
    """A field as the record keeps it (a time as ISO 8601, as ``put`` writes it)."""
    return value.isoformat() if isinstance(value, datetime) else value


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
