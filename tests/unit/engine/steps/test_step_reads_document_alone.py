"""A step decides on the run document alone (decision 0061): the log past it is not read on the usual
path. A crashed delivery's intent past the document is found when this delivery's intent collides
with it: the step is decided again on the whole log, held while the lease runs, taken over after."""

from typing import Any

import pytest

from shared.engine.services.engine import run_step
from shared.engine.services.run_log import StepHeld
from shared.runs.domain.events import RunStatus
from shared.runs.domain.step_task import StepTask
from tests.support.engine.engine_runs import plan, queue, started, step_intent
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel
from tests.support.runs.run_store import FakeRunStore

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


class Listed(FakeRunStore):
    """The fake store, counting the queries for the log past a position."""

    lists = 0

    def list_events(self, tenant_id: str, run_id: str, after: int = 0) -> Any:
        Listed.lists += 1
        return super().list_events(tenant_id, run_id, after)


def one_append() -> tuple[Any, FakeNotion, str]:
    notion = FakeNotion()
    page = notion.add_page("P")
    steps = plan(("append_blocks", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"}))
    deps = started(FakeModel({"PlanOut": [steps]}), notion, page)
    store = Listed()
    store.__dict__.update(deps.store.__dict__)
    queue(deps).tasks.clear()
    Listed.lists = 0
    return deps._replace(store=store), notion, page


def crashed_intent(deps: Any, page: str, lease_s: float) -> None:
    intent = step_intent(deps, "append_blocks", {"page_id": page, "text": "x"}, lease_s, key="t1:r1:1")
    assert deps.store.add_event("t1", "r1", intent)


def test_the_usual_step_does_not_read_the_log_past_its_document() -> None:
    deps, notion, _ = one_append()
    assert run_step(STEP, deps).acted
    assert Listed.lists == 0 and notion.writes["append_blocks"] == 1


def test_a_live_intent_past_the_document_is_found_at_the_collision_and_holds_the_step() -> None:
    deps, notion, page = one_append()
    crashed_intent(deps, page, lease_s=30)
    with pytest.raises(StepHeld):
        run_step(STEP, deps)
    assert Listed.lists >= 1 and notion.writes["append_blocks"] == 0


def test_an_expired_intent_past_the_document_is_taken_over_and_its_effect_looked_for() -> None:
    deps, notion, page = one_append()
    crashed_intent(deps, page, lease_s=-1)
    outcome = run_step(STEP, deps)
    run = deps.store.get_run("t1", "r1")
    assert outcome.acted and run.state.cursor == 2 and run.state.status == RunStatus.RUNNING
    assert notion.writes["append_blocks"] == 1  # the dead holder wrote nothing here: once
