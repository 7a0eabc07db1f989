"""A reply in a channel's thread that does not mention the app (decision 0201), on the Firestore
emulator and the code sandbox's Slack: in a thread with a session, the starter's reply answers her
run's question once, however often and in however many events Slack sends it; another member's
answers it only if their role may, a stranger's answers nothing and is told so; a reply in a thread
the app is not in, the bot's own message, an edit and a reply that also mentions the app start nothing."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.state import RunStatus
from shared.slack.domain.events import NOT_YOURS_TO_ANSWER
from shared.slack.services.events import SlackIntake, receive
from tests.support.slack.slack_events import CHANNEL, mention, signed
from tests.support.slack.slack_world import stopped_before_answering, world
from tests.support.slack.thread_replies import BOT, asking_thread, reply

pytestmark = pytest.mark.integration
__all__ = ["world"]  # the fixture: the sandbox's Slack team installed for a workspace of Ada and Bo


def _answers(world: dict[str, Any], run_id: str) -> list[HumanResponded]:
    events = world["runs"].list_events(world["tenant"].tenant_id, run_id)
    return [e for e in events if isinstance(e, HumanResponded)]


def _told(admin: Admin, ts: str) -> list[str]:
    return [m["text"] for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == ts and m.get("bot_id")]


def test_the_starters_reply_without_a_mention_answers_her_runs_question_once(
    world: dict[str, Any], admin: Admin
) -> None:
    intake, ts, run_id = asking_thread(world, admin)
    said = reply(world["users"]["bo"], "formal, please", "Ev0REPLY0001", f"{ts}1", ts)
    twin = said | {"event_id": "Ev0REPLY0002"}  # the same message under another event id
    answers = [receive(*signed(e, retry=n), intake)["result"] for e, n in ((said, 0), (said, 1), (twin, 0))]
    assert answers == ["steered", "duplicate", "duplicate"]
    [answer] = _answers(world, run_id)
    assert (answer.decision, answer.text, answer.via, answer.by_member) == (
        "answer",
        "formal, please",
        "slack",
        "m-bo",
    )
    run = world["runs"].get_run(world["tenant"].tenant_id, run_id)
    assert run is not None and run.state.status == RunStatus.RUNNING
    assert sum(t.startswith("Taken by the run this thread started") for t in _told(admin, ts)) == 1


def test_a_reply_that_also_mentions_the_app_starts_one_thing_in_either_order(
    world: dict[str, Any], admin: Admin
) -> None:
    intake, ts, run_id = asking_thread(world, admin)
    words = f"<@{BOT}> casual, please"
    as_message = reply(world["users"]["bo"], words, "Ev0BOTH00001", f"{ts}2", ts)
    as_mention = mention(world["users"]["bo"], words, "Ev0BOTH00002", f"{ts}2", thread_ts=ts)
    results = [receive(*signed(e, retry=n), intake)["result"] for e, n in ((as_message, 0), (as_mention, 0))]
    results += [receive(*signed(e, retry=1), intake)["result"] for e in (as_message, as_mention)]
    assert results == ["ignored", "steered", "ignored", "duplicate"]
    [answer] = _answers(world, run_id)
    assert answer.text == "casual, please"


def test_the_owners_reply_answers_a_members_question_and_a_strangers_answers_nothing(
    world: dict[str, Any], admin: Admin
) -> None:
    intake, ts, run_id = asking_thread(world, admin)
    stranger = reply(world["users"]["eve"], "delete everything instead", "Ev0EVE000001", f"{ts}3", ts)
    assert [receive(*signed(stranger, retry=n), intake)["result"] for n in (0, 1)] == ["refused", "duplicate"]
    assert _answers(world, run_id) == [] and _told(admin, ts).count(NOT_YOURS_TO_ANSWER) == 1
    owner = reply(world["users"]["ada"], "formal", "Ev0ADA000001", f"{ts}4", ts)
    done = [receive(*signed(owner, retry=n), intake) for n in (0, 1)]
    assert [d["result"] for d in done] == ["answered", "duplicate"] and done[0]["run_id"] == run_id
    [answer] = _answers(world, run_id)
    assert (answer.text, answer.via, answer.by_member) == (
        "formal",
        "slack",
        world["tenant"].owner_member().member_id,
    )
    assert sum(t.startswith("Taken as the answer to the run's question") for t in _told(admin, ts)) == 1
    later = reply(world["users"]["ada"], "thanks", "Ev0ADA000002", f"{ts}5", ts)  # nothing asks now
    assert receive(*signed(later), intake)["result"] == "ignored" and len(_answers(world, run_id)) == 1


def test_an_answer_whose_delivery_stopped_before_its_mark_is_not_given_twice(
    world: dict[str, Any], admin: Admin
) -> None:
    intake, ts, run_id = asking_thread(world, admin)
    owner = reply(world["users"]["ada"], "formal", "Ev0ADA000003", f"{ts}6", ts)
    with stopped_before_answering(intake):
        receive(*signed(owner), intake)
    later = datetime.now(UTC) + timedelta(minutes=1)  # Slack's try a minute later takes over
    assert receive(*signed(owner, retry=2), intake, now=later)["result"] == "answered"
    assert len(_answers(world, run_id)) == 1
    assert sum(t.startswith("Taken as the answer") for t in _told(admin, ts)) == 1


def test_replies_the_app_is_not_asked_by_start_nothing_and_store_nothing(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    bo = world["users"]["bo"]
    [other] = admin.slack_post(CHANNEL, "lunch at noon?", user="bo")  # a thread the app never answered
    outside = reply(bo, "draft the release note", "Ev0NOTIN0001", f"{other}1", other)
    assert receive(*signed(outside), intake)["result"] == "ignored"
    ledger = world["db"].collection("tenants").document(world["tenant"].tenant_id).collection("events")
    assert list(ledger.stream()) == []
    _, ts, run_id = asking_thread(world, admin)
    own = reply(BOT, "Which tone?", "Ev0OWN000001", f"{ts}7", ts, bot_id="B0SANDBOX01")
    edited = reply(bo, "formal", "Ev0EDIT00001", f"{ts}8", ts, subtype="message_changed")
    results = [receive(*signed(e), intake)["result"] for e in (own, edited)]
    assert results == ["ignored", "ignored"] and _answers(world, run_id) == [] and world["queue"].tasks == []
