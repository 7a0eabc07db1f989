"""Sessions end with the connection they were issued for: a disconnect ends them at once, a session
from before session epochs is refused, and a disconnect that lands while a reconnect completes wins."""

from datetime import UTC, datetime

import pytest

from shared.config import PlatformSecret
from shared.domain import tokens
from shared.domain.connection import token_secret_name
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import TransientError, Unauthenticated
from shared.services.sessions import start_session, tenant_of
from tests.fakes import FakeSecrets, FakeTenantStore
from tests.unit.test_connection_ownership import ADA, TENANT, connect_as, fakes, settings_status
from tests.unit.test_entry_points import FakeContainer, client

__all__ = ["fakes"]  # the fixture, shared with the ownership tests
KEY = "k" * 32


def stored(epoch: str, status: TenantStatus = TenantStatus.ACTIVE) -> FakeTenantStore:
    store, now = FakeTenantStore(), datetime.now(UTC)
    store.save(
        Tenant(
            tenant_id="t1",
            workspace_id="ws-1",
            status=status,
            session_epoch=epoch,
            token_secret=token_secret_name("t1"),
            created_at=now,
            updated_at=now,
        )
    )
    return store


def test_a_session_acts_only_for_the_epoch_it_names() -> None:
    secrets = FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: KEY})
    session = f"Bearer {start_session('t1', secrets, epoch='e1')}"
    assert tenant_of(session, secrets, stored("e1")) == "t1"
    for store in (stored("e2"), stored("e2", TenantStatus.REVOKED)):
        with pytest.raises(Unauthenticated, match="this session has ended"):
            tenant_of(session, secrets, store)


def test_a_session_from_before_epochs_is_refused(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    assert settings_status(ada["session"]) == 200
    old = tokens.sign({"purpose": "session", "tenant_id": TENANT}, KEY, 3600)  # as issued until now
    answer = client("api").get("/settings", headers={"Authorization": f"Bearer {old}"})
    assert answer.status_code == 401 and answer.json is not None and "sign in again" in answer.json["reason"]


def test_every_session_of_a_disconnected_workspace_ends_at_once(fakes: FakeContainer) -> None:
    one, two = connect_as(fakes, ADA, "code-1"), connect_as(fakes, ADA, "code-2")
    assert settings_status(one["session"]) == 200 and settings_status(two["session"]) == 200
    auth = {"Authorization": f"Bearer {two['session']}"}
    assert client("api").delete("/connection", headers=auth).status_code == 200
    for session in (one["session"], two["session"]):
        answer = client("api").get("/runs", headers={"Authorization": f"Bearer {session}"})
        assert answer.status_code == 401 and answer.json is not None
        assert "this session has ended" in answer.json["reason"]
    assert client("api").delete("/connection", headers=auth).status_code == 401


def test_a_disconnect_landing_while_a_reconnect_completes_leaves_the_workspace_disconnected(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = connect_as(fakes, ADA, "code-1")
    auth = {"Authorization": f"Bearer {ada['session']}"}
    put = fakes.secrets.put
    disconnects: list[int] = []

    def put_then_disconnect(name: str, value: str) -> None:
        put(name, value)
        if name == token_secret_name(TENANT) and not disconnects:  # after the new token is stored
            disconnects.append(client("api").delete("/connection", headers=auth).status_code)

    monkeypatch.setattr(fakes.secrets, "put", put_then_disconnect)
    again = connect_as(fakes, ADA, "code-2")
    assert disconnects == [200]
    assert again["connected"] == "false" and again["error"] == "connection_changed"
    assert "disconnected" in again["reason"] and "session" not in again
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.REVOKED
    assert token_secret_name(TENANT) not in fakes.secrets.values
    assert "access-2" in fakes.notion_oauth.revoked  # the new token is dead, not left behind
    assert settings_status(ada["session"]) == 401


def test_a_disconnect_that_fails_half_way_can_be_retried_with_the_same_session(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = connect_as(fakes, ADA, "code-1")
    auth = {"Authorization": f"Bearer {ada['session']}"}
    revoke = fakes.notion_oauth.revoke

    def unreachable(client_id: str, client_secret: str, token: str) -> None:
        raise TransientError("Notion did not answer")

    monkeypatch.setattr(fakes.notion_oauth, "revoke", unreachable)
    assert client("api").delete("/connection", headers=auth).status_code == 503
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.REVOKED  # nothing runs for it already
    assert token_secret_name(TENANT) in fakes.secrets.values  # the token is not forgotten unrevoked
    monkeypatch.setattr(fakes.notion_oauth, "revoke", revoke)
    assert client("api").delete("/connection", headers=auth).status_code == 200  # the retry, same session
    assert token_secret_name(TENANT) not in fakes.secrets.values and fakes.notion_oauth.revoked
    assert settings_status(ada["session"]) == 401  # and now the sessions have ended
