"""Retries of a notification that must neither lose it nor send it twice: a subject with a line break
(email, Slack), a retry whose look for the earlier message is refused, and a channel that keeps
failing "temporarily" until the notify queue would drop the task."""

import contextlib
import email
import email.policy
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

import pytest

from shared.notify.adapters.slack import convert
from shared.notify.adapters.smtp import SmtpMailer
from shared.notify.domain import notifications
from shared.notify.domain.notifications import Mail, NotificationStatus, markers, slack_text
from shared.notify.services.channels import SlackMessages
from shared.notify.services.delivery import ChannelDelivery
from shared.notion.adapters.notion import NotionApiError
from shared.platform.errors import PermanentError, TransientError
from shared.workspace.domain.integrations import chat_token_secret
from tests.support.notify.notification_retries import (
    LEASE_S,
    NOW,
    RELAY_PASSWORD,
    SENDER,
    SLACK_CHANNEL,
    LostReplyChat,
    note,
    tenant,
    world,
)
from tests.support.notify.notifications import Clock
from tests.support.notify.notify_fakes import FakeChat, FakeNotificationLog
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.platform.task_retries import attempt_times, seconds

MISSING_SCOPE = {"ok": False, "error": "missing_scope", "needed": "channels:history"}
# What followups._ask builds for a run whose goal (POST /runs "goal") has line breaks.
GOAL = "Draft the launch post\nand ask me\r\n\tbefore publishing"
ONE_LINE_GOAL = "Draft the launch post and ask me before publishing"


