"""Parallel maps in a storm (issue 55), on the real emulators and the Notion sandbox: parents map
over items as child runs that each write their parent's page, then gather them, while Notion
answers 30% of requests with 429/5xx and 5% of step tasks are lost (then the sweeper). Parents and
children add to the RESULT line; lost, duplicated effects, stuck and failed stay 0, and no parent
waits for children that ended."""

import random
from pathlib import Path
from typing import Any

import pytest

from shared.platform.adapters.offline_model import OfflineModel
from shared.platform.domain.model_calls import ModelReply
from shared.platform.domain.model_replies import PlanOut
from shared.runs.domain.events import ToolResult
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import TENANT, engine_stack, goal_named, plan_reply, sound
from tests.support.engine.children_storm import storm_parents

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
ITEMS = ("north", "south", "east")


class FanoutModel(OfflineModel):
    """Plans a goal ``parent|<run>|<page>`` as a map over :data:`ITEMS`, a fan-in and finish; a
    child's (``child|<run>|<page>`` then its item) as a line on its page and finish."""

    def generate(self, purpose: str, prompt: str, schema: Any) -> ModelReply[Any]:
        reply = super().generate(purpose, prompt, schema)
        if schema is not PlanOut:
            return reply
        goal, kind, run, page = goal_named(prompt, reply)
        if kind == "parent":
            steps: list[tuple[str, dict[str, Any]]] = [
                ("map_rows", {"items": list(ITEMS), "input": f"child|{run}|{page}"}),
                ("fan_in", {"map_step": 1}),
                ("finish", {"summary": "gathered"}),
            ]
        else:
            item = goal.rsplit("Item: ", 1)[-1]
            steps = [
                ("append_blocks", {"page_id": page, "text": f"{run} {item}"}),
                ("finish", {"summary": item}),
            ]
        return plan_reply(goal, steps, reply)


def test_i_parallel_maps_in_a_fault_storm_then_the_sweeper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:

    rng = random.Random(23)
    with engine_stack(
        tmp_path,
        monkeypatch,
        model=FanoutModel(),
        sweep_stall_s=0.0,
        notion_max_inline_wait_s=1.0,
        fan_in_wait_s=0.5,
    ) as stack:
        parents = {f"map-{i}": stack.new_idea(f"Map {i}") for i in range(scale(6, 20))}
        result, runs = storm_parents(stack, monkeypatch, rng, parents, len(ITEMS))
        TOTALS.update(result)
        gathered = {
            run: next(
                e
                for e in stack.deps.store.list_events(TENANT, run)
                if isinstance(e, ToolResult) and e.tool == "fan_in"
            )
            for run in parents
            if stack.state(run) is not None
        }
    assert result == sound(len(runs)), result
    for run, event in gathered.items():  # each parent gathered every child, ended, once
        assert event.output["completed"] == len(ITEMS) and event.output["failed"] == 0, run
