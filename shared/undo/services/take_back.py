"""Taking one recorded effect back in the workspace, never over a person's later change.

Before each inverse the current state is read and compared with what the run wrote (decision 0160):
changed since, the effect is left as it is and returned as a conflict with both values. Applying an
inverse is idempotent: a second delivery finds the state already taken back and changes nothing
(``already``), so an undo killed mid-way and delivered again reverts nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from shared.notion.services import notion_text as nt
from shared.platform.domain.schema import Record
from shared.platform.errors import PermanentError
from shared.undo.domain.inverses import Effect, Inverse, cannot, undo_order, writable

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion

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


def inverse_of(taken: Taken, inverse: Inverse) -> dict[str, Any]:
    """The inverse an undo step records, so an undo can itself be undone (the run's write again,
    under the same compare-first rule). Only an inverse this step applied has one: a section's
    deleted blocks cannot be brought back, and ``already`` cannot tell whose the state is."""
    if taken.outcome != "reverted":
        return cannot("this undo step changed nothing of its own")
    match inverse.action:
        case "restore_properties":
            swapped = {"before": inverse.written, "written": inverse.before, "written_by": taken.by}
            return inverse.model_copy(update=swapped).model_dump()
        case "archive_page":
            return inverse.model_copy(update={"action": "restore_page"}).model_dump()
        case "restore_page":
            return inverse.model_copy(update={"action": "archive_page"}).model_dump()
        case "delete_comment":
            return cannot("a deleted comment cannot be written back by an undo")
        case _:
            return cannot("a deleted section cannot be written back by an undo")


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


def _properties(notion: TenantNotion, effect: Effect, inverse: Inverse) -> Taken:
    page = notion.retrieve_page(inverse.target)
    now = {name: writable(page.get("properties", {}).get(name)) for name in inverse.before}
    seen, written, before = _plain(now), _plain(inverse.written), _plain(inverse.before)
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    if seen == before:
        return Taken(**base, outcome="already")
    if seen != written:  # a person (or another run) changed it since: leave it
        return Taken(**base, outcome="conflict", written=written, current=seen)
    editor = str((page.get("last_edited_by") or {}).get("id", ""))
    if inverse.written_by and editor and editor != inverse.written_by:
        # Someone else edited the page since, maybe setting again the value the run wrote: leave it.
        reason = "someone else edited the page since the run wrote it"
        return Taken(**base, outcome="conflict", written=written, current=seen, reason=reason)
    page = notion.update_page_properties(inverse.target, dict(inverse.before))
    by = str((page.get("last_edited_by") or {}).get("id", ""))
    return Taken(**base, outcome="reverted", written=written, current=before, by=by)


def _trash(notion: TenantNotion, effect: Effect, inverse: Inverse, in_trash: bool) -> Taken:
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    if bool(notion.retrieve_page(inverse.target).get("in_trash")) == in_trash:
        return Taken(**base, outcome="already")
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


def take_back(notion: TenantNotion, effect: Effect) -> Taken:
    """Apply ``effect``'s inverse once, unless the state changed since the run wrote it."""
    inverse = effect.inverse
    base = {"effect": effect.id, "tool": effect.tool, "target": inverse.target}
    match inverse.action:
        case "restore_properties":
            return _properties(notion, effect, inverse)
        case "archive_page":
            return _trash(notion, effect, inverse, True)
        case "restore_page":
            return _trash(notion, effect, inverse, False)
        case "clear_section":
            return _section(notion, effect, inverse)
        case "delete_comment":
            return _comment(notion, effect, inverse)
        case _:
            return Taken(**base, outcome="final", reason=inverse.reason)


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
