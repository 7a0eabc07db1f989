"""Taking one recorded effect back in the workspace, never over a person's later change.

Before each inverse the current state is read and compared with what the run wrote (decision 0160):
changed since, the effect is left as it is and returned as a conflict with both values. Applying an
inverse is idempotent: a second delivery finds the state already taken back and changes nothing
(``already``), so an undo killed mid-way and delivered again reverts nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import Field

from shared.notion.services import notion_text as nt
from shared.platform.domain.schema import Record
from shared.platform.errors import PermanentError
from shared.sync.domain.writes import ChangedMeanwhile, Place, moved_since, overwritten
from shared.undo.domain.inverses import Effect, Inverse, cannot, undo_order, writable

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion
    from shared.sync.ports import TaskWriting
    from shared.sync.services.issue_writes import IssueWrites

Outcome = Literal["reverted", "already", "conflict", "final", "not_yet"]


class Taken(Record):
    """What became of one effect: ``reverted`` (its inverse applied now), ``already`` (found taken
    back: an earlier delivery's, or a person's), ``conflict`` (changed since the run: ``written``
    and ``current`` say how), ``final`` (cannot be taken back: ``reason``) or ``not_yet``."""

    effect: int
    tool: str
    target: str
    outcome: Outcome
    written: dict[str, Any] = Field(default_factory=dict)
    current: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""
    by: str = Field("", exclude=True)  # reverted properties: who Notion says edited the page after


# What an undo step that applied these cannot write back itself, and why.
_NOT_REDONE = {
    "delete_comment": "a deleted comment cannot be written back by an undo",
    "delete_issue_comment": "a deleted comment cannot be written back by an undo",
    "delete_task": "a deleted Motion task cannot be written back by an undo",
}


# An action's way back, for the actions that have one with the same record (an issue's title and
# status as made, compared again before it is brought back or archived again).
_UNDONE_BY = {
    "archive_page": "restore_page",
    "restore_page": "archive_page",
    "archive_issue": "unarchive_issue",
    "unarchive_issue": "archive_issue",
}


def inverse_of(taken: Taken, inverse: Inverse) -> dict[str, Any]:
    """The inverse an undo step records, so an undo can itself be undone (the run's write again,
    under the same compare-first rule). Only an inverse this step applied has one: a section's
    deleted blocks cannot be brought back, and ``already`` cannot tell whose the state is."""
    if taken.outcome != "reverted":
        return cannot("this undo step changed nothing of its own")
    match inverse.action:
        case "restore_properties" | "restore_block" | "move_page" | "restore_issue":
            swapped = {
                "before": inverse.written,
                "written": inverse.before,
                "written_by": taken.by,
                "written_at": "",
            }
            return inverse.model_copy(update=swapped).model_dump()
        case "archive_page" | "restore_page" | "archive_issue" | "unarchive_issue":
            return inverse.model_copy(update={"action": _UNDONE_BY[inverse.action]}).model_dump()
        case _:
            return cannot(
                _NOT_REDONE.get(inverse.action, "a deleted section cannot be written back by an undo")
            )


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Property values compared by what a person sees (Notion adds ids and annotations)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        try:
            out[name] = (
                nt.plain_value({"type": next(iter(value))} | value) if isinstance(value, dict) else value
            )
        except (AttributeError, TypeError, StopIteration):
            out[name] = value
    return out


def _compared(
    base: dict[str, Any],
    found: Mapping[str, Any],
    values: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
    written_by: str,
    what: str,
) -> Taken | None:
    """``already`` when ``found`` (a page, a block) holds what it held before the run. A conflict when
    it holds anything but what the run wrote, or someone other than the run's writer (``written_by``)
    edited it since. None when the inverse may be applied. ``values``: (seen, before, written)."""
    seen, before, written = values
    if seen == before:
        return Taken(**base, outcome="already")
    if seen != written:  # a person (or another run) changed it since: leave it
        return Taken(**base, outcome="conflict", written=written, current=seen)
    editor = str((found.get("last_edited_by") or {}).get("id", ""))
    if written_by and editor and editor != written_by:
        # Someone else edited it since, maybe setting again the value the run wrote: leave it.
        reason = f"someone else edited the {what} since the run wrote it"
        return Taken(**base, outcome="conflict", written=written, current=seen, reason=reason)
    return None


def _properties(notion: TenantNotion, effect: Effect, inverse: Inverse) -> Taken:
    page = notion.retrieve_page(inverse.target)
    now = {name: writable(page.get("properties", {}).get(name)) for name in inverse.before}
    seen, written, before = _plain(now), _plain(inverse.written), _plain(inverse.before)
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    if (found := _compared(base, page, (seen, before, written), inverse.written_by, "page")) is not None:
        return found
    page = notion.update_page_properties(inverse.target, dict(inverse.before))
    by = str((page.get("last_edited_by") or {}).get("id", ""))
    return Taken(**base, outcome="reverted", written=written, current=before, by=by)


def _trash(notion: TenantNotion, effect: Effect, inverse: Inverse, in_trash: bool) -> Taken:
    """Move the page to (or out of) the trash; a page the run made, that someone other than its
    maker (``written_by``) edited since, is left (a conflict: their edit stays in the workspace)."""
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    page = notion.retrieve_page(inverse.target)
    if bool(page.get("in_trash")) == in_trash:
        return Taken(**base, outcome="already")
    editor = str((page.get("last_edited_by") or {}).get("id", ""))
    if in_trash and inverse.written_by and editor and editor != inverse.written_by:
        reason = "someone else edited the page since the run made it"
        return Taken(**base, outcome="conflict", current={"last_edited_by": editor}, reason=reason)
    notion.trash_page(inverse.target, in_trash)
    return Taken(**base, outcome="reverted")


def _section(notion: TenantNotion, effect: Effect, inverse: Inverse) -> Taken:
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    blocks = nt.section_blocks(notion, inverse.target, inverse.key)
    if not blocks:
        return Taken(**base, outcome="already")
    author = (blocks[0].get("created_by") or {}).get("id")
    edited = [b for b in blocks if (b.get("last_edited_by") or {}).get("id", author) != author]
    if edited:  # a person edited the section since: leave it whole
        written = {str(b["id"]): "as the run wrote it" for b in edited}
        current = {str(b["id"]): nt.block_text(b) for b in edited}
        return Taken(**base, outcome="conflict", written=written, current=current)
    for block in blocks:
        notion.delete_block(str(block["id"]))
    return Taken(**base, outcome="reverted")


def _gone(exc: PermanentError) -> bool:
    """Whether Notion answered 404 (object_not_found): the object is gone, or not this connection's."""
    return getattr(exc, "status", None) == 404