@dataclass
class Relay:
    """smtplib.SMTP in memory: the messages it was handed."""

    received: list[EmailMessage] = field(default_factory=list)

    def smtp(self, host: str, port: int, timeout: float) -> "Relay.Session":
        return Relay.Session(self)

    @dataclass
    class Session:
        relay: "Relay"

        def ehlo(self) -> None:
            pass

        def send_message(self, message: EmailMessage, from_addr: str, to_addrs: list[str]) -> None:
            wire = message.as_bytes()  # what goes to the relay: every header must serialize
            parsed = email.message_from_bytes(wire, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.relay.received.append(parsed)

        def quit(self) -> None:
            pass

        def close(self) -> None:
            pass


@pytest.fixture
def relay(monkeypatch: pytest.MonkeyPatch) -> Relay:
    relay = Relay()
    monkeypatch.setattr("shared.notify.adapters.smtp.smtplib.SMTP", relay.smtp)
    return relay


# -- 1. a line break in the subject ----------------------------------------------------------------


def test_a_decision_request_for_a_multi_line_goal_is_emailed_with_a_one_line_subject(relay: Relay) -> None:
    mailer = SmtpMailer("127.0.0.1", 2525, "none", "", SENDER, timeout_s=5)
    w = world(mailer)
    subject = f"Your decision is needed: {GOAL}"[:300]
    task = note(subject, text="Approve: https://api.example/links/x\nReject: https://api.example/links/y")

    assert w.notifier.deliver(task, tenant("email")) is True

    assert (w.record().status, w.record().channel) == (NotificationStatus.SENT, "email")
    [message] = relay.received
    # (the library folds a long header after "Subject:"; unfolded, it is one line)
    assert message["Subject"].strip() == f"Your decision is needed: {ONE_LINE_GOAL}"
    body = message.get_body()
    assert body is not None
    assert body.get_content() == f"{task.text}\n\n-- \nNotion Agent\n"  # the text intact, no internal ref


def test_a_subject_header_is_bounded_and_any_control_character_becomes_a_space(relay: Relay) -> None:
    mailer = SmtpMailer("127.0.0.1", 2525, "none", "", SENDER, timeout_s=5)
    long_subject = "Lauf beendet: " + "Größe ✓ 完成 " * 40 + "\x0b\x85\u2028end"
    for subject in (long_subject, "a\x00b\x1fc\u2029d"):
        mailer.send(RELAY_PASSWORD, Mail("bob@example.com", subject, "text\nkept", "<1@example.com>"))

    long_header, short_header = (m["Subject"].strip() for m in relay.received)
    assert len(long_header) <= 250 and long_header.endswith("…")
    assert long_header.startswith("Lauf beendet: Größe ✓ 完成 Größe")
    assert short_header == "a b c d"
    for message in relay.received:
        body = message.get_body()
        assert body is not None and body.get_content() == "text\nkept\n"


def test_a_slack_message_keeps_its_subject_bold_on_one_line_within_slacks_limit_and_no_key() -> None:
    task = note(f"Your decision is needed: {GOAL}")
    assert slack_text(task).startswith(f"*Your decision is needed: {ONE_LINE_GOAL}*\n\nAll done.")

    huge = note("Run completed!", text="&<" * 5_000)  # 10,000 characters, 45,000 escaped
    text = slack_text(huge)
    assert len(text) <= 40_000
    assert text.endswith("&amp;&lt;…") and "ref" not in text  # the key is in the metadata alone
    assert not re.search(r"&[a-z]*…", text)  # no escape cut in half


# -- 2. a retry whose look for the earlier message fails -------------------------------------------


def test_a_retry_that_slack_will_not_let_look_for_its_message_is_not_sent_again_anywhere() -> None:
    chat = LostReplyChat()
    w = world(chat=chat)
    notifier = w.notifier
    owner = tenant("slack", "email")
    with pytest.raises(TransientError):
        notifier.deliver(note(), owner)  # posted; the answer lost
    # A passing failure of the look stays passing: released for the queue's retry.
    chat.fail["find_message"] = [TransientError("Slack answered 503 (conversations.history)")]
    w.clock.now += timedelta(minutes=1)
    with pytest.raises(TransientError):
        notifier.deliver(note(), owner)
    assert w.record().status == NotificationStatus.SENDING and w.record().lease_until <= w.clock.now

    refusal = convert(MISSING_SCOPE, "conversations.history", SLACK_CHANNEL, chat.token)
    chat.fail["find_message"] = [refusal]
    w.clock.now += timedelta(minutes=1)
    assert notifier.deliver(note(), owner) is False

    assert len(w.messages()) == 1 and w.mailer.sent == []
    record = w.record()
    assert (record.status, record.channel) == (NotificationStatus.UNDELIVERABLE, "slack")
    assert record.reason.startswith("may have been sent on slack; could not check: ")
    assert "channels:history" in record.reason and chat.token not in record.reason
    assert notifier.deliver(note(), owner) is False and len(w.messages()) == 1  # done: no retry loop


def test_two_workspaces_posting_to_one_slack_channel_never_take_each_others_message() -> None:
    """Run ids, so notification ids, are unique only within a tenant (``daily-YYYYMMDD-completed`` in
    every workspace): the marker names the tenant, so a retry finds its own message, not the other's."""
    records, clock = FakeNotificationLog(), Clock()
    chat = FakeChat(clock=clock)
    secrets = FakeSecrets({chat_token_secret(t): chat.token for t in ("t1", "t2")})
    notifier = ChannelDelivery(records, [SlackMessages(chat, secrets)], LEASE_S, clock)
    first, second = (
        note(notification_id="daily-20260105-completed", tenant_id=t, text=f"Workspace {t}")
        for t in ("t1", "t2")
    )
    assert notifier.deliver(first, tenant("slack")) is True
    chat.fail["post_message"] = [TransientError("Slack answered 503 (chat.postMessage)")]
    other = tenant("slack").model_copy(update={"tenant_id": "t2"})
    with pytest.raises(TransientError):
        notifier.deliver(second, other)  # not posted: its retry looks for it first
    clock.now += timedelta(minutes=1)
    assert notifier.deliver(second, other) is True
    assert [text.splitlines()[2] for _, text in chat.messages[SLACK_CHANNEL]] == [
        "Workspace t1",
        "Workspace t2",
    ]
    sent = records.records[("t2", "daily-20260105-completed")]
    assert sent.status == NotificationStatus.SENT and sent.message_ts == chat.messages[SLACK_CHANNEL][1][0]


@pytest.mark.parametrize("form", [0, 1], ids=["visible-with-tenant", "visible-without-tenant"])
def test_a_message_an_earlier_release_marked_in_its_text_is_found_not_sent_again(
    monkeypatch: pytest.MonkeyPatch, form: int
) -> None:
    """Before decision 0124 the key was the message's visible last line (and, earlier still, it did
    not name the tenant); such a message, its answer lost across the release, is found by its text."""
    w = world(chat=LostReplyChat())
    legacy = markers(note())[form]
    assert legacy.startswith("Notion Agent · ref ")
    with monkeypatch.context() as m:
        earlier = notifications.slack_text
        m.setattr(notifications, "slack_text", lambda task: f"{earlier(task)}\n{legacy}")
        m.setattr(notifications, "slack_metadata", lambda task: None)
        with pytest.raises(TransientError):
            w.notifier.deliver(note(), tenant("slack"))  # posted by the earlier release; the answer lost
    w.clock.now += timedelta(minutes=1)
    assert w.notifier.deliver(note(), tenant("slack")) is False  # found: nothing new is sent
    assert len(w.messages()) == 1 and w.messages()[0].endswith(legacy)
    assert w.record().status == NotificationStatus.SENT


def test_a_retry_that_notion_will_not_let_read_the_comments_is_not_sent_on_slack() -> None:
    w = world()
    w.notion.fail["add_comment"] = [TransientError("Notion answered 502")]
    owner = tenant("notion_comment", "slack")
    with pytest.raises(TransientError):
        w.notifier.deliver(note(page_id=w.page), owner)
    w.notion.fail["list_comments"] = [NotionApiError(403, "restricted_resource", "Insufficient permissions")]
    w.clock.now += timedelta(minutes=1)

    assert w.notifier.deliver(note(page_id=w.page), owner) is False

    assert w.messages() == [] and w.notion.comments.get(w.page, []) == []
    record = w.record()
    assert (record.status, record.channel) == (NotificationStatus.UNDELIVERABLE, "notion_comment")
    assert record.reason == (
        "may have been sent on notion_comment; could not check: "
        "Notion answered 403 restricted_resource: Insufficient permissions"
    )


def test_a_retry_rerouted_because_its_channel_is_gone_does_not_look_where_nothing_was_sent() -> None:
    """Slack (recorded) is disconnected meanwhile: the comment is sent, without reading the comments
    (nothing was ever sent there), so a refusal to list them does not stop it."""
    w = world()
    w.chat.fail["post_message"] = [TransientError("Slack answered 503")]
    with pytest.raises(TransientError):
        w.notifier.deliver(note(page_id=w.page), tenant("slack", "notion_comment"))
    w.notion.fail["list_comments"] = [NotionApiError(403, "restricted_resource", "Insufficient permissions")]
    w.clock.now += timedelta(minutes=1)

    assert w.notifier.deliver(note(page_id=w.page), tenant("slack", "notion_comment", slack=False)) is True

    assert len(w.notion.comments[w.page]) == 1 and w.messages() == []
    assert (w.record().status, w.record().channel) == (NotificationStatus.SENT, "notion_comment")


# -- 3. a channel that keeps failing "temporarily" ---------------------------------------------------


class PlainTextRelay:
    """A relay that greets in plain text (what port 587 is) and closes: implicit TLS cannot start."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"220 relay ESMTP ready\r\n")
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    conn.recv(4096)

    def close(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


def test_tls_against_a_plain_text_port_is_permanent_and_names_the_setting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    relay = PlainTextRelay()
    try:
        mailer = SmtpMailer("127.0.0.1", relay.port, "tls", "agent", SENDER, timeout_s=5)
        with pytest.raises(PermanentError) as raised:
            mailer.send(RELAY_PASSWORD, Mail("bob@example.com", "s", "t", "<1@example.com>"))
    finally:
        relay.close()
    reason = raised.value.reason
    assert "WRONG_VERSION_NUMBER" in reason and "NA_SMTP_SECURITY" in reason and "NA_SMTP_PORT" in reason
    assert isinstance(raised.value.__cause__, ssl.SSLError)
    assert RELAY_PASSWORD not in reason and RELAY_PASSWORD not in caplog.text

    # A relay that closes during the handshake is a connection gone, not a setting: still transient.
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = server.accept()
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        mailer = SmtpMailer("127.0.0.1", server.getsockname()[1], "tls", "agent", SENDER, timeout_s=5)
        with pytest.raises(TransientError):
            mailer.send(RELAY_PASSWORD, Mail("bob@example.com", "s", "t", "<1@example.com>"))
    finally:
        server.close()
        thread.join(timeout=5)


def test_a_channel_still_failing_half_a_day_after_the_first_attempt_hands_it_to_the_next() -> None:
    w = world()
    owner = tenant("email", "slack")
    for _ in range(11):  # a relay failing "temporarily" every time, retried for 10 hours
        w.mailer.fail.append(TransientError("the mail relay refused the session (421)"))
        with pytest.raises(TransientError):
            w.notifier.deliver(note(), owner)
        assert w.record().status == NotificationStatus.SENDING and w.messages() == []
        w.clock.now += timedelta(hours=1)
    w.clock.now += timedelta(hours=1, minutes=30)  # 12 h 30 min after the first attempt
    w.mailer.fail.append(TransientError("the mail relay refused the session (421)"))

    assert w.notifier.deliver(note(), owner) is True

    assert len(w.messages()) == 1 and w.mailer.sent == []
    record = w.record()
    assert (record.status, record.channel) == (NotificationStatus.SENT, "slack")
    assert record.reason == (
        "email: the mail relay refused the session (421) (still failing 12 h 30 min after the first attempt)"
    )


def test_a_lookup_still_failing_half_a_day_later_ends_it_undeliverable_not_sent_twice() -> None:
    w = world()
    owner = tenant("slack", "email")
    w.chat.fail["post_message"] = [TransientError("Slack did not answer in time (chat.postMessage)")]
    with pytest.raises(TransientError):
        w.notifier.deliver(note(), owner)
    w.clock.now += timedelta(hours=13)
    w.chat.fail["find_message"] = [TransientError("Slack answered 503 (conversations.history)")]

    assert w.notifier.deliver(note(), owner) is False

    record = w.record()
    assert (record.status, record.channel) == (NotificationStatus.UNDELIVERABLE, "slack")
    assert record.reason == (
        "may have been sent on slack; could not check: Slack answered 503 (conversations.history)"
    )
    assert w.mailer.sent == []


def test_give_up_after_is_safely_inside_the_notify_queues_retry_window() -> None:
    from shared.notify.services.delivery import GIVE_UP_AFTER, NOTIFY_RETRY_WINDOW
    from tools.infra_drift import load_terraform

    queue = load_terraform().locals["queues"]["notify"]
    assert NOTIFY_RETRY_WINDOW.total_seconds() == seconds(queue["max_retry_duration"])
    times = attempt_times(queue)
    # A record created 2 h after its task's first attempt, and a crashed attempt's lease of the
    # longest NA_STEP_LEASE_S (1 h) besides, still leave several attempts past the bound.
    late = GIVE_UP_AFTER.total_seconds() + 2 * 3600 + 3600
    assert len([t for t in times if late <= t < NOTIFY_RETRY_WINDOW.total_seconds()]) >= 3


def test_a_notification_failing_on_every_attempt_the_queue_makes_never_stays_sending() -> None:
    """The notify queue's whole schedule (terraform/tasks.tf), each attempt a passing failure on the
    only channel: the record ends undeliverable before the queue drops the task."""
    from tools.infra_drift import load_terraform

    w = world()
    owner = tenant("email", slack=False)
    for offset in attempt_times(load_terraform().locals["queues"]["notify"]):
        w.clock.now = NOW + timedelta(seconds=offset)
        w.mailer.fail.append(TransientError("the connection to the mail relay smtp.example:587 failed"))
        try:
            w.notifier.deliver(note(), owner)
        except TransientError:
            continue
        break
    w.mailer.fail.clear()
    record = w.record()
    assert record.status == NotificationStatus.UNDELIVERABLE, record
    assert record.reason.startswith("email: the connection to the mail relay smtp.example:587 failed (still")
    assert w.notifier.deliver(note(), owner) is False and w.mailer.sent == []  # done, never resent
