"""The bodies and answers of Connect Google's routes (functions.routes.google_api)."""

from datetime import datetime

from pydantic import ConfigDict, Field

from shared.agents.domain.agents import AGENT_ID
from shared.google.domain.consent import ADDRESS
from shared.platform.domain.schema import Schema


class MailboxConnect(Schema):
    """An agent's address to connect: its Google Workspace mailbox, consented by that account."""

    model_config = ConfigDict(extra="forbid")

    agent_id: str = Field(pattern=AGENT_ID, description="The agent the mailbox is given to")
    address: str = Field(
        max_length=320,
        pattern=ADDRESS,
        description="The agent's address, e.g. scribe@acme.example (its Google Workspace account)",
    )


class GoogleConnectStart(Schema):
    """Where to send the person: Google's consent page, with our signed state (10 minutes)."""

    authorize_url: str
    expires_in_s: int


class GoogleCallbackQuery(Schema):
    """What Google's redirect brings: our state, and its code (with the scopes granted) or its error."""

    state: str = Field(max_length=4000, description="The signed state POST /google/connect/... issued")
    code: str | None = Field(None, max_length=1000, description="The authorization code")
    scope: str | None = Field(None, max_length=2000, description="The scopes granted, space separated")
    error: str | None = Field(None, max_length=200, description="Google's error, e.g. access_denied")


class MailboxPath(Schema):
    address: str = Field(max_length=320)


class MailboxDisconnected(Schema):
    """The watch stopped, the grant revoked at Google, the token and the mailbox forgotten."""

    address: str
    connected: bool


class CalendarDisconnected(Schema):
    """The channel stopped, the grant revoked at Google, the token, link and meetings forgotten."""

    person: str
    connected: bool


class MailboxState(Schema):
    """An agent's connected mailbox (docs/mail.md)."""

    address: str
    agent_id: str | None = None
    connected_at: datetime
    watch_expires: datetime | None = Field(
        None, description="When Gmail's watch ends (renewed two days before)"
    )
