"""The answer of Slack's events route (functions.routes.slack_api)."""

from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class SlackEventAnswer(Schema):
    """The URL check's challenge, or what became of an event."""

    challenge: str | None = Field(None, description="Slack's url_verification: its challenge, echoed")
    result: Literal["started", "duplicate", "ignored", "stranger", "empty", "uninstalled"] | None = None
    run_id: str | None = Field(None, description="started: the run the event started")


class SlackInstallStart(Schema):
    """Where to send the person: Slack's authorize page, with our signed state (10 minutes)."""

    authorize_url: str
    expires_in_s: int


class SlackPressAnswer(Schema):
    """What became of a press of an approval's button."""

    result: Literal["decided", "refused", "stranger"]
