"""Which Notion workspace a Slack team's events reach (decision 0173). Slack is connected by the app's
install (Slack's OAuth v2, :mod:`shared.slack.services.oauth`) or a pasted bot token (``PUT
/integrations/slack``): the token's team is then linked to the workspace. Disconnecting Slack, Slack's
uninstall or revocation, or erasing the workspace unlinks it and forgets the token."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform.errors import Conflict, NotFound, TransientError
from shared.slack.domain.installs import SlackInstall
from shared.team.services.integrations import connect_integration, disconnect_integration
from shared.workspace.domain.integrations import Integration, chat_token_secret

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.platform.ports import SecretStore
    from shared.slack.ports import SlackInstalls, SlackWeb
    from shared.workspace.ports import TenantStore

TAKEN = (
    "this Slack workspace already answers another Notion workspace: disconnect Slack there first; "
    "nothing was stored"
)


class SlackLinking(NamedTuple):
    """What linking and unlinking a Slack team uses; ``account`` is the token's "who am I" check."""

    installs: SlackInstalls
    web: SlackWeb
    tenants: TenantStore
    secrets: SecretStore
    account: Callable[[str], str]


def check_free(tenant_id: str, token: str, installs: SlackInstalls, web: SlackWeb) -> str:
    """The team of ``token``, when no other tenant has linked it; Conflict (409) otherwise. A token
    Slack refuses names no team ("", left to the token's own check, which says why)."""
    if not (token.isascii() and token.isprintable()) or " " in token:
        return ""  # no token Slack gives: the token's own check refuses it with its reason
    try:
        team_id, _ = web.identity(token)
    except TransientError:
        return ""
    found = installs.get(team_id) if team_id else None
    if found is not None and found.tenant_id != tenant_id:
        raise Conflict(TAKEN)
    return team_id


def link_team(
    tenant_id: str, token: str, installs: SlackInstalls, web: SlackWeb, *, now: datetime, by: str = ""
) -> SlackInstall | None:
    """Link the team of the bot token ``token`` to ``tenant_id``; None when Slack names no team.
    Conflict (409) when another tenant linked it first (the check and the link race: the create wins)."""
    team_id, bot_user_id = web.identity(token)
    if not team_id:
        return None
    install = SlackInstall(
        team_id=team_id, tenant_id=tenant_id, bot_user_id=bot_user_id, installed_at=now, installed_by=by
    )
    kept = installs.link(install)
    if kept.tenant_id != tenant_id:
        raise Conflict(TAKEN)
    return kept


def connect_slack(
    tenant_id: str, token: Any, by: str, parts: SlackLinking, *, now: datetime
) -> dict[str, Any]:
    """Connect Slack with the bot token ``token``: its team free (else 409, nothing stored), the token
    checked and kept as the workspace's Slack token, then its team linked. The connection's status."""
    if isinstance(token, str):
        check_free(tenant_id, token, parts.installs, parts.web)
    connected = connect_integration(
        tenant_id, Integration.SLACK, token, parts.tenants, parts.secrets, account=parts.account
    )
    link_team(tenant_id, token, parts.installs, parts.web, now=now, by=by)
    return connected


def unlink_teams(tenant_id: str, installs: SlackInstalls) -> int:
    """Forget every Slack team linked to ``tenant_id``: their events then reach nothing (404)."""
    return installs.delete_for(tenant_id)


def disconnect_slack(tenant_id: str, parts: SlackLinking) -> dict[str, Any]:
    """Unlink the workspace's Slack teams and forget its Slack token; repeatable."""
    unlink_teams(tenant_id, parts.installs)
    return disconnect_integration(tenant_id, Integration.SLACK, parts.tenants, parts.secrets)


def uninstalled(
    install: SlackInstall, installs: SlackInstalls, web: SlackWeb, tenants: TenantStore, secrets: SecretStore
) -> bool:
    """Slack says the app left ``install``'s team (``app_uninstalled``, or its bot token revoked):
    the team is unlinked, and the workspace's Slack token forgotten unless it is another team's
    (the workspace connected Slack anew meanwhile). Whether the token was forgotten; repeatable."""
    installs.delete(install.team_id)
    try:
        token = secrets.get(chat_token_secret(install.tenant_id))
    except NotFound:
        return False
    try:
        team_id, _ = web.identity(token)
    except TransientError:  # revoked or refused: it is this team's dead token
        team_id = install.team_id
    if team_id != install.team_id:
        return False
    disconnect_integration(install.tenant_id, Integration.SLACK, tenants, secrets)
    return True
