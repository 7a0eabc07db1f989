"""Slack's slash command ``/agent <words>`` in, on the Firestore emulator and the code sandbox's Slack
(through slack_sdk): a member's command starts her run (or an Ask) in a thread the app starts in the
channel, once per invocation, and its answer is shown to her alone; a stranger, a channel the app is
not in, and forged or malformed requests start nothing."""

import time
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.notify.domain.slack_threads import SlackThread
from shared.platform.errors import InvalidInput, NotFound, Unauthenticated
from shared.runs.domain.plan_task import PlanTask
from shared.slack.domain.ask_task import SlackAskTask
from shared.slack.domain.events import ASKED, NOT_IN_CHANNEL, STRANGER
from shared.slack.services.commands import DUPLICATE, command
from shared.slack.services.events import SlackIntake
from tests.support.slack.slack_events import CHANNEL, TEAM, signed_form, slash
from tests.support.slack.slack_world import world

pytestmark = pytest.mark.integration
__all__ = ["world"]  # the fixture: the sandbox's Slack team installed for a workspace of Ada and Bo


def _top_level(admin: Admin) -> list[dict[str, Any]]:
    return [m for m in admin.slack_messages(CHANNEL) if "thread_ts" not in m]


def test_a_members_command_starts_her_run_in_a_thread_once_and_tells_her_alone(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    bo = world["users"]["bo"]
    typed = slash(bo, "draft the release note <!channel>")
    answers = [command(*signed_form(typed), intake) for _ in range(2)]  # the same invocation twice
    assert answers[0]["response_type"] == "ephemeral" and answers[0]["text"].startswith("On it.")
    assert answers[1] == {"response_type": "ephemeral", "text": DUPLICATE}
    [root] = _top_level(admin)
    assert (
        root["text"] == f"<@{bo}> asked with /agent: draft the release note &lt;!channel&gt;"
    )  # pings nobody
    [reply] = [m for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == root["ts"]]
    assert reply["text"] == answers[0]["text"]
    [(_, task, _, _)] = world["queue"].tasks
    assert isinstance(task, PlanTask) and task.goal == "draft the release note <!channel>"
    assert task.trigger.people == ["u-bo"] and task.trigger.by_owner is False  # her reach, an editor's
    assert task.trigger.thread == SlackThread(TEAM, CHANNEL, root["ts"]).ref  # approvals and result there
    assert "/agent" in task.trigger.rule


def test_a_command_beginning_with_ask_is_answered_as_ask_in_its_thread(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    answer = command(*signed_form(slash(world["users"]["ada"], "ask who owns the launch?", "2.2.b")), intake)
    assert answer["text"] == ASKED
    [(_, task, _, _)] = world["queue"].tasks
    [root] = _top_level(admin)
    assert isinstance(task, SlackAskTask) and task.question == "who owns the launch?"
    assert task.thread == SlackThread(TEAM, CHANNEL, root["ts"]).ref


def test_a_stranger_or_a_channel_the_app_is_not_in_starts_nothing_and_posts_nothing(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = world["intake"]
    assert (
        command(*signed_form(slash(world["users"]["eve"], "delete every page", "3.3.c")), intake)["text"]
        == STRANGER
    )
    outside = slash(world["users"]["bo"], "plan the week", "4.4.d", channel="C0OUTSIDE01")
    assert command(*signed_form(outside), intake)["text"] == NOT_IN_CHANNEL
    assert world["queue"].tasks == [] and _top_level(admin) == []


def test_unsigned_stale_and_malformed_commands_are_refused_and_store_nothing(world: dict[str, Any]) -> None:
    intake: SlackIntake = world["intake"]
    typed = slash(world["users"]["bo"], "hi", "5.5.e")
    raw, headers = signed_form(typed)
    no_headers: dict[str, str] = {}
    unsigned, changed = (raw, no_headers), (raw.replace(b"hi", b"bye"), headers)  # changed after signing
    forged, stale = (
        signed_form(typed, secret="another-apps-secret"),
        signed_form(typed, at=int(time.time()) - 360),
    )
    for body, signature in (unsigned, forged, stale, changed):
        with pytest.raises(Unauthenticated):
            command(body, signature, intake)
    for bad in ({**typed, "team_id": "T0/../x"}, {**typed, "trigger_id": ""}, {"payload": "{}"}):
        with pytest.raises(InvalidInput):
            command(*signed_form(bad), intake)
    with pytest.raises(NotFound):
        command(*signed_form({**typed, "team_id": "T0OTHER0001"}), intake)
    ledger = world["db"].collection("tenants").document(world["tenant"].tenant_id).collection("events")
    assert list(ledger.stream()) == [] and world["queue"].tasks == []
