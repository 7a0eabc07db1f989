"""Parallel maps in a storm, on the real emulators and the Notion sandbox: parents map
over items as child runs that each write their parent's page, then gather them, while Notion
answers 30% of requests with 429/5xx and 5% of step tasks are lost (then the sweeper). Parents and
children add to the RESULT line; lost, duplicated effects, stuck and failed stay 0, and no parent
waits for children that ended."""

import random
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import TENANT, ScriptedPlanModel, sound
from tests.support.engine.children_storm import storm_parents, storm_stack, tool_results

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
ITEMS = ("north", "south", "east")


class FanoutModel(ScriptedPlanModel):
    """Plans a goal ``parent|<run>|<page>`` as a map over :data:`ITEMS`, a fan-in and finish; a
    child's (``child|<run>|<page>`` then its item) as a line on its page and finish."""

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        if kind == "parent":
            return [
                ("map_rows", {"items": list(ITEMS), "input": f"child|{run}|{page}"}),
                ("fan_in", {"map_step": 1}),
                ("finish", {"summary": "gathered"}),
            ]
        item = goal.rsplit("Item: ", 1)[-1]
        return [("append_blocks", {"page_id": page, "text": f"{run} {item}"}), ("finish", {"summary": item})]


def test_i_parallel_maps_in_a_fault_storm_then_the_sweeper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:

    rng = random.Random(23)
    with storm_stack(tmp_path, monkeypatch, FanoutModel()) as stack:
        parents = {f"map-{i}": stack.new_idea(f"Map {i}") for i in range(scale(6, 20))}
        result, runs = storm_parents(stack, monkeypatch, rng, parents, len(ITEMS))
        TOTALS.update(result)
        gathered = {
            run: tool_results(stack, TENANT, run, "fan_in") for run in parents if stack.state(run) is not None
        }
    assert result == sound(len(runs)), result
    for run, found in gathered.items():  # each parent gathered every child, ended, once
        assert found and found[0].output["completed"] == len(ITEMS) and found[0].output["failed"] == 0, run
