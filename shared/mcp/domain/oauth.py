"""A remote MCP server behind the MCP authorization specification's OAuth (2025-06-18), pure. The
signed state an admin's connect hands out is bound to the tenant, the person and the server; what is
kept between the connect and the callback, and the grant kept after it, are records here. Both kept values live in
Secret Manager (the registered client may hold a secret, the grant holds tokens), never in Firestore.
Decision record 0220."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from typing import Any

from pydantic import ConfigDict

from shared.platform.domain import signed_tokens
from shared.platform.domain.schema import Record
from shared.platform.errors import InvalidInput, Unauthenticated

STATE_PURPOSE = "mcp_oauth_state"
STATE_TTL_S = 600.0
CLIENT_NAME = "Notion Agent"


def pending_secret(tenant_id: str, server_id: str) -> str:
    """The secret holding a connect in progress (the registered client, PKCE's verifier, the servers'
    metadata): one per server and tenant, replaced by a new connect, deleted by the callback. ``_``
    never occurs in a server's id, so no server's token secret has this name."""
    return f"sync-mcp-{tenant_id}-{server_id}_oauth"


class Pending(Record):
    """What an admin's connect keeps for its callback (JSON in :func:`pending_secret`)."""

    model_config = ConfigDict(extra="ignore")

    nonce: str
    verifier: str  # PKCE's code verifier (the SDK's PKCEParameters)
    redirect_uri: str
    client: dict[str, Any]  # the SDK's OAuthClientInformationFull as JSON
    authorization_server: dict[str, Any]  # the SDK's OAuthMetadata as JSON
    resource: dict[str, Any] | None = None  # the SDK's ProtectedResourceMetadata as JSON

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def load(cls, value: str) -> Pending:
        return cls.model_validate(json.loads(value))


class Grant(Record):
    """What a server connected with OAuth keeps in its token secret (``mcp_token_secret``). The
    tokens are the SDK's OAuthToken as JSON; ``expires_at`` when the access token expires (epoch
    seconds; None: never said); the registered client and the servers' metadata let a call refresh
    without a person."""

    model_config = ConfigDict(extra="ignore")

    tokens: dict[str, Any]
    expires_at: float | None = None
    client: dict[str, Any]
    authorization_server: dict[str, Any]
    resource: dict[str, Any] | None = None

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def load(cls, value: str) -> Grant:
        return cls.model_validate(json.loads(value))


def expiry(expires_in: object, now: float | None = None) -> float | None:
    """When a token answered with ``expires_in`` (seconds) expires; None when the server said none."""
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
        return (now if now is not None else time.time()) + float(expires_in)
    return None


def new_state(key: str, now: float, bound: tuple[str, str, str], params: dict[str, str]) -> tuple[str, str]:
    """A fresh nonce and the signed state naming it, the tenant, the member and the server (``bound``)
    and the connect's ``params`` (its name and URL: nothing secret), valid :data:`STATE_TTL_S`."""
    nonce = secrets.token_urlsafe(24)
    claims = dict(zip(("tenant", "member", "server"), bound, strict=True))
    claims |= {"purpose": STATE_PURPOSE, "nonce": nonce}
    return nonce, signed_tokens.sign(claims | {"params": params}, key, STATE_TTL_S, now=now)


def checked_state(state: str, key: str, now: float, bound: tuple[str, str]) -> dict[str, Any]:
    """The claims of a genuine, unexpired state issued to this tenant and member (``bound``); a 400
    saying why otherwise."""
    if not state or len(state) > 4000:
        raise InvalidInput("the redirect lacks its state: connect the server again", ["state"])
    try:
        claims = signed_tokens.verify(state, key, STATE_PURPOSE, now=now)
    except Unauthenticated as exc:
        why = f"the connect state is not valid ({exc.reason})"
    else:
        issued = "|".join(str(claims.get(k)) for k in ("tenant", "member")).encode()
        if hmac.compare_digest(issued, "|".join(bound).encode()):
            return claims
        why = "the connect state was issued to another person or workspace"
    raise InvalidInput(f"{why}: connect the server again", ["state"])
