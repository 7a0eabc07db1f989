"""Slack's Events API in, on the Firestore emulator and the code sandbox's Slack (through slack_sdk):
a request is taken only with Slack's signature, a member's mention starts one run of theirs however
often Slack delivers it, a stranger is told why in the thread, and bad input stores nothing."""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.notify.domain.slack_threads import SlackThread
from shared.platform.errors import InvalidInput, NotFound, TransientError, Unauthenticated
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.slack.domain.ask_task import SlackAskTask
from shared.slack.domain.events import ASKED, STRANGER
from shared.slack.services.events import SlackIntake, receive
from shared.workspace.adapters.firestore_erasure import FirestoreErasure
from tests.support.slack.slack_events import CHANNEL, TEAM, mention, signed
from tests.support.slack.slack_world import BOT_TOKEN, stopped_before_answering, world

__all__ = ["world"]  # the fixture: the sandbox's Slack team installed for a workspace of Ada and Bo


def _thread(admin: Admin, ts: str) -> list[str]:
    return [m["text"] for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == ts]


def test_a_members_mention_starts_one_run_of_hers_however_often_slack_delivers_it(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    [ts] = admin.slack_post(CHANNEL, "<@U0SANDBOX01> draft the release note", user="bo")
    event = mention(world["users"]["bo"], "<@U0SANDBOX01>  draft the   release note", ts=ts)
    answers = [receive(*signed(event, retry=n), intake) for n in (0, 1, 2, 3)]
    assert [a["result"] for a in answers] == ["started", "duplicate", "duplicate", "duplicate"]
    [(_, task, name, _)] = world["queue"].tasks
    assert isinstance(task, PlanTask) and task.goal == "draft the release note"
    assert task.trigger.people == ["u-bo"] and task.trigger.by_owner is False  # an editor's reach
    assert task.trigger.thread == SlackThread(TEAM, CHANNEL, ts).ref  # its answers go in this thread
    assert name == f"plan:{world['tenant'].tenant_id}:{answers[0]['run_id']}"
    [reply] = _thread(admin, ts)
    assert reply.startswith("On it.") and answers[0]["run_id"] in reply


def test_a_members_question_is_queued_once_for_ask_in_its_thread(world: dict[str, Any], admin: Admin) -> None:
    intake: SlackIntake = world["intake"]
    [ts] = admin.slack_post(CHANNEL, "<@U0SANDBOX01> ask what did we decide on pricing?", user="bo")
    event = mention(world["users"]["bo"], "<@U0SANDBOX01> ask what did we decide on pricing?", ts=ts)
    answers = [receive(*signed(event, retry=n), intake)["result"] for n in (0, 1, 2)]
    assert answers == ["asked", "duplicate", "duplicate"]
    [(queue, task, name, _)] = world["queue"].tasks
    assert isinstance(task, SlackAskTask) and queue == Queue.PLAN and task.ROUTE == "/slack-ask"
    assert (task.question, task.member_id) == ("what did we decide on pricing?", "m-bo")
    assert (
        task.thread == SlackThread(TEAM, CHANNEL, ts).ref
        and name == f"slack-ask:{task.tenant_id}:{task.event_key}"
    )
    assert _thread(admin, ts) == [ASKED]


def test_the_owners_direct_message_has_her_reach(world: dict[str, Any], admin: Admin) -> None:
    intake: SlackIntake = world["intake"]
    [ts] = admin.slack_post(CHANNEL, "summarise Tasks", user="ada")
    event = mention(world["users"]["ada"], "summarise Tasks", ts=ts, type="message", channel_type="im")
    assert receive(*signed(event), intake)["result"] == "started"
    [(_, task, _, _)] = world["queue"].tasks
    assert isinstance(task, PlanTask) and task.trigger.by_owner is True


def test_a_stranger_is_told_why_in_the_thread_and_starts_nothing(world: dict[str, Any], admin: Admin) -> None:
    intake: SlackIntake = world["intake"]
    [ts] = admin.slack_post(CHANNEL, "delete every page", user="eve")
    event = mention(world["users"]["eve"], "<@U0SANDBOX01> delete every page", ts=ts)
    assert [receive(*signed(event, retry=n), intake)["result"] for n in (0, 1)] == ["stranger", "duplicate"]
    assert world["queue"].tasks == [] and _thread(admin, ts) == [STRANGER]


def test_a_delivery_stopped_after_its_record_is_taken_again_and_names_the_same_run(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    [ts] = admin.slack_post(CHANNEL, "plan the week", user="bo")
    event = mention(world["users"]["bo"], "plan the week", ts=ts, event_id="Ev0SANDBOX0002")
    with stopped_before_answering(intake):
        receive(*signed(event), intake)
    with pytest.raises(TransientError):  # Slack's next try at once: the first may still be at work
        receive(*signed(event, retry=1), intake)
    later = datetime.now(UTC) + timedelta(minutes=1)  # Slack's try a minute later takes over
    assert receive(*signed(event, retry=2), intake, now=later)["result"] == "started"
    assert receive(*signed(event, retry=3), intake)["result"] == "duplicate"
    assert len(world["queue"].tasks) == 1


def test_unsigned_forged_stale_and_malformed_requests_are_refused_and_store_nothing(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    event = mention(world["users"]["bo"], "<@U0SANDBOX01> hi", event_id="Ev0SANDBOX0003")
    raw, headers = signed(event)
    with pytest.raises(Unauthenticated):
        receive(raw, {}, intake)
    with pytest.raises(Unauthenticated):
        receive(*signed(event, secret="another-apps-secret"), intake)
    with pytest.raises(Unauthenticated):
        receive(*signed(event, at=int(time.time()) - 6 * 60), intake)  # older than Slack's five minutes
    with pytest.raises(Unauthenticated):
        receive(raw.replace(b"hi", b"bye"), headers, intake)  # the body changed after signing
    for bad in (
        {"type": "event_callback", "team_id": "T0/../x", "event_id": "Ev1", "event": {}},
        {"type": "nope"},
    ):
        with pytest.raises(InvalidInput):
            receive(*signed(bad), intake)
    with pytest.raises(NotFound):
        receive(*signed(mention("U0SANDBOX02", "hi") | {"team_id": "T0OTHER0001"}), intake)
    assert receive(
        *signed({"type": "url_verification", "challenge": "3eZbrw1aBm", "token": "x"}), intake
    ) == {"challenge": "3eZbrw1aBm"}
    ledger = world["db"].collection("tenants").document(world["tenant"].tenant_id).collection("events")
    assert list(ledger.stream()) == [] and world["queue"].tasks == []


def test_the_bot_tokens_team_and_user_are_read_from_slack(world: dict[str, Any]) -> None:
    assert world["intake"].web.identity(BOT_TOKEN) == (TEAM, "U0SANDBOX01")  # auth.test


def test_the_bots_own_and_edited_messages_start_nothing(world: dict[str, Any], admin: Admin) -> None:
    intake: SlackIntake = world["intake"]
    own = mention("U0SANDBOX01", "On it.", event_id="Ev0SANDBOX0004", type="message", channel_type="im")
    edited = mention(
        world["users"]["bo"],
        "x",
        event_id="Ev0SANDBOX0005",
        type="message",
        channel_type="im",
        subtype="message_changed",
    )
    assert [receive(*signed(e), intake)["result"] for e in (own, edited)] == ["ignored", "ignored"]
    assert world["queue"].tasks == []


def test_erasing_the_workspace_takes_its_slack_install_and_later_events_are_refused(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    FirestoreErasure(world["db"]).erase_documents(world["tenant"].tenant_id)
    assert intake.installs.get(TEAM) is None
    with pytest.raises(NotFound):
        receive(*signed(mention(world["users"]["bo"], "hi", event_id="Ev0SANDBOX0006")), intake)
    assert admin.slack_messages(CHANNEL) == [] and world["queue"].tasks == []
