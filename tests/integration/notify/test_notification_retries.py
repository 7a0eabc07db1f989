"""Notification records in the Firestore emulator tell a retry when the first attempt started (the
record's ``created_at``), so a channel that keeps failing "temporarily" is given up in time, and a
record stored without it still works."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.notify.adapters.firestore_notifications import FirestoreNotificationLog
from shared.notify.domain.notifications import DeliveryClaim, Move, NotificationStatus, new_record
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.ports import NotificationChannel
from shared.notify.services.channels import Emails, SlackMessages, sender_domain
from shared.notify.services.delivery import ChannelDelivery
from shared.notify.services.links import LinkMinter
from shared.platform.config import PlatformSecret
from shared.platform.errors import TransientError
from shared.workspace.domain.integrations import Integration, chat_token_secret
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.support.notify.notify_fakes import FakeChat, FakeMailer
from tests.support.platform.platform_fakes import FakeSecrets

pytestmark = pytest.mark.integration
TENANT = "t-retries"


def note(notification_id: str) -> NotifyTask:
    return NotifyTask(
        notification_id=notification_id, tenant_id=TENANT, subject="Run completed", text="Done."
    )


def owner(now: datetime) -> Tenant:
    settings = TenantSettings(notification_channels=["email", "slack"], slack_channel_id="C0SANDBOX01")
    return Tenant(
        tenant_id=TENANT,
        workspace_id="w-retries",
        token_secret="notion-token-t-retries",
        owner_email="owner@example.com",
        settings=settings,
        integrations=(Integration.SLACK,),
        created_at=now,
        updated_at=now,
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_retaken_record_tells_when_its_first_attempt_started(firestore_db: Any) -> None:
    log = FirestoreNotificationLog(firestore_db)
    first = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    stale = new_record(note("n-started"), first, 60.0, NotificationStatus.SENDING, channel="email")
    assert log.claim(TENANT, stale, first).claim is DeliveryClaim.NEW
    later = first + timedelta(hours=2)
    retake = new_record(note("n-started"), later, 60.0, NotificationStatus.SENDING, channel="slack")

    claimed = log.claim(TENANT, retake, later)

    assert (claimed.claim, claimed.channel, claimed.started_at) == (DeliveryClaim.RETAKEN, "email", first)


def _email_then_slack(mailer: FakeMailer, chat: FakeChat, secrets: FakeSecrets) -> list[NotificationChannel]:
    """Email first (links minted for the api at api.example), then Slack."""
    links = LinkMinter(secrets, "https://api.example", 3 * 24 * 3600.0)
    return [Emails(mailer, secrets, sender_domain("a@example.com"), links), SlackMessages(chat, secrets)]


def test_a_relay_failing_for_half_a_day_hands_it_to_slack_with_firestore_records(firestore_db: Any) -> None:
    log, chat, mailer = FirestoreNotificationLog(firestore_db), FakeChat(), FakeMailer()
    secrets = FakeSecrets(
        {PlatformSecret.SMTP_PASSWORD: mailer.password, chat_token_secret(TENANT): chat.token}
    )
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    channels = _email_then_slack(mailer, chat, secrets)
    notifier = ChannelDelivery(log, channels, 60.0, clock)
    tenant = owner(clock.now)
    for hours in (0, 1, 6):
        clock.now += timedelta(hours=hours)
        mailer.fail.append(TransientError("the mail relay refused the session (421)"))
        with pytest.raises(TransientError):
            notifier.deliver(note("n-give-up"), tenant)
    clock.now += timedelta(hours=6)  # 13 h after the first attempt
    mailer.fail.append(TransientError("the mail relay refused the session (421)"))

    assert notifier.deliver(note("n-give-up"), tenant) is True

    stored = firestore_db.document(f"tenants/{TENANT}/notifications/n-give-up").get().to_dict()
    assert (stored["status"], stored["channel"]) == ("sent", "slack")
    assert stored["reason"].startswith("email: the mail relay refused the session (421) (still failing 13 h")
    assert len(chat.messages["C0SANDBOX01"]) == 1 and mailer.sent == []


def test_a_record_stored_without_created_at_is_retaken_with_no_start_and_delivered(firestore_db: Any) -> None:
    log, chat, mailer = FirestoreNotificationLog(firestore_db), FakeChat(), FakeMailer()
    secrets = FakeSecrets(
        {PlatformSecret.SMTP_PASSWORD: mailer.password, chat_token_secret(TENANT): chat.token}
    )
    now = datetime.now(UTC)
    legacy = new_record(note("n-legacy"), now - timedelta(hours=1), 60.0, NotificationStatus.SENDING)
    doc = legacy.model_dump(mode="json", exclude={"created_at"}) | {
        "channel": "email",
        "lease_until": now - timedelta(minutes=50),
        "updated_at": now - timedelta(hours=1),
    }
    firestore_db.document(f"tenants/{TENANT}/notifications/n-legacy").set(doc)
    retake = new_record(note("n-legacy"), now, 60.0, NotificationStatus.SENDING, channel="slack")
    assert log.claim(TENANT, retake, now).started_at is None  # unknown: never taken as old
    firestore_db.document(f"tenants/{TENANT}/notifications/n-legacy").update({"lease_until": now})
    channels = _email_then_slack(mailer, chat, secrets)
    notifier = ChannelDelivery(log, channels, 60.0, Clock(now))
    mailer.fail.append(TransientError("the mail relay refused the session (421)"))

    with pytest.raises(TransientError):  # not known to be old: a passing failure stays passing
        notifier.deliver(note("n-legacy"), owner(now))
    assert notifier.deliver(note("n-legacy"), owner(now)) is True

    stored = firestore_db.document(f"tenants/{TENANT}/notifications/n-legacy").get().to_dict()
    assert (stored["status"], stored["channel"], stored["attempts"]) == ("sent", "email", 4)
    assert len(mailer.sent) == 1


def test_records_are_listed_newest_first_and_from_a_time_on(firestore_db: Any) -> None:
    log, now = FirestoreNotificationLog(firestore_db), datetime.now(UTC)
    for i, at in enumerate((now - timedelta(hours=2), now - timedelta(hours=1), now)):
        assert log.claim(
            TENANT, new_record(note(f"since-{i}"), at, 60, NotificationStatus.SENDING), at
        ).claim == (DeliveryClaim.NEW)

    def listed(since: datetime | None = None, after: str | None = None) -> list[str]:
        found = log.recent(TENANT, 10, since, after)
        assert found is not None
        return [r.notification_id for r in found if r.notification_id.startswith("since-")]

    assert listed() == ["since-2", "since-1", "since-0"]
    assert listed(now - timedelta(minutes=90)) == ["since-2", "since-1"]
    assert listed(after="since-2") == ["since-1", "since-0"]  # the page after a record (a cursor)
    assert log.recent(TENANT, 10, after="never-given") is None


def test_a_retaken_record_tells_where_in_its_channel_it_went_as_last_moved(firestore_db: Any) -> None:
    log = FirestoreNotificationLog(firestore_db)
    first = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    posted = new_record(note("n-where"), first, 60.0, NotificationStatus.SENDING, channel="slack", where="C1")
    assert log.claim(TENANT, posted, first).claim is DeliveryClaim.NEW
    later = first + timedelta(minutes=5)
    retake = new_record(note("n-where"), later, 60.0, NotificationStatus.SENDING, channel="slack", where="C2")

    claimed = log.claim(TENANT, retake, later)
    assert (claimed.claim, claimed.channel, claimed.where) == (DeliveryClaim.RETAKEN, "slack", "C1")

    log.move(TENANT, "n-where", Move("slack", "", later, where="C2"), later)
    again = log.claim(TENANT, retake, later + timedelta(minutes=1))
    assert (again.claim, again.where) == (DeliveryClaim.RETAKEN, "C2")
