"""What a run's write to a connected tracker names (decisions 0116, 0122): where it lands, what it answers,
the marker standing for its step key, and the refusal for a tool not connected. Also the changes a
tracker recorded of an issue, read after an undo's write (:class:`Change`, decision 0185). Pure."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal, NamedTuple

WriteTool = Literal["linear", "gitlab", "motion"]
Output = dict[str, Any]


class Place(NamedTuple):
    """Where a write lands: the tenant's tool and its target (Linear's team id, GitLab's project id or path,
    Motion's workspace id)."""

    tenant_id: str
    tool: WriteTool
    target: str


def marker_of(key: str) -> str:
    """The 32 hex characters standing for ``key`` where the sync puts a page's id."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def unconnected(tool: str) -> str:
    """Why a write to ``tool`` cannot be made: the workspace has not connected it (a model-fixable reason)."""
    return f"{tool} is not connected to this workspace: the owner connects it on the Integrations screen"


class ChangedMeanwhile(Exception):
    """An update asked "only if unchanged since" found the item's last edit moved: nothing written."""


def moved(found: dict[str, Any] | None, updated_at: str, unchanged_since: str) -> None:
    """Raise :class:`ChangedMeanwhile` when ``unchanged_since`` is given and the item read right before
    a write (``found``, last edited at ``updated_at``) is gone or was edited since. No tracker takes an
    update "only if unchanged": a re-read narrows the window to the write's own round trip."""
    if unchanged_since and (found is None or updated_at != unchanged_since):
        raise ChangedMeanwhile("the item changed since it was read")


_LINEAR_TYPES = {"triage": "backlog"}  # as the sync reads a state's type (shared.sync.domain.mapping)


class Change(NamedTuple):
    """One recorded change: when (the tracker's clock, ISO 8601) and the fields it set."""

    at: str
    fields: dict[str, Any]


def linear_change(entry: dict[str, Any]) -> Change:
    """A Linear ``IssueHistory`` entry: its new title, its new state (``state`` and its group)."""
    fields: dict[str, Any] = {}
    state = entry.get("toState")
    if isinstance(state, dict) and state.get("id"):
        kind = str(state.get("type") or "unstarted")
        fields["state"] = {"id": str(state["id"]), "name": str(state.get("name") or "")}
        fields["status"] = _LINEAR_TYPES.get(kind, kind)
    if entry.get("toTitle") is not None:
        fields["title"] = str(entry["toTitle"])
    return Change(str(entry.get("createdAt") or ""), fields)


def gitlab_change(event: dict[str, Any]) -> Change:
    """A GitLab resource state event: closed is ``completed``, reopened ``unstarted`` (the sync's groups)."""
    status = "completed" if event.get("state") == "closed" else "unstarted"
    return Change(str(event.get("created_at") or ""), {"status": status})


def _when(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def after(changes: list[Change], since: str) -> list[Change]:
    """The ``changes`` made after ``since``, oldest first (one without a readable time is dropped)."""
    start = _when(since)
    timed = [(w, c) for c in changes if (w := _when(c.at)) is not None]
    return [c for w, c in sorted(timed, key=lambda p: p[0]) if start is None or w > start]


def overwritten(changes: list[Change], restored: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    """What a person set, among ``restored``'s fields, in ``changes`` (made after the undo read the
    issue) before the undo's own write set ``restored``, and no one changed since: the values the undo
    overwrote. The undo's write is the first change setting every field it touches to ``restored``'s
    value (none found, not yet in the tracker's record: ``{}``, nothing can be told). A change to the
    run's own values (``written``) is the run's, recorded late: no person's."""
    touching = [
        {k: v for k, v in c.fields.items() if k in restored} for c in changes if set(c.fields) & set(restored)
    ]
    ours = next((i for i, f in enumerate(touching) if all(restored[k] == v for k, v in f.items())), None)
    if ours is None:
        return {}
    theirs: dict[str, Any] = {}
    for fields in touching[:ours]:
        if any(written.get(k) != v for k, v in fields.items()):
            theirs |= {k: v for k, v in fields.items() if v != restored[k]}
    for fields in touching[ours + 1 :]:  # changed again after the undo's write: the later change stands
        for name in fields:
            theirs.pop(name, None)
    return theirs


def moved_since(changes: list[Change] | None, written: dict[str, Any]) -> bool:
    """Whether ``changes`` (recorded since the run's write) set one of the run's fields to another value
    than the run's: someone moved it since, whatever it holds now. None (no record): no."""
    return any(k in written and v != written[k] for c in changes or () for k, v in c.fields.items())
