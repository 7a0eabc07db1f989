"""The MCP sandbox behind OAuth (``local/mcp_sandbox/oauth.py``) through the official SDK's client auth
(``OAuthClientProvider``), as the MCP authorization specification 2025-06-18 has it: without a token a
401 naming the protected resource's metadata; the client discovers the authorization server,
registers, is sent to ``/authorize`` with a PKCE challenge, exchanges the code with its verifier and
lists the tools with the token; a code exchanged with another verifier is refused; an access token
past its lifetime is refreshed without a person by the provider that holds its expiry (a provider
made afresh over stored tokens knows no expiry: the SDK then asks the person again on the 401)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from local.mcp_sandbox.server import McpSandbox

REDIRECT = "http://127.0.0.1:9/mcp/oauth/callback"  # never reached: the code is read off the redirect


@pytest.fixture
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("unused-header-token", oauth=True) as served:
        yield served


class _Kept:
    """The SDK's ``TokenStorage`` in memory (the product's would be Secret Manager)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def _provider(sandbox: McpSandbox, kept: _Kept, sent_to: list[str]) -> OAuthClientProvider:
    code: dict[str, str] = {}

    async def redirect(url: str) -> None:  # the person's browser at /authorize: approved at once
        sent_to.append(url)
        async with httpx.AsyncClient() as browser:
            answer = await browser.get(url)
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        code.update(code=query["code"][0], state=query["state"][0])

    async def callback() -> tuple[str, str | None]:
        return code["code"], code["state"]

    metadata = OAuthClientMetadata.model_validate(
        {"client_name": "Notion Agent", "redirect_uris": [REDIRECT], "scope": "sandbox"}
    )
    return OAuthClientProvider(sandbox.url, metadata, kept, redirect, callback)


def _tools(sandbox: McpSandbox, auth: httpx.Auth) -> list[str]:
    async def run() -> list[str]:
        async with (
            httpx.AsyncClient(auth=auth, timeout=10) as http,
            streamable_http_client(sandbox.url, http_client=http) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return [t.name for t in (await session.list_tools()).tools]

    return asyncio.run(run())


def test_without_a_token_the_server_names_its_protected_resource_metadata(sandbox: McpSandbox) -> None:
    answer = httpx.post(sandbox.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert answer.status_code == 401
    assert "resource_metadata=" in answer.headers["www-authenticate"]


def test_the_sdks_client_authorizes_with_pkce_and_lists_the_tools(sandbox: McpSandbox) -> None:
    kept, sent_to = _Kept(), list[str]()
    assert sandbox.auth is not None
    # Long enough that the first listing never outlives its token on a loaded machine (the server
    # counts whole seconds: a token lasts between 7 and 8 s), short enough to wait out below.
    sandbox.auth.token_seconds = 8
    provider = _provider(sandbox, kept, sent_to)
    assert "add" in _tools(sandbox, provider)
    [authorize] = sent_to
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert kept.tokens is not None and kept.tokens.refresh_token and kept.client is not None

    issued, first = sandbox.auth.issued, kept.tokens.access_token
    time.sleep(8.2)  # past the access token's lifetime
    assert "add" in _tools(sandbox, provider)
    # Refreshed (more than once if a listing outlived a token, on a loaded machine), nobody asked again.
    assert sandbox.auth.issued > issued and len(sent_to) == 1
    assert kept.tokens is not None and kept.tokens.access_token != first


def test_a_code_exchanged_with_another_verifier_is_refused(sandbox: McpSandbox) -> None:
    base = sandbox.url.removesuffix("/mcp")
    client: dict[str, Any] = httpx.post(
        f"{base}/register", json={"redirect_uris": [REDIRECT], "scope": "sandbox"}
    ).json()
    challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636's example, of another verifier
    authorize = httpx.get(
        f"{base}/authorize",
        params={
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "s1",
        },
    )
    code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
    token = httpx.post(
        f"{base}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": client["client_id"],
            "client_secret": client.get("client_secret", ""),
            "code_verifier": "not-the-verifier-of-that-challenge-0123456789abcdef",
        },
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"
