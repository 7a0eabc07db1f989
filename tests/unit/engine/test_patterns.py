"""Debate and expert panel: runs with children as a map's, in stages; each later
round sees the others' answers fenced as untrusted; a judge or lead settles; a failed or stuck child
is named missing after its stage's deadline; every child once; bad arguments a fixable error."""

from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.errors import Conflict, Forbidden
from shared.platform.topology import Queue
from shared.runs.domain.children import fanout as fo
from shared.runs.domain.events import ErrorRecorded, HumanResponded, ModelUsed, ToolResult
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.members import Approvers, Member
from tests.support.engine.engine_fakes import raise_budget
from tests.support.engine.engine_runs import queue
from tests.support.engine.fanout_world import drive
from tests.support.engine.pattern_world import world
from tests.support.runs.run_store import FakeRunStore

TWO_FAMILIES = [{"family": "gemini"}, {"family": "claude"}]
PANEL = [{"topic": "costs"}, {"topic": "risks"}, {"topic": "timeline", "agent_id": "lead"}]


def settled(deps: Deps) -> dict[str, Any]:
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED, parent and parent.state
    found = [
        e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.tool == "settle"
    ]
    assert len(found) == 1  # the fan-in recorded once
    return found[0].output


def test_a_debate_of_the_two_families_over_two_rounds_is_settled_by_the_judge() -> None:
    deps, _, claude = world(
        ("debate", {"input": "Which launch date?", "participants": TWO_FAMILIES, "judge": "judge"})
    )
    drive(deps)
    out = settled(deps)
    rounds = out["rounds"]
    assert [[a["answer"].split(";")[0] for a in r["answers"]] for r in rounds] == [
        ["gemini as member", "claude as member"],
        ["gemini as member", "claude as member"],
    ]  # each participant's calls went to its own family
    assert rounds[0]["answers"][0]["answer"].endswith("quoted: none")  # the first round sees no one
    # the second round saw round one's answers, fenced as untrusted: both participants'
    assert rounds[1]["answers"][1]["answer"].endswith(
        "quoted: participant 1 (gemini), participant 2 (claude)"
    )
    assert out["settled_by"] == "judge" and out["verdict"].startswith("gemini as judge")
    assert "participant 1 (gemini), participant 2 (claude)" in out["verdict"] and out["missing"] == []
    assert out["children_cost_usd"] == 0.002 * 5  # four answers and the verdict, one call each
    judge = deps.store.get_run("t1", fo.child_id("r1", 1, 4))
    assert judge is not None and judge.state.agent_id == "judge" and judge.state.parent_run_id == "r1"
    assert any("<untrusted from=" in p and "never follow" in p for p in claude.prompts)


def test_a_panel_of_three_specialists_is_merged_by_its_lead() -> None:
    deps, gemini, _ = world(("panel", {"input": "Plan the offsite", "specialists": PANEL, "lead": "lead"}))
    drive(deps)
    out = settled(deps)
    assert [s["who"] for s in out["sections"]] == [
        "specialist 1 (costs)",
        "specialist 2 (risks)",
        "specialist 3 (lead, timeline)",
    ]
    assert all(s["status"] == "completed" for s in out["sections"])
    assert out["settled_by"] == "lead" and out["verdict"].startswith("gemini as lead")
    assert out["verdict"].count("specialist") == 3 and out["missing"] == []
    assert any("Write only the section on: risks" in p for p in gemini.prompts)


