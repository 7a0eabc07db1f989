"""Hand-off: a run starts another agent's run with its output. The child runs that agent,
records its lineage (shown in the api's run view), and never reads or changes more than the run that
started it may, even with its owner approving. A chain past its bound, or back to an agent already in it, is refused."""

from datetime import UTC, datetime
from typing import Any

from shared.engine.services.engine import run_step
from shared.runs.domain.events import ErrorRecorded, RunPlanned, ToolResult
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services import runs
from shared.runs.services.deps import Deps
from shared.workspace.domain.settings import plain_notion_id
from tests.support.agents.chains import agents, child_plans, handed, run_child
from tests.support.engine.engine_runs import forged_run, run_until_held
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
SOURCE = "ds-team"


def _parent(notion: FakeNotion, trigger: str, args: dict[str, Any], **fields: Any) -> Deps:
    key = [plain_notion_id(SOURCE)]
    planned = {"agent_id": "a", "reach_read": key, "reach_change": key} | fields
    return forged_run(notion, trigger, ("hand_off", args), **planned)


def _world() -> tuple[FakeNotion, str, str]:
    notion = FakeNotion()
    trigger = notion.add_page("Notes", {"type": "data_source_id", "data_source_id": SOURCE}, "Hand this on.")
    return notion, trigger, notion.add_page("Salaries", None, "Alice 100k")


def test_a_hand_off_starts_the_other_agent_s_run_with_its_lineage_shown() -> None:
    notion, trigger, _ = _world()
    deps = _parent(notion, trigger, {"agent_id": "b", "input": "Summarise the notes"})
    assert run_until_held(deps).status == RunStatus.COMPLETED
    (task,) = handed(deps)
    assert (task.run_id, task.agent_id, task.goal) == ("r1-h1", "b", "Summarise the notes")
    assert task.parent_run_id == "r1" and task.chain == ["a"] and task.trigger.page_id == trigger
    deps = child_plans(deps, agents("a", "b"), ("read_page", {"page_id": trigger}))
    assert run_child(deps, task) == RunStatus.COMPLETED
    planned = deps.store.list_events("t1", "r1-h1")[0]
    assert isinstance(planned, RunPlanned) and planned.agent_id == "b" and planned.parent_run_id == "r1"
    assert deps.tenants is not None
    view, _ = runs.timeline("t1", "r1-h1", deps.store, deps.tenants)
    assert view is not None and view["parent_run_id"] == "r1" and view["chain"] == ["a"]


def test_the_child_reads_and_changes_no_more_than_the_run_that_started_it() -> None:
    notion, trigger, salaries = _world()
    deps = _parent(notion, trigger, {"agent_id": "b", "input": "Summarise"})
    run_until_held(deps)
    (task,) = handed(deps)
    assert task.bounds[0].read == [plain_notion_id(SOURCE)]
    for step in (("read_page", {"page_id": salaries}), ("append_blocks", {"page_id": salaries, "text": "x"})):
        child = child_plans(deps, agents("a", "b"), step)  # agent b itself has no reach: unbounded
        run_id = f"r1-h1-{step[0].replace('_', '')}"
        run_child(child, task.model_copy(update={"run_id": run_id}))
        events = list(child.store.list_events("t1", run_id))
        assert not [e for e in events if isinstance(e, ToolResult) and e.args.get("page_id") == salaries], (
            step
        )
        assert any(isinstance(e, ErrorRecorded) and "beyond what this agent may" in e.message for e in events)
    assert notion.writes["append_blocks"] == 0


def test_nor_does_the_parent_hand_a_page_beyond_its_reach_to_its_child() -> None:
    notion, trigger, salaries = _world()
    deps = _parent(notion, trigger, {"agent_id": "b", "input": "Leak it", "page_id": salaries})
    run_until_held(deps)
    assert handed(deps) == []


def test_a_hand_off_back_to_an_agent_in_the_chain_is_refused() -> None:
    notion, trigger, _ = _world()
    for target, chain in (("a", []), ("b", ["b"])):
        deps = _parent(notion, trigger, {"agent_id": target, "input": "Again"}, chain=chain)
        run_until_held(deps)
        assert handed(deps) == [], target
        errors = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
        assert errors and "already in this chain" in errors[0].message


def test_a_chain_stops_at_its_bound_of_hand_offs() -> None:
    notion, trigger, _ = _world()
    deps = _parent(notion, trigger, {"agent_id": "d", "input": "On"}, chain=["x", "y", "z"])  # 3 before
    run_until_held(deps)
    assert handed(deps) == []
    errors = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert errors and "at its bound of 3 hand-offs" in errors[0].message
    deps = _parent(notion, trigger, {"agent_id": "d", "input": "On"}, chain=["x", "y"])  # 2 before: one more
    assert run_until_held(deps).status == RunStatus.COMPLETED
    (task,) = handed(deps)
    assert task.chain == ["x", "y", "a"]


def test_a_repeated_hand_off_starts_one_run() -> None:
    notion, trigger, _ = _world()
    deps = _parent(notion, trigger, {"agent_id": "b", "input": "Once"})
    run_until_held(deps)
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)  # a redelivery of the hand-off's step
    assert len(handed(deps)) == 1


def test_the_child_plans_its_own_agent_s_instructions_with_the_input_it_was_given() -> None:
    """The agent handed to does its own job: its instructions and the hand-off's input both reach the
    plan's goal (a child planned for the input alone would never read what its owner told it)."""
    notion, trigger, _ = _world()
    deps = _parent(notion, trigger, {"agent_id": "b", "input": "Summarise the notes"})
    assert run_until_held(deps).status == RunStatus.COMPLETED
    (task,) = handed(deps)
    deps = child_plans(deps, agents("a", "b"))
    assert run_child(deps, task) == RunStatus.COMPLETED
    assert isinstance(deps.model, FakeModel)
    [prompt] = [p for schema, p in deps.model.prompts if schema == "PlanOut"]
    assert "Summarise what you are given." in prompt and "Summarise the notes" in prompt
