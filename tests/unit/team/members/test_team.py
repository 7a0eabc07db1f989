"""A team on the api (fakes): the owner invites, the invited person signs in with Notion under the
invite's email and acts within their role; nobody outside the team signs in, whatever link they hold;
a removed member's sessions and keys end at once."""

from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth, make_key
from tests.support.team.team import CAROL, DAN, editor_with_key, invite, invite_code, join, member_id, team_of
from tests.support.workspace.connection_ownership import ADA, BOB, TENANT, connect_as, fakes, stored_access

__all__ = ["fakes"]


def test_an_invited_person_signs_in_with_notion_and_acts_within_their_role(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    assert ada["role"] == "owner"
    bob = join(fakes, ada["session"], BOB, "editor", "code-bob")
    assert bob["tenant_id"] == TENANT
    # The sign-in's token is revoked at Notion and kept nowhere: the workspace's stays the owner's.
    assert stored_access(fakes) == "access-1" and fakes.notion_oauth.revoked == ["access-2"]
    api = client("api", fakes)
    assert api.post("/runs", json={"goal": "Sum up"}, headers=auth(bob["session"])).status_code == 202
    refused = api.patch("/settings", json={"daily_plan": False}, headers=auth(bob["session"]))
    assert refused.status_code == 403 and refused.json is not None
    assert "your role (editor) may not do this: it needs admin" in refused.json["reason"]
    members = team_of(fakes, ada["session"])["members"]
    assert [(m["email"], m["role"]) for m in members] == [
        ("ada@example.com", "owner"),
        ("bob@example.com", "editor"),
    ]
    assert team_of(fakes, ada["session"])["invites"] == []  # used up

    again = connect_as(fakes, BOB, "code-bob-2")  # a member signs in again without a link
    assert again["connected"] == "true" and again["role"] == "editor"


def test_nobody_outside_the_team_signs_in_whatever_link_they_hold(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    before = fakes.tenants.get(TENANT)
    stranger = connect_as(fakes, CAROL, "code-carol")  # in the workspace, but nobody invited her
    assert stranger["connected"] == "false" and stranger["error"] == "connected_by_another_user"
    code = invite_code(fakes, ada["session"], "bob@example.com", "viewer")
    forwarded = connect_as(fakes, CAROL, "code-carol-2", invite=code)  # Bob's link, Carol's Notion
    assert forwarded["error"] == "invite_for_another_email" and "session" not in forwarded
    fakes.notion_oauth.workspace_id = "ws-other"  # Bob's link, from another workspace's Notion
    elsewhere = connect_as(fakes, BOB, "code-bob", invite=code)
    assert elsewhere["error"] == "not_a_member" and "session" not in elsewhere
    fakes.notion_oauth.workspace_id = "ws-1"
    made_up = connect_as(fakes, BOB, "code-bob-2", invite="namem_" + "A" * 32)
    assert made_up["error"] == "invite_not_valid"
    tenant = fakes.tenants.get(TENANT)
    assert (
        tenant is not None and before is not None and tenant.members == () and len(tenant.member_invites) == 1
    )
    assert fakes.tenants.get("t_" + "0" * 32) is None  # nothing was connected for the other workspace
    # Every refused grant's token was revoked at Notion.
    assert fakes.notion_oauth.revoked == ["access-2", "access-3", "access-4", "access-5"]


def test_a_removed_member_s_session_and_key_end_at_once(fakes: FakeContainer) -> None:
    ada, bob, key = editor_with_key(fakes)
    api = client("api", fakes)
    assert api.get("/runs", headers=auth(key)).status_code == 200
    bob_id = member_id(fakes, ada["session"], "bob@example.com")
    removed = api.delete(f"/team/members/{bob_id}", headers=auth(ada["session"]))
    assert removed.status_code == 200 and removed.json == {
        "member_id": bob_id,
        "removed": True,
        "api_keys_deleted": 1,
    }
    for credential in (bob["session"], key):
        answer = api.get("/runs", headers=auth(credential))
        assert answer.status_code == 401, answer.get_data(as_text=True)
    # Invited and signed in again, Bob's earlier session still acts for nobody (a new member epoch).
    join(fakes, ada["session"], BOB, "viewer", "code-bob-2")
    assert api.get("/runs", headers=auth(bob["session"])).status_code == 401


def test_a_key_never_exceeds_its_person_s_role(fakes: FakeContainer) -> None:
    ada, bob, key = editor_with_key(fakes)
    api = client("api", fakes)
    assert api.post("/runs", json={"goal": "Sum up"}, headers=auth(key)).status_code == 202
    bob_id = member_id(fakes, ada["session"], "bob@example.com")
    lowered = api.patch(f"/team/members/{bob_id}", json={"role": "viewer"}, headers=auth(ada["session"]))
    assert lowered.status_code == 200 and lowered.json is not None and lowered.json["role"] == "viewer"
    refused = api.post("/runs", json={"goal": "Sum up"}, headers=auth(key))  # the key follows Bob's role
    assert refused.status_code == 403 and refused.json is not None and "(viewer)" in refused.json["reason"]
    asked = api.post("/api-keys", json={"name": "CI", "scopes": ["runs:start"]}, headers=auth(bob["session"]))
    assert asked.status_code == 403 and asked.json is not None and "runs:start" in asked.json["reason"]
    # A key is its person's: Bob lists his own, the owner every one.
    ada_key = make_key(fakes, ada["session"], name="Ada's")["key_id"]
    bobs = api.get("/api-keys", headers=auth(bob["session"])).json
    assert (
        bobs is not None
        and ada_key not in {k["key_id"] for k in bobs["api_keys"]}
        and len(bobs["api_keys"]) == 1
    )
    assert api.delete(f"/api-keys/{ada_key}", headers=auth(bob["session"])).status_code == 404
    everyone = api.get("/api-keys", headers=auth(ada["session"])).json
    assert everyone is not None and len(everyone["api_keys"]) == 2


def test_an_admin_manages_only_the_roles_below_theirs(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    bob = join(fakes, ada["session"], BOB, "admin", "code-bob")
    join(fakes, ada["session"], CAROL, "editor", "code-carol")
    api = client("api", fakes)
    assert invite(fakes, bob["session"], "dan@example.com", "admin").status_code == 403
    assert invite(fakes, bob["session"], DAN[1], "viewer").status_code == 201
    owner_id = member_id(fakes, ada["session"], "ada@example.com")
    carol_id = member_id(fakes, ada["session"], "carol@example.com")
    assert api.delete(f"/team/members/{owner_id}", headers=auth(bob["session"])).status_code == 403
    assert (
        api.patch(
            f"/team/members/{carol_id}", json={"role": "admin"}, headers=auth(bob["session"])
        ).status_code
        == 403
    )
    assert (
        api.patch(
            f"/team/members/{carol_id}", json={"role": "viewer"}, headers=auth(bob["session"])
        ).status_code
        == 200
    )
    # Production approvals are the owner's alone until the owner lets admins give them.
    chosen = {
        "question": "editor",
        "approval": "editor",
        "budget": "admin",
        "beyond_reach": "admin",
        "production": "admin",
    }
    assert api.put("/team/approvers", json=chosen, headers=auth(bob["session"])).status_code == 403
    assert api.put("/team/approvers", json=chosen, headers=auth(ada["session"])).status_code == 200
    viewers = chosen | {"question": "viewer"}  # a viewer decides nothing
    assert api.put("/team/approvers", json=viewers, headers=auth(ada["session"])).status_code == 400
    owners = chosen | {"production": "editor"}  # a production deployment: the owner's, or an admin's
    assert api.put("/team/approvers", json=owners, headers=auth(ada["session"])).status_code == 400
    assert team_of(fakes, bob["session"])["approvers"]["production"] == "admin"


def test_an_expired_or_withdrawn_invite_admits_nobody(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    api = client("api", fakes)
    expired = invite_code(fakes, ada["session"], BOB[1], "editor")
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    past = tuple(i.model_copy(update={"expires_at": i.created_at}) for i in tenant.member_invites)
    fakes.tenants.save(tenant.model_copy(update={"member_invites": past}))
    assert connect_as(fakes, BOB, "code-bob", invite=expired)["error"] == "invite_not_valid"
    assert team_of(fakes, ada["session"])["invites"] == []  # an expired invite is not listed as open

    withdrawn = invite_code(fakes, ada["session"], BOB[1], "editor")
    (open_invite,) = team_of(fakes, ada["session"])["invites"]
    gone = api.delete(f"/team/invites/{open_invite['invite_id']}", headers=auth(ada["session"]))
    assert gone.status_code == 200 and gone.json == {"invite_id": open_invite["invite_id"], "withdrawn": True}
    assert connect_as(fakes, BOB, "code-bob-2", invite=withdrawn)["error"] == "invite_not_valid"
    assert (
        api.delete(f"/team/invites/{open_invite['invite_id']}", headers=auth(ada["session"])).status_code
        == 404
    )


def test_a_member_signing_out_ends_only_their_own_sessions(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    bob = join(fakes, ada["session"], BOB, "viewer", "code-bob")
    api = client("api", fakes)
    assert api.delete("/session", headers=auth(bob["session"])).status_code == 200
    assert api.get("/runs", headers=auth(bob["session"])).status_code == 401
    assert api.get("/runs", headers=auth(ada["session"])).status_code == 200


def test_the_role_of_a_change_s_authors_is_the_least_of_theirs(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    join(fakes, ada["session"], BOB, "viewer", "code-bob")
    join(fakes, ada["session"], CAROL, "admin", "code-carol")
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    assert tenant.role_of_authors([ADA[0]]) == "owner"
    assert tenant.role_of_authors(["user-3"]) == "admin"  # Carol, by her Notion user id
    assert tenant.role_of_authors([ADA[0], "user-3", BOB[0]]) == "viewer"
    assert tenant.role_of_authors(["user-3", DAN[0]]) == ""  # someone outside the team took part
    assert tenant.role_of_authors([]) == ""


def test_a_member_id_of_any_text_names_nobody(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    api = client("api", fakes)
    for odd in ("m_é", "m_" + "x" * 24, "%F0%9F%98%80"):
        answer = api.delete(f"/team/members/{odd}", headers=auth(ada["session"]))
        assert answer.status_code in (400, 404), (odd, answer.status_code)


def test_an_invite_link_s_holder_is_told_the_workspace_and_role_and_nobody_else_anything(
    fakes: FakeContainer,
) -> None:
    """An invitee read "Connect your Notion workspace", neither it nor their role named.
    The link names its workspace; ``GET /invite`` with its code says the workspace's name and the
    role. Without the code the workspace issued (another's, a withdrawn one, another workspace) the
    answer is the same 404, so a non-invitee learns nothing; a code of the wrong shape is a 400."""
    ada = connect_as(fakes, ADA, "code-ada")
    made = invite(fakes, ada["session"], "bob@example.com", "editor")
    assert made.status_code == 201 and made.json is not None
    fragment = str(made.json["link"]).split("#", 1)[1]
    link = dict(part.split("=", 1) for part in fragment.split("&"))
    assert link["workspace"] == TENANT
    api = client("api", fakes)

    def asked(code: str, workspace: str) -> tuple[int, dict[str, object]]:
        answer = api.get("/invite", headers={"X-Invite-Code": code, "X-Invite-Workspace": workspace})
        return answer.status_code, dict(answer.json or {})

    status, told = asked(link["invite"], link["workspace"])
    assert status == 200, told
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    workspace_name = tenant.workspace_name
    assert told["workspace_name"] == workspace_name and told["role"] == "editor"
    other = invite_code(fakes, ada["session"], "carol@example.com", "viewer")
    assert asked(other, TENANT)[1]["role"] == "viewer"  # each link its own role
    unknown = "namem_" + "A" * 32
    refusals = [asked(unknown, TENANT), asked(link["invite"], "another-workspace"), asked(link["invite"], "")]
    assert {s for s, _ in refusals} == {404}
    assert len({str(body["reason"]) for _, body in refusals}) == 1  # one answer: nothing told apart
    assert workspace_name not in str(refusals)
    bad, body = asked("not-a-code", TENANT)
    assert bad == 400 and "not a valid invite code" in str(body["reason"])
    invite_id = next(
        i["invite_id"] for i in team_of(fakes, ada["session"])["invites"] if i["role"] == "editor"
    )
    assert api.delete(f"/team/invites/{invite_id}", headers=auth(ada["session"])).status_code == 200
    assert asked(link["invite"], TENANT)[0] == 404  # withdrawn: tells nothing any more


def test_an_invite_for_a_workspace_id_of_another_shape_is_the_same_404() -> None:
    """A workspace id that could not be a document id (a slash, dots, spaces) is never read: the same
    404 as an unknown workspace (Firestore refused such a path: schemathesis saw a 500)."""
    from datetime import UTC, datetime

    import pytest

    from shared.platform.errors import NotFound
    from shared.team.services.team import invitation

    class Unread:
        def get(self, tenant_id: str) -> None:
            raise AssertionError(f"read {tenant_id!r}")

    for workspace in ("a/b", "..", "a b", "x" * 65):
        with pytest.raises(NotFound):
            invitation(Unread(), workspace, "namem_" + "a" * 32, datetime.now(UTC))  # type: ignore[arg-type]  # reads nothing
