"""Shared by several test modules: a team on the api over fakes (an owner, invited members)."""

from typing import Any

from werkzeug.test import TestResponse

from tests.api_fakes import FakeContainer, client
from tests.support.api_keys import auth
from tests.support.connection_ownership import connect_as

CAROL = ("user-3", "carol@example.com")
DAN = ("user-4", "dan@example.com")
EVE = ("user-5", "eve@example.com")


def invite(fakes: FakeContainer, session: str, email: str, role: str) -> TestResponse:
    return client("api", fakes).post(
        "/team/invites", json={"email": email, "role": role}, headers=auth(session)
    )


def invite_code(fakes: FakeContainer, session: str, email: str, role: str) -> str:
    """The code of a new invite's link (``…#invite=<code>``)."""
    made = invite(fakes, session, email, role)
    assert made.status_code == 201 and made.json is not None, made.get_data(as_text=True)
    return str(made.json["link"]).rsplit("#invite=", 1)[1]


def join(
    fakes: FakeContainer, owner_session: str, person: tuple[str, str], role: str, code: str
) -> dict[str, str]:
    """``person`` invited as ``role`` by the owner, then signed in through Notion with the link."""
    signed = connect_as(fakes, person, code, invite=invite_code(fakes, owner_session, person[1], role))
    assert signed["connected"] == "true" and signed["role"] == role, signed
    return signed


def team_of(fakes: FakeContainer, session: str) -> dict[str, Any]:
    seen = client("api", fakes).get("/team", headers=auth(session))
    assert seen.status_code == 200 and seen.json is not None
    return dict(seen.json)


def member_id(fakes: FakeContainer, session: str, email: str) -> str:
    return str(next(m["member_id"] for m in team_of(fakes, session)["members"] if m["email"] == email))
