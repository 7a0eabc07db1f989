"""Writes to a connected tracker (Linear's team, GitLab's project): create an issue, comment on one
(decision 0116); Motion's workspace: create, update or comment on a task (decision 0122). Each is an external effect the owner approves first (shared.engine.agent.approvals),
made once per step key by :class:`shared.sync.services.issue_writes.IssueWrites`, which refuses a tool
the workspace has not connected or a target other than the connected one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shared.platform.errors import ModelFixableError, PermanentError
from shared.sync.services.issue_writes import Place
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext
from shared.undo.domain.inverses import (
    created_issue_inverse,
    created_task_inverse,
    issue_comment_inverse,
    issue_inverse,
)

if TYPE_CHECKING:
    from shared.sync.services.issue_writes import IssueWrites

Target = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
ItemId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]  # an issue's or a task's id
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
StatusGroup = Literal["backlog", "unstarted", "started", "completed", "canceled"]


class CreateIssueArgs(Args):
    tool: Literal["linear", "gitlab"]
    target: Target  # Linear: the connected team's id; GitLab: the connected project's id or path
    title: Title
    body: str = Field("", max_length=20_000)  # Markdown


class UpdateIssueArgs(Args):
    tool: Literal["linear", "gitlab"]
    target: Target
    issue_id: ItemId
    title: Title | None = None
    status: StatusGroup | None = None


class CommentArgs(Args):
    tool: Literal["linear", "gitlab"]
    target: Target
    issue_id: ItemId
    body: Text


def _writes(ctx: ToolContext) -> IssueWrites:
    if ctx.trackers is None:
        raise RuntimeError("this tool has no tracker access: it does not declare uses_trackers")
    return ctx.trackers


def _since(ctx: ToolContext) -> datetime:
    if ctx.started_at is None:
        raise PermanentError("looking for an earlier attempt's issue needs the run's start")
    return ctx.started_at


def _made(ctx: ToolContext, a: CreateIssueArgs, out: Output | None) -> Output | None:
    """``out`` with its inverse: the issue as made, to archive (or close) unless a person changed it."""
    if out is None:
        return None
    fields = _writes(ctx).read_fields(Place(ctx.tenant_id, a.tool, a.target), str(out["issue_id"]))
    place = {"tool": a.tool, "target": a.target}
    return out | {"inverse": created_issue_inverse(place, str(out["issue_id"]), fields)}


def _create(ctx: ToolContext, a: CreateIssueArgs) -> Output:
    out = _writes(ctx).create(Place(ctx.tenant_id, a.tool, a.target), a.title, a.body, ctx.key)
    return _made(ctx, a, out) or out


def _find_created(ctx: ToolContext, a: CreateIssueArgs) -> Output | None:
    """An earlier try's issue, found by its key: the run's own, so its inverse is known still."""
    found = _writes(ctx).find_created(Place(ctx.tenant_id, a.tool, a.target), ctx.key, _since(ctx))
    return _made(ctx, a, found)


def _update(ctx: ToolContext, a: UpdateIssueArgs) -> Output:
    """Set the issue's fields; its output records the values they replaced (its inverse), read before
    the write in the same step, so an undo sets them again unless a person changed them since."""
    changes = {k: v for k, v in (("title", a.title), ("status", a.status)) if v is not None}
    if not changes:
        raise ModelFixableError("update_issue: give a title or a status to set")
    writes, at = _writes(ctx), Place(ctx.tenant_id, a.tool, a.target)
    before = writes.read_fields(at, a.issue_id)
    out = writes.update(at, a.issue_id, changes)
    after = writes.read_fields(at, a.issue_id)
    place = {"tool": a.tool, "target": a.target}
    return out | {"inverse": issue_inverse(place, a.issue_id, before, after, changes)}


def _commented(ctx: ToolContext, a: CommentArgs, out: Output | None) -> Output | None:
    """``out`` with its inverse: the comment as made, to delete unless a person edited or replied to it."""
    if out is None:
        return None
    at, comment_id = Place(ctx.tenant_id, a.tool, a.target), str(out["comment_id"])
    made = _writes(ctx).read_comment(at, a.issue_id, comment_id)
    place = {"tool": a.tool, "target": a.target}
    return out | {"inverse": issue_comment_inverse(place, a.issue_id, comment_id, made)}


def _comment(ctx: ToolContext, a: CommentArgs) -> Output:
    out = _writes(ctx).comment(Place(ctx.tenant_id, a.tool, a.target), a.issue_id, a.body, ctx.key)
    return _commented(ctx, a, out) or out


def _find_comment(ctx: ToolContext, a: CommentArgs) -> Output | None:
    """An earlier try's comment, found by its key: the run's own, so its inverse is known still."""
    found = _writes(ctx).find_comment(Place(ctx.tenant_id, a.tool, a.target), a.issue_id, ctx.key)
    return _commented(ctx, a, found)


class CreateTaskArgs(Args):
    tool: Literal["motion"]
    target: Target  # the connected Motion workspace's id
    title: Title
    body: str = Field("", max_length=20_000)  # Markdown


class UpdateTaskArgs(Args):
    tool: Literal["motion"]
    target: Target
    task_id: ItemId
    title: Title | None = None
    status: StatusGroup | None = None


class CommentOnTaskArgs(Args):
    tool: Literal["motion"]
    target: Target
    task_id: ItemId
    body: Text


def _task_made(ctx: ToolContext, a: CreateTaskArgs, out: Output | None) -> Output | None:
    """``out`` with its inverse: the task as made, to delete unless anyone edited it since."""
    if out is None:
        return None
    task_id = str(out["task_id"])
    fields = _writes(ctx).motion.read_fields(Place(ctx.tenant_id, a.tool, a.target), task_id)
    return out | {"inverse": created_task_inverse({"tool": a.tool, "target": a.target}, task_id, fields)}


def _create_task(ctx: ToolContext, a: CreateTaskArgs) -> Output:
    out = _writes(ctx).motion.create(Place(ctx.tenant_id, a.tool, a.target), a.title, a.body, ctx.key)
    return _task_made(ctx, a, out) or out


def _find_task(ctx: ToolContext, a: CreateTaskArgs) -> Output | None:
    """An earlier try's task, found by its signature: the run's own, so its inverse is known still."""
    found = _writes(ctx).motion.find_created(Place(ctx.tenant_id, a.tool, a.target), ctx.key, _since(ctx))
    return _task_made(ctx, a, found)


def _update_task(ctx: ToolContext, a: UpdateTaskArgs) -> Output:
    """Set the task's fields, recording the values they replaced (its inverse), as ``update_issue``."""
    changes = {k: v for k, v in (("title", a.title), ("status", a.status)) if v is not None}
    if not changes:
        raise ModelFixableError("update_task: give a title or a status to set")
    writes, at = _writes(ctx).motion, Place(ctx.tenant_id, a.tool, a.target)
    before = writes.read_fields(at, a.task_id)
    out = writes.update(at, a.task_id, changes)
    after = writes.read_fields(at, a.task_id)
    place = {"tool": a.tool, "target": a.target}
    return out | {"inverse": issue_inverse(place, a.task_id, before, after, changes)}


