"""The agent's home in a workspace: the Runs, Daily plans and Tasks databases it makes under a page
the owner chose. Here: their property schemas (Notion's property configuration requests) and the ids
kept on the tenant (``Tenant.home``), so later code finds them without searching. Pure.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Record

type JSON = dict[str, Any]
type HomeKind = Literal["runs", "daily_plans", "tasks"]
KINDS: tuple[HomeKind, ...] = ("runs", "daily_plans", "tasks")

# The owner's decision on a run waiting for them (the Runs database's Decision property); on an ended
# run, a person's ask to undo it (alone, or with the runs it started: shared.engine.planning.row_undo).
UNDO_DECISIONS = ("Undo", "Undo with child runs")
DECISIONS = ("Waiting", "Approve", "Reject", *UNDO_DECISIONS)
RUN_STATUSES = ("Running", "Waiting for you", "Paused", "Completed", "Failed", "Cancelled", "Rolled back")
PRIORITIES = ("High", "Medium", "Low")


def _select(*names: str, colors: tuple[str, ...] = ()) -> JSON:
    picked = colors or ("default",) * len(names)
    return {"select": {"options": [{"name": n, "color": c} for n, c in zip(names, picked, strict=True)]}}


# Each database's title and its initial data source's properties, as POST /v1/databases takes them.
# Tasks' Status is a status property sent without options: Notion's API cannot name status groups,
# so Notion's defaults (Not started, In progress, Done in To-do, In progress, Complete) are kept.
SCHEMAS: dict[HomeKind, tuple[str, JSON]] = {
    "runs": (
        "Runs",
        {
            "Goal": {"title": {}},
            "Run id": {"rich_text": {}},
            "Status": _select(
                *RUN_STATUSES, colors=("blue", "yellow", "gray", "green", "red", "default", "orange")
            ),
            "Current step": {"rich_text": {}},
            "Trigger page": {"url": {}},
            "Started": {"date": {}},
            "Finished": {"date": {}},
            "Steps": {"number": {"format": "number"}},
            "Cost": {"number": {"format": "dollar"}},
            "Decision": _select(*DECISIONS, colors=("yellow", "green", "red", "purple", "purple")),
            "Request": {"rich_text": {}},
            "Agent": {"rich_text": {}},
            "Instructions": {"rich_text": {}},
        },
    ),
    "daily_plans": (
        "Daily plans",
        {
            "Plan": {"title": {}},
            "Day": {"date": {}},
            "Run id": {"rich_text": {}},
        },
    ),
    "tasks": (
        "Tasks",
        {
            "Name": {"title": {}},
            "Status": {"status": {}},
            "Priority": _select(*PRIORITIES, colors=("red", "yellow", "gray")),
            "Due": {"date": {}},
            "Project": {"select": {"options": []}},
            "Sync ID": {"rich_text": {}},  # the item a synced tool's page was made for (docs/sync.md)
        },
    ),
}


AGENT_COLUMNS = ("Agent", "Instructions")  # the Runs properties that name a run's agent and version


def title_of(kind: HomeKind) -> str:
    return SCHEMAS[kind][0]


class HomeDatabase(Record):
    """One database of the home: its id and its (one) data source's id."""

    model_config = ConfigDict(extra="ignore")

    database_id: str
    data_source_id: str
    chosen: bool = False  # the owner's own database (Tasks only), never made nor recreated by us
    # Runs only: it has the Agent and Instructions properties (made since agents; one made before
    # has not, and its rows are written without them). Left out of the document when False.
    agent_columns: bool = Field(False, exclude_if=lambda v: not v)


class AgentHome(Record):
    """``Tenant.home``: where the home is and the databases found or made there. ``claim`` and
    ``claim_until``: a ``POST /home`` under way (one at a time per tenant)."""

    model_config = ConfigDict(extra="ignore")

    parent_page_id: str = ""
    runs: HomeDatabase | None = None
    daily_plans: HomeDatabase | None = None
    tasks: HomeDatabase | None = None
    claim: str = ""
    claim_until: datetime | None = None

    def get(self, kind: HomeKind) -> HomeDatabase | None:
        found: HomeDatabase | None = getattr(self, kind)
        return found


class HomeState(StrEnum):
    """What became of one database in a ``GET``/``POST /home``."""

    OK = "ok"  # the stored one, alive
    FOUND = "found"  # not stored (or stored one gone) but found by its title under the parent
    CREATED = "created"
    RECREATED = "recreated"  # the stored one was deleted in Notion; a new one made
    CHOSEN = "chosen"  # the owner's own task database
    DELETED = "deleted"  # stored, but deleted (in the trash, or gone) in Notion
    ABSENT = "absent"  # none stored


class TasksChoice(Record):
    """What ``tasks`` in ``POST /home`` asks: ``create`` ours, ``auto``, or the owner's data source."""

    model_config = ConfigDict(extra="ignore")

    mode: Literal["create", "auto", "existing"]
    data_source_id: str = ""


def is_trashed(obj: JSON) -> bool:
    """Whether a Notion database or data source object is in the trash."""
    return bool(obj.get("in_trash") or obj.get("archived"))


def plain_title(obj: JSON) -> str:
    """A database's or data source's title as plain text."""
    return "".join(
        str(t.get("plain_text") or t.get("text", {}).get("content", "")) for t in obj.get("title", [])
    )


def looks_like_tasks(data_source: JSON) -> bool:
    """Whether a data source can serve as a task database: a status property and a date property."""
    kinds = {p.get("type") for p in data_source.get("properties", {}).values()}
    return "status" in kinds and "date" in kinds


class PickerItem(Record):
    """One entry of ``GET /notion/pages``."""

    model_config = ConfigDict(extra="ignore")

    id: str
    object: Literal["page", "data_source"]
    title: str
    url: str = ""
    parent_type: str = ""


def picker_item(result: JSON) -> PickerItem:
    """A search result (a page or a data source) as the picker shows it."""
    kind: Literal["page", "data_source"] = "data_source" if result.get("object") == "data_source" else "page"
    if kind == "data_source":
        title = plain_title(result)
    else:
        titles = [p for p in result.get("properties", {}).values() if p.get("type") == "title"]
        title = plain_title({"title": titles[0].get("title", [])}) if titles else ""
    parent = result.get("parent") or {}
    return PickerItem(
        id=str(result["id"]),
        object=kind,
        title=title,
        url=str(result.get("url") or ""),
        parent_type=str(parent.get("type") or ""),
    )
