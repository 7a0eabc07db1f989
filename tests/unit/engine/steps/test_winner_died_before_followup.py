"""Two deliveries of one step at once: the winner records the outcome and dies before it enqueues
what follows; the loser finds the outcome recorded and acknowledges the task. Nobody then sends the
follow-up, unless the loser does, by its name (a repeat is refused by the queue).

Found by the sessions storm: runs asking a person for approval whose message was never sent, the
task deleted by the loser's 200, and the sweeper looks only at running runs."""

from typing import Any

import pytest

from shared.engine.services.engine import run_step
from shared.notify.domain.notify_task import NotifyTask
from shared.runs.domain.events import RunStatus
from shared.runs.domain.step_task import StepTask
from tests.support.engine.engine_runs import plan, queue, started, state
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


class Died(Exception):
    """The winner's instance, gone right after its write."""


@pytest.mark.parametrize("loser_reads", ["before", "after"])
def test_the_loser_sends_what_the_dead_winner_would_have(loser_reads: str) -> None:
    notion = FakeNotion()
    trigger, other = notion.add_page("P"), notion.add_page("Elsewhere")
    steps = plan(("add_comment", {"page_id": other, "text": "x"}), ("finish", {"summary": "ok"}))
    deps = started(FakeModel({"PlanOut": [steps]}), notion, trigger)  # a comment elsewhere: approval
    queue(deps).tasks.clear()
    store, real_append = deps.store, deps.store.append
    winner = {"writing": loser_reads == "after", "died": False}

    def append(tenant: str, run: str, at: Any, events: list[Any]) -> Any:
        if not winner["writing"]:
            # The loser has read the document and decided; the winner runs the step whole meanwhile.
            winner["writing"] = True
            with pytest.raises(Died):
                run_step(STEP, deps)
        new = real_append(tenant, run, at, events)
        if not winner["died"]:
            winner["died"] = True
            raise Died()  # the winner's write landed; its instance dies before its follow-ups
        return new

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "append", append)
        if loser_reads == "after":  # the winner first, then the duplicate delivery
            with pytest.raises(Died):
                run_step(STEP, deps)
        outcome = run_step(STEP, deps)

    assert not outcome.acted and state(deps).status == RunStatus.WAITING_FOR_HUMAN
    asks = [b.notification_id for _, b, _, _ in queue(deps).tasks if isinstance(b, NotifyTask)]
    assert asks == ["r1-approval-1"], (outcome, queue(deps).tasks)
