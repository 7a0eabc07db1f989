"""A tenant's settings: what its owner chose (data sources and pages that start work, planning hour,
time zone, quiet hours, notification channels, budgets, allowed repositories and Vercel projects).

Stored settings (:class:`TenantSettings`) keep the checks of the day each document was written, so a
document saved before a check was added still loads, rather than failing every request of its tenant.
What an owner may send now is checked strictly by
:class:`shared.workspace.domain.settings_input.SettingsInput`, with every string and list bounded.
"""

import math
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from shared.platform.domain.schema import Record
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.triggers import Rule

# What a stored document may hold (TenantSettings): looser than what the code tools accept and an owner
# may send (check_repository: an owner has no '_' and does not start with '-' or '.'; a name is not
# '.' or '..'). A repository stored before that check still loads; a run naming it is refused by the
# tool's own check, and the owner replaces it with PATCH /settings.
REPOSITORY = r"^[A-Za-z0-9_.-]{1,100}(?:/[A-Za-z0-9_.-]{1,100}){1,21}$"  # a GitLab project: nested groups too
PROJECT = r"^[A-Za-z0-9_.-]{1,100}$"
VERCEL_TEAM = r"^team_[A-Za-z0-9]{1,64}$"
SLACK_CHANNEL = r"^[CG][A-Z0-9]{8,20}$"  # public (C) or private (G, older) channel ids
# An address a person reads: one @, a dot in the domain, no spaces or angle brackets (the relay checks
# the rest); 254 characters at most (RFC 5321).
EMAIL = r"^[^@\s<>,;]{1,64}@[^@\s<>,;]+\.[^@\s<>,;]+$"
# A channel's name (its form only): which names are channels is the channel table's to say
# (shared/notify/services/channel_table.py), checked as an owner changes them; one it does not know
# (a channel since removed) is skipped by the delivery, with its reason.
CHANNEL_NAME = r"^[a-z][a-z0-9_]{0,39}$"
type NotificationChannel = Annotated[str, Field(pattern=CHANNEL_NAME)]
type PageNotes = Literal["none", "start_end", "every_step"]
# The largest budgets an owner may choose: 100 times the defaults, far above real use, low enough that
# a typo (or a number too large to be one) is refused rather than becoming no limit at all.
MAX_BUDGET_USD = {
    "max_cost_per_run_usd": 100.0,
    "max_cost_per_day_usd": 500.0,
    "max_cost_per_month_usd": 5000.0,
}


def _every_channel() -> list[NotificationChannel]:
    """The default order of preference: the channel table's (a test holds them equal; this capability
    is below notify's, so it cannot read the table)."""
    return ["notion_comment", "slack", "discord", "email"]


# A Notion id (page, data source, workspace): a UUID, with or without its hyphens, in either case.
NOTION_ID = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"


def plain_notion_id(notion_id: str) -> str:
    """A Notion id as compared: without hyphens, lower case (Notion writes ids both ways; URLs drop
    the hyphens)."""
    return notion_id.replace("-", "").lower()


Repository = Annotated[str, Field(pattern=REPOSITORY)]
Project = Annotated[str, Field(pattern=PROJECT)]
SlackChannel = Annotated[str, Field(pattern=SLACK_CHANNEL)]
VercelTeam = Annotated[str, Field(pattern=VERCEL_TEAM)]


