"""A run asked in a Slack thread keeps its thread through its plan, its approval, its end and a
rejection's new plan: each asks the thread's notification of its own (docs/slack.md, decision 0205)."""

import json

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import SlackThread
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import state
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

THREAD = SlackThread("T00000001", "C00000001", "1767600000.000100").ref


def _plan() -> dict[str, object]:
    calls = [("request_approval", {"summary": "Archive 3 pages?"}), ("finish", {"summary": "Archived."})]
    steps = [{"tool": t, "args_json": json.dumps(a)} for t, a in calls]
    return {"goal": "tidy", "risk": "low", "on_reject": "replan", "steps": steps}


def test_the_thread_is_kept_from_the_trigger_to_a_rejections_new_plan() -> None:
    deps = make_deps(model=FakeModel({"PlanOut": [_plan(), _plan()]}))
    trigger = Trigger(kind="api", by_owner=True, thread=THREAD)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="tidy", trigger=trigger, admitted=True), deps)
    assert state(deps).thread == THREAD
    run_step(StepTask(tenant_id="t1", run_id="r1", step=state(deps).cursor), deps)
    waiting = state(deps).waiting
    assert state(deps).status == RunStatus.WAITING_FOR_HUMAN and waiting is not None
    assert isinstance(deps.queue, FakeQueue)
    slack = [b for _, b, _, _ in deps.queue.tasks if isinstance(b, NotifyTask) and b.channel == "slack"]
    assert [(n.notification_id, n.data["slack_thread"]) for n in slack] == [
        (f"r1-{waiting.request_id}-slack", THREAD)
    ]
    humans.respond(deps, "t1", "r1", "reject", request_id=waiting.request_id, text="not these")
    new = state(deps).replanned_as
    [again] = [b for _, b, _, _ in deps.queue.tasks if isinstance(b, PlanTask) and b.run_id == new]
    assert again.trigger.thread == THREAD  # the new plan answers in the same thread
