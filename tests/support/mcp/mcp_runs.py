"""Runs whose steps call the MCP sandbox's tools: the engine over fakes (tests/support/engine) with
the real SDK client, the sandbox connected through the connect use case, and the policies in memory."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from local.mcp_sandbox.server import McpSandbox
from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.engine.planning.start import start_run
from shared.mcp.adapters.sdk_client import SdkMcpClient
from shared.mcp.domain.policy import Policy
from shared.mcp.ports import McpServers
from shared.mcp.services.calls import McpCalls
from shared.mcp.services.connect import Connecting, add_server
from shared.mcp.services.watch import Watch
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.deps import Deps
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.engine.engine_fakes import make_deps
from tests.support.mcp.mcp_fakes import FakeMcpPolicies, FakeMcpServers
from tests.support.platform.platform_fakes import FakeModel

SERVER = "sandbox"
NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def call(tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    """A plan's step calling the sandbox's ``tool``."""
    return "call_mcp", {"server": SERVER, "tool": tool, "arguments": arguments}


def mcp_run(
    sandbox: McpSandbox,
    *steps: tuple[str, dict[str, Any]],
    policies: dict[str, Policy] | None = None,
    timeout_s: float = 10,
    goal: str = "use the sandbox",
    model: Any = None,
    servers: McpServers | None = None,
    watch: Watch | None = None,
) -> Deps:
    """Run r1 of tenant t1 (the default agent) for ``goal``, planned as ``steps`` then finish (or by
    ``model``, the offline one say), the sandbox connected and the agent's ``policies`` (by tool) set;
    not yet stepped."""
    calls = [*steps, ("finish", {"summary": "done"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in calls]}
    deps = with_sandbox(
        make_deps(model=model or FakeModel({"PlanOut": [plan]})), sandbox, policies, timeout_s, servers, watch
    )
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal=goal, trigger=Trigger(kind="api")), deps)
    return deps


def agent_run(
    sandbox: McpSandbox, page: str, *steps: tuple[str, dict[str, Any]], policies: dict[str, Policy]
) -> Deps:
    """Run r1 of tenant t1's agent ``helper``, whose instructions page is ``page`` (its ``Tools:``
    lines name what it wants), planned as ``steps`` then finish, the sandbox connected and the owner's
    ``policies`` (by tool) set for helper; started, not yet stepped."""
    store = FakeAgents()
    words = InstructionsVersion(content_hash="1" * 16, text=page)
    store.create(
        "t1", Agent(agent_id="helper", name="Helper", created_at=NOW, updated_at=NOW, accepted=words)
    )
    calls = [*steps, ("finish", {"summary": "done"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in calls]}
    deps = with_sandbox(make_deps(model=FakeModel({"PlanOut": [plan]})), sandbox)
    deps = deps._replace(agents_source=lambda: store)
    assert deps.mcp is not None
    for tool, policy in policies.items():
        deps.mcp("t1", "helper").policies.set("t1", "helper", f"{SERVER}/{tool}", policy)
    task = PlanTask(
        tenant_id="t1", run_id="r1", goal="the week", trigger=Trigger(kind="api"), agent_id="helper"
    )
    start_run(task, deps)
    return deps


def with_sandbox(
    deps: Deps,
    sandbox: McpSandbox,
    policies: dict[str, Policy] | None = None,
    timeout_s: float = 10,
    servers: McpServers | None = None,
    watch: Watch | None = None,
) -> Deps:
    """``deps`` with the sandbox connected to tenant t1 (the real SDK client) and the default agent's
    ``policies`` (by tool) set in memory; the servers kept in ``servers`` (else in memory), each call
    watched by ``watch`` (else none)."""
    servers = servers if servers is not None else FakeMcpServers()
    client, kept = SdkMcpClient(), FakeMcpPolicies()
    body = {"name": "Sandbox", "url": sandbox.url, "token": sandbox.token}
    add_server("t1", body, "owner", Connecting(servers, deps.secrets, client, allow_loopback=True))
    for tool, policy in (policies or {}).items():
        kept.set("t1", "default", f"{SERVER}/{tool}", policy)

    def bound(tenant_id: str, agent_id: str) -> McpCalls:
        return McpCalls(tenant_id, agent_id, servers, kept, deps.secrets, client, timeout_s, True, watch)

    return deps._replace(mcp=bound)
