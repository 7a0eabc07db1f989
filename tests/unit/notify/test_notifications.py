"""The live notifier (a Notion comment, a Slack message or an email, at most once per notification
id) and quiet hours, with fakes."""

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.notify.domain.notifications import (
    DECIDE_IN_APP,
    NotificationStatus,
    plain,
    quiet_until,
    ref_key,
    slack_metadata,
)
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.provenance import key_of_url
from shared.notify.services.links import DECISION_PURPOSE
from shared.notify.services.notifications import deliver_notification
from shared.notion.adapters.notion import NotionApiError
from shared.notion.domain.markdown import comment_rich_text
from shared.notion.services.notion_access import NotionAccess
from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.errors import PermanentError, TransientError
from shared.platform.topology import Queue
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.integrations import chat_token_secret
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, TenantStatus, tenant_tag
from tests.support.notify.notifications import (
    LEASE_S,
    NOW,
    SLACK_CHANNEL,
    Access,
    Clock,
    Crash,
    Live,
    channel_delivery,
    live,
    task,
    tenant,
)
from tests.support.notify.notify_fakes import FakeChat, FakeNotificationLog, FakeNotifier
from tests.support.notion.notion_fakes import FakeNotion, FakeNotionOAuth
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.workspace.tenants import a_tenant
from tests.support.workspace.workspace_fakes import FakeTenantStore

__all__ = ["live"]  # the fixture the tests here ask for

APPROVE = "https://api.example/links/signed-approve-token"


NO_EMAIL = "email: no address: set notification_email (Notion gave no owner email)"


def signature_key(live: Live, index: int = 0) -> str | None:
    """The key in the link of the last rich text item of the page's ``index``-th comment."""
    return key_of_url(live.notion.comments[live.page][index]["rich_text"][-1]["href"])


def test_a_notification_becomes_one_comment_ending_with_its_signature_and_is_recorded_sent(
    live: Live,
) -> None:
    note = task(live.page)
    assert live.deliver(note) is True
    [comment] = live.comments()
    assert comment.startswith("Run completed: plan the launch\n\nAll done.")
    assert comment.splitlines()[-1] == "Notion Agent" and "ref" not in comment  # no id a person reads
    assert signature_key(live) == ref_key(note) == f"{tenant_tag('t1')}/n1"
    record = live.record()
    assert record.status == NotificationStatus.SENT and record.comment_id and record.page_id == live.page


def test_a_redelivery_after_sent_does_nothing_not_even_a_read(live: Live) -> None:
    live.deliver(task(live.page))
    live.notion.fail["list_comments"] = [AssertionError("no reconciliation after sent")]
    assert live.deliver(task(live.page)) is False
    assert len(live.comments()) == 1 and live.notion.writes["add_comment"] == 1


def test_a_crash_after_the_comment_reconciles_by_the_marker_and_sends_nothing_more(live: Live) -> None:
    live.dies_before_finishing(task(live.page))
    assert live.record().status == NotificationStatus.SENDING and len(live.comments()) == 1

    live.clock.now += timedelta(seconds=LEASE_S + 1)
    assert live.deliver(task(live.page)) is False  # it had been delivered by the first attempt
    assert len(live.comments()) == 1
    assert live.record().status == NotificationStatus.SENT and live.record().attempts == 2


def test_a_crash_before_the_comment_reconciles_and_sends_once(live: Live) -> None:
    live.dies_at(live.notion.fail, "add_comment", task(live.page))
    assert live.comments() == [] and live.record().status == NotificationStatus.SENDING

    live.wait_out_lease()
    assert live.deliver(task(live.page)) is True
    assert len(live.comments()) == 1 and live.record().status == NotificationStatus.SENT


def test_a_delivery_while_another_holds_the_lease_is_retried_later(live: Live) -> None:
    live.notion.fail["add_comment"] = [Crash("crash")]
    with pytest.raises(Crash):
        live.deliver(task(live.page))
    with pytest.raises(TransientError):
        live.deliver(task(live.page))
    assert live.comments() == []


def test_a_transient_notion_error_propagates_and_the_retry_reconciles_at_once(live: Live) -> None:
    live.notion.fail["add_comment"] = [TransientError("Notion answered 503")]
    with pytest.raises(TransientError):
        live.deliver(task(live.page))
    assert live.record().lease_until <= live.clock.now  # released: no waiting for the lease
    assert live.deliver(task(live.page)) is True
    assert len(live.comments()) == 1


