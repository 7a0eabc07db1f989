"""Debates in a storm, on the real emulators and the Notion sandbox: parents
hold a debate of two participants over two rounds, settled by a judge, every child writing a line
on its parent's page, while Notion answers 30% of requests with 429/5xx and 5% of step tasks are
lost (then the sweeper). Lost, duplicated effects, stuck and failed stay 0; each parent settles once."""

import random
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import TENANT, ScriptedPlanModel, sound
from tests.support.engine.children_storm import storm_parents, storm_stack, tool_results

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
CHILDREN = 5  # two participants, two rounds, then the judge


class DebateModel(ScriptedPlanModel):
    """A goal ``parent|<run>|<page>``: a debate whose input is ``child|<run>|<page>``, settled, then
    finish. A child's (that input, then its role): a line on the page, then finish."""

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        if kind != "parent":
            return [
                ("append_blocks", {"page_id": page, "text": f"said in {run}"}),
                ("finish", {"summary": "said"}),
            ]
        return [
            ("debate", {"input": f"child|{run}|{page}", "participants": [{}, {}], "rounds": 2}),
            ("settle", {"pattern_step": 1}),
            ("finish", {"summary": "settled"}),
        ]


def test_debates_in_a_fault_storm_then_the_sweeper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    rng = random.Random(29)
    with storm_stack(tmp_path, monkeypatch, DebateModel()) as stack:
        parents = {f"debate-{i}": stack.new_idea(f"Debate {i}") for i in range(scale(4, 12))}
        result, runs = storm_parents(stack, monkeypatch, rng, parents, CHILDREN, sweeps=10)
        TOTALS.update(result)
        settled = {run: tool_results(stack, TENANT, run, "settle") for run in parents}
    assert result == sound(len(runs)), result
    for run, found in settled.items():  # each parent settled once, with every answer and the verdict
        assert len(found) == 1, run
        assert found[0].output["missing"] == [] and found[0].output["verdict"] == "said", run
