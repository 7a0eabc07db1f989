"""Connect and disconnect on the real Firestore emulator: the owner rule, a disconnect that lands
while a reconnect completes, and a connect that completes while a disconnect runs, decided by the
tenant store's conditioned update and each connection's own token secret."""

from typing import Any

import pytest
from google.cloud import firestore

from shared.notion.services.connect import Connecting
from shared.notion.services.disconnect import disconnect
from shared.platform.errors import Unauthenticated
from shared.team.services.sessions import principal_of
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.tenants import TenantStatus, tenant_id_for
from tests.support.notion.connection_services import connect, deps
from tests.support.notion.notion_fakes import no_held_runs
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.connection_ownership import ADA, BOB, PeopleOAuth, token_secrets
from tests.support.workspace.workspace_fakes import FakeOAuthStates

pytestmark = pytest.mark.integration
TENANT = tenant_id_for("ws-1")


def on_firestore(db: Any) -> Connecting:
    fakes = deps()
    return Connecting(
        fakes.settings, fakes.secrets, FakeOAuthStates(), FirestoreTenantStore(db), PeopleOAuth()
    )


def connect_as(d: Connecting, person: tuple[str, str], code: str) -> dict[str, str]:
    assert isinstance(d.oauth, PeopleOAuth)
    d.oauth.person = person
    d.oauth.codes.add(code)
    return connect(d, code)[1]


def test_only_the_owner_reconnects_and_a_disconnect_ends_the_sessions(firestore_db: Any) -> None:
    d = on_firestore(firestore_db)
    ada = connect_as(d, ADA, "code-ada")
    assert principal_of(f"Bearer {ada['session']}", d.secrets, d.tenants).tenant_id == TENANT
    assert connect_as(d, BOB, "code-bob")["error"] == "connected_by_another_user"
    tenant = d.tenants.get(TENANT)
    assert tenant is not None and tenant.owner_user_id == "user-1" and tenant.session_epoch
    disconnect(TENANT, d, no_held_runs)
    with pytest.raises(Unauthenticated, match="this session has ended"):
        principal_of(f"Bearer {ada['session']}", d.secrets, d.tenants)
    bob = connect_as(d, BOB, "code-bob-2")
    assert principal_of(f"Bearer {bob['session']}", d.secrets, d.tenants).tenant_id == TENANT


def test_a_disconnect_during_a_reconnect_wins(firestore_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    d = on_firestore(firestore_db)
    connect_as(d, ADA, "code-1")
    put = d.secrets.put

    def put_then_disconnect(name: str, value: str, *, create: bool = True) -> None:
        put(name, value, create=create)
        if name.startswith(f"notion-token-{TENANT}"):
            monkeypatch.setattr(d.secrets, "put", put)
            disconnect(TENANT, d, no_held_runs)  # lands between the new token's write and the tenant's update

    monkeypatch.setattr(d.secrets, "put", put_then_disconnect)
    assert connect_as(d, ADA, "code-2")["error"] == "connection_changed"
    tenant = d.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.REVOKED
    assert isinstance(d.secrets, FakeSecrets) and isinstance(d.oauth, PeopleOAuth)
    assert token_secrets(d.secrets) == [] and d.oauth.revoked == ["access-1", "access-2"]


def test_a_connect_during_a_disconnect_keeps_its_token(
    firestore_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = on_firestore(firestore_db)
    connect_as(d, ADA, "code-1")
    ended = d.tenants.get(TENANT)
    assert ended is not None and isinstance(d.secrets, FakeSecrets) and isinstance(d.oauth, PeopleOAuth)
    get = d.secrets.get
    bob: list[dict[str, str]] = []

    def bob_connects_first(name: str, fresh: bool = False) -> str:
        if name == ended.token_secret and not bob:  # the tenant is revoked, its token not read yet
            bob.append(connect_as(d, BOB, "code-bob"))
        return get(name, fresh)

    monkeypatch.setattr(d.secrets, "get", bob_connects_first)
    disconnect(TENANT, d, no_held_runs)
    tenant = d.tenants.get(TENANT)
    assert bob[0]["connected"] == "true"
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE and tenant.owner_user_id == BOB[0]
    assert token_secrets(d.secrets) == [tenant.token_secret]
    assert NotionTokens.load(get(tenant.token_secret)).access_token == "access-2"
    assert "access-2" not in d.oauth.revoked
    assert principal_of(f"Bearer {bob[0]['session']}", d.secrets, d.tenants).tenant_id == TENANT


def test_a_tenant_stored_before_session_epochs_loads_without_one(firestore_db: Any) -> None:
    d = on_firestore(firestore_db)
    connect_as(d, ADA, "code-ada")
    firestore_db.collection("tenants").document(TENANT).update({"session_epoch": firestore.DELETE_FIELD})
    tenant = d.tenants.get(TENANT)
    assert tenant is not None and tenant.session_epoch == ""
    again = connect_as(d, ADA, "code-again")  # its owner reconnecting gives it one
    assert principal_of(f"Bearer {again['session']}", d.secrets, d.tenants).tenant_id == TENANT
    tenant = d.tenants.get(TENANT)
    assert tenant is not None and tenant.session_epoch
