"""What takes an effect back: the inverse a write records in its own result. That is the step's one
``tool_result`` event, so under the same once-only guarantee as the effect (decision 0160). Also which
effects cannot be taken back and why, and the order an undo applies inverses in.

Pure: the tools build inverses while they write, the undo service reads them from a run's log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field

from shared.platform.domain.schema import Record

Action = Literal[
    "restore_properties",  # set ``before`` again on page ``target`` (what it held before the run)
    "clear_section",  # delete the section the call's ``key`` marks under page ``target``
    "archive_page",  # move page ``target`` (the run created it) to the trash
    "restore_page",  # take page ``target`` (the run trashed it) out of the trash
    "delete_comment",  # delete comment ``target`` (a connection may delete the comments it made)
    "move_page",  # move page ``target`` back under ``before["page_id"]`` (from ``written["page_id"]``)
    "restore_block",  # set block ``target``'s content ``before`` again (``{type: {"rich_text": ...}}``)
    "restore_issue",  # set tracker issue ``target``'s fields ``before`` again (``place``: its tool, target)
    "archive_issue",  # archive (Linear) or close (GitLab) tracker issue ``target`` the run created
    "delete_issue_comment",  # delete comment ``target`` (a Linear comment, a GitLab note) the run made
    "delete_task",  # delete Motion task ``target`` the run created (Motion's API has no archive)
    "unarchive_issue",  # bring back tracker issue ``target`` an undo archived (Linear) or closed (GitLab)
    "none",  # cannot be taken back: ``reason`` says why
]


class Inverse(Record):
    """How to take one effect back. ``written`` is what the effect left (for a property change, the
    values as Notion gave them after the write). An undo compares the current state with it first
    and leaves the effect alone, as a conflict, if a person changed it since."""

    action: Action
    target: str = ""
    before: dict[str, Any] = Field(default_factory=dict)
    written: dict[str, Any] = Field(default_factory=dict)
    key: str = ""  # the call's idempotency key (clear_section: the marker it finds the section by)
    # restore_properties (restore_block): who Notion says last edited the page (the block) after the
    # write (the integration's bot); anyone else since is a person's change, even one setting the value
    # the run wrote. Left out when unknown (recorded before it was kept).
    written_by: str = Field("", exclude_if=lambda v: not v)
    # restore_issue: when the tracker says the run's write landed (the issue's ``updated_at`` read
    # after it): a change recorded since to another value is a person's, even if the run's is back.
    written_at: str = Field("", exclude_if=lambda v: not v)
    reason: str = ""  # action "none": why it cannot be taken back
    # restore_issue: where the issue is ({"tool": "linear" | "gitlab", "target": the connected team or
    # project}; a comment's: its "issue_id" too); the tenant is the undo run's own.
    place: dict[str, str] = Field(default_factory=dict, exclude_if=lambda v: not v)


# Effects nothing can take back, whatever is recorded: once out, they are out.
FINAL: Mapping[str, str] = {
    "send_notification": "a message sent cannot be unsent",
    "merge_pull_request": "a merged commit on a shared branch stays in its history",
    "deploy_vercel": "a deployment served cannot be unserved (a rollback is a new run)",
    "roll_back_production": "a rollback is undone by a new release, not by an undo",
}

# Effects whose tool records an inverse with its result (shared.tools.notion_write, notion_edit).
UNDOABLE = frozenset(
    {
        "update_properties",
        "append_blocks",
        "create_page",
        "add_comment",
        "archive_page",
        "restore_page",
        "move_page",
        "update_block",
        "update_issue",  # shared.tools.trackers: the issue's fields before (Linear, GitLab)
        "create_issue",  # shared.tools.trackers: archive (Linear) or close (GitLab) what it made
        "update_task",  # shared.tools.trackers: Motion's task's fields before
        "comment_on_issue",  # shared.tools.trackers: delete the comment (Linear) or note (GitLab)
        "create_task",  # shared.tools.trackers: delete the Motion task it made (decision 0197)
        "undo_effect",  # an undo step records the way back to the run's write (an undo undone)
    }
)

NOT_YET = "its inverse is not recorded yet"
_CHILDREN = (
    "its child runs' effects are theirs: undone with this run's when asked (children), or each run's own"
)
_WAITS = "it waits and reads: it changes nothing to take back"

# Every other tool with an effect, each named (a table test holds that no effect tool is left out):
# what an undo cannot take back yet, or why there is nothing of its own to take back.
NOT_RECORDED: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "delete_block",
            "move_block",
            "create_database",
            "add_file",
            "write_requirements",
            "open_pull_request",
            "push_fix",
            "push_revision",
            "call_mcp",
        ),
        NOT_YET,
    ),
    "comment_on_task": "Motion's API cannot delete a comment",
    **dict.fromkeys(("hand_off", "map_rows", "debate", "panel"), _CHILDREN),
    **dict.fromkeys(("await_checks", "await_deployment", "check_production", "await_review"), _WAITS),
}


def final_reason(tool: str) -> str | None:
    """Why ``tool``'s effect cannot be taken back, or None when an undo can take it back. Said on
    the approval card before the run asks (shared.engine.agent.approvals)."""
    if tool in UNDOABLE:
        return None
    return FINAL.get(tool) or NOT_RECORDED.get(tool, NOT_YET)


def cannot(reason: str) -> dict[str, Any]:
    """The recorded inverse of an effect that cannot be taken back, for ``reason``."""
    return Inverse(action="none", reason=reason).model_dump()


def writable(value: Any) -> Any:
    """A property value as Notion returns it, as Notion takes it back: ``{type: inner}`` without
    its ``id``. Anything else is returned as it is."""
    if isinstance(value, dict) and isinstance(kind := value.get("type"), str) and kind in value:
        return {kind: value[kind]}
    return value


def property_inverse(
    page_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    names: Iterable[str],
    written_by: str = "",
) -> dict[str, Any]:
    """The inverse of setting ``names`` on a page that held ``before`` and holds ``after`` (Notion's
    property objects, by name). A name the page did not have before cannot be restored (its previous
    value is unknown), so the whole change is marked final rather than half undone."""
    names = sorted(names)
    missing = [n for n in names if n not in before]
    if missing:
        return cannot(f"the page had no property {', '.join(missing)} before the run set it")
    return Inverse(
        action="restore_properties",
        target=page_id,
        before={n: writable(before[n]) for n in names},
        written={n: writable(after[n]) for n in names if n in after},
        written_by=written_by,
    ).model_dump()


def issue_inverse(
    place: Mapping[str, str],
    issue_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    changes: Mapping[str, Any],
) -> dict[str, Any]:
    """The inverse of setting ``changes`` on a tracker issue whose fields (as the sync reads them)
    were ``before`` and are ``after``; a status's with the exact ``state`` it replaced, when read. When the issue already held every value set, a retry after a
    lost answer cannot tell its own write from the issue's former state: marked final, never guessed."""
    names = sorted(changes)
    if before is None or after is None:
        return cannot("the issue could not be read around the write")
    if all(before.get(n) == changes[n] for n in names):
        return cannot("the issue already held the values set: what it held before is not known")
    if "status" in changes and "state" in before and "state" in after:
        names.append("state")  # the exact state (Linear's, Motion's) the status replaced, not its group
    return Inverse(
        action="restore_issue",
        target=issue_id,
        before={n: before.get(n) for n in names},
        written={n: after.get(n) for n in names},
        place=dict(place),
        written_at=str(after.get("updated_at") or ""),
    ).model_dump()


