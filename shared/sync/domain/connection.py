"""What the sync keeps, none of it secret: a tenant's connection to each tool (Linear's team, GitLab's
project, Motion's workspace), each page's link to its issue with what each side last held, and the sync log's entries.
The API key or access token and the webhook's secret are Secret Manager secrets named here, never
stored in Firestore."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, ConfigDict, Field

from shared.platform.domain.schema import Record

TITLE_CHARS = 200  # of an item's title kept in its sync log entry, so the console names what was settled

Tool = Literal["linear", "gitlab", "motion"]
# Each tool's name as people write it (in what a refusal says).
TOOL_NAMES: dict[Tool, str] = {"linear": "Linear", "gitlab": "GitLab", "motion": "Motion"}
# sync-token-<tool>-<tenant>: the API key or access token (the api writes it, plan reads it)
SECRET_PREFIX = "sync-token-"  # noqa: S105 (a secret's name prefix, not a secret)
HOOK_PREFIX = "sync-hook-"  # sync-hook-<tool>-<tenant>: the webhook's secret (api reads)


def key_secret(tenant_id: str, tool: Tool = "linear") -> str:
    return f"{SECRET_PREFIX}{tool}-{tenant_id}"


def hook_secret(tenant_id: str, tool: Tool = "linear") -> str:
    return f"{HOOK_PREFIX}{tool}-{tenant_id}"


class ToolConnection(Record):
    """What every tool's connection holds: ``tenants/{t}/sync/<tool>``."""

    model_config = ConfigDict(extra="ignore")

    data_source_id: str
    webhook_id: str = ""
    account: str = ""  # whose key it is, as the tool says (name)
    connected_at: datetime
    # The user mapping: a person's email → their Notion user id (PUT /sync/<tool>/people; also learned
    # from pages whose Assignee Notion gives with an email). The tool's side maps by its members'
    # emails. An assignee with no mapping on the other side is left unset there.
    people: dict[str, str] = Field(default_factory=dict)
    # Why the data source has no ``Sync ID`` column ("" when it has one): in the tool's status
    # (shared/sync/services/sync_column.py).
    sync_id_note: str = ""
    sync_id_added_at: datetime | None = (
        None  # when a sync task added that column (None: it had it, or has none)
    )
    # Whether a page made for another tool's item (its Sync ID names that tool) is copied to this tool
    # too: off unless the owner chose it when connecting.
    copy_other_tools: bool = False


class LinearConnection(ToolConnection):
    """``tenants/{t}/sync/linear``."""

    team_id: str
    team_name: str = ""


class GitLabConnection(ToolConnection):
    """``tenants/{t}/sync/gitlab``: the instance, the project, the token's user, and the project
    members' emails (email → GitLab user id; read at connect and at each scan)."""

    base_url: str  # https://gitlab.com or a self-managed instance's (checked at connect)
    project_id: int
    project_path: str = ""
    user_id: int  # the token's user: the author of the issues we create
    members: dict[str, int] = Field(default_factory=dict)


class MotionConnection(ToolConnection):
    """``tenants/{t}/sync/motion``: the workspace, the key's user, whether the workspace is a team's
    (its rate limit), its statuses (``{name, isDefaultStatus, isResolvedStatus}``) and its users' emails
    (email → Motion user id), read at connect. Motion has no webhooks: ``webhook_id`` stays empty."""

    workspace_id: str
    workspace_name: str = ""
    team: bool = False  # a team workspace: 120 requests a minute, else an individual's 12
    user_id: str = ""
    statuses: tuple[dict[str, Any], ...] = ()
    members: dict[str, str] = Field(default_factory=dict)


# The stored names of two fields from before they were named for the tool (decision 0150): documents
# written then are read by them; every write uses the new names.
STORED_BEFORE_0150 = {"tool_seen": "linear_seen", "tool_at": "linear_at"}


def _read_as(name: str) -> AliasChoices:
    """A field read by its name, or by its stored name of before decision 0150."""
    return AliasChoices(name, STORED_BEFORE_0150[name])


class SyncLink(Record):
    """``tenants/{t}/sync_links/{page_id}`` (``gitlab_links``, ``motion_links``): a page's issue (or
    task) in the tool and what each side last held."""

    model_config = ConfigDict(extra="ignore")

    page_id: str
    issue_id: str
    # Per side, each field's hash as that side held it after the last merge (what we wrote or read
    # back): a value still of that hash is no change, so our own write never comes back as one.
    notion_seen: dict[str, str] = Field(default_factory=dict)
    tool_seen: dict[str, str] = Field(default_factory=dict, validation_alias=_read_as("tool_seen"))
    synced_at: datetime | None = None


class LogEntry(Record):
    """``tenants/{t}/sync_log/{id}``: one field changed on both sides and which side's value was kept."""

    model_config = ConfigDict(extra="ignore")

    at: datetime
    page_id: str
    issue_id: str
    field: str
    winner: str  # notion | the tool's name
    notion_at: datetime
    tool_at: datetime = Field(validation_alias=_read_as("tool_at"))  # the tool's side's edit time
    title: str = Field("", max_length=TITLE_CHARS)  # the item's title once settled ("" before it was kept)
    id: str = Field("", exclude=True)  # the document's id (log_entry_id); not a stored field

    def entry_id(self) -> str:
        """The document's id: the one the mirror derived from the change (:func:`log_entry_id`), else
        one derived from what the entry says, never a random one (a write done twice is one entry)."""
        return self.id or log_entry_id(
            self.page_id,
            self.issue_id,
            self.field,
            self.winner,
            (self.notion_at.isoformat(), self.tool_at.isoformat()),
        )


def log_entry_id(page_id: str, issue_id: str, field: str, winner: str, change: tuple[str, ...]) -> str:
    """A sync log entry's id, derived from the change it records: the item, the field, the side kept
    and ``change`` (each side's value hash, and the hashes last seen). A redelivery, or the retry of a
    task that died after its writes, settling the same change names the same entry."""
    text = "\n".join((page_id, issue_id, field, winner, *change))
    return "c" + hashlib.sha256(text.encode()).hexdigest()[:32]
