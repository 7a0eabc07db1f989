"""The live notifier end to end: notify (functions-framework) with the production Container
(``NA_NOTIFIER_BACKEND=live``) against the Firestore emulator, the Notion sandbox and the code
sandbox's Slack over HTTP."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest

from local.code_sandbox import SEED
from local.code_sandbox.testing import Admin, running_code_sandbox
from local.notion_sandbox import seed_ids
from shared import bootstrap
from shared.domain.connection import NotionTokens, token_secret_name
from shared.domain.integrations import chat_token_secret
from shared.domain.notifications import (
    Claim,
    NotificationStatus,
    comment_text,
    marker_text,
    new_record,
    plain,
    slack_text,
)
from shared.domain.tasks import NotifyTask
from tests.integration.notion_stack import Stack

pytestmark = pytest.mark.integration
PAGE = seed_ids("demo")["home_page"]


@pytest.fixture
def live(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> tuple[Stack, str, str]:
    """A connected demo workspace and a live-notifier container; (stack, tenant id, session)."""
    outcome = stack.connect()
    container = bootstrap.Container(stack.settings.replace(notifier_backend="live"))
    monkeypatch.setattr(bootstrap, "container", lambda: container)
    stack.container = container
    return stack, outcome["tenant_id"], outcome["session"]


def comments_with(stack: Stack, tenant_id: str, notification_id: str) -> list[dict[str, Any]]:
    token = NotionTokens.load(stack.secrets_file()[token_secret_name(tenant_id)]).access_token
    comments = stack.container.notion.list_comments(token, PAGE)
    return [c for c in comments if plain(c["rich_text"]).endswith(marker_text(notification_id))]


def record(stack: Stack, tenant_id: str, notification_id: str) -> dict[str, Any]:
    ref = stack.db.collection("tenants").document(tenant_id).collection("notifications")
    doc: dict[str, Any] = ref.document(notification_id).get().to_dict()
    return doc


def test_two_deliveries_of_the_same_task_leave_one_comment_on_the_page(live: tuple[Stack, str, str]) -> None:
    stack, tenant_id, session = live
    task = NotifyTask(
        notification_id="r1-completed",
        tenant_id=tenant_id,
        run_id="r1",
        subject="Run completed: tidy the home page",
        text="Done. " + "é" * 4500,  # three rich text elements
        data={"page_id": PAGE},
    )
    notify = stack.client("notify")
    first, second = (notify.post("/", json=task.model_dump(mode="json")) for _ in range(2))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json["delivered"] is True and second.json["delivered"] is False

    [comment] = comments_with(stack, tenant_id, "r1-completed")
    assert all(len(item["plain_text"]) <= 2000 for item in comment["rich_text"])
    assert plain(comment["rich_text"]) == comment_text(task)
    stored = record(stack, tenant_id, "r1-completed")
    assert stored["status"] == "sent" and stored["comment_id"] == comment["id"]

    listed = stack.client("api").get("/notifications", headers={"Authorization": f"Bearer {session}"})
    assert [(n["notification_id"], n["status"]) for n in listed.json["notifications"]] == [
        ("r1-completed", "sent")
    ]


def test_a_stale_sending_record_is_reconciled_by_the_comment_already_on_the_page(
    live: tuple[Stack, str, str],
) -> None:
    stack, tenant_id, _ = live
    task = NotifyTask(notification_id="r2-failed", tenant_id=tenant_id, subject="Run failed", text="Sorry.")
    task = task.model_copy(update={"data": {"page_id": PAGE}})
    past = datetime.now(UTC) - timedelta(minutes=10)
    log = stack.container.notifications
    assert log.claim(tenant_id, new_record(task, past, 60.0, NotificationStatus.SENDING), past) is Claim.NEW
    token = NotionTokens.load(stack.secrets_file()[token_secret_name(tenant_id)]).access_token
    stack.container.notion.add_comment(token, PAGE, comment_text(task))  # then the instance died

    answer = stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and answer.json["delivered"] is False
    assert len(comments_with(stack, tenant_id, "r2-failed")) == 1
    stored = record(stack, tenant_id, "r2-failed")
    assert stored["status"] == "sent" and stored["attempts"] == 2


def test_firestore_claims_are_exclusive(live: tuple[Stack, str, str]) -> None:
    stack, tenant_id, _ = live
    log, now = stack.container.notifications, datetime.now(UTC)
    task = NotifyTask(notification_id="n-claims", tenant_id=tenant_id, subject="s", text="t")
    fresh = new_record(task, now, 60.0, NotificationStatus.SENDING)
    assert log.claim(tenant_id, fresh, now) is Claim.NEW
    assert log.claim(tenant_id, fresh, now) is Claim.BUSY  # within the lease
    later = now + timedelta(seconds=61)
    retake = new_record(task, later, 60.0, NotificationStatus.SENDING)
    assert log.claim(tenant_id, retake, later) is Claim.RETAKEN
    assert log.claim(tenant_id, retake, later) is Claim.BUSY  # the taker's new lease
    log.finish(tenant_id, "n-claims", NotificationStatus.SENT, later, comment_id="c1")
    assert log.claim(tenant_id, retake, later + timedelta(hours=1)) is Claim.DONE
    [listed] = log.recent(tenant_id, 10)
    assert listed.status == NotificationStatus.SENT and listed.attempts == 2


# -- Slack: api connects it (checked with Slack), notify posts there, once --------------------------


class SlackCase(NamedTuple):
    stack: Stack
    tenant_id: str
    admin: Admin

    def messages(self, notification_id: str) -> list[dict[str, Any]]:
        marker = marker_text(notification_id)
        found = self.admin.slack_messages(SEED["slack_channel"])
        return [m for m in found if str(m["text"]).rstrip().endswith(marker)]


@pytest.fixture
def slack(live: tuple[Stack, str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackCase]:
    """``live`` with the code sandbox's Slack: connected through api and chosen in the settings."""
    stack, tenant_id, session = live
    with running_code_sandbox() as sandbox:
        settings = stack.settings.replace(notifier_backend="live", slack_api_base_url=sandbox.slack_url)
        container = bootstrap.Container(settings)
        monkeypatch.setattr(bootstrap, "container", lambda: container)
        stack.container = container
        auth = {"Authorization": f"Bearer {session}"}
        api = stack.client("api")
        refused = api.put("/integrations/slack", headers=auth, json={"token": "xoxb-not-a-real-token"})
        assert refused.status_code == 400 and refused.json["fields"] == [{"field": "token"}]
        assert chat_token_secret(tenant_id) not in stack.secrets_file()
        connected = api.put("/integrations/slack", headers=auth, json={"token": SEED["slack_token"]})
        assert connected.status_code == 200 and connected.json["account"] == "notion-agent in Acme"
        chosen = {"slack_channel_id": SEED["slack_channel"], "notification_channels": ["slack"]}
        assert api.patch("/settings", headers=auth, json=chosen).status_code == 200
        yield SlackCase(stack, tenant_id, sandbox.admin)


