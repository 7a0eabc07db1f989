"""A person's message in the sandbox's Slack reaches the product as Slack's would: the sandbox delivers
it signed to a route answering with the product's ``receive`` and ``command`` (on the Firestore
emulator), the member's run is queued once, and the answer comes back in the sandbox's thread."""

from dataclasses import replace
from typing import Any

from local.code_sandbox.slack_oauth import SIGNING_SECRET
from local.code_sandbox.testing import Admin
from shared.runs.domain.plan_task import PlanTask
from shared.slack.services.commands import command
from shared.slack.services.events import SlackIntake, receive
from tests.support.slack.receiver import receiving
from tests.support.slack.slack_events import CHANNEL
from tests.support.slack.slack_world import world

__all__ = ["world"]  # the fixture: the sandbox's Slack team installed for a workspace of Ada and Bo


def test_a_message_said_in_the_sandbox_starts_the_members_run_and_is_answered_in_its_thread(
    world: dict[str, Any], admin: Admin
) -> None:
    intake: SlackIntake = replace(world["intake"], signing_secret=SIGNING_SECRET)  # the sandbox app's

    def product(path: str, body: bytes, headers: dict[str, str]) -> Any:
        return (receive if path == "slack/events" else command)(body, headers, intake)

    with receiving(product) as (url, _):
        admin.slack_app(url + "/slack/events", url + "/slack/commands")
        said = admin.slack_say("bo", "<@U0SANDBOX01> draft the release note")
        typed = admin.slack_command("bo", "plan the week")
        replied = admin.slack_say("bo", "make it formal", thread_ts=said["ts"])  # no mention (decision 0201)
    assert said["delivered"]["status"] == 200 and '"started"' in said["delivered"]["body"]
    # Slack sends a mention in a channel the app is in twice: its message is left to its app_mention.
    assert [('"ignored"' in d["body"], '"started"' in d["body"]) for d in said["deliveries"]] == [
        (True, False),
        (False, True),
    ]
    # The reply in her thread is taken as hers; her run is queued, not planned yet, so takes nothing.
    assert [e["event"]["type"] for e in replied["events"]] == ["message"]
    assert '"refused"' in replied["delivered"]["body"]
    assert typed["delivered"]["status"] == 200 and "On it." in typed["delivered"]["body"]
    goals = sorted(t.goal for _, t, _, _ in world["queue"].tasks if isinstance(t, PlanTask))
    assert goals == ["draft the release note", "plan the week"]
    thread = [m for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == said["ts"]]
    [reply, refused] = [m for m in thread if m.get("bot_id")]
    assert reply["text"].startswith("On it.") and refused["text"].startswith(
        "Nothing was done with this message"
    )
    # Each run links back to the message it was asked in (chat.getPermalink): the mention, the root.
    [root] = [m["ts"] for m in admin.slack_messages(CHANNEL) if m["text"].endswith(": plan the week")]
    links = {t.goal: t.trigger.link for _, t, _, _ in world["queue"].tasks if isinstance(t, PlanTask)}
    archives = f"https://acme.slack.com/archives/{CHANNEL}/p"
    assert links == {
        "draft the release note": archives + said["ts"].replace(".", ""),
        "plan the week": archives + root.replace(".", ""),
    }
