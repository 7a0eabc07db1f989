"""What follows each call of an MCP server's tool. First an entry in the workspace's audit log (the
console's Audit log): who (``agent:<agent id>``, surface ``agent``), the run, the server, the tool,
the outcome and the result's size. Never the arguments: they may hold what a page or a person gave the
agent. Then the server's run of failures. A call the server failed (unreachable, too slow, no MCP,
the token refused) adds one; a tool's own error is a result, and any answer sets the count back to 0.
After ``pause_after`` in a row the server is paused: its tools are neither offered nor called, its
owner is told once, and an admin resumes it (``resume_server``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from shared.notify.domain.notify_task import NotifyTask
from shared.platform import errors
from shared.platform.topology import Queue
from shared.team.services import audit

if TYPE_CHECKING:
    from shared.mcp.domain.servers import McpServer
    from shared.mcp.ports import McpServers
    from shared.platform.ports import TaskQueue
    from shared.team.ports import AuditLog
    from shared.workspace.ports import TenantStore

log = logging.getLogger(__name__)
PAUSE_AFTER = 5  # failed calls in a row (settings: mcp_pause_after_failures)
ACTION = "mcp_call"  # the audit entry's action


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Watch(NamedTuple):
    """Where a call's audit entry and a pause's notice go. ``audit``: the audit log, built on first
    use; ``tenants``: the tenant's retention; ``queue``: the owner's notice (notify's queue)."""

    audit: Callable[[], AuditLog] | None = None
    tenants: TenantStore | None = None
    queue: TaskQueue | None = None
    pause_after: int = PAUSE_AFTER
    now: Callable[[], datetime] = _utcnow


class Called(NamedTuple):
    """One call as the audit log keeps it. ``outcome`` is ``ok``, ``tool_error`` (the tool answered an
    error), ``failed`` (the server did not answer) or ``refused`` (the host no longer public). ``size``
    is the characters of the result kept. ``why`` is our words of a kind of failure, never the
    server's (an error may echo the arguments). ``cost_usd``: what the server billed."""

    run_id: str
    agent_id: str
    server: str
    tool: str
    outcome: str
    size: int = 0
    why: str = ""
    cost_usd: float | None = None  # what the server billed (None: it billed nothing we read)


_STATUS = {"ok": 200, "tool_error": 200, "failed": 502, "refused": 403}


def recorded(watch: Watch | None, tenant_id: str, call: Called) -> None:
    """The call's audit entry; best effort (a failed write is logged, the call stands)."""
    if watch is None or watch.audit is None or watch.tenants is None:
        return
    target = {
        "run_id": call.run_id,
        "agent_id": call.agent_id,
        "server": call.server,
        "tool": call.tool,
        "outcome": call.outcome,
        "size": str(call.size),
    } | ({"why": call.why} if call.why else {})
    if call.cost_usd is not None:
        target["cost_usd"] = f"{call.cost_usd:.6f}"
    try:
        tenant = watch.tenants.get(tenant_id)
        audit.record(
            watch.audit(),
            tenant,
            None,
            "agent",
            ACTION,
            now=watch.now(),
            target=target,
            status=_STATUS.get(call.outcome, 200),
            actor=f"agent:{call.agent_id}",
        )
    except errors.TransientError as exc:
        log.error("mcp: the audit entry of a call of %s/%s was not written: %s", call.server, call.tool, exc)


def counted(watch: Watch, servers: McpServers, tenant_id: str, server: McpServer, failed: bool) -> None:
    """Count the call's outcome on the server (an answer after failures sets them back to 0); the
    failure that reaches ``watch.pause_after`` pauses it and tells the owner."""
    if not failed and not server.failures:
        return  # the common case: no write
    now = watch.now()
    if servers.outcome(tenant_id, server.id, not failed, watch.pause_after, now) and watch.queue is not None:
        notice = NotifyTask(
            notification_id=f"mcp-paused-{server.id}-{now:%Y%m%d%H%M%S}",
            tenant_id=tenant_id,
            subject="An MCP server was paused",
            text=f"After {watch.pause_after} failed calls in a row, the MCP server {server.name!r} is "
            "paused: agents are no longer offered its tools and none is called. Once it answers "
            "again, an admin resumes it (Integrations, MCP servers, Resume).",
            data={"kind": "mcp_paused", "server": server.id},
        )
        watch.queue.enqueue(Queue.NOTIFY, notice, f"notify:{notice.notification_id}")
