"""One Notion token refresh per tenant at a time (Notion's refresh tokens are single use).

Two instances that get a 401 at once must not both refresh: the second would be refused and, if it
looked before the first stored its new token, take a healthy workspace for revoked.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from shared.notion.services.connect import Connecting
from shared.notion.services.notion_access import REFRESH_LEASE, NotionAccess, ReconnectRequired
from shared.platform.errors import TransientError
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.connecting.notion_grant import NotionGrant
from shared.workspace.domain.tenants import Tenant, TenantStatus, tenant_id_for
from tests.support.notion.connection_services import FakeNotion, connect, deps
from tests.support.notion.notion_fakes import FakeNotionOAuth
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets


@dataclass
class SlowOAuth(FakeNotionOAuth):
    """Runs ``during`` after Notion granted the new tokens and before the caller has stored them."""

    during: list[Callable[[], object]] = field(default_factory=list)

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> NotionGrant:
        grant = super().refresh(client_id, client_secret, refresh_token)
        while self.during:
            self.during.pop(0)()
        return grant


def setup() -> tuple[Connecting, SlowOAuth, FakeQueue, str]:
    oauth = SlowOAuth()
    d = deps()._replace(oauth=oauth)
    connect(d)  # access-1 / refresh-1
    return d, oauth, FakeQueue(), tenant_id_for("ws-1")


def stored_tenant(d: Connecting, tenant_id: str) -> Tenant:
    tenant = d.tenants.get(tenant_id)
    assert tenant is not None
    return tenant


def test_a_second_instance_waits_for_the_refresh_under_way_instead_of_marking_the_tenant() -> None:
    d, oauth, queue, tenant_id = setup()
    first = NotionAccess(d.tenants, d.secrets, oauth, queue)
    second = NotionAccess(d.tenants, d.secrets, oauth, queue)
    seen: list[TransientError] = []

    def second_gets_a_401_meanwhile() -> None:
        with pytest.raises(TransientError) as caught:
            second.run(tenant_id, FakeNotion({"access-2"}))
        seen.append(caught.value)

    oauth.during.append(second_gets_a_401_meanwhile)
    assert first.run(tenant_id, FakeNotion({"access-2"})) == "ok with access-2"

    [waited] = seen
    assert waited.retry_after_s is not None and 1 <= waited.retry_after_s <= 5
    assert oauth.issued == 2  # the connect and one refresh: the second instance did not refresh
    assert stored_tenant(d, tenant_id).status == TenantStatus.ACTIVE
    assert not queue.tasks  # nobody was told to reconnect
    assert stored_tenant(d, tenant_id).token_refresh_until is None  # the lease was given back
    # Its retry finds the token the first stored.
    assert second.run(tenant_id, FakeNotion({"access-2"})) == "ok with access-2"
    assert oauth.issued == 2


def test_a_lease_whose_holder_died_expires_and_the_next_401_refreshes() -> None:
    d, oauth, queue, tenant_id = setup()
    gone = datetime.now(UTC) - timedelta(seconds=1)
    d.tenants.update(
        tenant_id, lambda t: stored_tenant(d, tenant_id).model_copy(update={"token_refresh_until": gone})
    )
    access = NotionAccess(d.tenants, d.secrets, oauth, queue)
    assert access.run(tenant_id, FakeNotion({"access-2"})) == "ok with access-2"
    assert stored_tenant(d, tenant_id).token_refresh_until is None


def test_a_held_lease_is_not_taken_and_the_wait_is_bounded() -> None:
    d, oauth, queue, tenant_id = setup()
    held = datetime.now(UTC) + REFRESH_LEASE
    d.tenants.update(
        tenant_id, lambda t: stored_tenant(d, tenant_id).model_copy(update={"token_refresh_until": held})
    )
    with pytest.raises(TransientError) as caught:
        NotionAccess(d.tenants, d.secrets, oauth, queue).run(tenant_id, FakeNotion({"access-2"}))
    assert caught.value.retry_after_s == 5
    assert oauth.issued == 1 and stored_tenant(d, tenant_id).token_refresh_until == held


def test_a_token_stored_while_the_lease_was_held_is_used_without_waiting() -> None:
    d, oauth, queue, tenant_id = setup()
    access = NotionAccess(d.tenants, d.secrets, oauth, queue)
    session = access.session(tenant_id)  # holds access-1
    held = datetime.now(UTC) + REFRESH_LEASE
    d.tenants.update(
        tenant_id, lambda t: stored_tenant(d, tenant_id).model_copy(update={"token_refresh_until": held})
    )
    d.secrets.put(
        stored_tenant(d, tenant_id).token_secret,
        NotionTokens(access_token="access-9", refresh_token="r9").dump(),
    )
    assert session.run(FakeNotion({"access-9"})) == "ok with access-9"
    assert oauth.issued == 1


def test_a_failed_refresh_gives_the_lease_back() -> None:
    d, oauth, queue, tenant_id = setup()

    def unreachable() -> None:
        raise TransientError("Notion did not answer")

    oauth.during.append(unreachable)
    access = NotionAccess(d.tenants, d.secrets, oauth, queue)
    with pytest.raises(TransientError, match="did not answer"):
        access.run(tenant_id, FakeNotion({"access-3"}))
    assert stored_tenant(d, tenant_id).token_refresh_until is None


def test_a_refused_refresh_still_asks_for_a_reconnect_and_frees_the_lease() -> None:
    d, oauth, queue, tenant_id = setup()
    oauth.refresh_tokens.clear()
    with pytest.raises(ReconnectRequired):
        NotionAccess(d.tenants, d.secrets, oauth, queue).run(tenant_id, FakeNotion(set()))
    tenant = stored_tenant(d, tenant_id)
    assert tenant.status == TenantStatus.NEEDS_RECONNECT and tenant.token_refresh_until is None
    assert len(queue.tasks) == 1


def test_a_workspace_disconnected_before_the_lease_is_not_refreshed() -> None:
    d, oauth, queue, tenant_id = setup()
    access = NotionAccess(d.tenants, d.secrets, oauth, queue)
    session = access.session(tenant_id)
    d.tenants.update(
        tenant_id, lambda t: stored_tenant(d, tenant_id).model_copy(update={"status": TenantStatus.REVOKED})
    )
    with pytest.raises(ReconnectRequired):
        session.run(FakeNotion({"access-2"}))
    assert oauth.issued == 1


def test_a_reconnect_during_a_refresh_is_no_reason_to_reconnect_and_leaves_no_stray_secret() -> None:
    """The refresh's tokens belong to the connection the owner just replaced: they are not stored
    (its secret is gone, and is not made again), the tenant is not marked, nobody is asked to
    reconnect, and the retry uses the new connection."""
    d, oauth, queue, tenant_id = setup()
    replaced = stored_tenant(d, tenant_id).token_secret
    oauth.codes.add("code-2")
    oauth.during.append(lambda: connect(d, "code-2"))  # refresh-1 gives access-2, the reconnect access-3
    with pytest.raises(TransientError, match="connected again"):
        NotionAccess(d.tenants, d.secrets, oauth, queue).run(tenant_id, FakeNotion({"access-3"}))
    tenant = stored_tenant(d, tenant_id)
    assert tenant.status == TenantStatus.ACTIVE and tenant.token_secret != replaced
    assert tenant.token_refresh_until is None
    assert isinstance(d.secrets, FakeSecrets) and replaced not in d.secrets.values
    assert queue.tasks == []
    retry = NotionAccess(d.tenants, d.secrets, oauth, queue)
    assert retry.run(tenant_id, FakeNotion({"access-3"})) == "ok with access-3"


def test_a_secret_gone_with_its_connection_is_no_reason_to_reconnect() -> None:
    """An instance that read the tenant before its owner connected again finds the old secret gone."""
    d, oauth, queue, tenant_id = setup()
    stale = stored_tenant(d, tenant_id)
    oauth.codes.add("code-2")
    connect(d, "code-2")
    access = NotionAccess(d.tenants, d.secrets, oauth, queue)
    with pytest.raises(TransientError, match="connected again"):
        access.newer_tokens(stale, NotionTokens(access_token="access-1"))
    assert stored_tenant(d, tenant_id).status == TenantStatus.ACTIVE and queue.tasks == []
    gone = stale.model_copy(update={"status": TenantStatus.REVOKED})
    d.tenants.update(tenant_id, lambda t: gone)  # disconnected: no one is asked to reconnect either
    assert isinstance(access.needs_reconnect(stale, "its token secret is missing"), ReconnectRequired)
    assert queue.tasks == [] and stored_tenant(d, tenant_id).status == TenantStatus.REVOKED
