"""A Motion task as :class:`~shared.sync.domain.fields.TaskFields`, what Motion can hold of an item
(:func:`view`, for the merge), the fields back as the tasks API's body, and the key with its account's
rate limit. The table is in docs/sync.md: name, description (Markdown sent, HTML read back as text), status
by its flags, assignee by the workspace users' emails, due date, priority, labels by name. Motion has no
archive: a page put in the trash resolves its task (decision 0110). A run's description or comment ends
with its signature, whose link holds the write's key (:func:`signature`, decision 0130)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.notify.domain.provenance import SIGNATURE, key_of_url, marker_url
from shared.sync.domain.fields import TaskFields, labels
from shared.sync.domain.writes import marker_of

# Motion's documented limits (docs/sync.md#motion): 12 requests a minute for an individual account,
# 120 for a team's (shared.sync.adapters.motion paces under them).
INDIVIDUAL_PER_MINUTE = 12
TEAM_PER_MINUTE = 120
PRIORITY = {"ASAP": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 4}  # Motion's names on the shared 0-4 scale
_NAME_OF = {level: name for name, level in PRIORITY.items()}
_RESOLVED = ("completed", "canceled")
_BLOCK_END = re.compile(r"(?i)</(p|div|h[1-6]|pre|blockquote|ul|ol)>")
_LINE_END = re.compile(r"(?i)</li>|<br\s*/?>")
_TAG = re.compile(r"<[^>]*>")
_HREF = re.compile(r"""(?i)<a\s[^>]*?href\s*=\s*["']([^"']*)["']""")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^()\s]+)\)")
OLD_REF = "notion-agent ref "  # a run's write ended with this and 16 hex characters before decision 0130


@dataclass(frozen=True)
class MotionKey:
    """An API key and whether its account is a team's (the rate its requests are paced at). The key
    is never part of the repr."""

    key: str = field(repr=False)
    team: bool = False

    @property
    def per_minute(self) -> int:
        return TEAM_PER_MINUTE if self.team else INDIVIDUAL_PER_MINUTE


def text_of(description: str) -> str:
    """Motion's description as text: Motion answers HTML for the Markdown it was sent. A block's end is
    a blank line, a line break or list item's end a line's, tags go, entities are unescaped; a description
    with no tag is kept as it is."""
    if "<" not in description:
        return description.strip()
    text = _LINE_END.sub("\n", _BLOCK_END.sub("\n\n", description))
    text = html.unescape(_TAG.sub("", text))
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def status_group(status: Any) -> str:
    """A Motion status (``{name, isDefaultStatus, isResolvedStatus}``) as a status group: resolved is
    completed, the workspace's default is unstarted, any other started."""
    if not isinstance(status, dict):
        return "unstarted"
    if status.get("isResolvedStatus"):
        return "completed"
    return "unstarted" if status.get("isDefaultStatus") else "started"


def status_for(group: str, statuses: tuple[dict[str, Any], ...]) -> str | None:
    """The name of the workspace's status for a status group (None when it has none fitting)."""
    wanted = (
        "completed" if group in _RESOLVED else "unstarted" if group in ("backlog", "unstarted") else group
    )
    fitting = [s for s in statuses if status_group(s) == wanted and s.get("name")]
    if not fitting and wanted == "started":  # no status between the default and done: the default
        fitting = [s for s in statuses if status_group(s) == "unstarted" and s.get("name")]
    return str(fitting[0]["name"]) if fitting else None


def from_task(task: dict[str, Any]) -> TaskFields:
    """A Motion task's fields (the assignee: the first assignee's email, as Motion shows it)."""
    assignees = [a for a in task.get("assignees") or () if isinstance(a, dict)]
    email = str(assignees[0].get("email") or "").strip().lower() if assignees else ""
    return TaskFields(
        title=str(task.get("name") or ""),
        description=text_of(str(task.get("description") or "")),
        status=status_group(task.get("status")),
        assignee=email,
        due=str(task.get("dueDate") or "")[:10],
        priority=PRIORITY.get(str(task.get("priority") or ""), 0),
        labels=labels(n.get("name") for n in task.get("labels") or () if isinstance(n, dict)),
    )


