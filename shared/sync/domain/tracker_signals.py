"""What a verified Linear or GitLab delivery may start: an issue newly assigned to someone, or text newly
written that may mention someone (an issue's description, a comment). Pure: read from the body alone.
A signal's ``key`` names the event, the same in every delivery of it, so a redelivered or reordered
delivery names the same run (decision 0121). Its texts are the tracker's: untrusted."""

from __future__ import annotations

from typing import Any, NamedTuple

from shared.sync.domain.linear_events import json_object

MAX_TEXT = 4000  # characters of an issue's or a comment's text a run is given


class TrackerSignal(NamedTuple):
    """One event that may start an agent's run (the rest of the delivery is not kept)."""

    tool: str  # linear | gitlab
    targets: tuple[str, ...]  # the names of its team or project: Linear's team id; GitLab's id and path
    key: str  # the event's identity, alike in each delivery of it
    item: str  # the issue, as a person reads it (ENG-12, #4)
    title: str
    text: str  # the issue's description, or the comment's body
    assigned: tuple[str, ...] = ()  # the users this event assigned the issue to (ids and names)
    before: str = ""  # the text as it was before this event (a mention already in it is not new)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


def linear_signal(body: bytes) -> TrackerSignal | None:
    """The signal of a Linear delivery: an Issue's create or update, a Comment's create; else None."""
    data = json_object(body) or {}
    entity, action, kind = _dict(data.get("data")), data.get("action"), data.get("type")
    if kind == "Comment" and action == "create":
        issue = _dict(entity.get("issue"))
        team, comment = _str(issue.get("teamId")), _str(entity.get("id"))
        if not team or not comment:
            return None
        text = _str(entity.get("body"), MAX_TEXT)
        item = _str(issue.get("identifier")) or _str(issue.get("id"))
        return TrackerSignal("linear", (team,), f"comment:{comment}", item, _str(issue.get("title")), text)
    if kind != "Issue" or action not in ("create", "update"):
        return None
    issue_id, team = _str(entity.get("id")), _str(entity.get("teamId"))
    if not issue_id or not team:
        return None
    changed = _dict(data.get("updatedFrom"))
    created = action == "create"
    assignee = _str(entity.get("assigneeId"))
    assigned = (assignee,) if assignee and (created or "assigneeId" in changed) else ()
    text = _str(entity.get("description"), MAX_TEXT)
    before = (
        text if not created and "description" not in changed else _str(changed.get("description"), MAX_TEXT)
    )
    stamp = "create" if created else f"update:{_str(entity.get('updatedAt'), 40)}"
    item = _str(entity.get("identifier")) or issue_id
    return TrackerSignal(
        "linear",
        (team,),
        f"issue:{issue_id}:{stamp}",
        item,
        _str(entity.get("title")),
        text,
        assigned,
        before,
    )


def _users(value: Any) -> tuple[str, ...]:
    """GitLab users (``{id, username}`` each) by id and by username."""
    users = [_dict(u) for u in value] if isinstance(value, list) else []
    return tuple(n for u in users for n in (str(u.get("id") or ""), _str(u.get("username"))) if n)


def gitlab_signal(body: bytes) -> TrackerSignal | None:
    """The signal of a GitLab delivery: an issue opened or updated, a note made on an issue; else None."""
    data = json_object(body) or {}
    project, attributes = _dict(data.get("project")), _dict(data.get("object_attributes"))
    project_id = project.get("id")
    if not isinstance(project_id, int) or isinstance(project_id, bool):
        return None
    targets = tuple(t for t in (str(project_id), _str(project.get("path_with_namespace"))) if t)
    found = _note(data, attributes) if data.get("object_kind") == "note" else _issue(data, attributes)
    if found is None:
        return None
    key, iid, title, text, assigned, before = found
    return TrackerSignal("gitlab", targets, f"{project_id}:{key}", f"#{iid}", title, text, assigned, before)


type _Found = tuple[str, object, str, str, tuple[str, ...], str]  # key, iid, title, text, assigned, before


def _note(data: dict[str, Any], attributes: dict[str, Any]) -> _Found | None:
    """A note made on an issue (a Note Hook's ``create``), keyed by the note's id."""
    issue, note = _dict(data.get("issue")), attributes.get("id")
    made = attributes.get("action", "create") == "create"
    if attributes.get("noteable_type") != "Issue" or not isinstance(note, int) or not made or not issue:
        return None
    text = _str(attributes.get("note"), MAX_TEXT)
    return f"note:{note}", issue.get("iid"), _str(issue.get("title")), text, (), ""


def _issue(data: dict[str, Any], attributes: dict[str, Any]) -> _Found | None:
    """An issue opened, updated or reopened, keyed by its number, the action and its ``updated_at``."""
    action, iid = attributes.get("action"), attributes.get("iid")
    if data.get("object_kind") not in ("issue", "work_item") or action not in ("open", "update", "reopen"):
        return None
    if not isinstance(iid, int):
        return None
    text = _str(attributes.get("description"), MAX_TEXT)
    changes = _dict(data.get("changes"))
    if action == "open":
        assigned, before = _users(data.get("assignees")), ""
    else:
        was = _dict(changes.get("assignees"))
        earlier = set(_users(was.get("previous")))
        assigned = tuple(u for u in _users(was.get("current")) if u not in earlier) if was else ()
        described = _dict(changes.get("description"))
        before = _str(described.get("previous"), MAX_TEXT) if described else text
    key = f"issue:{iid}:{action}:{_str(attributes.get('updated_at'), 40)}"
    return key, iid, _str(attributes.get("title")), text, assigned, before
