"""Instances that get a 401 at once refresh the Notion token once, leased on the real Firestore emulator.

Notion's refresh tokens are single use: without the lease, all but one of them are refused and, looking
before the winner stored its token, mark a healthy workspace ``needs_reconnect``.
"""

import time
from dataclasses import dataclass
from typing import Any

import pytest

from shared.notion.services.notion_access import NotionAccess
from shared.platform.config import PlatformSecret
from shared.platform.errors import TransientError
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.connecting.notion_grant import NotionGrant
from shared.workspace.domain.tenants import TenantStatus
from tests.support.notion.connection_services import FakeNotion
from tests.support.notion.notion_fakes import FakeNotionOAuth
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.workspace.firestore_tenants import at_once, tenant

pytestmark = pytest.mark.integration


@dataclass
class SlowNotionOAuth(FakeNotionOAuth):
    """Notion's answer to a refresh reaches its caller 0.3 s after the old refresh token was spent."""

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> NotionGrant:
        grant = super().refresh(client_id, client_secret, refresh_token)
        time.sleep(0.3)
        return grant


def test_four_instances_with_a_401_at_once_refresh_once_and_keep_the_workspace(firestore_db: Any) -> None:
    tenants = FirestoreTenantStore(firestore_db)
    acme = tenant("ws-acme", owner_email="ada@example.com")
    tenants.save(acme)
    secrets = FakeSecrets(
        {
            PlatformSecret.NOTION_CLIENT_ID: "client-id",
            PlatformSecret.NOTION_CLIENT_SECRET: "client-secret",
            acme.token_secret: NotionTokens(access_token="access-0", refresh_token="refresh-0").dump(),
        }
    )
    oauth = SlowNotionOAuth(refresh_tokens={"refresh-0"})
    queue = FakeQueue()
    sessions = iter([NotionAccess(tenants, secrets, oauth, queue).session(acme.tenant_id) for _ in range(4)])

    def one_instance() -> str:
        session = next(sessions)  # each holds access-0, which Notion now refuses
        try:
            return session.run(FakeNotion({"access-1"}))
        except TransientError as exc:
            return f"retry in {exc.retry_after_s} s"

    outcomes = at_once(one_instance, 4)

    assert oauth.issued == 1, "one refresh at Notion, not one per instance"
    assert "ok with access-1" in outcomes
    assert set(outcomes) <= {"ok with access-1", "retry in 1.0 s", "retry in 5.0 s"}, outcomes
    stored = tenants.get(acme.tenant_id)
    assert stored is not None and stored.status == TenantStatus.ACTIVE
    assert stored.token_refresh_until is None  # given back, read back from Firestore equal to what was set
    assert not queue.tasks  # nobody was asked to reconnect
    retried = NotionAccess(tenants, secrets, oauth, queue).run(acme.tenant_id, FakeNotion({"access-1"}))
    assert retried == "ok with access-1"