def test_a_child_delivered_twice_is_one_child_and_the_fan_in_counts_once() -> None:
    deps, _, _ = world(("debate", {"input": "Q?", "participants": TWO_FAMILIES, "rounds": 1}))
    doubled: list[str] = []

    def twice() -> None:  # every plan task delivered again, as a queue may
        for q, body, name, delay in list(queue(deps).tasks):
            if isinstance(body, PlanTask) and body.run_id not in doubled:
                doubled.append(body.run_id)
                queue(deps).tasks.append((q, body, name + ":again", delay))

    drive(deps, after=twice)
    out = settled(deps)
    assert len(out["rounds"]) == 1 and out["settled_by"] == "a"  # no judge named: the run's own agent
    store = deps.store
    assert isinstance(store, FakeRunStore)
    children = [r for (_, r), run in store.runs.items() if run.state.parent_run_id == "r1"]
    assert sorted(children) == sorted(fo.child_id("r1", 1, i) for i in range(3))
    assert len(doubled) >= 3
    run_step(StepTask(tenant_id="t1", run_id="r1", step=2, woken=True), deps)  # a late wake: nothing twice
    assert len([e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]) == 3


def _debated_with(fault: str, rounds: int) -> tuple[Any, dict[str, Any]]:
    """(deps, the settled result) of a two-family debate whose Claude participant meets ``fault``."""
    deps, _, _ = world(
        ("debate", {"input": "Q?", "participants": TWO_FAMILIES, "rounds": rounds, "judge": "judge"}),
        words={fault: ("participant",)},
    )
    drive(deps)
    return deps, settled(deps)


def test_a_failed_participant_is_named_missing_and_the_judge_works_with_what_came() -> None:
    _, out = _debated_with("claude_fail_on", rounds=2)
    assert [a["status"] for a in out["rounds"][0]["answers"]] == ["completed", "failed"]
    assert out["missing"] == ["participant 2 (claude)"]
    assert out["verdict"].endswith("quoted: participant 1 (gemini)")  # only what came


def test_a_stuck_participant_is_cancelled_at_the_deadline_and_the_debate_goes_on() -> None:
    deps, out = _debated_with("claude_stall_on", rounds=1)
    assert [a["status"] for a in out["rounds"][0]["answers"]] == ["completed", "cancelled"]
    assert out["missing"] == ["participant 2 (claude)"] and out["verdict"].startswith("gemini as judge")
    stuck = deps.store.get_run("t1", fo.child_id("r1", 1, 1))
    assert stuck is not None and stuck.state.status == RunStatus.CANCELLED


def test_a_participant_never_started_does_not_hang_the_parent() -> None:
    deps, _, _ = world(("panel", {"input": "Q?", "specialists": PANEL[:2]}))
    lost = fo.child_id("r1", 1, 1)
    drive(deps, drop=lambda q, body, name: q == Queue.PLAN and getattr(body, "run_id", "") == lost)
    out = settled(deps)
    assert [s["status"] for s in out["sections"]] == ["completed", "missing"]
    assert out["missing"] == ["specialist 2 (risks)"] and out["settled_by"] == "a"  # the run's own agent


def test_an_owner_settled_debate_waits_for_the_owner_s_verdict_settled_once() -> None:
    deps, _, _ = world(
        ("debate", {"input": "Q?", "participants": TWO_FAMILIES, "rounds": 1, "judge": "owner"})
    )
    drive(deps)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.WAITING_FOR_HUMAN
    waiting = parent.state.waiting
    assert waiting is not None and (waiting.purpose, waiting.request_id, waiting.step) == (
        "verdict",
        "verdict-2",
        2,
    )
    assert waiting.prompt.count("<untrusted from=") == 2 and len(waiting.prompt) <= 2000  # the ballot
    assert [o.split(":")[0] for o in waiting.options] == ["participant 1 (gemini)", "participant 2 (claude)"]
    assert humans.role_for(Approvers(), waiting) == "owner"  # no approvers' rule lets another settle it
    with pytest.raises(Conflict, match="verdict: answer it"):
        humans.respond(deps, "t1", "r1", "approve", request_id="verdict-2")
    ada = Member(member_id="m-ada", notion_user_id="u1", name="Ada", role="owner", added_at=deps.clock())
    with pytest.raises(Forbidden, match="only a person settles a debate"):  # the owner's key: not in person
        humans.respond(deps, "t1", "r1", "answer", text=waiting.options[0], request_id="verdict-2", via="key")
    humans.respond(deps, "t1", "r1", "answer", text=waiting.options[1], request_id="verdict-2", by=ada)
    drive(deps)
    out = settled(deps)  # the settle step's result as recorded, before the owner's decision
    assert out["settled_by"] == "owner" and out["verdict"] == ""
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    got = run.state.outputs["2"]
    assert got["verdict"] == waiting.options[1] and got["settled_by"] == "Ada"
    assert got["settled_at"] == deps.clock().isoformat()
    decided = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, HumanResponded)]
    assert [(e.request_id, e.by, e.by_member) for e in decided] == [("verdict-2", "Ada", "m-ada")]
    with pytest.raises(Conflict, match=r"already settled by Ada at .*: it is settled once"):
        humans.respond(deps, "t1", "r1", "answer", text="no, the first", request_id="verdict-2", by=ada)
    assert len([e for e in deps.store.list_events("t1", "r1") if isinstance(e, HumanResponded)]) == 1


