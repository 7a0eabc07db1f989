"""A server's tools listed again when it says they changed: the sandbox built ``changing`` adds a tool
in a call and sends ``notifications/tools/list_changed`` on that call's stream; the real SDK client
hears it, the record (the Firestore emulator's) is marked, and the next listing (the planner's, or a
call naming the new tool) asks the server again and keeps what it lists. A call without the notice
marks nothing."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.mcp.adapters.firestore_servers import FirestoreMcpServers
from shared.mcp.services.calls import McpCalls
from tests.support.mcp.mcp_runs import mcp_run

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("changing-tools-token-123", changing=True) as served:
        yield served


def _calls(sandbox: McpSandbox, firestore_db: Any) -> tuple[McpCalls, FirestoreMcpServers]:
    servers = FirestoreMcpServers(firestore_db)
    deps = mcp_run(sandbox, servers=servers)
    assert deps.mcp is not None
    return deps.mcp("t1", "default"), servers


def _kept_tools(servers: FirestoreMcpServers) -> set[str]:
    server = servers.get("t1", "sandbox")
    assert server is not None
    return {t.name for t in server.tools}


def test_the_notice_marks_the_server_and_the_next_listing_keeps_its_new_tools(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    calls, servers = _calls(sandbox, firestore_db)
    assert calls.call("sandbox", "add", {"a": 1, "b": 2}, "k0", "r1")["result"] == "3"
    kept = servers.get("t1", "sandbox")
    assert kept is not None and kept.tools_changed_at is None  # no notice: nothing marked
    assert "extra_echo" not in {t["tool"] for t in calls.offered()}

    calls.call("sandbox", "grow_tools", {}, "k1", "r1")
    kept = servers.get("t1", "sandbox")
    assert kept is not None and kept.tools_changed_at is not None
    assert "extra_echo" not in _kept_tools(servers)  # not listed yet: on the next listing

    assert "extra_echo" in {t["tool"] for t in calls.offered()}
    kept = servers.get("t1", "sandbox")
    assert kept is not None and kept.tools_changed_at is None and "extra_echo" in _kept_tools(servers)


def test_a_call_naming_a_tool_listed_since_the_notice_lists_again_and_calls_it(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    calls, servers = _calls(sandbox, firestore_db)
    calls.call("sandbox", "grow_tools", {}, "k1", "r1")
    answer = calls.call("sandbox", "extra_echo", {"text": "hello"}, "k2", "r1")
    assert answer["result"] == "hello" and sandbox.state.calls["extra_echo"] == 1
    assert "extra_echo" in _kept_tools(servers)