def _comment(notion: TenantNotion, effect: Effect, inverse: Inverse) -> Taken:
    """Delete the run's comment, unless it is gone (``already``), its text is not what the run wrote,
    or anyone replied in its thread since (a conflict: their replies are left with it)."""
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    try:
        comment = notion.get_comment(inverse.target)
    except PermanentError as exc:
        if _gone(exc):  # deleted already: an earlier delivery of this undo, or a person
            return Taken(**base, outcome="already")
        raise
    text = nt.plain(comment.get("rich_text"))
    written = {"text": inverse.written["text"]} if "text" in inverse.written else {"text": text}
    if text != written["text"]:
        return Taken(**base, outcome="conflict", written=written, current={"text": text})
    parent = comment.get("parent") or {}
    thread = str(comment.get("discussion_id", ""))
    where = str(parent.get("page_id") or parent.get("block_id") or "")
    replies = [
        c
        for c in notion.list_comments(where)
        if c.get("discussion_id") == thread and c.get("id") != comment.get("id")
    ]
    if replies:
        reason = "someone replied in its thread since the run commented"
        current = {"text": text, "replies": len(replies)}
        return Taken(**base, outcome="conflict", written=written, current=current, reason=reason)
    try:
        notion.delete_comment(inverse.target)
    except PermanentError as exc:
        if _gone(exc):  # deleted meanwhile
            return Taken(**base, outcome="already")
        raise
    return Taken(**base, outcome="reverted", written=written)


def _same_id(a: Any, b: Any) -> bool:
    """Whether two Notion ids name the same object (with or without dashes, either case)."""
    return str(a).replace("-", "").lower() == str(b).replace("-", "").lower()


