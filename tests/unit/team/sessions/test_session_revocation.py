"""Sessions end with the connection they were issued for: a disconnect ends them at once, a session
from before session epochs is refused, and a disconnect that lands while a reconnect completes wins."""

from datetime import UTC, datetime

import pytest

from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.errors import TransientError, Unauthenticated
from shared.team.services.sessions import principal_of, start_session
from shared.workspace.domain.tenants import Tenant, TenantStatus
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.connection_ownership import (
    ADA,
    BOB,
    TENANT,
    connect_as,
    fakes,
    settings_status,
    stored_access,
    token_secrets,
)
from tests.support.workspace.workspace_fakes import FakeTenantStore

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
            token_secret="notion-token-t1",
            created_at=now,
            updated_at=now,
        )
    )
    return store


def _ada_signed_in(fakes: FakeContainer) -> tuple[dict[str, str], dict[str, str]]:
    """Ada connected (her first code) and the headers her session signs requests with."""
    ada = connect_as(fakes, ADA, "code-1")
    return ada, {"Authorization": f"Bearer {ada['session']}"}


def test_a_session_acts_only_for_the_epoch_it_names() -> None:
    secrets = FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: KEY})
    session = f"Bearer {start_session('t1', secrets, epoch='e1')}"
    assert principal_of(session, secrets, stored("e1")).tenant_id == "t1"
    for store in (stored("e2"), stored("e2", TenantStatus.REVOKED)):
        with pytest.raises(Unauthenticated, match="this session has ended"):
            principal_of(session, secrets, store)


