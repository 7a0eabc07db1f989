"""A connect whose tenant update fails with an unknown outcome (a TransientError: the commit may or
may not have landed) reads the tenant back: landed, it is connected; not landed, the new token secret
is deleted and its token revoked, rather than left as a live token that nothing names."""

from collections.abc import Callable
from typing import Literal

import pytest

from shared.notion.services.connect import Connecting
from shared.platform.errors import TransientError
from shared.workspace.domain.tenants import Tenant, TenantStatus, tenant_id_for
from tests.support.notion.connection_services import connect as connect_with
from tests.support.notion.connection_services import deps
from tests.support.notion.notion_fakes import FakeNotionOAuth
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.workspace_fakes import FakeTenantStore

TENANT = tenant_id_for("ws-1")


class FailingUpdate(FakeTenantStore):
    """Its next update fails with a TransientError, after the change was stored or before."""

    def __init__(self, when: Literal["after", "before"], reads_fail: bool = False) -> None:
        super().__init__()
        self.when, self.reads_fail, self.armed, self.failed = when, reads_fail, False, False

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        if self.reads_fail and self.failed:
            raise TransientError("Firestore is unavailable")
        return super().get(tenant_id, fresh)

    def update(self, tenant_id: str, change: Callable[[Tenant | None], Tenant]) -> Tenant:
        if not self.armed:
            return super().update(tenant_id, change)
        if self.when == "after":
            super().update(tenant_id, change)
        self.armed, self.failed = False, True
        raise TransientError("the commit's reply was lost")


def with_store(store: FakeTenantStore) -> Connecting:
    return deps()._replace(tenants=store)


def connect(d: Connecting, code: str = "good-code") -> dict[str, str]:
    return connect_with(d, code)[1]


def token_secrets(d: Connecting) -> list[str]:
    assert isinstance(d.secrets, FakeSecrets)
    return [name for name in d.secrets.values if name.startswith("notion-token-")]


def oauth(d: Connecting) -> FakeNotionOAuth:
    assert isinstance(d.oauth, FakeNotionOAuth)
    return d.oauth


def test_an_update_that_landed_is_a_connect() -> None:
    store = FailingUpdate("after")
    d = with_store(store)
    store.armed = True
    outcome = connect(d)
    tenant = store.get(TENANT)
    assert outcome["connected"] == "true" and outcome["tenant_id"] == TENANT and outcome["session"]
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE
    assert token_secrets(d) == [tenant.token_secret]  # the tenant's secret is kept
    assert oauth(d).revoked == []


def test_an_update_that_did_not_land_leaves_no_secret_and_no_live_token() -> None:
    store = FailingUpdate("before")
    d = with_store(store)
    store.armed = True
    outcome = connect(d)
    assert outcome == {"connected": "false", "error": "temporarily_unavailable"}
    assert store.get(TENANT) is None
    assert token_secrets(d) == []
    assert oauth(d).revoked == ["access-1"]


def test_a_reconnect_that_did_not_land_keeps_the_working_connection() -> None:
    store = FailingUpdate("before")
    d = with_store(store)
    assert connect(d)["connected"] == "true"
    working = store.get(TENANT)
    assert working is not None
    store.armed = True
    oauth(d).codes.add("second-code")
    assert connect(d, "second-code") == {"connected": "false", "error": "temporarily_unavailable"}
    assert store.get(TENANT) == working
    assert token_secrets(d) == [working.token_secret]  # only the new, unnamed one went
    assert oauth(d).revoked == ["access-2"]


def test_when_the_tenant_cannot_be_read_back_either_the_request_fails() -> None:
    store = FailingUpdate("before", reads_fail=True)
    d = with_store(store)
    store.armed = True
    with pytest.raises(TransientError):
        connect(d)
    assert len(token_secrets(d)) == 1  # left over, and logged for an operator (nothing can tell)
