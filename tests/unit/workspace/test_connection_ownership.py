"""Who may connect a workspace that is connected already: its owner only, through the real entry
points (``GET /connect`` on api, then the oauth-callback) with fakes of every port."""

from datetime import UTC, datetime

from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, TenantStatus
from tests.link_tokens import fragment, mailed
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.connection_ownership import (
    ADA,
    BOB,
    TENANT,
    connect_as,
    disconnect_status,
    fakes,
    settings_status,
    stored_access,
    token_secrets,
)

__all__ = ["fakes"]  # the fixture the tests here ask for


def test_another_member_cannot_take_over_a_connected_workspace(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    assert ada["connected"] == "true" and settings_status(fakes, ada["session"]) == 200
    before = fakes.tenants.get(TENANT)
    bob = connect_as(fakes, BOB, "code-bob")
    assert bob["connected"] == "false" and bob["error"] == "connected_by_another_user"
    assert "another member" in bob["reason"] and "session" not in bob
    assert fakes.tenants.get(TENANT) == before  # owner, email, settings: untouched
    assert stored_access(fakes) == "access-1"
    assert fakes.notion_oauth.revoked == ["access-2"]  # Bob's token is not left alive at Notion
    assert settings_status(fakes, ada["session"]) == 200


def test_the_owner_reconnecting_replaces_the_token_and_stays_signed_in(fakes: FakeContainer) -> None:
    first = connect_as(fakes, ADA, "code-1")
    refused = fakes.tenants.get(TENANT)
    assert refused is not None  # as when Notion refused its token: only a reconnect helps
    fakes.tenants.save(refused.model_copy(update={"status": TenantStatus.NEEDS_RECONNECT}))
    again = connect_as(fakes, ADA, "code-2")
    assert again["connected"] == "true" and again["tenant_id"] == TENANT
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE and stored_access(fakes) == "access-2"
    assert settings_status(fakes, first["session"]) == 200 and settings_status(fakes, again["session"]) == 200
    assert isinstance(fakes.secrets, FakeSecrets)  # the replaced connection's secret is gone
    assert token_secrets(fakes.secrets) == [tenant.token_secret]


def test_after_a_disconnect_someone_else_may_connect_and_the_old_sessions_end(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    auth = {"Authorization": f"Bearer {ada['session']}"}
    assert client("api", fakes).delete("/connection", headers=auth).status_code == 200
    ended = client("api", fakes).get("/settings", headers=auth)
    assert ended.status_code == 401 and ended.json is not None and "disconnected" in ended.json["reason"]
    bob = connect_as(fakes, BOB, "code-bob")
    assert bob["connected"] == "true"
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE
    assert (tenant.owner_user_id, tenant.owner_email) == BOB
    assert settings_status(fakes, ada["session"]) == 401 and settings_status(fakes, bob["session"]) == 200


def choose_and_confirm_a_mailbox(fakes: FakeContainer, session: str) -> None:
    """The owner picks pages that start work and a private address, and confirms it by its link."""
    api = client("api", fakes)
    auth = {"Authorization": f"Bearer {session}"}
    chosen = {
        "notification_email": "ada@home.example",
        "notification_channels": ["email"],
        "data_source_ids": ["1a2b3c4d-0000-4000-8000-00000000abcd"],
    }
    assert api.patch("/settings", headers=auth, json=chosen).status_code == 200
    asks = [t for q, t, _, _ in fakes.queue.tasks if q == Queue.NOTIFY and isinstance(t, NotifyTask)]
    token = fragment(mailed(fakes, asks[-1]).confirm)
    assert api.post("/email-confirmations/confirm", json={"token": token}).status_code == 200
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.email_recipient() == "ada@home.example"


def test_someone_else_connecting_after_a_disconnect_starts_afresh(fakes: FakeContainer) -> None:
    """Ada's choices and her confirmed mailbox are hers: Bob's mail (decision links too) must not go to
    Ada, nor her pages start work for him before he chooses his own."""
    ada = connect_as(fakes, ADA, "code-ada")
    choose_and_confirm_a_mailbox(fakes, ada["session"])
    assert disconnect_status(fakes, ada["session"]) == 200
    bob = connect_as(fakes, BOB, "code-bob")
    assert bob["connected"] == "true" and bob["onboarding"] == "choose_sources"
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.owner_email == BOB[1]
    assert (
        tenant.settings == TenantSettings()
        and tenant.confirmed_email == ""
        and not tenant.confirmations_asked
    )
    assert tenant.email_recipient() == BOB[1]


def test_the_owner_connecting_again_after_a_disconnect_keeps_their_choices(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-1")
    choose_and_confirm_a_mailbox(fakes, ada["session"])
    before = fakes.tenants.get(TENANT)
    assert disconnect_status(fakes, ada["session"]) == 200
    again = connect_as(fakes, ADA, "code-2")
    assert again["connected"] == "true" and "onboarding" not in again
    tenant = fakes.tenants.get(TENANT)
    assert before is not None and tenant is not None
    assert tenant.settings == before.settings and tenant.email_recipient() == "ada@home.example"


def legacy_tenant(fakes: FakeContainer) -> None:
    """A tenant stored before its owner's Notion user id was: only the owner's email tells them."""
    now = datetime.now(UTC)
    fakes.tenants.save(
        Tenant(
            tenant_id=TENANT,
            workspace_id="ws-1",
            owner_email="Ada@Example.com",
            token_secret=f"notion-token-{TENANT}",  # one name per workspace, as stored until then
            created_at=now,
            updated_at=now,
        )
    )
    fakes.secrets.put(f"notion-token-{TENANT}", NotionTokens(access_token="access-0").dump())


def test_a_tenant_without_an_owner_id_is_reconnected_only_by_its_owners_email(fakes: FakeContainer) -> None:
    legacy_tenant(fakes)
    bob = connect_as(fakes, BOB, "code-bob")
    assert bob["error"] == "connected_by_another_user"
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.owner_email == "Ada@Example.com" and not tenant.owner_user_id
    ada = connect_as(fakes, ADA, "code-ada")
    assert ada["connected"] == "true" and settings_status(fakes, ada["session"]) == 200
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.owner_user_id == "user-1"  # recorded from now on
    assert isinstance(fakes.secrets, FakeSecrets)  # the old secret went with the connection it held
    assert token_secrets(fakes.secrets) == [tenant.token_secret] != [f"notion-token-{TENANT}"]


def test_a_workspace_with_nothing_chosen_is_sent_to_onboarding_until_its_owner_chooses(
    fakes: FakeContainer,
) -> None:
    first = connect_as(fakes, ADA, "code-1")
    assert first["onboarding"] == "choose_sources"  # the frontend's cue: nothing starts work yet
    auth = {"Authorization": f"Bearer {first['session']}"}
    chosen = {"data_source_ids": ["1a2b3c4d-0000-4000-8000-00000000abcd"]}
    assert client("api", fakes).patch("/settings", headers=auth, json=chosen).status_code == 200
    assert "onboarding" not in connect_as(fakes, ADA, "code-2")  # a reconnect with sources chosen
