"""Tenants: one connected Notion workspace each. Pure models; stored by the TenantStore port."""

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from shared.domain.integrations import Integration
from shared.domain.schema import Schema

REPOSITORY = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
PROJECT = r"^[A-Za-z0-9_.-]{1,100}$"
VERCEL_TEAM = r"^team_[A-Za-z0-9]{1,64}$"
SLACK_CHANNEL = r"^[CG][A-Z0-9]{8,20}$"  # public (C) or private (G, older) channel ids
# An address a person reads: one @, a dot in the domain, no spaces or angle brackets (the relay checks
# the rest); 254 characters at most (RFC 5321).
EMAIL = r"^[^@\s<>,;]{1,64}@[^@\s<>,;]+\.[^@\s<>,;]+$"
type NotificationChannel = Literal["notion_comment", "slack", "email"]


def _every_channel() -> list[NotificationChannel]:
    return ["notion_comment", "slack", "email"]


def tenant_id_for(workspace_id: str) -> str:
    """The tenant of a workspace: derived, so connecting the same workspace again finds the same one."""
    canonical = workspace_id.replace("-", "").lower()
    return "t_" + hashlib.sha256(f"notion-workspace:{canonical}".encode()).hexdigest()[:32]


class TenantStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"  # the token was refused and could not be refreshed
    REVOKED = "revoked"


class TenantSettings(Schema):
    """What the owner chooses; every field has a sane default."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    planning_hour: int = Field(8, ge=0, le=23)
    data_source_ids: list[str] = Field(
        default_factory=list, description="Data sources whose changes start work"
    )
    page_ids: list[str] = Field(default_factory=list, description="Pages whose changes start work")
    react_to_mentions: bool = True
    notification_channels: list[NotificationChannel] = Field(
        default_factory=_every_channel,
        max_length=3,
        description="Where notifications go, in order of preference: each goes to the first that can "
        "carry it (notion_comment: a comment on the page it is about; slack: a message in "
        "slack_channel_id once Slack is connected; email: to notification_email, else the owner's "
        "Notion email, when the deployment has a mail relay)",
    )
    notification_email: str | None = Field(
        None,
        max_length=254,
        pattern=EMAIL,
        description="Where email notifications go; none: the email of the person who connected the workspace",
    )
    slack_channel_id: str | None = Field(
        None,
        pattern=SLACK_CHANNEL,
        description="id (C...) of the Slack channel notifications go to; the bot must be invited to it",
    )
    quiet_hours: tuple[int, int] | None = None
    max_cost_per_run_usd: float = Field(1.0, ge=0)
    max_cost_per_day_usd: float = Field(5.0, ge=0)
    max_cost_per_month_usd: float = Field(50.0, ge=0)
    github_repositories: list[Annotated[str, StringConstraints(pattern=REPOSITORY)]] = Field(
        default_factory=list,
        max_length=50,
        description="owner/name of repositories runs may open pull requests in",
    )
    vercel_projects: list[Annotated[str, StringConstraints(pattern=PROJECT)]] = Field(
        default_factory=list, max_length=50, description="Vercel projects runs may deploy"
    )
    vercel_team_id: str | None = Field(
        None,
        pattern=VERCEL_TEAM,
        description="id (team_...) of the Vercel team that owns those projects; none: the token's own account",
    )

    @field_validator("notification_channels")
    @classmethod
    def _each_once(cls, channels: list[NotificationChannel]) -> list[NotificationChannel]:
        if len(set(channels)) != len(channels):
            raise ValueError("names each channel at most once")
        return channels


class Tenant(Schema):
    """``tenants/{tenant_id}``. Holds the *name* of the token secret, never a token."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    workspace_id: str
    workspace_name: str = ""
    bot_id: str = ""
    owner_email: str = ""
    owner_user_id: str = ""
    status: TenantStatus = TenantStatus.ACTIVE
    settings: TenantSettings = Field(default_factory=TenantSettings)
    token_secret: str
    integrations: tuple[Integration, ...] = ()  # connected integrations (their tokens: Secret Manager)
    created_at: datetime
    updated_at: datetime