def _move(notion: TenantNotion, effect: Effect, inverse: Inverse) -> Taken:
    """Move the page back under the page it came from, only while it is still where the run put it
    (moved since, or in the trash: a conflict) and the page it came from can take it."""
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    came, went = str(inverse.before.get("page_id", "")), str(inverse.written.get("page_id", ""))
    page = notion.retrieve_page(inverse.target)
    parent = page.get("parent") or {}
    now = str(parent.get("page_id") or parent.get(str(parent.get("type", ""))) or parent.get("type", ""))
    written, current = {"parent": went}, {"parent": now}
    if page.get("in_trash"):
        reason = "the page is in the trash since the run moved it"
        return Taken(
            **base, outcome="conflict", written=written, current=current | {"in_trash": True}, reason=reason
        )
    if _same_id(now, came):
        return Taken(**base, outcome="already")
    if not _same_id(now, went):  # someone moved it elsewhere since: leave it there
        return Taken(**base, outcome="conflict", written=written, current=current)
    try:
        origin = notion.retrieve_page(came)
    except PermanentError as exc:
        if not _gone(exc):
            raise
        origin = {"in_trash": True}
    if origin.get("in_trash"):
        reason = "the page it came from is in the trash or gone: it is left where the run put it"
        return Taken(**base, outcome="conflict", written=written, current=current, reason=reason)
    notion.move_page(inverse.target, came)
    return Taken(**base, outcome="reverted", written=written, current={"parent": came})


def _block(notion: TenantNotion, effect: Effect, inverse: Inverse) -> Taken:
    """Set the block's text before the run again, unless a person changed or edited it since, or
    it is gone (a conflict: left as it is)."""
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    kind = next(iter(inverse.before), "")
    before = nt.plain((inverse.before.get(kind) or {}).get("rich_text"))
    written = {"text": nt.plain((inverse.written.get(kind) or {}).get("rich_text"))}
    try:
        block = notion.retrieve_block(inverse.target)
    except PermanentError as exc:
        if not _gone(exc):
            raise
        return Taken(**base, outcome="conflict", written=written, current={}, reason="the block is gone")
    if block.get("in_trash") or block.get("type") != kind:
        reason = "the block is in the trash since" if block.get("in_trash") else "the block's type changed"
        return Taken(
            **base, outcome="conflict", written=written, current={"text": nt.block_text(block)}, reason=reason
        )
    seen = {"text": nt.block_text(block)}
    values = (seen, {"text": before}, written)
    if (found := _compared(base, block, values, inverse.written_by, "block")) is not None:
        return found
    made = notion.update_block(inverse.target, dict(inverse.before))
    by = str((made.get("last_edited_by") or {}).get("id", ""))
    return Taken(**base, outcome="reverted", written=written, current={"text": before}, by=by)


class Trackers(NamedTuple):
    """The undo run's access to the tenant's connected trackers (``ToolContext.trackers``)."""

    writes: IssueWrites
    tenant_id: str


def _issue(trackers: Trackers | None, effect: Effect, inverse: Inverse) -> Taken:
    """Set the tracker issue's fields before the run again (``restore_issue``), or archive (close) the
    issue it made (``archive_issue``), unless a person changed them since or the issue is gone (a
    conflict: left as it is)."""
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    if trackers is None:
        return Taken(**base, outcome="not_yet", reason="this undo has no access to the workspace's trackers")
    at = _place(trackers, inverse)
    api: IssueWrites | TaskWriting = trackers.writes.motion if at.tool == "motion" else trackers.writes
    found = api.read_fields(at, inverse.target)
    if found is None:
        return Taken(**base, outcome="conflict", written=inverse.written, reason="the issue is gone")
    before = dict(inverse.before)
    if inverse.action in ("archive_issue", "unarchive_issue"):
        before = _archived(at.tool, inverse, inverse.action == "archive_issue")
        taken = _archivable(base, inverse, found, before, at.tool)
    else:
        taken = _restorable(api, at, base, inverse, found)
    if taken is not None:
        return taken
    since = str(found.get("updated_at") or "")
    if not _unchanged_write(api, at, inverse.target, before, since):
        now = api.read_fields(at, inverse.target) or {}
        reason = "someone changed it while the undo checked it: left as it is"
        current = {n: now.get(n) for n in inverse.written if n in now}
        return Taken(**base, outcome="conflict", written=inverse.written, current=current, reason=reason)
    return _after_write(api, at, (base, inverse), before, since)


