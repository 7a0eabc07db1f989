"""Shared by several test modules: helpers first written for ``tests/unit/notify/test_notifications_api.py``."""

from functools import partial
from typing import Any

from shared.notify.services.channels import NotionComments
from shared.notify.services.delivery import ChannelDelivery
from tests.support.notify.notifications import Access
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.fake_container import FakeContainer


class LiveContainer(FakeContainer):
    """Fakes, with the live delivery over a Notion of its own (``comments_on``) instead of the outbox."""

    def __init__(self, **ports: Any) -> None:
        super().__init__(**ports)
        self.comments_on = FakeNotion()

    @property
    def live(self) -> ChannelDelivery:
        return ChannelDelivery(
            self.notifications, [NotionComments(partial(Access().for_tenant, self.comments_on))], 120.0
        )
