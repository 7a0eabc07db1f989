"""A GitLab issue as :class:`~shared.sync.domain.fields.TaskFields`, what GitLab can hold of an item
(:func:`view`, for the merge), and the fields back as the issues API's parameters. The table is in
docs/sync.md: title, description (Markdown both sides), state (opened, closed) by status group, assignee by
the members' emails, due date, labels by name. GitLab has no priority in its free tier and no archive of an
issue: a page put in the trash closes its issue. An issue we create carries a marker naming its page at the
end of its description (an HTML comment, not shown by GitLab). It makes a retried create find the issue
instead of making another, and is never part of the field."""

from __future__ import annotations

import re
from typing import Any

from shared.sync.domain.fields import TaskFields, labels

TITLE_MAX = 255  # GitLab's limit on an issue's title
_MARKER = re.compile(r"\s*<!-- notion-agent:page=([0-9a-f]{32}) -->\s*$")
_CLOSED = ("completed", "canceled")


def marker(page_id: str) -> str:
    """The marker of the issue made for ``page_id``."""
    return f"<!-- notion-agent:page={page_id.replace('-', '').lower()} -->"


def page_of(issue: dict[str, Any]) -> str | None:
    """The page an issue was made for (its marker's), or None."""
    found = _MARKER.search(str(issue.get("description") or ""))
    return found.group(1) if found else None


def from_issue(issue: dict[str, Any], members: dict[str, int]) -> TaskFields:
    """A GitLab issue's fields; ``members``: email → GitLab user id (an assignee not in it is "")."""
    emails = {user_id: email for email, user_id in members.items()}
    assignees = issue.get("assignees") or ([issue["assignee"]] if issue.get("assignee") else [])
    first = assignees[0] if assignees and isinstance(assignees[0], dict) else {}
    description = _MARKER.sub("", str(issue.get("description") or ""))
    return TaskFields(
        title=str(issue.get("title") or ""),
        description=description.strip(),
        status="completed" if issue.get("state") == "closed" else "unstarted",
        assignee=emails.get(first["id"], "") if isinstance(first.get("id"), int) else "",
        due=str(issue.get("due_date") or "")[:10],
        labels=labels(n for n in issue.get("labels") or () if isinstance(n, str)),
    )


def view(fields: TaskFields, members: dict[str, int]) -> TaskFields:
    """What GitLab holds of ``fields``: a status group as opened or closed (a trashed page closed), no
    priority, no archive, an assignee only if a member of that email exists, labels without commas."""
    closed = fields.status in _CLOSED or fields.archived
    return fields.model_copy(
        update={
            "title": fields.title[:TITLE_MAX],
            "status": "completed" if closed else "unstarted",
            "assignee": fields.assignee if fields.assignee in members else "",
            "priority": 0,
            "labels": labels(n.strip() for n in fields.labels if "," not in n),
            "archived": False,
        }
    )


def issue_params(changes: dict[str, Any], members: dict[str, int], page_id: str) -> dict[str, Any]:
    """``changes`` (field → value as :func:`view` gives it) as the issues API's parameters; the
    description keeps the page's marker."""
    out: dict[str, Any] = {}
    if "title" in changes:
        out["title"] = str(changes["title"] or "Untitled")[:TITLE_MAX]
    if "description" in changes:
        text = str(changes["description"] or "").strip()
        out["description"] = f"{text}\n\n{marker(page_id)}" if text else marker(page_id)
    if "status" in changes:
        out["state_event"] = "close" if changes["status"] in _CLOSED else "reopen"
    if "assignee" in changes:
        user = members.get(str(changes["assignee"] or ""))
        out["assignee_ids"] = [user] if user else []
    if "due" in changes:
        out["due_date"] = changes["due"] or None
    if "labels" in changes:
        out["labels"] = ",".join(changes["labels"])
    return out
