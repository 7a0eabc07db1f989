"""An admin's OAuth connect of the MCP sandbox through the api, step by step: the api over the
Firestore emulator, the connect started, the authorization page followed as a person's browser does
(the sandbox approves at once), the callback, and what Firestore and the secrets port then hold."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from local.mcp_sandbox.server import McpSandbox
from shared.mcp.adapters.firestore_servers import FirestoreMcpPolicies, FirestoreMcpServers
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth
from tests.support.workspace.connection_ownership import ADA, connect_as, people_container

CALLBACK = "http://127.0.0.1:8085/mcp/oauth/callback"  # the api's redirect URI in the fakes' settings


def api(firestore_db: Any) -> tuple[FakeContainer, dict[str, str]]:
    """The api over the emulator, loopback allowed, and Ada connected (her session and tenant)."""
    fakes = people_container(
        {"mcp_allow_loopback": True},
        mcp_servers=FirestoreMcpServers(firestore_db),
        mcp_policies=FirestoreMcpPolicies(firestore_db),
    )
    return fakes, connect_as(fakes, ADA, "code-ada")


def start(fakes: FakeContainer, session: str, sandbox: McpSandbox, **client_fields: str) -> Any:
    """The answer to ``POST /mcp/servers/oauth`` for the sandbox named Secured."""
    body = {"name": "Secured", "url": sandbox.url} | client_fields
    return client("api", fakes).post("/mcp/servers/oauth", json=body, headers=auth(session))


def started(fakes: FakeContainer, session: str, sandbox: McpSandbox, **client_fields: str) -> dict[str, Any]:
    """A connect started (its answer's body), asserted to have started."""
    answer = start(fakes, session, sandbox, **client_fields)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body: dict[str, Any] = answer.get_json()
    return body


def approved(authorization_url: str) -> dict[str, str]:
    """The person's browser at the authorization page (the sandbox approves at once): the query the
    authorization server redirects back with."""
    answer = httpx.get(authorization_url, timeout=30)
    assert answer.status_code in (302, 307), answer.text
    location = answer.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def callback(fakes: FakeContainer, session: str, query: dict[str, str]) -> Any:
    """The authorization server's redirect reaching the api in the same person's browser."""
    return client("api", fakes).get("/mcp/oauth/callback", query_string=query, headers=auth(session))


def connected(fakes: FakeContainer, session: str, sandbox: McpSandbox, **client_fields: str) -> None:
    """The whole connect, asserted to have ended connected."""
    begun = started(fakes, session, sandbox, **client_fields)
    back = callback(fakes, session, approved(begun["authorization_url"]))
    assert back.status_code == 303, back.get_data(as_text=True)
    assert back.headers["location"].endswith("connected=true"), back.headers["location"]


def docs(firestore_db: Any, tenant_id: str, collection: str = "mcp_servers") -> list[dict[str, Any]]:
    """The tenant's documents in ``collection`` (its servers by default)."""
    found = firestore_db.collection("tenants").document(tenant_id).collection(collection).stream()
    return [d.to_dict() for d in found]


def mcp_secrets(fakes: FakeContainer) -> dict[str, str]:
    """Every MCP secret the secrets port holds, by name."""
    return {k: v for k, v in fakes.secrets.values.items() if k.startswith("sync-mcp-")}