_SHOWN = ("title", "status", "state")  # what a person sees of an issue an undo archives or brings back


def _archivable(
    base: dict[str, Any], inverse: Inverse, found: dict[str, Any], values: dict[str, Any], tool: str
) -> Taken | None:
    """None when the issue may be archived (closed), or brought back, with ``values``: it holds the title
    and status the run made it with. ``already`` when it holds ``values``; a conflict when a person
    renamed or moved it since (their issue now)."""
    if all(found.get(n) == v for n, v in values.items()):
        return Taken(**base, outcome="already")
    written = {n: v for n, v in inverse.written.items() if n in _SHOWN}
    seen = {name: found.get(name) for name in written}
    if inverse.action == "unarchive_issue" and tool == "gitlab":
        seen["status"] = written.get("status")  # GitLab's issue is closed: by the undo; its title tells
    if seen != written:
        return Taken(**base, outcome="conflict", written=inverse.written, current=seen)
    return None


def _archived(tool: str, inverse: Inverse, archive: bool) -> dict[str, Any]:
    """What archiving (``archive``) or bringing back an issue sets: Linear's ``archived``; GitLab has
    no archive, so its issue is closed, or opened again as the run made it (``written``'s status)."""
    if tool == "gitlab":
        return {"status": "completed" if archive else str(inverse.written.get("status") or "unstarted")}
    return {"archived": archive}


def _unchanged_write(
    api: IssueWrites | TaskWriting, at: Place, target: str, values: dict[str, Any], since: str
) -> bool:
    """Write ``values`` only while the item, read again right before, shows the last edit the check read
    (``since``): whether it was written. The window left is the write's own round trip (decision 0197)."""
    try:
        api.update(at, target, values, unchanged_since=since)
    except ChangedMeanwhile:
        return False
    return True


def _task_made(trackers: Trackers | None, effect: Effect, inverse: Inverse) -> Taken:
    """Delete the Motion task the run made (``delete_task``), unless anyone edited it since (its
    ``updated_at`` moved) or a person commented on it (a conflict: left as it is). Gone: ``already``."""
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    if trackers is None:
        return Taken(**base, outcome="not_yet", reason="this undo has no access to the workspace's trackers")
    at, tasks = _place(trackers, inverse), trackers.writes.motion
    found = tasks.read_fields(at, inverse.target)
    if found is None:  # deleted already: an earlier delivery of this undo, or a person
        return Taken(**base, outcome="already")
    written = {n: v for n, v in inverse.written.items() if n != "updated_at"}
    seen = {n: found.get(n) for n in written}
    if seen != written or found.get("updated_at") != inverse.written.get("updated_at"):
        reason = "someone edited the task since the run made it"
        return Taken(**base, outcome="conflict", written=written, current=seen, reason=reason)
    if comments := tasks.people_comments(at, inverse.target):
        reason = "a person commented on the task since the run made it"
        current = seen | {"comments": comments}
        return Taken(**base, outcome="conflict", written=written, current=current, reason=reason)
    if not tasks.delete(at, inverse.target):
        return Taken(**base, outcome="already")  # deleted meanwhile
    return Taken(**base, outcome="reverted", written=written)


def _restorable(
    api: IssueWrites | TaskWriting, at: Place, base: dict[str, Any], inverse: Inverse, found: dict[str, Any]
) -> Taken | None:
    """None when the issue still holds what the run wrote and no one moved it since (by the changes
    the tracker recorded after the run's write, ``written_at``); else what became of the effect."""
    before = dict(inverse.before)
    seen = {name: found.get(name) for name in before}
    if (taken := _compared(base, {}, (seen, before, inverse.written), "", "issue")) is not None:
        return taken
    since = api.changes_since(at, inverse.target, inverse.written_at) if inverse.written_at else None
    if moved_since(since, inverse.written):
        reason = "someone changed it since the run, then set the run's value again"
        return Taken(**base, outcome="conflict", written=inverse.written, current=seen, reason=reason)
    return None


