"""The sync routes' bodies and answers (``functions.routes.sync_api``), for the contract alone."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Schema

# A Linear personal API key: printable, no spaces; kept in Secret Manager, never shown again.
ApiKey = Annotated[str, Field(min_length=8, max_length=200, pattern=r"^[!-~]+$")]


class LinearKey(Schema):
    """What connecting Linear takes (the data source: the home's Tasks unless named)."""

    team_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[0-9A-Za-z-]+$", description="The Linear team to keep in step"
    )
    api_key: ApiKey
    data_source_id: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F-]{32,36}$",
        description="The Notion data source (default: the home's Tasks)",
    )
    model_config = ConfigDict(extra="forbid")


class LinearTeam(Schema):
    id: str
    name: str


class LinearStatus(Schema):
    tool: Literal["linear"]
    connected: bool
    account: str | None = None
    team: LinearTeam | None = None
    data_source_id: str | None = None
    connected_at: datetime | None = None


class LinearDisconnected(Schema):
    """Our secrets and record are deleted; ``webhook_deleted``: Linear deleted its webhook too."""

    tool: Literal["linear"]
    connected: Literal[False]
    webhook_deleted: bool


class SyncLogEntry(Schema):
    at: datetime
    page_id: str
    issue_id: str
    field: str
    winner: Literal["notion", "linear"]
    notion_at: datetime
    linear_at: datetime


class SyncLog(Schema):
    entries: list[SyncLogEntry]


class LinearDelivery(Schema):
    result: Literal["enqueued", "ignored"]
    detail: str


class PeopleMap(Schema):
    """The user mapping: a person's email → their Notion user id (Linear maps by its members' emails)."""

    model_config = ConfigDict(extra="forbid")

    people: Annotated[
        dict[
            Annotated[str, Field(pattern=r"^[!-?A-~]{1,64}@[!-?A-~]{1,190}$")],
            Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{32,36}$")],
        ],
        Field(max_length=500, json_schema_extra={"additionalProperties": False}),
    ]


class GitLabToken(Schema):
    """What connecting GitLab takes (the data source: the home's Tasks unless named)."""

    access_token: ApiKey
    project: (
        Annotated[int, Field(gt=0, lt=2**53)]
        | Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){1,20}$")]
    ) = Field(description="The GitLab project to keep in step: its id, or its path (group/project)")
    base_url: str = Field(
        "https://gitlab.com",
        min_length=8,
        max_length=300,
        pattern=r"^https?://",
        description="gitlab.com or a self-managed instance's https address (a public host)",
    )
    data_source_id: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F-]{32,36}$",
        description="The Notion data source (default: the home's Tasks)",
    )
    model_config = ConfigDict(extra="forbid")


class GitLabProject(Schema):
    id: int
    path: str


class GitLabStatus(Schema):
    tool: Literal["gitlab"]
    connected: bool
    account: str | None = None
    base_url: str | None = None
    project: GitLabProject | None = None
    data_source_id: str | None = None
    connected_at: datetime | None = None


class GitLabDisconnected(Schema):
    """Our secrets and record are deleted; ``webhook_deleted``: GitLab deleted its webhook too."""

    tool: Literal["gitlab"]
    connected: Literal[False]
    webhook_deleted: bool


class GitLabSyncLogEntry(Schema):
    at: datetime
    page_id: str
    issue_id: str = Field(description="The issue's number (iid) in the project")
    field: str
    winner: Literal["notion", "gitlab"]
    notion_at: datetime
    gitlab_at: datetime


class GitLabSyncLog(Schema):
    entries: list[GitLabSyncLogEntry]


class GitLabDelivery(Schema):
    result: Literal["enqueued", "ignored"]
    detail: str


class MotionKey(Schema):
    """What connecting Motion takes (the data source: the home's Tasks unless named)."""

    api_key: ApiKey
    workspace_id: str = Field(
        pattern=r"^[0-9A-Za-z_-]{1,64}$", description="The Motion workspace to keep in step: its id"
    )
    data_source_id: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F-]{32,36}$",
        description="The Notion data source (default: the home's Tasks)",
    )
    model_config = ConfigDict(extra="forbid")


class MotionWorkspace(Schema):
    id: str
    name: str
    team: bool = Field(description="A team's workspace: paced under 120 requests a minute, else 12")


class MotionStatus(Schema):
    tool: Literal["motion"]
    connected: bool
    account: str | None = None
    workspace: MotionWorkspace | None = None
    data_source_id: str | None = None
    connected_at: datetime | None = None


class MotionDisconnected(Schema):
    """Our secret and record are deleted (Motion keeps no webhook of ours)."""

    tool: Literal["motion"]
    connected: Literal[False]
    webhook_deleted: bool


class MotionSyncLogEntry(Schema):
    at: datetime
    page_id: str
    issue_id: str = Field(description="The Motion task's id")
    field: str
    winner: Literal["notion", "motion"]
    notion_at: datetime
    motion_at: datetime


class MotionSyncLog(Schema):
    entries: list[MotionSyncLogEntry]
