"""A Slack thread as a session (decision 0195) on the Firestore emulator and the code sandbox's Slack:
a member's mention opens her session of the thread and starts its run, planned and run until it asks
an approval; her later mention in the thread, delivered twice, is given to that run (rejected with
her words, planned again), each one message of her session, the thread told once what it did."""

from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.notify.domain.slack_threads import SlackThread
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.state import RunStatus
from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from shared.slack.services.events import SlackIntake, receive
from tests.support.platform.platform_fakes import FakeModel
from tests.support.runs.api_runs import PLAN
from tests.support.slack.slack_events import CHANNEL, TEAM, mention, signed
from tests.support.slack.slack_world import world
from tests.support.slack.thread_replies import run_queued

pytestmark = pytest.mark.integration
__all__ = ["world"]  # the fixture: the sandbox's Slack team installed for a workspace of Ada and Bo


def test_a_later_mention_in_the_thread_steers_the_run_it_started(world: dict[str, Any], admin: Admin) -> None:
    intake: SlackIntake = world["intake"]
    model = intake.engine().model
    assert isinstance(model, FakeModel)  # the world's engine: its model scripted, its store the emulator's
    model.script["PlanOut"] = [PLAN, PLAN]
    tenant_id, bo = world["tenant"].tenant_id, world["users"]["bo"]
    [ts] = admin.slack_post(CHANNEL, "<@U0SANDBOX01> draft the release note", user="bo")
    first = receive(*signed(mention(bo, "<@U0SANDBOX01> draft the release note", "Ev0STEER0001", ts)), intake)
    assert run_queued(intake, world) == [first["run_id"]]
    asking = world["runs"].get_run(tenant_id, first["run_id"])
    assert asking is not None and asking.state.status == RunStatus.WAITING_FOR_HUMAN
    later = mention(bo, "<@U0SANDBOX01> stop after the draft", "Ev0STEER0002", f"{ts}1", thread_ts=ts)
    answers = [receive(*signed(later, retry=n), intake) for n in (0, 1)]
    assert [a["result"] for a in answers] == ["steered", "duplicate"] and answers[0]["run_id"] != first[
        "run_id"
    ]
    [decision] = [
        e for e in world["runs"].list_events(tenant_id, first["run_id"]) if isinstance(e, HumanResponded)
    ]
    assert (decision.decision, decision.text, decision.via) == ("reject", "stop after the draft", "slack")
    assert run_queued(intake, world) == [answers[0]["run_id"]]  # the session's next run, planned once
    store = FirestoreSessions(world["db"])
    [session] = store.sessions(tenant_id, "m-bo", None, 10)
    assert (session.origin, session.thread, session.run_id) == (
        "slack",
        SlackThread(TEAM, CHANNEL, ts).ref,
        answers[0]["run_id"],
    )
    said = store.messages(tenant_id, "m-bo", session.session_id, 0, 10)
    assert [(m.key, m.act, m.state) for m in said] == [
        ("slack-Ev0STEER0001", "run", "started"),
        ("slack-Ev0STEER0002", "steer", "steered"),
    ]
    told = [m["text"] for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == ts and m.get("bot_id")]
    assert sum(t.startswith("Taken by the run this thread started") for t in told) == 1