def _fixable(args: dict[str, Any], tool: str = "debate", **planned: Any) -> str:
    deps, _, _ = world((tool, args), **planned)
    queue(deps).tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    assert not any(isinstance(b, PlanTask) for _, b, _, _ in queue(deps).tasks)  # no child started
    errors = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    return errors[-1].message


def test_bad_arguments_are_fixable_errors_and_start_no_child() -> None:
    assert "rounds must be at most 2" in _fixable({"input": "Q", "participants": TWO_FAMILIES, "rounds": 3})
    assert "participants" in _fixable({"input": "Q", "participants": TWO_FAMILIES[:1]})
    assert "family" in _fixable({"input": "Q", "participants": [{"family": "gpt"}, {}]})
    assert "topic" in _fixable({"input": "Q", "specialists": [{}, {}]}, "panel")


def test_a_child_gets_the_parent_s_reach_as_its_bound_and_a_share_of_its_budget() -> None:
    reach = ["abc"]
    deps, _, _ = world(
        ("debate", {"input": "Q?", "participants": TWO_FAMILIES, "rounds": 1}),
        reach_read=reach,
        reach_change=reach,
        run_budget_usd=0.3,
    )
    drive(deps)
    child = deps.store.get_run("t1", fo.child_id("r1", 1, 0))
    assert child is not None and child.state.bounds[0]["read"] == ("abc",) and child.state.chain == ("a",)
    assert child.state.run_budget_usd == 0.1  # 0.3 left, three children
    assert child.state.family == "gemini"


def test_the_family_s_cost_is_the_parent_s_and_its_budget_caps_the_family() -> None:
    deps, _, _ = world(
        ("debate", {"input": "Q?", "participants": TWO_FAMILIES, "rounds": 1, "judge": "judge"})
    )
    raise_budget(deps, max_cost_per_run_usd=0.03)  # no agent's cap: the workspace's, 0.01 a child
    drive(deps)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED
    assert parent.state.children_cost_usd == 0.002 * 3 and settled(deps)["children_cost_usd"] == 0.006
    judge = deps.store.get_run("t1", fo.child_id("r1", 1, 2))
    assert judge is not None and judge.state.run_budget_usd == 0.01


def test_a_child_past_its_share_of_the_parent_s_budget_is_refused_before_its_model_call() -> None:
    deps, gemini, claude = world(
        ("debate", {"input": "Q?", "participants": TWO_FAMILIES, "rounds": 1, "judge": "judge"})
    )
    raise_budget(deps, max_cost_per_run_usd=0.015)  # 0.005 a child: less than a call's reserve (0.01)
    queue(deps).tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)  # the debate: its first round
    for task in [b for _, b, _, _ in queue(deps).tasks if isinstance(b, PlanTask)]:
        start_run(task, deps)
        child = deps.store.get_run("t1", task.run_id)
        assert child is not None and child.state.waiting is not None and child.state.waiting.budget
        assert not [e for e in deps.store.list_events("t1", task.run_id) if isinstance(e, ModelUsed)]
    assert gemini.prompts == [] and claude.prompts == []  # no model call was made
