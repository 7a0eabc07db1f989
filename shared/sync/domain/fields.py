"""The fields an item has on both sides (:class:`TaskFields`) and how each is compared: a hash per
field, so what we wrote can be recognised when it comes back. Also the priority scale both sides
share, and the deterministic id of the Linear issue made for a Notion page: a retried create names
the same issue, as Linear's ``issueCreate`` takes our ``id``."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from pydantic import Field

from shared.platform.domain.schema import Record

FIELDS = ("title", "description", "status", "assignee", "due", "priority", "labels", "archived")
# Status groups: Linear's workflow state types, Notion's Status groups (To-do, In progress, Complete).
STATUS_GROUPS = ("backlog", "unstarted", "started", "completed", "canceled")
_NOTION_GROUP = {
    "backlog": "To-do",
    "unstarted": "To-do",
    "started": "In progress",
    "completed": "Complete",
    "canceled": "Complete",
}
# Linear's priority: 0 none, 1 urgent, 2 high, 3 medium, 4 low; Notion's Tasks: High, Medium, Low.
_NOTION_PRIORITY = {1: "High", 2: "High", 3: "Medium", 4: "Low"}
_LINEAR_PRIORITY = {"High": 2, "Medium": 3, "Low": 4}
_NAMESPACE = uuid.UUID("7f1c2a52-9a57-4d7b-8f0e-5a1f6f0b2c69")


class TaskFields(Record):
    """One item's synced fields, as either side holds them after mapping."""

    title: str = Field("", max_length=2000)
    description: str = Field("", max_length=100_000)  # Markdown
    status: str = "unstarted"  # one of STATUS_GROUPS
    assignee: str = ""  # the person's email ("" unassigned)
    due: str = ""  # YYYY-MM-DD or ""
    priority: int = Field(0, ge=0, le=4)  # Linear's scale
    labels: tuple[str, ...] = ()  # sorted, unique
    archived: bool = False


def value_hash(value: Any) -> str:
    """A short stable hash of one field's value (what the sync record keeps, never the value)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def hashes(fields: TaskFields) -> dict[str, str]:
    """Each field's hash."""
    return {name: value_hash(getattr(fields, name)) for name in FIELDS}


def issue_id_for(tenant_id: str, page_id: str) -> str:
    """The Linear issue id we create for ``page_id``: the same for every retry. Linear asks for a UUID
    v4's form: a name-based hash with the version 4 bits set."""
    digest = hashlib.sha256(f"{_NAMESPACE}:{tenant_id}:{page_id.replace('-', '')}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def status_group_of_notion(name: str) -> str:
    """A Notion Status option's group name (To-do, In progress, Complete) as a status group."""
    return {"To-do": "unstarted", "In progress": "started", "Complete": "completed"}.get(name, "unstarted")


def notion_status_group(group: str) -> str:
    return _NOTION_GROUP.get(group, "To-do")


def notion_priority(priority: int) -> str:
    """Linear's priority as the Tasks database's select ("" for none)."""
    return _NOTION_PRIORITY.get(priority, "")


def linear_priority(name: str) -> int:
    return _LINEAR_PRIORITY.get(name, 0)


def labels(names: Any) -> tuple[str, ...]:
    """Label names as the fields keep them: sorted, unique, non-empty strings."""
    return tuple(sorted({n for n in names or () if isinstance(n, str) and n}))
