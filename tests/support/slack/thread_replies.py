"""A Slack thread whose run asks a question, for tests (decision 0201): Bo's mention in the sandbox's
#agent starts his run, planned and stepped on the emulator's store until it waits for his answer; and
a reply in a thread as Slack's ``message.channels`` sends it."""

import json
from typing import Any

from local.code_sandbox.testing import Admin
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.slack.services.events import SlackIntake, receive
from tests.support.platform.platform_fakes import FakeModel
from tests.support.slack.slack_events import CHANNEL, mention, signed

BOT = "U0SANDBOX01"
QUESTION = "Which tone should the release note take?"
ASKING = {
    "goal": "draft the release note",
    "on_reject": "end",
    "steps": [
        {"tool": "ask_question", "args_json": json.dumps({"question": QUESTION})},
        {"tool": "finish", "args_json": json.dumps({"summary": "drafted"})},
    ],
}


def run_queued(intake: SlackIntake, world: dict[str, Any]) -> list[str]:
    """The queue's plans and steps run on the emulator's run store until none is left (other tasks, a
    notification or a row, dropped): the runs planned."""
    deps, queue, planned = intake.engine(), world["queue"], []
    while queue.tasks:
        _, body, _, _ = queue.take()
        if isinstance(body, PlanTask):
            start_run(body, deps)
            planned.append(body.run_id)
        elif isinstance(body, StepTask):
            run_step(body, deps)
    return planned


def asking_thread(world: dict[str, Any], admin: Admin) -> tuple[SlackIntake, str, str]:
    """Bo's mention in #agent, its run planned and run until it asks :data:`QUESTION`: (the world's
    intake, the thread's ts, the run)."""
    intake: SlackIntake = world["intake"]
    model = intake.engine().model
    assert isinstance(model, FakeModel)
    model.script["PlanOut"] = [ASKING]
    [ts] = admin.slack_post(CHANNEL, f"<@{BOT}> draft the release note", user="bo")
    started = receive(
        *signed(mention(world["users"]["bo"], f"<@{BOT}> draft the release note", "Ev0ASKS0001", ts)), intake
    )
    assert run_queued(intake, world) == [started["run_id"]]
    run = world["runs"].get_run(world["tenant"].tenant_id, started["run_id"])
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert run.state.waiting is not None and run.state.waiting.purpose == "question"
    return intake, ts, started["run_id"]


def reply(user: str, text: str, event_id: str, ts: str, thread_ts: str, **more: Any) -> dict[str, Any]:
    """``user``'s reply saying ``text`` at ``ts`` in the thread of ``thread_ts``, as ``message.channels``."""
    return mention(
        user, text, event_id, ts, type="message", channel_type="channel", thread_ts=thread_ts, **more
    )
