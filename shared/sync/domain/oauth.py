"""OAuth 2 for Linear and GitLab, pure: each tool's OAuth app, the signed state bound to the tenant, the
person and the tool, and the PKCE verifier derived from the state's nonce. Also the grant kept beside
the access token (its refresh token and expiry) in Secret Manager. Decision record 0125."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any, NamedTuple
from urllib.parse import urlencode

from pydantic import ConfigDict

from shared.platform.domain import signed_tokens
from shared.platform.domain.schema import Record
from shared.platform.errors import InvalidInput, Unauthenticated
from shared.sync.domain.connection import Tool

STATE_PURPOSE = "sync_oauth_state"
STATE_TTL_S = 600.0
REFRESH_MARGIN_S = 300.0  # an access token this close to its expiry is refreshed before use
OAUTH_PREFIX = "sync-oauth-"  # sync-oauth-<tool>-<tenant>: the grant's refresh token and expiry


def oauth_secret(tenant_id: str, tool: Tool) -> str:
    return f"{OAUTH_PREFIX}{tool}-{tenant_id}"


class OAuthApp(NamedTuple):
    """A tool's OAuth app as the deployment registered it (its secret is read when used)."""

    tool: Tool
    authorize_url: str
    token_url: str
    revoke_url: str
    client_id: str
    scope: str  # as the tool writes it: Linear's comma separated, GitLab's space separated
    extra: tuple[tuple[str, str], ...] = ()  # more authorize parameters (Linear's actor=app)


class Grant(Record):
    """What ``sync-oauth-<tool>-<tenant>`` holds (JSON): never in Firestore."""

    model_config = ConfigDict(extra="ignore")

    refresh_token: str = ""
    expires_at: float | None = None  # epoch seconds; None: the tool gave no expiry

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def load(cls, value: str) -> Grant:
        return cls.model_validate(json.loads(value))


def grant_of(answer: dict[str, Any], now: float) -> tuple[str, Grant]:
    """The access token and the grant of a token endpoint's answer; InvalidInput if it has no token."""
    token, expires = answer.get("access_token"), answer.get("expires_in")
    if not isinstance(token, str) or not token:
        raise InvalidInput("the tool's token endpoint gave no access token: nothing was stored")
    refresh = answer.get("refresh_token")
    expiry = now + float(expires) if isinstance(expires, int | float) and expires > 0 else None
    return token, Grant(refresh_token=refresh if isinstance(refresh, str) else "", expires_at=expiry)


def needs_refresh(grant: Grant, now: float) -> bool:
    """Whether the access token expires within the margin and a refresh token can renew it."""
    return (
        bool(grant.refresh_token)
        and grant.expires_at is not None
        and grant.expires_at - now <= REFRESH_MARGIN_S
    )


def new_state(key: str, now: float, bound: tuple[str, str, Tool], params: dict[str, Any]) -> tuple[str, str]:
    """A fresh nonce and the signed, expiring state naming it, the tenant, the member and the tool
    (``bound``) and the connect's ``params`` (the team or project: nothing secret)."""
    tenant_id, member_id, tool = bound
    nonce = secrets.token_urlsafe(24)
    claims = {
        "purpose": STATE_PURPOSE,
        "nonce": nonce,
        "tenant": tenant_id,
        "member": member_id,
        "tool": tool,
        "params": params,
    }
    return nonce, signed_tokens.sign(claims, key, STATE_TTL_S, now=now)


def checked_state(
    state: str, key: str, now: float, bound: tuple[str, str, Tool]
) -> tuple[str, dict[str, Any]]:
    """The nonce and params of a genuine, unexpired state issued to this tenant, member and tool;
    InvalidInput (400) otherwise."""
    if not state:
        raise InvalidInput("the redirect lacks its state: start the connection again", ["state"])
    try:
        claims = signed_tokens.verify(state, key, STATE_PURPOSE, now=now)
    except Unauthenticated as exc:
        raise InvalidInput(f"the connect state is not valid ({exc.reason}): start again", ["state"]) from None
    tenant_id, member_id, tool = bound
    if claims.get("tool") != tool:
        raise InvalidInput("the connect state was issued for another tool: start again", ["state"])
    same = hmac.compare_digest(
        f"{claims.get('tenant')}|{claims.get('member')}".encode(), f"{tenant_id}|{member_id}".encode()
    )
    if not same:
        raise InvalidInput(
            "the connect state was issued to another person or workspace: start again", ["state"]
        )
    params = claims.get("params")
    return str(claims.get("nonce", "")), params if isinstance(params, dict) else {}


def verifier(key: str, nonce: str) -> str:
    """The PKCE code verifier of a state (43 characters of base64url): derived from its nonce with
    our key, so it travels nowhere and only we can compute it."""
    digest = hmac.new(key.encode(), f"pkce|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def challenge(code_verifier: str) -> str:
    """PKCE's S256 challenge (RFC 7636): base64url of the verifier's SHA-256, unpadded."""
    digest = hashlib.sha256(code_verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(app: OAuthApp, redirect_uri: str, state: str, code_challenge: str) -> str:
    """The tool's authorize URL: the code flow with our state and PKCE's S256 challenge."""
    query = {
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": app.scope,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        **dict(app.extra),
    }
    return f"{app.authorize_url}?{urlencode(query)}"


def apps_of(linear: tuple[str, str, str, bool], gitlab: tuple[str, str]) -> dict[Tool, OAuthApp]:
    """The configured OAuth apps: ``linear`` (client id, authorize site, API base, actor=app) and
    ``gitlab`` (client id, instance URL); a tool whose client id is empty has none."""
    linear_id, site, api, actor_app = linear
    gitlab_id, base = gitlab
    made: tuple[tuple[Tool, str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
        ("linear", linear_id, site, api, "read,write", (("actor", "app"),) if actor_app else ()),
        ("gitlab", gitlab_id, base, base, "api", ()),
    )
    return {
        tool: OAuthApp(
            tool,
            f"{page.rstrip('/')}/oauth/authorize",
            f"{tokens.rstrip('/')}/oauth/token",
            f"{tokens.rstrip('/')}/oauth/revoke",
            client_id,
            scope,
            extra,
        )
        for tool, client_id, page, tokens, scope, extra in made
        if client_id
    }


def credential(tool: Tool, access_token: str) -> str:
    """What the tool's adapter sends: Linear's ``Authorization`` value (an OAuth token is a Bearer,
    an API key goes bare), GitLab's token (always sent as a Bearer)."""
    return f"Bearer {access_token}" if tool == "linear" else access_token
