"""Shared by several test modules: helpers first written for ``tests/unit/test_notifications_api.py``."""

from collections.abc import Callable
from typing import Any

from shared.services.channels import NotionComments, TenantNotion
from shared.services.delivery import ChannelDelivery
from tests.api_fakes import FakeContainer
from tests.engine_fakes import FakeNotion


class Access(TenantNotion):
    """NotionAccess's ``run`` with a fixed token."""

    def run[T](self, tenant_id: str, operation: Callable[[str], T]) -> T:
        return operation("token")


class LiveContainer(FakeContainer):
    """Fakes, with the live delivery over a Notion of its own (``comments_on``) instead of the outbox."""

    def __init__(self, **ports: Any) -> None:
        super().__init__(**ports)
        self.comments_on = FakeNotion()

    @property
    def live(self) -> ChannelDelivery:
        return ChannelDelivery(self.notifications, [NotionComments(Access(), self.comments_on)], 120.0)
