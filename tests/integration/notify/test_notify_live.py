"""The live notifier end to end: notify (functions-framework) with the production Container
(``NA_NOTIFIER_BACKEND=live``) against the Firestore emulator, the Notion sandbox, and the code
sandbox's Slack over HTTP and its mail relay over SMTP."""

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest

from local.code_sandbox import SEED
from local.code_sandbox.testing import Admin, running_code_sandbox
from local.notion_sandbox import seed_ids
from shared import bootstrap
from shared.notify.domain.notifications import (
    Claimed,
    DeliveryClaim,
    NotificationStatus,
    Outcome,
    comment_text,
    email_text,
    markers,
    new_record,
    plain,
    slack_metadata,
    slack_text,
)
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.provenance import key_of_url, marker_url
from shared.platform.config import PlatformSecret
from shared.platform.topology import Queue
from shared.workspace.domain.integrations import chat_token_secret
from shared.workspace.domain.tenants import tenant_tag
from tests.integration.notion_stack import Stack
from tests.support.platform.fake_container import json_body

pytestmark = pytest.mark.integration
PAGE = seed_ids("demo")["home_page"]


@pytest.fixture
def live(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> tuple[Stack, str, str]:
    """A connected demo workspace and a live-notifier container; (stack, tenant id, session)."""
    outcome = stack.connect()
    serve(stack, monkeypatch, notifier_backend="live")
    return stack, outcome["tenant_id"], outcome["session"]


def serve(stack: Stack, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> bootstrap.Container:
    """The functions serve requests with a production Container of ``stack``'s settings + ``settings``."""
    container = bootstrap.Container(stack.settings.replace(**settings))
    stack.container = container
    return container


def deliver_twice(stack: Stack, task: NotifyTask) -> tuple[bool, bool]:
    """notify receives the same task twice (Cloud Tasks delivers at least once); ``delivered`` of each."""
    notify = stack.client("notify")
    first, second = (notify.post("/", json=task.model_dump(mode="json")) for _ in range(2))
    assert (first.status_code, second.status_code) == (200, 200)
    return json_body(first)["delivered"], json_body(second)["delivered"]


def daily_sent_once(stack: Stack, tenant_id: str, subject: str, text: str) -> NotifyTask:
    """The day's notification (``daily-2026-11-21``) of ``subject`` and ``text``, delivered twice: the
    first delivery sends it, the second sends nothing."""
    task = NotifyTask(notification_id="daily-2026-11-21", tenant_id=tenant_id, subject=subject, text=text)
    assert deliver_twice(stack, task) == (True, False)
    return task


def ref(tenant_id: str, notification_id: str) -> str:
    """The notification's key (``notifications.ref_key``)."""
    return f"{tenant_tag(tenant_id)}/{notification_id}"


def comments_with(stack: Stack, tenant_id: str, notification_id: str) -> list[dict[str, Any]]:
    """The page's comments signed with the notification's key: in the signature's link (as Notion
    answers it: ``href``), or in the visible last line of a comment made before decision 0124."""
    token = stack.notion_tokens(tenant_id).access_token
    comments = stack.container.notion.notion.with_token(token).list_comments(PAGE)
    key, old = ref(tenant_id, notification_id), markers_of(tenant_id, notification_id)
    return [
        c
        for c in comments
        if any(key_of_url(i.get("href")) == key for i in c["rich_text"])
        or plain(c["rich_text"]).endswith(old)
    ]


def markers_of(tenant_id: str, notification_id: str) -> tuple[str, str]:
    """The visible markers a message or comment ended with before decision 0124."""
    return markers(NotifyTask(notification_id=notification_id, tenant_id=tenant_id, subject="s", text="t"))


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
    assert deliver_twice(stack, task) == (True, False)

    [comment] = comments_with(stack, tenant_id, "r1-completed")
    assert all(len(item["plain_text"]) <= 2000 for item in comment["rich_text"])
    assert plain(comment["rich_text"]) == f"{task.subject}\n\n{task.text}\nNotion Agent"  # no id shown
    run_page = marker_url(stack.settings.frontend_url, ref(tenant_id, "r1-completed"), "r1")
    assert comment["rich_text"][-1]["href"] == run_page  # the signature opens the run in the console
    stored = record(stack, tenant_id, "r1-completed")
    assert stored["status"] == "sent" and stored["comment_id"] == comment["id"]

    listed = stack.client("api").get("/notifications", headers={"Authorization": f"Bearer {session}"})
    assert [(n["notification_id"], n["status"]) for n in json_body(listed)["notifications"]] == [
        ("r1-completed", "sent")
    ]


@pytest.mark.parametrize("release", ["this", "before-0124"])
def test_a_stale_sending_record_is_reconciled_by_the_comment_already_on_the_page(
    live: tuple[Stack, str, str], release: str
) -> None:
    """The instance died after commenting, before recording it; the retry finds the comment, signed
    as now or (made by the release before decision 0124, retried after it) by its visible last line."""
    stack, tenant_id, _ = live
    nid = f"r2-{release}"
    task = NotifyTask(notification_id=nid, tenant_id=tenant_id, subject="Run failed", text="Sorry.")
    task = task.model_copy(update={"data": {"page_id": PAGE}})
    past = datetime.now(UTC) - timedelta(minutes=10)
    log = stack.container.notify.notifications
    stale = new_record(task, past, 60.0, NotificationStatus.SENDING, channel="notion_comment")
    assert log.claim(tenant_id, stale, past).claim is DeliveryClaim.NEW
    token = stack.notion_tokens(tenant_id).access_token
    made = (
        comment_text(task) if release == "this" else f"Run failed\n\nSorry.\n{markers_of(tenant_id, nid)[0]}"
    )
    stack.container.notion.notion.with_token(token).add_comment(PAGE, made)  # then the instance died

    answer = stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    assert len(comments_with(stack, tenant_id, nid)) == 1
    stored = record(stack, tenant_id, nid)
    assert stored["status"] == "sent" and stored["attempts"] == 2


def test_firestore_claims_are_exclusive(live: tuple[Stack, str, str]) -> None:
    stack, tenant_id, _ = live
    log, now = stack.container.notify.notifications, datetime.now(UTC)
    task = NotifyTask(notification_id="n-claims", tenant_id=tenant_id, subject="s", text="t")
    fresh = new_record(task, now, 60.0, NotificationStatus.SENDING, channel="slack")
    assert log.claim(tenant_id, fresh, now) == Claimed(DeliveryClaim.NEW)
    assert log.claim(tenant_id, fresh, now) == Claimed(DeliveryClaim.BUSY)  # within the lease
    later = now + timedelta(seconds=61)
    retake = new_record(task, later, 60.0, NotificationStatus.SENDING, channel="email")
    # the channel the first delivery chose, not the taker's: it may have sent it there
    taken = Claimed(DeliveryClaim.RETAKEN, "slack", fresh.created_at, fresh.lease_until)
    assert log.claim(tenant_id, retake, later) == taken
    assert log.claim(tenant_id, retake, later) == Claimed(DeliveryClaim.BUSY)  # the taker's new lease
    sent = Outcome(NotificationStatus.SENT, channel="email", message_id="<m@x>")
    log.finish(tenant_id, "n-claims", sent, later)
    assert log.claim(tenant_id, retake, later + timedelta(hours=1)) == Claimed(DeliveryClaim.DONE)
    [listed] = log.recent(tenant_id, 10) or []
    assert listed.status == NotificationStatus.SENT and listed.attempts == 2
    assert (listed.channel, listed.message_id) == ("email", "<m@x>")


# -- Slack: api connects it (checked with Slack), notify posts there, once --------------------------


class SlackCase(NamedTuple):
    stack: Stack
    tenant_id: str
    admin: Admin

    def messages(self, notification_id: str) -> list[dict[str, Any]]:
        """The channel's messages carrying the notification's key: in their metadata, or (posted
        before decision 0124) at the end of their text."""
        key, old = ref(self.tenant_id, notification_id), markers_of(self.tenant_id, notification_id)
        found = self.admin.slack_messages(SEED["slack_channel"])
        return [
            m
            for m in found
            if ((m.get("metadata") or {}).get("event_payload") or {}).get("ref") == key
            or str(m["text"]).rstrip().endswith(old)
        ]


@pytest.fixture
def slack(live: tuple[Stack, str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackCase]:
    """``live`` with the code sandbox's Slack: connected through api and chosen in the settings."""
    stack, tenant_id, session = live
    with running_code_sandbox() as sandbox:
        serve(stack, monkeypatch, notifier_backend="live", slack_api_base_url=sandbox.slack_url)
        auth = {"Authorization": f"Bearer {session}"}
        api = stack.client("api")
        refused = api.put("/integrations/slack", headers=auth, json={"token": "xoxb-not-a-real-token"})
        assert refused.status_code == 400 and json_body(refused)["fields"] == [{"field": "token"}]
        assert chat_token_secret(tenant_id) not in stack.secrets_file()
        connected = api.put("/integrations/slack", headers=auth, json={"token": SEED["slack_token"]})
        assert connected.status_code == 200 and json_body(connected)["account"] == "notion-agent in Acme"
        chosen = {"slack_channel_id": SEED["slack_channel"], "notification_channels": ["slack"]}
        assert api.patch("/settings", headers=auth, json=chosen).status_code == 200
        yield SlackCase(stack, tenant_id, sandbox.admin)


def test_slack_gets_one_message_for_two_deliveries_and_the_record_names_it(slack: SlackCase) -> None:
    task = daily_sent_once(
        slack.stack, slack.tenant_id, "Your plan for today", "1. Review <the launch> & ship"
    )
    [message] = slack.messages(task.notification_id)
    assert message["text"] == slack_text(task) and "&lt;the launch&gt; &amp; ship" in message["text"]
    assert message["metadata"] == slack_metadata(task) and "ref" not in message["text"]
    stored = record(slack.stack, slack.tenant_id, task.notification_id)
    assert (stored["status"], stored["channel"], stored["message_ts"]) == ("sent", "slack", message["ts"])


def test_a_stale_sending_record_is_reconciled_by_the_message_already_in_the_channel(slack: SlackCase) -> None:
    task = NotifyTask(
        notification_id="r3-completed", tenant_id=slack.tenant_id, subject="Run completed", text="Ok."
    )
    past = datetime.now(UTC) - timedelta(seconds=61)  # its 60 s lease ended a second ago
    log = slack.stack.container.notify.notifications
    stale = new_record(task, past, 60.0, NotificationStatus.SENDING, channel="slack")
    assert log.claim(slack.tenant_id, stale, past).claim is DeliveryClaim.NEW
    chat, text = slack.stack.container.notify.chat, slack_text(task)
    chat.post_message(SEED["slack_token"], SEED["slack_channel"], text, slack_metadata(task))

    answer = slack.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    assert len(slack.messages("r3-completed")) == 1
    stored = record(slack.stack, slack.tenant_id, "r3-completed")
    assert stored["status"] == "sent" and stored["attempts"] == 2 and stored["message_ts"]


@pytest.mark.parametrize("form", [0, 1], ids=["with-tenant", "without-tenant"])
def test_a_message_posted_before_0124_with_its_key_in_its_text_is_found_not_posted_again(
    slack: SlackCase, form: int
) -> None:
    """A delivery claimed the task, posted it with the visible marker of the release before and
    died; the release changed, and the retry finds that message by its text (no metadata on it)."""
    task = NotifyTask(
        notification_id=f"r6-{form}", tenant_id=slack.tenant_id, subject="Run completed", text="Ok."
    )
    past = datetime.now(UTC) - timedelta(seconds=61)
    stale = new_record(task, past, 60.0, NotificationStatus.SENDING, channel="slack")
    assert (
        slack.stack.container.notify.notifications.claim(slack.tenant_id, stale, past).claim
        is DeliveryClaim.NEW
    )
    old = f"{slack_text(task)}\n{markers_of(slack.tenant_id, task.notification_id)[form]}"
    slack.admin.slack_post(SEED["slack_channel"], old, user=SEED["slack_bot"], at=past + timedelta(seconds=1))

    answer = slack.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    [found] = slack.messages(task.notification_id)
    assert (
        "metadata" not in found
        and record(slack.stack, slack.tenant_id, task.notification_id)["status"] == "sent"
    )


def crashed_half_an_hour_ago(slack: SlackCase, task: NotifyTask, chatter: int, at_once: bool) -> None:
    """A delivery claimed ``task`` 30 minutes ago, posted it 10 s later and died before recording it;
    then people posted ``chatter`` messages in the channel: ``at_once`` with it, else since."""
    past = datetime.now(UTC) - timedelta(minutes=30)
    log = slack.stack.container.notify.notifications
    stale = new_record(task, past, 60.0, NotificationStatus.SENDING, channel="slack")
    assert log.claim(slack.tenant_id, stale, past).claim is DeliveryClaim.NEW
    posted = past + timedelta(seconds=10)
    sent = slack_text(task)
    slack.admin.slack_post(
        SEED["slack_channel"], sent, user=SEED["slack_bot"], at=posted, metadata=slack_metadata(task)
    )
    texts = [f"chatter {i}" for i in range(chatter)]
    slack.admin.slack_post(SEED["slack_channel"], *texts, at=posted if at_once else None)


def test_a_retry_finds_its_message_under_many_posted_since(slack: SlackCase) -> None:
    """Slack answers 15 messages a page to an app outside its Marketplace: newest first from now,
    100 messages would hide the earlier post beyond the pages read. The search covers only the time
    the earlier delivery could have posted in (its claim to its lease's end), so it sees that post."""
    slack.admin.slack_limits(15)
    task = NotifyTask(notification_id="r4-completed", tenant_id=slack.tenant_id, subject="Done", text="Ok.")
    crashed_half_an_hour_ago(slack, task, chatter=100, at_once=False)

    answer = slack.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    assert len(slack.messages("r4-completed")) == 1
    stored = record(slack.stack, slack.tenant_id, "r4-completed")
    assert stored["status"] == "sent" and stored["message_ts"] == slack.messages("r4-completed")[0]["ts"]


def test_a_window_too_busy_to_read_whole_is_recorded_unchecked_and_not_posted_again(
    slack: SlackCase,
) -> None:
    slack.admin.slack_limits(15)
    task = NotifyTask(notification_id="r5-completed", tenant_id=slack.tenant_id, subject="Done", text="Ok.")
    crashed_half_an_hour_ago(slack, task, chatter=100, at_once=True)

    answer = slack.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    assert len(slack.messages("r5-completed")) == 1  # the earlier one only: never a second copy
    stored = record(slack.stack, slack.tenant_id, "r5-completed")
    assert stored["status"] == "undeliverable"
    assert "could not check" in stored["reason"] and "holds more messages" in stored["reason"]


def test_a_channel_the_bot_is_not_in_makes_it_undeliverable_with_the_reason(slack: SlackCase) -> None:
    container = slack.stack.container
    tenant = container.workspace.tenants.get(slack.tenant_id)
    assert tenant is not None
    outside = tenant.settings.model_copy(update={"slack_channel_id": SEED["slack_outside_channel"]})
    container.workspace.tenants.save(tenant.model_copy(update={"settings": outside}))
    task = NotifyTask(notification_id="n-outside", tenant_id=slack.tenant_id, subject="s", text="t")
    answer = slack.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    stored = record(slack.stack, slack.tenant_id, "n-outside")
    assert stored["status"] == "undeliverable" and "not_in_channel" in stored["reason"]
    assert slack.admin.slack_messages(SEED["slack_outside_channel"]) == []


# -- Email: notify sends it through the code sandbox's SMTP relay, once -----------------------------


class EmailCase(NamedTuple):
    stack: Stack
    tenant_id: str
    admin: Admin

    def mails(self, message_id: str) -> list[dict[str, Any]]:
        # a long Message-ID may be folded onto its own line: the header's value then starts with a space
        return [m for m in self.admin.smtp_messages() if m["message_id"].strip() == message_id]


@pytest.fixture
def email(live: tuple[Stack, str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[EmailCase]:
    """``live`` with the code sandbox's mail relay, and email chosen through api."""
    stack, tenant_id, session = live
    with running_code_sandbox() as sandbox:
        container = serve(
            stack,
            monkeypatch,
            notifier_backend="live",
            smtp_host="127.0.0.1",
            smtp_port=sandbox.smtp_port,
            smtp_security="none",
            smtp_username=SEED["smtp_username"],
            smtp_sender="Notion Agent <agent@acme.example>",
        )
        container.platform.secrets.put(PlatformSecret.SMTP_PASSWORD, SEED["smtp_password"])
        chosen = {"notification_email": "ops@acme.example", "notification_channels": ["email"]}
        auth = {"Authorization": f"Bearer {session}"}
        assert stack.client("api").patch("/settings", headers=auth, json=chosen).status_code == 200
        confirm_by_mail(stack, sandbox.admin, "ops@acme.example")
        yield EmailCase(stack, tenant_id, sandbox.admin)


CONFIRM_SUBJECT = "Confirm this address for Notion Agent notifications"


def confirm_by_mail(stack: Stack, admin: Admin, address: str) -> None:
    """The address gets its confirmation mail (the task api queued, delivered by notify through the
    relay) and its recipient POSTs the link in it: only then does it get the tenant's email."""
    bodies = [
        NotifyTask.model_validate_json(base64.b64decode(t["body"])) for t in stack.pending(Queue.NOTIFY)
    ]
    [task] = [b for b in bodies if b.data.get("to") == address]
    answer = stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is True
    [mail] = [m for m in admin.smtp_messages() if m["rcpt_tos"] == [address]]
    assert mail["subject"] == CONFIRM_SUBJECT
    [url] = re.findall(r"https?://\S+/email-confirmations#\S+", mail["text"])
    token = url.partition("#")[2]
    assert token not in task.model_dump_json()  # the queued body has no link: notify minted it
    confirmed = stack.client("api").post(f"{urlsplit(url).path}/confirm", json={"token": token})
    assert confirmed.status_code == 200 and json_body(confirmed)["status"] == "confirmed", json_body(
        confirmed
    )


def test_email_is_sent_once_for_two_deliveries_with_its_headers_and_recorded(email: EmailCase) -> None:
    task = daily_sent_once(
        email.stack, email.tenant_id, "Votre plan du jour", "1. Relire la page « Lancement »"
    )
    message_id = f"<daily-2026-11-21.{email.tenant_id}@acme.example>"
    [mail] = email.mails(message_id)
    assert mail["rcpt_tos"] == ["ops@acme.example"] and mail["subject"] == "Votre plan du jour"
    assert mail["from"] == "Notion Agent <agent@acme.example>" and mail["auto_submitted"] == "auto-generated"
    assert mail["text"].replace("\r\n", "\n") == email_text(task)
    stored = record(email.stack, email.tenant_id, task.notification_id)
    assert (stored["status"], stored["channel"], stored["message_id"]) == ("sent", "email", message_id)


def test_a_lost_answer_is_retried_by_the_queue_with_the_same_message_id(email: EmailCase) -> None:
    task = NotifyTask(notification_id="r4-completed", tenant_id=email.tenant_id, subject="Done", text="Ok.")
    email.admin.smtp_fault("lost_answer")
    notify = email.stack.client("notify")
    assert notify.post("/", json=task.model_dump(mode="json")).status_code == 503  # Cloud Tasks retries
    assert json_body(notify.post("/", json=task.model_dump(mode="json")))["delivered"] is True
    ids = [m["message_id"] for m in email.mails(f"<r4-completed.{email.tenant_id}@acme.example>")]
    assert len(ids) == 2 and len(set(ids)) == 1  # one message to clients that de-duplicate by it
    assert record(email.stack, email.tenant_id, "r4-completed")["attempts"] == 2


def test_an_address_the_relay_refuses_is_undeliverable_with_the_reply_code(email: EmailCase) -> None:
    container = email.stack.container
    tenant = container.workspace.tenants.get(email.tenant_id)
    assert tenant is not None
    bounce = tenant.settings.model_copy(update={"notification_email": "nobody@bounce.invalid"})
    container.workspace.tenants.save(
        tenant.model_copy(update={"settings": bounce, "confirmed_email": "nobody@bounce.invalid"})
    )
    task = NotifyTask(notification_id="n-bounce", tenant_id=email.tenant_id, subject="s", text="t")
    answer = email.stack.client("notify").post("/", json=task.model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    stored = record(email.stack, email.tenant_id, "n-bounce")
    assert stored["status"] == "undeliverable" and "550" in stored["reason"]
    assert [m for m in email.admin.smtp_messages() if m["subject"] != CONFIRM_SUBJECT] == []


def test_a_relay_refusing_the_credentials_hands_it_to_a_comment_on_the_page(email: EmailCase) -> None:
    """The relay refuses this deployment's password (535): nothing was sent, so the next channel of
    the tenant's order, a comment on the page, carries it, and the record says why."""
    container = email.stack.container
    container.platform.secrets.put(PlatformSecret.SMTP_PASSWORD, "not-the-relay-password")
    tenant = container.workspace.tenants.get(email.tenant_id)
    assert tenant is not None
    order = tenant.settings.model_copy(update={"notification_channels": ["email", "notion_comment"]})
    container.workspace.tenants.save(tenant.model_copy(update={"settings": order}))
    task = NotifyTask(
        notification_id="r5-completed",
        tenant_id=email.tenant_id,
        subject="Done",
        text="Ok.",
        data={"page_id": PAGE},
    )
    notify = email.stack.client("notify")
    confirmation = len(email.admin.smtp_auth_attempts())  # the confirmation mail's, accepted
    assert json_body(notify.post("/", json=task.model_dump(mode="json")))["delivered"] is True
    refused = email.admin.smtp_auth_attempts()[confirmation:]  # smtplib tries each mechanism offered
    assert refused and not any(attempt["accepted"] for attempt in refused)
    assert json_body(notify.post("/", json=task.model_dump(mode="json")))["delivered"] is False
    assert email.admin.smtp_auth_attempts()[confirmation:] == refused  # done: the relay is not asked again
    [comment] = comments_with(email.stack, email.tenant_id, "r5-completed")
    stored = record(email.stack, email.tenant_id, "r5-completed")
    assert (stored["status"], stored["channel"], stored["comment_id"]) == (
        "sent",
        "notion_comment",
        comment["id"],
    )
    assert stored["reason"] == "email: the mail relay refused the SMTP credentials (535)"
    assert [m for m in email.admin.smtp_messages() if m["subject"] != CONFIRM_SUBJECT] == []


# -- Decision links: minted by notify as it mails them, never queued or stored ----------------------


def waiting_run(email: EmailCase, run_id: str) -> None:
    """A run of the tenant waiting for its owner's approval, stored in Firestore."""
    from shared.runs.domain.events import HumanRequested, PlannedStep, RunPlanned

    now = datetime.now(UTC)
    steps = [PlannedStep(tool="request_approval", args={"summary": "ok?"}), PlannedStep(tool="finish")]
    planned = RunPlanned(
        seq=1, at=now, goal="Ship it", trigger="api", steps=steps, tools=["request_approval"]
    )
    asked = HumanRequested(seq=2, at=now, request_id="approval-1", step=1, purpose="approval", prompt="Ship?")
    assert email.stack.container.runs.store.create_run(email.tenant_id, run_id, [planned, asked])


def stored_texts(email: EmailCase) -> str:
    """Every Firestore document of the tenant's notifications and runs, as one text."""
    tenant = email.stack.db.collection("tenants").document(email.tenant_id)
    docs = [tenant.get().to_dict()]
    for name in ("notifications", "runs", "events"):
        docs += [d.to_dict() for d in tenant.collection(name).stream()]
    return repr(docs)


def test_a_decisions_links_are_minted_by_notify_into_the_mail_only_and_work(email: EmailCase) -> None:
    from shared.engine.services.followups import enqueue_followup
    from shared.engine.services.run_log import RunLog

    stack, container = email.stack, email.stack.container
    waiting_run(email, "r-links")
    run = container.runs.store.get_run(email.tenant_id, "r-links")
    assert run is not None and run.state.waiting is not None
    enqueue_followup(RunLog(container.engine(with_model=False), email.tenant_id, "r-links"), run.state)
    queued = [base64.b64decode(t["body"]) for t in stack.pending(Queue.NOTIFY)]
    [body] = [b for b in queued if b"r-links-approval-1" in b]  # the real body in the Cloud Tasks emulator
    assert b"/links" not in body and b"http" not in body and b"approve_url" not in body
    task = NotifyTask.model_validate_json(body)
    assert task.data == {"run_id": "r-links", "request_id": "approval-1", "purpose": "approval"}

    assert deliver_twice(stack, task) == (True, False)
    [mail] = email.mails(f"<r-links-approval-1.{email.tenant_id}@acme.example>")
    approve, reject = re.findall(r"^(?:Approve|Reject): (\S+)$", mail["text"].replace("\r\n", "\n"), re.M)
    assert (
        approve.startswith(f"{stack.settings.api_url}/links#")
        and reject.partition("#")[0] == approve.partition("#")[0]
    )
    tokens_mailed = [approve.partition("#")[2], reject.partition("#")[2]]
    stored = stored_texts(email)
    assert all(t not in stored for t in tokens_mailed) and "/links" not in stored

    api = stack.client("api")
    shown = api.post("/links/preview", json={"token": tokens_mailed[0]})
    assert shown.status_code == 200 and json_body(shown)["usable"] is True
    assert json_body(api.post("/links/decide", json={"token": tokens_mailed[0]}))["status"] == "running"
    assert api.post("/links/decide", json={"token": tokens_mailed[1]}).status_code == 409  # its pair is spent


def test_a_body_queued_with_links_before_the_change_is_mailed_with_fresh_ones(email: EmailCase) -> None:
    waiting_run(email, "r-old")
    old = "https://old.example/links/eyJvbGQiOiAxfQ.c2ln"
    legacy = {
        "notification_id": "r-old-approval-1",
        "tenant_id": email.tenant_id,
        "run_id": "r-old",
        "subject": "Your decision is needed: Ship it",
        "text": "Ship?",
        "priority": "urgent",
        "data": {
            "run_id": "r-old",
            "request_id": "approval-1",
            "purpose": "approval",
            "approve_url": old,
            "reject_url": old,
        },
    }
    answer = email.stack.client("notify").post("/", json=legacy)
    assert answer.status_code == 200 and json_body(answer)["delivered"] is True
    [mail] = email.mails(f"<r-old-approval-1.{email.tenant_id}@acme.example>")
    assert old not in mail["text"] and "old.example" not in stored_texts(email)
    [approve] = re.findall(r"^Approve: (\S+)$", mail["text"].replace("\r\n", "\n"), re.M)
    shown = email.stack.client("api").post("/links/preview", json={"token": approve.partition("#")[2]})
    assert shown.status_code == 200 and json_body(shown)["usable"] is True


def test_discord_connected_through_api_gets_one_message_for_two_deliveries(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discord, end to end: the webhook URL checked with Discord and kept as a secret, a notification
    posted through it once with mentions off, and the URL in no record or answer."""
    outcome = stack.connect()
    tenant_id, auth = outcome["tenant_id"], {"Authorization": f"Bearer {outcome['session']}"}
    hook_id, hook_token = SEED["discord_webhook_id"], SEED["discord_webhook_token"]
    url = f"https://discord.com/api/webhooks/{hook_id}/{hook_token}"
    with running_code_sandbox() as sandbox:
        serve(stack, monkeypatch, notifier_backend="live", discord_api_base_url=sandbox.discord_url)
        api = stack.client("api")
        unknown = url.replace(hook_token, "a-webhook-discord-does-not-know-0123456789")
        refused = api.put("/integrations/discord", headers=auth, json={"token": unknown})
        assert refused.status_code == 400 and "Discord refused this token" in json_body(refused)["reason"]
        connected = api.put("/integrations/discord", headers=auth, json={"token": url})
        assert connected.status_code == 200, json_body(connected)
        assert json_body(connected)["account"] == "Notion Agent in channel 1200000000000000002"
        assert (
            api.patch("/settings", headers=auth, json={"notification_channels": ["discord"]}).status_code
            == 200
        )
        task = NotifyTask(
            notification_id="r9-completed", tenant_id=tenant_id, subject="Done", text="@everyone ok"
        )
        assert deliver_twice(stack, task) == (True, False)
        [message] = sandbox.admin.get(f"/discord/webhooks/{hook_id}/messages")
        assert message["content"] == "**Done**\n\n@everyone ok" and message["allowed_mentions"] == {
            "parse": []
        }
        stored = record(stack, tenant_id, "r9-completed")
        assert (stored["status"], stored["channel"], stored["message_id"]) == (
            "sent",
            "discord",
            message["id"],
        )
        assert hook_token not in str(stored) and hook_token not in connected.get_data(as_text=True)


def test_a_runs_next_decision_updates_its_comment_on_the_page(live: tuple[Stack, str, str]) -> None:
    """One shipping run left 9 "Your decision is needed" comments on its idea's page. A
    run's next decision (``data["replaces"]``: the one before) updates that comment: one per run."""
    stack, tenant_id, _ = live

    def asked(request: str, prompt: str, replaces: str = "") -> NotifyTask:
        data = {"page_id": PAGE, "run_id": "r8", "request_id": request, "purpose": "approval"}
        return NotifyTask(
            notification_id=f"r8-{request}",
            tenant_id=tenant_id,
            run_id="r8",
            subject="Your decision is needed: ship the dashboard",
            text=prompt,
            data=data | ({"replaces": replaces} if replaces else {}),
        )

    before = len(stack.admin.get("/workspaces/demo/state")["comments"])
    assert deliver_twice(stack, asked("e1", "Open the pull request?")) == (True, False)
    [first] = comments_with(stack, tenant_id, "r8-e1")
    assert deliver_twice(stack, asked("e2", "Merge pull request #1?", "r8-e1")) == (True, False)
    assert comments_with(stack, tenant_id, "r8-e1") == []
    [second] = comments_with(stack, tenant_id, "r8-e2")
    assert second["id"] == first["id"] and "Merge pull request #1?" in plain(second["rich_text"])
    assert "Open the pull request?" not in plain(second["rich_text"])
    assert len(stack.admin.get("/workspaces/demo/state")["comments"]) == before + 1
    assert record(stack, tenant_id, "r8-e2")["comment_id"] == first["id"]
