"""What follows each call of the MCP sandbox's tools (shared/mcp/services/watch.py), with the real SDK
client, the Firestore emulator's audit log and servers' store: an audit entry per call (who, run,
server, tool, outcome, size; never the arguments), read back as the console's Audit log reads it,
and a server whose calls fail ``pause_after`` times in a row paused with one notice to its owner,
its tools then neither offered nor called."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.mcp.adapters.firestore_servers import FirestoreMcpServers
from shared.mcp.services.watch import Watch
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import ModelFixableError, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.state import RunStatus
from shared.runs.services.deps import Deps
from shared.team.adapters.firestore_audit import FirestoreAudit
from shared.team.services import audit
from tests.support.engine.engine_runs import run_until_held as drive
from tests.support.engine.engine_runs import state
from tests.support.mcp.mcp_runs import call, mcp_run
from tests.support.platform.platform_fakes import FakeQueue

pytestmark = pytest.mark.integration
SECRET = "sk-live-0123456789abcdef-never-audited"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("watched-calls-token-123", slow_seconds=4.0) as served:
        yield served


def _watched(
    sandbox: McpSandbox, firestore_db: Any, *steps: Any, pause_after: int = 5, timeout_s: float = 10
) -> tuple[Deps, FirestoreAudit]:
    """A run of tenant t1 planned as ``steps``, the sandbox kept in Firestore and each call watched:
    its audit entry in Firestore, its pause's notice on the run's queue."""
    log = FirestoreAudit(firestore_db)
    watch = Watch(lambda: log, None, None, pause_after)
    deps = mcp_run(
        sandbox, *steps, servers=FirestoreMcpServers(firestore_db), watch=watch, timeout_s=timeout_s
    )
    assert deps.mcp is not None
    bound = deps.mcp
    watch = watch._replace(tenants=deps.tenants, queue=deps.queue)
    return deps._replace(mcp=lambda t, a: bound(t, a)._replace(watch=watch)), log


def _entries(log: FirestoreAudit) -> list[dict[str, Any]]:
    """The agents' entries as ``GET /audit?surface=agent`` pages them (the console's Audit log)."""
    entries: list[dict[str, Any]] = audit.page(log, "t1", audit.Filters(surface="agent"), 200, None)[
        "entries"
    ]
    return entries


def test_each_call_has_an_audit_entry_naming_who_run_server_tool_outcome_and_size(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    deps, log = _watched(sandbox, firestore_db, call("add", a=2, b=40), call("lookup_city", name=SECRET))
    drive(deps)
    assert state(deps).status == RunStatus.COMPLETED
    entries = _entries(log)
    assert [(e["target"]["tool"], e["target"]["outcome"]) for e in reversed(entries)] == [
        ("add", "ok"),
        ("lookup_city", "ok"),
    ]
    add = entries[-1]
    assert add["actor"] == "agent:default" and add["surface"] == "agent" and add["action"] == "mcp_call"
    assert add["target"] == {
        "run_id": "r1",
        "agent_id": "default",
        "server": "sandbox",
        "tool": "add",
        "outcome": "ok",
        "size": "2",  # "42"
    }
    assert add["status"] == 200
    assert SECRET not in str(entries)  # the arguments are never kept, whatever they hold


def test_a_failed_call_and_a_tool_error_are_audited_with_their_outcome(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    deps, log = _watched(sandbox, firestore_db, timeout_s=2.0)
    assert deps.mcp is not None
    calls = deps.mcp("t1", "default")
    with pytest.raises(TransientError):
        calls.call("sandbox", "slow_echo", {"text": SECRET}, "key-1", "r9")
    answer = calls.call("sandbox", "always_fails", {"reason": SECRET}, "key-2", "r9")
    assert answer["is_error"]
    tool_error, failed = _entries(log)
    assert failed["target"]["outcome"] == "failed" and failed["status"] == 502
    assert failed["target"]["why"] == "the server was unreachable or did not answer in time"
    assert failed["target"]["run_id"] == "r9"
    assert tool_error["target"]["outcome"] == "tool_error" and int(tool_error["target"]["size"]) > 0
    assert SECRET not in str([failed, tool_error])


def _notices(deps: Deps) -> list[NotifyTask]:
    assert isinstance(deps.queue, FakeQueue)
    return [b for q, b, _, _ in deps.queue.tasks if q == Queue.NOTIFY and isinstance(b, NotifyTask)]


def test_failures_in_a_row_pause_the_server_once_with_a_notice_and_its_tools_go(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    deps, _ = _watched(sandbox, firestore_db, pause_after=3, timeout_s=2.0)
    assert deps.mcp is not None
    calls = deps.mcp("t1", "default")
    servers = FirestoreMcpServers(firestore_db)
    for n in range(2):
        with pytest.raises(TransientError):
            calls.call("sandbox", "slow_echo", {"text": "x"}, f"key-{n}", "r1")
    assert calls.call("sandbox", "add", {"a": 1, "b": 1}, "key-ok", "r1")["result"] == "2"
    kept = servers.get("t1", "sandbox")
    assert kept is not None and kept.failures == 0 and kept.paused_at is None  # an answer: back to 0
    for n in range(3):
        with pytest.raises(TransientError):
            calls.call("sandbox", "slow_echo", {"text": "x"}, f"key-again-{n}", "r1")
    kept = servers.get("t1", "sandbox")
    assert kept is not None and kept.paused_at is not None and kept.failures == 3
    [notice] = _notices(deps)
    assert "paused" in notice.text and notice.data == {"kind": "mcp_paused", "server": "sandbox"}

    adds = sandbox.state.calls.get("add", 0)
    assert all(t["server"] != "sandbox" for t in calls.offered())
    with pytest.raises(ModelFixableError, match="paused"):
        calls.call("sandbox", "add", {"a": 1, "b": 1}, "key-paused", "r1")
    assert sandbox.state.calls.get("add", 0) == adds  # never called
    assert len(_notices(deps)) == 1

    assert servers.resume("t1", "sandbox")
    kept = servers.get("t1", "sandbox")
    assert kept is not None and kept.paused_at is None and kept.failures == 0
    assert any(t["tool"] == "add" for t in calls.offered())


def test_a_run_planned_to_call_a_paused_server_never_calls_it(sandbox: McpSandbox, firestore_db: Any) -> None:
    deps, _ = _watched(sandbox, firestore_db, call("add", a=1, b=2))
    servers = FirestoreMcpServers(firestore_db)
    for _ in range(5):
        servers.outcome("t1", "sandbox", False, 5, deps.clock())
    adds = sandbox.state.calls.get("add", 0)
    drive(deps)
    assert sandbox.state.calls.get("add", 0) == adds
    assert "is paused" in (state(deps).last_error or "")
