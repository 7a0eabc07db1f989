"""Shared by several test modules: helpers first written for ``tests/unit/test_notifications_api.py``."""

from functools import partial
from typing import Any

from shared.services.channels import NotionComments
from shared.services.delivery import ChannelDelivery
from shared.services.notion_access import NotionForTenant
from tests.api_fakes import FakeContainer
from tests.engine_fakes import FakeNotion


class Access:
    """NotionAccess's ``for_tenant`` with a fixed token."""

    def for_tenant(self, notion: Any, tenant: Any) -> NotionForTenant:
        return NotionForTenant(notion, lambda operation: operation("token"))


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
