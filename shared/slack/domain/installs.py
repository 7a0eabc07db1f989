"""A Slack workspace (team) the app is installed in, for one Notion workspace (tenant). Holds the
*name* of the bot token's secret, never the token. Pure."""

from datetime import datetime

from pydantic import ConfigDict

from shared.platform.domain.schema import Record


class SlackInstall(Record):
    """``slack_teams/{team_id}``: which tenant a Slack team's events are for, and the app's bot user
    there (its own messages are not requests)."""

    model_config = ConfigDict(extra="ignore")

    team_id: str
    tenant_id: str
    bot_user_id: str
    token_secret: str  # the Secret Manager secret holding the bot token
    installed_at: datetime
    installed_by: str = ""  # the member id of who installed it


def token_secret_name(tenant_id: str, team_id: str) -> str:
    """The secret of a tenant's bot token in one Slack team."""
    return f"slack-bot-{tenant_id}-{team_id}".lower()
