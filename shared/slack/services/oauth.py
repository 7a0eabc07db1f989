"""Installing the deployment's Slack app from the console with Slack's OAuth v2 (docs/slack.md,
decision 0182). :func:`begin_install` hands out Slack's authorize URL with a signed state bound to the
tenant and the person; :func:`complete_install` takes Slack's redirect, uses the state up once,
exchanges the code (``oauth.v2.access``) and connects Slack with the bot token it gave."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform.config import PlatformSecret
from shared.platform.errors import Conflict, InvalidInput, Unauthenticated
from shared.slack.domain import oauth
from shared.slack.services.install import SlackLinking, connect_slack
from shared.workspace.domain.connecting.connection import frontend_redirect, nonce_key

if TYPE_CHECKING:
    from shared.workspace.ports import OAuthStateStore

log = logging.getLogger(__name__)
_CODE = re.compile(r"[!-~]{1,500}")


class SlackOAuth(NamedTuple):
    """What the install uses: the app's client id ("" for none), Slack's authorize page's base URL,
    the redirect URI registered with the app, the console's URL, the used states and a clock."""

    linking: SlackLinking
    states: OAuthStateStore
    client_id: str
    authorize_base: str
    redirect_uri: str
    frontend_url: str
    now: Callable[[], float] = time.time


def _client_id(parts: SlackOAuth) -> str:
    if not parts.client_id:
        raise Conflict(
            "this deployment has no Slack app to install (its operator sets NA_SLACK_CLIENT_ID, docs/deploy.md): "
            "paste the app's bot token instead"
        )
    return parts.client_id


def begin_install(tenant_id: str, member_id: str, parts: SlackOAuth) -> dict[str, Any]:
    """Slack's authorize URL for this person and workspace, valid 10 minutes; writes nothing."""
    client_id = _client_id(parts)
    key = parts.linking.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    _, state = oauth.new_state(key, parts.now(), tenant_id, member_id)
    url = oauth.authorize_url(parts.authorize_base, client_id, parts.redirect_uri, state)
    return {"authorize_url": url, "expires_in_s": int(oauth.STATE_TTL_S)}


def complete_install(tenant_id: str, member_id: str, args: Mapping[str, str], parts: SlackOAuth) -> str:
    """The console's URL to send the browser to after Slack's redirect (``args``: its query).

    A forged, expired or used state, one issued to another person or workspace, a malformed code and
    a code Slack refuses are 400s storing nothing. Slack's own ``error`` (the person cancelled) uses
    the state up and goes to the console. A team another workspace linked is a 409."""
    client_id, now = _client_id(parts), parts.now()
    key = parts.linking.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    nonce = oauth.checked_state(args.get("state", ""), key, now, tenant_id, member_id)
    error, code = args.get("error", ""), args.get("code", "")
    if not error and not _CODE.fullmatch(code):
        raise InvalidInput("Slack's redirect lacks a code of 1 to 500 visible ASCII characters", ["code"])
    kept_until = datetime.fromtimestamp(now, UTC) + timedelta(seconds=oauth.STATE_TTL_S)
    if not parts.states.use(nonce_key(nonce), kept_until):
        raise InvalidInput("this install link was already used: add Slack again from Integrations", ["state"])
    if error:
        reason = re.sub(r"[^a-z_]", "", error.lower())[:64] or "unknown_error"
        return frontend_redirect(
            parts.frontend_url, {"slack": "install", "connected": "false", "error": reason}
        )
    secret = parts.linking.secrets.get(PlatformSecret.SLACK_CLIENT_SECRET)
    try:
        answer = parts.linking.web.exchange(client_id, secret, code, parts.redirect_uri)
    except Unauthenticated:
        raise InvalidInput(
            "Slack refused the install's code (already used, expired, or not for this app): nothing was "
            "stored; add Slack again",
            ["code"],
        ) from None
    got = oauth.installed(answer)
    connect_slack(tenant_id, got.token, member_id, parts.linking, now=datetime.fromtimestamp(now, UTC))
    log.info("slack: installed in team %s", got.team_id)
    return frontend_redirect(parts.frontend_url, {"slack": "install", "connected": "true"})