def _comment_task(ctx: ToolContext, a: CommentOnTaskArgs) -> Output:
    return _writes(ctx).motion.comment(Place(ctx.tenant_id, a.tool, a.target), a.task_id, a.body, ctx.key)


def _find_task_comment(ctx: ToolContext, a: CommentOnTaskArgs) -> Output | None:
    return _writes(ctx).motion.find_comment(Place(ctx.tenant_id, a.tool, a.target), a.task_id, ctx.key)


# Motion's tools: what the model reads of each, and what they all declare (decision 0122).
_MOTION_CREATE = (
    "Create a task in the workspace's connected Motion workspace (tool: motion; target: its id; asks the owner "
    "first). Output: tool, target, task_id, title."
)
_MOTION_UPDATE = (
    "Set a Motion task's title or status group (backlog, unstarted, started, completed, canceled) in the "
    "connected Motion workspace (asks the owner first). Output: tool, target, task_id, title."
)
_MOTION_COMMENT = (
    "Comment on a task of the connected Motion workspace (asks the owner first). Output: tool, target, "
    "task_id, comment_id."
)
_ON_TASK = ("tool", "target", "task_id")
_TASK: dict[str, Any] = {"uses_trackers": True, "uses_notion": False}
_TASKS: dict[str, Any] = {**_TASK, "targets": ("tool", "target")}

# Each declared with ``Tool(...)`` itself: tests/unit/tools/test_tool_declarations.py reads the declarations.
TOOLS = [
    Tool(
        "create_issue",
        SideEffect.EXTERNAL,
        CreateIssueArgs,
        "Create an issue in the workspace's connected Linear team or GitLab project (asks the owner "
        "first). Output: tool, target, issue_id, title.",
        _create,
        uses_trackers=True,
        targets=("tool", "target"),
        find=_find_created,
        uses_notion=False,
    ),
    Tool(
        "comment_on_issue",
        SideEffect.EXTERNAL,
        CommentArgs,
        "Comment on an issue (issue_id: Linear's id, GitLab's number) of the connected Linear team or "
        "GitLab project (asks the owner first). Output: tool, target, issue_id, comment_id.",
        _comment,
        uses_trackers=True,
        targets=("tool", "target", "issue_id"),
        find=_find_comment,
        uses_notion=False,
    ),
    Tool(
        "update_issue",
        SideEffect.EXTERNAL,
        UpdateIssueArgs,
        "Set an issue's title or status group (backlog, unstarted, started, completed, canceled) in the "
        "connected Linear team or GitLab project (asks the owner first; GitLab: completed or canceled "
        "closes, others reopen). Output: tool, target, issue_id, title.",
        _update,
        uses_trackers=True,
        targets=("tool", "target", "issue_id"),
        uses_notion=False,
    ),
    Tool(
        "create_task",
        SideEffect.EXTERNAL,
        CreateTaskArgs,
        _MOTION_CREATE,
        _create_task,
        find=_find_task,
        **_TASKS,
    ),
    Tool(
        "update_task",
        SideEffect.EXTERNAL,
        UpdateTaskArgs,
        _MOTION_UPDATE,
        _update_task,
        targets=_ON_TASK,
        **_TASK,
    ),
    Tool(
        "comment_on_task",
        SideEffect.EXTERNAL,
        CommentOnTaskArgs,
        _MOTION_COMMENT,
        _comment_task,
        targets=_ON_TASK,
        find=_find_task_comment,
        **_TASK,
    ),
]
