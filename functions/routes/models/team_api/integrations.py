"""The integrations' path, body and answers (``functions.routes.integrations``)."""

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from functions.routes.models.google import MailboxState
from shared.platform.domain.schema import Schema
from shared.workspace.domain.integrations import Integration


class IntegrationPath(Schema):
    name: Integration


class IntegrationToken(Schema):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(
        min_length=8,
        max_length=1000,
        pattern=r"^[!-~]+$",
        description="The integration's token (Discord: its incoming webhook's URL); never shown again",
    )


class IntegrationState(Schema):
    connected: bool
    account: str | None = Field(
        None, description="Whom the token acts as, as the service said at connect (absent: not kept)"
    )


class Integrations(Schema):
    """Every integration, by name: one field per ``shared.domain.integrations.Integration`` (a test
    keeps them equal), so a new one is no key the contract does not name."""

    model_config = ConfigDict(extra="forbid")

    github: IntegrationState
    vercel: IntegrationState
    slack: IntegrationState
    discord: IntegrationState


class CalendarPerson(Schema):
    """A member's Google Calendar here (docs/calendar.md)."""

    member_id: str
    email: str = Field("", description="The member's address: the Google account whose calendar it is")
    yours: bool = Field(False, description="Whether it is the caller's own (only they connect it)")
    connected: bool
    channel_expires_at: datetime | None = Field(
        None, description="connected: when Google's push channel ends (renewed a day before)"
    )


class GoogleIntegration(Schema):
    """Connect Google here (docs/mail.md, docs/calendar.md): what the deployment offers, and the
    agents' connected mailboxes."""

    configured: bool = Field(description="Whether the deployment has a Google OAuth client")
    mailboxes_offered: bool = Field(
        description="Whether agents' mailboxes can be connected (a Pub/Sub topic)"
    )
    calendars_offered: bool = Field(
        description="Whether members' calendars can be connected (a push address)"
    )
    mailboxes: list[MailboxState] = Field(default_factory=list, description="Each agent's connected mailbox")


class IntegrationList(Schema):
    integrations: Integrations
    google: GoogleIntegration | None = Field(None, description="Connect Google; absent on an older api")
    calendars: list[CalendarPerson] = Field(
        default_factory=list,
        description="Each member's calendar, connected or not; empty when the deployment has no calendars",
    )


class IntegrationConnected(Schema):
    """The token is checked with the service and kept in Secret Manager."""

    integration: Integration
    connected: Literal[True]
    account: str = Field(description="Whose the token is, as the service says")


class IntegrationDisconnected(Schema):
    """The token is forgotten (its secret deleted)."""

    integration: Integration
    connected: Literal[False]
