"""The MCP authorization specification's OAuth (2025-06-18) through the official SDK's own pieces
(``mcp.client.auth``, ``mcp.shared.auth``), split over an admin's two requests. :meth:`discover`: the
server's 401, its protected resource metadata, its authorization server's metadata, the issuer
checked. :meth:`register`: dynamic client registration. :meth:`exchange`: the code and PKCE's
verifier for tokens. :meth:`revoke`: a grant's tokens revoked (RFC 7009). Every URL a server names is checked by the caller's ``allowed`` before it is
fetched (a hostile server could name an internal address); no redirect is followed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from mcp.client.auth import OAuthFlowError, OAuthRegistrationError, OAuthTokenError
from mcp.client.auth.oauth2 import OAuthContext
from mcp.client.auth.utils import (
    build_oauth_authorization_server_metadata_discovery_urls,
    build_protected_resource_metadata_discovery_urls,
    create_client_registration_request,
    create_oauth_metadata_request,
    extract_resource_metadata_from_www_auth,
    extract_scope_from_www_auth,
    get_client_metadata_scopes,
    handle_auth_metadata_response,
    handle_protected_resource_response,
    handle_registration_response,
    handle_token_response_scopes,
    validate_metadata_issuer,
)
from mcp.shared.auth import (
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthMetadata,
    ProtectedResourceMetadata,
)
from mcp.shared.auth_utils import check_resource_allowed, resource_url_from_server_url
from mcp.types import LATEST_PROTOCOL_VERSION
from pydantic import AnyHttpUrl

from shared.mcp.domain.oauth import CLIENT_NAME, Grant, Pending
from shared.platform.errors import PermanentError, TransientError, Unauthenticated

TIMEOUT_S = 15.0
_PROBE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": LATEST_PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": CLIENT_NAME, "version": "1"},
    },
}

type Allowed = Callable[[str], None]  # raises ValueError (our words) for a URL that may not be fetched


class SdkMcpAuthorizer:
    """:class:`shared.mcp.ports.McpAuthorizer` over httpx and the SDK's OAuth helpers."""

    def discover(self, url: str, allowed: Allowed) -> dict[str, Any]:
        """``{"resource", "authorization_server", "scope"}`` of a server that asks for OAuth (each
        metadata the SDK's model as JSON); PermanentError saying why when it does not, or its metadata
        cannot be found or read."""

        async def run(http: httpx.AsyncClient) -> dict[str, Any]:
            allowed(url)
            first = await http.post(
                url, json=_PROBE, headers={"Accept": "application/json, text/event-stream"}
            )
            if first.status_code != 401:
                raise PermanentError(
                    f"the server answered HTTP {first.status_code} without authorization, not 401: it does "
                    "not ask for OAuth (connect it with a header token)"
                )
            resource = await _resource(http, url, first, allowed)
            issuer = str(resource.authorization_servers[0]) if resource else None
            found = await _authorization_server(http, url, issuer, allowed)
            scope = get_client_metadata_scopes(extract_scope_from_www_auth(first), resource, found)
            return {
                "resource": resource.model_dump(mode="json", exclude_none=True) if resource else None,
                "authorization_server": found.model_dump(mode="json", exclude_none=True),
                "scope": scope,
            }

        return _run(run)

    def register(
        self, authorization_server: dict[str, Any], redirect_uri: str, scope: str | None, allowed: Allowed
    ) -> dict[str, Any]:
        """The client the authorization server registers for us (RFC 7591, the SDK's request), as the
        SDK's OAuthClientInformationFull in JSON; PermanentError when it offers no registration."""
        metadata = OAuthMetadata.model_validate(authorization_server)
        if metadata.registration_endpoint is None:
            raise PermanentError(
                "the server's authorization server offers no dynamic client registration "
                "(registration_endpoint): register a client there by hand and give its client_id"
            )
        ours = OAuthClientMetadata.model_validate(
            {"client_name": CLIENT_NAME, "redirect_uris": [redirect_uri], "scope": scope}
        )

        async def run(http: httpx.AsyncClient) -> dict[str, Any]:
            request = create_client_registration_request(metadata, ours, str(metadata.issuer))
            allowed(str(request.url))
            try:
                client = await handle_registration_response(await http.send(request))
            except OAuthRegistrationError as exc:
                raise PermanentError(
                    f"the authorization server refused to register us ({str(exc)[:200]})"
                ) from None
            return client.model_dump(mode="json", exclude_none=True)

        return _run(run)

    def exchange(self, server_url: str, pending: Pending, code: str, allowed: Allowed) -> dict[str, Any]:
        """The tokens (the SDK's OAuthToken in JSON) for ``code`` with the pending connect's verifier,
        as the SDK's flow asks for them (its resource indicator, its client authentication);
        Unauthenticated when the authorization server refuses the code."""
        context = _context(server_url, pending.client, pending.authorization_server, pending.resource)
        token_url = str(OAuthMetadata.model_validate(pending.authorization_server).token_endpoint)
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending.redirect_uri,
            "client_id": str(pending.client.get("client_id") or ""),
            "code_verifier": pending.verifier,
            "resource": context.get_resource_url(),
        }
        data, headers = context.prepare_token_auth(
            data, {"Content-Type": "application/x-www-form-urlencoded"}
        )

        async def run(http: httpx.AsyncClient) -> dict[str, Any]:
            allowed(token_url)
            answer = await http.post(token_url, data=data, headers=headers)
            if answer.status_code != 200:
                raise Unauthenticated(
                    f"the authorization server refused the code (HTTP {answer.status_code})"
                )
            try:
                tokens = await handle_token_response_scopes(answer)
            except OAuthTokenError:
                raise PermanentError("the authorization server's token answer is not OAuth") from None
            return tokens.model_dump(mode="json", exclude_none=True)

        return _run(run)

    def revoke(self, server_url: str, grant: Grant, allowed: Allowed) -> None:
        """Revoke the grant's refresh token, then its access token, at the authorization server's
        ``revocation_endpoint`` (RFC 7009), the client authenticated as at its token endpoint;
        PermanentError when it refuses one, TransientError when it cannot be reached."""
        endpoint = OAuthMetadata.model_validate(grant.authorization_server).revocation_endpoint
        if endpoint is None:
            raise PermanentError("the authorization server offers no revocation_endpoint")
        context = _context(server_url, grant.client, grant.authorization_server, grant.resource)
        client_id = str(grant.client.get("client_id") or "")
        kinds = ("refresh_token", "access_token")
        tokens = [(kind, str(grant.tokens[kind])) for kind in kinds if grant.tokens.get(kind)]

        async def run(http: httpx.AsyncClient) -> None:
            allowed(str(endpoint))
            for kind, token in tokens:
                data, headers = context.prepare_token_auth(
                    {"token": token, "token_type_hint": kind, "client_id": client_id},
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                answer = await http.post(str(endpoint), data=data, headers=headers)
                if answer.status_code != 200:
                    raise PermanentError(
                        f"its authorization server refused to revoke the {kind.replace('_', ' ')} "
                        f"(HTTP {answer.status_code})"
                    )

        _run(run)


def _context(
    server_url: str,
    client: dict[str, Any],
    authorization_server: dict[str, Any],
    resource: dict[str, Any] | None,
) -> OAuthContext:
    """The SDK's OAuth context for a server, as its provider holds it after discovery and registration."""
    info = OAuthClientInformationFull.model_validate(client)
    context = OAuthContext(server_url, info, storage=None, redirect_handler=None, callback_handler=None)  # type: ignore[arg-type]  # nothing is stored through this context
    context.client_info = info
    context.oauth_metadata = OAuthMetadata.model_validate(authorization_server)
    if resource is not None:
        context.protected_resource_metadata = ProtectedResourceMetadata.model_validate(resource)
    return context


async def _resource(
    http: httpx.AsyncClient, url: str, first: httpx.Response, allowed: Allowed
) -> ProtectedResourceMetadata | None:
    """The server's protected resource metadata (RFC 9728, the SDK's order of places), its resource
    checked to be this server's; None when it publishes none (the 2025-03-26 way)."""
    for where in build_protected_resource_metadata_discovery_urls(
        extract_resource_metadata_from_www_auth(first), url
    ):
        allowed(where)
        found = await handle_protected_resource_response(
            await http.send(create_oauth_metadata_request(where))
        )
        if found is not None:
            if not check_resource_allowed(resource_url_from_server_url(url), str(found.resource)):
                raise PermanentError(
                    f"the server's protected resource metadata names another resource ({str(found.resource)[:100]})"
                )
            return found
    return None


async def _authorization_server(
    http: httpx.AsyncClient, url: str, issuer: str | None, allowed: Allowed
) -> OAuthMetadata:
    """The authorization server's metadata (RFC 8414), its issuer the one expected."""
    parts = urlsplit(url)
    expected = issuer or str(AnyHttpUrl(f"{parts.scheme}://{parts.netloc}"))  # as the SDK's flow expects
    for where in build_oauth_authorization_server_metadata_discovery_urls(issuer, url):
        allowed(where)
        ok, found = await handle_auth_metadata_response(await http.send(create_oauth_metadata_request(where)))
        if not ok:
            break
        if found is not None:
            try:
                validate_metadata_issuer(found, expected)
            except OAuthFlowError:
                raise PermanentError("the authorization server's metadata names another issuer") from None
            return found
    raise PermanentError("the server's authorization server publishes no metadata (RFC 8414) we could read")


def _run[T](body: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def run() -> T:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as http:
            return await body(http)

    try:
        return asyncio.run(run())
    except httpx.TimeoutException:
        raise TransientError("the server or its authorization server did not answer in time") from None
    except httpx.TransportError:
        raise TransientError("the server or its authorization server could not be reached") from None
