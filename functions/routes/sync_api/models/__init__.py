"""The sync routes' bodies and answers (``functions.routes.sync_api``), for the contract alone."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, create_model

from shared.platform.domain.schema import Schema
from shared.sync.domain.connection import Tool

# The Notion data source a tool's tasks are kept in (none: the home's Tasks).
DataSourceId = Annotated[
    str | None,
    Field(pattern=r"^[0-9a-fA-F-]{32,36}$", description="The Notion data source (default: the home's Tasks)"),
]


class _Body(Schema):
    """A route's body: an unknown field is refused."""

    model_config = ConfigDict(extra="forbid")


def _made(name: str, doc: str | None, /, **fields: Any) -> type[Schema]:
    """The contract's model ``name`` (``doc``: its description) of ``fields`` (pydantic's create_model)."""
    return create_model(name, __base__=Schema, __module__=__name__, __doc__=doc, **fields)


COPY_SAID = (
    "Whether tasks made in another connected tracker are copied to this one too (false unless chosen: "
    "a task made in one tracker reaches Notion, not the others)"
)


def _status(name: str, tool: Tool, **where: Any) -> type[Schema]:
    """``<name>Status``: a tool's status as :func:`shared.sync.services.connect.shown` makes it,
    ``where`` (its team, project or workspace) between the account and the data source."""
    return _made(
        f"{name}Status",
        None,
        tool=(Literal[tool], ...),
        connected=(bool, ...),
        account=(str | None, None),
        **where,
        data_source_id=(str | None, None),
        connected_at=(datetime | None, None),
        sync_id_note=(
            str | None,
            Field(None, description="Why the data source has no Sync ID column (none: it has one)"),
        ),
        copy_other_tools=(bool, Field(False, description=COPY_SAID)),
    )


def _disconnected(name: str, tool: Tool, doc: str) -> type[Schema]:
    """``<name>Disconnected``: what disconnecting a tool answers."""
    return _made(
        f"{name}Disconnected",
        doc,
        tool=(Literal[tool], ...),
        connected=(Literal[False], ...),
        webhook_deleted=(bool, ...),
        token_revoked=(
            bool | None,
            Field(None, description="Connected with OAuth: the tool revoked our token"),
        ),
        note=(str | None, Field(None, description="What to do when the tool did not confirm the revocation")),
    )


def _log(name: str, tool: Tool, issue: str | None = None) -> tuple[type[Schema], type[Schema]]:
    """``<name>SyncLogEntry`` and ``<name>SyncLog``: a tool's sync log, the tool's side's time as
    ``<tool>_at``; ``issue``: what its ``issue_id`` is, if it says."""
    entry = _made(
        f"{name}SyncLogEntry",
        None,
        at=(datetime, ...),
        page_id=(str, ...),
        issue_id=(str, Field(description=issue)),
        field=(str, ...),
        winner=(Literal["notion", tool], ...),
        notion_at=(datetime, ...),
        **{f"{tool}_at": (datetime, ...)},
        title=(
            str,
            Field(
                "", description="The item's title once settled; empty in entries made before titles were kept"
            ),
        ),
    )
    return entry, _made(f"{name}SyncLog", None, entries=(list[entry], ...))  # type: ignore[valid-type]  # made here


# A Linear personal API key: printable, no spaces; kept in Secret Manager, never shown again.
ApiKey = Annotated[str, Field(min_length=8, max_length=200, pattern=r"^[!-~]+$")]


class LinearKey(_Body):
    """What connecting Linear takes (the data source: the home's Tasks unless named)."""

    team_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[0-9A-Za-z-]+$", description="The Linear team to keep in step"
    )
    api_key: ApiKey
    data_source_id: DataSourceId = None
    copy_other_tools: bool = Field(False, description=COPY_SAID)


class LinearTeam(Schema):
    id: str
    name: str


LinearStatus = _status("Linear", "linear", team=(LinearTeam | None, None))
LinearDisconnected = _disconnected(
    "Linear",
    "linear",
    "Our secrets and record are deleted; ``webhook_deleted``: Linear deleted its webhook too.",
)
SyncLogEntry, SyncLog = _log("", "linear")


class LinearDelivery(Schema):
    result: Literal["enqueued", "ignored"]
    detail: str


class PeopleMap(_Body):
    """The user mapping: a person's email → their Notion user id (Linear maps by its members' emails)."""

    people: Annotated[
        dict[
            Annotated[str, Field(pattern=r"^[!-?A-~]{1,64}@[!-?A-~]{1,190}$")],
            Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{32,36}$")],
        ],
        Field(max_length=500, json_schema_extra={"additionalProperties": False}),
    ]


class GitLabToken(_Body):
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
    data_source_id: DataSourceId = None
    copy_other_tools: bool = Field(False, description=COPY_SAID)


class GitLabProject(Schema):
    id: int
    path: str


GitLabStatus = _status("GitLab", "gitlab", base_url=(str | None, None), project=(GitLabProject | None, None))
GitLabDisconnected = _disconnected(
    "GitLab",
    "gitlab",
    "Our secrets and record are deleted; ``webhook_deleted``: GitLab deleted its webhook too.",
)
GitLabSyncLogEntry, GitLabSyncLog = _log("GitLab", "gitlab", "The issue's number (iid) in the project")


class GitLabDelivery(Schema):
    result: Literal["enqueued", "ignored"]
    detail: str


class MotionKey(_Body):
    """What connecting Motion takes (the data source: the home's Tasks unless named)."""

    api_key: ApiKey
    workspace_id: str = Field(
        pattern=r"^[0-9A-Za-z_-]{1,64}$", description="The Motion workspace to keep in step: its id"
    )
    data_source_id: DataSourceId = None
    copy_other_tools: bool = Field(False, description=COPY_SAID)


class MotionWorkspace(Schema):
    id: str
    name: str
    team: bool = Field(description="A team's workspace: paced under 120 requests a minute, else 12")


MotionStatus = _status("Motion", "motion", workspace=(MotionWorkspace | None, None))
MotionDisconnected = _disconnected(
    "Motion", "motion", "Our secret and record are deleted (Motion keeps no webhook of ours)."
)
MotionSyncLogEntry, MotionSyncLog = _log("Motion", "motion", "The Motion task's id")


class LinearOAuthStart(_Body):
    """What connecting Linear with its OAuth app takes: the team, the data source (no key)."""

    team_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[0-9A-Za-z-]+$", description="The Linear team to keep in step"
    )
    data_source_id: DataSourceId = None
    copy_other_tools: bool = Field(False, description=COPY_SAID)


class GitLabOAuthStart(_Body):
    """What connecting GitLab with the deployment's OAuth app (at its instance) takes (no token)."""

    project: (
        Annotated[int, Field(gt=0, lt=2**53)]
        | Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){1,20}$")]
    ) = Field(description="The GitLab project to keep in step: its id, or its path (group/project)")
    data_source_id: DataSourceId = None
    copy_other_tools: bool = Field(False, description=COPY_SAID)


class OAuthStart(Schema):
    """Where to send the person: the tool's authorize page, with our signed state (10 minutes)."""

    tool: Literal["linear", "gitlab"]
    authorize_url: str
    expires_in_s: int


class OAuthCallbackQuery(Schema):
    """What the tool's redirect brings: our state, and its code or its error (the person declined)."""

    state: str = Field(
        max_length=4000,
        description="The signed state POST /sync/<tool>/oauth (or POST /slack/install) issued",
    )
    code: str | None = Field(None, max_length=500, description="The authorization code")
    error: str | None = Field(None, max_length=200, description="The tool's error, e.g. access_denied")
