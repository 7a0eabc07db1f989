"""A call's OAuth through the SDK's ``OAuthClientProvider`` over a server's stored grant. A provider
made afresh over stored tokens knows no expiry (it reads none from its storage): it would send an
expired token, take the 401 for a lost authorization and ask the person again. So the grant's expiry
(a minute early) is set on the provider's context, with the authorization server's metadata: an
expired access token is refreshed first, without a person, and the refreshed grant saved. No
redirect handler is given: a grant that cannot be refreshed fails the call instead of asking anyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import (
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthMetadata,
    OAuthToken,
    ProtectedResourceMetadata,
)

from shared.mcp.domain.oauth import Grant, expiry
from shared.mcp.ports import OAuthSession

EARLY_S = 60.0  # an access token this close to its expiry is refreshed before the call


class ElsewhereError(Exception):
    """A request of a call's OAuth to a host other than the server's or its token endpoint's (a
    hostile server's 401 may name any address to discover): refused, never sent."""


class GrantStorage:
    """The SDK's ``TokenStorage`` over a grant: what it reads is the grant's, what it sets is saved
    (a refreshed token with its expiry; a refresh answer without a refresh token keeps ours)."""

    def __init__(self, session: OAuthSession) -> None:
        self.grant = Grant.load(session.grant)
        self._save = session.save

    async def get_tokens(self) -> OAuthToken | None:
        return OAuthToken.model_validate(self.grant.tokens)

    async def set_tokens(self, tokens: OAuthToken) -> None:
        kept = tokens.model_dump(mode="json", exclude_none=True)
        if not tokens.refresh_token and self.grant.tokens.get("refresh_token"):
            kept["refresh_token"] = self.grant.tokens["refresh_token"]
        self.grant = self.grant.model_copy(update={"tokens": kept, "expires_at": expiry(tokens.expires_in)})
        self._save(self.grant.dump())

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return OAuthClientInformationFull.model_validate(self.grant.client)

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.grant = self.grant.model_copy(
            update={"client": client_info.model_dump(mode="json", exclude_none=True)}
        )
        self._save(self.grant.dump())


def provider(url: str, session: OAuthSession) -> tuple[OAuthClientProvider, set[str]]:
    """The SDK's provider for one call of the server at ``url``, told the grant's expiry and metadata,
    and the hosts its requests may reach (the server's, its token endpoint's)."""
    storage = GrantStorage(session)
    grant = storage.grant
    client = OAuthClientInformationFull.model_validate(grant.client)
    ours = OAuthClientMetadata.model_validate(
        {"client_name": client.client_name, "redirect_uris": client.redirect_uris, "scope": client.scope}
    )
    auth = OAuthClientProvider(url, ours, storage)
    context = auth.context
    metadata = OAuthMetadata.model_validate(grant.authorization_server)
    context.oauth_metadata = metadata
    if grant.resource is not None:
        resource = ProtectedResourceMetadata.model_validate(grant.resource)
        context.protected_resource_metadata = resource
        context.auth_server_url = str(resource.authorization_servers[0])
    # The expiry the provider's storage cannot tell it (it reads tokens, not when they expire).
    context.token_expiry_time = grant.expires_at - EARLY_S if grant.expires_at is not None else None
    hosts = {_host(url), _host(str(metadata.token_endpoint))}
    return auth, hosts


def kept_to(hosts: set[str]) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook refusing any request to a host not in ``hosts``."""

    async def check(request: httpx.Request) -> None:
        if _host(str(request.url)) not in hosts:
            raise ElsewhereError("a request of the OAuth flow to another host was refused")

    return check


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