def _place(trackers: Trackers, inverse: Inverse) -> Place:
    """Where a tracker inverse applies: its tool and connected target, in the undo run's tenant."""
    named = inverse.place.get("tool")
    tool: Literal["linear", "gitlab", "motion"] = "gitlab" if named == "gitlab" else "linear"
    if named == "motion":
        tool = "motion"
    return Place(trackers.tenant_id, tool, inverse.place.get("target", ""))


def _issue_comment(trackers: Trackers | None, effect: Effect, inverse: Inverse) -> Taken:
    """Delete the run's comment on a tracker issue, unless it is gone (``already``), its text is not
    what the run wrote or someone replied in its thread since (a conflict: left as it is)."""
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    if trackers is None:
        return Taken(**base, outcome="not_yet", reason="this undo has no access to the workspace's trackers")
    at, issue = _place(trackers, inverse), inverse.place.get("issue_id", "")
    found = trackers.writes.read_comment(at, issue, inverse.target)
    if found is None:  # deleted already: an earlier delivery of this undo, or a person
        return Taken(**base, outcome="already")
    written, current = dict(inverse.written), {"text": found["text"]}
    if found["text"] != written.get("text"):
        return Taken(**base, outcome="conflict", written=written, current=current)
    if found["replies"]:
        reason = "someone replied in its thread since the run commented"
        return Taken(**base, outcome="conflict", written=written, current=found, reason=reason)
    if not trackers.writes.delete_comment(at, issue, inverse.target):
        return Taken(**base, outcome="already")  # deleted meanwhile
    return Taken(**base, outcome="reverted", written=written)


def _after_write(
    api: IssueWrites | TaskWriting,
    at: Place,
    taken: tuple[dict[str, Any], Inverse],
    before: dict[str, Any],
    since: str,
) -> Taken:
    """No tracker takes an update "only if unchanged": after the write, the changes the tracker
    recorded since the check's read (``since``) tell whether a person's landed in between. Their
    values are set again and the effect listed as a conflict (decision 0185)."""
    base, inverse = taken
    landed = api.changes_since(at, inverse.target, since) if since else None
    theirs = overwritten(landed, before, inverse.written) if landed else {}
    if not theirs:
        return Taken(**base, outcome="reverted", written=inverse.written, current=before)
    api.update(at, inverse.target, theirs)
    reason = "a person changed it while the undo wrote: their change is set again"
    return Taken(**base, outcome="conflict", written=inverse.written, current=before | theirs, reason=reason)


# Each action's compare-then-apply.
_APPLY: dict[str, Callable[[TenantNotion, Effect, Inverse], Taken]] = {
    "restore_properties": _properties,
    "archive_page": lambda notion, effect, inverse: _trash(notion, effect, inverse, True),
    "restore_page": lambda notion, effect, inverse: _trash(notion, effect, inverse, False),
    "clear_section": _section,
    "delete_comment": _comment,
    "move_page": _move,
    "restore_block": _block,
}


def take_back(notion: TenantNotion, effect: Effect, trackers: Trackers | None = None) -> Taken:
    """Apply ``effect``'s inverse once, unless the state changed since the run wrote it; a tracker
    issue's through ``trackers``."""
    inverse = effect.inverse
    if inverse.action in ("restore_issue", "archive_issue", "unarchive_issue"):
        return _issue(trackers, effect, inverse)
    if inverse.action == "delete_task":
        return _task_made(trackers, effect, inverse)
    if inverse.action == "delete_issue_comment":
        return _issue_comment(trackers, effect, inverse)
    apply = _APPLY.get(inverse.action)
    if apply is None:
        base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
        return Taken(**base, outcome="final", reason=inverse.reason)
    return apply(notion, effect, inverse)


def undo(
    notion: TenantNotion, chosen: Iterable[Effect], done: Callable[[Taken], None] = lambda _: None
) -> list[Taken]:
    """Take ``chosen`` back, newest first, each once; ``done`` is told of each as it ends (where the
    undo's own log records it)."""
    out = []
    for effect in undo_order(chosen):
        taken = take_back(notion, effect)
        done(taken)
        out.append(taken)
    return out