def test_a_session_from_before_epochs_is_refused(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    assert settings_status(fakes, ada["session"]) == 200
    old = signed_tokens.sign({"purpose": "session", "tenant_id": TENANT}, KEY, 3600)  # as issued until now
    answer = client("api", fakes).get("/settings", headers={"Authorization": f"Bearer {old}"})
    assert answer.status_code == 401 and answer.json is not None and "sign in again" in answer.json["reason"]


def test_every_session_of_a_disconnected_workspace_ends_at_once(fakes: FakeContainer) -> None:
    one, two = connect_as(fakes, ADA, "code-1"), connect_as(fakes, ADA, "code-2")
    assert settings_status(fakes, one["session"]) == 200 and settings_status(fakes, two["session"]) == 200
    auth = {"Authorization": f"Bearer {two['session']}"}
    assert client("api", fakes).delete("/connection", headers=auth).status_code == 200
    for session in (one["session"], two["session"]):
        answer = client("api", fakes).get("/runs", headers={"Authorization": f"Bearer {session}"})
        assert answer.status_code == 401 and answer.json is not None
        assert "this session has ended" in answer.json["reason"]
    assert client("api", fakes).delete("/connection", headers=auth).status_code == 401


def test_a_disconnect_landing_while_a_reconnect_completes_leaves_the_workspace_disconnected(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, auth = _ada_signed_in(fakes)
    put = fakes.secrets.put
    disconnects: list[int] = []

    def put_then_disconnect(name: str, value: str, *, create: bool = True) -> None:
        put(name, value, create=create)
        if name.startswith(f"notion-token-{TENANT}") and not disconnects:  # after the new token is stored
            disconnects.append(client("api", fakes).delete("/connection", headers=auth).status_code)

    monkeypatch.setattr(fakes.secrets, "put", put_then_disconnect)
    again = connect_as(fakes, ADA, "code-2")
    assert disconnects == [200]
    assert again["connected"] == "false" and again["error"] == "connection_changed"
    assert "disconnected" in again["reason"] and "session" not in again
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.REVOKED
    assert isinstance(fakes.secrets, FakeSecrets) and token_secrets(fakes.secrets) == []
    assert fakes.notion_oauth.revoked == ["access-1", "access-2"]  # the new token too: none left behind
    assert settings_status(fakes, ada["session"]) == 401


def test_a_disconnect_that_fails_half_way_can_be_retried_with_the_same_session(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, auth = _ada_signed_in(fakes)
    revoke = fakes.notion_oauth.revoke

    def unreachable(client_id: str, client_secret: str, token: str) -> None:
        raise TransientError("Notion did not answer")

    monkeypatch.setattr(fakes.notion_oauth, "revoke", unreachable)
    assert client("api", fakes).delete("/connection", headers=auth).status_code == 503
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.REVOKED  # nothing runs for it already
    assert isinstance(fakes.secrets, FakeSecrets)
    assert token_secrets(fakes.secrets) == [tenant.token_secret]  # the token is not forgotten unrevoked
    monkeypatch.setattr(fakes.notion_oauth, "revoke", revoke)
    assert (
        client("api", fakes).delete("/connection", headers=auth).status_code == 200
    )  # the retry, same session
    assert token_secrets(fakes.secrets) == [] and fakes.notion_oauth.revoked == ["access-1"]
    assert settings_status(fakes, ada["session"]) == 401  # and now the sessions have ended


def test_a_connect_completing_while_a_disconnect_runs_keeps_its_own_token(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disconnect revokes and deletes the token of the connection it ended, never the one Bob's
    connect stored in between (found by review: both used one secret name, so the disconnect read
    Bob's new token, revoked it at Notion and deleted it, and left Bob's workspace active without one)."""
    ada = connect_as(fakes, ADA, "code-1")
    ended = fakes.tenants.get(TENANT)
    assert ended is not None and isinstance(fakes.secrets, FakeSecrets)
    get = fakes.secrets.get
    bob: list[dict[str, str]] = []

    def bob_connects_first(name: str, fresh: bool = False) -> str:
        if name == ended.token_secret and not bob:  # the disconnect: tenant revoked, token not read yet
            bob.append(connect_as(fakes, BOB, "code-bob"))
        return get(name, fresh)

    monkeypatch.setattr(fakes.secrets, "get", bob_connects_first)
    auth = {"Authorization": f"Bearer {ada['session']}"}
    assert client("api", fakes).delete("/connection", headers=auth).status_code == 200
    assert bob and bob[0]["connected"] == "true"
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE and tenant.owner_user_id == BOB[0]
    assert stored_access(fakes) == "access-2" and "access-2" not in fakes.notion_oauth.revoked
    assert token_secrets(fakes.secrets) == [tenant.token_secret]  # Ada's went with her connection
    assert settings_status(fakes, bob[0]["session"]) == 200 and settings_status(fakes, ada["session"]) == 401


def test_of_two_connects_racing_the_refused_one_deletes_only_its_own_token(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a disconnect, Ada and Bob connect at once and Bob's lands first: Ada's is refused, and
    what she stored and revokes is hers alone (found by review: her token overwrote Bob's under the
    one secret name, and her refusal revoked it, leaving Bob's workspace with a dead token)."""
    _, auth = _ada_signed_in(fakes)
    assert client("api", fakes).delete("/connection", headers=auth).status_code == 200
    assert isinstance(fakes.secrets, FakeSecrets)
    put = fakes.secrets.put
    bob: list[dict[str, str]] = []
    started: list[bool] = []

    def bob_connects_first(name: str, value: str, *, create: bool = True) -> None:
        if name.startswith(f"notion-token-{TENANT}") and not started:  # Ada's token, about to be stored
            started.append(True)
            bob.append(connect_as(fakes, BOB, "code-bob"))  # Bob's connect, start to end, comes first
        put(name, value, create=create)

    monkeypatch.setattr(fakes.secrets, "put", bob_connects_first)
    again = connect_as(fakes, ADA, "code-2")  # Notion granted Ada access-2, then Bob access-3
    assert bob[0]["connected"] == "true"
    assert again["connected"] == "false" and again["error"] == "connection_changed"
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE and tenant.owner_user_id == BOB[0]
    assert stored_access(fakes) == "access-3" and "access-3" not in fakes.notion_oauth.revoked
    assert "access-2" in fakes.notion_oauth.revoked  # Ada's refused grant: revoked, its secret deleted
    assert token_secrets(fakes.secrets) == [tenant.token_secret]
    assert settings_status(fakes, bob[0]["session"]) == 200
