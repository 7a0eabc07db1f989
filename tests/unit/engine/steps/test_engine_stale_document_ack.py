"""A duplicate delivery that read the run's document before the other delivery recorded the step, and
its log after: it acknowledges the step, and names the follow-up from the document as it is now.

Named from the document it read first (the step it was delivered for), the follow-up was the task
it came in itself, a name already taken: if the delivery that recorded the step died before it
enqueued the next one, nothing did, and the run waited for the sweeper (found by the reliability
suite's crash at ``result_enqueue`` with two deliveries at once: ``stuck=1``).
"""

from typing import Any

from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import Run
from shared.runs.domain.step_task import StepTask
from tests.engine_fakes import FakeModel, FakeNotion, run_step_as_owner
from tests.fakes import FakeRunStore
from tests.support.engine.engine_runs import drive, plan, queue, started, status


class FirstReadStale:
    """The run store, whose first ``get_run`` answers with ``before`` (read before the record)."""

    def __init__(self, inner: FakeRunStore, before: Run) -> None:
        self.inner = inner
        self.before: Run | None = before

    def get_run(self, tenant_id: str, run_id: str) -> Run | None:
        before, self.before = self.before, None
        return before or self.inner.get_run(tenant_id, run_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_duplicate_that_read_the_document_before_the_record_enqueues_the_next_step() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    steps = plan(("append_blocks", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"}))
    deps = started(FakeModel({"PlanOut": [steps]}), notion, page)
    _, step_one, _, _ = queue(deps).take()
    assert isinstance(step_one, StepTask)
    queue(deps).tasks.clear()  # the start note on its page (shared.engine.services.page_notes)
    before = deps.store.get_run("t1", "r1")
    assert before is not None

    run_step_as_owner(step_one, deps)  # the first delivery records step 1 ...
    after = deps.store.get_run("t1", "r1")
    assert after is not None and after.state.cursor == 2
    next_step = f"step:t1:r1:2:{after.state.last_seq}"
    assert [name for _, _, name, _ in queue(deps).tasks] == [next_step]
    queue(deps).tasks.clear()  # ... and dies before it enqueues step 2 (its name stays free)
    queue(deps).names.discard(next_step)

    assert isinstance(deps.store, FakeRunStore)
    duplicate = deps._replace(store=FirstReadStale(deps.store, before))
    outcome = run_step_as_owner(step_one, duplicate)  # the document from before the record, the log after
    assert not outcome.acted
    assert [name for _, _, name, _ in queue(deps).tasks] == [next_step]
    drive(deps)
    assert status(deps) == RunStatus.COMPLETED and notion.writes["append_blocks"] == 1