def created_issue_inverse(
    place: Mapping[str, str], issue_id: str, made: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The inverse of making a tracker issue whose fields, as made, are ``made``: archive it (Linear) or
    close it (GitLab), unless a person changed its title or status since."""
    if made is None:
        return cannot("the issue could not be read after it was made")
    written = {n: made.get(n) for n in ("title", "status")}
    return Inverse(action="archive_issue", target=issue_id, written=written, place=dict(place)).model_dump()


def created_task_inverse(
    place: Mapping[str, str], task_id: str, made: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The inverse of making a Motion task whose fields, as made, are ``made``: delete it, unless
    anyone edited it since (its ``updated_at``, Motion's ``updatedTime``) or a person commented on it."""
    if made is None:
        return cannot("the task could not be read after it was made")
    written = {n: made.get(n) for n in ("title", "status", "state", "updated_at")}
    return Inverse(action="delete_task", target=task_id, written=written, place=dict(place)).model_dump()


def issue_comment_inverse(
    place: Mapping[str, str], issue_id: str, comment_id: str, made: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The inverse of commenting on a tracker issue, the comment read as made (``made``: its text):
    delete it, unless its text changed or someone replied in its thread since."""
    if made is None:
        return cannot("the comment could not be read after it was made")
    where = {**place, "issue_id": issue_id}
    return Inverse(
        action="delete_issue_comment", target=comment_id, written={"text": made["text"]}, place=where
    ).model_dump()


class Effect(Record):
    """One effect of a run, as an undo sees it: its id (the seq of its result in the run's log), its
    step, tool and recorded inverse."""

    id: int
    step: int
    tool: str
    inverse: Inverse


def effects(results: Iterable[tuple[int, int, str, Mapping[str, Any]]]) -> list[Effect]:
    """The effects among a run's results ``(seq, step, tool, output)``, oldest first: those whose
    output holds an inverse (the engine records one with every effect, decision 0160)."""
    return [
        Effect(id=seq, step=step, tool=tool, inverse=Inverse.model_validate(output["inverse"]))
        for seq, step, tool, output in results
        if isinstance(output.get("inverse"), dict)
    ]


def undo_order(chosen: Iterable[Effect]) -> list[Effect]:
    """The effects to take back, newest first (a later write undone before the one it built on)."""
    return sorted(chosen, key=lambda e: e.id, reverse=True)
