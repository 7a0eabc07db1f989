"""A delivery overtaken while its effect ran: its lease ran out, a second delivery took the step
over and released it again with a transient error (retried by the queue's backoff). The first
delivery then cannot record its result, and finds past its state only that intent and that error.

The error moved nothing on: only the task's own retry carries the run on. Were the first delivery
to acknowledge the task ("recorded by another delivery"), the queue would delete it with the run
still running and nothing to take its step (found by the reliability suite: two deliveries of a
code step at once under load, ``stuck=1``). So it decides the step again on the whole log.
"""

from datetime import timedelta
from typing import Any

import pytest

from shared.engine.services.engine import run_step
from shared.platform.errors import TransientError
from shared.runs.domain.events import ErrorKind, ErrorRecorded, ToolIntent, ToolResult
from shared.runs.domain.state import RunState
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_runs import plan, started
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


def later(deps: Deps) -> Deps:
    """The same deps once a step's lease has run out."""
    at = deps.clock() + timedelta(seconds=deps.settings.step_lease_s + 1)
    return deps._replace(clock=lambda: at)


def document(deps: Deps) -> RunState:
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    return run.state


def test_a_delivery_overtaken_by_a_released_takeover_is_not_acknowledged() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    steps = plan(("add_comment", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"}))
    deps = started(FakeModel({"PlanOut": [steps]}), notion, page)
    write = notion.add_comment
    seen: list[str] = []

    def overtaken(token: str, page_id: str, text: str, discussion_id: str = "") -> dict[str, Any]:
        seen.append(page_id)
        if len(seen) == 2:  # the second delivery's try: a transient refusal, retried by the queue
            raise TransientError("the service is busy", retry_after_s=1.0)
        # The first delivery's write is slow: meanwhile its lease runs out, and another delivery
        # takes the step over and gives it up again.
        with pytest.raises(TransientError):
            run_step(STEP, later(deps))
        return write(token, page_id, text, discussion_id)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(notion, "add_comment", overtaken)
        outcome = run_step(STEP, deps)

    # Not acknowledged as "recorded by another delivery" with the step undone: decided again on the
    # whole log, the first delivery takes the released step over and records its own comment.
    assert outcome.reason != "recorded by another delivery"
    assert outcome.acted and document(deps).cursor == 2
    kinds = [type(e) for e in deps.store.list_events("t1", "r1")]
    assert kinds[-5:] == [ToolIntent, ToolIntent, ErrorRecorded, ToolIntent, ToolResult]
    released = deps.store.list_events("t1", "r1")[-3]
    assert isinstance(released, ErrorRecorded) and released.error == ErrorKind.TRANSIENT
    assert released.retry_at is None
    assert len(seen) == 2 and len(notion.comments[page]) == 1  # found on the take-over, not made again
