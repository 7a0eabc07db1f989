"""Each side's item as :class:`~shared.sync.domain.fields.TaskFields`, and the fields back as that
side's write: a Linear issue and its ``IssueUpdateInput``; a Notion Tasks page and its properties.
The mapping of each field is the table in docs/sync.md. A field one side cannot hold stays as that
side has it: each side is compared with what it held itself, so a loss in mapping never loops."""

from __future__ import annotations

from typing import Any

from shared.sync.domain.fields import (
    TaskFields,
    labels,
    linear_priority,
    notion_priority,
)

SYNC_KEY = "Sync ID"  # the Tasks property naming the tool's item a page was made for (docs/sync.md)
SYNC_KEY_COLUMN: dict[str, Any] = {
    SYNC_KEY: {"rich_text": {}}
}  # its configuration, as a data source update adds it
_LINEAR_TYPES = {"triage": "backlog"}  # Linear's triage state type counts as backlog
_GROUP_OF_TYPE = {
    "backlog": "To-do",
    "unstarted": "To-do",
    "started": "In progress",
    "completed": "Complete",
    "canceled": "Complete",
}
_TYPE_OF_GROUP = {"To-do": "unstarted", "In progress": "started", "Complete": "completed"}


def from_issue(issue: dict[str, Any]) -> TaskFields:
    """A Linear issue's fields."""
    state = (issue.get("state") or {}).get("type") or "unstarted"
    assignee = issue.get("assignee") or {}
    return TaskFields(
        title=issue.get("title") or "",
        description=(issue.get("description") or "").strip(),
        status=_LINEAR_TYPES.get(state, state),
        assignee=(assignee.get("email") or "").lower(),
        due=issue.get("dueDate") or "",
        priority=int(issue.get("priority") or 0),
        labels=labels(n.get("name") for n in (issue.get("labels") or {}).get("nodes", [])),
        archived=issue.get("archivedAt") is not None,
    )


def state_of(issue: dict[str, Any]) -> dict[str, str]:
    """A Linear issue's exact workflow state, ``{id, name}``: what a status group cannot tell apart
    (a team's In Progress and In Review are both ``started``)."""
    state = issue.get("state") or {}
    return {"id": str(state.get("id") or ""), "name": str(state.get("name") or "")}


def issue_input(changes: dict[str, Any], team: dict[str, Any]) -> dict[str, Any]:
    """``changes`` (field → value; ``archived`` is left to its own mutation) as Linear's input."""
    out: dict[str, Any] = {}
    if "title" in changes:
        out["title"] = changes["title"] or "Untitled"
    if "description" in changes:
        out["description"] = changes["description"]
    if "status" in changes:
        wanted = changes["status"]
        states = team["states"]
        state = next((s for s in states if s["type"] == wanted), None)
        if state is not None:
            out["stateId"] = state["id"]
    if "state" in changes:  # the exact workflow state (an undo's: ``state_of``), over its type
        out["stateId"] = changes["state"]["id"]
    if "assignee" in changes:
        member = next(
            (m for m in team["members"] if (m.get("email") or "").lower() == changes["assignee"]), None
        )
        out["assigneeId"] = member["id"] if member and changes["assignee"] else None
    if "due" in changes:
        out["dueDate"] = changes["due"] or None
    if "priority" in changes:
        out["priority"] = changes["priority"]
    if "labels" in changes:
        out["labelIds"] = [lab["id"] for lab in team["labels"] if lab["name"] in changes["labels"]]
    return out


