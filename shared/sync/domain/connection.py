"""What the sync keeps, none of it secret: a tenant's Linear connection, each page's link to its
issue with what each side last held, and the sync log's entries. The API key and the webhook's
signing secret are Secret Manager secrets named here, never stored in Firestore."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Record

# sync-token-linear-<tenant>: the API key (the api writes it, plan reads it)
SECRET_PREFIX = "sync-token-"  # noqa: S105 (a secret's name prefix, not a secret)
HOOK_PREFIX = "sync-hook-"  # sync-hook-linear-<tenant>: the webhook's signing secret (api reads)


def key_secret(tenant_id: str) -> str:
    return f"{SECRET_PREFIX}linear-{tenant_id}"


def hook_secret(tenant_id: str) -> str:
    return f"{HOOK_PREFIX}linear-{tenant_id}"


class LinearConnection(Record):
    """``tenants/{t}/sync/linear``."""

    model_config = ConfigDict(extra="ignore")

    team_id: str
    team_name: str = ""
    data_source_id: str
    webhook_id: str = ""
    account: str = ""  # whose key it is, as Linear says (name)
    connected_at: datetime
    # The user mapping: a person's email → their Notion user id (PUT /sync/linear/people; also learned
    # from pages whose Assignee Notion gives with an email). Linear's side maps by the team members'
    # emails. An assignee with no mapping on the other side is left unset there.
    people: dict[str, str] = Field(default_factory=dict)


class SyncLink(Record):
    """``tenants/{t}/sync_links/{page_id}``: a page's Linear issue and what each side last held."""

    model_config = ConfigDict(extra="ignore")

    page_id: str
    issue_id: str
    # Per side, each field's hash as that side held it after the last merge (what we wrote or read
    # back): a value still of that hash is no change, so our own write never comes back as one.
    notion_seen: dict[str, str] = Field(default_factory=dict)
    linear_seen: dict[str, str] = Field(default_factory=dict)
    synced_at: datetime | None = None


class LogEntry(Record):
    """``tenants/{t}/sync_log/{id}``: one field changed on both sides and which side's value was kept."""

    model_config = ConfigDict(extra="ignore")

    at: datetime
    page_id: str
    issue_id: str
    field: str
    winner: str  # notion | linear
    notion_at: datetime
    linear_at: datetime
