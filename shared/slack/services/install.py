"""Which Notion workspace a Slack team's events reach (decision 0173). When the owner connects Slack
with the app's bot token (``PUT /integrations/slack``), the token's team is linked to the workspace;
disconnecting Slack, or erasing the workspace, unlinks it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.platform.errors import Conflict, TransientError
from shared.slack.domain.installs import SlackInstall

if TYPE_CHECKING:
    from shared.slack.ports import SlackInstalls, SlackWeb

TAKEN = (
    "this Slack workspace already answers another Notion workspace: disconnect Slack there first; "
    "nothing was stored"
)


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


def unlink_teams(tenant_id: str, installs: SlackInstalls) -> int:
    """Forget every Slack team linked to ``tenant_id``: their events then reach nothing (404)."""
    return installs.delete_for(tenant_id)