class NotionSchema:
    """What the Tasks data source holds, read from its schema: the title property's name, the Status
    options by group, whether Assignee and Labels exist."""

    def __init__(self, source: dict[str, Any]) -> None:
        props: dict[str, Any] = source.get("properties") or {}
        self.title = next((name for name, p in props.items() if p.get("type") == "title"), "Name")
        status = (props.get("Status") or {}).get("status") or {}
        names = {o["id"]: o["name"] for o in status.get("options", [])}
        self.group_of: dict[str, str] = {}
        self.first_of: dict[str, str] = {}
        for group in status.get("groups", []):
            for option_id in group.get("option_ids", []):
                if option_id in names:
                    self.group_of[names[option_id]] = group["name"]
                    self.first_of.setdefault(group["name"], names[option_id])
        self.has_status = bool(names)
        self.has_priority = (props.get("Priority") or {}).get("type") == "select"
        self.has_due = (props.get("Due") or {}).get("type") == "date"
        self.has_assignee = (props.get("Assignee") or {}).get("type") == "people"
        self.has_labels = (props.get("Labels") or {}).get("type") == "multi_select"
        self.sync_key_type = str((props.get(SYNC_KEY) or {}).get("type") or "")  # "" when there is none
        self.has_sync_key = self.sync_key_type == "rich_text"

    def from_page(
        self, page: dict[str, Any], markdown: str, people_map: dict[str, str] | None = None
    ) -> TaskFields:
        """A Tasks page's fields (its body's Markdown given; ``people_map``, the user mapping: email →
        Notion user id, names an assignee Notion gives by id alone)."""
        props: dict[str, Any] = page.get("properties") or {}
        title = "".join(t.get("plain_text", "") for t in (props.get(self.title) or {}).get("title", []))
        status_name = ((props.get("Status") or {}).get("status") or {}).get("name", "")
        group = self.group_of.get(status_name, "To-do")
        priority = ((props.get("Priority") or {}).get("select") or {}).get("name", "")
        due = (((props.get("Due") or {}).get("date") or {}).get("start") or "")[:10]
        people = (props.get("Assignee") or {}).get("people") or []
        emails = {user_id.replace("-", ""): email for email, user_id in (people_map or {}).items()}
        first = people[0] if people else {}
        known = emails.get(str(first.get("id", "")).replace("-", ""), "")
        email = ((first.get("person") or {}).get("email") or known).lower()
        names = [o.get("name") for o in (props.get("Labels") or {}).get("multi_select") or []]
        return TaskFields(
            title=title,
            description=markdown.strip(),
            status=_TYPE_OF_GROUP.get(group, "unstarted"),
            assignee=email,
            due=due,
            priority=linear_priority(priority),
            labels=labels(names),
            archived=bool(page.get("in_trash") or page.get("archived")),
        )

    def sync_key(self, page: dict[str, Any]) -> str:
        """The item the page was made for (``tool:id``, :func:`sync_key_of`), or "" if none."""
        text = ((page.get("properties") or {}).get(SYNC_KEY) or {}).get("rich_text") or []
        return "".join(t.get("plain_text", "") for t in text) if self.has_sync_key else ""

    def sync_key_property(self, key: str) -> dict[str, Any]:
        """The properties that mark a page made for the item ``key`` ({} without the property)."""
        if not self.has_sync_key:
            return {}
        return {SYNC_KEY: {"rich_text": [{"type": "text", "text": {"content": key}}]}}

    def people_of(self, page: dict[str, Any]) -> dict[str, str]:
        """The page's assignees as email → Notion user id (the user mapping learns them)."""
        people = ((page.get("properties") or {}).get("Assignee") or {}).get("people") or []
        return {
            (p.get("person") or {}).get("email", "").lower(): p["id"]
            for p in people
            if isinstance(p, dict) and p.get("id") and (p.get("person") or {}).get("email")
        }

    def properties(self, changes: dict[str, Any], people: dict[str, str]) -> dict[str, Any]:
        """``changes`` as the page's properties (``people``: email → Notion user id)."""
        out: dict[str, Any] = {}
        if "title" in changes:
            out[self.title] = {"title": [{"type": "text", "text": {"content": changes["title"][:2000]}}]}
        if "status" in changes and self.has_status:
            name = self.first_of.get(_GROUP_OF_TYPE.get(changes["status"], "To-do"))
            if name:
                out["Status"] = {"status": {"name": name}}
        if "priority" in changes and self.has_priority:
            name = notion_priority(changes["priority"])
            out["Priority"] = {"select": {"name": name} if name else None}
        if "due" in changes and self.has_due:
            out["Due"] = {"date": {"start": changes["due"]} if changes["due"] else None}
        if "assignee" in changes and self.has_assignee:
            user = people.get(changes["assignee"])
            out["Assignee"] = {"people": [{"id": user}] if user else []}
        if "labels" in changes and self.has_labels:
            out["Labels"] = {"multi_select": [{"name": n} for n in changes["labels"]]}
        return out


def sync_key_of(tool: str, item_id: str) -> str:
    """What a page made for ``tool``'s item ``item_id`` holds in :data:`SYNC_KEY`."""
    return f"{tool}:{item_id}"