def test_slack_gets_one_message_for_two_deliveries_and_the_record_names_it(slack: SlackCase) -> None:
    task = NotifyTask(
        notification_id="daily-2026-11-21",
        tenant_id=slack.tenant_id,
        subject="Your plan for today",
        text="1. Review <the launch> & ship",
    )
    notify = slack.stack.client("notify")
    first, second = (notify.post("/", json=task.model_dump(mode="json")) for _ in range(2))
    assert (first.json["delivered"], second.json["delivered"]) == (True, False)
    [message] = slack.messages(task.notification_id)
    assert message["text"] == slack_text(task) and "&lt;the launch&gt; &amp; ship" in message["text"]
    stored = record(slack.stack, slack.tenant_id, task.notification_id)
    assert (stored["status"], stored["channel"], stored["message_ts"]) == ("sent", "slack", message["ts"])


def test_a_stale_sending_record_is_reconciled_by_the_message_already_in_the_channel(slack: SlackCase) -> None:
    task = NotifyTask(
        notification_id="r3-completed", tenant_id=slack.tenant_id, subject="Run completed", text="Ok."
    )
    past = datetime.now(UTC) - timedelta(minutes=10)
    log = slack.stack.container.notifications
    stale = new_record(task, past, 60.0, NotificationStatus.SENDING, channel="slack")
    assert log.claim(slack.tenant_id, stale, past) is Claim.NEW
    slack.stack.container.chat.post_message(SEED["slack_token"], SEED["slack_channel"], slack_text(task))

    answer = slack.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and answer.json["delivered"] is False
    assert len(slack.messages("r3-completed")) == 1
    stored = record(slack.stack, slack.tenant_id, "r3-completed")
    assert stored["status"] == "sent" and stored["attempts"] == 2 and stored["message_ts"]


def test_a_channel_the_bot_is_not_in_makes_it_undeliverable_with_the_reason(slack: SlackCase) -> None:
    container = slack.stack.container
    tenant = container.tenants.get(slack.tenant_id)
    assert tenant is not None
    outside = tenant.settings.model_copy(update={"slack_channel_id": SEED["slack_outside_channel"]})
    container.tenants.save(tenant.model_copy(update={"settings": outside}))
    task = NotifyTask(notification_id="n-outside", tenant_id=slack.tenant_id, subject="s", text="t")
    answer = slack.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and answer.json["delivered"] is False
    stored = record(slack.stack, slack.tenant_id, "n-outside")
    assert stored["status"] == "undeliverable" and "not_in_channel" in stored["reason"]
    assert slack.admin.slack_messages(SEED["slack_outside_channel"]) == []
