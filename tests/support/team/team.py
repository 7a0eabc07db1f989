"""Shared by several test modules: a team on the api over fakes (an owner, invited members)."""

from datetime import UTC, datetime
from typing import Any

from werkzeug.test import TestResponse

from shared.workspace.domain.members import Member, member_id_for, new_epoch
from shared.workspace.domain.tenants import Tenant
from shared.workspace.ports import TenantStore
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth, make_key
from tests.support.workspace.connection_ownership import ADA, BOB, connect_as

CAROL = ("user-3", "carol@example.com")
DAN = ("user-4", "dan@example.com")
EVE = ("user-5", "eve@example.com")


def invite(fakes: FakeContainer, session: str, email: str, role: str) -> TestResponse:
    return client("api", fakes).post(
        "/team/invites", json={"email": email, "role": role}, headers=auth(session)
    )


def invite_code(fakes: FakeContainer, session: str, email: str, role: str) -> str:
    """The code of a new invite's link (``…#invite=<code>&workspace=<tenant>``)."""
    made = invite(fakes, session, email, role)
    assert made.status_code == 201 and made.json is not None, made.get_data(as_text=True)
    return str(made.json["link"]).rsplit("#invite=", 1)[1].split("&", 1)[0]


def join(
    fakes: FakeContainer, owner_session: str, person: tuple[str, str], role: str, code: str
) -> dict[str, str]:
    """``person`` invited as ``role`` by the owner, then signed in through Notion with the link."""
    signed = connect_as(fakes, person, code, invite=invite_code(fakes, owner_session, person[1], role))
    assert signed["connected"] == "true" and signed["role"] == role, signed
    return signed


def editor_with_key(fakes: FakeContainer) -> tuple[dict[str, str], dict[str, str], str]:
    """Ada (the owner, connected), Bob (invited as an editor, signed in) and Bob's API key, scoped
    read and runs:start: ``(ada, bob, key)``."""
    ada = connect_as(fakes, ADA, "code-ada")
    bob = join(fakes, ada["session"], BOB, "editor", "code-bob")
    key = make_key(fakes, bob["session"], scopes=["read", "runs:start"])["key"]
    return ada, bob, str(key)


def team_of(fakes: FakeContainer, session: str) -> dict[str, Any]:
    seen = client("api", fakes).get("/team", headers=auth(session))
    assert seen.status_code == 200 and seen.json is not None
    return dict(seen.json)


def member_id(fakes: FakeContainer, session: str, email: str) -> str:
    return str(next(m["member_id"] for m in team_of(fakes, session)["members"] if m["email"] == email))


def put_member(tenants: TenantStore, tenant_id: str, notion_user_id: str, role: str) -> None:
    """Notion user ``notion_user_id`` is a member of the tenant's team as ``role`` (added, or changed)."""
    member = Member(
        member_id=member_id_for(notion_user_id),
        notion_user_id=notion_user_id,
        role=role,  # one of the roles
        added_at=datetime.now(UTC),
        epoch=new_epoch(),
    )

    def put(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        others = tuple(m for m in tenant.members if m.member_id != member.member_id)
        return tenant.model_copy(update={"members": (*others, member)})

    tenants.update(tenant_id, put)


def put_settings(tenants: TenantStore, tenant_id: str, settings: dict[str, Any]) -> None:
    """What the owner chose by ``PATCH /settings``: the tenant's settings with ``settings`` changed."""

    def put(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"settings": tenant.settings.model_copy(update=settings)})

    tenants.update(tenant_id, put)