def test_no_page_is_recorded_undeliverable_and_logged_without_the_text_or_links(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    daily = task(
        None, "n-daily", text="Approve today's plan?", data={"approve_url": APPROVE, "reject_url": APPROVE}
    )
    with caplog.at_level(logging.WARNING):
        assert live.deliver(daily) is False
    record = live.record("n-daily")
    assert record.status == NotificationStatus.UNDELIVERABLE and record.channel == ""
    assert record.reason == (
        f"notion_comment: it is about no page; slack: Slack is not connected; "
        f"discord: Discord is not connected; {NO_EMAIL}"
    )
    assert APPROVE not in record.model_dump_json()  # a decision's link is never stored
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "n-daily" in warning.getMessage() and APPROVE not in warning.getMessage()
    assert "Approve" not in warning.getMessage()
    assert live.deliver(daily) is False and len(live.records.records) == 1


def test_a_page_notion_refuses_for_good_is_undeliverable(live: Live) -> None:
    live.notion.fail["add_comment"] = [NotionApiError(404, "object_not_found", "Could not find page")]
    assert live.deliver(task(live.page)) is False
    record = live.record()
    assert record.status == NotificationStatus.UNDELIVERABLE and "object_not_found" in record.reason


class CountingTenants(FakeTenantStore):
    """FakeTenantStore that counts its reads of a tenant (each a Firestore read in production)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        self.reads += 1
        return super().get(tenant_id, fresh)


def test_a_notion_comment_reads_the_tenant_once_the_delivery_read() -> None:
    """notify reads the tenant for its channels and quiet hours; the comment's Notion token comes from
    that read, not from a second one."""
    tenants, secrets, queue = CountingTenants(), FakeSecrets(), FakeQueue()
    tenants.save(tenant())
    secrets.put("notion-token-t1", NotionTokens(access_token="access-1").dump())
    notion, records = FakeNotion(), FakeNotificationLog()
    page = notion.add_page("Launch plan")
    access = NotionAccess(tenants, secrets, FakeNotionOAuth(), queue)
    notifier = channel_delivery(records, access, notion, FakeChat(), secrets, Clock())
    assert deliver_notification(task(page), notifier, tenants, queue, now=NOW).delivered is True
    assert len(notion.comments[page]) == 1 and tenants.reads == 1


def test_a_tenant_that_must_reconnect_gets_an_undeliverable_record_not_a_retry_loop() -> None:
    tenants, secrets, queue = FakeTenantStore(), FakeSecrets(), FakeQueue()
    tenants.save(
        a_tenant("t1", "w1", NOW, token_secret="notion-token-t1", status=TenantStatus.NEEDS_RECONNECT)
    )
    secrets.put("notion-token-t1", NotionTokens(access_token="dead").dump())
    access = NotionAccess(tenants, secrets, FakeNotionOAuth(), queue)
    notion, records = FakeNotion(), FakeNotificationLog()
    notifier = channel_delivery(records, access, notion, FakeChat(), secrets, Clock())
    assert notifier.deliver(task("page-1"), tenants.get("t1")) is False
    assert records.records[("t1", "n1")].status == NotificationStatus.UNDELIVERABLE
    assert "Notion connection is gone" in records.records[("t1", "n1")].reason and not notion.comments


def test_a_tenant_whose_notion_token_was_refused_between_two_checks_is_undeliverable() -> None:
    """The status still says active, but NotionAccess finds the token dead: ReconnectRequired."""
    tenants, secrets, queue = FakeTenantStore(), FakeSecrets(), FakeQueue()
    tenants.save(tenant())
    secrets.put("notion-token-t1", NotionTokens(access_token="dead").dump())
    oauth, notion, records = FakeNotionOAuth(), FakeNotion(), FakeNotificationLog()
    page = notion.add_page("Launch plan")
    notion.fail["add_comment"] = [NotionApiError(401, "unauthorized", "API token is invalid.")]
    access = NotionAccess(tenants, secrets, oauth, queue)
    notifier = channel_delivery(records, access, notion, FakeChat(), secrets, Clock())
    assert notifier.deliver(task(page), tenants.get("t1")) is False
    record = records.records[("t1", "n1")]
    assert record.status == NotificationStatus.UNDELIVERABLE and record.reason.startswith("notion_comment: ")
    assert not notion.comments.get(page)


def test_a_long_text_keeps_its_signature_as_the_last_line(live: Live) -> None:
    live.deliver(task(live.page, text="é" * 19_000))
    assert live.comments()[0].endswith("\nNotion Agent") and signature_key(live) == f"{tenant_tag('t1')}/n1"


REJECT = "https://api.example/links/signed-reject-token"


def decision(page_id: str | None, notification_id: str, **data: Any) -> NotifyTask:
    """An approval request, as the engine sends it: the request it is about, no link."""
    asked = {"run_id": "r1", "request_id": "approval-1", "purpose": "approval"} | data
    return task(
        page_id,
        notification_id,
        subject="Your decision is needed: ship it",
        text="Deploy to production?",
        data=asked | ({"page_id": page_id} if page_id else {}),
    )


def test_a_decisions_links_go_by_email_only_never_to_a_page_or_a_slack_channel(live: Live) -> None:
    """A link decides for whoever holds it: anyone the page is shared with, or who is in the channel,
    could approve work the owner never saw (the very person who asked for the run, say)."""
    live.secrets.put(PlatformSecret.SESSION_SIGNING_KEY, "k" * 32)
    assert live.deliver(decision(live.page, "n-comment")) is True
    live.connect_slack(notification_channels=["slack"])
    assert live.deliver(decision(live.page, "n-slack")) is True
    live.change(notification_channels=["email"])
    live.tenants.save(live.tenants.tenants["t1"].model_copy(update={"owner_email": "owner@acme.example"}))
    # a body queued before notify minted the links still carries old ones: dropped, fresh ones mailed
    assert live.deliver(decision(live.page, "n-email", approve_url=APPROVE, reject_url=REJECT)) is True

    [comment], [message], [mail] = live.comments(), live.messages(), live.mailer.sent
    for shared in (plain(comment_rich_text(comment)), message):  # the comment as Notion shows it
        assert "/links" not in shared and "Deploy to production?\n\n" + DECIDE_IN_APP in shared
    assert mail.to == "owner@acme.example" and APPROVE not in mail.text and REJECT not in mail.text
    approve, reject = re.findall(r"^(?:Approve|Reject): (https://api\.example/links#\S+)$", mail.text, re.M)
    assert mail.text.startswith(f"Deploy to production?\n\nApprove: {approve}\nReject: {reject}\n\n-- \n")
    for url, verb in ((approve, "approve"), (reject, "reject")):
        claims = signed_tokens.verify(url.partition("#")[2], "k" * 32, DECISION_PURPOSE)
        assert (claims["decision"], claims["request_id"], claims["run_id"]) == (verb, "approval-1", "r1")
        assert claims["epoch"] == live.tenants.tenants["t1"].session_epoch
    for notification_id in ("n-comment", "n-slack", "n-email"):
        record = live.record(notification_id).model_dump_json()
        assert live.record(notification_id).status == NotificationStatus.SENT
        assert "/links" not in record and approve.partition("#")[2] not in record


def test_a_question_gets_no_links_and_no_decide_in_app_line(live: Live) -> None:
    live.change(notification_channels=["email"])
    live.tenants.save(live.tenants.tenants["t1"].model_copy(update={"owner_email": "owner@acme.example"}))
    assert live.deliver(decision(live.page, "n-q", purpose="question")) is True  # no signing key read
    [mail] = live.mailer.sent
    assert "/links" not in mail.text and DECIDE_IN_APP not in mail.text


# -- Slack ---------------------------------------------------------------------------------------


def test_with_slack_first_a_notification_is_one_slack_message_its_key_in_the_metadata(live: Live) -> None:
    live.connect_slack(notification_channels=["slack", "notion_comment"])
    note = task(live.page, subject="Run <done> & dusted", text=f"Approve: {APPROVE}")
    assert live.deliver(note) is True
    [message] = live.messages()
    assert message == f"*Run &lt;done&gt; &amp; dusted*\n\nApprove: {APPROVE}"  # nothing internal
    [(ts, _)] = live.chat.messages[SLACK_CHANNEL]
    assert live.chat.metadata[ts] == slack_metadata(note)
    assert slack_metadata(note)["event_payload"] == {"ref": f"{tenant_tag('t1')}/n1"}
    record = live.record()
    assert record.status == NotificationStatus.SENT and record.channel == "slack"
    assert record.message_ts and not record.comment_id and live.comments() == []
    assert live.deliver(note) is False and len(live.messages()) == 1


def test_by_default_a_page_gets_the_comment_and_a_notification_about_no_page_goes_to_slack(
    live: Live,
) -> None:
    live.connect_slack()  # notification_channels left at its default: notion_comment, then slack
    assert live.deliver(task(live.page, "n-run")) is True
    assert live.deliver(task(None, "n-daily", subject="Your plan for today")) is True
    assert len(live.comments()) == 1 and live.record("n-run").channel == "notion_comment"
    [message] = live.messages()
    assert message.startswith("*Your plan for today*") and live.record("n-daily").channel == "slack"


def test_slack_without_a_channel_chosen_is_not_used(live: Live) -> None:
    live.connect_slack(slack_channel_id=None)
    assert live.deliver(task(None)) is False
    assert live.record().reason == (
        "notion_comment: it is about no page; slack: no Slack channel is chosen (slack_channel_id); "
        "discord: Discord is not connected; " + NO_EMAIL
    )


def test_a_tenant_that_must_reconnect_to_notion_is_told_on_slack(live: Live) -> None:
    live.connect_slack()
    live.tenants.save(live.tenants.tenants["t1"].model_copy(update={"status": TenantStatus.NEEDS_RECONNECT}))
    assert live.deliver(task(live.page)) is True
    assert live.record().channel == "slack" and len(live.messages()) == 1 and live.comments() == []


def test_a_task_naming_its_channel_goes_there_or_nowhere(live: Live) -> None:
    assert live.deliver(task(live.page, channel="slack")) is False
    assert live.record().reason == "slack: Slack is not connected" and live.comments() == []
    live.connect_slack()
    assert live.deliver(task(live.page, "n2", channel="slack")) is True
    assert live.record("n2").channel == "slack" and live.comments() == []


def test_a_crash_after_the_slack_message_reconciles_by_the_marker_and_posts_nothing_more(live: Live) -> None:
    live.connect_slack(notification_channels=["slack"])

    live.dies_before_finishing(task(None))
    live.clock.now += timedelta(seconds=LEASE_S + 1)
    assert live.deliver(task(None)) is False  # the first attempt had posted it
    assert len(live.messages()) == 1
    assert live.record().status == NotificationStatus.SENT and live.record().message_ts


def test_a_crash_before_the_slack_message_posts_it_once_on_the_retry(live: Live) -> None:
    live.connect_slack(notification_channels=["slack"])
    live.dies_at(live.chat.fail, "post_message", task(None))
    live.wait_out_lease()
    assert live.deliver(task(None)) is True
    assert len(live.messages()) == 1


def test_slack_refusing_for_good_is_undeliverable_and_a_passing_failure_is_retried(live: Live) -> None:
    live.connect_slack(notification_channels=["slack"])
    live.chat.fail["post_message"] = [TransientError("Slack is rate limiting (ratelimited)", 30.0)]
    with pytest.raises(TransientError):
        live.deliver(task(None))
    assert live.record().lease_until <= live.clock.now
    reason = "Slack refused: the bot is not in the channel; invite it (not_in_channel)"
    live.chat.fail["find_message"] = [PermanentError(reason)]
    assert live.deliver(task(None)) is False
    assert (
        live.record().status == NotificationStatus.UNDELIVERABLE
        and live.record().reason == f"may have been sent on slack; could not check: {reason}"
    )
    assert live.messages() == []


def test_a_revoked_slack_token_or_one_deleted_meanwhile_is_undeliverable(live: Live) -> None:
    live.connect_slack(notification_channels=["slack"])
    live.secrets.put(chat_token_secret("t1"), "xoxb-revoked")
    assert live.deliver(task(None, "n1")) is False
    assert "invalid_auth" in live.record("n1").reason
    live.secrets.delete(chat_token_secret("t1"))
    assert live.deliver(task(None, "n2")) is False
    assert live.record("n2").reason == "slack: Slack was disconnected (its token is gone)"
    assert live.messages() == []


# -- email ---------------------------------------------------------------------------------------


def test_a_notification_about_no_page_is_emailed_to_the_owner_with_a_fixed_message_id(live: Live) -> None:
    live.tenants.save(tenant().model_copy(update={"owner_email": "owner@acme.example"}))
    daily = task(None, "n-daily", subject="Your plan for today", text=f"1. Ship it\nApprove: {APPROVE}")
    assert live.deliver(daily) is True
    [mail] = live.mailer.sent
    assert (mail.to, mail.subject) == ("owner@acme.example", "Your plan for today")
    # No internal "ref …" id in what a person reads; the Message-ID names it
    assert mail.text == f"1. Ship it\nApprove: {APPROVE}\n\n-- \nNotion Agent\n"
    assert mail.message_id == "<n-daily.t1@example.com>"
    record = live.record("n-daily")
    assert record.status == NotificationStatus.SENT and record.channel == "email"
    assert record.message_id == mail.message_id and not record.comment_id and not record.message_ts
    assert live.deliver(daily) is False and len(live.mailer.sent) == 1


def test_a_confirmed_notification_email_is_preferred_to_the_owners_and_can_come_first(live: Live) -> None:
    live.tenants.save(tenant().model_copy(update={"owner_email": "owner@acme.example"}))
    live.change(notification_email="ops@acme.example", notification_channels=["email", "notion_comment"])
    live.confirm("ops@acme.example")
    assert live.deliver(task(live.page)) is True
    assert [m.to for m in live.mailer.sent] == ["ops@acme.example"] and live.comments() == []


def test_a_reconnect_notice_reaches_the_owner_by_email_when_there_is_no_slack(live: Live) -> None:
    """Notion refuses the workspace's token: the notice cannot be a comment, and without Slack the
    next channel in the default order, email, carries it."""
    gone = tenant(TenantStatus.NEEDS_RECONNECT).model_copy(update={"owner_email": "ada@acme.example"})
    live.tenants.save(gone)
    notice = task(None, "reconnect-t1-20260105", subject="Reconnect your Notion workspace")
    assert live.deliver(notice) is True
    assert [(m.to, m.subject) for m in live.mailer.sent] == [
        ("ada@acme.example", "Reconnect your Notion workspace")
    ]
    assert live.record("reconnect-t1-20260105").channel == "email"


def test_without_a_relay_or_its_password_email_is_not_a_way_out(live: Live) -> None:
    live.tenants.save(tenant(notification_email="ops@acme.example"))
    live.confirm("ops@acme.example")
    live.secrets.delete(PlatformSecret.SMTP_PASSWORD)
    assert live.deliver(task(None, "n1")) is False
    assert live.record("n1").reason == "email: the platform secret smtp-password is not set"
    records, secrets = FakeNotificationLog(), FakeSecrets()
    notifier = channel_delivery(records, Access(), FakeNotion(), FakeChat(), secrets, Clock(), mailer=None)
    assert notifier.deliver(task(None, "n2"), live.tenants.get("t1")) is False
    assert records.records[("t1", "n2")].reason.endswith(
        "email: this deployment has no mail relay (smtp_host)"
    )
    assert live.mailer.sent == []


def test_a_relay_refusing_the_address_is_undeliverable_and_a_passing_failure_is_retried(live: Live) -> None:
    live.tenants.save(tenant(notification_email="ops@acme.example"))
    live.confirm("ops@acme.example")
    live.mailer.fail = [TransientError("the mail relay answered 451"), PermanentError("refused (550)")]
    with pytest.raises(TransientError):
        live.deliver(task(None))
    assert live.record().lease_until <= live.clock.now and live.record().channel == "email"
    assert live.deliver(task(None)) is False
    assert live.record().status == NotificationStatus.UNDELIVERABLE
    assert live.record().reason == "email: refused (550)" and live.mailer.sent == []


def test_a_crash_after_the_relay_accepted_sends_the_same_message_id_again(live: Live) -> None:
    """Sent mail cannot be searched: the retry sends again, and the fixed Message-ID lets mail
    clients show it once (the documented limit of email's at-most-once)."""
    live.tenants.save(tenant(notification_email="ops@acme.example"))
    live.confirm("ops@acme.example")
    live.dies_before_finishing(task(None))
    live.clock.now += timedelta(seconds=LEASE_S + 1)
    assert live.deliver(task(None)) is True
    assert [m.message_id for m in live.mailer.sent] == ["<n1.t1@example.com>"] * 2


# -- a retry stays on the channel the first attempt chose ----------------------------------------


def test_a_retry_after_the_owner_changed_channels_reconciles_where_it_was_sent(live: Live) -> None:
    """Slack was first; the message was posted, then the instance died. The owner puts comments
    first meanwhile: the retry still looks in Slack, finds it, and comments nothing."""
    live.connect_slack(notification_channels=["slack", "notion_comment"])
    live.dies_before_finishing(task(live.page))
    live.change(notification_channels=["notion_comment", "slack"])
    live.clock.now += timedelta(seconds=LEASE_S + 1)
    assert live.deliver(task(live.page)) is False
    assert len(live.messages()) == 1 and live.comments() == []
    assert live.record().channel == "slack" and live.record().status == NotificationStatus.SENT


def test_a_retry_after_a_passing_failure_stays_on_its_channel(live: Live) -> None:
    live.connect_slack(notification_channels=["slack", "notion_comment"])
    live.chat.fail["post_message"] = [TransientError("Slack answered 503")]
    with pytest.raises(TransientError):
        live.deliver(task(live.page))
    live.change(notification_channels=["notion_comment", "slack"])
    assert live.deliver(task(live.page)) is True
    assert len(live.messages()) == 1 and live.comments() == [] and live.record().channel == "slack"


def test_a_retry_whose_channel_is_gone_chooses_again(live: Live) -> None:
    live.connect_slack(notification_channels=["slack", "notion_comment"])
    live.chat.fail["post_message"] = [TransientError("Slack answered 503")]
    with pytest.raises(TransientError):
        live.deliver(task(live.page))
    live.tenants.save(tenant())  # Slack disconnected meanwhile
    assert live.deliver(task(live.page)) is True
    assert live.messages() == [] and len(live.comments()) == 1
    assert live.record().channel == "notion_comment" and live.record().status == NotificationStatus.SENT


def test_a_retry_with_no_channel_left_is_recorded_undeliverable(live: Live) -> None:
    live.connect_slack(notification_channels=["slack"])
    live.chat.fail["post_message"] = [TransientError("Slack answered 503")]
    with pytest.raises(TransientError):
        live.deliver(task(None))
    live.tenants.save(tenant(notification_channels=["slack"]))  # Slack disconnected meanwhile
    assert live.deliver(task(None)) is False
    record = live.record()
    assert (
        record.status == NotificationStatus.UNDELIVERABLE and record.reason == "slack: Slack is not connected"
    )
    assert live.deliver(task(None)) is False  # done: no retry loop


# -- a channel that refuses it for good hands it to the next one --------------------------------


def test_a_relay_refusing_the_deployments_credentials_hands_it_to_the_next_channel_and_tells_the_operator(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    live.change(notification_email="ops@acme.example", notification_channels=["email", "notion_comment"])
    live.confirm("ops@acme.example")
    live.secrets.put(PlatformSecret.SMTP_PASSWORD, "a-stale-relay-password")
    with caplog.at_level(logging.INFO):
        assert live.deliver(task(live.page)) is True
    assert live.mailer.sent == [] and len(live.comments()) == 1
    record = live.record()
    assert (record.status, record.channel) == (NotificationStatus.SENT, "notion_comment")
    assert record.comment_id and record.reason == "email: the mail relay refused the SMTP credentials (535)"
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "smtp-password" in error.getMessage() and "535" in error.getMessage()
    assert all("a-stale-relay-password" not in r.getMessage() for r in caplog.records)
    assert live.deliver(task(live.page)) is False and len(live.comments()) == 1


def test_a_deleted_page_hands_it_to_slack_and_every_refusal_is_kept(live: Live) -> None:
    live.connect_slack(notification_channels=["notion_comment", "slack"])
    live.notion.fail["add_comment"] = [NotionApiError(404, "object_not_found", "Could not find page")]
    assert live.deliver(task(live.page, "n1")) is True
    assert len(live.messages()) == 1 and live.record("n1").channel == "slack"
    assert (
        live.record("n1").reason.startswith("notion_comment: ")
        and "object_not_found" in live.record("n1").reason
    )

    live.notion.fail["add_comment"] = [NotionApiError(404, "object_not_found", "Could not find page")]
    refusal = PermanentError("Slack refused: the bot is not in the channel; invite it (not_in_channel)")
    live.chat.fail["post_message"] = [refusal]
    assert live.deliver(task(live.page, "n2")) is False
    record = live.record("n2")
    assert (record.status, record.channel) == (NotificationStatus.UNDELIVERABLE, "slack")
    assert record.reason.startswith("notion_comment: ") and record.reason.endswith(
        f"; slack: {refusal.reason}"
    )
    assert len(live.messages()) == 1 and live.comments() == []


def test_a_crash_on_the_next_channel_is_reconciled_there_and_the_refusing_one_is_not_asked_again(
    live: Live,
) -> None:
    live.connect_slack(notification_channels=["slack", "notion_comment"])
    live.chat.fail["post_message"] = [PermanentError("Slack refused: channel_not_found")]
    live.dies_before_finishing(task(live.page))
    moved = live.record()
    assert moved.status == NotificationStatus.SENDING and moved.channel == "notion_comment"
    assert moved.reason == "slack: Slack refused: channel_not_found" and moved.lease_until > live.clock.now
    with pytest.raises(TransientError):  # the move renewed the lease: another delivery waits
        live.deliver(task(live.page))
    live.clock.now += timedelta(seconds=LEASE_S + 1)
    assert live.deliver(task(live.page)) is False  # found on the page: sent before
    assert len(live.comments()) == 1 and live.messages() == []
    assert live.record().status == NotificationStatus.SENT and live.record().comment_id


def test_a_task_naming_its_channel_is_not_handed_to_another(live: Live) -> None:
    live.connect_slack()
    live.chat.fail["post_message"] = [PermanentError("Slack refused: channel_not_found")]
    assert live.deliver(task(live.page, channel="slack")) is False
    assert live.record().status == NotificationStatus.UNDELIVERABLE and live.comments() == []


# -- quiet hours ---------------------------------------------------------------------------------


def tenants_with(quiet: tuple[int, int] | None, timezone: str = "Europe/Paris") -> FakeTenantStore:
    tenants = FakeTenantStore()
    settings = TenantSettings(quiet_hours=quiet, timezone=timezone)
    tenants.save(a_tenant("t1", "w1", NOW, settings=settings))
    return tenants


def test_a_normal_notification_in_quiet_hours_is_enqueued_for_their_end() -> None:
    at = datetime(2026, 1, 5, 22, 30, tzinfo=UTC)  # 23:30 in Paris, inside 22-7
    notifier, queue, note = FakeNotifier(), FakeQueue(), task("page-1")
    outcome = deliver_notification(note, notifier, tenants_with((22, 7)), queue, now=at)
    end = datetime(2026, 1, 6, 6, 0, tzinfo=UTC)  # 07:00 in Paris
    assert outcome.delivered is False and outcome.deferred_until == end
    [(q, body, name, delay)] = queue.tasks
    assert (q, body, name) == (Queue.NOTIFY, note, "notify:t1:n1:after-quiet:20260106T0600")
    assert delay == (end - at).total_seconds() and not notifier.delivered
    deliver_notification(note, notifier, tenants_with((22, 7)), queue, now=at + timedelta(minutes=5))
    assert len(queue.tasks) == 1  # a repeated delivery in the same window: the name is taken

    assert deliver_notification(note, notifier, tenants_with((22, 7)), queue, now=end).delivered is True


def test_approval_requests_are_urgent_and_sent_in_quiet_hours() -> None:
    at = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    notifier, queue = FakeNotifier(), FakeQueue()
    urgent = task("page-1", priority="urgent")
    assert deliver_notification(urgent, notifier, tenants_with((22, 7)), queue, now=at).delivered is True
    assert not queue.tasks


def test_outside_quiet_hours_or_without_them_a_notification_is_sent() -> None:
    at = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    for quiet in ((22, 7), None, (9, 9)):
        notifier = FakeNotifier()
        assert deliver_notification(task("p"), notifier, tenants_with(quiet), FakeQueue(), now=at).delivered


@pytest.mark.parametrize(
    ("quiet", "local_hour", "ends_in_h"),
    [((22, 7), 23, 8), ((22, 7), 3, 4), ((22, 7), 7, None), ((13, 15), 14, 1), ((13, 15), 15, None)],
)
def test_quiet_until(quiet: tuple[int, int], local_hour: int, ends_in_h: int | None) -> None:
    now = datetime(2026, 7, 1, local_hour, 0, tzinfo=UTC)
    until = quiet_until(now, quiet, UTC)
    assert until == (None if ends_in_h is None else now + timedelta(hours=ends_in_h))


def test_a_window_ending_within_a_minute_is_over() -> None:
    assert quiet_until(datetime(2026, 7, 1, 6, 59, 30, tzinfo=UTC), (22, 7), UTC) is None
