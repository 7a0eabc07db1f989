"""Debate and panel on the Firestore emulator: children's ends wait in Firestore
as markers under the parent (no instance held), a debate of the two families over two rounds is
settled by its judge, a panel of three merged by its lead, a child delivered twice is one child, and
a failing participant is named missing while the judge works with what came."""

from typing import Any

import pytest

from shared.platform.topology import Queue
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.children import fanout as fo
from shared.runs.domain.events import ToolResult
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunStatus
from shared.runs.services.deps import Deps
from tests.support.engine.engine_runs import queue
from tests.support.engine.fanout_world import drive
from tests.support.engine.pattern_world import world

pytestmark = pytest.mark.integration

FAMILIES = [{"family": "gemini"}, {"family": "claude"}]


def settled(deps: Deps) -> dict[str, Any]:
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED
    found = [
        e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.tool == "settle"
    ]
    assert len(found) == 1
    return found[0].output


def test_a_two_family_debate_over_two_rounds_is_settled_by_the_judge(firestore_db: Any) -> None:
    args = {"input": "Ship on Monday?", "participants": FAMILIES, "rounds": 2, "judge": "judge"}
    deps, _, claude = world(("debate", args), store=FirestoreRunStore(firestore_db))
    drive(deps)
    out = settled(deps)
    assert [a["answer"].split(";")[0] for a in out["rounds"][1]["answers"]] == [
        "gemini as member",
        "claude as member",
    ]
    assert out["rounds"][1]["answers"][0]["answer"].endswith(
        "quoted: participant 1 (gemini), participant 2 (claude)"
    )
    assert (
        out["settled_by"] == "judge" and out["verdict"].startswith("gemini as judge") and out["missing"] == []
    )
    assert len(deps.store.ended_children("t1", "r1", 1)) == 5  # the markers waited in Firestore
    assert out["children_cost_usd"] == pytest.approx(0.01)  # every child's calls, counted
    assert len(claude.prompts) == 2  # the claude participant's two rounds, nothing else


def test_a_panel_of_three_is_merged_and_a_twice_delivered_child_is_one(firestore_db: Any) -> None:
    specialists = [{"topic": "costs"}, {"topic": "risks"}, {"topic": "timeline"}]
    deps, _, _ = world(
        ("panel", {"input": "Plan it", "specialists": specialists, "lead": "lead"}),
        store=FirestoreRunStore(firestore_db),
    )
    again: set[str] = set()

    def twice() -> None:
        for q, body, name, delay in list(queue(deps).tasks):
            if q == Queue.PLAN and isinstance(body, PlanTask) and body.run_id not in again:
                again.add(body.run_id)
                queue(deps).tasks.append((q, body, f"{name}:again", delay))

    drive(deps, after=twice)
    out = settled(deps)
    assert [s["status"] for s in out["sections"]] == ["completed"] * 3 and out["missing"] == []
    assert out["settled_by"] == "lead" and out["verdict"].count("specialist") == 3
    assert len(again) == 4 and len(deps.store.ended_children("t1", "r1", 1)) == 4  # four children, once each


def test_a_failing_participant_is_missing_and_the_judge_settles_with_what_came(firestore_db: Any) -> None:
    args = {"input": "Q?", "participants": FAMILIES, "rounds": 2, "judge": "judge"}
    words = {"claude_fail_on": ("participant",)}
    deps, _, _ = world(("debate", args), store=FirestoreRunStore(firestore_db), words=words)
    drive(deps)
    out = settled(deps)
    assert [a["status"] for a in out["rounds"][0]["answers"]] == ["completed", "failed"]
    assert out["missing"] == ["participant 2 (claude)"]
    assert out["verdict"].endswith("quoted: participant 1 (gemini)")
    failed = deps.store.get_run("t1", fo.child_id("r1", 1, 1))
    assert failed is not None and failed.state.status == RunStatus.FAILED and failed.state.family == "claude"
