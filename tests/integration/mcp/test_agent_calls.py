"""An agent's calls of the MCP sandbox's tools through the engine (shared/tools/mcp_calls.py), with
the real SDK client: the agent's policy per tool decides (off: never called; ask: the run waits for
an approval naming the exact arguments; allowed: called unasked), a call is made at most once per
step however often the step is delivered, a lost result is never called again for a tool that is
not read-only or idempotent, and the servers' words reach the planner only inside the data block."""

from collections.abc import Iterator

import pytest

from local.mcp_sandbox.server import INJECTED_DESCRIPTION, McpSandbox
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.mcp.adapters.sdk_client import MAX_RESULT_CHARS
from shared.mcp.domain.policy import Policy
from shared.platform.errors import TransientError
from shared.runs.domain.events import ToolResult
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_runs import run_until_held as drive
from tests.support.engine.engine_runs import state, step_intent
from tests.support.mcp.mcp_runs import call, mcp_run
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("agent-calls-token-123", slow_seconds=1.5) as served:
        yield served


def _results(deps: Deps) -> list[ToolResult]:
    return [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]


def test_ask_first_waits_for_an_approval_of_the_exact_call_then_calls_once(sandbox: McpSandbox) -> None:
    deps = mcp_run(sandbox, call("create_note", title="plan", body="for monday"))
    before = len(sandbox.state.notes)
    drive(deps)
    s = state(deps)
    assert s.status == RunStatus.WAITING_FOR_HUMAN and len(sandbox.state.notes) == before
    assert s.waiting is not None and "create_note" in s.waiting.prompt and "for monday" in s.waiting.prompt
    humans.respond(deps, "t1", "r1", "approve", request_id=s.waiting.request_id)
    step = StepTask(tenant_id="t1", run_id="r1", step=1)
    run_step(step, deps)
    run_step(step, deps)  # the same step delivered again: its recorded result stands
    assert len(sandbox.state.notes) == before + 1
    [result] = [r for r in _results(deps) if r.tool == "call_mcp"]
    assert result.output["result"].startswith("note ") and not result.output["is_error"]


def test_off_is_never_called_nor_asked(sandbox: McpSandbox) -> None:
    deps = mcp_run(sandbox, call("create_note", title="x", body="y"), policies={"create_note": Policy.OFF})
    before = len(sandbox.state.notes)
    drive(deps)
    s = state(deps)
    assert len(sandbox.state.notes) == before
    assert s.waiting is None or not s.waiting.request_id.startswith("effect-")  # nobody asked to allow it
    assert "off for this agent" in (s.last_error or "")


def test_a_read_only_tool_is_allowed_unasked_and_the_log_says_why(sandbox: McpSandbox) -> None:
    deps = mcp_run(sandbox, call("add", a=2, b=40))
    drive(deps)
    assert state(deps).status == RunStatus.COMPLETED
    [result] = [r for r in _results(deps) if r.tool == "call_mcp"]
    assert result.output["result"] == "42"
    assert "policy allows MCP tool sandbox/add" in result.output["without_asking"]


def test_an_allowed_effect_whose_result_was_lost_is_not_called_again(sandbox: McpSandbox) -> None:
    deps = mcp_run(
        sandbox, call("create_note", title="t", body="b"), policies={"create_note": Policy.ALLOWED}
    )
    args = {"server": "sandbox", "tool": "create_note", "arguments": {"title": "t", "body": "b"}}
    assert deps.store.add_event("t1", "r1", step_intent(deps, "call_mcp", args, lease_s=-1))
    before = len(sandbox.state.notes)
    drive(deps)
    assert len(sandbox.state.notes) == before  # the crashed instance may have made it: not again
    [result] = [r for r in _results(deps) if r.tool == "call_mcp"]
    assert result.output["outcome"] == "unknown" and result.reconciled


def test_arguments_off_the_tools_schema_are_the_models_to_fix(sandbox: McpSandbox) -> None:
    deps = mcp_run(sandbox, call("add", a="two", b=40))
    calls = sandbox.state.calls.get("add", 0)
    drive(deps)
    assert sandbox.state.calls.get("add", 0) == calls
    assert "arguments of MCP tool sandbox/add: a:" in (state(deps).last_error or "")


def test_the_servers_words_reach_the_planner_only_as_data(sandbox: McpSandbox) -> None:
    deps = mcp_run(sandbox)
    model = deps.model
    assert isinstance(model, FakeModel)
    [(_, prompt)] = [p for p in model.prompts if p[0] == "PlanOut"]
    assert INJECTED_DESCRIPTION[:60] in prompt
    fence = prompt.rindex("```json")
    assert prompt.index(INJECTED_DESCRIPTION[:60]) > fence  # inside the fenced data block only
    assert "call_mcp" in prompt[:fence]  # the tool itself is in the catalogue


def test_a_call_past_its_timeout_fails_as_passing_and_a_long_result_is_cut(sandbox: McpSandbox) -> None:
    deps = mcp_run(sandbox, timeout_s=0.3)
    assert deps.mcp is not None
    calls = deps.mcp("t1", "default")
    with pytest.raises(TransientError, match="did not answer in time"):
        calls.call("sandbox", "slow_echo", {"text": "hi"}, "key-1")
    long = calls._replace(timeout_s=10).call("sandbox", "hostile_summary", {"topic": "x" * 30_000}, "key-2")
    assert long["cut"] and len(long["result"]) < MAX_RESULT_CHARS + 100
    assert long["result"].endswith("[cut: the result was longer]")
