"""The composition root's live notifier carries notify's ``mail_thread`` channel: a notification naming
a mail thread goes there alone, never to the owner's channels; one whose mailbox is not connected (or
another workspace's) ends undeliverable with nothing sent anywhere."""

from datetime import UTC, datetime

from shared.mail.domain.mailboxes import Mailbox
from shared.notify.domain.mail_threads import MailThread
from shared.notify.domain.notifications import NotificationStatus
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.delivery import ChannelDelivery
from shared.platform.config import Settings
from shared.workspace.domain.tenants import address_hash
from tests.support.platform.fake_container import FakeContainer
from tests.support.workspace.firestore_tenants import tenant

AGENT = "scribe@acme.example"


def _live() -> tuple[FakeContainer, ChannelDelivery]:
    fakes = FakeContainer(Settings(notifier_backend="live"))
    del fakes.instance.built["notifier"]  # the one the composition root builds
    notifier = fakes.notify.notifier
    assert isinstance(notifier, ChannelDelivery)
    return fakes, notifier


def _note(tenant_id: str, name: str) -> NotifyTask:
    return NotifyTask(
        notification_id=name,
        tenant_id=tenant_id,
        subject="Run completed",
        text="done",
        channel="mail_thread",
        data={"mail_thread": MailThread(address_hash(AGENT), "18c0000000000001").ref},
    )


def test_a_mail_threads_notification_goes_on_its_channel_alone_or_nowhere() -> None:
    fakes, notifier = _live()
    one = tenant("ws-mail", notification_channels=["email", "notion_comment", "slack"])
    fakes.tenants.save(one)
    assert "mail_thread" not in one.settings.notification_channels  # no owner chooses it
    theirs = Mailbox(
        address=AGENT, tenant_id="t-other", token_secret="mail-x", connected_at=datetime.now(UTC)
    )
    for name, mailbox in (("r1-completed-mail", None), ("r2-completed-mail", theirs)):
        if mailbox is not None:
            fakes.mail.mailboxes.put(mailbox)
        assert notifier.deliver(_note(one.tenant_id, name), one) is False
        record = fakes.notifications.records[(one.tenant_id, name)]
        assert record.status == NotificationStatus.UNDELIVERABLE and record.channel == "mail_thread"
        assert "mailbox is no longer connected" in record.reason  # and no other channel was tried
