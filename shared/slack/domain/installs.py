"""A Slack workspace (team) the app is installed in, for one Notion workspace (tenant). The bot token
is the tenant's Slack token, the one notifications use too (``chat-token-slack-<tenant>`` in Secret
Manager, shared.workspace.domain.integrations.chat_token_secret), never in the document. Pure."""

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
    installed_at: datetime
    installed_by: str = ""  # the member id of who installed it
