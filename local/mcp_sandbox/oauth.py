"""The MCP sandbox behind OAuth, as the MCP authorization specification (2025-06-18) has a server
ask for it: the SDK's own authorization server routes (``/.well-known/oauth-protected-resource``,
``/.well-known/oauth-authorization-server``, ``/register`` unless registration is off, ``/authorize``,
``/token``, ``/revoke``: RFC 7009) over an in-memory provider, and its bearer check on ``/mcp``. The SDK's token handler checks PKCE (S256)
against the ``code_challenge`` kept with each code. ``/authorize`` approves at once, as a person who
says yes would: it redirects to the client's ``redirect_uri`` with a code and the client's state."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

type Client = OAuthClientInformationFull
SCOPE = "sandbox"
TOKEN_SECONDS = 3600


@dataclass
class SandboxAuth:
    """``OAuthAuthorizationServerProvider`` in memory: registered clients, codes, access and refresh
    tokens (each access token good ``token_seconds``); ``issued`` counts the access tokens issued (a
    test sees a refresh make one)."""

    clients: dict[str, OAuthClientInformationFull] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access: dict[str, AccessToken] = field(default_factory=dict)
    refresh: dict[str, RefreshToken] = field(default_factory=dict)
    issued: int = 0
    token_seconds: int = TOKEN_SECONDS

    def preregister(self, redirect_uri: str, *, secret: bool = True) -> OAuthClientInformationFull:
        """A client registered by hand, as an admin does at a server without dynamic registration:
        confidential (a secret sent in the token request's body) unless ``secret`` is False."""
        client = OAuthClientInformationFull.model_validate(
            {
                "client_id": f"by-hand-{secrets.token_hex(6)}",
                "redirect_uris": [redirect_uri],
                "token_endpoint_auth_method": "client_secret_post" if secret else "none",
                "grant_types": ["authorization_code", "refresh_token"],
                "scope": SCOPE,
            }
            | ({"client_secret": secrets.token_urlsafe(24)} if secret else {})
        )
        self.clients[str(client.client_id)] = client
        return client

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        if client_info.client_id is None:
            raise ValueError("a client registered without an id")
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        code = AuthorizationCode(
            code=secrets.token_urlsafe(24),
            scopes=params.scopes or [SCOPE],
            expires_at=time.time() + 300,
            client_id=client.client_id or "",
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
        )
        self.codes[code.code] = code
        return construct_redirect_uri(str(params.redirect_uri), code=code.code, state=params.state)

    async def load_authorization_code(
        self, client: Client, authorization_code: str
    ) -> AuthorizationCode | None:
        return _of(client, self.codes.get(authorization_code))

    async def load_refresh_token(self, client: Client, refresh_token: str) -> RefreshToken | None:
        return _of(client, self.refresh.get(refresh_token))

    async def exchange_authorization_code(
        self, client: Client, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        self.codes.pop(authorization_code.code, None)  # a code is used once
        return self._issue(client.client_id or "", authorization_code.scopes, authorization_code.resource)

    async def exchange_refresh_token(
        self, client: Client, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        self.refresh.pop(refresh_token.token, None)  # rotated
        return self._issue(client.client_id or "", scopes or refresh_token.scopes, refresh_token.resource)

    async def load_access_token(self, token: str) -> AccessToken | None:
        kept = self.access.get(token)
        if kept is None or (kept.expires_at is not None and kept.expires_at < time.time()):
            return None
        return kept

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        self.access.pop(token.token, None)
        self.refresh.pop(token.token, None)

    def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        expires = int(time.time()) + self.token_seconds
        self.access[access] = AccessToken(
            token=access, client_id=client_id, scopes=scopes, expires_at=expires, resource=resource
        )
        self.refresh[refresh] = RefreshToken(
            token=refresh, client_id=client_id, scopes=scopes, resource=resource
        )
        self.issued += 1
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=self.token_seconds,
            scope=" ".join(scopes),
            refresh_token=refresh,
        )


def _of[T: (AuthorizationCode, RefreshToken)](client: Client, kept: T | None) -> T | None:
    """``kept`` when it was issued to ``client`` (a code or refresh token is bound to its client)."""
    return kept if kept is not None and kept.client_id == client.client_id else None