class TenantSettings(Record):
    """What the owner chose, as stored; every field has a sane default. New values are checked by
    SettingsInput; these checks are only those every stored document already meets."""

    timezone: str = "UTC"
    planning_hour: Annotated[int, Field(ge=0, le=23)] = 8
    digest: Annotated[
        bool,
        Field(
            description="A daily digest at planning_hour (runs ended, runs waiting for you, spend) on the "
            "first of Slack, Discord or email that can carry it, instead of a message at each run's end "
            "(a run's page still gets its comment)"
        ),
    ] = False
    trigger_page_notes: Annotated[
        PageNotes,
        Field(
            description="Comments a run leaves on the page that started it: start_end, one when it starts "
            "(linking its Runs row) and its result at the end; every_step, also one per finished step; "
            "none, nothing (decision requests still go there; its end goes to the other channels)"
        ),
    ] = "start_end"
    data_source_ids: Annotated[
        list[str],
        Field(
            description="Data sources the agent knows; their pages' changes start work by their trigger rules"
        ),
    ] = Field(default_factory=list)
    daily_plan: Annotated[
        bool,
        Field(
            description="A page a day in the agent's Daily plans database at planning_hour: focus, due or "
            "overdue, in progress, planned yesterday and not done, waiting on others"
        ),
    ] = True
    daily_plan_sources: Annotated[
        list[str],
        Field(
            description="Data sources the daily plan reads, each one of data_source_ids or the home's Tasks; "
            "none: all of data_source_ids and the home's Tasks"
        ),
    ] = Field(default_factory=list)
    page_ids: Annotated[
        list[str],
        Field(
            description="Pages the agent knows (reads and remembers); a change of one starts work only when it "
            "is among trigger_page_ids"
        ),
    ] = Field(default_factory=list)
    trigger_page_ids: Annotated[
        list[str] | None,
        Field(
            description="The chosen pages (each one of page_ids) whose every change starts a run; null: every "
            "one of page_ids (as before this setting)"
        ),
    ] = Field(None, exclude_if=lambda v: v is None)  # left out while unset: documents read back as before
    triggers: Annotated[
        dict[str, list[Rule]],
        Field(
            description="Trigger rules by chosen data source id: the changes of its pages that start work "
            "(docs/settings.md, Trigger rules); a chosen data source without rules here: page_created and mentioned"
        ),
    ] = Field(default_factory=dict)
    react_to_mentions: bool = True
    notification_channels: Annotated[
        list[NotificationChannel],
        Field(
            max_length=10,  # more than there are channels: a bound on what is sent, not a list of them
            json_schema_extra={"uniqueItems": True},
            description="Where notifications go, in order of preference: each goes to the first that can "
            "carry it (notion_comment: a comment on the page it is about; slack: a message in "
            "slack_channel_id once Slack is connected; discord: through the connected Discord webhook; email: to notification_email once its recipient "
            "confirmed it, else the owner's Notion email, when the deployment has a mail relay)",
        ),
    ] = Field(default_factory=_every_channel)
    notification_email: Annotated[
        Annotated[str, Field(max_length=254, pattern=EMAIL)] | None,
        Field(
            description="Where email notifications go once its recipient confirmed it (a link is mailed to it); "
            "until then and when none: the email of the person who connected the workspace"
        ),
    ] = None
    slack_channel_id: SlackChannel | None = Field(
        None, description="id (C...) of the Slack channel notifications go to; the bot must be invited to it"
    )
    quiet_hours: Annotated[
        tuple[int, int] | None,
        Field(
            description="(start, end) in whole local hours, end excluded, may wrap midnight (22, 7): normal "
            "notifications wait for the end; none (or, in a document stored before this was checked, "
            "start == end): no quiet hours"
        ),
    ] = None
    max_cost_per_run_usd: Annotated[float, Field(ge=0)] = 1.0
    max_cost_per_day_usd: Annotated[float, Field(ge=0)] = 5.0
    max_cost_per_month_usd: Annotated[float, Field(ge=0)] = 50.0
    github_repositories: Annotated[
        list[Repository],
        Field(
            max_length=50,
            description="owner/name of repositories runs may open pull requests in (a GitLab "
            "project in nested groups: group/subgroup/name)",
        ),
    ] = Field(default_factory=list)
    vercel_projects: Annotated[
        list[Project], Field(max_length=50, description="Vercel projects runs may deploy")
    ] = Field(default_factory=list)
    vercel_team_id: VercelTeam | None = Field(
        None,
        description="id (team_...) of the Vercel team that owns those projects; none: the token's own account",
    )
    code_policies: Annotated[
        dict[Repository, CodePolicy],
        Field(
            max_length=50,
            description="each repository's policy (allowed paths, largest file, auto-merge) by owner/name; "
            "a repository without one: any path, files up to 200,000 bytes, no auto-merge",
        ),
    ] = Field(default_factory=dict, exclude_if=lambda v: not v)  # left out while empty, as above

    @field_validator("notification_channels")
    @classmethod
    def _each_channel_once(cls, channels: list[NotificationChannel]) -> list[NotificationChannel]:
        if len(set(channels)) != len(channels):
            raise ValueError("names each channel at most once")
        return channels

    @field_validator(*MAX_BUDGET_USD)
    @classmethod
    def _a_finite_budget(cls, budget: float, info: ValidationInfo) -> float:
        """A budget stored before budgets were checked may be infinite, which every comparison takes
        as no limit (and JSON cannot carry): it is read as the largest budget one may choose."""
        return budget if math.isfinite(budget) else MAX_BUDGET_USD[str(info.field_name)]
