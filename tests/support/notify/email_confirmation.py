"""Shared by several test modules: helpers first written for ``tests/unit/notify/test_email_confirmation.py``."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from shared.notify.domain.notify_task import NotifyTask
from shared.notify.ports import NotificationChannel
from shared.notify.services.channels import Emails, NotionComments
from shared.notify.services.delivery import ChannelDelivery
from shared.notify.services.links import LinkMinter
from shared.platform.config import PlatformSecret
from shared.platform.topology import Queue
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.link_tokens import mailed
from tests.support.notify.notifications import Access
from tests.support.notify.notifications_api import LiveContainer
from tests.support.notify.notify_fakes import FakeMailer
from tests.support.platform.fake_container import client, json_body

OWNER = "ada@acme.example"


OPS = "ops@acme.example"


WORKSPACE = "Acme Corporation's very long workspace name that goes on and on"


@dataclass
class MailContainer(LiveContainer):
    """api and notify with the live notifier: Notion comments, and email through a fake relay."""

    def __init__(self, **ports: Any) -> None:
        self._mailer = FakeMailer()
        super().__init__(mailer=self._mailer, **ports)
        self.secrets.put(PlatformSecret.SMTP_PASSWORD, self.mailer.password)
        channels: list[NotificationChannel] = [
            NotionComments(partial(Access().for_tenant, self.comments_on)),
            Emails(
                self.mailer,
                self.secrets,
                "example.com",
                LinkMinter(self.secrets, self.settings.api_url, 3600.0),
            ),
        ]
        self.notifier = ChannelDelivery(self.notifications, channels, 120.0)

    @property
    def mailer(self) -> FakeMailer:
        return self._mailer

    def tenant(self) -> Tenant:
        tenant = self.tenants.get("t1")
        assert tenant is not None
        return tenant

    def notify_tasks(self) -> list[tuple[NotifyTask, str]]:
        return [
            (b, name) for q, b, name, _ in self.queue.tasks if q is Queue.NOTIFY and isinstance(b, NotifyTask)
        ]

    def deliver(self, task: NotifyTask) -> dict[str, Any]:
        answer = client("notify", self).post("/", json=task.model_dump(mode="json"))
        assert answer.status_code == 200, answer.json
        return json_body(answer)


def connected(owner_email: str = OWNER, **settings: Any) -> Tenant:
    now = datetime.now(UTC)
    return Tenant(
        tenant_id="t1",
        workspace_id="w1",
        workspace_name=WORKSPACE,
        owner_email=owner_email,
        token_secret="notion-token-t1",
        settings=TenantSettings(**settings),
        created_at=now,
        updated_at=now,
    )


def choose(c: MailContainer, auth: dict[str, str], address: str | None, **more: Any) -> Any:
    return client("api", c).patch("/settings", headers=auth, json={"notification_email": address} | more)


def link_of(fakes: MailContainer, address: str = OPS) -> str:
    """The link notify mails to ``address`` (minted as it sends)."""
    [task] = [t for t, _ in fakes.notify_tasks() if t.data.get("to") == address]
    return mailed(fakes, task).confirm
