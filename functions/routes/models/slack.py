"""The answers of Slack's routes (functions.routes.slack_api): events, commands, presses, the install."""

from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class SlackEventAnswer(Schema):
    """The URL check's challenge, or what became of an event."""

    challenge: str | None = Field(None, description="Slack's url_verification: its challenge, echoed")
    result: (
        Literal[
            "started",
            "asked",
            "steered",
            "refused",
            "duplicate",
            "ignored",
            "stranger",
            "empty",
            "uninstalled",
        ]
        | None
    ) = Field(
        None,
        description="steered: a later message of the thread given to the run the person's session of it "
        "started; refused: that run could not take it (the thread says why)",
    )
    run_id: str | None = Field(
        None, description="started: the run the event started; steered: the run that took it"
    )


class SlackCommandAnswer(Schema):
    """Slack's message answer to a slash command, shown to the person who typed it alone."""

    response_type: Literal["ephemeral"]
    text: str = Field(description="What became of the command: the run's link, the Ask coming, or why not")


class SlackInstallStart(Schema):
    """Where to send the person: Slack's authorize page, with our signed state (10 minutes)."""

    authorize_url: str
    expires_in_s: int


class SlackPressAnswer(Schema):
    """What became of a press of an approval's button."""

    result: Literal["decided", "refused", "stranger"]
