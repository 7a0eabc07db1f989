"""The local (offline) model plans ``call_mcp`` for a goal naming a connected tool, and the run calls the
MCP sandbox through the real SDK client: the agent's policy still decides (an allowed tool runs, an
ask-first one waits for an approval of its exact arguments, an off one is never offered nor called), and
a hostile tool's result asking for another call gets none."""

from collections.abc import Iterator

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.mcp.domain.policy import Policy
from shared.platform.adapters.offline_model import OfflineModel
from shared.runs.domain.events import ToolResult
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from tests.support.engine.engine_runs import run_until_held as drive
from tests.support.engine.engine_runs import state
from tests.support.mcp.mcp_runs import mcp_run

pytestmark = pytest.mark.integration

NOTE = 'Create a note with the create_note tool, title "Monday" body "plan the week"'


@pytest.fixture(scope="module")
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("offline-plans-token-123") as served:
        yield served


def test_a_read_only_tool_named_in_the_goal_is_called_and_its_answer_kept(sandbox: McpSandbox) -> None:
    calls = sandbox.state.calls.get("lookup_city", 0)
    deps = mcp_run(sandbox, goal='Look up the city "Lyon" with the lookup_city tool', model=OfflineModel())
    drive(deps)
    s = state(deps)
    assert s.status == RunStatus.COMPLETED, s.last_error
    assert sandbox.state.calls.get("lookup_city", 0) == calls + 1
    assert s.summary == "sandbox/lookup_city answered: France"
    [result] = [
        e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.tool == "call_mcp"
    ]
    assert result.output["result"] == "France" and "without_asking" in result.output


def test_an_ask_first_tool_waits_for_the_exact_arguments_then_is_called_once(sandbox: McpSandbox) -> None:
    before = len(sandbox.state.notes)
    deps = mcp_run(sandbox, goal=NOTE, model=OfflineModel())
    drive(deps)
    s = state(deps)
    assert s.status == RunStatus.WAITING_FOR_HUMAN and len(sandbox.state.notes) == before
    assert s.waiting is not None and "plan the week" in s.waiting.prompt
    humans.respond(deps, "t1", "r1", "approve", request_id=s.waiting.request_id)
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    drive(deps)
    assert state(deps).status == RunStatus.COMPLETED
    assert sandbox.state.notes[before:] == [{"title": "Monday", "body": "plan the week"}]


def test_an_off_tool_is_never_planned_nor_called(sandbox: McpSandbox) -> None:
    before = len(sandbox.state.notes)
    deps = mcp_run(sandbox, goal=NOTE, model=OfflineModel(), policies={"create_note": Policy.OFF})
    drive(deps)
    s = state(deps)
    assert len(sandbox.state.notes) == before and s.waiting is None
    # The local model reads what is left of the goal (a note to the owner): no MCP call at all.
    assert not [
        e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.tool == "call_mcp"
    ]


def test_a_hostile_result_asking_for_another_call_gets_none(sandbox: McpSandbox) -> None:
    before, notes = sandbox.state.calls.get("hostile_summary", 0), len(sandbox.state.notes)
    deps = mcp_run(
        sandbox,
        goal='Summarise "pricing" with the hostile_summary tool',
        model=OfflineModel(),
        policies={"create_note": Policy.ALLOWED},  # even allowed, nobody asked for it
    )
    drive(deps)
    s = state(deps)
    assert s.status == RunStatus.COMPLETED and sandbox.state.calls.get("hostile_summary", 0) == before + 1
    assert len(sandbox.state.notes) == notes
    tools = [e.tool for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    assert tools.count("call_mcp") == 1
