"""A tenant's settings: what its owner chose (data sources and pages that start work, planning hour,
time zone, quiet hours, notification channels, budgets, allowed repositories and Vercel projects).

Stored settings (:class:`TenantSettings`) keep the checks of the day each document was written, so a
document saved before a check was added still loads, rather than failing every request of its tenant.
What an owner may send now is checked strictly by
:class:`shared.domain.settings_input.SettingsInput`, with every string and list bounded.
"""

import math
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.domain.schema import Schema
from shared.domain.triggers import Rule

# What a stored document may hold (TenantSettings): looser than what the code tools accept and an owner
# may send (check_repository: an owner has no '_' and does not start with '-' or '.'; a name is not
# '.' or '..'). A repository stored before that check still loads; a run naming it is refused by the
# tool's own check, and the owner replaces it with PATCH /settings.
REPOSITORY = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
PROJECT = r"^[A-Za-z0-9_.-]{1,100}$"
VERCEL_TEAM = r"^team_[A-Za-z0-9]{1,64}$"
SLACK_CHANNEL = r"^[CG][A-Z0-9]{8,20}$"  # public (C) or private (G, older) channel ids
# An address a person reads: one @, a dot in the domain, no spaces or angle brackets (the relay checks
# the rest); 254 characters at most (RFC 5321).
EMAIL = r"^[^@\s<>,;]{1,64}@[^@\s<>,;]+\.[^@\s<>,;]+$"
type NotificationChannel = Literal["notion_comment", "slack", "discord", "email"]
type PageNotes = Literal["none", "start_end", "every_step"]
# The largest budgets an owner may choose: 100 times the defaults, far above real use, low enough that
# a typo (or a number too large to be one) is refused rather than becoming no limit at all.
MAX_BUDGET_USD = {
    "max_cost_per_run_usd": 100.0,
    "max_cost_per_day_usd": 500.0,
    "max_cost_per_month_usd": 5000.0,
}


def _every_channel() -> list[NotificationChannel]:
    return ["notion_comment", "slack", "discord", "email"]


# A Notion id (page, data source, workspace): a UUID, with or without its hyphens, in either case.
NOTION_ID = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"


def plain_notion_id(notion_id: str) -> str:
    """A Notion id as compared: without hyphens, lower case (Notion writes ids both ways; URLs drop
    the hyphens)."""
    return notion_id.replace("-", "").lower()


Repository = Annotated[str, StringConstraints(pattern=REPOSITORY)]
Project = Annotated[str, StringConstraints(pattern=PROJECT)]


class TenantSettings(Schema):
    """What the owner chose, as stored; every field has a sane default. New values are checked by
    SettingsInput; these checks are only those every stored document already meets."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    planning_hour: int = Field(8, ge=0, le=23)
    digest: bool = Field(
        False,
        description="A daily digest at planning_hour (runs ended, runs waiting for you, spend) on the "
        "first of Slack, Discord or email that can carry it, instead of a message at each run's end "
        "(a run's page still gets its comment)",
    )
    trigger_page_notes: PageNotes = Field(
        "start_end",
        description="Comments a run leaves on the page that started it: start_end, one when it starts "
        "(linking its Runs row) and its result at the end; every_step, also one per finished step; "
        "none, nothing (decision requests still go there; its end goes to the other channels)",
    )
    data_source_ids: list[str] = Field(
        default_factory=list, description="Data sources whose changes start work"
    )
    daily_plan: bool = Field(
        True,
        description="A page a day in the agent's Daily plans database at planning_hour: focus, due or "
        "overdue, in progress, planned yesterday and not done, waiting on others",
    )
    daily_plan_sources: list[str] = Field(
        default_factory=list,
        description="Data sources the daily plan reads, each one of data_source_ids or the home's Tasks; "
        "none: all of data_source_ids and the home's Tasks",
    )
    page_ids: list[str] = Field(default_factory=list, description="Pages whose changes start work")
    triggers: dict[str, list[Rule]] = Field(
        default_factory=dict,
        description="Trigger rules by chosen data source id: the changes of its pages that start work "
        "(docs/settings.md, Trigger rules); a chosen data source without rules here: page_created and mentioned",
    )
    react_to_mentions: bool = True
    notification_channels: list[NotificationChannel] = Field(
        default_factory=_every_channel,
        max_length=4,
        description="Where notifications go, in order of preference: each goes to the first that can "
        "carry it (notion_comment: a comment on the page it is about; slack: a message in "
        "slack_channel_id once Slack is connected; discord: through the connected Discord webhook; email: to notification_email once its recipient "
        "confirmed it, else the owner's Notion email, when the deployment has a mail relay)",
    )
    notification_email: str | None = Field(
        None,
        max_length=254,
        pattern=EMAIL,
        description="Where email notifications go once its recipient confirmed it (a link is mailed to it); "
        "until then and when none: the email of the person who connected the workspace",
    )
    slack_channel_id: str | None = Field(
        None,
        pattern=SLACK_CHANNEL,
        description="id (C...) of the Slack channel notifications go to; the bot must be invited to it",
    )
    quiet_hours: tuple[int, int] | None = Field(
        None,
        description="(start, end) in whole local hours, end excluded, may wrap midnight (22, 7): normal "
        "notifications wait for the end; none (or, in a document stored before this was checked, "
        "start == end): no quiet hours",
    )
    max_cost_per_run_usd: float = Field(1.0, ge=0)
    max_cost_per_day_usd: float = Field(5.0, ge=0)
    max_cost_per_month_usd: float = Field(50.0, ge=0)
    github_repositories: list[Repository] = Field(
        default_factory=list,
        max_length=50,
        description="owner/name of repositories runs may open pull requests in",
    )
    vercel_projects: list[Project] = Field(
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

    @field_validator(*MAX_BUDGET_USD)
    @classmethod
    def _finite(cls, usd: float, info: ValidationInfo) -> float:
        """A budget stored before budgets were checked may be infinite or NaN, which every comparison
        takes as no limit (and JSON cannot carry): it is read as the largest budget one may choose."""
        return usd if math.isfinite(usd) else MAX_BUDGET_USD[str(info.field_name)]
