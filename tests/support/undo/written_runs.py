"""A finished run that wrote, for the undo's api and engine tests: its editor started it, its admin
approved a step, and it changed two pages' Status through the real ``update_properties`` (on the
fake Notion or the Notion sandbox), each result holding its recorded inverse."""

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.engine.services import run_log
from shared.notion.ports import TenantNotion
from shared.runs.domain.events import (
    HumanRequested,
    HumanResponded,
    Person,
    PlannedStep,
    RunEvent,
    RunFinished,
    RunPlanned,
    RunStatus,
    ToolResult,
)
from shared.runs.services.deps import Deps
from shared.tools import REGISTRY
from shared.tools.notion_write import UpdatePropertiesArgs, update_properties
from shared.workspace.domain.members import member_id_for
from tests.support.undo.undo_runs import tool_context

STARTER, APPROVER = "user-editor", "user-admin"  # tests.support.team.role_team's people


def set_status(page: str, value: str) -> dict[str, Any]:
    return {"page_id": page, "properties": {"Status": {"status": {"name": value}}}}


def written_log(
    notion: TenantNotion,
    row: str,
    other: str,
    *,
    at: datetime | None = None,
    ended: bool = True,
    starter: str = STARTER,
    approver: str = APPROVER,
) -> list[RunEvent]:
    """The log of a run that set ``row``'s Status (step 1, seq 2) then, approved by the admin,
    ``other``'s (step 3, seq 5), then finished (``ended``) at ``at``."""
    at = at or datetime.now(UTC)
    first, second = set_status(row, "Done"), set_status(other, "Done")
    steps = [
        PlannedStep(tool="update_properties", args=first),
        PlannedStep(tool="request_approval", args={"prompt": "Also the other page?"}),
        PlannedStep(tool="update_properties", args=second),
        PlannedStep(tool="finish", args={"summary": "done"}),
    ]
    out1 = update_properties(tool_context(notion, 1), UpdatePropertiesArgs.model_validate(first))
    out3 = update_properties(tool_context(notion, 3), UpdatePropertiesArgs.model_validate(second))
    log: list[RunEvent] = [
        RunPlanned(
            seq=1, at=at, goal="Mark done", trigger="api", steps=steps, page_id=row,
            tools=["update_properties", "request_approval", "finish"],
            people=(Person(notion_user_id=starter),) if starter else (), member=True,
        ),
        ToolResult(seq=2, at=at, step=1, tool="update_properties", args=first, output=out1),
        HumanRequested(seq=3, at=at, request_id="approval-2", step=2, purpose="approval", prompt="Also?"),
        HumanResponded(
            seq=4, at=at, request_id="approval-2", decision="approve", by_member=member_id_for(approver)
        ),
        ToolResult(seq=5, at=at, step=3, tool="update_properties", args=second, output=out3),
    ]  # fmt: skip
    if ended:
        log.append(RunFinished(seq=6, at=at, status=RunStatus.COMPLETED, summary="done"))
    return log


def store_written(
    deps: Deps,
    run_id: str,
    notion: TenantNotion,
    row: str,
    other: str,
    *,
    days_ago: float = 0,
    ended: bool = True,
    starter: str = STARTER,
    approver: str = APPROVER,
    tenant_id: str = "t1",
) -> None:
    """:func:`written_log` stored as run ``run_id`` of tenant t1, ended ``days_ago``."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    log = written_log(notion, row, other, at=at, ended=ended, starter=starter, approver=approver)
    assert run_log.RunLog(deps, tenant_id, run_id).create(log)


def store_calls(
    deps: Deps,
    run_id: str,
    notion: TenantNotion,
    page: str,
    calls: list[tuple[str, dict[str, Any]]],
    *,
    parent_run_id: str = "",
    tenant_id: str = "t1",
    ended: bool = True,
    thread: str = "",
) -> list[int]:
    """A run of tenant t1, started by its editor on ``page``, that made ``calls`` (tool, arguments)
    through the real tools, one step each, then finished (``ended``); stored as run ``run_id`` (a
    child of ``parent_run_id`` when given; asked in Slack ``thread`` when given). The seq of each call's result (effect ids)."""
    at = datetime.now(UTC)
    steps = [PlannedStep(tool=t, args=a) for t, a in calls]
    planned = RunPlanned(
        seq=1, at=at, goal="Edit", trigger="api", page_id=page, member=True,
        steps=[*steps, PlannedStep(tool="finish", args={"summary": "done"})],
        tools=sorted({t for t, _ in calls} | {"finish"}), people=(Person(notion_user_id=STARTER),),
        parent_run_id=parent_run_id, thread=thread,
    )  # fmt: skip
    log: list[RunEvent] = [planned]
    for step, (tool, args) in enumerate(calls, start=1):
        spec = REGISTRY[tool]
        out = spec.run(tool_context(notion, step), spec.args.model_validate(args))
        log.append(ToolResult(seq=step + 1, at=at, step=step, tool=tool, args=args, output=out))
    if ended:
        log.append(RunFinished(seq=len(calls) + 2, at=at, status=RunStatus.COMPLETED, summary="done"))
    assert run_log.RunLog(deps, tenant_id, run_id).create(log)
    return [n + 2 for n in range(len(calls))]
