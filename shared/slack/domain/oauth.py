"""Installing the deployment's Slack app with Slack's OAuth v2 (docs/slack.md, decision 0182), pure:
the bot scopes the app asks for, Slack's authorize URL, the signed state bound to the tenant and the
person, and what of ``oauth.v2.access``'s answer is kept."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, NamedTuple
from urllib.parse import urlencode

from shared.platform.domain import signed_tokens
from shared.platform.errors import InvalidInput, Unauthenticated

STATE_PURPOSE = "slack_install_state"
STATE_TTL_S = 600.0
# The bot scopes the app asks for (deploy/slack-manifest.yaml lists the same).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "groups:history",  # a private channel's thread replies (message.groups, decision 0201)
    "im:history",
    "users:read",
    "users:read.email",
)


class Installed(NamedTuple):
    """What an install gave: the bot token (kept in Secret Manager only), its team and bot user."""

    token: str
    team_id: str
    bot_user_id: str
    team_name: str


def authorize_url(base: str, client_id: str, redirect_uri: str, state: str) -> str:
    """Slack's authorize page (``<base>/oauth/v2/authorize``) asking for :data:`BOT_SCOPES`."""
    query = {
        "client_id": client_id,
        "scope": ",".join(BOT_SCOPES),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return f"{base.rstrip('/')}/oauth/v2/authorize?{urlencode(query)}"


def new_state(key: str, now: float, tenant_id: str, member_id: str) -> tuple[str, str]:
    """A fresh nonce and the signed state naming it, the tenant and the member, valid 10 minutes."""
    nonce = secrets.token_urlsafe(24)
    claims = {"purpose": STATE_PURPOSE, "nonce": nonce, "bound": f"{tenant_id}|{member_id}"}
    return nonce, signed_tokens.sign(claims, key, STATE_TTL_S, now=now)


def checked_state(state: str, key: str, now: float, tenant_id: str, member_id: str) -> str:
    """The nonce of a genuine, unexpired state issued to this member of this tenant; InvalidInput
    (400) naming what is wrong otherwise."""
    if not state:
        raise InvalidInput("Slack's redirect lacks its state: add Slack again from Integrations", ["state"])
    try:
        claims = signed_tokens.verify(state, key, STATE_PURPOSE, now=now)
    except Unauthenticated as exc:
        raise InvalidInput(
            f"the install state is not valid ({exc.reason}): add Slack again", ["state"]
        ) from None
    if not hmac.compare_digest(str(claims.get("bound", "")).encode(), f"{tenant_id}|{member_id}".encode()):
        raise InvalidInput(
            "the install state was issued to another person or workspace: add Slack again", ["state"]
        )
    return str(claims.get("nonce", ""))


def installed(answer: dict[str, Any]) -> Installed:
    """The bot token, team and bot user of ``oauth.v2.access``'s answer; InvalidInput when it gave no
    bot token (an org-wide install, or a user token only): nothing is stored."""
    token, team = answer.get("access_token"), answer.get("team")
    team_id = team.get("id") if isinstance(team, dict) else None
    if answer.get("token_type") != "bot" or not isinstance(token, str) or not token.startswith("xoxb-"):
        raise InvalidInput(
            "Slack gave no bot token for this install (was it an org-wide install?): nothing was stored"
        )
    if not isinstance(team_id, str) or not team_id:
        raise InvalidInput("Slack named no workspace for this install: nothing was stored")
    name = team.get("name") if isinstance(team, dict) else ""
    return Installed(token, team_id, str(answer.get("bot_user_id") or ""), str(name or "")[:200])