def view(fields: TaskFields, statuses: tuple[dict[str, Any], ...], members: dict[str, str]) -> TaskFields:
    """What Motion holds of ``fields``: a status group as the workspace's status of it (a trashed page
    resolved), always a priority (none is MEDIUM, Motion's default), no archive. An assignee is held
    only if a user of that email is in the workspace."""
    group = "completed" if fields.archived else fields.status
    name = status_for(group, statuses)
    held = next((status_group(s) for s in statuses if s.get("name") == name), "unstarted")
    return fields.model_copy(
        update={
            "status": held,
            "assignee": fields.assignee if fields.assignee in members else "",
            "priority": fields.priority or PRIORITY["MEDIUM"],
            "archived": False,
        }
    )


def task_body(
    changes: dict[str, Any], statuses: tuple[dict[str, Any], ...], members: dict[str, str]
) -> dict[str, Any]:
    """``changes`` (field → value as :func:`view` gives it) as the body of ``POST``/``PATCH /tasks``.
    An assignee removed is ``assigneeId: None`` here: the adapter sends it as Motion's unassign."""
    out: dict[str, Any] = {}
    if "title" in changes:
        out["name"] = str(changes["title"] or "Untitled")
    if "description" in changes:
        out["description"] = str(changes["description"] or "")
    if "status" in changes:
        name = status_for(str(changes["status"]), statuses)
        if name is not None:
            out["status"] = name
    if changes.get("state"):  # the exact status by its name (an undo's), over its group
        out["status"] = str(changes["state"])
    if "assignee" in changes:
        out["assigneeId"] = members.get(str(changes["assignee"] or ""))
    if "due" in changes:
        out["dueDate"] = f"{changes['due']}T00:00:00.000Z" if changes["due"] else None
    if "priority" in changes:
        out["priority"] = _NAME_OF.get(int(changes["priority"] or 0), "MEDIUM")
    if "labels" in changes:
        out["labels"] = list(changes["labels"])
    return out


def updated_since(task: dict[str, Any], since: datetime) -> bool:
    """Whether the task's ``updatedTime`` is at or after ``since`` (a task without one: yes)."""
    value = str(task.get("updatedTime") or "")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return True
    return (at if at.tzinfo else at.replace(tzinfo=UTC)) >= since


def made_for(task: dict[str, Any], title: str, user_id: str, since: datetime) -> bool:
    """Whether ``task`` may be the one an earlier try of a create made: its name, made by the key's
    user at or after ``since``."""
    creator = task.get("creator") or {}
    created = {"updatedTime": task.get("createdTime")}
    return (
        str(task.get("name") or "") == (title or "Untitled")
        and (not user_id or str(creator.get("id") or "") == user_id)
        and bool(task.get("createdTime"))
        and updated_since(created, since)
    )


def old_reference(key: str) -> str:
    """The visible line a run's description or comment made for ``key`` ended with before decision 0130."""
    return f"{OLD_REF}{marker_of(key)[:16]}"


def signature(console: str, key: str, run_id: str = "") -> str:
    """The Markdown line a run's description or comment for ``key`` ends with: "Notion Agent", linking to
    the run's page in the console at ``console``; the key rides in the link, never in the text."""
    return f"[{SIGNATURE}]({marker_url(console, key, run_id)})"


def signed(text: str, key: str) -> bool:
    """Whether ``text`` (a description or comment as Motion answers it: HTML, or Markdown) ends with the
    signature of ``key``, in its link, or with the visible line written before decision 0130."""
    if text_of(text).rstrip().endswith(old_reference(key)):
        return True
    return signer(text) == key


def signer(text: str) -> str | None:
    """The key whose signature ``text`` ends with (a run's write), or None: no agent signed it."""
    shown = text_of(text).rstrip()
    links = [html.unescape(u) for u in _HREF.findall(text) or _LINK.findall(text)]
    key = key_of_url(links[-1]) if links else None
    if key is None:
        return None
    return key if shown.endswith(SIGNATURE) or shown.endswith(f"[{SIGNATURE}]({links[-1]})") else None
